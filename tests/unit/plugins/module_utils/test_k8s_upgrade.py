# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.k8s_upgrade import (
    UpgradeError, batch_size, check_versions, kubelet_versions, order, playbook_view)


def test_one_minor_at_a_time():
    assert check_versions("v1.30.8", "v1.31.4") is None
    assert check_versions("v1.31.1", "v1.31.4") is None
    with pytest.raises(UpgradeError, match="skips a minor version.*next: v1.31.x"):
        check_versions("v1.30.8", "v1.32.0")
    with pytest.raises(UpgradeError, match="does not downgrade"):
        check_versions("v1.31.4", "v1.31.1")
    with pytest.raises(UpgradeError, match="kubernetes_version"):
        check_versions("v1.31.4", "1.32")


def test_batch_sizes():
    assert batch_size(10, "25%") == 3
    assert batch_size(3, "25%") == 1
    assert batch_size(10, 4) == 4
    assert batch_size(2, 5) == 2
    assert batch_size(0, 3) == 0
    for bad in ("0", "0%", "150%", "many"):
        with pytest.raises(UpgradeError):
            batch_size(10, bad)


def test_order_control_planes_then_pools_coder_one_at_a_time():
    steps = order(["cp1", "cp2", "cp3"],
                  {"workspace": ["ws%d" % i for i in range(1, 9)], "coder": ["c1", "c2", "c3"], "provisioner": ["p1", "p2"]},
                  batch_sizes={"coder": "100%", "workspace": "50%"})
    assert [s["nodes"] for s in steps] == [["cp1"], ["cp2"], ["cp3"], ["c1"], ["c2"], ["c3"], ["p1"],
                                           ["p2"], ["ws1", "ws2", "ws3", "ws4"], ["ws5", "ws6", "ws7", "ws8"]]
    assert [s["command"] for s in steps[:3]] == ["apply", "node", "node"]
    assert all(s["drain"] for s in steps)
    assert [s["step"] for s in steps] == list(range(1, 11))


def test_a_control_plane_in_a_pool_is_upgraded_once():
    steps = order(["cp1"], {"coder": ["cp1", "c2"]})
    assert [s["nodes"] for s in steps] == [["cp1"], ["c2"]]
    with pytest.raises(UpgradeError):
        order([], {})


def test_done_nodes_are_left_out_and_a_finished_upgrade_has_no_steps():
    pools = {"coder": ["c1", "c2"], "workspace": ["ws1", "ws2", "ws3", "ws4"]}
    old = dict((host, "v1.30.8") for host in ["cp1", "cp2", "c1", "c2", "ws1", "ws2", "ws3", "ws4"])
    full = order(["cp1", "cp2"], pools, {"workspace": "50%"}, target="v1.31.4", server_version="v1.30.8",
                 node_versions=old)
    assert [(s["nodes"], s["command"]) for s in full] == [
        (["cp1"], "apply"), (["cp2"], "node"), (["c1"], "node"), (["c2"], "node"),
        (["ws1", "ws2"], "node"), (["ws3", "ws4"], "node")]
    # interrupted after the first workspace batch: apply is done, so is every node before it
    resumed = dict(old, cp1="v1.31.4", cp2="v1.31.4", c1="v1.31.4", c2="v1.31.4", ws1="v1.31.4", ws2="v1.31.4")
    rest = order(["cp1", "cp2"], pools, {"workspace": "50%"}, target="v1.31.4", server_version="v1.31.4",
                 node_versions=resumed)
    assert [(s["nodes"], s["command"], s["batch"]) for s in rest] == [(["ws3", "ws4"], "node", 2)]
    # everything at the target: nothing to do, nothing drained
    done = dict((host, "v1.31.4") for host in old)
    assert order(["cp1", "cp2"], pools, target="v1.31.4", server_version="v1.31.4", node_versions=done) == []


def test_apply_done_but_the_first_kubelet_behind_runs_upgrade_node_there():
    steps = order(["cp1", "cp2"], {}, target="v1.31.4", server_version="v1.31.4",
                  node_versions={"cp1": "v1.30.8", "cp2": "v1.31.4"})
    assert [(s["nodes"], s["command"]) for s in steps] == [(["cp1"], "node")]
    # a node the API does not know yet counts as behind
    steps = order(["cp1"], {"workspace": ["ws1"]}, target="v1.31.4", server_version="v1.31.4",
                  node_versions={"cp1": "v1.31.4"})
    assert [s["nodes"] for s in steps] == [["ws1"]]


def test_playbook_view_feeds_hosts_and_serial():
    steps = order(["cp1", "cp2", "cp3"], {"coder": ["c1", "c2"], "provisioner": ["p1", "p2", "p3"],
                                          "workspace": ["ws%d" % i for i in range(1, 9)]},
                  {"provisioner": 2, "workspace": "25%"})
    view = playbook_view(steps)
    assert view["hosts"] == {"first": ["cp1"], "control_planes": ["cp2", "cp3"], "coder": ["c1", "c2"],
                             "provisioner": ["p1", "p2", "p3"], "workspace": ["ws%d" % i for i in range(1, 9)]}
    assert view["batch"] == {"coder": 1, "provisioner": 2, "workspace": 2}
    assert playbook_view([]) == {"hosts": {"first": [], "control_planes": []}, "batch": {}}


def test_kubelet_versions_by_inventory_host():
    nodes = [{"metadata": {"name": "cp1.corp"}, "status": {"nodeInfo": {"kubeletVersion": "v1.31.4"}}},
             {"metadata": {"name": "ws1"}, "status": {"nodeInfo": {"kubeletVersion": "v1.30.8"}}},
             {"metadata": {"name": "stranger"}, "status": {"nodeInfo": {"kubeletVersion": "v1.30.8"}}},
             {"metadata": {"name": "ws2"}, "status": {}}]
    assert kubelet_versions(nodes, ["cp1", "ws1", "ws2", "ws3"], {"cp1": "cp1.corp"}) == {"cp1": "v1.31.4", "ws1": "v1.30.8"}
