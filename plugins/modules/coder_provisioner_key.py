#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: coder_provisioner_key
short_description: A provisioner key for an external provisioner pool
version_added: 0.1.0
description:
  - Lists C(GET /api/v2/organizations/{org}/provisionerkeys); creates the key with
    C(POST ...provisionerkeys) only when no key of that name exists. Coder shows a key once,
    so an existing key is not returned - keep it in a Secret; O(regenerate) deletes and
    recreates it.
  - An existing key whose tags differ from O(tags) is an error (a key's tags cannot change).
author:
  - onprem.coder maintainers (@onprem-coder)
extends_documentation_fragment:
  - onprem.coder.coder
  - onprem.coder.coder.no_diff
attributes:
  check_mode:
    support: full
    description: Reports what would be created.
options:
  organization:
    description: Organisation name or id.
    type: str
    default: default
  name:
    description: Key name (not C(built-in), C(user-auth) or C(psk), which Coder reserves).
    type: str
    required: true
  tags:
    description: The provisioner tags the key carries.
    type: dict
    default: {}
  regenerate:
    description: Delete and recreate an existing key.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Coder provisioner | Key of the default pool
  onprem.coder.coder_provisioner_key:
    url: https://coder.example.com
    token: "{{ coder_token.token }}"
    name: onprem-coder-default
  register: coder_key
  no_log: true
"""

RETURN = r"""
created:
  description: Whether a key was created by this run.
  returned: always
  type: bool
key:
  description: The new key (only when created).
  returned: when created
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils.coder_api import (
    CoderAPIError, client_from, connection_argument_spec)

RESERVED = ("built-in", "user-auth", "psk")


def main():
    spec = connection_argument_spec()
    spec.update(organization=dict(type="str", default="default"), name=dict(type="str", required=True),
                tags=dict(type="dict", default={}), regenerate=dict(type="bool", default=False))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    if params["name"].lower() in RESERVED:
        module.fail_json(msg="coder_provisioner_key: name %r is reserved by Coder (%s)" % (params["name"], ", ".join(RESERVED)))
    client = client_from(params)
    tags = dict((str(k), str(v)) for k, v in params["tags"].items())
    try:
        existing = [k for k in client.provisioner_keys(params["organization"]) if k.get("name") == params["name"]]
        if existing and not params["regenerate"]:
            if (existing[0].get("tags") or {}) != tags:
                module.fail_json(msg="coder_provisioner_key: key %s exists with tags %s, not %s; a key's tags cannot "
                                     "change: set regenerate to replace it" % (params["name"], existing[0].get("tags"), tags))
            module.exit_json(changed=False, created=False)
        if module.check_mode:
            module.exit_json(changed=True, created=True)
        if existing:
            client.delete_provisioner_key(params["organization"], params["name"])
        key = client.create_provisioner_key(params["organization"], params["name"], tags)
    except CoderAPIError as exc:
        module.fail_json(msg="coder_provisioner_key: %s" % exc, status=exc.status)
    module.exit_json(changed=True, created=True, key=key)


if __name__ == "__main__":
    main()
