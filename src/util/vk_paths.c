#include "vk_paths.h"

#include <string.h>

#include "vk_alloc.h"
#include "vk_config.h"
#include "vk_error.h"
#include "vk_file.h"

int vk_paths_init(struct vk_paths *p, const char *root)
{
    memset(p, 0, sizeof(*p));
    if (root) {
        if (root[0] != '/')
            return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                                "root directory '%s' must be an absolute path", root);
        size_t n = strlen(root);
        while (n > 1 && root[n - 1] == '/')
            n--;
        p->root = vk_strndup(root, n);
        p->config_dir = vk_asprintf("%s/etc", p->root);
        p->state_dir = vk_asprintf("%s/lib", p->root);
        p->run_dir = vk_asprintf("%s/run", p->root);
        p->log_dir = vk_asprintf("%s/log", p->root);
    } else {
        p->config_dir = vk_strdup(VK_SYSCONFDIR);
        p->state_dir = vk_strdup(VK_STATEDIR);
        p->run_dir = vk_strdup(VK_RUNDIR);
        p->log_dir = vk_strdup(VK_LOGDIR);
    }
    p->sock_rw = vk_asprintf("%s/virtkit-sock", p->run_dir);
    p->sock_ro = vk_asprintf("%s/virtkit-sock-ro", p->run_dir);
    return 0;
}

int vk_paths_create(const struct vk_paths *p)
{
    if (vk_mkdir_p(p->config_dir, 0700) < 0 || vk_mkdir_p(p->state_dir, 0700) < 0 ||
        vk_mkdir_p(p->run_dir, 0755) < 0 || vk_mkdir_p(p->log_dir, 0755) < 0)
        return -1;
    return 0;
}

void vk_paths_free(struct vk_paths *p)
{
    free(p->root);
    free(p->config_dir);
    free(p->state_dir);
    free(p->run_dir);
    free(p->log_dir);
    free(p->sock_rw);
    free(p->sock_ro);
    memset(p, 0, sizeof(*p));
}
