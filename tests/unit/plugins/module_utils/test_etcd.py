# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.etcd import (
    EtcdError, environment, initial_cluster, kept_bootstrap, member_change, members, membership_errors, move_leader_target)

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


# `etcdctl member list -w json` of a cluster where pg4 was added and has not started yet.
RUNNING = {"header": {"cluster_id": 1}, "members": [
    {"ID": 12688843542066066578, "name": "pg1", "peerURLs": ["https://10.0.0.11:2380"]},
    {"ID": 3090853431386744929, "name": "pg2", "peerURLs": ["https://10.0.0.12:2380"]},
    {"ID": 16139917497624436911, "name": "pg3", "peerURLs": ["https://10.0.0.13:2380"]}]}
ADDED = {"header": {}, "members": RUNNING["members"] + [{"ID": 255, "peerURLs": ["https://10.0.0.14:2380"]}]}


def test_members_are_read_with_hex_ids_and_whether_they_started():
    listed = members(json.dumps(ADDED))
    assert [m["id"] for m in listed] == ["b017d3f91f5b7492", "2ae4ead1de9aa861", "dffc81737e0420af", "ff"]
    assert [m["started"] for m in listed] == [True, True, True, False]
    assert listed[3]["name"] == "" and listed[3]["peer_urls"] == ["https://10.0.0.14:2380"]
    with pytest.raises(EtcdError, match="no members"):
        members(json.dumps({"header": {}}))


def test_a_new_member_is_added_once_and_an_interrupted_add_is_not_repeated():
    assert member_change(members(json.dumps(RUNNING)), "pg4", ["https://10.0.0.14:2380"], "present") == ("add", None)
    action, found = member_change(members(json.dumps(ADDED)), "pg4", ["https://10.0.0.14:2380"], "present")
    assert action == "" and found["id"] == "ff"
    assert member_change(members(json.dumps(RUNNING)), "pg2", ["https://10.0.0.12:2380"], "present")[0] == ""


def test_adds_etcd_would_get_wrong_are_refused_with_what_is_there():
    current = members(json.dumps(RUNNING))
    with pytest.raises(EtcdError, match=r"pg2 has peer URLs \['https://10.0.0.12:2380'\], the inventory says "
                                        r"\['https://10.0.0.22:2380'\]"):
        member_change(current, "pg2", ["https://10.0.0.22:2380"], "present")
    with pytest.raises(EtcdError, match="peer URL https://10.0.0.13:2380 of pg9 is already etcd member pg3's"):
        member_change(current, "pg9", ["https://10.0.0.13:2380"], "present")
    with pytest.raises(EtcdError, match="no peer URLs"):
        member_change(current, "pg9", [], "present")


def test_a_member_is_removed_by_name_and_never_the_last_one():
    current = members(json.dumps(RUNNING))
    action, found = member_change(current, "pg3", [], "absent")
    assert action == "remove" and found["id"] == "dffc81737e0420af"
    assert member_change(current, "pg7", [], "absent") == ("", None)
    with pytest.raises(EtcdError, match="pg1 is the last member"):
        member_change(current[:1], "pg1", [], "absent")


def test_a_joining_member_starts_with_every_member_and_itself_by_name():
    joined = initial_cluster(members(json.dumps(ADDED)), "pg4", ["https://10.0.0.14:2380"])
    assert joined == ("pg1=https://10.0.0.11:2380,pg2=https://10.0.0.12:2380,pg3=https://10.0.0.13:2380,"
                      "pg4=https://10.0.0.14:2380")
    with pytest.raises(EtcdError, match="pg5 is not a member of the etcd cluster yet"):
        initial_cluster(members(json.dumps(RUNNING)), "pg5", ["https://10.0.0.15:2380"])
    # two members added at once: the second cannot start before the first has
    both = {"members": ADDED["members"] + [{"ID": 256, "peerURLs": ["https://10.0.0.15:2380"]}]}
    with pytest.raises(EtcdError, match="etcd member ff .* was added but never started"):
        initial_cluster(members(json.dumps(both)), "pg5", ["https://10.0.0.15:2380"])


def test_a_member_with_data_keeps_the_bootstrap_settings_it_started_with():
    computed = environment("pg1", "10.0.0.11", {"pg1": "10.0.0.11", "pg2": "10.0.0.12", "pg4": "10.0.0.14"},
                           "/var/lib/etcd/x", "/etc/tls", 2379, 2380, "tok")
    assert computed["ETCD_INITIAL_CLUSTER"] == ("pg1=https://10.0.0.11:2380,pg2=https://10.0.0.12:2380,"
                                                "pg4=https://10.0.0.14:2380")
    assert computed["ETCD_LISTEN_CLIENT_URLS"] == "https://10.0.0.11:2379,https://127.0.0.1:2379"
    started_with = ('# Managed by onprem.coder (role etcd)\nETCD_DATA_DIR="/var/lib/etcd/x"\n'
                    'ETCD_INITIAL_CLUSTER="pg1=https://10.0.0.11:2380,pg2=https://10.0.0.12:2380,pg3=https://10.0.0.13:2380"\n'
                    'ETCD_INITIAL_CLUSTER_STATE="new"\nETCD_NAME="pg1"\n')
    kept = kept_bootstrap(started_with, computed)
    assert kept["ETCD_INITIAL_CLUSTER"].endswith("pg3=https://10.0.0.13:2380")
    assert dict(kept, ETCD_INITIAL_CLUSTER=computed["ETCD_INITIAL_CLUSTER"]) == computed
    assert kept_bootstrap("", computed) == computed


def test_membership_the_inventory_cannot_reach_by_adding_is_refused_with_the_command_that_does():
    listed = json.dumps(RUNNING)
    # pg3 was lost and replaced by pg4 in the inventory
    errors = membership_errors(listed, ["pg1", "pg2", "pg4"], ["pg1", "pg2"], [])
    assert errors == ["etcd member pg3 is in the cluster but not in the inventory's etcd members ['pg1', 'pg2', 'pg4']: "
                      "to take it out for good, run playbooks/db_replace_node.yml -e onprem_coder_db_remove=pg3 "
                      "-e onprem_coder_db_remove_confirm=pg3"]
    assert membership_errors(listed, ["pg1", "pg2", "pg4"], ["pg1", "pg2"], ["pg3"]) == []
    # pg3 rebuilt under its own name: its data is gone, the cluster still counts it
    errors = membership_errors(listed, ["pg1", "pg2", "pg3"], ["pg1", "pg2"], [])
    assert len(errors) == 1 and errors[0].startswith("pg3 is a started etcd member but its data directory is empty")
    assert membership_errors(listed, ["pg1", "pg2", "pg3"], ["pg1", "pg2"], ["pg3"]) == []
    assert membership_errors(listed, ["pg1", "pg2", "pg3"], ["pg1", "pg2", "pg3"], []) == []
