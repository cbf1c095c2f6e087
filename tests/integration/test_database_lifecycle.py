# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The deployed lab's database cluster through its life, on real etcd, PostgreSQL, Patroni,
HAProxy, keepalived and pgBackRest. These tests change the site (a crash, a restore, a day-2
change), so they run after every other lab test (marker ``lab_last``), in this order:

1. ``site.yml --check --diff`` on the deployed site predicts no change and prints no secret;
2. topology, routing, backups, verify-full TLS, the VIP, and a crash failover with a writer
   committing through the VIP: no acknowledged write lost, the old leader rejoins by itself;
3. a planned switchover with playbooks/db_switchover.yml, and back to the former leader by name;
4. a backup asked for right after the leader's container is killed: it waits for the new
   leader and for that leader's pg_control to name its timeline (pgBackRest stops with error
   058 otherwise; a clean-clone run hit it), then the lost leader rejoins;
5. a point-in-time restore with playbooks/db_restore.yml: rows before the target back, rows
   after it absent, the cluster whole, archiving and a fresh full backup;
6. a day-2 change through playbooks/database.yml: a dynamic setting by PATCH /config and a
   parameter that needs a restart, rolled replica by replica, a switchover, then the former
   leader, with never fewer than two members running.

The checks themselves are tests/lab/verify_database.py (psycopg2 and the Patroni REST API).
They used to run on a Molecule scenario of their own (four more containers converged, checked
for idempotence and check mode); the lab's cluster has the same shape and is deployed,
re-run from a second clone (idempotence) and checked here (check mode) anyway.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import sys
import time

import pytest
import yaml

from .conftest import ROOT, Environment, Writer, assert_no_secret, changed_tasks, pgha_environment, playbook, recap, run

pytestmark = pytest.mark.lab_last

CHECKS = os.path.join(ROOT, "tests", "lab", "verify_database.py")
INVENTORY = os.path.join(ROOT, "inventories", "lab")


@pytest.fixture(scope="module")
def cluster(deployed, tmp_path_factory):
    """The PGHA_* environment of verify_database.py for the lab, from its inventory."""
    return pgha_environment(deployed, tmp_path_factory.mktemp("database"))


def checks(cluster, mode):
    rc, out = run([sys.executable, CHECKS, mode], env=cluster)
    print(out)
    assert rc == 0, "verify_database.py %s failed:\n%s" % (mode, out[-6000:])
    return out


def leader(cluster):
    found = re.findall(r"^leader: (\S+)$", checks(cluster, "leader"), re.M)
    assert len(found) == 1, found
    return found[0]


def converged(out):
    counts = recap(out)
    return counts and all(c["changed"] == 0 and c["failed"] == 0 and c["unreachable"] == 0 for c in counts.values())


def test_check_mode_on_the_deployed_site_predicts_no_change(deployed):
    rc, out = playbook("-i", deployed, "site.yml", "--check", "--diff")
    assert rc == 0, out[-6000:]
    assert converged(out), "check mode predicts a change: %s" % changed_tasks(out)
    assert_no_secret(out)


def test_topology_routing_tls_and_a_crash_failover_lose_no_acknowledged_write(cluster):
    out = checks(cluster, "all")
    assert "every acknowledged row survived the crash" in out
    assert "rejoined as" in out


def test_a_planned_switchover_hands_the_leader_to_the_synchronous_standby(deployed, cluster):
    before = leader(cluster)
    rc, out = playbook("-i", deployed, "playbooks/db_switchover.yml")
    assert rc == 0, out[-6000:]
    assert_no_secret(out)
    after = leader(cluster)
    assert after != before, "the leader is still %s" % before
    # and back to the former leader by name (a synchronous standby already, or made one)
    rc, out = playbook("-i", deployed, "playbooks/db_switchover.yml", "-e", "onprem_coder_switchover_candidate=" + before)
    assert rc == 0, out[-6000:]
    assert leader(cluster) == before


def timelines(cluster):
    found = re.findall(r"^timelines: leader=(\S+) control=(\d+) wal=(\d+)$", checks(cluster, "timelines"), re.M)
    assert len(found) == 1, found
    return found[0][0], int(found[0][1]), int(found[0][2])


def test_a_backup_asked_for_while_the_leader_is_lost_waits_for_the_new_one(deployed, cluster):
    # a writer throughout: what the backup and the failover must not lose, and the WAL a rewound
    # former leader needs from the new one before it is consistent again
    writes = Writer(os.path.join(ROOT, deployed, ".output", "pki", "ca.crt"), "backup_probe")
    with writes.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS backup_probe (id bigint PRIMARY KEY)")
        cur.execute("TRUNCATE backup_probe")
    conn.close()
    lost = leader(cluster)
    writes.start()
    try:
        rc, out = run(["podman", "kill", lost])
        assert rc == 0, out
        started = time.time()
        rc, out = playbook("-i", deployed, "playbooks/db_backup.yml", "-e", "onprem_coder_backup_type=incr")
        seconds = time.time() - started
    finally:
        rc_start, out_start = run(["podman", "start", lost])
        try:
            new, control, wal = timelines(cluster)   # waits for a settled cluster: the lost leader streams again
        finally:
            writes.stop.set()
            writes.join(30)
    assert rc == 0, out[-6000:]
    assert_no_secret(out)
    assert "incr backup: " in out, out[-4000:]
    assert rc_start == 0, out_start
    print("backup taken %.0f s after the leader %s was killed; %s leads; the checkpoint %s"
          % (seconds, lost, new, "ran" if re.search(r"Checkpoint on the leader[^\n]*\n(ok|changed): ", out) else "was not needed"))
    assert new != lost, "%s still leads" % lost
    assert control == wal, "%s: pg_control names timeline %d, its WAL is on %d" % (new, control, wal)
    with writes.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM backup_probe")
        stored = set(row[0] for row in cur.fetchall())
    conn.close()
    missing = [row for row in writes.acknowledged if row not in stored]
    print("%d rows acknowledged, %d lost, %d failed attempts" % (len(writes.acknowledged), len(missing), len(writes.errors)))
    assert writes.acknowledged, writes.errors[-5:]
    assert missing == [], missing[:20]


def test_a_point_in_time_restore_brings_back_exactly_the_rows_before_the_target(deployed, cluster):
    with open(cluster["PGHA_PITR"]) as handle:
        target = json.load(handle)["target"]
    rc, out = playbook("-i", deployed, "playbooks/db_restore.yml", "-e", json.dumps(
        {"onprem_coder_restore_confirm": "coder", "onprem_coder_restore_target": target}))
    assert rc == 0, out[-6000:]
    assert_no_secret(out)
    checks(cluster, "pitr-check")


# set by hand before the day-2 run, a parameter PostgreSQL reloads without a restart (its default: -1)
HAND_EDIT = ("log_min_duration_statement", "250")


def test_a_day2_change_rolls_every_member_one_at_a_time(deployed, cluster):
    with open(os.path.join(INVENTORY, "group_vars", "all", "database.yml")) as handle:
        parameters = dict(yaml.safe_load(handle)["patroni_postgresql_parameters_overrides"])
    out = checks(cluster, "day2-start")
    before = int(re.search(r"^max_locks_per_transaction before the change: (\d+)$", out, re.M).group(1))
    # needs a restart; another value than the lab has, so the test changes it on any run: on a
    # fresh lab (64) it raises the value (128), then raises it again (192), then lowers it (128)
    value = 192 if before == 128 else 128
    parameters["max_locks_per_transaction"] = value
    # an operator's hand edit the inventory does not hold: the run removes it, since the
    # inventory states postgresql.parameters in full
    rc, edit = run(["podman", "exec", leader(cluster), "patronictl", "-c", "/etc/patroni/config.yml", "edit-config",
                    "--pg", "%s=%s" % HAND_EDIT, "--force"])
    assert rc == 0 and HAND_EDIT[0] in edit, edit
    rc, out = playbook("-i", deployed, "playbooks/database.yml", "-e", json.dumps({
        "patroni_dcs_overrides": {"maximum_lag_on_failover": 2097152},   # dynamic: PATCH /config
        "patroni_postgresql_parameters_overrides": parameters}))
    assert rc == 0, out[-6000:]
    assert_no_secret(out)
    assert '"%s": null' % HAND_EDIT[0] in out, "the run did not remove the hand-set %s:\n%s" % (HAND_EDIT[0], out[-6000:])
    checks(Environment(cluster, PGHA_DAY2_BEFORE=str(before), PGHA_DAY2_VALUE=str(value)), "day2-check")
