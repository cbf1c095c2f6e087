#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: files
short_description: A role's directories and small files on a host in one module run
version_added: 0.1.0
description:
  - Makes each entry of O(entries) what it says, in order - a directory (made with its parents)
    or a file with exactly O(entries[].content) - with its owner, group and mode.
  - One module run for all of them. C(ansible.builtin.copy) and C(ansible.builtin.template) are
    two module runs for a file that needs no change (C(stat), then C(file) for its attributes), and
    a loop is one run per item; a phase that changes nothing spent most of its host time there.
  - A file is written to a temporary file in its directory and moved into place, so a reader sees
    the old content or the new, never a part. Its directory must exist (list it first).
  - The result names the paths that changed (RV(changed_paths)), for the handlers and restarts
    that follow one file only.
  - Contents pass through the module's arguments and C(--diff) shows them - keep files that hold
    a secret out of it (a task of their own with C(no_log)).
author:
  - onprem.coder maintainers (@onprem-coder)
attributes:
  check_mode:
    support: full
    description: Reports what would change and its diff; writes nothing.
  diff_mode:
    support: full
    description: Each changed file's content before and after; each new directory and changed owner, group or mode.
options:
  entries:
    description: The directories and files, made in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      state:
        description: C(directory) or C(file).
        type: str
        choices: [directory, file]
        default: file
      content:
        description: The whole content of a file (required for O(entries[].state=file)).
        type: str
      owner:
        description: Owner; unchanged when not given.
        type: str
      group:
        description: Group; unchanged when not given.
        type: str
      mode:
        description: Mode, as for C(ansible.builtin.file) (C("0644"), C(u=rw,g=r)); unchanged when not given.
        type: raw
"""

EXAMPLES = r"""
- name: PgBackRest | Directories, configuration and the TLS server unit
  onprem.coder.files:
    entries:
      - {path: /var/log/pgbackrest, state: directory, owner: postgres, group: postgres, mode: "0750"}
      - path: /etc/pgbackrest.conf
        content: "{{ lookup('ansible.builtin.template', 'pgbackrest.conf.j2') }}"
        owner: root
        group: postgres
        mode: "0640"
  register: pgbackrest_files

- name: PgBackRest | Restart when its configuration changed
  ansible.builtin.systemd_service:
    name: pgbackrest-server
    state: restarted
  when: "'/etc/pgbackrest.conf' in pgbackrest_files.changed_paths"
"""

RETURN = r"""
changed_paths:
  description: The paths made, written, or given another owner, group or mode, in the order of O(entries).
  returned: success
  type: list
  elements: str
  sample: [/etc/pgbackrest.conf]
"""

import grp
import os
import pwd
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native


def attributes(path):
    """{owner, group, mode} of an existing path, as names and an octal string."""
    info = os.lstat(path)
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    return {"owner": owner, "group": group, "mode": "%04o" % stat.S_IMODE(info.st_mode)}


def set_attributes(module, path, entry):
    """Owner, group and mode as the entry asks; whether any differed (check mode: would differ)."""
    changed = False
    if entry.get("owner") is not None:
        changed = module.set_owner_if_different(path, entry["owner"], changed)
    if entry.get("group") is not None:
        changed = module.set_group_if_different(path, entry["group"], changed)
    if entry.get("mode") is not None:
        changed = module.set_mode_if_different(path, entry["mode"], changed)
    return changed


def asked(entry):
    return dict((key, entry[key]) for key in ("owner", "group", "mode") if entry.get(key) is not None)


def directory(module, entry, diffs):
    path = entry["path"]
    if os.path.lexists(path) and not os.path.isdir(path):
        module.fail_json(msg="files: %s exists and is not a directory" % path)
    made = not os.path.isdir(path)
    if made:
        diffs.append({"before_header": path, "after_header": path,
                      "before": {"path": path, "state": "absent"},
                      "after": dict({"path": path, "state": "directory"}, **asked(entry))})
        if module.check_mode:
            return True
        try:
            os.makedirs(path)
        except OSError as exc:
            module.fail_json(msg="files: cannot make the directory %s: %s" % (path, to_native(exc)))
    return attributes_changed(module, path, entry, diffs, shown=made) or made


def attributes_changed(module, path, entry, diffs, shown):
    """Owner, group and mode set as asked; a diff of them unless ``shown`` (a new path, whose
    diff already holds what was asked). Whether any differed."""
    before = attributes(path)
    changed = set_attributes(module, path, entry)
    if changed and not shown:
        wanted = asked(entry)
        diffs.append({"before_header": path, "after_header": path,
                      "before": dict((key, before[key]) for key in wanted),
                      "after": wanted})
    return changed


def regular_file(module, entry, diffs):
    path = entry["path"]
    if entry.get("content") is None:
        module.fail_json(msg="files: %s: content is required for a file" % path)
    wanted = to_bytes(entry["content"], errors="surrogate_or_strict")
    parent = os.path.dirname(path) or "."
    if os.path.lexists(path) and not os.path.isfile(path):
        module.fail_json(msg="files: %s exists and is not a regular file" % path)
    current = None
    if os.path.exists(path):
        with open(path, "rb") as handle:
            current = handle.read()
    written = current != wanted
    if written:
        diffs.append({"before_header": path, "after_header": path,
                      "before": "" if current is None else to_native(current, errors="surrogate_or_replace"),
                      "after": entry["content"]})
        if current is None and module.check_mode:
            return True      # a new file: its attributes are the ones asked for
        if not os.path.isdir(parent):
            module.fail_json(msg="files: the directory of %s does not exist (list it before the file)" % path)
        if not module.check_mode:
            handle, temporary = tempfile.mkstemp(prefix=".onprem-coder-", dir=parent)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(wanted)
                module.atomic_move(temporary, path)
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
    # a rewritten file keeps the old one's owner, group and mode until they are set here
    return attributes_changed(module, path, entry, diffs, shown=current is None) or written


def main():
    module = AnsibleModule(
        argument_spec=dict(
            entries=dict(type="list", elements="dict", required=True, options=dict(
                path=dict(type="path", required=True),
                state=dict(type="str", choices=["directory", "file"], default="file"),
                content=dict(type="str", no_log=False),
                owner=dict(type="str"),
                group=dict(type="str"),
                mode=dict(type="raw"),
            )),
        ),
        supports_check_mode=True,
    )
    changed_paths = []
    diffs = []
    for entry in module.params["entries"]:
        if not os.path.isabs(entry["path"]):
            module.fail_json(msg="files: %s is not an absolute path" % entry["path"])
        make = directory if entry["state"] == "directory" else regular_file
        if make(module, entry, diffs):
            changed_paths.append(entry["path"])
    result = {"changed": bool(changed_paths), "changed_paths": changed_paths}
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
