#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cva_sizing
short_description: Size a Coder deployment the way Coder's Validated Architecture does
version_added: 0.1.0
description:
  - Computes coderd, provisioner, workspace proxy, database, workspace node and Kubernetes
    pool figures from the number of users and a few other inputs. Runs on the controller
    and touches no host.
  - For exactly 1000, 2000, 3000 and 10000 users with default loads every figure equals
    Coder's published per-tier table.
  - Between tiers the per-tier figures (coderd shape and replicas, database shape, workspace
    proxy shape and replicas) come from the next published tier up, so a deployment is never
    sized below what Coder validated for at least as many users. Per-load figures
    (provisioner replicas = concurrent builds, workspace nodes) are computed from the load.
  - Above 10000 users the 10k tier is scaled linearly, with a warning. Below 1000 users the
    1k tier applies to coderd; O(sizing_basis=baseline) sizes the database from the older
    overview baseline (2 vCPU / 8 GB / 512 GB plus 2 vCPU per 1000 active users).
  - The formulas are in docs/sizing.md of the collection.
author:
  - onprem.coder maintainers (@onprem-coder)
attributes:
  check_mode:
    support: full
    description: Computes only; nothing changes.
  diff_mode:
    support: none
    description: Nothing to diff.
options:
  users:
    description: Number of users of the deployment.
    type: int
    required: true
  concurrent_workspaces:
    description: Running workspaces at peak. Default O(workspace_ratio) of O(users) (60 %).
    type: int
  concurrent_builds:
    description: Workspace builds at peak. Default O(build_ratio) of the concurrent workspaces (10 %), at least 1.
    type: int
  workspace_ratio:
    description: Share of users with a running workspace at peak, used when O(concurrent_workspaces) is not set.
    type: float
    default: 0.6
  build_ratio:
    description: Share of running workspaces building at once, used when O(concurrent_builds) is not set.
    type: float
    default: 0.1
  regions:
    description: Workspace proxy regions, each with the users it serves.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Region name (the proxy's name in Coder). Required.
        type: str
      users:
        description: Users served by the region. Required.
        type: int
  workspace_profile:
    description: Resources of one running workspace. Default 1 vCPU / 2 GB (Coder's scale tests).
    type: dict
    suboptions:
      cpu:
        description: vCPU per workspace.
        type: float
        default: 1
      memory_gb:
        description: GB of RAM per workspace.
        type: float
        default: 2
  workspace_node:
    description: Shape of one workspace node. Default 16 vCPU / 64 GB / 110 pods.
    type: dict
    suboptions:
      cpu:
        description: vCPU per node.
        type: float
        default: 16
      memory_gb:
        description: GB of RAM per node.
        type: float
        default: 64
      max_pods:
        description: kubelet's maxPods.
        type: int
        default: 110
  database_encryption:
    description: Coder database encryption is on (adds 1 vCPU to every coderd replica).
    type: bool
    default: false
  ha:
    description: High availability (3 database nodes, 3 control plane nodes, several coderd replicas).
    type: bool
    default: true
  database_ha:
    description: Three database nodes (Patroni) even where O(ha) is false; default O(ha).
    type: bool
  sizing_basis:
    description: V(validated) uses Coder's per-tier tables; V(baseline) the older overview guidance for the database.
    type: str
    choices: [validated, baseline]
    default: validated
  provisioners_per_node:
    description: Most provisioner daemons on one node (Coder's VM limit is 30).
    type: int
    default: 30
  external_provisioners:
    description: Run external provisioner daemons (the validated architectures do); false keeps coderd's built-in ones.
    type: bool
    default: true
  variable_prefix:
    description:
      - Put before the input's name in an error message, so the message names the variable the user sets (the plan
        role passes C(onprem_coder_), its inventory variables' prefix). Without it the message starts with C(cva_sizing:).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Plan | Size the deployment
  onprem.coder.cva_sizing:
    users: 3000
    regions:
      - name: eu-west
        users: 800
  register: sizing

- name: Plan | Show coderd
  ansible.builtin.debug:
    msg: "{{ sizing.plan.coderd.replicas }} x {{ sizing.plan.coderd.requests.cpu }}"
"""

RETURN = r"""
plan:
  description: The deployment plan. Keys are stable.
  returned: success
  type: dict
  contains:
    tier:
      description: V(1k), V(2k), V(3k), V(10k) (a published tier, or fewer than 1000 users) or V(custom).
      type: str
      sample: 3k
    users:
      description: Users.
      type: int
    concurrent_workspaces:
      description: Running workspaces at peak.
      type: int
    concurrent_builds:
      description: Builds at peak.
      type: int
    coderd:
      description: coderd replicas, vCPU and GB per replica, Kubernetes requests and limits (equal), builtin_provisioners.
      type: dict
      sample: {replicas: 4, cpu: 4, memory_gb: 12, requests: {cpu: 4000m, memory: 12Gi},
               limits: {cpu: 4000m, memory: 12Gi}, builtin_provisioners: 0}
    provisioners:
      description: External provisioner replicas and shape, per_node, nodes, share_coderd_nodes.
      type: dict
    workspace_proxies:
      description: One entry per region with name, users, replicas, cpu, memory_gb, requests, limits.
      type: list
      elements: dict
    database:
      description: vcpu, memory_gb, storage_gb, nodes, max_connections and recommended PostgreSQL parameters.
      type: dict
    workspace_nodes:
      description: Workspace node count (80 % utilisation), workspaces_per_node, node shape and workspace profile.
      type: dict
    kubernetes:
      description: control_plane_nodes and pools (control_plane, coder, provisioner, workspace) with nodes, min_cpu, min_memory_gb.
      type: dict
    warnings:
      description: Human-readable warnings (extrapolation, shared nodes, single nodes).
      type: list
      elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.onprem.coder.plugins.module_utils.sizing import SizingError, size


def main():
    module = AnsibleModule(
        argument_spec=dict(
            users=dict(type="int", required=True),
            concurrent_workspaces=dict(type="int"),
            concurrent_builds=dict(type="int"),
            workspace_ratio=dict(type="float", default=0.6),
            build_ratio=dict(type="float", default=0.1),
            regions=dict(type="list", elements="dict", default=[], options=dict(
                # checked by size() itself, whose messages name the region and the key
                name=dict(type="str"),
                users=dict(type="int"),
            )),
            workspace_profile=dict(type="dict", options=dict(
                cpu=dict(type="float", default=1),
                memory_gb=dict(type="float", default=2),
            )),
            workspace_node=dict(type="dict", options=dict(
                cpu=dict(type="float", default=16),
                memory_gb=dict(type="float", default=64),
                max_pods=dict(type="int", default=110),
            )),
            database_encryption=dict(type="bool", default=False),
            ha=dict(type="bool", default=True),
            database_ha=dict(type="bool"),
            sizing_basis=dict(type="str", default="validated", choices=["validated", "baseline"]),
            provisioners_per_node=dict(type="int", default=30),
            external_provisioners=dict(type="bool", default=True),
            variable_prefix=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    inputs = dict(module.params)
    prefix = inputs.pop("variable_prefix")
    try:
        plan = size(**inputs)
    except SizingError as exc:
        # every SizingError message starts with the input's name
        module.fail_json(msg=("%s%s" % (prefix, exc)) if prefix else "cva_sizing: %s" % exc)
    for warning in plan["warnings"]:
        module.warn(warning)
    module.exit_json(changed=False, plan=plan)


if __name__ == "__main__":
    main()
