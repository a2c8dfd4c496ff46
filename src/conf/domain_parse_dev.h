/* Device parsers split over several files. */
#pragma once
#include "domain_priv.h"

/* <serial>, <console>, <channel>. */
int conf_parse_chr(xmlNodePtr n, struct vk_domain_def *def, unsigned flags);
/* <graphics>, <video>, <input>, <sound>, <audio>, <memballoon>, <rng>,
 * <watchdog>; anything else is reported as unsupported. */
int conf_parse_other_device(xmlNodePtr n, struct vk_domain_def *def, unsigned flags);
/* Copies attribute attr into *dst when present, checking it against choices
 * (NULL: any value). */
int conf_attr_choice(xmlNodePtr n, const char *attr, const char *const *choices, char **dst);
/* Fails with VK_ERR_CONFIG_UNSUPPORTED when attribute attr holds one of
 * libvirt's other valid values (NULL-terminated list): valid XML that
 * virtkit does not run, not a typo. */
int conf_check_unsupported(xmlNodePtr n, const char *attr, const char *const *libvirt_only);
