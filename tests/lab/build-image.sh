#!/usr/bin/env bash
# Build the lab host image once: Debian 12 (bookworm) with systemd, made with debootstrap
# and imported into podman, because no registry is reachable from the build machines.
# Idempotent: does nothing when the image already exists (set LAB_REBUILD=1 to force).
set -euo pipefail

# Tagged with this recipe's hash, so a changed recipe builds a new image by itself
# (tests/lab/tasks/hosts.yml computes the same tag).
IMAGE="localhost/onprem-coder-lab:$(sha1sum "$0" | cut -c1-12)"
MIRROR="${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOTFS="${LAB_ROOTFS_DIR:-/var/tmp/onprem-coder-lab-rootfs}"

if podman image exists "$IMAGE" && [ "${LAB_REBUILD:-0}" != 1 ]; then
  echo "lab image: $IMAGE already present"
  exit 0
fi

rm -rf "$ROOTFS"
mkdir -p "$ROOTFS"
echo "lab image: debootstrap bookworm into $ROOTFS (about a minute)"
debootstrap --variant=minbase \
  --include=python3,python3-apt,systemd,systemd-sysv,dbus,sudo,iproute2,procps,ca-certificates,iputils-ping,curl,gnupg,openssh-server \
  bookworm "$ROOTFS" "$MIRROR" >/var/tmp/onprem-coder-lab-debootstrap.log 2>&1 || {
    tail -20 /var/tmp/onprem-coder-lab-debootstrap.log; exit 1; }

# HTTPS from the build machines goes through a TLS-inspecting proxy: trust its CA inside.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/"
  chroot "$ROOTFS" update-ca-certificates >/dev/null
fi

# A container has no console or kernel to tune: mask the units that only fail there.
# dbus left a machine id in the tree; systemd would copy it into every container. Without
# it systemd makes one per container from the container_uuid podman passes.
rm -f "$ROOTFS/var/lib/dbus/machine-id"
ln -s /etc/machine-id "$ROOTFS/var/lib/dbus/machine-id"
for unit in systemd-remount-fs.service getty@tty1.service console-getty.service \
            systemd-udevd.service systemd-udev-trigger.service sys-kernel-debug.mount \
            systemd-modules-load.service; do
  ln -sf /dev/null "$ROOTFS/etc/systemd/system/$unit"
done
# Ansible reaches the hosts over SSH, as on a real site (pipelining, ControlPersist).
# Each container makes its own host keys at first boot.
rm -f "$ROOTFS"/etc/ssh/ssh_host_*
mkdir -p "$ROOTFS/etc/systemd/system/ssh.service.d"
cat >"$ROOTFS/etc/systemd/system/ssh.service.d/10-lab-hostkeys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
# Keep apt lean and quiet, and no docs in the image.
cat >"$ROOTFS/etc/apt/apt.conf.d/90lab" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
APT
echo "deb $MIRROR bookworm main" >"$ROOTFS/etc/apt/sources.list"
echo "deb $MIRROR bookworm-updates main" >>"$ROOTFS/etc/apt/sources.list"
chroot "$ROOTFS" apt-get clean
: >"$ROOTFS/etc/machine-id"    # a fresh id per container, made by systemd at boot

tar -C "$ROOTFS" -c . | podman import \
  --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'ENV container=podman' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  - "$IMAGE" >/dev/null
rm -rf "$ROOTFS"
echo "lab image: built $IMAGE"
