# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The order of a kubeadm upgrade: which nodes, in which batches, with which command.

One minor version at a time (kubeadm's rule). The first control plane runs `kubeadm upgrade
apply`; the other control planes `kubeadm upgrade node`, one at a time; then the workers,
pool by pool, in batches (a count or a percentage of the pool), drained before and
uncordoned after. The Coder control plane pool goes one node at a time whatever the batch
setting: coderd replicas must keep serving. No Ansible imports: tested with pytest directly.
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


def plan(control_planes, pools, batch_sizes=None, default_batch="25%", pool_order=("coder", "provisioner", "workspace")):
    """The upgrade steps in order.

    control_planes: list of hosts (the first one runs `upgrade apply`).
    pools: {pool name: [hosts]}; a host listed in a pool and as a control plane is upgraded
    with the control planes only.
    Returns a list of {"step", "pool", "nodes", "command", "drain"}.
    """
    if not control_planes:
        raise UpgradeError("group kube_control_plane is empty")
    batch_sizes = batch_sizes or {}
    steps = [{"step": 1, "pool": "control-plane", "nodes": [control_planes[0]], "command": "apply", "drain": True}]
    for host in control_planes[1:]:
        steps.append({"step": len(steps) + 1, "pool": "control-plane", "nodes": [host], "command": "node", "drain": True})
    seen = set(control_planes)
    names = [name for name in pool_order if name in pools] + sorted(name for name in pools if name not in pool_order)
    for name in names:
        hosts = [host for host in pools[name] if host not in seen]
        seen.update(hosts)
        if not hosts:
            continue
        size = 1 if name in ONE_AT_A_TIME_POOLS else batch_size(len(hosts), batch_sizes.get(name, default_batch))
        for start in range(0, len(hosts), size):
            steps.append({"step": len(steps) + 1, "pool": name, "nodes": hosts[start:start + size],
                          "command": "node", "drain": True})
    return steps
