# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""playbooks/render.yml on the three inventories, as a user runs it before there is a
cluster: the add-on manifests through the roles' real download path (file:// copies of the
exact upstream releases, held to the published checksums), `helm template` of every release
with Coder's real charts and the real helm binary, review copies of the kubeadm files, then
the cluster model. No Kubernetes cluster runs here: the model is the check of the whole.

Needs ../shared/upstream (the upstream files) and helm (`make test` installs it); skips,
saying which, without them."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil

import pytest

from .conftest import ROOT, changed_tasks, playbook, recap

UPSTREAM = os.path.abspath(os.path.join(ROOT, "..", "shared", "upstream"))
NFS = ["rbac-csi-nfs.yaml", "csi-nfs-driverinfo.yaml", "csi-nfs-controller.yaml", "csi-nfs-node.yaml"]


def helm():
    found = shutil.which("helm") or os.path.join(ROOT, ".venv", "bin", "helm")
    return found if os.path.exists(found) else None


@pytest.fixture(scope="module")
def requirements():
    if not os.path.isdir(UPSTREAM):
        pytest.skip("../shared/upstream (the upstream manifests and Coder's charts) is not on this machine")
    if not helm():
        pytest.skip("no helm binary (make test installs it with tests/get_helm.py)")


def settings(base, **extra):
    """The render play's inputs for a test (and tests/bench/bench.py model): output under base."""
    values = {
        "onprem_coder_output_dir": os.path.join(str(base), "out"),
        "onprem_coder_checksum_lock": os.path.join(str(base), "checksums.lock.json"),
        "cni_calico_manifest_url": "file://%s/calico/v3.29.1/calico.yaml" % UPSTREAM,
        "metallb_manifest_url": "file://%s/metallb/v0.14.9/metallb-native.yaml" % UPSTREAM,
        "storage_nfs_csi_manifest_urls": ["file://%s/csi-driver-nfs/v4.9.0/%s" % (UPSTREAM, name) for name in NFS],
        "onprem_coder_chart_file": os.path.join(UPSTREAM, "coder-chart", "coder"),
        "onprem_coder_provisioner_chart_file": os.path.join(UPSTREAM, "coder-chart", "coder-provisioner"),
        # the stored observability chart lacks its subcharts, so helm cannot template it here;
        # the report lists it as not checked
        "onprem_coder_render_skip_releases": ["coder-observability"],
        "onprem_coder_helm_binary": helm(),
    }
    values.update(extra)
    return json.dumps(values)


def render(inventory, tmp_path, *args, **extra):
    return playbook("-i", "inventories/%s" % inventory, "playbooks/render.yml", "-e", settings(tmp_path, **extra), *args)


def model(tmp_path):
    with open(tmp_path / "out" / "render" / "model.json") as handle:
        return json.load(handle)


@pytest.mark.slow
@pytest.mark.parametrize("inventory", ["sample", "sample-3k", "lab"])
def test_the_model_reports_clean_on_each_inventory(requirements, inventory, tmp_path):
    rc, out = render(inventory, tmp_path)
    assert rc == 0, out[-6000:]
    result = model(tmp_path)
    assert result["findings"] == [], result["findings"]
    rules = {(row["cluster"], row["rule"]) for row in result["rows"]}
    assert {("primary", rule) for rule in ("schedule", "daemonset", "loadbalancer", "flow", "unique", "coder-env",
                                           "kubeadm")} <= rules
    render_dir = tmp_path / "out" / "render"
    assert sorted(os.listdir(render_dir / "manifests")) == [
        "calico.yaml", "csi-driver-nfs.yaml", "metallb-address-pool.yaml", "metallb.yaml", "network-policies.yaml",
        "storage-class.yaml"]
    helm_files = sorted(os.listdir(render_dir / "helm"))
    assert "primary-coder.yaml" in helm_files and "primary-coder-provisioner.yaml" in helm_files
    assert result["notes"] == ["Helm release coder-observability (primary): not templated "
                               "(onprem_coder_render_skip_releases), its pods are not placed and its objects not checked"]
    # the manifests came through the roles' download path and their published pins
    with open(tmp_path / "checksums.lock.json") as handle:
        lock = json.load(handle)
    assert lock["file://%s/calico/v3.29.1/calico.yaml" % UPSTREAM] == \
        "sha256:ef325a26cb4e0a2d386d0e512c0cf4fd0fa935ac25777b41b0d3737153025a1c"
    # the join secrets are never in a review copy
    for name in os.listdir(render_dir / "kubeadm"):
        with open(render_dir / "kubeadm" / name) as handle:
            text = handle.read()
        assert "token: <made at join time>" in text or "InitConfiguration" in text
    if inventory == "sample-3k":
        assert ("region eu-west", "schedule") in rules and ("region ap-south", "schedule") in rules
        assert "primary-coder-provisioner-gpu.yaml" in helm_files and "eu-west-coder-proxy.yaml" in helm_files
        # a second run and a --check --diff run change nothing
        for extra in ([], ["--check", "--diff"]):
            rc, out = render(inventory, tmp_path, *extra)
            assert rc == 0 and all(counts["changed"] == 0 for counts in recap(out).values()), changed_tasks(out)


@pytest.mark.slow
def test_a_pod_that_cannot_be_placed_stops_the_render_naming_it(requirements, tmp_path):
    # coderd without the coder pool's toleration: every node is tainted for another use
    rc, out = render("lab", tmp_path, coder_values_overrides={"coder": {"tolerations": []}})
    assert rc != 0
    assert "the cluster model found 2 problem(s)" in out
    # the report is written before the run stops, so a user reads every finding at once
    assert [(item["rule"], item["object"], item["message"]) for item in model(tmp_path)["findings"]] == [
        ("schedule", "Deployment coder/coder", "replica 1 of 1 cannot be placed: 1 node: taint "
         "node-role.kubernetes.io/control-plane:NoSchedule not tolerated; 1 node: taint onprem.coder/pool=coder:NoSchedule "
         "not tolerated; 1 node: taint onprem.coder/pool=workspace:NoSchedule not tolerated"),
        ("loadbalancer", "Service coder/coder", "selects no pod that could be placed: no endpoint to announce")]


def test_a_changed_upstream_manifest_is_refused_before_the_model(requirements, tmp_path):
    # the real download path, a file:// URL whose content is not the pinned release
    changed = tmp_path / "calico.yaml"
    shutil.copy(os.path.join(UPSTREAM, "calico", "v3.29.1", "calico.yaml"), str(changed))
    with open(str(changed), "a") as handle:
        handle.write("\n# changed\n")
    rc, out = render("lab", tmp_path, cni_calico_manifest_url="file://%s" % changed)
    assert rc != 0
    assert "CNI | Calico manifest" in out
    assert "did not match ef325a26cb4e0a2d386d0e512c0cf4fd0fa935ac25777b41b0d3737153025a1c" in out
    assert not os.path.exists(str(tmp_path / "out" / "render" / "model.json"))
