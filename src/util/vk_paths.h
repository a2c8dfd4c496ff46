/* Where virtkitd keeps things. System mode: /etc/virtkit, /var/lib/virtkit,
 * /run/virtkit, /var/log/virtkit. With `virtkitd --root DIR` everything is
 * under DIR (DIR/etc, DIR/lib, DIR/run, DIR/log), so tests, the demo and
 * unprivileged users need no system directories. */
#pragma once

struct vk_paths {
    char *root;       /* NULL in system mode */
    char *config_dir; /* persistent config: <config_dir>/qemu/<name>.xml */
    char *state_dir;  /* persistent state (managed save, ...) */
    char *run_dir;    /* runtime: sockets, status files, monitors */
    char *log_dir;    /* <log_dir>/qemu/<name>.log */
    char *sock_rw;    /* <run_dir>/virtkit-sock */
    char *sock_ro;    /* <run_dir>/virtkit-sock-ro */
};

/* root NULL: system mode. Returns 0, or -1 (error set) when root is not an
 * absolute path. Creates nothing. */
int vk_paths_init(struct vk_paths *p, const char *root);
/* Creates the directories (mode 0700, run and log 0755). */
int vk_paths_create(const struct vk_paths *p);
void vk_paths_free(struct vk_paths *p);
