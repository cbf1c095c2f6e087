# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""playbooks/health.yml on the deployed lab: the real database, backup and certificate readings.

A healthy lab gives one table and exit 0, changing nothing (also with --check). Then the
quiet failures, one at a time, each undone before the next: a replica's Patroni stopped, WAL
archiving failing because the backup repository's server is down (Patroni itself stays
content), and a backup older than a lowered limit. Each makes the command exit non-zero,
naming what is wrong. The lab has no Kubernetes cluster and no Coder: those rows say they
were not read.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from .conftest import ROOT, changed_tasks, playbook, recap, run

REPORT = os.path.join(ROOT, "inventories", "lab", ".output", "health.json")


def health(*args):
    started = time.time()
    rc, out = playbook("-i", "inventories/lab", "playbooks/health.yml", *args)
    seconds = time.time() - started
    with open(REPORT) as handle:
        report = json.load(handle)
    return rc, out, report, seconds


def states(report):
    return dict(("%s %s" % (item["component"], item["item"]), item["state"]) for item in report["rows"])


def failed(report):
    return sorted("%s %s" % (item["component"], item["item"]) for item in report["rows"] if item["state"] == "fail")


def podman(host, *command):
    return run(["podman", "exec", host] + list(command))


def cluster():
    rc, out = podman("lab-pg1", "curl", "-s", "--max-time", "5", "http://127.0.0.1:8008/cluster")
    return json.loads(out) if rc == 0 and out.startswith("{") else {"members": []}


def wait_for(what, condition, deadline=180):
    """Wait until condition() is true; fail saying what was awaited and what was last seen."""
    end = time.time() + deadline
    seen = None
    while time.time() < end:
        ok, seen = condition()
        if ok:
            return seen
        time.sleep(2)
    raise AssertionError("waited %d s for %s; last seen: %s" % (deadline, what, seen))


def settled():
    """What Patroni's /cluster says at once (cheap): one running leader, every replica running or
    streaming. health.yml reads much more, so it runs only once this holds."""
    members = cluster()["members"]
    leaders = [m for m in members if m["role"] == "leader" and m["state"] == "running"]
    replicas = [m for m in members if m["role"] != "leader"]
    ok = len(members) == 3 and len(leaders) == 1 and all(m["state"] in ("running", "streaming") for m in replicas)
    return ok, [(m["name"], m["role"], m["state"]) for m in members]


def healthy_again():
    # a whole health.yml run costs tens of CPU-seconds: poll the cheap reading until it holds
    ok, members = settled()
    if not ok:
        return False, "Patroni's /cluster not settled yet: %s" % members
    rc, out, report, seconds = health()
    # healthy: the run itself, for a test to read; not yet: what was wrong
    return rc == 0, (out, report, seconds) if rc == 0 else (failed(report) or out[-1500:])


def test_a_healthy_lab_is_one_table_and_exit_zero(deployed):
    # the first run that exits 0 is the one checked (no second run to read it again)
    out, report, seconds = wait_for("a healthy site", healthy_again)
    print("health.yml on the lab: %.1f s" % seconds)
    assert report["healthy"] is True and failed(report) == [], report["rows"]
    assert all(counts["changed"] == 0 for counts in recap(out).values()), changed_tasks(out)
    found = states(report)
    for item in ("patroni leader", "patroni sync standby", "patroni lab-pg1", "patroni lab-pg2", "patroni lab-pg3",
                 "archiving WAL", "etcd members", "pgbackrest last full backup", "pgbackrest last backup (any type)",
                 "certificates lab-backup1 /etc/onprem-coder/tls/host.crt"):
        assert found.get(item) == "ok", (item, found)
    assert found["kubernetes nodes"] == "skipped" and found["coder health report"] == "skipped"
    assert "component" in out and "patroni" in out      # the table is printed
    rc, out, _report, _seconds = health("--check")
    assert rc == 0 and all(counts["changed"] == 0 for counts in recap(out).values()), out[-3000:]


def test_a_stopped_replica_makes_health_fail(deployed):
    replica = wait_for("a replica", lambda: (bool([m for m in cluster()["members"] if m["role"] == "replica"]),
                                             cluster()))["members"]
    name = [member["name"] for member in replica if member["role"] == "replica"][0]
    rc, out = podman(name, "systemctl", "stop", "patroni")
    assert rc == 0, out
    try:
        rc, out, report, _seconds = health()
        assert rc != 0
        assert "patroni %s" % name in failed(report), report["rows"]
        assert "the site is unhealthy" in out
    finally:
        podman(name, "systemctl", "start", "patroni")
    wait_for("the site healthy again after %s's Patroni started" % name, healthy_again)


def test_wal_archiving_that_fails_while_patroni_is_content_makes_health_fail(deployed):
    leader = wait_for("a leader", lambda: (bool([m for m in cluster()["members"] if m["role"] == "leader"]),
                                           cluster()))["members"]
    leader = [member["name"] for member in leader if member["role"] == "leader"][0]
    rc, out = podman("lab-backup1", "systemctl", "stop", "pgbackrest-server")
    assert rc == 0, out

    def archiver():
        rc, out = podman(leader, "su", "postgres", "-c", "psql -Atc \"SELECT last_failed_time > coalesce(last_archived_time, "
                         "'epoch') FROM pg_stat_archiver\"")
        return out.strip() == "t", out

    try:
        podman(leader, "su", "postgres", "-c", "psql -d coder -c 'CREATE TABLE IF NOT EXISTS health_probe (at timestamptz); "
               "INSERT INTO health_probe VALUES (now())' -c 'SELECT pg_switch_wal()'")
        wait_for("the leader's archiver to fail on the stopped repository", archiver, deadline=120)
        rc, out, report, _seconds = health()
        assert rc != 0
        assert "archiving WAL" in failed(report), report["rows"]
        assert states(report)["patroni leader"] == "ok"      # Patroni is content: the quiet failure
    finally:
        podman("lab-backup1", "systemctl", "start", "pgbackrest-server")

    def archiving_again():
        # after three failures PostgreSQL's archiver sleeps up to 60 s, unless a newly finished
        # WAL segment wakes it: finish one on each poll, until a segment is archived again
        podman(leader, "su", "postgres", "-c", "psql -d coder -c 'INSERT INTO health_probe VALUES (now())' "
               "-c 'SELECT pg_switch_wal()'")
        rc, out = podman(leader, "su", "postgres", "-c", "psql -Atc \"SELECT last_archived_time > "
                         "coalesce(last_failed_time, 'epoch') FROM pg_stat_archiver\"")
        return out.strip() == "t", out

    wait_for("the leader's archiver to archive again once the repository server is back", archiving_again,
             deadline=180)
    wait_for("the site healthy again", healthy_again, deadline=300)


def test_a_backup_older_than_its_limit_makes_health_fail(deployed):
    rc, out, report, _seconds = health("-e", "onprem_coder_health_backup_max_age_hours=0.0001")
    assert rc != 0
    assert failed(report) == ["pgbackrest last backup (any type)"], report["rows"]
