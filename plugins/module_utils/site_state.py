# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Where a site's state lives, so any controller gets the same result (docs/site-state.md).

Nothing here reads the working directory: the same inventory gives the same paths and the
same database endpoint from any checkout, any directory, an AWX job or a CI runner.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os

# Generated files (plan, Helm values, rendered manifests) go here, inside the inventory's
# directory. A hidden name: Ansible's inventory loader never reads hidden entries, so the
# generated YAML and JSON are not taken for inventory sources.
OUTPUT_DIR_NAME = ".output"
# The checksum lock of fetched manifests, committed beside the inventory like a lockfile.
CHECKSUM_LOCK_NAME = ".checksums.lock.json"


def inventory_dir(sources):
    """The directory of the first inventory source (the source itself when it is a directory)."""
    if not sources:
        raise ValueError("no inventory source: run with -i inventories/<site>")
    source = sources[0] if isinstance(sources, (list, tuple)) else sources
    source = os.path.abspath(str(source))
    if os.path.isdir(source):
        return source.rstrip("/") or "/"
    return os.path.dirname(source)


def site_paths(sources):
    """The default output directory and checksum lock of the site whose inventory is ``sources``."""
    base = inventory_dir(sources)
    return {"inventory_dir": base, "output_dir": os.path.join(base, OUTPUT_DIR_NAME),
            "checksum_lock": os.path.join(base, CHECKSUM_LOCK_NAME)}


def database_endpoint(groups, front_address=None, database_host=None, vip=None, port=5000, database="coder",
                      user="coder", ca_file=""):
    """Where Coder connects to the database the collection deploys, from the inventory alone.

    The host is ``onprem_coder_database_host`` (a DNS name), else the keepalived VIP, else
    the first HAProxy host (the first ``loadbalancers`` host, or the first ``postgres`` host
    when that group is empty) by its inventory address, else by its inventory name. Returns
    ``{}`` when the inventory deploys no database (an external one is given instead).
    """
    postgres = list(groups.get("postgres") or [])
    if not postgres:
        return {}
    front = (list(groups.get("loadbalancers") or []) or postgres)[0]
    host = database_host or vip or front_address or front
    return {"host": str(host), "port": int(port), "database": database, "user": user, "sslmode": "verify-full",
            "ca_file": ca_file}


def kubernetes_api_endpoint(groups, first_address=None, external=None, vip=None, port=8443):
    """host:port of the Kubernetes API every node and client uses, from the inventory alone.

    ``onprem_coder_kubernetes_api_external`` (your load balancer), else the VIP of the API
    endpoint role with its HAProxy port, else the first control plane's inventory address (or
    name) on 6443. Every host reads the same value, workers included: none joins through one
    control plane while a VIP exists. ``''`` when the inventory has no control plane.
    """
    control_planes = list(groups.get("kube_control_plane") or [])
    if not control_planes:
        return ""
    if external:
        return str(external)
    if vip:
        return "%s:%d" % (vip, int(port))
    return "%s:6443" % (first_address or control_planes[0])


# Keys of the plan that name paths on the controller that computed it: an AWX job, a second
# checkout or another directory computes other ones for the same site.
CONTROLLER_PATH_KEYS = ("output_dir", "render_dir", "checksum_lock", "kubeconfig")


def plan_digest(plan):
    """The sha256 of what a plan decides for the site: the plan as canonical JSON (sorted keys,
    no whitespace), without the controller's paths. The same inventory gives the same digest
    from any controller; an AWX workflow passes it from its plan job to the later ones, which
    refuse to run when theirs differs (roles/plan/tasks/load.yml)."""
    if not isinstance(plan, dict):
        raise ValueError("a plan is a dict (onprem_coder_plan), not %s" % type(plan).__name__)
    kept = dict((key, value) for key, value in plan.items() if key not in CONTROLLER_PATH_KEYS)
    canonical = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
