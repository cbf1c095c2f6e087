#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cva_host_check
short_description: Check that the inventory's hosts can carry a Coder sizing plan
version_added: 0.1.0
description:
  - Compares the hosts of each inventory group (V(kube_control_plane), V(coder_nodes),
    V(provisioner_nodes), V(workspace_nodes), V(postgres)) with the plan made by
    M(onprem.coder.cva_sizing) - host counts, vCPU, RAM, and free disk on the database
    data mount - and returns every shortfall at once.
  - A shortfall smaller than 5 % is not reported (RAM reported by the kernel is a little
    below the nominal size).
  - Runs on the controller from facts already gathered; touches no host.
author:
  - onprem.coder maintainers (@onprem-coder)
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: Nothing to diff.
options:
  plan:
    description: The C(plan) returned by M(onprem.coder.cva_sizing).
    type: dict
    required: true
  groups:
    description: Inventory group name to the list of its hosts (pass C(groups)).
    type: dict
    required: true
  hosts:
    description:
      - Host name to the facts the check uses - C(vcpus) (C(ansible_processor_vcpus)),
        C(memory_mb) (C(ansible_memtotal_mb)), and for V(postgres) hosts either C(data_mount)
        (C({mount, free_bytes}) measured with df on the data directory's parent) or
        C(mounts) (C(ansible_mounts)).
    type: dict
    required: true
  enforce:
    description: Fail when there is any shortfall; false reports them as warnings.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Preflight | Check the hosts against the plan
  onprem.coder.cva_host_check:
    plan: "{{ onprem_coder_plan }}"
    groups: "{{ groups }}"
    hosts: "{{ preflight_host_facts }}"
    enforce: "{{ onprem_coder_enforce_sizing }}"
"""

RETURN = r"""
ok:
  description: True when no shortfall was found.
  returned: always
  type: bool
shortfalls:
  description: One entry a problem with host, group, item, have, need and message.
  returned: always
  type: list
  elements: dict
groups:
  description: Per group, the hosts present, the hosts needed and ok.
  returned: always
  type: list
  elements: dict
table:
  description: Every shortfall as one plain-text table.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.onprem.coder.plugins.module_utils.host_check import HostCheckError, check


def main():
    module = AnsibleModule(
        argument_spec=dict(
            plan=dict(type="dict", required=True),
            groups=dict(type="dict", required=True),
            hosts=dict(type="dict", required=True),
            enforce=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    try:
        result = check(module.params["plan"], module.params["groups"], module.params["hosts"])
    except HostCheckError as exc:
        module.fail_json(msg="cva_host_check: %s" % exc)
    if not result["ok"]:
        message = "The hosts fall short of the plan (%d problem(s)):\n%s" % (len(result["shortfalls"]), result["table"])
        if module.params["enforce"]:
            module.fail_json(msg=message, **result)
        module.warn(message + "\nonprem_coder_enforce_sizing is false: going on.")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
