# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.onprem.coder.plugins.filter.kubernetes import containerd_registry_files, toml
from ansible_collections.onprem.coder.plugins.module_utils.k8s_manifests import containerd_hosts


def test_each_registry_is_its_directory_then_its_hosts_toml_in_name_order():
    mirrors = {"registry.k8s.io": ["https://k8s-mirror.corp.example"],
               "docker.io": ["https://mirror.corp.example", {"url": "https://m2:5000", "skip_verify": True}]}
    entries = containerd_registry_files(mirrors, "/etc/containerd/certs.d/")
    assert [(entry["path"], entry.get("state", "file")) for entry in entries] == [
        ("/etc/containerd/certs.d/docker.io", "directory"), ("/etc/containerd/certs.d/docker.io/hosts.toml", "file"),
        ("/etc/containerd/certs.d/registry.k8s.io", "directory"),
        ("/etc/containerd/certs.d/registry.k8s.io/hosts.toml", "file")]
    # the content the hosts.toml task wrote before, byte for byte
    assert entries[1]["content"] == toml(containerd_hosts("docker.io", mirrors["docker.io"]))
    assert 'skip_verify = true' in entries[1]["content"] and 'server = "https://registry-1.docker.io"' in entries[1]["content"]
    assert all(entry["owner"] == entry["group"] == "root" for entry in entries)
    assert [entry["mode"] for entry in entries] == ["0755", "0644", "0755", "0644"]


def test_no_mirrors_no_entries_and_a_bad_mirror_names_itself():
    assert containerd_registry_files({}, "/etc/containerd/certs.d") == []
    assert containerd_registry_files(None, "/etc/containerd/certs.d") == []
    with pytest.raises(AnsibleFilterError, match="not an http"):
        containerd_registry_files({"docker.io": ["mirror.corp"]}, "/etc/containerd/certs.d")
