#include "vk_file.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vk_alloc.h"
#include "vk_error.h"

int vk_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int vk_read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EPIPE;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fsync_dir_of(const char *path)
{
    vk_autofree char *copy = vk_strdup(path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return vk_error_system(errno, "cannot open directory of '%s'", path);
    int r = fsync(dfd);
    int err = errno;
    close(dfd);
    if (r < 0)
        return vk_error_system(err, "cannot sync directory of '%s'", path);
    return 0;
}

int vk_file_tmp_open(const char *path, mode_t mode, char **tmp_out)
{
    char *tmp = vk_asprintf("%s.tmp.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        free(tmp);
        return vk_error_system(err, "cannot create temporary file for '%s'", path);
    }
    if (fchmod(fd, mode) < 0) {
        int err = errno;
        vk_file_tmp_abort(fd, tmp);
        return vk_error_system(err, "cannot set the mode of a temporary file for '%s'", path);
    }
    *tmp_out = tmp;
    return fd;
}

void vk_file_tmp_abort(int fd, char *tmp)
{
    close(fd);
    unlink(tmp);
    free(tmp);
}

int vk_file_tmp_commit(int fd, char *tmp, const char *path, bool durable)
{
    if ((durable && fsync(fd) < 0) || close(fd) < 0) {
        int err = errno;
        unlink(tmp);
        free(tmp);
        return vk_error_system(err, "cannot write '%s'", path);
    }
    if (rename(tmp, path) < 0) {
        int err = errno;
        unlink(tmp);
        free(tmp);
        return vk_error_system(err, "cannot rename into '%s'", path);
    }
    free(tmp);
    return durable ? fsync_dir_of(path) : 0;
}

static int write_replace(const char *path, const void *data, size_t len, mode_t mode,
                         bool durable)
{
    char *tmp;
    int fd = vk_file_tmp_open(path, mode, &tmp);
    if (fd < 0)
        return -1;
    if (vk_write_all(fd, data, len) < 0) {
        int err = errno;
        vk_file_tmp_abort(fd, tmp);
        return vk_error_system(err, "cannot write '%s'", path);
    }
    return vk_file_tmp_commit(fd, tmp, path, durable);
}

int vk_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    return write_replace(path, data, len, mode, true);
}

int vk_file_replace(const char *path, const void *data, size_t len, mode_t mode)
{
    return write_replace(path, data, len, mode, false);
}

int vk_file_read(const char *path, size_t max, char **out, size_t *outlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vk_error_system(errno, "cannot open '%s'", path);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        return vk_error_system(err, "cannot stat '%s'", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "'%s' is not a regular file", path);
    }
    size_t cap = 4096, len = 0;
    char *buf = vk_malloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > max + 1) {
                free(buf);
                close(fd);
                return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                                    "'%s' is larger than %zu bytes", path, max);
            }
            cap *= 2;
            buf = vk_realloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            free(buf);
            close(fd);
            return vk_error_system(err, "cannot read '%s'", path);
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len > max) {
        free(buf);
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "'%s' is larger than %zu bytes",
                            path, max);
    }
    buf[len] = '\0';
    *out = buf;
    if (outlen)
        *outlen = len;
    return 0;
}

int vk_mkdir_p(const char *path, mode_t mode)
{
    vk_autofree char *copy = vk_strdup(path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
            return vk_error_system(errno, "cannot create directory '%s'", copy);
        *p = '/';
    }
    if (mkdir(copy, mode) < 0 && errno != EEXIST)
        return vk_error_system(errno, "cannot create directory '%s'", copy);
    return 0;
}

int vk_file_unlink_durable(const char *path)
{
    if (unlink(path) < 0) {
        if (errno == ENOENT)
            return 0;
        return vk_error_system(errno, "cannot remove '%s'", path);
    }
    return fsync_dir_of(path);
}

int vk_fd_set_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

int vk_fd_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return 0;
}
