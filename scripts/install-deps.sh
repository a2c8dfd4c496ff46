#!/usr/bin/env bash
# Installs every build and test dependency of virtkit from Debian's packages.
# Idempotent: does nothing (quickly) when everything is already there.
set -euo pipefail

BUILD_PKGS=(
  build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
  libxml2-dev libjson-c-dev libtirpc-dev rpcsvc-proto libgnutls28-dev libmnl-dev
)
RUNTIME_PKGS=(
  qemu-system-x86 qemu-utils
)
# Test-only: the stock libvirt clients are our compatibility test clients,
# and the test guest is built from Debian's kernel and busybox.
TEST_PKGS=(
  libvirt-clients python3-libvirt
  linux-image-amd64 busybox-static cpio xz-utils zstd kmod
  tmux iproute2
)

missing=()
for p in "${BUILD_PKGS[@]}" "${RUNTIME_PKGS[@]}" "${TEST_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
# linux-image-amd64's postinst wants an initramfs tool; we never boot the host kernel,
# so skip recommends to keep the install small.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
