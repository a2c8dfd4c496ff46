/* Connection URIs in libvirt's syntax, resolved to the UNIX socket to use.
 * Everything the user can get wrong is named in the error: the scheme, the
 * transport, the host, the path, a query parameter. */
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "virtkit/virtkit.h"
#include "vk_config.h"

static const char *const remote_transports[] = {"ssh", "libssh", "libssh2", "tls", "tcp", "ext"};

const char *vk_uri_default(void)
{
    const char *env = getenv("VIRTKIT_DEFAULT_URI");
    return env && *env ? env : "qemu:///system";
}

void vk_uri_clear(struct vk_uri *u)
{
    if (!u)
        return;
    free(u->uri);
    free(u->scheme);
    free(u->transport);
    free(u->path);
    free(u->socket);
    free(u->name);
    memset(u, 0, sizeof(*u));
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) ('+' is a space in query strings). NULL when an
 * escape is malformed or decodes to NUL. */
static char *unescape(const char *s, size_t n)
{
    char *out = vk_malloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            out[j++] = (char)(hi * 16 + lo);
            i += 2;
            continue;
        }
        out[j++] = s[i] == '+' ? ' ' : s[i];
    }
    out[j] = '\0';
    return out;
}

static int parse_query(struct vk_uri *u, const char *q)
{
    while (*q) {
        size_t len = strcspn(q, "&;");
        if (len > 0) {
            const char *eq = memchr(q, '=', len);
            size_t klen = eq ? (size_t)(eq - q) : len;
            vk_autofree char *key = unescape(q, klen);
            if (!key)
                return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                                    "invalid URI '%s': malformed %%-escape in a parameter name",
                                    u->uri);
            if (strcmp(key, "socket") != 0)
                return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                                    "invalid URI '%s': unknown parameter '%s' (supported: socket)",
                                    u->uri, key);
            if (!eq)
                return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                                    "invalid URI '%s': parameter '%s' has no value", u->uri, key);
            char *val = unescape(eq + 1, len - klen - 1);
            if (!val)
                return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                                    "invalid URI '%s': malformed %%-escape in parameter '%s'",
                                    u->uri, key);
            if (!*val) {
                free(val);
                return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                                    "invalid URI '%s': parameter 'socket' is empty", u->uri);
            }
            free(u->socket); /* the last one wins, as in libvirt */
            u->socket = val;
        }
        q += len;
        if (*q)
            q++;
    }
    return 0;
}

static char *session_socket(void)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && *xdg)
        return vk_asprintf("%s/virtkit/virtkit-sock", xdg);
    const char *home = getenv("HOME");
    if (home && *home)
        return vk_asprintf("%s/.cache/virtkit/virtkit-sock", home);
    vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                 "qemu:///session: neither XDG_RUNTIME_DIR nor HOME is set; "
                 "name the socket with ?socket=PATH");
    return NULL;
}

static int parse(const char *text, unsigned int flags, struct vk_uri *u)
{
    u->uri = vk_strdup(text);
    const char *sep = strstr(text, "://");
    if (!sep || sep == text)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                            "invalid URI '%s': expected driver[+transport]:///path, "
                            "e.g. qemu:///system",
                            text);

    /* driver[+transport] */
    const char *plus = memchr(text, '+', (size_t)(sep - text));
    u->scheme = vk_strndup(text, (size_t)((plus ? plus : sep) - text));
    if (plus)
        u->transport = vk_strndup(plus + 1, (size_t)(sep - plus - 1));
    if (strcmp(u->scheme, "qemu") != 0)
        return vk_error_set(
            VK_ERR_NO_SUPPORT, VK_FROM_REMOTE,
            "URI '%s': unsupported hypervisor driver '%s' (virtkit provides 'qemu')", text,
            u->scheme);
    if (u->transport) {
        for (size_t i = 0; i < sizeof(remote_transports) / sizeof(remote_transports[0]); i++)
            if (strcmp(u->transport, remote_transports[i]) == 0)
                return vk_error_set(VK_ERR_NO_SUPPORT, VK_FROM_REMOTE,
                                    "URI '%s': remote transport '%s' is not supported yet; "
                                    "use qemu:///system or qemu+unix:///system?socket=PATH",
                                    text, u->transport);
        if (strcmp(u->transport, "unix") != 0)
            return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                                "URI '%s': unknown transport '%s' (supported: unix)", text,
                                u->transport);
    }

    /* [user@]host[:port]: only the local, empty form is supported. */
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?#");
    if (alen > 0) {
        vk_autofree char *host = vk_strndup(auth, alen);
        if (u->transport)
            return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                                "URI '%s': the unix transport takes no host, got '%s'", text, host);
        return vk_error_set(VK_ERR_NO_SUPPORT, VK_FROM_REMOTE,
                            "URI '%s': remote host '%s' needs a remote transport (tls), which is "
                            "not supported yet; use qemu:///system",
                            text, host);
    }

    const char *path = auth + alen;
    size_t plen = strcspn(path, "?#");
    u->path = vk_strndup(path, plen);
    if (path[plen] == '#')
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                            "invalid URI '%s': a fragment ('#...') is not allowed", text);
    if (plen == 0)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                            "URI '%s' has no path: expected /system or /session", text);
    if (strcmp(u->path, "/system") != 0 && strcmp(u->path, "/session") != 0)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                            "URI '%s': unknown path '%s' (expected /system or /session)", text,
                            u->path);
    if (path[plen] == '?') {
        const char *q = path + plen + 1;
        if (strchr(q, '#'))
            return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                                "invalid URI '%s': a fragment ('#...') is not allowed", text);
        if (parse_query(u, q) < 0)
            return -1;
    }

    u->name = vk_asprintf("%s://%s", u->scheme, u->path);
    if (!u->socket) {
        if (strcmp(u->path, "/system") == 0)
            u->socket = vk_strdup((flags & VK_CONNECT_RO) ? VK_RUNDIR "/virtkit-sock-ro"
                                                          : VK_RUNDIR "/virtkit-sock");
        else if (!(u->socket = session_socket()))
            return -1;
    }
    if (strlen(u->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_REMOTE,
                            "URI '%s': socket path '%s' is too long (%zu bytes, at most %zu)", text,
                            u->socket, strlen(u->socket),
                            sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
    return 0;
}

int vk_uri_parse(const char *uri, unsigned int flags, struct vk_uri *out)
{
    memset(out, 0, sizeof(*out));
    if (!uri || !*uri)
        uri = vk_uri_default();
    if (parse(uri, flags, out) < 0) {
        vk_uri_clear(out);
        return -1;
    }
    return 0;
}
