# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The commands table at the end of make test: how a command the tests ran is named (never with
its values: -e may carry a secret) and how tests/suite.py sums the records up."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

from ansible_collections.onprem.coder.tests.integration.conftest import ROOT, command_name

sys.path.insert(0, os.path.join(ROOT, "tests"))
import suite  # noqa: E402


def test_a_playbook_run_is_named_by_its_playbooks_and_check_mode_never_by_its_values():
    assert command_name(["ansible-playbook", "-i", "/tmp/t/hosts.yml", "playbooks/database.yml", "-e",
                         '{"patroni_superuser_password": "s3cret"}']) == "ansible-playbook playbooks/database.yml"
    assert command_name(["ansible-playbook", "-i", "inventories/lab", os.path.join(ROOT, "site.yml"), "--check",
                         "--diff"]) == "ansible-playbook site.yml --check"
    assert command_name(["ansible-playbook", "-i", "x", "/tmp/elsewhere/play.yml", "--extra-vars", "@vars.yml"]) \
        == "ansible-playbook play.yml"
    assert command_name(["ansible-playbook", "a.yml", "b.yml"]) == "ansible-playbook a.yml b.yml"
    assert command_name(["/usr/bin/podman", "exec", "lab-pg1", "cat", "/etc/secret"]) == "podman exec"
    assert command_name(["molecule", "--debug"]) == "molecule"


def test_the_summary_adds_up_each_command_longest_first_and_skips_broken_lines(tmp_path, monkeypatch):
    log = tmp_path / "commands.jsonl"
    records = [("ansible-playbook site.yml", 100.0, 30.0), ("podman exec", 1.0, 0.1),
               ("ansible-playbook playbooks/health.yml", 60.0, 20.0), ("ansible-playbook site.yml", 50.0, 20.0)]
    log.write_text("".join(json.dumps({"test": "t", "command": name, "rc": 0, "seconds": seconds, "cpu": cpu}) + "\n"
                           for name, seconds, cpu in records) + "not json\n" + '{"command": "half a record"}\n')
    monkeypatch.setattr(suite, "COMMANDS", str(log))
    lines = suite.commands_summary(limit=2).splitlines()
    assert "Commands the tests ran: 4, 211 s in all" in lines[1] and "the 2 longest in total" in lines[1]
    assert lines[-2:] == ["| ansible-playbook site.yml | 2 | 150 | 50 |", "| ansible-playbook playbooks/health.yml | 1 | 60 | 20 |"]


def test_no_record_no_summary(tmp_path, monkeypatch):
    monkeypatch.setattr(suite, "COMMANDS", str(tmp_path / "absent.jsonl"))
    assert suite.commands_summary() == ""
