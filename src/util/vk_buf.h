/* A growable byte/string buffer: always NUL-terminated, never fails. */
#pragma once
#include <stddef.h>

struct vk_buf {
    char *data;
    size_t len;
    size_t cap;
};

#define VK_BUF_INIT {NULL, 0, 0}

void vk_buf_add(struct vk_buf *b, const void *data, size_t len);
void vk_buf_adds(struct vk_buf *b, const char *s);
void vk_buf_addf(struct vk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s with XML escaping of & < > " ' (for attribute and text content). */
void vk_buf_add_xml_escaped(struct vk_buf *b, const char *s);
/* Appends s with every ',' doubled: QEMU's escaping for option values. */
void vk_buf_add_qemu_escaped(struct vk_buf *b, const char *s);
/* n spaces of indentation. */
void vk_buf_indent(struct vk_buf *b, int n);
/* Returns the string (caller frees) and resets the buffer; "" when empty. */
char *vk_buf_steal(struct vk_buf *b);
void vk_buf_reset(struct vk_buf *b);
void vk_buf_free(struct vk_buf *b);
