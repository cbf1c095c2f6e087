# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.node_pools import (
    NodePoolError, diff, host_pool_spec, parse_taint, pool_definitions, pool_hosts, pool_members, pool_of, registration_taints)

FOREIGN_LABELS = {"kubernetes.io/hostname": "ws1", "topology.kubernetes.io/zone": "a"}
FOREIGN_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


def pool_defaults(pool):
    definition = pool_definitions()[pool]
    return definition["labels"], [parse_taint(taint) for taint in definition["taints"]]


GROUPS = {"kube_control_plane": ["cp1"], "coder_nodes": ["c1"], "provisioner_nodes": ["p1", "p2"],
          "workspace_nodes": ["w1", "c1x"], "postgres": ["pg1"]}


def test_the_pools_their_groups_labels_and_taints():
    assert pool_definitions() == {
        "coder": {"group": "coder_nodes", "labels": {"onprem.coder/pool": "coder"},
                  "taints": ["onprem.coder/pool=coder:NoSchedule"]},
        "provisioner": {"group": "provisioner_nodes", "labels": {"onprem.coder/pool": "provisioner"},
                        "taints": ["onprem.coder/pool=provisioner:NoSchedule"]},
        "workspace": {"group": "workspace_nodes", "labels": {"onprem.coder/pool": "workspace"},
                      "taints": ["onprem.coder/pool=workspace:NoSchedule"]}}
    assert pool_definitions("corp.example/")["coder"]["taints"] == ["corp.example/pool=coder:NoSchedule"]


def test_the_pool_of_a_host_and_the_hosts_of_a_pool():
    pools = [pool_of(host, GROUPS) for host in ("cp1", "c1", "p2", "w1", "pg1")]
    assert pools == ["", "coder", "provisioner", "workspace", ""]
    assert pool_members(GROUPS) == {"coder": ["c1"], "provisioner": ["p1", "p2"], "workspace": ["w1", "c1x"]}
    assert pool_members({}) == {"coder": [], "provisioner": [], "workspace": []}
    assert pool_hosts(dict(GROUPS, workspace_nodes=["w1", "c1"])) == ["c1", "p1", "p2", "w1"]


def test_a_worker_registers_with_its_pool_taint_only():
    assert registration_taints("provisioner") == [{"key": "onprem.coder/pool", "value": "provisioner",
                                                   "effect": "NoSchedule"}]
    assert registration_taints("") == []


def test_a_node_gets_its_pools_labels_and_taints_plus_its_own():
    spec = host_pool_spec("w1", GROUPS, pool_definitions(), {"gpu": "a100"}, ["gpu=a100:NoSchedule"])
    assert spec == {"pool": "workspace", "labels": {"onprem.coder/pool": "workspace", "gpu": "a100"},
                    "taints": ["onprem.coder/pool=workspace:NoSchedule", "gpu=a100:NoSchedule"]}
    assert host_pool_spec("cp1", GROUPS, pool_definitions()) == {"pool": "", "labels": {}, "taints": []}
    # a site's own definition may read another group
    own = dict(pool_definitions(), workspace={"group": "gpu_nodes", "labels": {"onprem.coder/pool": "gpu"}, "taints": []})
    assert host_pool_spec("g1", dict(GROUPS, gpu_nodes=["g1"]), own)["labels"] == {"onprem.coder/pool": "gpu"}
    with pytest.raises(NodePoolError, match="host c1 is in the groups of pools coder, workspace; expected one pool"):
        host_pool_spec("c1", dict(GROUPS, workspace_nodes=["c1"]), pool_definitions())


def test_equal_is_a_no_op():
    labels, taints = pool_defaults("workspace")
    result = diff(dict(FOREIGN_LABELS, **labels), [FOREIGN_TAINT] + taints, labels, taints)
    assert result["changed"] is False
    assert result["labels_patch"] == {}
    assert result["taints"] is None


def test_adds_what_is_missing_and_keeps_foreign_ones():
    labels, taints = pool_defaults("coder")
    result = diff(FOREIGN_LABELS, [FOREIGN_TAINT], labels, taints)
    assert result["changed"] is True
    assert result["labels_patch"] == {"onprem.coder/pool": "coder"}
    assert result["taints"] == [FOREIGN_TAINT, {"key": "onprem.coder/pool", "value": "coder", "effect": "NoSchedule"}]
    assert result["after"]["taints"] == ["node.kubernetes.io/unschedulable:NoSchedule", "onprem.coder/pool=coder:NoSchedule"]


def test_changes_values_and_removes_stale_ones_inside_the_prefix_only():
    current_labels = dict(FOREIGN_LABELS, **{"onprem.coder/pool": "coder", "onprem.coder/old": "x", "team": "a"})
    current_taints = [FOREIGN_TAINT, "onprem.coder/pool=coder:NoSchedule", "onprem.coder/gpu:NoExecute"]
    result = diff(current_labels, current_taints, {"onprem.coder/pool": "workspace"},
                  ["onprem.coder/pool=workspace:NoSchedule"])
    assert result["labels_patch"] == {"onprem.coder/pool": "workspace", "onprem.coder/old": None}
    assert result["taints"] == [FOREIGN_TAINT, {"key": "onprem.coder/pool", "value": "workspace", "effect": "NoSchedule"}]
    assert "team" in result["after"]["labels"]           # foreign label left alone
    assert "onprem.coder/old" not in result["after"]["labels"]


def test_an_empty_declaration_clears_the_prefix():
    result = diff({"onprem.coder/pool": "coder"}, ["onprem.coder/pool=coder:NoSchedule", FOREIGN_TAINT], {}, [])
    assert result["labels_patch"] == {"onprem.coder/pool": None}
    assert result["taints"] == [FOREIGN_TAINT]


def test_explicit_foreign_keys_are_set_but_not_owned():
    result = diff({}, [], {"node-role.kubernetes.io/workspace": ""}, [])
    assert result["labels_patch"] == {"node-role.kubernetes.io/workspace": ""}
    # dropped from the inventory later: not ours to remove
    assert diff({"node-role.kubernetes.io/workspace": ""}, [], {}, [])["changed"] is False


def test_taint_value_change_and_effect_change_are_changes():
    assert diff({}, ["onprem.coder/pool=a:NoSchedule"], {}, ["onprem.coder/pool=b:NoSchedule"])["changed"]
    result = diff({}, ["onprem.coder/pool=a:NoSchedule"], {}, ["onprem.coder/pool=a:NoExecute"])
    assert result["taints"] == [{"key": "onprem.coder/pool", "value": "a", "effect": "NoExecute"}]


def test_bad_declarations_are_refused():
    with pytest.raises(NodePoolError, match="effect 'Never'"):
        parse_taint("onprem.coder/pool=a:Never")
    with pytest.raises(NodePoolError, match="expected key=value:Effect"):
        parse_taint("no-effect")
    with pytest.raises(NodePoolError, match="value 'has space'"):
        diff({}, [], {"onprem.coder/pool": "has space"}, [])
    with pytest.raises(NodePoolError, match="declared twice"):
        diff({}, [], {}, ["onprem.coder/a=x:NoSchedule", "onprem.coder/a=y:NoSchedule"])
    with pytest.raises(NodePoolError, match="must end with '/'"):
        diff({}, [], {}, [], prefix="onprem.coder")
    with pytest.raises(NodePoolError, match="not a DNS subdomain"):
        diff({}, [], {"Bad_Prefix/x": "y"}, [])
