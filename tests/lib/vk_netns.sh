# Feature "net" test helpers (source after vk_daemon.sh and guest-env.sh):
# a network namespace of the test's own with a bridge br0, where virtkitd
# (and so every QEMU and tap) runs, so the host's interfaces are never
# touched; removed after the daemon and QEMUs are gone, even on failure.
#
#   vk_netns_start [BR0_ADDRESS/PREFIX]   # NS, nsx, links; then vk_daemon_start
#   VK_NETNS_KILL="$pid ..."              # background clients to stop at cleanup
#   vk_wait_line FILE REGEX               # bounded wait for a line in FILE

vk_netns_cleanup() {
    local p
    for p in ${VK_NETNS_KILL:-}; do kill "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
}

nsx() { ip netns exec "$NS" "$@"; }
links() { nsx ip -o link show; }

vk_netns_start() {
    NS=vk-netif-$$
    VK_CLEANUP_HOOK=vk_netns_cleanup
    ip netns add "$NS" || vk_fail "cannot create network namespace $NS"
    trap vk_netns_cleanup EXIT # until vk_daemon_start installs its own (which calls it)
    nsx ip link set lo up
    nsx ip link add br0 type bridge || vk_fail "cannot create br0 in $NS"
    [ -z "${1:-}" ] || nsx ip addr add "$1" dev br0
    nsx ip link set br0 up
    VK_DAEMON_PREFIX="ip netns exec $NS"
}

# The test guest's shell over its unix-socket serial port (ROOT/serial.sock).
guest() { # timeout expect-regex command
    /usr/bin/python3 "$VK_TESTS_LIB/../integration/hotplug_serial.py" "$ROOT/serial.sock" "$@"
}

vk_wait_line() {
    for _ in $(seq 1 600); do
        grep -Eq "$2" "$1" && return 0
        sleep 0.1
    done
    vk_fail "no line matching '$2' in $1; got: $(cat "$1")"
}
VK_TESTS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
