/* Lazy libxml2 loading for vksh (see vksh_xml.h for why). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "vksh_xml.h"

#define VKSH_LIBXML2 "libxml2.so.2"

static struct vksh_xml_api api;
static int loaded;

static void *sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    if (!p) {
        fprintf(stderr, "error: %s has no symbol %s\n", VKSH_LIBXML2, name);
        exit(EXIT_FAILURE);
    }
    return p;
}

/* vksh runs commands on one thread; no locking needed. The handle stays
 * open until exit. */
const struct vksh_xml_api *vksh_xml(void)
{
    if (loaded)
        return &api;
    void *h = dlopen(VKSH_LIBXML2, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "error: this command parses XML and needs %s: %s\n", VKSH_LIBXML2,
                dlerror());
        exit(EXIT_FAILURE);
    }
    /* dlsym returns void *; the table's types match libxml2's prototypes. */
#define VKSH_XML_SYM(field, name) *(void **)&api.field = sym(h, name)
    VKSH_XML_SYM(ReadMemory, "xmlReadMemory");
    VKSH_XML_SYM(FreeDoc, "xmlFreeDoc");
    VKSH_XML_SYM(DocGetRootElement, "xmlDocGetRootElement");
    VKSH_XML_SYM(GetProp, "xmlGetProp");
    VKSH_XML_SYM(NewProp, "xmlNewProp");
    VKSH_XML_SYM(NewChild, "xmlNewChild");
    VKSH_XML_SYM(UnlinkNode, "xmlUnlinkNode");
    VKSH_XML_SYM(FreeNode, "xmlFreeNode");
    VKSH_XML_SYM(BufferCreate, "xmlBufferCreate");
    VKSH_XML_SYM(BufferContent, "xmlBufferContent");
    VKSH_XML_SYM(BufferFree, "xmlBufferFree");
    VKSH_XML_SYM(NodeDump, "xmlNodeDump");
    VKSH_XML_SYM(XPathNewContext, "xmlXPathNewContext");
    VKSH_XML_SYM(XPathFreeContext, "xmlXPathFreeContext");
    VKSH_XML_SYM(XPathEvalExpression, "xmlXPathEvalExpression");
    VKSH_XML_SYM(XPathFreeObject, "xmlXPathFreeObject");
    VKSH_XML_SYM(FreeFuncPtr, "__xmlFree");
#undef VKSH_XML_SYM
    loaded = 1;
    return &api;
}
