# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""A site's clusters for the cluster model (module_utils/cluster_model.py): the nodes as
kubeadm and the node pools leave them, the pods Coder's templates will start, the flows of
Coder's architecture, and one report. No Ansible imports: tested with pytest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

try:
    from urllib.parse import urlparse
except ImportError:  # Python 2
    from urlparse import urlparse  # type: ignore

from ansible_collections.onprem.coder.plugins.module_utils import cluster_model as model
from ansible_collections.onprem.coder.plugins.module_utils.node_pools import POOLS, parse_taint

CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
# The kubelet's default hard eviction threshold: memory a node never offers to pods.
EVICTION_MEMORY = "100Mi"
USER_ADDRESS = "203.0.113.10"   # TEST-NET-3: a user, or a region's workspace proxy, outside the cluster
WORKSPACE_LABELS = {"app.kubernetes.io/name": "coder-workspace"}
PROMETHEUS_LABELS = {"app.kubernetes.io/name": "prometheus"}
DNS_POD = {"namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}}


def _gb(value):
    return "%dMi" % int(round(float(value) * 1024))


def allocatable(cpu, memory_gb, kubelet):
    """What a node of ``cpu`` cores and ``memory_gb`` GiB offers pods: its capacity less the
    kubelet's kubeReserved, systemReserved and hard eviction threshold."""
    kubelet = kubelet or {}
    cpu_m = model.cpu_millis(cpu)
    memory = model.memory_bytes(_gb(memory_gb))
    for key in ("kubeReserved", "systemReserved"):
        reserved = kubelet.get(key) or {}
        cpu_m -= model.cpu_millis(reserved.get("cpu"))
        memory -= model.memory_bytes(reserved.get("memory"))
    memory -= model.memory_bytes((kubelet.get("evictionHard") or {}).get("memory.available", EVICTION_MEMORY))
    return {"cpu": "%dm" % cpu_m, "memory": str(memory)}


def site_nodes(groups, pool_definitions, plan, host_settings=None, kubelet=None):
    """The primary cluster's nodes: control planes (kubeadm's label and taint), then every
    pool host with its pool's labels and taints and the host's own (node_pools). Capacity is
    the smallest node preflight accepts for its pool (the plan's), or a host's
    ``capacity: {cpu, memory_gb}`` when given; ``kubelet`` holds the control planes' and
    workers' KubeletConfiguration overrides."""
    host_settings = host_settings or {}
    kubelet = kubelet or {}
    pools = (plan.get("kubernetes") or {}).get("pools") or {}
    nodes = {}
    for name in groups.get("kube_control_plane") or []:
        size = pools.get("control_plane") or {}
        nodes[name] = {"name": name, "labels": {CONTROL_PLANE_LABEL: ""}, "taints": [dict(CONTROL_PLANE_TAINT)],
                       "capacity": (size.get("min_cpu"), size.get("min_memory_gb")), "kubelet": kubelet.get("control_plane")}
    for pool, group in POOLS:
        definition = (pool_definitions or {}).get(pool) or {}
        group = definition.get("group", group)
        size = pools.get(pool) or {}
        for name in groups.get(group) or []:
            node = nodes.setdefault(name, {"name": name, "labels": {}, "taints": [], "kubelet": kubelet.get("worker"),
                                           "capacity": (size.get("min_cpu"), size.get("min_memory_gb"))})
            node["labels"].update({str(key): str(value) for key, value in (definition.get("labels") or {}).items()})
            node["taints"].extend(parse_taint(taint) for taint in definition.get("taints") or [])
    result = []
    for name in sorted(nodes):
        node = nodes[name]
        own = host_settings.get(name) or {}
        node["labels"].update({str(key): str(value) for key, value in (own.get("labels") or {}).items()})
        node["taints"].extend(parse_taint(taint) for taint in own.get("taints") or [])
        node["labels"].update({"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"})
        cpu, memory = node.pop("capacity")
        if own.get("capacity"):
            cpu, memory = own["capacity"].get("cpu"), own["capacity"].get("memory_gb")
        settings = own.get("kubelet") or node.pop("kubelet")
        node.pop("kubelet", None)
        node["allocatable"] = allocatable(cpu, memory, settings) if cpu and memory else None
        result.append(node)
    return result


def region_nodes(hosts):
    """A workspace proxy region's cluster: its hosts, unlabelled and untainted by us, sizes unknown."""
    return [{"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}, "taints": [],
             "allocatable": None} for name in sorted(hosts)]


def workspace_workload(plan, namespace, pool_definition):
    """The pods Coder's templates start: as many as the plan's concurrent workspaces, with its
    workspace profile's requests, on the workspace pool (docs/coder.md asks templates for
    this selector and toleration)."""
    profile = (plan.get("workspace_nodes") or {}).get("profile") or {}
    labels = dict((pool_definition or {}).get("labels") or {})
    taints = [parse_taint(taint) for taint in (pool_definition or {}).get("taints") or []]
    pod = {"nodeSelector": labels,
           "tolerations": [{"key": taint["key"], "operator": "Equal", "value": taint.get("value", ""),
                            "effect": taint["effect"]} for taint in taints],
           "containers": [{"name": "dev", "resources": {"requests": {
               "cpu": "%dm" % int(float(profile.get("cpu", 0)) * 1000),
               "memory": _gb(profile.get("memory_gb", 0))}}}]}
    return {"kind": "Workspace", "name": "Coder workspaces %s/* (the plan's profile)" % namespace, "namespace": namespace,
            "replicas": int(plan.get("concurrent_workspaces") or 0), "pod": pod, "labels": dict(WORKSPACE_LABELS),
            "annotations": {}, "source": "the plan", "role": "workspace"}


def _addresses(values):
    result = []
    for value in values or []:
        try:
            result.append(str(ipaddress.ip_address(str(value))))
        except ValueError:
            try:
                result.append(str(ipaddress.ip_network(str(value), strict=False).network_address))
            except ValueError:
                continue
    return result


def _end(workload):
    return {"namespace": workload["namespace"], "labels": workload["labels"],
            "pod": {"spec": workload["pod"]}}


def _target_port(service, port, workload):
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, str) and not target.isdigit():
        return model._named_port({"spec": workload["pod"]}, target)
    return int(target)


def _service_ports(objects, workload):
    """(service name, service port, container port) of every Service selecting the workload."""
    result = []
    for service in objects:
        if service.get("kind") != "Service" or service["metadata"]["namespace"] != workload["namespace"]:
            continue
        selector = (service.get("spec") or {}).get("selector")
        if not selector or not model.labels_match({"matchLabels": selector}, workload["labels"]):
            continue
        for port in (service.get("spec") or {}).get("ports") or []:
            result.append((model.object_name(service), port.get("port"), _target_port(service, port, workload),
                           (service.get("spec") or {}).get("type", "ClusterIP")))
    return result


def _env_value(workload, name):
    for container in workload["pod"].get("containers") or []:
        for item in container.get("env") or []:
            if item.get("name") == name:
                return item.get("value")
    return None


def _url_ports(url, namespace, ports):
    """The coderd Service ports a URL reaches: an in-cluster name (<service>[.<namespace>...])
    picks that Service; any other host arrives through the LoadBalancer Service."""
    parsed = urlparse(url or "")
    if not parsed.hostname:
        return []
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    labels = parsed.hostname.split(".")
    in_cluster = len(labels) == 1 or parsed.hostname.endswith(".svc") or ".svc." in parsed.hostname
    wanted = "Service %s/%s" % (labels[1] if len(labels) > 1 else namespace, labels[0]) if in_cluster else None
    return [(service, service_port, target) for service, service_port, target, kind in ports
            if service_port == port and (service == wanted if in_cluster else kind == "LoadBalancer")]


def architecture_flows(objects, workload_list, context):
    """The flows of Coder's architecture in the primary cluster (allow) and those outside it
    that the policies must drop (deny). Also returns findings for what cannot be a flow at all
    (a Coder workload with no scrape annotation, a coderd without a LoadBalancer Service)."""
    findings = []
    flows = []
    by_role = {}
    for workload in workload_list:
        by_role.setdefault(workload.get("role"), []).append(workload)
    coderd = [item for item in by_role.get("coderd", []) if item["kind"] == "Deployment"]
    provisioners = by_role.get("provisioner", [])
    workspaces = by_role.get("workspace", [])
    user = {"ip": USER_ADDRESS}
    prometheus = {"namespace": context.get("metrics_namespace", "coder-observability"), "labels": dict(PROMETHEUS_LABELS)}
    database = _addresses([context.get("database", {}).get("host")]) or _addresses(context.get("database_cidrs"))
    database_port = int(context.get("database", {}).get("port") or 5000)
    api = _addresses(context.get("api_addresses"))

    def add(name, source, destination, port, protocol="TCP", allow=True):
        flows.append({"name": name, "source": source, "destination": destination, "port": port, "protocol": protocol,
                      "allow": allow})

    for server in coderd:
        ports = _service_ports(objects, server)
        public = [item for item in ports if item[3] == "LoadBalancer"]
        if not public:
            findings.append(model._finding("flow", server["name"], "no LoadBalancer Service selects coderd: users cannot reach it"))
        for service, port, target, _type in public:
            add("users to coderd through %s port %s (HTTP, HTTPS, DERP)" % (service, port), user, _end(server), target)
            add("workspace proxies to coderd through %s port %s" % (service, port), user, _end(server), target)
            for workspace in workspaces:
                add("workspaces to coderd through %s port %s" % (service, port), _end(workspace), _end(server), target)
        for address in database:
            add("coderd to the database %s" % address, _end(server), {"ip": address}, database_port)
        for address in api:
            add("coderd to the Kubernetes API %s" % address, _end(server), {"ip": address}, 6443)
        for provisioner in provisioners:
            url = _env_value(provisioner, "CODER_URL")
            reached = _url_ports(url, provisioner["namespace"], ports)
            if not reached:
                findings.append(model._finding("flow", provisioner["name"], "CODER_URL %r reaches no Service port of coderd" % (url,)))
            for service, port, target in reached:
                add("%s to coderd through %s port %s" % (provisioner["name"], service, port), _end(provisioner),
                    _end(server), target)
    for provisioner in provisioners:
        for address in api:
            add("%s to the Kubernetes API %s" % (provisioner["name"], address), _end(provisioner), {"ip": address}, 6443)
    for workload in coderd + provisioners:
        annotations = workload.get("annotations") or {}
        if str(annotations.get("prometheus.io/scrape")) != "true" or not annotations.get("prometheus.io/port"):
            findings.append(model._finding("flow", workload["name"], "its pods carry no prometheus.io/scrape and "
                                           "prometheus.io/port annotations: the observability bundle never collects them"))
            continue
        add("Prometheus to %s metrics" % workload["name"], prometheus, _end(workload), int(annotations["prometheus.io/port"]))
    seen = set()
    for workload in workload_list:
        key = (workload["namespace"], tuple(sorted(workload["labels"].items())))
        if key in seen:
            continue
        seen.add(key)
        for protocol in ("UDP", "TCP"):
            add("%s to DNS" % workload["name"], _end(workload), DNS_POD, 53, protocol)
    if context.get("network_policies", True):
        for workspace in workspaces:
            for address in database:
                add("workspaces to the database %s" % address, _end(workspace), {"ip": address}, database_port, allow=False)
            for address in api:
                add("workspaces to the Kubernetes API %s" % address, _end(workspace), {"ip": address}, 6443, allow=False)
            for server in coderd:
                add("workspaces to coderd's metrics port", _end(workspace), _end(server), 2112, allow=False)
        for provisioner in provisioners:
            for address in database:
                add("%s to the database %s" % (provisioner["name"], address), _end(provisioner), {"ip": address},
                    database_port, allow=False)
            add("users to %s metrics" % provisioner["name"], user, _end(provisioner), 2112, allow=False)
    return flows, findings


def region_flows(workload_list):
    """A region cluster has no policies of ours; its proxies still have to be scraped."""
    findings = []
    for workload in workload_list:
        annotations = workload.get("annotations") or {}
        if workload.get("role") == "proxy" and str(annotations.get("prometheus.io/scrape")) != "true":
            findings.append(model._finding("flow", workload["name"], "its pods carry no prometheus.io/scrape annotation: "
                                           "the region's Prometheus never collects them"))
    return findings


def check_cluster(cluster, context, options):
    """All rules on one cluster: {name, nodes, objects, coverage, primary} -> (rows, findings)."""
    objects = cluster["objects"]
    workload_list = model.workloads(objects)
    if cluster.get("primary") and context.get("workspace_pool") is not None:
        workload_list.append(workspace_workload(context.get("plan") or {}, context.get("workspace_namespace", "coder"),
                                                context["workspace_pool"]))
    namespaces = {item["metadata"]["name"]: item["metadata"].get("labels") or {} for item in objects if item.get("kind") == "Namespace"}
    placement, findings = model.schedule(cluster["nodes"], workload_list)
    checks = [("schedule", findings)]
    if cluster.get("primary"):
        checks.append(("daemonset", model.daemonset_coverage(placement, objects, cluster.get("coverage") or [])))
    if cluster.get("primary"):
        checks.append(("loadbalancer", model.loadbalancers(placement, objects, namespaces)))
    if cluster.get("primary"):
        flows, flow_findings = architecture_flows(objects, workload_list, context)
        policies = [item for item in objects if item.get("kind") == "NetworkPolicy"]
        checks.append(("flow", flow_findings + model.flows(policies, flows, namespaces)))
    else:
        flows = []
        checks.append(("flow", region_flows(workload_list)))
    checks.append(("unique", model.duplicates(objects)))
    checks.append(("coder-env", model.coder_environment(cluster.get("env") or [], options)))
    pods = sum(len(items) for items in placement.pods.values())
    allowed = sum(1 for item in flows if item["allow"])
    if cluster.get("primary"):
        flow_count = "%d flows (%d to allow, %d to deny)" % (len(flows), allowed, len(flows) - allowed)
    else:
        proxies = sum(1 for item in workload_list if item.get("role") == "proxy")
        flow_count = "scrape annotations of %d proxy workload(s) (no policies of ours here)" % proxies
    counts = {
        "schedule": "%d workloads, %d pods on %d nodes" % (len(workload_list), pods, len(cluster["nodes"])),
        "daemonset": "%d coverage rule(s)" % len(cluster.get("coverage") or []),
        "loadbalancer": "%d LoadBalancer Service(s)" % sum(1 for item in objects if model._is_loadbalancer(item)),
        "flow": flow_count,
        "unique": "%d objects" % len(objects),
        "coder-env": "%d values file(s)" % len(cluster.get("env") or []),
    }
    rows = []
    all_findings = []
    for rule, found in checks:
        rows.append({"cluster": cluster["name"], "rule": rule, "checked": counts[rule], "findings": len(found)})
        all_findings.extend(dict(item, cluster=cluster["name"]) for item in found)
    return rows, all_findings


def report_markdown(rows, findings, notes):
    lines = ["# Cluster model", "", "| cluster | rule | checked | result |", "|---|---|---|---|"]
    for row in rows:
        lines.append("| %s | %s | %s | %s |" % (row["cluster"], row["rule"], row["checked"],
                                                "ok" if not row["findings"] else "%d finding(s)" % row["findings"]))
    if findings:
        lines += ["", "## Findings", ""]
        lines += ["- [%s] %s: %s %s" % (item["cluster"], item["rule"], item["object"], item["message"]) for item in findings]
    if notes:
        lines += ["", "## Not checked", ""] + ["- %s" % note for note in notes]
    return "\n".join(lines) + "\n"
