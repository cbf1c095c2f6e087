# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""kubeadm configuration (kubeadm.k8s.io/v1beta4) assembled from plain dicts.

`kubeadm_documents()` returns the documents of one node's kubeadm configuration file:
InitConfiguration (first control plane) or JoinConfiguration (the others and workers),
ClusterConfiguration, KubeletConfiguration and KubeProxyConfiguration. Users change any
upstream field through per-kind override dicts merged recursively; `extraArgs` and
`kubeletExtraArgs` are written as dicts ({flag: value}) everywhere and turned into the
v1beta4 list form ([{name, value}]) here, so one flag is changed without list surgery.
No Ansible imports: tested with pytest directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
import re

from ansible_collections.onprem.coder.plugins.module_utils.dicts import merge
from ansible_collections.onprem.coder.plugins.module_utils.node_pools import POOL_GROUPS

KUBEADM_API = "kubeadm.k8s.io/v1beta4"
KUBELET_API = "kubelet.config.k8s.io/v1beta1"
KUBE_PROXY_API = "kubeproxy.config.k8s.io/v1alpha1"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


class KubeadmError(ValueError):
    pass


def args_list(args):
    """{flag: value} -> [{name, value}] (v1beta4), sorted by name; a list value repeats the flag."""
    if isinstance(args, list):      # already in list form: keep, but validate the shape
        for item in args:
            if not isinstance(item, dict) or set(item) != {"name", "value"}:
                raise KubeadmError("extraArgs list items must be {name, value}: %r" % (item,))
        return args
    result = []
    for name in sorted(args or {}):
        value = args[name]
        for item in (value if isinstance(value, list) else [value]):
            if isinstance(item, bool):
                item = "true" if item else "false"
            result.append({"name": str(name), "value": str(item)})
    return result


def _listify_args(node):
    """Every extraArgs / kubeletExtraArgs dict anywhere in a document, in list form."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("extraArgs", "kubeletExtraArgs"):
                out[key] = args_list(value)
            else:
                out[key] = _listify_args(value)
        return out
    if isinstance(node, list):
        return [_listify_args(item) for item in node]
    return node


def parse_version(version):
    match = _VERSION.match(str(version))
    if not match:
        raise KubeadmError("kubernetes version %r is not of the form v1.31.4" % (version,))
    return tuple(int(part) for part in match.groups())


def endpoint_host_port(endpoint, default_port=6443):
    """'10.0.0.10', '10.0.0.10:6443', 'api.example.com:8443', '[fd00::1]:6443' -> (host, port)."""
    endpoint = str(endpoint).strip()
    match = re.match(r"^\[([0-9a-fA-F:]+)\](?::(\d+))?$", endpoint)
    if match:
        return match.group(1), int(match.group(2) or default_port)
    if endpoint.count(":") == 1:
        host, port = endpoint.split(":")
        return host, int(port)
    return endpoint, default_port


def cert_sans(endpoint_host, control_plane_addresses, extra=None):
    """The endpoint, every control plane address, extras; no duplicates, order kept."""
    sans = []
    for item in [endpoint_host] + list(control_plane_addresses) + list(extra or []):
        if item and item not in sans:
            sans.append(item)
    return sans


def kubeadm_documents(node_name, node_address, role, version, endpoint, control_plane_addresses,
                      pod_cidr, service_cidr, cluster_name="coder", cri_socket="unix:///run/containerd/containerd.sock",
                      taints=None, extra_sans=None, init_overrides=None, cluster_overrides=None,
                      join_overrides=None, kubelet_overrides=None, kube_proxy_overrides=None,
                      join_token="", ca_cert_hash="", certificate_key="", patches_dir="/etc/kubernetes/onprem-coder-patches"):
    """The documents of one node's kubeadm file.

    role: 'init' (first control plane), 'control-plane' (joining control plane) or 'worker'.
    taints: registration-time taints (list of {key, value, effect}); None keeps kubeadm's
    default (the control-plane taint on control planes, none on workers).
    join_token, ca_cert_hash, certificate_key: the secrets of a join (the file holding them is
    written 0600 and never printed).

    ``kubeadm join`` reads only the JoinConfiguration of its file: a joining node's
    KubeletConfiguration comes from the cluster (what init wrote), and this node's
    ``kubelet_overrides`` reach it as a patch (``kubelet_patch``, written to ``patches_dir``,
    which the JoinConfiguration names).
    """
    if role not in ("init", "control-plane", "worker"):
        raise KubeadmError("role %r: expected init, control-plane or worker" % (role,))
    major, minor, patch = parse_version(version)
    if not control_plane_addresses:
        raise KubeadmError("group kube_control_plane is empty; expected 1 or 3+ control plane hosts")
    if len(control_plane_addresses) > 1 and not endpoint:
        raise KubeadmError("kubernetes_api_endpoint is not set; an HA control plane (%d hosts) needs a stable "
                           "address (VIP or DNS name) for controlPlaneEndpoint" % len(control_plane_addresses))
    for name, cidr in (("kubernetes_pod_cidr", pod_cidr), ("kubernetes_service_cidr", service_cidr)):
        try:
            ipaddress.ip_network(str(cidr))
        except ValueError:
            raise KubeadmError("%s: %r is not a network in CIDR form (e.g. 10.244.0.0/16)" % (name, cidr))
    if ipaddress.ip_network(str(pod_cidr)).overlaps(ipaddress.ip_network(str(service_cidr))):
        raise KubeadmError("kubernetes_pod_cidr %s overlaps kubernetes_service_cidr %s" % (pod_cidr, service_cidr))
    host, port = endpoint_host_port(endpoint or control_plane_addresses[0])
    version = "v%d.%d.%d" % (major, minor, patch)

    node_registration = {
        "name": node_name,
        "criSocket": cri_socket,
        "kubeletExtraArgs": {"node-ip": node_address},
    }
    if taints is not None:
        node_registration["taints"] = list(taints)

    documents = []
    if role == "init":
        documents.append(merge({
            "apiVersion": KUBEADM_API, "kind": "InitConfiguration",
            "localAPIEndpoint": {"advertiseAddress": node_address, "bindPort": port if not endpoint else 6443},
            "nodeRegistration": node_registration,
        }, init_overrides))
    else:
        join = {
            "apiVersion": KUBEADM_API, "kind": "JoinConfiguration",
            "discovery": {"bootstrapToken": {"apiServerEndpoint": "%s:%d" % (host, port),
                                             "token": join_token,
                                             "caCertHashes": [ca_cert_hash]}},
            "nodeRegistration": node_registration,
        }
        if role == "control-plane":
            join["controlPlane"] = {"localAPIEndpoint": {"advertiseAddress": node_address, "bindPort": 6443},
                                    "certificateKey": certificate_key}
        if kubelet_overrides:
            join["patches"] = {"directory": patches_dir}
        documents.append(merge(join, join_overrides))
        return [_listify_args(document) for document in documents]
    documents.append(merge(cluster_configuration(version, host, port, control_plane_addresses, pod_cidr,
                                                 service_cidr, cluster_name, extra_sans), cluster_overrides))
    documents.append(merge(dict(KUBELET_BASE), kubelet_overrides))
    if role == "init":
        documents.append(merge({
            "apiVersion": KUBE_PROXY_API, "kind": "KubeProxyConfiguration",
            "mode": "iptables",
            "clusterCIDR": str(pod_cidr),
        }, kube_proxy_overrides))
    return [_listify_args(document) for document in documents]


# The cluster's KubeletConfiguration, written by init into the kubelet-config ConfigMap that
# every joining node takes.
KUBELET_BASE = {"apiVersion": KUBELET_API, "kind": "KubeletConfiguration", "cgroupDriver": "systemd",
                "serverTLSBootstrap": False, "rotateCertificates": True}
# kubeadm's name for a patch of the KubeletConfiguration (target kubeletconfiguration, strategic).
KUBELET_PATCH_FILE = "kubeletconfiguration+strategic.yaml"


def kubelet_patch(kubelet_overrides):
    """This node's KubeletConfiguration overrides as the patch kubeadm join applies (patches_dir)."""
    return _listify_args(merge({"apiVersion": KUBELET_API, "kind": "KubeletConfiguration"}, kubelet_overrides))


def cluster_configuration(version, host, port, control_plane_addresses, pod_cidr, service_cidr, cluster_name,
                          extra_sans=None):
    return {
        "apiVersion": KUBEADM_API, "kind": "ClusterConfiguration",
        "clusterName": cluster_name,
        "kubernetesVersion": version,
        "controlPlaneEndpoint": "%s:%d" % (("[%s]" % host) if ":" in host else host, port),
        "networking": {"podSubnet": str(pod_cidr), "serviceSubnet": str(service_cidr), "dnsDomain": "cluster.local"},
        "apiServer": {
            "certSANs": cert_sans(host, control_plane_addresses, extra_sans),
            "extraArgs": {"profiling": "false"},
        },
        "controllerManager": {"extraArgs": {"profiling": "false", "bind-address": "0.0.0.0"}},
        "scheduler": {"extraArgs": {"profiling": "false", "bind-address": "0.0.0.0"}},
        "etcd": {"local": {"dataDir": "/var/lib/etcd"}},
        "certificateValidityPeriod": "8760h0m0s",
        "caCertificateValidityPeriod": "87600h0m0s",
    }


def static_pod_changes(running, desired):
    """Which control plane components need their static pod manifest regenerated.

    `running` and `desired` are ClusterConfiguration dicts (the one kubeadm stored in the
    kubeadm-config ConfigMap, and the rendered one). Returns the kubeadm phase names
    (`apiserver`, `controller-manager`, `scheduler`) whose section differs, and whether the
    certSANs differ (the apiserver certificate must then be regenerated too).
    """
    sections = {"apiServer": "apiserver", "controllerManager": "controller-manager", "scheduler": "scheduler"}
    changed = [phase for key, phase in sorted(sections.items(), key=lambda item: item[1])
               if _normal(running.get(key)) != _normal(desired.get(key))]
    sans = sorted((running.get("apiServer") or {}).get("certSANs") or []) != \
        sorted((desired.get("apiServer") or {}).get("certSANs") or [])
    return {"phases": changed, "cert_sans_changed": sans}


def _normal(section):
    section = _listify_args(copy.deepcopy(section or {}))
    for key in ("extraArgs",):
        if key in section:
            section[key] = sorted(section[key], key=lambda item: (item["name"], item["value"]))
    if "certSANs" in section:
        section["certSANs"] = sorted(section["certSANs"])
    return section


def inventory_errors(groups, settings):
    """Every problem of the kubernetes inventory, each naming the variable, value and expectation.

    `settings`: the onprem_coder_* values of the phase (missing ones take their defaults)."""
    errors = []
    get = settings.get
    provision = bool(get("onprem_coder_kubernetes_provision", True))
    control = list(groups.get("kube_control_plane") or [])
    if provision:
        if not control or len(control) % 2 == 0:
            errors.append("group kube_control_plane: %d host(s) %s, expected 1 or an odd number (3, 5) for etcd's quorum"
                          % (len(control), control))
        if len(control) > 1 and not (get("onprem_coder_kubernetes_api_vip") or get("onprem_coder_kubernetes_api_external")):
            errors.append("onprem_coder_kubernetes_api_vip: not set, expected a free address on the control planes' network "
                          "(or onprem_coder_kubernetes_api_external: host:port of your load balancer) for %d control planes"
                          % len(control))
        vip = get("onprem_coder_kubernetes_api_vip")
        if vip and not get("onprem_coder_kubernetes_api_external"):
            try:
                ipaddress.ip_address(str(vip))
            except ValueError:
                errors.append("onprem_coder_kubernetes_api_vip: got %r, expected an IP address" % (vip,))
            password = get("onprem_coder_kubernetes_api_vip_password") or ""
            if not password or len(str(password)) > 8:
                errors.append("onprem_coder_kubernetes_api_vip_password: %s, expected 1-8 characters from Ansible Vault"
                              % ("not set" if not password else "%d characters" % len(str(password))))
        version = get("onprem_coder_kubernetes_version")
        try:
            if version is not None:     # unset: the plan's default version
                parse_version(version)
        except KubeadmError:
            errors.append("onprem_coder_kubernetes_version: got %r, expected a version like v1.31.4" % (version,))
        source = get("onprem_coder_kubernetes_package_source", "pkgs-k8s-io")
        if source not in ("pkgs-k8s-io", "mirror", "offline"):
            errors.append("onprem_coder_kubernetes_package_source: got %r, expected pkgs-k8s-io, mirror or offline" % (source,))
    elif not get("onprem_coder_kubeconfig"):
        errors.append("onprem_coder_kubeconfig: not set, expected the path of a kubeconfig for the existing cluster "
                      "(onprem_coder_kubernetes_provision is false)")
    networks = {}
    for name, default in (("onprem_coder_kubernetes_pod_cidr", "10.244.0.0/16"),
                          ("onprem_coder_kubernetes_service_cidr", "10.96.0.0/12")):
        value = get(name, default)
        try:
            networks[name] = ipaddress.ip_network(str(value))
        except ValueError:
            errors.append("%s: got %r, expected a network in CIDR form" % (name, value))
    if len(networks) == 2 and networks["onprem_coder_kubernetes_pod_cidr"].overlaps(
            networks["onprem_coder_kubernetes_service_cidr"]):
        errors.append("onprem_coder_kubernetes_pod_cidr %s overlaps onprem_coder_kubernetes_service_cidr %s, expected "
                      "separate networks" % (networks["onprem_coder_kubernetes_pod_cidr"],
                                             networks["onprem_coder_kubernetes_service_cidr"]))
    for group in ("coder_nodes", "workspace_nodes"):
        if not groups.get(group):
            errors.append("group %s: empty, expected at least one node (the Coder Validated Architecture's %s pool)"
                          % (group, group.split("_", maxsplit=1)[0]))
    seen = {}
    for group in POOL_GROUPS:
        for host in groups.get(group) or []:
            if host in seen:
                errors.append("host %s: in both %s and %s, expected one pool per node" % (host, seen[host], group))
            seen[host] = group
    return errors
