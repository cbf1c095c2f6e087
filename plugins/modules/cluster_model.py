#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_model
short_description: Check a site's rendered Kubernetes objects as a cluster would run them, before there is a cluster
version_added: 0.1.0
description:
  - Builds the site's clusters from the inventory and the plan (the primary cluster's control planes and node
    pools with their labels, taints and allocatable resources; one cluster per workspace proxy region) and
    reads every object the phases would create, as rendered files (manifests and C(helm template) output).
  - "Checks, per cluster: every pod can be scheduled (taints and tolerations, nodeSelector, required node
    affinity, required pod anti-affinity, requests against allocatable); DaemonSets cover the nodes they must;
    each LoadBalancer Service gets an announced address; the NetworkPolicies allow every flow of Coder's
    architecture and drop the flows outside it; no two sources render the same object; every CODER_*
    variable is an option of the Coder command that reads it; kubeadm files carry only what kubeadm reads."
  - Writes the review copies of the sources given by content, then C(model.md) and C(model.json) to O(report_dir), and
    fails, naming each finding, when O(enforce) is true and a rule does not hold.
author:
  - onprem.coder maintainers (@onprem-coder)
attributes:
  check_mode:
    support: full
    description: Reads and checks; the review copies and the report are written in check mode too (they describe, they change
      no host).
  diff_mode:
    support: none
    description: Nothing on a host changes.
options:
  groups:
    description: The inventory's groups (C(groups)).
    type: dict
    required: true
  plan:
    description: The plan (C(onprem_coder_plan)).
    type: dict
    required: true
  pool_definitions:
    description: The node pools (C(node_pools_definitions)).
    type: dict
    required: true
  host_settings:
    description: Per host, C(labels), C(taints) and C(capacity) (C({cpu, memory_gb})) beyond its pool's.
    type: dict
    default: {}
  kubelet:
    description: KubeletConfiguration overrides of C(control_plane) and C(worker) nodes (reservations count).
    type: dict
    default: {}
  regions:
    description: Each host of a workspace proxy region's cluster to its region (C(onprem_coder_region)).
    type: dict
    default: {}
  sources:
    description:
      - What each phase would create, each C({name, path, namespace, role, cluster, values_file}); C(cluster) is C(primary)
        or a region; the C(coder.env) of C(values_file) is what the Coder options check reads.
      - With C(objects) (a list of objects) or C(content) (YAML documents, such as C(helm template) output), the module
        writes them to C(path) first, as the review copy (only when it differs), and checks them; without, it reads C(path).
    type: list
    elements: dict
    required: true
  coverage:
    description: DaemonSets of the primary cluster and the nodes each must cover (C({daemonset, nodes, why})).
    type: list
    elements: dict
    default: []
  kubeadm_files:
    description: Rendered kubeadm files, each C({name, path, kind, control_plane}); C(kind) is C(init) or C(join).
    type: list
    elements: dict
    default: []
  api_endpoint:
    description: The Kubernetes API endpoint (host:port) every join file must use.
    type: str
    default: ""
  context:
    description:
      - C(workspace_namespace), C(metrics_namespace), C(database) ({host, port}), C(database_cidrs),
        C(api_addresses), C(network_policies) (bool).
    type: dict
    default: {}
  notes:
    description: What the caller could not render, listed in the report as not checked.
    type: list
    elements: str
    default: []
  report_dir:
    description: Where model.md and model.json are written.
    type: path
    required: true
  enforce:
    description: Fail when any rule does not hold.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Render | The cluster model
  onprem.coder.cluster_model:
    groups: "{{ groups }}"
    plan: "{{ onprem_coder_plan }}"
    pool_definitions: "{{ node_pools_definitions }}"
    sources:
      - {name: coder, path: out/render/helm/coder.yaml, namespace: coder, role: coderd, cluster: primary}
    report_dir: out/render
"""

RETURN = r"""
rows:
  description: One row per cluster and rule, with what was checked and the number of findings.
  returned: always
  type: list
  elements: dict
findings:
  description: Each rule that does not hold, C({cluster, rule, object, message}).
  returned: always
  type: list
  elements: dict
report:
  description: The path of model.md.
  returned: always
  type: str
seconds:
  description: How long the checks took (reading the files included).
  returned: always
  type: float
"""

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule

try:
    import yaml
    HAS_YAML = True
    # libyaml's parser when PyYAML has it: the review copies hold every upstream object (Calico
    # alone is 300 kB), which the pure-Python parser reads about ten times slower
    LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
except ImportError:  # pragma: no cover
    HAS_YAML = False

from ansible_collections.onprem.coder.plugins.module_utils import cluster_model as model
from ansible_collections.onprem.coder.plugins.module_utils import cluster_site as site
from ansible_collections.onprem.coder.plugins.module_utils.coder_options import command_options


def _load(path):
    with open(path) as handle:
        return [document for document in yaml.load_all(handle, Loader=LOADER) if document]


def _write(path, text):
    """A review copy, written only when it differs from the file there."""
    if os.path.isfile(path):
        with open(path) as handle:
            if handle.read() == text:
                return
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        os.makedirs(folder)
    with open(path, "w") as handle:
        handle.write(text)


def _documents(source):
    """A source's objects. Given as objects or content, they are written to its path first."""
    if source.get("objects") is not None:
        objects = [item for item in source["objects"] if item]
        _write(source["path"], yaml.dump_all(objects, Dumper=DUMPER, default_flow_style=False, indent=2))
        return objects
    if source.get("content") is not None:
        _write(source["path"], source["content"])
        return [document for document in yaml.load_all(source["content"], Loader=LOADER) if document]
    return _load(source["path"])


def run(params):
    clusters = {"primary": {"name": "primary", "primary": True, "objects": [], "coverage": params["coverage"], "env": [],
                            "nodes": site.site_nodes(params["groups"], params["pool_definitions"], params["plan"],
                                                     params["host_settings"], params["kubelet"])}}
    regions = {}
    for host, region in params["regions"].items():
        regions.setdefault(str(region), []).append(host)
    for region, hosts in sorted(regions.items()):
        clusters[region] = {"name": "region %s" % region, "primary": False, "objects": [], "coverage": [], "env": [],
                            "nodes": site.region_nodes(hosts)}
    for source in params["sources"]:
        cluster = clusters.get(source.get("cluster") or "primary")
        if cluster is None:
            raise model.ModelError("source %s: cluster %r is neither primary nor a region" % (source["name"], source["cluster"]))
        objects = model.normalise(_documents(source), source.get("namespace"), source["name"])
        for document in objects:
            document["_role"] = source.get("role")
        cluster["objects"].extend(objects)
        if source.get("values_file"):
            with open(source["values_file"]) as handle:
                values = yaml.load(handle, Loader=LOADER) or {}
            env = ((values.get("coder") or {}).get("env")) or []
            cluster["env"].append({"object": "values %s" % source["values_file"], "role": source.get("role"),
                                   "env": [item.get("name") for item in env if isinstance(item, dict)]})
    context = dict(params["context"])
    context["plan"] = params["plan"]
    context.setdefault("workspace_pool", (params["pool_definitions"] or {}).get("workspace"))
    rows, findings = [], []
    options = command_options()
    for key in ["primary"] + sorted(name for name in clusters if name != "primary"):
        cluster_rows, cluster_findings = site.check_cluster(clusters[key], context, options)
        rows.extend(cluster_rows)
        findings.extend(cluster_findings)
    files = [{"name": item["name"], "kind": item["kind"], "control_plane": item.get("control_plane", False),
              "documents": _load(item["path"])} for item in params["kubeadm_files"]]
    kubeadm_findings = model.kubeadm_files(files, params["api_endpoint"])
    rows.append({"cluster": "primary", "rule": "kubeadm", "checked": "%d file(s)" % len(files), "findings": len(kubeadm_findings)})
    findings.extend(dict(item, cluster="primary") for item in kubeadm_findings)
    return rows, findings


def main():
    module = AnsibleModule(
        argument_spec=dict(
            groups=dict(type="dict", required=True),
            plan=dict(type="dict", required=True),
            pool_definitions=dict(type="dict", required=True),
            host_settings=dict(type="dict", default={}),
            kubelet=dict(type="dict", default={}),
            regions=dict(type="dict", default={}),
            sources=dict(type="list", elements="dict", required=True),
            coverage=dict(type="list", elements="dict", default=[]),
            kubeadm_files=dict(type="list", elements="dict", default=[]),
            api_endpoint=dict(type="str", default=""),
            context=dict(type="dict", default={}),
            notes=dict(type="list", elements="str", default=[]),
            report_dir=dict(type="path", required=True),
            enforce=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    if not HAS_YAML:
        module.fail_json(msg="PyYAML is required on the controller")
    started = time.monotonic()
    try:
        rows, findings = run(module.params)
    except (model.ModelError, ValueError, KeyError, OSError) as error:
        module.fail_json(msg="cluster model: %s" % error)
    seconds = round(time.monotonic() - started, 2)
    report = os.path.join(module.params["report_dir"], "model.md")
    if not os.path.isdir(module.params["report_dir"]):
        os.makedirs(module.params["report_dir"])
    with open(report, "w") as handle:
        handle.write(site.report_markdown(rows, findings, module.params["notes"]))
    with open(os.path.join(module.params["report_dir"], "model.json"), "w") as handle:
        json.dump({"rows": rows, "findings": findings, "notes": module.params["notes"], "seconds": seconds}, handle, indent=2,
                  sort_keys=True)
    result = dict(changed=False, rows=rows, findings=findings, report=report, seconds=seconds)
    if findings and module.params["enforce"]:
        module.fail_json(msg="the cluster model found %d problem(s) (%s): %s" % (
            len(findings), report, "; ".join("[%s] %s: %s %s" % (item["cluster"], item["rule"], item["object"], item["message"])
                                             for item in findings)), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
