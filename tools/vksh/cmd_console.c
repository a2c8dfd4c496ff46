/* Feature "console": console (interactive, like virsh's), domdisplay and
 * vncdisplay (read the live XML's graphics element, as virsh does). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "conf/xml_lazy.h" /* libxml2, loaded on first use */

#include "vksh.h"

#define ESCAPE_CHAR 0x1d /* Ctrl+] */
/* Data another thread pulled off the socket is seen within this bound. */
#define POLL_MS 100

#define DOMAIN_OPT                                                                                 \
    {                                                                                              \
        "domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,                         \
            "domain name, id or uuid"                                                              \
    }

/*--------------------------------------------------------------------------
 * console
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def console_opts[] = {
    DOMAIN_OPT,
    {"devname", VKSH_OT_STRING, 0, "character device name"},
    {"force", VKSH_OT_BOOL, 0, "force console connection (disconnect already connected sessions)"},
    {"safe", VKSH_OT_BOOL, 0, "only connect if safe console handling is supported"},
    {NULL},
};

static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd p = {.fd = fd, .events = POLLOUT};
                poll(&p, 1, 1000);
                continue;
            }
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Shuttles stdin <-> the stream until Ctrl+], the end of the stream or an
 * error. Returns 0 (detached or ended) or -1 (error set). */
static int shuttle(vk_stream *st)
{
    char buf[16384];
    for (;;) {
        struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                              {.fd = vk_stream_poll_fd(st), .events = POLLIN}};
        if (poll(p, 2, POLL_MS) < 0 && errno != EINTR)
            return -1;
        if (p[0].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n <= 0) /* the terminal went away: detach */
                return vk_stream_finish(st) < 0 ? -1 : 0;
            char *esc = memchr(buf, ESCAPE_CHAR, (size_t)n);
            size_t keep = esc ? (size_t)(esc - buf) : (size_t)n;
            if (keep && vk_stream_send(st, buf, keep) < 0)
                return -1;
            if (esc)
                return vk_stream_finish(st) < 0 ? -1 : 0;
        }
        /* Whatever arrived, also when poll saw nothing (see POLL_MS). */
        for (;;) {
            int n = vk_stream_recv(st, buf, sizeof(buf), 0);
            if (n == -2)
                break;
            if (n < 0)
                return -1;
            if (n == 0) /* the domain stopped */
                return vk_stream_finish(st) < 0 ? -1 : 0;
            if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
                return -1;
        }
    }
}

static int cmd_console(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int state = 0;
    if (vk_domain_get_state(dom, &state, NULL, 0) < 0) {
        vk_domain_free(dom);
        return vksh_error(ctl, "Unable to get domain status");
    }
    if (state == VK_DOMAIN_SHUTOFF) {
        vk_domain_free(dom);
        return vksh_error_only(ctl, "The domain is not running");
    }
    if (!isatty(STDIN_FILENO)) {
        vk_domain_free(dom);
        return vksh_error_only(ctl, "Cannot run interactive console without a controlling TTY");
    }
    unsigned int flags = 0;
    if (vksh_opt_bool(cmd, "force"))
        flags |= VK_DOMAIN_CONSOLE_FORCE;
    if (vksh_opt_bool(cmd, "safe"))
        flags |= VK_DOMAIN_CONSOLE_SAFE;
    /* Banner first, as virsh prints it before opening. */
    printf("Connected to domain '%s'\nEscape character is ^] (Ctrl + ])\n",
           vk_domain_get_name(dom));
    fflush(stdout);
    vk_stream *st = vk_domain_open_console(dom, vksh_opt_string(cmd, "devname"), flags);
    vk_domain_free(dom);
    if (!st)
        return vksh_error_lib(ctl);

    struct termios saved, raw;
    bool restore = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (restore) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
    }
    /* A terminal that closes under us must not kill us before restoring. */
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
    int rc = shuttle(st);
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    signal(SIGPIPE, old_pipe);
    if (rc < 0) {
        vksh_error_lib(ctl);
        vk_stream_free(st);
        return -1;
    }
    vk_stream_free(st);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_console = {
    .name = "console",
    .opts = console_opts,
    .help = "connect to the guest console",
    .desc = "Connect the virtual serial console for the guest (Ctrl+] detaches).",
    .handler = cmd_console,
};

/*--------------------------------------------------------------------------
 * domdisplay, vncdisplay: from the live XML's <graphics>
 *------------------------------------------------------------------------*/

struct display {
    char *type;   /* vnc, spice */
    int port;     /* -1 unknown */
    char *listen; /* NULL: none given */
};

static void display_clear(struct display *d)
{
    free(d->type);
    free(d->listen);
    memset(d, 0, sizeof(*d));
}

static char *xpath_string(xmlXPathContextPtr ctx, const char *expr)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    char *s = NULL;
    if (o && o->type == XPATH_STRING && o->stringval && o->stringval[0])
        s = strdup((const char *)o->stringval);
    xmlXPathFreeObject(o);
    return s;
}

/* The first graphics element of type (NULL: vnc, then spice) with a port.
 * Returns 1 found, 0 none, -1 error (reported). */
static int find_display(struct vksh_ctl *ctl, vk_domain *dom, const char *type, struct display *out)
{
    int active = vk_domain_is_active(dom);
    if (active < 0)
        return vksh_error_lib(ctl);
    if (!active)
        return vksh_error_only(ctl, "Domain is not running");
    char *xml = vk_domain_get_xml_desc(dom, 0);
    if (!xml)
        return vksh_error_lib(ctl);
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    free(xml);
    if (!doc)
        return vksh_error_only(ctl, "cannot parse the domain XML");
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    static const char *const types[] = {"vnc", "spice", NULL};
    int found = 0;
    for (int i = 0; types[i] && !found; i++) {
        if (type && strcmp(type, types[i]))
            continue;
        char expr[160];
        snprintf(expr, sizeof(expr), "string(/domain/devices/graphics[@type='%s']/@port)",
                 types[i]);
        char *port = xpath_string(ctx, expr);
        int p = port ? atoi(port) : -1;
        free(port);
        if (p <= 0)
            continue;
        out->type = strdup(types[i]);
        out->port = p;
        snprintf(expr, sizeof(expr), "string(/domain/devices/graphics[@type='%s']/@listen)",
                 types[i]);
        out->listen = xpath_string(ctx, expr);
        if (!out->listen) {
            snprintf(expr, sizeof(expr),
                     "string(/domain/devices/graphics[@type='%s']/listen/@address)", types[i]);
            out->listen = xpath_string(ctx, expr);
        }
        found = 1;
    }
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return found;
}

static bool wildcard(const char *addr)
{
    return !addr || !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::");
}

static const struct vksh_opt_def domdisplay_opts[] = {
    DOMAIN_OPT,
    {"include-password", VKSH_OT_BOOL, 0, "includes the password into the connection URI if any"},
    {"type", VKSH_OT_STRING, 0, "select particular graphical display (e.g. \"vnc\", \"spice\")"},
    {"all", VKSH_OT_BOOL, 0, "show all possible graphical displays"},
    {NULL},
};

static int cmd_domdisplay(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    struct display d = {0};
    int r = find_display(ctl, dom, vksh_opt_string(cmd, "type"), &d);
    vk_domain_free(dom);
    if (r < 0)
        return -1;
    if (r == 0)
        return vksh_error_only(ctl, "No graphical display found");
    /* VNC names a display (port - 5900), SPICE the port itself. */
    int num = strcmp(d.type, "vnc") == 0 ? d.port - 5900 : d.port;
    const char *host = wildcard(d.listen) ? "localhost" : d.listen;
    bool v6 = strchr(host, ':') != NULL;
    char uri[512];
    snprintf(uri, sizeof(uri), "%s://%s%s%s:%d", d.type, v6 ? "[" : "", host, v6 ? "]" : "", num);
    if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "uri", json_object_new_string(uri));
        json_object_object_add(doc, "type", json_object_new_string(d.type));
        json_object_object_add(doc, "port", json_object_new_int(d.port));
        vksh_json_print(ctl, doc);
    } else {
        vksh_print(ctl, "%s", uri); /* virsh's: the command's empty line ends it */
    }
    display_clear(&d);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_domdisplay = {
    .name = "domdisplay",
    .opts = domdisplay_opts,
    .help = "domain display connection URI",
    .desc = "Output the IP address and port number for the graphical display.",
    .handler = cmd_domdisplay,
};

static const struct vksh_opt_def vncdisplay_opts[] = {DOMAIN_OPT, {NULL}};

static int cmd_vncdisplay(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    struct display d = {0};
    int r = find_display(ctl, dom, "vnc", &d);
    vk_domain_free(dom);
    if (r < 0)
        return -1;
    if (r == 0)
        return vksh_error_only(ctl, "Failed to get VNC port. Is this domain using VNC?");
    char disp[512];
    bool v6 = d.listen && strchr(d.listen, ':');
    if (wildcard(d.listen))
        snprintf(disp, sizeof(disp), ":%d", d.port - 5900);
    else
        snprintf(disp, sizeof(disp), "%s%s%s:%d", v6 ? "[" : "", d.listen, v6 ? "]" : "",
                 d.port - 5900);
    if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "display", json_object_new_string(disp));
        json_object_object_add(doc, "port", json_object_new_int(d.port));
        vksh_json_print(ctl, doc);
    } else {
        vksh_print(ctl, "%s\n", disp);
    }
    display_clear(&d);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_vncdisplay = {
    .name = "vncdisplay",
    .opts = vncdisplay_opts,
    .help = "vnc display",
    .desc = "Output the IP address and port number for the VNC display.",
    .handler = cmd_vncdisplay,
};
