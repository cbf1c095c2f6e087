"""The lab's database cluster under faults, with writers committing the whole time.

Run as a script with the cluster in the PGHA_* environment variables of verify_database.py
(members, CA, Coder's database password, repository host, VIP) and the faults to inject:

    faults.py partition
    faults.py leader-kill=5 partition repository-down=180 etcd-quorum-lost=60 all-killed

Each fault prints "ok: ..." or "FAIL: ..." lines (a failure exits 1) and adds one row per round
to the table printed at the end (and written as JSON to PGHA_FAULTS when set):

- seconds without writes: for a fault that stops writes (a kill, a partition), from the fault
  to the first acknowledged commit begun after it; for the others, the longest gap between two
  acknowledged commits while the fault lasted;
- acknowledged rows: commits that returned, every writer of the round together;
- lost: acknowledged rows absent afterwards (must be 0);
- recovery seconds: from the end of the fault (containers started, network or service back)
  until the cluster is whole - a leader, a synchronous standby, a replica streaming within
  1 MB - and, for the repository, until `pgbackrest check` passes.

Faults (every wait has a deadline and says what it waited for when it gives up):

- leader-kill[=N]: the leader's container killed (podman kill) N times, started again after
  writes are back each time.
- partition[=S]: the leader cut off from every other host for S seconds (75 by default) by
  nftables rules in its network namespace that let only the controller through. One writer
  goes through the VIP, another straight to the isolated leader's own PostgreSQL (synchronous
  replication: it must not acknowledge what the others do not have). Asserted: no
  acknowledged row lost on either; writes through the VIP come back before the partition
  ends; by the end only one host, on the majority side, holds the VIP (keepalived gives it up
  on a host whose HAProxy reaches no majority of the members for keepalived_isolation_seconds);
  the old leader rejoins as a replica once the network is back.
- repository-down[=S]: the pgBackRest repository host stopped S seconds (180 by default):
  writes go on, WAL waits, `pgbackrest check` passes once it is back, and a backup too.
- etcd-quorum-lost[=S]: etcd stopped on two of the three members for S seconds (60 by
  default). Patroni's failsafe_mode keeps the leader as long as it reaches every member's
  REST API: writes go on, no failover can happen meanwhile.
- all-killed: every database container killed at once, then started.
"""
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_database as pgha  # noqa: E402 - the shared checks, from beside this file

NAMES = dict((name, address) for address, name in pgha.MEMBERS.items())
TABLE_FILE = os.environ.get("PGHA_FAULTS")
WRITES_BOUND_S = 60        # writes back after a kill at most this long (measured 23-28 s)
WHOLE_BOUND_S = 240        # the cluster whole again at most this long after a fault ends
TWICE_BOUND_S = 20         # two hosts hold the VIP at most this long in a partition (measured 4 s)
rows = []


def podman(*args):
    """A podman command that must work; its output when it does not."""
    proc = subprocess.run(["podman"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    pgha.check(proc.returncode == 0, "podman %s (%s)" % (" ".join(args), proc.stdout.strip()[-300:]))
    return proc.stdout


def leader():
    settled = pgha.wait_for(pgha.topology_settled, WHOLE_BOUND_S, "a whole cluster before the fault")
    return [m["name"] for m in settled if m["role"] == "leader"][0]


def whole_after(moment, what, rejoined=None):
    """Seconds from ``moment`` until the cluster is whole again: a leader, a synchronous standby,
    a replica streaming within 1 MB - and, when ``rejoined`` names the former leader, that one
    back as a replica (until its key expires, /cluster still shows a dead leader as leading)."""
    def whole():
        members = pgha.topology_settled()
        if not members or (rejoined and [m for m in members if m["name"] == rejoined][0]["role"] == "leader"):
            return None
        # /cluster is what the DCS holds, which can outlive a dead member for a lease's time:
        # each member's own REST API must agree (its PostgreSQL running, the leader primary)
        for member in members:
            with urllib.request.urlopen("http://%s:8008/patroni" % NAMES[member["name"]], timeout=3) as response:
                live = json.load(response)
            if live.get("state") != "running" or (member["role"] == "leader") != (live.get("role") in ("master", "primary")):
                return None
        return members
    pgha.wait_for(whole, WHOLE_BOUND_S, "the cluster whole again after %s" % what)
    return round(time.time() - moment, 1)


def start_writers(*targets):
    """Writers (label, address, port) started on a fresh fault_writes table, each committing."""
    def fresh_table():
        with pgha.connect(pgha.VIP or list(pgha.MEMBERS)[0], 5000) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS fault_writes (writer text, id bigint, "
                        "at timestamptz DEFAULT clock_timestamp(), PRIMARY KEY (writer, id))")
            cur.execute("TRUNCATE fault_writes")
        conn.close()
        return True
    pgha.wait_for(fresh_table, 60, "a fresh fault_writes table through the VIP")
    writers = [pgha.Writer(*target) for target in targets]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.started_writing()
    return writers


def lost_rows(writers):
    """Stop the writers; the acknowledged rows (all together) and those missing now."""
    for writer in writers:
        writer.finish()
    with pgha.connect(pgha.VIP or list(pgha.MEMBERS)[0], 5000) as conn, conn.cursor() as cur:
        cur.execute("SELECT writer, id FROM fault_writes")
        present = set(cur.fetchall())
    conn.close()
    acked = sum(len(w.acked) for w in writers)
    lost = [(w.label, i) for w in writers for (i, begun, at) in w.acked if (w.label, i) not in present]
    pgha.check(not lost, "every acknowledged row is there (%d acknowledged, lost %s)" % (acked, lost[:10]))
    return acked, len(lost)


def row(fault, without_writes, acked, lost, recovery, note=""):
    rows.append({"fault": fault, "seconds_without_writes": without_writes, "acknowledged_rows": acked,
                 "lost": lost, "recovery_seconds": recovery, "note": note})
    print("row: %s" % json.dumps(rows[-1]))


def leader_kill(rounds="1"):
    for number in range(1, int(rounds) + 1):
        old = leader()
        writer, = start_writers(("kill%d" % number, pgha.VIP or NAMES[old], 5000))
        try:
            podman("kill", old)
            killed = time.time()   # once podman says it is dead
            back = pgha.wait_for(lambda: writer.back_after(killed), WRITES_BOUND_S, "writes after killing %s" % old)
        finally:
            started = time.time()
            podman("start", old)
        recovery = whole_after(started, "%s started again" % old, rejoined=old)
        acked, lost = lost_rows([writer])
        row("leader killed (%d of %s)" % (number, rounds), back, acked, lost, recovery,
            "%s killed, %s leads" % (old, leader()))


def controller_address(address):
    """This machine's address on the way to ``address`` (the lab network's gateway)."""
    out = subprocess.run(["ip", "-o", "route", "get", address], stdout=subprocess.PIPE, universal_newlines=True,
                         check=True).stdout
    return re.search(r" src (\S+)", out).group(1)


def netns(host, rules):
    """nft ``rules`` run in ``host``'s network namespace (with the machine's own nft)."""
    pid = podman("inspect", "--format", "{{.State.Pid}}", host).strip()
    proc = subprocess.run(["nsenter", "-t", pid, "-n", "nft", "-f", "-"], input=rules, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    pgha.check(proc.returncode == 0, "nft in %s's network namespace (%s)" % (host, proc.stdout.strip()))


def isolate(host, allowed):
    netns(host, "table inet onprem_coder_fault\ndelete table inet onprem_coder_fault\n"
          "table inet onprem_coder_fault {\n"
          "  chain input { type filter hook input priority -200; policy drop; iif lo accept; ip saddr %s accept; }\n"
          "  chain output { type filter hook output priority -200; policy drop; oif lo accept; ip daddr %s accept; }\n"
          "}\n" % (allowed, allowed))


def rejoin(host):
    netns(host, "table inet onprem_coder_fault\ndelete table inet onprem_coder_fault\n")


class VipWatch(threading.Thread):
    """Samples which hosts hold the VIP, about every half second."""

    def __init__(self):
        super(VipWatch, self).__init__(daemon=True)
        self.stop = threading.Event()
        self.samples = []

    def run(self):
        while not self.stop.is_set():
            self.samples.append((time.time(), pgha.vip_holders()))
            time.sleep(0.5)

    def twice(self, start, end):
        """Seconds between ``start`` and ``end`` during which two or more hosts held the VIP."""
        inside = [(t, holders) for t, holders in self.samples if start <= t <= end]
        return round(sum(b[0] - a[0] for a, b in zip(inside, inside[1:]) if len(a[1]) > 1), 1)


def partition(seconds="75"):
    seconds = int(seconds)
    old = leader()
    address = NAMES[old]
    writers = start_writers(("vip", pgha.VIP or NAMES[[n for n in NAMES if n != old][0]], 5000),
                            ("isolated", address, 5432))
    watch = VipWatch()
    watch.start()
    try:
        isolate(old, controller_address(address))
        cut = time.time()      # once the rules are in place
        end = cut + seconds
        print("cut %s off from every host but this controller, for %d s" % (old, seconds))
        while time.time() < end:
            time.sleep(0.5)
        holders = pgha.vip_holders()
    finally:
        healed = time.time()
        rejoin(old)
        print("the network is back for %s" % old)
    watch.stop.set()
    watch.join()
    back = writers[0].back_after(cut)
    twice = watch.twice(cut, end)
    isolated_acked = [at for (row_id, begun, at) in writers[1].acked if begun >= cut]
    try:
        recovery = whole_after(healed, "the partition healed", rejoined=old)
    finally:
        for writer in writers:
            print(writer.state())
    acked, lost = lost_rows(writers)
    row("leader partitioned %d s" % seconds, back, acked, lost, recovery,
        "isolated leader acknowledged %d writes after the cut; VIP held twice %.0f s"
        % (len(isolated_acked), twice))
    pgha.check(back is not None and back < seconds,
               "writes through the VIP came back during the partition (after %s s)" % back)
    if pgha.VIP:
        pgha.check(len(holders) == 1 and holders[0] != old,
                   "at the partition's end one host on the majority side holds the VIP: %s" % holders)
        # the cut-off host gives it up once its HAProxy's checks of the others time out (about
        # 3-6 s) and keepalived_isolation_seconds (5) more have passed
        pgha.check(twice <= TWICE_BOUND_S, "two hosts held the VIP for %.0f s <= %d s" % (twice, TWICE_BOUND_S))
        final = pgha.wait_for(lambda: pgha.vip_holders() if len(pgha.vip_holders()) == 1 else None, 30,
                              "exactly one VIP holder after the partition healed")
        print("ok: the VIP is on %s after the partition (held by two hosts for %.0f s of it)" % (final[0], twice))


def repository_down(seconds="180"):
    seconds = int(seconds)
    leader()
    writer, = start_writers(("repository", pgha.VIP or list(pgha.MEMBERS)[0], 5000))
    stopped = time.time()
    try:
        podman("kill", pgha.REPO)
        print("stopped the repository host %s for %d s" % (pgha.REPO, seconds))
        time.sleep(seconds)
        gap = writer.longest_gap(stopped, time.time())
    finally:
        podman("start", pgha.REPO)
    started = time.time()

    def archived():
        return pgha.pgbackrest("check").returncode == 0
    pgha.wait_for(archived, WHOLE_BOUND_S, "pgbackrest check passes with the repository back")
    recovery = round(time.time() - started, 1)
    backup = pgha.pgbackrest("backup", "--type=incr")
    pgha.check(backup.returncode == 0, "an incremental backup after the outage (%s)" % backup.stdout.strip()[-300:])
    acked, lost = lost_rows([writer])
    row("backup repository down %d s" % seconds, gap, acked, lost, recovery,
        "WAL archived again and a backup taken after it")


def etcd_quorum_lost(seconds="60"):
    seconds = int(seconds)
    old = leader()
    writer, = start_writers(("etcd", pgha.VIP or NAMES[old], 5000))
    stopped_on = [name for name in NAMES if name != old][:1] + [old]
    begun = time.time()
    try:
        for name in stopped_on:
            podman("exec", name, "systemctl", "stop", "etcd")
        print("stopped etcd on %s for %d s" % (", ".join(stopped_on), seconds))
        time.sleep(seconds)
        gap = writer.longest_gap(begun, time.time())
        kept = primary(old)
    finally:
        started = time.time()
        for name in stopped_on:
            podman("exec", name, "systemctl", "start", "etcd")
    recovery = whole_after(started, "etcd started again")
    acked, lost = lost_rows([writer])
    row("etcd quorum lost %d s" % seconds, gap, acked, lost, recovery,
        "%s stayed primary: %s" % (old, "yes" if kept else "no"))
    pgha.check(kept, "failsafe_mode kept %s primary through the etcd outage" % old)


def primary(name):
    """Whether ``name``'s PostgreSQL runs as a primary (asked directly: no DCS needed)."""
    try:
        with pgha.connect(NAMES[name], 5432) as conn, conn.cursor() as cur:
            cur.execute("SELECT pg_is_in_recovery()")
            in_recovery = cur.fetchone()[0]
        conn.close()
        return not in_recovery
    except psycopg2.Error as exc:
        print("%s does not answer: %s" % (name, str(exc).strip()))
        return False


def all_killed():
    leader()
    writer, = start_writers(("all", pgha.VIP or list(pgha.MEMBERS)[0], 5000))
    try:
        for name in NAMES:
            podman("kill", name)
        killed = time.time()
    finally:
        started = time.time()
        for name in NAMES:
            podman("start", name)
    back = pgha.wait_for(lambda: writer.back_after(killed), WHOLE_BOUND_S, "writes after every member was killed")
    recovery = whole_after(started, "every member started again")
    acked, lost = lost_rows([writer])
    row("all %d members killed" % len(NAMES), back, acked, lost, recovery, "leader now %s" % leader())


FAULTS = {"leader-kill": leader_kill, "partition": partition, "repository-down": repository_down,
          "etcd-quorum-lost": etcd_quorum_lost, "all-killed": all_killed}


def table():
    lines = ["| fault | seconds without writes | acknowledged rows | lost | recovery seconds | note |",
             "|---|---:|---:|---:|---:|---|"]
    lines += ["| %(fault)s | %(seconds_without_writes)s | %(acknowledged_rows)s | %(lost)s | %(recovery_seconds)s "
              "| %(note)s |" % r for r in rows]
    return "\n".join(lines)


def main(arguments):
    for argument in arguments:
        name, value = (argument.split("=", 1) + [""])[:2]
        if name not in FAULTS:
            sys.exit("unknown fault %s (one of %s)" % (name, ", ".join(sorted(FAULTS))))
        try:
            FAULTS[name](*([value] if value else []))
        finally:
            if TABLE_FILE:
                with open(TABLE_FILE, "w") as handle:
                    json.dump(rows, handle, indent=2)
    print(table())


if __name__ == "__main__":
    main(sys.argv[1:] or ["partition"])
