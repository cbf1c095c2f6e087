#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: checksum_lock
short_description: Hold a fetched file to the sha256 recorded when it was first fetched
version_added: 0.1.0
description:
  - Computes the sha256 of O(path) and compares it with O(checksum) when given, then with the
    entry for O(key) in the lock file O(lock_file), a JSON map of key to C(sha256:<hex>).
  - A file seen for the first time is recorded (changed). A different sha256 than the lock's
    fails, naming both, unless O(checksum) pins the new content, which the lock then follows.
  - Commit the lock file (by default C(.checksums.lock.json) beside the inventory) - every controller (AWX included)
    then applies exactly the manifests that were reviewed.
author:
  - onprem.coder maintainers (@onprem-coder)
attributes:
  check_mode:
    support: full
    description: Compares; does not write the lock.
  diff_mode:
    support: none
    description: The result names the recorded checksum.
options:
  path:
    description: The fetched file.
    type: path
    required: true
  key:
    description: Its entry in the lock, normally the URL it was fetched from.
    type: str
    required: true
  lock_file:
    description: The lock file (created when missing, mode 0644).
    type: path
    required: true
  checksum:
    description: A checksum pinned in the inventory, C(sha256:<hex>) or C(<hex>); empty to rely on the lock.
    type: str
    default: ""
  checksum_name:
    description: The inventory variable that holds O(checksum), for messages.
    type: str
    default: checksum
"""

EXAMPLES = r"""
- name: CNI | Calico manifest held to its recorded checksum
  onprem.coder.checksum_lock:
    path: build/site1/manifests/calico-v3.28.2.yaml
    key: https://raw.githubusercontent.com/projectcalico/calico/v3.28.2/manifests/calico.yaml
    lock_file: build/site1/checksums.lock.json
    checksum: "{{ cni_calico_manifest_checksum }}"
    checksum_name: cni_calico_manifest_checksum
"""

RETURN = r"""
sha256:
  description: The file's checksum, C(sha256:<hex>).
  returned: success
  type: str
recorded:
  description: Whether the lock got a new or updated entry (also C(changed)).
  returned: success
  type: bool
"""

import hashlib
import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils.checksum_lock import ChecksumError, check


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            key=dict(type="str", required=True, no_log=False),
            lock_file=dict(type="path", required=True),
            checksum=dict(type="str", default=""),
            checksum_name=dict(type="str", default="checksum"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not os.path.isfile(params["path"]):
        module.fail_json(msg="checksum_lock: %s does not exist (was it fetched?)" % params["path"])
    lock = {}
    if os.path.exists(params["lock_file"]):
        try:
            with open(params["lock_file"]) as handle:
                lock = json.load(handle)
        except ValueError as exc:
            module.fail_json(msg="checksum_lock: %s is not JSON: %s" % (params["lock_file"], exc))
        if not isinstance(lock, dict):
            module.fail_json(msg="checksum_lock: %s must hold a JSON object" % params["lock_file"])
    actual = sha256_of(params["path"])
    try:
        new_lock, recorded = check(lock, params["key"], actual, params["checksum"], params["checksum_name"],
                                   params["lock_file"])
    except ChecksumError as exc:
        module.fail_json(msg="checksum_lock: %s" % exc, sha256="sha256:" + actual)
    if recorded and not module.check_mode:
        directory = os.path.dirname(params["lock_file"])
        if directory and not os.path.isdir(directory):
            os.makedirs(directory)
        tmp = params["lock_file"] + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(new_lock, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.chmod(tmp, 0o644)
        os.rename(tmp, params["lock_file"])
    module.exit_json(changed=recorded, recorded=recorded, sha256="sha256:" + actual)


if __name__ == "__main__":
    main()
