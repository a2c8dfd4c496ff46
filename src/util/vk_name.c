#include "vk_name.h"

#include <string.h>

#include "vk_error.h"

int vk_name_check(const char *kind, const char *name)
{
    if (!name || !*name)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE, "%s name must not be empty", kind);
    size_t len = strlen(name);
    if (len > VK_NAME_MAX)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                            "%s name is %zu bytes long, the limit is %d", kind, len, VK_NAME_MAX);
    if (name[0] == '.')
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                            "%s name '%s' must not start with '.'", kind, name);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p == '/')
            return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                                "%s name '%s' must not contain '/'", kind, name);
        if (*p < 0x20 || *p == 0x7f)
            return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_NONE,
                                "%s name must not contain control characters", kind);
    }
    return 0;
}
