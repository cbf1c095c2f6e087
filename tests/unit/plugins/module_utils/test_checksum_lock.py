# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.checksum_lock import ChecksumError, check, normalise

A = "a" * 64
B = "b" * 64
URL = "https://example.invalid/calico.yaml"


def test_first_fetch_is_recorded_then_held():
    lock, recorded = check({}, URL, A)
    assert lock == {URL: "sha256:" + A} and recorded is True
    assert check(lock, URL, A) == (lock, False)
    with pytest.raises(ChecksumError, match="recorded sha256:a+ when it was first fetched.*remove the entry"):
        check(lock, URL, B, lock_name="build/x/checksums.lock.json")


def test_a_pin_wins_and_the_lock_follows_it():
    with pytest.raises(ChecksumError, match="cni_calico_manifest_checksum is sha256:b+"):
        check({}, URL, A, pinned="sha256:" + B, pinned_name="cni_calico_manifest_checksum")
    lock, recorded = check({URL: "sha256:" + A}, URL, B, pinned=B)
    assert lock == {URL: "sha256:" + B} and recorded is True


def test_other_entries_are_left_alone():
    lock, recorded = check({"other": "sha256:" + B}, URL, A)
    assert recorded is True
    assert lock == {"other": "sha256:" + B, URL: "sha256:" + A}


def test_checksum_forms():
    assert normalise("SHA256:" + A.upper(), "x") == "sha256:" + A
    assert normalise("", "x") is None
    with pytest.raises(ChecksumError, match="metallb_manifest_checksum: 'md5:123' is not a sha256"):
        normalise("md5:123", "metallb_manifest_checksum")


def test_the_published_default_pins_match_the_upstream_release_files():
    import hashlib
    import os
    import yaml
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
    upstream = os.path.join(root, "..", "shared", "upstream")
    if not os.path.isdir(upstream):
        pytest.skip("../shared/upstream (the exact release manifests) is not on this machine")

    def defaults(role):
        with open(os.path.join(root, "roles", role, "defaults", "main.yml")) as handle:
            return yaml.safe_load(handle)

    def sha(*parts):
        with open(os.path.join(upstream, *parts), "rb") as handle:
            return "sha256:" + hashlib.sha256(handle.read()).hexdigest()
    cni, metallb, storage = defaults("cni"), defaults("metallb"), defaults("storage")
    assert cni["cni_calico_known_checksums"][cni["cni_calico_version"]] == sha(
        "calico", cni["cni_calico_version"], "calico.yaml")
    assert metallb["metallb_known_checksums"][metallb["metallb_version"]] == sha(
        "metallb", metallb["metallb_version"], "metallb-native.yaml")
    pins = storage["storage_nfs_csi_known_checksums"][storage["storage_nfs_csi_version"]]
    assert len(pins) == 4
    for name, pin in pins.items():
        assert pin == sha("csi-driver-nfs", storage["storage_nfs_csi_version"], name), name
