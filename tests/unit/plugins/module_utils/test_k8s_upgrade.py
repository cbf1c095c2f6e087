# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.k8s_upgrade import UpgradeError, batch_size, check_versions, plan


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
    steps = plan(["cp1", "cp2", "cp3"],
                 {"workspace": ["ws%d" % i for i in range(1, 9)], "coder": ["c1", "c2", "c3"], "provisioner": ["p1", "p2"]},
                 batch_sizes={"coder": "100%", "workspace": "50%"})
    assert [s["nodes"] for s in steps] == [["cp1"], ["cp2"], ["cp3"], ["c1"], ["c2"], ["c3"], ["p1"],
                                           ["p2"], ["ws1", "ws2", "ws3", "ws4"], ["ws5", "ws6", "ws7", "ws8"]]
    assert [s["command"] for s in steps[:3]] == ["apply", "node", "node"]
    assert all(s["drain"] for s in steps)
    assert [s["step"] for s in steps] == list(range(1, 11))


def test_a_control_plane_in_a_pool_is_upgraded_once():
    steps = plan(["cp1"], {"coder": ["cp1", "c2"]})
    assert [s["nodes"] for s in steps] == [["cp1"], ["c2"]]
    with pytest.raises(UpgradeError):
        plan([], {})
