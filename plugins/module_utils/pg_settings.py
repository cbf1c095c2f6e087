# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Compare PostgreSQL parameters as the inventory writes them with what pg_settings reports.

pg_settings gives a parameter's running value in its base unit (``shared_buffers`` is
``16384`` with unit ``8kB``); an inventory writes ``128MB``. The rolling restart uses this to
wait, on every member, until PostgreSQL itself shows each changed parameter either running
with its new value or marked ``pending_restart``; only then does it read which members need
a restart, so it never depends on how fast Patroni notices a change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

MEMORY_UNITS = {"B": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}
TIME_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "min": 60000.0, "h": 3600000.0, "d": 86400000.0}
TRUE_WORDS = ("on", "true", "yes", "1")
FALSE_WORDS = ("off", "false", "no", "0")


def _unit_scale(unit):
    """(size of one base unit in bytes or milliseconds, the table its suffixes come from)."""
    match = re.match(r"^(\d*)\s*([A-Za-z]+)$", unit or "")
    if not match:
        return None, None
    count = int(match.group(1) or 1)
    name = match.group(2)
    for table in (MEMORY_UNITS, TIME_UNITS):
        if name in table:
            return count * table[name], table
    return None, None


def _boolean(value):
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _number(value, unit):
    """A desired numeric value in the setting's base unit, or None when it cannot be read."""
    match = re.match(r"^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$", str(value))
    if not match:
        return None
    number = float(match.group(1))
    suffix = match.group(2)
    if not suffix:
        return number
    scale, table = _unit_scale(unit)
    if scale is None or suffix not in table:
        return None
    return number * table[suffix] / scale


def setting_matches(desired, row):
    """True when ``desired`` (as an inventory writes it) is what the pg_settings ``row`` runs.

    ``row`` has the pg_settings columns ``setting``, ``unit`` and ``vartype``.
    """
    setting = row.get("setting")
    vartype = row.get("vartype")
    if setting is None:
        return False
    if vartype == "bool":
        return _boolean(desired) is not None and _boolean(desired) == _boolean(setting)
    if vartype in ("integer", "real"):
        want = _number(desired, row.get("unit"))
        try:
            have = float(setting)
        except ValueError:
            return False
        return want is not None and abs(want - have) <= 1e-9 * max(1.0, abs(have))
    text = str(desired)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1]
    if vartype == "enum":
        return text.strip().lower() == str(setting).lower()
    return text == str(setting)


# What Patroni passes to PostgreSQL on its command line when the DCS names no value (Patroni's
# ConfigHandler.CMDLINE_OPTIONS): a parameter removed from the DCS runs this after a restart,
# not PostgreSQL's own default.
PATRONI_COMMAND_LINE_DEFAULTS = {
    "hot_standby": "on",
    "max_connections": 100,
    "max_locks_per_transaction": 64,
    "max_prepared_transactions": 0,
    "max_replication_slots": 10,
    "max_wal_senders": 10,
    "max_worker_processes": 8,
    "track_commit_timestamp": "off",
    "wal_keep_size": "128MB",
    "wal_level": "replica",
    "wal_log_hints": "on",
}


def expected_value(name, desired, row):
    """What a member should run for ``name``: the desired value, or for a parameter removed from
    the DCS (None) Patroni's command-line default or else PostgreSQL's built-in one (``boot_val``)."""
    if desired is not None:
        return desired
    if name in PATRONI_COMMAND_LINE_DEFAULTS:
        return PATRONI_COMMAND_LINE_DEFAULTS[name]
    return row.get("boot_val")


def differing_parameters(rows, desired):
    """Names of ``desired`` parameters whose running value (pg_settings ``rows``) differs.

    Parameters PostgreSQL does not know (no row) are left out: PostgreSQL would not load
    them either. A None value is a parameter removed from the DCS (expected_value).
    """
    by_name = dict((row["name"], row) for row in rows or [])
    return sorted(name for name, value in (desired or {}).items()
                  if name in by_name and expected_value(name, value, by_name[name]) is not None
                  and not setting_matches(expected_value(name, value, by_name[name]), by_name[name]))


def unloaded_parameters(rows, desired):
    """Names of ``desired`` parameters a member has not taken in yet.

    A parameter is taken in when it runs with the desired value (for a removed one, the default
    it falls back to), or when PostgreSQL marks it ``pending_restart`` (it needs a restart to
    run it). ``rows`` are pg_settings rows with ``name``, ``setting``, ``unit``, ``vartype``,
    ``boot_val`` and ``pending_restart``.
    """
    by_name = dict((row["name"], row) for row in rows or [])
    return sorted(name for name in differing_parameters(rows, desired) if not by_name[name].get("pending_restart"))


# The parameters a hot standby must run at least as high as its primary does: PostgreSQL
# records the primary's values in the WAL and in pg_control, and Patroni starts a replica
# with the higher of pg_control's value and the configured one.
HOT_STANDBY_PARAMETERS = ("max_connections", "max_locks_per_transaction", "max_prepared_transactions",
                          "max_wal_senders", "max_worker_processes")


def _integer(value):
    number = _number(value, None)
    return None if number is None else int(number)


def restart_plan(members, dcs_parameters, leader):
    """The order of one pass of the rolling restart.

    ``members`` are dicts with ``name``, ``pending`` (PostgreSQL's pg_settings or Patroni's ``pending_restart``), ``why`` (what is
    pending, for messages) and ``settings`` (running value of each of
    HOT_STANDBY_PARAMETERS); ``dcs_parameters`` are the
    ``postgresql.parameters`` the DCS holds (one it does not hold is Patroni's command-line
    default); ``leader`` is the name of the member that leads.

    A replica cannot run a hot-standby parameter lower than its primary, so when the leader
    runs one above the DCS value (the change lowers it) and no member runs one below (none
    raises it), the leader restarts first, in place, and the replicas after it. Otherwise the
    replicas restart first, then a switchover, then the former leader. A change that does both
    takes two passes: the raise in the usual order, then the lowering with the leader first
    (``again`` tells the caller to read the members once more and run another pass).
    """
    leaders = [member for member in members if member.get("name") == leader]
    if len(leaders) != 1:
        raise ValueError("the leader %r is not one of the members %s"
                         % (leader, sorted(member.get("name") for member in members)))
    leader = leaders[0]
    # a parameter the DCS does not hold runs Patroni's command-line default (all five are
    # command-line parameters): removing one from the DCS can lower it
    wanted = dict((name, _integer(dcs_parameters.get(name, PATRONI_COMMAND_LINE_DEFAULTS[name])))
                  for name in HOT_STANDBY_PARAMETERS)

    def running(member, name):
        return _integer((member.get("settings") or {}).get(name))

    lowered = sorted(name for name, value in wanted.items()
                     if value is not None and (running(leader, name) or 0) > value)
    raised = sorted(name for name, value in wanted.items()
                    if value is not None and any(running(member, name) is not None and running(member, name) < value
                                                 for member in members))
    leader_first = bool(lowered) and not raised

    def held_back(member):
        # runs a lowered parameter above the DCS value: needs a restart once the leader runs it
        return any((running(member, name) or 0) > wanted[name] for name in lowered)

    replicas = [member for member in members
                if member is not leader and (member.get("pending") or (leader_first and held_back(member)))]
    leader_needs = bool(leader.get("pending")) or leader_first
    return {
        "leader": leader["name"],
        "leader_first": leader_first,
        "leader_needs": leader_needs,
        "replicas": [member["name"] for member in replicas],
        "lowered": lowered,
        "raised": raised,
        "again": bool(lowered) and bool(raised),
        "why": dict((member["name"], member.get("why") or "held back until the leader runs %s" % ", ".join(lowered))
                    for member in replicas + ([leader] if leader_needs else [])),
    }
