#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: tcp_latency
short_description: Measure TCP connection times from this host to the first address that answers
version_added: 0.1.0
description:
  - Connects O(probes) times to the first of O(targets) that accepts a connection and returns
    the median and worst connection time in milliseconds. A TCP connect costs one round trip,
    the figure Coder's Validated Architecture bounds ("keep latency under 10 ms between the
    Coder server and the database").
  - A target that refuses or cannot be reached at the first attempt is passed over for the next,
    so a site whose database endpoint is not up yet is measured to its database hosts.
  - Changes nothing.
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
  targets:
    description: Addresses to try in order, each C(host:port).
    type: list
    elements: str
    required: true
  probes:
    description: How many connections to time.
    type: int
    default: 10
  timeout:
    description: Seconds one connection may take.
    type: float
    default: 2.0
"""

EXAMPLES = r"""
- name: Preflight | Latency to the database
  onprem.coder.tcp_latency:
    targets: ["10.20.0.100:5000", "pg1.example.internal:22"]
    probes: 10
"""

RETURN = r"""
target:
  description: The address measured (C(host:port)), or empty when none answered.
  returned: always
  type: str
samples_ms:
  description: Every connection time, in milliseconds.
  returned: always
  type: list
  elements: float
median_ms:
  description: Median connection time in milliseconds (null when nothing answered).
  returned: always
  type: float
worst_ms:
  description: Longest connection time in milliseconds (null when nothing answered).
  returned: always
  type: float
failures:
  description: Connections to the measured address that failed after the first succeeded.
  returned: always
  type: int
tried:
  description: Each address tried, with the error that made the module pass it over.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.onprem.coder.plugins.module_utils.latency import LatencyError, probe


def split_target(text):
    host, _sep, port = str(text).rpartition(":")
    if not host or not port.isdigit():
        raise LatencyError("targets: %r, expected host:port" % (text,))
    return host.strip("[]"), int(port)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            targets=dict(type="list", elements="str", required=True),
            probes=dict(type="int", default=10),
            timeout=dict(type="float", default=2.0),
        ),
        supports_check_mode=True,
    )
    try:
        targets = [split_target(item) for item in module.params["targets"]]
        result = probe(targets, module.params["probes"], module.params["timeout"])
    except LatencyError as exc:
        module.fail_json(msg="tcp_latency: %s" % exc)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
