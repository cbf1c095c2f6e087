# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Filters that present a sizing plan (summary table, Markdown) and name a site."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.onprem.coder.plugins.module_utils import site_checks, site_state


def _fmt(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plan_rows(plan):
    """Rows (component, replicas, vCPU, RAM GB, nodes) of the plan's summary."""
    rows = []
    coderd = plan["coderd"]
    pools = plan["kubernetes"]["pools"]
    rows.append(("coderd", coderd["replicas"], coderd["cpu"], coderd["memory_gb"],
                 "%s (coder pool)" % pools["coder"]["nodes"]))
    prov = plan["provisioners"]
    prov_nodes = "on coderd nodes" if prov["share_coderd_nodes"] else "%s (provisioner pool)" % prov["nodes"]
    rows.append(("provisioners", prov["replicas"], prov["cpu"], prov["memory_gb"], prov_nodes))
    for proxy in plan["workspace_proxies"]:
        rows.append(("proxy %s" % proxy["name"], proxy["replicas"], proxy["cpu"], proxy["memory_gb"],
                     "region cluster"))
    db = plan["database"]
    rows.append(("postgresql", db["nodes"], db["vcpu"], db["memory_gb"], "%s (%s GB disk)" % (db["nodes"], db["storage_gb"])))
    ws = plan["workspace_nodes"]
    rows.append(("workspaces", plan["concurrent_workspaces"], ws["profile"]["cpu"], ws["profile"]["memory_gb"],
                 "%s (workspace pool, %s a node)" % (ws["nodes"], ws["workspaces_per_node"])))
    cp = pools["control_plane"]
    rows.append(("k8s control plane", cp["nodes"], cp["min_cpu"], cp["min_memory_gb"], cp["nodes"]))
    return [tuple(_fmt(cell) for cell in row) for row in rows]


HEADER = ("component", "replicas", "vCPU each", "RAM GB each", "nodes")


def plan_table(plan):
    """The summary as a plain-text table."""
    rows = [HEADER] + plan_rows(plan)
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def plan_markdown(plan, site="site"):
    """plan.md: the summary, the database parameters and the warnings."""
    out = ["# Coder deployment plan: %s" % site, ""]
    out.append("Tier **%s** (%s basis): %s users, %s concurrent workspaces, %s concurrent builds."
               % (plan["tier"], plan["sizing_basis"], plan["users"], plan["concurrent_workspaces"],
                  plan["concurrent_builds"]))
    out.append("")
    out.append("| " + " | ".join(HEADER) + " |")
    out.append("|" + "|".join(["---"] * len(HEADER)) + "|")
    for row in plan_rows(plan):
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    coderd = plan["coderd"]
    out.append("coderd requests = limits: `%s` / `%s`; built-in provisioners per replica: %s."
               % (coderd["requests"]["cpu"], coderd["requests"]["memory"], coderd["builtin_provisioners"]))
    out.append("")
    out.append("## Kubernetes pools")
    out.append("")
    out.append("| pool | nodes | min vCPU a node | min RAM GB a node |")
    out.append("|---|---|---|---|")
    for name in ("control_plane", "coder", "provisioner", "workspace"):
        pool = plan["kubernetes"]["pools"][name]
        out.append("| %s | %s | %s | %s |" % (name, pool["nodes"], _fmt(pool["min_cpu"]), _fmt(pool["min_memory_gb"])))
    out.append("")
    out.append("## PostgreSQL")
    out.append("")
    db = plan["database"]
    out.append("%s node(s) of %s vCPU / %s GB RAM / %s GB storage; `max_connections` %s."
               % (db["nodes"], db["vcpu"], db["memory_gb"], db["storage_gb"], db["max_connections"]))
    out.append("")
    out.append("| parameter | value |")
    out.append("|---|---|")
    for key in sorted(db["parameters"]):
        out.append("| %s | %s |" % (key, _fmt(db["parameters"][key])))
    out.append("")
    out.append("## Warnings")
    out.append("")
    if plan["warnings"]:
        out.extend("- %s" % w for w in plan["warnings"])
    else:
        out.append("None.")
    out.append("")
    return "\n".join(out)


def inventory_name(sources):
    """Name of the inventory: its directory's name (inventories/sample -> sample)."""
    if not sources:
        return "default"
    source = sources[0] if isinstance(sources, (list, tuple)) else sources
    source = str(source).rstrip("/")
    if os.path.isfile(source):
        source = os.path.dirname(source)
    return os.path.basename(source) or "default"


def site_paths(sources):
    """Default output directory and checksum lock of the site (module_utils/site_state.py)."""
    return site_state.site_paths(sources)


def plan_digest(plan):
    """sha256 of what the plan decides, without the controller's paths (module_utils/site_state.py)."""
    return site_state.plan_digest(plan)


def database_endpoint(groups, front_address=None, database_host=None, vip=None, port=5000, database="coder",
                      user="coder", ca_file=""):
    """Where Coder connects to the database the collection deploys, from the inventory alone."""
    return site_state.database_endpoint(groups, front_address, database_host, vip, port, database, user, ca_file)


def kubernetes_api_endpoint(groups, first_address=None, external=None, vip=None, port=8443):
    """host:port of the Kubernetes API every node uses, from the inventory alone."""
    return site_state.kubernetes_api_endpoint(groups, first_address, external, vip, port)


def site_placeholders(host_vars):
    """The placeholders left in a host's variables: its onprem_coder_* variables and every
    secret the collection reads (module_utils/site_checks.py)."""
    values = {}
    for name in list(host_vars.keys()):
        if not (str(name).startswith(site_checks.PREFIX) or name in site_checks.SECRETS):
            continue
        try:
            values[name] = host_vars[name]
        except Exception:  # pylint: disable=broad-except  # a value that cannot be templated is not a placeholder
            continue
    return site_checks.placeholders(values)


def phase_selected(phase, run_tags=None, skip_tags=None):
    """Whether a play tagged only with ``phase`` has work under this run's --tags and --skip-tags
    (ansible_run_tags, ansible_skip_tags), by Ansible's own rules for a task tagged ``phase``."""
    only = set(run_tags or ["all"])
    skip = set(skip_tags or [])
    selected = bool(only & {"all", "tagged", phase})
    return selected and not skip & {"all", "tagged", phase}


def phase_hosts(pattern, phase, run_tags=None, skip_tags=None):
    """The play's host pattern when its phase is selected, else no host at all: the play is then
    skipped whole ("no hosts matched"), instead of running its tasks tagged always (the roles'
    argument checks, site facts) on every host of a phase the run does not touch."""
    return pattern if phase_selected(phase, run_tags, skip_tags) else []


def coder_inventory_errors(access_url, wildcard_access_url="", regions=None, proxy_urls=None, install=True):
    return site_checks.coder_errors(access_url, wildcard_access_url, regions, proxy_urls, install)


def shared_haproxy_errors(groups, api_vip="", api_external=""):
    return site_checks.shared_haproxy_errors(groups, api_vip, api_external)


class FilterModule(object):
    def filters(self):
        return {
            "plan_table": plan_table,
            "plan_markdown": plan_markdown,
            "inventory_name": inventory_name,
            "site_paths": site_paths,
            "plan_digest": plan_digest,
            "database_endpoint": database_endpoint,
            "kubernetes_api_endpoint": kubernetes_api_endpoint,
            "site_placeholders": site_placeholders,
            "coder_inventory_errors": coder_inventory_errors,
            "shared_haproxy_errors": shared_haproxy_errors,
            "phase_hosts": phase_hosts,
        }
