#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: coder_license
short_description: Add a Coder licence once
version_added: 0.1.0
description:
  - Reads the licence's C(license_id) claim, lists C(GET /api/v2/licenses) and uploads the licence
    (C(POST /api/v2/licenses)) only when no licence with that id is there. Several coderd replicas
    and workspace proxies need a Premium licence.
author:
  - onprem.coder maintainers (@onprem-coder)
extends_documentation_fragment:
  - onprem.coder.coder
  - onprem.coder.coder.no_diff
attributes:
  check_mode:
    support: full
    description: Reports whether the licence would be added.
options:
  license:
    description: The licence (a JWT, from Ansible Vault).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Coder | Licence
  onprem.coder.coder_license:
    url: https://coder.example.com
    token: "{{ onprem_coder_api_token }}"
    license: "{{ onprem_coder_license }}"
"""

RETURN = r"""
license_id:
  description: The licence's id.
  returned: always
  type: str
added:
  description: Whether it was uploaded by this run.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils.coder_api import (
    CoderAPIError, client_from, connection_argument_spec, license_id)


def main():
    spec = connection_argument_spec()
    spec.update(license=dict(type="str", required=True, no_log=True))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    try:
        wanted = license_id(module.params["license"])
    except ValueError as exc:
        module.fail_json(msg="coder_license: %s" % exc)
    client = client_from(module.params)
    try:
        present = [item for item in client.licenses() if (item.get("claims") or {}).get("license_id") == wanted
                   or item.get("uuid") == wanted]
        if present:
            module.exit_json(changed=False, added=False, license_id=wanted)
        if not module.check_mode:
            client.add_license(module.params["license"])
    except CoderAPIError as exc:
        module.fail_json(msg="coder_license: %s" % exc, status=exc.status)
    module.exit_json(changed=True, added=True, license_id=wanted)


if __name__ == "__main__":
    main()
