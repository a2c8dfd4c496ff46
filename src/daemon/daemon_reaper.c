#include "daemon/daemon_reaper.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/vk_alloc.h"
#include "util/vk_log.h"
#include "util/vk_loop.h"

#define SCAN_MS 2000 /* also the grace period before reaping a zombie */
#define IDLE_MS (SCAN_MS * 5)
#define MAX_TRACKED 256

struct vk_reaper {
    struct vk_loop *loop;
    int timer;
    pid_t seen[MAX_TRACKED]; /* zombies seen by the previous scan */
    size_t nseen;
    int idle_scans; /* scans since the last zombie or SIGCHLD */
};

static bool is_zombie(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) S ...": comm may hold spaces and parentheses. */
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] == 'Z';
}

/* Our zombie children, from every thread's children list. */
static size_t list_zombies(pid_t *out)
{
    size_t n = 0;
    DIR *tasks = opendir("/proc/self/task");
    struct dirent *t;
    while (tasks && (t = readdir(tasks))) {
        if (t->d_name[0] == '.')
            continue;
        char path[300];
        snprintf(path, sizeof(path), "/proc/self/task/%s/children", t->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        int pid;
        while (fscanf(f, "%d", &pid) == 1)
            if (n < MAX_TRACKED && is_zombie(pid))
                out[n++] = pid;
        fclose(f);
    }
    if (tasks)
        closedir(tasks);
    return n;
}

static void scan(int timer, void *opaque)
{
    struct vk_reaper *r = opaque;
    pid_t now[MAX_TRACKED];
    size_t nnow = list_zombies(now), keep = 0;
    for (size_t i = 0; i < nnow; i++) {
        bool old = false;
        for (size_t j = 0; j < r->nseen; j++)
            old |= r->seen[j] == now[i];
        int st;
        if (old && waitpid(now[i], &st, WNOHANG) == now[i])
            VK_DEBUG("reaped orphaned child %d", (int)now[i]);
        else
            now[keep++] = now[i];
    }
    memcpy(r->seen, now, keep * sizeof(pid_t));
    r->nseen = keep;
    /* Idle: scan rarely; zombies pending or SIGCHLD seen: every SCAN_MS. */
    if (r->nseen == 0 && ++r->idle_scans == 5)
        vk_loop_update_timer(r->loop, r->timer, IDLE_MS);
}

struct vk_reaper *vk_reaper_new(struct vk_loop *loop)
{
    struct vk_reaper *r = vk_calloc(1, sizeof(*r));
    r->loop = loop;
    r->timer = vk_loop_add_timer(loop, SCAN_MS, scan, r, free);
    return r;
}

void vk_reaper_kick(struct vk_reaper *r)
{
    if (r->idle_scans >= 5)
        vk_loop_update_timer(r->loop, r->timer, SCAN_MS);
    r->idle_scans = 0;
}
