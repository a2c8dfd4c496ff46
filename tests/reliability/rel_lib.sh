# Helpers of the reliability tests (source after tests/lib/vk_daemon.sh and
# vk_daemon_start).

# A tag unique to this run; every test domain name starts with it, so QEMUs
# of this run are recognisable by their -name guest=... argument.
rel_set_tag() {
    REL_TAG="rel${ROOT##*.}"
    export REL_TAG
}

# Pids of QEMUs of this run that no status file records (an orphan the
# daemon lost track of): vk_cleanup would not know them.
rel_untracked_qemus() {
    local p tracked
    tracked=" $(vk_status_pids | tr '\n' ' ') $VK_QEMU_PIDS "
    for p in $(pgrep -f "guest=$REL_TAG-" 2>/dev/null); do
        case "$tracked" in *" $p "*) ;; *) vk_is_qemu_pid "$p" && echo "$p" ;; esac
    done
}

# Kills such orphans on exit (by pid), then runs the shared cleanup.
rel_trap_orphans() {
    rel_set_tag
    trap 'rel_rc=$?; for p in $(rel_untracked_qemus); do kill -KILL "$p"; done; (exit $rel_rc); vk_cleanup' EXIT
}
