#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: coder_token
short_description: An API token for automation, renewed before it expires
version_added: 0.1.0
description:
  - Keeps one named API token valid for the collection's later calls. Given the O(current) token
    (kept in a Kubernetes Secret by the caller), asks C(GET /api/v2/users/me/keys/tokens/{name});
    while it is valid for more than O(renew_before), nothing changes.
  - Otherwise logs in with O(email) and O(password) (C(POST /api/v2/users/login)), deletes the old
    token of that name and creates a new one (C(POST /api/v2/users/me/keys/tokens)) with
    O(lifetime); Coder caps it at C(CODER_MAX_ADMIN_TOKEN_LIFETIME) (default 168h).
  - The caller must set C(no_log) on the task - the result holds the token.
author:
  - onprem.coder maintainers (@onprem-coder)
extends_documentation_fragment:
  - onprem.coder.coder
  - onprem.coder.coder.no_diff
attributes:
  check_mode:
    support: full
    description: Reports whether a new token would be made.
options:
  email:
    description: The owner's e-mail (to log in when a new token is needed).
    type: str
    required: true
  password:
    description: The owner's password (from Ansible Vault).
    type: str
    required: true
  token_name:
    description: Name of the token.
    type: str
    default: onprem-coder-automation
  lifetime:
    description: Lifetime of a new token (Go duration).
    type: str
    default: 168h
  renew_before:
    description: Renew when the current token expires within this duration.
    type: str
    default: 24h
  current:
    description: The token kept from an earlier run; empty when there is none.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Coder | Automation token
  onprem.coder.coder_token:
    url: https://coder.example.com
    email: "{{ onprem_coder_admin_email }}"
    password: "{{ onprem_coder_admin_password }}"
    current: "{{ coder_token_from_secret | default('') }}"
  register: coder_token
  no_log: true
"""

RETURN = r"""
token:
  description: The new token. Absent when O(current) is still valid - keep using it.
  returned: when renewed
  type: str
expires_at:
  description: When it expires (RFC 3339), as Coder reports it.
  returned: always
  type: str
renewed:
  description: Whether a new token was made.
  returned: always
  type: bool
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils.coder_api import (
    CoderAPIError, CoderClient, connection_argument_spec, duration_seconds, rfc3339_seconds)


def main():
    spec = connection_argument_spec()
    spec.update(email=dict(type="str", required=True), password=dict(type="str", required=True, no_log=True),
                token_name=dict(type="str", default="onprem-coder-automation", no_log=False),
                lifetime=dict(type="str", default="168h"), renew_before=dict(type="str", default="24h"),
                current=dict(type="str", default="", no_log=True))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    try:
        lifetime = duration_seconds(params["lifetime"])
        renew_before = duration_seconds(params["renew_before"])
    except ValueError as exc:
        module.fail_json(msg="coder_token: %s" % exc)

    def client(token):
        return CoderClient(params["url"], token=token, ca_path=params["ca_path"], validate_certs=params["validate_certs"],
                           timeout=params["timeout"])
    try:
        if params["current"]:
            try:
                info = client(params["current"]).token_info(params["token_name"])
            except CoderAPIError as exc:
                if exc.status != 401:
                    raise
                info = None          # expired or revoked: make a new one
            if info and rfc3339_seconds(info["expires_at"]) - time.time() > renew_before:
                # the current token stays in use; it is a no_log input, so it is not returned
                module.exit_json(changed=False, renewed=False, expires_at=info["expires_at"])
        if module.check_mode:
            module.exit_json(changed=True, renewed=True, token="", expires_at="")
        session = client(client(None).login(params["email"], params["password"]))
        old = session.token_info(params["token_name"])
        if old:
            session.delete_token(old["id"])
        key = session.create_token(params["token_name"], lifetime)
        info = client(key).token_info(params["token_name"]) or {}
    except CoderAPIError as exc:
        module.fail_json(msg="coder_token: %s" % exc, status=exc.status)
    except (KeyError, ValueError) as exc:
        module.fail_json(msg="coder_token: unexpected answer from Coder: %s" % exc)
    module.exit_json(changed=True, renewed=True, token=key, expires_at=info.get("expires_at", ""))


if __name__ == "__main__":
    main()
