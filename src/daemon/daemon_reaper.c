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
#define MAX_TRACKED 256

static struct vk_loop *reaper_loop;
static int reaper_timer;
static pid_t seen[MAX_TRACKED]; /* zombies seen by the previous scan */
static size_t nseen;
static int idle_scans; /* scans since the last zombie or SIGCHLD */

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

static void scan(int timer, void *opaque)
{
    pid_t now[MAX_TRACKED];
    size_t nnow = 0;
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
            if (nnow < MAX_TRACKED && is_zombie(pid))
                now[nnow++] = pid;
        fclose(f);
    }
    if (tasks)
        closedir(tasks);

    size_t keep = 0;
    for (size_t i = 0; i < nnow; i++) {
        bool old = false;
        for (size_t j = 0; j < nseen; j++)
            old |= seen[j] == now[i];
        int st;
        if (old && waitpid(now[i], &st, WNOHANG) == now[i])
            VK_DEBUG("reaped orphaned child %d", (int)now[i]);
        else
            now[keep++] = now[i];
    }
    memcpy(seen, now, keep * sizeof(pid_t));
    nseen = keep;
    /* Idle: scan rarely; zombies pending: scan every second. */
    if (nseen == 0 && ++idle_scans == 5)
        vk_loop_update_timer(reaper_loop, reaper_timer, SCAN_MS * 10);
}

void vk_reaper_start(struct vk_loop *loop)
{
    reaper_loop = loop;
    reaper_timer = vk_loop_add_timer(loop, SCAN_MS, scan, NULL, NULL);
}

void vk_reaper_kick(void)
{
    if (reaper_timer <= 0)
        return;
    if (idle_scans >= 5)
        vk_loop_update_timer(reaper_loop, reaper_timer, SCAN_MS);
    idle_scans = 0;
}

void vk_reaper_stop(void)
{
    if (reaper_timer > 0 && reaper_loop)
        vk_loop_remove_timer(reaper_loop, reaper_timer);
    reaper_timer = 0;
    reaper_loop = NULL;
}
