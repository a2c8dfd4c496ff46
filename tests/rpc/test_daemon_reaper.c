/* virtkitd's reaper: as a child subreaper, an orphaned grandchild becomes
 * our zombie when it exits; the reaper must collect it (bounded wait). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/daemon_reaper.h"
#include "unit/vk_test.h"
#include "util/vk_loop.h"

static int exists(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    return access(path, F_OK) == 0;
}

int main(void)
{
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
    int pfd[2];
    CHECK(pipe(pfd) == 0);
    pid_t a = fork();
    if (a == 0) {
        pid_t g = fork();
        if (g == 0) {
            usleep(200 * 1000); /* outlive the parent, then exit */
            _exit(0);
        }
        ssize_t w = write(pfd[1], &g, sizeof(g));
        _exit(w == sizeof(g) ? 0 : 1);
    }
    pid_t g = 0;
    CHECK(read(pfd[0], &g, sizeof(g)) == sizeof(g));
    int st;
    CHECK(waitpid(a, &st, 0) == a); /* our own child: we reap it */
    CHECK(g > 0);

    struct vk_loop *loop = vk_loop_new();
    vk_reaper_new(loop);
    /* The grandchild is ours now; once it exits nobody but the reaper will
     * collect it. Wait up to 30 s for it to vanish. */
    for (int i = 0; i < 300 && exists(g); i++)
        vk_loop_iterate(loop, 100);
    CHECK(!exists(g));
    if (exists(g)) {
        kill(g, SIGKILL);
        waitpid(g, NULL, 0);
    }
    vk_loop_free(loop); /* frees the reaper */
    close(pfd[0]);
    close(pfd[1]);
    TEST_MAIN_END();
}
