/* libxml2, loaded with dlopen on first use (by virtkitd's conf parsers and
 * by the few vksh commands that parse XML).
 *
 * Why: Debian's libxml2 pulls in ICU and libstdc++. Linked normally, every
 * vksh run (`list`, `start`, ...) paid ~7 ms of CPU for loading and
 * relocating them, and an idle virtkitd kept ~2.4 MiB of their pages
 * resident, though neither parses any XML then. Code that uses libxml2
 * includes this header INSTEAD of <libxml/...>: the libxml2 functions below
 * then go through a table filled on first use. One not listed here is an
 * undefined symbol at link time: add it to the table (here and in
 * xml_lazy.c). If libxml2 cannot be loaded the process exits with an error
 * naming it (a broken install: it is a package dependency). */
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>
#include <libxml/xpath.h>

#ifdef LIBXML_THREAD_ALLOC_ENABLED
#error "this libxml2 makes xmlFree a per-thread hook: xml_lazy.c resolves the variable xmlFree"
#endif

struct vk_xml_api {
    void (*InitParser)(void);
    xmlParserCtxtPtr (*NewParserCtxt)(void);
    void (*FreeParserCtxt)(xmlParserCtxtPtr);
    xmlDocPtr (*CtxtReadMemory)(xmlParserCtxtPtr, const char *, int, const char *, const char *,
                                int);
    const xmlError *(*CtxtGetLastError)(void *);
    void (*StopParser)(xmlParserCtxtPtr);
    xmlDocPtr (*ReadMemory)(const char *, int, const char *, const char *, int);
    void (*FreeDoc)(xmlDocPtr);
    xmlNodePtr (*DocGetRootElement)(const xmlDoc *);
    xmlNodePtr (*DocSetRootElement)(xmlDocPtr, xmlNodePtr);
    xmlNodePtr (*DocCopyNode)(xmlNodePtr, xmlDocPtr, int);
    xmlNodePtr (*NewDocNode)(xmlDocPtr, xmlNsPtr, const xmlChar *, const xmlChar *);
    xmlNodePtr (*NewDocText)(const xmlDoc *, const xmlChar *);
    xmlNodePtr (*AddChild)(xmlNodePtr, xmlNodePtr);
    xmlChar *(*NodeListGetString)(xmlDocPtr, const xmlNode *, int);
    int (*StrEqual)(const xmlChar *, const xmlChar *);
    xmlChar *(*GetProp)(const xmlNode *, const xmlChar *);
    xmlAttrPtr (*NewProp)(xmlNodePtr, const xmlChar *, const xmlChar *);
    xmlNodePtr (*NewChild)(xmlNodePtr, xmlNsPtr, const xmlChar *, const xmlChar *);
    void (*UnlinkNode)(xmlNodePtr);
    void (*FreeNode)(xmlNodePtr);
    void (*FreeNodeList)(xmlNodePtr);
    xmlBufferPtr (*BufferCreate)(void);
    const xmlChar *(*BufferContent)(const xmlBuffer *);
    void (*BufferFree)(xmlBufferPtr);
    int (*NodeDump)(xmlBufferPtr, xmlDocPtr, xmlNodePtr, int, int);
    xmlXPathContextPtr (*XPathNewContext)(xmlDocPtr);
    void (*XPathFreeContext)(xmlXPathContextPtr);
    xmlXPathObjectPtr (*XPathEvalExpression)(const xmlChar *, xmlXPathContextPtr);
    void (*XPathFreeObject)(xmlXPathObjectPtr);
    xmlFreeFunc *Free; /* the variable xmlFree (Debian builds without per-thread hooks) */
};

/* The loaded table (libxml2 initialised). Thread-safe; exits with an error
 * if libxml2 cannot be loaded. */
const struct vk_xml_api *vk_xml(void);

#define xmlInitParser (vk_xml()->InitParser)
#define xmlNewParserCtxt (vk_xml()->NewParserCtxt)
#define xmlFreeParserCtxt (vk_xml()->FreeParserCtxt)
#define xmlCtxtReadMemory (vk_xml()->CtxtReadMemory)
#define xmlCtxtGetLastError (vk_xml()->CtxtGetLastError)
#define xmlStopParser (vk_xml()->StopParser)
#define xmlReadMemory (vk_xml()->ReadMemory)
#define xmlFreeDoc (vk_xml()->FreeDoc)
#define xmlDocGetRootElement (vk_xml()->DocGetRootElement)
#define xmlDocSetRootElement (vk_xml()->DocSetRootElement)
#define xmlDocCopyNode (vk_xml()->DocCopyNode)
#define xmlNewDocNode (vk_xml()->NewDocNode)
#define xmlNewDocText (vk_xml()->NewDocText)
#define xmlAddChild (vk_xml()->AddChild)
#define xmlNodeListGetString (vk_xml()->NodeListGetString)
#define xmlStrEqual (vk_xml()->StrEqual)
#define xmlGetProp (vk_xml()->GetProp)
#define xmlNewProp (vk_xml()->NewProp)
#define xmlNewChild (vk_xml()->NewChild)
#define xmlUnlinkNode (vk_xml()->UnlinkNode)
#define xmlFreeNode (vk_xml()->FreeNode)
#define xmlFreeNodeList (vk_xml()->FreeNodeList)
#define xmlBufferCreate (vk_xml()->BufferCreate)
#define xmlBufferContent (vk_xml()->BufferContent)
#define xmlBufferFree (vk_xml()->BufferFree)
#define xmlNodeDump (vk_xml()->NodeDump)
#define xmlXPathNewContext (vk_xml()->XPathNewContext)
#define xmlXPathFreeContext (vk_xml()->XPathFreeContext)
#define xmlXPathEvalExpression (vk_xml()->XPathEvalExpression)
#define xmlXPathFreeObject (vk_xml()->XPathFreeObject)
#undef xmlFree
#define xmlFree (*vk_xml()->Free)
