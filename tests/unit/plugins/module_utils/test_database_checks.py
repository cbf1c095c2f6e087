# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.module_utils.database_checks import inventory_errors
from ansible_collections.onprem.coder.plugins.module_utils.database_config import dcs_patch, pg_hba

GOOD_GROUPS = {"postgres": ["pg1", "pg2", "pg3"], "etcd": ["pg1", "pg2", "pg3"], "pgbackrest_repo": ["backup1"]}
SECRETS = {"patroni_superuser_password": True, "coder_database_password": "s3cret"}
TIMING = {"ttl": 20, "loop_wait": 1, "retry_timeout": 3}


def errors(**changes):
    args = dict(groups=GOOD_GROUPS, secrets=SECRETS, cidrs=["10.20.0.0/16"], postgresql_version=15,
                ha=True, patroni_timing=TIMING)
    args.update(changes)
    return inventory_errors(**args)


def test_a_good_inventory_has_no_errors():
    assert errors() == []


def test_each_bad_input_names_its_variable():
    assert errors(groups=dict(GOOD_GROUPS, postgres=["pg1", "pg2"]))[0].startswith("group postgres: 2 host(s)")
    assert "expected an odd number" in errors(groups=dict(GOOD_GROUPS, etcd=["e1", "e2", "e3", "e4"]))[0]
    inside = errors(groups=dict(GOOD_GROUPS, pgbackrest_repo=["pg1"]))
    assert inside == ["group pgbackrest_repo: pg1 is also in postgres, expected the repository off the database "
                      "nodes (losing a node must not lose its backups)"]
    assert "expected exactly 1" in errors(groups=dict(GOOD_GROUPS, pgbackrest_repo=[]))[0]
    missing = errors(secrets={"patroni_superuser_password": False, "coder_database_password": ""})
    assert missing == ["coder_database_password: not set, expected a password from the inventory or Ansible Vault",
                       "patroni_superuser_password: not set, expected a password from the inventory or Ansible Vault"]
    assert errors(cidrs=["10.0.0.0/33"]) == [
        "onprem_coder_database_client_cidrs[0]: got '10.0.0.0/33', expected a CIDR such as 10.20.0.0/16"]
    assert "expected a non-empty list" in errors(cidrs=[])[0]
    assert errors(postgresql_version=11) == ["postgresql_version: got 11, expected one of 13, 14, 15, 16, 17"]
    assert errors(postgresql_version="fifteen")[0].startswith("postgresql_version: got 'fifteen'")
    assert "expected loop_wait + 2 x retry_timeout <= ttl" in errors(patroni_timing={"ttl": 20, "loop_wait": 2, "retry_timeout": 10})[0]
    low = errors(patroni_timing={"ttl": 8, "loop_wait": 1, "retry_timeout": 3})
    assert low == ["patroni_dcs.ttl: got 8, expected 20 or more (Patroni 3.2 and newer raise a lower ttl to 20 "
                   "without saying so in the cluster's settings)"], low


def test_etcd_defaults_to_the_postgres_group():
    assert errors(groups={"postgres": ["a", "b", "c"], "pgbackrest_repo": ["r"]}) == []


def test_without_ha_one_node_is_enough():
    assert errors(groups={"postgres": ["a"], "etcd": ["a"], "pgbackrest_repo": ["r"]}, ha=False) == []


def test_secret_values_never_appear_in_messages():
    text = " ".join(errors(secrets={"x": "hunter2hunter2"}, postgresql_version=99))
    assert "hunter2" not in text


def test_dcs_patch_only_what_differs():
    current = {"ttl": 30, "loop_wait": 10, "synchronous_mode": True,
               "postgresql": {"parameters": {"max_connections": 100, "work_mem": "4MB", "hot_standby": "on"}}}
    desired = {"ttl": 8, "loop_wait": 10, "synchronous_mode": "on",
               "postgresql": {"parameters": {"max_connections": "100", "work_mem": "8MB", "hot_standby": True}}}
    assert dcs_patch(current, desired) == {"ttl": 8, "postgresql": {"parameters": {"work_mem": "8MB"}}}
    assert dcs_patch(current, {"ttl": 30, "postgresql": {"parameters": {
        "work_mem": "4MB", "max_connections": 100, "hot_standby": "on"}}}) == {}
    assert dcs_patch(current, {"loop_wait": None}) == {"loop_wait": None}
    assert dcs_patch({}, {"failsafe_mode": True}) == {"failsafe_mode": True}
    assert dcs_patch(current, {"unset_key": None}) == {}


def test_dcs_patch_removes_parameters_the_inventory_no_longer_names():
    # postgresql.parameters is the inventory's in full: one set by hand (patronictl edit-config)
    # or dropped from the overrides is removed; elsewhere only the inventory's keys are managed
    current = {"ttl": 20, "check_timeline": True,
               "postgresql": {"use_slots": True, "pg_hba": ["x"],
                              "parameters": {"work_mem": "4MB", "log_min_duration_statement": 250, "max_locks_per_transaction": 128}}}
    desired = {"ttl": 20, "postgresql": {"use_slots": True, "parameters": {"work_mem": "4MB"}}}
    assert dcs_patch(current, desired) == {
        "postgresql": {"parameters": {"log_min_duration_statement": None, "max_locks_per_transaction": None}}}
    assert dcs_patch(current, dict(desired, postgresql={"parameters": current["postgresql"]["parameters"]})) == {}
    # a cluster whose DCS holds no parameters yet: nothing to remove
    assert dcs_patch({"ttl": 20}, desired) == {"postgresql": {"use_slots": True, "parameters": {"work_mem": "4MB"}}}


def test_pg_hba_tls_only_and_coder_from_allowed_sources():
    rules = pg_hba(["10.0.0.11", "10.0.0.12"], ["10.0.0.11", "10.0.0.12"], ["10.20.0.0/16"],
                   "postgres", "replicator", "rewind", "coder", "coder")
    assert "hostssl replication replicator 10.0.0.12/32 scram-sha-256" in rules
    assert "hostssl coder coder 10.20.0.0/16 scram-sha-256" in rules
    assert "hostssl coder coder 10.0.0.11/32 scram-sha-256" in rules
    assert rules[-4:] == ["hostnossl all all 0.0.0.0/0 reject", "hostnossl all all ::/0 reject",
                          "host all all 0.0.0.0/0 reject", "host all all ::/0 reject"]
    network = [r for r in rules if r.startswith("host ") and "reject" not in r]
    assert all("127.0.0.1/32" in r for r in network)   # plain host rules only on loopback
    assert len([r for r in rules if r.startswith("hostssl coder")]) == 3   # no duplicates


def test_pgbackrest_pg_hosts_numbers_each_member():
    from ansible_collections.onprem.coder.plugins.module_utils.database_config import pgbackrest_pg_hosts
    options = pgbackrest_pg_hosts(["pg1", "pg2"], "/data", 8432, "/c", "/k", "/ca")
    assert options["pg1-host"] == "pg1" and options["pg2-host"] == "pg2"
    assert options["pg2-host-type"] == "tls" and options["pg2-path"] == "/data" and options["pg1-host-port"] == 8432
    assert sorted(k for k in options if k.startswith("pg1-")) == sorted(
        ["pg1-host", "pg1-host-type", "pg1-host-port", "pg1-host-cert-file", "pg1-host-key-file", "pg1-host-ca-file", "pg1-path"])


def test_packages_per_host_role():
    from ansible_collections.onprem.coder.plugins.module_utils.database_config import database_host_packages
    groups = {"postgres": ["pg1", "pg2", "pg3"], "pgbackrest_repo": ["b1"], "loadbalancers": ["lb1"], "etcd": []}
    assert database_host_packages("pg1", groups, 16) == ["etcd-server", "etcd-client", "openssl", "postgresql-16", "postgresql-client-16",
                                                         "python3-psycopg2", "patroni", "python3-etcd", "pgbackrest",
                                                         "python3-cryptography"]
    assert database_host_packages("lb1", groups) == ["haproxy", "python3-cryptography"]
    assert database_host_packages("lb1", groups, vip="10.0.0.100") == ["haproxy", "keepalived", "python3-cryptography"]
    assert database_host_packages("b1", groups) == ["pgbackrest", "python3-cryptography"]
    assert "haproxy" in database_host_packages("pg1", dict(groups, loadbalancers=[]))
    assert database_host_packages("other", groups) == []


def test_member_certificates_name_every_way_clients_reach_them():
    from ansible_collections.onprem.coder.plugins.module_utils.database_config import database_cert_sans
    groups = {"postgres": ["pg1", "pg2"], "loadbalancers": []}
    addresses = {"pg1": "10.0.0.1", "pg2": "10.0.0.2", "b1": "10.0.0.9"}
    assert database_cert_sans("pg1", groups, addresses, "db.corp.example", "10.0.0.100") == [
        "IP:10.0.0.1", "IP:10.0.0.2", "IP:10.0.0.100", "DNS:db.corp.example"]
    assert database_cert_sans("pg1", groups, addresses, "10.0.0.100", "10.0.0.100") == ["IP:10.0.0.1", "IP:10.0.0.2", "IP:10.0.0.100"]
    assert database_cert_sans("b1", groups, addresses, "db") == []
    assert database_cert_sans("pg1", dict(groups, loadbalancers=["b1"]), addresses) == ["IP:10.0.0.9"]


def test_the_vip_and_its_password_are_checked_without_printing_the_password():
    assert errors(vip="10.0.0.100", vip_password="8chars!!") == []
    found = errors(vip="10.0.0.300", vip_password="far-too-long-secret")
    assert found == ["onprem_coder_database_vip: got '10.0.0.300', expected an IP address on the load balancers' network",
                     "onprem_coder_database_vip_password: 19 characters, expected at most 8 (VRRP carries no more)"]
    assert errors(vip="10.0.0.100", vip_password="") == [
        "onprem_coder_database_vip_password: not set, expected the VRRP password from Ansible Vault"]


def test_hosts_to_remove_are_named_twice_and_gone_from_the_inventory():
    from ansible_collections.onprem.coder.plugins.module_utils.database_checks import remove_errors, remove_names
    assert remove_names(" pg3, pg4,,pg3 ") == ["pg3", "pg4"]
    assert remove_names(["pg5"]) == ["pg5"] and remove_names(None) == [] and remove_names("") == []
    replaced = {"postgres": ["pg1", "pg2", "pg4"], "pgbackrest_repo": ["backup1"]}
    assert remove_errors("pg3", "pg3", replaced) == []
    assert remove_errors("", "", replaced) == []
    assert remove_errors("pg3", "pg2", replaced) == [
        "onprem_coder_db_remove is 'pg3' and onprem_coder_db_remove_confirm is 'pg2': set both to the same host names "
        "(comma-separated) to take them out of the database cluster for good"]
    errors = remove_errors("pg4,pg1", "pg4, pg1", replaced)
    assert len(errors) == 4 and errors[0].startswith("onprem_coder_db_remove names pg4, which is still in group postgres")
    assert remove_errors("pg1", "pg1", dict(replaced, etcd=["pg2", "pg4", "pg9"])) == [
        "onprem_coder_db_remove names pg1, which is still in group postgres: take it out of the inventory's database "
        "groups first (a host that answers goes to group database_retired, where this playbook stops its services)"]


def test_pgbackrest_reset_options_leave_out_every_option_of_the_named_hosts_indexes():
    from ansible_collections.onprem.coder.plugins.module_utils.database_config import (
        pgbackrest_pg_hosts, pgbackrest_reset_options)
    written = pgbackrest_pg_hosts(["pg1", "pg2", "pg3"], "/data", 8432, "/c", "/k", "/ca")
    lines = ["%s=%s" % (key, value) for key, value in sorted(written.items())] + ["repo1-path=/repo", "[coder]", ""]
    resets = pgbackrest_reset_options(lines, ["pg3"])
    # every option the role writes for pg3, and none of another index
    assert resets == sorted("--reset-" + key for key in written if key.startswith("pg3-"))
    assert len(resets) == 7
    assert pgbackrest_reset_options(lines, ["pg1", "pg3"]) == sorted(
        "--reset-" + key for key in written if key.startswith(("pg1-", "pg3-")))
    # a host the configuration does not name, or none, leaves nothing out
    assert pgbackrest_reset_options(lines, ["pg9"]) == []
    assert pgbackrest_reset_options(lines, []) == []
    assert pgbackrest_reset_options([], ["pg3"]) == []
    # index 10 sorts after 2 (numbers, not text); spaces around = are allowed
    assert pgbackrest_reset_options(["pg10-host = far", "pg10-path=/d", "pg2-host=far"], ["far"]) == [
        "--reset-pg2-host", "--reset-pg10-host", "--reset-pg10-path"]
