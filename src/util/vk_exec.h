/* Running programs: always exec with an argv array, never a shell. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

struct vk_spawn_opts {
    int stdin_fd;   /* -1: /dev/null */
    int stdout_fd;  /* -1: /dev/null */
    int stderr_fd;  /* -1: /dev/null */
    const int *keep_fds; /* other fds to keep open in the child (cloexec cleared) */
    int nkeep_fds;
    bool new_session;    /* setsid(): the child outlives our process group */
    char *const *envp;   /* NULL: inherit */
};

/* Starts argv[0] (a path, or a name looked up in PATH). Every other fd is
 * closed in the child. Returns 0 with *pid set, or -1 (error set). An exec
 * failure in the child is reported through a pipe, so a missing binary is
 * an error here rather than an exit status later. */
int vk_spawn(char *const argv[], const struct vk_spawn_opts *opts, pid_t *pid);

/* Runs argv to completion, capturing stdout and stderr (each up to 1 MiB) when
 * the pointers are non-NULL. Returns the exit status (0..255), or -1 (error set)
 * when it could not run or died from a signal. */
int vk_run(char *const argv[], char **out, char **err);

/* Renders argv as one line for logs and errors, quoting where needed. */
char *vk_argv_to_string(char *const argv[]);
