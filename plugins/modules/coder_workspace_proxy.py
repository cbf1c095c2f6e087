#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: coder_workspace_proxy
short_description: A workspace proxy registration, created once; its token regenerated only when asked
version_added: 0.1.0
description:
  - C(GET /api/v2/workspaceproxies/{name}); creates the proxy (C(POST /api/v2/workspaceproxies))
    only when it does not exist and returns its token (shown once by Coder). A working proxy's
    token is never regenerated unless O(regenerate_token) is set
    (C(PATCH /api/v2/workspaceproxies/{id}) with C(regenerate_token)).
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
  name:
    description: Proxy name (the region).
    type: str
    required: true
  display_name:
    description: Name shown to users.
    type: str
    default: ""
  icon:
    description: Icon path or URL.
    type: str
    default: /emojis/1f310.png
  regenerate_token:
    description: Issue a new token for an existing proxy (its running pods must get it).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Workspace proxy | Registration of eu-west
  onprem.coder.coder_workspace_proxy:
    url: https://coder.example.com
    token: "{{ coder_token.token }}"
    name: eu-west
    display_name: Europe West
  register: coder_proxy
  no_log: true
"""

RETURN = r"""
created:
  description: Whether the proxy was registered by this run.
  returned: always
  type: bool
proxy:
  description: The proxy as Coder reports it (id, name, status when known).
  returned: always
  type: dict
token:
  description: The proxy token, when created or regenerated.
  returned: when created or regenerated
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils.coder_api import (
    CoderAPIError, client_from, connection_argument_spec)


def main():
    spec = connection_argument_spec()
    spec.update(name=dict(type="str", required=True), display_name=dict(type="str", default=""),
                icon=dict(type="str", default="/emojis/1f310.png"), regenerate_token=dict(type="bool", default=False))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    client = client_from(params)
    try:
        proxy = client.workspace_proxy(params["name"])
        if proxy and not params["regenerate_token"]:
            module.exit_json(changed=False, created=False, proxy=proxy)
        if module.check_mode:
            module.exit_json(changed=True, created=not proxy, proxy=proxy or {})
        if proxy:
            body = client.regenerate_proxy_token(proxy["id"])
            module.exit_json(changed=True, created=False, proxy=body.get("proxy", proxy), token=body.get("proxy_token"))
        body = client.create_workspace_proxy(params["name"], params["display_name"] or params["name"], params["icon"])
    except CoderAPIError as exc:
        module.fail_json(msg="coder_workspace_proxy: %s" % exc, status=exc.status)
    module.exit_json(changed=True, created=True, proxy=body.get("proxy", {}), token=body.get("proxy_token"))


if __name__ == "__main__":
    main()
