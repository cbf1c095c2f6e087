# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The support bundle's redaction and archive."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import tarfile

import zipfile

from ansible_collections.onprem.coder.plugins.module_utils.support_bundle import REDACTED, build, redact, secret_values, unzip


def test_secret_values_are_found_by_their_variable_names():
    variables = {"patroni_superuser_password": "Sup3r-secret", "coder_database_password": "db#pw9",
                 "onprem_coder_api_token": "tok-abc123", "nested": {"tls_private_key": "KEYDATA"},
                 "onprem_coder_users": 100, "short_password": "x", "templated_token": "{{ vault_token }}",
                 "onprem_coder_access_url": "https://coder.example.com"}
    assert secret_values(variables) == ["Sup3r-secret", "tok-abc123", "KEYDATA", "db#pw9"]


def test_redaction_takes_known_values_and_secret_shapes():
    text = ("postgresql:\n  authentication:\n    superuser:\n      password: Sup3r-secret\n"
            "url: postgres://coder:db#pw9@10.0.0.1:5000/coder\nPGPASSWORD=other\n"
            "Coder-Session-Token: abcdef\n-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\nkeep me\n")
    out = redact(text, ["Sup3r-secret", "db#pw9"])
    for secret in ("Sup3r-secret", "db#pw9", "other", "abcdef", "MHcC"):
        assert secret not in out
    assert "keep me" in out and out.count(REDACTED) >= 5


def test_the_archive_holds_redacted_files_and_a_manifest():
    data, manifest = build({"pg1/config/etc/patroni/config.yml": "password: Sup3r-secret\n", "pg1/status.json": {"a": 1}},
                           ["Sup3r-secret"], {"kubernetes": "no kubeconfig"}, now=0)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        names = archive.getnames()
        content = dict((name, archive.extractfile(name).read().decode()) for name in names)
    assert names == ["support-bundle/pg1/config/etc/patroni/config.yml", "support-bundle/pg1/status.json",
                     "support-bundle/manifest.json"]
    assert "Sup3r-secret" not in json.dumps(content)
    written = json.loads(content["support-bundle/manifest.json"])
    assert written["skipped"] == {"kubernetes": "no kubeconfig"}
    assert [item["path"] for item in written["files"]] == ["pg1/config/etc/patroni/config.yml", "pg1/status.json"]
    assert written == manifest


def test_coders_own_zip_is_unpacked_and_redacted_with_the_rest():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("deployment/config.json", '{"session": "tok-abc123", "url": "https://coder.example.com"}')
        archive.writestr("agent/pprof.bin", b"\xff\xfe tok-abc123 \x00")
    members = unzip(buffer.getvalue(), "coder/")
    assert sorted(members) == ["coder/agent/pprof.bin", "coder/deployment/config.json"]
    assert isinstance(members["coder/agent/pprof.bin"], bytes)
    data, _manifest = build(members, ["tok-abc123"], {}, now=0)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        raw = b"".join(archive.extractfile(name).read() for name in archive.getnames())
    assert b"tok-abc123" not in raw and REDACTED.encode() in raw
