/* The event loop: one thread polls file descriptors and runs timers; other
 * threads may add, update and remove watches at any time (the loop is woken
 * through an eventfd). Callbacks run in the loop thread and must not block. */
#pragma once
#include <poll.h>
#include <stdbool.h>

struct vk_loop;

typedef void (*vk_loop_fd_cb)(int watch, int fd, int revents, void *opaque);
typedef void (*vk_loop_timer_cb)(int timer, void *opaque);
/* Called when a watch or timer is removed, to release opaque. */
typedef void (*vk_loop_free_cb)(void *opaque);

struct vk_loop *vk_loop_new(void);
void vk_loop_free(struct vk_loop *loop);

/* events: POLLIN / POLLOUT. Returns a watch id > 0, or -1. */
int vk_loop_add_fd(struct vk_loop *loop, int fd, int events, vk_loop_fd_cb cb, void *opaque,
                   vk_loop_free_cb ff);
void vk_loop_update_fd(struct vk_loop *loop, int watch, int events);
/* Safe from any thread and from inside callbacks; ff runs later, in the loop. */
void vk_loop_remove_fd(struct vk_loop *loop, int watch);

/* interval_ms < 0 disables, 0 fires on the next iteration, >0 repeats. */
int vk_loop_add_timer(struct vk_loop *loop, int interval_ms, vk_loop_timer_cb cb, void *opaque,
                      vk_loop_free_cb ff);
void vk_loop_update_timer(struct vk_loop *loop, int timer, int interval_ms);
void vk_loop_remove_timer(struct vk_loop *loop, int timer);

/* Runs until vk_loop_quit(). */
void vk_loop_run(struct vk_loop *loop);
void vk_loop_quit(struct vk_loop *loop);
/* Runs one iteration, waiting at most timeout_ms (-1 forever). */
void vk_loop_iterate(struct vk_loop *loop, int timeout_ms);
/* True inside one of loop's callbacks (the loop thread, dispatching). */
bool vk_loop_in_thread(struct vk_loop *loop);
