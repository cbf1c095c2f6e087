# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.coder_upgrade import (
    CoderUpgradeError, deployed_version, release_action)


def status(chart):
    return {"chart": chart, "status": "deployed", "app_version": "irrelevant"}


def test_deployed_version_from_the_chart_field():
    assert deployed_version(status("coder-2.34.0")) == "2.34.0"
    assert deployed_version(status("coder-v2.35.0-rc.1")) == "2.35.0-rc.1"
    assert deployed_version({}) is None
    assert deployed_version(None) is None


def test_install_none_and_upgrade():
    assert release_action({}, "2.34.0", 3, True)["action"] == "install"
    assert release_action(status("coder-2.34.0"), "2.34.0", 3, True)["action"] == "none"
    plan = release_action(status("coder-2.33.2"), "2.34.0", 3, True)
    assert plan == {"action": "upgrade", "from": "2.33.2", "to": "2.34.0", "backup": "pgbackrest",
                    "one_replica_first": True}
    # one replica already: no separate single-replica pass
    assert release_action(status("coder-2.33.2"), "2.34.0", 1, True)["one_replica_first"] is False
    # a release candidate is older than its release
    assert release_action(status("coder-2.34.0-rc.2"), "2.34.0", 2, True)["action"] == "upgrade"


def test_a_downgrade_is_refused_with_the_way_back():
    with pytest.raises(CoderUpgradeError, match="coder_version 2.33.0 is older than the deployed 2.34.0.*db_restore.yml"):
        release_action(status("coder-2.34.0"), "2.33.0", 3, True)


def test_an_external_database_needs_a_confirmed_backup():
    with pytest.raises(CoderUpgradeError, match="onprem_coder_upgrade_backup_confirmed=true"):
        release_action(status("coder-2.33.2"), "2.34.0", 3, False)
    assert release_action(status("coder-2.33.2"), "2.34.0", 3, False, backup_confirmed=True)["backup"] == "confirmed"
    # installing or re-running needs no backup
    assert release_action(status("coder-2.34.0"), "2.34.0", 3, False)["action"] == "none"


def test_bad_versions_name_the_variable():
    with pytest.raises(CoderUpgradeError, match="coder_version: 'latest' is not a Coder version"):
        release_action({}, "latest", 3, True)
    with pytest.raises(CoderUpgradeError, match="has no version"):
        release_action(status("coder"), "2.34.0", 3, True)
