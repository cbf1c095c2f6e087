# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Kubernetes objects the kubernetes phase applies, built from inventory values.

Workspace storage (a CSI StorageClass), the MetalLB address pool and the network policies of
the Coder namespace. Pure functions, tested with pytest and validated against the Kubernetes
JSON schemas of the pinned version (kubernetes-validate) for the core kinds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

CVA_STORAGE = ("the Coder Validated Architecture asks for a CSI driver with dynamic provisioning and read/write "
               "volumes for workspaces; local and hostPath volumes are not recommended")
REFUSED_PROVISIONERS = ("kubernetes.io/no-provisioner", "rancher.io/local-path", "kubernetes.io/host-path",
                        "microk8s.io/hostpath", "docker.io/hostpath", "openebs.io/local")


# Templates csi-driver-nfs fills in per volume in a StorageClass's subDir.
NFS_PER_VOLUME = ("${pv.metadata.name}", "${pvc.metadata.name}")


class ManifestError(ValueError):
    pass


# The pod label our values give Coder's workloads, which the NetworkPolicies select on: the
# charts name provisioner pods after each pool's release, so their own labels differ by pool.
COMPONENT_LABEL = "onprem.coder/component"
CODERD = {COMPONENT_LABEL: "coderd"}
PROVISIONER = {COMPONENT_LABEL: "provisioner"}


def storage_class(driver, settings, name="onprem-coder-workspaces", default=True, reclaim_policy="Delete"):
    """The workspace StorageClass for `nfs` (NFS CSI) or `cephfs` (Ceph CSI), or a refusal."""
    settings = dict(settings or {})
    if driver == "nfs":
        for key in ("server", "share"):
            if not settings.get(key):
                raise ManifestError("storage_nfs_%s: not set, expected the NFS server and exported path for "
                                    "workspace volumes" % key)
        provisioner = "nfs.csi.k8s.io"
        parameters = {"server": str(settings["server"]), "share": str(settings["share"])}
        if settings.get("subdir"):
            # One directory per volume: a fixed subDir would put every volume in one directory,
            # and deleting any PVC would delete it. The driver fills in ${pv.metadata.name}.
            subdir = str(settings["subdir"]).rstrip("/")
            if not any(name in subdir for name in NFS_PER_VOLUME):
                subdir += "/${pv.metadata.name}"
            parameters["subDir"] = subdir
        mount_options = list(settings.get("mount_options") or ["nfsvers=4.1"])
        # csi-driver-nfs (v4.9.0) ships no resizer: an expansion would be accepted and never happen
        expandable = False
    elif driver == "cephfs":
        for key in ("cluster_id", "fs_name", "secret_name"):
            if not settings.get(key):
                raise ManifestError("storage_cephfs_%s: not set, expected it for CephFS workspace volumes" % key)
        provisioner = "cephfs.csi.ceph.com"
        namespace = settings.get("secret_namespace", "ceph-csi-cephfs")
        parameters = {"clusterID": str(settings["cluster_id"]), "fsName": str(settings["fs_name"])}
        for kind in ("provisioner", "controller-expand", "node-stage"):
            parameters["csi.storage.k8s.io/%s-secret-name" % kind] = str(settings["secret_name"])
            parameters["csi.storage.k8s.io/%s-secret-namespace" % kind] = str(namespace)
        mount_options = list(settings.get("mount_options") or [])
        expandable = True      # Ceph CSI expands volumes (the controller-expand secret above)
    elif driver in ("local", "hostPath", "hostpath", "local-path") or driver in REFUSED_PROVISIONERS:
        raise ManifestError("storage_driver: %r refused: %s. Expected nfs or cephfs" % (driver, CVA_STORAGE))
    else:
        raise ManifestError("storage_driver: %r, expected nfs or cephfs" % (driver,))
    manifest = {
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "onprem.coder"},
                     "annotations": {"storageclass.kubernetes.io/is-default-class": "true" if default else "false"}},
        "provisioner": provisioner,
        "parameters": parameters,
        "reclaimPolicy": reclaim_policy,
        "volumeBindingMode": "Immediate",
        "allowVolumeExpansion": expandable,
    }
    if mount_options:
        manifest["mountOptions"] = mount_options
    return manifest


def refused_storage_classes(classes):
    """Names and provisioners of existing StorageClasses that the CVA advises against."""
    return [(item["metadata"]["name"], item.get("provisioner")) for item in classes or []
            if item.get("provisioner") in REFUSED_PROVISIONERS]


def metallb_peers(peers, name="onprem-coder", namespace="metallb-system"):
    """MetalLB BGPPeer objects (metallb.io/v1beta2) from [{address, asn, my_asn, ...}].

    ``address``, ``asn`` (the router's) and ``my_asn`` (the cluster's) are required; any other
    key is a BGPPeer spec field as MetalLB names it (``peerPort``, ``holdTime``, ``password``...).
    """
    if not isinstance(peers, list) or not peers:
        raise ManifestError("metallb_bgp_peers: expected a non-empty list of {address, asn, my_asn} in BGP mode "
                            "(an advertisement with no peer announces nothing)")
    objects = []
    for index, peer in enumerate(peers):
        peer = dict(peer) if isinstance(peer, dict) else {}
        missing = [key for key in ("address", "asn", "my_asn") if peer.get(key) in (None, "")]
        if missing:
            raise ManifestError("metallb_bgp_peers[%d]: %s not set, expected {address, asn, my_asn}"
                                % (index, ", ".join(missing)))
        try:
            address = str(ipaddress.ip_address(str(peer.pop("address"))))
            spec = {"peerAddress": address, "peerASN": int(peer.pop("asn")), "myASN": int(peer.pop("my_asn"))}
        except ValueError as exc:
            raise ManifestError("metallb_bgp_peers[%d]: %s" % (index, exc))
        spec.update(peer)
        objects.append({"apiVersion": "metallb.io/v1beta2", "kind": "BGPPeer",
                        "metadata": {"name": "%s-%d" % (name, index), "namespace": namespace,
                                     "labels": {"app.kubernetes.io/managed-by": "onprem.coder"}},
                        "spec": spec})
    return objects


def metallb_pool(addresses, name="onprem-coder", mode="l2", namespace="metallb-system", peers=None):
    """MetalLB's IPAddressPool and its L2Advertisement, or its BGPAdvertisement and BGP peers."""
    if not isinstance(addresses, list) or not addresses:
        raise ManifestError("metallb_addresses: expected a non-empty list of CIDRs or ranges (10.0.0.200-10.0.0.220)")
    for item in addresses:
        text = str(item)
        try:
            if "-" in text:
                first, last = (ipaddress.ip_address(part.strip()) for part in text.split("-", 1))
                if first.version != last.version or first > last:
                    raise ValueError(text)
            else:
                ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ManifestError("metallb_addresses: %r is neither a CIDR nor a first-last range" % (item,))
    if mode not in ("l2", "bgp"):
        raise ManifestError("metallb_mode: %r, expected l2 or bgp" % (mode,))
    labels = {"app.kubernetes.io/managed-by": "onprem.coder"}
    bgp_peers = metallb_peers(peers, name, namespace) if mode == "bgp" else []
    return [
        {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
         "metadata": {"name": name, "namespace": namespace, "labels": labels},
         "spec": {"addresses": [str(item) for item in addresses], "autoAssign": True}},
        {"apiVersion": "metallb.io/v1beta1", "kind": "L2Advertisement" if mode == "l2" else "BGPAdvertisement",
         "metadata": {"name": name, "namespace": namespace, "labels": labels},
         "spec": {"ipAddressPools": [name]}},
    ] + bgp_peers


def _cidrs(name, values):
    result = []
    for value in values or []:
        try:
            result.append(str(ipaddress.ip_network(str(value), strict=False)))
        except ValueError:
            raise ManifestError("%s: %r is not a CIDR" % (name, value))
    return result


def network_policies(namespace, database_cidrs, api_cidrs, egress_cidrs=None, coder_ports=(8080, 8443), database_port=5000,
                     dns_namespace="kube-system", metrics_namespace="coder-observability", metrics_port=2112):
    """The CVA's flows into and out of the Coder namespace, and nothing else.

    Ingress to coderd (``coder_ports``: the chart serves HTTP on 8080 and, with TLS, HTTPS on
    8443 behind Service port 443) from anywhere: users and workspace proxies arrive through the
    load balancer, provisioners and workspaces connect to it. Ingress to every pod's metrics
    port (``metrics_port``: coderd and provisioners) from ``metrics_namespace`` (Prometheus of
    the observability bundle). Egress of every pod: DNS, the namespace's own pods (coderd's
    replicas mesh, provisioners and workspaces reach coderd) and ``egress_cidrs`` over HTTPS
    (git and package mirrors). Only coderd reaches the database endpoint; only coderd and the
    provisioners (which create workspaces) reach the Kubernetes API on the control plane hosts
    (``api_cidrs``). Everything else into and out of the namespace is denied: a workspace
    reaches neither the database nor the API.
    """
    database = _cidrs("onprem_coder_database_cidrs", database_cidrs)
    if not database:
        raise ManifestError("onprem_coder_database_cidrs: expected the network(s) of the database endpoint")
    api = _cidrs("kubernetes_api_cidrs", api_cidrs)
    if not api:
        raise ManifestError("kubernetes_api_cidrs: expected the network(s) of the control plane hosts (Kubernetes API)")
    egress = _cidrs("network_policies_egress_cidrs", egress_cidrs)
    labels = {"app.kubernetes.io/managed-by": "onprem.coder"}

    def policy(name, spec):
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": namespace, "labels": labels}, "spec": spec}

    rules = [
        {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": dns_namespace}}}],
         "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
    ]
    if egress:
        rules.append({"to": [{"ipBlock": {"cidr": cidr}} for cidr in egress], "ports": [{"protocol": "TCP", "port": 443}]})
    rules.append({"to": [{"podSelector": {}}]})
    return [
        policy("default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        policy("coderd-ingress", {
            "podSelector": {"matchLabels": dict(CODERD)},
            "policyTypes": ["Ingress"],
            "ingress": [{"ports": [{"protocol": "TCP", "port": int(port)} for port in coder_ports]}],
        }),
        policy("metrics-ingress", {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": metrics_namespace}}}],
                         "ports": [{"protocol": "TCP", "port": int(metrics_port)}]}],
        }),
        policy("coder-egress", {"podSelector": {}, "policyTypes": ["Egress"], "egress": rules}),
        policy("coderd-database-egress", {
            "podSelector": {"matchLabels": dict(CODERD)},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": cidr}} for cidr in database],
                        "ports": [{"protocol": "TCP", "port": int(database_port)}]}],
        }),
        policy("kubernetes-api-egress", {
            "podSelector": {"matchExpressions": [{"key": COMPONENT_LABEL, "operator": "In",
                                                  "values": [CODERD[COMPONENT_LABEL], PROVISIONER[COMPONENT_LABEL]]}]},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": cidr}} for cidr in api], "ports": [{"protocol": "TCP", "port": 6443}]}],
        }),
    ]


def calico_with_pod_cidr(documents, pod_cidr):
    """Calico's upstream manifest with CALICO_IPV4POOL_CIDR set on calico-node to the pod network."""
    try:
        network = ipaddress.ip_network(str(pod_cidr))
    except ValueError:
        raise ManifestError("onprem_coder_kubernetes_pod_cidr: %r is not a CIDR" % (pod_cidr,))
    found = False
    result = []
    for document in documents:
        if not document:
            continue
        if document.get("kind") == "DaemonSet" and document.get("metadata", {}).get("name") == "calico-node":
            for container in document["spec"]["template"]["spec"]["containers"]:
                if container.get("name") != "calico-node":
                    continue
                env = [item for item in container.get("env", []) if item.get("name") != "CALICO_IPV4POOL_CIDR"]
                env.append({"name": "CALICO_IPV4POOL_CIDR", "value": str(network)})
                container["env"] = env
                found = True
        result.append(document)
    if not found:
        raise ManifestError("the Calico manifest has no calico-node DaemonSet with a calico-node container; "
                            "is cni_calico_manifest_url the calico.yaml manifest?")
    return result


# Taints a node of this collection may carry: kubeadm's on control planes, ours on every pool.
CONTROL_PLANE_TAINT = "node-role.kubernetes.io/control-plane"
POOL_TAINT = "onprem.coder/pool"
METALLB_TOLERATIONS = [{"key": CONTROL_PLANE_TAINT, "operator": "Exists", "effect": "NoSchedule"},
                       {"key": POOL_TAINT, "operator": "Exists", "effect": "NoSchedule"}]


def metallb_with_tolerations(documents):
    """MetalLB's upstream manifest with its controller and speaker tolerating every node taint here.

    Every worker carries an ``onprem.coder/pool=<pool>:NoSchedule`` taint and control planes keep
    kubeadm's: the upstream controller tolerates neither (it would stay Pending) and the speaker
    only the control-plane one. In L2 mode with ``externalTrafficPolicy: Local`` a LoadBalancer
    address is announced only by a speaker on a node that runs one of its endpoints (coderd on
    the coder pool), so the speaker must run on every node.
    """
    patched = set()
    result = []
    for document in documents:
        if not document:
            continue
        name = document.get("metadata", {}).get("name")
        if (document.get("kind"), name) in (("Deployment", "controller"), ("DaemonSet", "speaker")):
            spec = document["spec"]["template"]["spec"]
            tolerations = list(spec.get("tolerations") or [])
            for wanted in METALLB_TOLERATIONS:
                if not any(item.get("key") == wanted["key"] and item.get("operator") == "Exists"
                           and item.get("effect") in (None, wanted["effect"]) for item in tolerations):
                    tolerations.append(dict(wanted))
            spec["tolerations"] = tolerations
            patched.add(name)
        result.append(document)
    if patched != {"controller", "speaker"}:
        raise ManifestError("the MetalLB manifest has no %s; is metallb_manifest_url the metallb-native.yaml manifest?"
                            % " and no ".join(sorted({"controller Deployment", "speaker DaemonSet"}
                                                     - {"controller Deployment" if "controller" in patched else "",
                                                        "speaker DaemonSet" if "speaker" in patched else ""})))
    return result


def containerd_hosts(registry, mirrors):
    """containerd's hosts.toml for one registry: its mirrors in order, pull and resolve only.

    A mirror is a URL or {url, capabilities, skip_verify, ca}; the registry itself stays the
    fallback `server`."""
    if not isinstance(mirrors, list) or not mirrors:
        raise ManifestError("onprem_coder_registry_mirrors[%r]: expected a non-empty list of mirror URLs" % (registry,))
    hosts = {}
    for mirror in mirrors:
        entry = dict(mirror) if isinstance(mirror, dict) else {"url": mirror}
        url = str(entry.pop("url", ""))
        if not url.startswith(("https://", "http://")):
            raise ManifestError("onprem_coder_registry_mirrors[%r]: %r is not an http(s) URL" % (registry, url))
        entry.setdefault("capabilities", ["pull", "resolve"])
        hosts[url] = entry
    server = "https://registry-1.docker.io" if registry == "docker.io" else "https://%s" % registry
    return {"server": server, "host": hosts}
