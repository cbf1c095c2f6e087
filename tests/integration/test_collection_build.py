# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The collection builds, installs, and its plugins and roles are documented from the install."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import tarfile

import yaml

from .conftest import ROOT, run


def test_build_install_and_document(tmp_path):
    empty_cfg = tmp_path / "empty.cfg"
    empty_cfg.write_text("[defaults]\n")
    rc, out = run(["ansible-galaxy", "collection", "build", "--output-path", str(tmp_path), "--force"])
    assert rc == 0, out
    tarballs = glob.glob(str(tmp_path / "onprem-coder-*.tar.gz"))
    assert len(tarballs) == 1
    # a Galaxy install brings the dependencies: the tarball's manifest lists galaxy.yml's
    with tarfile.open(tarballs[0]) as tarball:
        manifest = json.load(tarball.extractfile("MANIFEST.json"))
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        declared = yaml.safe_load(handle)["dependencies"]
    assert manifest["collection_info"]["dependencies"] == declared and "kubernetes.core" in declared, manifest
    install = tmp_path / "installed"
    # no ansible.cfg: this checkout's collections path would make it "already installed"
    rc, out = run(["ansible-galaxy", "collection", "install", "--offline", "--force", "-p", str(install), tarballs[0]],
                  env={"ANSIBLE_CONFIG": str(empty_cfg)})
    assert rc == 0, out
    installed = install / "ansible_collections" / "onprem" / "coder"
    assert (installed / "playbooks" / "site.yml").is_file()
    assert not (installed / "collections").exists()      # the self-link stays out of the tarball
    assert not (installed / ".venv").exists()
    env = {"ANSIBLE_COLLECTIONS_PATH": str(install), "ANSIBLE_CONFIG": str(empty_cfg)}
    assert "installed successfully" in out
    rc, out = run(["ansible-doc", "-l", "onprem.coder"], env=env)
    assert rc == 0, out
    assert "onprem.coder.cva_sizing" in out and "onprem.coder.cva_host_check" in out
    rc, out = run(["ansible-doc", "-t", "role", "onprem.coder.plan"], env=env)
    assert rc == 0, out
    assert "plan_users" in out
    # the playbooks run by FQCN from the installed copy, without this checkout's ansible.cfg
    rc, out = run(["ansible-playbook", "-i", "inventories/sample", "onprem.coder.plan",
                   "-e", "onprem_coder_output_dir=%s" % (tmp_path / "out")], env=env)
    assert rc == 0, out[-3000:]
    assert (tmp_path / "out" / "plan.json").is_file()
