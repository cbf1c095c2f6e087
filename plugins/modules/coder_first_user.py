#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: coder_first_user
short_description: Create Coder's first owner, only when none exists
version_added: 0.1.0
description:
  - Asks C(GET /api/v2/users/first); when it answers 404 (no owner yet) creates the owner with
    C(POST /api/v2/users/first). When an owner exists nothing is sent and C(changed) is false.
author:
  - onprem.coder maintainers (@onprem-coder)
extends_documentation_fragment:
  - onprem.coder.coder
  - onprem.coder.coder.no_diff
attributes:
  check_mode:
    support: full
    description: Reports whether the owner would be created.
options:
  email:
    description: The owner's e-mail.
    type: str
    required: true
  username:
    description: The owner's user name.
    type: str
    required: true
  name:
    description: The owner's display name.
    type: str
    default: ""
  password:
    description: The owner's password (from Ansible Vault).
    type: str
    required: true
  trial:
    description: Start a trial licence.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Coder | First owner
  onprem.coder.coder_first_user:
    url: https://coder.example.com
    email: "{{ onprem_coder_admin_email }}"
    username: admin
    password: "{{ onprem_coder_admin_password }}"
"""

RETURN = r"""
created:
  description: Whether the owner was created by this run.
  returned: always
  type: bool
user_id:
  description: The new owner's id.
  returned: when created
  type: str
organization_id:
  description: The default organisation's id.
  returned: when created
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils.coder_api import (
    CoderAPIError, client_from, connection_argument_spec)


def main():
    spec = connection_argument_spec()
    spec.update(email=dict(type="str", required=True), username=dict(type="str", required=True),
                name=dict(type="str", default=""), password=dict(type="str", required=True, no_log=True),
                trial=dict(type="bool", default=False))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    client = client_from(module.params)
    params = module.params
    try:
        if client.first_user_exists():
            module.exit_json(changed=False, created=False)
        if module.check_mode:
            module.exit_json(changed=True, created=True)
        body = client.create_first_user(params["email"], params["username"], params["name"], params["password"], params["trial"])
    except CoderAPIError as exc:
        module.fail_json(msg="coder_first_user: %s" % exc, status=exc.status)
    module.exit_json(changed=True, created=True, user_id=body.get("user_id"), organization_id=body.get("organization_id"))


if __name__ == "__main__":
    main()
