# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The coder, proxies and observability phases write every Helm values file under
the output directory's helm/ and, where Coder cannot run (here), skip the install saying so. The files
are exactly the filters' output (what Helm would get), and a second run changes nothing."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
import yaml

from ansible_collections.onprem.coder.plugins.module_utils.coder_values import coder_values
from .conftest import ROOT, changed_tasks, filled, playbook, recap

PHASES = ["playbooks/plan.yml", "playbooks/coder.yml", "playbooks/proxies.yml", "playbooks/observability.yml"]


def render(tmp_path, inventory, *extra):
    """The four phases in one ansible-playbook run, in site.yml's order (one process, one recap)."""
    settings = json.dumps(filled(os.path.basename(inventory), onprem_coder_output_dir=str(tmp_path),
                                 onprem_coder_render_only=True))
    return playbook("-i", inventory, *(PHASES + ["-e", settings] + list(extra)))


@pytest.mark.slow
def test_3k_site_values_files_are_written_install_skipped_and_idempotent(tmp_path):
    rc, out = render(tmp_path, "inventories/sample-3k")
    assert rc == 0, out[-3000:]
    flat = " ".join(out.split())   # the YAML callback folds long messages over lines
    for phase in ("coder.yaml was written; the install was skipped",
                  "2 provisioner values file(s) written; the install was skipped",
                  "2 proxy values file(s) written; the install was skipped",
                  "coder-observability.yaml was written; the install was skipped"):
        assert phase in flat, (phase, out[-3000:])
    files = sorted(os.listdir(tmp_path / "helm"))
    assert files == ["coder-observability.yaml", "coder-provisioner-gpu.yaml", "coder-provisioner.yaml",
                     "coder-proxy-ap-south.yaml", "coder-proxy-eu-west.yaml", "coder.yaml"]
    with open(tmp_path / "plan.json") as handle:
        plan = json.load(handle)
    with open(tmp_path / "helm" / "coder.yaml") as handle:
        written = yaml.safe_load(handle)
    assert written["coder"]["replicaCount"] == 4
    assert written == coder_values(plan, {"version": "2.34.0", "access_url": "https://coder.example.com",
                                          "wildcard_access_url": "*.coder.example.com", "namespace": "coder",
                                          "release": "coder", "external_provisioners": True})
    with open(tmp_path / "helm" / "coder-proxy-eu-west.yaml") as handle:
        proxy = yaml.safe_load(handle)
    assert proxy["coder"]["workspaceProxy"] is True
    with open(tmp_path / "helm" / "coder-provisioner-gpu.yaml") as handle:
        gpu = yaml.safe_load(handle)
    assert gpu["coder"]["replicaCount"] == 4 and gpu["provisionerDaemon"]["keySecretName"] == "coder-provisioner-key-gpu"
    # a second run, and a --check --diff run, change nothing
    for extra in ([], ["--check", "--diff"]):
        rc, out = render(tmp_path, "inventories/sample-3k", *extra)
        counts = recap(out)
        assert rc == 0 and counts and all(c["changed"] == 0 for c in counts.values()), changed_tasks(out) or out[-2000:]


def test_a_phase_run_on_its_own_derives_the_database_endpoint_from_the_inventory(tmp_path):
    # a phase on its own, both ways the docs give (`site.yml --tags observability`, then
    # playbooks/observability.yml), on a controller that never ran the database phase and from
    # another directory: the values are what a full run writes (the first HAProxy host's
    # inventory address, or the VIP when there is one), never an empty database host. The sample
    # leaves its Kubernetes hosts' addresses to be gathered. With --tags, the other phases' plays
    # over hosts have none (onprem.coder.phase_hosts): not even their tasks tagged always (the
    # roles' argument checks, the site facts) run on the sample's 67 hosts.
    settings = filled("sample", onprem_coder_output_dir=str(tmp_path / "out"), onprem_coder_render_only=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    runs = (
        (["site.yml", "--tags", "observability"], {}, "10.20.1.21"),
        (["playbooks/observability.yml"], {"onprem_coder_database_vip": "10.20.0.100",
                                           "onprem_coder_database_vip_password": "vrrp-pw"}, "10.20.0.100"))
    for how, extra, host in runs:
        rc, out = playbook("-i", os.path.join(ROOT, "inventories", "sample"), os.path.join(ROOT, how[0]), *how[1:],
                           "-e", json.dumps(dict(settings, **extra)), cwd=str(elsewhere))
        # the sample's recap alone is longer than a failure's tail: show the failed tasks' lines
        assert rc == 0, [line for line in out.splitlines() if "ERROR" in line or "fatal:" in line][:20] or out[-3000:]
        other_roles = ("preflight", "site_facts", "os_base", "pki", "etcd", "patroni", "kubernetes_node", "kubeadm_worker",
                       "node_pools")
        other_phases = [line for line in out.splitlines()
                        if line.startswith("TASK [") and any("onprem.coder.%s :" % role in line for role in other_roles)]
        assert other_phases == [], other_phases[:10]
        with open(tmp_path / "out" / "helm" / "coder-observability.yaml") as handle:
            values = yaml.safe_load(handle)
        assert values["global"]["postgres"]["hostname"] == host
        assert values["global"]["postgres"]["port"] == 5000
    assert os.listdir(str(elsewhere)) == []
