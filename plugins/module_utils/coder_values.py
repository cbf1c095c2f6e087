# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Helm values of the `coder` and `coder-provisioner` charts, from the sizing plan.

Plain dicts, written to <output dir>/helm/<release>.yaml by the coder phase and passed to
Helm exactly as written, so users can commit and review them. Every figure comes from the
plan (replicas, requests = limits); placement from the node pools; the environment follows
Coder's documentation of the chart values (docs/coder.md lists each). Objects the
collection adds (Secrets, PodDisruptionBudget, metrics Service) are built here too and
validated against the Kubernetes schemas in the tests. No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    from urllib.parse import quote
except ImportError:  # Python 2 (sanity only)
    from urllib import quote  # type: ignore

from ansible_collections.onprem.coder.plugins.module_utils.dicts import merge
from ansible_collections.onprem.coder.plugins.module_utils.k8s_manifests import CODERD, PROVISIONER

POOL_KEY = "onprem.coder/pool"
# The chart sets these itself; setting them too breaks it or is ignored.
CHART_OWNED_ENV = ("CODER_HTTP_ADDRESS", "CODER_TLS_ENABLE", "CODER_TLS_ADDRESS", "CODER_TLS_CERT_FILE",
                   "CODER_TLS_KEY_FILE", "KUBE_POD_IP", "CODER_DERP_SERVER_RELAY_URL", "CODER_CLUSTER_HOST")
AIRGAP_ENV = (("CODER_TELEMETRY_ENABLE", "false"), ("CODER_UPDATE_CHECK", "false"), ("CODER_BLOCK_DIRECT", "true"),
              ("CODER_DERP_SERVER_STUN_ADDRESSES", "disable"))
# Prometheus of the observability bundle scrapes only pods annotated so (coderd, provisioners, proxies).
SCRAPE_ANNOTATIONS = {"prometheus.io/scrape": "true", "prometheus.io/port": "2112"}
DB_SECRET = "coder-db-url"
DB_CA_SECRET = "coder-db-ca"
KEYS_SECRET = "coder-external-token-encryption-keys"


class ValuesError(ValueError):
    pass


def database_url(endpoint, password, ca_path):
    """postgres:// URL for CODER_PG_CONNECTION_URL: password URL-encoded, verify-full with the CA."""
    for key in ("host", "port", "database", "user"):
        if not endpoint.get(key):
            raise ValuesError("onprem_coder_database_endpoint.%s: not set, expected the database endpoint from the "
                              "database phase or the inventory" % key)
    if not password:
        raise ValuesError("coder_database_password: not set, expected the Coder role's password from Ansible Vault")
    host = endpoint["host"]
    if ":" in str(host):
        host = "[%s]" % host
    return "postgres://%s:%s@%s:%s/%s?sslmode=verify-full&sslrootcert=%s" % (
        quote(str(endpoint["user"]), safe=""), quote(str(password), safe=""), host, endpoint["port"],
        quote(str(endpoint["database"]), safe=""), ca_path)


def _pool_placement(pool):
    return ({POOL_KEY: pool},
            [{"key": POOL_KEY, "operator": "Equal", "value": pool, "effect": "NoSchedule"}])


def _env(items):
    return [{"name": name, "value": value} for name, value in items]


def check_url(name, value, wildcard=False):
    text = str(value or "")
    if not text.startswith(("https://", "http://")) and not wildcard:
        raise ValuesError("%s: %r, expected an http(s):// URL" % (name, value))
    if wildcard and text and not text.startswith("*"):
        raise ValuesError("%s: %r, expected a wildcard host such as *.coder.example.com" % (name, value))
    return text


def coder_values(plan, settings):
    """Values of the `coder` release (the control plane)."""
    given = dict(settings)
    access_url = check_url("onprem_coder_access_url", given.get("access_url"))
    wildcard = check_url("onprem_coder_wildcard_access_url", given.get("wildcard_access_url", ""), wildcard=True)
    coderd = plan["coderd"]
    external = plan["provisioners"]["replicas"] > 0 and given.get("external_provisioners", True)
    selector, tolerations = _pool_placement("coder")
    env = [{"name": "CODER_ACCESS_URL", "value": access_url}]
    if wildcard:
        env.append({"name": "CODER_WILDCARD_ACCESS_URL", "value": wildcard})
    env.append({"name": "CODER_PG_CONNECTION_URL", "valueFrom": {"secretKeyRef": {"name": DB_SECRET, "key": "url"}}})
    # literal "true": the chart opens port 2112 only for this exact value
    env += _env([("CODER_PROMETHEUS_ENABLE", "true"), ("CODER_PROMETHEUS_COLLECT_AGENT_STATS", "true"),
                 ("CODER_PROMETHEUS_COLLECT_DB_METRICS", "true")])
    if external:
        env += _env([("CODER_PROVISIONER_DAEMONS", "0")])
    if plan.get("database_encryption"):
        env.append({"name": "CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS",
                    "valueFrom": {"secretKeyRef": {"name": KEYS_SECRET, "key": "keys"}}})
    if given.get("airgapped"):
        env += _env(AIRGAP_ENV)
    if given.get("support_links"):
        env += _env([("CODER_SUPPORT_LINKS", json.dumps(given["support_links"], separators=(",", ":"), sort_keys=True))])
    for item in given.get("extra_env") or []:
        if item.get("name") in CHART_OWNED_ENV:
            raise ValuesError("coder_extra_env: %s is set by the chart itself; remove it" % item.get("name"))
        env = [e for e in env if e["name"] != item.get("name")] + [item]
    service = {"enable": True, "type": "LoadBalancer", "externalTrafficPolicy": "Local"}
    if given.get("load_balancer_ip"):
        service["loadBalancerIP"] = str(given["load_balancer_ip"])
    coder = {
        "image": {"repo": given.get("image_repo", "ghcr.io/coder/coder"), "tag": "v%s" % given["version"],
                  "pullPolicy": "IfNotPresent"},
        "replicaCount": coderd["replicas"],
        "resources": {"requests": dict(coderd["requests"]), "limits": dict(coderd["limits"])},
        "env": env,
        "certs": {"secrets": [{"name": DB_CA_SECRET, "key": "ca.crt"}]},
        "nodeSelector": selector,
        "tolerations": tolerations,
        "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
            "labelSelector": {"matchLabels": {"app.kubernetes.io/instance": given.get("release", "coder")}},
            "topologyKey": "kubernetes.io/hostname"}]}},
        "podAnnotations": dict(SCRAPE_ANNOTATIONS),
        # what the NetworkPolicies select coderd by (database and API egress)
        "podLabels": dict(CODERD),
        "service": service,
    }
    if given.get("image_pull_secrets"):
        coder["image"]["pullSecrets"] = [{"name": name} for name in given["image_pull_secrets"]]
    if given.get("tls_secret"):
        coder["tls"] = {"secretNames": [given["tls_secret"]]}
    values = {
        "coder": coder,
        "extraTemplates": [_yaml_json(pdb(given.get("namespace", "coder"), given.get("release", "coder"), coderd["replicas"])),
                           _yaml_json(metrics_service(given.get("namespace", "coder"), given.get("release", "coder")))],
    }
    return merge(values, given.get("overrides"))


def _yaml_json(obj):
    """JSON is YAML: extraTemplates takes manifests as strings."""
    return json.dumps(obj, sort_keys=True)


def pdb(namespace, release, replicas):
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "%s-pdb" % release, "namespace": namespace},
            "spec": {"maxUnavailable": 1 if replicas > 1 else 0,
                     "selector": {"matchLabels": {"app.kubernetes.io/name": "coder",
                                                  "app.kubernetes.io/instance": release}}}}


def metrics_service(namespace, release):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "%s-metrics" % release, "namespace": namespace,
                         "labels": {"app.kubernetes.io/name": "coder", "app.kubernetes.io/component": "metrics"}},
            "spec": {"clusterIP": "None",
                     "selector": {"app.kubernetes.io/name": "coder", "app.kubernetes.io/instance": release},
                     "ports": [{"name": "metrics", "port": 2112, "targetPort": 2112, "protocol": "TCP"}]}}


def provisioner_values(plan, settings):
    """Values of the `coder-provisioner` release (external provisioner daemons)."""
    given = dict(settings)
    prov = plan["provisioners"]
    pool = "coder" if prov.get("share_coderd_nodes") else "provisioner"
    selector, tolerations = _pool_placement(pool)
    grace = int(given.get("termination_grace_seconds", 1800))
    # The plan's replicas are the site's concurrent builds, on nodes sized for them: a pool
    # without its own count takes what the pools with one leave.
    replicas = int(given.get("replicas") or 0) or int(prov["replicas"]) - int(given.get("other_pools_replicas") or 0)
    if replicas < 1:
        raise ValuesError("onprem_coder_provisioner_pools: the other pools' %d replicas take all of the plan's %d "
                          "concurrent builds; give the first pool its own replicas or raise onprem_coder_concurrent_builds"
                          % (int(given.get("other_pools_replicas") or 0), int(prov["replicas"])))
    if grace < 600:
        raise ValuesError("coder_provisioner_termination_grace_seconds: %d, expected at least 600 (above the longest "
                          "build)" % grace)
    values = {
        "coder": {
            "image": {"repo": given.get("image_repo", "ghcr.io/coder/coder"), "tag": "v%s" % given["version"],
                      "pullPolicy": "IfNotPresent"},
            "replicaCount": replicas,
            "resources": {"requests": dict(prov["requests"]), "limits": dict(prov["limits"])},
            "env": _env([("CODER_URL", given.get("coder_url", "http://coder.%s.svc.cluster.local" % given.get("namespace", "coder"))),
                         ("CODER_PROMETHEUS_ENABLE", "true")]),
            "nodeSelector": selector,
            "tolerations": tolerations,
            # the observability bundle's collector keeps only annotated pods
            "podAnnotations": dict(SCRAPE_ANNOTATIONS),
            # what the NetworkPolicies select provisioners by (API egress), whatever the pool
            "podLabels": dict(PROVISIONER),
        },
        "provisionerDaemon": {"keySecretName": given.get("key_secret", "coder-provisioner-key"), "keySecretKey": "key",
                              "terminationGracePeriodSeconds": grace},
    }
    if given.get("name_override"):
        values["nameOverride"] = given["name_override"]
        # the chart names the ServiceAccount, Role and RoleBinding after coder.serviceAccount.name:
        # a second pool in the same namespace needs its own, or Helm refuses to take them over
        values["coder"]["serviceAccount"] = {"name": given["name_override"]}
    # No air-gap setting here: `coder provisioner start` has no telemetry option (coderd's
    # CODER_TELEMETRY_ENABLE covers the deployment); an unknown variable would do nothing.
    return merge(values, given.get("overrides"))


def proxy_values(plan, region, settings):
    """Values of one region's workspace proxy release (the `coder` chart, workspaceProxy: true)."""
    given = dict(settings)
    proxies = dict((p["name"], p) for p in plan.get("workspace_proxies") or [])
    if region not in proxies:
        raise ValuesError("onprem_coder_regions: no region %r in the plan (regions: %s)" % (region, sorted(proxies)))
    proxy = proxies[region]
    access_url = check_url("onprem_coder_proxy_urls.%s.access_url" % region, given.get("access_url"))
    primary = check_url("onprem_coder_access_url", given.get("primary_access_url"))
    wildcard = check_url("onprem_coder_proxy_urls.%s.wildcard_access_url" % region, given.get("wildcard_access_url", ""),
                         wildcard=True)
    env = _env([("CODER_PRIMARY_ACCESS_URL", primary), ("CODER_ACCESS_URL", access_url)])
    if wildcard:
        env += _env([("CODER_WILDCARD_ACCESS_URL", wildcard)])
    env.append({"name": "CODER_PROXY_SESSION_TOKEN",
                "valueFrom": {"secretKeyRef": {"name": given.get("token_secret", "coder-workspace-proxy-token"), "key": "token"}}})
    env += _env([("CODER_PROMETHEUS_ENABLE", "true")])
    release = given.get("release", "coder-proxy")
    coder = {
        "workspaceProxy": True,
        "image": {"repo": given.get("image_repo", "ghcr.io/coder/coder"), "tag": "v%s" % given["version"], "pullPolicy": "IfNotPresent"},
        "replicaCount": proxy["replicas"],
        "resources": {"requests": dict(proxy["requests"]), "limits": dict(proxy["limits"])},
        "env": env,
        # the chart's default anti-affinity matches the instance `coder`, not this release
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
            "weight": 100, "podAffinityTerm": {
                "labelSelector": {"matchLabels": {"app.kubernetes.io/instance": release}},
                "topologyKey": "kubernetes.io/hostname"}}]}},
        # a proxy relays connections: no workspace RBAC (pods, PVCs, deployments) for it
        "serviceAccount": {"workspacePerms": False, "enableDeployments": False},
        "podAnnotations": dict(SCRAPE_ANNOTATIONS),
        "service": {"enable": True, "type": "LoadBalancer", "externalTrafficPolicy": "Local"},
    }
    # A region's cluster is not one this collection labels: no pool unless the inventory names one.
    if given.get("pool"):
        coder["nodeSelector"], coder["tolerations"] = _pool_placement(given["pool"])
    return merge({"coder": coder}, given.get("overrides"))


# The observability bundle's PostgreSQL exporter checks the database with verify-full against
# the site CA, mounted from this Secret at this path.
OBSERVABILITY_CA_SECRET = "coder-observability-postgres-ca"
OBSERVABILITY_CA_DIR = "/etc/onprem-coder/postgres-ca"


def observability_values(database, settings):
    """Values of the `coder-observability` release: Coder's namespaces and the PostgreSQL exporter.

    ``database`` is the endpoint ({host, port, database, user}); the exporter's password comes
    from the Secret ``password_secret`` (key PGPASSWORD) and the CA from ``ca_secret`` (key
    ca.crt), both made by the role before the release.
    """
    given = dict(settings)
    namespace = given.get("coder_namespace", "coder")
    ca_secret = given.get("ca_secret", OBSERVABILITY_CA_SECRET)
    values = {"global": {
        "coder": {"controlPlaneNamespace": namespace, "externalProvisionersNamespace": namespace},
        "postgres": {
            "hostname": str(database.get("host") or ""),
            "port": int(database.get("port") or 5000),
            "database": database.get("database") or "coder",
            "username": database.get("user") or "coder",
            "sslmode": "verify-full",
            "sslrootcert": "%s/ca.crt" % OBSERVABILITY_CA_DIR,
            "mountSecret": given.get("password_secret", "coder-observability-postgres"),
            "volumes": [{"name": "postgres-ca", "secret": {"secretName": ca_secret}}],
            "volumeMounts": [{"name": "postgres-ca", "mountPath": OBSERVABILITY_CA_DIR, "readOnly": True}],
        },
    }}
    return merge(values, given.get("overrides"))


def secret(name, namespace, data, labels=None):
    """A Secret with stringData (values never logged by the callers)."""
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": dict({"app.kubernetes.io/managed-by": "onprem.coder"}, **(labels or {}))},
            "stringData": dict((str(k), str(v)) for k, v in data.items())}
