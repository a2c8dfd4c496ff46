/* QMP client: one connection to a QEMU monitor socket.
 *
 * The handshake (greeting, qmp_capabilities) runs in the caller's thread
 * before the socket joins the event loop; afterwards the loop thread reads
 * and parses every message, hands replies to the waiting worker (matched by
 * "id") and dispatches events to the callbacks. Commands may be sent from any
 * thread except the loop's (the caller blocks until the reply). */
#pragma once

struct json_object;
struct vk_loop;
struct vk_qemu_monitor;

/* Longest QMP message accepted; a longer one is a protocol error. */
#define VK_QMP_MAX_MESSAGE (4u << 20)

struct vk_qmp_callbacks {
    /* Loop thread. data is the event's "data" member or NULL. */
    void (*event)(struct vk_qemu_monitor *mon, const char *name, struct json_object *data,
                  void *opaque);
    /* Loop thread: the connection ended (QEMU exited or broke the protocol). */
    void (*eof)(struct vk_qemu_monitor *mon, void *opaque);
    /* Called once when no callback can run any more: releases opaque. */
    void (*release)(void *opaque);
};

/* Connects to the monitor socket at path. Returns the fd or -1 (error set). */
int vk_qmp_connect(const char *path);

/* Takes ownership of the connected fd (closed on failure too). what names
 * the domain in errors. Waits at most timeout_ms for the greeting and the
 * capabilities reply. On failure release(opaque) is not called. */
struct vk_qemu_monitor *vk_qmp_open(struct vk_loop *loop, int fd, const char *what,
                                    const struct vk_qmp_callbacks *cbs, void *opaque,
                                    int timeout_ms);

/* Runs cmd with args_json (a JSON object text, or NULL). On success returns 0
 * and, when reply_json is non-NULL, the "return" member as JSON text (caller
 * frees). A QMP error reply is VK_ERR_OPERATION_FAILED with QEMU's text. */
int vk_qmp_command(struct vk_qemu_monitor *mon, const char *cmd, const char *args_json,
                   char **reply_json, int timeout_ms);

/* As vk_qmp_command, and pass_fd (>= 0) is sent with the command over the
 * socket (SCM_RIGHTS), as QMP getfd expects; the caller keeps its fd. */
int vk_qmp_command_fd(struct vk_qemu_monitor *mon, const char *cmd, const char *args_json,
                      int pass_fd, char **reply_json, int timeout_ms);

/* Disconnects: waiting commands fail, no event or eof callback starts after
 * this returns. NULL is accepted. */
void vk_qmp_close(struct vk_qemu_monitor *mon);
