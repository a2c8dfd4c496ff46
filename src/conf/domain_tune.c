/* Feature "tune": <memtune> and <cputune> (libvirt's elements, ranges and
 * formatting order). Which tunables a hypervisor applies is the driver's
 * business; here they are only read and written. */
#include <string.h>

#include "conf/domain_priv.h"
#include "conf/xml_util.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"

/* libvirt's VIR_DOMAIN_MEMORY_PARAM_UNLIMITED (KiB): at or above it a
 * limit means "none", which is what an absent element says. */
#define MEMTUNE_UNLIMITED 9007199254740991ULL
/* libvirt's bounds for CFS periods and quotas (microseconds). */
#define PERIOD_MIN 1000ULL
#define PERIOD_MAX 1000000ULL
#define QUOTA_MIN 1000LL
#define QUOTA_MAX 17592186044415LL

static int parse_limit(xmlNodePtr n, unsigned long long *kib, bool *has)
{
    static const char *const attrs[] = {"unit", NULL};
    if (*has)
        return xu_err_dup(n);
    if (xu_check_attrs(n, attrs) < 0)
        return -1;
    const char *unit = xu_attr(n, "unit");
    vk_autofree char *text = xu_text(n);
    if (!text)
        return -1;
    unsigned long long v, k;
    if (xu_parse_ull(text, false, &v) < 0)
        return xu_err_value(n, NULL, text);
    if (xu_scale_kib(v, unit, &k) < 0) {
        if (unit && xu_scale_kib(1, unit, &k) < 0)
            return xu_err_value(n, "unit", unit);
        k = MEMTUNE_UNLIMITED; /* overflow: beyond any limit */
    }
    *has = k < MEMTUNE_UNLIMITED;
    *kib = *has ? k : 0;
    return 0;
}

int conf_parse_memtune(xmlNodePtr node, struct vk_memtune_def *mt)
{
    static const struct vk_memtune_def none;
    if (memcmp(mt, &none, sizeof(none)))
        return xu_err_dup(node);
    if (xu_check_attrs(node, NULL) < 0)
        return -1;
    bool err = false;
    for (xmlNodePtr c = xu_first(node, &err); c; c = xu_next(c, &err)) {
        int r;
        if (xu_is(c, "hard_limit"))
            r = parse_limit(c, &mt->hard_limit_kib, &mt->has_hard_limit);
        else if (xu_is(c, "soft_limit"))
            r = parse_limit(c, &mt->soft_limit_kib, &mt->has_soft_limit);
        else if (xu_is(c, "swap_hard_limit"))
            r = parse_limit(c, &mt->swap_hard_limit_kib, &mt->has_swap_hard_limit);
        else if (xu_is(c, "min_guarantee"))
            r = parse_limit(c, &mt->min_guarantee_kib, &mt->has_min_guarantee);
        else
            r = xu_err_elem(c);
        if (r < 0)
            return -1;
    }
    if (err)
        return -1;
    if (mt->has_hard_limit && mt->has_swap_hard_limit &&
        mt->hard_limit_kib > mt->swap_hard_limit_kib)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                            "memory hard_limit tunable value must be lower than or equal to "
                            "swap_hard_limit");
    return 0;
}

/* The text of an attribute-less element given once (seen: given before). */
static char *elem_text(xmlNodePtr n, bool seen)
{
    if (seen) {
        xu_err_dup(n);
        return NULL;
    }
    if (xu_check_attrs(n, NULL) < 0)
        return NULL;
    return xu_text(n);
}

static int parse_ull_text(xmlNodePtr n, unsigned long long min, unsigned long long max,
                          unsigned long long *dst)
{
    vk_autofree char *text = elem_text(n, *dst != 0);
    unsigned long long v;
    if (!text)
        return -1;
    if (xu_parse_ull(text, false, &v) < 0 || v < min || v > max)
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                            "invalid value '%s' of <%s>: must be in range [%llu, %llu]", text,
                            xu_path(n), min, max);
    *dst = v;
    return 0;
}

/* A quota: [QUOTA_MIN, QUOTA_MAX], or any negative number for unlimited (-1). */
static int parse_quota(xmlNodePtr n, long long *dst)
{
    vk_autofree char *text = elem_text(n, *dst != 0);
    if (!text)
        return -1;
    unsigned long long v;
    bool neg = text[0] == '-';
    if (xu_parse_ull(text + neg, false, &v) < 0 || (neg && v == 0) ||
        (!neg && (v < (unsigned long long)QUOTA_MIN || v > (unsigned long long)QUOTA_MAX)))
        return vk_error_set(VK_ERR_XML_DETAIL, VK_FROM_CONF,
                            "invalid value '%s' of <%s>: must be in range [%lld, %lld] or "
                            "negative (unlimited)",
                            text, xu_path(n), QUOTA_MIN, QUOTA_MAX);
    *dst = neg ? -1 : (long long)v;
    return 0;
}

int conf_parse_cputune(xmlNodePtr node, struct vk_cputune_def *ct)
{
    static const struct vk_cputune_def none;
    if (memcmp(ct, &none, sizeof(none)))
        return xu_err_dup(node);
    if (xu_check_attrs(node, NULL) < 0)
        return -1;
    bool err = false;
    for (xmlNodePtr c = xu_first(node, &err); c; c = xu_next(c, &err)) {
        int r;
        if (xu_is(c, "shares"))
            r = parse_ull_text(c, 1, 262144, &ct->shares);
        else if (xu_is(c, "period"))
            r = parse_ull_text(c, PERIOD_MIN, PERIOD_MAX, &ct->period);
        else if (xu_is(c, "quota"))
            r = parse_quota(c, &ct->quota);
        else if (xu_is(c, "global_period"))
            r = parse_ull_text(c, PERIOD_MIN, PERIOD_MAX, &ct->global_period);
        else if (xu_is(c, "global_quota"))
            r = parse_quota(c, &ct->global_quota);
        else if (xu_is(c, "emulator_period"))
            r = parse_ull_text(c, PERIOD_MIN, PERIOD_MAX, &ct->emulator_period);
        else if (xu_is(c, "emulator_quota"))
            r = parse_quota(c, &ct->emulator_quota);
        else
            r = xu_err_elem(c); /* vcpupin, iothread_*, ...: not supported */
        if (r < 0)
            return -1;
    }
    return err ? -1 : 0;
}

static void format_limit(struct vk_buf *b, const char *name, unsigned long long kib, bool has)
{
    if (has)
        vk_buf_addf(b, "    <%s unit='KiB'>%llu</%s>\n", name, kib, name);
}

void conf_format_memtune(struct vk_buf *b, const struct vk_memtune_def *mt)
{
    if (!mt->has_hard_limit && !mt->has_soft_limit && !mt->has_swap_hard_limit &&
        !mt->has_min_guarantee)
        return;
    vk_buf_adds(b, "  <memtune>\n");
    format_limit(b, "hard_limit", mt->hard_limit_kib, mt->has_hard_limit);
    format_limit(b, "soft_limit", mt->soft_limit_kib, mt->has_soft_limit);
    format_limit(b, "min_guarantee", mt->min_guarantee_kib, mt->has_min_guarantee);
    format_limit(b, "swap_hard_limit", mt->swap_hard_limit_kib, mt->has_swap_hard_limit);
    vk_buf_adds(b, "  </memtune>\n");
}

void conf_format_cputune(struct vk_buf *b, const struct vk_cputune_def *ct)
{
    static const struct vk_cputune_def none;
    if (!memcmp(ct, &none, sizeof(none)))
        return;
    vk_buf_adds(b, "  <cputune>\n");
    if (ct->shares)
        vk_buf_addf(b, "    <shares>%llu</shares>\n", ct->shares);
    if (ct->period)
        vk_buf_addf(b, "    <period>%llu</period>\n", ct->period);
    if (ct->quota)
        vk_buf_addf(b, "    <quota>%lld</quota>\n", ct->quota);
    if (ct->global_period)
        vk_buf_addf(b, "    <global_period>%llu</global_period>\n", ct->global_period);
    if (ct->global_quota)
        vk_buf_addf(b, "    <global_quota>%lld</global_quota>\n", ct->global_quota);
    if (ct->emulator_period)
        vk_buf_addf(b, "    <emulator_period>%llu</emulator_period>\n", ct->emulator_period);
    if (ct->emulator_quota)
        vk_buf_addf(b, "    <emulator_quota>%lld</emulator_quota>\n", ct->emulator_quota);
    vk_buf_adds(b, "  </cputune>\n");
}
