/* The command table: adding a command is adding its file and a line here. */
#include <string.h>

#include "vksh.h"

const struct vksh_cmd_def *const vksh_commands[] = {
    &vksh_cmd_autostart,
    &vksh_cmd_create,
    &vksh_cmd_define,
    &vksh_cmd_destroy,
    &vksh_cmd_domid,
    &vksh_cmd_dominfo,
    &vksh_cmd_domname,
    &vksh_cmd_domstate,
    &vksh_cmd_domuuid,
    &vksh_cmd_dumpxml,
    &vksh_cmd_event,
    &vksh_cmd_help,
    &vksh_cmd_list,
    &vksh_cmd_reboot,
    &vksh_cmd_reset,
    &vksh_cmd_resume,
    &vksh_cmd_shutdown,
    &vksh_cmd_start,
    &vksh_cmd_suspend,
    &vksh_cmd_undefine,
    &vksh_cmd_version,
    NULL,
};

const struct vksh_cmd_def *vksh_command_find(const char *name)
{
    for (int i = 0; vksh_commands[i]; i++)
        if (strcmp(vksh_commands[i]->name, name) == 0)
            return vksh_commands[i];
    return NULL;
}
