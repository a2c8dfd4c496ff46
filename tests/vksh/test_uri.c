/* libvirtkit URI parsing: what each accepted URI resolves to, and that each
 * rejected one names what is wrong. No daemon needed. */
#include <stdlib.h>
#include <string.h>

#include "virtkit/virtkit.h"
#include "vk_config.h"
#include "vk_test.h"

static void check_ok(const char *text, unsigned int flags, const char *path, const char *sock,
                     const char *name)
{
    struct vk_uri u;
    int rc = vk_uri_parse(text, flags, &u);
    if (rc < 0)
        fprintf(stderr, "unexpected error for '%s': %s\n", text ? text : "(null)",
                vk_last_error_message());
    CHECK(rc == 0);
    if (rc == 0) {
        CHECK_STREQ(u.scheme, "qemu");
        CHECK_STREQ(u.path, path);
        CHECK_STREQ(u.socket, sock);
        CHECK_STREQ(u.name, name);
    }
    vk_uri_clear(&u);
}

/* The URI must be refused with code and a message containing each needle. */
static void check_bad(const char *text, int code, const char *needle1, const char *needle2)
{
    struct vk_uri u;
    memset(&u, 0x5a, sizeof(u)); /* must be cleared on failure too */
    int rc = vk_uri_parse(text, 0, &u);
    CHECK(rc == -1);
    CHECK(u.uri == NULL && u.socket == NULL);
    const char *msg = vk_last_error_message();
    if (vk_last_error_code() != code || !strstr(msg, needle1) ||
        (needle2 && !strstr(msg, needle2))) {
        fprintf(stderr, "for '%s': code %d message '%s'\n", text, vk_last_error_code(), msg);
        vk_test_failures++;
    }
}

static void test_accepted(void)
{
    unsetenv("VIRTKIT_DEFAULT_URI");
    check_ok("qemu:///system", 0, "/system", VK_RUNDIR "/virtkit-sock", "qemu:///system");
    check_ok("qemu:///system", VK_CONNECT_RO, "/system", VK_RUNDIR "/virtkit-sock-ro",
             "qemu:///system");
    check_ok("qemu+unix:///system", 0, "/system", VK_RUNDIR "/virtkit-sock", "qemu:///system");
    check_ok("qemu+unix:///system?socket=/tmp/x/sock", 0, "/system", "/tmp/x/sock",
             "qemu:///system");
    /* An explicit socket is used as given, read-only or not. */
    check_ok("qemu:///system?socket=/tmp/x/sock", VK_CONNECT_RO, "/system", "/tmp/x/sock",
             "qemu:///system");
    /* %-escapes are decoded; the last socket= wins, as in libvirt. */
    check_ok("qemu+unix:///system?socket=/tmp/a%20b", 0, "/system", "/tmp/a b", "qemu:///system");
    check_ok("qemu:///system?socket=/one&socket=/two", 0, "/system", "/two", "qemu:///system");

    setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
    check_ok("qemu:///session", 0, "/session", "/run/user/1234/virtkit/virtkit-sock",
             "qemu:///session");
    unsetenv("XDG_RUNTIME_DIR");
    setenv("HOME", "/home/u", 1);
    check_ok("qemu:///session", 0, "/session", "/home/u/.cache/virtkit/virtkit-sock",
             "qemu:///session");
}

static void test_default(void)
{
    unsetenv("VIRTKIT_DEFAULT_URI");
    CHECK_STREQ(vk_uri_default(), "qemu:///system");
    check_ok(NULL, 0, "/system", VK_RUNDIR "/virtkit-sock", "qemu:///system");
    check_ok("", VK_CONNECT_RO, "/system", VK_RUNDIR "/virtkit-sock-ro", "qemu:///system");

    setenv("VIRTKIT_DEFAULT_URI", "qemu+unix:///system?socket=/srv/vk.sock", 1);
    CHECK_STREQ(vk_uri_default(), "qemu+unix:///system?socket=/srv/vk.sock");
    check_ok(NULL, 0, "/system", "/srv/vk.sock", "qemu:///system");
    /* A bad default is reported like any bad URI. */
    setenv("VIRTKIT_DEFAULT_URI", "xen:///", 1);
    struct vk_uri u;
    CHECK(vk_uri_parse(NULL, 0, &u) == -1);
    CHECK(strstr(vk_last_error_message(), "'xen'") != NULL);
    unsetenv("VIRTKIT_DEFAULT_URI");
}

static void test_rejected(void)
{
    check_bad("system", 8, "invalid URI 'system'", "qemu:///system");
    check_bad("://system", 8, "invalid URI", NULL);
    check_bad("xen:///system", 3, "unsupported hypervisor driver 'xen'", NULL);
    check_bad("lxc:///", 3, "'lxc'", NULL);
    check_bad("qemu+ssh://host/system", 3, "remote transport 'ssh'", "not supported yet");
    check_bad("qemu+tls://host/system", 3, "remote transport 'tls'", NULL);
    check_bad("qemu+tcp:///system", 3, "remote transport 'tcp'", NULL);
    check_bad("qemu+bogus:///system", 8, "unknown transport 'bogus'", NULL);
    check_bad("qemu://example.org/system", 3, "remote host 'example.org'", NULL);
    check_bad("qemu+unix://host/system", 8, "takes no host", "'host'");
    check_bad("qemu://", 8, "has no path", NULL);
    check_bad("qemu:///", 8, "unknown path '/'", NULL);
    check_bad("qemu:///embed", 8, "unknown path '/embed'", "/system or /session");
    check_bad("qemu:///system?sockt=/x", 8, "unknown parameter 'sockt'", NULL);
    check_bad("qemu:///system?socket", 8, "parameter 'socket' has no value", NULL);
    check_bad("qemu:///system?socket=", 8, "parameter 'socket' is empty", NULL);
    check_bad("qemu:///system?socket=/a%2", 8, "malformed %-escape", NULL);
    check_bad("qemu:///system?socket=/a%00b", 8, "malformed %-escape", NULL);
    check_bad("qemu:///system#frag", 8, "fragment", NULL);
    char longuri[400];
    snprintf(longuri, sizeof(longuri), "qemu:///system?socket=/%0200d", 0);
    check_bad(longuri, 8, "is too long", NULL);
}

static void test_state_names(void)
{
    CHECK_STREQ(vk_domain_state_to_string(VK_DOMAIN_RUNNING), "running");
    CHECK_STREQ(vk_domain_state_to_string(VK_DOMAIN_SHUTOFF), "shut off");
    CHECK_STREQ(vk_domain_state_to_string(VK_DOMAIN_BLOCKED), "idle");
    CHECK_STREQ(vk_domain_state_to_string(VK_DOMAIN_SHUTDOWN), "in shutdown");
    CHECK_STREQ(vk_domain_state_to_string(-1), "no state");
    CHECK_STREQ(vk_domain_state_to_string(99), "no state");
    CHECK_STREQ(vk_domain_state_reason_to_string(VK_DOMAIN_RUNNING, 1), "booted");
    CHECK_STREQ(vk_domain_state_reason_to_string(VK_DOMAIN_PAUSED, 1), "user");
    CHECK_STREQ(vk_domain_state_reason_to_string(VK_DOMAIN_SHUTOFF, 2), "destroyed");
    CHECK_STREQ(vk_domain_state_reason_to_string(VK_DOMAIN_SHUTOFF, 1), "shutdown");
    CHECK_STREQ(vk_domain_state_reason_to_string(VK_DOMAIN_SHUTOFF, 1000), "unknown");
    CHECK_STREQ(vk_domain_state_reason_to_string(VK_DOMAIN_PMSUSPENDED, 0), "unknown");
}

static void test_version(void)
{
    CHECK(vk_get_version() > 0);
    unsigned long long v = vk_get_version();
    char buf[64];
    snprintf(buf, sizeof(buf), "%llu.%llu.%llu", v / 1000000, v / 1000 % 1000, v % 1000);
    CHECK_STREQ(buf, VK_VERSION);
}

/* Opening a socket that is not there fails with libvirt's wording. */
static void test_connect_missing_socket(void)
{
    vk_connect *c = vk_connect_open("qemu+unix:///system?socket=/nonexistent/vk-sock", 0);
    CHECK(c == NULL);
    CHECK(vk_last_error_code() == 38); /* VIR_ERR_SYSTEM_ERROR */
    CHECK(strstr(vk_last_error_message(),
                 "Failed to connect socket to '/nonexistent/vk-sock': No such file") != NULL);
    CHECK(vk_connect_open("qemu:///system", 2) == NULL);
    CHECK(strstr(vk_last_error_message(), "unsupported flags 0x2") != NULL);
    CHECK(vk_connect_close(NULL) == 0);
}

int main(void)
{
    test_accepted();
    test_default();
    test_rejected();
    test_state_names();
    test_version();
    test_connect_missing_socket();
    TEST_MAIN_END();
}
