# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The execution environment built for real with ansible-builder 3 and podman
(tests/ee/build_ee.py says what differs from a site's build here, and why), then a job run in
it the way AWX runs one: the project copied without .git, owned by the image's unprivileged
user; the plan phase on the sample inventory, then the database phase against the deployed
lab (changed=0). ``make ee`` (marker ondemand: the build takes minutes and needs PyPI)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from .conftest import ROOT, assert_no_secret, awx_project_copy, changed_tasks, recap, run
from .test_execution_environment import pinned

pytestmark = [pytest.mark.ondemand, pytest.mark.slow]

sys.path.insert(0, os.path.join(ROOT, "tests", "ee"))
import build_ee  # noqa: E402

TAG = "localhost/onprem-coder-ee:test"


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    if shutil.which("podman") is None:
        pytest.skip("no podman")
    build_ee.build(TAG, str(tmp_path_factory.mktemp("ee")))
    return TAG


def in_image(image, command, project=None, network=None):
    limit = build_ee.nofile()
    args = ["podman", "run", "--rm", "--ulimit=nofile=%s:%s" % (limit, limit), "--ulimit=nproc=32768:32768"]
    if network:
        args.append("--network=" + network)
    if project:
        args += ["-v", "%s:/runner/project" % project, "-w", "/runner/project"]
    return run(args + [image, "bash", "-c", command])


def test_the_image_holds_the_pinned_tools_and_every_collection(image):
    rc, out = in_image(image, "ansible --version; ansible-runner --version; helm version --short; "
                              "ansible-galaxy collection list; id -u")
    assert rc == 0, out[-3000:]
    assert "ansible [core %s]" % pinned("ansible-core") in out
    assert re.search(r"^%s$" % re.escape(pinned("ansible-runner")), out, re.M)
    sys.path.insert(0, os.path.join(ROOT, "extensions", "ee"))
    from install_helm import HELM_VERSION
    assert "v%s+" % HELM_VERSION in out
    with open(os.path.join(ROOT, "collections", "requirements.yml")) as handle:
        wanted = [item["name"] for item in yaml.safe_load(handle)["collections"]]
    for name in wanted:
        assert re.search(r"^%s\s+\d+\.\d+\.\d+" % re.escape(name), out, re.M), "%s missing:\n%s" % (name, out)
    assert out.strip().splitlines()[-1] != "0", "the image runs as root"


def test_the_python_libraries_the_plugins_import_are_there(image):
    with open(os.path.join(ROOT, "meta", "ee-requirements.txt")) as handle:
        names = [line.split("#")[0].strip() for line in handle if line.split("#")[0].strip()]
    modules = {"PyYAML": "yaml"}
    rc, out = in_image(image, "python3 -c 'import %s; print(\"imported\")'"
                       % ", ".join(modules.get(name, name) for name in names))
    assert rc == 0 and "imported" in out, out[-3000:]


def project_copy(where, lab_key=False):
    """The project as an AWX job gets it, owned by the image's user (not world-writable:
    ansible-playbook would then ignore the project's ansible.cfg)."""
    project = awx_project_copy(where)
    if lab_key:
        # the lab inventory names ~/.ssh/onprem-coder-lab_ed25519, and the image's entrypoint
        # makes the working directory the job's home (AWX gives a machine credential instead)
        (project / ".ssh").mkdir(mode=0o700)
        shutil.copy2(os.path.expanduser("~/.ssh/onprem-coder-lab_ed25519"), str(project / ".ssh"))
        os.chmod(str(project / ".ssh" / "onprem-coder-lab_ed25519"), 0o600)
    subprocess.run(["chown", "-R", "1000:0", str(project)], check=True)
    return project


def test_the_plan_phase_runs_in_the_image_as_an_awx_job_would(image, tmp_path):
    project = project_copy(tmp_path)
    rc, out = in_image(image, "ansible-playbook -i inventories/sample playbooks/plan.yml", project=str(project))
    assert rc == 0, out[-4000:]
    assert re.search(r"localhost\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", out), out[-2000:]
    assert (project / "inventories" / "sample" / ".output").is_dir()


def test_the_database_phase_from_the_image_finds_the_deployed_lab_converged(image, deployed, tmp_path):
    """The lab deployed from this checkout, then the database phase from the image and a fresh
    copy of the project (nothing of the checkout's state): nothing to change."""
    project = project_copy(tmp_path, lab_key=True)
    rc, out = in_image(image, "ansible-playbook -i inventories/lab playbooks/database.yml", project=str(project),
                       network="host")
    assert rc == 0, out[-6000:]
    counts = recap(out)
    assert counts and all(c["changed"] == 0 and c["failed"] == 0 for c in counts.values()), changed_tasks(out)
    assert_no_secret(out)
