# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.module_utils.site_checks import SECRETS, coder_errors, placeholders, shared_haproxy_errors

URLS = {"access_url": "https://eu.coder.example.com", "wildcard_access_url": "*.eu.coder.example.com",
        "kubeconfig": "/etc/onprem-coder/eu.kubeconfig"}


def test_placeholders_are_found_at_any_depth_and_named_by_their_path():
    found = placeholders({
        "patroni_superuser_password": "FILL-IN the superuser's password",
        "onprem_coder_proxy_urls": {"eu-west": dict(URLS, kubeconfig="FILL-IN eu-west's kubeconfig")},
        "onprem_coder_regions": [{"name": "eu-west", "users": 200}],
        "onprem_coder_users": 1000,
        "coder_database_password": "a-real-one-FILL-IN-later",   # only a value that starts with it
    })
    assert found == ["onprem_coder_proxy_urls.eu-west.kubeconfig: FILL-IN eu-west's kubeconfig",
                     "patroni_superuser_password: FILL-IN the superuser's password"]
    assert placeholders({}) == []


def test_every_database_and_vip_secret_is_known():
    assert {"patroni_superuser_password", "patroni_replication_password", "patroni_rewind_password",
            "patroni_restapi_password", "coder_database_password", "onprem_coder_database_vip_password",
            "onprem_coder_kubernetes_api_vip_password"} <= set(SECRETS)


def test_good_urls_pass():
    assert coder_errors("https://coder.example.com", "*.coder.example.com", [{"name": "eu-west", "users": 200}],
                        {"eu-west": URLS}) == []
    # no proxy installed (render only): a region needs no kubeconfig
    assert coder_errors("https://coder.example.com", "", [{"name": "eu-west"}],
                        {"eu-west": dict(URLS, kubeconfig="")}, install=False) == []


def test_every_url_problem_is_listed_with_its_variable():
    errors = coder_errors("", "coder.example.com", [{"name": "eu-west"}, {"name": "ap-south"}],
                          {"eu-west": {"access_url": "eu.coder.example.com", "wildcard_access_url": "*.eu.example.com"}})
    assert errors == [
        "onprem_coder_proxy_urls.eu-west.kubeconfig: not set, expected the kubeconfig of that region's cluster",
        "onprem_coder_proxy_urls.ap-south: not set, expected {access_url, wildcard_access_url, kubeconfig} for the "
        "workspace proxy region ap-south of onprem_coder_regions",
        "onprem_coder_access_url: '', expected an http(s):// URL",
        "onprem_coder_wildcard_access_url: 'coder.example.com', expected a wildcard host such as *.coder.example.com",
        "onprem_coder_proxy_urls.eu-west.access_url: 'eu.coder.example.com', expected an http(s):// URL",
    ]


def test_a_control_plane_cannot_also_front_the_database():
    groups = {"kube_control_plane": ["cp1", "cp2", "cp3"], "postgres": ["pg1", "cp2"], "loadbalancers": []}
    assert shared_haproxy_errors(groups, "10.20.0.10") == [
        "host cp2: in kube_control_plane (HAProxy for the Kubernetes API VIP) and in postgres (HAProxy for the "
        "database), expected separate hosts: each owns the host's /etc/haproxy/haproxy.cfg"]
    assert shared_haproxy_errors(dict(groups, loadbalancers=["lb1"]), "10.20.0.10") == []
    assert shared_haproxy_errors(groups, "10.20.0.10", "api.example.com:6443") == []   # your load balancer
    assert shared_haproxy_errors(groups, "") == []                                   # one control plane, no VIP
