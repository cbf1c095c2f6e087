# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The whole test suite (``make test``), in lanes that run side by side, with a table of wall times.

Set-up runs first: the system packages, then two chains side by side (the pinned tool chain
then helm; the lab image, which needs only the system packages). A lane starts as soon as
what it needs is there (checks: the tool chain and helm; lab and molecule: the image too);
the stages of one lane run in order:

  checks     ansible-lint, ansible-test sanity, then pytest -m "not lab and not molecule"
             (unit tests and the playbook tests that need no container)
  lab        pytest -m "lab and not ondemand": the built-in lab (7 containers), site.yml on it and everything
             that reads the deployed site
  molecule   pytest -m molecule: every Molecule scenario, each on its own podman network

The lab lane is the longest chain (deploy, then tests one after another on one site), so the
other lanes run at a lower CPU priority (nice 10): they fill the gaps instead of slowing it.
The kernel's autogroup scheduling would make nice meaningless across sessions (every container
service and SSH session is one), so the suite turns it off for its run when it may (root) and
back on at the end. The table ends with the machine's busy CPU over the run: the suite is
CPU-bound (tests/bench/cpu.py says by which programs).

A lane goes on after a failed stage (its next stages test other things) and the suite fails
at the end: every failure is reported, with the last lines of its log. Each stage writes
build/test-logs/<stage>.log (and <stage>.xml for pytest); the table goes to the terminal and
to build/test-logs/stages.md.

  python3 tests/suite.py              the whole suite (what make test and CI run)
  python3 tests/suite.py --quick      the inner loop (make quick): ansible-lint on what changed
                                      since the main branch beside pytest -m "not lab and not
                                      molecule and not slow" (every test without a container but
                                      the five helm and 3k renders marked slow)
  python3 tests/suite.py --lane lab   set-up, then one lane

Standard library only: it runs before the virtual environment exists.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
import threading
import time
from xml.etree import ElementTree

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LOGS = os.path.join(ROOT, "build", "test-logs")
COMMANDS = os.path.join(LOGS, "commands.jsonl")   # written by the tests (tests/integration/conftest.py)
TAIL_LINES = 150


def pytest_stage(name, marker, workers=None):
    command = ["pytest", "tests", "-m", marker, "--junitxml=%s" % os.path.join(LOGS, name + ".xml")]
    # worksteal: the slow tests sit together in a few files; an idle worker takes over the rest
    return (name, command + (["-n", str(workers), "--dist", "worksteal"] if workers else []))


def make(target):
    return (target, ["make", "--no-print-directory", target])


# Set-up: the first stage, then the chains side by side; each lane waits for the stages it needs.
SETUP_FIRST = make("system")
SETUP_CHAINS = [[make("venv"), make("helm")], [make("image")]]
LINT = ("lint", ["ansible-lint", "--profile", "production"])
NEEDS = {"lint": ("venv",), "checks": ("venv", "helm"), "lab": ("venv", "helm", "image"), "molecule": ("venv", "image")}
LANES = {
    "checks": [
        LINT,
        ("sanity", ["bash", "tests/ansible-test.sh", "sanity"]),
        pytest_stage("pytest-checks", "not lab and not molecule and not ondemand", workers=2),
    ],
    "lab": [pytest_stage("pytest-lab", "lab and not ondemand")],
    # each scenario has its own podman network and containers: all of them at once
    "molecule": [pytest_stage("pytest-molecule", "molecule", workers=2)],
}
# Files whose change can alter how every other file lints (the modules' argument specs, the
# collection's metadata, lint's own configuration): the inner loop lints everything after them.
LINT_EVERYTHING_AFTER = ("plugins/", "meta/", "galaxy.yml", ".ansible-lint", "ansible.cfg", "requirements")
# Changed files that ansible-lint does not read.
NOT_LINTED = (".md", ".py", ".txt", ".j2")


def changed_files(root=ROOT):
    """The files that differ from the merge base with the main branch (origin/main where the
    checkout has it, else main; on main itself, without origin, HEAD): committed since, changed
    and not committed (deleted ones too), or new and not ignored. None when git cannot tell."""
    def git(*args):
        proc = subprocess.run(["git"] + list(args), cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True, check=False)
        return proc.stdout if proc.returncode == 0 else None
    bases = (git("merge-base", "HEAD", branch) for branch in ("origin/main", "main"))
    base = next((found.strip() for found in bases if found), "HEAD")
    tracked = git("diff", "--name-only", "-z", base)
    untracked = git("ls-files", "-z", "--others", "--exclude-standard")
    if tracked is None or untracked is None:
        return None
    return sorted(set(name for name in tracked.split("\0") + untracked.split("\0") if name))


def lint_excluded(config=os.path.join(ROOT, ".ansible-lint")):
    """The exclude_paths of lint's configuration (a plain YAML list of paths and globs; read here
    because ansible-lint lints a file named on its command line even when the list excludes it)."""
    patterns, inside = [], False
    with open(config) as handle:
        for line in handle:
            if re.match(r"^\S", line):
                inside = line.startswith("exclude_paths:")
            elif inside and re.match(r"^\s+-\s+\S", line):
                patterns.append(line.split("-", 1)[1].strip())
    return patterns


def lint_targets(paths, exists=lambda path: os.path.lexists(os.path.join(ROOT, path)), excluded=()):
    """What the inner loop lints for these changed files: the directory of each role a file of it
    changed in (its rules read a role whole), and the other changed YAML files. None (lint
    everything) when nothing changed, when nothing that is linted changed, when a file changed
    that alters how the others lint (LINT_EVERYTHING_AFTER), or when a role or a file outside a
    role was deleted (what used it is not known). Files lint excludes (``excluded``: patterns of
    its exclude_paths) are left out."""
    targets = set()
    for path in paths or ():
        parts = path.split("/")
        if any(fnmatch.fnmatch(path, pattern.rstrip("/") + ("/*" if pattern.endswith("/") else "")) for pattern in excluded):
            continue   # lint never reads it
        if path.startswith(LINT_EVERYTHING_AFTER):
            return None
        if parts[0] == "roles" and len(parts) > 2:
            if not exists("/".join(parts[:2])):
                return None
            targets.add("/".join(parts[:2]))
        elif not exists(path):
            return None
        elif path.endswith((".yml", ".yaml")):
            targets.add(path)
        elif not path.endswith(NOT_LINTED):
            return None
    return sorted(targets) or None


def quick_lint():
    """The inner loop's lint stage: ansible-lint on what changed (lint_targets), or on everything."""
    targets = lint_targets(changed_files(), excluded=lint_excluded())
    return (LINT[0], LINT[1] + (targets or []))


# The inner loop: lint beside the tests that need no container and are not marked slow (the render
# tests: helm template of every release and the 3k site's run, again and --check). Nothing waits
# for anything else, so the two lanes take both cores. Lint reads only what changed since the
# main branch (quick_lint): make lint and make test lint everything.
QUICK = {
    "checks": [pytest_stage("pytest-quick", "not lab and not molecule and not ondemand and not slow", workers=2)],
}


# Lanes that yield the CPU to the lab lane (see the module docstring).
BACKGROUND_LANES = ("checks", "molecule")

# With the kernel's autogroup scheduling on, CPU is shared between sessions before nice is looked
# at, so nice 10 gives the lab lane no priority over the other lanes' container processes (each
# SSH session, each service a session of its own). Measured: database.yml unchanged on the lab
# took 164 s beside the Molecule lane with autogroup on, 99 s with it off (91 s alone).
AUTOGROUP = "/proc/sys/kernel/sched_autogroup_enabled"


def autogroup(value=None):
    """Read the autogroup setting, or write it (root only); None when there is none to change."""
    try:
        if value is None:
            with open(AUTOGROUP) as handle:
                return handle.read().strip()
        with open(AUTOGROUP, "w") as handle:
            handle.write(value)
        return value
    except OSError:
        return None


class Stage(object):
    def __init__(self, lane, name, command):
        self.lane, self.name = lane, name
        self.command = (["nice", "-n", "10"] if lane in BACKGROUND_LANES else []) + command
        self.seconds = None
        self.rc = None

    @property
    def log(self):
        return os.path.join(LOGS, self.name + ".log")

    def run(self, printer):
        printer("%s %s: started (%s)" % (self.lane, self.name, " ".join(self.command)))
        started = time.time()
        with open(self.log, "w") as log:
            self.rc = subprocess.call(self.command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                      env=environment())
        self.seconds = time.time() - started
        result = "passed" if self.rc == 0 else "FAILED rc %d" % self.rc
        log = os.path.relpath(self.log, ROOT)
        printer("%s %s: %s in %.0f s (log: %s)" % (self.lane, self.name, result, self.seconds, log))
        return self.rc == 0

    def counts(self):
        """(passed, failed, skipped) from the stage's junit file, or None for a non-pytest stage."""
        path = os.path.join(LOGS, self.name + ".xml")
        if not os.path.exists(path):
            return None
        root = ElementTree.parse(path).getroot()
        suites = [root] if root.tag == "testsuite" else list(root)
        total = failed = skipped = 0
        for suite in suites:
            total += int(suite.get("tests", 0))
            failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped += int(suite.get("skipped", 0))
        return total - failed - skipped, failed, skipped


def environment():
    env = dict(os.environ)
    venv_bin = os.path.join(ROOT, ".venv", "bin")
    env.update({"PATH": venv_bin + os.pathsep + env.get("PATH", ""), "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
                "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", "PY_COLORS": "0"})
    return env


def cpu_seconds():
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat (containers included)."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(value) for value in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)      # idle and iowait
    return (sum(fields[:8]) - idle) / float(ticks), sum(fields[:8]) / float(ticks)


def tail(path, lines):
    with open(path, errors="replace") as handle:
        return "".join(handle.readlines()[-lines:])


def static_asserts():
    """Assertions written in the tests: Python assert statements and Ansible assert tasks."""
    count = 0
    for folder in ("tests", "molecule"):
        for base, dirs, files in os.walk(os.path.join(ROOT, folder)):
            dirs[:] = [d for d in dirs if d not in ("output", "__pycache__")]
            for name in files:
                if name.endswith(".py") and name != "suite.py":
                    with open(os.path.join(base, name)) as handle:
                        count += len(re.findall(r"^\s*(?:assert |check\()", handle.read(), re.M))
                elif name.endswith((".yml", ".yaml")):
                    with open(os.path.join(base, name)) as handle:
                        count += len(re.findall(r"^\s*(?:- )?ansible\.builtin\.assert:", handle.read(), re.M))
    return count


def commands_summary(limit=12):
    """The commands the tests ran (tests/integration/conftest.py records each), the longest first:
    where a lane's time goes. CPU is the controller's own (the lab hosts' is not in it)."""
    totals = {}
    try:
        with open(COMMANDS) as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                    name, seconds, cpu = record["command"], float(record["seconds"]), float(record["cpu"])
                except (ValueError, KeyError, TypeError):
                    continue     # a torn or foreign line never costs the run its table
                entry = totals.setdefault(name, [0, 0.0, 0.0])
                entry[0] += 1
                entry[1] += seconds
                entry[2] += cpu
    except OSError:
        return ""
    rows = sorted(totals.items(), key=lambda item: -item[1][1])
    lines = ["", "Commands the tests ran: %d, %.0f s in all (%s): the %d longest in total"
             % (sum(entry[0] for entry in totals.values()), sum(entry[1] for entry in totals.values()),
                os.path.relpath(COMMANDS, ROOT), min(limit, len(rows))), "",
             "| command | runs | seconds | controller CPU s |", "|---|---:|---:|---:|"]
    lines += ["| %s | %d | %.0f | %.0f |" % (name, count, seconds, cpu) for name, (count, seconds, cpu) in rows[:limit]]
    return "\n".join(lines)


def table(stages, wall, cpu=None):
    rows = ["| lane | stage | seconds | result | tests passed / failed / skipped |", "|---|---|---:|---|---|"]
    totals = [0, 0, 0]
    for stage in stages:
        counts = stage.counts() if stage.rc is not None else None
        if counts:
            totals = [a + b for a, b in zip(totals, counts)]
        result = "not run" if stage.rc is None else ("passed" if stage.rc == 0 else "FAILED")
        rows.append("| %s | %s | %s | %s | %s |" % (
            stage.lane, stage.name, "-" if stage.seconds is None else "%.0f" % stage.seconds, result,
            "%d / %d / %d" % counts if counts else ""))
    rows.append("| **all** | wall time | **%.0f** (%d min %02d s) | %s | %d / %d / %d |" % (
        wall, wall // 60, wall % 60, "passed" if all(s.rc == 0 for s in stages) else "FAILED", *totals))
    rows.append("")
    if cpu:
        busy, total = cpu
        rows.append("CPU: %.0f core-seconds busy of %.0f (%.0f%% of %d cores over the wall time)"
                    % (busy, total, 100.0 * busy / total if total else 0, os.cpu_count() or 1))
    rows.append("Assertions written in the tests (assert statements, check() calls, Ansible assert tasks): %d"
                % static_asserts())
    return "\n".join(rows) + commands_summary()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="lint and the tests that need no container")
    parser.add_argument("--lane", action="append", choices=sorted(LANES), help="run only this lane (repeatable)")
    parser.add_argument("--no-setup", action="store_true", help="skip the set-up stages")
    args = parser.parse_args()
    os.makedirs(LOGS, exist_ok=True)
    if os.path.exists(COMMANDS):
        os.remove(COMMANDS)     # this run's commands only
    lock = threading.Lock()
    started = time.time()
    cpu_start = cpu_seconds()

    def printer(message):
        with lock:
            print("[%s +%4.0f s] %s" % (time.strftime("%H:%M:%S"), time.time() - started, message), flush=True)

    lanes = dict(QUICK, lint=[quick_lint()]) if args.quick else {name: LANES[name] for name in (args.lane or LANES)}
    first = [] if args.no_setup else [Stage("setup", *SETUP_FIRST)]
    chains = [] if args.no_setup else [[Stage("setup", *stage) for stage in chain] for chain in SETUP_CHAINS]
    if args.quick:
        chains = [chain[:1] for chain in chains if chain[0].name == "venv"]
    work = {lane: [Stage(lane, name, command) for name, command in stages] for lane, stages in lanes.items()}
    stages = first + [stage for chain in chains for stage in chain] + [stage for lane in work.values() for stage in lane]
    ready = dict((stage.name, threading.Event()) for chain in chains for stage in chain)
    passed = set()

    def run_chain(chain):
        for stage in chain:
            if not stage.run(printer):
                break
            passed.add(stage.name)
            ready[stage.name].set()
        for stage in chain:       # a lane waiting on a stage that failed or never ran goes on to give up
            ready[stage.name].set()

    def run_lane(lane, lane_stages):
        needs = [name for name in NEEDS.get(lane, ()) if name in ready]
        for name in needs:
            ready[name].wait()
        if all(name in passed for name in needs):
            for stage in lane_stages:
                stage.run(printer)
        else:
            printer("%s: not run, set-up stage %s failed" % (lane, ", ".join(n for n in needs if n not in passed)))

    ok = all(stage.run(printer) for stage in first)
    if ok:
        autogroup_before = autogroup()
        if autogroup_before == "1" and autogroup("0") == "0":
            printer("scheduling: kernel autogroup off for the run (so the lanes' nice takes effect), on again at the end")
        threads = [threading.Thread(target=run_chain, args=(chain,)) for chain in chains]
        threads += [threading.Thread(target=run_lane, args=item) for item in work.items()]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            if autogroup_before == "1":
                autogroup("1")

    wall = time.time() - started
    cpu_end = cpu_seconds()
    cpu = (cpu_end[0] - cpu_start[0], cpu_end[1] - cpu_start[1]) if cpu_start and cpu_end else None
    report = table(stages, wall, cpu)
    with open(os.path.join(LOGS, "stages.md"), "w") as handle:
        handle.write(report + "\n")
    failed = [stage for stage in stages if stage.rc not in (0, None)]
    for stage in failed:
        print("\n===== %s failed (rc %d): last %d lines of %s =====\n%s" % (
            stage.name, stage.rc, TAIL_LINES, os.path.relpath(stage.log, ROOT), tail(stage.log, TAIL_LINES)))
    print("\n" + report)
    return 0 if ok and not failed and all(stage.rc is not None for stage in stages) else 1


if __name__ == "__main__":
    sys.exit(main())
