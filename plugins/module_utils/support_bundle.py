# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""A support bundle (playbooks/support_bundle.yml): what was collected, redacted, in one archive
with a manifest. No Ansible imports: tested with pytest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import io
import json
import re
import tarfile
import time
import zipfile

REDACTED = "<redacted>"
# Variable names whose values are secrets wherever they appear.
SECRET_NAME = re.compile(r"(password|passwd|token|secret|private_key|_key$|license|credential)", re.I)
# Secrets in text whatever their value: key=value and header forms.
SECRET_TEXT = [
    (re.compile(r"(?i)(password|passwd|pgpassword|secret|token)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&]+)"), r"\1\2" + REDACTED),
    (re.compile(r"(?i)(coder-session-token:\s*)\S+"), r"\1" + REDACTED),
    (re.compile(r"(postgres(?:ql)?://[^:/\s]+:)[^@\s]+@"), r"\1" + REDACTED + "@"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S), REDACTED),
]


def secret_values(variables, minimum=4):
    """The values of every variable whose name says it is a secret (strings, recursively in dicts and lists)."""
    found = set()

    def walk(name, value):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(str(key), item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(name, item)
        elif isinstance(value, str) and SECRET_NAME.search(name) and len(value) >= minimum and "{{" not in value:
            found.add(value)
    for name, value in (variables or {}).items():
        walk(str(name), value)
    return sorted(found, key=len, reverse=True)


def redact(text, secrets):
    """Every known secret value, then every secret-looking assignment, replaced."""
    for value in secrets:
        text = text.replace(value, REDACTED)
    for pattern, replacement in SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def unzip(data, prefix):
    """The members of a zip (Coder's own support bundle) as archive path -> text (or bytes when
    not text), so that every text member is redacted like the rest."""
    members = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.endswith("/"):
                continue
            raw = archive.read(info.filename)
            try:
                members[prefix + info.filename] = raw.decode("utf-8")
            except UnicodeDecodeError:
                members[prefix + info.filename] = raw
    return members


def build(files, secrets, skipped, now=None):
    """(tar.gz bytes, manifest). ``files``: archive path -> text (bytes are kept as they are, a
    dict or list is written as JSON); ``skipped``: part -> why."""
    now = int(now if now is not None else time.time())
    manifest = {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), "files": [], "skipped": skipped,
                "redaction": "every value of a variable named like a password, token, secret, key or licence, "
                             "and every password=, token=, Coder-Session-Token and private key block"}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        def add(name, data):
            info = tarfile.TarInfo(name="support-bundle/" + name)
            info.size, info.mtime, info.mode = len(data), now, 0o600
            archive.addfile(info, io.BytesIO(data))
        for name in sorted(files):
            if isinstance(files[name], bytes):
                data = files[name]
                for value in secrets:
                    data = data.replace(value.encode("utf-8"), REDACTED.encode("utf-8"))
            else:
                text = files[name] if isinstance(files[name], str) else json.dumps(files[name], indent=2, sort_keys=True)
                data = redact(text, secrets).encode("utf-8")
            add(name, data)
            manifest["files"].append({"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
        add("manifest.json", json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
    return buffer.getvalue(), manifest
