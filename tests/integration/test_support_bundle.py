# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""playbooks/support_bundle.yml on the deployed lab: one archive with a manifest, every
database host's logs, configuration (Patroni's holds every database password), versions and
status - and not one secret of the inventory anywhere in it."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import io
import json
import os
import stat
import tarfile
import time

from .conftest import ROOT, changed_tasks, lab_secrets, playbook, recap, run

OUTPUT = os.path.join(ROOT, "inventories", "lab", ".output")


def test_the_bundle_holds_every_host_and_no_secret(deployed):
    for old in glob.glob(os.path.join(OUTPUT, "support-bundle-*.tar.gz")):
        os.remove(old)
    # a secret planted where the bundle reads: a Patroni log line on the leader's host
    secrets = lab_secrets()
    rc, out = run(["podman", "exec", "lab-pg1", "sh", "-c",
                   "echo 'planted %s' | systemd-cat --identifier=patroni" % secrets["patroni_superuser_password"]])
    assert rc == 0, out
    started = time.time()
    rc, out = playbook("-i", "inventories/lab", "playbooks/support_bundle.yml")
    print("support_bundle.yml on the lab: %.1f s" % (time.time() - started))
    assert rc == 0, out[-4000:]
    assert all(counts["changed"] == 0 for counts in recap(out).values()), changed_tasks(out)
    archives = glob.glob(os.path.join(OUTPUT, "support-bundle-*.tar.gz"))
    assert len(archives) == 1, archives
    assert stat.S_IMODE(os.stat(archives[0]).st_mode) == 0o600
    with open(archives[0], "rb") as handle:
        raw = handle.read()
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as archive:
        files = dict((name, archive.extractfile(name).read().decode("utf-8", "replace")) for name in archive.getnames())
    manifest = json.loads(files["support-bundle/manifest.json"])
    paths = [item["path"] for item in manifest["files"]]
    for host in ("lab-pg1", "lab-pg2", "lab-pg3"):
        assert "%s/config/etc/patroni/config.yml" % host in paths and "%s/logs/patroni.log" % host in paths
        assert "%s/status.json" % host in paths and "%s/versions.txt" % host in paths
    assert "lab-backup1/config/etc/pgbackrest.conf" in paths and "reports/plan.md" in paths
    assert "<redacted>" in files["support-bundle/lab-pg1/config/etc/patroni/config.yml"]
    assert "patroni" in files["support-bundle/lab-pg1/versions.txt"].lower()
    assert set(manifest["skipped"]) == {"kubernetes", "coder support bundle"}
    everything = "\n".join(files.values())
    leaked = sorted(name for name, value in secrets.items() if value in everything)
    assert leaked == [], "secrets in the bundle: %s" % leaked
    assert "planted <redacted>" in files["support-bundle/lab-pg1/logs/patroni.log"]   # collected, and redacted


STAND_IN_CLI = """#!/usr/bin/env python3
# A STAND-IN for the coder CLI (no Coder binary can be obtained here): it checks the call the
# support_bundle role makes and writes a zip shaped like `coder support bundle` output.
import json, os, sys, zipfile
args = sys.argv[1:]
assert args[:3] == ["support", "bundle", "alice/dev"] and "--yes" in args, args
assert os.environ.get("CODER_URL") and os.environ.get("CODER_SESSION_TOKEN"), "no CODER_URL or token"
out = args[args.index("--output-file") + 1]
with zipfile.ZipFile(out, "w") as archive:
    archive.writestr("deployment/buildinfo.json", json.dumps({"version": "v2.34.0"}))
    archive.writestr("cli_logs.txt", "token in use: " + os.environ["CODER_SESSION_TOKEN"] + "\\n")
"""


def test_coders_own_bundle_goes_in_redacted(deployed, tmp_path):
    # The coder CLI is a stand-in script (see STAND_IN_CLI): this proves the role's call and the
    # unpacking and redaction of its zip, not Coder's bundle itself.
    cli = tmp_path / "coder"
    cli.write_text(STAND_IN_CLI)
    cli.chmod(0o755)
    for old in glob.glob(os.path.join(OUTPUT, "support-bundle-*")):
        os.remove(old)
    token = "stand-in-token-4f9a7c21"
    rc, out = playbook("-i", "inventories/lab", "playbooks/support_bundle.yml", "-e", json.dumps({
        "onprem_coder_support_bundle_workspace": "alice/dev", "onprem_coder_cli": str(cli),
        "onprem_coder_api_token": token}))
    assert rc == 0, out[-4000:]
    assert token not in out
    archives = glob.glob(os.path.join(OUTPUT, "support-bundle-*"))
    assert len(archives) == 1 and archives[0].endswith(".tar.gz"), archives     # the zip was taken in and removed
    with tarfile.open(archives[0], mode="r:gz") as archive:
        files = dict((name, archive.extractfile(name).read().decode("utf-8", "replace")) for name in archive.getnames())
    assert files["support-bundle/coder/cli_logs.txt"] == "token in use: <redacted>\n"
    assert "coder support bundle" not in json.loads(files["support-bundle/manifest.json"])["skipped"]
    assert token not in "\n".join(files.values())
