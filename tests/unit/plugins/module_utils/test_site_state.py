# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.site_state import (
    database_endpoint, inventory_dir, kubernetes_api_endpoint, plan_digest, site_paths)


def test_the_paths_follow_the_inventory_not_the_working_directory(tmp_path, monkeypatch):
    site = tmp_path / "inventories" / "prod-eu"
    site.mkdir(parents=True)
    hosts = site / "hosts.yml"
    hosts.write_text("all: {}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert inventory_dir([str(site)]) == str(site)
    assert inventory_dir([str(site) + "/"]) == str(site)
    assert inventory_dir([str(hosts)]) == str(site)
    assert site_paths([str(site)]) == {"inventory_dir": str(site), "output_dir": str(site / ".output"),
                                       "checksum_lock": str(site / ".checksums.lock.json")}
    # a relative source is taken from where ansible-playbook was started, once, and made absolute
    monkeypatch.chdir(tmp_path)
    assert inventory_dir(["inventories/prod-eu"]) == str(site)
    assert os.path.isabs(site_paths(["inventories/prod-eu/hosts.yml"])["output_dir"])


def test_no_inventory_is_refused():
    with pytest.raises(ValueError, match="-i inventories/<site>"):
        inventory_dir([])


GROUPS = {"postgres": ["pg1", "pg2", "pg3"], "loadbalancers": []}


def test_the_endpoint_prefers_a_name_then_the_vip_then_the_first_proxy():
    full = database_endpoint(GROUPS, "10.0.0.11", "db.example.com", "10.0.0.100", 5000, "coder", "coder", "/x/ca.crt")
    assert full == {"host": "db.example.com", "port": 5000, "database": "coder", "user": "coder",
                    "sslmode": "verify-full", "ca_file": "/x/ca.crt"}
    assert database_endpoint(GROUPS, "10.0.0.11", "", "10.0.0.100")["host"] == "10.0.0.100"
    assert database_endpoint(GROUPS, "10.0.0.11")["host"] == "10.0.0.11"
    assert database_endpoint(GROUPS)["host"] == "pg1"
    assert database_endpoint(dict(GROUPS, loadbalancers=["lb1", "lb2"]))["host"] == "lb1"


def test_no_endpoint_without_a_database_of_ours():
    assert database_endpoint({"postgres": []}, "", "db.example.com") == {}


def test_every_node_joins_through_the_same_api_endpoint():
    groups = {"kube_control_plane": ["cp1", "cp2", "cp3"]}
    assert kubernetes_api_endpoint(groups, "10.0.1.11", "api.example.com:6443", "10.0.1.100", 8443) == "api.example.com:6443"
    assert kubernetes_api_endpoint(groups, "10.0.1.11", "", "10.0.1.100", 8443) == "10.0.1.100:8443"
    assert kubernetes_api_endpoint(groups, "10.0.1.11") == "10.0.1.11:6443"
    assert kubernetes_api_endpoint(groups) == "cp1:6443"
    assert kubernetes_api_endpoint({"kube_control_plane": []}, "", "x:1") == ""


PLAN = {"site": "dc1", "tier": "1k", "users": 1000, "coderd": {"replicas": 2, "cpu": 2},
        "settings": {"database_port": 5000, "patroni_api_port": 8008},
        "output_dir": "/home/a/inventories/dc1/.output", "render_dir": "/home/a/inventories/dc1/.output/render",
        "checksum_lock": "/home/a/inventories/dc1/.checksums.lock.json", "kubeconfig": "/home/a/inventories/dc1/.output/kubeconfig"}


def test_the_plan_digest_is_the_same_from_another_controller():
    elsewhere = dict(PLAN, output_dir="/runner/inventory/.output", render_dir="/runner/inventory/.output/render",
                     checksum_lock="/runner/inventory/.checksums.lock.json", kubeconfig="/runner/inventory/.output/kubeconfig")
    reordered = dict(reversed(list(PLAN.items())))
    digest = plan_digest(PLAN)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert plan_digest(elsewhere) == digest
    assert plan_digest(reordered) == digest


@pytest.mark.parametrize("change", [{"users": 1001}, {"site": "dc2"}, {"coderd": {"replicas": 3, "cpu": 2}},
                                    {"settings": {"database_port": 5001, "patroni_api_port": 8008}}])
def test_the_plan_digest_changes_with_any_decision(change):
    assert plan_digest(dict(PLAN, **change)) != plan_digest(PLAN)


def test_a_plan_digest_needs_a_plan():
    with pytest.raises(ValueError, match="a plan is a dict"):
        plan_digest("plan.json")
