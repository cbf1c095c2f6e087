# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""How often restarting etcd members makes Patroni demote its leader, by the way etcd is stopped.

  python tests/bench/etcd_restarts.py --method term --rounds 20   (stopped with SIGTERM, then started)
  python tests/bench/etcd_restarts.py --method kill --rounds 20   (stopped with SIGKILL, then started)

On the deployed lab (make demo): each round restarts every etcd member in turn, as a
certificate rotation or a changed setting does (a leading member hands its leadership over
first), and waits until the cluster is healthy, while a writer commits through the database
VIP. Counted: Patroni's "demoted self" lines in the members' journals, the writer's longest
pause and failed attempts. Why: a member stopped with SIGTERM answers a lease keep-alive in
flight with HTTP 200 and a gRPC error, which Patroni (measured with 3.0.2) takes for a failed leader-lock update
and demotes at once (patroni/patroni#3118); a killed member just drops the connection, which
Patroni retries on another member. Writes build/bench/etcd_restarts-<method>.json.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from integration.conftest import Writer  # noqa: E402  (the lab writer the tests use)

MEMBERS = ["lab-pg1", "lab-pg2", "lab-pg3"]
ETCDCTL = ("ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/onprem-coder/tls/ca.crt "
           "--cert=/etc/onprem-coder/tls/host.crt --key=/etc/onprem-coder/tls/host.key ")


def sh(host, command, check=True):
    proc = subprocess.run(["podman", "exec", host, "sh", "-c", command], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    if check and proc.returncode != 0:
        sys.exit("%s: %s failed: %s" % (host, command, proc.stdout[-2000:]))
    return proc.stdout


def hand_over(host):
    """A leading member hands etcd's leadership to another first (as roles/tls_reload does)."""
    status = json.loads(sh(host, ETCDCTL + "endpoint status -w json"))[0]["Status"]
    if status["header"]["member_id"] != status["leader"]:
        return
    members = json.loads(sh(host, ETCDCTL + "member list -w json"))["members"]
    other = sorted(m["ID"] for m in members if m["ID"] != status["leader"])[0]
    sh(host, ETCDCTL + "move-leader %x" % other)


def restart(host, method):
    """Stop the member with the method's signal, wait until it is gone, start it again."""
    pid = sh(host, "systemctl show --property MainPID --value etcd").strip()
    sh(host, "systemctl kill --signal=%s etcd" % ("SIGTERM" if method == "term" else "SIGKILL"))
    deadline = time.time() + 30
    while sh(host, "test -d /proc/%s && echo running || true" % pid).strip() == "running":
        if time.time() > deadline:
            sys.exit("%s: etcd still running 30 s after the signal" % host)
        time.sleep(0.2)
    sh(host, "systemctl start etcd")
    deadline = time.time() + 60
    while subprocess.run(["podman", "exec", host, "sh", "-c", ETCDCTL + "endpoint health --cluster"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode != 0:
        if time.time() > deadline:
            sys.exit("%s: etcd not healthy 60 s after its restart" % host)
        time.sleep(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--method", choices=["term", "kill"], required=True)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    ca_file = os.path.join(ROOT, "inventories", "lab", ".output", "pki", "ca.crt")
    writer = Writer(ca_file, "etcd_restart_probe")
    with writer.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS etcd_restart_probe (id bigint PRIMARY KEY)")
        cur.execute("TRUNCATE etcd_restart_probe")
    since = time.time()
    writer.start()
    try:
        for _round in range(args.rounds):
            for host in MEMBERS:
                hand_over(host)
                restart(host, args.method)
    finally:
        writer.stop.set()
        writer.join(30)
    demotions = []
    for host in MEMBERS:
        log = sh(host, "journalctl -u patroni --no-pager --since @%d" % int(since))
        demotions += [line for line in log.splitlines() if "demoted self" in line]
    gaps = [b - a for a, b in zip([since] + writer.times, writer.times)]
    result = {"method": args.method, "restarts": args.rounds * len(MEMBERS), "seconds": round(time.time() - since),
              "demotions": len(demotions), "rows": len(writer.acknowledged), "failed_attempts": len(writer.errors),
              "longest_pause_s": round(max(gaps or [0]), 1), "demotion_lines": demotions}
    os.makedirs(os.path.join(ROOT, "build", "bench"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "bench", "etcd_restarts-%s.json" % args.method), "w") as handle:
        json.dump(result, handle, indent=2)
    print("| method | etcd restarts | Patroni demotions | rows | failed attempts | longest pause | seconds |")
    print("|---|---|---|---|---|---|---|")
    print("| %(method)s | %(restarts)d | %(demotions)d | %(rows)d | %(failed_attempts)d | %(longest_pause_s).1f s | %(seconds)d |"
          % result)


if __name__ == "__main__":
    main()
