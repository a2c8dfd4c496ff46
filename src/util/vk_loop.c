#include "vk_loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "vk_alloc.h"

struct watch {
    int id;
    int fd;
    int events;
    bool deleted;
    vk_loop_fd_cb cb;
    void *opaque;
    vk_loop_free_cb ff;
};

struct timer {
    int id;
    int interval_ms;
    bool deleted;
    long long due_ms;
    vk_loop_timer_cb cb;
    void *opaque;
    vk_loop_free_cb ff;
};

struct vk_loop {
    pthread_mutex_t lock;
    int wakefd;
    bool quit;
    bool running; /* inside dispatch: deletions are deferred */
    int next_id;
    struct watch *watches;
    size_t nwatches;
    struct timer *timers;
    size_t ntimers;
    struct pollfd *pfds; /* scratch, loop thread only */
    int *pfd_watch;
    size_t pfd_cap;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The loop whose callbacks this thread is running, if any. */
static __thread struct vk_loop *tls_in_loop;

/* A change made from inside a callback is seen when the loop rebuilds its
 * poll set right after dispatch: no eventfd write (a syscall per reply when
 * calls are answered on the loop thread). */
static void wake(struct vk_loop *loop)
{
    if (tls_in_loop == loop)
        return;
    uint64_t one = 1;
    ssize_t r = write(loop->wakefd, &one, sizeof(one));
    (void)r;
}

struct vk_loop *vk_loop_new(void)
{
    struct vk_loop *loop = vk_calloc(1, sizeof(*loop));
    pthread_mutex_init(&loop->lock, NULL);
    loop->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (loop->wakefd < 0) {
        free(loop);
        return NULL;
    }
    loop->next_id = 1;
    return loop;
}

void vk_loop_free(struct vk_loop *loop)
{
    if (!loop)
        return;
    for (size_t i = 0; i < loop->nwatches; i++)
        if (loop->watches[i].ff)
            loop->watches[i].ff(loop->watches[i].opaque);
    for (size_t i = 0; i < loop->ntimers; i++)
        if (loop->timers[i].ff)
            loop->timers[i].ff(loop->timers[i].opaque);
    free(loop->watches);
    free(loop->timers);
    free(loop->pfds);
    free(loop->pfd_watch);
    close(loop->wakefd);
    pthread_mutex_destroy(&loop->lock);
    free(loop);
}

int vk_loop_add_fd(struct vk_loop *loop, int fd, int events, vk_loop_fd_cb cb, void *opaque,
                   vk_loop_free_cb ff)
{
    pthread_mutex_lock(&loop->lock);
    struct watch *w = VK_APPEND(loop->watches, loop->nwatches);
    w->id = loop->next_id++;
    w->fd = fd;
    w->events = events;
    w->cb = cb;
    w->opaque = opaque;
    w->ff = ff;
    int id = w->id;
    pthread_mutex_unlock(&loop->lock);
    wake(loop);
    return id;
}

void vk_loop_update_fd(struct vk_loop *loop, int id, int events)
{
    pthread_mutex_lock(&loop->lock);
    for (size_t i = 0; i < loop->nwatches; i++)
        if (loop->watches[i].id == id && !loop->watches[i].deleted)
            loop->watches[i].events = events;
    pthread_mutex_unlock(&loop->lock);
    wake(loop);
}

void vk_loop_remove_fd(struct vk_loop *loop, int id)
{
    pthread_mutex_lock(&loop->lock);
    for (size_t i = 0; i < loop->nwatches; i++)
        if (loop->watches[i].id == id)
            loop->watches[i].deleted = true;
    pthread_mutex_unlock(&loop->lock);
    wake(loop);
}

int vk_loop_add_timer(struct vk_loop *loop, int interval_ms, vk_loop_timer_cb cb, void *opaque,
                      vk_loop_free_cb ff)
{
    pthread_mutex_lock(&loop->lock);
    struct timer *t = VK_APPEND(loop->timers, loop->ntimers);
    t->id = loop->next_id++;
    t->interval_ms = interval_ms;
    t->due_ms = now_ms() + (interval_ms > 0 ? interval_ms : 0);
    t->cb = cb;
    t->opaque = opaque;
    t->ff = ff;
    int id = t->id;
    pthread_mutex_unlock(&loop->lock);
    wake(loop);
    return id;
}

void vk_loop_update_timer(struct vk_loop *loop, int id, int interval_ms)
{
    pthread_mutex_lock(&loop->lock);
    for (size_t i = 0; i < loop->ntimers; i++) {
        struct timer *t = &loop->timers[i];
        if (t->id == id && !t->deleted) {
            t->interval_ms = interval_ms;
            t->due_ms = now_ms() + (interval_ms > 0 ? interval_ms : 0);
        }
    }
    pthread_mutex_unlock(&loop->lock);
    wake(loop);
}

void vk_loop_remove_timer(struct vk_loop *loop, int id)
{
    pthread_mutex_lock(&loop->lock);
    for (size_t i = 0; i < loop->ntimers; i++)
        if (loop->timers[i].id == id)
            loop->timers[i].deleted = true;
    pthread_mutex_unlock(&loop->lock);
    wake(loop);
}

/* Drops deleted entries; their free callbacks run without the lock held. */
static void purge(struct vk_loop *loop)
{
    struct { vk_loop_free_cb ff; void *opaque; } *dead = NULL;
    size_t ndead = 0, j = 0;

    pthread_mutex_lock(&loop->lock);
    for (size_t i = 0; i < loop->nwatches; i++) {
        struct watch *w = &loop->watches[i];
        if (w->deleted) {
            if (w->ff) {
                dead = vk_realloc(dead, sizeof(*dead) * (ndead + 1));
                dead[ndead].ff = w->ff;
                dead[ndead++].opaque = w->opaque;
            }
        } else {
            loop->watches[j++] = *w;
        }
    }
    loop->nwatches = j;
    j = 0;
    for (size_t i = 0; i < loop->ntimers; i++) {
        struct timer *t = &loop->timers[i];
        if (t->deleted) {
            if (t->ff) {
                dead = vk_realloc(dead, sizeof(*dead) * (ndead + 1));
                dead[ndead].ff = t->ff;
                dead[ndead++].opaque = t->opaque;
            }
        } else {
            loop->timers[j++] = *t;
        }
    }
    loop->ntimers = j;
    pthread_mutex_unlock(&loop->lock);

    for (size_t i = 0; i < ndead; i++)
        dead[i].ff(dead[i].opaque);
    free(dead);
}

void vk_loop_iterate(struct vk_loop *loop, int timeout_ms)
{
    purge(loop);

    pthread_mutex_lock(&loop->lock);
    size_t n = loop->nwatches + 1;
    if (n > loop->pfd_cap) {
        loop->pfds = vk_realloc(loop->pfds, n * sizeof(*loop->pfds));
        loop->pfd_watch = vk_realloc(loop->pfd_watch, n * sizeof(*loop->pfd_watch));
        loop->pfd_cap = n;
    }
    loop->pfds[0] = (struct pollfd){.fd = loop->wakefd, .events = POLLIN};
    loop->pfd_watch[0] = 0;
    size_t np = 1;
    for (size_t i = 0; i < loop->nwatches; i++) {
        struct watch *w = &loop->watches[i];
        if (w->deleted)
            continue;
        loop->pfds[np] = (struct pollfd){.fd = w->fd, .events = (short)w->events};
        loop->pfd_watch[np++] = w->id;
    }
    long long now = now_ms();
    int wait = timeout_ms;
    for (size_t i = 0; i < loop->ntimers; i++) {
        struct timer *t = &loop->timers[i];
        if (t->deleted || t->interval_ms < 0)
            continue;
        long long left = t->due_ms - now;
        if (left < 0)
            left = 0;
        if (wait < 0 || left < wait)
            wait = (int)left;
    }
    pthread_mutex_unlock(&loop->lock);

    int r = poll(loop->pfds, np, wait);
    if (r < 0 && errno != EINTR)
        return;
    tls_in_loop = loop;

    if (r > 0 && (loop->pfds[0].revents & POLLIN)) {
        uint64_t v;
        ssize_t rr = read(loop->wakefd, &v, sizeof(v));
        (void)rr;
    }
    for (size_t k = 1; r > 0 && k < np; k++) {
        if (!loop->pfds[k].revents)
            continue;
        vk_loop_fd_cb cb = NULL;
        void *opaque = NULL;
        int fd = -1;
        pthread_mutex_lock(&loop->lock);
        for (size_t i = 0; i < loop->nwatches; i++) {
            struct watch *w = &loop->watches[i];
            if (w->id == loop->pfd_watch[k] && !w->deleted) {
                cb = w->cb;
                opaque = w->opaque;
                fd = w->fd;
            }
        }
        pthread_mutex_unlock(&loop->lock);
        if (cb)
            cb(loop->pfd_watch[k], fd, loop->pfds[k].revents, opaque);
    }

    /* Timers: collect due ones under the lock, run them without it. */
    now = now_ms();
    for (;;) {
        vk_loop_timer_cb cb = NULL;
        void *opaque = NULL;
        int id = 0;
        pthread_mutex_lock(&loop->lock);
        for (size_t i = 0; i < loop->ntimers; i++) {
            struct timer *t = &loop->timers[i];
            if (t->deleted || t->interval_ms < 0 || t->due_ms > now)
                continue;
            t->due_ms = now + (t->interval_ms > 0 ? t->interval_ms : 0);
            if (t->interval_ms == 0)
                t->due_ms = now + 1; /* run once per iteration at most */
            cb = t->cb;
            opaque = t->opaque;
            id = t->id;
            break;
        }
        pthread_mutex_unlock(&loop->lock);
        if (!cb)
            break;
        cb(id, opaque);
    }
    tls_in_loop = NULL;
}

bool vk_loop_in_thread(struct vk_loop *loop)
{
    return tls_in_loop == loop;
}

void vk_loop_run(struct vk_loop *loop)
{
    for (;;) {
        pthread_mutex_lock(&loop->lock);
        bool quit = loop->quit;
        pthread_mutex_unlock(&loop->lock);
        if (quit)
            break;
        vk_loop_iterate(loop, -1);
    }
}

void vk_loop_quit(struct vk_loop *loop)
{
    pthread_mutex_lock(&loop->lock);
    loop->quit = true;
    pthread_mutex_unlock(&loop->lock);
    wake(loop);
}
