# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Authoritative node labels and taints inside a managed prefix.

kubespray's node labels and taints only ever add: a label removed from the inventory stays on
the node. Here, inside the managed prefix (default `onprem.coder/`), a node ends up with
exactly what the inventory declares: missing ones added, changed ones updated, stale ones
removed. Labels and taints outside the prefix belong to someone else (kubeadm, the CNI, an
operator) and are left alone, unless the inventory names them explicitly, in which case
they are set (and never removed by us). No Ansible imports: tested with pytest directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class NodePoolError(ValueError):
    pass


def _check_key(key, what):
    prefix, _sep, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _PREFIX.match(prefix)):
        raise NodePoolError("%s key %r: the prefix %r is not a DNS subdomain" % (what, key, prefix))
    if not name or len(name) > 63 or not _NAME.match(name):
        raise NodePoolError("%s key %r: the name part must be 1-63 characters [A-Za-z0-9-_.], "
                            "starting and ending alphanumeric" % (what, key))


def _check_value(key, value, what):
    if value is None or value == "":
        return ""
    value = str(value)
    if len(value) > 63 or not _NAME.match(value):
        raise NodePoolError("%s %s: value %r must be at most 63 characters [A-Za-z0-9-_.], "
                            "starting and ending alphanumeric" % (what, key, value))
    return value


def parse_taint(taint):
    """'key=value:Effect', 'key:Effect' or {key, value, effect} -> {key, value, effect}."""
    if isinstance(taint, dict):
        key, value, effect = taint.get("key"), taint.get("value", ""), taint.get("effect")
    else:
        match = re.match(r"^([^=:]+)(?:=([^:]*))?:([A-Za-z]+)$", str(taint))
        if not match:
            raise NodePoolError("taint %r: expected key=value:Effect or key:Effect" % (taint,))
        key, value, effect = match.groups()
    if effect not in EFFECTS:
        raise NodePoolError("taint %r: effect %r, expected one of %s" % (taint, effect, ", ".join(EFFECTS)))
    _check_key(str(key), "taint")
    result = {"key": str(key), "effect": effect}
    value = _check_value(key, value, "taint")
    if value:
        result["value"] = value
    return result


def _managed(key, prefix):
    return key.startswith(prefix)


def diff(current_labels, current_taints, desired_labels, desired_taints, prefix="onprem.coder/"):
    """What to change on one node.

    Returns {changed, labels_patch, taints, before, after}: `labels_patch` is a merge patch
    for metadata.labels ({key: value} to set, {key: None} to remove); `taints` the node's
    complete new spec.taints list (None when unchanged).
    """
    if not prefix.endswith("/"):
        raise NodePoolError("managed prefix %r must end with '/'" % prefix)
    current_labels = dict(current_labels or {})
    desired = {}
    for key, value in (desired_labels or {}).items():
        _check_key(str(key), "label")
        desired[str(key)] = _check_value(key, value, "label")
    patch = {}
    for key, value in desired.items():
        if current_labels.get(key) != value:
            patch[key] = value
    for key in current_labels:
        if _managed(key, prefix) and key not in desired:
            patch[key] = None

    current = [parse_taint(t) for t in (current_taints or [])]
    wanted = []
    for taint in desired_taints or []:
        parsed = parse_taint(taint)
        if any((t["key"], t["effect"]) == (parsed["key"], parsed["effect"]) for t in wanted):
            raise NodePoolError("taint %s:%s is declared twice" % (parsed["key"], parsed["effect"]))
        wanted.append(parsed)
    wanted_ids = set((t["key"], t["effect"]) for t in wanted)
    # foreign taints stay where they are; ours follow in the declared order
    kept = [t for t in current if not _managed(t["key"], prefix) and (t["key"], t["effect"]) not in wanted_ids]
    new_taints = kept + wanted
    taints_changed = _taint_set(current) != _taint_set(new_taints)

    after_labels = dict(current_labels)
    for key, value in patch.items():
        if value is None:
            after_labels.pop(key, None)
        else:
            after_labels[key] = value
    return {
        "changed": bool(patch) or taints_changed,
        "labels_patch": patch,
        "taints": new_taints if taints_changed else None,
        "before": {"labels": _sorted(current_labels), "taints": [_taint_text(t) for t in current]},
        "after": {"labels": _sorted(after_labels), "taints": [_taint_text(t) for t in (new_taints if taints_changed else current)]},
    }


def _taint_set(taints):
    return set((t["key"], t.get("value", ""), t["effect"]) for t in taints)


def _taint_text(taint):
    return "%s%s:%s" % (taint["key"], ("=" + taint["value"]) if taint.get("value") else "", taint["effect"])


def _sorted(labels):
    return dict(sorted(labels.items()))


# The Coder Validated Architecture's node pools and the inventory group of each, in order.
# Everything that maps a host to its pool, a pool to its group, or a pool to its label and
# taint reads these: the node_pools role and module, the kubeadm builder and inventory check,
# the host check, the cluster model and the playbooks (through the node_pool* filters).
POOLS = (("coder", "coder_nodes"), ("provisioner", "provisioner_nodes"), ("workspace", "workspace_nodes"))
POOL_GROUPS = tuple(group for _pool, group in POOLS)
PREFIX = "onprem.coder/"


def pool_definitions(prefix=PREFIX):
    """Each pool's group, label <prefix>pool=<pool> and taint <prefix>pool=<pool>:NoSchedule:
    the node_pools role's default definitions."""
    return dict((pool, {"group": group, "labels": {prefix + "pool": pool},
                        "taints": ["%spool=%s:NoSchedule" % (prefix, pool)]}) for pool, group in POOLS)


def pool_members(groups):
    """Pool name -> the hosts of its inventory group (empty list when the group is absent)."""
    return dict((pool, list(groups.get(group) or [])) for pool, group in POOLS)


def pool_hosts(groups):
    """Every host of any pool group, once, in inventory order."""
    hosts = []
    for _pool, group in POOLS:
        hosts.extend(host for host in groups.get(group) or [] if host not in hosts)
    return hosts


def pools_of(host, groups):
    """The pools whose group lists the host (more than one is an inventory error)."""
    return [pool for pool, group in POOLS if host in (groups.get(group) or [])]


def pool_of(host, groups):
    """The pool a host's node belongs to (coder, provisioner, workspace), or '' (a control plane only)."""
    pools = pools_of(host, groups)
    return pools[0] if pools else ""


def registration_taints(pool, prefix=PREFIX):
    """The taint a worker registers with (kubelet --register-with-taints), so nothing lands on it
    before the node_pools step labels it: its pool's taint, none outside a pool."""
    return [{"key": prefix + "pool", "value": pool, "effect": "NoSchedule"}] if pool else []


def host_pool_spec(host, groups, definitions, host_labels=None, host_taints=None):
    """The labels and taints one node ends up with: its pool's (from `definitions`, the
    node_pools role's, keyed by pool with the group each reads) plus the host's own.
    Returns {pool, labels, taints}; a host in the groups of two pools is an error."""
    pools = [name for name, definition in sorted((definitions or {}).items())
             if host in (groups.get(definition.get("group") or dict(POOLS).get(name, "")) or [])]
    if len(pools) > 1:
        raise NodePoolError("host %s is in the groups of pools %s; expected one pool per node" % (host, ", ".join(pools)))
    definition = definitions[pools[0]] if pools else {}
    labels = dict(definition.get("labels") or {})
    labels.update(host_labels or {})
    return {"pool": pools[0] if pools else "", "labels": labels,
            "taints": list(definition.get("taints") or []) + list(host_taints or [])}
