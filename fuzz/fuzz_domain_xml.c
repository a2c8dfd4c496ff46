/* libFuzzer target: domain XML parser and formatter. Whatever parses must
 * format, re-parse and format to the same text (a fixed point), in config
 * and in status mode, and copy to an identical definition. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "util/vk_alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fixed_point(const char *xml, unsigned parse_flags, unsigned format_flags)
{
    struct vk_domain_def *def = vk_domain_def_parse(xml, parse_flags);
    if (!def)
        return;
    char *out = vk_domain_def_format(def, format_flags, 1);
    struct vk_domain_def *def2 = vk_domain_def_parse(out, parse_flags);
    if (!def2)
        abort(); /* our own output must parse */
    char *out2 = vk_domain_def_format(def2, format_flags, 1);
    if (strcmp(out, out2))
        abort(); /* and be a fixed point */
    struct vk_domain_def *copy = vk_domain_def_copy(def);
    if (!copy)
        abort();
    char *out3 = vk_domain_def_format(copy, format_flags, 1);
    if (strcmp(out, out3))
        abort(); /* a copy formats like the original */
    free(out3);
    free(out2);
    free(out);
    vk_domain_def_free(copy);
    vk_domain_def_free(def2);
    vk_domain_def_free(def);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = vk_malloc(size + 1);
    memcpy(xml, data, size);
    xml[size] = 0;
    check_fixed_point(xml, 0, 0);
    check_fixed_point(xml, VK_PARSE_STATUS, VK_FORMAT_LIVE | VK_FORMAT_NO_SECURE);
    free(xml);
    return 0;
}
