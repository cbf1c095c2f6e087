# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Cross-field checks of the database phase's inventory, and Patroni DCS diffs.

Pure Python; used by the ``database_inventory_errors`` and ``patroni_dcs_patch`` filters.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress

SUPPORTED_POSTGRESQL_VERSIONS = (13, 14, 15, 16, 17)


def _missing(value):
    return value is None or value is False or (isinstance(value, str) and not value.strip())


# Patroni's dynamic configuration for a Coder database, the patroni role's default patroni_dcs
# (through the patroni_dcs_defaults filter) and what the up-front timing check starts from:
# a leader lost is noticed within ttl (8 s), no committed write is lost (synchronous, strict),
# and members keep running when etcd is unreachable but they see each other (failsafe).
PATRONI_DCS = {
    "ttl": 8,
    "loop_wait": 1,
    "retry_timeout": 3,
    "maximum_lag_on_failover": 1048576,
    "synchronous_mode": True,
    "synchronous_mode_strict": True,
    "synchronous_node_count": 1,
    "failsafe_mode": True,
    "postgresql": {"use_pg_rewind": True, "use_slots": True},
}


def patroni_dcs_defaults():
    """A copy of PATRONI_DCS."""
    return copy.deepcopy(PATRONI_DCS)


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


def _normalise(value):
    """Patroni returns numbers and booleans as JSON, users may write strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("on", "true", "yes"):
            return True
        if lowered in ("off", "false", "no"):
            return False
        return value.strip()
    return value


def dcs_patch(current, desired):
    """The smallest PATCH /config body that makes ``current`` hold ``desired``.

    Only keys in ``desired`` are managed; a key set to None in ``desired`` is removed
    (PATCH with null). Returns {} when nothing differs.
    """
    patch = {}
    current = current or {}
    for key, want in desired.items():
        have = current.get(key)
        if isinstance(want, dict):
            sub = dcs_patch(have if isinstance(have, dict) else {}, want)
            if sub:
                patch[key] = sub
        elif want is None:
            if key in current:
                patch[key] = None
        elif _normalise(have) != _normalise(want):
            patch[key] = want
    return patch


def pg_hba(member_addresses, proxy_addresses, client_cidrs, superuser, replication_user, rewind_user,
           coder_database, coder_user):
    """Patroni's pg_hba list: TLS everywhere over the network, Coder's role only from the
    Kubernetes node networks and the HAProxy hosts (PostgreSQL sees HAProxy's address),
    the rest rejected."""
    rules = [
        "local all %s peer" % superuser,
        "local all all scram-sha-256",
        "host all %s 127.0.0.1/32 scram-sha-256" % superuser,
        # Patroni reads its own timeline over a local replication connection
        "host replication %s 127.0.0.1/32 scram-sha-256" % replication_user,
    ]
    for user, database in ((replication_user, "replication"), (rewind_user, "all"), (superuser, "all")):
        rules.extend("hostssl %s %s %s/32 scram-sha-256" % (database, user, address) for address in member_addresses)
    sources = list(client_cidrs) + ["%s/32" % address for address in proxy_addresses]
    seen = set()
    for source in sources:
        if source not in seen:
            seen.add(source)
            rules.append("hostssl %s %s %s scram-sha-256" % (coder_database, coder_user, source))
    rules.extend([
        "hostnossl all all 0.0.0.0/0 reject",
        "hostnossl all all ::/0 reject",
        "host all all 0.0.0.0/0 reject",
        "host all all ::/0 reject",
    ])
    return rules


def pgbackrest_pg_hosts(addresses, data_dir, port, cert, key, ca):
    """The repository's stanza options for each database host: pg1-host=..., pg2-..."""
    options = {}
    for index, address in enumerate(addresses, start=1):
        prefix = "pg%d-" % index
        options.update({
            prefix + "host": address,
            prefix + "host-type": "tls",
            prefix + "host-port": port,
            prefix + "host-cert-file": cert,
            prefix + "host-key-file": key,
            prefix + "host-ca-file": ca,
            prefix + "path": data_dir,
        })
    return options


def database_host_packages(host, groups, postgresql_version=15, vip=None):
    """Every package a host of the database phase needs, for one apt transaction."""
    postgres = list(groups.get("postgres") or [])
    etcd = list(groups.get("etcd") or []) or postgres
    proxies = list(groups.get("loadbalancers") or []) or postgres
    repo = list(groups.get("pgbackrest_repo") or [])
    packages = []
    if host in etcd:
        packages += ["etcd-server", "etcd-client"]
    if host in postgres:
        packages += ["postgresql-%s" % postgresql_version, "postgresql-client-%s" % postgresql_version,
                     "python3-psycopg2", "patroni", "python3-etcd"]
    if host in proxies:
        packages += ["haproxy"] + (["keepalived"] if vip else [])
    if host in postgres or host in repo:
        packages += ["pgbackrest"]
    # community.crypto makes each host's key and signing request there; the CA host signs
    return packages + ["python3-cryptography"] if packages else []


def database_cert_sans(host, groups, addresses, database_host=None, vip=None):
    """Extra subject names of a PostgreSQL member's certificate.

    Clients reach whichever member leads through any HAProxy host, the VIP or the database
    name, and check verify-full against the member's certificate: it must name them all.
    Only postgres members get them."""
    postgres = list(groups.get("postgres") or [])
    if host not in postgres:
        return []
    proxies = list(groups.get("loadbalancers") or []) or postgres
    sans = []
    for name in [addresses[proxy] for proxy in proxies] + [vip, database_host]:
        if not name:
            continue
        san = ("IP:" if _is_ip(name) else "DNS:") + str(name)
        if san not in sans:
            sans.append(san)
    return sans


def _is_ip(value):
    try:
        ipaddress.ip_address(str(value))
        return True
    except ValueError:
        return False
