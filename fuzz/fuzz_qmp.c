/* Fuzzes the QMP reader: arbitrary bytes arrive from "QEMU" on a socketpair,
 * through the synchronous handshake (greeting, capabilities reply) and then
 * the event-loop reader that parses replies and events. QEMU's output is
 * guest-influenced, so the monitor must survive anything it sends. */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu/qemu_monitor.h"
#include "util/vk_loop.h"

static void on_event(struct vk_qemu_monitor *mon, const char *name, struct json_object *data,
                     void *opaque)
{
}

static void on_eof(struct vk_qemu_monitor *mon, void *opaque)
{
    *(bool *)opaque = true;
}

static void on_release(void *opaque)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vk_loop *loop;
    if (!loop) {
        signal(SIGPIPE, SIG_IGN);
        loop = vk_loop_new();
    }
    /* Stay below the socket buffer so the write below never blocks. */
    if (size > 65536)
        size = 65536;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return 0;
    int sndbuf = 1 << 20;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    if (size && write(sv[1], data, size) < 0) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    shutdown(sv[1], SHUT_WR);

    bool eof = false;
    struct vk_qmp_callbacks cbs = {.event = on_event, .eof = on_eof, .release = on_release};
    struct vk_qemu_monitor *mon = vk_qmp_open(loop, sv[0], "fuzz", &cbs, &eof, 200);
    if (mon) {
        for (int i = 0; i < 200 && !eof; i++)
            vk_loop_iterate(loop, 10);
        vk_qmp_close(mon);
        vk_loop_iterate(loop, 0); /* release the watch */
    }
    close(sv[1]);
    return 0;
}
