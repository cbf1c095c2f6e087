# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""A lock of the sha256 of every file the collection fetches (manifests), like a package lock.

A file fetched for the first time has its sha256 recorded; from then on, on every run and on
every controller that has the lock, the file must have that sha256. A checksum pinned in the
inventory wins over the lock and must match too. No Ansible imports: tested with pytest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_HEX = re.compile(r"^[0-9a-f]{64}$")


class ChecksumError(ValueError):
    pass


def normalise(value, name):
    """'sha256:<hex>' or '<hex>' -> 'sha256:<hex>'; empty -> None."""
    text = str(value or "").strip().lower()
    if not text:
        return None
    if text.startswith("sha256:"):
        text = text[len("sha256:"):]
    if not _HEX.match(text):
        raise ChecksumError("%s: %r is not a sha256 checksum (64 hex digits, optionally prefixed sha256:)" % (name, value))
    return "sha256:" + text


def check(lock, key, actual_hex, pinned=None, pinned_name="the pinned checksum", lock_name="the lock"):
    """(new lock, recorded) or raise ChecksumError naming what differs and how to accept it."""
    actual = normalise(actual_hex, "computed checksum")
    lock = dict(lock or {})
    wanted = normalise(pinned, pinned_name)
    if wanted and wanted != actual:
        raise ChecksumError("%s: the file has %s but %s is %s; the upstream file changed or was tampered with"
                            % (key, actual, pinned_name, wanted))
    locked = lock.get(key)
    if locked and normalise(locked, "%s in %s" % (key, lock_name)) != actual:
        if wanted:
            # the inventory pins the new content on purpose: the lock follows it
            lock[key] = actual
            return lock, True
        raise ChecksumError("%s: the file has %s but %s recorded %s when it was first fetched; if the change is "
                            "intended, pin the new checksum in the inventory or remove the entry from %s"
                            % (key, actual, lock_name, locked, lock_name))
    if locked:
        return lock, False
    lock[key] = actual
    return lock, True
