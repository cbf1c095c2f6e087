#!/usr/bin/env bash
# Build the lab host image once: Debian 12 (bookworm) with systemd, made with debootstrap
# and imported into podman, because no registry is reachable from the build machines.
# Idempotent: does nothing when the image already exists (set LAB_REBUILD=1 to force).
set -euo pipefail

# Ansible sends each module run as a zip, and Python compiles what it imports from a zip
# (ansible.module_utils.basic included) on every run: zipimport keeps no bytecode. The test
# bed's Pythons keep it, per user, keyed by the bytecode version, the path in the zip and the
# source, so the code that runs is the code sent, compiled once (docs/lab.md): the lab image's
# (module runs on the lab hosts) and the tool chain's virtual environment (module runs on the
# controller; make venv calls this script with --pyc-hook). A real host or controller compiles
# it each time; nothing else differs. Other virtual environments (the execution environment's)
# do not load it.
# pyc_hook SITE_PACKAGES CACHE_DIR: the hook module and the .pth file that loads it.
pyc_hook() {
  sed "s|@CACHE@|$2|g" >"$1/onprem_coder_lab_pyc.py" <<'PYTHON'
"""The test bed only (tests/lab/build-image.sh): bytecode of the code imported from zip files,
kept under @CACHE@ (one 0700 directory per user and Python version,
used only when the user owns it), keyed by the SHA-256 of Python's bytecode version, the path
inside the zip and the source."""
import hashlib
import importlib.util
import marshal
import os
import stat
import sys
import zipimport

DIRECTORY = "@CACHE@/%d-%s" % (os.getuid(), sys.implementation.cache_tag)
COMPILE = zipimport._compile_source


def named(code, filename):
    """code, and the code objects in it, with this run's file name (tracebacks name it)."""
    consts = tuple(named(item, filename) if isinstance(item, type(code)) else item for item in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def compile_cached(pathname, source):
    try:
        inner = pathname.rsplit(".zip" + os.sep, 1)[-1]
        key = importlib.util.MAGIC_NUMBER + inner.encode() + b"\0" + source
        path = os.path.join(DIRECTORY, hashlib.sha256(key).hexdigest())
    except (TypeError, UnicodeError):
        return COMPILE(pathname, source)
    try:
        os.makedirs(DIRECTORY, mode=0o700, exist_ok=True)
        info = os.lstat(DIRECTORY)
    except OSError:
        return COMPILE(pathname, source)
    if info.st_uid != os.getuid() or info.st_mode & 0o077 or not stat.S_ISDIR(info.st_mode):
        return COMPILE(pathname, source)   # only a directory of this user's own is trusted
    try:
        with open(path, "rb") as handle:
            return named(marshal.load(handle), pathname)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    code = COMPILE(pathname, source)
    try:
        part = "%s.%d" % (path, os.getpid())
        with open(part, "wb") as handle:
            marshal.dump(code, handle)
        os.replace(part, path)
    except OSError:
        pass
    return code


zipimport._compile_source = compile_cached
PYTHON
  echo "import onprem_coder_lab_pyc" >"$1/onprem-coder-lab-pyc.pth"
}

if [ "${1:-}" = "--pyc-hook" ]; then
  pyc_hook "$2" "$3"
  exit 0
fi

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
pyc_hook "$ROOTFS/usr/lib/python3/dist-packages" /var/cache/onprem-coder-lab/pyc
# Each user (root, postgres) makes its own 0700 directory in it, as in /tmp.
mkdir -p -m 1777 "$ROOTFS/var/cache/onprem-coder-lab/pyc"
chmod 1777 "$ROOTFS/var/cache/onprem-coder-lab/pyc"
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
