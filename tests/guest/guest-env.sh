# Source this (bash) to build the test guest if needed and export where it is:
#   . tests/guest/guest-env.sh [GUEST_DIR]
# GUEST_DIR defaults to $VK_GUEST_DIR, else <repo>/build/tests/guest/out (meson's copy).
# Exports GUEST_DIR, GUEST_KERNEL, GUEST_INITRD, GUEST_CMDLINE ("console=ttyS0 quiet"),
# GUEST_KVER (kernel version in the readiness line) and GUEST_DOMAIN_XML_IN (the template;
# fill @NAME@, @GUEST_DIR@ and @SERIAL_LOG@). Returns non-zero if the build fails.
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
