/* libxml2 loaded on first use (see xml_lazy.h for why). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "xml_lazy.h"

#define VK_LIBXML2 "libxml2.so.2"

static struct vk_xml_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    if (!p) {
        fprintf(stderr, "error: %s has no symbol %s\n", VK_LIBXML2, name);
        exit(EXIT_FAILURE);
    }
    return p;
}

static void load(void)
{
    /* The handle stays open until exit. */
    void *h = dlopen(VK_LIBXML2, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "error: cannot load %s, needed to parse XML: %s\n", VK_LIBXML2,
                dlerror());
        exit(EXIT_FAILURE);
    }
    /* dlsym returns void *; the table's types match libxml2's prototypes. */
#define VK_XML_SYM(field, name) *(void **)&api.field = sym(h, name)
    VK_XML_SYM(InitParser, "xmlInitParser");
    VK_XML_SYM(NewParserCtxt, "xmlNewParserCtxt");
    VK_XML_SYM(FreeParserCtxt, "xmlFreeParserCtxt");
    VK_XML_SYM(CtxtReadMemory, "xmlCtxtReadMemory");
    VK_XML_SYM(CtxtGetLastError, "xmlCtxtGetLastError");
    VK_XML_SYM(StopParser, "xmlStopParser");
    VK_XML_SYM(ReadMemory, "xmlReadMemory");
    VK_XML_SYM(FreeDoc, "xmlFreeDoc");
    VK_XML_SYM(DocGetRootElement, "xmlDocGetRootElement");
    VK_XML_SYM(DocSetRootElement, "xmlDocSetRootElement");
    VK_XML_SYM(DocCopyNode, "xmlDocCopyNode");
    VK_XML_SYM(NewDocNode, "xmlNewDocNode");
    VK_XML_SYM(NewDocText, "xmlNewDocText");
    VK_XML_SYM(AddChild, "xmlAddChild");
    VK_XML_SYM(NodeListGetString, "xmlNodeListGetString");
    VK_XML_SYM(StrEqual, "xmlStrEqual");
    VK_XML_SYM(GetProp, "xmlGetProp");
    VK_XML_SYM(NewProp, "xmlNewProp");
    VK_XML_SYM(NewChild, "xmlNewChild");
    VK_XML_SYM(UnlinkNode, "xmlUnlinkNode");
    VK_XML_SYM(FreeNode, "xmlFreeNode");
    VK_XML_SYM(FreeNodeList, "xmlFreeNodeList");
    VK_XML_SYM(BufferCreate, "xmlBufferCreate");
    VK_XML_SYM(BufferContent, "xmlBufferContent");
    VK_XML_SYM(BufferFree, "xmlBufferFree");
    VK_XML_SYM(NodeDump, "xmlNodeDump");
    VK_XML_SYM(XPathNewContext, "xmlXPathNewContext");
    VK_XML_SYM(XPathFreeContext, "xmlXPathFreeContext");
    VK_XML_SYM(XPathEvalExpression, "xmlXPathEvalExpression");
    VK_XML_SYM(XPathFreeObject, "xmlXPathFreeObject");
    VK_XML_SYM(Free, "xmlFree");
#undef VK_XML_SYM
    /* libxml2's one-time global setup, here so threads never race on it. */
    api.InitParser();
}

const struct vk_xml_api *vk_xml(void)
{
    pthread_once(&once, load);
    return &api;
}
