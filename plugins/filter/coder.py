# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Filters of the coder, proxies and observability phases (logic in module_utils/coder_values.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.onprem.coder.plugins.module_utils.coder_upgrade import CoderUpgradeError, release_action
from ansible_collections.onprem.coder.plugins.module_utils.coder_values_schema import SCHEMA as CODER_CHART_SCHEMA
from ansible_collections.onprem.coder.plugins.module_utils.coder_values import (
    ValuesError, coder_values, database_url, observability_values, provisioner_values, proxy_values, secret)

try:
    import jsonschema
    HAS_JSONSCHEMA = True
except ImportError:
    HAS_JSONSCHEMA = False


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except ValuesError as exc:
        raise AnsibleFilterError(str(exc))


def coder_release_action(status, desired, replicas, backup_repository, backup_confirmed=False):
    """Install, nothing or upgrade (module_utils/coder_upgrade.py), or {'error': message} to assert on."""
    try:
        return release_action(status, desired, replicas, backup_repository, backup_confirmed)
    except CoderUpgradeError as exc:
        return {"error": str(exc)}


def coder_helm_values(plan, settings):
    return _call(coder_values, plan, settings)


def coder_provisioner_helm_values(plan, settings):
    return _call(provisioner_values, plan, settings)


def coder_proxy_helm_values(plan, region, settings):
    return _call(proxy_values, plan, region, settings)


def coder_observability_helm_values(database, settings):
    return _call(observability_values, database or {}, settings)


def coder_database_url(endpoint, password, ca_path):
    return _call(database_url, endpoint, password, ca_path)


def k8s_secret(data, name, namespace, labels=None):
    return secret(name, namespace, data, labels)


def helm_values_errors(values, schema=None):
    """Messages for every place the values break the collection's schema of the chart ([] when fine);
    without ``schema``, the one of Coder's charts (module_utils/coder_values_schema.py)."""
    schema = CODER_CHART_SCHEMA if schema is None else schema
    if not HAS_JSONSCHEMA:
        raise AnsibleFilterError("helm_values_errors needs the jsonschema Python package on the controller")
    validator = jsonschema.Draft202012Validator(schema)
    return ["%s: %s" % ("/".join(str(p) for p in error.absolute_path) or "(top)", error.message)
            for error in sorted(validator.iter_errors(values), key=lambda e: list(e.absolute_path))]


def helm_release(cluster, spec):
    """One release of a per-region chart: ``spec`` with its cluster, and ``{cluster}`` in the
    values file's path filled in."""
    release = dict(spec)
    release["cluster"] = str(cluster)
    release["values_file"] = str(spec.get("values_file", "")).replace("{cluster}", str(cluster))
    return release


class FilterModule(object):
    def filters(self):
        return {
            "helm_release": helm_release,
            "coder_release_action": coder_release_action,
            "coder_helm_values": coder_helm_values,
            "coder_provisioner_helm_values": coder_provisioner_helm_values,
            "coder_proxy_helm_values": coder_proxy_helm_values,
            "coder_database_url": coder_database_url,
            "coder_observability_helm_values": coder_observability_helm_values,
            "k8s_secret": k8s_secret,
            "helm_values_errors": helm_values_errors,
        }
