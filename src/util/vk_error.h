/* One error type across virtkit: a libvirt error code (virErrorNumber, so
 * stock clients print the right thing), the domain it came from
 * (virErrorDomain) and a message that names the object and the fault.
 * The last error is thread-local: a function that fails sets it and returns
 * -1 or NULL; the caller at the boundary (RPC reply, CLI) reports it. */
#pragma once
#include <stdarg.h>

/* virErrorNumber values: numbering must stay libvirt's. */
enum vk_err_code {
    VK_ERR_OK = 0,
    VK_ERR_INTERNAL_ERROR = 1,
    VK_ERR_NO_MEMORY = 2,
    VK_ERR_NO_SUPPORT = 3,
    VK_ERR_UNKNOWN_HOST = 4,
    VK_ERR_NO_CONNECT = 5,
    VK_ERR_INVALID_CONN = 6,
    VK_ERR_INVALID_DOMAIN = 7,
    VK_ERR_INVALID_ARG = 8,
    VK_ERR_OPERATION_FAILED = 9,
    VK_ERR_GET_FAILED = 10,
    VK_ERR_POST_FAILED = 11,
    VK_ERR_HTTP_ERROR = 12,
    VK_ERR_SEXPR_SERIAL = 13,
    VK_ERR_NO_XEN = 14,
    VK_ERR_XEN_CALL = 15,
    VK_ERR_OS_TYPE = 16,
    VK_ERR_NO_KERNEL = 17,
    VK_ERR_NO_ROOT = 18,
    VK_ERR_NO_SOURCE = 19,
    VK_ERR_NO_TARGET = 20,
    VK_ERR_NO_NAME = 21,
    VK_ERR_NO_OS = 22,
    VK_ERR_NO_DEVICE = 23,
    VK_ERR_NO_XENSTORE = 24,
    VK_ERR_DRIVER_FULL = 25,
    VK_ERR_CALL_FAILED = 26,
    VK_ERR_XML_ERROR = 27,
    VK_ERR_DOM_EXIST = 28,
    VK_ERR_OPERATION_DENIED = 29,
    VK_ERR_OPEN_FAILED = 30,
    VK_ERR_READ_FAILED = 31,
    VK_ERR_PARSE_FAILED = 32,
    VK_ERR_CONF_SYNTAX = 33,
    VK_ERR_WRITE_FAILED = 34,
    VK_ERR_XML_DETAIL = 35,
    VK_ERR_INVALID_NETWORK = 36,
    VK_ERR_NETWORK_EXIST = 37,
    VK_ERR_SYSTEM_ERROR = 38,
    VK_ERR_RPC = 39,
    VK_ERR_GNUTLS_ERROR = 40,
    VK_WAR_NO_NETWORK = 41,
    VK_ERR_NO_DOMAIN = 42,
    VK_ERR_NO_NETWORK = 43,
    VK_ERR_INVALID_MAC = 44,
    VK_ERR_AUTH_FAILED = 45,
    VK_ERR_INVALID_STORAGE_POOL = 46,
    VK_ERR_INVALID_STORAGE_VOL = 47,
    VK_WAR_NO_STORAGE = 48,
    VK_ERR_NO_STORAGE_POOL = 49,
    VK_ERR_NO_STORAGE_VOL = 50,
    VK_WAR_NO_NODE = 51,
    VK_ERR_INVALID_NODE_DEVICE = 52,
    VK_ERR_NO_NODE_DEVICE = 53,
    VK_ERR_NO_SECURITY_MODEL = 54,
    VK_ERR_OPERATION_INVALID = 55,
    VK_WAR_NO_INTERFACE = 56,
    VK_ERR_NO_INTERFACE = 57,
    VK_ERR_INVALID_INTERFACE = 58,
    VK_ERR_MULTIPLE_INTERFACES = 59,
    VK_WAR_NO_NWFILTER = 60,
    VK_ERR_INVALID_NWFILTER = 61,
    VK_ERR_NO_NWFILTER = 62,
    VK_ERR_BUILD_FIREWALL = 63,
    VK_WAR_NO_SECRET = 64,
    VK_ERR_INVALID_SECRET = 65,
    VK_ERR_NO_SECRET = 66,
    VK_ERR_CONFIG_UNSUPPORTED = 67,
    VK_ERR_OPERATION_TIMEOUT = 68,
    VK_ERR_MIGRATE_PERSIST_FAILED = 69,
    VK_ERR_HOOK_SCRIPT_FAILED = 70,
    VK_ERR_INVALID_DOMAIN_SNAPSHOT = 71,
    VK_ERR_NO_DOMAIN_SNAPSHOT = 72,
    VK_ERR_INVALID_STREAM = 73,
    VK_ERR_ARGUMENT_UNSUPPORTED = 74,
    VK_ERR_STORAGE_PROBE_FAILED = 75,
    VK_ERR_STORAGE_POOL_BUILT = 76,
    VK_ERR_SNAPSHOT_REVERT_RISKY = 77,
    VK_ERR_OPERATION_ABORTED = 78,
    VK_ERR_AUTH_CANCELLED = 79,
    VK_ERR_NO_DOMAIN_METADATA = 80,
    VK_ERR_MIGRATE_UNSAFE = 81,
    VK_ERR_OVERFLOW = 82,
    VK_ERR_BLOCK_COPY_ACTIVE = 83,
    VK_ERR_OPERATION_UNSUPPORTED = 84,
    VK_ERR_SSH = 85,
    VK_ERR_AGENT_UNRESPONSIVE = 86,
    VK_ERR_RESOURCE_BUSY = 87,
    VK_ERR_ACCESS_DENIED = 88,
    VK_ERR_DBUS_SERVICE = 89,
    VK_ERR_STORAGE_VOL_EXIST = 90,
    VK_ERR_CPU_INCOMPATIBLE = 91,
    VK_ERR_XML_INVALID_SCHEMA = 92,
    VK_ERR_MIGRATE_FINISH_OK = 93,
    VK_ERR_AUTH_UNAVAILABLE = 94,
    VK_ERR_NO_SERVER = 95,
    VK_ERR_NO_CLIENT = 96,
    VK_ERR_AGENT_UNSYNCED = 97,
    VK_ERR_LIBSSH = 98,
    VK_ERR_DEVICE_MISSING = 99,
    VK_ERR_INVALID_NWFILTER_BINDING = 100,
    VK_ERR_NO_NWFILTER_BINDING = 101,
};

/* virErrorDomain values used by virtkit (libvirt's numbering). */
enum vk_err_domain {
    VK_FROM_NONE = 0,
    VK_FROM_XML = 5,
    VK_FROM_DOM = 6,
    VK_FROM_RPC = 7,
    VK_FROM_QEMU = 10,
    VK_FROM_CONF = 20, /* VIR_FROM_DOMAIN */
    VK_FROM_REMOTE = 13,
    VK_FROM_STORAGE = 18,
    VK_FROM_NETWORK = 19,
};

struct vk_error {
    int code;   /* enum vk_err_code */
    int domain; /* enum vk_err_domain */
    char message[1024];
};

/* Sets the calling thread's last error. Returns -1 so callers can write
 * `return vk_error_set(...)`. */
int vk_error_set(int code, int domain, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vk_error_setv(int code, int domain, const char *fmt, va_list ap);
/* Like vk_error_set with VK_ERR_SYSTEM_ERROR, appending ": strerror(errnum)". */
int vk_error_system(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The thread's last error (code VK_ERR_OK when none). Never NULL. */
const struct vk_error *vk_error_last(void);
void vk_error_reset(void);
/* Prefixes the current message with "prefix: " (e.g. "domain 'web1'"). */
void vk_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
