# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Every input check of every phase runs in the plan step, before any phase changes anything:
the inventory is accepted whole or refused whole, every problem listed. The sample
inventories' hosts do not exist: failing before any host is contacted proves nothing was
tried on one."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import yaml

from .conftest import ROOT, filled, playbook


def test_a_site_run_refuses_the_placeholders_before_any_host(tmp_path):
    rc, out = playbook("-i", "inventories/sample", "site.yml", "-e", "onprem_coder_output_dir=%s" % tmp_path)
    assert rc != 0
    assert "The inventory is not usable; nothing was changed. Every problem, in all phases:" in out
    assert "placeholder left: patroni_superuser_password: FILL-IN" in out
    assert "placeholder left: onprem_coder_kubernetes_api_vip_password: FILL-IN" in out
    assert "UNREACHABLE" not in out
    assert "Preflight |" not in out and "Database | Hosts" not in out


def test_problems_of_every_phase_are_listed_together_before_any_host(tmp_path):
    bad = filled("sample", onprem_coder_output_dir=str(tmp_path),
                 onprem_coder_database_client_cidrs=["not-a-cidr"],          # database phase
                 onprem_coder_kubernetes_pod_cidr="10.96.0.0/16",            # kubernetes phase
                 onprem_coder_access_url="")                                 # coder phase
    rc, out = playbook("-i", "inventories/sample", "site.yml", "-e", json.dumps(bad))
    assert rc != 0
    assert "onprem_coder_database_client_cidrs[0]: got 'not-a-cidr'" in out
    assert "onprem_coder_kubernetes_pod_cidr 10.96.0.0/16 overlaps onprem_coder_kubernetes_service_cidr" in out
    assert "onprem_coder_access_url: '', expected an http(s):// URL" in out
    assert "placeholder left" not in out
    assert "UNREACHABLE" not in out
    # the plan play itself stops: the same failure whatever playbook runs first
    rc, out = playbook("-i", "inventories/sample", "playbooks/plan.yml", "-e", json.dumps(bad))
    assert rc != 0 and "onprem_coder_access_url: '', expected an http(s):// URL" in out


def loads_plan(play):
    return play.get("ansible.builtin.import_playbook") in ("_load_plan.yml", "plan.yml") or any(
        task.get("ansible.builtin.include_role", {}).get("name") == "onprem.coder.plan" for task in play.get("tasks") or []) or any(
        (role.get("role") if isinstance(role, dict) else role) == "onprem.coder.plan" for role in play.get("roles") or [])


def test_every_playbook_loads_the_plan_before_it_contacts_a_host():
    """Each playbook a user runs loads the plan before any play on a managed host: the shared
    settings the role defaults read, and the up-front checks, come from it."""
    folder = os.path.join(ROOT, "playbooks")
    names = sorted(name for name in os.listdir(folder) if name.endswith(".yml") and not name.startswith("_"))
    assert len(names) >= 18
    for name in names:
        with open(os.path.join(folder, name)) as handle:
            plays = yaml.safe_load(handle)
        for play in plays:
            if loads_plan(play):
                break
            assert play.get("hosts") == "localhost" and "ansible.builtin.import_playbook" not in play, \
                "playbooks/%s: the play %r runs before the plan is loaded" % (name, play.get("name"))
        else:
            raise AssertionError("playbooks/%s never loads the plan" % name)
