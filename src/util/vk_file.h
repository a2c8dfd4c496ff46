/* Files: atomic durable writes and bounded reads. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes data to path so that a crash at any instant leaves either the old
 * file or the new one, never a mix: temp file in the same directory, write,
 * fsync, rename, fsync the directory. Returns 0 or -1 (error set). */
int vk_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Like vk_file_write_atomic without the fsyncs: a crash of this process
 * (even SIGKILL mid-write) still leaves the old file or the new one, as the
 * kernel keeps both; a host crash may lose the update. For runtime state
 * under the run directory, which describes processes that do not survive a
 * host crash either (status files of running domains). */
int vk_file_replace(const char *path, const void *data, size_t len, mode_t mode);
/* The steps of an atomic replace, for contents written piece by piece:
 * vk_file_tmp_open makes a temporary file beside path (returns its fd, *tmp
 * its name); vk_file_tmp_commit fsyncs it (durable), renames it over path
 * and fsyncs the directory (durable); vk_file_tmp_abort drops it. Both take
 * fd and tmp over. */
int vk_file_tmp_open(const char *path, mode_t mode, char **tmp);
int vk_file_tmp_commit(int fd, char *tmp, const char *path, bool durable);
void vk_file_tmp_abort(int fd, char *tmp);
/* Reads a whole file of at most max bytes into a NUL-terminated buffer.
 * Returns 0 or -1 (error set: missing file, too large, I/O). */
int vk_file_read(const char *path, size_t max, char **out, size_t *outlen);
/* mkdir -p with the given mode for created directories. */
int vk_mkdir_p(const char *path, mode_t mode);
/* Removes path and fsyncs its directory; a missing file is not an error. */
int vk_file_unlink_durable(const char *path);
/* Sets FD_CLOEXEC / O_NONBLOCK. */
int vk_fd_set_cloexec(int fd);
int vk_fd_set_nonblock(int fd);
/* write()/read() the whole buffer, retrying on EINTR and short counts.
 * Blocking fds only. Return 0 or -1 with errno. */
int vk_write_all(int fd, const void *buf, size_t len);
int vk_read_all(int fd, void *buf, size_t len);
