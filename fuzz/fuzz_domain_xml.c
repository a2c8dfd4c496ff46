/* libFuzzer target: domain XML parser and formatter. Whatever parses must
 * format, re-parse and format to the same text (a fixed point). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "util/vk_alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = vk_malloc(size + 1);
    memcpy(xml, data, size);
    xml[size] = 0;
    struct vk_domain_def *def = vk_domain_def_parse(xml, 0);
    if (def) {
        char *out = vk_domain_def_format(def, 0, -1);
        struct vk_domain_def *def2 = vk_domain_def_parse(out, 0);
        if (!def2)
            abort(); /* our own output must parse */
        char *out2 = vk_domain_def_format(def2, 0, -1);
        if (strcmp(out, out2))
            abort(); /* and be a fixed point */
        free(out2);
        free(out);
        vk_domain_def_free(def2);
        vk_domain_def_free(def);
    }
    free(xml);
    return 0;
}
