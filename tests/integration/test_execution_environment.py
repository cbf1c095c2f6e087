# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The execution environment's definition (extensions/ee/execution-environment.yml) as
ansible-builder 3 reads it: ``ansible-builder create`` makes a build context whose
Containerfile and files carry exactly what the project keeps elsewhere (the collections of
collections/requirements.yml, the Python and system needs of meta/, ansible-core as
requirements-dev.txt pins it) and installs the pinned helm. Building the image is
``make ee`` (tests/ee/test_ee_build.py), which needs podman and the lab."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import sys

import pytest

from .conftest import ROOT, run

DEFINITION = os.path.join(ROOT, "extensions", "ee", "execution-environment.yml")
BUILDER = os.path.join(os.path.dirname(sys.executable), "ansible-builder")


def pinned(name):
    with open(os.path.join(ROOT, "requirements-dev.txt")) as handle:
        found = re.findall(r"^%s==(\S+)$" % re.escape(name), handle.read(), re.M)
    assert len(found) == 1, "requirements-dev.txt pins %s once: %s" % (name, found)
    return found[0]


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    if not os.path.exists(BUILDER):
        pytest.skip("no ansible-builder beside the test's python (requirements-dev.txt installs it)")
    where = tmp_path_factory.mktemp("ee") / "context"
    rc, out = run([BUILDER, "create", "-f", DEFINITION, "-c", str(where), "--output-filename", "Containerfile"])
    assert rc == 0, out[-4000:]
    return where


def read(path):
    with open(str(path)) as handle:
        return handle.read()


def test_the_context_holds_the_projects_own_requirement_files(context):
    build = context / "_build"
    assert read(build / "requirements.yml") == read(os.path.join(ROOT, "collections", "requirements.yml"))
    assert read(build / "requirements.txt") == read(os.path.join(ROOT, "meta", "ee-requirements.txt"))
    assert read(build / "bindep.txt") == read(os.path.join(ROOT, "meta", "ee-bindep.txt"))
    assert read(build / "helm" / "install_helm.py") == read(os.path.join(ROOT, "extensions", "ee", "install_helm.py"))


def test_the_containerfile_installs_the_pinned_ansible_and_python(context):
    containerfile = read(context / "Containerfile")
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="([^"]*)"$', containerfile, re.M).group(1).split()
    assert refs == ["ansible-core==%s" % pinned("ansible-core"), "ansible-runner==%s" % pinned("ansible-runner")]
    # ansible-core 2.19 needs Python 3.11 or newer on the controller
    assert re.search(r'^ARG PYCMD="/usr/bin/python3\.1[1-9]"$', containerfile, re.M), containerfile[:400]
    assert re.search(r'^ARG EE_BASE_IMAGE="[^"]+"$', containerfile, re.M)


def test_the_final_image_gets_helm_held_to_its_sha256_and_keeps_the_builders_user(context):
    containerfile = read(context / "Containerfile")
    final = containerfile[containerfile.index("AS final"):]
    step = final.index("RUN $PYCMD /tmp/install_helm.py")
    assert final.index("COPY _build/helm/install_helm.py /tmp/install_helm.py") < step < final.index("USER 1000")
    assert "ansible-galaxy collection install" in containerfile
    assert final.rstrip().endswith('CMD ["bash"]')
