/* Everything vksh writes: human lines, JSON documents, errors, tables. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util/vk_alloc.h"
#include "vksh.h"

void vksh_print(struct vksh_ctl *ctl, const char *fmt, ...)
{
    if (ctl->json)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void vksh_json_print(struct vksh_ctl *ctl, json_object *obj)
{
    (void)ctl;
    puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(obj);
}

/* One error: "error: <msg>" (and "error: <detail>"), or one JSON object. */
static int report(struct vksh_ctl *ctl, int code, int domain, const char *msg, const char *detail,
                  bool show_detail)
{
    if (detail && !*detail)
        detail = NULL;
    fflush(stdout);
    if (ctl->json) {
        json_object *err = json_object_new_object();
        /* Errors of vksh's own (bad arguments, unreadable files) carry
         * VIR_ERR_INVALID_ARG / VIR_FROM_NONE so scripts always get a code. */
        json_object_object_add(err, "code", json_object_new_int(code ? code : 8));
        json_object_object_add(err, "domain", json_object_new_int(code ? domain : 0));
        json_object_object_add(err, "message", json_object_new_string(msg));
        if (detail)
            json_object_object_add(err, "detail", json_object_new_string(detail));
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "error", err);
        fprintf(stderr, "%s\n",
                json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                        JSON_C_TO_STRING_SPACED |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
    } else {
        fprintf(stderr, "error: %s\n", msg);
        if (show_detail && detail)
            fprintf(stderr, "error: %s\n", detail);
    }
    vk_reset_last_error();
    return -1;
}

static int report_context(struct vksh_ctl *ctl, bool show_detail, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    int code = vk_last_error_code();
    return report(ctl, code, vk_last_error_domain(), msg, code ? vk_last_error_message() : NULL,
                  show_detail);
}

int vksh_error(struct vksh_ctl *ctl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_context(ctl, true, fmt, ap);
    va_end(ap);
    return -1;
}

int vksh_error_only(struct vksh_ctl *ctl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_context(ctl, false, fmt, ap);
    va_end(ap);
    return -1;
}

int vksh_error_lib(struct vksh_ctl *ctl)
{
    int code = vk_last_error_code();
    const char *msg = code && *vk_last_error_message() ? vk_last_error_message() : "unknown error";
    char copy[1024];
    snprintf(copy, sizeof(copy), "%s", msg);
    return report(ctl, code ? code : 1, vk_last_error_domain(), copy, NULL, false);
}

int vksh_error_msg(struct vksh_ctl *ctl, int code, const char *msg)
{
    return report(ctl, code ? code : 1, 0, msg, NULL, false);
}

json_object *vksh_json_domain(const vk_domain *dom)
{
    char uuid[VK_UUID_STRING_BUFLEN];
    vk_domain_get_uuid_string(dom, uuid);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(vk_domain_get_name(dom)));
    json_object_object_add(o, "uuid", json_object_new_string(uuid));
    int id = vk_domain_get_id(dom);
    json_object_object_add(o, "id", id >= 0 ? json_object_new_int(id) : NULL);
    return o;
}

/*--------------------------------------------------------------------------
 * Tables
 *------------------------------------------------------------------------*/

struct vksh_table {
    int ncols;
    char **cells; /* rows * ncols, row 0 is the header */
    int nrows;
};

struct vksh_table *vksh_table_new(int ncols, const char *const *headers)
{
    struct vksh_table *t = vk_calloc(1, sizeof(*t));
    t->ncols = ncols;
    vksh_table_add(t, headers);
    return t;
}

void vksh_table_add(struct vksh_table *t, const char *const *cells)
{
    t->cells = vk_realloc(t->cells, sizeof(char *) * (size_t)t->ncols * (size_t)(t->nrows + 1));
    for (int c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = vk_strdup(cells[c] ? cells[c] : "");
    t->nrows++;
}

/* Display width in the user's locale (main sets LC_CTYPE), as virsh
 * measures it: a CJK character takes two columns. Bytes the locale cannot
 * decode count one column each. */
static size_t width(const char *s)
{
    size_t w = 0, len = strlen(s);
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    while (len > 0) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, len, &st);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            memset(&st, 0, sizeof(st));
            w++, s++, len--;
            continue;
        }
        int cw = wcwidth(wc);
        w += cw > 0 ? (size_t)cw : 0;
        s += n, len -= n;
    }
    return w;
}

void vksh_table_print(struct vksh_ctl *ctl, struct vksh_table *t)
{
    size_t *maxw = vk_calloc((size_t)t->ncols, sizeof(*maxw));
    for (int r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            size_t w = width(t->cells[r * t->ncols + c]);
            if (w > maxw[c])
                maxw[c] = w;
        }
    size_t rule = 0;
    for (int c = 0; c < t->ncols; c++)
        rule += maxw[c] + 3;
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            vksh_print(ctl, " %s", cell);
            if (c < t->ncols - 1)
                vksh_print(ctl, "%*s", (int)(maxw[c] - width(cell) + 2), "");
        }
        vksh_print(ctl, "\n");
        if (r == 0) {
            char *dashes = vk_malloc(rule + 1);
            memset(dashes, '-', rule);
            dashes[rule] = '\0';
            vksh_print(ctl, "%s\n", dashes);
            free(dashes);
        }
    }
    free(maxw);
}

void vksh_table_free(struct vksh_table *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

void vksh_print_xml(struct vksh_ctl *ctl, const char *xml)
{
    if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "xml", json_object_new_string(xml));
        vksh_json_print(ctl, doc);
    } else {
        vksh_print(ctl, "%s", xml);
    }
}
