# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.pg_settings import (
    differing_parameters, setting_matches, unloaded_parameters)

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
