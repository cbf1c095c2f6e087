# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The cluster model's sources, and the review copies the module writes from them."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from ansible_collections.onprem.coder.plugins.filter.model import cluster_model_sources
from ansible_collections.onprem.coder.plugins.modules import cluster_model

POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "coder", "namespace": "coder"},
          "spec": {"podSelector": {}}}
RELEASES = [
    {"name": "coder", "cluster": "primary", "namespace": "coder", "role": "coderd", "values_file": "out/helm/coder.yaml"},
    {"name": "coder-proxy", "cluster": "eu", "namespace": "coder", "role": "proxy", "values_file": "out/helm/proxy-eu.yaml"},
    {"name": "coder-observability", "cluster": "primary", "namespace": "obs", "role": "obs", "values_file": "out/helm/obs.yaml"},
]
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: coder\nspec:\n  type: LoadBalancer\n"


def test_sources_carry_the_objects_and_the_templated_output():
    templated = [{"item": RELEASES[0], "stdout": SERVICE}, {"item": RELEASES[1], "stdout": "---\n"}]
    sources = cluster_model_sources("out/render", [{"name": "network-policies", "objects": [POLICY]}], RELEASES,
                                    ["coder-observability"], templated)
    assert [(item["name"], item["path"], item["cluster"]) for item in sources] == [
        ("manifests/network-policies", "out/render/manifests/network-policies.yaml", "primary"),
        ("helm coder (primary)", "out/render/helm/primary-coder.yaml", "primary"),
        ("helm coder-proxy (eu)", "out/render/helm/eu-coder-proxy.yaml", "eu")]
    assert sources[0]["objects"] == [POLICY] and "content" not in sources[0]
    # each release gets its own output, matched by cluster and name, not by position
    assert sources[1]["content"] == SERVICE and sources[2]["content"] == "---\n"
    assert sources[1]["values_file"] == "out/helm/coder.yaml"


def test_without_templated_output_the_releases_are_read_from_their_files():
    sources = cluster_model_sources("r", [], RELEASES[:1])
    assert sources == [{"name": "helm coder (primary)", "path": "r/helm/primary-coder.yaml", "namespace": "coder",
                        "role": "coderd", "cluster": "primary", "values_file": "out/helm/coder.yaml"}]


def test_the_module_writes_each_review_copy_once_and_reads_what_it_wrote(tmp_path):
    objects = {"name": "n", "path": str(tmp_path / "manifests" / "network-policies.yaml"), "objects": [POLICY, POLICY]}
    content = {"name": "c", "path": str(tmp_path / "helm" / "primary-coder.yaml"), "content": SERVICE}
    assert cluster_model._documents(objects) == [POLICY, POLICY]
    assert cluster_model._documents(content) == [yaml.safe_load(SERVICE)]
    # the copies are what a reviewer (and the model without content) reads back
    with open(objects["path"]) as handle:
        assert list(yaml.safe_load_all(handle)) == [POLICY, POLICY]
    with open(content["path"]) as handle:
        assert handle.read() == SERVICE
    assert cluster_model._documents({"name": "f", "path": content["path"]}) == [yaml.safe_load(SERVICE)]
    # an unchanged copy is not written again; a changed one is
    os.utime(content["path"], (1, 1))
    cluster_model._documents(content)
    assert os.stat(content["path"]).st_mtime == 1
    cluster_model._documents(dict(content, content=SERVICE.replace("LoadBalancer", "ClusterIP")))
    assert os.stat(content["path"]).st_mtime != 1
    with open(content["path"]) as handle:
        assert "ClusterIP" in handle.read()
