# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""CONTRACT TESTS: onprem.coder.k8s_node_pool with the real kubernetes Python client against
k8s_contract_server.py (a stand-in for the Kubernetes API's node GET/PATCH, not a cluster)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.onprem.coder.plugins.modules import k8s_node_pool
from ansible_collections.onprem.coder.tests.unit.plugins.modules.k8s_contract_server import node, start

pytest.importorskip("kubernetes")
FOREIGN = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


def run(args, capsys, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True, _ansible_diff=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            k8s_node_pool.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def api(tmp_path):
    nodes = {"ws1": node("ws1", {"kubernetes.io/hostname": "ws1", "onprem.coder/old": "x"},
                         [FOREIGN, {"key": "onprem.coder/pool", "value": "coder", "effect": "NoSchedule"}])}
    kubeconfig, nodes, patches, stop = start(nodes, tmp_path)
    yield kubeconfig, nodes, patches
    stop()


def test_contract_node_pool_reconciles_then_is_a_no_op(api, capsys):
    kubeconfig, nodes, patches = api
    args = {"name": "ws1", "kubeconfig": kubeconfig, "labels": {"onprem.coder/pool": "workspace"},
            "taints": ["onprem.coder/pool=workspace:NoSchedule"]}
    checked = run(args, capsys, check_mode=True)
    assert checked["changed"] is True and patches == []            # check mode sends nothing
    assert checked["diff"]["after"]["taints"] == ["node.kubernetes.io/unschedulable:NoSchedule",
                                                  "onprem.coder/pool=workspace:NoSchedule"]
    result = run(args, capsys)
    assert result["changed"] is True
    content_type, body = patches[0]
    assert content_type == "application/strategic-merge-patch+json"
    assert body["metadata"]["labels"] == {"onprem.coder/pool": "workspace", "onprem.coder/old": None}
    assert nodes["ws1"]["metadata"]["labels"] == {"kubernetes.io/hostname": "ws1", "onprem.coder/pool": "workspace"}
    assert nodes["ws1"]["spec"]["taints"] == [FOREIGN, {"key": "onprem.coder/pool", "value": "workspace", "effect": "NoSchedule"}]
    again = run(args, capsys)
    assert again["changed"] is False and len(patches) == 1


def test_contract_missing_node_and_bad_taint_are_named(api, capsys):
    kubeconfig, nodes, patches = api
    missing = run({"name": "ws9", "kubeconfig": kubeconfig}, capsys)
    assert missing["failed"] is True and missing["msg"].startswith("k8s_node_pool: reading node ws9: 404")
    bad = run({"name": "ws1", "kubeconfig": kubeconfig, "taints": ["onprem.coder/pool=a:Never"]}, capsys)
    assert bad["failed"] is True and "effect 'Never'" in bad["msg"]
