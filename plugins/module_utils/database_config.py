# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""What the database phase builds from the inventory: Patroni's DCS settings and the patch
that reconciles them, pg_hba rules, pgBackRest's stanza options, each host's packages and a
member certificate's names. The checks of the inventory are in database_checks.py. Pure
Python; used by the database filters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
import re


# Patroni's dynamic configuration for a Coder database, the patroni role's default patroni_dcs
# (through the patroni_dcs_defaults filter) and what the up-front timing check starts from:
# a leader lost is noticed within ttl (20 s, the least Patroni 3.2 and newer accept: they raise a
# lower one to 20 themselves), no committed write is lost (synchronous, strict), and members keep
# running when etcd is unreachable but they see each other (failsafe).
PATRONI_MIN_TTL = 20
PATRONI_DCS = {
    "ttl": PATRONI_MIN_TTL,
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


# The parts of the DCS configuration the inventory states in full: a key the DCS holds there and
# the inventory no longer names is removed (PostgreSQL parameters set by hand with
# `patronictl edit-config`, or dropped from patroni_postgresql_parameters_overrides).
DCS_AUTHORITATIVE = (("postgresql", "parameters"),)


def dcs_patch(current, desired, path=()):
    """The smallest PATCH /config body that makes ``current`` hold ``desired``.

    Keys in ``desired`` are managed; a key set to None in ``desired`` is removed (PATCH with
    null). Under DCS_AUTHORITATIVE, a key ``current`` holds and ``desired`` does not name is
    removed too. Returns {} when nothing differs.
    """
    patch = {}
    current = current or {}
    for key, want in desired.items():
        have = current.get(key)
        if isinstance(want, dict):
            sub = dcs_patch(have if isinstance(have, dict) else {}, want, path + (key,))
            if sub:
                patch[key] = sub
        elif want is None:
            if key in current:
                patch[key] = None
        elif _normalise(have) != _normalise(want):
            patch[key] = want
    if path in DCS_AUTHORITATIVE:
        for key in sorted(current):
            if key not in desired:
                patch[key] = None
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


def pgbackrest_reset_options(config_lines, hosts):
    """The command-line options that leave ``hosts`` out of one pgBackRest command on the repository
    host: ``--reset-pgN-<option>`` for every option of each index N whose pgN-host is one of them.

    ``config_lines``: the stanza's ``pgN-...=value`` lines of pgbackrest.conf (other lines are
    ignored). An index with all its options reset is not configured for that command, so pgBackRest
    does not wait on a host that is gone (io-timeout, twice) before it goes on without it."""
    wanted = set(hosts or [])
    options = {}
    for line in config_lines or []:
        match = re.match(r"^\s*pg([0-9]+)-([a-z0-9-]+)\s*=\s*(.*?)\s*$", line)
        if match:
            options.setdefault(int(match.group(1)), []).append((match.group(2), match.group(3)))
    resets = []
    for index in sorted(options):
        if any(key == "host" and value in wanted for key, value in options[index]):
            resets.extend("--reset-pg%d-%s" % (index, key) for key in sorted(set(key for key, dummy in options[index])))
    return resets


def database_host_packages(host, groups, postgresql_version=15, vip=None):
    """Every package a host of the database phase needs, for one apt transaction."""
    postgres = list(groups.get("postgres") or [])
    etcd = list(groups.get("etcd") or []) or postgres
    proxies = list(groups.get("loadbalancers") or []) or postgres
    repo = list(groups.get("pgbackrest_repo") or [])
    packages = []
    if host in etcd:
        # openssl: the certificate rotation checks what etcd serves (roles/tls_reload)
        packages += ["etcd-server", "etcd-client", "openssl"]
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
