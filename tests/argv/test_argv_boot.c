/* Boot check: QEMU 7.2 accepts what the builder produces. For every case
 * that builds (own XMLs and corpus XMLs the parser accepts), disk sources
 * become fresh raw images, paths move into a temporary dir, the guest runs
 * under TCG with -S, and we speak QMP over a real listening socket passed as
 * the monitor fd (QEMU accepts on it, we connect to its path): greeting,
 * qmp_capabilities, query-pci (root-bus devices sit where we placed them),
 * quit, exit status 0. Every QEMU started is killed by PID if anything fails. */
#include <dirent.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "argv_cases.h"
#include "conf/domain_conf.h"
#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"
#include "util/vk_exec.h"

#define HOST_KERNEL "/boot/vmlinuz-6.1.0-56-amd64"
/* A guard against a hung QEMU, not a timing assertion. */
#define IO_GUARD_MS 120000

static pid_t running = -1;

static void kill_running(void)
{
    if (running > 0) {
        kill(running, SIGKILL);
        waitpid(running, NULL, 0);
        running = -1;
    }
}

static void on_signal(int sig)
{
    kill_running();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void replace(char **field, const char *value)
{
    free(*field);
    *field = vk_strdup(value);
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        vk_autofree char *p = vk_asprintf("%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Points everything at the host into dir; returns 0 or -1 (message set). */
static int localize(struct vk_domain_def *def, const char *dir, char *why, size_t whylen)
{
    def->virt_type = VK_VIRT_QEMU;
    replace(&def->emulator, "/usr/bin/qemu-system-x86_64");
    for (size_t i = 0; i < def->ndisks; i++) {
        struct vk_disk_def *d = &def->disks[i];
        if (!d->source)
            continue;
        vk_autofree char *img = vk_asprintf("%s/disk%zu.img", dir, i);
        char *const qi[] = {"qemu-img", "create", "-q", "-f", "raw", img, "1M", NULL};
        vk_autofree char *err = NULL;
        if (vk_run(qi, NULL, &err) != 0) {
            snprintf(why, whylen, "qemu-img create failed: %s", err ? err : "");
            return -1;
        }
        replace(&d->source, img);
        replace(&d->format, "raw");
        d->type = VK_DISK_FILE;
    }
    struct vk_chr_def *lists[3] = {def->serials, def->consoles, def->channels};
    size_t counts[3] = {def->nserials, def->nconsoles, def->nchannels};
    for (int l = 0; l < 3; l++)
        for (size_t i = 0; i < counts[l]; i++) {
            struct vk_chr_def *ch = &lists[l][i];
            if (ch->type == VK_CHR_FILE) {
                vk_autofree char *p = vk_asprintf("%s/chr%d-%zu.log", dir, l, i);
                replace(&ch->path, p);
            } else if (ch->type == VK_CHR_UNIX && ch->path) {
                vk_autofree char *p = vk_asprintf("%s/chr%d-%zu.sock", dir, l, i);
                replace(&ch->path, p);
            }
        }
    for (size_t i = 0; i < def->ngraphics; i++) {
        /* No TCP ports: other tests on this machine may hold them. */
        replace(&def->graphics[i].listen_type, "socket");
        VK_FREE(def->graphics[i].listen);
    }
    if (def->os.kernel) {
        if (access(HOST_KERNEL, R_OK) == 0) {
            replace(&def->os.kernel, HOST_KERNEL);
            VK_FREE(def->os.initrd);
        } else {
            VK_FREE(def->os.kernel);
            VK_FREE(def->os.initrd);
            VK_FREE(def->os.cmdline);
        }
    }
    return 0;
}

static int listen_unix(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        perror("monitor socket");
        exit(2);
    }
    return fd;
}

/* Reads until a line containing want arrives (QMP sends one JSON per line);
 * returns 0, or -1 on EOF/guard expiry. */
static int read_until(int fd, const char *want, char *buf, size_t len)
{
    size_t got = 0;
    buf[0] = '\0';
    while (!strstr(buf, want)) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, IO_GUARD_MS) <= 0)
            return -1;
        if (got + 1 >= len)
            got = 0; /* keep only the tail: events may precede replies */
        ssize_t r = read(fd, buf + got, len - got - 1);
        if (r <= 0)
            return -1;
        got += (size_t)r;
        buf[got] = '\0';
    }
    return 0;
}

static int write_all(int fd, const char *s)
{
    size_t len = strlen(s);
    while (len) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads one whole QMP reply (a line with "return" or "error"), skipping
 * events; returns it (caller frees) or NULL. */
static char *read_reply(int fd)
{
    struct vk_buf b = VK_BUF_INIT;
    char chunk[4096];
    size_t scanned = 0;
    for (;;) {
        char *nl;
        while (b.data && (nl = memchr(b.data + scanned, '\n', b.len - scanned))) {
            size_t end = (size_t)(nl - b.data);
            *nl = '\0';
            if (strstr(b.data + scanned, "\"return\"") || strstr(b.data + scanned, "\"error\"")) {
                char *line = vk_strdup(b.data + scanned);
                vk_buf_free(&b);
                return line;
            }
            scanned = end + 1;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, IO_GUARD_MS) <= 0)
            break;
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r <= 0)
            break;
        vk_buf_add(&b, chunk, (size_t)r);
    }
    vk_buf_free(&b);
    return NULL;
}

/* Every -device we put on the root bus (with an id) is where we said:
 * QEMU's query-pci slot and function equal our "addr". Devices behind
 * bridges are not listed before the firmware numbers the buses (-S). */
static int check_pci(char **argv, const char *reply, char *why, size_t whylen)
{
    struct json_object *r = json_tokener_parse(reply), *ret, *bus0, *devs;
    int rc = -1;
    if (!r || !json_object_object_get_ex(r, "return", &ret) ||
        !(bus0 = json_object_array_get_idx(ret, 0)) ||
        !json_object_object_get_ex(bus0, "devices", &devs)) {
        snprintf(why, whylen, "query-pci reply not understood");
        goto out;
    }
    for (char **p = argv; *p && p[1]; p++) {
        if (strcmp(*p, "-device") != 0 || p[1][0] != '{')
            continue;
        struct json_object *d = json_tokener_parse(p[1]), *id, *bus, *addr;
        if (!d || !json_object_object_get_ex(d, "id", &id) ||
            !json_object_object_get_ex(d, "bus", &bus) ||
            !json_object_object_get_ex(d, "addr", &addr) ||
            (strcmp(json_object_get_string(bus), "pci.0") != 0 &&
             strcmp(json_object_get_string(bus), "pcie.0") != 0)) {
            json_object_put(d);
            continue;
        }
        unsigned slot = 0, fn = 0;
        sscanf(json_object_get_string(addr), "0x%x.0x%x", &slot, &fn);
        bool found = false;
        for (size_t k = 0; k < json_object_array_length(devs); k++) {
            struct json_object *e = json_object_array_get_idx(devs, k), *q, *sl, *fu;
            if (json_object_object_get_ex(e, "qdev_id", &q) &&
                strcmp(json_object_get_string(q), json_object_get_string(id)) == 0 &&
                json_object_object_get_ex(e, "slot", &sl) &&
                json_object_object_get_ex(e, "function", &fu) &&
                (unsigned)json_object_get_int(sl) == slot &&
                (unsigned)json_object_get_int(fu) == fn)
                found = true;
        }
        if (!found) {
            snprintf(why, whylen, "query-pci has no %s at %s", json_object_get_string(id),
                     json_object_get_string(addr));
            json_object_put(d);
            goto out;
        }
        json_object_put(d);
    }
    rc = 0;
out:
    json_object_put(r);
    return rc;
}

/* Runs QEMU on argv with the listening monitor socket lfd; 0 when QEMU
 * accepted the command line and quit cleanly. */
static int boot(char **argv, int lfd, const char *monpath, const char *logpath, char *why,
                size_t whylen)
{
    int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int keep[1] = {lfd};
    struct vk_spawn_opts o = {
        .stdin_fd = -1, .stdout_fd = log, .stderr_fd = log, .keep_fds = keep, .nkeep_fds = 1};
    pid_t pid;
    if (vk_spawn(argv, &o, &pid) < 0) {
        close(log);
        snprintf(why, whylen, "spawn: %s", vk_error_last()->message);
        return -1;
    }
    close(log);
    running = pid;
    char buf[8192];
    int cfd = -1, rc = -1, status;
    /* QEMU listens on the fd we passed; the kernel queues our connect
     * until QEMU accepts, so there is no waiting for a socket file. */
    cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", monpath);
    if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        snprintf(why, whylen, "cannot connect the monitor: %s", strerror(errno));
        goto out;
    }
    if (read_until(cfd, "\"QMP\"", buf, sizeof(buf)) < 0) {
        snprintf(why, whylen, "no QMP greeting");
        goto out;
    }
    if (write_all(cfd, "{\"execute\":\"qmp_capabilities\"}\n") < 0 ||
        read_until(cfd, "\"return\"", buf, sizeof(buf)) < 0) {
        snprintf(why, whylen, "qmp_capabilities got no reply");
        goto out;
    }
    if (write_all(cfd, "{\"execute\":\"query-pci\"}\n") < 0) {
        snprintf(why, whylen, "cannot send query-pci");
        goto out;
    }
    char *pci = read_reply(cfd);
    int bad = !pci || !strstr(pci, "\"return\"") || check_pci(argv, pci, why, whylen) < 0;
    if (!pci || !strstr(pci, "\"return\""))
        snprintf(why, whylen, "query-pci failed: %.200s", pci ? pci : "(no reply)");
    free(pci);
    if (bad)
        goto out;
    if (write_all(cfd, "{\"execute\":\"quit\"}\n") < 0) {
        snprintf(why, whylen, "cannot send quit");
        goto out;
    }
    if (waitpid(pid, &status, 0) != pid) {
        snprintf(why, whylen, "waitpid failed");
        goto out;
    }
    running = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(why, whylen, "QEMU exit status %d", status);
        goto out;
    }
    rc = 0;
out:
    if (cfd >= 0)
        close(cfd);
    kill_running();
    return rc;
}

int main(void)
{
    atexit(kill_running);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);

    struct argv_case *cases;
    size_t n = argv_cases_list(&cases);
    int passes = 0, failures = 0, skips = 0;
    for (size_t i = 0; i < n; i++) {
        const struct argv_case *c = &cases[i];
        vk_autofree char *xml = argv_read_file(c->xml_path);
        struct vk_domain_def *def = xml ? vk_domain_def_parse(xml, 0) : NULL;
        if (!def) {
            skips++;
            continue;
        }
        bool tap = false; /* taps need a network namespace: the netif suite boots those */
        for (size_t k = 0; k < def->nnets; k++)
            tap |= def->nets[k].type == VK_NET_ETHERNET || def->nets[k].type == VK_NET_BRIDGE;
        if (tap) {
            printf("SKIP %s: tap interfaces (booted by the netif suite)\n", c->name);
            skips++;
            vk_domain_def_free(def);
            continue;
        }
        /* A comma and a space in every path prove QEMU reads our escaping. */
        char dir[] = "/tmp/vk-argv boot,x-XXXXXX";
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 2;
        }
        char why[1024] = "";
        vk_autofree char *mon = vk_asprintf("%s/mon.sock", dir);
        vk_autofree char *logpath = vk_asprintf("%s/qemu.log", dir);
        if (localize(def, dir, why, sizeof(why)) < 0) {
            fprintf(stderr, "FAIL %s: %s\n", c->name, why);
            failures++;
            vk_domain_def_free(def);
            rm_rf(dir);
            continue;
        }
        int lfd = listen_unix(mon);
        struct vk_qemu_cmd_ctx ctx = {.monitor_fd = lfd, .qemu_version = 7002000, .run_dir = dir};
        char **argv = vk_qemu_build_argv(def, &ctx);
        if (!argv) {
            /* Rejections are the golden test's business (.err files). */
            printf("SKIP %s: %s\n", c->name, vk_error_last()->message);
            skips++;
        } else if (boot(argv, lfd, mon, logpath, why, sizeof(why)) < 0) {
            vk_autofree char *log = argv_read_file(logpath);
            vk_autofree char *cmd = vk_argv_to_string(argv);
            fprintf(stderr, "FAIL %s: %s\n  argv: %s\n  QEMU log:\n%s\n", c->name, why, cmd,
                    log ? log : "");
            failures++;
        } else {
            printf("ok   %s\n", c->name);
            fflush(stdout);
            passes++;
        }
        vk_qemu_argv_free(argv);
        close(lfd);
        vk_domain_def_free(def);
        rm_rf(dir);
    }
    argv_cases_free(cases, n);
    if (passes < 5) {
        fprintf(stderr, "FAIL: only %d cases booted; expected the own XMLs at least\n", passes);
        failures++;
    }
    printf("%d passed, %d failed, %d skipped\n", passes, failures, skips);
    return failures ? 1 : 0;
}
