# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""playbooks/k8s_upgrade.yml's planning play, run for real against a CONTRACT STAND-IN of the
Kubernetes API (version, discovery and the node list: tests/unit/plugins/modules/
k8s_contract_server.py), NOT a cluster: no kubeadm runs here. It proves the wiring from the
API's versions and the inventory to the plan the later plays run, and that a finished
upgrade re-runs without touching a host (the sample inventory's hosts do not exist)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.onprem.coder.tests.unit.plugins.modules.k8s_contract_server import node, start

from .conftest import filled, playbook

CONTROL = ["k8s-cp%d.dc1.example.internal" % i for i in range(1, 4)]
CODER = ["k8s-coder%d.dc1.example.internal" % i for i in range(1, 4)]
PROV = ["k8s-prov%d.dc1.example.internal" % i for i in range(1, 3)]
WORK = ["k8s-ws%02d.dc1.example.internal" % i for i in range(1, 51)]


def cluster(tmp_path, server, versions):
    nodes = dict((name, node(name, kubelet=version)) for name, version in versions.items())
    return start(nodes, tmp_path, server_version=server)


def upgrade(tmp_path, kubeconfig, target, **extra):
    variables = filled("sample", onprem_coder_output_dir=str(tmp_path / "out"), onprem_coder_kubeconfig=kubeconfig,
                       onprem_coder_kubernetes_version=target)
    variables.update(extra)
    return playbook("-i", "inventories/sample", "playbooks/k8s_upgrade.yml", "-e", json.dumps(variables),
                    env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})


def steps_of(out):
    """The printed steps (results printed as JSON): a list of node lists."""
    match = re.search(r"TASK \[Upgrade \| The steps\][^\n]*\nok: \[localhost\] => (\{.*?\n\})", out, re.S)
    assert match, out[-3000:]
    return [line.split(", ") for line in json.loads(match.group(1))["msg"]]


def test_full_upgrade_order_and_batches(tmp_path):
    kubeconfig, _nodes, _patches, stop = cluster(tmp_path, "v1.30.8", dict((n, "v1.30.8") for n in CONTROL + CODER + PROV + WORK))
    try:
        rc, out = upgrade(tmp_path, kubeconfig, "v1.31.4", onprem_coder_upgrade_order_only=True,
                          onprem_coder_upgrade_batch_workspace=10)
    finally:
        stop()
    assert rc == 0, out[-3000:]
    steps = steps_of(out)
    assert steps[:3] == [[CONTROL[0]], [CONTROL[1]], [CONTROL[2]]]
    assert steps[3:6] == [[name] for name in CODER]          # the coder pool one node at a time
    assert steps[6:8] == [[PROV[0]], [PROV[1]]]             # 25 % of 2 nodes: batches of 1
    assert steps[8:] == [WORK[i:i + 10] for i in range(0, 50, 10)]   # the inventory's batch of 10
    assert "UNREACHABLE" not in out


def test_an_interrupted_upgrade_resumes_where_it_stopped(tmp_path):
    done = CONTROL + CODER + PROV + WORK[:20]
    versions = dict((n, "v1.31.4") for n in done)
    versions.update((n, "v1.30.8") for n in WORK[20:])
    kubeconfig, _nodes, _patches, stop = cluster(tmp_path, "v1.31.4", versions)
    try:
        rc, out = upgrade(tmp_path, kubeconfig, "v1.31.4", onprem_coder_upgrade_order_only=True,
                          onprem_coder_upgrade_batch_workspace="20%")
    finally:
        stop()
    assert rc == 0, out[-3000:]
    assert steps_of(out) == [WORK[20:30], WORK[30:40], WORK[40:50]]


def test_a_finished_upgrade_runs_again_without_touching_a_host(tmp_path):
    kubeconfig, _nodes, patches, stop = cluster(tmp_path, "v1.31.4", dict((n, "v1.31.4") for n in CONTROL + CODER + PROV + WORK))
    try:
        rc, out = upgrade(tmp_path, kubeconfig, "v1.31.4")      # the whole playbook, not the plan only
    finally:
        stop()
    assert rc == 0, out[-3000:]
    assert "Nothing to upgrade: the API server and every node run v1.31.4" in out
    assert "UNREACHABLE" not in out and patches == []
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", out, re.M)
    assert recap == [("localhost", "0")], recap               # no other host was even contacted


def test_a_skipped_minor_stops_before_any_change(tmp_path):
    kubeconfig, _nodes, _patches, stop = cluster(tmp_path, "v1.30.8", dict((n, "v1.30.8") for n in CONTROL))
    try:
        rc, out = upgrade(tmp_path, kubeconfig, "v1.32.0")
    finally:
        stop()
    assert rc != 0
    assert "kubernetes_version v1.32.0 skips a minor version from the running v1.30.8" in out
    assert "UNREACHABLE" not in out
