# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.filter.database import database_latency_report, database_latency_targets

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
