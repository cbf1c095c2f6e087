#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: coder_users
short_description: Make the named Coder users exist with exactly the site roles the inventory gives them
version_added: 0.1.0
description:
  - For each user in O(users) - C(GET /api/v2/users/{username}); creates a missing one
    (C(POST /api/v2/users), in the default organization); sets its site roles to exactly the list given
    (C(PUT /api/v2/users/{username}/roles), which replaces the whole set, as C(coder users edit-roles) does) when
    they differ; suspends or reactivates it to match O(users[].state).
  - Authoritative within the users it is given, like the node pools within their prefix - a role the
    inventory no longer lists for a named user is taken away; users the inventory does not name are never touched.
  - The CVA asks for dedicated accounts with the Template Administrator role - C(template-admin).
author:
  - onprem.coder maintainers (@onprem-coder)
extends_documentation_fragment:
  - onprem.coder.coder
attributes:
  check_mode:
    support: full
    description: Reads, and reports what it would create or change.
  diff_mode:
    support: none
    description: The result lists each user's roles before and after.
options:
  users:
    description: The users this collection manages.
    type: list
    elements: dict
    required: true
    suboptions:
      username:
        description: Coder username.
        type: str
        required: true
      email:
        description: E-mail address, needed to create the user.
        type: str
      name:
        description: Display name.
        type: str
        default: ""
      roles:
        description: Site roles, exactly (V(owner), V(user-admin), V(template-admin), V(auditor)); everyone is a member.
        type: list
        elements: str
        default: []
      login_type:
        description: How the user signs in; V(password) needs O(users[].password).
        type: str
        default: oidc
        choices: [password, oidc, github, none]
      password:
        description: Initial password for V(password) logins (from Ansible Vault); used only when creating.
        type: str
      state:
        description: V(active) or V(suspended).
        type: str
        default: active
        choices: [active, suspended]
  organization:
    description: The organization new users join (name or id).
    type: str
    default: default
"""

EXAMPLES = r"""
- name: Coder | Template administrators
  onprem.coder.coder_users:
    url: https://coder.example.com
    token: "{{ onprem_coder_api_token }}"
    users:
      - {username: tpl-admin, email: tpl-admin@example.com, roles: [template-admin]}
      - {username: auditor1, email: audit@example.com, roles: [auditor]}
"""

RETURN = r"""
users:
  description: Each user, with C(created), C(roles_before), C(roles) and C(status).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils.coder_api import (
    CoderAPIError, client_from, connection_argument_spec)

SITE_ROLES = ("owner", "user-admin", "template-admin", "auditor")


def check(users):
    seen = set()
    for index, user in enumerate(users):
        where = "users[%d] (%s)" % (index, user["username"])
        if user["username"] in seen:
            return "%s: listed twice" % where
        seen.add(user["username"])
        unknown = sorted(set(user["roles"]) - set(SITE_ROLES))
        if unknown:
            return "%s: roles %s are not site roles; expected any of %s" % (where, ", ".join(unknown), ", ".join(SITE_ROLES))
        if user["login_type"] == "password" and not user.get("password"):
            return "%s: login_type password needs a password (from Ansible Vault)" % where
    return None


def main():
    spec = connection_argument_spec()
    spec.update(
        users=dict(type="list", elements="dict", required=True, options=dict(
            username=dict(type="str", required=True),
            email=dict(type="str"),
            name=dict(type="str", default=""),
            roles=dict(type="list", elements="str", default=[]),
            login_type=dict(type="str", default="oidc", choices=["password", "oidc", "github", "none"]),
            password=dict(type="str", no_log=True),
            state=dict(type="str", default="active", choices=["active", "suspended"]),
        )),
        organization=dict(type="str", default="default"),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    problem = check(module.params["users"])
    if problem:
        module.fail_json(msg="coder_users: %s" % problem)
    client = client_from(module.params)
    results = []
    changed = False
    try:
        organization = None
        for wanted in module.params["users"]:
            roles = sorted(set(wanted["roles"]))
            current = client.user(wanted["username"])
            result = {"username": wanted["username"], "created": current is None, "roles": roles, "status": wanted["state"]}
            if current is None:
                if not wanted.get("email"):
                    module.fail_json(msg="coder_users: user %s does not exist and has no email to create it with" % wanted["username"])
                result["roles_before"] = []
                changed = True
                if not module.check_mode:
                    if organization is None:
                        organization = client.organization(module.params["organization"])["id"]
                    body = {"username": wanted["username"], "email": wanted["email"], "name": wanted["name"],
                            "login_type": wanted["login_type"], "organization_ids": [organization]}
                    if wanted["login_type"] == "password":
                        body["password"] = wanted["password"]
                    client.create_user(body)
                    if roles:
                        client.set_user_roles(wanted["username"], roles)
                    if wanted["state"] == "suspended":
                        client.set_user_status(wanted["username"], False)
                results.append(result)
                continue
            before = sorted(role["name"] if isinstance(role, dict) else role for role in current.get("roles") or [])
            result["roles_before"] = before
            if before != roles:
                changed = True
                if not module.check_mode:
                    client.set_user_roles(wanted["username"], roles)
            if (current.get("status") == "suspended") != (wanted["state"] == "suspended"):
                changed = True
                if not module.check_mode:
                    client.set_user_status(wanted["username"], wanted["state"] == "active")
            results.append(result)
    except CoderAPIError as exc:
        module.fail_json(msg="coder_users: %s" % exc, status=exc.status, users=results)
    module.exit_json(changed=changed, users=results)


if __name__ == "__main__":
    main()
