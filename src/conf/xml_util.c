#include "xml_util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"

/* A DOCTYPE is where entity declarations live: stop the parser at once. */
static void refuse_subset(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    xmlParserCtxtPtr ctxt = ctx;
    *(bool *)ctxt->_private = true;
    xmlStopParser(ctxt);
}

static void refuse_entity(void *ctx, const xmlChar *name, int type, const xmlChar *pid,
                          const xmlChar *sid, xmlChar *content)
{
    xmlParserCtxtPtr ctxt = ctx;
    *(bool *)ctxt->_private = true;
    xmlStopParser(ctxt);
}

xmlDocPtr xu_read(const char *xml, const char *what)
{
    if (!xml)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_XML, "no %s XML given", what), NULL;
    size_t len = strnlen(xml, XU_MAX_INPUT + 1);
    if (len > XU_MAX_INPUT)
        return vk_error_set(VK_ERR_XML_ERROR, VK_FROM_XML,
                            "%s XML is larger than the limit of %u bytes", what, XU_MAX_INPUT),
               NULL;
    /* Cheap refusal before parsing; the SAX hooks below catch what this
     * textual check cannot (other encodings). */
    if (memmem(xml, len, "<!DOCTYPE", 9) || memmem(xml, len, "<!ENTITY", 8))
        return vk_error_set(VK_ERR_XML_ERROR, VK_FROM_XML,
                            "%s XML must not contain a DOCTYPE or entity declarations", what),
               NULL;

    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return vk_error_set(VK_ERR_NO_MEMORY, VK_FROM_XML, "cannot allocate XML parser"), NULL;
    bool refused = false;
    ctxt->_private = &refused;
    ctxt->sax->internalSubset = refuse_subset;
    ctxt->sax->externalSubset = refuse_subset;
    ctxt->sax->entityDecl = refuse_entity;

    /* No XML_PARSE_NOENT (entities are never expanded), no DTDLOAD/DTDATTR,
     * NONET: nothing is ever fetched. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
               XML_PARSE_COMPACT;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "domain.xml", NULL, opts);
    if (refused) {
        vk_error_set(VK_ERR_XML_ERROR, VK_FROM_XML,
                     "%s XML must not contain a DOCTYPE or entity declarations", what);
        xmlFreeDoc(doc);
        doc = NULL;
    } else if (!doc || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[512] = "malformed document";
        if (e && e->message) {
            snprintf(msg, sizeof(msg), "%s", e->message);
            size_t l = strlen(msg);
            while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
                msg[--l] = 0;
        }
        vk_error_set(VK_ERR_XML_ERROR, VK_FROM_XML, "%s XML, line %d: %s", what, e ? e->line : 0,
                     msg);
        xmlFreeDoc(doc);
        doc = NULL;
    } else if (!xmlDocGetRootElement(doc)) {
        vk_error_set(VK_ERR_XML_ERROR, VK_FROM_XML, "%s XML has no root element", what);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

const char *xu_path(xmlNodePtr node)
{
    static __thread char buf[256];
    const xmlChar *names[16];
    int n = 0;
    for (xmlNodePtr p = node; p && p->type == XML_ELEMENT_NODE && n < 16; p = p->parent) {
        if (p->parent && p->parent->type == XML_ELEMENT_NODE)
            names[n++] = p->name; /* the root <domain> is named only alone */
        else if (n == 0)
            names[n++] = p->name;
    }
    /* "devices/disk/driver" reads better as "disk/driver" */
    if (n > 1 && xmlStrEqual(names[n - 1], (const xmlChar *)"devices"))
        n--;
    size_t off = 0;
    buf[0] = 0;
    for (int i = n - 1; i >= 0 && off < sizeof(buf); i--)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", (const char *)names[i],
                                i ? "/" : "");
    return buf;
}

static bool is_blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

static xmlNodePtr skip_to_element(xmlNodePtr n, bool *err)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE)
            return n;
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
            !is_blank(n->content)) {
            char snip[40];
            snprintf(snip, sizeof(snip), "%s", (const char *)n->content);
            vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "unexpected text '%s' in <%s>", snip,
                         xu_path(n->parent));
            *err = true;
            return NULL;
        }
        if (n->type == XML_ENTITY_REF_NODE) {
            vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "unexpected entity reference in <%s>",
                         xu_path(n->parent));
            *err = true;
            return NULL;
        }
    }
    return NULL;
}

xmlNodePtr xu_first(xmlNodePtr parent, bool *err)
{
    return skip_to_element(parent->children, err);
}

xmlNodePtr xu_next(xmlNodePtr node, bool *err)
{
    return skip_to_element(node->next, err);
}

static void elem_label(xmlNodePtr n, char *out, size_t size)
{
    if (n->ns && n->ns->prefix)
        snprintf(out, size, "%s:%s", (const char *)n->ns->prefix, (const char *)n->name);
    else
        snprintf(out, size, "%s", (const char *)n->name);
}

int xu_err_elem(xmlNodePtr child)
{
    char label[128];
    elem_label(child, label, sizeof(label));
    return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF, "unsupported element <%s> in <%s>",
                        label, xu_path(child->parent));
}

int xu_err_attr(xmlNodePtr elem, const char *attr)
{
    return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_CONF,
                        "unsupported attribute '%s' of <%s>", attr, xu_path(elem));
}

int xu_err_value(xmlNodePtr elem, const char *attr, const char *value)
{
    char snip[80];
    snprintf(snip, sizeof(snip), "%s", value ? value : "");
    if (attr)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "invalid value '%s' for <%s %s>", snip,
                            xu_path(elem), attr);
    return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "invalid value '%s' for <%s>", snip,
                        xu_path(elem));
}

int xu_err_missing(xmlNodePtr elem, const char *attr)
{
    if (attr)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "missing attribute '%s' of <%s>", attr,
                            xu_path(elem));
    return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "missing value of <%s>", xu_path(elem));
}

int xu_err_dup(xmlNodePtr elem)
{
    return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "element <%s> given more than once",
                        xu_path(elem));
}

int xu_check_attrs(xmlNodePtr elem, const char *const *allowed)
{
    for (xmlAttrPtr a = elem->properties; a; a = a->next) {
        if (a->ns) {
            char label[128];
            snprintf(label, sizeof(label), "%s:%s",
                     a->ns->prefix ? (const char *)a->ns->prefix : "", (const char *)a->name);
            return xu_err_attr(elem, label);
        }
        bool ok = false;
        for (const char *const *p = allowed; p && *p; p++)
            if (xmlStrEqual(a->name, (const xmlChar *)*p)) {
                ok = true;
                break;
            }
        if (!ok)
            return xu_err_attr(elem, (const char *)a->name);
    }
    return 0;
}

int xu_check_empty(xmlNodePtr elem)
{
    bool err = false;
    xmlNodePtr c = xu_first(elem, &err);
    if (err)
        return -1;
    if (c)
        return xu_err_elem(c);
    return 0;
}

const char *xu_attr(xmlNodePtr elem, const char *name)
{
    for (xmlAttrPtr a = elem->properties; a; a = a->next) {
        if (a->ns || !xmlStrEqual(a->name, (const xmlChar *)name))
            continue;
        if (!a->children)
            return "";
        if (a->children->type == XML_TEXT_NODE && !a->children->next)
            return (const char *)a->children->content;
        /* A value split over several nodes: flatten it once so callers
         * can hold a plain pointer. */
        xmlChar *v = xmlNodeListGetString(elem->doc, a->children, 1);
        xmlFreeNodeList(a->children);
        a->children = a->last = xmlNewDocText(elem->doc, v ? v : (const xmlChar *)"");
        if (a->children)
            a->children->parent = (xmlNodePtr)a;
        xmlFree(v);
        return a->children ? (const char *)a->children->content : "";
    }
    return NULL;
}

void xu_attr_dup(xmlNodePtr elem, const char *name, char **dst)
{
    const char *v = xu_attr(elem, name);
    if (v) {
        free(*dst);
        *dst = vk_strdup(v);
    }
}

char *xu_text(xmlNodePtr elem)
{
    struct vk_buf b = VK_BUF_INIT;
    for (xmlNodePtr n = elem->children; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                vk_buf_adds(&b, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE) {
            vk_buf_free(&b);
            xu_err_elem(n);
            return NULL;
        } else if (n->type == XML_ENTITY_REF_NODE) {
            vk_buf_free(&b);
            vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF, "unexpected entity reference in <%s>",
                         xu_path(elem));
            return NULL;
        }
    }
    return vk_buf_steal(&b);
}

int xu_parse_ull(const char *s, bool hex, unsigned long long *dst)
{
    if (!s)
        return -1;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    if (!*s || *s == '-' || *s == '+')
        return -1;
    int base = 10;
    if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s)
            return -1;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || end == s)
        return -1;
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    if (*end)
        return -1;
    *dst = v;
    return 0;
}

static int parse_int(const char *s, int min, int max, bool hex, int *dst)
{
    unsigned long long u;
    bool neg = false;
    while (*s == ' ')
        s++;
    if (*s == '-' && min < 0) {
        neg = true;
        s++;
    }
    if (xu_parse_ull(s, hex, &u) < 0 || u > (unsigned long long)INT_MAX + 1)
        return -1;
    long long v = neg ? -(long long)u : (long long)u;
    if (v < min || v > max)
        return -1;
    *dst = (int)v;
    return 0;
}

int xu_attr_int(xmlNodePtr elem, const char *name, int min, int max, bool hex, int *dst)
{
    const char *v = xu_attr(elem, name);
    if (!v)
        return 0;
    if (parse_int(v, min, max, hex, dst) < 0)
        return xu_err_value(elem, name, v);
    return 1;
}

int xu_attr_ull(xmlNodePtr elem, const char *name, unsigned long long *dst)
{
    const char *v = xu_attr(elem, name);
    if (!v)
        return 0;
    if (xu_parse_ull(v, false, dst) < 0)
        return xu_err_value(elem, name, v);
    return 1;
}

int xu_text_int(xmlNodePtr elem, int min, int max, int *dst)
{
    vk_autofree char *t = xu_text(elem);
    if (!t)
        return -1;
    if (parse_int(t, min, max, false, dst) < 0)
        return xu_err_value(elem, NULL, t);
    return 0;
}

int xu_lookup(const char *const *names, const char *value)
{
    for (int i = 0; names[i]; i++)
        if (names[i][0] && !strcmp(names[i], value))
            return i;
    return -1;
}

int xu_attr_enum(xmlNodePtr elem, const char *name, const char *const *names, int *dst)
{
    const char *v = xu_attr(elem, name);
    if (!v)
        return 0;
    int i = xu_lookup(names, v);
    if (i < 0)
        return xu_err_value(elem, name, v);
    *dst = i;
    return 1;
}

int xu_attr_yesno(xmlNodePtr elem, const char *name, const char *yes, const char *no, int *dst)
{
    const char *v = xu_attr(elem, name);
    if (!v)
        return 0;
    if (!strcmp(v, yes))
        *dst = 1;
    else if (!strcmp(v, no))
        *dst = 2;
    else
        return xu_err_value(elem, name, v);
    return 1;
}

int xu_scale_kib(unsigned long long value, const char *unit, unsigned long long *kib)
{
    static const struct {
        const char *name;
        unsigned long long mult; /* bytes */
    } units[] = {
        {"b", 1},          {"bytes", 1},        {"KB", 1000ULL},
        {"k", 1024ULL},    {"KiB", 1024ULL},    {"MB", 1000000ULL},
        {"M", 1ULL << 20}, {"MiB", 1ULL << 20}, {"GB", 1000000000ULL},
        {"G", 1ULL << 30}, {"GiB", 1ULL << 30}, {"TB", 1000000000000ULL},
        {"T", 1ULL << 40}, {"TiB", 1ULL << 40}, {"PB", 1000000000000000ULL},
        {"P", 1ULL << 50}, {"PiB", 1ULL << 50}, {"EB", 1000000000000000000ULL},
        {"E", 1ULL << 60}, {"EiB", 1ULL << 60},
    };
    unsigned long long mult = 0;
    if (!unit)
        mult = 1024;
    for (size_t i = 0; !mult && i < sizeof(units) / sizeof(units[0]); i++)
        if (!strcasecmp(units[i].name, unit)) /* libvirt ignores case */
            mult = units[i].mult;
    if (!mult)
        return -1;
    if (mult % 1024 == 0) {
        unsigned long long m = mult / 1024;
        if (value > ULLONG_MAX / m)
            return -1;
        *kib = value * m;
        return 0;
    }
    /* Byte-based units: round up to whole KiB as libvirt does. */
    if (value > ULLONG_MAX / mult)
        return -1;
    unsigned long long bytes = value * mult;
    *kib = bytes / 1024 + (bytes % 1024 ? 1 : 0);
    return 0;
}
