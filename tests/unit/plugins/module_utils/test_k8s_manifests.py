# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The kubernetes phase's objects; core kinds validated against the Kubernetes JSON schemas of
the pinned minor version (kubernetes-validate, offline, strict: unknown fields fail)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.onprem.coder.plugins.module_utils.k8s_manifests import (
    ManifestError, metallb_pool, metallb_with_tolerations, network_policies, refused_storage_classes, storage_class)

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
    # csi-driver-nfs has no resizer: no promise of expansion; Ceph CSI expands
    assert nfs["allowVolumeExpansion"] is False and ceph["allowVolumeExpansion"] is True
    # a subDir always has one directory per volume
    sub = storage_class("nfs", {"server": "10.0.5.10", "share": "/exports", "subdir": "coder/"})
    assert sub["parameters"]["subDir"] == "coder/${pv.metadata.name}"
    templated = storage_class("nfs", {"server": "s", "share": "/e", "subdir": "${pvc.metadata.namespace}/${pvc.metadata.name}"})
    assert templated["parameters"]["subDir"] == "${pvc.metadata.namespace}/${pvc.metadata.name}"
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
    peer = {"address": "10.0.0.1", "asn": 64500, "my_asn": 64501, "holdTime": "90s"}
    bgp = metallb_pool(["10.0.1.0/28"], mode="bgp", peers=[peer])
    assert [item["kind"] for item in bgp] == ["IPAddressPool", "BGPAdvertisement", "BGPPeer"]
    assert bgp[2]["apiVersion"] == "metallb.io/v1beta2"
    assert bgp[2]["spec"] == {"peerAddress": "10.0.0.1", "peerASN": 64500, "myASN": 64501, "holdTime": "90s"}
    # BGP with no peer announces nothing: refused, naming the variable
    with pytest.raises(ManifestError, match="metallb_bgp_peers: expected a non-empty list"):
        metallb_pool(["10.0.1.0/28"], mode="bgp")
    with pytest.raises(ManifestError, match=r"metallb_bgp_peers\[0\]: my_asn not set"):
        metallb_pool(["10.0.1.0/28"], mode="bgp", peers=[{"address": "10.0.0.1", "asn": 64500}])
    for bad in ([], ["10.0.0.220-10.0.0.200"], ["ten"]):
        with pytest.raises(ManifestError, match="metallb_addresses"):
            metallb_pool(bad)


def test_network_policies_are_valid_and_allow_only_the_cva_flows():
    policies = network_policies("coder", ["10.0.3.100/32"], ["10.0.1.0/24"], egress_cidrs=["10.9.0.0/16"])
    assert all(valid(policy) for policy in policies)
    deny, ingress, metrics, egress, database, api = policies
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    # HTTP and, with TLS, HTTPS (the chart's 8443 behind Service port 443)
    assert ingress["spec"]["podSelector"] == {"matchLabels": {"onprem.coder/component": "coderd"}}
    assert ingress["spec"]["ingress"] == [{"ports": [{"protocol": "TCP", "port": 8080}, {"protocol": "TCP", "port": 8443}]}]
    # Prometheus of the observability bundle scrapes every pod's metrics port, nobody else does
    assert metrics["spec"]["podSelector"] == {}
    assert metrics["spec"]["ingress"] == [{"from": [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "coder-observability"}}}], "ports": [{"protocol": "TCP", "port": 2112}]}]
    # every pod: DNS, the HTTPS mirrors and the namespace's own pods, nothing else
    targets = [(rule.get("to"), rule.get("ports")) for rule in egress["spec"]["egress"]]
    assert ([{"ipBlock": {"cidr": "10.9.0.0/16"}}], [{"protocol": "TCP", "port": 443}]) in targets
    assert ([{"podSelector": {}}], None) in targets
    assert len(targets) == 3
    # only coderd reaches the database; only coderd and the provisioners the API
    assert database["spec"]["podSelector"] == {"matchLabels": {"onprem.coder/component": "coderd"}}
    assert database["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "10.0.3.100/32"}}], "ports": [{"protocol": "TCP", "port": 5000}]}]
    assert api["spec"]["podSelector"]["matchExpressions"] == [{"key": "onprem.coder/component", "operator": "In",
                                                               "values": ["coderd", "provisioner"]}]
    assert api["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "10.0.1.0/24"}}], "ports": [{"protocol": "TCP", "port": 6443}]}]
    external = network_policies("coder", ["10.7.0.5/32"], ["10.0.1.0/24"], database_port=6432)[4]
    assert external["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "10.7.0.5/32"}}], "ports": [{"protocol": "TCP", "port": 6432}]}]
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


UPSTREAM = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "shared", "upstream")


def taints_tolerated(tolerations, taints):
    def tolerates(taint):
        return any(item.get("key") == taint["key"] and item.get("operator") == "Exists"
                   and item.get("effect") in (None, taint["effect"]) for item in tolerations)
    return all(tolerates(taint) for taint in taints)


NODE_TAINTS = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
               {"key": "onprem.coder/pool", "value": "coder", "effect": "NoSchedule"},
               {"key": "onprem.coder/pool", "value": "workspace", "effect": "NoSchedule"}]


def test_metallb_controller_and_speaker_tolerate_every_node_taint():
    documents = [{"kind": "Deployment", "metadata": {"name": "controller"}, "spec": {"template": {"spec": {}}}},
                 {"kind": "DaemonSet", "metadata": {"name": "speaker"}, "spec": {"template": {"spec": {"tolerations": [
                     {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]}}}},
                 {"kind": "Namespace", "metadata": {"name": "metallb-system"}}, None]
    patched = metallb_with_tolerations(documents)
    assert [d["kind"] for d in patched] == ["Deployment", "DaemonSet", "Namespace"]
    for document in patched[:2]:
        tolerations = document["spec"]["template"]["spec"]["tolerations"]
        assert taints_tolerated(tolerations, NODE_TAINTS), tolerations
    # the speaker's own control-plane toleration is not repeated
    assert len(patched[1]["spec"]["template"]["spec"]["tolerations"]) == 2
    assert not taints_tolerated([], NODE_TAINTS)


def test_metallb_without_a_controller_or_speaker_is_refused():
    with pytest.raises(ManifestError, match="no controller Deployment"):
        metallb_with_tolerations([{"kind": "DaemonSet", "metadata": {"name": "speaker"}, "spec": {"template": {"spec": {}}}}])


def test_the_upstream_metallb_manifest_gets_the_tolerations():
    path = os.path.join(UPSTREAM, "metallb", "v0.14.9", "metallb-native.yaml")
    if not os.path.exists(path):
        pytest.skip("../shared/upstream (the exact MetalLB release manifest) is not on this machine")
    with open(path) as handle:
        documents = list(yaml.safe_load_all(handle))
    workloads = [d for d in metallb_with_tolerations(documents) if d.get("kind") in ("Deployment", "DaemonSet")]
    assert sorted(d["metadata"]["name"] for d in workloads) == ["controller", "speaker"]
    for document in workloads:
        assert taints_tolerated(document["spec"]["template"]["spec"]["tolerations"], NODE_TAINTS)
        assert valid(document)
