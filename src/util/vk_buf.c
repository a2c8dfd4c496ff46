#include "vk_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vk_alloc.h"

static void reserve(struct vk_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = vk_realloc(b->data, cap);
    b->cap = cap;
}

void vk_buf_add(struct vk_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void vk_buf_adds(struct vk_buf *b, const char *s)
{
    vk_buf_add(b, s, strlen(s));
}

void vk_buf_addf(struct vk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void vk_buf_add_xml_escaped(struct vk_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': vk_buf_adds(b, "&amp;"); break;
        case '<': vk_buf_adds(b, "&lt;"); break;
        case '>': vk_buf_adds(b, "&gt;"); break;
        case '"': vk_buf_adds(b, "&quot;"); break;
        case '\'': vk_buf_adds(b, "&apos;"); break;
        default: vk_buf_add(b, s, 1);
        }
    }
}

void vk_buf_add_qemu_escaped(struct vk_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == ',')
            vk_buf_add(b, ",,", 2);
        else
            vk_buf_add(b, s, 1);
    }
}

void vk_buf_indent(struct vk_buf *b, int n)
{
    reserve(b, (size_t)n);
    memset(b->data + b->len, ' ', (size_t)n);
    b->len += (size_t)n;
    b->data[b->len] = '\0';
}

char *vk_buf_steal(struct vk_buf *b)
{
    char *s = b->data ? b->data : vk_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void vk_buf_reset(struct vk_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void vk_buf_free(struct vk_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
