# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Helpers for the tests that run real playbooks and Molecule scenarios on the lab."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import resource
import shutil
import subprocess
import threading
import time

import psycopg2
import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# Every command the tests run, one JSON line each: tests/suite.py sums them up at the end
COMMANDS_LOG = os.path.join(ROOT, "build", "test-logs", "commands.jsonl")


def command_name(args):
    """What a command is, for the suite's summary, without its values (-e may carry secrets):
    the program, then for ansible-playbook its playbooks and its --check, else its first word."""
    program = os.path.basename(args[0])
    if program == "ansible-playbook":
        files = []
        for before, arg in zip([""] + list(args[1:]), args[1:]):
            if arg.endswith(".yml") and not arg.startswith("-") and before not in ("-i", "--inventory", "-e", "--extra-vars"):
                inside = os.path.relpath(arg, ROOT) if os.path.isabs(arg) else arg
                files.append(os.path.basename(arg) if inside.startswith("..") else inside)
        return " ".join([program] + files + [arg for arg in args if arg == "--check"])
    words = [arg for arg in args[1:2] if not arg.startswith("-")]
    return " ".join([program] + words)


class Recorded(object):
    """A command's wall time and the CPU of its process tree on this machine (the children
    reaped meanwhile), written to COMMANDS_LOG when the block ends: ``with Recorded(name):``."""

    def __init__(self, name):
        self.name = name
        self.rc = None

    def __enter__(self):
        self.started, self.before = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc):
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        record = {"test": os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0], "command": self.name,
                  "rc": self.rc, "seconds": round(time.time() - self.started, 2),
                  "cpu": round(after.ru_utime + after.ru_stime - self.before.ru_utime - self.before.ru_stime, 2)}
        try:
            os.makedirs(os.path.dirname(COMMANDS_LOG), exist_ok=True)
            with open(COMMANDS_LOG, "a") as handle:     # one short append per line: the workers' lines never mix
                handle.write(json.dumps(record) + "\n")
        except OSError:
            pass     # a read-only checkout still runs its tests
        return False


def run(args, env=None, timeout=3600, cwd=None):
    """Run a command (from the repository root unless ``cwd``); return (rc, combined output).
    Recorded in COMMANDS_LOG."""
    full_env = dict(os.environ)
    full_env.update({"ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0",
                     "ANSIBLE_NOCOLOR": "1", "PY_COLORS": "0"})
    full_env.update(env or {})
    with Recorded(command_name(args)) as recorded:
        proc = subprocess.run(args, cwd=cwd or ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=timeout, check=False)
        recorded.rc = proc.returncode
    return proc.returncode, proc.stdout


def playbook(*args, **kwargs):
    return run(["ansible-playbook"] + list(args), **kwargs)


PLACEHOLDER = "FILL-IN"
FILLED = "t3stval"   # what a site gives instead (short enough for a VRRP password)


def filled(inventory, **extra):
    """Extra variables that give every placeholder of a shipped inventory a value, as a site
    does before its first change: each group_vars/all variable holding a placeholder, with the
    placeholder strings replaced. ``extra`` is merged on top."""
    def fill(value):
        if isinstance(value, dict):
            return dict((key, fill(item)) for key, item in value.items())
        if isinstance(value, list):
            return [fill(item) for item in value]
        return FILLED if isinstance(value, str) and value.startswith(PLACEHOLDER) else value

    variables = {}
    folder = os.path.join(ROOT, "inventories", inventory, "group_vars", "all")
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name)) as handle:
            for key, value in (yaml.safe_load(handle) or {}).items():
                if fill(value) != value:
                    variables[key] = fill(value)
    assert variables or inventory == "lab", "no placeholder found in inventories/%s" % inventory
    variables.update(extra)
    return variables


def recap(out):
    """{host: {ok, changed, unreachable, failed}} from every PLAY RECAP line of the output."""
    counts = {}
    for match in re.finditer(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", out, re.M):
        counts[match.group(1)] = {"ok": int(match.group(2)), "changed": int(match.group(3)),
                                  "unreachable": int(match.group(4)), "failed": int(match.group(5))}
    return counts


def changed_tasks(out):
    """'TASK name: host' for every task that reported changed, so a failing test says which."""
    found = []
    task = None
    for line in out.splitlines():
        if line.startswith("TASK ["):
            task = line[6:line.rfind("]")]
        elif line.startswith("changed: [") and task:
            found.append("%s: %s" % (task, line[len("changed: ["):line.find("]")]))
    return found


def lab_running():
    rc, out = run(["podman", "ps", "--filter", "label=onprem.coder/lab=onprem-coder-lab", "--format", "{{.Names}}"])
    return rc == 0 and len(out.split()) >= 7


@pytest.fixture(scope="session")
def sample_plan(tmp_path_factory):
    """plan.yml on a shipped sample inventory, as a user first runs it: ``sample_plan("sample")``
    gives (rc, output, output dir). Run once per inventory and test process, then read by every
    test that checks that run (the plan's files, its summary, the placeholders it lists, the
    docs that embed it); a test that changes the inputs runs its own."""
    runs = {}

    def get(inventory):
        if inventory not in runs:
            where = tmp_path_factory.mktemp("plan-%s" % inventory)
            rc, out = playbook("-i", "inventories/%s" % inventory, "playbooks/plan.yml",
                               "-e", "onprem_coder_output_dir=%s" % where)
            runs[inventory] = (rc, out, where)
        return runs[inventory]
    return get


@pytest.fixture(scope="session")
def lab():
    """The local lab (inventories/lab), started if needed and stopped again if we started it."""
    was_running = lab_running()
    rc, out = playbook("-i", "inventories/lab", "tests/lab/lab.yml")
    assert rc == 0, out[-3000:]
    yield "inventories/lab"
    if not was_running:
        playbook("-i", "inventories/lab", "tests/lab/lab.yml", "-e", "lab_state=absent")


def lab_secrets():
    """{variable: value} of every secret in the lab inventory."""
    with open(os.path.join(ROOT, "inventories", "lab", "group_vars", "all", "secrets.yml")) as handle:
        return dict((name, str(value)) for name, value in yaml.safe_load(handle).items())


def assert_no_secret(out):
    leaked = [name for name, value in lab_secrets().items() if value in out]
    assert leaked == [], "secrets printed: %s" % leaked


@pytest.fixture(scope="session")
def deployed(lab):
    """The lab with site.yml deployed on it (once per test session); no secret in the output."""
    rc, out = playbook("-i", lab, "site.yml")
    assert rc == 0, out[-6000:]
    assert_no_secret(out)
    return lab


def awx_project_copy(where):
    """The project as an AWX job gets it: the tracked (and new, not ignored) files of this
    checkout in ``where``/project, without .git and without anything a run left here."""
    project = where / "project"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           stdout=subprocess.PIPE, check=True).stdout
    for name in files.decode().split("\0"):
        if name and os.path.lexists(os.path.join(ROOT, name)):
            target = project / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if os.path.islink(os.path.join(ROOT, name)):
                os.symlink(os.readlink(os.path.join(ROOT, name)), str(target))
            else:
                shutil.copy2(os.path.join(ROOT, name), str(target))
    return project


LAB_VIP = "10.89.60.100"


class Environment(dict):
    """The PGHA_* variables; shown redacted, since pytest prints a failing test's arguments."""

    def __repr__(self):
        return repr(dict((key, "<redacted>" if "PASSWORD" in key else value) for key, value in self.items()))


def pgha_environment(inventory_dir, work):
    """The PGHA_* environment of tests/lab/verify_database.py and tests/lab/faults.py for a
    deployed lab inventory, with their report files in ``work``."""
    rc, out = run(["ansible-inventory", "-i", inventory_dir, "--list"])
    assert rc == 0, out[-2000:]
    inventory = json.loads(out[out.index("{"):])
    hostvars = inventory["_meta"]["hostvars"]
    members = inventory["postgres"]["hosts"]
    return Environment({
        "PGHA_MEMBERS": ",".join("%s=%s" % (hostvars[name]["lab_ip"], name) for name in members),
        "PGHA_CA": os.path.join(ROOT, inventory_dir, ".output", "pki", "ca.crt"),
        "PGHA_CODER_PASSWORD": lab_secrets()["coder_database_password"],
        "PGHA_REPO": inventory["pgbackrest_repo"]["hosts"][0],
        "PGHA_VIP": hostvars[members[0]]["onprem_coder_database_vip"],
        "PGHA_REPORT": str(work / "report.json"),
        "PGHA_PITR": str(work / "pitr.json"),
        "PGHA_DAY2": str(work / "day2.json"),
        "PGHA_FAULTS": str(work / "faults.json"),
    })


class Writer(threading.Thread):
    """Commits one row at a time into ``table`` through the lab's database VIP, each on a new TLS
    connection checked with verify-full against ``ca_file`` (re-read at each connection, so a CA
    rotation's updates are followed). ``acknowledged``: the ids whose commit returned."""

    def __init__(self, ca_file, table):
        super(Writer, self).__init__(daemon=True)
        self.ca_file = ca_file
        self.table = table
        self.stop = threading.Event()
        self.acknowledged = []
        self.times = []
        self.errors = []

    def connect(self):
        return psycopg2.connect(host=LAB_VIP, port=5000, dbname="coder", user="coder",
                                password=lab_secrets()["coder_database_password"], sslmode="verify-full",
                                sslrootcert=self.ca_file, connect_timeout=3)

    def run(self):
        next_id = 1
        deadline = time.time() + 1800     # never outlives a failed test by long
        while not self.stop.is_set() and time.time() < deadline:
            try:
                with self.connect() as conn, conn.cursor() as cur:
                    cur.execute("INSERT INTO %s (id) VALUES (%%s)" % self.table, (next_id,))
                conn.close()
                self.acknowledged.append(next_id)
                self.times.append(time.time())
                next_id += 1
            except psycopg2.Error as exc:
                self.errors.append(str(exc).strip().splitlines()[0])
                time.sleep(0.2)
            time.sleep(0.05)


def journal_excerpt(hosts, since, until, units=("patroni", "etcd", "haproxy", "keepalived"), limit=120):
    """What these lab hosts' database services logged between two times (epoch seconds), without
    Patroni's routine 'no action' lines: put into a failed assertion, it says why writes stopped."""
    lines = []
    for host in hosts:
        command = ["podman", "exec", host, "journalctl", "--no-pager", "-o", "short-precise",
                   "--since", "@%d" % int(since), "--until", "@%d" % int(until + 1)]
        for unit in units:
            command += ["-u", unit]
        rc, out = run(command)
        lines += [line for line in out.splitlines() if "no action" not in line and "-- " not in line[:3]]
    return "\n".join(sorted(lines)[-limit:])
