#!/bin/bash
# Stock virsh against virtkitd: the commands a user runs on a domain's life,
# asserting the text virsh prints (as it prints it against libvirtd).
set -u
. "$(dirname "$0")/../lib/vk_daemon.sh"
vk_daemon_start

# version: QEMU's own version, as libvirtd reports it
qv=$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
vsh version
expect_ok version
expect_contains "Running hypervisor: QEMU $qv"
expect_contains "Using API: QEMU"

# empty list: header only
vsh list --all
expect_ok list
expect_line ' Id   Name   State'

# define
vk_domain_xml vk-life > "$ROOT/vk-life.xml"
vsh define "$ROOT/vk-life.xml"
expect_ok define
expect_contains "Domain 'vk-life' defined from $ROOT/vk-life.xml"

vsh list --all
expect_line ' -    vk-life   shut off'
vsh domstate vk-life
expect_line 'shut off'

vsh dominfo vk-life
expect_ok dominfo
expect_line 'Id:             -'
expect_line 'Name:           vk-life'
expect_line 'OS Type:        hvm'
expect_line 'State:          shut off'
expect_line 'Max memory:     65536 KiB'
expect_line 'Persistent:     yes'
expect_line 'Autostart:      disable'
expect_line 'Managed save:   no'

# start
vsh start vk-life
expect_ok start
expect_contains "Domain 'vk-life' started"
vsh list --all
expect_line ' [0-9]+    vk-life   running'
id=$(printf '%s\n' "$OUT" | awk '$2 == "vk-life" {print $1}')
[ -n "$(vk_status_pids)" ] || vk_fail "no QEMU recorded for a running domain"
vsh domid vk-life
expect_line "$id"
vsh dominfo vk-life
expect_line "Id:             $id"
expect_line 'State:          running'
expect_line 'CPU\(s\):         1'
expect_line 'CPU time:       [0-9.]+s'
expect_line 'Used memory:    65536 KiB'
vsh domstate vk-life
expect_line 'running'

vsh dumpxml vk-life
expect_ok dumpxml
expect_contains "<domain type='qemu' id='$id'>"
expect_contains "<name>vk-life</name>"

# suspend / resume
vsh suspend vk-life
expect_ok suspend
expect_contains "Domain 'vk-life' suspended"
vsh domstate vk-life
expect_line 'paused'
vsh list --all
expect_line " $id +vk-life   paused"
vsh resume vk-life
expect_ok resume
expect_contains "Domain 'vk-life' resumed"
vsh domstate vk-life
expect_line 'running'

# a second start is refused with libvirt's message
vsh start vk-life
expect_fail start-twice
expect_contains "error: Domain is already active"

# destroy
vsh destroy vk-life
expect_ok destroy
expect_contains "Domain 'vk-life' destroyed"
vsh domstate vk-life
expect_line 'shut off'

# start --paused
vsh start --paused vk-life
expect_ok start-paused
vsh domstate vk-life
expect_line 'paused'
vsh destroy vk-life
expect_ok destroy-paused

# undefine
vsh undefine vk-life
expect_ok undefine
expect_contains "Domain 'vk-life' has been undefined"
vsh list --all
case "$OUT" in *vk-life*) vk_fail "undefined domain still listed: $OUT" ;; esac
vsh dominfo vk-life
expect_fail dominfo-gone
expect_contains "failed to get domain 'vk-life'"

# create: a transient domain, gone once destroyed
vk_domain_xml vk-trans > "$ROOT/vk-trans.xml"
vsh create "$ROOT/vk-trans.xml"
expect_ok create
expect_contains "Domain 'vk-trans' created from $ROOT/vk-trans.xml"
vsh list --all
expect_line ' [0-9]+    vk-trans   running'
vsh dominfo vk-trans
expect_line 'Persistent:     no'
vsh destroy vk-trans
expect_ok destroy-transient
vsh list --all
case "$OUT" in *vk-trans*) vk_fail "transient domain listed after destroy: $OUT" ;; esac

echo "PASS: virsh lifecycle"
