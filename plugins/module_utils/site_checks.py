# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The checks every run makes on the whole inventory before any phase changes anything
(roles/plan/tasks/checks.yml): the rules of the phases that are not the database's or the
Kubernetes cluster's own (those are in database_checks.py and kubeadm.py), and the
placeholders a sample inventory ships with.

A placeholder is a string that starts with PLACEHOLDER; the shipped samples use one for every
value only the site can give (its secrets, a region's kubeconfig). The plan and the render
play accept them and list them; any phase that changes a host refuses them. No Ansible
imports: tested with pytest directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.module_utils.coder_values import ValuesError, check_url

PLACEHOLDER = "FILL-IN"
# Every secret variable the collection reads (the inventory's or Ansible Vault's).
SECRETS = (
    "patroni_superuser_password",
    "patroni_replication_password",
    "patroni_rewind_password",
    "patroni_restapi_password",
    "coder_database_password",
    "onprem_coder_database_vip_password",
    "onprem_coder_kubernetes_api_vip_password",
    "onprem_coder_admin_password",
    "onprem_coder_api_token",
    "onprem_coder_license",
)
PREFIX = "onprem_coder_"


def placeholders(variables):
    """The names (with the path inside a dict or list) of every value in ``variables`` (name ->
    value: the onprem_coder_* variables and the secrets) that is still a placeholder."""
    found = []

    def walk(path, value):
        if isinstance(value, dict):
            for key in sorted(value, key=str):
                walk("%s.%s" % (path, key), value[key])
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                walk("%s[%d]" % (path, index), item)
        elif isinstance(value, str) and value.startswith(PLACEHOLDER):
            found.append("%s: %s" % (path, value))

    for name in sorted(variables):
        walk(name, variables[name])
    return found


def coder_errors(access_url, wildcard_access_url="", regions=None, proxy_urls=None, install=True):
    """Every problem of the coder and proxies phases' inputs, each naming the variable, value and
    expectation: Coder's access URL and wildcard, and for each workspace proxy region of the plan
    (``regions``: [{name, ...}]) its entry in ``proxy_urls`` (onprem_coder_proxy_urls): URLs, and a
    kubeconfig for its cluster when the proxies are installed (``install``)."""
    errors = []
    checks = [("onprem_coder_access_url", access_url, False),
              ("onprem_coder_wildcard_access_url", wildcard_access_url, True)]
    proxy_urls = proxy_urls if isinstance(proxy_urls, dict) else {}
    for region in regions or []:
        name = region.get("name") if isinstance(region, dict) else region
        urls = proxy_urls.get(name)
        if not isinstance(urls, dict):
            errors.append("onprem_coder_proxy_urls.%s: not set, expected {access_url, wildcard_access_url, kubeconfig} "
                          "for the workspace proxy region %s of onprem_coder_regions" % (name, name))
            continue
        checks += [("onprem_coder_proxy_urls.%s.access_url" % name, urls.get("access_url"), False),
                   ("onprem_coder_proxy_urls.%s.wildcard_access_url" % name, urls.get("wildcard_access_url", ""), True)]
        if install and not urls.get("kubeconfig"):
            errors.append("onprem_coder_proxy_urls.%s.kubeconfig: not set, expected the kubeconfig of that region's "
                          "cluster" % name)
    for name, value, wildcard in checks:
        try:
            check_url(name, value, wildcard=wildcard)
        except ValuesError as err:
            errors.append(str(err))
    return errors


def shared_haproxy_errors(groups, api_vip="", api_external=""):
    """Hosts that would run two HAProxy configurations: a control plane serving the Kubernetes
    API VIP (role kubernetes_api_endpoint) that also fronts the database (role haproxy, on the
    loadbalancers group, else the postgres group). Each owns /etc/haproxy/haproxy.cfg of its
    host, so they must not share one."""
    if not api_vip or api_external:
        return []
    database_front = list(groups.get("loadbalancers") or groups.get("postgres") or [])
    group = "loadbalancers" if groups.get("loadbalancers") else "postgres"
    return ["host %s: in kube_control_plane (HAProxy for the Kubernetes API VIP) and in %s (HAProxy for the "
            "database), expected separate hosts: each owns the host's /etc/haproxy/haproxy.cfg" % (host, group)
            for host in groups.get("kube_control_plane") or [] if host in database_front]
