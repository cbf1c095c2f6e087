# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

tomllib = pytest.importorskip("tomllib")

from ansible_collections.onprem.coder.plugins.module_utils.toml_writer import TomlError, to_toml  # noqa: E402

CONTAINERD = {
    "version": 2,
    "plugins": {"io.containerd.grpc.v1.cri": {
        "sandbox_image": "registry.k8s.io/pause:3.10",
        "containerd": {"runtimes": {"runc": {"runtime_type": "io.containerd.runc.v2", "options": {"SystemdCgroup": True}}}},
        "registry": {"config_path": "/etc/containerd/certs.d"},
    }},
}


def test_containerd_config_round_trips_and_has_systemd_cgroup():
    text = to_toml(CONTAINERD)
    assert tomllib.loads(text) == CONTAINERD
    assert "SystemdCgroup = true" in text
    assert '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]' in text


def test_hosts_toml_with_quoted_keys_lists_and_arrays_of_tables():
    data = {"server": "https://registry-1.docker.io",
            "host": {"https://mirror.corp:5000": {"capabilities": ["pull", "resolve"], "skip_verify": False,
                                                  "header": {"X-Token": ["a"]}}},
            "mirrors": [{"name": "a", "weight": 1.5}, {"name": "b", "weight": 2}]}
    assert tomllib.loads(to_toml(data)) == data


def test_output_is_stable_whatever_the_key_order():
    assert to_toml({"b": 1, "a": {"y": 1, "x": 2}}) == to_toml({"a": {"x": 2, "y": 1}, "b": 1})


def test_what_toml_cannot_hold_is_refused():
    with pytest.raises(TomlError):
        to_toml([1, 2])
    with pytest.raises(TomlError, match="a.b"):
        to_toml({"a": {"b": object()}})


def test_registry_mirror_hosts_file():
    from ansible_collections.onprem.coder.plugins.module_utils.k8s_manifests import ManifestError
    from ansible_collections.onprem.coder.plugins.module_utils.k8s_manifests import containerd_hosts as containerd_registry_hosts
    hosts = containerd_registry_hosts("docker.io", ["https://mirror.corp.example", {"url": "https://m2:5000", "skip_verify": True}])
    assert hosts == {"server": "https://registry-1.docker.io",
                     "host": {"https://mirror.corp.example": {"capabilities": ["pull", "resolve"]},
                              "https://m2:5000": {"capabilities": ["pull", "resolve"], "skip_verify": True}}}
    assert 'capabilities = ["pull", "resolve"]' in to_toml(hosts)
    assert containerd_registry_hosts("registry.k8s.io", ["http://m"])["server"] == "https://registry.k8s.io"
    with pytest.raises(ManifestError, match="not an http"):
        containerd_registry_hosts("docker.io", ["mirror.corp"])
    with pytest.raises(ManifestError, match="non-empty list"):
        containerd_registry_hosts("docker.io", "https://m")
