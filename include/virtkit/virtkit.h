/* libvirtkit: virtkit's client library.
 *
 * It speaks libvirt's remote protocol to virtkitd (or to any daemon that
 * speaks it) over a UNIX socket, and mirrors libvirt's public API with vk_
 * names: vk_connect_open() is virConnectOpen(), vk_domain_create() is
 * virDomainCreate(), and so on. Flag and state numbers are libvirt's.
 *
 * Errors: a function that fails returns -1 or NULL and sets the calling
 * thread's last error (vk_last_error()): a libvirt error code (for a server
 * error, the server's code and message, unchanged) and a message that names
 * the object and the fault.
 *
 * Ownership: strings returned as `char *` belong to the caller (free()).
 * Objects (vk_connect, vk_domain) are freed with their *_close / *_free
 * functions. A vk_domain keeps its connection alive: the socket is closed
 * when the connection and every domain obtained from it have been released.
 *
 * Threads: a connection may be shared between threads; calls on it are
 * serialised (one at a time on the socket). When the server speaks
 * keepalive, a small thread per connection answers its PINGs while no call
 * is running, so an idle connection stays open. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VK_UUID_BUFLEN 16        /* raw UUID bytes */
#define VK_UUID_STRING_BUFLEN 37 /* 36 characters and NUL */

typedef struct vk_connect vk_connect;
typedef struct vk_domain vk_domain;

/*--------------------------------------------------------------------------
 * Errors
 *------------------------------------------------------------------------*/

/* The calling thread's last error (never NULL; code 0 when none). The
 * struct is util/vk_error.h's: {int code; int domain; char message[]}. Use
 * the accessors below when that header is not at hand. */
struct vk_error;
const struct vk_error *vk_last_error(void);
/* libvirt's virErrorNumber, e.g. 42 = VIR_ERR_NO_DOMAIN; 0 when no error. */
int vk_last_error_code(void);
/* libvirt's virErrorDomain the error came from (e.g. 7 RPC, 10 QEMU). */
int vk_last_error_domain(void);
/* The message, e.g. "Domain not found: no domain with matching name 'x'". */
const char *vk_last_error_message(void);
void vk_reset_last_error(void);

/*--------------------------------------------------------------------------
 * Versions
 *------------------------------------------------------------------------*/

/* Version of this library, as major * 1,000,000 + minor * 1,000 + micro. */
unsigned long long vk_get_version(void);
/* The same as "major.minor.micro" (static string). */
const char *vk_get_version_string(void);

/*--------------------------------------------------------------------------
 * URIs
 *
 * libvirt's syntax: driver[+transport]://[host]/path[?param=value&...].
 * Supported: qemu:///system, qemu:///session, qemu+unix:///system and
 * ?socket=PATH to choose the socket. The default URI comes from the
 * environment variable VIRTKIT_DEFAULT_URI, else qemu:///system, whose
 * socket is /run/virtkit/virtkit-sock (virtkit-sock-ro when read-only).
 * qemu:///session uses $XDG_RUNTIME_DIR/virtkit/virtkit-sock (else
 * $HOME/.cache/virtkit/virtkit-sock). Remote transports (ssh, tls, tcp,
 * ...) and hosts are refused with an error naming them.
 *------------------------------------------------------------------------*/

struct vk_uri {
    char *uri;       /* the URI as given (or the default's text) */
    char *scheme;    /* "qemu" */
    char *transport; /* NULL or "unix" */
    char *path;      /* "/system" or "/session" */
    char *socket;    /* the UNIX socket to connect to */
    char *name;      /* what CONNECT_OPEN carries: "qemu:///system" */
};

/* Parses uri (NULL or "": the default URI) and resolves its socket for the
 * given open flags (VK_CONNECT_RO picks the read-only socket). Returns 0, or
 * -1 with the last error set (VIR_ERR_INVALID_ARG naming the bad part). */
int vk_uri_parse(const char *uri, unsigned int flags, struct vk_uri *out);
void vk_uri_clear(struct vk_uri *uri);
/* The default URI: $VIRTKIT_DEFAULT_URI or "qemu:///system". Static. */
const char *vk_uri_default(void);

/*--------------------------------------------------------------------------
 * Connections
 *------------------------------------------------------------------------*/

enum vk_connect_flags {
    VK_CONNECT_RO = 1, /* read-only socket; the server refuses changes */
};

/* Connects to the daemon named by uri (NULL: default) and runs libvirt's
 * opening sequence: AUTH_LIST, SUPPORTS_FEATURE(keepalive), CONNECT_OPEN. */
vk_connect *vk_connect_open(const char *uri, unsigned int flags);
/* Releases the caller's reference; the connection closes (CONNECT_CLOSE is
 * sent) when no domain refers to it any more. Returns the number of
 * references left (0 when closed), or -1. NULL is accepted. */
int vk_connect_close(vk_connect *conn);

/* Hypervisor type, e.g. "QEMU". */
char *vk_connect_get_type(vk_connect *conn);
/* Hypervisor version (major * 1,000,000 + minor * 1,000 + micro). */
int vk_connect_get_version(vk_connect *conn, unsigned long long *hv_ver);
/* The daemon's own version, same encoding. */
int vk_connect_get_lib_version(vk_connect *conn, unsigned long long *lib_ver);
char *vk_connect_get_hostname(vk_connect *conn);
/* The canonical URI of the connection, e.g. "qemu:///system". */
char *vk_connect_get_uri(vk_connect *conn);
/* Host security model; model "" when there is none. */
int vk_node_get_security_model(vk_connect *conn, char **model, char **doi);

/*--------------------------------------------------------------------------
 * Domains
 *------------------------------------------------------------------------*/

/* virDomainState */
enum vk_domain_state {
    VK_DOMAIN_NOSTATE = 0,
    VK_DOMAIN_RUNNING = 1,
    VK_DOMAIN_BLOCKED = 2,
    VK_DOMAIN_PAUSED = 3,
    VK_DOMAIN_SHUTDOWN = 4,
    VK_DOMAIN_SHUTOFF = 5,
    VK_DOMAIN_CRASHED = 6,
    VK_DOMAIN_PMSUSPENDED = 7,
};

/* virConnectListAllDomainsFlags; 0 means all domains. */
enum vk_list_domains_flags {
    VK_LIST_DOMAINS_ACTIVE = 1 << 0,
    VK_LIST_DOMAINS_INACTIVE = 1 << 1,
    VK_LIST_DOMAINS_PERSISTENT = 1 << 2,
    VK_LIST_DOMAINS_TRANSIENT = 1 << 3,
    VK_LIST_DOMAINS_RUNNING = 1 << 4,
    VK_LIST_DOMAINS_PAUSED = 1 << 5,
    VK_LIST_DOMAINS_SHUTOFF = 1 << 6,
    VK_LIST_DOMAINS_OTHER = 1 << 7,
    VK_LIST_DOMAINS_MANAGEDSAVE = 1 << 8,
    VK_LIST_DOMAINS_NO_MANAGEDSAVE = 1 << 9,
    VK_LIST_DOMAINS_AUTOSTART = 1 << 10,
    VK_LIST_DOMAINS_NO_AUTOSTART = 1 << 11,
    VK_LIST_DOMAINS_HAS_SNAPSHOT = 1 << 12,
    VK_LIST_DOMAINS_NO_SNAPSHOT = 1 << 13,
};

enum vk_domain_define_flags { VK_DOMAIN_DEFINE_VALIDATE = 1 };
/* virDomainCreateFlags (create, create_xml) */
enum vk_domain_create_flags {
    VK_DOMAIN_START_PAUSED = 1,
    VK_DOMAIN_START_AUTODESTROY = 2,
    VK_DOMAIN_START_BYPASS_CACHE = 4,
    VK_DOMAIN_START_FORCE_BOOT = 8,
    VK_DOMAIN_START_VALIDATE = 16,
};
enum vk_domain_destroy_flags { VK_DOMAIN_DESTROY_DEFAULT = 0, VK_DOMAIN_DESTROY_GRACEFUL = 1 };
enum vk_domain_undefine_flags {
    VK_DOMAIN_UNDEFINE_MANAGED_SAVE = 1,
    VK_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 2,
    VK_DOMAIN_UNDEFINE_NVRAM = 4,
    VK_DOMAIN_UNDEFINE_KEEP_NVRAM = 8,
};
enum vk_domain_xml_flags {
    VK_DOMAIN_XML_SECURE = 1,
    VK_DOMAIN_XML_INACTIVE = 2,
    VK_DOMAIN_XML_UPDATE_CPU = 4,
    VK_DOMAIN_XML_MIGRATABLE = 8,
};

/* virDomainInfo; memory in KiB, cpu_time in nanoseconds. */
struct vk_domain_info {
    int state; /* enum vk_domain_state */
    unsigned long long max_mem;
    unsigned long long memory;
    unsigned int nr_virt_cpu;
    unsigned long long cpu_time;
};

/* All domains matching flags (0: all) in *domains (free with
 * vk_domain_list_free); returns their number or -1. One round trip. */
int vk_connect_list_all_domains(vk_connect *conn, vk_domain ***domains, unsigned int flags);
void vk_domain_list_free(vk_domain **domains, int n);
/* States of n domains (of one connection) with all the GET_STATE calls in
 * flight at once, so n domains cost about one round trip. states[i] (and
 * reasons[i] when reasons is non-NULL) get -1 when that one domain failed
 * (e.g. it vanished after the listing). Returns 0, or -1 when the
 * connection failed. */
int vk_domain_get_states(vk_domain **domains, int n, int *states, int *reasons, unsigned int flags);

vk_domain *vk_domain_lookup_by_name(vk_connect *conn, const char *name);
vk_domain *vk_domain_lookup_by_uuid(vk_connect *conn, const unsigned char uuid[VK_UUID_BUFLEN]);
/* "8-4-4-4-12" hex, or 32 hex digits. */
vk_domain *vk_domain_lookup_by_uuid_string(vk_connect *conn, const char *uuid);
/* Running domains only: an inactive domain has no id. */
vk_domain *vk_domain_lookup_by_id(vk_connect *conn, int id);

vk_domain *vk_domain_define_xml(vk_connect *conn, const char *xml, unsigned int flags);
int vk_domain_undefine(vk_domain *dom, unsigned int flags);
/* Starts a defined domain (flags VK_DOMAIN_START_*); dom's id is updated. */
int vk_domain_create(vk_domain *dom, unsigned int flags);
/* Starts a transient domain from xml. */
vk_domain *vk_domain_create_xml(vk_connect *conn, const char *xml, unsigned int flags);
int vk_domain_destroy(vk_domain *dom, unsigned int flags);
int vk_domain_shutdown(vk_domain *dom, unsigned int flags);
int vk_domain_reboot(vk_domain *dom, unsigned int flags);
int vk_domain_suspend(vk_domain *dom);
int vk_domain_resume(vk_domain *dom);

char *vk_domain_get_xml_desc(vk_domain *dom, unsigned int flags);
int vk_domain_get_info(vk_domain *dom, struct vk_domain_info *info);
/* reason may be NULL; reasons are libvirt's per-state enums. */
int vk_domain_get_state(vk_domain *dom, int *state, int *reason, unsigned int flags);
/* 1 yes, 0 no, -1 error. */
int vk_domain_is_active(vk_domain *dom);
int vk_domain_is_persistent(vk_domain *dom);
int vk_domain_has_managed_save_image(vk_domain *dom, unsigned int flags);
int vk_domain_get_autostart(vk_domain *dom, int *autostart);
char *vk_domain_get_os_type(vk_domain *dom);
/* label "" when the domain has none. */
int vk_domain_get_security_label(vk_domain *dom, char **label, int *enforcing);
/* Messages about the domain (e.g. tainting); *msgs is a NULL-terminated
 * array (free each string and the array). Returns their number or -1. */
int vk_domain_get_messages(vk_domain *dom, char ***msgs, unsigned int flags);

/* Local accessors (no round trip). The id is the one last seen from the
 * server: -1 when inactive. */
int vk_domain_get_id(const vk_domain *dom);
const char *vk_domain_get_name(const vk_domain *dom);
const unsigned char *vk_domain_get_uuid(const vk_domain *dom);
void vk_domain_get_uuid_string(const vk_domain *dom, char buf[VK_UUID_STRING_BUFLEN]);
vk_connect *vk_domain_get_connect(const vk_domain *dom);
void vk_domain_free(vk_domain *dom);

/* Names of states and reasons as virsh prints them ("running", "shut off",
 * "booted", ...). Static strings; unknown values give "unknown"/"no state". */
const char *vk_domain_state_to_string(int state);
const char *vk_domain_state_reason_to_string(int state, int reason);

/*--------------------------------------------------------------------------
 * Feature "events": autostart, reset, domain events
 *------------------------------------------------------------------------*/

/* virDomainSetAutostart: persistent domains only. */
int vk_domain_set_autostart(vk_domain *dom, int autostart);
/* virDomainReset: a hard reset of the machine; flags must be 0. */
int vk_domain_reset(vk_domain *dom, unsigned int flags);

/* virDomainEventID: every id may be registered; virtkitd sends LIFECYCLE,
 * REBOOT, DEVICE_REMOVED and DEVICE_ADDED. */
enum vk_domain_event_id {
    VK_DOMAIN_EVENT_ID_LIFECYCLE = 0,
    VK_DOMAIN_EVENT_ID_REBOOT = 1,
    VK_DOMAIN_EVENT_ID_DEVICE_REMOVED = 15, /* feature "net" */
    VK_DOMAIN_EVENT_ID_DEVICE_ADDED = 19,
    VK_DOMAIN_EVENT_ID_JOB_COMPLETED = 21, /* feature "lifecycle": after a save */
    VK_DOMAIN_EVENT_ID_LAST = 27, /* libvirt 9.0's count */
};
/* virDomainEventType (LIFECYCLE); details are libvirt's numbers. */
enum vk_domain_event_type {
    VK_DOMAIN_EVENT_DEFINED = 0,
    VK_DOMAIN_EVENT_UNDEFINED = 1,
    VK_DOMAIN_EVENT_STARTED = 2,
    VK_DOMAIN_EVENT_SUSPENDED = 3,
    VK_DOMAIN_EVENT_RESUMED = 4,
    VK_DOMAIN_EVENT_STOPPED = 5,
    VK_DOMAIN_EVENT_SHUTDOWN = 6,
    VK_DOMAIN_EVENT_PMSUSPENDED = 7,
    VK_DOMAIN_EVENT_CRASHED = 8,
};
struct vk_domain_event {
    int callback_id;
    int event_id;   /* enum vk_domain_event_id */
    vk_domain *dom; /* valid during the callback only */
    int event;      /* LIFECYCLE: enum vk_domain_event_type */
    int detail;     /* LIFECYCLE: libvirt's detail number */
    const char *dev_alias; /* DEVICE_ADDED / DEVICE_REMOVED: the device's alias */
    struct vk_typed_param *params; /* JOB_COMPLETED: the job's stats (valid */
    int nparams;                   /* during the callback only) */
};
typedef void (*vk_domain_event_cb)(vk_connect *conn, const struct vk_domain_event *ev,
                                   void *opaque);
/* Registers cb for events of event_id on dom (NULL: every domain). Returns
 * the callback id (>= 0) or -1. Callbacks run only inside
 * vk_connect_domain_event_run, in its thread. */
int vk_connect_domain_event_register_any(vk_connect *conn, vk_domain *dom, int event_id,
                                         vk_domain_event_cb cb, void *opaque);
int vk_connect_domain_event_deregister_any(vk_connect *conn, int callback_id);
/* Waits up to timeout_ms (-1: until one arrives) for events and runs the
 * callbacks of all that arrived. Returns the number delivered (0 on
 * timeout), or -1 (connection broken). */
int vk_connect_domain_event_run(vk_connect *conn, int timeout_ms);
/* Names as virsh prints them: "lifecycle", "Started", "Booted", ... Static
 * strings; "unknown" for values they do not know. */
const char *vk_domain_event_id_to_string(int event_id);
const char *vk_domain_event_type_to_string(int event);
const char *vk_domain_event_detail_to_string(int event, int detail);

/*--------------------------------------------------------------------------
 * Feature "console": data streams and the domain console
 *------------------------------------------------------------------------*/

/* A bidirectional byte stream riding on the connection (libvirt's
 * virStream); the console of a domain is one. */
typedef struct vk_stream vk_stream;
/* virDomainConsoleFlags */
enum vk_domain_console_flags {
    VK_DOMAIN_CONSOLE_FORCE = 1, /* take over from another session */
    VK_DOMAIN_CONSOLE_SAFE = 2,
};
/* virDomainOpenConsole: a stream to the running domain's console (dev_name
 * NULL: the first console, else serial port; or "serial0", "console0", an
 * alias). Fails with "operation failed: Active console session exists for
 * this domain" when another session has it, unless forced. */
vk_stream *vk_domain_open_console(vk_domain *dom, const char *dev_name, unsigned int flags);
/* Queues nbytes for the other end; returns nbytes or -1. */
int vk_stream_send(vk_stream *st, const char *data, size_t nbytes);
/* Up to nbytes into buf, waiting at most timeout_ms (-1: until something
 * comes). Returns the byte count (> 0), 0 at the end of the stream (the
 * domain stopped), -2 when nothing came in time, -1 on error (e.g. the
 * console was taken over by a forced open: the server's error). */
int vk_stream_recv(vk_stream *st, char *buf, size_t nbytes, int timeout_ms);
/* Ends the stream normally (the server confirms) / at once. */
int vk_stream_finish(vk_stream *st);
int vk_stream_abort(vk_stream *st);
/* Aborts the stream if still open and frees it. NULL is accepted. */
void vk_stream_free(vk_stream *st);
/* The connection's socket, to poll() for readability beside other fds:
 * after it polls readable, vk_stream_recv(st, ..., 0) may return data (or
 * -2 when what arrived was something else). Data may also arrive without it
 * polling readable (another thread read the socket), so poll with a short
 * timeout. Never read or write it. */
int vk_stream_poll_fd(const vk_stream *st);

/* ---- Feature "stats": host info, capabilities, statistics, resources ---- */

struct vk_node_info {
    char model[32];          /* e.g. "x86_64" */
    unsigned long long memory; /* KiB */
    unsigned int cpus, mhz, nodes, sockets, cores, threads;
};
int vk_node_get_info(vk_connect *conn, struct vk_node_info *info);
/* The capabilities / domainCapabilities XML (caller frees); NULL arguments
 * mean the defaults. */
char *vk_connect_get_capabilities(vk_connect *conn);
char *vk_connect_get_domain_capabilities(vk_connect *conn, const char *emulator, const char *arch,
                                         const char *machine, const char *virttype,
                                         unsigned int flags);

/* virTypedParameterType */
enum {
    VK_TYPED_PARAM_INT = 1, VK_TYPED_PARAM_UINT = 2, VK_TYPED_PARAM_LLONG = 3,
    VK_TYPED_PARAM_ULLONG = 4, VK_TYPED_PARAM_DOUBLE = 5, VK_TYPED_PARAM_BOOLEAN = 6,
    VK_TYPED_PARAM_STRING = 7,
};
struct vk_typed_param {
    char *field;
    int type;
    union {
        int i;
        unsigned int ui;
        long long l;
        unsigned long long ul;
        double d;
        int b;
        char *s;
    } value;
};
void vk_typed_params_free(struct vk_typed_param *params, int n);

/* VIR_DOMAIN_STATS_* groups (0 = all) and VIR_CONNECT_GET_ALL_DOMAINS_STATS_*
 * flags (the list filters are the VK_LIST_DOMAINS_* values). */
enum {
    VK_DOMAIN_STATS_STATE = 1, VK_DOMAIN_STATS_CPU_TOTAL = 2, VK_DOMAIN_STATS_BALLOON = 4,
    VK_DOMAIN_STATS_VCPU = 8, VK_DOMAIN_STATS_INTERFACE = 16, VK_DOMAIN_STATS_BLOCK = 32,
};
#define VK_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS (1u << 31)
struct vk_domain_stats_record {
    vk_domain *dom;
    struct vk_typed_param *params;
    int nparams;
};
/* One call for every domain matching flags. Returns the record count (free
 * with vk_domain_stats_free) or -1. */
int vk_connect_get_all_domain_stats(vk_connect *conn, unsigned int stats, unsigned int flags,
                                    struct vk_domain_stats_record **out);
void vk_domain_stats_free(struct vk_domain_stats_record *recs, int n);

/* VIR_DOMAIN_MEMORY_STAT_* tags: 6 actual (balloon), 7 rss, ... */
struct vk_domain_memory_stat {
    int tag;
    unsigned long long val;
};
/* Returns how many were filled, or -1. */
int vk_domain_memory_stats(vk_domain *dom, struct vk_domain_memory_stat *stats,
                           unsigned int nr_stats, unsigned int flags);
/* How often (seconds, 0 = never) the guest reports memory statistics. */
int vk_domain_set_memory_stats_period(vk_domain *dom, int period, unsigned int flags);
/* Block stats of one disk (target or source path) as libvirt's typed
 * fields (rd_operations, rd_bytes, ...). Returns the count or -1. */
int vk_domain_block_stats(vk_domain *dom, const char *disk, struct vk_typed_param **params);
struct vk_domain_interface_stats {
    long long rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop;
};
int vk_domain_interface_stats(vk_domain *dom, const char *iface,
                              struct vk_domain_interface_stats *st);
/* cpu_time, user_time, system_time (ns) of the whole domain. */
int vk_domain_get_cpu_stats_total(vk_domain *dom, struct vk_typed_param **params);
/* Feature "tune": per host CPU times (virDomainGetCPUStats with start_cpu
 * >= 0). ncpus 0: returns the number of host CPUs. Else returns the number
 * of params for CPUs start_cpu.., *per_cpu per CPU (cpu_time, vcpu_time). */
int vk_domain_get_cpu_stats_percpu(vk_domain *dom, int start_cpu, int ncpus,
                                   struct vk_typed_param **params, int *per_cpu);
struct vk_vcpu_info {
    unsigned int number;
    int state; /* 1 running */
    unsigned long long cpu_time; /* ns */
    int cpu;
};
int vk_domain_get_vcpus(vk_domain *dom, struct vk_vcpu_info *info, int maxinfo);
/* VIR_DOMAIN_AFFECT_LIVE 1 / CONFIG 2; VIR_DOMAIN_VCPU_MAXIMUM and
 * VIR_DOMAIN_MEM_MAXIMUM 4. */
enum {
    VK_DOMAIN_AFFECT_CURRENT = 0, VK_DOMAIN_AFFECT_LIVE = 1, VK_DOMAIN_AFFECT_CONFIG = 2,
    VK_DOMAIN_VCPU_MAXIMUM = 4, VK_DOMAIN_MEM_MAXIMUM = 4,
};
int vk_domain_get_vcpus_flags(vk_domain *dom, unsigned int flags);
int vk_domain_set_memory_flags(vk_domain *dom, unsigned long long kib, unsigned int flags);
int vk_domain_set_vcpus_flags(vk_domain *dom, unsigned int nvcpus, unsigned int flags);

/* Feature "hotplug": attach / detach one device given as XML (<disk> for
 * now). The plain calls act on the running domain (libvirt's
 * virDomainAttachDevice); the _flags ones take VK_DOMAIN_AFFECT_LIVE /
 * _CONFIG (0: the current state). */
int vk_domain_attach_device(vk_domain *dom, const char *xml);
int vk_domain_detach_device(vk_domain *dom, const char *xml);
int vk_domain_attach_device_flags(vk_domain *dom, const char *xml, unsigned int flags);
int vk_domain_detach_device_flags(vk_domain *dom, const char *xml, unsigned int flags);
/* Changes a cdrom/floppy's media (change-media); flags as above plus
 * VK_DOMAIN_DEVICE_MODIFY_FORCE. */
enum { VK_DOMAIN_DEVICE_MODIFY_FORCE = 4 };
int vk_domain_update_device_flags(vk_domain *dom, const char *xml, unsigned int flags);

/* Feature "save": save/restore a running domain to a file, managed save
 * (the next vk_domain_create resumes from it), and the job of a running
 * save (type 0 none, 2 unbounded; operation 2 save, 3 restore). */
enum {
    VK_DOMAIN_SAVE_BYPASS_CACHE = 1,
    VK_DOMAIN_SAVE_RUNNING = 2,
    VK_DOMAIN_SAVE_PAUSED = 4,
};
typedef struct {
    int type;
    int operation;
    unsigned long long time_elapsed_ms;
    unsigned long long data_total, data_processed, data_remaining;
} vk_domain_job_info;
int vk_domain_save(vk_domain *dom, const char *to, const char *dxml, unsigned int flags);
int vk_domain_restore(vk_connect *conn, const char *from, const char *dxml, unsigned int flags);
int vk_domain_managed_save(vk_domain *dom, unsigned int flags);
int vk_domain_managed_save_remove(vk_domain *dom, unsigned int flags);
/* The domain XML inside a save image (caller frees), and its replacement by
 * an XML of the same guest (flags VK_DOMAIN_SAVE_RUNNING / _PAUSED also set
 * how restore resumes it); the managed-save image of dom likewise. */
char *vk_domain_save_image_get_xml(vk_connect *conn, const char *file, unsigned int flags);
int vk_domain_save_image_define_xml(vk_connect *conn, const char *file, const char *dxml,
                                    unsigned int flags);
char *vk_domain_managed_save_get_xml(vk_domain *dom, unsigned int flags);
int vk_domain_managed_save_define_xml(vk_domain *dom, const char *dxml, unsigned int flags);
int vk_domain_get_job_info(vk_domain *dom, vk_domain_job_info *info);
/* Feature "lifecycle": flags VK_DOMAIN_JOB_STATS_COMPLETED (the last
 * completed job: type 3) and _KEEP_COMPLETED (do not forget it). */
enum { VK_DOMAIN_JOB_STATS_COMPLETED = 1, VK_DOMAIN_JOB_STATS_KEEP_COMPLETED = 2 };
int vk_domain_get_job_info_flags(vk_domain *dom, unsigned int flags, vk_domain_job_info *info);
int vk_domain_abort_job(vk_domain *dom);

/* ---- Feature "tune": memtune, schedinfo (cgroups on the host) ----
 * flags: VK_DOMAIN_AFFECT_*. Each get returns the param count (free with
 * vk_typed_params_free) or -1. */
/* hard_limit, soft_limit, swap_hard_limit: ULLONG KiB, unlimited =
 * VK_DOMAIN_MEMORY_PARAM_UNLIMITED. */
#define VK_DOMAIN_MEMORY_PARAM_UNLIMITED 9007199254740991ULL
int vk_domain_get_memory_parameters(vk_domain *dom, struct vk_typed_param **params,
                                    unsigned int flags);
int vk_domain_set_memory_parameters(vk_domain *dom, const struct vk_typed_param *params, int n,
                                    unsigned int flags);
/* The scheduler's name (caller frees; "posix") and its parameter count. */
char *vk_domain_get_scheduler_type(vk_domain *dom, int *nparams);
int vk_domain_get_scheduler_parameters_flags(vk_domain *dom, struct vk_typed_param **params,
                                             unsigned int flags);
int vk_domain_set_scheduler_parameters_flags(vk_domain *dom, const struct vk_typed_param *params,
                                             int n, unsigned int flags);

#ifdef __cplusplus
}
#endif
