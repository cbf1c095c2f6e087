# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Filters of the support bundle and health plays (logic in module_utils/support_bundle.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.module_utils.support_bundle import SECRET_NAME, secret_values

STATUS_FACTS = ("patroni_status", "patroni_archiver", "etcd_status", "haproxy_status", "pgbackrest_status", "pki_status")


def _get(variables, name):
    try:
        return variables[name]
    except Exception:  # pylint: disable=broad-except  # a variable that does not template is not a reading
        return None


def support_bundle_status(variables):
    """A host's status readings (the roles' status.yml facts) that exist."""
    found = {}
    for name in STATUS_FACTS:
        value = _get(variables, name) if name in variables else None
        if value is not None:
            found[name] = value
    return found


def support_bundle_secrets(variables):
    """The values of a host's variables named like secrets (those that template)."""
    chosen = {}
    for name in list(variables):
        if SECRET_NAME.search(str(name)):
            value = _get(variables, name)
            if value is not None:
                chosen[name] = value
    return secret_values(chosen)


class FilterModule(object):
    def filters(self):
        return {
            "support_bundle_status": support_bundle_status,
            "support_bundle_secrets": support_bundle_secrets,
        }
