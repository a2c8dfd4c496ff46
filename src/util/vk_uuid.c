#include "vk_uuid.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include "vk_error.h"

int vk_uuid_generate(uint8_t uuid[VK_UUID_LEN])
{
    size_t got = 0;
    while (got < VK_UUID_LEN) {
        ssize_t n = getrandom(uuid + got, VK_UUID_LEN - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return vk_error_system(errno, "cannot generate UUID");
        }
        got += (size_t)n;
    }
    uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
    uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int vk_uuid_parse(const char *str, uint8_t uuid[VK_UUID_LEN])
{
    const char *p = str;
    while (*p == ' ')
        p++;
    for (int i = 0; i < VK_UUID_LEN; i++) {
        if (*p == '-')
            p++;
        int hi = hexval(p[0]);
        int lo = hi < 0 ? -1 : hexval(p[1]);
        if (hi < 0 || lo < 0)
            return -1;
        uuid[i] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    while (*p == ' ')
        p++;
    return *p ? -1 : 0;
}

void vk_uuid_format(const uint8_t u[VK_UUID_LEN], char out[VK_UUID_STRLEN])
{
    snprintf(out, VK_UUID_STRLEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
}
