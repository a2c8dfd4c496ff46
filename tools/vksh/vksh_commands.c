/* The command table: adding a command is adding its file and a line here. */
#include <string.h>

#include "vksh.h"

const struct vksh_cmd_def *const vksh_commands[] = {
    &vksh_cmd_attach_device,
    &vksh_cmd_attach_disk,
    &vksh_cmd_attach_interface,
    &vksh_cmd_autostart,
    &vksh_cmd_capabilities,
    &vksh_cmd_change_media,
    &vksh_cmd_console,
    &vksh_cmd_cpu_stats,
    &vksh_cmd_create,
    &vksh_cmd_define,
    &vksh_cmd_destroy,
    &vksh_cmd_detach_device,
    &vksh_cmd_detach_disk,
    &vksh_cmd_detach_interface,
    &vksh_cmd_domblkstat,
    &vksh_cmd_domcapabilities,
    &vksh_cmd_domdisplay,
    &vksh_cmd_domid,
    &vksh_cmd_domiflist,
    &vksh_cmd_domifstat,
    &vksh_cmd_domjobabort,
    &vksh_cmd_domjobinfo,
    &vksh_cmd_dominfo,
    &vksh_cmd_dommemstat,
    &vksh_cmd_domname,
    &vksh_cmd_domstate,
    &vksh_cmd_domstats,
    &vksh_cmd_domuuid,
    &vksh_cmd_dumpxml,
    &vksh_cmd_edit,
    &vksh_cmd_event,
    &vksh_cmd_help,
    &vksh_cmd_list,
    &vksh_cmd_managedsave,
    &vksh_cmd_managedsave_define,
    &vksh_cmd_managedsave_dumpxml,
    &vksh_cmd_managedsave_remove,
    &vksh_cmd_memtune,
    &vksh_cmd_nodeinfo,
    &vksh_cmd_reboot,
    &vksh_cmd_reset,
    &vksh_cmd_restore,
    &vksh_cmd_resume,
    &vksh_cmd_save,
    &vksh_cmd_save_image_define,
    &vksh_cmd_save_image_dumpxml,
    &vksh_cmd_schedinfo,
    &vksh_cmd_setmaxmem,
    &vksh_cmd_setmem,
    &vksh_cmd_setvcpus,
    &vksh_cmd_shutdown,
    &vksh_cmd_start,
    &vksh_cmd_suspend,
    &vksh_cmd_undefine,
    &vksh_cmd_vcpucount,
    &vksh_cmd_vcpuinfo,
    &vksh_cmd_version,
    &vksh_cmd_vncdisplay,
    NULL,
};

const struct vksh_cmd_def *vksh_command_find(const char *name)
{
    for (int i = 0; vksh_commands[i]; i++)
        if (strcmp(vksh_commands[i]->name, name) == 0)
            return vksh_commands[i];
    return NULL;
}
