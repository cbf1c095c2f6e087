# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import threading

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.latency import LatencyError, probe, table, verdict


class FakeClock(object):
    """Each connect takes the next duration (seconds)."""

    def __init__(self, durations):
        self.durations = list(durations)
        self.now = 0.0
        self.pending = 0.0

    def __call__(self):
        self.now += self.pending
        self.pending = 0.0
        return self.now

    def connect(self, address, timeout):
        duration = self.durations.pop(0)
        if duration is None:
            raise ConnectionRefusedError("Connection refused")
        self.pending = duration

        class Closed(object):
            def close(self):
                pass
        return Closed()


def test_median_and_worst_of_the_probes():
    clock = FakeClock([0.002, 0.004, 0.003, 0.010, 0.001])
    result = probe([("db", 5000)], probes=5, connect=clock.connect, clock=clock)
    assert result["target"] == "db:5000"
    assert result["samples_ms"] == [2.0, 4.0, 3.0, 10.0, 1.0]
    assert result["median_ms"] == 3.0 and result["worst_ms"] == 10.0 and result["failures"] == 0


def test_a_refused_address_falls_through_to_the_next():
    clock = FakeClock([None, 0.002, 0.004])
    result = probe([("vip", 5000), ("pg1", 22)], probes=2, connect=clock.connect, clock=clock)
    assert result["target"] == "pg1:22" and result["median_ms"] == 3.0
    assert result["tried"][0] == {"target": "vip:5000", "error": "Connection refused"}


def test_the_verdict_names_the_host_and_the_figure():
    fast = {"target": "vip:5000", "median_ms": 0.4, "worst_ms": 0.9}
    slow = {"target": "vip:5000", "median_ms": 14.2, "worst_ms": 30.0}
    lost = {"target": "", "tried": [{"target": "vip:5000", "error": "timed out"}]}
    rows, problems = verdict({"c1": fast, "c2": slow, "c3": lost}, 10)
    assert [row[-1] for row in rows] == ["ok", "over 10 ms", "unreachable"]
    assert problems == ["c2: median 14.20 ms to vip:5000 (worst 30.00 ms), expected at most 10 ms "
                        "(onprem_coder_database_latency_limit_ms)",
                        "c3: reached no database address (vip:5000 (timed out))"]
    assert table(rows).splitlines()[0].split() == ["host", "database", "address", "median", "ms", "worst", "ms", "result"]


def test_a_real_connection_on_loopback():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = server.getsockname()[1]
    accepted = []
    thread = threading.Thread(target=lambda: [accepted.append(server.accept()[0]) for _i in range(3)], daemon=True)
    thread.start()
    result = probe([("127.0.0.1", port)], probes=3, timeout=2)
    thread.join(5)
    server.close()
    assert result["target"] == "127.0.0.1:%d" % port and len(result["samples_ms"]) == 3
    assert 0 <= result["median_ms"] < 1000


def test_at_least_one_probe():
    with pytest.raises(LatencyError, match="probes"):
        probe([("db", 5000)], probes=0)
