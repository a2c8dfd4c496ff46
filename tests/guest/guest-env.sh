# Source this (bash) to build the test guest if needed and export where it is:
#   . tests/guest/guest-env.sh [GUEST_DIR]
# GUEST_DIR defaults to $VK_GUEST_DIR, else <repo>/build/tests/guest/out (meson's copy).
# Exports GUEST_DIR, GUEST_KERNEL, GUEST_INITRD, GUEST_CMDLINE ("console=ttyS0 quiet"),
# GUEST_KVER (kernel version in the readiness line) and GUEST_DOMAIN_XML_IN (the template;
# fill @NAME@, @GUEST_DIR@ and @SERIAL_LOG@). Returns non-zero if the build fails.
# Defines vk_guest_xml (below) for tests that need the guest's shell on its serial port.
_vk_guest_src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GUEST_DIR=${1:-${VK_GUEST_DIR:-$_vk_guest_src/../../build/tests/guest/out}}
if bash "$_vk_guest_src/build.sh" "$GUEST_DIR"; then
  GUEST_DIR=$(cd "$GUEST_DIR" && pwd)
  export GUEST_DIR
  export GUEST_KERNEL=$GUEST_DIR/kernel
  export GUEST_INITRD=$GUEST_DIR/initrd.img
  GUEST_CMDLINE=$(cat "$GUEST_DIR/cmdline")
  GUEST_KVER=$(sed -n 's/^kernel //p' "$GUEST_DIR/stamp")
  export GUEST_CMDLINE GUEST_KVER
  export GUEST_DOMAIN_XML_IN=$_vk_guest_src/domain.xml.in
  unset _vk_guest_src
else
  unset _vk_guest_src
  echo "guest-env.sh: building the test guest failed" >&2
  false
fi

# vk_guest_xml NAME SERIAL [DEVICES]: prints a domain XML that boots the test guest with
# its root shell on ttyS0. SERIAL is 'pty' (serial plus console on a pty, what `console`
# attaches to) or 'unix:PATH' (a listening socket a test drives, see
# tests/integration/hotplug_serial.py). DEVICES is extra XML inside <devices>.
vk_guest_xml() {
  local name=$1 serial=$2 extra=${3:-} chr
  case "$serial" in
    pty) chr="    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>" ;;
    unix:*) chr="    <serial type='unix'>
      <source mode='bind' path='${serial#unix:}'/>
      <target port='0'/>
    </serial>" ;;
    *) echo "vk_guest_xml: serial must be pty or unix:PATH, not '$serial'" >&2; return 1 ;;
  esac
  cat <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$GUEST_KERNEL</kernel>
    <initrd>$GUEST_INITRD</initrd>
    <cmdline>$GUEST_CMDLINE</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
$chr${extra:+
$extra}
  </devices>
</domain>
XML
}
