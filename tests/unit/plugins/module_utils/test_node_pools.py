# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.node_pools import NodePoolError, diff, parse_taint, pool_defaults

FOREIGN_LABELS = {"kubernetes.io/hostname": "ws1", "topology.kubernetes.io/zone": "a"}
FOREIGN_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


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
