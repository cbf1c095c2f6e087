# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The kubernetes phase's objects; core kinds validated against the Kubernetes JSON schemas of
the pinned minor version (kubernetes-validate, offline, strict: unknown fields fail)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.k8s_manifests import (
    ManifestError, metallb_pool, network_policies, refused_storage_classes, storage_class)

kubernetes_validate = pytest.importorskip("kubernetes_validate")
K8S = "1.31.0"


def valid(manifest):
    kubernetes_validate.validate(manifest, K8S, strict=True)
    return True


def test_nfs_and_cephfs_storage_classes_are_valid_default_classes():
    nfs = storage_class("nfs", {"server": "10.0.5.10", "share": "/exports/coder"})
    assert valid(nfs)
    assert nfs["provisioner"] == "nfs.csi.k8s.io"
    assert nfs["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    ceph = storage_class("cephfs", {"cluster_id": "abc", "fs_name": "coderfs", "secret_name": "csi-cephfs"})
    assert valid(ceph)
    assert ceph["parameters"]["csi.storage.k8s.io/node-stage-secret-name"] == "csi-cephfs"


def test_local_and_hostpath_are_refused_quoting_the_cva():
    for driver in ("local", "hostPath", "rancher.io/local-path"):
        with pytest.raises(ManifestError, match="Coder Validated Architecture"):
            storage_class(driver, {})
    with pytest.raises(ManifestError, match="storage_nfs_share: not set"):
        storage_class("nfs", {"server": "nfs1"})
    existing = [{"metadata": {"name": "local-path"}, "provisioner": "rancher.io/local-path"},
                {"metadata": {"name": "nfs"}, "provisioner": "nfs.csi.k8s.io"}]
    assert refused_storage_classes(existing) == [("local-path", "rancher.io/local-path")]


def test_metallb_pool_shapes_and_input_checks():
    pool, adv = metallb_pool(["10.0.0.200-10.0.0.220", "10.0.1.0/28"])
    assert pool["kind"] == "IPAddressPool" and adv["kind"] == "L2Advertisement"
    assert adv["spec"]["ipAddressPools"] == [pool["metadata"]["name"]]
    assert metallb_pool(["10.0.1.0/28"], mode="bgp")[1]["kind"] == "BGPAdvertisement"
    for bad in ([], ["10.0.0.220-10.0.0.200"], ["ten"]):
        with pytest.raises(ManifestError, match="metallb_addresses"):
            metallb_pool(bad)


def test_network_policies_are_valid_and_allow_only_the_cva_flows():
    policies = network_policies("coder", ["10.0.3.100/32"], ["10.0.1.0/24"], egress_cidrs=["10.9.0.0/16"])
    assert all(valid(policy) for policy in policies)
    deny, ingress, egress = policies
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert ingress["spec"]["ingress"] == [{"ports": [{"protocol": "TCP", "port": 8080}]}]
    targets = [(rule.get("to"), rule.get("ports")) for rule in egress["spec"]["egress"]]
    assert ([{"ipBlock": {"cidr": "10.0.3.100/32"}}], [{"protocol": "TCP", "port": 5000}]) in targets
    assert ([{"ipBlock": {"cidr": "10.0.1.0/24"}}], [{"protocol": "TCP", "port": 6443}]) in targets
    assert ([{"ipBlock": {"cidr": "10.9.0.0/16"}}], [{"protocol": "TCP", "port": 443}]) in targets
    assert len(targets) == 5
    with pytest.raises(ManifestError, match="onprem_coder_database_cidrs"):
        network_policies("coder", [], ["10.0.1.0/24"])
    with pytest.raises(ManifestError, match="'x' is not a CIDR"):
        network_policies("coder", ["10.0.3.1/32"], ["x"])


def test_a_schema_violation_is_caught():
    broken = storage_class("nfs", {"server": "a", "share": "/b"})
    broken["reclaimPolicy"] = ["Delete"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S, strict=True)


def test_calico_gets_the_pod_network_and_stays_a_valid_daemonset():
    from ansible_collections.onprem.coder.plugins.module_utils.k8s_manifests import calico_with_pod_cidr
    daemonset = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "calico-node", "namespace": "kube-system"},
                 "spec": {"selector": {"matchLabels": {"k8s-app": "calico-node"}},
                          "template": {"metadata": {"labels": {"k8s-app": "calico-node"}},
                                       "spec": {"containers": [{"name": "calico-node", "image": "docker.io/calico/node:v3.29.1",
                                                                "env": [{"name": "CALICO_IPV4POOL_CIDR", "value": "192.168.0.0/16"},
                                                                        {"name": "IP", "value": "autodetect"}]}]}}}}
    out = calico_with_pod_cidr([{"kind": "ConfigMap", "metadata": {"name": "x"}}, None, daemonset], "10.244.0.0/16")
    assert len(out) == 2
    env = out[1]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "CALICO_IPV4POOL_CIDR", "value": "10.244.0.0/16"} in env
    assert len([item for item in env if item["name"] == "CALICO_IPV4POOL_CIDR"]) == 1
    assert valid(out[1])
    with pytest.raises(ManifestError, match="no calico-node DaemonSet"):
        calico_with_pod_cidr([{"kind": "ConfigMap"}], "10.244.0.0/16")
