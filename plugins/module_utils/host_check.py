# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Compare real hosts with a sizing plan. Pure Python, used by ``cva_host_check``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.module_utils.node_pools import POOL_GROUPS

# A machine sold as 8 GB reports a little less in MemTotal (kernel and firmware reserve
# some): a shortfall smaller than this fraction is not reported.
TOLERANCE = 0.05

DATA_MOUNTS = {"postgres": "/var/lib/postgresql"}


class HostCheckError(ValueError):
    """Bad input to the check (not a shortfall)."""


def requirements(plan):
    """Per inventory group: hosts needed and the minimum shape of each host."""
    try:
        pools = plan["kubernetes"]["pools"]
        database = plan["database"]
    except (KeyError, TypeError):
        raise HostCheckError("plan: expected the dict returned by onprem.coder.cva_sizing "
                             "(keys kubernetes.pools and database)")
    return {
        "kube_control_plane": {"count": pools["control_plane"]["nodes"], "cpu": pools["control_plane"]["min_cpu"],
                               "memory_gb": pools["control_plane"]["min_memory_gb"]},
        "coder_nodes": {"count": pools["coder"]["nodes"], "cpu": pools["coder"]["min_cpu"],
                        "memory_gb": pools["coder"]["min_memory_gb"]},
        "provisioner_nodes": {"count": pools["provisioner"]["nodes"], "cpu": pools["provisioner"]["min_cpu"],
                              "memory_gb": pools["provisioner"]["min_memory_gb"]},
        "workspace_nodes": {"count": pools["workspace"]["nodes"], "cpu": pools["workspace"]["min_cpu"],
                            "memory_gb": pools["workspace"]["min_memory_gb"]},
        "postgres": {"count": database["nodes"], "cpu": database["vcpu"], "memory_gb": database["memory_gb"],
                     "disk_gb": database["storage_gb"], "mount": DATA_MOUNTS["postgres"]},
    }


def free_gb_for(path, mounts):
    """Free space in GB of the mount holding ``path`` (longest mount point prefix)."""
    best = None
    for mount in mounts or []:
        point = mount.get("mount", "")
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > len(best.get("mount", ""))):
            best = mount
    if best is None:
        return None, None
    return best.get("mount"), best.get("size_available", 0) / float(1024 ** 3)


def _short(have, need):
    return have < need * (1 - TOLERANCE)


def check(plan, groups, hosts):
    """Check ``hosts`` (name -> facts subset) in ``groups`` (group -> names) against ``plan``.

    Facts used per host: ``vcpus`` (ansible_processor_vcpus), ``memory_mb``
    (ansible_memtotal_mb), and for the database data either ``data_mount``
    ({mount, free_bytes} measured with df) or ``mounts`` (ansible_mounts). Returns a dict with
    ``shortfalls`` (one row a problem), ``groups`` (count checks) and ``ok``.
    """
    needs = requirements(plan)
    shortfalls = []
    group_rows = []
    for group, need in needs.items():
        members = list(groups.get(group) or [])
        row = {"group": group, "hosts": len(members), "needed": need["count"],
               "ok": len(members) >= need["count"]}
        group_rows.append(row)
        if not row["ok"]:
            shortfalls.append({"host": "-", "group": group, "item": "hosts",
                               "have": len(members), "need": need["count"],
                               "message": "%s: %d host(s), plan needs %d" % (group, len(members), need["count"])})
        for name in members:
            facts = hosts.get(name)
            if facts is None:
                shortfalls.append({"host": name, "group": group, "item": "facts", "have": "none",
                                   "need": "gathered facts",
                                   "message": "%s: no facts gathered (unreachable?)" % name})
                continue
            vcpus = facts.get("vcpus") or 0
            memory_gb = (facts.get("memory_mb") or 0) / 1024.0
            if need["cpu"] and _short(vcpus, need["cpu"]):
                shortfalls.append({"host": name, "group": group, "item": "vcpu", "have": vcpus,
                                   "need": need["cpu"],
                                   "message": "%s (%s): %s vCPU, plan needs %s" % (name, group, vcpus, need["cpu"])})
            if need["memory_gb"] and _short(memory_gb, need["memory_gb"]):
                shortfalls.append({"host": name, "group": group, "item": "memory_gb",
                                   "have": round(memory_gb, 1), "need": need["memory_gb"],
                                   "message": "%s (%s): %.1f GB RAM, plan needs %s GB"
                                              % (name, group, memory_gb, need["memory_gb"])})
            if need.get("disk_gb"):
                data = facts.get("data_mount") or {}
                if data.get("mount") and data.get("free_bytes") is not None:
                    mount, free_gb = data["mount"], data["free_bytes"] / float(1024 ** 3)
                else:
                    mount, free_gb = free_gb_for(need["mount"], facts.get("mounts"))
                if free_gb is None:
                    shortfalls.append({"host": name, "group": group, "item": "disk_gb", "have": "unknown",
                                       "need": need["disk_gb"],
                                       "message": "%s (%s): no mount found for %s" % (name, group, need["mount"])})
                elif _short(free_gb, need["disk_gb"]):
                    shortfalls.append({"host": name, "group": group, "item": "disk_gb",
                                       "have": round(free_gb, 1), "need": need["disk_gb"],
                                       "message": "%s (%s): %.1f GB free on %s (holds %s), plan needs %s GB"
                                                  % (name, group, free_gb, mount, need["mount"], need["disk_gb"])})
    membership = {}
    for group in POOL_GROUPS:
        for name in groups.get(group) or []:
            membership.setdefault(name, []).append(group)
    for name, in_groups in sorted(membership.items()):
        if len(in_groups) > 1:
            shortfalls.append({"host": name, "group": ",".join(in_groups), "item": "pools",
                               "have": len(in_groups), "need": 1,
                               "message": "%s: in %s; a node belongs to one pool" % (name, " and ".join(in_groups))})
    return {"ok": not shortfalls, "shortfalls": shortfalls, "groups": group_rows, "table": table(shortfalls)}


def _cell(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def table(shortfalls):
    """One plain-text table of every shortfall (empty string when there are none)."""
    if not shortfalls:
        return ""
    header = ("host", "group", "item", "have", "need")
    rows = [header] + [tuple(_cell(s[key]) for key in header) for s in shortfalls]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
