# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.pg_settings import (
    HOT_STANDBY_PARAMETERS, PATRONI_COMMAND_LINE_DEFAULTS, differing_parameters, restart_plan, setting_matches,
    unloaded_parameters)

# Rows as PostgreSQL 15 reports them in pg_settings (name, setting, unit, vartype).
ROWS = [
    {"name": "shared_buffers", "setting": "16384", "unit": "8kB", "vartype": "integer"},
    {"name": "work_mem", "setting": "4096", "unit": "kB", "vartype": "integer"},
    {"name": "wal_keep_size", "setting": "1024", "unit": "MB", "vartype": "integer"},
    {"name": "archive_timeout", "setting": "60", "unit": "s", "vartype": "integer"},
    {"name": "wal_retrieve_retry_interval", "setting": "1000", "unit": "ms", "vartype": "integer"},
    {"name": "max_locks_per_transaction", "setting": "64", "unit": None, "vartype": "integer"},
    {"name": "checkpoint_completion_target", "setting": "0.9", "unit": None, "vartype": "real"},
    {"name": "hot_standby", "setting": "on", "unit": None, "vartype": "bool"},
    {"name": "huge_pages", "setting": "off", "unit": None, "vartype": "enum"},
    {"name": "ssl_min_protocol_version", "setting": "TLSv1.2", "unit": None, "vartype": "enum"},
    {"name": "log_line_prefix", "setting": "%m [%p] ", "unit": None, "vartype": "string"},
]
BY_NAME = dict((row["name"], row) for row in ROWS)


@pytest.mark.parametrize("name,desired", [
    ("shared_buffers", "128MB"), ("shared_buffers", "131072kB"), ("shared_buffers", 16384),
    ("work_mem", "4MB"), ("wal_keep_size", "1GB"), ("archive_timeout", "60s"), ("archive_timeout", "1min"),
    ("wal_retrieve_retry_interval", "1s"), ("max_locks_per_transaction", 64), ("max_locks_per_transaction", "64"),
    ("checkpoint_completion_target", 0.9), ("hot_standby", True), ("hot_standby", "on"), ("hot_standby", "yes"),
    ("huge_pages", "OFF"), ("ssl_min_protocol_version", "tlsv1.2"), ("log_line_prefix", "%m [%p] "),
])
def test_the_same_value_in_another_spelling_matches(name, desired):
    assert setting_matches(desired, BY_NAME[name])


@pytest.mark.parametrize("name,desired", [
    ("shared_buffers", "256MB"), ("work_mem", "8MB"), ("archive_timeout", "2min"), ("max_locks_per_transaction", 128),
    ("checkpoint_completion_target", 0.5), ("hot_standby", "off"), ("huge_pages", "try"),
    ("log_line_prefix", "%m "), ("shared_buffers", "128 parsecs"), ("hot_standby", "maybe"), ("work_mem", "lots"),
])
def test_another_value_does_not_match(name, desired):
    assert not setting_matches(desired, BY_NAME[name])


def test_differing_parameters_names_only_known_parameters_that_differ():
    desired = {"shared_buffers": "128MB", "max_locks_per_transaction": 128, "work_mem": "8MB", "no_such_thing": 1}
    assert differing_parameters(ROWS, desired) == ["max_locks_per_transaction", "work_mem"]
    assert differing_parameters(ROWS, {"shared_buffers": "128MB"}) == []
    assert differing_parameters([], {"shared_buffers": "128MB"}) == []
    assert differing_parameters(ROWS, {"work_mem": None}) == []     # removed from the DCS: PostgreSQL's default


def test_a_parameter_is_taken_in_when_it_runs_or_waits_for_a_restart():
    desired = {"max_locks_per_transaction": 128, "work_mem": "8MB", "shared_buffers": "128MB"}
    before = [dict(row, pending_restart=False) for row in ROWS]
    # nothing loaded yet: both changed parameters are still to come
    assert unloaded_parameters(before, desired) == ["max_locks_per_transaction", "work_mem"]
    after = [dict(row, pending_restart=row["name"] == "max_locks_per_transaction") for row in ROWS]
    after = [dict(row, setting="8192") if row["name"] == "work_mem" else row for row in after]
    # work_mem runs its new value, max_locks_per_transaction waits for a restart: all taken in
    assert unloaded_parameters(after, desired) == []


def test_a_removed_parameter_is_taken_in_at_the_default_it_falls_back_to():
    # removed from the DCS (None): Patroni's command-line default for the parameters Patroni
    # passes on PostgreSQL's command line, PostgreSQL's built-in one (boot_val) for the others
    rows = [
        {"name": "work_mem", "setting": "8192", "unit": "kB", "vartype": "integer", "boot_val": "4096"},
        {"name": "max_locks_per_transaction", "setting": "128", "unit": None, "vartype": "integer", "boot_val": "64"},
        {"name": "wal_keep_size", "setting": "128", "unit": "MB", "vartype": "integer", "boot_val": "0"},
        {"name": "log_min_duration_statement", "setting": "250", "unit": "ms", "vartype": "integer", "boot_val": "-1"},
    ]
    removed = {"work_mem": None, "max_locks_per_transaction": None, "wal_keep_size": None,
               "log_min_duration_statement": None}
    before = [dict(row, pending_restart=False) for row in rows]
    # wal_keep_size already runs Patroni's 128MB (not PostgreSQL's 0): nothing to wait for
    assert unloaded_parameters(before, removed) == ["log_min_duration_statement", "max_locks_per_transaction", "work_mem"]
    after = [dict(row, setting=row["boot_val"]) if row["name"] in ("work_mem", "log_min_duration_statement")
             else dict(row, pending_restart=row["name"] == "max_locks_per_transaction") for row in before]
    assert unloaded_parameters(after, removed) == []
    # a parameter PostgreSQL does not know, or with no built-in value to compare, is not waited for
    assert unloaded_parameters([dict(before[0], boot_val=None)], {"work_mem": None, "no_such_thing": None}) == []


def member(name, pending=False, **settings):
    # Patroni's own values unless the test says otherwise
    running = dict((parameter, str(PATRONI_COMMAND_LINE_DEFAULTS[parameter])) for parameter in HOT_STANDBY_PARAMETERS)
    running.update((key, str(value)) for key, value in settings.items())
    return {"name": name, "pending": pending, "why": "pending" if pending else "", "settings": running}


def test_a_raised_parameter_rolls_the_replicas_then_switches_over_then_the_former_leader():
    members = [member("pg1", True), member("pg2", pending=True), member("pg3", pending=True)]
    plan = restart_plan(members, {"max_locks_per_transaction": 128, "max_connections": 100}, "pg1")
    assert plan["leader"] == "pg1"
    assert not plan["leader_first"] and plan["leader_needs"] and not plan["again"]
    assert plan["replicas"] == ["pg2", "pg3"]
    assert plan["raised"] == ["max_locks_per_transaction"] and plan["lowered"] == []


def test_a_lowered_parameter_restarts_the_leader_first_because_a_replica_cannot_run_lower():
    # after PATCH /config every member marks the lowered value pending
    members = [member("pg1", True, max_locks_per_transaction=192),
               member("pg2", pending=True, max_locks_per_transaction=192),
               member("pg3", pending=True, max_locks_per_transaction=192)]
    plan = restart_plan(members, {"max_locks_per_transaction": "128"}, "pg1")
    assert plan["leader_first"] and plan["leader_needs"] and not plan["again"]
    assert plan["replicas"] == ["pg2", "pg3"]
    assert plan["lowered"] == ["max_locks_per_transaction"]


def test_a_parameter_removed_from_the_dcs_is_lowered_to_patronis_default_leader_first():
    # max_locks_per_transaction 128 dropped from the overrides: the DCS no longer holds it and
    # Patroni runs its own 64, a lowering (the replicas first would come back with 128)
    members = [member("pg1", True, max_locks_per_transaction=128),
               member("pg2", pending=True, max_locks_per_transaction=128),
               member("pg3", pending=True, max_locks_per_transaction=128)]
    plan = restart_plan(members, {"max_connections": 100, "max_wal_senders": 10, "max_worker_processes": 8}, "pg1")
    assert plan["leader_first"] and plan["leader_needs"] and plan["lowered"] == ["max_locks_per_transaction"]
    assert plan["replicas"] == ["pg2", "pg3"] and plan["raised"] == []


def test_a_replica_held_back_by_an_earlier_restart_is_restarted_after_the_leader():
    # a run stopped after restarting pg3 first: Patroni started it with pg_control's higher
    # value, so PostgreSQL marks nothing pending there; it still needs a restart
    members = [member("pg1", True, max_connections=200),
               member("pg2", pending=True, max_connections=200),
               member("pg3", pending=False, max_connections=200)]
    plan = restart_plan(members, {"max_connections": 150}, "pg1")
    assert plan["leader_first"] and plan["replicas"] == ["pg2", "pg3"]
    assert "max_connections" in plan["why"]["pg3"]


def test_a_change_that_raises_one_and_lowers_another_takes_two_passes():
    members = [member("pg1", True, max_connections=200),
               member("pg2", pending=True, max_connections=200), member("pg3", pending=True, max_connections=200)]
    dcs = {"max_connections": 150, "max_locks_per_transaction": 128}
    first = restart_plan(members, dcs, "pg1")
    assert not first["leader_first"] and first["again"]
    assert first["raised"] == ["max_locks_per_transaction"] and first["lowered"] == ["max_connections"]
    # after the usual order, pg2 leads and everyone runs the raised value but the old lowered one
    after = [member("pg1", pending=True, max_connections=200, max_locks_per_transaction=128),
             member("pg2", False, max_connections=200, max_locks_per_transaction=128),
             member("pg3", pending=True, max_connections=200, max_locks_per_transaction=128)]
    second = restart_plan(after, dcs, "pg2")
    assert second["leader_first"] and second["leader"] == "pg2" and second["leader_needs"] and not second["again"]
    assert second["replicas"] == ["pg1", "pg3"]


def test_nothing_pending_plans_nothing():
    members = [member("pg1"), member("pg2"), member("pg3")]
    plan = restart_plan(members, {"max_locks_per_transaction": 64, "work_mem": "4MB"}, "pg1")
    assert plan["replicas"] == [] and not plan["leader_needs"] and not plan["leader_first"] and plan["why"] == {}


def test_a_parameter_other_than_the_hot_standby_ones_keeps_the_usual_order():
    members = [member("pg1", True), member("pg2", pending=True), member("pg3")]
    plan = restart_plan(members, {"shared_buffers": "64MB", "max_connections": 100}, "pg1")
    assert not plan["leader_first"] and plan["leader_needs"] and plan["replicas"] == ["pg2"]


def test_a_leader_that_is_not_a_member_has_no_plan():
    with pytest.raises(ValueError, match="the leader 'pg9' is not one of the members"):
        restart_plan([member("pg1"), member("pg2")], {}, "pg9")
