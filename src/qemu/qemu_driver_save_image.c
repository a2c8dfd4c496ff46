/* Feature "save": the domain XML inside save images. virsh save-image-dumpxml,
 * save-image-define, managedsave-dumpxml, managedsave-define, and the --xml of
 * save and restore. A new XML must describe the same guest as the saved one
 * (QEMU's migration stream only loads into the same devices): what may change
 * is what the guest does not see, such as the path of a disk image that moved. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_domain.h"
#include "qemu_postparse.h"
#include "util/vk_alloc.h"
#include "util/vk_error.h"
#include "util/vk_file.h"

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int differ(const char *what, const char *saved, const char *now)
{
    return vk_error_set(VK_ERR_CONFIG_UNSUPPORTED, VK_FROM_QEMU,
                        "the new domain XML does not match the saved guest: %s is '%s' in the "
                        "image, '%s' in the new XML",
                        what, saved ? saved : "(none)", now ? now : "(none)");
}

static int differ_n(const char *what, unsigned long long saved, unsigned long long now)
{
    char a[32], b[32];
    snprintf(a, sizeof(a), "%llu", saved);
    snprintf(b, sizeof(b), "%llu", now);
    return differ(what, a, b);
}

/* libvirt calls this ABI stability: the guest-visible machine must not change. */
static int check_same_guest(const struct vk_domain_def *a, const struct vk_domain_def *b)
{
    char ua[VK_UUID_STRLEN], ub[VK_UUID_STRLEN];
    vk_uuid_format(a->uuid, ua);
    vk_uuid_format(b->uuid, ub);
    if (!same_str(a->name, b->name))
        return differ("the name", a->name, b->name);
    if (strcmp(ua, ub))
        return differ("the uuid", ua, ub);
    if (!same_str(a->os.arch, b->os.arch))
        return differ("the architecture", a->os.arch, b->os.arch);
    if (!same_str(a->os.machine, b->os.machine))
        return differ("the machine type", a->os.machine, b->os.machine);
    if (a->memory_kib != b->memory_kib)
        return differ_n("the memory (KiB)", a->memory_kib, b->memory_kib);
    if (a->vcpus != b->vcpus)
        return differ_n("the vCPU count", (unsigned)a->vcpus, (unsigned)b->vcpus);
    const struct {
        const char *what;
        size_t na, nb;
    } counts[] = {
        {"the number of disks", a->ndisks, b->ndisks},
        {"the number of controllers", a->ncontrollers, b->ncontrollers},
        {"the number of interfaces", a->nnets, b->nnets},
        {"the number of serial ports", a->nserials, b->nserials},
        {"the number of consoles", a->nconsoles, b->nconsoles},
        {"the number of channels", a->nchannels, b->nchannels},
        {"the number of video devices", a->nvideos, b->nvideos},
        {"the number of input devices", a->ninputs, b->ninputs},
        {"the number of sound devices", a->nsounds, b->nsounds},
        {"the number of RNG devices", a->nrngs, b->nrngs},
        {"the number of watchdogs", a->nwatchdogs, b->nwatchdogs},
        {"the number of panic devices", a->npanics, b->npanics},
        {"the number of memory balloons", a->memballoon.present, b->memballoon.present},
    };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        if (counts[i].na != counts[i].nb)
            return differ_n(counts[i].what, counts[i].na, counts[i].nb);
    for (size_t i = 0; i < a->ndisks; i++) {
        const struct vk_disk_def *x = &a->disks[i], *y = &b->disks[i];
        if (!same_str(x->target_dev, y->target_dev))
            return differ("a disk target", x->target_dev, y->target_dev);
        if (x->bus != y->bus || x->device != y->device)
            return differ("the bus or kind of disk", x->target_dev, y->target_dev);
    }
    for (size_t i = 0; i < a->ncontrollers; i++) {
        const struct vk_controller_def *x = &a->controllers[i], *y = &b->controllers[i];
        if (!same_str(x->type, y->type) || x->index != y->index || !same_str(x->model, y->model))
            return differ("a controller's type or model", x->model ? x->model : x->type,
                          y->model ? y->model : y->type);
    }
    for (size_t i = 0; i < a->nnets; i++) {
        const struct vk_net_def *x = &a->nets[i], *y = &b->nets[i];
        if (memcmp(x->mac, y->mac, sizeof(x->mac)) || !same_str(x->model, y->model)) {
            char ma[18], mb[18];
            snprintf(ma, sizeof(ma), "%02x:%02x:%02x:%02x:%02x:%02x", x->mac[0], x->mac[1],
                     x->mac[2], x->mac[3], x->mac[4], x->mac[5]);
            snprintf(mb, sizeof(mb), "%02x:%02x:%02x:%02x:%02x:%02x", y->mac[0], y->mac[1],
                     y->mac[2], y->mac[3], y->mac[4], y->mac[5]);
            return differ("an interface's MAC address or model", ma, mb);
        }
    }
    return 0;
}

char *vk_qemu_save_image_xml(const struct vk_domain_def *def, const char *dxml)
{
    if (!dxml)
        return vk_domain_def_format(def, 0, -1);
    /* With define's defaults, so an XML written without the implicit devices
     * and addresses compares with the saved one like for like. */
    struct vk_domain_def *nd = vk_domain_def_parse(dxml, 0);
    if (!nd || vk_qemu_postparse(NULL, nd) < 0) {
        vk_domain_def_free(nd);
        return NULL;
    }
    char *xml = check_same_guest(def, nd) < 0 ? NULL : vk_domain_def_format(nd, 0, -1);
    vk_domain_def_free(nd);
    return xml;
}

char *vk_qemu_save_image_xml_swap(const char *saved_xml, const char *dxml)
{
    if (!dxml)
        return vk_strdup(saved_xml);
    struct vk_domain_def *saved = vk_domain_def_parse(saved_xml, 0);
    if (!saved)
        return NULL;
    char *xml = vk_qemu_save_image_xml(saved, dxml);
    vk_domain_def_free(saved);
    return xml;
}

/* The whole stream after the header, from in to out. */
static int copy_rest(int in, int out)
{
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
        if (n > 0)
            continue;
        if (n == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
            return -1;
        break; /* no in-kernel copy here: plain reads and writes */
    }
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return (int)n;
        if (vk_write_all(out, buf, (size_t)n) < 0)
            return -1;
    }
}

/* Replaces the XML (and the run-after-restore choice) of the image at path:
 * a new image beside it, renamed over it when complete, so a crash leaves
 * one image or the other. */
static int rewrite_image(const char *path, const char *dxml, unsigned flags)
{
    char *old = NULL;
    bool running = false;
    int in = vk_qemu_save_image_open(path, &old, &running);
    if (in < 0)
        return -1;
    char *xml = vk_qemu_save_image_xml_swap(old, dxml);
    free(old);
    if (!xml) {
        close(in);
        vk_error_prefix("save image '%s'", path);
        return -1;
    }
    if (flags & VK_SAVE_RUNNING)
        running = true;
    else if (flags & VK_SAVE_PAUSED)
        running = false;
    struct stat st;
    char *tmp = NULL;
    int out = -1, ret = -1;
    if (fstat(in, &st) < 0)
        vk_error_system(errno, "cannot stat save image '%s'", path);
    else
        out = vk_file_tmp_open(path, st.st_mode & 07777, &tmp);
    if (out >= 0) {
        if (vk_qemu_save_image_write_header(out, xml, running) < 0 || copy_rest(in, out) < 0) {
            int e = errno;
            vk_file_tmp_abort(out, tmp);
            vk_error_system(e, "cannot write save image '%s'", path);
        } else {
            ret = vk_file_tmp_commit(out, tmp, path, true);
        }
    }
    close(in);
    free(xml);
    return ret;
}

char *vk_qemu_save_image_get_xml(struct vk_qemu_driver *drv, const char *path, unsigned flags)
{
    (void)drv;
    if (flags & ~VK_SAVE_IMAGE_XML_SECURE) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "unsupported flags 0x%x",
                     flags & ~VK_SAVE_IMAGE_XML_SECURE);
        return NULL;
    }
    if (!path || !*path) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "save file path is missing");
        return NULL;
    }
    char *xml = NULL;
    bool running;
    int fd = vk_qemu_save_image_open(path, &xml, &running);
    if (fd < 0)
        return NULL;
    close(fd);
    return xml;
}

int vk_qemu_save_image_define_xml(struct vk_qemu_driver *drv, const char *path,
                                  const char *dxml, unsigned flags)
{
    (void)drv;
    if (vk_qemu_save_check_flags(flags) < 0)
        return -1;
    if (!path || !*path || !dxml)
        return vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU,
                            "save file path or domain XML is missing");
    return rewrite_image(path, dxml, flags);
}

/* The managed image of a domain (with its job held), or NULL with an error. */
static char *managed_path(struct vk_qemu_dom *dom)
{
    if (!vk_qemu_managed_save_exists(dom->drv, dom->name)) {
        vk_error_set(VK_ERR_OPERATION_INVALID, VK_FROM_QEMU,
                     "domain '%s' does not have a managed save image", dom->name);
        return NULL;
    }
    return vk_qemu_managed_save_path(dom->drv, dom->name);
}

char *vk_qemu_managed_save_get_xml(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                   unsigned flags)
{
    if (flags & ~VK_SAVE_IMAGE_XML_SECURE) {
        vk_error_set(VK_ERR_INVALID_ARG, VK_FROM_QEMU, "unsupported flags 0x%x",
                     flags & ~VK_SAVE_IMAGE_XML_SECURE);
        return NULL;
    }
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return NULL;
    char *path = managed_path(dom);
    char *xml = path ? vk_qemu_save_image_get_xml(drv, path, 0) : NULL;
    free(path);
    vk_qemu_job_end(dom);
    return xml;
}

int vk_qemu_managed_save_define_xml(struct vk_qemu_driver *drv, const uint8_t *uuid,
                                    const char *dxml, unsigned flags)
{
    if (vk_qemu_save_check_flags(flags) < 0)
        return -1;
    struct vk_qemu_dom *dom = vk_qemu_job_begin(drv, uuid);
    if (!dom)
        return -1;
    char *path = managed_path(dom);
    /* No XML: only the running/paused choice changes (virsh managedsave-define
     * always sends one; the API allows none). */
    int ret = path ? rewrite_image(path, dxml, flags) : -1;
    free(path);
    vk_qemu_job_end(dom);
    return ret;
}
