# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.sizing import (
    SizingError, cpu_quantity, max_connections, memory_quantity, postgresql_parameters, size)

# Coder's published per-tier table (docs/install/plan/sizing/*-users.md).
PUBLISHED = {
    1000: {"coderd": (2, 8, 3), "prov": 60, "db": (8, 30), "proxy": None, "ws": 600, "builds": 60},
    2000: {"coderd": (4, 12, 3), "prov": 120, "db": (16, 60), "proxy": (4, 12, 3), "ws": 1200, "builds": 120},
    3000: {"coderd": (4, 12, 4), "prov": 180, "db": (32, 120), "proxy": (4, 12, 4), "ws": 1800, "builds": 180},
    10000: {"coderd": (4, 12, 10), "prov": 600, "db": (64, 240), "proxy": (4, 12, 10), "ws": 6000, "builds": 600},
}
TIER_NAMES = {1000: "1k", 2000: "2k", 3000: "3k", 10000: "10k"}


@pytest.mark.parametrize("users", sorted(PUBLISHED))
def test_published_tiers_are_reproduced(users):
    expected = PUBLISHED[users]
    plan = size(users, regions=[{"name": "r1", "users": users}])
    assert plan["tier"] == TIER_NAMES[users]
    assert plan["concurrent_workspaces"] == expected["ws"]
    assert plan["concurrent_builds"] == expected["builds"]
    cpu, memory, replicas = expected["coderd"]
    coderd = plan["coderd"]
    assert (coderd["cpu"], coderd["memory_gb"], coderd["replicas"]) == (cpu, memory, replicas)
    assert coderd["requests"] == coderd["limits"] == {"cpu": "%d000m" % cpu, "memory": "%dGi" % memory}
    assert coderd["builtin_provisioners"] == 0
    prov = plan["provisioners"]
    assert prov["replicas"] == expected["prov"]
    assert (prov["cpu"], prov["memory_gb"]) == (1, 1)
    assert prov["requests"] == prov["limits"] == {"cpu": "1000m", "memory": "1Gi"}
    assert prov["nodes"] == expected["prov"] // 30
    assert prov["share_coderd_nodes"] is False
    db = plan["database"]
    assert (db["vcpu"], db["memory_gb"]) == expected["db"]
    assert db["nodes"] == 3
    proxy = plan["workspace_proxies"][0]
    published_proxy = expected["proxy"] or PUBLISHED[2000]["proxy"]
    assert (proxy["cpu"], proxy["memory_gb"], proxy["replicas"]) == published_proxy
    assert proxy["requests"] == {"cpu": "4000m", "memory": "12Gi"}


def test_1k_proxy_is_not_published_and_says_so():
    plan = size(1000, regions=[{"name": "eu", "users": 1000}])
    assert any("no 1k proxy figures" in w for w in plan["warnings"])
    assert not any("no 1k proxy" in w for w in size(2000, regions=[{"name": "eu", "users": 2000}])["warnings"])


@pytest.mark.parametrize("users,next_tier", [(1500, 2000), (2500, 3000), (4000, 10000), (1001, 2000)])
def test_between_tiers_never_below_the_next_tier(users, next_tier):
    plan = size(users)
    tier = PUBLISHED[next_tier]
    assert plan["tier"] == "custom"
    assert (plan["coderd"]["cpu"], plan["coderd"]["memory_gb"], plan["coderd"]["replicas"]) == tier["coderd"]
    assert (plan["database"]["vcpu"], plan["database"]["memory_gb"]) == tier["db"]
    # per-load figures follow the load, not the tier
    assert plan["concurrent_workspaces"] == int(users * 0.6 + 0.999)
    assert plan["provisioners"]["replicas"] == plan["concurrent_builds"]


def test_between_tiers_per_load_values():
    plan = size(1500)
    assert plan["concurrent_workspaces"] == 900
    assert plan["concurrent_builds"] == 90
    assert plan["provisioners"]["replicas"] == 90
    assert plan["provisioners"]["nodes"] == 3
    assert plan["workspace_nodes"]["workspaces_per_node"] == 12
    assert plan["workspace_nodes"]["nodes"] == 75   # 900 / 12


def test_above_10k_scales_linearly_with_a_warning():
    plan = size(20000)
    assert plan["tier"] == "custom"
    assert plan["coderd"]["replicas"] == 20
    assert (plan["coderd"]["cpu"], plan["coderd"]["memory_gb"]) == (4, 12)
    assert (plan["database"]["vcpu"], plan["database"]["memory_gb"]) == (128, 480)
    assert plan["provisioners"]["replicas"] == 1200
    assert any("past Coder's largest validated tier" in w for w in plan["warnings"])


def test_below_1k_uses_1k_coderd_and_baseline_database():
    plan = size(300, sizing_basis="baseline")
    assert plan["tier"] == "1k"
    assert (plan["coderd"]["cpu"], plan["coderd"]["memory_gb"], plan["coderd"]["replicas"]) == (2, 8, 3)
    assert (plan["database"]["vcpu"], plan["database"]["memory_gb"], plan["database"]["storage_gb"]) == (2, 8, 512)
    assert any("overview baseline" in w for w in plan["warnings"])
    validated = size(300)
    assert (validated["database"]["vcpu"], validated["database"]["memory_gb"]) == (8, 30)


def test_baseline_adds_2_vcpu_per_1000_active_users():
    plan = size(5000, sizing_basis="baseline", concurrent_workspaces=3000)
    assert plan["database"]["vcpu"] == 2 + 2 * 3
    assert plan["database"]["memory_gb"] == 8 * 4


def test_small_sites_share_coderd_nodes_with_provisioners():
    plan = size(100)
    assert plan["concurrent_builds"] == 6
    assert plan["provisioners"]["share_coderd_nodes"] is True
    assert plan["provisioners"]["nodes"] == 0
    assert plan["kubernetes"]["pools"]["provisioner"]["nodes"] == 0
    assert any("share the coderd nodes" in w for w in plan["warnings"])
    assert size(101)["provisioners"]["share_coderd_nodes"] is False
    assert size(100, concurrent_builds=11)["provisioners"]["share_coderd_nodes"] is False


def test_database_encryption_adds_one_vcpu_per_coderd_replica():
    plan = size(2000, database_encryption=True)
    assert plan["coderd"]["cpu"] == 5
    assert plan["coderd"]["requests"]["cpu"] == "5000m"


def test_no_ha():
    plan = size(1000, ha=False)
    assert plan["database"]["nodes"] == 1
    assert plan["kubernetes"]["control_plane_nodes"] == 1
    assert plan["coderd"]["replicas"] == 1
    assert any("single node" in w for w in plan["warnings"])


def test_built_in_provisioners():
    plan = size(1000, external_provisioners=False)
    assert plan["coderd"]["builtin_provisioners"] == 3
    assert plan["provisioners"]["replicas"] == 0
    assert plan["provisioners"]["nodes"] == 0


def test_regions_each_sized_by_their_users():
    plan = size(10000, regions=[{"name": "eu", "users": 2500}, {"name": "ap", "users": 1500}])
    eu, ap = plan["workspace_proxies"]
    assert (eu["name"], eu["replicas"]) == ("eu", 4)
    assert (ap["name"], ap["replicas"]) == ("ap", 3)


def test_workspace_nodes_follow_profile_and_node_shape():
    plan = size(1000, workspace_profile={"cpu": 2, "memory_gb": 4}, workspace_node={"cpu": 32, "memory_gb": 128})
    # 32 / 2 = 16 workspaces fit, 80 % of that is 12
    assert plan["workspace_nodes"]["workspaces_per_node"] == 12
    assert plan["workspace_nodes"]["nodes"] == 50
    memory_bound = size(1000, workspace_profile={"cpu": 1, "memory_gb": 8})
    assert memory_bound["workspace_nodes"]["workspaces_per_node"] == 6   # 64 / 8 * 0.8
    pod_bound = size(1000, workspace_profile={"cpu": 0.1, "memory_gb": 0.2}, workspace_node={"max_pods": 30})
    assert pod_bound["workspace_nodes"]["workspaces_per_node"] == 16   # (30 - 10) * 0.8


def test_max_connections_formula():
    # ceil(replicas * 1.25) * (10 + 1) + 33 headroom, rounded up to 10, at least 100
    assert max_connections(3) == 100
    assert max_connections(10) == 180     # 13 * 11 + 33 = 176
    assert max_connections(25) == 390     # 32 * 11 + 33 = 385
    assert size(10000)["database"]["max_connections"] == 180


def test_postgresql_parameters_from_size():
    params = postgresql_parameters(16, 60, 100)
    assert params["shared_buffers"] == "15360MB"
    assert params["effective_cache_size"] == "46080MB"
    assert params["maintenance_work_mem"] == "2048MB"
    assert params["work_mem"] == "153MB"
    assert params["max_worker_processes"] == 16
    assert params["max_parallel_workers"] == 8
    assert params["huge_pages"] == "try"
    small = postgresql_parameters(2, 8, 100)
    assert small["shared_buffers"] == "2048MB"
    assert small["maintenance_work_mem"] == "512MB"
    assert small["huge_pages"] == "off"
    assert small["max_worker_processes"] == 8


def test_quantities():
    assert cpu_quantity(4) == "4000m"
    assert cpu_quantity(0.5) == "500m"
    assert memory_quantity(12) == "12Gi"
    assert memory_quantity(0.5) == "512Mi"


def test_monotonic_in_users():
    previous = None
    for users in list(range(50, 12001, 50)) + [15000, 20000, 50000]:
        plan = size(users)
        figures = (
            plan["coderd"]["replicas"], plan["coderd"]["cpu"], plan["coderd"]["memory_gb"],
            plan["provisioners"]["replicas"], plan["provisioners"]["nodes"] + (1 if plan["provisioners"]["share_coderd_nodes"] else 0),
            plan["database"]["vcpu"], plan["database"]["memory_gb"], plan["database"]["storage_gb"],
            plan["database"]["max_connections"], plan["workspace_nodes"]["nodes"],
            sum(pool["nodes"] for pool in plan["kubernetes"]["pools"].values()),
        )
        if previous is not None:
            for before, after in zip(previous[1], figures):
                assert after >= before, "%d users gave fewer than %d users: %r < %r" % (users, previous[0], figures, previous[1])
        previous = (users, figures)


def test_monotonic_regions():
    last = 0
    for users in range(100, 20001, 100):
        replicas = size(20000, regions=[{"name": "r", "users": users}])["workspace_proxies"][0]["replicas"]
        assert replicas >= last
        last = replicas


@pytest.mark.parametrize("kwargs,message", [
    ({"users": 0}, "users: got 0, expected a number greater than 0"),
    ({"users": -5}, "users: got -5"),
    ({"users": "many"}, "users: got 'many', expected a number"),
    ({"users": True}, "users: got True"),
    ({"users": 100, "workspace_ratio": 1.5}, "workspace_ratio: got 1.5, expected a ratio"),
    ({"users": 100, "build_ratio": 0}, "build_ratio: got 0, expected a ratio"),
    ({"users": 100, "concurrent_builds": 0}, "concurrent_builds: got 0, expected a number of at least 1"),
    ({"users": 100, "concurrent_workspaces": -1}, "concurrent_workspaces: got -1"),
    ({"users": 100, "regions": [{"users": 10}]}, "regions[0].name: got None, expected a non-empty region name"),
    ({"users": 100, "regions": [{"name": "", "users": 10}]}, "regions[0].name: got ''"),
    ({"users": 100, "regions": [{"name": "a", "users": 10, "zone": 1}]}, "regions[0]: unknown key(s) zone"),
    ({"users": 100, "regions": [{"name": "a", "users": 0}]}, "regions[0].users: got 0"),
    ({"users": 100, "regions": [{"name": "a", "users": 60}, {"name": "a", "users": 10}]}, "regions[1].name: 'a' appears twice"),
    ({"users": 100, "regions": [{"name": "a", "users": 60}, {"name": "b", "users": 60}]}, "add up to 120, expected at most users (100)"),
    ({"users": 100, "workspace_profile": {"cpu": 0}}, "workspace_profile.cpu: got 0, expected a number greater than 0"),
    ({"users": 100, "workspace_profile": {"gpu": 1}}, "workspace_profile: unknown key(s) gpu"),
    ({"users": 100, "workspace_node": {"max_pods": 10.5}}, "workspace_node.max_pods: got 10.5, expected a whole number"),
    ({"users": 100, "workspace_node": {"cpu": 1}, "workspace_profile": {"cpu": 2}}, "workspace_node: a 1.0 vCPU"),
    ({"users": 100, "sizing_basis": "vibes"}, "sizing_basis: got 'vibes', expected one of validated, baseline"),
    ({"users": 100, "ha": "yes"}, "ha: got 'yes', expected true or false"),
    ({"users": 100, "provisioners_per_node": 0}, "provisioners_per_node: got 0"),
])
def test_bad_input_names_option_and_value(kwargs, message):
    with pytest.raises(SizingError) as excinfo:
        size(**kwargs)
    assert message in str(excinfo.value)


def test_plan_keys_are_stable():
    plan = size(1000)
    assert sorted(plan) == sorted([
        "tier", "sizing_basis", "users", "concurrent_workspaces", "concurrent_builds", "ha",
        "database_encryption", "coderd", "provisioners", "workspace_proxies", "database",
        "workspace_nodes", "kubernetes", "warnings"])
    assert sorted(plan["database"]) == ["max_connections", "memory_gb", "nodes", "parameters", "storage_gb", "vcpu"]
    assert sorted(plan["database"]["parameters"]) == sorted([
        "max_connections", "shared_buffers", "effective_cache_size", "maintenance_work_mem", "work_mem",
        "max_worker_processes", "max_parallel_workers", "huge_pages", "random_page_cost",
        "effective_io_concurrency"])
    assert sorted(plan["kubernetes"]["pools"]) == ["coder", "control_plane", "provisioner", "workspace"]


def test_the_database_can_keep_three_members_without_the_rest_being_ha():
    plan = size(100, concurrent_workspaces=12, concurrent_builds=2, ha=False, database_ha=True)
    assert plan["database"]["nodes"] == 3 and plan["coderd"]["replicas"] == 1
    assert plan["kubernetes"]["control_plane_nodes"] == 1
    assert not any(warning.startswith("database:") for warning in plan["warnings"])
    assert size(100, ha=False)["database"]["nodes"] == 1
    with pytest.raises(SizingError, match="database_ha: got 'yes'"):
        size(100, database_ha="yes")
