/* Linux control groups v1 and v2 (see vk_cgroup.h for placement and why
 * there is no library underneath). */
#include "util/vk_cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"
#include "util/vk_file.h"
#include "util/vk_log.h"

#define CG_FILE_MAX (1u << 20)

static const char *const ctrl_names[VK_CG_NCTRL] = {"cpu", "cpuacct", "memory"};

static void sweep(const char *part);

void vk_cg_mounts_clear(struct vk_cg_mounts *m)
{
    for (int i = 0; i < VK_CG_NCTRL; i++) {
        free(m->mnt[i]);
        free(m->root[i]);
    }
    free(m->v2_mnt);
    free(m->v2_root);
    memset(m, 0, sizeof(*m));
}

void vk_cgroup_free(struct vk_cgroup *cg)
{
    if (!cg)
        return;
    for (int i = 0; i < VK_CG_NCTRL; i++)
        free(cg->dir[i]);
    free(cg);
}

/* ---- parsing ---- */

/* Does the comma-separated list contain word? */
static bool list_has(const char *list, size_t len, const char *word)
{
    size_t wl = strlen(word);
    const char *p = list, *end = list + len;
    while (p < end) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        size_t l = c ? (size_t)(c - p) : (size_t)(end - p);
        if (l == wl && !memcmp(p, word, wl))
            return true;
        p += l + 1;
    }
    return false;
}

/* mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
int vk_cgroup_parse_mountinfo(const char *text, struct vk_cg_mounts *m)
{
    memset(m, 0, sizeof(*m));
    const char *line = text;
    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        vk_autofree char *l = vk_strndup(line, len);
        line = eol ? eol + 1 : NULL;
        char *f[6] = {0}, *save = NULL, *tok = strtok_r(l, " ", &save);
        int nf = 0;
        for (; tok && nf < 6; tok = strtok_r(NULL, " ", &save))
            f[nf++] = tok;
        while (tok && strcmp(tok, "-"))
            tok = strtok_r(NULL, " ", &save);
        char *fstype = tok ? strtok_r(NULL, " ", &save) : NULL;
        char *source = fstype ? strtok_r(NULL, " ", &save) : NULL;
        char *super = source ? strtok_r(NULL, " ", &save) : NULL;
        if (nf < 6 || !super)
            continue;
        if (!strcmp(fstype, "cgroup2")) {
            if (!m->v2_mnt) {
                m->v2_mnt = vk_strdup(f[4]);
                m->v2_root = vk_strdup(f[3]);
            }
        } else if (!strcmp(fstype, "cgroup")) {
            for (int i = 0; i < VK_CG_NCTRL; i++)
                if (!m->mnt[i] && list_has(super, strlen(super), ctrl_names[i])) {
                    m->mnt[i] = vk_strdup(f[4]);
                    m->root[i] = vk_strdup(f[3]);
                }
        }
    }
    return 0;
}

/* /proc/PID/cgroup: ID:CONTROLLERS:PATH; v2's line is 0::PATH. */
char *vk_cgroup_parse_proc(const char *text, const char *controller)
{
    const char *line = text;
    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *c1 = memchr(line, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
        if (c2) {
            const char *ctrls = c1 + 1;
            size_t clen = (size_t)(c2 - ctrls);
            bool match = controller ? list_has(ctrls, clen, controller)
                                    : (clen == 0 && c1 - line == 1 && line[0] == '0');
            if (match)
                return vk_strndup(c2 + 1, len - (size_t)(c2 + 1 - line));
        }
        line = eol ? eol + 1 : NULL;
    }
    return NULL;
}

char *vk_cgroup_resolve(const char *mnt, const char *root, const char *path)
{
    if (!mnt || !root || !path || path[0] != '/')
        return NULL;
    size_t rl = strlen(root);
    if (strcmp(root, "/") != 0) {
        if (strncmp(path, root, rl) || (path[rl] && path[rl] != '/'))
            return NULL;
        path += rl;
    }
    while (*path == '/')
        path++;
    return *path ? vk_asprintf("%s/%s", mnt, path) : vk_strdup(mnt);
}

int vk_cgroup_parse_list(const char *text, unsigned long long **vals)
{
    size_t n = 0, cap = 16;
    *vals = vk_calloc(cap, sizeof(**vals));
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        if (!*p)
            break;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || errno || *p == '-' ||
            (*end && *end != ' ' && *end != '\n' && *end != '\t')) {
            VK_FREE(*vals);
            return -1;
        }
        if (n == cap) {
            cap *= 2;
            *vals = vk_realloc(*vals, cap * sizeof(**vals));
        }
        (*vals)[n++] = v;
        p = end;
    }
    return (int)n;
}

int vk_cgroup_parse_keyed(const char *text, const char *key, unsigned long long *val)
{
    size_t kl = strlen(key);
    const char *line = text;
    while (line && *line) {
        if (!strncmp(line, key, kl) && line[kl] == ' ') {
            char *end;
            errno = 0;
            *val = strtoull(line + kl + 1, &end, 10);
            if (end == line + kl + 1 || errno || line[kl + 1] == '-')
                return -1;
            return 0;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return -1;
}

int vk_cgroup_parse_cpu_max(const char *text, long long *quota, unsigned long long *period)
{
    char q[32];
    unsigned long long p;
    if (sscanf(text, "%31s %llu", q, &p) != 2)
        return -1;
    if (!strcmp(q, "max")) {
        *quota = -1;
    } else {
        char *end;
        errno = 0;
        long long v = strtoll(q, &end, 10);
        if (*end || errno || v < 0)
            return -1;
        *quota = v;
    }
    *period = p;
    return 0;
}

char *vk_cgroup_escape(const char *name)
{
    struct vk_buf b = {0};
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        bool keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == ':' ||
                    (*p == '.' && p != (const unsigned char *)name);
        if (keep)
            vk_buf_addf(&b, "%c", *p);
        else
            vk_buf_addf(&b, "\\x%02x", *p);
    }
    if (!b.data)
        return vk_strdup("");
    return vk_buf_steal(&b);
}

/* ---- files ---- */

static int read_file(const char *dir, const char *file, char **out)
{
    vk_autofree char *path = vk_asprintf("%s/%s", dir, file);
    size_t len;
    return vk_file_read(path, CG_FILE_MAX, out, &len);
}

static int write_file(const char *dir, const char *file, const char *val)
{
    vk_autofree char *path = vk_asprintf("%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return vk_error_system(errno, "cannot open cgroup file '%s'", path);
    ssize_t n;
    do {
        n = write(fd, val, strlen(val));
    } while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n < 0)
        return vk_error_system(e, "cannot write '%s' to cgroup file '%s'", val, path);
    return 0;
}

static int read_ull(const char *dir, const char *file, unsigned long long *v)
{
    vk_autofree char *s = NULL;
    if (read_file(dir, file, &s) < 0)
        return -1;
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 10);
    if (end == s || errno || s[0] == '-')
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_NONE,
                            "cgroup file '%s/%s' holds '%s', not a number", dir, file, s);
    return 0;
}

static int read_ll(const char *dir, const char *file, long long *v)
{
    vk_autofree char *s = NULL;
    if (read_file(dir, file, &s) < 0)
        return -1;
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 10);
    if (end == s || errno)
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_NONE,
                            "cgroup file '%s/%s' holds '%s', not a number", dir, file, s);
    return 0;
}

static int need(const struct vk_cgroup *cg, enum vk_cg_ctrl c)
{
    if (cg->dir[c])
        return 0;
    return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_NONE,
                        "the cgroup controller '%s' is not available", ctrl_names[c]);
}

/* ---- placement ---- */

static char *read_text(const char *path)
{
    char *s = NULL;
    size_t len;
    if (vk_file_read(path, CG_FILE_MAX, &s, &len) < 0)
        return NULL;
    return s;
}

static char *parent_path(const char *path)
{
    char *p = vk_strdup(path);
    char *slash = strrchr(p, '/');
    if (slash && slash != p)
        *slash = '\0';
    else
        strcpy(p, "/");
    return p;
}

/* The v2 controllers of dir's cgroup.controllers we care about. */
static bool v2_has(const char *dir, const char *ctrl)
{
    vk_autofree char *path = vk_asprintf("%s/cgroup.controllers", dir);
    vk_autofree char *s = read_text(path);
    if (!s) {
        vk_error_reset();
        return false;
    }
    for (char *save = NULL, *t = strtok_r(s, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
        if (!strcmp(t, ctrl))
            return true;
    return false;
}

static int mkdir_one(const char *dir)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return vk_error_system(errno, "cgroups are not available: cannot create '%s'", dir);
    return 0;
}

static int not_available(const char *why)
{
    return vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_NONE, "cgroups are not available: %s",
                        why);
}

/* Where the partition goes (see Placement), NULL when outside the mount. */
static char *base_dir(const struct vk_cg_mounts *m, const char *self, bool v1, int i)
{
    if (v1) {
        vk_autofree char *path = vk_cgroup_parse_proc(self, ctrl_names[i]);
        return m->mnt[i] ? vk_cgroup_resolve(m->mnt[i], m->root[i], path) : NULL;
    }
    vk_autofree char *path = vk_cgroup_parse_proc(self, NULL);
    vk_autofree char *ppath = path ? parent_path(path) : NULL;
    return vk_cgroup_resolve(m->v2_mnt, m->v2_root, ppath);
}

/* mkdir partition and leaf, then move pid in; again when a concurrent
 * stop removed the empty partition or group in between. */
static int add_pid(const char *part, const char *dir, pid_t pid)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    for (int attempt = 0;; attempt++) {
        if (mkdir_one(part) < 0 || mkdir_one(dir) < 0)
            return -1;
        if (write_file(dir, "cgroup.procs", buf) == 0)
            return 0;
        if (access(dir, F_OK) == 0 || attempt >= 5)
            return -1;
        vk_error_reset(); /* swept away meanwhile: make it again */
    }
}

static struct vk_cgroup *create_v1(const struct vk_cg_mounts *m, const char *self,
                                   const char *partition, const char *leaf, pid_t pid)
{
    struct vk_cgroup *cg = vk_calloc(1, sizeof(*cg));
    cg->version = 1;
    int used = 0;
    for (int i = 0; i < VK_CG_NCTRL; i++) {
        if (!m->mnt[i])
            continue;
        vk_autofree char *base = base_dir(m, self, true, i);
        if (!base)
            continue;
        /* cpu and cpuacct are often one hierarchy: one directory serves both. */
        for (int j = 0; j < i && !cg->dir[i]; j++)
            if (m->mnt[j] && !strcmp(m->mnt[j], m->mnt[i]) && cg->dir[j])
                cg->dir[i] = vk_strdup(cg->dir[j]);
        if (cg->dir[i])
            continue;
        vk_autofree char *part = vk_asprintf("%s/%s", base, partition);
        vk_autofree char *dir = vk_asprintf("%s/%s", part, leaf);
        if (add_pid(part, dir, pid) < 0) {
            vk_cgroup_remove(cg);
            vk_cgroup_free(cg);
            return NULL;
        }
        cg->dir[i] = vk_strdup(dir);
        used++;
    }
    if (!used) {
        vk_cgroup_free(cg);
        not_available("no cpu, cpuacct or memory controller is mounted");
        return NULL;
    }
    return cg;
}

static struct vk_cgroup *create_v2(const struct vk_cg_mounts *m, const char *self,
                                   const char *partition, const char *leaf, pid_t pid)
{
    vk_autofree char *base = base_dir(m, self, false, 0);
    if (!base) {
        not_available("the daemon's cgroup is not in the mounted cgroup2 tree");
        return NULL;
    }
    bool cpu = v2_has(base, "cpu"), mem = v2_has(base, "memory");
    if (!cpu && !mem) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_NONE,
                     "cgroups are not available: neither cpu nor memory is delegated to '%s'",
                     base);
        return NULL;
    }
    const char *enable = cpu && mem ? "+cpu +memory" : cpu ? "+cpu" : "+memory";
    vk_autofree char *part = vk_asprintf("%s/%s", base, partition);
    vk_autofree char *dir = vk_asprintf("%s/%s", part, leaf);
    if (write_file(base, "cgroup.subtree_control", enable) < 0 || mkdir_one(part) < 0 ||
        write_file(part, "cgroup.subtree_control", enable) < 0 || add_pid(part, dir, pid) < 0) {
        struct vk_error e = *vk_error_last();
        rmdir(dir);
        rmdir(part);
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_NONE, "%s", e.message);
        return NULL;
    }
    struct vk_cgroup *cg = vk_calloc(1, sizeof(*cg));
    cg->version = 2;
    /* cpu.stat (usage) exists without the cpu controller too. */
    cg->dir[VK_CG_CPUACCT] = vk_strdup(dir);
    if (cpu)
        cg->dir[VK_CG_CPU] = vk_strdup(dir);
    if (mem)
        cg->dir[VK_CG_MEMORY] = vk_strdup(dir);
    return cg;
}

static int load_mounts(struct vk_cg_mounts *m, bool *v1)
{
    vk_autofree char *mi = read_text("/proc/self/mountinfo");
    if (!mi)
        return -1;
    vk_cgroup_parse_mountinfo(mi, m);
    *v1 = false;
    for (int i = 0; i < VK_CG_NCTRL; i++)
        if (m->mnt[i])
            *v1 = true;
    if (!*v1 && !m->v2_mnt)
        return not_available("no cgroup file system is mounted");
    return 0;
}

struct vk_cgroup *vk_cgroup_create(const char *partition, const char *leaf, pid_t pid)
{
    struct vk_cg_mounts m;
    bool v1;
    if (load_mounts(&m, &v1) < 0)
        return NULL;
    struct vk_cgroup *cg = NULL;
    char *self = read_text("/proc/self/cgroup");
    if (self)
        cg = v1 ? create_v1(&m, self, partition, leaf, pid)
                : create_v2(&m, self, partition, leaf, pid);
    free(self);
    vk_cg_mounts_clear(&m);
    return cg;
}

void vk_cgroup_remove_expected(const char *partition, const char *leaf)
{
    struct vk_cg_mounts m;
    bool v1;
    if (load_mounts(&m, &v1) < 0) {
        vk_error_reset();
        return;
    }
    vk_autofree char *self = read_text("/proc/self/cgroup");
    struct vk_cgroup cg = {.version = v1 ? 1 : 2};
    for (int i = 0; self && i < VK_CG_NCTRL; i++) {
        vk_autofree char *base = base_dir(&m, self, v1, i);
        if (base && leaf)
            cg.dir[i] = vk_asprintf("%s/%s/%s", base, partition, leaf);
        else if (base) {
            vk_autofree char *part = vk_asprintf("%s/%s", base, partition);
            sweep(part);
        }
    }
    vk_error_reset();
    vk_cgroup_remove(&cg);
    for (int i = 0; i < VK_CG_NCTRL; i++)
        free(cg.dir[i]);
    vk_cg_mounts_clear(&m);
}

/* Does dir end in /<partition>/<leaf>? */
static bool ends_with_leaf(const char *dir, const char *partition, const char *leaf)
{
    vk_autofree char *tail = vk_asprintf("/%s/%s", partition, leaf);
    size_t dl = strlen(dir), tl = strlen(tail);
    return dl >= tl && !strcmp(dir + dl - tl, tail);
}

struct vk_cgroup *vk_cgroup_of_pid(pid_t pid, const char *partition, const char *leaf)
{
    struct vk_cg_mounts m;
    bool v1;
    if (load_mounts(&m, &v1) < 0)
        return NULL;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
    vk_autofree char *text = read_text(path);
    struct vk_cgroup *cg = vk_calloc(1, sizeof(*cg));
    cg->version = v1 ? 1 : 2;
    int found = 0;
    for (int i = 0; text && i < VK_CG_NCTRL; i++) {
        vk_autofree char *p = vk_cgroup_parse_proc(text, v1 ? ctrl_names[i] : NULL);
        char *dir = v1 ? vk_cgroup_resolve(m.mnt[i], m.root[i], p)
                       : vk_cgroup_resolve(m.v2_mnt, m.v2_root, p);
        if (dir && !ends_with_leaf(dir, partition, leaf)) {
            /* the main thread may sit in a sub-group (emulator) */
            char *up = parent_path(dir);
            free(dir);
            dir = up;
        }
        if (dir && ends_with_leaf(dir, partition, leaf)) {
            /* v2: cgroup.controllers lists what the partition enabled. */
            bool usable = v1 || i == VK_CG_CPUACCT ||
                          v2_has(dir, i == VK_CG_CPU ? "cpu" : "memory");
            if (usable) {
                cg->dir[i] = dir;
                dir = NULL;
                found++;
            }
        }
        free(dir);
    }
    vk_cg_mounts_clear(&m);
    if (!found) {
        vk_cgroup_free(cg);
        if (text)
            not_available("the process is not in a cgroup of this daemon");
        return NULL;
    }
    return cg;
}

/* rmdir, retrying briefly: on v2 a group is busy until its exited process
 * has been reaped by its parent. */
static void rmdir_retry(const char *dir)
{
    for (int i = 0; i < 40; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return;
        if (errno != EBUSY)
            break;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    VK_WARN("cannot remove cgroup '%s': %s", dir, strerror(errno));
}

/* Removes the groups in a partition that nothing uses any more (the
 * kernel refuses rmdir of a group in use), then the partition when it
 * became empty; a concurrent start recreates what it needs (add_pid). */
static void sweep(const char *part)
{
    DIR *pd = opendir(part);
    if (pd) {
        struct dirent *e;
        while ((e = readdir(pd)))
            if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                vk_autofree char *g = vk_asprintf("%s/%s", part, e->d_name);
                DIR *gd = opendir(g);
                struct dirent *se;
                while (gd && (se = readdir(gd)))
                    if (se->d_type == DT_DIR && strcmp(se->d_name, ".") && strcmp(se->d_name, ".."))
                        unlinkat(dirfd(gd), se->d_name, AT_REMOVEDIR);
                if (gd)
                    closedir(gd);
                rmdir(g);
            }
        closedir(pd);
    }
    rmdir(part);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                vk_autofree char *sub = vk_asprintf("%s/%s", dir, e->d_name);
                rmdir_retry(sub);
            }
        closedir(d);
    }
    rmdir_retry(dir);
    vk_autofree char *part = parent_path(dir);
    sweep(part);
}

void vk_cgroup_remove(const struct vk_cgroup *cg)
{
    if (!cg)
        return;
    for (int i = 0; i < VK_CG_NCTRL; i++) {
        if (!cg->dir[i])
            continue;
        bool dup = false;
        for (int j = 0; j < i; j++)
            dup |= cg->dir[j] && !strcmp(cg->dir[j], cg->dir[i]);
        if (!dup)
            remove_dir(cg->dir[i]);
    }
}

struct vk_cgroup *vk_cgroup_sub(const struct vk_cgroup *cg, const char *sub)
{
    struct vk_cgroup *s = vk_calloc(1, sizeof(*s));
    s->version = cg->version;
    int n = 0;
    for (int i = 0; i < VK_CG_NCTRL; i++) {
        if (!cg->dir[i] || i == VK_CG_MEMORY)
            continue;
        char *d = vk_asprintf("%s/%s", cg->dir[i], sub);
        struct stat st;
        if (stat(d, &st) == 0 && S_ISDIR(st.st_mode)) {
            s->dir[i] = d;
            n++;
        } else {
            free(d);
        }
    }
    if (!n) {
        vk_cgroup_free(s);
        return NULL;
    }
    return s;
}

int vk_cgroup_move_threads(const struct vk_cgroup *cg, const char *sub, const pid_t *tids,
                           size_t n)
{
    for (int i = 0; i < VK_CG_NCTRL; i++) {
        if (!cg->dir[i] || i == VK_CG_MEMORY)
            continue;
        bool dup = false;
        for (int j = 0; j < i; j++)
            dup |= cg->dir[j] && !strcmp(cg->dir[j], cg->dir[i]);
        if (dup)
            continue;
        vk_autofree char *d = vk_asprintf("%s/%s", cg->dir[i], sub);
        if (mkdir_one(d) < 0)
            return -1;
        if (cg->version == 2) {
            /* Threads of one process may sit in different groups only
             * inside a threaded subtree; cpu is a threaded controller. */
            if (write_file(d, "cgroup.type", "threaded") < 0 ||
                write_file(cg->dir[i], "cgroup.subtree_control", "+cpu") < 0)
                return -1;
        }
        const char *file = cg->version == 2 ? "cgroup.threads" : "tasks";
        for (size_t k = 0; k < n; k++) {
            char buf[32];
            snprintf(buf, sizeof(buf), "%d", (int)tids[k]);
            if (write_file(d, file, buf) < 0)
                return -1;
        }
    }
    return 0;
}

/* ---- tunables ---- */

static const char *const mem_v1[3] = {"memory.limit_in_bytes", "memory.soft_limit_in_bytes",
                                      "memory.memsw.limit_in_bytes"};
static const char *const mem_v2[3] = {"memory.max", "memory.high", "memory.swap.max"};

int vk_cgroup_get_memory(const struct vk_cgroup *cg, int which, unsigned long long *kib)
{
    if (need(cg, VK_CG_MEMORY) < 0)
        return -1;
    const char *dir = cg->dir[VK_CG_MEMORY];
    if (cg->version == 2) {
        vk_autofree char *s = NULL;
        if (read_file(dir, mem_v2[which], &s) < 0)
            return -1;
        if (!strncmp(s, "max", 3)) {
            *kib = VK_CG_MEM_UNLIMITED;
            return 0;
        }
    }
    unsigned long long bytes;
    if (read_ull(dir, cg->version == 2 ? mem_v2[which] : mem_v1[which], &bytes) < 0)
        return -1;
    /* v1 says "no limit" with LLONG_MAX rounded down to a page. */
    unsigned long long page = (unsigned long long)sysconf(_SC_PAGESIZE);
    bool none = bytes > (unsigned long long)LLONG_MAX - page || bytes / 1024 >= VK_CG_MEM_UNLIMITED;
    *kib = none ? VK_CG_MEM_UNLIMITED : bytes / 1024;
    return 0;
}

int vk_cgroup_set_memory(const struct vk_cgroup *cg, int which, unsigned long long kib)
{
    if (need(cg, VK_CG_MEMORY) < 0)
        return -1;
    char buf[32];
    if (kib >= VK_CG_MEM_UNLIMITED)
        snprintf(buf, sizeof(buf), "%s", cg->version == 2 ? "max" : "-1");
    else
        snprintf(buf, sizeof(buf), "%llu", kib * 1024);
    return write_file(cg->dir[VK_CG_MEMORY], cg->version == 2 ? mem_v2[which] : mem_v1[which],
                      buf);
}

int vk_cgroup_get_shares(const struct vk_cgroup *cg, unsigned long long *shares)
{
    if (need(cg, VK_CG_CPU) < 0)
        return -1;
    return read_ull(cg->dir[VK_CG_CPU], cg->version == 2 ? "cpu.weight" : "cpu.shares", shares);
}

int vk_cgroup_set_shares(const struct vk_cgroup *cg, unsigned long long shares)
{
    if (need(cg, VK_CG_CPU) < 0)
        return -1;
    unsigned long long lo = cg->version == 2 ? 1 : 2, hi = cg->version == 2 ? 10000 : 262144;
    if (shares < lo || shares > hi)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                            "shares '%llu' must be in range [%llu, %llu]", shares, lo, hi);
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", shares);
    return write_file(cg->dir[VK_CG_CPU], cg->version == 2 ? "cpu.weight" : "cpu.shares", buf);
}

int vk_cgroup_get_bandwidth(const struct vk_cgroup *cg, unsigned long long *period,
                            long long *quota)
{
    if (need(cg, VK_CG_CPU) < 0)
        return -1;
    const char *dir = cg->dir[VK_CG_CPU];
    if (cg->version == 1)
        return read_ull(dir, "cpu.cfs_period_us", period) < 0 ||
                       read_ll(dir, "cpu.cfs_quota_us", quota) < 0
                   ? -1
                   : 0;
    vk_autofree char *s = NULL;
    if (read_file(dir, "cpu.max", &s) < 0)
        return -1;
    if (vk_cgroup_parse_cpu_max(s, quota, period) < 0)
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_NONE,
                            "cannot parse '%s/cpu.max': '%s'", dir, s);
    return 0;
}

int vk_cgroup_set_bandwidth(const struct vk_cgroup *cg, unsigned long long period,
                            long long quota)
{
    if (need(cg, VK_CG_CPU) < 0)
        return -1;
    const char *dir = cg->dir[VK_CG_CPU];
    char buf[64];
    if (cg->version == 2) {
        unsigned long long op;
        long long oq;
        if (vk_cgroup_get_bandwidth(cg, &op, &oq) < 0)
            return -1;
        if (period)
            op = period;
        if (quota)
            oq = quota;
        if (oq < 0)
            snprintf(buf, sizeof(buf), "max %llu", op);
        else
            snprintf(buf, sizeof(buf), "%lld %llu", oq, op);
        return write_file(dir, "cpu.max", buf);
    }
    if (period) {
        snprintf(buf, sizeof(buf), "%llu", period);
        if (write_file(dir, "cpu.cfs_period_us", buf) < 0)
            return -1;
    }
    if (quota) {
        snprintf(buf, sizeof(buf), "%lld", quota < 0 ? -1 : quota);
        if (write_file(dir, "cpu.cfs_quota_us", buf) < 0)
            return -1;
    }
    return 0;
}

int vk_cgroup_cpu_usage(const struct vk_cgroup *cg, unsigned long long *total,
                        unsigned long long *user, unsigned long long *sys)
{
    if (need(cg, VK_CG_CPUACCT) < 0)
        return -1;
    const char *dir = cg->dir[VK_CG_CPUACCT];
    vk_autofree char *s = NULL;
    if (cg->version == 2) {
        if (read_file(dir, "cpu.stat", &s) < 0)
            return -1;
        if (vk_cgroup_parse_keyed(s, "usage_usec", total) < 0 ||
            vk_cgroup_parse_keyed(s, "user_usec", user) < 0 ||
            vk_cgroup_parse_keyed(s, "system_usec", sys) < 0)
            return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_NONE,
                                "cannot parse '%s/cpu.stat'", dir);
        *total *= 1000;
        *user *= 1000;
        *sys *= 1000;
        return 0;
    }
    if (read_ull(dir, "cpuacct.usage", total) < 0 || read_file(dir, "cpuacct.stat", &s) < 0)
        return -1;
    if (vk_cgroup_parse_keyed(s, "user", user) < 0 || vk_cgroup_parse_keyed(s, "system", sys) < 0)
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_NONE,
                            "cannot parse '%s/cpuacct.stat'", dir);
    /* cpuacct.stat counts USER_HZ ticks. */
    long tck = sysconf(_SC_CLK_TCK);
    unsigned long long ns_per_tick = 1000000000ULL / (unsigned long long)(tck > 0 ? tck : 100);
    *user *= ns_per_tick;
    *sys *= ns_per_tick;
    return 0;
}

int vk_cgroup_cpu_usage_percpu(const struct vk_cgroup *cg, unsigned long long **ns)
{
    *ns = NULL;
    if (need(cg, VK_CG_CPUACCT) < 0)
        return -1;
    if (cg->version == 2)
        return vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_NONE,
                            "per-CPU times are not available with cgroup v2 "
                            "(it has no cpuacct.usage_percpu)");
    vk_autofree char *s = NULL;
    if (read_file(cg->dir[VK_CG_CPUACCT], "cpuacct.usage_percpu", &s) < 0)
        return -1;
    int n = vk_cgroup_parse_list(s, ns);
    if (n < 0)
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_NONE,
                            "cannot parse '%s/cpuacct.usage_percpu'", cg->dir[VK_CG_CPUACCT]);
    return n;
}
