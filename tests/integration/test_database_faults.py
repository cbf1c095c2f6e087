# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The deployed lab's database cluster under faults (tests/lab/faults.py, docs/database-failures.md),
on real etcd, Patroni, PostgreSQL, HAProxy, keepalived and pgBackRest, with writers committing
the whole time:

1. (make test) the leader cut off from every other host for 75 s, a writer on the isolated
   leader itself and one through the VIP: no acknowledged row lost, writes come back through
   the VIP during the partition, by its end only a host of the majority holds the VIP, and
   the old leader rejoins once the network is back;
2. (on demand, marker ondemand: make database-faults) the whole suite: five leader kills, the
   partition, the backup repository down for three minutes, etcd's quorum lost for a minute,
   every member killed at once. Its table goes to build/database-faults.md.

The crash failover and the host replacement are in make test too, in
test_database_lifecycle.py and test_database_hosts.py. These change the site, so they run after
the other lab tests (lab_last).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest

from .conftest import ROOT, pgha_environment, run

pytestmark = pytest.mark.lab_last

FAULTS = os.path.join(ROOT, "tests", "lab", "faults.py")


@pytest.fixture(scope="module")
def cluster(deployed, tmp_path_factory):
    return pgha_environment(deployed, tmp_path_factory.mktemp("faults"))


def faults(cluster, *names):
    """faults.py with these faults; its output (printed, so a failure shows it) and its rows."""
    rc, out = run([sys.executable, FAULTS] + list(names), env=cluster, timeout=3600)
    print(out)
    assert rc == 0, "faults.py %s failed:\n%s" % (" ".join(names), out[-6000:])
    with open(cluster["PGHA_FAULTS"]) as handle:
        rows = json.load(handle)
    assert len(rows) >= len(names), rows
    return out, rows


def test_a_partitioned_leader_acknowledges_nothing_it_loses_and_gives_the_vip_up(cluster):
    out, rows = faults(cluster, "partition")
    assert rows[0]["lost"] == 0 and rows[0]["acknowledged_rows"] > 0, rows
    assert "one host on the majority side holds the VIP" in out
    assert "writes through the VIP came back during the partition" in out


@pytest.mark.ondemand
def test_the_fault_suite_loses_no_acknowledged_write(cluster):
    out, rows = faults(cluster, "leader-kill=5", "partition", "repository-down=180", "etcd-quorum-lost=60",
                       "all-killed")
    assert len(rows) == 9 and all(r["lost"] == 0 for r in rows), rows
    table = out[out.rindex("| fault |"):]
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "database-faults.md"), "w") as handle:
        handle.write(table + "\n")
