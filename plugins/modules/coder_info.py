#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: coder_info
short_description: Coder's version, liveness and (with a token) health report
version_added: 0.1.0
description:
  - Reads C(GET /healthz) and C(GET /api/v2/buildinfo); with O(token), also C(GET /api/v2/debug/health).
author:
  - onprem.coder maintainers (@onprem-coder)
extends_documentation_fragment:
  - onprem.coder.coder
  - onprem.coder.coder.no_diff
attributes:
  check_mode:
    support: full
    description: Reads only.
options:
  wait:
    description: Seconds to wait for C(/healthz) to answer 200 before failing (0 does not wait).
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: Coder | Version and health
  onprem.coder.coder_info:
    url: https://coder.example.com
    ca_path: /etc/ssl/certs/site-ca.crt
    wait: 300
"""

RETURN = r"""
healthy:
  description: Whether C(/healthz) answered 200.
  returned: always
  type: bool
version:
  description: Coder's version from buildinfo.
  returned: always
  type: str
external_url:
  description: The external URL from buildinfo.
  returned: always
  type: str
health:
  description: The health report (C(healthy), C(severity) and its sections), when a token was given.
  returned: when O(token) is set
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils import coder_api
from ansible_collections.onprem.coder.plugins.module_utils.coder_api import (
    CoderAPIError, client_from, connection_argument_spec)


def main():
    spec = connection_argument_spec()
    spec.update(wait=dict(type="int", default=0))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    client = client_from(module.params)
    deadline = coder_api.now() + module.params["wait"]
    try:
        while True:
            try:
                healthy = client.healthz()
            except CoderAPIError:
                healthy = False
            if healthy or coder_api.now() >= deadline:
                break
            coder_api.wait(2)
        if not healthy:
            module.fail_json(msg="coder_info: GET /healthz did not answer 200 at %s%s" % (
                module.params["url"], " within %d s" % module.params["wait"] if module.params["wait"] else ""))
        info = client.buildinfo()
        result = dict(changed=False, healthy=True, version=info.get("version"), external_url=info.get("external_url"))
        if module.params.get("token"):
            result["health"] = client.health()
    except CoderAPIError as exc:
        module.fail_json(msg="coder_info: %s" % exc, status=exc.status)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
