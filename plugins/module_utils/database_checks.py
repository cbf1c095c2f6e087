# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Cross-field checks of the database phase's inventory: group shapes, passwords set,
client networks, the PostgreSQL version, the VIP and Patroni's timing rule. What the
database phase builds from the inventory (pg_hba, DCS settings and patches, certificate
names, packages) is in database_config.py. Pure Python; used by the
``database_inventory_errors`` filter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.onprem.coder.plugins.module_utils.database_config import PATRONI_MIN_TTL

SUPPORTED_POSTGRESQL_VERSIONS = (13, 14, 15, 16, 17)


def _missing(value):
    return value is None or value is False or (isinstance(value, str) and not value.strip())


def inventory_errors(groups, secrets, cidrs, postgresql_version, ha=True, patroni_timing=None, vip=None,
                     vip_password=None):
    """Every problem of the database inventory, each naming the variable, value and expectation.

    ``groups``: group name -> hosts; ``secrets``: variable name -> whether it is set (or its
    value: only presence is checked, values never appear in messages); ``cidrs``: the Kubernetes node networks allowed
    to reach Coder's database; ``patroni_timing``: {ttl, loop_wait, retry_timeout}.
    """
    errors = []
    postgres = list(groups.get("postgres") or [])
    etcd = list(groups.get("etcd") or postgres)
    repo = list(groups.get("pgbackrest_repo") or [])
    want = 3 if ha else 1
    if len(postgres) < want or (ha and len(postgres) == 2):
        errors.append("group postgres: %d host(s) %s, expected %s" % (
            len(postgres), postgres, "at least 3 (leader, synchronous standby, replica) with onprem_coder_ha"
            if ha else "at least 1"))
    if len(etcd) % 2 == 0:
        errors.append("group etcd: %d member(s) %s, expected an odd number (3 or 5) for a quorum" % (len(etcd), etcd))
    elif ha and len(etcd) < 3:
        errors.append("group etcd: %d member(s), expected at least 3 with onprem_coder_ha" % len(etcd))
    if len(repo) != 1:
        errors.append("group pgbackrest_repo: %d host(s) %s, expected exactly 1 backup repository host" % (len(repo), repo))
    inside = sorted(set(repo) & set(postgres))
    if inside:
        errors.append("group pgbackrest_repo: %s is also in postgres, expected the repository off the database "
                      "nodes (losing a node must not lose its backups)" % ", ".join(inside))
    for name in sorted(secrets):
        if _missing(secrets[name]):
            errors.append("%s: not set, expected a password from the inventory or Ansible Vault" % name)
    if not isinstance(cidrs, list) or not cidrs:
        errors.append("onprem_coder_database_client_cidrs: got %r, expected a non-empty list of the Kubernetes "
                      "node networks (CIDRs) allowed to reach Coder's database" % (cidrs,))
    else:
        for index, cidr in enumerate(cidrs):
            try:
                ipaddress.ip_network(str(cidr), strict=False)
            except ValueError:
                errors.append("onprem_coder_database_client_cidrs[%d]: got %r, expected a CIDR such as 10.20.0.0/16"
                              % (index, cidr))
    try:
        version = int(str(postgresql_version))
    except ValueError:
        version = None
    if version not in SUPPORTED_POSTGRESQL_VERSIONS:
        errors.append("postgresql_version: got %r, expected one of %s" % (
            postgresql_version, ", ".join(str(v) for v in SUPPORTED_POSTGRESQL_VERSIONS)))
    if patroni_timing:
        ttl, loop_wait, retry = (patroni_timing.get(k) for k in ("ttl", "loop_wait", "retry_timeout"))
        try:
            if int(ttl) < PATRONI_MIN_TTL:
                errors.append("patroni_dcs.ttl: got %s, expected %d or more (Patroni 3.2 and newer raise a lower ttl to %d "
                              "without saying so in the cluster's settings)" % (ttl, PATRONI_MIN_TTL, PATRONI_MIN_TTL))
            if int(loop_wait) + 2 * int(retry) > int(ttl):
                errors.append("patroni_dcs.ttl: loop_wait (%s) + 2 x retry_timeout (%s) = %d is more than ttl (%s), "
                              "expected loop_wait + 2 x retry_timeout <= ttl" % (loop_wait, retry,
                                                                                 int(loop_wait) + 2 * int(retry), ttl))
        except (TypeError, ValueError):
            errors.append("patroni_dcs: ttl, loop_wait and retry_timeout must be whole numbers, got %r" % (patroni_timing,))
    if vip:
        try:
            ipaddress.ip_address(str(vip))
        except ValueError:
            errors.append("onprem_coder_database_vip: got %r, expected an IP address on the load balancers' network"
                          % (vip,))
        if _missing(vip_password):
            errors.append("onprem_coder_database_vip_password: not set, expected the VRRP password from Ansible Vault")
        elif len(str(vip_password)) > 8:
            errors.append("onprem_coder_database_vip_password: %d characters, expected at most 8 (VRRP carries no more)"
                          % len(str(vip_password)))
    return errors


def remove_names(value):
    """The hosts named by onprem_coder_db_remove: a comma-separated string or a list, in order, once each."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    names = []
    for item in items:
        item = str(item).strip()
        if item and item not in names:
            names.append(item)
    return names


def remove_errors(remove, confirm, groups):
    """Why db_replace_node.yml may not take the hosts in ``remove`` out of the database cluster:
    the confirmation differs, or the inventory still lists one as a member (the inventory says
    what the cluster is to be)."""
    names, confirmed = remove_names(remove), remove_names(confirm)
    if names != confirmed:
        return ["onprem_coder_db_remove is '%s' and onprem_coder_db_remove_confirm is '%s': set both to the same "
                "host names (comma-separated) to take them out of the database cluster for good"
                % (",".join(names), ",".join(confirmed))]
    postgres = list(groups.get("postgres") or [])
    members = {"postgres": postgres, "etcd": list(groups.get("etcd") or postgres)}
    errors = []
    for name in names:
        for group in ("postgres", "etcd"):
            if name in members[group]:
                errors.append("onprem_coder_db_remove names %s, which is still in group %s: take it out of the "
                              "inventory's database groups first (a host that answers goes to group database_retired, "
                              "where this playbook stops its services)" % (name, group))
    return errors
