/* UUIDs: 16 raw bytes; the text form is libvirt's (8-4-4-4-12 hex, and
 * libvirt also accepts 32 hex digits without dashes). */
#pragma once
#include <stdint.h>

#define VK_UUID_LEN 16
#define VK_UUID_STRLEN 37 /* with NUL */

/* Random version-4 UUID from getrandom(). Returns 0 or -1 (error set). */
int vk_uuid_generate(uint8_t uuid[VK_UUID_LEN]);
/* Returns 0, or -1 when str is not a UUID (no error set: caller names it). */
int vk_uuid_parse(const char *str, uint8_t uuid[VK_UUID_LEN]);
void vk_uuid_format(const uint8_t uuid[VK_UUID_LEN], char out[VK_UUID_STRLEN]);
