# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Build the execution environment of extensions/ee/execution-environment.yml here, with
ansible-builder 3 and podman, as close to a site's build as our build machines allow:

    python tests/ee/build_ee.py TAG

What differs, and why (docs/awx.md says the same):
- the base image: no registry is reachable here, so instead of CentOS Stream 9 it is the lab's
  Debian 12 image (tests/lab/build-image.sh) with a Python virtual environment in /opt/ee
  (Debian's own Python refuses ensurepip, which ansible-builder runs) and apt-get as the
  package manager;
- the collections: Galaxy is not reachable either, so they are installed --offline from
  tarballs of the releases the pinned ``ansible`` package bundles (the versions make test runs
  with), through the same requirements as collections/requirements.yml;
- helm: get.helm.sh is not reachable, so the build's HELM_URL is a local server handing out a
  release-shaped tarball of the helm binary make test uses; install_helm.py holds it to the
  same sha256 as at a site.
Everything else (the Python libraries from PyPI, ansible-core, ansible-runner, bindep's system
packages, the Containerfile) is ansible-builder's own build of our definition.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import hashlib
import http.server
import io
import json
import os
import subprocess
import sys
import tarfile
import threading

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
DEFINITION = os.path.join(ROOT, "extensions", "ee", "execution-environment.yml")
BIN = os.path.dirname(sys.executable)


def lab_image():
    with open(os.path.join(ROOT, "tests", "lab", "build-image.sh"), "rb") as handle:
        return "localhost/onprem-coder-lab:" + hashlib.sha1(handle.read()).hexdigest()[:12]


def nofile():
    return subprocess.run(["sh", "-c", "ulimit -Hn"], stdout=subprocess.PIPE, universal_newlines=True,
                          check=True).stdout.strip()


def podman(*args, **kwargs):
    print("+ podman " + " ".join(args), flush=True)
    return subprocess.run(["podman"] + list(args), check=True, **kwargs)


def base_image():
    """The lab's Debian 12 with a virtual environment ansible-builder's scripts can use."""
    lab = lab_image()
    tag = lab.replace("onprem-coder-lab", "onprem-coder-ee-base")
    if subprocess.run(["podman", "image", "exists", tag], check=False).returncode == 0:
        return tag
    containerfile = "\n".join([
        "FROM %s" % lab,
        "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv"
        " && python3 -m venv /opt/ee",
        "ENV PATH=/opt/ee/bin:$PATH",
        ""])
    podman("build", "--network=host", "--ulimit=nofile=%s:%s" % (nofile(), nofile()), "-t", tag, "-f", "-", ROOT,
           input=containerfile.encode())
    return tag


def bundled_collections(requirements, target):
    """Tarballs of the collections ``requirements`` names, from the pinned ansible package."""
    import ansible     # the ansible package: its ansible_collections folder is beside it
    bundle = os.path.join(os.path.dirname(os.path.dirname(ansible.__file__)), "ansible_collections")
    os.makedirs(target, exist_ok=True)
    names = []
    for item in requirements["collections"]:
        namespace, name = item["name"].split(".")
        source = os.path.join(bundle, namespace, name)
        with open(os.path.join(source, "MANIFEST.json")) as handle:
            version = json.load(handle)["collection_info"]["version"]
        filename = "%s-%s-%s.tar.gz" % (namespace, name, version)
        with tarfile.open(os.path.join(target, filename), "w:gz", compresslevel=1) as archive:
            files, manifest = artifact_manifests(source)
            for entry, data in (("MANIFEST.json", manifest), ("FILES.json", files)):
                info = tarfile.TarInfo(entry)
                info.size, info.mode = len(data), 0o644
                archive.addfile(info, io.BytesIO(data))
            for entry in sorted(os.listdir(source)):
                if entry not in ("MANIFEST.json", "FILES.json"):
                    archive.add(os.path.join(source, entry), arcname=entry,
                                filter=lambda info: None if "__pycache__" in info.name else info)
        names.append(filename)
    return names


def artifact_manifests(source):
    """FILES.json and MANIFEST.json of an installed collection, listing only the files the
    ansible package ships (it leaves some of the release's out, and ansible-galaxy checks
    every entry)."""
    with open(os.path.join(source, "FILES.json")) as handle:
        files = json.load(handle)
    kept = [entry for entry in files["files"]
            if entry["name"] == "." or os.path.lexists(os.path.join(source, entry["name"]))]
    files_data = json.dumps(dict(files, files=kept), indent=2).encode()
    with open(os.path.join(source, "MANIFEST.json")) as handle:
        manifest = json.load(handle)
    manifest["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_data).hexdigest()
    return files_data, json.dumps(manifest, indent=2).encode()


def serve_helm(work):
    """A local server with a release-shaped tarball of make test's helm; returns its URL."""
    with open(os.path.join(BIN, "helm"), "rb") as handle:
        binary = handle.read()
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz", compresslevel=1) as archive:
        info = tarfile.TarInfo("linux-amd64/helm")
        info.size, info.mode = len(binary), 0o755
        archive.addfile(info, io.BytesIO(binary))
    folder = os.path.join(work, "helm-mirror")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "helm.tar.gz"), "wb") as handle:
        handle.write(data.getvalue())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d/helm.tar.gz" % server.server_address[1]


def build(tag, work):
    with open(DEFINITION) as handle:
        definition = yaml.safe_load(handle)
    here = os.path.dirname(DEFINITION)
    with open(os.path.normpath(os.path.join(here, definition["dependencies"]["galaxy"]))) as handle:
        requirements = yaml.safe_load(handle)
    names = bundled_collections(requirements, os.path.join(work, "collections"))
    # the same definition, with paths made absolute and the collections from local tarballs
    dependencies = definition["dependencies"]
    for key in ("python", "system"):
        dependencies[key] = os.path.normpath(os.path.join(here, dependencies[key]))
    dependencies["galaxy"] = {"collections": [{"name": "/build/collections/" + name, "type": "file"} for name in names]}
    for item in definition["additional_build_files"]:
        item["src"] = os.path.normpath(os.path.join(here, item["src"]))
    definition["additional_build_files"].append({"src": os.path.join(work, "collections"), "dest": "collections"})
    local = os.path.join(work, "execution-environment.yml")
    with open(local, "w") as handle:
        yaml.safe_dump(definition, handle, sort_keys=False)
    limit = "%s:%s" % (nofile(), nofile())
    command = [os.path.join(BIN, "ansible-builder"), "build", "-f", local, "-c", os.path.join(work, "context"),
               "-t", tag, "--container-runtime", "podman", "-v", "3",
               "--build-arg", "EE_BASE_IMAGE=" + base_image(),
               "--build-arg", "PYCMD=/opt/ee/bin/python3",
               "--build-arg", "PKGMGR=/usr/bin/apt-get",
               "--build-arg", "PKGMGR_PRESERVE_CACHE=always",
               "--build-arg", "ANSIBLE_GALAXY_CLI_COLLECTION_OPTS=--offline",
               "--build-arg", "HELM_URL=" + serve_helm(work),
               "--extra-build-cli-args", "--network=host --ulimit=nofile=%s" % limit]
    print("+ " + " ".join(command), flush=True)
    subprocess.run(command, check=True)
    return tag


if __name__ == "__main__":
    import tempfile
    build(sys.argv[1] if len(sys.argv) > 1 else "localhost/onprem-coder-ee:test", tempfile.mkdtemp(prefix="ee-"))
