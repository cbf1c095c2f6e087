# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""A local HTTP server that answers like Coder's REST API for the calls the collection makes.

It follows Coder's documented API contract, as docs/coder.md and each module's documentation restate it (paths,
methods, status codes, bodies, the Coder-Session-Token header) and keeps state so that
idempotence can be tested. It is a CONTRACT STAND-IN, NOT CODER: a test passing against it
shows the modules speak the documented contract, not that they work with a real Coder.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import threading
import time
import uuid

try:
    from http.server import BaseHTTPRequestHandler, HTTPServer
except ImportError:  # pragma: no cover
    BaseHTTPRequestHandler = HTTPServer = object


def rfc3339(epoch):
    return (datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=epoch)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


class State(object):
    def __init__(self):
        self.first_user = None
        self.passwords = {}
        self.credentials = {}            # token -> {"email", "expires"}
        self.api_tokens = {}             # name -> {"id", "key", "expires"}
        self.provisioner_keys = {"default": []}
        self.proxies = {}
        self.fail_next = []              # statuses to answer before handling, e.g. [503, 503]
        self.files = {}
        self.templates = {}              # name -> {"id", "name", "active_version_id"}
        self.versions = {}               # id -> version
        self.licenses = []
        self.calls = []
        self.max_token_lifetime = 168 * 3600
        self.organization = {"id": str(uuid.uuid4()), "name": "coder", "is_default": True}
        self.users = {}                  # username -> user (roles as [{"name", "display_name"}])
        self.features = {}               # entitlement features, e.g. {"access_control": "entitled"}


class Handler(BaseHTTPRequestHandler):
    state = None

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, status, body=None):
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.headers.get("Content-Type") == "application/x-tar":
            return raw
        return json.loads(raw or b"{}")

    def _user(self):
        token = self.headers.get("Coder-Session-Token")
        entry = self.state.credentials.get(token)
        if not entry or entry["expires"] < time.time():
            return None
        return entry["email"]

    def _route(self, method):
        state = self.state
        path = self.path.split("?")[0]
        state.calls.append((method, path))
        if state.fail_next:
            return self._send(state.fail_next.pop(0), {"message": "injected failure"})
        body = self._body() if method in ("POST", "PATCH", "PUT") else {}
        if path == "/healthz" and method == "GET":
            return self._send(200, "OK")
        if path == "/api/v2/buildinfo" and method == "GET":
            return self._send(200, {"external_url": "http://%s:%d" % self.server.server_address, "version": "v2.34.0"})
        if path == "/api/v2/users/first":
            if method == "GET":
                return self._send(200 if state.first_user else 404,
                                  {"message": "The initial user has %sbeen created." % ("" if state.first_user else "not ")})
            if state.first_user:
                return self._send(409, {"message": "The initial user has already been created."})
            if not all(body.get(k) for k in ("email", "username", "password")):
                return self._send(400, {"message": "Validation failed.", "detail": "email, username and password are required"})
            state.first_user = {"id": str(uuid.uuid4()), "email": body["email"]}
            state.passwords[body["email"]] = body["password"]
            return self._send(201, {"user_id": state.first_user["id"], "organization_id": str(uuid.uuid4())})
        if path == "/api/v2/users/login" and method == "POST":
            if state.passwords.get(body.get("email")) != body.get("password"):
                return self._send(401, {"message": "Incorrect email or password."})
            token = "%s-%s" % (uuid.uuid4().hex[:10], uuid.uuid4().hex)
            state.credentials[token] = {"email": body["email"], "expires": time.time() + 24 * 3600}
            return self._send(201, {"session_token": token})
        user = self._user()
        if user is None:
            return self._send(401, {"message": "You must be logged in to use this endpoint."})
        if path == "/api/v2/users/me" and method == "GET":
            return self._send(200, {"id": state.first_user["id"], "email": user})
        if path.startswith("/api/v2/users/me/keys/tokens/") and method == "GET":
            entry = state.api_tokens.get(path.rsplit("/", 1)[1])
            if not entry:
                return self._send(404, {"message": "Resource not found or you do not have access to this resource"})
            return self._send(200, {"id": entry["id"], "token_name": path.rsplit("/", 1)[1], "expires_at": rfc3339(entry["expires"])})
        if path == "/api/v2/users/me/keys/tokens" and method == "POST":
            name = body.get("token_name")
            if name in state.api_tokens:
                return self._send(409, {"message": "A token with that name already exists."})
            lifetime = body.get("lifetime", 0) / 1e9
            if lifetime > state.max_token_lifetime:
                return self._send(400, {"message": "Failed to create API key.",
                                        "detail": "lifetime must be less than %ds" % state.max_token_lifetime})
            key_id = uuid.uuid4().hex[:10]
            key = "%s-%s" % (key_id, uuid.uuid4().hex)
            state.api_tokens[name] = {"id": key_id, "key": key, "expires": time.time() + lifetime}
            state.credentials[key] = {"email": user, "expires": time.time() + lifetime}
            return self._send(201, {"key": key})
        if path.startswith("/api/v2/users/me/keys/") and method == "DELETE":
            key_id = path.rsplit("/", 1)[1]
            for name, entry in list(state.api_tokens.items()):
                if entry["id"] == key_id:
                    state.credentials.pop(entry["key"], None)
                    del state.api_tokens[name]
                    return self._send(204)
            return self._send(404, {"message": "not found"})
        if path.startswith("/api/v2/organizations/") and "/provisionerkeys" in path:
            org = path.split("/")[4]
            keys = state.provisioner_keys.setdefault(org, [])
            tail = path.split("/provisionerkeys")[1].strip("/")
            if method == "GET" and not tail:
                return self._send(200, [{"id": k["id"], "name": k["name"], "tags": k["tags"]} for k in keys])
            if method == "POST" and not tail:
                if body.get("name", "").lower() in ("built-in", "user-auth", "psk"):
                    return self._send(400, {"message": "Name is reserved."})
                if any(k["name"] == body.get("name") for k in keys):
                    return self._send(409, {"message": "Provisioner key with name '%s' already exists" % body.get("name")})
                keys.append({"id": str(uuid.uuid4()), "name": body["name"], "tags": body.get("tags") or {}})
                return self._send(201, {"key": uuid.uuid4().hex + uuid.uuid4().hex})
            if method == "DELETE" and tail:
                state.provisioner_keys[org] = [k for k in keys if k["name"] != tail]
                return self._send(204)
        if path == "/api/v2/workspaceproxies" and method == "POST":
            if body.get("name") in state.proxies:
                return self._send(409, {"message": "Workspace proxy with name %r already exists." % body.get("name")})
            proxy = {"id": str(uuid.uuid4()), "name": body["name"], "display_name": body.get("display_name"),
                     "icon_url": body.get("icon"), "status": {"status": "unregistered"}}
            state.proxies[body["name"]] = proxy
            return self._send(201, {"proxy": proxy, "proxy_token": "%s:%s" % (proxy["id"], uuid.uuid4().hex)})
        if path.startswith("/api/v2/workspaceproxies/"):
            ref = path.rsplit("/", 1)[1]
            proxy = state.proxies.get(ref) or next((p for p in state.proxies.values() if p["id"] == ref), None)
            if not proxy:
                return self._send(404, {"message": "Resource not found or you do not have access to this resource"})
            if method == "GET":
                return self._send(200, proxy)
            if method == "PATCH" and body.get("regenerate_token"):
                return self._send(200, {"proxy": proxy, "proxy_token": "%s:%s" % (proxy["id"], uuid.uuid4().hex)})
        if path == "/api/v2/files" and method == "POST":
            if self.headers.get("Content-Type") != "application/x-tar":
                return self._send(400, {"message": "Unsupported content type header \"%s\"." % self.headers.get("Content-Type")})
            file_id = str(uuid.uuid4())
            state.files[file_id] = body
            return self._send(201, {"hash": file_id})
        if path.startswith("/api/v2/organizations/") and "/templateversions" in path and method == "POST":
            if body.get("storage_method") != "file" or body.get("file_id") not in state.files:
                return self._send(400, {"message": "File not found."})
            version = {"id": str(uuid.uuid4()), "message": body.get("message", ""), "template_id": body.get("template_id"),
                       "job": {"status": "pending", "error": ""},
                       "_fails": b"FAIL_BUILD" in state.files[body["file_id"]]}
            state.versions[version["id"]] = version
            return self._send(201, dict((k, v) for k, v in version.items() if not k.startswith("_")))
        if path.startswith("/api/v2/templateversions/") and method == "GET":
            version = state.versions.get(path.rsplit("/", 1)[1])
            if not version:
                return self._send(404, {"message": "Resource not found or you do not have access to this resource"})
            # the job runs between two polls
            if version["job"]["status"] == "pending":
                version["job"]["status"] = "running"
            elif version["job"]["status"] == "running":
                version["job"] = ({"status": "failed", "error": "terraform plan: Error: Invalid resource type"}
                                  if version["_fails"] else {"status": "succeeded", "error": ""})
            return self._send(200, dict((k, v) for k, v in version.items() if not k.startswith("_")))
        if path.startswith("/api/v2/organizations/") and "/templates" in path:
            name = path.split("/templates", 1)[1].strip("/")
            if method == "GET" and name:
                template = state.templates.get(name)
                return self._send(200, template) if template else \
                    self._send(404, {"message": "Template \"%s\" not found." % name})
            if method == "POST" and not name:
                if body.get("name") in state.templates:
                    return self._send(409, {"message": "Template with name \"%s\" already exists." % body.get("name")})
                version = state.versions.get(body.get("template_version_id"))
                if not version or version["job"]["status"] != "succeeded":
                    return self._send(400, {"message": "The template version's job has not succeeded."})
                template = {"id": str(uuid.uuid4()), "name": body["name"], "active_version_id": version["id"]}
                state.templates[body["name"]] = template
                return self._send(201, template)
        if path.startswith("/api/v2/templates/") and path.endswith("/versions") and method == "PATCH":
            template = next((t for t in state.templates.values() if t["id"] == path.split("/")[4]), None)
            version = state.versions.get(body.get("id"))
            if not template or not version:
                return self._send(404, {"message": "not found"})
            if version["job"]["status"] != "succeeded":
                return self._send(400, {"message": "Job is not succeeded."})
            template["active_version_id"] = version["id"]
            return self._send(200, {"message": "Updated the active template version!"})
        if path == "/api/v2/licenses" and method == "GET":
            return self._send(200, self.state.licenses)
        if path == "/api/v2/licenses" and method == "POST":
            import base64
            try:
                payload = body["license"].split(".")[1]
                claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            except (KeyError, IndexError, ValueError):
                return self._send(400, {"message": "Invalid license"})
            entry = {"id": len(state.licenses) + 1, "uuid": claims["license_id"], "claims": claims}
            state.licenses.append(entry)
            return self._send(201, entry)
        if path.startswith("/api/v2/users/") or path in ("/api/v2/users", "/api/v2/entitlements") \
                or path.startswith("/api/v2/organizations/default") or (path.startswith("/api/v2/templates/")
                                                                        and method == "PATCH" and path.count("/") == 4):
            if self._user() is None:
                return self._send(401, {"message": "You are not signed in."})
        if path == "/api/v2/organizations/default" and method == "GET":
            return self._send(200, state.organization)
        if path == "/api/v2/users" and method == "POST":
            if body.get("username") in state.users:
                return self._send(409, {"message": "User already exists."})
            if body.get("organization_ids") != [state.organization["id"]]:
                return self._send(400, {"message": "Validation failed.", "detail": "organization_ids"})
            if body.get("login_type") == "password" and not body.get("password"):
                return self._send(400, {"message": "A password is required for login type password."})
            user = {"id": str(uuid.uuid4()), "username": body["username"], "email": body["email"], "name": body.get("name", ""),
                    "login_type": body.get("login_type"), "status": "dormant", "roles": []}
            state.users[body["username"]] = user
            return self._send(201, user)
        if path.startswith("/api/v2/users/") and path.count("/") >= 4 and path.split("/")[4] not in ("first", "login", "me"):
            parts = path.split("/")
            user = state.users.get(parts[4])
            if user is None:
                return self._send(400 if len(parts) == 5 else 404, {"message": "User \"%s\" not found." % parts[4]})
            if len(parts) == 5 and method == "GET":
                return self._send(200, user)
            if parts[5:] == ["roles"] and method == "PUT":
                known = ("owner", "user-admin", "template-admin", "auditor")
                if any(role not in known for role in body.get("roles", [])):
                    return self._send(400, {"message": "Invalid role."})
                user["roles"] = [{"name": role, "display_name": role.title()} for role in body["roles"]]
                return self._send(200, user)
            if parts[5:6] == ["status"] and method == "PUT":
                user["status"] = "suspended" if parts[6] == "suspend" else "active"
                return self._send(200, user)
        if path == "/api/v2/entitlements" and method == "GET":
            return self._send(200, {"features": dict((name, {"entitlement": value, "enabled": value == "entitled"})
                                                     for name, value in state.features.items())})
        if path.startswith("/api/v2/templates/") and method == "PATCH" and path.count("/") == 4:
            template = next((t for t in state.templates.values() if t["id"] == path.split("/")[4]), None)
            if not template:
                return self._send(404, {"message": "not found"})
            if body.get("require_active_version") and state.features.get("access_control") != "entitled":
                return self._send(403, {"message": "Your license is not entitled to require the active version."})
            changed = any(template.get(key) != value for key, value in body.items())
            template.update(body)
            return self._send(200 if changed else 304, template if changed else None)
        if path == "/api/v2/debug/health" and method == "GET":
            return self._send(200, {"healthy": True, "severity": "ok", "database": {"healthy": True, "latency_ms": 2}})
        return self._send(404, {"message": "Route not found."})

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_PATCH(self):
        self._route("PATCH")

    def do_DELETE(self):
        self._route("DELETE")

    def do_PUT(self):
        self._route("PUT")


def start():
    """(url, state, stop) of a server on a free loopback port."""
    state = State()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
    return "http://127.0.0.1:%d" % server.server_address[1], state, stop
