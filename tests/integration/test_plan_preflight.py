# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The plan phase on the sample inventories (no host reachable) and preflight on the lab."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest

from .conftest import playbook


def test_plan_on_the_sample_writes_plan_json_and_md(sample_plan):
    rc, out, where = sample_plan("sample")
    assert rc == 0, out[-3000:]
    plan = json.loads((where / "plan.json").read_text())
    assert plan["tier"] == "1k"
    assert plan["site"] == "sample"
    assert (plan["coderd"]["replicas"], plan["coderd"]["requests"]["cpu"]) == (3, "2000m")
    assert plan["provisioners"]["replicas"] == 60
    assert plan["workspace_proxies"][0]["name"] == "eu-west"
    markdown = (where / "plan.md").read_text()
    assert markdown.startswith("# Coder deployment plan: sample")
    assert "| coderd | 3 | 2 | 8 | 3 (coder pool) |" in markdown
    # the summary table is printed too
    assert re.search(r"coderd\s+3\s+2\s+8\s+3 \(coder pool\)", out)


@pytest.mark.parametrize("inventory", ["sample", "sample-3k"])
def test_the_shipped_samples_pass_the_plan_and_list_their_placeholders(inventory, sample_plan):
    rc, out = sample_plan(inventory)[:2]
    assert rc == 0, out[-3000:]
    assert "The inventory passes the checks of every phase." in out
    assert "Placeholders left (every phase that changes a host refuses them):" in out
    assert "patroni_superuser_password: FILL-IN" in out
    assert "kubeconfig: FILL-IN the path of the eu-west cluster" in out


def test_plan_on_the_3k_sample(sample_plan):
    rc, out, where = sample_plan("sample-3k")
    assert rc == 0, out[-3000:]
    plan = json.loads((where / "plan.json").read_text())
    assert plan["tier"] == "3k"
    assert plan["coderd"]["replicas"] == 4
    assert plan["coderd"]["cpu"] == 5          # database encryption adds 1 vCPU
    assert plan["database"]["vcpu"] == 32
    assert [p["name"] for p in plan["workspace_proxies"]] == ["eu-west", "ap-south"]


def test_docs_show_the_current_3k_plan(sample_plan):
    """docs/sizing.md embeds the 3k sample's plan.md; it must not drift from the code."""
    rc, out, where = sample_plan("sample-3k")
    assert rc == 0, out[-3000:]
    docs = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "sizing.md")).read()
    assert (where / "plan.md").read_text().strip() in docs


def test_bad_sizing_input_stops_the_plan_naming_the_variable(tmp_path):
    rc, out = playbook("-i", "inventories/sample", "playbooks/plan.yml", "-e", "onprem_coder_output_dir=%s" % tmp_path,
                       "-e", '{"onprem_coder_users": 0}')
    assert rc != 0
    assert "onprem_coder_users: got 0, expected a number greater than 0" in out
    assert not (tmp_path / "plan.json").exists()
    rc, out = playbook("-i", "inventories/sample", "playbooks/plan.yml", "-e", "onprem_coder_output_dir=%s" % tmp_path,
                       "-e", '{"onprem_coder_regions": [{"users": 10}]}')
    assert rc != 0
    assert "onprem_coder_regions[0].name: got None" in out


def test_preflight_on_the_lab_enforced_fails_with_one_table(lab, tmp_path):
    rc, out = playbook("-i", lab, "playbooks/preflight.yml", "-e", '{"onprem_coder_enforce_sizing": true}',
                       "-e", "onprem_coder_output_dir=%s" % tmp_path)
    assert rc != 0
    assert "The hosts fall short of the plan" in out
    assert re.search(r"host\s+group\s+item\s+have\s+need", out)
    assert re.search(r"lab-ws1\s+workspace_nodes\s+vcpu\s+\d+\s+16", out)
    assert re.search(r"lab-pg1\s+postgres\s+vcpu", out)
    # one table: the host check failed once, for every host together, not host by host
    assert out.count("fatal: [") == 1


def test_preflight_on_the_lab_relaxed_passes_and_warns(lab, tmp_path):
    rc, out = playbook("-i", lab, "playbooks/preflight.yml", "-e", '{"onprem_coder_enforce_sizing": false}',
                       "-e", "onprem_coder_output_dir=%s" % tmp_path)
    assert rc == 0, out[-3000:]
    assert "onprem_coder_enforce_sizing is false: going on" in out
    assert "Hostnames and machine ids are unique" in out
    # database latency from the Coder pool, measured for real: to the VIP once the database
    # runs, to the database hosts before (a first run)
    assert "Database latency (limit 10 ms, 10 connections each):" in out
    assert re.search(r"lab-coder1\s+10\.89\.60\.(100:5000|1[123]:22)\s+\d+\.\d+\s+\d+\.\d+\s+ok", out), out[-3000:]


def test_database_latency_above_a_lowered_limit_stops_preflight(lab, tmp_path):
    settings = {"onprem_coder_enforce_sizing": False, "onprem_coder_enforce_database_latency": True,
                "onprem_coder_database_latency_limit_ms": 0.0001}
    rc, out = playbook("-i", lab, "playbooks/preflight.yml", "-e", json.dumps(settings),
                       "-e", "onprem_coder_output_dir=%s" % tmp_path)
    assert rc != 0
    assert "Database latency above the limit:" in out
    assert re.search(r"lab-coder1: median \d+\.\d+ ms to 10\.89\.60\.\S+ \(worst \d+\.\d+ ms\), expected at most 0\.0001 ms", out)
