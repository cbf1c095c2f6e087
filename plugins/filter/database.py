# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Filters of the database phase (logic in module_utils/database_checks.py, database_config.py and the
other database modules)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.module_utils.database_checks import inventory_errors, remove_errors, remove_names
from ansible_collections.onprem.coder.plugins.module_utils.database_config import (
    database_cert_sans, database_host_packages, dcs_patch, patroni_dcs_defaults, pg_hba, pgbackrest_pg_hosts,
    pgbackrest_reset_options)
from ansible_collections.onprem.coder.plugins.module_utils.health import patroni_problems
from ansible_collections.onprem.coder.plugins.module_utils.latency import table as latency_table, verdict as latency_verdict
from ansible_collections.onprem.coder.plugins.module_utils.etcd import (
    EtcdError, environment as etcd_settings, kept_bootstrap, membership_errors, move_leader_target)
from ansible_collections.onprem.coder.plugins.module_utils.pg_settings import restart_plan, unloaded_parameters
from ansible_collections.onprem.coder.plugins.module_utils.restore import RestoreError, parse_target, restore_choice


def database_inventory_errors(groups, host_vars, secret_names):
    """Checks with the variables of the first postgres host (secrets only tested for presence).
    The timing rule is checked on what Patroni will really get: the collection's PATRONI_DCS,
    then the inventory's patroni_dcs and patroni_dcs_overrides."""
    def get(name, default=None):
        try:
            value = host_vars.get(name, default)
        except Exception:  # an undefined variable inside a templated value
            value = default
        return default if value is None else value

    timing = patroni_dcs_defaults()
    timing.update(get("patroni_dcs", {}) or {})
    timing.update(get("patroni_dcs_overrides", {}) or {})
    # Patroni's own defaults where neither the role nor the inventory sets a value
    timing = {key: timing.get(key, default) for key, default in (("ttl", 30), ("loop_wait", 10), ("retry_timeout", 10))}
    secrets = dict((name, bool(get(name, ""))) for name in secret_names)
    return inventory_errors(dict(groups), secrets, get("onprem_coder_database_client_cidrs", []),
                            get("postgresql_version", 15), ha=bool(get("onprem_coder_ha", True)), patroni_timing=timing,
                            vip=get("onprem_coder_database_vip", ""), vip_password=get("onprem_coder_database_vip_password", ""))


def patroni_dcs_with_defaults(overrides=None):
    """The collection's Patroni DCS settings (module_utils/database_config.py PATRONI_DCS), with
    ``overrides`` merged over them (one level)."""
    result = patroni_dcs_defaults()
    result.update(overrides or {})
    return result


def patroni_dcs_patch(current, desired):
    return dcs_patch(current, desired)


def pg_parameters_unloaded(rows, desired):
    """Names of the desired parameters a member runs neither with the new value nor marked pending_restart."""
    return unloaded_parameters(rows, desired)


def patroni_restart_plan(members, dcs_parameters, leader):
    """One pass of the rolling restart: which members, and whether the leader goes first."""
    try:
        return restart_plan(members, dcs_parameters or {}, leader)
    except ValueError as exc:
        from ansible.errors import AnsibleFilterError
        raise AnsibleFilterError(str(exc))


def etcd_move_leader_target(endpoint_status, member_list):
    """The member (hex id) to hand etcd's leadership to before this member restarts, or ''."""
    try:
        return move_leader_target(endpoint_status, member_list)
    except EtcdError as exc:
        # imported here: the unit tests of module_utils import this file without ansible
        from ansible.errors import AnsibleFilterError
        raise AnsibleFilterError(str(exc))


def etcd_environment(name, addresses, data_dir, tls_dir, client_port, peer_port, token):
    """A member's /etc/default/etcd settings for a new cluster of ``addresses`` ({name: address})."""
    return etcd_settings(name, addresses[name], addresses, data_dir, tls_dir, client_port, peer_port, token)


def etcd_bootstrap_kept(computed, current_file):
    """The settings of a member that has data, with the ETCD_INITIAL_* it was started with."""
    return kept_bootstrap(current_file, computed)


def etcd_membership_errors(member_list, wanted, with_data, removing=None):
    """Why the running etcd cluster cannot become ``wanted`` by adding members alone."""
    try:
        return membership_errors(member_list, list(wanted), list(with_data), list(removing or []))
    except EtcdError as exc:
        from ansible.errors import AnsibleFilterError
        raise AnsibleFilterError(str(exc))


def hosts_with_fact(hosts, hostvars, fact):
    """The ``hosts`` whose fact ``fact`` is true (hosts that did not set it are left out)."""
    return [host for host in hosts if host in hostvars and hostvars[host].get(fact) is True]


def database_latency_targets(endpoint, groups, host_vars, fallback_port=22):
    """host:port addresses to time from a Coder host: the endpoint, then the HAProxy hosts on ``fallback_port``."""
    targets = []
    if endpoint and endpoint.get("host"):
        targets.append("%s:%s" % (endpoint["host"], endpoint.get("port") or 5000))
    for host in list(groups.get("loadbalancers") or []) or list(groups.get("postgres") or []):
        values = host_vars.get(host, {}) if hasattr(host_vars, "get") else {}
        address = values.get("onprem_coder_address") or values.get("ansible_host") or host
        targets.append("%s:%s" % (address, fallback_port))
    return targets


def database_latency_report(results, limit_ms):
    """{table, problems} from {host: tcp_latency result}."""
    rows, problems = latency_verdict(dict((host, result or {}) for host, result in (results or {}).items()), limit_ms)
    return {"table": latency_table(rows), "problems": problems}


def patroni_pg_hba(member_addresses, proxy_addresses, client_cidrs, superuser, replication_user, rewind_user,
                   coder_database, coder_user):
    return pg_hba(member_addresses, proxy_addresses, client_cidrs, superuser, replication_user, rewind_user,
                  coder_database, coder_user)


def pgbackrest_restore_choice(info, target, now):
    """The backup set and restore options for a target, or {'error': message} to assert on."""
    try:
        return restore_choice(info, target, float(now))
    except RestoreError as exc:
        return {"error": str(exc)}


def restore_target_error(target):
    """'' when a restore target is `latest` or a time with a UTC offset, else the reason."""
    if target in (None, "", "latest"):
        return ""
    try:
        parse_target(target)
    except RestoreError as exc:
        return str(exc)
    return ""


class FilterModule(object):
    def filters(self):
        return {
            "database_inventory_errors": database_inventory_errors,
            "database_host_packages": database_host_packages,
            "database_cert_sans": database_cert_sans,
            "patroni_dcs_patch": patroni_dcs_patch,
            "patroni_dcs_defaults": patroni_dcs_with_defaults,
            "patroni_pg_hba": patroni_pg_hba,
            "pg_parameters_unloaded": pg_parameters_unloaded,
            "patroni_restart_plan": patroni_restart_plan,
            "etcd_move_leader_target": etcd_move_leader_target,
            "etcd_environment": etcd_environment,
            "etcd_bootstrap_kept": etcd_bootstrap_kept,
            "etcd_membership_errors": etcd_membership_errors,
            "hosts_with_fact": hosts_with_fact,
            "db_remove_names": remove_names,
            "db_remove_errors": remove_errors,
            "patroni_member_problems": patroni_problems,
            "database_latency_targets": database_latency_targets,
            "database_latency_report": database_latency_report,
            "pgbackrest_pg_hosts": pgbackrest_pg_hosts,
            "pgbackrest_reset_options": pgbackrest_reset_options,
            "pgbackrest_restore_choice": pgbackrest_restore_choice,
            "restore_target_error": restore_target_error,
        }
