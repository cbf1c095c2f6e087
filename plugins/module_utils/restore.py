# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Which pgBackRest backup set a restore starts from, decided before anything is stopped.

`restore_choice(info, target, now)` takes the parsed output of `pgbackrest --output=json info`
(a list with one entry per stanza), the restore target (`latest`, empty, or a time with an
explicit UTC offset such as `2026-01-01 10:00:00+00`) and the current time (epoch seconds).
It returns the pgBackRest arguments of the restore, or raises RestoreError with a message
naming `onprem_coder_restore_target` when no backup can reach the target.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

TARGET_VARIABLE = "onprem_coder_restore_target"
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)\s*(Z|[+-]\d{2}(?::?\d{2})?)$")


class RestoreError(ValueError):
    pass


def parse_target(target):
    """Epoch seconds of a target time; an explicit offset is required (server zones differ)."""
    match = _TIME.match(str(target).strip())
    if not match:
        raise RestoreError(
            "%s: %r is not a time with a UTC offset; expected 'latest' or e.g. '2026-01-01 10:00:00+00'"
            % (TARGET_VARIABLE, target))
    day, clock, offset = match.groups()
    if offset == "Z":
        offset = "+00:00"
    elif len(offset) == 3:
        offset += ":00"
    elif ":" not in offset:
        offset = offset[:3] + ":" + offset[3:]
    try:
        moment = datetime.datetime.strptime("%s %s" % (day, clock.split(".")[0]), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise RestoreError("%s: %r is not a valid date and time" % (TARGET_VARIABLE, target))
    sign = 1 if offset[0] == "+" else -1
    shift = datetime.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    if shift > datetime.timedelta(hours=14):
        raise RestoreError("%s: %r has an offset beyond 14 hours" % (TARGET_VARIABLE, target))
    fraction = float("0." + clock.split(".")[1]) if "." in clock else 0.0
    epoch = datetime.datetime(1970, 1, 1)
    return (moment - sign * shift - epoch).total_seconds() + fraction


def _utc(seconds):
    return (datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S+00")


def restore_choice(info, target, now):
    """The backup set and pgBackRest restore options for a target."""
    if not info:
        raise RestoreError("the repository answered no stanza; run the database phase first")
    stanza = info[0]
    backups = sorted(stanza.get("backup") or [], key=lambda b: b["timestamp"]["stop"])
    if not backups:
        raise RestoreError("stanza %s has no backup in the repository; nothing to restore from" % stanza.get("name"))
    if target in (None, "", "latest"):
        chosen = backups[-1]
        return {"set": chosen["label"], "type": "default", "target": "latest",
                "options": ["--set=%s" % chosen["label"]],
                "backup_stop": _utc(chosen["timestamp"]["stop"])}
    moment = parse_target(target)
    if moment > now:
        raise RestoreError("%s: %s is in the future (now %s); expected a time the archive has reached"
                           % (TARGET_VARIABLE, target, _utc(now)))
    usable = [b for b in backups if b["timestamp"]["stop"] < moment]
    if not usable:
        first = backups[0]
        raise RestoreError(
            "%s: %s is before the end of the oldest backup %s (%s); expected a later time (retention keeps %d backup(s))"
            % (TARGET_VARIABLE, target, first["label"], _utc(first["timestamp"]["stop"]), len(backups)))
    chosen = usable[-1]
    normalised = _utc(int(moment)) if moment == int(moment) else str(target).strip()
    return {"set": chosen["label"], "type": "time", "target": normalised,
            "options": ["--set=%s" % chosen["label"], "--type=time", "--target=%s" % normalised,
                        "--target-action=promote"],
            "backup_stop": _utc(chosen["timestamp"]["stop"])}
