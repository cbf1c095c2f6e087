# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""etcd facts read from etcdctl's JSON, for restarts that keep the cluster writable."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json


class EtcdError(ValueError):
    pass


def _load(text, what):
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        raise EtcdError("etcdctl %s: not JSON: %r" % (what, str(text)[:200]))


def move_leader_target(endpoint_status, member_list):
    """The member (hex id, as `etcdctl move-leader` takes it) to hand etcd's leadership to before
    this member restarts, or '' when this member does not lead.

    ``endpoint_status``: `etcdctl endpoint status -w json` of this member's own endpoint;
    ``member_list``: `etcdctl member list -w json`. Restarting the leader costs the cluster an
    election (no writes meanwhile, and Patroni may lose its leader key); a handover first does not.
    """
    status = _load(endpoint_status, "endpoint status")
    if isinstance(status, list):
        if len(status) != 1:
            raise EtcdError("etcdctl endpoint status: expected this member's status only, got %d" % len(status))
        status = status[0]
    header = status.get("Status", {}).get("header", {})
    me, leader = header.get("member_id"), status.get("Status", {}).get("leader")
    if me is None or leader is None:
        raise EtcdError("etcdctl endpoint status: no member_id or leader in %r" % (status,))
    if me != leader:
        return ""
    members = _load(member_list, "member list").get("members", [])
    others = sorted(m["ID"] for m in members if m.get("ID") != me and not m.get("isLearner"))
    if not others:
        return ""
    return "%x" % others[0]
