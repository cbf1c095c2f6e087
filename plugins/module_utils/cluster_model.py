# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The cluster as a whole, before there is one.

Our build machines cannot run kubeadm or a Kubernetes API, and a user may want to review a
site before touching it. This model takes the nodes as kubeadm and the node pools will leave
them (labels, taints, allocatable resources) and every object the phases would create (our
own manifests, the add-on manifests with our changes, ``helm template`` of each release), and
checks what a real cluster would do with them:

- ``schedule``: every pod of every Deployment, StatefulSet and DaemonSet is placed on a node it
  is meant for: taints and tolerations, nodeSelector, required node affinity, required pod
  anti-affinity, and requests against what is left of the allocatable resources (a
  first-fit scheduler that spreads like the default scheduler's LeastAllocated score);
- ``daemonset``: a DaemonSet covers the nodes it must (the CNI's node agent every node,
  the storage node plugin every workspace node, the load balancer's speaker every node
  that runs an endpoint of a LoadBalancer Service);
- ``loadbalancer``: each LoadBalancer Service can be given an address and announced;
- ``flow``: each flow Coder's architecture needs is allowed by the NetworkPolicies, and each
  flow outside that list is denied for the pods a policy selects;
- ``unique``: no two sources render the same object (kind, namespace, name);
- ``coder-env``: every Coder environment variable is an option of the command that reads it;
- ``kubeadm``: kubeadm init and join files carry only what kubeadm reads there.

Each check returns findings ``{"rule", "object", "message"}``; none means the rule holds.
No Ansible imports: tested with pytest on small hand-made clusters.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

# --------------------------------------------------------------------------- quantities

_CPU = re.compile(r"^([0-9.]+)(m?)$")
_MEMORY = re.compile(r"^([0-9.]+(?:e[0-9]+)?)([KMGTPE]i?|k|m)?$")
_MEMORY_UNITS = {None: 1, "": 1, "k": 10 ** 3, "K": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15,
                 "E": 10 ** 18, "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}


class ModelError(ValueError):
    pass


def cpu_millis(value):
    """A CPU quantity ('500m', '2', 1.5) in millicores."""
    if value is None or value == "":
        return 0
    match = _CPU.match(str(value).strip())
    if not match:
        raise ModelError("CPU quantity %r is not a number of cores or millicores" % (value,))
    number = float(match.group(1))
    return int(round(number if match.group(2) else number * 1000))


def memory_bytes(value):
    """A memory quantity ('512Mi', '2G', 1073741824) in bytes."""
    if value is None or value == "":
        return 0
    match = _MEMORY.match(str(value).strip())
    if not match:
        raise ModelError("memory quantity %r is not a number with a Kubernetes suffix" % (value,))
    unit = match.group(2)
    if unit == "m":
        return int(float(match.group(1)) / 1000)
    return int(float(match.group(1)) * _MEMORY_UNITS[unit])


def _show_cpu(millis):
    return "%dm" % millis


def _show_memory(value):
    return "%dMi" % (value // 2 ** 20)


# --------------------------------------------------------------------------- objects

CLUSTER_SCOPED = frozenset([
    "Namespace", "Node", "PersistentVolume", "StorageClass", "CSIDriver", "CSINode", "VolumeAttachment",
    "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass", "RuntimeClass",
    "IngressClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "PodSecurityPolicy",
])
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


def normalise(documents, namespace, source):
    """The objects of one source (a manifest file or a Helm release): empty documents and
    Helm test hooks dropped, lists flattened, the source's namespace on every namespaced
    object that names none (``helm template`` leaves many without one), the source noted."""
    result = []
    for document in documents or []:
        if not document:
            continue
        if document.get("kind") == "List" or (document.get("kind", "").endswith("List") and "items" in document):
            result.extend(normalise(document.get("items"), namespace, source))
            continue
        if not isinstance(document, dict) or "kind" not in document:
            raise ModelError("%s: a document without a kind" % source)
        annotations = (document.get("metadata") or {}).get("annotations") or {}
        if "test" in str(annotations.get("helm.sh/hook", "")):
            continue
        document = dict(document)
        metadata = dict(document.get("metadata") or {})
        if document["kind"] not in CLUSTER_SCOPED and not metadata.get("namespace"):
            metadata["namespace"] = namespace or "default"
        document["metadata"] = metadata
        document["_source"] = source
        result.append(document)
    return result


def object_key(document):
    metadata = document.get("metadata") or {}
    return (document.get("kind"), metadata.get("namespace") or "", metadata.get("name"))


def object_name(document):
    kind, namespace, name = object_key(document)
    return "%s %s/%s" % (kind, namespace, name) if namespace else "%s %s" % (kind, name)


def _finding(rule, obj, message):
    return {"rule": rule, "object": obj, "message": message}


# --------------------------------------------------------------------------- selectors

def labels_match(selector, labels):
    """A LabelSelector (matchLabels, matchExpressions) against a label map. An empty selector
    matches everything; None matches nothing (as Kubernetes reads a null selector)."""
    if selector is None:
        return False
    labels = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != str(value):
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = [str(item) for item in expression.get("values") or []]
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _node_expression(expression, labels):
    key, operator = expression.get("key"), expression.get("operator")
    values = [str(item) for item in expression.get("values") or []]
    if operator == "In":
        return labels.get(key) in values
    if operator == "NotIn":
        return labels.get(key) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    if operator in ("Gt", "Lt"):
        try:
            have, want = int(labels.get(key)), int(values[0])
        except (TypeError, ValueError, IndexError):
            return False
        return have > want if operator == "Gt" else have < want
    raise ModelError("node selector operator %r is not a Kubernetes operator" % (operator,))


# --------------------------------------------------------------------------- nodes and pods

DAEMONSET_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


def tolerates(toleration, taint):
    effect = toleration.get("effect")
    if effect and effect != taint.get("effect"):
        return False
    operator = toleration.get("operator") or "Equal"
    if not toleration.get("key"):
        return operator == "Exists"
    if toleration.get("key") != taint.get("key"):
        return False
    return operator == "Exists" or str(toleration.get("value") or "") == str(taint.get("value") or "")


def _taint_text(taint):
    value = taint.get("value")
    return "%s%s:%s" % (taint.get("key"), "=%s" % value if value else "", taint.get("effect"))


class Pod(object):
    """One pod as its controller would create it."""

    def __init__(self, workload, spec, labels, namespace):
        self.workload = workload
        self.spec = spec or {}
        self.labels = labels or {}
        self.namespace = namespace
        self.cpu, self.memory = pod_requests(self.spec)
        self.daemon = workload.get("kind") == "DaemonSet"
        self.tolerations = list(self.spec.get("tolerations") or []) + (DAEMONSET_TOLERATIONS if self.daemon else [])

    def unfit_reason(self, node):
        """Why this pod may not run on the node at all (resources aside), or None."""
        for taint in node.get("taints") or []:
            if taint.get("effect") not in ("NoSchedule", "NoExecute"):
                continue
            if not any(tolerates(toleration, taint) for toleration in self.tolerations):
                return "taint %s not tolerated" % _taint_text(taint)
        labels = node.get("labels") or {}
        for key, value in (self.spec.get("nodeSelector") or {}).items():
            if labels.get(key) != str(value):
                return "nodeSelector %s=%s not on the node" % (key, value)
        required = (((self.spec.get("affinity") or {}).get("nodeAffinity") or {})
                    .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
        terms = required.get("nodeSelectorTerms")
        if terms is not None:
            if not any(all(_node_expression(expression, labels) for expression in term.get("matchExpressions") or [])
                       and (term.get("matchExpressions") or term.get("matchFields")) for term in terms):
                return "required node affinity does not match the node's labels"
        return None

    def anti_affinity_terms(self):
        affinity = (self.spec.get("affinity") or {}).get("podAntiAffinity") or {}
        return affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or []


def pod_requests(spec):
    """(millicores, bytes) a pod asks for: the sum over its containers (a container with only
    limits asks for its limits, as the API server defaults it), or an init container's if larger."""
    def one(container):
        resources = container.get("resources") or {}
        requests = dict(resources.get("limits") or {})
        requests.update(resources.get("requests") or {})
        return cpu_millis(requests.get("cpu")), memory_bytes(requests.get("memory"))

    containers = [one(container) for container in spec.get("containers") or []]
    cpu = sum(item[0] for item in containers)
    memory = sum(item[1] for item in containers)
    for init in spec.get("initContainers") or []:
        init_cpu, init_memory = one(init)
        cpu, memory = max(cpu, init_cpu), max(memory, init_memory)
    return cpu, memory


def workloads(objects):
    """The Deployments, StatefulSets and DaemonSets, with their replica counts."""
    result = []
    for document in objects:
        if document.get("kind") not in WORKLOAD_KINDS:
            continue
        spec = document.get("spec") or {}
        template = spec.get("template") or {}
        replicas = None if document["kind"] == "DaemonSet" else int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
        result.append({"kind": document["kind"], "name": object_name(document), "namespace": document["metadata"]["namespace"],
                       "replicas": replicas, "pod": template.get("spec") or {},
                       "labels": (template.get("metadata") or {}).get("labels") or {},
                       "annotations": (template.get("metadata") or {}).get("annotations") or {},
                       "source": document.get("_source"), "role": document.get("_role")})
    return result


class Placement(object):
    """Where each pod went: node name -> list of Pods, and what is left on each node."""

    def __init__(self, nodes):
        self.nodes = {node["name"]: node for node in nodes}
        self.pods = {node["name"]: [] for node in nodes}
        self.with_terms = []   # (node name, pod) of placed pods with required anti-affinity
        self.free = {}
        for node in nodes:
            allocatable = node.get("allocatable")
            self.free[node["name"]] = (None if allocatable is None else
                                       [cpu_millis(allocatable.get("cpu")), memory_bytes(allocatable.get("memory"))])

    def fits(self, pod, name):
        free = self.free[name]
        return free is None or (pod.cpu <= free[0] and pod.memory <= free[1])

    def shortfall(self, pod, name):
        free = self.free[name]
        missing = []
        if pod.cpu > free[0]:
            missing.append("cpu (asks %s, %s free)" % (_show_cpu(pod.cpu), _show_cpu(free[0])))
        if pod.memory > free[1]:
            missing.append("memory (asks %s, %s free)" % (_show_memory(pod.memory), _show_memory(free[1])))
        return "insufficient " + " and ".join(missing)

    def _same_domain(self, key, value):
        if key == "kubernetes.io/hostname":
            return [name for name in self.pods if (self.nodes[name].get("labels") or {}).get(key) == value]
        return [name for name, node in self.nodes.items() if (node.get("labels") or {}).get(key) == value]

    def anti_affinity_reason(self, pod, name):
        node_labels = self.nodes[name].get("labels") or {}
        for term in pod.anti_affinity_terms():
            key = term.get("topologyKey") or "kubernetes.io/hostname"
            if key not in node_labels:
                continue
            namespaces = term.get("namespaces") or [pod.namespace]
            domain = [name] if key == "kubernetes.io/hostname" and node_labels.get(key) == name else \
                self._same_domain(key, node_labels[key])
            for other_name in domain:
                for other in self.pods[other_name]:
                    if other.namespace in namespaces and labels_match(term.get("labelSelector"), other.labels):
                        return "required pod anti-affinity (%s) against %s" % (key, other.workload["name"])
        for other_name, other in self.with_terms:
            other_labels = self.nodes[other_name].get("labels") or {}
            for term in other.anti_affinity_terms():
                key = term.get("topologyKey") or "kubernetes.io/hostname"
                if key in node_labels and other_labels.get(key) == node_labels[key] \
                        and pod.namespace in (term.get("namespaces") or [other.namespace]) \
                        and labels_match(term.get("labelSelector"), pod.labels):
                    return "the required pod anti-affinity of %s" % other.workload["name"]
        return None

    def put(self, pod, name):
        self.pods[name].append(pod)
        if pod.anti_affinity_terms():
            self.with_terms.append((name, pod))
        if self.free[name] is not None:
            self.free[name][0] -= pod.cpu
            self.free[name][1] -= pod.memory

    def score(self, name):
        free = self.free[name]
        allocatable = self.nodes[name].get("allocatable")
        if free is None or not allocatable:
            return (-len(self.pods[name]), name)
        cpu = cpu_millis(allocatable.get("cpu")) or 1
        memory = memory_bytes(allocatable.get("memory")) or 1
        return (free[0] / float(cpu) + free[1] / float(memory), name)

    def nodes_of(self, workload_name):
        return sorted(name for name, pods in self.pods.items() if any(pod.workload["name"] == workload_name for pod in pods))


def _summarise(reasons):
    counts = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return "; ".join("%d node%s: %s" % (count, "" if count == 1 else "s", reason)
                     for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def schedule(nodes, workload_list):
    """Place every pod; returns (Placement, findings). DaemonSets first (one pod per node
    they may run on), then the other workloads, largest requests first, each pod on the
    eligible node with the most room left (the default scheduler's LeastAllocated spread)."""
    placement = Placement(nodes)
    findings = []
    names = sorted(placement.nodes)
    daemons = [item for item in workload_list if item["kind"] == "DaemonSet"]
    others = [item for item in workload_list if item["kind"] != "DaemonSet"]
    for workload in sorted(daemons, key=lambda item: item["name"]):
        pod = Pod(workload, workload["pod"], workload["labels"], workload["namespace"])
        for name in names:
            if pod.unfit_reason(placement.nodes[name]):
                continue
            if not placement.fits(pod, name):
                findings.append(_finding("schedule", workload["name"],
                                         "its pod on node %s cannot run: %s" % (name, placement.shortfall(pod, name))))
                continue
            placement.put(pod, name)
    others.sort(key=lambda item: (-pod_requests(item["pod"])[0], -pod_requests(item["pod"])[1], item["name"]))
    for workload in others:
        pod = Pod(workload, workload["pod"], workload["labels"], workload["namespace"])
        static = {name: pod.unfit_reason(placement.nodes[name]) for name in names}
        eligible = [name for name in names if static[name] is None]
        for replica in range(workload["replicas"]):
            candidates, reasons = [], [reason for reason in static.values() if reason is not None]
            for name in eligible:
                reason = None if placement.fits(pod, name) else placement.shortfall(pod, name)
                if reason is None:
                    reason = placement.anti_affinity_reason(pod, name)
                if reason is None:
                    candidates.append(name)
                else:
                    reasons.append(reason)
            if not candidates:
                findings.append(_finding("schedule", workload["name"], "replica %d of %d cannot be placed: %s" % (
                    replica + 1, workload["replicas"], _summarise(reasons) or "the cluster has no nodes")))
                break
            placement.put(pod, max(candidates, key=placement.score))
            pod = Pod(workload, workload["pod"], workload["labels"], workload["namespace"])
    return placement, findings


# --------------------------------------------------------------------------- DaemonSet coverage

def daemonset_coverage(placement, objects, requirements):
    """Each requirement ``{"daemonset": "<ns>/<name>", "nodes": "all" | "loadbalancer-endpoints"
    | {label selector}, "why": text}``: the DaemonSet has a pod on each of those nodes."""
    findings = []
    present = {(item["metadata"]["namespace"], item["metadata"]["name"]) for item in objects if item.get("kind") == "DaemonSet"}
    for requirement in requirements:
        namespace, _sep, name = requirement["daemonset"].partition("/")
        label = "DaemonSet %s/%s" % (namespace, name)
        if (namespace, name) not in present:
            findings.append(_finding("daemonset", label, "is not among the rendered objects; %s" % requirement.get("why", "")))
            continue
        wanted = requirement["nodes"]
        if wanted == "all":
            must = sorted(placement.nodes)
        elif wanted == "loadbalancer-endpoints":
            must = sorted(set(node for service in objects if _is_loadbalancer(service)
                              and (service.get("spec") or {}).get("externalTrafficPolicy") == "Local"
                              for node in service_endpoint_nodes(placement, service)))
        else:
            must = sorted(node for node, spec in placement.nodes.items() if labels_match(wanted, spec.get("labels")))
        have = set(placement.nodes_of(label))
        missing = [node for node in must if node not in have]
        if missing:
            sample = ", ".join(missing[:5]) + (" and %d more" % (len(missing) - 5) if len(missing) > 5 else "")
            findings.append(_finding("daemonset", label, "has no pod on %d node(s) it must cover (%s): %s" % (
                len(missing), requirement.get("why", wanted), sample)))
    return findings


# --------------------------------------------------------------------------- load balancers

def _is_loadbalancer(document):
    return document.get("kind") == "Service" and (document.get("spec") or {}).get("type") == "LoadBalancer"


def service_endpoint_nodes(placement, service):
    selector = (service.get("spec") or {}).get("selector")
    if not selector:
        return []
    namespace = service["metadata"]["namespace"]
    return sorted(name for name, pods in placement.pods.items()
                  if any(pod.namespace == namespace and labels_match({"matchLabels": selector}, pod.labels) for pod in pods))


def _address_in(address, entries):
    try:
        ip = ipaddress.ip_address(str(address))
    except ValueError:
        return False
    for entry in entries:
        entry = str(entry)
        if "-" in entry:
            low, high = (ipaddress.ip_address(part.strip()) for part in entry.split("-", 1))
            if low <= ip <= high:
                return True
        elif ip in ipaddress.ip_network(entry, strict=False):
            return True
    return False


def _requested_addresses(service):
    annotations = service["metadata"].get("annotations") or {}
    for key in ("metallb.io/loadBalancerIPs", "metallb.universe.tf/loadBalancerIPs"):
        if annotations.get(key):
            return [item.strip() for item in str(annotations[key]).split(",")]
    address = (service.get("spec") or {}).get("loadBalancerIP")
    return [address] if address else []


def _pool_serves(pool, service, namespaces):
    allocation = (pool.get("spec") or {}).get("serviceAllocation") or {}
    namespace = service["metadata"]["namespace"]
    if allocation.get("namespaces") and namespace not in allocation["namespaces"]:
        return False
    if allocation.get("namespaceSelectors") and not any(
            labels_match(selector, namespaces.get(namespace, {})) for selector in allocation["namespaceSelectors"]):
        return False
    if allocation.get("serviceSelectors") and not any(
            labels_match(selector, service["metadata"].get("labels") or {}) for selector in allocation["serviceSelectors"]):
        return False
    return True


def _advertised(pool, advertisements):
    name = pool["metadata"]["name"]
    for advertisement in advertisements:
        spec = advertisement.get("spec") or {}
        names, selectors = spec.get("ipAddressPools"), spec.get("ipAddressPoolSelectors")
        if not names and not selectors:
            return advertisement
        if names and name in names:
            return advertisement
        if selectors and any(labels_match(selector, pool["metadata"].get("labels") or {}) for selector in selectors):
            return advertisement
    return None


def loadbalancers(placement, objects, namespaces=None):
    """Each LoadBalancer Service gets an address from a MetalLB pool, the pool is advertised
    (BGP with at least one peer), and the Service has an endpoint to send traffic to."""
    namespaces = namespaces or {}
    findings = []
    pools = [item for item in objects if item.get("kind") == "IPAddressPool"]
    advertisements = [item for item in objects if item.get("kind") in ("L2Advertisement", "BGPAdvertisement")]
    peers = [item for item in objects if item.get("kind") == "BGPPeer"]
    for service in (item for item in objects if _is_loadbalancer(item)):
        name = object_name(service)
        requested = _requested_addresses(service)
        usable = [pool for pool in pools if _pool_serves(pool, service, namespaces)
                  and (all(_address_in(address, (pool.get("spec") or {}).get("addresses") or []) for address in requested)
                       if requested else (pool.get("spec") or {}).get("autoAssign", True))]
        if not usable:
            findings.append(_finding("loadbalancer", name, "no MetalLB IPAddressPool can give it an address%s" % (
                " (asks for %s)" % ", ".join(requested) if requested else "")))
            continue
        announced = [(pool, _advertised(pool, advertisements)) for pool in usable]
        announced = [(pool, advertisement) for pool, advertisement in announced if advertisement]
        if not announced:
            findings.append(_finding("loadbalancer", name, "its address pool %s is in no L2Advertisement or BGPAdvertisement: "
                                     "the address would never be announced" % usable[0]["metadata"]["name"]))
            continue
        if all(advertisement["kind"] == "BGPAdvertisement" for _pool, advertisement in announced) and not peers:
            findings.append(_finding("loadbalancer", name, "is advertised over BGP but no BGPPeer exists: nothing would "
                                     "learn the route"))
            continue
        if not service_endpoint_nodes(placement, service):
            findings.append(_finding("loadbalancer", name, "selects no pod that could be placed: no endpoint to announce"))
    return findings


# --------------------------------------------------------------------------- network flows

def _namespace_labels(namespaces, namespace):
    labels = dict(namespaces.get(namespace) or {})
    labels["kubernetes.io/metadata.name"] = namespace
    return labels


def _selected(policy, pod):
    return policy["metadata"]["namespace"] == pod["namespace"] and labels_match(
        (policy.get("spec") or {}).get("podSelector") or {}, pod["labels"])


def _policy_types(policy):
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    if types:
        return types
    return ["Ingress"] + (["Egress"] if "egress" in spec else [])


def _peer_matches(peer, policy_namespace, other, namespaces):
    """One NetworkPolicyPeer against the other end: a pod ({namespace, labels}) or an
    address ({ip}). ipBlock matches addresses outside the pod network only."""
    if "ipBlock" in peer:
        if "ip" not in other:
            return False
        block = peer["ipBlock"]
        ip = ipaddress.ip_address(other["ip"])
        if ip not in ipaddress.ip_network(block["cidr"], strict=False):
            return False
        return not any(ip in ipaddress.ip_network(item, strict=False) for item in block.get("except") or [])
    if "ip" in other:
        return False
    pod_selector, namespace_selector = peer.get("podSelector"), peer.get("namespaceSelector")
    if namespace_selector is not None:
        if not labels_match(namespace_selector, _namespace_labels(namespaces, other["namespace"])):
            return False
    elif other["namespace"] != policy_namespace:
        return False
    return labels_match(pod_selector, other["labels"]) if pod_selector is not None else True


def _port_matches(rule_ports, port, protocol, pod):
    if not rule_ports:
        return True
    for item in rule_ports:
        if (item.get("protocol") or "TCP") != protocol:
            continue
        wanted = item.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str) and not wanted.isdigit():
            wanted = _named_port(pod, wanted) if pod else None
            if wanted is None:
                continue
        wanted = int(wanted)
        end = int(item.get("endPort") or wanted)
        if wanted <= port <= end:
            return True
    return False


def _named_port(pod, name):
    for container in (pod.get("spec") or {}).get("containers") or []:
        for item in container.get("ports") or []:
            if item.get("name") == name:
                return int(item["containerPort"])
    return None


def _direction_allows(policies, pod, direction, other, port, protocol, namespaces):
    """(selected, allowed) for traffic leaving (Egress) or reaching (Ingress) a pod."""
    key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    selecting = [policy for policy in policies if _selected(policy, pod) and direction in _policy_types(policy)]
    if not selecting:
        return False, True
    for policy in selecting:
        for rule in (policy.get("spec") or {}).get(key) or []:
            peers = rule.get(peers_key)
            if peers and not any(_peer_matches(peer, policy["metadata"]["namespace"], other, namespaces) for peer in peers):
                continue
            # a named port is the destination pod's
            if _port_matches(rule.get("ports"), port, protocol, pod.get("pod") if direction == "Ingress" else other.get("pod")):
                return True, True
    return True, False


def flow_verdict(policies, source, destination, port, protocol="TCP", namespaces=None):
    """Whether the NetworkPolicies let ``source`` reach ``destination`` on port/protocol.
    Each end is a pod ``{"namespace", "labels", "pod"?}`` or an address ``{"ip"}``. Returns
    ``(allowed, selected, why)``: selected is true when a policy selects either pod."""
    namespaces = namespaces or {}
    selected = False
    if "ip" not in source:
        picked, allowed = _direction_allows(policies, source, "Egress", destination, port, protocol, namespaces)
        selected = selected or picked
        if not allowed:
            return False, True, "no egress rule of the policies selecting the source allows it"
    if "ip" not in destination:
        picked, allowed = _direction_allows(policies, destination, "Ingress", source, port, protocol, namespaces)
        selected = selected or picked
        if not allowed:
            return False, True, "no ingress rule of the policies selecting the destination allows it"
    return True, selected, "allowed"


def flows(policies, wanted, namespaces=None):
    """``wanted``: [{"name", "source", "destination", "port", "protocol", "allow": bool}].
    A flow to allow must be allowed; a flow to deny must be denied by a policy selecting one
    of its ends (when no policy selects either end, nothing enforces the denial)."""
    findings = []
    for flow in wanted:
        allowed, selected, why = flow_verdict(policies, flow["source"], flow["destination"], int(flow["port"]),
                                              flow.get("protocol", "TCP"), namespaces)
        target = "%s (%s/%s)" % (flow["name"], flow["port"], flow.get("protocol", "TCP"))
        if flow.get("allow", True) and not allowed:
            findings.append(_finding("flow", target, "is needed but dropped: %s" % why))
        elif not flow.get("allow", True) and allowed:
            findings.append(_finding("flow", target, "is outside the architecture's flows but allowed%s" % (
                "" if selected else ": no NetworkPolicy selects either end")))
    return findings


# --------------------------------------------------------------------------- duplicates

def duplicates(objects):
    seen = {}
    findings = []
    for document in objects:
        key = object_key(document)
        if key in seen and seen[key] != document.get("_source"):
            findings.append(_finding("unique", object_name(document), "is rendered by both %s and %s; the second "
                                     "install would fail Helm's ownership check or overwrite the first"
                                     % (seen[key], document.get("_source"))))
        seen.setdefault(key, document.get("_source"))
    return findings


# --------------------------------------------------------------------------- Coder options

def coder_environment(settings, options):
    """``settings``: [{"object", "role", "env": [names]}], the CODER_* variables a values file
    sets for a Coder workload ('coderd', 'provisioner', 'proxy'); ``options``: role -> the
    names that command reads. A variable outside them is ignored by Coder. (The chart's own
    variables are the chart's business; ours are checked.)"""
    findings = []
    for item in settings:
        names = options.get(item.get("role"))
        if names is None:
            continue
        for name in item.get("env") or []:
            if str(name).startswith("CODER_") and name not in names:
                findings.append(_finding("coder-env", item["object"], "sets %s, which the %s command does not read: it "
                                         "does nothing" % (name, item["role"])))
    return findings


# --------------------------------------------------------------------------- kubeadm files

KUBEADM_API_VERSIONS = ("kubeadm.k8s.io/v1beta4", "kubeadm.k8s.io/v1beta3")
KUBEADM_FILE_KINDS = {
    "init": {"InitConfiguration": KUBEADM_API_VERSIONS, "ClusterConfiguration": KUBEADM_API_VERSIONS,
             "KubeletConfiguration": ("kubelet.config.k8s.io/v1beta1",),
             "KubeProxyConfiguration": ("kubeproxy.config.k8s.io/v1alpha1",)},
    "join": {"JoinConfiguration": KUBEADM_API_VERSIONS},
}
# Top-level fields of kubeadm's v1beta4 types (cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go).
KUBEADM_FIELDS = {
    "InitConfiguration": {"bootstrapTokens", "dryRun", "nodeRegistration", "localAPIEndpoint", "certificateKey",
                          "skipPhases", "patches", "timeouts"},
    "ClusterConfiguration": {"etcd", "networking", "kubernetesVersion", "controlPlaneEndpoint", "apiServer",
                             "controllerManager", "scheduler", "dns", "proxy", "certificatesDir", "imageRepository",
                             "featureGates", "clusterName", "encryptionAlgorithm", "certificateValidityPeriod",
                             "caCertificateValidityPeriod"},
    "JoinConfiguration": {"dryRun", "nodeRegistration", "caCertPath", "discovery", "controlPlane", "skipPhases",
                          "patches", "timeouts"},
}


def kubeadm_files(files, api_endpoint=""):
    """``files``: [{"name", "kind": "init" | "join", "documents", "control_plane": bool}]. Each
    document is a kind that command reads from --config, with a known apiVersion and fields;
    a join file reaches the cluster through ``api_endpoint`` (host:port) when one is given."""
    findings = []
    for item in files:
        accepted = KUBEADM_FILE_KINDS[item["kind"]]
        for document in item.get("documents") or []:
            if not document:
                continue
            kind = document.get("kind")
            label = "%s (%s)" % (item["name"], kind)
            if kind not in accepted:
                findings.append(_finding("kubeadm", label, "kubeadm %s reads only %s from its --config file; this document "
                                         "would be ignored" % (item["kind"], ", ".join(sorted(accepted)))))
                continue
            if document.get("apiVersion") not in accepted[kind]:
                findings.append(_finding("kubeadm", label, "apiVersion %r, expected %s" % (
                    document.get("apiVersion"), " or ".join(accepted[kind]))))
            unknown = sorted(set(document) - KUBEADM_FIELDS.get(kind, set(document)) - {"apiVersion", "kind"})
            if unknown:
                findings.append(_finding("kubeadm", label, "fields kubeadm does not know: %s" % ", ".join(unknown)))
            if kind == "JoinConfiguration":
                discovery = ((document.get("discovery") or {}).get("bootstrapToken") or {}).get("apiServerEndpoint")
                if api_endpoint and discovery != api_endpoint:
                    findings.append(_finding("kubeadm", label, "joins through %s, not the cluster's API endpoint %s"
                                             % (discovery, api_endpoint)))
                if item.get("control_plane") and not (document.get("controlPlane") or {}).get("localAPIEndpoint"):
                    findings.append(_finding("kubeadm", label, "joins a control plane without controlPlane.localAPIEndpoint"))
    return findings
