# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Filters of the render play: the cluster model's inputs from what the roles computed
(logic in module_utils/cluster_model.py and cluster_site.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.coder.plugins.module_utils.cluster_site import site_nodes
from ansible_collections.onprem.coder.plugins.module_utils.node_pools import POOL_GROUPS

POOL_HOST_VARS = (("labels", "node_pools_host_labels"), ("taints", "node_pools_host_taints"),
                  ("capacity", "onprem_coder_node_capacity"))
KUBELET_VARS = ("kubeadm_control_plane_kubelet_overrides", "kubeadm_worker_kubelet_overrides")


def cluster_model_sources(render_dir, manifests, releases, skip=None, templated=None):
    """What the model reads: the kubernetes phase's manifests (primary cluster) and each
    templated Helm release (its cluster: primary or a proxy region). A manifest's objects, and
    a release's ``helm template`` output when ``templated`` (the helm_template task's results)
    gives it, go to the module, which writes them as the review copies at ``path``."""
    skip = set(skip or [])
    output = dict(((result["item"]["cluster"], result["item"]["name"]), result["stdout"]) for result in templated or [])
    sources = [{"name": "manifests/%s" % item["name"], "path": "%s/manifests/%s.yaml" % (render_dir, item["name"]),
                "namespace": "default", "role": item["name"], "cluster": "primary", "objects": item["objects"]}
               for item in manifests]
    for release in releases:
        if release["name"] in skip:
            continue
        source = {"name": "helm %s (%s)" % (release["name"], release["cluster"]),
                  "path": "%s/helm/%s-%s.yaml" % (render_dir, release["cluster"], release["name"]),
                  "namespace": release["namespace"], "role": release["role"], "cluster": release["cluster"],
                  "values_file": release["values_file"]}
        if (release["cluster"], release["name"]) in output:
            source["content"] = output[(release["cluster"], release["name"])]
        sources.append(source)
    return sources


def cluster_model_notes(releases, skip=None):
    skip = set(skip or [])
    return ["Helm release %s (%s): not templated (onprem_coder_render_skip_releases), its pods are not placed and its "
            "objects not checked" % (release["name"], release["cluster"]) for release in releases if release["name"] in skip]


def cluster_model_host_settings(hostvars, hosts):
    """Per host, what the inventory adds to its pool: labels, taints, capacity, kubelet overrides."""
    result = {}
    for host in hosts:
        values = hostvars[host]
        settings = {}
        for key, name in POOL_HOST_VARS:
            if values.get(name):
                settings[key] = values.get(name)
        for name in KUBELET_VARS:
            if values.get(name):
                settings["kubelet"] = values.get(name)
        if settings:
            result[host] = settings
    return result


def cluster_model_kubeadm_files(groups, render_dir):
    """The review copies the render play writes: each control plane's (init on the first, a
    control-plane join on the others) and the first node of each pool's (worker join)."""
    files = []
    control_planes = list(groups.get("kube_control_plane") or [])
    for index, host in enumerate(control_planes):
        files.append({"name": host, "path": "%s/kubeadm/%s.yaml" % (render_dir, host),
                      "kind": "init" if index == 0 else "join", "control_plane": index > 0})
    for group in POOL_GROUPS:
        hosts = [host for host in groups.get(group) or [] if host not in control_planes]
        if hosts:
            files.append({"name": hosts[0], "path": "%s/kubeadm/%s.yaml" % (render_dir, hosts[0]), "kind": "join",
                          "control_plane": False})
    return files


def cluster_model_nodes(groups, pools, plan):
    """Node name -> the labels and taints kubeadm and the node pools leave on it."""
    return dict((node["name"], {"labels": node["labels"], "taints": node["taints"]})
                for node in site_nodes(groups, pools, plan))


class FilterModule(object):
    def filters(self):
        return {
            "cluster_model_sources": cluster_model_sources,
            "cluster_model_notes": cluster_model_notes,
            "cluster_model_host_settings": cluster_model_host_settings,
            "cluster_model_kubeadm_files": cluster_model_kubeadm_files,
            "cluster_model_nodes": cluster_model_nodes,
        }
