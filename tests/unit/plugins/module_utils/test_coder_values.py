# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Helm values from the 1k and 3k plans; checked against the collection's values schema for
the pinned chart line and, for the objects the collection adds, the Kubernetes schemas."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
import yaml

from ansible_collections.onprem.coder.plugins.module_utils.coder_values import (
    ValuesError, coder_values, database_url, metrics_service, pdb, provisioner_values, proxy_values, secret)
from ansible_collections.onprem.coder.plugins.module_utils.coder_values_schema import SCHEMA
from ansible_collections.onprem.coder.plugins.module_utils.sizing import size

jsonschema = pytest.importorskip("jsonschema")
kubernetes_validate = pytest.importorskip("kubernetes_validate")
PLAN_1K = size(1000)
PLAN_3K = size(3000, regions=[{"name": "eu-west", "users": 1200}], database_encryption=True)
BASE = {"version": "2.34.0", "access_url": "https://coder.example.com", "wildcard_access_url": "*.coder.example.com"}


def env(values):
    return dict((e["name"], e.get("value", e.get("valueFrom"))) for e in values["coder"]["env"])


def test_1k_values_follow_the_plan_and_the_pool():
    values = coder_values(PLAN_1K, BASE)
    jsonschema.validate(values, SCHEMA)
    coder = values["coder"]
    assert coder["replicaCount"] == 3
    assert coder["podLabels"] == {"onprem.coder/component": "coderd"}     # what the NetworkPolicies select
    assert coder["resources"] == {"requests": {"cpu": "2000m", "memory": "8Gi"}, "limits": {"cpu": "2000m", "memory": "8Gi"}}
    assert coder["nodeSelector"] == {"onprem.coder/pool": "coder"}
    assert coder["tolerations"] == [{"key": "onprem.coder/pool", "operator": "Equal", "value": "coder", "effect": "NoSchedule"}]
    anti = coder["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert anti["topologyKey"] == "kubernetes.io/hostname"
    variables = env(values)
    assert variables["CODER_PROMETHEUS_ENABLE"] == "true"          # the literal string
    assert variables["CODER_PG_CONNECTION_URL"] == {"secretKeyRef": {"name": "coder-db-url", "key": "url"}}
    assert variables["CODER_WILDCARD_ACCESS_URL"] == "*.coder.example.com"
    assert variables["CODER_PROVISIONER_DAEMONS"] == "0"
    assert "CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS" not in variables
    assert not set(variables) & {"CODER_HTTP_ADDRESS", "CODER_TLS_ENABLE", "KUBE_POD_IP", "CODER_DERP_SERVER_RELAY_URL"}
    assert coder["certs"]["secrets"] == [{"name": "coder-db-ca", "key": "ca.crt"}]
    assert coder["service"]["type"] == "LoadBalancer"


def test_3k_values_encryption_airgap_and_support_links():
    values = coder_values(PLAN_3K, dict(BASE, airgapped=True, load_balancer_ip="10.20.0.200",
                                        support_links=[{"name": "Help", "target": "https://wiki", "icon": "bug"}]))
    jsonschema.validate(values, SCHEMA)
    assert values["coder"]["replicaCount"] == 4
    # 4 vCPU from the 3k tier + 1 for database encryption, requests = limits
    assert values["coder"]["resources"] == {"requests": {"cpu": "5000m", "memory": "12Gi"},
                                            "limits": {"cpu": "5000m", "memory": "12Gi"}}
    variables = env(values)
    assert variables["CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS"]["secretKeyRef"]["name"] == "coder-external-token-encryption-keys"
    for name, value in (("CODER_TELEMETRY_ENABLE", "false"), ("CODER_UPDATE_CHECK", "false"), ("CODER_BLOCK_DIRECT", "true"),
                        ("CODER_DERP_SERVER_STUN_ADDRESSES", "disable")):
        assert variables[name] == value
    assert json.loads(variables["CODER_SUPPORT_LINKS"])[0]["target"] == "https://wiki"
    assert values["coder"]["service"]["loadBalancerIP"] == "10.20.0.200"


def test_added_objects_are_valid_kubernetes():
    values = coder_values(PLAN_1K, BASE)
    for text in values["extraTemplates"]:
        kubernetes_validate.validate(json.loads(text), "1.31.0", strict=True)
    assert pdb("coder", "coder", 1)["spec"]["maxUnavailable"] == 0
    kubernetes_validate.validate(metrics_service("coder", "coder"), "1.31.0", strict=True)
    kubernetes_validate.validate(secret("coder-db-url", "coder", {"url": "postgres://x"}), "1.31.0", strict=True)


def test_database_url_encodes_the_password_and_verifies_the_server():
    endpoint = {"host": "10.0.3.100", "port": 5000, "database": "coder", "user": "coder"}
    url = database_url(endpoint, "p@ss:w/rd#1", "/etc/ssl/certs/coder-db-ca.crt")
    assert url == ("postgres://coder:p%40ss%3Aw%2Frd%231@10.0.3.100:5000/coder"
                   "?sslmode=verify-full&sslrootcert=/etc/ssl/certs/coder-db-ca.crt")
    with pytest.raises(ValuesError, match="coder_database_password"):
        database_url(endpoint, "", "/x")
    with pytest.raises(ValuesError, match="onprem_coder_database_endpoint.host"):
        database_url(dict(endpoint, host=""), "x", "/x")


def test_provisioners_follow_the_plan_and_pool():
    values = provisioner_values(PLAN_3K, {"version": "2.34.0"})
    jsonschema.validate(values, SCHEMA)
    assert values["coder"]["replicaCount"] == 180
    assert values["coder"]["nodeSelector"] == {"onprem.coder/pool": "provisioner"}
    assert values["provisionerDaemon"]["keySecretName"] == "coder-provisioner-key"
    assert "tags" not in values["provisionerDaemon"]       # rejected together with a key
    small = provisioner_values(size(100), {"version": "2.34.0"})
    assert small["coder"]["nodeSelector"] == {"onprem.coder/pool": "coder"}     # the plan lets them share
    gpu = provisioner_values(PLAN_3K, {"version": "2.34.0", "replicas": 4, "key_secret": "coder-provisioner-key-gpu",
                                       "name_override": "coder-provisioner-gpu"})
    jsonschema.validate(gpu, SCHEMA)
    assert gpu["coder"]["replicaCount"] == 4 and gpu["nameOverride"] == "coder-provisioner-gpu"
    assert gpu["provisionerDaemon"]["keySecretName"] == "coder-provisioner-key-gpu"
    # two pools in one namespace: the second's ServiceAccount, Role and RoleBinding have their own names
    assert gpu["coder"]["serviceAccount"] == {"name": "coder-provisioner-gpu"}
    assert "serviceAccount" not in values["coder"]       # the first keeps the chart's coder-provisioner
    for each in (values, gpu):
        assert each["coder"]["podAnnotations"] == {"prometheus.io/scrape": "true", "prometheus.io/port": "2112"}
        # what the NetworkPolicies select every pool's daemons by (their chart labels differ by pool)
        assert each["coder"]["podLabels"] == {"onprem.coder/component": "provisioner"}
    # the plan's replicas are the site's concurrent builds: the untagged pool takes what the others leave
    first = provisioner_values(PLAN_3K, {"version": "2.34.0", "other_pools_replicas": 4})
    assert first["coder"]["replicaCount"] == 176
    with pytest.raises(ValuesError, match="the other pools' 180 replicas take all of the plan's 180 concurrent builds"):
        provisioner_values(PLAN_3K, {"version": "2.34.0", "other_pools_replicas": 180})
    # `coder provisioner start` has no telemetry option: air-gapped changes nothing here
    assert provisioner_values(PLAN_3K, {"version": "2.34.0", "airgapped": True}) == values
    with pytest.raises(ValuesError, match="at least 600"):
        provisioner_values(PLAN_3K, {"version": "2.34.0", "termination_grace_seconds": 60})


def test_proxy_values_per_region():
    values = proxy_values(PLAN_3K, "eu-west", {"version": "2.34.0", "access_url": "https://eu.coder.example.com",
                                               "primary_access_url": "https://coder.example.com",
                                               "wildcard_access_url": "*.eu.coder.example.com"})
    jsonschema.validate(values, SCHEMA)
    assert values["coder"]["workspaceProxy"] is True
    assert values["coder"]["replicaCount"] == 3
    variables = env(values)
    assert variables["CODER_PRIMARY_ACCESS_URL"] == "https://coder.example.com"
    assert variables["CODER_PROXY_SESSION_TOKEN"]["secretKeyRef"]["key"] == "token"
    # replicas spread by their own release, no workspace RBAC, scraped, and no pool label that
    # nothing puts on a region's nodes
    term = values["coder"]["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["podAffinityTerm"]["labelSelector"]["matchLabels"] == {"app.kubernetes.io/instance": "coder-proxy"}
    assert values["coder"]["serviceAccount"] == {"workspacePerms": False, "enableDeployments": False}
    assert values["coder"]["podAnnotations"]["prometheus.io/scrape"] == "true"
    assert "nodeSelector" not in values["coder"] and "tolerations" not in values["coder"]
    pinned = proxy_values(PLAN_3K, "eu-west", {"version": "2.34.0", "access_url": "https://eu.coder.example.com",
                                               "primary_access_url": "https://coder.example.com", "pool": "edge"})
    assert pinned["coder"]["nodeSelector"] == {"onprem.coder/pool": "edge"}
    with pytest.raises(ValuesError, match="no region 'mars'"):
        proxy_values(PLAN_3K, "mars", {"version": "2.34.0"})


def test_bad_settings_are_named():
    with pytest.raises(ValuesError, match="onprem_coder_access_url"):
        coder_values(PLAN_1K, dict(BASE, access_url="coder.example.com"))
    with pytest.raises(ValuesError, match="onprem_coder_wildcard_access_url"):
        coder_values(PLAN_1K, dict(BASE, wildcard_access_url="coder.example.com"))
    with pytest.raises(ValuesError, match="set by the chart itself"):
        coder_values(PLAN_1K, dict(BASE, extra_env=[{"name": "CODER_HTTP_ADDRESS", "value": "0.0.0.0:80"}]))


def test_the_schema_catches_a_mistake():
    values = coder_values(PLAN_1K, BASE)
    values["coder"]["replicas"] = 3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(values, SCHEMA)


CLI = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "shared", "upstream", "coder-cli")


def options(*names):
    found = set()
    for name in names + ("env_global.txt",):
        with open(os.path.join(CLI, name)) as handle:
            found.update(line.strip() for line in handle if line.strip() and not line.startswith("#"))
    return found


def test_every_environment_variable_is_an_option_of_the_command_that_reads_it():
    if not os.path.isdir(CLI):
        pytest.skip("../shared/upstream/coder-cli (the option names of each coder command) is not on this machine")
    coderd = coder_values(PLAN_3K, dict(BASE, airgapped=True, support_links=[{"name": "x", "target": "https://x"}]))
    provisioner = provisioner_values(PLAN_3K, {"version": "2.34.0", "airgapped": True})
    proxy = proxy_values(PLAN_3K, "eu-west", {"version": "2.34.0", "access_url": "https://eu.coder.example.com",
                                              "primary_access_url": "https://coder.example.com",
                                              "wildcard_access_url": "*.eu.coder.example.com"})
    for values, command in ((coderd, "env_server.txt"), (provisioner, "env_provisioner.txt"), (proxy, "env_wsproxy.txt")):
        unknown = sorted(set(env(values)) - options(command))
        assert unknown == [], "%s: not options of the command (%s)" % (unknown, command)


def test_the_postgres_exporter_checks_the_database_with_the_site_ca():
    from ansible_collections.onprem.coder.plugins.module_utils.coder_values import observability_values
    values = observability_values({"host": "10.0.3.100", "port": 5000, "database": "coder", "user": "coder"},
                                  {"coder_namespace": "coder"})
    postgres = values["global"]["postgres"]
    assert postgres["sslmode"] == "verify-full"
    mount = postgres["volumeMounts"][0]
    assert postgres["sslrootcert"] == mount["mountPath"] + "/ca.crt"
    assert postgres["volumes"][0]["secret"]["secretName"] == "coder-observability-postgres-ca"
    assert postgres["volumes"][0]["name"] == mount["name"]
    assert postgres["mountSecret"] == "coder-observability-postgres"
    upstream = os.path.join(os.path.dirname(CLI), "coder-observability", "0.6.2", "values.yaml")
    if os.path.exists(upstream):
        with open(upstream) as handle:
            chart = yaml.safe_load(handle)
        # every key we set exists in the pinned chart's values
        assert set(postgres) <= set(chart["global"]["postgres"]), set(postgres) - set(chart["global"]["postgres"])
        assert set(values["global"]["coder"]) <= set(chart["global"]["coder"])
