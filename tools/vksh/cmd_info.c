/* Looking at one domain: dumpxml, dominfo, domstate, domid, domname,
 * domuuid. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "vksh.h"

#define DOMAIN_OPT                                                                                 \
    {                                                                                              \
        "domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL,                         \
            "domain name, id or uuid"                                                              \
    }

static const struct vksh_opt_def domain_only_opts[] = {DOMAIN_OPT, {NULL}};

/*--------------------------------------------------------------------------
 * dumpxml
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def dumpxml_opts[] = {
    DOMAIN_OPT,
    {"inactive", VKSH_OT_BOOL, 0, "show inactive defined XML"},
    {"security-info", VKSH_OT_BOOL, 0, "include security sensitive information in XML dump"},
    {"update-cpu", VKSH_OT_BOOL, 0, "update guest CPU according to host CPU"},
    {"migratable", VKSH_OT_BOOL, 0, "provide XML suitable for migrations"},
    {NULL},
};

static int cmd_dumpxml(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    unsigned int flags = 0;
    if (vksh_opt_bool(cmd, "inactive"))
        flags |= VK_DOMAIN_XML_INACTIVE;
    if (vksh_opt_bool(cmd, "security-info"))
        flags |= VK_DOMAIN_XML_SECURE;
    if (vksh_opt_bool(cmd, "update-cpu"))
        flags |= VK_DOMAIN_XML_UPDATE_CPU;
    if (vksh_opt_bool(cmd, "migratable"))
        flags |= VK_DOMAIN_XML_MIGRATABLE;
    char *xml = vk_domain_get_xml_desc(dom, flags);
    vk_domain_free(dom);
    if (!xml)
        return vksh_error_lib(ctl);
    vksh_print_xml(ctl, xml);
    free(xml);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_dumpxml = {
    .name = "dumpxml",
    .opts = dumpxml_opts,
    .help = "domain information in XML",
    .desc = "Output the domain information as an XML dump to stdout.",
    .handler = cmd_dumpxml,
};

/*--------------------------------------------------------------------------
 * dominfo: virsh's fields, in virsh's order, with its "%-15s %s" layout
 *------------------------------------------------------------------------*/

static json_object *json_tristate(int v)
{
    return v < 0 ? NULL : json_object_new_boolean(v);
}

static int cmd_dominfo(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = 0;
    json_object *doc = ctl->json ? json_object_new_object() : NULL;
    char uuid[VK_UUID_STRING_BUFLEN];
    vk_domain_get_uuid_string(dom, uuid);
    int id = vk_domain_get_id(dom);

    if (id < 0)
        vksh_print(ctl, "%-15s %s\n", "Id:", "-");
    else
        vksh_print(ctl, "%-15s %d\n", "Id:", id);
    vksh_print(ctl, "%-15s %s\n", "Name:", vk_domain_get_name(dom));
    vksh_print(ctl, "%-15s %s\n", "UUID:", uuid);
    if (doc) {
        json_object_object_add(doc, "id", id >= 0 ? json_object_new_int(id) : NULL);
        json_object_object_add(doc, "name", json_object_new_string(vk_domain_get_name(dom)));
        json_object_object_add(doc, "uuid", json_object_new_string(uuid));
    }

    char *os_type = vk_domain_get_os_type(dom);
    if (os_type) {
        vksh_print(ctl, "%-15s %s\n", "OS Type:", os_type);
        if (doc)
            json_object_object_add(doc, "os_type", json_object_new_string(os_type));
        free(os_type);
    }
    vk_reset_last_error();

    struct vk_domain_info info;
    if (vk_domain_get_info(dom, &info) == 0) {
        vksh_print(ctl, "%-15s %s\n", "State:", vk_domain_state_to_string(info.state));
        vksh_print(ctl, "%-15s %u\n", "CPU(s):", info.nr_virt_cpu);
        if (info.cpu_time != 0)
            vksh_print(ctl, "%-15s %.1lfs\n", "CPU time:", info.cpu_time / 1000000000.0);
        if (info.max_mem != UINT_MAX)
            vksh_print(ctl, "%-15s %llu KiB\n", "Max memory:", info.max_mem);
        else
            vksh_print(ctl, "%-15s %s\n", "Max memory:", "no limit");
        vksh_print(ctl, "%-15s %llu KiB\n", "Used memory:", info.memory);
        if (doc) {
            json_object_object_add(doc, "state",
                                   json_object_new_string(vk_domain_state_to_string(info.state)));
            json_object_object_add(doc, "state_code", json_object_new_int(info.state));
            json_object_object_add(doc, "cpus", json_object_new_int((int)info.nr_virt_cpu));
            json_object_object_add(doc, "cpu_time_ns", json_object_new_uint64(info.cpu_time));
            json_object_object_add(doc, "max_memory_kib", json_object_new_uint64(info.max_mem));
            json_object_object_add(doc, "used_memory_kib", json_object_new_uint64(info.memory));
        }
    } else {
        rc = -1; /* virsh goes on and reports the error at the end */
    }
    /* virsh prints the fields it got, then the first error. */
    int err_code = rc < 0 ? vk_last_error_code() : 0;
    char info_msg[1024] = "";
    if (rc < 0)
        snprintf(info_msg, sizeof(info_msg), "%s", vk_last_error_message());

    int persistent = vk_domain_is_persistent(dom);
    if (persistent < 0)
        vksh_print(ctl, "%-15s %s\n", "Persistent:", "unknown");
    else
        vksh_print(ctl, "%-15s %s\n", "Persistent:", persistent ? "yes" : "no");
    int autostart = 0;
    bool have_autostart = vk_domain_get_autostart(dom, &autostart) == 0;
    if (have_autostart)
        vksh_print(ctl, "%-15s %s\n", "Autostart:", autostart ? "enable" : "disable");
    int managed = vk_domain_has_managed_save_image(dom, 0);
    if (managed < 0)
        vksh_print(ctl, "%-15s %s\n", "Managed save:", "unknown");
    else
        vksh_print(ctl, "%-15s %s\n", "Managed save:", managed ? "yes" : "no");
    if (doc) {
        json_object_object_add(doc, "persistent", json_tristate(persistent));
        json_object_object_add(doc, "autostart", json_tristate(have_autostart ? autostart : -1));
        json_object_object_add(doc, "managed_save", json_tristate(managed));
    }
    vk_reset_last_error();

    char *model = NULL, *doi = NULL;
    if (vk_node_get_security_model(ctl->conn, &model, &doi) < 0) {
        if (vk_last_error_code() != 3 /* VIR_ERR_NO_SUPPORT */ && rc == 0) {
            rc = -1;
            err_code = vk_last_error_code();
            snprintf(info_msg, sizeof(info_msg), "%s", vk_last_error_message());
        }
    } else if (model[0]) {
        /* Only when a security model is active, as virsh. */
        vksh_print(ctl, "%-15s %s\n", "Security model:", model);
        vksh_print(ctl, "%-15s %s\n", "Security DOI:", doi);
        if (doc) {
            json_object_object_add(doc, "security_model", json_object_new_string(model));
            json_object_object_add(doc, "security_doi", json_object_new_string(doi));
        }
        char *label = NULL;
        int enforcing = 0;
        if (vk_domain_get_security_label(dom, &label, &enforcing) == 0) {
            if (label[0]) {
                vksh_print(ctl, "%-15s %s (%s)\n", "Security label:", label,
                           enforcing ? "enforcing" : "permissive");
                if (doc) {
                    json_object_object_add(doc, "security_label", json_object_new_string(label));
                    json_object_object_add(doc, "security_enforcing",
                                           json_object_new_boolean(enforcing));
                }
            }
            free(label);
        } else if (rc == 0) {
            rc = -1;
            err_code = vk_last_error_code();
            snprintf(info_msg, sizeof(info_msg), "%s", vk_last_error_message());
        }
    }
    free(model);
    free(doi);

    char **msgs = NULL;
    int nmsgs = vk_domain_get_messages(dom, &msgs, 0);
    json_object *jmsgs = doc ? json_object_new_array() : NULL;
    for (int i = 0; i < nmsgs; i++) {
        vksh_print(ctl, "%-15s %s\n", i == 0 ? "Messages:" : "", msgs[i]);
        if (jmsgs)
            json_object_array_add(jmsgs, json_object_new_string(msgs[i]));
        free(msgs[i]);
    }
    free(msgs);
    if (doc)
        json_object_object_add(doc, "messages", jmsgs);
    vk_reset_last_error(); /* virsh ignores a failure here too */
    vk_domain_free(dom);

    if (rc < 0) {
        json_object_put(doc);
        return vksh_error_msg(ctl, err_code, info_msg);
    }
    if (doc)
        vksh_json_print(ctl, doc);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_dominfo = {
    .name = "dominfo",
    .opts = domain_only_opts,
    .help = "domain information",
    .desc = "Returns basic information about the domain.",
    .handler = cmd_dominfo,
};

/*--------------------------------------------------------------------------
 * domstate, domid, domname, domuuid
 *------------------------------------------------------------------------*/

static const struct vksh_opt_def domstate_opts[] = {
    DOMAIN_OPT,
    {"reason", VKSH_OT_BOOL, 0, "also print reason for the state"},
    {NULL},
};

static int cmd_domstate(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int state, reason;
    int rc = vk_domain_get_state(dom, &state, &reason, 0);
    vk_domain_free(dom);
    if (rc < 0)
        return vksh_error_lib(ctl);
    const char *s = vk_domain_state_to_string(state);
    const char *r = vk_domain_state_reason_to_string(state, reason);
    if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "state", json_object_new_string(s));
        json_object_object_add(doc, "state_code", json_object_new_int(state));
        json_object_object_add(doc, "reason", json_object_new_string(r));
        json_object_object_add(doc, "reason_code", json_object_new_int(reason));
        vksh_json_print(ctl, doc);
    } else if (vksh_opt_bool(cmd, "reason")) {
        vksh_print(ctl, "%s (%s)\n", s, r);
    } else {
        vksh_print(ctl, "%s\n", s);
    }
    return 0;
}

const struct vksh_cmd_def vksh_cmd_domstate = {
    .name = "domstate",
    .opts = domstate_opts,
    .help = "domain state",
    .desc = "Returns state about a domain.",
    .handler = cmd_domstate,
};

static int cmd_domid(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYNAME | VKSH_BYUUID, NULL);
    if (!dom)
        return -1;
    int id = vk_domain_get_id(dom);
    if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "id", id >= 0 ? json_object_new_int(id) : NULL);
        vksh_json_print(ctl, doc);
    } else if (id < 0) {
        vksh_print(ctl, "%s\n", "-");
    } else {
        vksh_print(ctl, "%d\n", id);
    }
    vk_domain_free(dom);
    return 0;
}

const struct vksh_cmd_def vksh_cmd_domid = {
    .name = "domid",
    .opts = domain_only_opts,
    .help = "convert a domain name or UUID to domain id",
    .desc = "Convert a domain name (or UUID) to a domain id",
    .handler = cmd_domid,
};

static int cmd_domname(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYID | VKSH_BYUUID, NULL);
    if (!dom)
        return -1;
    if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "name", json_object_new_string(vk_domain_get_name(dom)));
        vksh_json_print(ctl, doc);
    } else {
        vksh_print(ctl, "%s\n", vk_domain_get_name(dom));
    }
    vk_domain_free(dom);
    return 0;
}

static const struct vksh_opt_def domname_opts[] = {
    {"domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "domain id or uuid"},
    {NULL},
};

const struct vksh_cmd_def vksh_cmd_domname = {
    .name = "domname",
    .opts = domname_opts,
    .help = "convert a domain id or UUID to domain name",
    .desc = "Convert a domain id or UUID to domain name",
    .handler = cmd_domname,
};

static int cmd_domuuid(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYNAME | VKSH_BYID, NULL);
    if (!dom)
        return -1;
    char uuid[VK_UUID_STRING_BUFLEN];
    vk_domain_get_uuid_string(dom, uuid);
    if (ctl->json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "uuid", json_object_new_string(uuid));
        vksh_json_print(ctl, doc);
    } else {
        vksh_print(ctl, "%s\n", uuid);
    }
    vk_domain_free(dom);
    return 0;
}

static const struct vksh_opt_def domuuid_opts[] = {
    {"domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "domain id or name"},
    {NULL},
};

const struct vksh_cmd_def vksh_cmd_domuuid = {
    .name = "domuuid",
    .opts = domuuid_opts,
    .help = "convert a domain name or id to domain UUID",
    .desc = "Convert a domain name or id to domain UUID",
    .handler = cmd_domuuid,
};
