# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.filter.plan import (
    FilterModule, inventory_name, phase_hosts, plan_markdown, plan_table)
from ansible_collections.onprem.coder.plugins.module_utils.sizing import size


def test_table_has_one_row_per_component():
    plan = size(3000, regions=[{"name": "eu-west", "users": 900}])
    lines = plan_table(plan).splitlines()
    assert lines[0].split()[0] == "component"
    names = [line.split("  ")[0].strip() for line in lines[2:]]
    assert names == ["coderd", "provisioners", "proxy eu-west", "postgresql", "workspaces", "k8s control plane"]
    assert lines[2].split()[:4] == ["coderd", "4", "4", "12"]


def test_markdown_carries_figures_and_warnings():
    plan = size(1000, regions=[{"name": "eu", "users": 300}])
    text = plan_markdown(plan, "sample")
    assert text.startswith("# Coder deployment plan: sample")
    assert "| coderd | 3 | 2 | 8 | 3 (coder pool) |" in text
    assert "| shared_buffers | 7680MB |" in text
    assert "no 1k proxy figures" in text
    assert "`max_connections` 100" in text


def test_inventory_name(tmp_path):
    site = tmp_path / "inventories" / "prod-eu"
    site.mkdir(parents=True)
    hosts = site / "hosts.yml"
    hosts.write_text("all: {}\n")
    assert inventory_name([str(site)]) == "prod-eu"
    assert inventory_name([str(site) + "/"]) == "prod-eu"
    assert inventory_name([str(hosts)]) == "prod-eu"
    assert inventory_name([]) == "default"


@pytest.mark.parametrize("run_tags, skip_tags, runs", [
    (["all"], [], True),                       # no --tags
    (None, None, True),
    (["database"], [], True),
    (["database", "coder"], [], True),
    (["tagged"], [], True),
    (["observability"], [], False),            # another phase alone
    (["always"], [], False),                   # only the always tasks: no phase's work
    (["all"], ["database"], False),
    (["all"], ["tagged"], False),
    (["all"], ["all"], False),
    (["database"], ["database"], False),       # skip wins, as in Ansible
    (["all"], ["coder"], True),
])
def test_a_phase_play_has_hosts_only_when_the_tags_select_its_phase(run_tags, skip_tags, runs):
    pattern = "postgres:etcd:pgbackrest_repo:loadbalancers"
    assert phase_hosts(pattern, "database", run_tags, skip_tags) == (pattern if runs else [])
    assert phase_hosts(["a", "b"], "database", run_tags, skip_tags) == (["a", "b"] if runs else [])


def test_filters_are_registered():
    assert sorted(FilterModule().filters()) == [
        "coder_inventory_errors", "database_endpoint", "inventory_name", "kubernetes_api_endpoint", "phase_hosts", "plan_digest",
        "plan_markdown", "plan_table", "shared_haproxy_errors", "site_paths", "site_placeholders"]
