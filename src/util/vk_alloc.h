/* Allocation that never returns NULL (abort on OOM: a daemon that cannot
 * allocate a few bytes cannot report it either), and cleanup attributes so
 * most functions need no manual free. */
#pragma once
#include <stddef.h>
#include <stdlib.h>

void *vk_malloc(size_t n);
void *vk_calloc(size_t nmemb, size_t size);
void *vk_realloc(void *p, size_t n);
char *vk_strdup(const char *s);        /* NULL in, NULL out */
char *vk_strndup(const char *s, size_t n);
char *vk_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Frees *p and sets it to NULL. */
#define VK_FREE(p) do { free(p); (p) = NULL; } while (0)

static inline void vk_autofree_cleanup(void *p) { free(*(void **)p); }
#define vk_autofree __attribute__((cleanup(vk_autofree_cleanup)))

/* Grows array *arr (of *n elements) by one zeroed element; returns it. */
#define VK_APPEND(arr, n) \
    (*(void **)&(arr) = vk_realloc((arr), sizeof(*(arr)) * ((n) + 1)), \
     memset(&(arr)[(n)], 0, sizeof(*(arr))), &(arr)[(n)++])
