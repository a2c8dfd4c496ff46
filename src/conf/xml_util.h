/* Safe reading helpers over libxml2 for the conf parsers.
 *
 * Every parser checks each element's attributes and children against what it
 * supports, so nothing a user wrote is silently lost: the helpers here report
 * the offending name with its path ("unsupported attribute 'foo' of <disk>").
 * Paths are written relative to <domain>, with "devices/" left out for
 * readability: "disk/driver", "os/boot", "devices". */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "xml_lazy.h" /* libxml2, loaded on first use */

/* Documents larger than this are refused before libxml2 sees them. */
#define XU_MAX_INPUT (10u * 1024 * 1024)

/* Parses a whole document without network access, entity expansion or DTD
 * loading, and refuses any DOCTYPE (entity declarations are how XML bombs and
 * external entities get in). what names the document kind in errors. Returns
 * NULL with VK_ERR_XML_ERROR set. */
xmlDocPtr xu_read(const char *xml, const char *what);

/* The path of node as used in error messages (static buffer per thread). */
const char *xu_path(xmlNodePtr node);

/* Element iteration that rejects stray text: returns the first / next element
 * child, skipping comments and blank text. On non-blank text sets an error
 * and stores true in *err. */
xmlNodePtr xu_first(xmlNodePtr parent, bool *err);
xmlNodePtr xu_next(xmlNodePtr node, bool *err);

static inline bool xu_is(xmlNodePtr n, const char *name)
{
    return n->ns == NULL && xmlStrEqual(n->name, (const xmlChar *)name);
}

/* Errors (all return -1). */
int xu_err_elem(xmlNodePtr child);                                      /* unsupported element */
int xu_err_attr(xmlNodePtr elem, const char *attr);                     /* unsupported attribute */
int xu_err_value(xmlNodePtr elem, const char *attr, const char *value); /* attr NULL: text */
int xu_err_missing(xmlNodePtr elem, const char *attr); /* attr NULL: missing text */
int xu_err_dup(xmlNodePtr elem);                       /* element given twice */

/* Checks every attribute of elem is in the NULL-terminated list allowed. */
int xu_check_attrs(xmlNodePtr elem, const char *const *allowed);
/* Fails unless elem has no element children and no non-blank text. */
int xu_check_empty(xmlNodePtr elem);

/* The value of attribute name (not namespaced), NULL when absent. Points into
 * the document: valid while it lives. */
const char *xu_attr(xmlNodePtr elem, const char *name);
/* Duplicates into *dst (vk_strdup); a second value replaces nothing: *dst
 * must be NULL. */
void xu_attr_dup(xmlNodePtr elem, const char *name, char **dst);

/* Text content of an element that must hold only text (vk_malloc'd, "" when
 * empty); NULL with error when it has element children. */
char *xu_text(xmlNodePtr elem);

/* Integer attribute: returns 0 when absent (dst untouched), 1 when parsed,
 * -1 with an error naming element, attribute and value. Accepts decimal, and
 * hex with a 0x prefix when hex is true. */
int xu_attr_int(xmlNodePtr elem, const char *name, int min, int max, bool hex, int *dst);
int xu_attr_ull(xmlNodePtr elem, const char *name, unsigned long long *dst);
/* Text as integer within [min, max]. */
int xu_text_int(xmlNodePtr elem, int min, int max, int *dst);
int xu_parse_ull(const char *s, bool hex, unsigned long long *dst);

/* Looks value up in a NULL-terminated names table; returns the index or -1. */
int xu_lookup(const char *const *names, const char *value);
/* Attribute mapped through names: 0 absent, 1 set (*dst = index), -1 error. */
int xu_attr_enum(xmlNodePtr elem, const char *name, const char *const *names, int *dst);
/* yes/no or on/off attribute into a tristate-like int: 1 yes, 2 no. */
int xu_attr_yesno(xmlNodePtr elem, const char *name, const char *yes, const char *no, int *dst);

/* Memory size in KiB from a number and libvirt unit name (NULL = KiB),
 * rounding bytes up. Returns -1 on a bad unit or overflow (no error set). */
int xu_scale_kib(unsigned long long value, const char *unit, unsigned long long *kib);
