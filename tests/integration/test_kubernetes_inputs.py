# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Bad kubernetes inventory stops the phase on the controller, before any host is contacted
(the sample inventory's hosts do not exist: failing at the check proves nothing was tried)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from .conftest import filled, playbook


def run_kubernetes(tmp_path, extra):
    variables = filled("sample", onprem_coder_output_dir=str(tmp_path), onprem_coder_kubernetes_api_vip_password="s3cret")
    variables.update(extra)
    return playbook("-i", "inventories/sample", "playbooks/kubernetes.yml", "-e", json.dumps(variables))


def test_the_sample_passes_the_check_then_needs_its_hosts(tmp_path):
    rc, out = run_kubernetes(tmp_path, {})
    assert "The inventory passes the checks of every phase." in out
    assert rc != 0


def test_each_bad_input_stops_before_any_host(tmp_path):
    rc, out = run_kubernetes(tmp_path, {
        "onprem_coder_kubernetes_api_vip": "",
        "onprem_coder_kubernetes_pod_cidr": "10.96.0.0/16",
        "onprem_coder_kubernetes_version": "1.31",
        "onprem_coder_kubernetes_package_source": "internet",
    })
    assert rc != 0
    assert "onprem_coder_kubernetes_api_vip: not set" in out
    assert "onprem_coder_kubernetes_version: got '1.31', expected a version like v1.31.4" in out
    assert "onprem_coder_kubernetes_package_source: got 'internet'" in out
    assert "overlaps onprem_coder_kubernetes_service_cidr" in out
    assert "UNREACHABLE" not in out
    assert "Kubernetes | Nodes" not in out


def test_local_storage_and_a_bad_pool_are_refused_before_any_host(tmp_path):
    rc, out = run_kubernetes(tmp_path, {"onprem_coder_storage_driver": "hostPath",
                                        "onprem_coder_loadbalancer_addresses": ["10.20.0.220-10.20.0.200"]})
    assert rc != 0
    assert "onprem_coder_storage_driver: 'hostPath' refused: the Coder Validated Architecture asks for a CSI driver" in out
    assert "onprem_coder_loadbalancer_addresses: '10.20.0.220-10.20.0.200' is neither a CIDR nor a first-last range" in out
    assert "UNREACHABLE" not in out


def test_bgp_without_peers_is_refused_before_any_host(tmp_path):
    rc, out = run_kubernetes(tmp_path, {"onprem_coder_loadbalancer_mode": "bgp"})
    assert rc != 0
    assert "onprem_coder_loadbalancer_bgp_peers: expected a non-empty list of {address, asn, my_asn} in BGP mode" in out
    assert "UNREACHABLE" not in out
