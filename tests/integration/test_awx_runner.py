# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""AWX-shaped jobs against the deployed lab: private data directories built the way AWX builds
them, run with ansible-runner's transmit | worker | process pipeline (the path AWX's receptor
takes to an execution node). No AWX server runs here (docs/awx.md); what AWX would add around
a job (its database, the UI) is not tested, what it hands to ansible-runner is:

- ``project/``: the project copied without .git (nothing of this checkout's runs);
- ``inventory/hosts``: an executable script printing the inventory as
  ``ansible-inventory --list --export`` gives it (what an inventory sourced from the project
  holds after its sync), without the secrets (they live in a credential) and without the lab's
  key path (a machine credential gives the key), with ``onprem_coder_site_name`` as
  extensions/awx/apply.yml sets it on the inventory;
- ``env/extravars``: the survey answers and the artifacts of the workflow's earlier jobs;
- a file of the secrets credential's extra variables, given with ``-e @`` (``env/cmdline``):
  the credential type's injectors in extensions/awx/controller.yml rendered as AWX renders them,
  with the lab's secrets as the credential's inputs (a field the lab leaves empty becomes an
  empty string, as in AWX);
- ``env/ssh_key``: the machine credential's key (ansible-runner loads it into an ssh-agent).

The jobs: plan (its artifact ``onprem_coder_plan_digest`` read from the job events), preflight
and database with that artifact, each from its own new private data dir, on the site this
checkout deployed (the database job: ``changed=0`` and every certificate unchanged, so nothing
of the site's state lives in the directory a run starts from), and a database job with another
plan's digest (stopped before any host is touched).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import sys
import time

import jinja2.sandbox
import pytest
import yaml

from .conftest import ROOT, Recorded, awx_project_copy, lab_secrets, run

CONTROLLER = os.path.join(ROOT, "extensions", "awx", "controller.yml")
LAB_KEY = os.path.expanduser("~/.ssh/onprem-coder-lab_ed25519")
RUNNER = os.path.join(os.path.dirname(sys.executable), "ansible-runner")
TLS_FILES = "/etc/onprem-coder/tls/ca.crt /etc/onprem-coder/tls/host.crt /etc/onprem-coder/tls/host.key"
timings = []


class Loader(yaml.SafeLoader):
    """Reads Ansible's !unsafe as the string it is (AWX renders the injectors, not Ansible)."""


Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def credential_type():
    with open(CONTROLLER) as handle:
        return yaml.load(handle, Loader=Loader)["awx_credential_type"]


def credential_extra_vars(inputs):
    """The extra variables AWX injects for a credential of our type with these inputs. As AWX
    does (awx/main/models/credential.py, inject_credential): every injector is rendered in a
    Jinja sandbox whose namespace holds the inputs given, so a field left empty is injected as
    an empty string."""
    kind = credential_type()
    fields = [field["id"] for field in kind["inputs"]["fields"]]
    namespace = dict((name, inputs[name]) for name in fields if inputs.get(name))
    missing = [name for name in kind["inputs"]["required"] if name not in namespace]
    assert missing == [], "the credential needs %s" % missing
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment()
    return dict((name, environment.from_string(template).render(**namespace))
                for name, template in kind["injectors"]["extra_vars"].items())


@pytest.fixture(scope="module")
def awx_inventory(deployed):
    """The lab's inventory as an AWX inventory sourced from the project holds it."""
    rc, out = run(["ansible-inventory", "-i", deployed, "--list", "--export"])
    assert rc == 0, out[-3000:]
    inventory = json.loads(out[out.index("{"):])
    secrets = set(lab_secrets())
    removed = set()
    for group in inventory.values():
        if isinstance(group, dict) and isinstance(group.get("vars"), dict):
            removed.update(name for name in list(group["vars"]) if name in secrets)
            for name in secrets | {"ansible_ssh_private_key_file"}:
                group["vars"].pop(name, None)
    for variables in inventory.get("_meta", {}).get("hostvars", {}).values():
        removed.update(name for name in list(variables) if name in secrets)
        for name in secrets | {"ansible_ssh_private_key_file"}:
            variables.pop(name, None)
    # the secrets were in the lab's inventory and are now only in the credential
    assert removed == secrets, (sorted(removed), sorted(secrets))
    inventory.setdefault("all", {}).setdefault("vars", {})["onprem_coder_site_name"] = "lab"
    return inventory


def private_data_dir(where, awx_inventory, extravars, settings=None):
    """A private data dir as AWX writes it for a job (``settings``: env/settings, for example
    the execution environment's image)."""
    where.mkdir()
    awx_project_copy(where)
    (where / "inventory").mkdir()
    script = where / "inventory" / "hosts"
    script.write_text("#!%s\nimport sys\nsys.stdout.write(%r)\n" % (sys.executable, json.dumps(awx_inventory)))
    script.chmod(0o700)
    (where / "env").mkdir(mode=0o700)
    # the job's extra variables: survey answers and the workflow's artifacts
    (where / "env" / "extravars").write_text(yaml.safe_dump(dict(extravars)))
    (where / "env" / "extravars").chmod(0o600)
    # the credential's: a file of their own, read-only, given with -e @ (relative to the project,
    # where ansible-runner starts ansible-playbook; AWX names its path in the EE, /runner/env/...)
    injected = where / "env" / "tmp_secrets_credential"
    injected.write_text(yaml.safe_dump(credential_extra_vars(lab_secrets())))
    injected.chmod(0o400)
    (where / "env" / "cmdline").write_text("-e @../env/%s" % injected.name)
    with open(LAB_KEY) as handle:
        (where / "env" / "ssh_key").write_text(handle.read())
    (where / "env" / "ssh_key").chmod(0o600)
    (where / "env" / "envvars").write_text(yaml.safe_dump({"ANSIBLE_FORCE_COLOR": "False", "ANSIBLE_NOCOLOR": "True"}))
    if settings:
        (where / "env" / "settings").write_text(yaml.safe_dump(settings))
    return where


def job(tmp_path, name, playbook, awx_inventory, extravars=None, settings=None):
    """One job through transmit | worker | process; returns (status, rc, stdout, events, seconds)."""
    pdd = private_data_dir(tmp_path / name, awx_inventory, extravars or {}, settings)
    received = tmp_path / (name + "-received")
    received.mkdir()
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("ANSIBLE_"))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    started = time.time()
    with Recorded("ansible-runner %s" % playbook) as recorded:
        transmit = subprocess.Popen([RUNNER, "transmit", str(pdd), "-p", playbook, "--ident", name],
                                    stdout=subprocess.PIPE, env=env)
        worker = subprocess.Popen([RUNNER, "worker", "--private-data-dir", str(tmp_path / (name + "-worker"))],
                                  stdin=transmit.stdout, stdout=subprocess.PIPE, env=env)
        transmit.stdout.close()
        process = subprocess.run([RUNNER, "process", str(received), "--ident", name], stdin=worker.stdout,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                                 timeout=1800, check=False)
        worker.wait(60)
        transmit.wait(60)
        recorded.rc = worker.returncode
    seconds = time.time() - started
    timings.append((name, playbook, round(seconds, 1)))
    artifacts = received / "artifacts" / name
    # the worker exits with the job's rc; the stream was carried whole when process got it
    assert transmit.returncode == 0 and process.returncode == 0 and (artifacts / "status").is_file(), \
        (transmit.returncode, worker.returncode, process.returncode, process.stdout[-3000:])
    with open(str(artifacts / "status")) as handle:
        status = handle.read().strip()
    with open(str(artifacts / "rc")) as handle:
        rc = int(handle.read().strip())
    with open(str(artifacts / "stdout")) as handle:
        stdout = handle.read()
    events = []
    for event_file in sorted((artifacts / "job_events").iterdir(), key=lambda path: int(path.name.split("-")[0])):
        with open(str(event_file)) as handle:
            events.append(json.load(handle))
    print("%s (%s): %s in %.0f s, %d events" % (name, playbook, status, seconds, len(events)))
    return status, rc, stdout, events, seconds


def stats(events):
    found = [event for event in events if event["event"] == "playbook_on_stats"]
    assert len(found) == 1, [event["event"] for event in events][-10:]
    return found[0]["event_data"]


def no_secret(stdout, events):
    text = stdout + json.dumps(events)
    leaked = [name for name, value in lab_secrets().items() if value in text]
    assert leaked == [], "secrets in the job's output or events: %s" % leaked


def certificates():
    sums = {}
    for host in ("lab-pg1", "lab-pg2", "lab-pg3", "lab-backup1"):
        rc, out = run(["podman", "exec", host, "sh", "-c", "sha256sum " + TLS_FILES])
        assert rc == 0, out
        sums[host] = out
    return sums


@pytest.fixture(scope="module")
def plan_job(awx_inventory, tmp_path_factory):
    return job(tmp_path_factory.mktemp("awx"), "plan", "playbooks/plan.yml", awx_inventory)


def test_the_plan_job_returns_its_digest_as_an_artifact(plan_job):
    status, rc, stdout, events, seconds = plan_job
    assert status == "successful" and rc == 0, stdout[-4000:]
    assert [event for event in events if event["event"] == "runner_on_failed"] == []
    data = stats(plan_job[3])
    assert re.match(r"^[0-9a-f]{64}$", data["artifact_data"].get("onprem_coder_plan_digest", "")), data["artifact_data"]
    assert data["changed"] == {}, data["changed"]
    no_secret(stdout, events)


def test_preflight_and_database_jobs_with_the_plan_artifact_change_nothing_from_a_new_dir(
        plan_job, awx_inventory, tmp_path):
    artifacts = stats(plan_job[3])["artifact_data"]     # what AWX passes to the workflow's next nodes
    status, rc, stdout, events, seconds = job(tmp_path, "preflight", "playbooks/preflight.yml", awx_inventory, artifacts)
    assert status == "successful" and rc == 0, stdout[-4000:]
    assert "The plan is the one approved in this workflow" in stdout
    checked = stats(events)["ok"]
    assert {"lab-pg1", "lab-pg2", "lab-pg3", "lab-backup1"} <= set(checked), checked
    no_secret(stdout, events)

    # one database job is enough: its private data dir is new like the plan's and preflight's, so
    # a second job from yet another new dir would start from exactly what this one started from
    before = certificates()
    status, rc, stdout, events, seconds = job(tmp_path, "database", "playbooks/database.yml", awx_inventory, artifacts)
    assert status == "successful" and rc == 0, stdout[-6000:]
    data = stats(events)
    assert {"lab-pg1", "lab-pg2", "lab-pg3", "lab-backup1"} <= set(data["ok"]), data["ok"]
    changed = [event["event_data"].get("task") + " on " + event["event_data"].get("host", "")
               for event in events if event["event"] == "runner_on_ok" and event["event_data"]["res"].get("changed")]
    assert data["changed"] == {} and changed == [], changed
    assert data["failures"] == {} and data["dark"] == {}, (data["failures"], data["dark"])
    no_secret(stdout, events)
    assert certificates() == before
    print("AWX-shaped jobs (transmit | worker | process): %s" % timings)


def test_a_job_with_another_plan_s_digest_stops_before_any_host(plan_job, awx_inventory, tmp_path):
    other = {"onprem_coder_plan_digest": "0" * 64}
    status, rc, stdout, events, seconds = job(tmp_path, "database-other-plan", "playbooks/database.yml", awx_inventory,
                                              other)
    assert status == "failed" and rc != 0, stdout[-3000:]
    said = " ".join(stdout.split())   # the message as one line, however the callback wraps it
    assert "onprem_coder_plan_digest is %s" % ("0" * 64) in said, stdout[-3000:]
    assert "but this job's plan has the digest %s" % stats(plan_job[3])["artifact_data"]["onprem_coder_plan_digest"] \
        in said, stdout[-3000:]
    assert set(stats(events)["ok"]) <= {"localhost"}, stats(events)["ok"]
