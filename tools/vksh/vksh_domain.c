/* Resolving the <domain> argument the way virsh does: an id when it is a
 * non-negative integer, then a UUID when it has a UUID's length, then a
 * name; the first hit wins. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vksh.h"

static bool parse_id(const char *s, int *id)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < 0 || v > INT_MAX)
        return false;
    *id = (int)v;
    return true;
}

vk_domain *vksh_domain_arg(struct vksh_ctl *ctl, const struct vksh_cmd *cmd, unsigned int by,
                           const char **arg)
{
    const char *n = vksh_opt_string(cmd, "domain");
    if (arg)
        *arg = n;
    vk_domain *dom = NULL;
    int id;
    if ((by & VKSH_BYID) && parse_id(n, &id))
        dom = vk_domain_lookup_by_id(ctl->conn, id);
    if (!dom && (by & VKSH_BYUUID) && strlen(n) == VK_UUID_STRING_BUFLEN - 1)
        dom = vk_domain_lookup_by_uuid_string(ctl->conn, n);
    if (!dom && (by & VKSH_BYNAME))
        dom = vk_domain_lookup_by_name(ctl->conn, n);
    if (!dom)
        vksh_error_only(ctl, "failed to get domain '%s'", n);
    return dom;
}
