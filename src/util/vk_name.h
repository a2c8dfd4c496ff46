/* Object names (domains, networks, pools, volumes) become file names, QEMU
 * option values and log lines, so they are checked once where they enter. */
#pragma once

#define VK_NAME_MAX 200

/* Returns 0 when name is usable as an object name: 1..VK_NAME_MAX bytes,
 * no '/', no control characters, not "." or "..", not starting with '.'.
 * Otherwise -1 with VK_ERR_INVALID_ARG naming what (kind, e.g. "domain")
 * and why. */
int vk_name_check(const char *kind, const char *name);
