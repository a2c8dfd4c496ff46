/* QEMU's version, asked once per binary (`qemu -version` costs tens of ms,
 * so starting a domain must not pay it every time). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_domain.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_exec.h"

#define DEFAULT_EMULATOR "/usr/bin/qemu-system-x86_64"

const char *vk_qemu_emulator_of(const struct vk_domain_def *def)
{
    return def && def->emulator ? def->emulator : DEFAULT_EMULATOR;
}

static int parse_version(const char *out, unsigned long long *version)
{
    const char *p = strstr(out, "version ");
    unsigned maj, min, mic = 0;
    if (!p || sscanf(p + 8, "%u.%u.%u", &maj, &min, &mic) < 2)
        return -1;
    *version = maj * 1000000ULL + min * 1000ULL + mic;
    return 0;
}

int vk_qemu_emulator_version(struct vk_qemu_driver *drv, const char *emulator,
                             unsigned long long *version)
{
    struct stat st;
    if (emulator[0] != '/')
        return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_QEMU,
                            "emulator '%s' must be an absolute path", emulator);
    if (stat(emulator, &st) < 0 || access(emulator, X_OK) < 0)
        return vk_error_system(errno, "emulator '%s' cannot be executed", emulator);
    long long mtime = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;

    pthread_mutex_lock(&drv->version_lock);
    for (size_t i = 0; i < drv->nversions; i++) {
        if (!strcmp(drv->versions[i].path, emulator) && drv->versions[i].mtime_ns == mtime) {
            *version = drv->versions[i].version;
            pthread_mutex_unlock(&drv->version_lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&drv->version_lock);

    char *argv[] = {(char *)emulator, "-version", NULL};
    vk_autofree char *out = NULL;
    vk_autofree char *err = NULL;
    int rc = vk_run(argv, &out, &err);
    if (rc < 0)
        return -1;
    unsigned long long v;
    if (rc != 0 || parse_version(out, &v) < 0)
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                            "cannot learn the version of emulator '%s' (exit status %d): %s",
                            emulator, rc, rc ? err : out);

    pthread_mutex_lock(&drv->version_lock);
    struct vk_qemu_version_entry *e = NULL;
    for (size_t i = 0; i < drv->nversions && !e; i++)
        if (!strcmp(drv->versions[i].path, emulator))
            e = &drv->versions[i]; /* the binary was replaced: update it */
    if (!e) {
        e = VK_APPEND(drv->versions, drv->nversions);
        e->path = vk_strdup(emulator);
    }
    e->mtime_ns = mtime;
    e->version = v;
    pthread_mutex_unlock(&drv->version_lock);
    *version = v;
    return 0;
}
