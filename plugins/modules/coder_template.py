#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: coder_template
short_description: Push a Coder template from a directory, only when its content changed
version_added: 0.1.0
description:
  - What C(coder templates push) does, from a directory in your git checkout (GitOps) - packs it
    into a reproducible tar, uploads it (C(POST /api/v2/files)), creates a template version
    (C(POST /api/v2/organizations/{org}/templateversions)), waits for its build job, then creates
    the template or activates the version (C(PATCH /api/v2/templates/{id}/versions)).
  - The content's sha256 is recorded in the version's message; when the active version already
    carries the same hash nothing is uploaded and C(changed) is false.
  - A failed build stops with the job's error; the active version stays as it was.
author:
  - onprem.coder maintainers (@onprem-coder)
extends_documentation_fragment:
  - onprem.coder.coder
  - onprem.coder.coder.no_diff
attributes:
  check_mode:
    support: full
    description: Compares the content hash and reports whether a new version would be pushed.
options:
  name:
    description: Template name (under 32 characters).
    type: str
    required: true
  directory:
    description: The template's directory on the host running the module.
    type: path
    required: true
  organization:
    description: Organisation name or id.
    type: str
    default: default
  version_message:
    description: Version message (the content hash is appended).
    type: str
    default: pushed by onprem.coder
  provisioner_tags:
    description: Tags a provisioner must carry to build this template.
    type: dict
    default: {}
  settings:
    description:
      - Template settings to hold the template to, as C(PATCH /api/v2/templates/{id}) takes them, for example
        C(require_active_version) (workspaces start on the active version - the CVA's automatic template updates;
        needs a Premium licence, refused with a clear message without one), C(default_ttl_ms), C(activity_bump_ms),
        C(allow_user_autostart). Settings not named are left alone.
    type: dict
    default: {}
  build_timeout:
    description: Seconds to wait for the version's build job.
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Coder templates | Kubernetes workspace template
  onprem.coder.coder_template:
    url: https://coder.example.com
    token: "{{ onprem_coder_api_token }}"
    name: kubernetes
    directory: "{{ playbook_dir }}/../templates/kubernetes"
  no_log: false
"""

RETURN = r"""
settings_changed:
  description: The settings that differed and were (or, in check mode, would be) changed.
  returned: always
  type: list
  elements: str
content_hash:
  description: sha256 of the template's packed content.
  returned: always
  type: str
version_id:
  description: The new template version (when pushed).
  returned: when pushed
  type: str
template_id:
  description: The template's id.
  returned: when it exists or was created
  type: str
"""

import os
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils import coder_api
from ansible_collections.onprem.coder.plugins.module_utils.coder_api import (
    CoderAPIError, client_from, connection_argument_spec, template_tar)

MARK = "[onprem.coder content %s]"


# Template settings that need a licence feature (GET /api/v2/entitlements).
LICENSED = {"require_active_version": "access_control"}


def push(module, client):
    """Push the directory as a new version when its content changed. (changed, result, template)"""
    params = module.params
    content, digest = template_tar(params["directory"])
    org = params["organization"]
    template = client.template(org, params["name"])
    if template:
        active = client.template_version(template["active_version_id"])
        if (MARK % digest) in (active.get("message") or ""):
            return False, {"content_hash": digest, "template_id": template["id"]}, template
    if module.check_mode:
        return True, {"content_hash": digest}, template
    file_id = client.upload(content)
    body = {"storage_method": "file", "file_id": file_id, "provisioner": "terraform",
            "message": "%s %s" % (params["version_message"], MARK % digest),
            "tags": dict((str(k), str(v)) for k, v in params["provisioner_tags"].items())}
    if template:
        body["template_id"] = template["id"]
    version = client.create_template_version(org, body)
    deadline = coder_api.now() + params["build_timeout"]
    while version["job"]["status"] not in ("succeeded", "failed", "canceled"):
        if coder_api.now() > deadline:
            module.fail_json(msg="coder_template: the build of %s version %s did not finish within %d s (status %s)"
                             % (params["name"], version["id"], params["build_timeout"], version["job"]["status"]))
        coder_api.wait(1)
        version = client.template_version(version["id"])
    if version["job"]["status"] != "succeeded":
        module.fail_json(msg="coder_template: the build of %s version %s %s: %s; the active version is unchanged"
                         % (params["name"], version["id"], version["job"]["status"], version["job"].get("error", "")),
                         version_id=version["id"])
    if template:
        client.activate_template_version(template["id"], version["id"])
    else:
        template = client.create_template(org, params["name"], version["id"])
    return True, {"content_hash": digest, "version_id": version["id"], "template_id": template["id"]}, template


def apply_settings(module, client, template):
    """The template's settings to exactly what O(settings) names (others untouched). (changed, differing keys)"""
    wanted = module.params["settings"] or {}
    current = template or {}
    differing = sorted(key for key, value in wanted.items() if current.get(key) != value)
    if not differing:
        return False, []
    for key in differing:
        feature = LICENSED.get(key)
        if feature and wanted[key]:
            entitlement = ((client.entitlements().get("features") or {}).get(feature) or {}).get("entitlement")
            if entitlement != "entitled":
                module.fail_json(msg="coder_template: setting %s on template %s needs a Coder Premium licence with the %s "
                                     "feature (entitlement: %s); add the licence (onprem_coder_license) or drop the setting"
                                 % (key, module.params["name"], feature, entitlement or "none"))
    if not module.check_mode and template:
        client.update_template(template["id"], dict((key, wanted[key]) for key in differing))
    return True, differing


def main():
    spec = connection_argument_spec()
    spec.update(name=dict(type="str", required=True), directory=dict(type="path", required=True),
                organization=dict(type="str", default="default"), version_message=dict(type="str", default="pushed by onprem.coder"),
                provisioner_tags=dict(type="dict", default={}), build_timeout=dict(type="int", default=600),
                settings=dict(type="dict", default={}))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    if len(params["name"]) >= 32:
        module.fail_json(msg="coder_template: name %r has %d characters; Coder allows fewer than 32" % (params["name"], len(params["name"])))
    if not os.path.isdir(params["directory"]):
        module.fail_json(msg="coder_template: directory %s does not exist" % params["directory"])
    client = client_from(params)
    try:
        pushed, result, template = push(module, client)
        if template and not module.check_mode:
            template = client.template(params["organization"], params["name"])
        changed_settings, differing = apply_settings(module, client, template)
    except CoderAPIError as exc:
        module.fail_json(msg="coder_template: %s" % exc, status=exc.status)
    module.exit_json(changed=pushed or changed_settings, settings_changed=differing, **result)


if __name__ == "__main__":
    main()
