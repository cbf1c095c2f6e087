# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""A local HTTP server answering GET and PATCH on /api/v1/nodes/{name} the way the Kubernetes
API does for the node pool module, plus /version, discovery and the node list for the
upgrade playbook's planning play: a strategic merge patch sets labels (null removes one)
and replaces spec.taints whole (the list is atomic); a JSON patch (an array) is refused for
a non-array body. A CONTRACT STAND-IN, NOT a Kubernetes API server."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import threading

try:
    from http.server import BaseHTTPRequestHandler, HTTPServer
except ImportError:  # pragma: no cover
    BaseHTTPRequestHandler = HTTPServer = object


# Discovery as the Kubernetes client reads it (kubernetes.core.k8s_info, k8s_cluster_info): the
# core group with nodes only, no named groups.
DISCOVERY = {
    "/version": {"major": "1", "gitVersion": "v1.31.4", "platform": "linux/amd64"},
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": []},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node",
         "verbs": ["get", "list", "patch", "update", "watch"], "shortNames": ["no"]}]},
}


class Handler(BaseHTTPRequestHandler):
    nodes = None
    patches = None
    server_version_text = "v1.31.4"

    def log_message(self, *args):
        pass

    def _send(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _node(self):
        if not self.path.startswith("/api/v1/nodes/"):
            return None, None
        name = self.path.split("?")[0].rsplit("/", 1)[1]
        return name, self.nodes.get(name)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in DISCOVERY:
            body = DISCOVERY[path]
            if path == "/version":
                body = dict(body, gitVersion=self.server_version_text, minor=self.server_version_text.split(".")[1])
            return self._send(200, body)
        if path == "/api/v1/nodes":
            return self._send(200, {"kind": "NodeList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                                    "items": [self.nodes[name] for name in sorted(self.nodes)]})
        name, node = self._node()
        if node is None:
            return self._send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                                    "message": 'nodes "%s" not found' % name, "code": 404})
        self._send(200, node)

    def do_PATCH(self):
        name, node = self._node()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
        kind = self.headers.get("Content-Type")
        self.patches.append((kind, copy.deepcopy(body)))
        if node is None:
            return self._send(404, {"kind": "Status", "code": 404, "reason": "NotFound", "message": "not found"})
        if kind not in ("application/strategic-merge-patch+json", "application/merge-patch+json") or not isinstance(body, dict):
            return self._send(400, {"kind": "Status", "code": 400, "reason": "BadRequest",
                                    "message": "the server rejected our request due to an error in our request"})
        labels = node["metadata"].setdefault("labels", {})
        for key, value in (body.get("metadata", {}).get("labels") or {}).items():
            if value is None:
                labels.pop(key, None)
            else:
                labels[key] = value
        if "spec" in body and "taints" in body["spec"]:
            node["spec"]["taints"] = body["spec"]["taints"]
        self._send(200, node)


def node(name, labels=None, taints=None, kubelet=None):
    status = {"nodeInfo": {"kubeletVersion": kubelet}} if kubelet else {}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": dict(labels or {})},
            "spec": {"taints": list(taints or [])}, "status": status}


def start(nodes, tmp_path, server_version="v1.31.4"):
    """(kubeconfig path, nodes, patches, stop)."""
    patches = []
    handler = type("BoundHandler", (Handler,), {"nodes": nodes, "patches": patches,
                                                "server_version_text": server_version})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": "http://127.0.0.1:%d" % server.server_address[1]}}],
        "users": [{"name": "test", "user": {"token": "test-token"}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}]}))

    def stop():
        server.shutdown()
        server.server_close()
    return str(kubeconfig), nodes, patches, stop
