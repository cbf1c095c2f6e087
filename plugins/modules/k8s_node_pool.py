#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: k8s_node_pool
short_description: Make a node's labels and taints exactly what the inventory declares, inside a managed prefix
version_added: 0.1.0
description:
  - Reads the node from the Kubernetes API, and inside the managed O(prefix) (default
    C(onprem.coder/)) adds missing labels and taints, updates changed ones and removes stale
    ones. Labels and taints outside the prefix are left alone, unless O(labels) or O(taints)
    name them, in which case they are set (and never removed later).
  - Reports C(changed) only when the node was (or in check mode would be) modified; supports
    diff mode.
  - The decision is made in C(plugins/module_utils/node_pools.py), unit-tested.
author:
  - onprem.coder maintainers (@onprem-coder)
requirements:
  - kubernetes (Python client)
attributes:
  check_mode:
    support: full
    description: Computes the change and reports it without writing.
  diff_mode:
    support: full
    description: Labels and taints before and after.
options:
  name:
    description: Node name.
    type: str
    required: true
  labels:
    description: The labels the node must carry (value may be empty).
    type: dict
    default: {}
  taints:
    description:
      - The taints the node must carry, as C(key=value:Effect), C(key:Effect) or
        C({key, value, effect}).
    type: list
    elements: raw
    default: []
  prefix:
    description: Managed prefix; must end with C(/).
    type: str
    default: onprem.coder/
  kubeconfig:
    description: Path of a kubeconfig; default the client's usual lookup (C(KUBECONFIG), C(~/.kube/config)).
    type: path
  context:
    description: Context in the kubeconfig.
    type: str
"""

EXAMPLES = r"""
- name: Node pools | Labels and taints of each node
  onprem.coder.k8s_node_pool:
    name: "{{ inventory_hostname }}"
    labels: {onprem.coder/pool: workspace}
    taints: ["onprem.coder/pool=workspace:NoSchedule"]
    kubeconfig: /etc/kubernetes/admin.conf
  delegate_to: "{{ groups['kube_control_plane'][0] }}"
"""

RETURN = r"""
labels_patch:
  description: The merge patch sent for metadata.labels (null removes a label).
  returned: always
  type: dict
taints:
  description: The node's complete new spec.taints, or null when unchanged.
  returned: always
  type: list
  elements: dict
before:
  description: Labels and taints before.
  returned: always
  type: dict
after:
  description: Labels and taints after.
  returned: always
  type: dict
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.onprem.coder.plugins.module_utils.node_pools import NodePoolError, diff

try:
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError:
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()


def api(kubeconfig, context):
    configuration = client.Configuration()
    config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)
    return client.CoreV1Api(client.ApiClient(configuration))


def _taint_dicts(taints):
    result = []
    for taint in taints or []:
        item = {"key": taint.key, "effect": taint.effect}
        if taint.value:
            item["value"] = taint.value
        result.append(item)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            labels=dict(type="dict", default={}),
            taints=dict(type="list", elements="raw", default=[]),
            prefix=dict(type="str", default="onprem.coder/"),
            kubeconfig=dict(type="path"),
            context=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    if not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=KUBERNETES_IMPORT_ERROR)
    params = module.params
    try:
        core = api(params["kubeconfig"], params["context"])
        node = core.read_node(params["name"])
    except ApiException as exc:
        module.fail_json(msg="k8s_node_pool: reading node %s: %s %s" % (params["name"], exc.status, exc.reason))
    except Exception as exc:  # kubeconfig missing or unreadable, API unreachable
        module.fail_json(msg="k8s_node_pool: cannot reach the Kubernetes API: %s" % exc)
    try:
        result = diff(node.metadata.labels or {}, _taint_dicts(node.spec.taints), params["labels"], params["taints"],
                      prefix=params["prefix"])
    except NodePoolError as exc:
        module.fail_json(msg="k8s_node_pool %s: %s" % (params["name"], exc))
    if result["changed"] and not module.check_mode:
        body = {"metadata": {"labels": result["labels_patch"]}} if result["labels_patch"] else {}
        if result["taints"] is not None:
            body["spec"] = {"taints": result["taints"]}
        try:
            core.patch_node(params["name"], body)
        except ApiException as exc:
            module.fail_json(msg="k8s_node_pool: patching node %s: %s %s" % (params["name"], exc.status, exc.reason))
    module.exit_json(changed=result["changed"], labels_patch=result["labels_patch"], taints=result["taints"],
                     before=result["before"], after=result["after"],
                     diff={"before": result["before"], "after": result["after"]})


if __name__ == "__main__":
    main()
