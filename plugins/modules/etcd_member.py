#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: etcd_member
short_description: Add a member to a running etcd cluster, or remove one, through etcdctl
version_added: 0.1.0
description:
  - Reads the cluster's members with C(etcdctl member list) through O(endpoints) and adds O(name)
    at O(peer_urls) (C(etcdctl member add)) or removes it (C(etcdctl member remove)), only when
    that changes something.
  - A member added here is not started; start it with C(ETCD_INITIAL_CLUSTER_STATE=existing) and
    the RV(initial_cluster) this module returns. Add one member at a time and wait until it is
    healthy before the next (a member added but not started counts against the quorum).
  - Refuses what etcd would get wrong, before any change, with a message that names it (a name
    already a member at other peer URLs, a peer URL that belongs to another member, removing the
    last member).
author:
  - onprem.coder maintainers (@onprem-coder)
attributes:
  check_mode:
    support: full
    description: Reports the change it would make, and makes none.
  diff_mode:
    support: none
    description: The returned members say what is there.
options:
  name:
    description: The member's name (C(ETCD_NAME), the inventory host name).
    type: str
    required: true
  peer_urls:
    description: The member's peer URLs; required with O(state=present), optional with C(absent).
    type: list
    elements: str
    default: []
  state:
    description: Whether O(name) is a member.
    type: str
    choices: [present, absent]
    default: present
  endpoints:
    description: Client URLs of running members; etcdctl uses the first that answers.
    type: list
    elements: str
    required: true
  cacert:
    description: CA certificate the members' certificates are checked against.
    type: path
    required: true
  cert:
    description: Client certificate.
    type: path
    required: true
  key:
    description: Client certificate's key.
    type: path
    required: true
  command_timeout:
    description: Seconds one etcdctl command may take.
    type: int
    default: 15
"""

EXAMPLES = r"""
- name: Etcd | Add the new member (through the running ones)
  onprem.coder.etcd_member:
    name: pg4
    peer_urls: ["https://10.20.0.14:2380"]
    endpoints: ["https://10.20.0.11:2379", "https://10.20.0.12:2379"]
    cacert: /etc/onprem-coder/tls/ca.crt
    cert: /etc/onprem-coder/tls/host.crt
    key: /etc/onprem-coder/tls/host.key
  register: etcd_added

- name: Etcd | Remove a lost member
  onprem.coder.etcd_member:
    name: pg3
    state: absent
    endpoints: ["https://10.20.0.11:2379"]
    cacert: /etc/onprem-coder/tls/ca.crt
    cert: /etc/onprem-coder/tls/host.crt
    key: /etc/onprem-coder/tls/host.key
"""

RETURN = r"""
member:
  description: The member O(name) refers to (C(id) in hex, C(name), C(peer_urls), C(started), C(learner)), null when there is none.
  returned: always
  type: dict
members:
  description: Every member after the change (before it in check mode), as in RV(member).
  returned: always
  type: list
  elements: dict
initial_cluster:
  description: C(ETCD_INITIAL_CLUSTER) for O(name) to start with and join the cluster (O(state=present) only; empty in check mode before an add).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.onprem.coder.plugins.module_utils.etcd import (
    EtcdError, find_member, initial_cluster, member_change, members)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            peer_urls=dict(type="list", elements="str", default=[]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            endpoints=dict(type="list", elements="str", required=True),
            cacert=dict(type="path", required=True),
            cert=dict(type="path", required=True),
            key=dict(type="path", required=True),
            command_timeout=dict(type="int", default=15),
        ),
        supports_check_mode=True,
    )
    params = module.params
    etcdctl = [module.get_bin_path("etcdctl", required=True), "--endpoints=" + ",".join(params["endpoints"]),
               "--cacert=" + params["cacert"], "--cert=" + params["cert"], "--key=" + params["key"],
               "--dial-timeout=5s", "--command-timeout=%ds" % params["command_timeout"], "-w", "json"]

    def run(*args):
        rc, out, err = module.run_command(etcdctl + list(args), environ_update={"ETCDCTL_API": "3"})
        if rc != 0:
            module.fail_json(msg="etcdctl %s: %s" % (" ".join(args[:2]), (err or out).strip()[-2000:]), rc=rc)
        return out

    try:
        current = members(run("member", "list"))
        action, found = member_change(current, params["name"], params["peer_urls"], params["state"])
        if action and not module.check_mode:
            if action == "add":
                current = members(run("member", "add", params["name"], "--peer-urls=" + ",".join(params["peer_urls"])))
            else:
                run("member", "remove", found["id"])
                current = [member for member in current if member["id"] != found["id"]]
        member = find_member(current, params["name"], params["peer_urls"])
        joining = ""
        if params["state"] == "present" and member is not None:
            joining = initial_cluster(current, params["name"], params["peer_urls"])
    except EtcdError as exc:
        module.fail_json(msg="etcd_member: %s" % exc)
    module.exit_json(changed=bool(action), member=member if params["state"] == "present" else found, members=current,
                     initial_cluster=joining)


if __name__ == "__main__":
    main()
