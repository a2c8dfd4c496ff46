#include "vk_exec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vk_alloc.h"
#include "vk_buf.h"
#include "vk_error.h"
#include "vk_file.h"

extern char **environ;

/* Child side, after fork: async-signal-safe calls only. */
static void child(char *const argv[], const struct vk_spawn_opts *o, int errpipe, int devnull)
{
    int in = o->stdin_fd >= 0 ? o->stdin_fd : devnull;
    int out = o->stdout_fd >= 0 ? o->stdout_fd : devnull;
    int err = o->stderr_fd >= 0 ? o->stderr_fd : devnull;

    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    if (o->new_session)
        setsid();
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        goto fail;
    /* Every fd above 2 closes at exec, the error pipe included, except the
     * kept ones. close_range marks them all in one syscall (Linux 5.11); the
     * loop is for older kernels. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        for (int fd = 3; fd < 1024; fd++) {
            int fl = fcntl(fd, F_GETFD);
            if (fl >= 0)
                fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
        }
    }
    for (int i = 0; i < o->nkeep_fds; i++) {
        int fl = fcntl(o->keep_fds[i], F_GETFD);
        if (fl >= 0)
            fcntl(o->keep_fds[i], F_SETFD, fl & ~FD_CLOEXEC);
    }
    if (o->envp)
        execvpe(argv[0], argv, o->envp);
    else
        execvp(argv[0], argv);
fail:;
    int e = errno;
    ssize_t r = write(errpipe, &e, sizeof(e));
    (void)r;
    _exit(127);
}

int vk_spawn(char *const argv[], const struct vk_spawn_opts *opts, pid_t *pid)
{
    struct vk_spawn_opts none = {.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1};
    const struct vk_spawn_opts *o = opts ? opts : &none;
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return vk_error_system(errno, "cannot create pipe");
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return vk_error_system(errno, "cannot open /dev/null");
    }
    pid_t p = fork();
    if (p < 0) {
        int e = errno;
        close(pfd[0]);
        close(pfd[1]);
        close(devnull);
        return vk_error_system(e, "cannot fork to run '%s'", argv[0]);
    }
    if (p == 0)
        child(argv, o, pfd[1], devnull);
    close(pfd[1]);
    close(devnull);
    int childerr = 0;
    ssize_t n;
    do {
        n = read(pfd[0], &childerr, sizeof(childerr));
    } while (n < 0 && errno == EINTR);
    close(pfd[0]);
    if (n == (ssize_t)sizeof(childerr)) {
        int st;
        while (waitpid(p, &st, 0) < 0 && errno == EINTR)
            ;
        return vk_error_system(childerr, "cannot execute '%s'", argv[0]);
    }
    *pid = p;
    return 0;
}

static void drain(int fd, struct vk_buf *b, int *open_)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof(tmp));
    if (n > 0) {
        if (b->len < (1 << 20))
            vk_buf_add(b, tmp, (size_t)n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        *open_ = 0;
    }
}

int vk_run(char *const argv[], char **out, char **err)
{
    int op[2] = {-1, -1}, ep[2] = {-1, -1};
    if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
        int e = errno;
        if (op[0] >= 0) {
            close(op[0]);
            close(op[1]);
        }
        return vk_error_system(e, "cannot create pipe");
    }
    struct vk_spawn_opts o = {.stdin_fd = -1, .stdout_fd = op[1], .stderr_fd = ep[1]};
    pid_t pid;
    int r = vk_spawn(argv, &o, &pid);
    close(op[1]);
    close(ep[1]);
    if (r < 0) {
        close(op[0]);
        close(ep[0]);
        return -1;
    }
    struct vk_buf ob = VK_BUF_INIT, eb = VK_BUF_INIT;
    int oo = 1, eo = 1;
    while (oo || eo) {
        struct pollfd p[2] = {{.fd = oo ? op[0] : -1, .events = POLLIN},
                              {.fd = eo ? ep[0] : -1, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents)
            drain(op[0], &ob, &oo);
        if (p[1].revents)
            drain(ep[0], &eb, &eo);
    }
    close(op[0]);
    close(ep[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            /* Reaped by a SIGCHLD handler elsewhere: status unknown. */
            st = 0;
            break;
        }
    }
    if (out)
        *out = vk_buf_steal(&ob);
    if (err)
        *err = vk_buf_steal(&eb);
    vk_buf_free(&ob);
    vk_buf_free(&eb);
    if (WIFSIGNALED(st))
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_NONE, "'%s' was killed by signal %d",
                            argv[0], WTERMSIG(st));
    return WEXITSTATUS(st);
}

char *vk_argv_to_string(char *const argv[])
{
    struct vk_buf b = VK_BUF_INIT;
    for (int i = 0; argv[i]; i++) {
        if (i)
            vk_buf_adds(&b, " ");
        const char *a = argv[i];
        if (*a && !strpbrk(a, " \t\n'\"\\$`{}[]*?;&|<>()!#~")) {
            vk_buf_adds(&b, a);
            continue;
        }
        vk_buf_adds(&b, "'");
        for (; *a; a++) {
            if (*a == '\'')
                vk_buf_adds(&b, "'\\''");
            else
                vk_buf_add(&b, a, 1);
        }
        vk_buf_adds(&b, "'");
    }
    return vk_buf_steal(&b);
}
