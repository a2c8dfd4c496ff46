/* list: one LIST_ALL_DOMAINS call, then the states of all listed domains
 * with their GET_STATE calls pipelined, so a thousand domains cost about
 * two round trips instead of a thousand and one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/vk_alloc.h"
#include "vksh.h"

static const struct vksh_opt_def list_opts[] = {
    {"inactive", VKSH_OT_BOOL, 0, "list inactive domains"},
    {"all", VKSH_OT_BOOL, 0, "list inactive & active domains"},
    {"transient", VKSH_OT_BOOL, 0, "list transient domains"},
    {"persistent", VKSH_OT_BOOL, 0, "list persistent domains"},
    {"with-snapshot", VKSH_OT_BOOL, 0, "list domains with existing snapshot"},
    {"without-snapshot", VKSH_OT_BOOL, 0, "list domains without a snapshot"},
    {"state-running", VKSH_OT_BOOL, 0, "list domains in running state"},
    {"state-paused", VKSH_OT_BOOL, 0, "list domains in paused state"},
    {"state-shutoff", VKSH_OT_BOOL, 0, "list domains in shutoff state"},
    {"state-other", VKSH_OT_BOOL, 0, "list domains in other states"},
    {"autostart", VKSH_OT_BOOL, 0, "list domains with autostart enabled"},
    {"no-autostart", VKSH_OT_BOOL, 0, "list domains with autostart disabled"},
    {"with-managed-save", VKSH_OT_BOOL, 0, "list domains with managed save state"},
    {"without-managed-save", VKSH_OT_BOOL, 0, "list domains without managed save"},
    {"uuid", VKSH_OT_BOOL, 0, "list uuid's only"},
    {"name", VKSH_OT_BOOL, 0, "list domain names only"},
    {"id", VKSH_OT_BOOL, 0, "list domain IDs only"},
    {"table", VKSH_OT_BOOL, 0, "list table (default)"},
    {NULL},
};

static const struct {
    const char *opt;
    unsigned int flag;
} filters[] = {
    {"transient", VK_LIST_DOMAINS_TRANSIENT},
    {"persistent", VK_LIST_DOMAINS_PERSISTENT},
    {"with-snapshot", VK_LIST_DOMAINS_HAS_SNAPSHOT},
    {"without-snapshot", VK_LIST_DOMAINS_NO_SNAPSHOT},
    {"state-running", VK_LIST_DOMAINS_RUNNING},
    {"state-paused", VK_LIST_DOMAINS_PAUSED},
    {"state-shutoff", VK_LIST_DOMAINS_SHUTOFF},
    {"state-other", VK_LIST_DOMAINS_OTHER},
    {"autostart", VK_LIST_DOMAINS_AUTOSTART},
    {"no-autostart", VK_LIST_DOMAINS_NO_AUTOSTART},
    {"with-managed-save", VK_LIST_DOMAINS_MANAGEDSAVE},
    {"without-managed-save", VK_LIST_DOMAINS_NO_MANAGEDSAVE},
};

#define STATE_FILTERS                                                                              \
    (VK_LIST_DOMAINS_RUNNING | VK_LIST_DOMAINS_PAUSED | VK_LIST_DOMAINS_SHUTOFF |                  \
     VK_LIST_DOMAINS_OTHER)

struct entry {
    vk_domain *dom;
    int state;
};

/* virsh's order: running domains by id, then inactive ones by name. */
static int compare(const void *a, const void *b)
{
    const vk_domain *da = ((const struct entry *)a)->dom, *db = ((const struct entry *)b)->dom;
    int ia = vk_domain_get_id(da), ib = vk_domain_get_id(db);
    if (ia < 0 && ib < 0)
        return strcasecmp(vk_domain_get_name(da), vk_domain_get_name(db));
    if (ia >= 0 && ib >= 0)
        return (ia > ib) - (ia < ib);
    return ia >= 0 ? -1 : 1;
}

/* The state filters again on our side, so the listing is right even from
 * a server that ignores them. */
static bool state_matches(unsigned int flags, const struct entry *e)
{
    unsigned int states = flags & STATE_FILTERS;
    unsigned int activity = flags & (VK_LIST_DOMAINS_ACTIVE | VK_LIST_DOMAINS_INACTIVE);
    int id = vk_domain_get_id(e->dom);
    if (activity == VK_LIST_DOMAINS_ACTIVE && id < 0)
        return false;
    if (activity == VK_LIST_DOMAINS_INACTIVE && id >= 0)
        return false;
    if (!states || e->state < 0)
        return true;
    switch (e->state) {
    case VK_DOMAIN_RUNNING:
        return states & VK_LIST_DOMAINS_RUNNING;
    case VK_DOMAIN_PAUSED:
        return states & VK_LIST_DOMAINS_PAUSED;
    case VK_DOMAIN_SHUTOFF:
        return states & VK_LIST_DOMAINS_SHUTOFF;
    default:
        return states & VK_LIST_DOMAINS_OTHER;
    }
}

/* An inactive domain (no id) is always shut off, in libvirt as in virtkit:
 * only the running ones need a GET_STATE round trip. */
static int get_states(vk_domain **doms, int n, int *states)
{
    vk_domain **active = vk_calloc((size_t)n + 1, sizeof(*active));
    int *active_states = vk_calloc((size_t)n + 1, sizeof(*active_states));
    int nactive = 0;
    for (int i = 0; i < n; i++) {
        states[i] = VK_DOMAIN_SHUTOFF;
        if (vk_domain_get_id(doms[i]) >= 0)
            active[nactive++] = doms[i];
    }
    int r = nactive ? vk_domain_get_states(active, nactive, active_states, NULL, 0) : 0;
    for (int i = 0, k = 0; r >= 0 && i < n; i++)
        if (vk_domain_get_id(doms[i]) >= 0)
            states[i] = active_states[k++];
    free(active);
    free(active_states);
    return r;
}

static int cmd_list(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    bool opt_uuid = vksh_opt_bool(cmd, "uuid"), opt_name = vksh_opt_bool(cmd, "name");
    bool opt_id = vksh_opt_bool(cmd, "id"), opt_table = vksh_opt_bool(cmd, "table");
    if (opt_table && (opt_uuid || opt_name || opt_id))
        return vksh_error_only(ctl, "Options --table and --%s are mutually exclusive",
                               opt_name   ? "name"
                               : opt_uuid ? "uuid"
                                          : "id");
    bool table = !(opt_uuid || opt_name || opt_id);

    unsigned int flags = VK_LIST_DOMAINS_ACTIVE;
    if (vksh_opt_bool(cmd, "inactive"))
        flags = VK_LIST_DOMAINS_INACTIVE;
    if (vksh_opt_bool(cmd, "all"))
        flags = VK_LIST_DOMAINS_ACTIVE | VK_LIST_DOMAINS_INACTIVE;
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
        if (vksh_opt_bool(cmd, filters[i].opt))
            flags |= filters[i].flag;
    /* As in virsh, a state filter alone looks at every domain: only the
     * plain default is "running ones". */
    if ((flags & STATE_FILTERS) && !vksh_opt_bool(cmd, "inactive") && !vksh_opt_bool(cmd, "all"))
        flags &= ~(unsigned int)VK_LIST_DOMAINS_ACTIVE;

    vk_domain **doms = NULL;
    int n = vk_connect_list_all_domains(ctl->conn, &doms, flags);
    if (n < 0)
        return vksh_error(ctl, "Failed to list domains");

    int rc = -1;
    struct entry *e = vk_calloc((size_t)n + 1, sizeof(*e));
    int *states = vk_calloc((size_t)n + 1, sizeof(*states));
    bool need_states = table || ctl->json || (flags & STATE_FILTERS);
    if (need_states && get_states(doms, n, states) < 0) {
        vksh_error(ctl, "Failed to list domains");
        goto out;
    }
    int kept = 0;
    for (int i = 0; i < n; i++) {
        struct entry cand = {doms[i], need_states ? states[i] : -1};
        if (state_matches(flags, &cand))
            e[kept++] = cand;
    }
    qsort(e, (size_t)kept, sizeof(*e), compare);

    if (ctl->json) {
        json_object *arr = json_object_new_array();
        for (int i = 0; i < kept; i++) {
            json_object *o = vksh_json_domain(e[i].dom);
            json_object_object_add(o, "state",
                                   json_object_new_string(vk_domain_state_to_string(e[i].state)));
            json_object_object_add(o, "state_code", json_object_new_int(e[i].state));
            json_object_array_add(arr, o);
        }
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "domains", arr);
        vksh_json_print(ctl, doc);
    } else if (table) {
        static const char *const headers[] = {"Id", "Name", "State"};
        struct vksh_table *t = vksh_table_new(3, headers);
        for (int i = 0; i < kept; i++) {
            char id[16] = "-";
            if (vk_domain_get_id(e[i].dom) >= 0)
                snprintf(id, sizeof(id), "%d", vk_domain_get_id(e[i].dom));
            const char *cells[] = {id, vk_domain_get_name(e[i].dom),
                                   vk_domain_state_to_string(e[i].state)};
            vksh_table_add(t, cells);
        }
        vksh_table_print(ctl, t);
        vksh_table_free(t);
    } else {
        /* virsh's short forms: the chosen columns in the order uuid, id,
         * name; --id alone lists running domains only. */
        for (int i = 0; i < kept; i++) {
            int id = vk_domain_get_id(e[i].dom);
            if (opt_id && !opt_uuid && !opt_name && id < 0)
                continue;
            char uuid[VK_UUID_STRING_BUFLEN], idbuf[16] = "-";
            vk_domain_get_uuid_string(e[i].dom, uuid);
            if (id >= 0)
                snprintf(idbuf, sizeof(idbuf), "%d", id);
            const char *sep = "";
            if (opt_uuid) {
                vksh_print(ctl, "%s", uuid);
                sep = " ";
            }
            if (opt_id) {
                vksh_print(ctl, "%s%s", sep, idbuf);
                sep = " ";
            }
            if (opt_name)
                vksh_print(ctl, "%s%s", sep, vk_domain_get_name(e[i].dom));
            vksh_print(ctl, "\n");
        }
    }
    rc = 0;
out:
    free(e);
    free(states);
    vk_domain_list_free(doms, n);
    return rc;
}

const struct vksh_cmd_def vksh_cmd_list = {
    .name = "list",
    .opts = list_opts,
    .help = "list domains",
    .desc = "Returns list of domains.",
    .handler = cmd_list,
};
