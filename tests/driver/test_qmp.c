/* The QMP client against a scripted peer on a socketpair: handshake, replies
 * matched by id with events interleaved, QEMU errors, stray and malformed
 * messages, a reply that never comes, an oversized message, and a peer that
 * hangs up before greeting. */
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu/qemu_monitor.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_loop.h"
#include "vk_test.h"

struct peer {
    int fd;
    FILE *in;
};

static void say(struct peer *p, const char *s)
{
    if (vk_write_all(p->fd, s, strlen(s)) < 0 || vk_write_all(p->fd, "\r\n", 2) < 0)
        perror("peer write");
}

/* Reads one command; returns its "execute" and copies its id. */
static char *hear(struct peer *p, char *id, size_t idlen)
{
    char *line = NULL;
    size_t cap = 0;
    if (getline(&line, &cap, p->in) < 0) {
        free(line);
        return NULL;
    }
    struct json_object *o = json_tokener_parse(line), *e = NULL, *i = NULL;
    free(line);
    json_object_object_get_ex(o, "execute", &e);
    json_object_object_get_ex(o, "id", &i);
    char *cmd = vk_strdup(e ? json_object_get_string(e) : "");
    snprintf(id, idlen, "%s", i ? json_object_get_string(i) : "");
    json_object_put(o);
    return cmd;
}

static void *peer_main(void *opaque)
{
    struct peer *p = opaque;
    char id[64], buf[256];
    say(p, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, "
           "\"capabilities\": []}}");
    char *cmd;
    while ((cmd = hear(p, id, sizeof(id)))) {
        if (!strcmp(cmd, "qmp_capabilities") || !strcmp(cmd, "ok-cmd")) {
            if (!strcmp(cmd, "ok-cmd")) {
                say(p, "{\"event\": \"STOP\", \"data\": {}, \"timestamp\": {}}");
                say(p, "this is not json");
                say(p, "{\"return\": {}, \"id\": \"someone-else\"}");
            }
            snprintf(buf, sizeof(buf), "{\"return\": {\"answer\": 42}, \"id\": \"%s\"}", id);
            say(p, buf);
        } else if (!strcmp(cmd, "fail-cmd")) {
            snprintf(buf, sizeof(buf),
                     "{\"error\": {\"class\": \"GenericError\", \"desc\": \"nope, %s\"}, "
                     "\"id\": \"%s\"}",
                     "not now", id);
            say(p, buf);
        } else if (!strcmp(cmd, "silent-cmd")) {
            /* never answers */
        } else if (!strcmp(cmd, "big-cmd")) {
            size_t n = VK_QMP_MAX_MESSAGE + 4096;
            char *big = vk_malloc(n);
            memset(big, 'x', n);
            /* The client may hang up midway: that is the point. */
            (void)!vk_write_all(p->fd, big, n);
            free(big);
        }
        free(cmd);
    }
    return NULL;
}

struct seen {
    pthread_mutex_t lock;
    int stops, eofs, releases;
};

static void on_event(struct vk_qemu_monitor *mon, const char *name, struct json_object *data,
                     void *opaque)
{
    struct seen *s = opaque;
    pthread_mutex_lock(&s->lock);
    if (!strcmp(name, "STOP"))
        s->stops++;
    pthread_mutex_unlock(&s->lock);
}

static void on_eof(struct vk_qemu_monitor *mon, void *opaque)
{
    struct seen *s = opaque;
    pthread_mutex_lock(&s->lock);
    s->eofs++;
    pthread_mutex_unlock(&s->lock);
}

static void on_release(void *opaque)
{
    struct seen *s = opaque;
    pthread_mutex_lock(&s->lock);
    s->releases++;
    pthread_mutex_unlock(&s->lock);
}

static int get(struct seen *s, int *field)
{
    pthread_mutex_lock(&s->lock);
    int v = *field;
    pthread_mutex_unlock(&s->lock);
    return v;
}

static void *loop_main(void *opaque)
{
    vk_loop_run(opaque);
    return NULL;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* the peer writes to a client that hung up */
    struct vk_loop *loop = vk_loop_new();
    pthread_t lt;
    pthread_create(&lt, NULL, loop_main, loop);
    struct seen seen = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct vk_qmp_callbacks cbs = {.event = on_event, .eof = on_eof, .release = on_release};

    /* A peer that hangs up without a greeting. */
    int sp[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
    close(sp[1]);
    vk_error_reset();
    CHECK(vk_qmp_open(loop, sp[0], "mute", &cbs, &seen, 5000) == NULL);
    CHECK(strstr(vk_error_last()->message, "domain 'mute'") != NULL);
    CHECK(get(&seen, &seen.releases) == 0);

    /* The scripted peer. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
    struct peer peer = {.fd = sp[1], .in = fdopen(dup(sp[1]), "r")};
    pthread_t pt;
    pthread_create(&pt, NULL, peer_main, &peer);
    struct vk_qemu_monitor *mon = vk_qmp_open(loop, sp[0], "fake", &cbs, &seen, 30000);
    CHECK(mon != NULL);
    if (mon) {
        char *reply = NULL;
        CHECK(vk_qmp_command(mon, "ok-cmd", "{\"a\": 1}", &reply, 30000) == 0);
        CHECK_STREQ(reply, "{\"answer\":42}");
        free(reply);
        /* The event arrived before the reply, so it was dispatched first. */
        CHECK(get(&seen, &seen.stops) == 1);

        vk_error_reset();
        CHECK(vk_qmp_command(mon, "fail-cmd", NULL, NULL, 30000) < 0);
        CHECK(vk_error_last()->code == VK_ERR_OPERATION_FAILED);
        CHECK(strstr(vk_error_last()->message, "nope, not now") != NULL);

        vk_error_reset();
        CHECK(vk_qmp_command(mon, "ok-cmd", "[1, 2]", NULL, 30000) < 0); /* args not object */
        CHECK(vk_error_last()->code == VK_ERR_INTERNAL_ERROR);

        vk_error_reset();
        CHECK(vk_qmp_command(mon, "silent-cmd", NULL, NULL, 200) < 0);
        CHECK(vk_error_last()->code == VK_ERR_OPERATION_TIMEOUT);
        /* Still usable afterwards. */
        CHECK(vk_qmp_command(mon, "ok-cmd", NULL, NULL, 30000) == 0);

        /* An endless message: the client disconnects rather than buffer it. */
        vk_error_reset();
        CHECK(vk_qmp_command(mon, "big-cmd", NULL, NULL, 30000) < 0);
        CHECK(vk_error_last()->code == VK_ERR_OPERATION_FAILED);
        for (int i = 0; i < 600 && !get(&seen, &seen.eofs); i++)
            usleep(10000);
        CHECK(get(&seen, &seen.eofs) == 1);
        CHECK(vk_qmp_command(mon, "ok-cmd", NULL, NULL, 30000) < 0);
        vk_qmp_close(mon);
    }
    /* The peer sees EOF once the client's socket is closed (by the loop). */
    pthread_join(pt, NULL);
    fclose(peer.in);
    close(sp[1]);

    vk_loop_quit(loop);
    pthread_join(lt, NULL);
    vk_loop_free(loop);
    CHECK(seen.releases == 1);
    TEST_MAIN_END();
}
