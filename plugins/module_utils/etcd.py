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


def members(member_list):
    """Each member of `etcdctl member list -w json` (or of `member add -w json`) as
    {id (hex, as etcdctl takes it), name, peer_urls, started, learner}. A member added but not
    yet started has no name."""
    listed = _load(member_list, "member list").get("members")
    if not isinstance(listed, list):
        raise EtcdError("etcdctl member list: no members in %r" % (str(member_list)[:200],))
    return [{"id": "%x" % int(item["ID"]), "name": item.get("name", ""), "peer_urls": sorted(item.get("peerURLs") or []),
             "started": bool(item.get("name")), "learner": bool(item.get("isLearner"))} for item in listed]


def find_member(current, name, peer_urls=()):
    """The member named ``name``, or an unnamed (not yet started) one at one of ``peer_urls``."""
    for member in current:
        if member["name"] == name:
            return member
    for member in current:
        if not member["started"] and set(member["peer_urls"]) & set(peer_urls):
            return member
    return None


def member_change(current, name, peer_urls, state):
    """What makes ``name`` a member (state present) or not (absent): ('add', None),
    ('remove', member) or ('', member or None) when nothing is to be done. Refuses what etcd
    would get wrong: a name at other peer URLs, a peer URL held by another member, removing the
    last member."""
    peer_urls = sorted(peer_urls or [])
    found = find_member(current, name, peer_urls)
    if state == "absent":
        if found is None:
            return "", None
        if len(current) == 1:
            raise EtcdError("%s is the last member of the etcd cluster: it cannot be removed" % name)
        return "remove", found
    if not peer_urls:
        raise EtcdError("%s: no peer URLs to add it with" % name)
    if found is not None:
        if found["peer_urls"] != peer_urls:
            raise EtcdError("etcd member %s has peer URLs %s, the inventory says %s: remove the member first, then add it"
                            % (name, found["peer_urls"], peer_urls))
        return "", found
    for member in current:
        taken = set(member["peer_urls"]) & set(peer_urls)
        if taken:
            raise EtcdError("peer URL %s of %s is already etcd member %s's" % (sorted(taken)[0], name,
                                                                               member["name"] or member["id"]))
    return "add", None


def initial_cluster(current, name, peer_urls):
    """ETCD_INITIAL_CLUSTER for ``name`` joining the running cluster ``current`` (which lists it,
    added but not started): every member's name=peer URL, the joining one under its own name."""
    joining = find_member(current, name, peer_urls)
    if joining is None:
        raise EtcdError("%s is not a member of the etcd cluster yet: add it before it starts" % name)
    entries = []
    for member in current:
        member_name = name if member is joining else member["name"]
        if not member_name:
            raise EtcdError("etcd member %s (%s) was added but never started: start it (or remove it) before adding %s"
                            % (member["id"], ",".join(member["peer_urls"]), name))
        entries += ["%s=%s" % (member_name, url) for url in member["peer_urls"]]
    return ",".join(sorted(entries))


def kept_bootstrap(current_environment, computed):
    """The environment file of a member that already has data: etcd reads ETCD_INITIAL_* only
    when it bootstraps, so the ones it was started with are kept (a later membership change
    must not rewrite, and so restart, every member). ``current_environment`` is the file's text."""
    kept = dict(computed)
    for line in (current_environment or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.startswith("ETCD_INITIAL_") and key in computed:
            kept[key] = value.strip().strip('"')
    return kept


def environment(name, address, members, data_dir, tls_dir, client_port, peer_port, token):
    """A member's /etc/default/etcd settings, for bootstrapping a new cluster of ``members``
    ({name: address}); a member joining a running one replaces the two ETCD_INITIAL_CLUSTER
    settings (see initial_cluster)."""
    def peer(host):
        return "https://%s:%s" % (host, peer_port)
    return {
        "ETCD_NAME": name,
        "ETCD_DATA_DIR": data_dir,
        "ETCD_LISTEN_PEER_URLS": peer(address),
        "ETCD_LISTEN_CLIENT_URLS": "https://%s:%s,https://127.0.0.1:%s" % (address, client_port, client_port),
        "ETCD_INITIAL_ADVERTISE_PEER_URLS": peer(address),
        "ETCD_ADVERTISE_CLIENT_URLS": "https://%s:%s" % (address, client_port),
        "ETCD_INITIAL_CLUSTER": ",".join("%s=%s" % (member, peer(members[member])) for member in members),
        "ETCD_INITIAL_CLUSTER_STATE": "new",
        "ETCD_INITIAL_CLUSTER_TOKEN": token,
        "ETCD_CERT_FILE": tls_dir + "/host.crt",
        "ETCD_KEY_FILE": tls_dir + "/host.key",
        "ETCD_TRUSTED_CA_FILE": tls_dir + "/ca.crt",
        "ETCD_CLIENT_CERT_AUTH": "true",
        "ETCD_PEER_CERT_FILE": tls_dir + "/host.crt",
        "ETCD_PEER_KEY_FILE": tls_dir + "/host.key",
        "ETCD_PEER_TRUSTED_CA_FILE": tls_dir + "/ca.crt",
        "ETCD_PEER_CLIENT_CERT_AUTH": "true",
        "ETCD_ENABLE_V2": "false",
    }


def membership_errors(member_list, wanted, with_data, removing, playbook="playbooks/db_replace_node.yml"):
    """Why the running cluster (``member_list``, etcdctl's JSON) cannot become the inventory's
    ``wanted`` members by adding new ones alone: a member the inventory lacks that is not being
    removed, or a wanted host without data whose name is a started member (a host rebuilt under
    the same name). ``with_data``: the wanted hosts whose data directory holds a member."""
    current = members(member_list)
    errors = []
    for member in current:
        name = member["name"] or member["id"]
        if member["name"] not in wanted and name not in removing:
            errors.append("etcd member %s is in the cluster but not in the inventory's etcd members %s: to take it out "
                          "for good, run %s -e onprem_coder_db_remove=%s -e onprem_coder_db_remove_confirm=%s"
                          % (name, list(wanted), playbook, name, name))
    for host in wanted:
        member = find_member(current, host)
        if member is not None and member["started"] and host not in with_data and host not in removing:
            errors.append("%s is a started etcd member but its data directory is empty (a rebuilt host?): it must be "
                          "removed and added again: run %s -e onprem_coder_db_remove=%s -e onprem_coder_db_remove_confirm=%s"
                          % (host, playbook, host, host))
    return errors
