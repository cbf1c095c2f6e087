# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""CONTRACT TESTS: the Coder modules against coder_contract_server.py, a local server that
follows Coder's documented API contract. They prove the modules speak that contract (calls,
statuses, idempotence, error messages); they are not a test against a real Coder, which
cannot run on our build machines."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.onprem.coder.plugins.module_utils import coder_api
from ansible_collections.onprem.coder.plugins.modules import (
    coder_first_user, coder_info, coder_license, coder_provisioner_key, coder_template, coder_token, coder_users,
    coder_workspace_proxy)

from ansible_collections.onprem.coder.tests.unit.plugins.modules.coder_contract_server import start

OWNER = {"email": "admin@example.com", "username": "admin", "password": "S3cret!pass"}
LOGIN = {"email": OWNER["email"], "password": OWNER["password"]}


class FakeClock(object):
    """Stands in for coder_api.now/wait: a wait advances the clock at once and is recorded."""

    def __init__(self):
        self.time = 1000000.0
        self.waits = []

    def now(self):
        return self.time

    def wait(self, seconds):
        self.waits.append(seconds)
        self.time += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(coder_api, "now", fake.now)
    monkeypatch.setattr(coder_api, "wait", fake.wait)
    return fake


@pytest.fixture
def coder():
    url, state, stop = start()
    yield url, state
    stop()


def run(module, args, capsys, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def owner_token(url, capsys):
    return run(coder_token, dict(LOGIN, url=url), capsys)["token"]


def test_contract_info_reports_version_and_health(coder, capsys):
    url, state = coder
    result = run(coder_info, {"url": url}, capsys)
    assert result["healthy"] is True and result["version"] == "v2.34.0"


def test_contract_info_retries_a_503_then_answers(coder, capsys, clock):
    url, state = coder
    state.fail_next = [503, 503]
    assert run(coder_info, {"url": url}, capsys)["version"] == "v2.34.0"
    assert clock.waits == [1.0, 2.0]                              # backoff grows with each attempt


def test_contract_first_user_once_then_never_again(coder, capsys):
    url, state = coder
    assert run(coder_first_user, dict(OWNER, url=url), capsys, check_mode=True)["changed"] is True
    assert state.first_user is None                      # check mode sent nothing
    first = run(coder_first_user, dict(OWNER, url=url), capsys)
    assert first["changed"] is True and first["user_id"]
    again = run(coder_first_user, dict(OWNER, url=url, password="another"), capsys)
    assert again == {"changed": False, "created": False, "invocation": again["invocation"]}
    assert ("POST", "/api/v2/users/first") in state.calls and state.calls.count(("POST", "/api/v2/users/first")) == 1


def test_contract_token_kept_while_valid_renewed_near_expiry_and_after_401(coder, capsys):
    url, state = coder
    run(coder_first_user, dict(OWNER, url=url), capsys)
    made = run(coder_token, dict(LOGIN, url=url), capsys)
    assert made["changed"] is True and made["token"]
    kept = run(coder_token, dict(LOGIN, url=url, current=made["token"]), capsys)
    assert kept["changed"] is False and "token" not in kept and kept["expires_at"]
    # within renew_before of its expiry: renewed, the old one deleted
    state.api_tokens["onprem-coder-automation"]["expires"] = time.time() + 3600
    renewed = run(coder_token, dict(LOGIN, url=url, current=made["token"]), capsys)
    assert renewed["changed"] is True and renewed["token"] != made["token"]
    assert made["token"] not in state.credentials
    # an expired or revoked token answers 401: renewed too
    state.credentials[renewed["token"]]["expires"] = time.time() - 1
    again = run(coder_token, dict(LOGIN, url=url, current=renewed["token"]), capsys)
    assert again["changed"] is True and again["token"] != renewed["token"]


def test_contract_token_lifetime_above_the_server_maximum_is_explained(coder, capsys):
    url, state = coder
    run(coder_first_user, dict(OWNER, url=url), capsys)
    result = run(coder_token, dict(LOGIN, url=url, lifetime="720h"), capsys)
    assert result["failed"] is True
    assert "POST /api/v2/users/me/keys/tokens: HTTP 400" in result["msg"]
    assert "lifetime must be less than" in result["msg"]


def test_contract_wrong_password_names_the_call(coder, capsys):
    url, state = coder
    run(coder_first_user, dict(OWNER, url=url), capsys)
    result = run(coder_token, dict(LOGIN, url=url, password="wrong"), capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("coder_token: POST /api/v2/users/login: HTTP 401 (not authenticated")
    assert "wrong" not in result["msg"] and OWNER["password"] not in json.dumps(result)


def test_contract_provisioner_key_created_once_tags_guarded_regenerated_on_request(coder, capsys):
    url, state = coder
    run(coder_first_user, dict(OWNER, url=url), capsys)
    token = owner_token(url, capsys)
    args = {"url": url, "token": token, "name": "onprem-coder-default"}
    first = run(coder_provisioner_key, args, capsys)
    assert first["changed"] is True and len(first["key"]) == 64
    second = run(coder_provisioner_key, args, capsys)
    assert second["changed"] is False and "key" not in second
    mismatch = run(coder_provisioner_key, dict(args, tags={"pool": "gpu"}), capsys)
    assert mismatch["failed"] is True and "tags cannot change" in mismatch["msg"]
    regenerated = run(coder_provisioner_key, dict(args, tags={"pool": "gpu"}, regenerate=True), capsys)
    assert regenerated["changed"] is True and regenerated["key"] != first["key"]
    assert state.provisioner_keys["default"][0]["tags"] == {"pool": "gpu"}
    reserved = run(coder_provisioner_key, dict(args, name="psk"), capsys)
    assert reserved["failed"] is True and "reserved" in reserved["msg"]


def test_contract_provisioner_key_without_token_is_a_clear_401(coder, capsys):
    url, state = coder
    result = run(coder_provisioner_key, {"url": url, "name": "k"}, capsys)
    assert result["failed"] is True
    assert "GET /api/v2/organizations/default/provisionerkeys: HTTP 401" in result["msg"]


def test_contract_workspace_proxy_created_once_token_only_regenerated_when_asked(coder, capsys):
    url, state = coder
    run(coder_first_user, dict(OWNER, url=url), capsys)
    token = owner_token(url, capsys)
    args = {"url": url, "token": token, "name": "eu-west", "display_name": "Europe West"}
    created = run(coder_workspace_proxy, args, capsys)
    assert created["changed"] is True and created["token"].startswith(created["proxy"]["id"] + ":")
    kept = run(coder_workspace_proxy, args, capsys)
    assert kept["changed"] is False and "token" not in kept
    regenerated = run(coder_workspace_proxy, dict(args, regenerate_token=True), capsys)
    assert regenerated["changed"] is True and regenerated["token"] != created["token"]


def test_contract_duplicate_proxy_name_409_is_explained(coder, capsys):
    url, state = coder
    run(coder_first_user, dict(OWNER, url=url), capsys)
    token = owner_token(url, capsys)
    from ansible_collections.onprem.coder.plugins.module_utils.coder_api import CoderAPIError, CoderClient
    client = CoderClient(url, token=token)
    client.create_workspace_proxy("eu-west", "EU", "/x.png")
    with pytest.raises(CoderAPIError) as error:
        client.create_workspace_proxy("eu-west", "EU", "/x.png")
    assert str(error.value).startswith("POST /api/v2/workspaceproxies: HTTP 409 (conflict: it already exists)")


def test_contract_unreachable_coder_is_named(capsys, clock):
    result = run(coder_info, {"url": "http://127.0.0.1:9", "timeout": 2}, capsys)
    assert result["failed"] is True and "did not answer 200" in result["msg"]
    assert clock.waits == [1.0, 2.0, 3.0]                         # three retries, then it gives up


def test_contract_info_waits_for_health_until_its_deadline_and_says_so(capsys, clock):
    result = run(coder_info, {"url": "http://127.0.0.1:9", "timeout": 2, "wait": 10}, capsys)
    assert result["failed"] is True and "within 10 s" in result["msg"]
    # each poll retries three times (1, 2, 3 s), then waits 2 s; the second poll ends past the deadline
    assert clock.waits == [1.0, 2.0, 3.0, 2, 1.0, 2.0, 3.0]


def test_contract_template_pushed_once_per_content_and_failed_builds_keep_the_active_version(coder, capsys, tmp_path):
    url, state = coder
    run(coder_first_user, dict(OWNER, url=url), capsys)
    token = owner_token(url, capsys)
    (tmp_path / "main.tf").write_text('resource "coder_agent" "main" {}\n')
    args = {"url": url, "token": token, "name": "kubernetes", "directory": str(tmp_path)}
    assert run(coder_template, args, capsys, check_mode=True)["changed"] is True
    assert state.templates == {}                                  # check mode pushed nothing
    first = run(coder_template, args, capsys)
    assert first["changed"] is True and state.templates["kubernetes"]["active_version_id"] == first["version_id"]
    same = run(coder_template, args, capsys)
    assert same["changed"] is False and same["content_hash"] == first["content_hash"]
    assert len(state.files) == 1                                  # unchanged content is not uploaded again
    (tmp_path / "main.tf").write_text('resource "coder_agent" "main" { os = "linux" }\n')
    second = run(coder_template, args, capsys)
    assert second["changed"] is True and state.templates["kubernetes"]["active_version_id"] == second["version_id"]
    (tmp_path / "broken.tf").write_text("FAIL_BUILD\n")
    failed = run(coder_template, args, capsys)
    assert failed["failed"] is True and "failed: terraform plan: Error: Invalid resource type" in failed["msg"]
    assert state.templates["kubernetes"]["active_version_id"] == second["version_id"]
    too_long = run(coder_template, dict(args, name="x" * 32), capsys)
    assert too_long["failed"] is True and "fewer than 32" in too_long["msg"]


def test_contract_template_settings_held_and_require_active_version_needs_the_licence(coder, capsys, tmp_path):
    url, state = coder
    run(coder_first_user, dict(OWNER, url=url), capsys)
    token = owner_token(url, capsys)
    (tmp_path / "main.tf").write_text('resource "coder_agent" "main" {}\n')
    args = {"url": url, "token": token, "name": "kubernetes", "directory": str(tmp_path),
            "settings": {"require_active_version": True, "default_ttl_ms": 28800000}}
    refused = run(coder_template, args, capsys)
    assert refused["failed"] is True
    assert refused["msg"] == ("coder_template: setting require_active_version on template kubernetes needs a Coder Premium "
                              "licence with the access_control feature (entitlement: none); add the licence "
                              "(onprem_coder_license) or drop the setting")
    assert "require_active_version" not in state.templates["kubernetes"]           # nothing pretended
    state.features["access_control"] = "entitled"
    predicted = run(coder_template, args, capsys, check_mode=True)
    assert predicted["changed"] is True and predicted["settings_changed"] == ["default_ttl_ms", "require_active_version"]
    assert "require_active_version" not in state.templates["kubernetes"]           # check mode sent nothing
    done = run(coder_template, args, capsys)
    assert done["changed"] is True and state.templates["kubernetes"]["require_active_version"] is True
    again = run(coder_template, args, capsys)
    assert again["changed"] is False and again["settings_changed"] == []
    assert state.calls.count(("PATCH", "/api/v2/templates/%s" % done["template_id"])) == 1


def test_contract_users_exist_with_exactly_their_roles_and_others_are_untouched(coder, capsys):
    url, state = coder
    run(coder_first_user, dict(OWNER, url=url), capsys)
    token = owner_token(url, capsys)
    state.users["someone"] = {"id": "x", "username": "someone", "email": "s@example.com", "status": "active",
                              "roles": [{"name": "owner"}]}
    users = [{"username": "tpl-admin", "email": "tpl@example.com", "roles": ["template-admin"]},
             {"username": "auditor1", "email": "audit@example.com", "roles": ["auditor", "user-admin"],
              "login_type": "password", "password": "Vault-Only-9x"}]
    args = {"url": url, "token": token, "users": users}
    predicted = run(coder_users, args, capsys, check_mode=True)
    assert predicted["changed"] is True and [item["created"] for item in predicted["users"]] == [True, True]
    assert set(state.users) == {"someone"}                                          # check mode created nobody
    made = run(coder_users, args, capsys)
    assert made["changed"] is True
    assert [role["name"] for role in state.users["tpl-admin"]["roles"]] == ["template-admin"]
    assert sorted(role["name"] for role in state.users["auditor1"]["roles"]) == ["auditor", "user-admin"]
    assert "Vault-Only-9x" not in json.dumps(made)                                  # the password is never returned
    assert run(coder_users, args, capsys)["changed"] is False                       # idempotent
    # authoritative for the named users: a role dropped from the inventory is taken away
    users[1]["roles"] = ["auditor"]
    users[0]["state"] = "suspended"
    changed = run(coder_users, args, capsys)
    assert changed["changed"] is True and changed["users"][1]["roles_before"] == ["auditor", "user-admin"]
    assert [role["name"] for role in state.users["auditor1"]["roles"]] == ["auditor"]
    assert state.users["tpl-admin"]["status"] == "suspended"
    assert state.users["someone"]["roles"] == [{"name": "owner"}]                   # never named, never touched
    bad = run(coder_users, dict(args, users=[{"username": "x", "email": "x@example.com", "roles": ["template_admin"]}]), capsys)
    assert bad["failed"] is True and bad["msg"] == ("coder_users: users[0] (x): roles template_admin are not site roles; "
                                                    "expected any of owner, user-admin, template-admin, auditor")
    unauthenticated = run(coder_users, dict(args, token="wrong"), capsys)
    assert unauthenticated["failed"] is True and "HTTP 401" in unauthenticated["msg"]


def test_the_template_tar_is_reproducible(tmp_path):
    from ansible_collections.onprem.coder.plugins.module_utils.coder_api import template_tar
    (tmp_path / "b.tf").write_text("b")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "c.tf").write_text("c")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref")
    first = template_tar(str(tmp_path))
    import os
    os.utime(str(tmp_path / "b.tf"), (1, 1))
    assert template_tar(str(tmp_path)) == first                  # times do not matter
    import io
    import tarfile
    assert tarfile.open(fileobj=io.BytesIO(first[0])).getnames() == ["b.tf", "a/c.tf"]


def test_contract_license_added_once(coder, capsys):
    import base64
    url, state = coder
    run(coder_first_user, dict(OWNER, url=url), capsys)
    token = owner_token(url, capsys)
    claims = base64.urlsafe_b64encode(json.dumps({"license_id": "lic-123", "features": {}}).encode()).decode().rstrip("=")
    jwt = "eyJhbGciOiJFZERTQSJ9.%s.c2ln" % claims
    added = run(coder_license, {"url": url, "token": token, "license": jwt}, capsys)
    assert added["changed"] is True and added["license_id"] == "lic-123"
    again = run(coder_license, {"url": url, "token": token, "license": jwt}, capsys)
    assert again["changed"] is False and len(state.licenses) == 1
    bad = run(coder_license, {"url": url, "token": token, "license": "not-a-jwt"}, capsys)
    assert bad["failed"] is True and "not a JWT" in bad["msg"] and "not-a-jwt" not in bad["msg"]
