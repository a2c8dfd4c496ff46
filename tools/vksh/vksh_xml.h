/* libxml2 for the few vksh commands that parse XML client-side (domdisplay,
 * vncdisplay, detach-disk, change-media), loaded with dlopen on first use.
 *
 * Why: Debian's libxml2 pulls in ICU and libstdc++; linking it made every
 * vksh run (`list`, `start`, ...) pay ~7 ms of CPU for dynamic loading and
 * relocations it never used. vksh does not link libxml2: a command file that
 * needs it includes this header INSTEAD of <libxml/...>, and each libxml2
 * call below goes through a table filled on first use. A libxml2 function
 * not listed here fails to link (undefined symbol): add it to the table.
 * If libxml2 cannot be loaded, the command exits with an error naming it. */
#ifndef VKSH_XML_H
#define VKSH_XML_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

struct vksh_xml_api {
    xmlDocPtr (*ReadMemory)(const char *, int, const char *, const char *, int);
    void (*FreeDoc)(xmlDocPtr);
    xmlNodePtr (*DocGetRootElement)(const xmlDoc *);
    xmlChar *(*GetProp)(const xmlNode *, const xmlChar *);
    xmlAttrPtr (*NewProp)(xmlNodePtr, const xmlChar *, const xmlChar *);
    xmlNodePtr (*NewChild)(xmlNodePtr, xmlNsPtr, const xmlChar *, const xmlChar *);
    void (*UnlinkNode)(xmlNodePtr);
    void (*FreeNode)(xmlNodePtr);
    xmlBufferPtr (*BufferCreate)(void);
    const xmlChar *(*BufferContent)(const xmlBuffer *);
    void (*BufferFree)(xmlBufferPtr);
    int (*NodeDump)(xmlBufferPtr, xmlDocPtr, xmlNodePtr, int, int);
    xmlXPathContextPtr (*XPathNewContext)(xmlDocPtr);
    void (*XPathFreeContext)(xmlXPathContextPtr);
    xmlXPathObjectPtr (*XPathEvalExpression)(const xmlChar *, xmlXPathContextPtr);
    void (*XPathFreeObject)(xmlXPathObjectPtr);
    xmlFreeFunc *(*FreeFuncPtr)(void); /* __xmlFree: the thread's xmlFree */
};

/* The loaded table; exits with an error if libxml2 cannot be loaded. */
const struct vksh_xml_api *vksh_xml(void);

#define xmlReadMemory (vksh_xml()->ReadMemory)
#define xmlFreeDoc (vksh_xml()->FreeDoc)
#define xmlDocGetRootElement (vksh_xml()->DocGetRootElement)
#define xmlGetProp (vksh_xml()->GetProp)
#define xmlNewProp (vksh_xml()->NewProp)
#define xmlNewChild (vksh_xml()->NewChild)
#define xmlUnlinkNode (vksh_xml()->UnlinkNode)
#define xmlFreeNode (vksh_xml()->FreeNode)
#define xmlBufferCreate (vksh_xml()->BufferCreate)
#define xmlBufferContent (vksh_xml()->BufferContent)
#define xmlBufferFree (vksh_xml()->BufferFree)
#define xmlNodeDump (vksh_xml()->NodeDump)
#define xmlXPathNewContext (vksh_xml()->XPathNewContext)
#define xmlXPathFreeContext (vksh_xml()->XPathFreeContext)
#define xmlXPathEvalExpression (vksh_xml()->XPathEvalExpression)
#define xmlXPathFreeObject (vksh_xml()->XPathFreeObject)
#undef xmlFree
#define xmlFree (*vksh_xml()->FreeFuncPtr())

#endif
