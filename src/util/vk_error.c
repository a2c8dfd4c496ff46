#include "vk_error.h"

#include <stdio.h>
#include <string.h>

static _Thread_local struct vk_error last;

int vk_error_setv(int code, int domain, const char *fmt, va_list ap)
{
    last.code = code;
    last.domain = domain;
    vsnprintf(last.message, sizeof(last.message), fmt, ap);
    return -1;
}

int vk_error_set(int code, int domain, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vk_error_setv(code, domain, fmt, ap);
    va_end(ap);
    return -1;
}

int vk_error_system(int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vk_error_setv(VK_ERR_SYSTEM_ERROR, VK_FROM_NONE, fmt, ap);
    va_end(ap);
    size_t n = strlen(last.message);
    snprintf(last.message + n, sizeof(last.message) - n, ": %s", strerror(errnum));
    return -1;
}

const struct vk_error *vk_error_last(void)
{
    return &last;
}

void vk_error_reset(void)
{
    last.code = VK_ERR_OK;
    last.domain = VK_FROM_NONE;
    last.message[0] = '\0';
}

void vk_error_prefix(const char *fmt, ...)
{
    char prefix[256], old[sizeof(last.message)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, last.message, sizeof(old));
    snprintf(last.message, sizeof(last.message), "%s: %s", prefix, old);
}
