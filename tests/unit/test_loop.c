/* Unit tests for the event loop: fd watches, timers, removal from inside a
 * callback and from another thread, free callbacks. */
#include <pthread.h>
#include <unistd.h>

#include "util/vk_loop.h"
#include "vk_test.h"

struct ctx {
    struct vk_loop *loop;
    int reads;
    int timer_fires;
    int freed;
    int watch;
};

static void on_read(int watch, int fd, int revents, void *opaque)
{
    struct ctx *c = opaque;
    char buf[16];
    if (read(fd, buf, sizeof(buf)) > 0)
        c->reads++;
    vk_loop_remove_fd(c->loop, watch); /* removal inside the callback is safe */
}

static void on_free(void *opaque)
{
    ((struct ctx *)opaque)->freed++;
}

static void on_timer(int timer, void *opaque)
{
    struct ctx *c = opaque;
    if (++c->timer_fires == 3) {
        vk_loop_remove_timer(c->loop, timer);
        vk_loop_quit(c->loop);
    }
}

static void *writer(void *opaque)
{
    int fd = *(int *)opaque;
    if (write(fd, "x", 1) != 1)
        return NULL;
    return NULL;
}

int main(void)
{
    struct ctx c = {0};
    c.loop = vk_loop_new();
    CHECK(c.loop != NULL);
    int p[2];
    CHECK(pipe(p) == 0);
    c.watch = vk_loop_add_fd(c.loop, p[0], POLLIN, on_read, &c, on_free);
    CHECK(c.watch > 0);
    pthread_t t;
    pthread_create(&t, NULL, writer, &p[1]);
    vk_loop_add_timer(c.loop, 5, on_timer, &c, on_free);
    vk_loop_run(c.loop); /* quits after the timer's third firing */
    pthread_join(t, NULL);
    /* The write may land after the timer quit the loop: drain it. */
    for (int i = 0; i < 100 && c.reads == 0; i++)
        vk_loop_iterate(c.loop, 10);
    vk_loop_iterate(c.loop, 0); /* purge the removed watch */
    CHECK(c.reads == 1);
    CHECK(c.timer_fires == 3);
    CHECK(c.freed == 2); /* both the watch and the timer released their opaque */
    vk_loop_free(c.loop);
    close(p[0]);
    close(p[1]);
    TEST_MAIN_END();
}
