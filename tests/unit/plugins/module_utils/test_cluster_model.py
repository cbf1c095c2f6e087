# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The cluster model's rules on small hand-made clusters: for each, a cluster where it holds
and one where it does not, with a message naming the object and the rule."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.onprem.coder.plugins.module_utils import cluster_model as model
from ansible_collections.onprem.coder.plugins.module_utils import cluster_site as site
from ansible_collections.onprem.coder.plugins.module_utils import coder_options
from ansible_collections.onprem.coder.plugins.module_utils.k8s_manifests import network_policies

POOL = "onprem.coder/pool"


def node(name, pool=None, cpu="8", memory="32Gi", control_plane=False):
    labels = {"kubernetes.io/hostname": name}
    taints = []
    if pool:
        labels[POOL] = pool
        taints.append({"key": POOL, "value": pool, "effect": "NoSchedule"})
    if control_plane:
        taints.append({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})
    return {"name": name, "labels": labels, "taints": taints, "allocatable": {"cpu": cpu, "memory": memory}}


def deployment(name, replicas=1, namespace="coder", labels=None, cpu="1", memory="1Gi", pool=None, kind="Deployment",
               extra=None, annotations=None):
    labels = labels or {"app": name}
    spec = {"containers": [{"name": name, "resources": {"requests": {"cpu": cpu, "memory": memory}}}]}
    if pool:
        spec["nodeSelector"] = {POOL: pool}
        spec["tolerations"] = [{"key": POOL, "operator": "Equal", "value": pool, "effect": "NoSchedule"}]
    spec.update(extra or {})
    document = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": namespace},
                "spec": {"selector": {"matchLabels": labels},
                         "template": {"metadata": {"labels": labels, "annotations": annotations or {}}, "spec": spec}}}
    if kind != "DaemonSet":
        document["spec"]["replicas"] = replicas
    return model.normalise([document], namespace, "test")[0]


def placed(nodes, objects):
    return model.schedule(nodes, model.workloads(objects))


def messages(findings):
    return ["%s: %s %s" % (item["rule"], item["object"], item["message"]) for item in findings]


# ------------------------------------------------------------------ quantities

def test_quantities_are_read_as_kubernetes_reads_them():
    assert model.cpu_millis("500m") == 500 and model.cpu_millis("2") == 2000 and model.cpu_millis(1.5) == 1500
    assert model.memory_bytes("1Gi") == 2 ** 30 and model.memory_bytes("1G") == 10 ** 9 and model.memory_bytes("512Mi") == 2 ** 29
    with pytest.raises(model.ModelError, match="'two' is not a number"):
        model.cpu_millis("two")


# ------------------------------------------------------------------ schedule

def test_a_pool_workload_runs_on_its_pool_and_fails_without_its_toleration():
    nodes = [node("c1", "coder"), node("w1", "workspace")]
    _placement, findings = placed(nodes, [deployment("coderd", pool="coder")])
    assert findings == []
    bare = deployment("coderd")
    bare["spec"]["template"]["spec"]["nodeSelector"] = {POOL: "coder"}
    _placement, findings = placed(nodes, [bare])
    assert messages(findings) == ["schedule: Deployment coder/coderd replica 1 of 1 cannot be placed: 1 node: taint "
                                  "onprem.coder/pool=coder:NoSchedule not tolerated; 1 node: taint "
                                  "onprem.coder/pool=workspace:NoSchedule not tolerated"]


def test_node_selector_and_required_node_affinity_decide_the_nodes():
    nodes = [node("a"), node("b")]
    nodes[1]["labels"]["disk"] = "ssd"
    ok = deployment("db", extra={"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}]}}}})
    placement, findings = placed(nodes, [ok])
    assert findings == [] and placement.nodes_of("Deployment coder/db") == ["b"]
    missing = deployment("db", extra={"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "disk", "operator": "In", "values": ["nvme"]}]}]}}}})
    _placement, findings = placed(nodes, [missing])
    assert "2 nodes: required node affinity does not match the node's labels" in findings[0]["message"]
    selector = deployment("db", extra={"nodeSelector": {"gpu": "true"}})
    _placement, findings = placed(nodes, [selector])
    assert "2 nodes: nodeSelector gpu=true not on the node" in findings[0]["message"]


def test_required_pod_anti_affinity_needs_a_node_per_replica():
    anti = {"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "coderd"}}, "topologyKey": "kubernetes.io/hostname"}]}}}
    three = [node("c%d" % index, "coder") for index in (1, 2, 3)]
    placement, findings = placed(three, [deployment("coderd", replicas=3, pool="coder", extra=anti)])
    assert findings == [] and placement.nodes_of("Deployment coder/coderd") == ["c1", "c2", "c3"]
    _placement, findings = placed(three[:2], [deployment("coderd", replicas=3, pool="coder", extra=anti)])
    assert messages(findings) == ["schedule: Deployment coder/coderd replica 3 of 3 cannot be placed: 2 nodes: required "
                                  "pod anti-affinity (kubernetes.io/hostname) against Deployment coder/coderd"]


def test_requests_times_replicas_must_fit_what_is_allocatable():
    nodes = [node("p1", "provisioner", cpu="4", memory="8Gi"), node("p2", "provisioner", cpu="4", memory="8Gi")]
    _placement, findings = placed(nodes, [deployment("prov", replicas=8, pool="provisioner")])
    assert findings == []
    _placement, findings = placed(nodes, [deployment("prov", replicas=9, pool="provisioner")])
    assert messages(findings) == ["schedule: Deployment coder/prov replica 9 of 9 cannot be placed: 2 nodes: insufficient "
                                  "cpu (asks 1000m, 0m free)"]
    # a container with only limits asks for its limits
    limits = deployment("big", pool="provisioner")
    limits["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "5", "memory": "1Gi"}}
    _placement, findings = placed(nodes, [limits])
    assert "insufficient cpu (asks 5000m, 4000m free)" in findings[0]["message"]


def test_daemonsets_go_first_and_a_full_node_is_reported():
    nodes = [node("w1", "workspace", cpu="1")]
    agent = deployment("agent", kind="DaemonSet", namespace="kube-system", cpu="250m",
                       extra={"tolerations": [{"operator": "Exists"}]})
    _placement, findings = placed(nodes, [agent, deployment("ws", replicas=1, pool="workspace", cpu="750m")])
    assert findings == []
    _placement, findings = placed(nodes, [agent, deployment("ws", replicas=1, pool="workspace", cpu="800m")])
    assert messages(findings) == ["schedule: Deployment coder/ws replica 1 of 1 cannot be placed: 1 node: insufficient "
                                  "cpu (asks 800m, 750m free)"]
    heavy = deployment("agent", kind="DaemonSet", namespace="kube-system", cpu="2", extra={"tolerations": [{"operator": "Exists"}]})
    _placement, findings = placed(nodes, [heavy])
    assert messages(findings) == ["schedule: DaemonSet kube-system/agent its pod on node w1 cannot run: insufficient cpu "
                                  "(asks 2000m, 1000m free)"]


# ------------------------------------------------------------------ DaemonSet coverage

def speaker(tolerations):
    return deployment("speaker", kind="DaemonSet", namespace="metallb-system", cpu="0", memory="0",
                      extra={"tolerations": tolerations})


def coder_service(policy="Local"):
    return model.normalise([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "coder", "namespace": "coder"},
                             "spec": {"type": "LoadBalancer", "externalTrafficPolicy": policy, "selector": {"app": "coderd"},
                                      "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}], "coder", "test")[0]


def test_the_speaker_must_run_where_the_loadbalancer_endpoints_are():
    nodes = [node("cp1", control_plane=True), node("c1", "coder"), node("w1", "workspace")]
    rule = [{"daemonset": "metallb-system/speaker", "nodes": "loadbalancer-endpoints", "why": "L2 announcements"}]
    good = [speaker([{"key": POOL, "operator": "Exists", "effect": "NoSchedule"}]), deployment("coderd", pool="coder"),
            coder_service()]
    placement, _findings = placed(nodes, good)
    assert model.daemonset_coverage(placement, good, rule) == []
    upstream = [speaker([{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]),
                deployment("coderd", pool="coder"), coder_service()]
    placement, _findings = placed(nodes, upstream)
    assert messages(model.daemonset_coverage(placement, upstream, rule)) == [
        "daemonset: DaemonSet metallb-system/speaker has no pod on 1 node(s) it must cover (L2 announcements): c1"]


def test_a_node_agent_must_cover_every_node_and_a_missing_daemonset_is_named():
    nodes = [node("cp1", control_plane=True), node("w1", "workspace")]
    rule = [{"daemonset": "kube-system/calico-node", "nodes": "all", "why": "the pod network"}]
    everywhere = [deployment("calico-node", kind="DaemonSet", namespace="kube-system", extra={"tolerations": [{"operator": "Exists"}]})]
    placement, _findings = placed(nodes, everywhere)
    assert model.daemonset_coverage(placement, everywhere, rule) == []
    timid = [deployment("calico-node", kind="DaemonSet", namespace="kube-system")]
    placement, _findings = placed(nodes, timid)
    assert "has no pod on 2 node(s) it must cover (the pod network): cp1, w1" in \
        model.daemonset_coverage(placement, timid, rule)[0]["message"]
    assert "is not among the rendered objects" in model.daemonset_coverage(placement, [], rule)[0]["message"]
    by_label = [{"daemonset": "kube-system/calico-node", "nodes": {"matchLabels": {POOL: "workspace"}}, "why": "volumes"}]
    assert "w1" in model.daemonset_coverage(placement, timid, by_label)[0]["message"]


# ------------------------------------------------------------------ load balancers

def pool(addresses, auto=True, name="onprem-coder"):
    return {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool", "metadata": {"name": name, "namespace": "metallb-system"},
            "spec": {"addresses": addresses, "autoAssign": auto}}


def advertisement(kind="L2Advertisement", pools=None):
    return {"apiVersion": "metallb.io/v1beta1", "kind": kind, "metadata": {"name": "adv", "namespace": "metallb-system"},
            "spec": {"ipAddressPools": pools or ["onprem-coder"]}}


def lb_findings(extra, service=None, workloads=True):
    nodes = [node("c1", "coder")]
    objects = [service or coder_service()] + ([deployment("coderd", pool="coder")] if workloads else []) + extra
    placement, _findings = placed(nodes, objects)
    return messages(model.loadbalancers(placement, objects))


def test_a_loadbalancer_needs_a_pool_an_advertisement_a_peer_for_bgp_and_an_endpoint():
    assert lb_findings([pool(["10.0.0.200-10.0.0.210"]), advertisement()]) == []
    assert lb_findings([]) == ["loadbalancer: Service coder/coder no MetalLB IPAddressPool can give it an address"]
    assert lb_findings([pool(["10.0.0.200/29"])]) == [
        "loadbalancer: Service coder/coder its address pool onprem-coder is in no L2Advertisement or BGPAdvertisement: the "
        "address would never be announced"]
    assert lb_findings([pool(["10.0.0.200/29"]), advertisement("BGPAdvertisement")]) == [
        "loadbalancer: Service coder/coder is advertised over BGP but no BGPPeer exists: nothing would learn the route"]
    peer = {"apiVersion": "metallb.io/v1beta2", "kind": "BGPPeer", "metadata": {"name": "tor", "namespace": "metallb-system"},
            "spec": {"peerAddress": "10.0.0.1", "peerASN": 64500, "myASN": 64501}}
    assert lb_findings([pool(["10.0.0.200/29"]), advertisement("BGPAdvertisement"), peer]) == []
    fixed = coder_service()
    fixed["spec"]["loadBalancerIP"] = "10.0.9.9"
    assert lb_findings([pool(["10.0.0.200/29"]), advertisement()], service=fixed) == [
        "loadbalancer: Service coder/coder no MetalLB IPAddressPool can give it an address (asks for 10.0.9.9)"]
    assert lb_findings([pool(["10.0.0.200/29"], auto=False), advertisement()]) == [
        "loadbalancer: Service coder/coder no MetalLB IPAddressPool can give it an address"]
    assert lb_findings([pool(["10.0.0.200/29"]), advertisement()], workloads=False) == [
        "loadbalancer: Service coder/coder selects no pod that could be placed: no endpoint to announce"]


# ------------------------------------------------------------------ network flows

CODERD_POD = {"namespace": "coder", "labels": {"onprem.coder/component": "coderd", "app.kubernetes.io/name": "coder"},
              "pod": {"spec": {"containers": [{"ports": [{"name": "http", "containerPort": 8080}]}]}}}
WORKSPACE = {"namespace": "coder", "labels": {"app.kubernetes.io/name": "coder-workspace"}}
PROMETHEUS = {"namespace": "coder-observability", "labels": {"app.kubernetes.io/name": "prometheus"}}
USER = {"ip": "203.0.113.10"}
DATABASE = {"ip": "10.0.3.100"}


def flow(name, source, destination, port, allow=True, protocol="TCP"):
    return {"name": name, "source": source, "destination": destination, "port": port, "allow": allow, "protocol": protocol}


def test_the_policies_allow_the_architecture_and_drop_the_rest():
    policies = network_policies("coder", ["10.0.3.100/32"], ["10.0.1.0/24"])
    wanted = [flow("users to coderd over HTTPS", USER, CODERD_POD, 8443),
              flow("coderd to the database", CODERD_POD, DATABASE, 5000),
              flow("workspaces to coderd", WORKSPACE, CODERD_POD, 8080),
              flow("Prometheus to coderd metrics", PROMETHEUS, CODERD_POD, 2112),
              flow("workspaces to DNS", WORKSPACE, site.DNS_POD, 53, protocol="UDP"),
              flow("coderd to the API", CODERD_POD, {"ip": "10.0.1.11"}, 6443),
              flow("workspaces to the database", WORKSPACE, DATABASE, 5000, allow=False),
              flow("workspaces to the API", WORKSPACE, {"ip": "10.0.1.11"}, 6443, allow=False),
              flow("workspaces to coderd metrics", WORKSPACE, CODERD_POD, 2112, allow=False)]
    assert model.flows(policies, wanted) == []


def test_a_dropped_needed_flow_and_an_allowed_foreign_flow_are_both_reported():
    only_http = [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                  "metadata": {"name": "deny", "namespace": "coder"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
                 {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "in", "namespace": "coder"},
                  "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "coder"}},
                           "ingress": [{"ports": [{"port": "http"}]}]}},
                 {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "out", "namespace": "coder"},
                  "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                           "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.1.0/24"]}}]}]}}]
    wanted = [flow("users to coderd over HTTP", USER, CODERD_POD, 8080),
              flow("users to coderd over HTTPS", USER, CODERD_POD, 8443),
              flow("workspaces to the database", WORKSPACE, DATABASE, 5000, allow=False),
              flow("workspaces to the API", WORKSPACE, {"ip": "10.0.1.11"}, 6443, allow=False)]
    assert messages(model.flows(only_http, wanted)) == [
        "flow: users to coderd over HTTPS (8443/TCP) is needed but dropped: no ingress rule of the policies selecting the "
        "destination allows it",
        "flow: workspaces to the database (5000/TCP) is outside the architecture's flows but allowed"]
    # with no policy at all nothing enforces a denial, and the model says so
    assert messages(model.flows([], wanted[2:3])) == [
        "flow: workspaces to the database (5000/TCP) is outside the architecture's flows but allowed: no NetworkPolicy "
        "selects either end"]


def test_namespace_selectors_match_the_automatic_name_label():
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "m", "namespace": "coder"},
              "spec": {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                  "kubernetes.io/metadata.name": "coder-observability"}}}], "ports": [{"port": 2112}]}]}}
    assert model.flow_verdict([policy], PROMETHEUS, CODERD_POD, 2112)[0] is True
    assert model.flow_verdict([policy], dict(PROMETHEUS, namespace="default"), CODERD_POD, 2112)[0] is False
    assert model.flow_verdict([policy], PROMETHEUS, CODERD_POD, 2113)[0] is False


# ------------------------------------------------------------------ duplicates, Coder options, kubeadm

def sa(name, source):
    return model.normalise([{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}}], "coder", source)[0]


def test_two_releases_rendering_one_object_are_reported():
    assert model.duplicates([sa("coder-provisioner", "helm a"), sa("coder-provisioner-gpu", "helm b")]) == []
    assert messages(model.duplicates([sa("coder-provisioner", "helm a"), sa("coder-provisioner", "helm b")])) == [
        "unique: ServiceAccount coder/coder-provisioner is rendered by both helm a and helm b; the second install would "
        "fail Helm's ownership check or overwrite the first"]


def test_a_coder_variable_its_command_does_not_read_is_reported():
    options = coder_options.command_options()
    assert model.coder_environment([{"object": "values p", "role": "provisioner", "env": ["CODER_URL"]}], options) == []
    assert messages(model.coder_environment([{"object": "values p", "role": "provisioner",
                                              "env": ["CODER_URL", "CODER_TELEMETRY_ENABLE"]}], options)) == [
        "coder-env: values p sets CODER_TELEMETRY_ENABLE, which the provisioner command does not read: it does nothing"]
    assert model.coder_environment([{"object": "values c", "role": "coderd", "env": ["CODER_TELEMETRY_ENABLE"]}], options) == []


def test_the_options_restated_in_the_collection_match_coders_help():
    cli = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "shared", "upstream", "coder-cli")
    if not os.path.isdir(cli):
        pytest.skip("../shared/upstream/coder-cli (the option names of each coder command) is not on this machine")

    def names(*files):
        found = set()
        for name in files:
            with open(os.path.join(cli, name)) as handle:
                found.update(line.strip() for line in handle if line.strip() and not line.startswith("#"))
        return found
    options = coder_options.command_options()
    assert options["coderd"] == names("env_server.txt", "env_global.txt")
    assert options["proxy"] == names("env_wsproxy.txt", "env_global.txt")
    assert options["provisioner"] == names("env_provisioner.txt", "env_global.txt")


INIT = [{"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "InitConfiguration", "nodeRegistration": {}},
        {"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "ClusterConfiguration", "controlPlaneEndpoint": "10.0.0.10:8443"},
        {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", "cgroupDriver": "systemd"}]
JOIN = {"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "JoinConfiguration",
        "discovery": {"bootstrapToken": {"apiServerEndpoint": "10.0.0.10:8443"}}}


def test_kubeadm_files_carry_only_what_kubeadm_reads_there():
    good = [{"name": "cp1", "kind": "init", "documents": INIT}, {"name": "w1", "kind": "join", "documents": [JOIN]},
            {"name": "cp2", "kind": "join", "control_plane": True,
             "documents": [dict(JOIN, controlPlane={"localAPIEndpoint": {"advertiseAddress": "10.0.0.12"}})]}]
    assert model.kubeadm_files(good, "10.0.0.10:8443") == []
    kubelet = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", "maxPods": 200}
    bad = [{"name": "w1", "kind": "join", "documents": [dict(JOIN, discovery={"bootstrapToken": {"apiServerEndpoint": "10.0.0.11:6443"}}),
                                                        kubelet]},
           {"name": "cp1", "kind": "init", "documents": [dict(INIT[0], apiVersion="kubeadm.k8s.io/v1beta2"),
                                                         dict(INIT[1], controlPlaneEndpont="x")]},
           {"name": "cp2", "kind": "join", "control_plane": True, "documents": [JOIN]}]
    assert messages(model.kubeadm_files(bad, "10.0.0.10:8443")) == [
        "kubeadm: w1 (JoinConfiguration) joins through 10.0.0.11:6443, not the cluster's API endpoint 10.0.0.10:8443",
        "kubeadm: w1 (KubeletConfiguration) kubeadm join reads only JoinConfiguration from its --config file; this "
        "document would be ignored",
        "kubeadm: cp1 (InitConfiguration) apiVersion 'kubeadm.k8s.io/v1beta2', expected kubeadm.k8s.io/v1beta4 or "
        "kubeadm.k8s.io/v1beta3",
        "kubeadm: cp1 (ClusterConfiguration) fields kubeadm does not know: controlPlaneEndpont",
        "kubeadm: cp2 (JoinConfiguration) joins a control plane without controlPlane.localAPIEndpoint"]


# ------------------------------------------------------------------ the site: nodes, workspaces, flows

PLAN = {"concurrent_workspaces": 4, "workspace_nodes": {"profile": {"cpu": 1, "memory_gb": 2}},
        "kubernetes": {"pools": {"control_plane": {"min_cpu": 2, "min_memory_gb": 8}, "coder": {"min_cpu": 4, "min_memory_gb": 8},
                                 "workspace": {"min_cpu": 4, "min_memory_gb": 16}}}}
POOLS = {"coder": {"group": "coder_nodes", "labels": {POOL: "coder"}, "taints": ["onprem.coder/pool=coder:NoSchedule"]},
         "workspace": {"group": "workspace_nodes", "labels": {POOL: "workspace"}, "taints": ["onprem.coder/pool=workspace:NoSchedule"]}}
GROUPS = {"kube_control_plane": ["cp1"], "coder_nodes": ["c1"], "workspace_nodes": ["w1"]}


def test_site_nodes_carry_kubeadm_and_pool_labels_taints_and_allocatable():
    nodes = {item["name"]: item for item in site.site_nodes(GROUPS, POOLS, PLAN, {"w1": {"labels": {"gpu": "true"},
                                                                                         "kubelet": {"systemReserved": {"cpu": "500m"}}}})}
    assert nodes["cp1"]["taints"] == [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    assert nodes["c1"]["labels"][POOL] == "coder"
    assert nodes["c1"]["taints"] == [{"key": POOL, "value": "coder", "effect": "NoSchedule"}]
    assert nodes["c1"]["allocatable"] == {"cpu": "4000m", "memory": str(8 * 2 ** 30 - 100 * 2 ** 20)}
    assert nodes["w1"]["labels"]["gpu"] == "true" and nodes["w1"]["allocatable"]["cpu"] == "3500m"


def test_the_plans_workspaces_must_fit_the_workspace_pool():
    nodes = site.site_nodes(GROUPS, POOLS, PLAN)
    workspaces = site.workspace_workload(PLAN, "coder", POOLS["workspace"])
    _placement, findings = model.schedule(nodes, [workspaces])
    assert findings == []
    _placement, findings = model.schedule(nodes, [site.workspace_workload(dict(PLAN, concurrent_workspaces=5), "coder",
                                                                          POOLS["workspace"])])
    assert messages(findings) == ["schedule: Coder workspaces coder/* (the plan's profile) replica 5 of 5 cannot be placed: "
                                  "1 node: insufficient cpu (asks 1000m, 0m free); 1 node: taint "
                                  "node-role.kubernetes.io/control-plane:NoSchedule not tolerated; 1 node: taint "
                                  "onprem.coder/pool=coder:NoSchedule not tolerated"]


def coder_objects(annotations=True, url="http://coder.coder.svc.cluster.local"):
    scrape = {"prometheus.io/scrape": "true", "prometheus.io/port": "2112"} if annotations else {}
    coderd = deployment("coder", labels={"app.kubernetes.io/name": "coder", "onprem.coder/component": "coderd"},
                        pool="coder", annotations=scrape)
    coderd["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 8080}]
    service = model.normalise([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "coder", "namespace": "coder"},
                                "spec": {"type": "LoadBalancer", "selector": {"app.kubernetes.io/name": "coder"},
                                         "ports": [{"port": 80, "targetPort": "http"}]}}], "coder", "t")[0]
    provisioner = deployment("coder-provisioner", labels={"app.kubernetes.io/name": "coder-provisioner",
                                                          "onprem.coder/component": "provisioner"},
                             pool="coder", annotations=scrape)
    provisioner["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "CODER_URL", "value": url}]
    for document, role in ((coderd, "coderd"), (provisioner, "provisioner"), (service, None)):
        document["_role"] = role
    return [coderd, service, provisioner]


def test_the_architecture_flows_of_a_site_and_what_cannot_be_a_flow():
    context = {"database": {"host": "10.0.3.100", "port": 5000}, "api_addresses": ["10.0.1.11"]}
    objects = coder_objects() + network_policies("coder", ["10.0.3.100/32"], ["10.0.1.11/32"])
    workloads = model.workloads(objects) + [site.workspace_workload(PLAN, "coder", POOLS["workspace"])]
    flows, findings = site.architecture_flows(objects, workloads, context)
    assert findings == []
    names = [item["name"] for item in flows]
    assert "Deployment coder/coder-provisioner to coderd through Service coder/coder port 80" in names
    assert "users to coderd through Service coder/coder port 80 (HTTP, HTTPS, DERP)" in names
    assert model.flows([item for item in objects if item["kind"] == "NetworkPolicy"], flows) == []
    broken = coder_objects(annotations=False, url="http://coder-wrong.coder.svc.cluster.local")
    _flows, findings = site.architecture_flows(broken, model.workloads(broken), context)
    assert sorted(messages(findings)) == [
        "flow: Deployment coder/coder its pods carry no prometheus.io/scrape and prometheus.io/port annotations: the "
        "observability bundle never collects them",
        "flow: Deployment coder/coder-provisioner CODER_URL 'http://coder-wrong.coder.svc.cluster.local' reaches no "
        "Service port of coderd",
        "flow: Deployment coder/coder-provisioner its pods carry no prometheus.io/scrape and prometheus.io/port "
        "annotations: the observability bundle never collects them"]
