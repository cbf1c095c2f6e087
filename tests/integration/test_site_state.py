# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Site state lives on the site (docs/site-state.md), proven on the lab's real hosts.

The lab is deployed from this checkout. The site CA taken away from the CA host stops the
run before any change, saying where the CA is expected. Every host records its site and
groups. The CA rotates under writes. Last, `site.yml` runs from a second copy of the
repository, started from an unrelated directory with no output directory: on the rotated
site, nothing changes, no certificate is re-issued, the Helm values are the same.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from .conftest import ROOT, Writer, changed_tasks, journal_excerpt, playbook, recap, run

CA_HOST = "lab-backup1"
CA_DIR = "/etc/onprem-coder/ca"
CERT_HOSTS = ["lab-pg1", "lab-pg2", "lab-pg3", "lab-backup1"]


def fingerprints():
    """sha256 of the CA and host certificate (and the host key) on every database host."""
    found = {}
    for host in CERT_HOSTS:
        rc, out = run(["podman", "exec", host, "sha256sum", "/etc/onprem-coder/tls/ca.crt",
                       "/etc/onprem-coder/tls/host.crt", "/etc/onprem-coder/tls/host.key"])
        assert rc == 0, out
        found[host] = sorted(out.split())
    return found


def values_files(checkout):
    helm = os.path.join(checkout, "inventories", "lab", ".output", "helm")
    files = {}
    for name in sorted(os.listdir(helm)):
        with open(os.path.join(helm, name)) as handle:
            files[name] = handle.read()
    return files


def fresh_copy(dest):
    """The repository as a fresh clone has it: tracked files (and new, unignored ones), no build output."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            stdout=subprocess.PIPE, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = os.path.join(ROOT, name)
        target = os.path.join(dest, name)
        if not os.path.lexists(source):
            continue      # deleted in the working tree, not yet in git
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(source):
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
    return str(dest)


def test_a_missing_site_ca_stops_before_any_change(deployed):
    before = fingerprints()
    rc, out = run(["podman", "exec", CA_HOST, "mv", CA_DIR, CA_DIR + ".away"])
    assert rc == 0, out
    try:
        rc, out = playbook("-i", deployed, "playbooks/database.yml")
    finally:
        back, text = run(["podman", "exec", CA_HOST, "mv", CA_DIR + ".away", CA_DIR])
        assert back == 0, text
    assert rc != 0, out[-3000:]
    assert "The site CA is missing on the CA host %s" % CA_HOST in out, out[-3000:]
    assert "%s/ca.crt and %s/ca.key" % (CA_DIR, CA_DIR) in out
    assert "onprem_coder_pki_ca_host" in out
    counts = recap(out)
    assert counts and all(c["changed"] == 0 for c in counts.values()), changed_tasks(out)
    assert fingerprints() == before


def host_file(host, path):
    rc, out = run(["podman", "exec", host, "cat", path])
    assert rc == 0, out
    return out


def inventory_groups(inventory):
    """{host: sorted group names}, as Ansible's group_names has them (parents included)."""
    rc, out = run(["ansible-inventory", "-i", inventory, "--list"])
    assert rc == 0, out
    listed = json.loads(out)
    parents = {}
    for group, body in listed.items():
        for child in body.get("children", []) if isinstance(body, dict) else []:
            parents.setdefault(child, set()).add(group)
    found = {}
    for group, body in listed.items():
        for host in body.get("hosts", []) if isinstance(body, dict) else []:
            todo, seen = [group], set()
            while todo:
                name = todo.pop()
                if name not in seen:
                    seen.add(name)
                    todo.extend(parents.get(name, ()))
            found.setdefault(host, set()).update(seen - {"all", "ungrouped"})
    return dict((host, sorted(groups)) for host, groups in found.items())


def test_every_host_of_the_site_records_its_site_and_groups(deployed):
    # the database and the kubernetes phases both apply the base role: every host says what it is for
    groups = inventory_groups(deployed)
    assert {"lab-pg1", "lab-backup1", "lab-cp1", "lab-coder1", "lab-ws1"} <= set(groups), sorted(groups)
    for host, names in sorted(groups.items()):
        fact = json.loads(host_file(host, "/etc/ansible/facts.d/onprem_coder.fact"))
        assert fact == {"site": "lab", "groups": names}, host


def common_names(pem, field):
    """The subject or issuer common names of every certificate in a PEM bundle."""
    names = []
    for block in pem.split("-----END CERTIFICATE-----")[:-1]:
        certificate = block + "-----END CERTIFICATE-----\n"
        proc = subprocess.run(["openssl", "x509", "-noout", "-" + field, "-nameopt", "multiline"], input=certificate,
                              stdout=subprocess.PIPE, universal_newlines=True, check=True)
        names += [line.split("=", 1)[1].strip() for line in proc.stdout.splitlines() if "commonName" in line]
    return names


def patroni_leader():
    """The leader's name from any member's /cluster (for the report)."""
    for host in ("10.89.60.11", "10.89.60.12", "10.89.60.13"):
        try:
            with urllib.request.urlopen("http://%s:8008/cluster" % host, timeout=3) as response:
                members = json.load(response)["members"]
            return [m["name"] for m in members if m["role"] == "leader"]
        except (OSError, ValueError):
            continue
    return []


def test_the_ca_rotates_under_writes_and_a_second_run_changes_nothing(deployed):
    ca_file = os.path.join(ROOT, "inventories", "lab", ".output", "pki", "ca.crt")
    writer = Writer(ca_file, "rotation_probe")
    with writer.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS rotation_probe (id bigint PRIMARY KEY)")
        cur.execute("TRUNCATE rotation_probe")
    old_ca = host_file(CA_HOST, CA_DIR + "/ca.crt")
    label = "test-%d" % int(time.time())
    leader_before = patroni_leader()
    writer.start()
    started = time.time()
    try:
        rc, out = playbook("-i", deployed, "playbooks/rotate_certificates.yml", "-e", "onprem_coder_ca_rotation=" + label)
        rotation_seconds = time.time() - started
        assert rc == 0, out[-6000:]
        rc, again = playbook("-i", deployed, "playbooks/rotate_certificates.yml", "-e", "onprem_coder_ca_rotation=" + label)
        assert rc == 0, again[-6000:]
        time.sleep(2)
    finally:
        writer.stop.set()
        writer.join(30)
    counts = recap(again)
    assert counts and all(c["changed"] == 0 for c in counts.values()), "a second run changed: %s" % changed_tasks(again)
    # every acknowledged write is there, and writes never stopped for long
    with writer.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM rotation_probe")
        stored = set(row[0] for row in cur.fetchall())
    lost = [row for row in writer.acknowledged if row not in stored]
    gaps = [b - a for a, b in zip([started] + writer.times, writer.times + [time.time()])]
    print("rotation %.0f s; %d rows acknowledged, %d lost; longest pause between writes %.1f s; %d failed attempts %s; "
          "leader %s -> %s" % (rotation_seconds, len(writer.acknowledged), len(lost), max(gaps), len(writer.errors),
                               writer.errors[:3], leader_before, patroni_leader()))
    assert len(writer.acknowledged) > 100, writer.errors[:5]
    assert lost == []
    if max(gaps) >= 30:
        stop = gaps.index(max(gaps))
        since = ([started] + writer.times)[stop]
        pytest.fail("writes stopped for %.1f s during the rotation; the database hosts' services meanwhile:\n%s"
                    % (max(gaps), journal_excerpt(["lab-pg1", "lab-pg2", "lab-pg3"], since - 10, since + max(gaps))))
    # every host trusts the new CA only, and holds a certificate it issued
    new_ca = host_file(CA_HOST, CA_DIR + "/ca.crt")
    assert new_ca != old_ca
    new_name = common_names(new_ca, "subject")
    assert len(new_name) == 1 and new_name[0].endswith(" " + label), new_name
    for host in CERT_HOSTS:
        assert host_file(host, "/etc/onprem-coder/tls/ca.crt").strip() == new_ca.strip(), host
        assert common_names(host_file(host, "/etc/onprem-coder/tls/host.crt"), "issuer") == new_name, host
    with open(ca_file) as handle:
        assert handle.read().strip() == new_ca.strip()
    # the old CA is kept, retired, and no rotation is left under way
    rc, out = run(["podman", "exec", CA_HOST, "ls", CA_DIR, CA_DIR + "/retired"])
    assert rc == 0 and "next" not in out.split(), out
    # The database phase on the rotated site re-issues nothing: the next test runs the whole
    # site.yml (the database phase in it) from a second clone, and asserts changed=0 and every
    # certificate and key unchanged. It is defined after this one, so it runs after it.


def test_a_second_clone_started_elsewhere_changes_nothing(deployed, tmp_path):
    # runs after the CA rotation above (pytest keeps the file's order): on the rotated site too,
    # no phase re-issues a certificate
    before = fingerprints()
    values_before = values_files(ROOT)
    assert values_before, "the first run wrote no Helm values"
    clone = fresh_copy(tmp_path / "clone")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    started = time.time()
    rc, out = run(["ansible-playbook", "-i", os.path.join(clone, "inventories", "lab"), os.path.join(clone, "site.yml")],
                  env={"ANSIBLE_CONFIG": os.path.join(clone, "ansible.cfg")}, cwd=str(elsewhere))
    print("site.yml from a second clone, started elsewhere: %.0f s" % (time.time() - started))
    assert rc == 0, out[-6000:]
    counts = recap(out)
    assert counts, out[-3000:]
    changed = dict((host, c) for host, c in counts.items() if c["changed"] or c["failed"] or c["unreachable"])
    assert changed == {}, "the second clone changed the site: %s %s" % (changed, changed_tasks(out))
    assert fingerprints() == before, "a certificate or key changed on a host"
    assert values_files(clone) == values_before
    assert os.listdir(str(elsewhere)) == [], "the run wrote into its working directory"
