# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.filter.plan import (
    FilterModule, inventory_name, plan_markdown, plan_table)
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


def test_filters_are_registered():
    assert sorted(FilterModule().filters()) == [
        "coder_inventory_errors", "database_endpoint", "inventory_name", "kubernetes_api_endpoint", "plan_digest", "plan_markdown",
        "plan_table", "shared_haproxy_errors", "site_paths", "site_placeholders"]
