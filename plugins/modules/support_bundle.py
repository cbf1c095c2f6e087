#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: support_bundle
short_description: Write a redacted support bundle with a manifest
version_added: 0.1.0
description:
  - Writes O(files) (archive path to text) into one C(.tar.gz) at O(dest), mode 0600, with C(manifest.json) listing
    each file's size and sha256 and each part that was not collected (O(skipped)) with why.
  - Every value of O(secrets), and every C(password=), C(token=), C(Coder-Session-Token) header, URL password and
    private key block, is replaced by C(<redacted>) before anything is written.
author:
  - onprem.coder maintainers (@onprem-coder)
attributes:
  check_mode:
    support: none
    description: It only writes a file on the controller.
  diff_mode:
    support: none
    description: Nothing to diff.
options:
  files:
    description: Archive path to its content.
    type: dict
    required: true
  secrets:
    description: Secret values to redact (the inventory's passwords, tokens and keys).
    type: list
    elements: str
    default: []
  skipped:
    description: Part to the reason it was not collected.
    type: dict
    default: {}
  attach_zip:
    description: A zip on the controller (the output of C(coder support bundle)) whose members go under C(coder/),
      redacted like the rest; removed afterwards.
    type: path
  dest:
    description: The archive to write.
    type: path
    required: true
"""

EXAMPLES = r"""
- name: Support bundle | Archive
  onprem.coder.support_bundle:
    files: {"hosts/pg1/patroni.txt": "..."}
    secrets: ["{{ patroni_superuser_password }}"]
    dest: /srv/site/.output/support-bundle-20261130.tar.gz
"""

RETURN = r"""
manifest:
  description: What is inside (C(files) with sizes and sha256) and what was not collected (C(skipped)).
  returned: always
  type: dict
dest:
  description: The archive.
  returned: always
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils.support_bundle import build, unzip


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type="dict", required=True),
            secrets=dict(type="list", elements="str", default=[], no_log=True),
            skipped=dict(type="dict", default={}),
            attach_zip=dict(type="path"),
            dest=dict(type="path", required=True),
        ),
        supports_check_mode=False,
    )
    files = dict(module.params["files"])
    attached = module.params["attach_zip"]
    if attached and os.path.exists(attached):
        with open(attached, "rb") as handle:
            files.update(unzip(handle.read(), "coder/"))
        os.remove(attached)
    data, manifest = build(files, sorted(module.params["secrets"], key=len, reverse=True), module.params["skipped"])
    directory = os.path.dirname(module.params["dest"])
    if directory and not os.path.isdir(directory):
        os.makedirs(directory)
    descriptor = os.open(module.params["dest"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.chmod(module.params["dest"], 0o600)
    module.exit_json(changed=False, manifest=manifest, dest=module.params["dest"])


if __name__ == "__main__":
    main()
