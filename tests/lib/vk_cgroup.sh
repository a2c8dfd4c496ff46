# Shell helpers for tests of feature "tune": where a process's cgroup is,
# found as virtkitd finds it (mountinfo + /proc/PID/cgroup), never assumed.
# vk_daemon.sh sources this: its cleanup removes the groups of the QEMUs it
# kills (no daemon is left to do it).
#
#   cg_dir PID CTRL      directory of PID's group for cpu|cpuacct|memory
#                        (the domain group: a trailing /emulator is dropped)
#   cg_version CTRL      1 when CTRL is a v1 hierarchy, else 2
#   cg_mem_file WHICH    hard|soft|swap -> the file name for this host
#   cg_track PID         remembers PID's partition dirs for cg_cleanup
#   cg_cleanup           removes what a failed test left (groups, partitions)

cg_v1_mount() {
    awk -v c="$1" '{ for (i = 1; i <= NF; i++) if ($i == "-") {
        if ($(i + 1) == "cgroup") { n = split($(i + 3), o, ",");
            for (j = 1; j <= n; j++) if (o[j] == c) { print $5, $4; exit } }
        break } }' /proc/self/mountinfo
}
cg_v2_mount() {
    awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5, $4; exit } break } }' \
        /proc/self/mountinfo
}
cg_version() {
    [ -n "$(cg_v1_mount "$1")" ] && echo 1 || echo 2
}
cg_dir() {
    local pid=$1 ctrl=$2 mnt root path
    if [ "$(cg_version "$ctrl")" = 1 ]; then
        read -r mnt root < <(cg_v1_mount "$ctrl")
        path=$(awk -F: -v c="$ctrl" '{ n = split($2, o, ","); for (j = 1; j <= n; j++) if (o[j] == c) print $3 }' \
            "/proc/$pid/cgroup")
    else
        read -r mnt root < <(cg_v2_mount)
        path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    fi
    [ -n "$path" ] || return 1
    [ "$root" = / ] || path=${path#"$root"}
    path=${path%/emulator}
    echo "$mnt$path"
}
cg_mem_file() {
    if [ "$(cg_version memory)" = 1 ]; then
        case $1 in hard) echo memory.limit_in_bytes ;; soft) echo memory.soft_limit_in_bytes ;;
                   swap) echo memory.memsw.limit_in_bytes ;; esac
    else
        case $1 in hard) echo memory.max ;; soft) echo memory.high ;; swap) echo memory.swap.max ;; esac
    fi
}
CG_PARTITIONS=
cg_track() {
    local c d
    for c in cpu cpuacct memory; do
        d=$(cg_dir "$1" "$c") || continue
        # only a virtkit domain group: never anyone else's
        case "$d" in */virtkit*/dom-*) ;; *) continue ;; esac
        case " $CG_PARTITIONS " in *" ${d%/*} "*) ;; *) CG_PARTITIONS="$CG_PARTITIONS ${d%/*}" ;; esac
    done
}
cg_cleanup() {
    local p d i
    for p in $CG_PARTITIONS; do
        [ -d "$p" ] || continue
        # QEMUs killed by the test's cleanup leave their groups: wait for the
        # processes to be gone, then remove sub-groups, groups, the partition.
        for i in $(seq 1 100); do
            [ -z "$(cat "$p"/dom-*/cgroup.procs "$p"/dom-*/*/cgroup.procs 2>/dev/null)" ] && break
            sleep 0.1
        done
        for d in "$p"/dom-*/*/ "$p"/dom-*/; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
        rmdir "$p" 2>/dev/null
    done
}
