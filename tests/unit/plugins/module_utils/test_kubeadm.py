# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.kubeadm import (
    KubeadmError, args_list, kubeadm_documents, static_pod_changes)

CPS = ["10.0.0.11", "10.0.0.12", "10.0.0.13"]


def docs(role="init", **changes):
    args = dict(node_name="cp1", node_address="10.0.0.11", role=role, version="v1.31.4", endpoint="10.0.0.10:6443",
                control_plane_addresses=CPS, pod_cidr="10.244.0.0/16", service_cidr="10.96.0.0/12")
    args.update(changes)
    return {d["kind"]: d for d in kubeadm_documents(**args)}


def test_ha_init_has_the_endpoint_and_every_control_plane_in_cert_sans():
    result = docs()
    assert sorted(result) == ["ClusterConfiguration", "InitConfiguration", "KubeProxyConfiguration", "KubeletConfiguration"]
    cluster = result["ClusterConfiguration"]
    assert cluster["apiVersion"] == "kubeadm.k8s.io/v1beta4"
    assert cluster["controlPlaneEndpoint"] == "10.0.0.10:6443"
    assert cluster["apiServer"]["certSANs"] == ["10.0.0.10"] + CPS
    assert cluster["kubernetesVersion"] == "v1.31.4"
    assert result["InitConfiguration"]["localAPIEndpoint"]["advertiseAddress"] == "10.0.0.11"
    assert result["KubeletConfiguration"]["cgroupDriver"] == "systemd"


def test_v1beta4_args_are_lists_of_name_value_sorted_by_name():
    result = docs()
    assert result["ClusterConfiguration"]["controllerManager"]["extraArgs"] == [
        {"name": "bind-address", "value": "0.0.0.0"}, {"name": "profiling", "value": "false"}]
    assert result["InitConfiguration"]["nodeRegistration"]["kubeletExtraArgs"] == [{"name": "node-ip", "value": "10.0.0.11"}]
    expected = [{"name": "a", "value": "x"}, {"name": "a", "value": "y"}, {"name": "b", "value": "true"}]
    assert args_list({"b": True, "a": ["x", "y"]}) == expected
    with pytest.raises(KubeadmError):
        args_list([{"flag": "x"}])


def test_user_overrides_reach_any_field_and_args_stay_dicts_for_users():
    result = docs(cluster_overrides={"apiServer": {"extraArgs": {"audit-log-maxage": "30", "profiling": "true"}},
                                     "networking": {"dnsDomain": "corp.local"}},
                  kubelet_overrides={"maxPods": 200})
    cluster = result["ClusterConfiguration"]
    assert {"name": "audit-log-maxage", "value": "30"} in cluster["apiServer"]["extraArgs"]
    assert {"name": "profiling", "value": "true"} in cluster["apiServer"]["extraArgs"]
    assert {"name": "profiling", "value": "false"} not in cluster["apiServer"]["extraArgs"]
    assert cluster["networking"] == {"podSubnet": "10.244.0.0/16", "serviceSubnet": "10.96.0.0/12", "dnsDomain": "corp.local"}
    assert cluster["apiServer"]["certSANs"] == ["10.0.0.10"] + CPS      # untouched by the merge
    assert result["KubeletConfiguration"]["maxPods"] == 200


def test_single_control_plane_needs_no_endpoint():
    result = docs(control_plane_addresses=["10.0.0.11"], endpoint="")
    assert result["ClusterConfiguration"]["controlPlaneEndpoint"] == "10.0.0.11:6443"
    assert result["ClusterConfiguration"]["apiServer"]["certSANs"] == ["10.0.0.11"]


def test_joining_control_plane_and_worker():
    joining = docs(role="control-plane", node_name="cp2", node_address="10.0.0.12")
    # kubeadm join reads only the JoinConfiguration: nothing else goes into a join file
    assert sorted(joining) == ["JoinConfiguration"]
    assert "patches" not in joining["JoinConfiguration"]
    join = joining["JoinConfiguration"]
    assert join["discovery"]["bootstrapToken"]["apiServerEndpoint"] == "10.0.0.10:6443"
    assert join["controlPlane"]["localAPIEndpoint"]["advertiseAddress"] == "10.0.0.12"
    worker = docs(role="worker", node_name="ws1", node_address="10.0.1.5",
                  taints=[{"key": "onprem.coder/pool", "value": "workspace", "effect": "NoSchedule"}])
    assert sorted(worker) == ["JoinConfiguration"]
    assert "controlPlane" not in worker["JoinConfiguration"]
    assert worker["JoinConfiguration"]["nodeRegistration"]["taints"][0]["value"] == "workspace"


def test_a_joining_nodes_kubelet_overrides_reach_it_as_a_kubeadm_patch():
    from ansible_collections.onprem.coder.plugins.module_utils.kubeadm import KUBELET_PATCH_FILE, kubelet_patch
    worker = docs(role="worker", node_name="ws1", node_address="10.0.1.5", kubelet_overrides={"maxPods": 250},
                  patches_dir="/etc/kubernetes/patches")
    assert sorted(worker) == ["JoinConfiguration"]
    assert worker["JoinConfiguration"]["patches"] == {"directory": "/etc/kubernetes/patches"}
    assert kubelet_patch({"maxPods": 250}) == {"apiVersion": "kubelet.config.k8s.io/v1beta1",
                                               "kind": "KubeletConfiguration", "maxPods": 250}
    # kubeadm's patch file name: target kubeletconfiguration, strategic merge
    assert KUBELET_PATCH_FILE == "kubeletconfiguration+strategic.yaml"


def test_bad_input_names_the_variable():
    with pytest.raises(KubeadmError, match="kubernetes_api_endpoint is not set"):
        docs(endpoint="")
    with pytest.raises(KubeadmError, match="kubernetes_pod_cidr: 'ten' is not a network"):
        docs(pod_cidr="ten")
    with pytest.raises(KubeadmError, match="overlaps"):
        docs(pod_cidr="10.96.0.0/16")
    with pytest.raises(KubeadmError, match="v1.31.4"):
        docs(version="1.31")
    with pytest.raises(KubeadmError, match="kube_control_plane is empty"):
        docs(control_plane_addresses=[])


def test_changed_cluster_configuration_names_the_manifests_to_regenerate():
    running = docs()["ClusterConfiguration"]
    same = docs()["ClusterConfiguration"]
    assert static_pod_changes(running, same) == {"phases": [], "cert_sans_changed": False}
    # a list form in a different order is the same configuration
    reordered = dict(same, apiServer=dict(same["apiServer"], extraArgs=list(reversed(same["apiServer"]["extraArgs"]))))
    assert static_pod_changes(running, reordered)["phases"] == []
    flag = docs(cluster_overrides={"apiServer": {"extraArgs": {"audit-log-maxage": "30"}}})["ClusterConfiguration"]
    assert static_pod_changes(running, flag) == {"phases": ["apiserver"], "cert_sans_changed": False}
    sans = docs(extra_sans=["api.corp.example"])["ClusterConfiguration"]
    assert static_pod_changes(running, sans) == {"phases": ["apiserver"], "cert_sans_changed": True}
    sched = docs(cluster_overrides={"scheduler": {"extraArgs": {"v": "2"}}})["ClusterConfiguration"]
    assert static_pod_changes(running, sched)["phases"] == ["scheduler"]


def test_join_secrets_go_where_kubeadm_reads_them():
    join = docs(role="control-plane", node_name="cp2", node_address="10.0.0.12", join_token="abcdef.0123456789abcdef",
                ca_cert_hash="sha256:00ff", certificate_key="k" * 64)["JoinConfiguration"]
    assert join["discovery"]["bootstrapToken"]["token"] == "abcdef.0123456789abcdef"
    assert join["discovery"]["bootstrapToken"]["caCertHashes"] == ["sha256:00ff"]
    assert join["controlPlane"]["certificateKey"] == "k" * 64


GROUPS = {"kube_control_plane": ["cp1", "cp2", "cp3"], "coder_nodes": ["c1"], "provisioner_nodes": [], "workspace_nodes": ["w1"]}
SETTINGS = {"onprem_coder_kubernetes_api_vip": "10.0.0.10", "onprem_coder_kubernetes_api_vip_password": "s3cret"}


def test_kubernetes_inventory_checks_name_each_variable():
    from ansible_collections.onprem.coder.plugins.module_utils.kubeadm import inventory_errors
    assert inventory_errors(GROUPS, SETTINGS) == []
    found = inventory_errors(dict(GROUPS, kube_control_plane=["cp1", "cp2"], coder_nodes=[], workspace_nodes=["w1", "cp1"],
                                  provisioner_nodes=["w1"]),
                             {"onprem_coder_kubernetes_pod_cidr": "10.96.0.0/16", "onprem_coder_kubernetes_version": "1.31",
                              "onprem_coder_kubernetes_package_source": "internet"})
    assert "group kube_control_plane: 2 host(s) ['cp1', 'cp2'], expected 1 or an odd number (3, 5) for etcd's quorum" in found
    assert any(e.startswith("onprem_coder_kubernetes_api_vip: not set") for e in found)
    assert "onprem_coder_kubernetes_version: got '1.31', expected a version like v1.31.4" in found
    assert any(e.startswith("onprem_coder_kubernetes_package_source: got 'internet'") for e in found)
    assert any("overlaps onprem_coder_kubernetes_service_cidr" in e for e in found)
    assert any(e.startswith("group coder_nodes: empty") for e in found)
    assert "host w1: in both provisioner_nodes and workspace_nodes, expected one pool per node" in found
    long_password = dict(SETTINGS, onprem_coder_kubernetes_api_vip_password="far-too-long")
    assert inventory_errors(GROUPS, long_password) == [
        "onprem_coder_kubernetes_api_vip_password: 12 characters, expected 1-8 characters from Ansible Vault"]
    existing = inventory_errors(GROUPS, {"onprem_coder_kubernetes_provision": False})
    assert existing == ["onprem_coder_kubeconfig: not set, expected the path of a kubeconfig for the existing cluster "
                        "(onprem_coder_kubernetes_provision is false)"]
