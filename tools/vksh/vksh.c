/* vksh: `vksh [-c URI] [-r] [--json] COMMAND [ARGS]`.
 *
 * Global options, then one command: its arguments are parsed (and any
 * mistake reported) before connecting, then it runs on a fresh connection.
 * Exit status 0 on success, 1 on any error. See vksh.h for the output
 * rules (virsh's human output; --json documents; JSON errors on stderr). */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vksh.h"

static int global_error(struct vksh_ctl *ctl, const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof(msg), fmt, arg);
    vksh_error_only(ctl, "%s", msg);
    return 1;
}

static int run_command(struct vksh_ctl *ctl, int argc, char **argv)
{
    const struct vksh_cmd_def *def = vksh_command_find(argv[0]);
    if (!def) {
        /* --json may still come later on the line: honour it for errors. */
        for (int i = 1; i < argc; i++)
            if (strcmp(argv[i], "--json") == 0)
                ctl->json = true;
        return global_error(ctl, "unknown command: '%s'", argv[0]);
    }
    struct vksh_cmd cmd = {.def = def};
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0) {
            struct vksh_cmd help = {.def = &vksh_cmd_help};
            help.values[0] = def->name;
            for (int j = 1; j < argc; j++)
                if (strcmp(argv[j], "--json") == 0)
                    ctl->json = true;
            return vksh_cmd_help.handler(ctl, &help) < 0 ? 1 : 0;
        }
    if (vksh_parse(ctl, argc, argv, &cmd) < 0)
        return 1;

    if (!def->no_connect) {
        ctl->conn = vk_connect_open(ctl->uri, ctl->readonly ? VK_CONNECT_RO : 0);
        if (!ctl->conn) {
            vksh_error(ctl, "failed to connect to the hypervisor");
            return 1;
        }
    }
    int rc = def->handler(ctl, &cmd);
    /* virsh ends every command it ran with an empty line. */
    if (!ctl->json)
        fputs("\n", stdout);
    vk_connect_close(ctl->conn);
    ctl->conn = NULL;
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct vksh_ctl ctl = {0};
    setlocale(LC_CTYPE, ""); /* table widths of non-ASCII names */
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-c") == 0 || strcmp(a, "--connect") == 0) {
            if (i + 1 >= argc)
                return global_error(&ctl, "option '%s' requires an argument (a URI)", a);
            ctl.uri = argv[++i];
        } else if (strncmp(a, "--connect=", 10) == 0) {
            ctl.uri = a + 10;
        } else if (strncmp(a, "-c", 2) == 0) {
            ctl.uri = a + 2;
        } else if (strcmp(a, "-r") == 0 || strcmp(a, "--readonly") == 0) {
            ctl.readonly = true;
        } else if (strcmp(a, "--json") == 0) {
            ctl.json = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            vksh_usage(&ctl);
            return 0;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            printf("%s\n", vk_get_version_string());
            return 0;
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else {
            return global_error(&ctl, "unsupported option '%s'. See --help.", a);
        }
    }
    if (i >= argc)
        return global_error(&ctl, "%s", "no command given (see 'vksh help')");
    int rc = run_command(&ctl, argc - i, argv + i);
    fflush(stdout);
    return rc;
}
