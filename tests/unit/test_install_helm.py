# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""extensions/ee/install_helm.py, which the execution environment's build runs: it installs
helm only when the binary is the pinned one."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import io
import os
import sys
import tarfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "extensions", "ee"))
import install_helm  # noqa: E402


def tarball(binary, name="linux-amd64/helm"):
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz", compresslevel=1) as archive:
        info = tarfile.TarInfo(name)
        info.size = len(binary)
        archive.addfile(info, io.BytesIO(binary))
    return data.getvalue()


def test_the_default_source_is_the_pinned_release_on_get_helm_sh():
    assert install_helm.HELM_URL == "https://get.helm.sh/helm-v%s-linux-amd64.tar.gz" % install_helm.HELM_VERSION
    assert len(install_helm.HELM_SHA256) == 64


def test_another_binary_is_refused_with_both_digests(tmp_path):
    binary = b"#!/bin/sh\necho not helm\n"
    with pytest.raises(SystemExit) as stopped:
        install_helm.install(install_helm.helm_from_tarball(tarball(binary)), str(tmp_path / "helm"))
    assert hashlib.sha256(binary).hexdigest() in str(stopped.value)
    assert install_helm.HELM_SHA256 in str(stopped.value)
    assert not (tmp_path / "helm").exists() and not (tmp_path / "helm.part").exists()


def test_a_tarball_without_the_binary_is_refused():
    with pytest.raises(KeyError):
        install_helm.helm_from_tarball(tarball(b"x", name="darwin-arm64/helm"))


def test_the_pinned_binary_is_installed_executable(tmp_path):
    helm = os.path.join(os.path.dirname(sys.executable), "helm")    # make test's, from tests/get_helm.py
    if not os.path.exists(helm):
        pytest.skip("no helm beside the test's python (make helm installs it)")
    with open(helm, "rb") as handle:
        binary = handle.read()
    install_helm.install(install_helm.helm_from_tarball(tarball(binary)), str(tmp_path / "helm"))
    assert (tmp_path / "helm").read_bytes() == binary
    assert os.access(str(tmp_path / "helm"), os.X_OK)
