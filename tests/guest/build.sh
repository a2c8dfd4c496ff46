#!/usr/bin/env bash
# Builds the virtkit test guest from Debian's packages (no network):
#   OUT/kernel      the kernel of linux-image-amd64 (/boot/vmlinuz-<ver>), decompressed to its
#                   ELF vmlinux when that has a PVH entry point: QEMU then boots it directly
#                   (-kernel takes a PVH ELF), which skips the in-guest decompression that
#                   costs seconds under TCG; otherwise the bzImage itself
#   OUT/initrd.img  a gzip'd cpio: busybox-static, init.sh as /init, the virtio, ACPI button
#                   and evdev modules of that kernel (with their dependencies, decompressed)
#   OUT/cmdline     the kernel command line to boot it with: "console=ttyS0 quiet"
#   OUT/stamp       what it was built from; a rebuild happens only when that changes
# Usage: build.sh [OUT]   (default: tests/guest/out). VK_GUEST_KVER picks a kernel version.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/out}
busybox=${VK_GUEST_BUSYBOX:-/bin/busybox}
cmdline="console=ttyS0 quiet"
# What the guest needs: the devices of domain.xml.in, the power button, evdev to read it,
# and pvpanic (ISA/PCI) so a guest panic reaches QEMU (on_crash tests).
wanted=(virtio_pci virtio_blk virtio_net virtio_console virtio_balloon virtio_rng button evdev
  pvpanic_mmio pvpanic_pci)

die() { echo "guest build: $*" >&2; exit 1; }

# The newest kernel that has its modules installed, unless one is asked for.
pick_kernel() {
  if [ -n "${VK_GUEST_KVER:-}" ]; then
    echo "$VK_GUEST_KVER"
    return
  fi
  local k ver best=
  for k in /boot/vmlinuz-*; do
    [ -e "$k" ] || continue
    ver=${k#/boot/vmlinuz-}
    [ -f "/lib/modules/$ver/modules.dep" ] || continue
    if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$best" "$ver" | sort -V | tail -n1)" = "$ver" ]; then
      best=$ver
    fi
  done
  [ -n "$best" ] || die "no /boot/vmlinuz-* with /lib/modules/<version>/modules.dep (install linux-image-amd64)"
  echo "$best"
}

kver=$(pick_kernel)
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -r "$kernel" ] || die "$kernel: not readable"
[ -r "$moddir/modules.dep" ] || die "$moddir/modules.dep: not readable"
[ -x "$busybox" ] || die "$busybox: not found (install busybox-static)"
file_is_static() { ! LC_ALL=C ldd "$1" >/dev/null 2>&1; }
file_is_static "$busybox" || die "$busybox is dynamically linked (install busybox-static)"
for tool in cpio gzip xz sha256sum flock; do
  command -v "$tool" >/dev/null || die "'$tool' not found"
done

hash_of() { sha256sum "$1" | cut -d' ' -f1; }
stamp_text="kernel $kver
vmlinuz $(hash_of "$kernel")
init $(hash_of "$here/init.sh")
udhcpc-script $(hash_of "$here/udhcpc.script")
build $(hash_of "$here/build.sh")
busybox $(hash_of "$busybox")
modules ${wanted[*]}"

mkdir -p "$out"
# Tests run in parallel: one builder at a time, the others then find it built.
exec 9>"$out/.lock"
flock 9
if [ -f "$out/stamp" ] && [ -f "$out/kernel" ] && [ -f "$out/initrd.img" ] &&
  [ "$(cat "$out/stamp")" = "$stamp_text" ]; then
  exit 0
fi
echo "guest build: building kernel $kver into $out" >&2

stage=$(mktemp -d "$out/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root

# --- modules: resolve dependencies from modules.dep, dependencies first ---
declare -A dep_of=() path_of=() done_mod=()
# Sets REPLY to a module's name as modprobe sees it (no directory, suffix, or dashes);
# no subshell: modules.dep has thousands of lines.
norm() { REPLY=${1##*/}; REPLY=${REPLY%%.ko*}; REPLY=${REPLY//-/_}; }
while IFS= read -r line; do
  p=${line%%:*}
  norm "$p"
  path_of[$REPLY]=$p
  dep_of[$REPLY]=${line#*:}
done <"$moddir/modules.dep"

order=()
add_module() { # $1 = normalized name; appends it after its dependencies
  local n=$1 d
  [ -z "${done_mod[$n]:-}" ] || return 0
  done_mod[$n]=1
  for d in ${dep_of[$n]}; do
    norm "$d"
    add_module "$REPLY"
  done
  order+=("${path_of[$n]}")
}
for w in "${wanted[@]}"; do
  norm "$w"
  n=$REPLY
  if [ -n "${path_of[$n]:-}" ]; then
    add_module "$n"
  elif grep -qE "/${n//_/[-_]}\.ko" "$moddir/modules.builtin" 2>/dev/null; then
    : # built into the kernel
  else
    die "module $w: neither in $moddir/modules.dep nor built in"
  fi
done

mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,root,etc,lib/modules/"$kver"}
: >"$root/etc/modules.list"
for p in "${order[@]}"; do
  src=$moddir/$p
  rel=${p%.ko*}.ko
  mkdir -p "$(dirname "$root/lib/modules/$kver/$rel")"
  # The guest's busybox insmod takes plain .ko files: decompress here, once.
  case $p in
  *.ko) cp "$src" "$root/lib/modules/$kver/$rel" ;;
  *.ko.xz) xz -dc "$src" >"$root/lib/modules/$kver/$rel" ;;
  *.ko.zst) zstd -qdc "$src" >"$root/lib/modules/$kver/$rel" ;;
  *.ko.gz) gzip -dc "$src" >"$root/lib/modules/$kver/$rel" ;;
  *) die "$src: unknown module compression" ;;
  esac
  echo "$kver/$rel" >>"$root/etc/modules.list"
done

# --- busybox and its applets ---
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$here/init.sh" "$root/init"
install -m 0755 "$here/udhcpc.script" "$root/etc/udhcpc.script"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf 'PS1="virtkit-guest# "\nexport PS1\n' >"$root/etc/profile"

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
  cpio --null -o -H newc --owner=0:0 --quiet) | gzip -9n >"$stage/initrd.img"
# A bzImage's payload is one compressed stream somewhere inside it: try each place where a known
# magic number starts until one decompresses to an ELF with a PVH entry (Xen note type 0x12).
extract_pvh_vmlinux() { # $1 = bzImage, $2 = output; fails if there is none
  local magic tool off notes
  command -v readelf >/dev/null || return 1
  for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
    tool=${magic%%:*}
    command -v "$tool" >/dev/null || continue
    for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$1" | cut -d: -f1); do
      # Trailing bytes after the stream make the decompressors complain: only the result counts.
      case $tool in
      xz) tail -c +$((off + 1)) "$1" | xz -dcq --single-stream >"$2" 2>/dev/null || true ;;
      zstd) tail -c +$((off + 1)) "$1" | zstd -dcq >"$2" 2>/dev/null || true ;;
      gzip) tail -c +$((off + 1)) "$1" | gzip -dcq >"$2" 2>/dev/null || true ;;
      esac
      [ "$(head -c 4 "$2" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || continue
      notes=$(LC_ALL=C readelf -nW "$2" 2>/dev/null) || continue
      grep -qE '^[[:space:]]*Xen[[:space:]]+0x[0-9a-f]+[[:space:]].*(0x00000012|PHYS32)' <<<"$notes" &&
        return 0
    done
  done
  rm -f "$2"
  return 1
}
if ! extract_pvh_vmlinux "$kernel" "$stage/kernel"; then
  echo "guest build: $kernel has no PVH ELF inside; using the bzImage (slower boot)" >&2
  cp "$kernel" "$stage/kernel"
fi
echo "$cmdline" >"$stage/cmdline"

rm -f "$out/vmlinuz" # older builds named the kernel so
mv -f "$stage/kernel" "$out/kernel"
mv -f "$stage/initrd.img" "$out/initrd.img"
mv -f "$stage/cmdline" "$out/cmdline"
# The stamp goes last: an interrupted build is never taken for a finished one.
printf '%s\n' "$stamp_text" >"$out/stamp.tmp"
mv -f "$out/stamp.tmp" "$out/stamp"
echo "guest build: $out/initrd.img is $(stat -c %s "$out/initrd.img") bytes, ${#order[@]} modules" >&2
