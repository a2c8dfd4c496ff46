/* Names of domain states and reasons, worded exactly as virsh prints them
 * (list, domstate --reason, dominfo), so vksh output matches virsh's. */
#include "virtkit/virtkit.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *vk_domain_state_to_string(int state)
{
    static const char *const names[] = {"no state",    "running",  "idle",    "paused",
                                        "in shutdown", "shut off", "crashed", "pmsuspended"};
    if (state < 0 || state >= N(names))
        return "no state";
    return names[state];
}

const char *vk_domain_state_reason_to_string(int state, int reason)
{
    static const char *const running[] = {
        "unknown",       "booted",   "migrated",           "restored",
        "from snapshot", "unpaused", "migration canceled", "save canceled",
        "event wakeup",  "crashed",  "post-copy",          "post-copy failed"};
    static const char *const paused[] = {
        "unknown",   "user",        "migrating",     "saving",           "dumping",
        "I/O error", "watchdog",    "from snapshot", "shutting down",    "creating snapshot",
        "crashed",   "starting up", "post-copy",     "post-copy failed", "api error"};
    static const char *const shutdown[] = {"unknown", "user"};
    static const char *const shutoff[] = {"unknown", "shutdown",      "destroyed",
                                          "crashed", "migrated",      "saved",
                                          "failed",  "from snapshot", "daemon"};
    static const char *const crashed[] = {"unknown", "panicked"};
    const char *const *names = NULL;
    int n = 0;
    switch (state) {
    case VK_DOMAIN_RUNNING:
        names = running, n = N(running);
        break;
    case VK_DOMAIN_PAUSED:
        names = paused, n = N(paused);
        break;
    case VK_DOMAIN_SHUTDOWN:
        names = shutdown, n = N(shutdown);
        break;
    case VK_DOMAIN_SHUTOFF:
        names = shutoff, n = N(shutoff);
        break;
    case VK_DOMAIN_CRASHED:
        names = crashed, n = N(crashed);
        break;
    default: /* no state, blocked, pmsuspended: only "unknown" */
        break;
    }
    if (reason < 0 || reason >= n)
        return "unknown";
    return names[reason];
}
