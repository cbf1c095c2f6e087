# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Filters for the AWX content of extensions/awx (logic in module_utils/awx_content.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.module_utils.awx_content import workflow_nodes


def awx_workflow_nodes(steps, prefix, organization, approval_name, approval_timeout=86400):
    """awx.awx workflow_nodes running ``steps`` in order (job template names or ``approve``)."""
    return workflow_nodes(list(steps), prefix, organization, approval_name, int(approval_timeout))


class FilterModule(object):
    def filters(self):
        return {"awx_workflow_nodes": awx_workflow_nodes}
