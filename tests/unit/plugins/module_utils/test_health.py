# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""What each health reading means: a healthy reading and the failures it must catch."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.onprem.coder.plugins.module_utils import health

NOW = datetime.datetime(2026, 11, 30, 12, 0, 0)
HOSTS = ["pg1", "pg2", "pg3"]


def cluster(**changes):
    members = {"pg1": {"name": "pg1", "role": "leader", "state": "running"},
               "pg2": {"name": "pg2", "role": "sync_standby", "state": "streaming", "lag": 0},
               "pg3": {"name": "pg3", "role": "replica", "state": "streaming", "lag": 1024}}
    for name, change in changes.items():
        members[name].update(change)
    return {"members": list(members.values())}


def states(rows):
    return dict(("%s %s" % (item["component"], item["item"]), item["state"]) for item in rows)


def test_a_healthy_patroni_cluster():
    rows = health.patroni(dict((host, cluster()) for host in HOSTS), HOSTS, 16 * 2 ** 20)
    assert health.healthy(rows)
    assert states(rows) == {"patroni leader": "ok", "patroni sync standby": "ok", "patroni pg1": "ok",
                            "patroni pg2": "ok", "patroni pg3": "ok"}


def test_a_stopped_or_lagging_replica_and_no_sync_standby_fail():
    stopped = cluster(pg3={"state": "stopped", "lag": "unknown"})
    rows = health.patroni({"pg1": stopped, "pg2": stopped, "pg3": None}, HOSTS, 16 * 2 ** 20)
    assert not health.healthy(rows)
    assert states(rows)["patroni pg3"] == "fail"
    assert [item["detail"] for item in rows if item["item"] == "pg3"] == ["its REST API did not answer", "replica, stopped"]
    lagging = cluster(pg3={"lag": 64 * 2 ** 20})
    rows = health.patroni({"pg1": lagging}, ["pg1"], 16 * 2 ** 20)
    assert health.patroni({"pg1": lagging}, HOSTS, 16 * 2 ** 20)[-1]["detail"] == "replica, 64.0 MB behind (limit 16.0 MB)"
    no_sync = cluster(pg2={"role": "replica"})
    assert states(health.patroni({"pg1": no_sync}, HOSTS, 16 * 2 ** 20))["patroni sync standby"] == "fail"
    two = cluster(pg2={"role": "leader", "state": "running"})
    assert states(health.patroni({"pg1": two}, HOSTS, 16 * 2 ** 20))["patroni leader"] == "fail"


def test_archiving_failing_while_patroni_is_content_is_caught():
    good = {"last_archived_wal": "00000001000000000000000A", "last_archived_time": "2026-11-30 11:55:00.123+00",
            "failed_count": 0, "last_failed_time": None}
    assert health.archiving(good, NOW, 24)[0]["state"] == "ok"
    failing = dict(good, failed_count=3, last_failed_wal="00000001000000000000000B",
                   last_failed_time="2026-11-30 11:58:00+00")
    rows = health.archiving(failing, NOW, 24)
    assert rows[0]["state"] == "fail"
    assert rows[0]["detail"] == ("failing: 00000001000000000000000B failed 2 min ago (3 failures), last success 5 min ago")
    recovered = dict(failing, last_archived_time="2026-11-30 11:59:00+00")
    assert health.archiving(recovered, NOW, 24)[0]["state"] == "ok"
    assert health.archiving(dict(good, last_archived_time="2026-11-28 11:00:00+00"), NOW, 24)[0]["state"] == "warn"
    assert health.archiving(None, NOW, 24)[0]["state"] == "fail"


def info(*sets, **status):
    return [{"name": "coder", "status": dict({"code": 0, "message": "ok"}, **status),
             "backup": [{"label": label, "type": kind, "timestamp": {"start": stop - 60, "stop": stop}} for label, kind, stop in sets]}]


def epoch(value):
    return int((value - datetime.datetime(1970, 1, 1)).total_seconds())


def test_backups_older_than_their_schedules_fail():
    fresh = info(("F1", "full", epoch(NOW - datetime.timedelta(days=3))), ("D1", "diff", epoch(NOW - datetime.timedelta(hours=5))))
    assert states(health.backups(fresh, NOW, 192, 26)) == {"pgbackrest last full backup": "ok",
                                                           "pgbackrest last backup (any type)": "ok"}
    stale = info(("F1", "full", epoch(NOW - datetime.timedelta(days=9))))
    rows = health.backups(stale, NOW, 192, 26)
    assert states(rows) == {"pgbackrest last full backup": "fail", "pgbackrest last backup (any type)": "fail"}
    assert rows[0]["detail"] == "F1 (full) 9.0 days ago, limit 192 h"
    assert states(health.backups(info(code=2, message="no valid backups"), NOW, 192, 26))["pgbackrest stanza coder"] == "fail"
    assert health.backups(None, NOW, 192, 26)[0]["state"] == "fail"


def test_etcd_haproxy_and_certificates():
    assert health.healthy(health.etcd({"pg1": [{"endpoint": "https://a:2379", "health": True}] * 3}, HOSTS))
    sick = [{"endpoint": "https://a:2379", "health": True}, {"endpoint": "https://c:2379", "health": False,
                                                             "error": "context deadline exceeded"}]
    rows = health.etcd({"pg1": sick, "pg2": None}, HOSTS)
    assert [(item["item"], item["state"], item["detail"]) for item in rows] == [
        ("members", "fail", "1 of 3 healthy"), ("https://c:2379", "fail", "context deadline exceeded")]
    header = "# pxname,svname," + ",".join("f%d" % index for index in range(2, 17)) + ",status"

    def line(proxy, server, status):
        return ",".join([proxy, server] + ["0"] * 15 + [status])
    stats = "\n".join([header, line("primary", "pg1", "UP"), line("primary", "pg2", "DOWN"), line("replicas", "pg2", "UP"),
                       line("primary", "BACKEND", "UP")])
    assert health.haproxy({"pg1": stats}, 3)[0]["state"] == "ok"
    split = "\n".join([header, line("primary", "pg1", "UP"), line("primary", "pg2", "UP")])
    assert health.haproxy({"pg1": split, "pg2": ""}, 3)[0]["detail"] == "primary -> pg1, pg2; replicas -> none"
    assert [item["state"] for item in health.haproxy({"pg1": split, "pg2": ""}, 3)] == ["fail", "fail"]
    rows = health.certificates({"pg1": {"/etc/onprem-coder/tls/host.crt": "20290101000000Z",
                                        "/etc/onprem-coder/tls/ca.crt": "20261210000000Z"},
                                "pg2": {"/etc/onprem-coder/tls/host.crt": "20261203000000Z", "/etc/onprem-coder/tls/ca.crt": ""}},
                               NOW, 30, 7)
    assert [item["state"] for item in rows] == ["warn", "ok", "fail", "fail"]


def test_kubernetes_nodes_and_coder_reports():
    expected = {"w1": {"labels": {"onprem.coder/pool": "workspace"},
                       "taints": [{"key": "onprem.coder/pool", "value": "workspace", "effect": "NoSchedule"}]}}
    node = {"metadata": {"name": "w1", "labels": {"onprem.coder/pool": "workspace"}},
            "spec": {"taints": [{"key": "onprem.coder/pool", "value": "workspace", "effect": "NoSchedule"}]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    assert health.kubernetes([node], expected)[0]["state"] == "ok"
    drifted = {"metadata": {"name": "w1", "labels": {}}, "spec": {}, "status": {"conditions": [{"type": "Ready", "status": "False"}]}}
    assert health.kubernetes([drifted], expected)[0]["detail"] == (
        "not Ready; label onprem.coder/pool=workspace missing; taint onprem.coder/pool=workspace:NoSchedule missing")
    assert health.kubernetes(None, expected, "no kubeconfig")[0] == {"component": "kubernetes", "item": "nodes",
                                                                     "state": "skipped", "detail": "no kubeconfig"}
    report = {"healthy": False, "severity": "error", "database": {"healthy": True, "severity": "ok", "latency_ms": 2},
              "provisioner_daemons": {"healthy": False, "severity": "error", "error": "no provisioner daemons"},
              "workspace_proxy": {"healthy": True, "severity": "warning"}}
    assert [(item["item"], item["state"]) for item in health.coder(report)] == [
        ("overall", "fail"), ("database", "ok"), ("workspace_proxy", "warn"), ("provisioner_daemons", "fail")]
    assert health.coder(None, "onprem_coder_api_token is not set")[0]["state"] == "skipped"
    lines = health.table(health.coder(report))
    assert lines[0].split() == ["component", "item", "state", "detail"] and "FAIL" in lines[1]


def test_a_member_the_inventory_no_longer_lists_fails_and_problems_say_what_is_wrong():
    rows = health.patroni({"pg1": cluster()}, ["pg1", "pg2", "pg4"], 16 * 2 ** 20)
    assert states(rows)["patroni pg3"] == "fail" and states(rows)["patroni pg4"] == "fail"
    assert health.patroni_problems(cluster(), ["pg1", "pg2", "pg4"]) == [
        "pg3: a member the inventory's postgres group does not list", "pg4: not a member of the cluster"]
    assert health.patroni_problems(cluster(), HOSTS) == []
    copying = cluster(pg3={"state": "creating replica", "lag": "unknown"})
    assert health.patroni_problems(copying, HOSTS) == ["pg3: replica, creating replica"]
    assert health.patroni_problems({}, HOSTS)[0] == "leader: 0 leaders (none)"
