/* Feature "console": what a running domain's character devices and VNC
 * server actually got from QEMU, and console sessions on its ptys.
 *
 * After a start (and on re-attach) QMP query-chardev tells the /dev/pts
 * name of every pty chardev and query-vnc the port of an automatic VNC
 * server; both go into the live def as libvirt writes them (<source
 * path='/dev/pts/N'/>, <console tty=...>, <graphics port='5901'>), so
 * dumpxml, virsh domdisplay/vncdisplay and console see them.
 *
 * A console session opens the pty's slave side (QEMU holds the master),
 * as libvirt does, in raw mode. One session per pty: a second open fails
 * unless forced, which revokes the old session (its owner is told through
 * its revoke callback and ends its stream). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "qemu_domain.h"
#include "qemu_monitor.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_log.h"

#define QMP_TIMEOUT_MS 30000

struct vk_qemu_console {
    struct vk_qemu_driver *drv; /* identity only: never dereferenced */
    uint8_t uuid[VK_UUID_LEN];
    char *path;
    vk_qemu_console_revoke_cb revoke;
    void *opaque;
    bool registered; /* in the session list (under sessions_lock) */
};

/* Open sessions of every driver: few, so a plain array. */
static pthread_mutex_t sessions_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vk_qemu_console **sessions;
static size_t nsessions;

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The QEMU id of a device: a user alias (ua-*) or ours (serial0, ...),
 * the same rule as the argv builder (vk_cmd_dev_id). */
static void dev_id(const struct vk_chr_def *chr, const char *kind, size_t i, char *buf, size_t len)
{
    if (chr->info.alias && strncmp(chr->info.alias, "ua-", 3) == 0)
        snprintf(buf, len, "%s", chr->info.alias);
    else
        snprintf(buf, len, "%s%zu", kind, i);
}

static bool is_serial_console(const struct vk_chr_def *con)
{
    return !con->target_type || streq(con->target_type, "serial");
}

/* The pty path of chardev label in a query-chardev reply, or NULL. */
static const char *pty_of(struct json_object *list, const char *label)
{
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(list, i), *l, *f;
        if (!json_object_object_get_ex(e, "label", &l) ||
            !json_object_object_get_ex(e, "filename", &f))
            continue;
        const char *fn = json_object_get_string(f);
        if (streq(json_object_get_string(l), label) && fn && strncmp(fn, "pty:", 4) == 0)
            return fn + 4;
    }
    return NULL;
}

static void set_path(struct vk_chr_def *chr, const char *path)
{
    if (chr->type != VK_CHR_PTY || !path || streq(chr->path, path))
        return;
    free(chr->path);
    chr->path = vk_strdup(path);
}

/* Under dom->lock: records pty paths from query-chardev in the live def. */
static void apply_chardevs(struct vk_domain_def *def, struct json_object *list)
{
    char id[80], label[96];
    for (size_t i = 0; i < def->nserials; i++) {
        dev_id(&def->serials[i], "serial", i, id, sizeof(id));
        snprintf(label, sizeof(label), "char%s", id);
        set_path(&def->serials[i], pty_of(list, label));
    }
    for (size_t i = 0; i < def->nchannels; i++) {
        dev_id(&def->channels[i], "channel", i, id, sizeof(id));
        snprintf(label, sizeof(label), "char%s", id);
        set_path(&def->channels[i], pty_of(list, label));
    }
    for (size_t i = 0; i < def->nconsoles; i++) {
        struct vk_chr_def *con = &def->consoles[i];
        if (i == 0 && is_serial_console(con)) {
            /* The same device as serial0 (libvirt lists it twice). */
            if (def->nserials > 0) {
                set_path(con, def->serials[0].path);
                continue;
            }
            dev_id(con, "serial", 0, id, sizeof(id));
        } else {
            dev_id(con, "console", i, id, sizeof(id));
        }
        snprintf(label, sizeof(label), "char%s", id);
        set_path(con, pty_of(list, label));
    }
}

/* Under dom->lock: records the port QEMU listens on for the first graphics
 * of this type in the live XML (autoport). True if it changed. */
static bool apply_port(struct vk_domain_def *def, enum vk_graphics_type type, int port)
{
    if (port <= 0)
        return false;
    for (size_t i = 0; i < def->ngraphics; i++) {
        struct vk_graphics_def *g = &def->graphics[i];
        if (g->type == type) {
            bool changed = g->port != port;
            g->port = port;
            return changed;
        }
    }
    return false;
}

/* The port in a query-vnc ("service": "5900") or query-spice ("port": 5901) reply. */
static int reply_port(struct json_object *o, const char *key)
{
    struct json_object *en, *v;
    if (!o || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, "enabled", &en) || !json_object_get_boolean(en) ||
        !json_object_object_get_ex(o, key, &v))
        return 0;
    return json_object_is_type(v, json_type_int) ? json_object_get_int(v)
                                                 : atoi(json_object_get_string(v));
}

static bool def_has_pty(const struct vk_domain_def *def)
{
    const struct vk_chr_def *lists[3] = {def->serials, def->consoles, def->channels};
    size_t counts[3] = {def->nserials, def->nconsoles, def->nchannels};
    for (int l = 0; l < 3; l++)
        for (size_t i = 0; i < counts[l]; i++)
            if (lists[l][i].type == VK_CHR_PTY)
                return true;
    return false;
}

static bool def_has_graphics(const struct vk_domain_def *def, enum vk_graphics_type type)
{
    for (size_t i = 0; i < def->ngraphics; i++)
        if (def->graphics[i].type == type)
            return true;
    return false;
}

/* Runs cmd and parses its return value; NULL on failure (logged). */
static struct json_object *qmp_query(struct vk_qemu_dom *dom, struct vk_qemu_monitor *mon,
                                     const char *cmd)
{
    char *reply = NULL;
    if (vk_qmp_command(mon, cmd, NULL, &reply, QMP_TIMEOUT_MS) < 0) {
        VK_WARN("domain '%s': %s failed: %s", dom->name, cmd, vk_error_last()->message);
        return NULL;
    }
    struct json_object *o = json_tokener_parse(reply);
    free(reply);
    return o;
}

void vk_qemu_console_learn(struct vk_qemu_dom *dom)
{
    pthread_mutex_lock(&dom->lock);
    struct vk_qemu_monitor *mon = vk_qemu_dom_is_active(dom) ? dom->mon : NULL;
    bool want_pty = dom->def && def_has_pty(dom->def);
    bool want_vnc = dom->def && def_has_graphics(dom->def, VK_GRAPHICS_VNC);
    bool want_spice = dom->def && def_has_graphics(dom->def, VK_GRAPHICS_SPICE);
    pthread_mutex_unlock(&dom->lock);
    if (!mon || (!want_pty && !want_vnc && !want_spice))
        return;
    /* Never under dom->lock: the loop thread delivers the replies. */
    struct json_object *chr = want_pty ? qmp_query(dom, mon, "query-chardev") : NULL;
    struct json_object *vnc = want_vnc ? qmp_query(dom, mon, "query-vnc") : NULL;
    struct json_object *spice = want_spice ? qmp_query(dom, mon, "query-spice") : NULL;

    pthread_mutex_lock(&dom->lock);
    if (vk_qemu_dom_is_active(dom) && dom->mon == mon) {
        if (chr && json_object_is_type(chr, json_type_array))
            apply_chardevs(dom->def, chr);
        if (apply_port(dom->def, VK_GRAPHICS_VNC, reply_port(vnc, "service")))
            VK_DEBUG("domain '%s': VNC server on port %d", dom->name, dom->vnc_port);
        if (apply_port(dom->def, VK_GRAPHICS_SPICE, reply_port(spice, "port")))
            VK_DEBUG("domain '%s': SPICE server on port %d", dom->name, dom->spice_port);
        if (vk_qemu_status_save(dom) < 0)
            VK_WARN("%s", vk_error_last()->message);
    }
    pthread_mutex_unlock(&dom->lock);
    json_object_put(chr);
    json_object_put(vnc);
    json_object_put(spice);
}

/* Under dom->lock: the device a console opens. NULL name: the first
 * console, else the first serial port (libvirt's choice). Otherwise a
 * device id: serialN, consoleN, channelN or a user alias. */
static const struct vk_chr_def *find_chr(const struct vk_domain_def *def, const char *name)
{
    if (!name) {
        if (def->nconsoles)
            return &def->consoles[0];
        return def->nserials ? &def->serials[0] : NULL;
    }
    char id[80];
    for (size_t i = 0; i < def->nconsoles; i++) {
        dev_id(&def->consoles[i], "console", i, id, sizeof(id));
        if (streq(id, name) || streq(def->consoles[i].info.alias, name))
            return &def->consoles[i];
    }
    for (size_t i = 0; i < def->nserials; i++) {
        dev_id(&def->serials[i], "serial", i, id, sizeof(id));
        if (streq(id, name) || streq(def->serials[i].info.alias, name))
            return &def->serials[i];
    }
    /* A serial console without a <serial> is serial0 itself. */
    if (!def->nserials && def->nconsoles && is_serial_console(&def->consoles[0]) &&
        streq(name, "serial0"))
        return &def->consoles[0];
    for (size_t i = 0; i < def->nchannels; i++) {
        dev_id(&def->channels[i], "channel", i, id, sizeof(id));
        if (streq(id, name) || streq(def->channels[i].info.alias, name))
            return &def->channels[i];
    }
    return NULL;
}

/* The pty path of the console dev_name of a running domain (caller frees),
 * or NULL with the error set. */
static char *console_path(struct vk_qemu_dom *dom, const char *dev_name)
{
    char *path = NULL;
    pthread_mutex_lock(&dom->lock);
    if (!vk_qemu_dom_is_active(dom)) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU, "domain '%s' is not running",
                     dom->name);
    } else {
        const struct vk_chr_def *chr = find_chr(dom->def, dev_name);
        if (!chr)
            vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                         dev_name ? "domain '%s': cannot find character device %s"
                                  : "domain '%s': has no console or serial device%s",
                         dom->name, dev_name ? dev_name : "");
        else if (chr->type != VK_CHR_PTY)
            vk_error_set(VK_ERR_OPERATION_UNSUPPORTED, VK_FROM_QEMU,
                         "domain '%s': character device %s is not using a PTY", dom->name,
                         dev_name ? dev_name : "console");
        else if (!chr->path)
            vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                         "domain '%s': the pty of character device %s is not known yet", dom->name,
                         dev_name ? dev_name : "console");
        else
            path = vk_strdup(chr->path);
    }
    pthread_mutex_unlock(&dom->lock);
    return path;
}

/* The slave side, raw (no echo, no line editing, no CR/LF mangling). */
static int open_pty(const char *dom_name, const char *path)
{
    if (strncmp(path, "/dev/pts/", 9) != 0)
        return vk_error_set(VK_ERR_INTERNAL_ERROR, VK_FROM_QEMU,
                            "domain '%s': console path '%s' is not a pty", dom_name, path);
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return vk_error_system(errno, "domain '%s': cannot open console pty '%s'", dom_name, path);
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSADRAIN, &t);
    }
    return fd;
}

int vk_qemu_domain_open_console(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                const char *dev_name, unsigned flags,
                                vk_qemu_console_revoke_cb revoke, void *opaque, int *fd_out,
                                struct vk_qemu_console **out)
{
    if (flags & ~(unsigned)(VK_CONSOLE_FORCE | VK_CONSOLE_SAFE))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "unsupported flags (0x%x) for opening a console",
                            flags & ~(unsigned)(VK_CONSOLE_FORCE | VK_CONSOLE_SAFE));
    pthread_mutex_lock(&drv->lock);
    struct vk_qemu_dom *dom = vk_qemu_list_find_uuid(drv, uuid);
    if (dom)
        vk_qemu_dom_ref(dom);
    pthread_mutex_unlock(&drv->lock);
    if (!dom) {
        char s[VK_UUID_STRLEN];
        vk_uuid_format(uuid, s);
        return vk_error_set(VK_ERR_NO_DOMAIN, VK_FROM_QEMU, "no domain with matching uuid '%s'", s);
    }
    char *path = console_path(dom, dev_name);
    if (!path && vk_error_last()->code == VK_ERR_OPERATION_FAILED) {
        /* Learning failed after the start (a slow QEMU): ask again. */
        vk_qemu_console_learn(dom);
        path = console_path(dom, dev_name);
    }
    if (!path) {
        vk_qemu_dom_unref(dom);
        return -1;
    }

    pthread_mutex_lock(&sessions_lock);
    struct vk_qemu_console *old = NULL;
    size_t old_idx = 0;
    for (size_t i = 0; i < nsessions; i++)
        if (sessions[i]->drv == drv && !memcmp(sessions[i]->uuid, uuid, VK_UUID_LEN) &&
            streq(sessions[i]->path, path)) {
            old = sessions[i];
            old_idx = i;
        }
    if (old && !(flags & VK_CONSOLE_FORCE)) {
        pthread_mutex_unlock(&sessions_lock);
        free(path);
        vk_qemu_dom_unref(dom);
        /* libvirt's code and words: clients recognise them. */
        return vk_error_set(VK_ERR_OPERATION_FAILED, VK_FROM_QEMU,
                            "operation failed: Active console session exists for this domain");
    }
    int fd = open_pty(dom->name, path);
    if (fd < 0) {
        pthread_mutex_unlock(&sessions_lock);
        free(path);
        vk_qemu_dom_unref(dom);
        return -1;
    }
    if (old) {
        /* Forced: the old owner ends its stream (revoke only schedules). */
        sessions[old_idx] = sessions[--nsessions];
        old->registered = false;
        VK_INFO("domain '%s': console %s taken over by a new session", dom->name, path);
        old->revoke(old->opaque);
    }
    struct vk_qemu_console *s = vk_calloc(1, sizeof(*s));
    s->drv = drv;
    memcpy(s->uuid, uuid, VK_UUID_LEN);
    s->path = path;
    s->revoke = revoke;
    s->opaque = opaque;
    s->registered = true;
    *VK_APPEND(sessions, nsessions) = s;
    pthread_mutex_unlock(&sessions_lock);
    vk_qemu_dom_unref(dom);
    *fd_out = fd;
    *out = s;
    return 0;
}

void vk_qemu_console_close(struct vk_qemu_console *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&sessions_lock);
    if (s->registered)
        for (size_t i = 0; i < nsessions; i++)
            if (sessions[i] == s) {
                sessions[i] = sessions[--nsessions];
                break;
            }
    if (!nsessions) {
        free(sessions); /* nothing left for LeakSanitizer to report */
        sessions = NULL;
    }
    pthread_mutex_unlock(&sessions_lock);
    free(s->path);
    free(s);
}
