/* edit: change a domain's persistent XML in an editor, as virsh edit does.
 *
 * The inactive XML goes to a temp file ($TMPDIR or /tmp, virshXXXXXX.xml),
 * the editor runs on it, and a changed file is defined. The editor is
 * $VISUAL, else $EDITOR, else vi (virsh's order). virsh hands that string
 * to /bin/sh; we never run a shell, so it is split on spaces and tabs into
 * argv ("code -w" works; quoting does not) and the file name is appended.
 *
 * When the define fails, virsh prints the error and asks
 *   "Failed. Try again? [y,n,i,f,?]: "
 * y: edit again, n: give up (discard the edit), i: define again without
 * validation, f: define the same text again, ?: help. The answer is one
 * key in raw mode on a terminal; when stdin is not a terminal we read a
 * line from it (virsh gives up there; reading lets scripts and tests answer). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "util/vk_alloc.h"
#include "util/vk_exec.h"
#include "util/vk_file.h"
#include "vksh.h"

#define EDIT_MAX_XML (10 * 1024 * 1024)
#define EDIT_MAX_ARGS 32

static const struct vksh_opt_def edit_opts[] = {
    {"domain", VKSH_OT_STRING, VKSH_OPT_REQUIRED | VKSH_OPT_POSITIONAL, "domain name, id or uuid"},
    {"skip-validate", VKSH_OT_BOOL, 0, "skip validation of the XML against the schema"},
    {NULL},
};

/* Runs the editor on path, in the foreground with our terminal. */
static int run_editor(struct vksh_ctl *ctl, const char *path)
{
    const char *editor = getenv("VISUAL");
    if (!editor || !*editor)
        editor = getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    vk_autofree char *copy = strdup(editor);
    char *argv[EDIT_MAX_ARGS + 2];
    int argc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (argc == EDIT_MAX_ARGS) {
            vksh_error_only(ctl, "editor command '%s' has more than %d words", editor,
                            EDIT_MAX_ARGS);
            return -1;
        }
        argv[argc++] = tok;
    }
    if (argc == 0) {
        vksh_error_only(ctl, "editor command '%s' is empty", editor);
        return -1;
    }
    argv[argc++] = (char *)path;
    argv[argc] = NULL;
    struct vk_spawn_opts opts = {.stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2};
    pid_t pid;
    if (vk_spawn(argv, &opts, &pid) < 0)
        return vksh_error(ctl, "failed to run editor '%s'", editor);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return vksh_error_only(ctl, "failed to wait for editor '%s': %s", editor,
                                   strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return vksh_error_only(ctl, "editor '%s' failed (%s %d) on %s", editor,
                               WIFEXITED(status) ? "exit status" : "signal",
                               WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), path);
    return 0;
}

/* One answer character, lower-cased; EOF when there is none. */
static int read_answer(void)
{
    if (isatty(STDIN_FILENO)) {
        struct termios old, raw;
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            raw = old;
            cfmakeraw(&raw);
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
            int c = getchar();
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
            return c == EOF ? EOF : (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
    }
    char line[64];
    if (!fgets(line, sizeof(line), stdin))
        return EOF;
    int c = (unsigned char)line[0];
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* virsh's vshAskReedit: reports the error, asks, returns y/n/i/f (n on EOF). */
static int ask_reedit(struct vksh_ctl *ctl, bool relax_avail)
{
    vksh_error_lib(ctl);
    for (;;) {
        printf("\rFailed. Try again? %s: ", relax_avail ? "[y,n,i,f,?]" : "[y,n,f,?]");
        fflush(stdout);
        int c = read_answer();
        if (c == EOF) {
            printf("\r\n");
            return 'n';
        }
        if (c == '?') {
            printf("\r\n"
                   "y - yes, start editor again\r\n"
                   "n - no, throw away my changes\r\n");
            if (relax_avail)
                printf("i - turn off validation and try to redefine again\r\n");
            printf("f - force, try to redefine again\r\n"
                   "? - print this help\r\n");
            continue;
        }
        if (c == 'y' || c == 'n' || c == 'f' || (relax_avail && c == 'i')) {
            printf("\r\n");
            fflush(stdout);
            return c;
        }
    }
}

static int cmd_edit(struct vksh_ctl *ctl, const struct vksh_cmd *cmd)
{
    vk_domain *dom = vksh_domain_arg(ctl, cmd, VKSH_BYANY, NULL);
    if (!dom)
        return -1;
    int rc = -1;
    char path[4096] = "";
    char *orig = NULL, *edited = NULL;
    unsigned int define_flags = vksh_opt_bool(cmd, "skip-validate") ? 0 : VK_DOMAIN_DEFINE_VALIDATE;
    bool relax_avail = define_flags != 0;

    orig = vk_domain_get_xml_desc(dom, VK_DOMAIN_XML_INACTIVE | VK_DOMAIN_XML_SECURE);
    if (!orig) {
        vksh_error_lib(ctl);
        goto out;
    }
    const char *tmpdir = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/virshXXXXXX.xml", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemps(path, 4);
    if (fd < 0) {
        vksh_error_only(ctl, "failed to create temporary file '%s': %s", path, strerror(errno));
        path[0] = '\0';
        goto out;
    }
    int wr = vk_write_all(fd, orig, strlen(orig));
    close(fd);
    if (wr < 0) {
        vksh_error_only(ctl, "failed to write temporary file '%s': %s", path, strerror(errno));
        goto out;
    }

    for (;;) {
        /* reedit: */
        if (run_editor(ctl, path) < 0)
            goto out;
        free(edited);
        edited = NULL;
        size_t len;
        if (vk_file_read(path, EDIT_MAX_XML, &edited, &len) < 0) {
            vksh_error(ctl, "failed to read edited file '%s'", path);
            goto out;
        }
        if (strcmp(orig, edited) == 0) {
            vksh_print(ctl, "Domain '%s' XML configuration not changed.\n",
                       vk_domain_get_name(dom));
            rc = 0;
            goto out;
        }
        for (;;) {
            /* redefine: */
            vk_domain *nd = vk_domain_define_xml(ctl->conn, edited, define_flags);
            if (nd) {
                vksh_print(ctl, "Domain '%s' XML configuration edited.\n",
                           vk_domain_get_name(nd));
                vk_domain_free(nd);
                rc = 0;
                goto out;
            }
            if (ctl->json) { /* no questions in JSON mode */
                vksh_error_lib(ctl);
                goto out;
            }
            int c = ask_reedit(ctl, relax_avail);
            if (c == 'y')
                break; /* edit again */
            if (c == 'f')
                continue;
            if (c == 'i') {
                define_flags &= ~(unsigned int)VK_DOMAIN_DEFINE_VALIDATE;
                relax_avail = false;
                continue;
            }
            goto out; /* 'n': the error was reported */
        }
    }
out:
    if (path[0])
        unlink(path);
    free(orig);
    free(edited);
    vk_domain_free(dom);
    return rc;
}

const struct vksh_cmd_def vksh_cmd_edit = {
    .name = "edit",
    .opts = edit_opts,
    .help = "edit XML configuration for a domain",
    .desc = "Edit the XML configuration for a domain. The editor is $VISUAL, else $EDITOR, "
            "else vi; it is run without a shell, its words split on spaces.",
    .handler = cmd_edit,
};
