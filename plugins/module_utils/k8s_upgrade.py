# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The order of a kubeadm upgrade: which nodes, in which batches, with which command.

One minor version at a time (kubeadm's rule). The first control plane runs `kubeadm upgrade
apply`; the other control planes `kubeadm upgrade node`, one at a time; then the workers,
pool by pool, in batches (a count or a percentage of the pool), drained before and
uncordoned after. The Coder control plane pool goes one node at a time whatever the batch
setting: coderd replicas must keep serving. No Ansible imports: tested with pytest directly.

Resumable and idempotent: a node whose kubelet already runs the target version is left out
(no drain, no restart), and `upgrade apply` is left out once the API server runs the target.
A second run after a finished upgrade has no steps; a run after an interrupted one does only
what is left.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")
ONE_AT_A_TIME_POOLS = ("coder",)


class UpgradeError(ValueError):
    pass


def _version(value, name):
    match = _VERSION.match(str(value))
    if not match:
        raise UpgradeError("%s: %r is not a version like v1.31.4" % (name, value))
    return tuple(int(part) for part in match.groups())


def check_versions(current, target):
    """None when current -> target is a supported kubeadm upgrade, else raise UpgradeError."""
    cur = _version(current, "running version")
    tgt = _version(target, "kubernetes_version")
    if tgt < cur:
        raise UpgradeError("kubernetes_version %s is older than the running %s; kubeadm does not downgrade"
                           % (target, current))
    if tgt[0] != cur[0] or tgt[1] - cur[1] > 1:
        raise UpgradeError("kubernetes_version %s skips a minor version from the running %s; upgrade one minor "
                           "version at a time (next: v%d.%d.x)" % (target, current, cur[0], cur[1] + 1))
    return None


def batch_size(pool_size, setting):
    """A count (3) or a percentage of the pool ('25%'), at least 1, at most the pool."""
    if pool_size <= 0:
        return 0
    text = str(setting).strip()
    if text.endswith("%"):
        try:
            percent = float(text[:-1])
        except ValueError:
            raise UpgradeError("batch size %r: expected a count or a percentage like 25%%" % (setting,))
        if not 0 < percent <= 100:
            raise UpgradeError("batch size %r: a percentage must be above 0 and at most 100" % (setting,))
        size = int(math.ceil(pool_size * percent / 100.0))
    else:
        try:
            size = int(text)
        except ValueError:
            raise UpgradeError("batch size %r: expected a count or a percentage like 25%%" % (setting,))
        if size < 1:
            raise UpgradeError("batch size %r: expected at least 1" % (setting,))
    return max(1, min(size, pool_size))


def kubelet_versions(nodes, hosts, node_names=None):
    """{inventory host: kubelet version} from the API's Node objects; node_names maps an
    inventory host to its node name where they differ. Hosts the API does not list are absent."""
    node_names = node_names or {}
    kubelets = {}
    for node in nodes:
        name = (node.get("metadata") or {}).get("name")
        version = ((node.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion")
        if name and version:
            kubelets[name] = version
    return dict((host, kubelets[node_names.get(host, host)]) for host in hosts if node_names.get(host, host) in kubelets)


def order(control_planes, pools, batch_sizes=None, default_batch="25%", pool_order=("coder", "provisioner", "workspace"),
          target=None, server_version=None, node_versions=None):
    """The upgrade steps in order.

    control_planes: list of hosts (the first one runs `upgrade apply`).
    pools: {pool name: [hosts]}; a host listed in a pool and as a control plane is upgraded
    with the control planes only.
    target, server_version, node_versions ({host: kubelet version}): when given, hosts whose
    kubelet runs ``target`` are done and left out, and the first control plane runs `upgrade
    apply` only while the API server runs an older version (else `upgrade node`, if its
    kubelet is behind). A host missing from node_versions is treated as behind.
    Returns a list of {"step", "pool", "nodes", "command", "drain", "batch"}.
    """
    if not control_planes:
        raise UpgradeError("group kube_control_plane is empty")
    batch_sizes = batch_sizes or {}
    node_versions = node_versions or {}

    def behind(host):
        if target is None:
            return True
        version = node_versions.get(host)
        return version is None or _version(version, "kubelet version of %s" % host) != _version(target, "kubernetes_version")

    apply_due = target is None or server_version is None or \
        _version(server_version, "running version") != _version(target, "kubernetes_version")
    steps = []

    def add(pool, nodes, command, batch):
        steps.append({"step": len(steps) + 1, "pool": pool, "nodes": nodes, "command": command, "drain": True,
                      "batch": batch})

    first = control_planes[0]
    if apply_due:
        add("control-plane", [first], "apply", 1)
    elif behind(first):
        add("control-plane", [first], "node", 1)
    for host in control_planes[1:]:
        if behind(host):
            add("control-plane", [host], "node", 1)
    seen = set(control_planes)
    names = [name for name in pool_order if name in pools] + sorted(name for name in pools if name not in pool_order)
    for name in names:
        members = [host for host in pools[name] if host not in seen]
        seen.update(members)
        # the batch is sized on the whole pool, so a resumed run keeps the same batch size
        size = 1 if name in ONE_AT_A_TIME_POOLS else batch_size(len(members), batch_sizes.get(name, default_batch))
        hosts = [host for host in members if behind(host)]
        for start in range(0, len(hosts), size):
            add(name, hosts[start:start + size], "node", size)
    return steps


def playbook_view(steps):
    """What the upgrade playbook's plays take: the hosts of each phase and the pool batch sizes.

    {"hosts": {"first": [...], "control_planes": [...], "<pool>": [...]}, "batch": {"<pool>": n}}:
    "first" is the control plane that runs `upgrade apply` (empty once the API server runs the
    target), "control_planes" those that run `upgrade node`, one at a time. Play-level `hosts:`
    and `serial:` read these from localhost's facts (inventory variables do not reach `serial:`).
    """
    view = {"hosts": {"first": [], "control_planes": []}, "batch": {}}
    for step in steps:
        if step["pool"] == "control-plane":
            view["hosts"]["first" if step["command"] == "apply" else "control_planes"].extend(step["nodes"])
        else:
            view["hosts"].setdefault(step["pool"], []).extend(step["nodes"])
            view["batch"][step["pool"]] = step["batch"]
    return view
