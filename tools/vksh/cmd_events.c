/* Feature "events": autostart, reset and event, with virsh's options and
 * words. event prints one line per event as virsh does ("event 'lifecycle'
 * for domain 'web1': Started Booted"); with --json one compact JSON object
 * per line instead, so a script can read the stream as it comes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vksh.h"

#define DOMAIN_OPT_REQ                                                                             \
    {                                                                                              \
        "domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,                         \
            "domain name, id or uuid"                                                              \
    }

static void json_action(struct vksh_ctl *ctl, const char *action, const vk_domain *dom)
{
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "action", json_object_new_string(action));
    json_object_object_add(doc, "domain", vksh_json_domain(dom));
    vksh_json_print(ctl, doc);
}

/*--------------------------------------------------------------------------
 * autostart
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def autostart_opts[] = {
    DOMAIN_OPT_REQ,
    {"disable", VKSH_OT_BOOL, 0, "disable autostarting"},
    {NULL},
};

static int cmd_autostart(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *arg;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, &arg);
    if (!dom)
        return -1;
    bool disable = vksh_opt_bool(cmd, "disable");
    int rc = 0;
    if (vk_domain_set_autostart(dom, !disable) < 0)
        rc = vksh_error(ctl, "Failed to %smark domain '%s' as autostarted", disable ? "un" : "",
                        arg);
    else if (ctl->json)
        json_action(ctl, disable ? "autostart-disabled" : "autostart-enabled", dom);
    else
        vksh_print(ctl, "Domain '%s' %s as autostarted\n", arg, disable ? "unmarked" : "marked");
    vk_domain_free(dom);
    return rc;
}

const struct vksh_cmd_def vksh_cmd_autostart = {
    .name = "autostart",
    .opts = autostart_opts,
    .help = "autostart a domain",
    .desc = "Configure a domain to be automatically started at boot.",
    .handler = cmd_autostart,
};

/*--------------------------------------------------------------------------
 * reset
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def reset_opts[] = {DOMAIN_OPT_REQ, {NULL}};

static int cmd_reset(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    const char *arg;
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, &arg);
    if (!dom)
        return -1;
    int rc = 0;
    if (vk_domain_reset(dom, 0) < 0)
        rc = vksh_error(ctl, "Failed to reset domain '%s'", arg);
    else if (ctl->json)
        json_action(ctl, "reset", dom);
    else
        vksh_print(ctl, "Domain '%s' was reset\n", arg);
    vk_domain_free(dom);
    return rc;
}

const struct vksh_cmd_def vksh_cmd_reset = {
    .name = "reset",
    .opts = reset_opts,
    .help = "reset a domain",
    .desc = "Reset the target domain as if by power button",
    .handler = cmd_reset,
};

/*--------------------------------------------------------------------------
 * event
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def event_opts[] = {
    {"domain", VKSH_OT_STRING, VKSH_OPT_POSITIONAL, "filter by domain name, id or uuid"},
    {"event", VKSH_OT_STRING, 0, "which event type to wait for"},
    {"all", VKSH_OT_BOOL, 0, "wait for all events instead of just one type"},
    {"loop", VKSH_OT_BOOL, 0, "loop until timeout or interrupt, rather than one-shot"},
    {"timeout", VKSH_OT_STRING, 0, "timeout seconds"},
    {"list", VKSH_OT_BOOL, 0, "list valid event types"},
    {"timestamp", VKSH_OT_BOOL, 0, "show timestamp for each printed event"},
    {NULL},
};

struct event_ctx {
    struct vksh_ctl *ctl;
    bool timestamp;
    int count;
};

static void print_event(vk_connect *conn, const struct vk_domain_event *ev, void *opaque)
{
    (void)conn;
    struct event_ctx *ec = opaque;
    ec->count++;
    const char *name = vk_domain_get_name(ev->dom);
    if (ec->ctl->json) {
        json_object *o = json_object_new_object();
        if (ec->timestamp)
            json_object_object_add(o, "timestamp", json_object_new_int64((int64_t)time(NULL)));
        json_object_object_add(o, "event", json_object_new_string(vk_domain_event_id_to_string(
                                               ev->event_id)));
        json_object_object_add(o, "domain", vksh_json_domain(ev->dom));
        if (ev->event_id == VK_DOMAIN_EVENT_ID_LIFECYCLE) {
            json_object_object_add(o, "type", json_object_new_string(
                                                  vk_domain_event_type_to_string(ev->event)));
            json_object_object_add(o, "detail", json_object_new_string(vk_domain_event_detail_to_string(
                                                    ev->event, ev->detail)));
            json_object_object_add(o, "type_code", json_object_new_int(ev->event));
            json_object_object_add(o, "detail_code", json_object_new_int(ev->detail));
        }
        if (ev->dev_alias) /* feature "net": device-added / device-removed */
            json_object_object_add(o, "alias", json_object_new_string(ev->dev_alias));
        if (ev->event_id == VK_DOMAIN_EVENT_ID_JOB_COMPLETED) {
            json_object *params = json_object_new_object();
            for (int i = 0; i < ev->nparams; i++)
                json_object_object_add(params, ev->params[i].field,
                                       vksh_param_json(&ev->params[i]));
            json_object_object_add(o, "params", params);
        }
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        if (ec->timestamp) {
            /* virsh's format: local time with milliseconds and offset. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            struct tm tm;
            localtime_r(&ts.tv_sec, &tm);
            char buf[64], zone[8];
            strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
            strftime(zone, sizeof(zone), "%z", &tm);
            printf("%s.%03ld%s: ", buf, ts.tv_nsec / 1000000, zone);
        }
        if (ev->event_id == VK_DOMAIN_EVENT_ID_LIFECYCLE)
            printf("event 'lifecycle' for domain '%s': %s %s\n", name,
                   vk_domain_event_type_to_string(ev->event),
                   vk_domain_event_detail_to_string(ev->event, ev->detail));
        else if (ev->dev_alias) /* virsh's line for device events */
            printf("event '%s' for domain '%s': %s\n",
                   vk_domain_event_id_to_string(ev->event_id), name, ev->dev_alias);
        else if (ev->event_id == VK_DOMAIN_EVENT_ID_JOB_COMPLETED) {
            /* virsh: a header line, then "\tfield: value" per statistic. */
            printf("event 'job-completed' for domain '%s':\n", name);
            for (int i = 0; i < ev->nparams; i++) {
                char v[128];
                vksh_param_text(&ev->params[i], v, sizeof(v));
                printf("\t%s: %s\n", ev->params[i].field, v);
            }
        } else
            printf("event '%s' for domain '%s'\n", vk_domain_event_id_to_string(ev->event_id),
                   name);
    }
    fflush(stdout);
}

static int cmd_event(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    if (vksh_opt_bool(cmd, "list")) {
        json_object *arr = ctl->json ? json_object_new_array() : NULL;
        for (int i = 0; i < VK_DOMAIN_EVENT_ID_LAST; i++) {
            if (arr)
                json_object_array_add(arr, json_object_new_string(vk_domain_event_id_to_string(i)));
            else
                vksh_print(ctl, "%s\n", vk_domain_event_id_to_string(i));
        }
        if (arr)
            vksh_json_print(ctl, arr);
        return 0;
    }
    const char *evname = vksh_opt_string(cmd, "event");
    bool all = vksh_opt_bool(cmd, "all");
    if (!evname && !all)
        return vksh_error_only(ctl, "one of --list, --all, or --event <type> is required");
    if (evname && all)
        return vksh_error_only(ctl, "Options --all and --event are mutually exclusive");
    int only = -1;
    if (evname) {
        for (int i = 0; i < VK_DOMAIN_EVENT_ID_LAST; i++)
            if (!strcmp(evname, vk_domain_event_id_to_string(i)))
                only = i;
        if (only < 0)
            return vksh_error_only(ctl, "unknown event type %s", evname);
    }
    int timeout_ms = -1;
    const char *t = vksh_opt_string(cmd, "timeout");
    if (t) {
        char *end;
        errno = 0;
        long v = strtol(t, &end, 10);
        if (errno || *end || end == t || v < 1 || v > 2147483)
            return vksh_error_only(ctl, "Invalid timeout: '%s' (a positive number of seconds)",
                                   t);
        timeout_ms = (int)(v * 1000);
    }
    vk_domain *dom = NULL;
    if (vksh_opt_string(cmd, "domain")) {
        dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
        if (!dom)
            return -1;
    }
    struct event_ctx ec = {.ctl = ctl, .timestamp = vksh_opt_bool(cmd, "timestamp")};
    int ids[VK_DOMAIN_EVENT_ID_LAST];
    int nids = 0, rc = 0;
    for (int i = 0; i < VK_DOMAIN_EVENT_ID_LAST; i++) {
        if (only >= 0 && i != only)
            continue;
        int id = vk_connect_domain_event_register_any(ctl->conn, dom, i, print_event, &ec);
        if (id < 0) {
            rc = vksh_error(ctl, "failed to register event '%s'", vk_domain_event_id_to_string(i));
            goto out;
        }
        ids[nids++] = id;
    }
    bool loop = vksh_opt_bool(cmd, "loop");
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool timed_out = false;
    while (loop || ec.count == 0) {
        int wait = -1;
        if (timeout_ms >= 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long long spent = (now.tv_sec - start.tv_sec) * 1000LL +
                              (now.tv_nsec - start.tv_nsec) / 1000000;
            if (spent >= timeout_ms) {
                timed_out = true;
                break;
            }
            wait = (int)(timeout_ms - spent);
        }
        if (vk_connect_domain_event_run(ctl->conn, wait) < 0) {
            rc = vksh_error(ctl, "event loop failed");
            goto out;
        }
    }
    if (timed_out)
        vksh_print(ctl, "event loop timed out\n");
    vksh_print(ctl, "events received: %d\n", ec.count);
out:
    for (int i = 0; i < nids; i++)
        vk_connect_domain_event_deregister_any(ctl->conn, ids[i]);
    vk_domain_free(dom);
    return rc;
}

const struct vksh_cmd_def vksh_cmd_event = {
    .name = "event",
    .opts = event_opts,
    .help = "Domain Events",
    .desc = "List event types, or wait for domain events to occur",
    .handler = cmd_event,
};
