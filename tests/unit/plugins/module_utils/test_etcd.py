# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.etcd import EtcdError, move_leader_target

# As etcdctl 3.4 prints them (ids are 64-bit unsigned, in decimal).
MEMBERS = json.dumps({"header": {"cluster_id": 1}, "members": [
    {"ID": 12688843542066066578, "name": "pg1"}, {"ID": 3090853431386744929, "name": "pg2"},
    {"ID": 16139917497624436911, "name": "pg3"}]})


def status(me, leader):
    return json.dumps([{"Endpoint": "https://127.0.0.1:2379",
                        "Status": {"header": {"member_id": me, "raft_term": 4}, "leader": leader}}])


def test_the_leader_hands_over_to_another_member_before_it_restarts():
    assert move_leader_target(status(12688843542066066578, 12688843542066066578), MEMBERS) == "2ae4ead1de9aa861"
    assert int("2ae4ead1de9aa861", 16) == 3090853431386744929


def test_a_follower_restarts_without_a_handover():
    assert move_leader_target(status(3090853431386744929, 12688843542066066578), MEMBERS) == ""


def test_output_that_is_not_etcdctls_is_refused():
    with pytest.raises(EtcdError, match="not JSON"):
        move_leader_target("Error: context deadline exceeded", MEMBERS)
    with pytest.raises(EtcdError, match="no member_id"):
        move_leader_target(json.dumps([{"Status": {}}]), MEMBERS)
