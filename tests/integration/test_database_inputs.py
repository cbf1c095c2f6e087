# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Bad database inventory stops the phase on the controller, before any host is contacted.

The sample inventory's hosts do not exist: reaching the check and failing there proves no
change was attempted on any host."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from .conftest import filled, playbook

GOOD = filled("sample", patroni_superuser_password="x1", patroni_replication_password="x2", patroni_rewind_password="x3",
              patroni_restapi_password="x4", coder_database_password="x5",
              onprem_coder_database_client_cidrs=["10.20.0.0/16"])


def run_database(tmp_path, extra, limit_groups=None):
    variables = dict(GOOD, onprem_coder_output_dir=str(tmp_path))
    variables.update(extra)
    args = ["-i", "inventories/sample", "playbooks/database.yml", "-e", json.dumps(variables)]
    return playbook(*args)


def test_good_input_passes_the_check_then_needs_hosts(tmp_path):
    rc, out = run_database(tmp_path, {})
    assert "The inventory passes the checks of every phase." in out
    assert rc != 0      # then it tries the (non-existent) sample hosts


def test_each_bad_input_stops_before_any_host(tmp_path):
    bad = {
        "postgresql_version": 11,
        "onprem_coder_database_client_cidrs": ["10.20.0.0/16", "not-a-cidr"],
        "patroni_rewind_password": "",
        "patroni_dcs_overrides": {"ttl": 20, "loop_wait": 2, "retry_timeout": 10},
    }
    rc, out = run_database(tmp_path, bad)
    assert rc != 0
    assert "postgresql_version: got 11, expected one of 13, 14, 15, 16, 17" in out
    assert "onprem_coder_database_client_cidrs[1]: got 'not-a-cidr'" in out
    assert "patroni_rewind_password: not set" in out
    assert "patroni_dcs.ttl: loop_wait (2) + 2 x retry_timeout (10) = 22 is more than ttl (20)" in out
    # nothing ran on a host: the failure is on localhost and no host was tried
    assert "UNREACHABLE" not in out
    assert "Database | Hosts, packages and certificates" not in out


def test_group_shapes_are_checked(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n"
        "    postgres:\n      hosts:\n        pg1:\n        pg2:\n"
        "    etcd:\n      hosts:\n        pg1:\n        pg2:\n"
        "    pgbackrest_repo:\n      hosts:\n        pg1:\n")
    variables = dict(GOOD, onprem_coder_output_dir=str(tmp_path / "out"), onprem_coder_users=100)
    rc, out = playbook("-i", str(inventory), "playbooks/database.yml", "-e", json.dumps(variables))
    assert rc != 0
    assert "group postgres: 2 host(s)" in out
    assert "group etcd: 2 member(s)" in out and "expected an odd number" in out
    assert "group pgbackrest_repo: pg1 is also in postgres" in out
    assert "UNREACHABLE" not in out


def test_timing_rule_uses_the_patroni_role_defaults(tmp_path):
    # The patroni role ships ttl 20, loop_wait 1 and retry_timeout 3: retry_timeout 9 is exactly
    # allowed, 10 is not, and the message quotes the role's values, not made-up ones; a ttl under
    # 20, which Patroni would raise to 20 by itself, is refused.
    rc, out = run_database(tmp_path / "nine", {"patroni_dcs_overrides": {"retry_timeout": 9}})
    assert "The inventory passes the checks of every phase." in out
    rc, out = run_database(tmp_path / "ten", {"patroni_dcs_overrides": {"retry_timeout": 10}})
    assert rc != 0
    assert "patroni_dcs.ttl: loop_wait (1) + 2 x retry_timeout (10) = 21 is more than ttl (20)" in out
    assert "UNREACHABLE" not in out
    rc, out = run_database(tmp_path / "eight", {"patroni_dcs_overrides": {"ttl": 8}})
    assert rc != 0
    assert "patroni_dcs.ttl: got 8, expected 20 or more" in out
