# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Filters of the kubernetes phase (logic in module_utils: kubeadm, node_pools, k8s_upgrade, toml_writer)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.onprem.coder.plugins.module_utils.k8s_upgrade import (
    UpgradeError, check_versions, kubelet_versions, order, playbook_view)
from ansible_collections.onprem.coder.plugins.module_utils.kubeadm import (
    KUBELET_PATCH_FILE, KubeadmError, inventory_errors, kubeadm_documents, kubelet_patch, static_pod_changes)
from ansible_collections.onprem.coder.plugins.module_utils import node_pools
from ansible_collections.onprem.coder.plugins.module_utils.k8s_manifests import (
    ManifestError, calico_with_pod_cidr, containerd_hosts, metallb_pool, metallb_with_tolerations, network_policies, refused_storage_classes, storage_class)
from ansible_collections.onprem.coder.plugins.module_utils.containerd import advice as containerd_version_advice
from ansible_collections.onprem.coder.plugins.module_utils.toml_writer import TomlError, to_toml


def kubeadm_config(node, **kwargs):
    """The documents of one node's kubeadm file; a bad input raises with the variable named."""
    try:
        return kubeadm_documents(node_name=node, **kwargs)
    except KubeadmError as exc:
        raise AnsibleFilterError(str(exc))


def containerd_advice(containerd_version, kubernetes_version):
    """'' when the containerd version suits the Kubernetes version, else what to do (module_utils/containerd.py)."""
    return containerd_version_advice(containerd_version, kubernetes_version)


def kubeadm_kubelet_patch(kubelet_overrides):
    """{file, patch}: a joining node's kubelet overrides as the patch file kubeadm join applies."""
    return {"file": KUBELET_PATCH_FILE, "patch": kubelet_patch(kubelet_overrides or {})}


def kubeadm_static_pod_changes(running, desired):
    return static_pod_changes(running or {}, desired or {})


def kubernetes_inventory_errors(groups, settings):
    """The inventory checks of kubeadm.py, plus storage and load balancer inputs."""
    settings = dict(settings)
    errors = inventory_errors(dict(groups), settings)
    driver = settings.get("onprem_coder_storage_driver", "nfs")
    try:
        storage_class(driver, settings.get("onprem_coder_storage_nfs" if driver == "nfs" else "onprem_coder_storage_cephfs"))
    except ManifestError as exc:
        errors.append(str(exc).replace("storage_driver:", "onprem_coder_storage_driver:", 1)
                      .replace("storage_nfs_", "onprem_coder_storage_nfs.", 1).replace("storage_cephfs_", "onprem_coder_storage_cephfs.", 1))
    try:
        metallb_pool(settings.get("onprem_coder_loadbalancer_addresses"), mode=settings.get("onprem_coder_loadbalancer_mode", "l2"),
                     peers=settings.get("onprem_coder_loadbalancer_bgp_peers"))
    except ManifestError as exc:
        errors.append(str(exc).replace("metallb_addresses:", "onprem_coder_loadbalancer_addresses:", 1)
                      .replace("metallb_mode:", "onprem_coder_loadbalancer_mode:", 1)
                      .replace("metallb_bgp_peers", "onprem_coder_loadbalancer_bgp_peers", 1))
    return errors


def toml(data):
    try:
        return to_toml(data)
    except TomlError as exc:
        raise AnsibleFilterError(str(exc))


def containerd_registry_hosts(registry, mirrors):
    return _manifest(containerd_hosts, registry, mirrors)


def containerd_registry_files(mirrors, directory):
    """onprem.coder.files entries of every registry's mirrors: its directory under ``directory``
    and its hosts.toml, registries in name order (root-owned, 0755 and 0644)."""
    entries = []
    for registry in sorted(mirrors or {}):
        folder = "%s/%s" % (directory.rstrip("/"), registry)
        entries.append({"path": folder, "state": "directory", "owner": "root", "group": "root", "mode": "0755"})
        entries.append({"path": folder + "/hosts.toml", "content": toml(containerd_registry_hosts(registry, mirrors[registry])),
                        "owner": "root", "group": "root", "mode": "0644"})
    return entries


def k8s_upgrade_order(control_planes, pools, current, target, batch_sizes=None, nodes=None, host_vars=None):
    """{'steps': [...], 'hosts': {...}, 'batch': {...}} or {'error': message} to assert on.

    nodes: the Node objects from the API (their kubelet versions say which hosts are done);
    host_vars: hostvars, for each host's node name (onprem_coder_node_name, default the host).
    """
    hosts = list(control_planes) + [host for members in pools.values() for host in members]
    node_names = {}
    for host in hosts:
        try:
            node_names[host] = (host_vars or {})[host].get("onprem_coder_node_name") or host
        except Exception:  # a host without variables, or an undefined template inside one
            node_names[host] = host
    versions = kubelet_versions(nodes or [], hosts, node_names)
    try:
        check_versions(current, target)
        steps = order(control_planes, pools, batch_sizes or {}, target=target, server_version=current,
                      node_versions=versions)
    except UpgradeError as exc:
        return {"error": str(exc)}
    result = {"steps": steps}
    result.update(playbook_view(steps))
    return result


def _manifest(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except ManifestError as exc:
        raise AnsibleFilterError(str(exc))


def k8s_storage_class(driver, settings, **kwargs):
    return _manifest(storage_class, driver, settings, **kwargs)


def k8s_refused_storage_classes(classes):
    return refused_storage_classes(classes)


def k8s_metallb_pool(addresses, **kwargs):
    return _manifest(metallb_pool, addresses, **kwargs)


def k8s_network_policies(namespace, database_cidrs, api_cidrs, **kwargs):
    return _manifest(network_policies, namespace, database_cidrs, api_cidrs, **kwargs)


def k8s_metallb(documents):
    return _manifest(metallb_with_tolerations, list(documents))


def k8s_calico(documents, pod_cidr):
    return _manifest(calico_with_pod_cidr, list(documents), pod_cidr)


def node_pool(host, groups):
    """The pool a host's node belongs to (coder, provisioner, workspace), or '' (a control plane only)."""
    return node_pools.pool_of(host, groups)


def node_pool_spec(host, groups, definitions, host_labels=None, host_taints=None):
    try:
        return node_pools.host_pool_spec(host, groups, definitions, host_labels, host_taints)
    except node_pools.NodePoolError as err:
        raise AnsibleFilterError(str(err))


class FilterModule(object):
    def filters(self):
        return {
            "node_pool": node_pool,
            "node_pool_members": node_pools.pool_members,
            "node_pool_hosts": node_pools.pool_hosts,
            "node_pool_definitions": node_pools.pool_definitions,
            "node_pool_registration_taints": node_pools.registration_taints,
            "node_pool_spec": node_pool_spec,
            "kubeadm_config": kubeadm_config,
            "to_toml": toml,
            "kubernetes_inventory_errors": kubernetes_inventory_errors,
            "kubeadm_static_pod_changes": kubeadm_static_pod_changes,
            "kubeadm_kubelet_patch": kubeadm_kubelet_patch,
            "containerd_advice": containerd_advice,
            "containerd_registry_hosts": containerd_registry_hosts,
            "containerd_registry_files": containerd_registry_files,
            "k8s_upgrade_order": k8s_upgrade_order,
            "k8s_storage_class": k8s_storage_class,
            "k8s_refused_storage_classes": k8s_refused_storage_classes,
            "k8s_metallb_pool": k8s_metallb_pool,
            "k8s_network_policies": k8s_network_policies,
            "k8s_calico": k8s_calico,
            "k8s_metallb": k8s_metallb,
        }
