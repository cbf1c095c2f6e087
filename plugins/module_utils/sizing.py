# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Deployment sizing after Coder's Validated Architecture.

Pure Python, no Ansible imports: ``size()`` is called by the ``cva_sizing`` module and
tested directly with pytest.

Sources (see docs/sizing.md): Coder's per-tier reference architectures (1k, 2k, 3k, 10k
users), the scale-testing formulas, the validated-architectures overview (database
baseline), and Kubernetes' guidance for control plane sizes.

The rules:

* Published tiers are reproduced exactly: 1000, 2000, 3000 and 10000 users with default
  loads give every figure of Coder's table.
* Per-tier figures (coderd shape and replicas, database shape, workspace proxy shape and
  replicas) between two tiers are taken from the next tier up: never below what Coder
  validated for at least as many users.
* Per-load figures are computed from the load itself: provisioner replicas equal the
  concurrent builds, workspace nodes are sized from the concurrent workspaces.
* Above 10000 users the 10k tier scales linearly (with a warning); below 1000 users the 1k
  tier applies (``sizing_basis: baseline`` uses the overview's database baseline instead).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

# Coder's published per-tier figures (docs/install/plan/sizing/*-users.md).
TIERS = (
    {"name": "1k", "users": 1000, "coderd": (2, 8, 3), "database": (8, 30), "proxy": None},
    {"name": "2k", "users": 2000, "coderd": (4, 12, 3), "database": (16, 60), "proxy": (4, 12, 3)},
    {"name": "3k", "users": 3000, "coderd": (4, 12, 4), "database": (32, 120), "proxy": (4, 12, 4)},
    {"name": "10k", "users": 10000, "coderd": (4, 12, 10), "database": (64, 240), "proxy": (4, 12, 10)},
)

WORKSPACE_RATIO = 0.6          # running workspaces per user (all tiers)
BUILD_RATIO = 0.1              # concurrent builds per running workspace (all tiers)
PROVISIONER_SHAPE = (1, 1)     # vCPU, GB per provisioner daemon
PROVISIONERS_PER_NODE = 30     # Coder: at most 30 provisioners per machine
SHARE_MAX_USERS = 100          # 1k tier only: provisioners may share coderd nodes up to
SHARE_MAX_BUILDS = 10          # about 100 users and 10 concurrent builds
WORKSPACE_PROFILE = {"cpu": 1.0, "memory_gb": 2.0}                 # scale-test workspace
WORKSPACE_NODE = {"cpu": 16.0, "memory_gb": 64.0, "max_pods": 110}
WORKSPACE_NODE_UTILISATION = 0.8   # Coder scales workspace nodes at 80 % CPU or memory
NODE_SYSTEM_PODS = 10          # DaemonSet and system pods on each node (CNI, CSI, proxy)
NODE_OVERHEAD = (0.5, 1.0)     # vCPU, GB kept for kubelet, runtime and DaemonSets
DB_STORAGE_PER_1000_USERS_GB = 512   # Coder's node-based pages: 512 GB, 1 TB, 1.5 TB
DB_BASELINE = (2, 8, 512)      # overview: under 1000 users at low activity
DB_BASELINE_VCPU_PER_1000_ACTIVE = 2
CODERD_PG_CONN_MAX_OPEN = 10   # CODER_PG_CONN_MAX_OPEN default
CODERD_PUBSUB_CONNECTIONS = 1  # one LISTEN/NOTIFY connection per replica
CODERD_ROLLOUT_SURGE = 0.25    # Deployment maxSurge during a rolling update
DB_HEADROOM = {"superuser": 3, "replication": 10, "backup": 5, "monitoring": 5, "admin": 10}
DB_MIN_CONNECTIONS = 100
BUILTIN_PROVISIONERS = 3       # CODER_PROVISIONER_DAEMONS default per coderd replica
# Kubernetes' "considerations for large clusters": control plane size by node count,
# raised to kubeadm's minimum of 2 vCPU / 2 GB and to 4 GB for an HA etcd member.
CONTROL_PLANE_SHAPES = ((5, 2, 4), (10, 2, 8), (100, 4, 16), (250, 8, 32), (500, 16, 64))
CONTROL_PLANE_LARGEST = (32, 128)

SIZING_BASES = ("validated", "baseline")


class SizingError(ValueError):
    """Bad input; the message names the option, the value and what is expected."""


def _check_number(name, value, minimum=None, integer=False, exclusive=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SizingError("%s: got %r, expected a number" % (name, value))
    if integer and int(value) != value:
        raise SizingError("%s: got %r, expected a whole number" % (name, value))
    if minimum is not None:
        if exclusive and value <= minimum:
            raise SizingError("%s: got %r, expected a number greater than %s" % (name, value, minimum))
        if not exclusive and value < minimum:
            raise SizingError("%s: got %r, expected a number of at least %s" % (name, value, minimum))
    return int(value) if integer else float(value)


def _check_ratio(name, value):
    number = _check_number(name, value)
    if not 0 < number <= 1:
        raise SizingError("%s: got %r, expected a ratio greater than 0 and at most 1" % (name, value))
    return number


def _check_dict(name, value, defaults, integer_keys=()):
    if value is None:
        return dict(defaults)
    if not isinstance(value, dict):
        raise SizingError("%s: got %r, expected a dict with keys %s" % (name, value, ", ".join(sorted(defaults))))
    unknown = sorted(set(value) - set(defaults))
    if unknown:
        raise SizingError("%s: unknown key(s) %s, expected only %s"
                          % (name, ", ".join(unknown), ", ".join(sorted(defaults))))
    result = dict(defaults)
    for key, item in value.items():
        if item is None:
            continue
        result[key] = _check_number("%s.%s" % (name, key), item, minimum=0, exclusive=True,
                                    integer=key in integer_keys)
    return result


def _check_regions(regions, users):
    if regions is None:
        return []
    if not isinstance(regions, list):
        raise SizingError("regions: got %r, expected a list of {name, users}" % (regions,))
    checked = []
    seen = set()
    for index, region in enumerate(regions):
        where = "regions[%d]" % index
        if not isinstance(region, dict):
            raise SizingError("%s: got %r, expected a dict {name, users}" % (where, region))
        unknown = sorted(set(region) - {"name", "users"})
        if unknown:
            raise SizingError("%s: unknown key(s) %s, expected only name, users" % (where, ", ".join(unknown)))
        name = region.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SizingError("%s.name: got %r, expected a non-empty region name" % (where, name))
        if name in seen:
            raise SizingError("%s.name: %r appears twice, expected unique region names" % (where, name))
        seen.add(name)
        region_users = _check_number("%s.users" % where, region.get("users"), minimum=0,
                                     exclusive=True, integer=True)
        checked.append({"name": name, "users": region_users})
    total = sum(r["users"] for r in checked)
    if total > users:
        raise SizingError("regions: the regions' users add up to %d, expected at most users (%d)" % (total, users))
    return checked


def cpu_quantity(cpu):
    """Kubernetes CPU quantity in millicores: 4 -> '4000m'."""
    return "%dm" % int(round(cpu * 1000))


def memory_quantity(memory_gb):
    """Kubernetes memory quantity: 12 -> '12Gi', 0.5 -> '512Mi'."""
    if float(memory_gb).is_integer():
        return "%dGi" % int(memory_gb)
    return "%dMi" % int(round(memory_gb * 1024))


def _resources(cpu, memory_gb):
    quantities = {"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory_gb)}
    return dict(quantities), dict(quantities)


def _tier_for(users):
    """Published tier whose per-tier figures apply, and the linear factor above 10k."""
    for tier in TIERS:
        if users <= tier["users"]:
            return tier, 1.0
    largest = TIERS[-1]
    return largest, users / float(largest["users"])


def _tier_name(users):
    if users < TIERS[0]["users"]:
        return TIERS[0]["name"]
    for tier in TIERS:
        if users == tier["users"]:
            return tier["name"]
    return "custom"


def _component(cpu, memory_gb, replicas):
    requests, limits = _resources(cpu, memory_gb)
    return {"replicas": replicas, "cpu": cpu, "memory_gb": memory_gb,
            "requests": requests, "limits": limits}


def _proxy(region, warnings):
    tier, factor = _tier_for(region["users"])
    if tier["proxy"] is None:
        warnings.append("workspace proxy %s: Coder publishes no 1k proxy figures; the 2k figures "
                        "(4 vCPU / 12 GB x 3) are used" % region["name"])
        tier = TIERS[1]
    cpu, memory_gb, replicas = tier["proxy"]
    if factor > 1:
        replicas = int(math.ceil(replicas * factor))
        warnings.append("workspace proxy %s: %d users is past the 10k tier; replicas scaled linearly to %d"
                        % (region["name"], region["users"], replicas))
    proxy = _component(cpu, memory_gb, replicas)
    proxy["name"] = region["name"]
    proxy["users"] = region["users"]
    return proxy


def _round_up(value, step):
    return int(math.ceil(value / float(step)) * step)


def max_connections(coderd_replicas):
    """Connections PostgreSQL must accept for Coder, with headroom.

    ceil(replicas x 1.25) x (CODER_PG_CONN_MAX_OPEN + 1 pubsub) + superuser + replication
    + backup + monitoring + admin, rounded up to a multiple of 10, at least 100.
    The 1.25 covers the surge pods of a rolling update.
    """
    pods = int(math.ceil(coderd_replicas * (1 + CODERD_ROLLOUT_SURGE)))
    needed = pods * (CODERD_PG_CONN_MAX_OPEN + CODERD_PUBSUB_CONNECTIONS) + sum(DB_HEADROOM.values())
    return max(DB_MIN_CONNECTIONS, _round_up(needed, 10))


def postgresql_parameters(vcpu, memory_gb, connections):
    """Recommended PostgreSQL settings for a database host of this size."""
    memory_mb = int(memory_gb * 1024)
    shared_buffers = memory_mb // 4
    maintenance = min(2048, max(512, int(memory_mb * 0.05)))
    work_mem = min(256, max(4, int(memory_mb * 0.25 / connections)))
    return {
        "max_connections": connections,
        "shared_buffers": "%dMB" % shared_buffers,
        "effective_cache_size": "%dMB" % (memory_mb * 3 // 4),
        "maintenance_work_mem": "%dMB" % maintenance,
        "work_mem": "%dMB" % work_mem,
        "max_worker_processes": max(8, int(vcpu)),
        "max_parallel_workers": max(2, int(vcpu) // 2),
        "huge_pages": "try" if shared_buffers >= 8192 else "off",
        "random_page_cost": 1.1,
        "effective_io_concurrency": 200,
    }


def _database(users, active_users, tier, factor, coderd_replicas, sizing_basis, ha, warnings):
    storage_gb = DB_STORAGE_PER_1000_USERS_GB * max(1, int(math.ceil(users / 1000.0)))
    if sizing_basis == "baseline":
        vcpu, memory_gb, baseline_storage = DB_BASELINE
        if users >= 1000:
            vcpu += DB_BASELINE_VCPU_PER_1000_ACTIVE * int(math.ceil(active_users / 1000.0))
            memory_gb = vcpu * 4
        storage_gb = max(storage_gb, baseline_storage)
        warnings.append("database: sized from the overview baseline (2 vCPU / 8 GB / 512 GB plus 2 vCPU per "
                        "1000 active users), below Coder's validated per-tier figures; fit for pilots")
    else:
        vcpu, memory_gb = tier["database"]
        if factor > 1:
            vcpu = int(math.ceil(vcpu * factor))
            memory_gb = int(math.ceil(memory_gb * factor))
    connections = max_connections(coderd_replicas)
    nodes = 3 if ha else 1
    if not ha:
        warnings.append("database: a single node (ha is false); losing it stops Coder until it is restored")
    return {
        "vcpu": vcpu,
        "memory_gb": memory_gb,
        "storage_gb": storage_gb,
        "nodes": nodes,
        "max_connections": connections,
        "parameters": postgresql_parameters(vcpu, memory_gb, connections),
    }


def _workspace_nodes(concurrent_workspaces, profile, node):
    fits = min(node["cpu"] / profile["cpu"], node["memory_gb"] / profile["memory_gb"])
    fits_pods = max(1, node["max_pods"] - NODE_SYSTEM_PODS)
    per_node = int(math.floor(min(fits, fits_pods) * WORKSPACE_NODE_UTILISATION))
    if per_node < 1:
        raise SizingError("workspace_node: a %s vCPU / %s GB node cannot hold one %s vCPU / %s GB workspace "
                          "at %d %% utilisation, expected a larger node or a smaller workspace_profile"
                          % (node["cpu"], node["memory_gb"], profile["cpu"], profile["memory_gb"],
                             int(WORKSPACE_NODE_UTILISATION * 100)))
    count = int(math.ceil(concurrent_workspaces / float(per_node))) if concurrent_workspaces else 0
    return {
        "nodes": max(1, count),
        "workspaces_per_node": per_node,
        "cpu": node["cpu"],
        "memory_gb": node["memory_gb"],
        "max_pods": int(node["max_pods"]),
        "profile": dict(profile),
    }


def _control_plane_shape(node_count):
    for limit, cpu, memory_gb in CONTROL_PLANE_SHAPES:
        if node_count <= limit:
            return cpu, memory_gb
    return CONTROL_PLANE_LARGEST


def size(users, concurrent_workspaces=None, concurrent_builds=None, workspace_ratio=WORKSPACE_RATIO,
         build_ratio=BUILD_RATIO, regions=None, workspace_profile=None, workspace_node=None,
         database_encryption=False, ha=True, sizing_basis="validated",
         provisioners_per_node=PROVISIONERS_PER_NODE, external_provisioners=True, database_ha=None):
    """Return the deployment plan for ``users`` (see the module's RETURN for the keys)."""
    users = _check_number("users", users, minimum=0, exclusive=True, integer=True)
    workspace_ratio = _check_ratio("workspace_ratio", workspace_ratio)
    build_ratio = _check_ratio("build_ratio", build_ratio)
    if concurrent_workspaces is None:
        concurrent_workspaces = int(math.ceil(users * workspace_ratio))
    concurrent_workspaces = _check_number("concurrent_workspaces", concurrent_workspaces, minimum=0, integer=True)
    if concurrent_builds is None:
        concurrent_builds = max(1, int(math.ceil(concurrent_workspaces * build_ratio)))
    concurrent_builds = _check_number("concurrent_builds", concurrent_builds, minimum=1, integer=True)
    regions = _check_regions(regions, users)
    profile = _check_dict("workspace_profile", workspace_profile, WORKSPACE_PROFILE)
    node = _check_dict("workspace_node", workspace_node, WORKSPACE_NODE, integer_keys=("max_pods",))
    if not isinstance(database_encryption, bool):
        raise SizingError("database_encryption: got %r, expected true or false" % (database_encryption,))
    if not isinstance(ha, bool):
        raise SizingError("ha: got %r, expected true or false" % (ha,))
    # the database may keep its three members where coderd and the control plane do not
    database_ha = ha if database_ha is None else database_ha
    if not isinstance(database_ha, bool):
        raise SizingError("database_ha: got %r, expected true or false" % (database_ha,))
    if not isinstance(external_provisioners, bool):
        raise SizingError("external_provisioners: got %r, expected true or false" % (external_provisioners,))
    if sizing_basis not in SIZING_BASES:
        raise SizingError("sizing_basis: got %r, expected one of %s" % (sizing_basis, ", ".join(SIZING_BASES)))
    provisioners_per_node = _check_number("provisioners_per_node", provisioners_per_node, minimum=1, integer=True)

    warnings = []
    tier, factor = _tier_for(users)
    if factor > 1:
        warnings.append("%d users is past Coder's largest validated tier (10k); figures are scaled linearly "
                        "from it and are not validated by Coder" % users)

    # coderd
    cpu, memory_gb, replicas = tier["coderd"]
    if factor > 1:
        replicas = int(math.ceil(replicas * factor))
    if database_encryption:
        cpu += 1   # Coder: with database encryption, add 1 vCPU to every coderd replica
    if not ha:
        replicas = 1
        warnings.append("coderd: a single replica (ha is false); upgrades and node loss interrupt users")
    coderd = _component(cpu, memory_gb, replicas)
    coderd["builtin_provisioners"] = 0 if external_provisioners else BUILTIN_PROVISIONERS

    # external provisioners: one daemon per concurrent build
    p_cpu, p_memory = PROVISIONER_SHAPE
    p_replicas = concurrent_builds if external_provisioners else 0
    share = bool(external_provisioners and users <= SHARE_MAX_USERS and concurrent_builds <= SHARE_MAX_BUILDS)
    provisioners = _component(p_cpu, p_memory, p_replicas)
    provisioners["per_node"] = provisioners_per_node
    provisioners["share_coderd_nodes"] = share
    provisioners["nodes"] = 0 if share else int(math.ceil(p_replicas / float(provisioners_per_node)))
    if share:
        warnings.append("provisioners: %d daemons share the coderd nodes (Coder allows this only up to about "
                        "%d users and %d concurrent builds)" % (p_replicas, SHARE_MAX_USERS, SHARE_MAX_BUILDS))
    if not external_provisioners:
        warnings.append("provisioners: built-in provisioners only (%d per coderd replica); Coder's validated "
                        "architectures use external provisioners" % BUILTIN_PROVISIONERS)

    proxies = [_proxy(region, warnings) for region in regions]
    database = _database(users, concurrent_workspaces, tier, factor, replicas, sizing_basis, database_ha, warnings)
    workspaces = _workspace_nodes(concurrent_workspaces, profile, node)

    # Kubernetes pools: one coderd replica a node (anti-affinity), provisioners packed
    # per_node a node, workspaces as computed; the control plane sized by node count.
    per_coder_node = int(math.ceil(p_replicas / float(replicas))) if share else 0
    coder_pool = {
        "nodes": replicas,
        "min_cpu": cpu + per_coder_node * p_cpu + NODE_OVERHEAD[0],
        "min_memory_gb": memory_gb + per_coder_node * p_memory + NODE_OVERHEAD[1],
    }
    per_provisioner_node = min(provisioners_per_node, p_replicas) if p_replicas else 0
    provisioner_pool = {
        "nodes": provisioners["nodes"],
        "min_cpu": per_provisioner_node * p_cpu + NODE_OVERHEAD[0] if provisioners["nodes"] else 0,
        "min_memory_gb": per_provisioner_node * p_memory + NODE_OVERHEAD[1] if provisioners["nodes"] else 0,
    }
    workspace_pool = {"nodes": workspaces["nodes"], "min_cpu": node["cpu"], "min_memory_gb": node["memory_gb"]}
    worker_nodes = coder_pool["nodes"] + provisioner_pool["nodes"] + workspace_pool["nodes"]
    cp_cpu, cp_memory = _control_plane_shape(worker_nodes)
    control_plane = {"nodes": 3 if ha else 1, "min_cpu": cp_cpu, "min_memory_gb": cp_memory}
    if not ha:
        warnings.append("kubernetes: a single control plane node (ha is false)")

    return {
        "tier": _tier_name(users) if factor <= 1 else "custom",
        "sizing_basis": sizing_basis,
        "users": users,
        "concurrent_workspaces": concurrent_workspaces,
        "concurrent_builds": concurrent_builds,
        "ha": ha,
        "database_encryption": database_encryption,
        "coderd": coderd,
        "provisioners": provisioners,
        "workspace_proxies": proxies,
        "database": database,
        "workspace_nodes": workspaces,
        "kubernetes": {
            "control_plane_nodes": control_plane["nodes"],
            "pools": {
                "control_plane": control_plane,
                "coder": coder_pool,
                "provisioner": provisioner_pool,
                "workspace": workspace_pool,
            },
        },
        "warnings": warnings,
    }
