"""Checks of the lab's database cluster, from the controller, by tests/integration/test_database_lifecycle.py.

Run as a script with the cluster in PGHA_* environment variables (members, CA, Coder's
database password, repository host, VIP, report files) and a mode; each check prints
"ok: ..." or "FAIL: ..." and a failure exits 1.

1. Topology: one leader, one synchronous standby, one streaming replica; lag under 1 MB.
2. Routing: writes through HAProxy :5000 land on the leader; :5001 reaches a replica that
   refuses writes.
3. Backups: pgbackrest check passes on the repository host and a full backup exists there.
   `timelines` prints the leader's WAL timeline and the one its pg_control names.
4. Crash failover: a writer commits single-row transactions through :5000 and records every
   acknowledged id; the leader's container is killed (podman kill); the writer retries.
   A new leader must serve writes within FAILOVER_BOUND_S and every acknowledged id must be
   there afterwards. The old node is started again and must rejoin as a replica by itself.
5. TLS: Coder's role connects with sslmode=verify-full through HAProxy; without TLS it is
   refused.
6. Point-in-time restore, in two halves around playbooks/db_restore.yml (the test runs it):
   `pitr-prepare` commits rows, takes the server's clock as the target, commits more rows and
   writes both sets and the target to PGHA_PITR; `pitr-check` asserts, after the restore,
   that every row before the target is there, none after it, and the cluster is whole.
7. A day-2 change through the real database phase, in two halves around it (the test runs
   it with a changed dynamic setting and a parameter that needs a restart): `day2-start`
   records the leader and starts a monitor sampling /cluster twice a second; `day2-check`
   asserts the DCS holds the new setting and no longer the parameter set by hand before the
   change, every member runs the new parameter and that one's default with no restart
   pending, every member was restarted one at a time (postmaster start times apart,
   the former leader last, never fewer than two members running), the leader changed by a
   switchover, and the cluster is whole.
Figures go to PGHA_REPORT (JSON) and stdout.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import psycopg2

# The leader key lives ttl (20 s, the least Patroni accepts) and is renewed in full when the etcd
# leader dies with it: writes came back after 23-28 s (docs/database-failures.md).
FAILOVER_BOUND_S = 40.0
MEMBERS = dict(item.split("=", 1) for item in os.environ["PGHA_MEMBERS"].split(","))   # address -> name
CA = os.environ["PGHA_CA"]
PASSWORD = os.environ["PGHA_CODER_PASSWORD"]
REPORT = os.environ.get("PGHA_REPORT")
REPO = os.environ.get("PGHA_REPO")
VIP = os.environ.get("PGHA_VIP") or None
report = {}


def check(condition, message):
    if not condition:
        print("FAIL: " + message)
        sys.exit(1)
    print("ok: " + message)


def cluster(addresses=None):
    for address in addresses or MEMBERS:
        try:
            with urllib.request.urlopen("http://%s:8008/cluster" % address, timeout=3) as response:
                return json.load(response)
        except OSError:
            continue
    raise RuntimeError("no Patroni REST API answered")


def connect(address, port, sslmode="verify-full", timeout=3):
    # TCP keepalives and a user timeout, as a pooled client like Coder's should have: a
    # connection whose server vanished without a reset (a killed host, a VIP that moved away
    # from under it) fails within seconds instead of hanging until the kernel gives up
    return psycopg2.connect(host=address, port=port, dbname="coder", user="coder", password=PASSWORD,
                            sslmode=sslmode, sslrootcert=CA, connect_timeout=timeout, keepalives=1,
                            keepalives_idle=2, keepalives_interval=1, keepalives_count=3, tcp_user_timeout=5000)


def wait_for(predicate, seconds, what):
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - keep waiting, report the last error
            last = exc
        time.sleep(1)
    check(False, "%s within %d s (last: %r)" % (what, seconds, last))


def topology():
    members = cluster()["members"]
    roles = sorted(m["role"] for m in members)
    check(roles == ["leader", "replica", "sync_standby"], "one leader, one sync standby, one replica: %s" % roles)
    for member in members:
        if member["role"] != "leader":
            check(member["state"] in ("streaming", "running"), "%s is %s" % (member["name"], member["state"]))
            lag = member.get("lag", 0)
            check(isinstance(lag, int) and lag < 1024 * 1024, "%s lag %r bytes < 1 MB" % (member["name"], lag))
    return members


def routing(members):
    leader = [m for m in members if m["role"] == "leader"][0]
    via = list(MEMBERS)[0]
    with connect(via, 5000) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery(), inet_server_addr()::text")
        in_recovery, server = cur.fetchone()
        check(not in_recovery, "port 5000 reaches a primary")
        check(server.split("/")[0] == leader["host"], "port 5000 reaches the leader %s (%s)" % (leader["name"], server))
        cur.execute("CREATE TABLE IF NOT EXISTS verify_routing (id int)")
        cur.execute("INSERT INTO verify_routing VALUES (1)")
    conn.close()
    replica = connect(via, 5001)
    replica.autocommit = True
    with replica.cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        check(cur.fetchone()[0], "port 5001 reaches a replica")
        try:
            cur.execute("INSERT INTO verify_routing VALUES (2)")
            check(False, "a write through port 5001 is refused")
        except psycopg2.Error as exc:
            check("read-only" in str(exc), "a write through port 5001 is refused (%s)" % str(exc).strip())
    replica.close()


def tls():
    via = list(MEMBERS)[1]
    conn = connect(via, 5000, sslmode="verify-full")
    with conn.cursor() as cur:
        cur.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        ssl, version = cur.fetchone()
    conn.close()
    check(ssl and version in ("TLSv1.2", "TLSv1.3"), "Coder's role connects with verify-full over %s" % version)
    try:
        connect(via, 5000, sslmode="disable").close()
        check(False, "a connection without TLS is refused")
    except psycopg2.OperationalError as exc:
        check("no encryption" in str(exc) or "reject" in str(exc),
              "a connection without TLS is refused (%s)" % str(exc).strip().splitlines()[0])


def vip_holders():
    holders = []
    for name in MEMBERS.values():
        out = subprocess.run(["podman", "exec", name, "ip", "-o", "-4", "addr", "show"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, universal_newlines=True, check=False).stdout
        if " %s/" % VIP in out:
            holders.append(name)
    return holders


def vip():
    holders = vip_holders()
    check(len(holders) == 1, "exactly one host holds the VIP %s: %s" % (VIP, holders))
    with connect(VIP, 5000) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        check(not cur.fetchone()[0], "the VIP's port 5000 reaches the leader, with verify-full")
    conn.close()
    return holders[0]


class Writer(threading.Thread):
    """Commits one row at a time (one connection, opened again after an error) into ``table``
    (writer text, id bigint) under its own label; keeps (id, begun, acknowledged) of each commit that
    returned. No statement timeout: a cancelled wait for the synchronous standby would return
    success for a row the standby never got."""

    def __init__(self, label, address, port, table="fault_writes"):
        super(Writer, self).__init__(daemon=True)
        self.label, self.address, self.port, self.table = label, address, port, table
        self.stop = threading.Event()
        self.acked = []
        self.errors = []

    def run(self):
        conn, next_id, deadline = None, 1, time.time() + 1800
        while not self.stop.is_set() and time.time() < deadline:
            begun = time.time()
            try:
                if conn is None:
                    conn = connect(self.address, self.port, timeout=2)
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO %s (writer, id) VALUES (%%s, %%s)" % self.table, (self.label, next_id))
                conn.commit()
                self.acked.append((next_id, begun, time.time()))
            except psycopg2.Error as exc:
                self.errors.append((time.time(), (str(exc).strip().splitlines() or [type(exc).__name__])[0]))
                try:
                    if conn is not None:
                        conn.close()
                except psycopg2.Error:
                    pass
                conn = None
                time.sleep(0.2)
            next_id += 1
            time.sleep(0.02)
        if conn is not None:
            conn.close()

    def state(self):
        """One line on this writer for a failure report: acknowledged rows, the last ones, errors."""
        last = self.acked[-1][2] if self.acked else None
        return "writer %s: %d acknowledged, the last %s s ago; last errors %s" % (
            self.label, len(self.acked), round(time.time() - last, 1) if last else "-",
            [(round(time.time() - t, 1), e) for t, e in self.errors[-3:]])

    def started_writing(self):
        wait_for(lambda: len(self.acked) >= 20, 60, "writer %s commits (errors: %s)"
                 % (self.label, [e[1] for e in self.errors[-3:]]))

    def back_after(self, moment):
        """Seconds from ``moment`` to the first acknowledged commit begun after it, or None."""
        after = [at for (row_id, begun, at) in list(self.acked) if begun >= moment]
        return round(after[0] - moment, 2) if after else None

    def longest_gap(self, start, end):
        times = [start] + [at for (row_id, begun, at) in list(self.acked) if start <= at <= end] + [end]
        return round(max(b - a for a, b in zip(times, times[1:])), 2)

    def finish(self):
        self.stop.set()
        self.join(30)
        check(not self.is_alive(), "writer %s stopped within 30 s (no commit left hanging)" % self.label)


def failover():
    members = cluster()["members"]
    leader = [m for m in members if m["role"] == "leader"][0]
    survivors = [m["host"] for m in members if m["role"] != "leader"]
    # through the VIP when there is one (it must move if the killed node held it), else
    # through HAProxy on a node that stays up
    via = VIP or survivors[0]
    with connect(via, 5000) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS failover_writes")
        cur.execute("CREATE TABLE failover_writes (writer text, id bigint, at timestamptz DEFAULT clock_timestamp(), "
                    "PRIMARY KEY (writer, id))")
    conn.close()
    stop = threading.Event()
    state = {"kill_at": None}
    writer = Writer("failover", via, 5000, table="failover_writes")

    timeline = {}

    def monitor():
        # When did Patroni elect a new leader, and when did it have a synchronous standby?
        while not stop.is_set():
            if state["kill_at"]:
                try:
                    now = cluster(survivors)["members"]
                    elapsed = round(time.time() - state["kill_at"], 2)
                    if any(m["role"] == "leader" and m["name"] != leader["name"] for m in now):
                        timeline.setdefault("new_leader_seconds", elapsed)
                        if any(m["role"] == "sync_standby" for m in now):
                            timeline.setdefault("new_sync_standby_seconds", elapsed)
                except (RuntimeError, ValueError, KeyError):
                    pass
            time.sleep(0.25)

    writer.start()
    watcher = threading.Thread(target=monitor)
    watcher.start()
    time.sleep(5)
    before = len(writer.acked)
    check(before > 0, "the writer commits before the crash (%d rows)" % before)
    subprocess.run(["podman", "kill", leader["name"]], check=True, stdout=subprocess.DEVNULL)
    state["kill_at"] = time.time()
    print("killed the leader %s at +5 s" % leader["name"])
    # the first write begun after the leader was gone and acknowledged
    failover_s = wait_for(lambda: writer.back_after(state["kill_at"]), 60, "writes succeed again after the crash")
    time.sleep(5)
    stop.set()
    writer.finish()
    watcher.join()
    acked = [row_id for (row_id, begun, at) in writer.acked]
    report.update(timeline)
    print("timeline after the kill: %s" % timeline)
    report["failover_seconds"] = round(failover_s, 2)
    report["acknowledged_rows"] = len(acked)
    report["writer_errors"] = len(writer.errors)
    print("writes resumed %.2f s after the kill; %d acknowledged rows; %d failed attempts"
          % (failover_s, len(acked), len(writer.errors)))
    new = cluster(survivors)["members"]
    new_leader = [m for m in new if m["role"] == "leader"]
    check(len(new_leader) == 1 and new_leader[0]["name"] != leader["name"],
          "a new leader: %s" % [m["name"] for m in new_leader])
    check(failover_s < FAILOVER_BOUND_S, "writes resumed in %.2f s < %.0f s" % (failover_s, FAILOVER_BOUND_S))
    with connect(via, 5000) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM failover_writes WHERE writer = 'failover'")
        present = set(row[0] for row in cur.fetchall())
    conn.close()
    lost = sorted(set(acked) - present)
    report["lost_rows"] = len(lost)
    check(not lost, "every acknowledged row survived the crash (%d of %d, lost %s)" % (len(acked) - len(lost), len(acked), lost[:10]))
    if VIP:
        holders = vip_holders()
        check(len(holders) == 1 and holders[0] != leader["name"],
              "the VIP is on one surviving host: %s (the writer used it throughout)" % holders)

    started = time.time()
    subprocess.run(["podman", "start", leader["name"]], check=True, stdout=subprocess.DEVNULL)

    def rejoined():
        for member in cluster(survivors)["members"]:
            if member["name"] == leader["name"] and member["role"] in ("replica", "sync_standby") \
                    and member["state"] in ("streaming", "running") and isinstance(member.get("lag"), int):
                return member
        return None
    member = wait_for(rejoined, 180, "the old leader rejoins as a replica by itself")
    report["rejoin_seconds"] = round(time.time() - started, 1)
    print("%s rejoined as %s in %.0f s" % (leader["name"], member["role"], time.time() - started))
    wait_for(lambda: sorted(m["role"] for m in cluster()["members"]) == ["leader", "replica", "sync_standby"],
             60, "the cluster is whole again (leader, sync standby, replica)")


def pgbackrest(*args):
    return subprocess.run(["podman", "exec", "--user", "pgbackrest", REPO, "pgbackrest", "--stanza=coder"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def timelines():
    """The leader, and the timeline it writes WAL on and the one its pg_control names (pgBackRest
    stops a backup when the two differ; a checkpoint writes the new one into pg_control)."""
    settled = wait_for(topology_settled, 180, "a leader, a sync standby and a replica less than 1 MB behind")
    name = [m["name"] for m in settled if m["role"] == "leader"][0]
    query = ("SELECT (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()), "
             "('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int")
    out = subprocess.run(["podman", "exec", "--user", "postgres", name, "psql", "-h", "/var/run/postgresql", "-AtF", " ",
                          "-c", query], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    check(out.returncode == 0, "the timelines on %s read (%s)" % (name, out.stdout.strip()[-200:]))
    control, wal = out.stdout.split()
    print("timelines: leader=%s control=%s wal=%s" % (name, control, wal))


def backups():
    checked = pgbackrest("check")
    check(checked.returncode == 0, "pgbackrest check passes on the repository host (%s)" % checked.stdout.strip()[-200:])
    info = json.loads(pgbackrest("--output=json", "info").stdout)[0]
    check(info["status"]["code"] == 0, "stanza status: %s" % info["status"]["message"])
    fulls = [b["label"] for b in info.get("backup", []) if b["type"] == "full"]
    check(len(fulls) >= 1, "a full backup is in the repository: %s" % fulls)
    report["full_backups"] = len(fulls)


def pitr_prepare(path):
    via = list(MEMBERS)[0]
    conn = connect(via, 5000)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS pitr_rows")
        cur.execute("CREATE TABLE pitr_rows (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())")
        before = list(range(1, 51))
        for row in before:
            cur.execute("INSERT INTO pitr_rows (id) VALUES (%s)", (row,))
        time.sleep(1.5)
        cur.execute("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
        target = cur.fetchone()[0]
        time.sleep(1.5)
        after = list(range(51, 101))
        for row in after:
            cur.execute("INSERT INTO pitr_rows (id) VALUES (%s)", (row,))
        cur.execute("SELECT count(*) FROM pitr_rows WHERE at < %s::timestamptz", (target,))
        check(cur.fetchone()[0] == len(before), "the target %s lies between the two sets of rows" % target)
    conn.close()
    with open(path, "w") as handle:
        json.dump({"target": target, "before": before, "after": after, "restore_started": int(time.time())}, handle)
    print("committed %d rows, target %s, then %d rows" % (len(before), target, len(after)))


def pitr_check(path):
    with open(path) as handle:
        marks = json.load(handle)
    members = wait_for(topology_ok, 120, "the restored cluster has a leader, a sync standby and a replica")
    via = list(MEMBERS)[0]
    with connect(via, 5000) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM pitr_rows")
        present = set(row[0] for row in cur.fetchall())
    conn.close()
    missing = sorted(set(marks["before"]) - present)
    extra = sorted(present & set(marks["after"]))
    check(not missing, "every row committed before the target %s is back (%d rows, missing %s)"
          % (marks["target"], len(marks["before"]), missing[:10]))
    check(not extra, "no row committed after the target is back (found %d of %d)" % (len(extra), len(marks["after"])))
    report["pitr_rows_before_present"] = len(marks["before"]) - len(missing)
    report["pitr_rows_after_present"] = len(extra)
    # archiving works on the new timeline and the restore left a full backup of it
    checked = pgbackrest("check")
    check(checked.returncode == 0, "pgbackrest check passes after the restore (%s)" % checked.stdout.strip()[-200:])
    info = json.loads(pgbackrest("--output=json", "info").stdout)[0]
    newest = sorted(info.get("backup", []), key=lambda b: b["timestamp"]["stop"])[-1]
    check(newest["type"] == "full" and newest["timestamp"]["stop"] > marks["restore_started"],
          "the newest backup is a full one taken after the restore began: %s" % newest["label"])
    return members


def topology_ok():
    members = cluster()["members"]
    return members if sorted(m["role"] for m in members) == ["leader", "replica", "sync_standby"] else None


def topology_settled():
    """The members once the roles are right and every replica streams less than 1 MB behind."""
    members = topology_ok()
    if not members:
        return None
    for member in members:
        if member["role"] != "leader":
            lag = member.get("lag", 0)
            if member.get("state") not in ("streaming", "running") or not isinstance(lag, int) or lag >= 1024 * 1024:
                return None
    return members


def save_report():
    if REPORT:
        previous = {}
        if os.path.exists(REPORT):
            with open(REPORT) as handle:
                previous = json.load(handle)
        previous.update(report)
        with open(REPORT, "w") as handle:
            json.dump(previous, handle, indent=2)
    print("report: %s" % json.dumps(report))


def running_members():
    """(members running PostgreSQL, leader name) from any member's /cluster."""
    members = cluster()["members"]
    up = [m for m in members if m.get("state") in ("running", "streaming")]
    leaders = [m["name"] for m in members if m["role"] == "leader" and m.get("state") == "running"]
    return len(up), leaders[0] if leaders else None


def day2_start(path):
    # right after a restore the cluster may still be electing, and replicas catching up: wait
    # for both, with a deadline, then check (and print) the settled topology
    wait_for(topology_settled, 180, "a leader, a sync standby and a replica less than 1 MB behind before the change")
    members = topology()
    leader = [m["name"] for m in members if m["role"] == "leader"][0]
    # what the parameter the change sets is now, so a run on a lab that already has the last
    # run's value changes it to another (the test reads this line)
    with connect(list(MEMBERS)[0], 5000) as conn, conn.cursor() as cur:
        cur.execute("SHOW max_locks_per_transaction")
        print("max_locks_per_transaction before the change: %s" % cur.fetchone()[0])
    conn.close()
    # a writer commits through the database endpoint during the whole change (day2-monitor)
    with connect(VIP or list(MEMBERS)[0], 5000) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS day2_writes")
        cur.execute("CREATE TABLE day2_writes (writer text, id bigint, PRIMARY KEY (writer, id))")
    conn.close()
    samples = path + ".samples"
    with open(samples, "w"):
        pass
    monitor = subprocess.Popen([sys.executable, os.path.abspath(__file__), "day2-monitor", samples],
                               start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=open(samples + ".log", "w"))   # noqa: SIM115 - the child keeps it
    with open(path, "w") as handle:
        json.dump({"leader": leader, "monitor": monitor.pid, "samples": samples, "started": time.time()}, handle)
    wait_for(lambda: os.path.getsize(samples) > 0, 10, "the cluster monitor samples")
    print("ok: leader before the change is %s; monitor %d samples /cluster" % (leader, monitor.pid))


def day2_monitor(samples):
    """Samples /cluster twice a second and commits rows through the endpoint until SIGTERM,
    then writes the writer's acknowledged rows to ``samples``.writes."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda number, frame: stopping.set())
    writer = Writer("day2", VIP or list(MEMBERS)[0], 5000, table="day2_writes")
    writer.start()
    deadline = time.time() + 900     # never outlives a failed run by long
    while time.time() < deadline and not stopping.is_set():
        try:
            running, leader = running_members()
        except Exception:  # noqa: BLE001 - no member answered: record it as nothing running
            running, leader = 0, None
        with open(samples, "a") as handle:
            handle.write(json.dumps({"t": time.time(), "running": running, "leader": leader}) + "\n")
        stopping.wait(0.5)
    writer.stop.set()
    writer.join(30)
    with open(samples + ".writes.part", "w") as handle:
        json.dump({"acked": writer.acked, "errors": writer.errors[-5:], "stopped": not writer.is_alive()}, handle)
    os.rename(samples + ".writes.part", samples + ".writes")


def day2_check(path, parameter, before, value, dcs_key, dcs_value, removed):
    with open(path) as handle:
        marks = json.load(handle)
    time.sleep(2)
    os.kill(marks["monitor"], 15)
    deadline = time.time() + 45
    while not os.path.exists(marks["samples"] + ".writes") and time.time() < deadline:
        time.sleep(1)
    if not os.path.exists(marks["samples"] + ".writes"):
        with open(marks["samples"] + ".log") as handle:
            check(False, "the day-2 monitor wrote its writer's report within 45 s; its errors:\n" + handle.read()[-3000:])
    with open(marks["samples"]) as handle:
        samples = [json.loads(line) for line in handle if line.strip()]
    with open(marks["samples"] + ".writes") as handle:
        writes = json.load(handle)
    check(writes["stopped"], "the writer stopped (no commit left hanging)")
    check(len(writes["acked"]) > 100, "%d rows acknowledged through the endpoint during the change (last errors %s)"
          % (len(writes["acked"]), [error[1] for error in writes["errors"]]))
    with connect(VIP or list(MEMBERS)[0], 5000) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM day2_writes WHERE writer = 'day2'")
        stored = set(row[0] for row in cur.fetchall())
    conn.close()
    lost = [row_id for (row_id, begun, at) in writes["acked"] if row_id not in stored]
    check(lost == [], "every acknowledged row survived the change (%d lost)" % len(lost))
    times = [marks["started"]] + [at for (row_id, begun, at) in writes["acked"]] + [samples[-1]["t"]]
    gap = max(b - a for a, b in zip(times, times[1:]))
    print("longest time without an acknowledged write during the change: %.1f s" % gap)
    report["day2_longest_write_gap_seconds"] = round(gap, 1)
    check(len(samples) > 20, "%d samples of /cluster during the change" % len(samples))
    lowest = min(sample["running"] for sample in samples)
    check(lowest >= 2, "never fewer than 2 of 3 members running during the change (lowest %d)" % lowest)
    members = wait_for(topology_ok, 60, "one leader, one sync standby, one replica after the change")
    leader = [m["name"] for m in members if m["role"] == "leader"][0]
    # a raised value rolls the replicas, switches over, then restarts the former leader; a
    # lowered one restarts the leader first, in place (a hot standby cannot run less than its
    # primary), then the replicas
    lowered = int(value) < int(before)
    if lowered:
        check(leader == marks["leader"], "the leader stayed %s (now %s): restarted in place" % (marks["leader"], leader))
    else:
        check(leader != marks["leader"], "the leader changed by a switchover (%s -> %s)" % (marks["leader"], leader))
    check(not any(m.get("pending_restart") for m in members), "no member has a restart pending")
    with urllib.request.urlopen("http://%s:8008/config" % list(MEMBERS)[0], timeout=3) as response:
        config = json.load(response)
    check(config.get(dcs_key) == dcs_value, "the DCS holds %s = %r (%r)" % (dcs_key, dcs_value, config.get(dcs_key)))
    check(removed not in config.get("postgresql", {}).get("parameters", {}),
          "the DCS no longer holds %s, set by hand before the change (%s)" % (removed, config.get("postgresql")))
    started = {}
    for address, name in MEMBERS.items():
        with connect(address, 5432) as conn, conn.cursor() as cur:
            cur.execute("SHOW %s" % parameter)
            shown = cur.fetchone()[0]
            cur.execute("SELECT setting = boot_val, setting FROM pg_settings WHERE name = %s", (removed,))
            default, running = cur.fetchone()
            cur.execute("SELECT extract(epoch FROM pg_postmaster_start_time())")
            started[name] = float(cur.fetchone()[0])
        check(shown == value, "%s runs %s = %s" % (name, parameter, shown))
        check(default, "%s runs %s at PostgreSQL's default again (%s)" % (name, removed, running))
    order = sorted(started, key=started.get)
    check(all(started[name] > marks["started"] for name in order), "every member was restarted during the change")
    if lowered:
        check(order[0] == marks["leader"], "the leader %s was restarted first (order %s)" % (marks["leader"], order))
    else:
        check(order[-1] == marks["leader"], "the former leader %s was restarted last (order %s)" % (marks["leader"], order))
    gaps = [round(started[b] - started[a], 1) for a, b in zip(order, order[1:])]
    check(min(gaps) >= 1.0, "one at a time: %s s between the restarts" % gaps)
    # how long no leader was running: from the first sample without one to the next with one
    # (samples twice a second, so at most 0.5 s more than it was)
    longest, since = 0.0, None
    for sample in samples:
        if sample["leader"] is None:
            since = sample["t"] if since is None else since
        elif since is not None:
            longest, since = max(longest, sample["t"] - since), None
    print("longest time without a running leader during the change: %.1f s (samples twice a second)" % longest)
    report["day2_without_leader_seconds"] = round(longest, 1)
    report["day2_seconds"] = round(samples[-1]["t"] - marks["started"], 1)
    report["day2_lowest_running"] = lowest


def main(mode):
    if mode == "all":
        # the lab has been through other tests (a replica stopped, the CA rotated): wait, with a
        # deadline, for a settled cluster before checking it
        wait_for(topology_settled, 180, "a leader, a sync standby and a replica less than 1 MB behind")
        members = topology()
        backups()
        routing(members)
        tls()
        if VIP:
            print("the VIP is on %s" % vip())
        failover()
        pitr_prepare(os.environ["PGHA_PITR"])
    elif mode == "leader":
        settled = wait_for(topology_ok, 120, "one leader, one sync standby and one replica")
        print("leader: %s" % [m["name"] for m in settled if m["role"] == "leader"][0])
    elif mode == "timelines":
        timelines()
    elif mode == "pitr-check":
        pitr_check(os.environ["PGHA_PITR"])
    elif mode == "day2-monitor":
        day2_monitor(sys.argv[2])
    elif mode == "day2-start":
        day2_start(os.environ["PGHA_DAY2"])
    elif mode == "day2-check":
        day2_check(os.environ["PGHA_DAY2"], "max_locks_per_transaction", os.environ["PGHA_DAY2_BEFORE"],
                   os.environ["PGHA_DAY2_VALUE"], "maximum_lag_on_failover", 2097152, "log_min_duration_statement")
    else:
        sys.exit("unknown mode %s" % mode)
    save_report()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "all")
