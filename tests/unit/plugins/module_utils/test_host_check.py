# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.host_check import (
    HostCheckError, check, free_gb_for, table)
from ansible_collections.onprem.coder.plugins.module_utils.sizing import size

GB = 1024 ** 3


def host(vcpus, memory_gb, free_gb=None):
    facts = {"vcpus": vcpus, "memory_mb": int(memory_gb * 1024)}
    if free_gb is not None:
        facts["data_mount"] = {"mount": "/", "free_bytes": int(free_gb * GB)}
    return facts


def fitting_site(plan):
    pools = plan["kubernetes"]["pools"]
    groups, hosts = {}, {}
    for group, pool, shape in (("kube_control_plane", "control_plane", None), ("coder_nodes", "coder", None),
                               ("provisioner_nodes", "provisioner", None), ("workspace_nodes", "workspace", None)):
        names = ["%s-%d" % (group, i) for i in range(pools[pool]["nodes"])]
        groups[group] = names
        for name in names:
            hosts[name] = host(pools[pool]["min_cpu"], pools[pool]["min_memory_gb"])
    db = plan["database"]
    groups["postgres"] = ["pg%d" % i for i in range(db["nodes"])]
    for name in groups["postgres"]:
        hosts[name] = host(db["vcpu"], db["memory_gb"], db["storage_gb"])
    return groups, hosts


def test_a_site_built_to_the_plan_passes():
    plan = size(1000)
    groups, hosts = fitting_site(plan)
    result = check(plan, groups, hosts)
    assert result["ok"], result["table"]
    assert result["shortfalls"] == []
    assert result["table"] == ""
    assert {row["group"]: row["ok"] for row in result["groups"]} == {
        "kube_control_plane": True, "coder_nodes": True, "provisioner_nodes": True,
        "workspace_nodes": True, "postgres": True}


def test_memory_within_tolerance_passes():
    plan = size(1000)
    groups, hosts = fitting_site(plan)
    hosts["pg0"]["memory_mb"] = int(30 * 1024 * 0.97)   # a "30 GB" machine as the kernel reports it
    assert check(plan, groups, hosts)["ok"]


def test_every_shortfall_is_reported_at_once():
    plan = size(1000)
    groups, hosts = fitting_site(plan)
    groups["postgres"] = groups["postgres"][:2]
    hosts["pg0"] = host(4, 16, 100)
    hosts["coder_nodes-0"]["vcpus"] = 1
    result = check(plan, groups, hosts)
    assert not result["ok"]
    messages = [s["message"] for s in result["shortfalls"]]
    assert "postgres: 2 host(s), plan needs 3" in messages
    assert "pg0 (postgres): 4 vCPU, plan needs 8" in messages
    assert "pg0 (postgres): 16.0 GB RAM, plan needs 30 GB" in messages
    assert any(m.startswith("pg0 (postgres): 100.0 GB free on /") for m in messages)
    assert any(m.startswith("coder_nodes-0 (coder_nodes): 1 vCPU") for m in messages)
    assert len(result["shortfalls"]) == 5
    lines = result["table"].splitlines()
    assert lines[0].split() == ["host", "group", "item", "have", "need"]
    assert len(lines) == 2 + 5


def test_missing_facts_and_foreign_mounts():
    plan = size(1000)
    groups, hosts = fitting_site(plan)
    del hosts["pg1"]
    hosts["pg2"] = {"vcpus": 8, "memory_mb": 30 * 1024, "mounts": [{"mount": "/boot", "size_available": 10 * GB}]}
    items = {(s["host"], s["item"]) for s in check(plan, groups, hosts)["shortfalls"]}
    assert ("pg1", "facts") in items
    assert ("pg2", "disk_gb") in items


def test_a_node_in_two_pools_is_refused():
    plan = size(1000)
    groups, hosts = fitting_site(plan)
    groups["workspace_nodes"].append(groups["coder_nodes"][0])
    result = check(plan, groups, hosts)
    assert any(s["item"] == "pools" and s["host"] == "coder_nodes-0" for s in result["shortfalls"])


def test_free_space_uses_the_longest_mount():
    mounts = [{"mount": "/", "size_available": 10 * GB}, {"mount": "/var/lib", "size_available": 600 * GB},
              {"mount": "/var/lib2", "size_available": 1 * GB}]
    assert free_gb_for("/var/lib/postgresql", mounts) == ("/var/lib", 600.0)
    assert free_gb_for("/srv", mounts) == ("/", 10.0)
    assert free_gb_for("/srv", []) == (None, None)


def test_bad_plan():
    with pytest.raises(HostCheckError) as excinfo:
        check({"tier": "1k"}, {}, {})
    assert "plan:" in str(excinfo.value)


def test_table_empty():
    assert table([]) == ""
