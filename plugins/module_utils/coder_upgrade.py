# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""What a coder phase run does to the deployed Coder release: install, nothing, or an upgrade.

Coder's own upgrade guidance for Kubernetes HA (reference coder.md, section 8): back up the
database first, run the new version with one coderd replica (database migrations take a lock;
several new replicas starting at once contend for it), then scale back. Migrations do not go
back: a lower version is refused, the way back is restoring the backup taken before.
No Ansible imports: tested with pytest directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-rc\.(\d+))?$")


class CoderUpgradeError(ValueError):
    pass


def _version(value, name):
    match = _VERSION.match(str(value).strip())
    if not match:
        raise CoderUpgradeError("%s: %r is not a Coder version like 2.34.0" % (name, value))
    major, minor, patch, rc = match.groups()
    # a release candidate sorts before its release
    return (int(major), int(minor), int(patch), int(rc) if rc is not None else float("inf"))


def deployed_version(status):
    """The chart version of a Helm release from helm_info's ``status`` ({} when not installed)."""
    chart = (status or {}).get("chart") or ""
    match = re.match(r"^.*?-(v?\d+\.\d+\.\d+(?:-rc\.\d+)?)$", chart)
    return match.group(1).lstrip("v") if match else None


def release_action(status, desired, replicas, backup_repository, backup_confirmed=False):
    """{"action": "install" | "none" | "upgrade", "from", "to", "backup", "one_replica_first"}.

    status: helm_info's ``status`` of the Coder release; desired: coder_version; replicas: the
    plan's coderd replicas; backup_repository: a pgBackRest repository host is in the inventory
    (the database phase's); backup_confirmed: the operator states that an external database was
    backed up (onprem_coder_upgrade_backup_confirmed). Raises CoderUpgradeError to stop the run.
    """
    wanted = _version(desired, "coder_version")
    current = deployed_version(status)
    result = {"action": "install", "from": current, "to": str(desired).lstrip("v"), "backup": None,
              "one_replica_first": False}
    if current is None:
        if status:
            raise CoderUpgradeError("the deployed Coder release's chart %r has no version; check it with helm status"
                                    % (status or {}).get("chart"))
        return result
    running = _version(current, "deployed chart")
    if running == wanted:
        return dict(result, action="none")
    if wanted < running:
        raise CoderUpgradeError(
            "coder_version %s is older than the deployed %s: Coder's database migrations do not go back. "
            "To return to %s, restore the database backup taken before the upgrade (playbooks/db_restore.yml) "
            "and then run the coder phase" % (desired, current, desired))
    if backup_repository:
        backup = "pgbackrest"
    elif backup_confirmed:
        backup = "confirmed"
    else:
        raise CoderUpgradeError(
            "upgrading Coder %s -> %s migrates its database and cannot be undone without a backup: no pgBackRest "
            "repository host is in the inventory (group pgbackrest_repo), so back the external database up and "
            "set onprem_coder_upgrade_backup_confirmed=true" % (current, desired))
    return dict(result, action="upgrade", backup=backup, one_replica_first=int(replicas) > 1)
