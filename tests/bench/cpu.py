# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Where a command's CPU goes, by program, on the whole machine (lab containers included).

  python3 tests/bench/cpu.py [--out build/bench/cpu.md] -- make test
  python3 tests/bench/cpu.py -- ansible-playbook -i inventories/lab playbooks/database.yml

Turns on the kernel's process accounting (Debian package acct: accton, sa) into a file of its
own for the command's run, then prints every program's CPU seconds, number of processes and
CPU per process, beside the machine's busy CPU from /proc/stat. The lab's containers share this
kernel, so an Ansible module run on a lab host counts as the host's python3. A process is
counted when it exits: services still running at the end (etcd, Patroni in the lab) are not.
Runs as root. Standard library only.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from suite import cpu_seconds  # noqa: E402  (tests/ is not a package)

# sa's default summary line: processes, real minutes "re", CPU minutes "cp", avio, memory, program
LINE = re.compile(r"^\s*(\d+)\s+([\d.]+)re\s+([\d.]+)cp\s+\S+\s+\S+\s+(.+?)\s*$")
EXPLAINED = {
    "python3": "Python on the lab hosts and the controller: mostly Ansible modules (one process per task and host)",
    "ansible-playboo": "ansible-playbook's main process (one per run)",
    "ansible-playboo*": "ansible-playbook's forked workers (one per task and host)",
}


def by_program(account_file):
    """[(program, processes, cpu_seconds)] from sa, largest first."""
    out = subprocess.run(["sa", "-a", account_file], stdout=subprocess.PIPE, universal_newlines=True,
                         check=True).stdout
    rows = []
    for line in out.splitlines()[1:]:     # the first line is the total
        match = LINE.match(line)
        if match:
            rows.append((match.group(4), int(match.group(1)), float(match.group(3)) * 60))
    return sorted(rows, key=lambda row: -row[2])


def report(rows, wall, busy, command, rc, limit=15):
    counted = sum(row[2] for row in rows)
    cores = os.cpu_count() or 1
    head = ("CPU of `%s` (rc %d): %.0f s wall, %.0f core-seconds busy on the machine (%.0f%% of %d cores), "
            "%.0f of them in processes that exited" % (command, rc, wall, busy, 100.0 * busy / (wall * cores), cores, counted))
    lines = [head, "", "| program | processes | CPU s | share | CPU s per process | what it is |", "|---|---:|---:|---:|---:|---|"]
    for name, count, seconds in rows[:limit]:
        lines.append("| %s | %d | %.0f | %.0f%% | %.2f | %s |" % (
            name.replace("*", "\\*"), count, seconds, 100.0 * seconds / counted if counted else 0, seconds / count,
            EXPLAINED.get(name, "")))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the table to this file")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to measure")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    if not (shutil.which("accton") and shutil.which("sa")):
        sys.exit("cpu.py needs process accounting: apt-get install acct")
    handle, account_file = tempfile.mkstemp(prefix="onprem-coder-cpu-")
    os.close(handle)
    subprocess.run(["accton", account_file], check=True, stdout=subprocess.DEVNULL)
    started, cpu_start = time.time(), cpu_seconds()
    try:
        rc = subprocess.call(command, cwd=ROOT)
    finally:
        subprocess.run(["accton", "off"], check=False, stdout=subprocess.DEVNULL)
    wall, cpu_end = time.time() - started, cpu_seconds()
    text = report(by_program(account_file), wall, cpu_end[0] - cpu_start[0], " ".join(command), rc)
    os.unlink(account_file)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as out:
            out.write(text)
    return rc


if __name__ == "__main__":
    sys.exit(main())
