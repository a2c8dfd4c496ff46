/* Internals shared by the domain XML parser and formatter files. */
#pragma once
#include "xml_lazy.h" /* libxml2, loaded on first use */

#include "conf/domain_conf.h"
#include "util/vk_buf.h"

/* Limits that keep the parser's checks (some quadratic) cheap on hostile
 * input; far above what a real guest uses. */
#define CONF_MAX_DEVICES 4096
#define CONF_MAX_LIST 1024

/* Name tables indexed by the matching enum (NULL-terminated; "" marks an
 * index that has no XML spelling, such as 0 = not given). */
extern const char *const conf_lifecycle_names[];
extern const char *const conf_boot_names[];
extern const char *const conf_cpu_mode_names[];
extern const char *const conf_cpu_policy_names[];
extern const char *const conf_disk_type_names[];
extern const char *const conf_disk_device_names[];
extern const char *const conf_disk_bus_names[];
extern const char *const conf_net_type_names[];
extern const char *const conf_chr_type_names[];
extern const char *const conf_graphics_type_names[];
extern const char *const conf_addr_type_names[];

/* table[v], or dflt when v is 0 or outside the table (a def built in code
 * may hold anything). */
const char *conf_enum_name(const char *const *table, int v, const char *dflt);

/* Parsing (domain_parse*.c). Each returns 0 or -1 with the error set. */
int conf_parse_devices(xmlNodePtr devices, struct vk_domain_def *def, unsigned flags);
int conf_parse_cpu(xmlNodePtr node, struct vk_cpu_def *cpu);
int conf_parse_clock(xmlNodePtr node, struct vk_clock_def *clock);
/* Feature "tune" (domain_tune.c): <memtune>, <cputune>. */
int conf_parse_memtune(xmlNodePtr node, struct vk_memtune_def *mt);
int conf_parse_cputune(xmlNodePtr node, struct vk_cputune_def *ct);
void conf_format_memtune(struct vk_buf *b, const struct vk_memtune_def *mt);
void conf_format_cputune(struct vk_buf *b, const struct vk_cputune_def *ct);

/* Sets every "unset" field of a device info to -1 (a zeroed one means 0). */
void conf_info_init(struct vk_dev_info *info);
/* Handles <alias>, <address> and (when allow_boot) <boot order=> children
 * of a device: returns 1 when child was one of them, 0 when not, -1 on error. */
int conf_parse_info_child(xmlNodePtr child, struct vk_dev_info *info, bool allow_boot,
                          unsigned flags);

/* Formatting (domain_format*.c), indent in spaces. */
void conf_format_devices(struct vk_buf *b, const struct vk_domain_def *def, unsigned flags);
void conf_format_info(struct vk_buf *b, int indent, const struct vk_dev_info *info);
/* Appends s escaped for XML text (attr false) or a '-quoted attribute. */
void conf_escape(struct vk_buf *b, const char *s, bool attr);
/* Writes " name='value'" with escaping; nothing when value is NULL. */
void conf_attr(struct vk_buf *b, const char *name, const char *value);
/* Writes "<name>text</name>\n" at indent; nothing when text is NULL. */
void conf_text_elem(struct vk_buf *b, int indent, const char *name, const char *text);

/* Freeing (domain_free.c). */
void conf_info_clear(struct vk_dev_info *info);

/* 52:54:00 plus three random bytes, as libvirt's QEMU driver does. */
int conf_mac_generate(uint8_t mac[6]);
int conf_mac_parse(const char *s, uint8_t mac[6]);
