# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""A small client for Coder's REST API (the documented /api/v2 calls the Coder modules make).

Built on ansible.module_utils.urls (CA-aware), retries with backoff on connection errors and
502/503/504, and errors that name the call and say what the status means. Tokens are sent in
the Coder-Session-Token header and never appear in messages.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url

HINTS = {
    400: "the request was refused as invalid",
    401: "not authenticated: the session token is missing, wrong or expired",
    403: "not allowed: the token's user lacks the role for this call",
    404: "not found",
    409: "conflict: it already exists",
}
RETRY_STATUSES = (502, 503, 504)


# Every wait and deadline of the client and of the modules that poll through it reads these
# two, so a test can run them on a fake clock (and see each wait) instead of sleeping.
def now():
    return time.time()


def wait(seconds):
    time.sleep(seconds)


class CoderAPIError(Exception):
    def __init__(self, method, path, status, detail):
        self.method, self.path, self.status, self.detail = method, path, status, detail
        hint = HINTS.get(status, "server error" if status and status >= 500 else "unexpected answer")
        super(CoderAPIError, self).__init__("%s %s: HTTP %s (%s)%s" % (
            method, path, status if status else "-", hint, (": " + detail) if detail else ""))


class CoderClient(object):
    def __init__(self, url, token=None, ca_path=None, validate_certs=True, timeout=30, retries=3, backoff=1.0):
        self.url = url.rstrip("/")
        self.token = token
        self.ca_path = ca_path or None
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    def request(self, method, path, body=None, expect=(200,), data=None, content_type="application/json"):
        """(status, parsed body). `expect` lists the statuses that are answers, not errors."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Coder-Session-Token"] = self.token
        payload = data
        if body is not None:
            payload = json.dumps(body)
        if payload is not None:
            headers["Content-Type"] = content_type
        attempt = 0
        while True:
            attempt += 1
            try:
                response = open_url(self.url + path, method=method, data=payload, headers=headers,
                                    validate_certs=self.validate_certs, ca_path=self.ca_path, timeout=self.timeout)
                status, text = response.getcode(), response.read()
            except HTTPError as exc:
                status, text = exc.code, exc.read() if hasattr(exc, "read") else b""
            except (URLError, OSError) as exc:
                if attempt <= self.retries:
                    wait(self.backoff * attempt)
                    continue
                raise CoderAPIError(method, path, None, "cannot reach %s: %s" % (self.url, getattr(exc, "reason", exc)))
            if status in RETRY_STATUSES and attempt <= self.retries:
                wait(self.backoff * attempt)
                continue
            parsed = _parse(text)
            if status not in expect:
                raise CoderAPIError(method, path, status, _detail(parsed))
            return status, parsed

    # no authentication
    def buildinfo(self):
        return self.request("GET", "/api/v2/buildinfo")[1]

    def healthz(self):
        status, body = self.request("GET", "/healthz", expect=(200, 503))
        return status == 200

    def first_user_exists(self):
        return self.request("GET", "/api/v2/users/first", expect=(200, 404))[0] == 200

    def create_first_user(self, email, username, name, password, trial=False):
        body = {"email": email, "username": username, "name": name, "password": password, "trial": trial}
        return self.request("POST", "/api/v2/users/first", body, expect=(201,))[1]

    def login(self, email, password):
        token = self.request("POST", "/api/v2/users/login", {"email": email, "password": password}, expect=(201,))[1]
        return token["session_token"]

    # authenticated
    def me(self):
        return self.request("GET", "/api/v2/users/me")[1]

    def token_info(self, name):
        status, body = self.request("GET", "/api/v2/users/me/keys/tokens/%s" % name, expect=(200, 404))
        return body if status == 200 else None

    def create_token(self, name, lifetime_seconds, scope="all"):
        body = {"token_name": name, "lifetime": int(lifetime_seconds) * 1000000000, "scope": scope}
        return self.request("POST", "/api/v2/users/me/keys/tokens", body, expect=(201, 200))[1]["key"]

    def delete_token(self, token_id):
        self.request("DELETE", "/api/v2/users/me/keys/%s" % token_id, expect=(204, 200))

    def provisioner_keys(self, org):
        return self.request("GET", "/api/v2/organizations/%s/provisionerkeys" % org)[1] or []

    def create_provisioner_key(self, org, name, tags):
        return self.request("POST", "/api/v2/organizations/%s/provisionerkeys" % org, {"name": name, "tags": tags},
                            expect=(201,))[1]["key"]

    def delete_provisioner_key(self, org, name):
        self.request("DELETE", "/api/v2/organizations/%s/provisionerkeys/%s" % (org, name), expect=(204, 200))

    def workspace_proxy(self, name):
        status, body = self.request("GET", "/api/v2/workspaceproxies/%s" % name, expect=(200, 404))
        return body if status == 200 else None

    def create_workspace_proxy(self, name, display_name, icon):
        body = {"name": name, "display_name": display_name, "icon": icon}
        return self.request("POST", "/api/v2/workspaceproxies", body, expect=(201,))[1]

    def regenerate_proxy_token(self, proxy_id):
        return self.request("PATCH", "/api/v2/workspaceproxies/%s" % proxy_id, {"regenerate_token": True})[1]

    def health(self):
        return self.request("GET", "/api/v2/debug/health")[1]

    def licenses(self):
        return self.request("GET", "/api/v2/licenses")[1] or []

    def add_license(self, jwt):
        return self.request("POST", "/api/v2/licenses", {"license": jwt}, expect=(201,))[1]

    def template(self, org, name):
        status, body = self.request("GET", "/api/v2/organizations/%s/templates/%s" % (org, name), expect=(200, 404))
        return body if status == 200 else None

    def template_version(self, version_id):
        return self.request("GET", "/api/v2/templateversions/%s" % version_id)[1]

    def upload(self, tar_bytes):
        return self.request("POST", "/api/v2/files", data=tar_bytes, content_type="application/x-tar",
                            expect=(201, 200))[1]["hash"]

    def create_template_version(self, org, body):
        return self.request("POST", "/api/v2/organizations/%s/templateversions" % org, body, expect=(201,))[1]

    def create_template(self, org, name, version_id):
        body = {"name": name, "template_version_id": version_id}
        return self.request("POST", "/api/v2/organizations/%s/templates" % org, body, expect=(201,))[1]

    def activate_template_version(self, template_id, version_id):
        self.request("PATCH", "/api/v2/templates/%s/versions" % template_id, {"id": version_id})

    def user(self, username):
        """The user, or None when there is none by that name."""
        status, body = self.request("GET", "/api/v2/users/%s" % username, expect=(200, 400, 404))
        return body if status == 200 else None

    def organization(self, name):
        return self.request("GET", "/api/v2/organizations/%s" % name)[1]

    def create_user(self, body):
        return self.request("POST", "/api/v2/users", body, expect=(201,))[1]

    def set_user_roles(self, username, roles):
        """Replaces the user's whole set of site roles (what `coder users edit-roles` does)."""
        return self.request("PUT", "/api/v2/users/%s/roles" % username, {"roles": list(roles)})[1]

    def set_user_status(self, username, active):
        return self.request("PUT", "/api/v2/users/%s/status/%s" % (username, "activate" if active else "suspend"))[1]

    def entitlements(self):
        return self.request("GET", "/api/v2/entitlements")[1]

    def update_template(self, template_id, body):
        return self.request("PATCH", "/api/v2/templates/%s" % template_id, body)[1]


def _parse(text):
    if not text:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return {"message": text[:200]}


def _detail(parsed):
    if isinstance(parsed, dict):
        parts = [str(parsed.get(key)) for key in ("message", "detail") if parsed.get(key)]
        return " - ".join(parts)
    return ""


def duration_seconds(text):
    """'168h', '30m', '90s', '1h30m' -> seconds (Coder's Go durations)."""
    total, number = 0, ""
    units = {"h": 3600, "m": 60, "s": 1}
    for char in str(text).strip():
        if char.isdigit():
            number += char
        elif char in units and number:
            total += int(number) * units[char]
            number = ""
        else:
            raise ValueError("%r is not a duration like 168h or 30m" % (text,))
    if number:
        raise ValueError("%r is not a duration like 168h or 30m (a unit is missing)" % (text,))
    return total


def connection_argument_spec():
    """Options every Coder module shares."""
    return dict(
        url=dict(type="str", required=True),
        token=dict(type="str", no_log=True),
        ca_path=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


def client_from(params):
    return CoderClient(params["url"], token=params.get("token"), ca_path=params.get("ca_path"),
                       validate_certs=params.get("validate_certs", True), timeout=params.get("timeout", 30))


def rfc3339_seconds(text):
    """'2026-12-03T10:00:00.123Z' or '...+01:00' -> epoch seconds."""
    import datetime
    import re
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$", str(text))
    if not match:
        raise ValueError("%r is not an RFC 3339 time" % (text,))
    parts = [int(part) for part in match.groups()[:6]]
    moment = datetime.datetime(*parts) - datetime.datetime(1970, 1, 1)
    seconds = moment.days * 86400 + moment.seconds
    zone = match.group(7)
    if zone != "Z":
        shift = int(zone[1:3]) * 3600 + int(zone[4:6]) * 60
        seconds -= shift if zone[0] == "+" else -shift
    return seconds


def template_tar(directory):
    """(tar bytes, sha256) of a template directory, byte-for-byte the same for the same content
    (sorted names, no timestamps or owners), so an unchanged template is recognised."""
    import hashlib
    import io
    import os
    import tarfile
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for root, dirs, files in os.walk(directory):
            dirs[:] = sorted(d for d in dirs if d not in (".git", ".terraform"))
            for name in sorted(files):
                path = os.path.join(root, name)
                relative = os.path.relpath(path, directory)
                with open(path, "rb") as handle:
                    data = handle.read()
                info = tarfile.TarInfo(relative)
                info.size = len(data)
                info.mode = 0o644
                info.mtime = 0
                tar.addfile(info, io.BytesIO(data))
    content = buffer.getvalue()
    return content, hashlib.sha256(content).hexdigest()


def license_id(jwt):
    """The licence's id (its `license_id` claim) from the JWT's payload, without verifying it
    (Coder verifies it on upload); raises ValueError for something that is not a JWT."""
    import base64
    parts = str(jwt).strip().split(".")
    if len(parts) != 3:
        raise ValueError("the licence is not a JWT (expected three dot-separated parts)")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode()).decode())
    except (ValueError, TypeError):
        raise ValueError("the licence's payload is not base64-encoded JSON")
    if not claims.get("license_id"):
        raise ValueError("the licence has no license_id claim")
    return claims["license_id"]
