# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.filter.database import pgbackrest_restore_choice, restore_target_error
from ansible_collections.onprem.coder.plugins.module_utils.restore import RestoreError, parse_target, restore_choice

# 2026-01-01 10:00:00 UTC
T10 = 1767261600


def backup(label, stop):
    return {"label": label, "type": "full", "timestamp": {"start": stop - 30, "stop": stop}}


INFO = [{"name": "coder", "backup": [backup("20260101-094500F", T10 - 900), backup("20260101-103000F_20260101-103000I", T10 + 1800),
                                     backup("20260101-100500F", T10 + 300)]}]


def test_parse_target_needs_an_offset_and_honours_it():
    assert parse_target("2026-01-01 10:00:00+00") == T10
    assert parse_target("2026-01-01T10:00:00Z") == T10
    assert parse_target("2026-01-01 12:00:00+02:00") == T10
    assert parse_target("2026-01-01 04:30:00-0530") == T10
    assert parse_target("2026-01-01 10:00:00.250+00") == T10 + 0.25
    for bad in ("2026-01-01 10:00:00", "yesterday", "2026-13-01 10:00:00+00", "2026-01-01 10:00:00+15"):
        with pytest.raises(RestoreError) as error:
            parse_target(bad)
        assert "onprem_coder_restore_target" in str(error.value)


def test_latest_takes_the_newest_backup_whatever_the_order():
    plan = restore_choice(INFO, "latest", T10 + 3600)
    assert plan["set"] == "20260101-103000F_20260101-103000I"
    assert plan["type"] == "default"
    assert plan["options"] == ["--set=20260101-103000F_20260101-103000I"]
    assert restore_choice(INFO, "", T10)["set"] == plan["set"]


def test_a_time_takes_the_newest_backup_that_ended_before_it():
    plan = restore_choice(INFO, "2026-01-01 10:10:00+00", T10 + 3600)
    assert plan["set"] == "20260101-100500F"
    assert plan["options"] == ["--set=20260101-100500F", "--type=time", "--target=2026-01-01 10:10:00+00",
                               "--target-action=promote"]
    # the same instant in another zone is the same choice, passed on in UTC
    assert restore_choice(INFO, "2026-01-01 11:10:00+01", T10 + 3600)["options"][2] == "--target=2026-01-01 10:10:00+00"
    # a backup that ends exactly at the target cannot be used (it is not consistent before it)
    assert restore_choice(INFO, "2026-01-01 10:05:00+00", T10 + 3600)["set"] == "20260101-094500F"


def test_unreachable_targets_are_refused_with_the_variable_named():
    with pytest.raises(RestoreError, match="before the end of the oldest backup 20260101-094500F"):
        restore_choice(INFO, "2026-01-01 09:00:00+00", T10 + 3600)
    with pytest.raises(RestoreError, match="in the future"):
        restore_choice(INFO, "2026-01-01 12:00:00+00", T10 + 3600)
    with pytest.raises(RestoreError, match="no backup"):
        restore_choice([{"name": "coder", "backup": []}], "latest", T10)
    with pytest.raises(RestoreError, match="no stanza"):
        restore_choice([], "latest", T10)


def test_the_filter_returns_the_error_for_an_assert():
    assert pgbackrest_restore_choice(INFO, "soon", T10)["error"].startswith("onprem_coder_restore_target: 'soon'")
    assert pgbackrest_restore_choice(INFO, "latest", str(T10))["set"] == "20260101-103000F_20260101-103000I"


def test_the_target_is_checked_on_the_controller_before_any_host():
    assert restore_target_error("latest") == ""
    assert restore_target_error("2026-01-01 10:00:00+00") == ""
    assert "expected 'latest' or" in restore_target_error("2026-01-01 10:00")
