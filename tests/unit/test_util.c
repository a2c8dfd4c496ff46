/* Unit tests for src/util: buffers, escaping, uuids, names, atomic files, exec. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/vk_alloc.h"
#include "util/vk_buf.h"
#include "util/vk_error.h"
#include "util/vk_exec.h"
#include "util/vk_file.h"
#include "util/vk_log.h"
#include "util/vk_name.h"
#include "util/vk_uuid.h"
#include "vk_test.h"

static void test_buf(void)
{
    struct vk_buf b = VK_BUF_INIT;
    vk_buf_adds(&b, "a");
    vk_buf_addf(&b, "%d-%s", 42, "x");
    vk_buf_add_xml_escaped(&b, "<&'\">");
    vk_buf_add_qemu_escaped(&b, "file=a,b");
    char *s = vk_buf_steal(&b);
    CHECK_STREQ(s, "a42-x&lt;&amp;&apos;&quot;&gt;file=a,,b");
    free(s);
}

static void test_uuid(void)
{
    uint8_t u[VK_UUID_LEN], v[VK_UUID_LEN];
    char s[VK_UUID_STRLEN];
    CHECK(vk_uuid_generate(u) == 0);
    vk_uuid_format(u, s);
    CHECK(strlen(s) == 36);
    CHECK(vk_uuid_parse(s, v) == 0);
    CHECK(memcmp(u, v, sizeof(u)) == 0);
    CHECK(vk_uuid_parse("c7a5fdbd-edaf-9455-926a-d65c16db1809", v) == 0);
    CHECK(v[0] == 0xc7 && v[15] == 0x09);
    CHECK(vk_uuid_parse("c7a5fdbdedaf9455926ad65c16db1809", v) == 0);
    CHECK(vk_uuid_parse("c7a5fdbd-edaf-9455-926a-d65c16db180", v) < 0);
    CHECK(vk_uuid_parse("c7a5fdbd-edaf-9455-926a-d65c16db1809x", v) < 0);
    CHECK(vk_uuid_parse("", v) < 0);
}

static void test_names(void)
{
    CHECK(vk_name_check("domain", "web-1.example_x") == 0);
    CHECK(vk_name_check("domain", "") < 0);
    CHECK(vk_name_check("domain", "a/b") < 0);
    CHECK(strstr(vk_error_last()->message, "'/'") != NULL);
    CHECK(vk_name_check("domain", "..") < 0);
    CHECK(vk_name_check("domain", ".hidden") < 0);
    CHECK(vk_name_check("domain", "line\nbreak") < 0);
    char *big = malloc(10001);
    memset(big, 'a', 10000);
    big[10000] = 0;
    CHECK(vk_name_check("domain", big) < 0);
    free(big);
}

static void test_atomic_file(void)
{
    char dir[] = "/tmp/vk-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    vk_autofree char *sub = vk_asprintf("%s/a/b", dir);
    CHECK(vk_mkdir_p(sub, 0700) == 0);
    vk_autofree char *path = vk_asprintf("%s/f.xml", sub);
    CHECK(vk_file_write_atomic(path, "one", 3, 0600) == 0);
    CHECK(vk_file_write_atomic(path, "two!", 4, 0600) == 0);
    char *data = NULL;
    size_t len = 0;
    CHECK(vk_file_read(path, 100, &data, &len) == 0);
    CHECK_STREQ(data, "two!");
    CHECK(len == 4);
    free(data);
    CHECK(vk_file_read(path, 2, &data, &len) < 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(vk_file_replace(path, "three", 5, 0640) == 0); /* runtime state: no fsync */
    CHECK(vk_file_read(path, 100, &data, &len) == 0);
    CHECK_STREQ(data, "three");
    free(data);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
    CHECK(vk_file_unlink_durable(path) == 0);
    CHECK(vk_file_unlink_durable(path) == 0);
    CHECK(vk_file_read(path, 100, &data, &len) < 0);
    CHECK(vk_error_last()->code == VK_ERR_SYSTEM_ERROR);
    rmdir(sub);
    vk_autofree char *a = vk_asprintf("%s/a", dir);
    rmdir(a);
    rmdir(dir);
}

static void test_exec(void)
{
    char *out = NULL, *err = NULL;
    char *argv[] = {"echo", "a,b", "$HOME", NULL};
    CHECK(vk_run(argv, &out, &err) == 0);
    CHECK_STREQ(out, "a,b $HOME\n"); /* no shell: $HOME is not expanded */
    free(out);
    free(err);
    char *bad[] = {"/nonexistent/virtkit-no-such-binary", NULL};
    CHECK(vk_run(bad, NULL, NULL) < 0);
    CHECK(strstr(vk_error_last()->message, "cannot execute") != NULL);
    char *fail[] = {"false", NULL};
    CHECK(vk_run(fail, NULL, NULL) == 1);
    char *q = vk_argv_to_string((char *[]){"qemu", "-name", "a b", "it's", NULL});
    CHECK_STREQ(q, "qemu -name 'a b' 'it'\\''s'");
    free(q);
}

static void test_log_escapes_control_chars(void)
{
    char path[] = "/tmp/vk-log-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    VK_INFO("rejected name 'a\n2001-01-01 00:00:00.000 info: forged'");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    char *data = NULL;
    CHECK(vk_file_read(path, 4096, &data, NULL) == 0);
    unlink(path);
    if (!data)
        return;
    CHECK(strchr(data, '\n') == data + strlen(data) - 1); /* one line only */
    CHECK(strstr(data, "'a\\x0a2001-01-01") != NULL);
    free(data);
}

int main(void)
{
    test_log_escapes_control_chars();
    test_buf();
    test_uuid();
    test_names();
    test_atomic_file();
    test_exec();
    TEST_MAIN_END();
}
