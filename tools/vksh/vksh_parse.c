/* Command-line options of one command, with virsh's rules and wording:
 * `--opt value`, `--opt=value`, `--flag`, `--` ending options, bare words
 * filling the positional options in order, `--json` accepted everywhere. */
#include <stdlib.h>
#include <string.h>

#include "vksh.h"

static int find_opt(const struct vksh_cmd_def *def, const char *name, size_t len)
{
    for (int i = 0; def->opts && def->opts[i].name; i++)
        if (strlen(def->opts[i].name) == len && strncmp(def->opts[i].name, name, len) == 0)
            return i;
    return -1;
}

static int next_positional(const struct vksh_cmd *cmd)
{
    const struct vksh_opt_def *opts = cmd->def->opts;
    for (int i = 0; opts && opts[i].name; i++)
        if ((opts[i].flags & VKSH_OPT_POSITIONAL) && !cmd->values[i])
            return i;
    return -1;
}

int vksh_parse(struct vksh_ctl *ctl, int argc, char **argv, struct vksh_cmd *cmd)
{
    const struct vksh_cmd_def *def = cmd->def;
    bool data_only = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!data_only && strcmp(a, "--") == 0) {
            data_only = true;
            continue;
        }
        if (!data_only && strncmp(a, "--", 2) == 0) {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            if (len == 4 && strncmp(name, "json", 4) == 0 && !eq) {
                ctl->json = cmd->json = true;
                continue;
            }
            int idx = find_opt(def, name, len);
            if (idx < 0)
                return vksh_error_only(ctl, "command '%s' doesn't support option --%.*s", def->name,
                                       (int)len, name);
            const struct vksh_opt_def *o = &def->opts[idx];
            if (cmd->values[idx])
                return vksh_error_only(ctl, "option --%s already seen", o->name);
            if (o->type == VKSH_OT_BOOL) {
                if (eq)
                    return vksh_error_only(ctl, "invalid '=' after option --%s", o->name);
                cmd->values[idx] = "";
            } else if (eq) {
                cmd->values[idx] = eq + 1;
            } else if (i + 1 < argc) {
                cmd->values[idx] = argv[++i];
            } else {
                return vksh_error_only(ctl, "expected syntax: --%s <string>", o->name);
            }
            continue;
        }
        int idx = next_positional(cmd);
        if (idx < 0)
            return vksh_error_only(ctl, "unexpected data '%s'", a);
        cmd->values[idx] = a;
    }
    for (int i = 0; def->opts && def->opts[i].name; i++)
        if ((def->opts[i].flags & VKSH_OPT_REQUIRED) && !cmd->values[i])
            return vksh_error_only(ctl, "command '%s' requires <%s> option", def->name,
                                   def->opts[i].name);
    return 0;
}

static int index_of(const struct vksh_cmd *cmd, const char *name)
{
    int idx = find_opt(cmd->def, name, strlen(name));
    /* A handler asking for an option its table lacks is a programming
     * error; failing loudly beats silently reading "not given". */
    if (idx < 0)
        abort();
    return idx;
}

bool vksh_opt_bool(const struct vksh_cmd *cmd, const char *name)
{
    return cmd->values[index_of(cmd, name)] != NULL;
}

const char *vksh_opt_string(const struct vksh_cmd *cmd, const char *name)
{
    return cmd->values[index_of(cmd, name)];
}
