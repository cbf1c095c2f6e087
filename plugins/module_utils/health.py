# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The site's health in one table (playbooks/health.yml): what each collected reading means.

Each function takes what the health play read (Patroni's /cluster, pg_stat_archiver, etcd's
endpoint health, HAProxy's stats CSV, `pgbackrest info`, certificate dates, the Kubernetes
node list, Coder's /api/v2/debug/health) and returns rows ``{component, item, state, detail}``
with state ``ok``, ``warn``, ``fail`` or ``skipped``. A site is healthy when no row fails.
It catches the quiet failures too: WAL archiving that fails while Patroni is content, a
replica lagging, a backup older than its schedule, a certificate close to its end.
No Ansible imports: tested with pytest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

STATES = ("ok", "warn", "fail", "skipped")


def row(component, item, state, detail):
    if state not in STATES:
        raise ValueError("state %r" % (state,))
    return {"component": component, "item": item, "state": state, "detail": detail}


def _mb(value):
    return "%.1f MB" % (float(value) / 2 ** 20)


def patroni(readings, expected, max_lag_bytes, synchronous=True):
    """``readings``: host -> Patroni's /cluster (or None when it did not answer); ``expected``:
    the inventory's postgres hosts. One leader, a synchronous standby, every member running and
    streaming, no replica further behind than ``max_lag_bytes``."""
    rows = []
    answered = dict((host, value) for host, value in readings.items() if value)
    for host in expected:
        if host not in answered:
            rows.append(row("patroni", host, "fail", "its REST API did not answer"))
    if not answered:
        return rows + [row("patroni", "cluster", "fail", "no member answered")]
    return rows + cluster_rows(answered[sorted(answered)[0]], expected, max_lag_bytes, synchronous)


def cluster_rows(cluster, expected, max_lag_bytes, synchronous=True):
    """One member's /cluster judged against the inventory's postgres hosts ``expected``."""
    rows = []
    members = dict((member["name"], member) for member in cluster.get("members") or [])
    leaders = [name for name, member in members.items() if member.get("role") == "leader"]
    if len(leaders) != 1:
        rows.append(row("patroni", "leader", "fail", "%d leaders (%s)" % (len(leaders), ", ".join(sorted(leaders)) or "none")))
    else:
        rows.append(row("patroni", "leader", "ok", leaders[0]))
    sync = [name for name, member in members.items() if member.get("role") in ("sync_standby", "synchronous_standby")]
    if synchronous:
        rows.append(row("patroni", "sync standby", "ok" if sync else "fail", ", ".join(sorted(sync)) or
                        "none: commits wait or synchronous replication is off"))
    for name in sorted(set(members) - set(expected)):
        rows.append(row("patroni", name, "fail", "a member the inventory's postgres group does not list"))
    for name in expected:
        member = members.get(name)
        if member is None:
            rows.append(row("patroni", name, "fail", "not a member of the cluster"))
            continue
        state = member.get("state")
        lag = member.get("lag", member.get("receive_lag"))
        if member.get("role") == "leader":
            good = state == "running"
            rows.append(row("patroni", name, "ok" if good else "fail", "leader, %s" % state))
            continue
        if state not in ("streaming", "running"):
            rows.append(row("patroni", name, "fail", "%s, %s" % (member.get("role"), state)))
        elif lag in (None, "", "unknown"):
            rows.append(row("patroni", name, "fail", "%s, %s, lag unknown" % (member.get("role"), state)))
        elif int(lag) > max_lag_bytes:
            rows.append(row("patroni", name, "fail", "%s, %s behind (limit %s)" % (member.get("role"), _mb(lag), _mb(max_lag_bytes))))
        else:
            rows.append(row("patroni", name, "ok", "%s, %s, %s behind" % (member.get("role"), state, _mb(lag))))
    return rows


def patroni_problems(cluster, expected, max_lag_bytes=16 * 2 ** 20):
    """What keeps one member's /cluster reading from being the inventory's healthy cluster
    (``expected``: the postgres hosts), one line each; empty when it is."""
    return ["%s: %s" % (item["item"], item["detail"]) for item in cluster_rows(cluster or {}, expected, max_lag_bytes)
            if item["state"] == "fail"]


def _time(value):
    """A timestamp from PostgreSQL, pgBackRest or an X.509 date: ISO text, epoch seconds, or ASN.1 (YYYYMMDDHHMMSSZ)."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).replace(tzinfo=None)
    text = str(value).strip()
    if len(text) == 15 and text.endswith("Z") and text[:14].isdigit():
        return datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ")
    text = text.replace("T", " ")
    for suffix in ("+00:00", "+00", "Z"):
        if text.endswith(suffix):
            text = text[:-len(suffix)]
    if "." in text:
        text = text.split(".")[0]
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def _age(now, then):
    seconds = (now - then).total_seconds()
    if seconds < 3600:
        return "%d min" % (seconds // 60)
    if seconds < 3 * 86400:
        return "%.1f h" % (seconds / 3600.0)
    return "%.1f days" % (seconds / 86400.0)


def archiving(archiver, now, max_age_hours):
    """The leader's pg_stat_archiver: a failure newer than the last success is WAL archiving that
    is failing now (Patroni does not notice), and nothing archived for ``max_age_hours`` on a
    written database is a stalled archiver."""
    if not archiver:
        return [row("archiving", "WAL", "fail", "no reading from the leader")]
    last_ok = _time(archiver.get("last_archived_time"))
    last_failed = _time(archiver.get("last_failed_time"))
    if last_failed and (not last_ok or last_failed > last_ok):
        return [row("archiving", "WAL", "fail", "failing: %s failed %s ago (%d failures), last success %s" % (
            archiver.get("last_failed_wal"), _age(now, last_failed), int(archiver.get("failed_count") or 0),
            "%s ago" % _age(now, last_ok) if last_ok else "never"))]
    if not last_ok:
        return [row("archiving", "WAL", "warn", "nothing archived yet")]
    if (now - last_ok).total_seconds() > max_age_hours * 3600:
        return [row("archiving", "WAL", "warn", "last WAL archived %s ago (%s)" % (_age(now, last_ok), archiver.get("last_archived_wal")))]
    return [row("archiving", "WAL", "ok", "last %s archived %s ago, %d failures ever" % (
        archiver.get("last_archived_wal"), _age(now, last_ok), int(archiver.get("failed_count") or 0)))]


def backups(info, now, full_max_hours, any_max_hours):
    """`pgbackrest --output=json info` of the stanza: the newest full backup and the newest
    backup of any type against their schedules' ages."""
    if not info:
        return [row("pgbackrest", "stanza", "fail", "no reading from the repository host")]
    stanza = info[0]
    status = stanza.get("status") or {}
    rows = []
    if status.get("code") not in (0, None):
        rows.append(row("pgbackrest", "stanza %s" % stanza.get("name"), "fail", status.get("message", "status %s" % status.get("code"))))
    sets = stanza.get("backup") or []
    fulls = [item for item in sets if item.get("type") == "full"]
    for label, chosen, limit in (("last full backup", fulls, full_max_hours), ("last backup (any type)", sets, any_max_hours)):
        if not chosen:
            rows.append(row("pgbackrest", label, "fail", "none"))
            continue
        newest = max(chosen, key=lambda item: item["timestamp"]["stop"])
        stopped = _time(newest["timestamp"]["stop"])
        state = "ok" if (now - stopped).total_seconds() <= limit * 3600 else "fail"
        rows.append(row("pgbackrest", label, state, "%s (%s) %s ago, limit %s h" % (
            newest.get("label"), newest.get("type"), _age(now, stopped), limit)))
    return rows


def etcd(readings, expected):
    """`etcdctl endpoint health --cluster -w json` from any member: every member healthy."""
    rows = []
    answered = [value for value in readings.values() if value]
    if not answered:
        return [row("etcd", "cluster", "fail", "no member answered")]
    endpoints = answered[0]
    healthy = [item for item in endpoints if item.get("health")]
    state = "ok" if len(healthy) == len(expected) and len(endpoints) == len(expected) else "fail"
    rows.append(row("etcd", "members", state, "%d of %d healthy" % (len(healthy), len(expected))))
    for item in endpoints:
        if not item.get("health"):
            rows.append(row("etcd", item.get("endpoint", "?"), "fail", item.get("error") or "unhealthy"))
    return rows


def haproxy(readings, expected_backends):
    """HAProxy's stats CSV from each HAProxy host: ``primary`` routes to exactly one server
    (the leader), ``replicas`` to at least one when there are replicas."""
    rows = []
    for host in sorted(readings):
        text = readings[host]
        if not text:
            rows.append(row("haproxy", host, "fail", "stats did not answer"))
            continue
        up = {"primary": [], "replicas": []}
        for line in text.splitlines():
            fields = line.split(",")
            if len(fields) > 17 and fields[0] in up and fields[1] not in ("FRONTEND", "BACKEND"):
                if fields[17].startswith("UP"):
                    up[fields[0]].append(fields[1])
        primary_ok = len(up["primary"]) == 1
        replicas_ok = bool(up["replicas"]) or expected_backends < 2
        detail = "primary -> %s; replicas -> %s" % (", ".join(up["primary"]) or "none", ", ".join(sorted(up["replicas"])) or "none")
        rows.append(row("haproxy", host, "ok" if primary_ok and replicas_ok else "fail", detail))
    return rows


def certificates(readings, now, warn_days, fail_days):
    """Every certificate the collection issued: ``readings`` host -> {path: not_after}."""
    rows = []
    for host in sorted(readings):
        for path, not_after in sorted((readings[host] or {}).items()):
            if not not_after:
                rows.append(row("certificates", "%s %s" % (host, path), "fail", "missing or unreadable"))
                continue
            ends = _time(not_after)
            days = (ends - now).total_seconds() / 86400.0
            state = "fail" if days < fail_days else "warn" if days < warn_days else "ok"
            rows.append(row("certificates", "%s %s" % (host, path), state, "expires %s (%d days)" % (ends.strftime("%Y-%m-%d"), days)))
    return rows


def kubernetes(nodes, expected, reason=None):
    """``nodes``: the API's Node objects (None: not read, with ``reason``); ``expected``: node
    name -> {labels, taints} the node pools declare. Every node Ready, with them."""
    if nodes is None:
        return [row("kubernetes", "nodes", "skipped", reason or "not read")]
    rows = []
    by_name = dict((node["metadata"]["name"], node) for node in nodes)
    for name in sorted(expected):
        node = by_name.get(name)
        if node is None:
            rows.append(row("kubernetes", name, "fail", "not a node of the cluster"))
            continue
        ready = [item for item in (node.get("status") or {}).get("conditions") or [] if item.get("type") == "Ready"]
        problems = []
        if not ready or ready[0].get("status") != "True":
            problems.append("not Ready")
        labels = node["metadata"].get("labels") or {}
        for key, value in (expected[name].get("labels") or {}).items():
            if labels.get(key) != str(value):
                problems.append("label %s=%s missing" % (key, value))
        taints = set((item.get("key"), item.get("value", "") or "", item.get("effect")) for item in (node.get("spec") or {}).get("taints") or [])
        for taint in expected[name].get("taints") or []:
            if (taint["key"], taint.get("value", "") or "", taint["effect"]) not in taints:
                problems.append("taint %s=%s:%s missing" % (taint["key"], taint.get("value", ""), taint["effect"]))
        rows.append(row("kubernetes", name, "fail" if problems else "ok", "; ".join(problems) or "Ready, pool labels and taints"))
    return rows


def coder(report, reason=None):
    """Coder's /api/v2/debug/health: overall, and each section (provisioner daemons, workspace
    proxies, database, DERP, websocket, access URL)."""
    if report is None:
        return [row("coder", "health report", "skipped", reason or "not read")]
    rows = [row("coder", "overall", "ok" if report.get("healthy") else "fail", "severity %s" % report.get("severity", "?"))]
    for section in ("access_url", "database", "derp", "websocket", "workspace_proxy", "provisioner_daemons"):
        value = report.get(section)
        if not isinstance(value, dict):
            continue
        severity = value.get("severity", "ok" if value.get("healthy", True) else "error")
        state = "ok" if severity == "ok" and value.get("healthy", True) else "warn" if severity == "warning" else "fail"
        detail = "severity %s" % severity
        if section == "database" and "latency_ms" in value:
            detail += ", latency %s ms" % value["latency_ms"]
        if value.get("error"):
            detail += ": %s" % value["error"]
        rows.append(row("coder", section, state, detail))
    return rows


def healthy(rows):
    return not any(item["state"] == "fail" for item in rows)


def table(rows):
    """The rows as one fixed-width table, failures marked."""
    widths = [max([len(header)] + [len(str(item[key])) for item in rows]) for header, key in
              (("component", "component"), ("item", "item"), ("state", "state"))]
    lines = ["%-*s  %-*s  %-*s  %s" % (widths[0], "component", widths[1], "item", widths[2], "state", "detail")]
    for item in rows:
        lines.append("%-*s  %-*s  %-*s  %s" % (widths[0], item["component"], widths[1], item["item"], widths[2],
                                               item["state"].upper() if item["state"] == "fail" else item["state"], item["detail"]))
    return lines
