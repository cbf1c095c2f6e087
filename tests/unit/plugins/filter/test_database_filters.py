# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.filter.database import (
    database_inventory_errors, database_latency_report, database_latency_targets, patroni_dcs_with_defaults)

GROUPS = {"postgres": ["pg1", "pg2"], "loadbalancers": []}
HOSTVARS = {"pg1": {"onprem_coder_address": "10.0.3.11"}, "pg2": {"ansible_host": "10.0.3.12"}}


def test_latency_targets_are_the_endpoint_then_the_haproxy_hosts():
    endpoint = {"host": "10.0.3.100", "port": 5000}
    assert database_latency_targets(endpoint, GROUPS, HOSTVARS) == ["10.0.3.100:5000", "10.0.3.11:22", "10.0.3.12:22"]
    assert database_latency_targets({}, dict(GROUPS, loadbalancers=["lb1"]), {}, 2222) == ["lb1:2222"]


def test_latency_report_table_and_problems():
    report = database_latency_report({"coder1": {"target": "10.0.3.100:5000", "median_ms": 0.31, "worst_ms": 0.8}}, 10)
    assert report["problems"] == []
    assert "coder1" in report["table"] and "0.31" in report["table"] and "ok" in report["table"]
    slow = database_latency_report({"coder1": {"target": "10.0.3.100:5000", "median_ms": 0.31, "worst_ms": 0.8}}, 0.1)
    assert slow["problems"][0].startswith("coder1: median 0.31 ms to 10.0.3.100:5000")


def test_the_patroni_dcs_defaults_are_the_collections_failover_timing():
    dcs = patroni_dcs_with_defaults()
    assert (dcs["ttl"], dcs["loop_wait"], dcs["retry_timeout"]) == (20, 1, 3)
    assert dcs["synchronous_mode"] is True and dcs["synchronous_mode_strict"] is True and dcs["failsafe_mode"] is True
    assert patroni_dcs_with_defaults({"ttl": 30})["ttl"] == 30
    dcs["postgresql"]["use_slots"] = False      # a copy: the next caller gets the defaults again
    assert patroni_dcs_with_defaults()["postgresql"] == {"use_pg_rewind": True, "use_slots": True}


def test_the_timing_rule_starts_from_the_collections_dcs_then_the_inventorys():
    groups = {"postgres": ["pg1", "pg2", "pg3"], "pgbackrest_repo": ["backup1"]}
    host = {"onprem_coder_database_client_cidrs": ["10.20.0.0/16"], "patroni_superuser_password": "x"}
    assert database_inventory_errors(groups, dict(host, patroni_dcs_overrides={"ttl": 20}), ["patroni_superuser_password"]) == []
    errors = database_inventory_errors(groups, dict(host, patroni_dcs_overrides={"retry_timeout": 10}), ["patroni_superuser_password"])
    assert len(errors) == 1 and errors[0].startswith(
        "patroni_dcs.ttl: loop_wait (1) + 2 x retry_timeout (10) = 21 is more than ttl (20)"), errors
    errors = database_inventory_errors(groups, dict(host, patroni_dcs_overrides={"ttl": 8}), ["patroni_superuser_password"])
    assert len(errors) == 1 and errors[0].startswith("patroni_dcs.ttl: got 8, expected 20 or more"), errors
