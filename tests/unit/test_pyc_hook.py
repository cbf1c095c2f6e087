# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The test bed's bytecode cache for code imported from zip files (what Ansible sends for each
module run): tests/lab/build-image.sh writes it into the lab image and, with --pyc-hook, into the
tool chain's virtual environment (make venv). The code that runs must be the code in the zip."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import importlib.util
import marshal
import os
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "tests", "lab", "build-image.sh")
TAG = "%d-%s" % (os.getuid(), sys.implementation.cache_tag)


@pytest.fixture()
def hook(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    subprocess.run(["bash", SCRIPT, "--pyc-hook", str(site), str(cache)], check=True)
    assert sorted(os.listdir(str(site))) == ["onprem-coder-lab-pyc.pth", "onprem_coder_lab_pyc.py"]
    return site, cache


def module_zip(where, source):
    path = str(where / "payload.zip")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pkg/__init__.py", "")
        archive.writestr("pkg/probe.py", source)
    return path


def run_from_zip(site, payload, code="import pkg.probe as p; print(p.VALUE)"):
    return subprocess.run([sys.executable, "-c", "import sys, onprem_coder_lab_pyc; sys.path.insert(0, %r); %s"
                           % (payload, code)], env=dict(os.environ, PYTHONPATH=str(site)),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def cache_key(inner, source):
    return hashlib.sha256(importlib.util.MAGIC_NUMBER + inner.encode() + b"\0" + source.encode()).hexdigest()


def test_code_from_a_zip_is_compiled_once_and_what_runs_is_what_the_zip_holds(hook, tmp_path):
    site, cache = hook
    source = "VALUE = 'first'\n"
    first = run_from_zip(site, module_zip(tmp_path, source))
    assert first.returncode == 0 and first.stdout.strip() == "first", first.stdout
    entry = cache / TAG / cache_key(os.path.join("pkg", "probe.py"), source)
    assert entry.is_file(), sorted(os.listdir(str(cache / TAG)))
    assert oct((cache / TAG).stat().st_mode & 0o777) == "0o700"
    again = run_from_zip(site, module_zip(tmp_path, source))
    assert again.stdout.strip() == "first", again.stdout
    # the second run loaded the kept bytecode: an entry replaced by hand is what a third run runs
    entry.write_bytes(marshal.dumps(compile("VALUE = 'kept'\n", "probe.py", "exec")))
    kept = run_from_zip(site, module_zip(tmp_path, source))
    assert kept.stdout.strip() == "kept", kept.stdout
    # another source under the same path is another key: the new code runs, never the old
    changed = run_from_zip(site, module_zip(tmp_path, "VALUE = 'second'\n"))
    assert changed.stdout.strip() == "second", changed.stdout
    assert (cache / TAG / cache_key(os.path.join("pkg", "probe.py"), "VALUE = 'second'\n")).is_file()


def test_a_traceback_names_the_file_of_this_run(hook, tmp_path):
    site, cache = hook
    source = "def boom():\n    raise RuntimeError('from the zip')\n"
    # each run's zip in a directory of its own, as Ansible's are: the cached run must name its own
    for attempt in ("first", "cached"):
        (tmp_path / attempt).mkdir()
        payload = module_zip(tmp_path / attempt, source)
        out = run_from_zip(site, payload, "import pkg.probe as p; p.boom()")
        assert out.returncode != 0 and "from the zip" in out.stdout, (attempt, out.stdout)
        assert os.path.join(payload, "pkg", "probe.py") in out.stdout, (attempt, out.stdout)
    assert len(os.listdir(str(cache / TAG))) == 2, "the second run did not load the kept bytecode"


def test_a_cache_directory_others_can_write_is_not_used(hook, tmp_path):
    site, cache = hook
    (cache / TAG).mkdir(parents=True, mode=0o700)
    os.chmod(str(cache / TAG), 0o777)
    out = run_from_zip(site, module_zip(tmp_path, "VALUE = 'plain'\n"))
    assert out.stdout.strip() == "plain", out.stdout
    assert os.listdir(str(cache / TAG)) == []


def test_the_tool_chain_keeps_the_bytecode_of_its_module_runs():
    # make venv installs the hook into .venv; this only holds when the tests run in that venv
    if os.path.realpath(sys.prefix) != os.path.realpath(os.path.join(ROOT, ".venv")):
        pytest.skip("not running in this checkout's .venv (make venv installs the hook there)")
    import zipimport
    assert zipimport._compile_source.__module__ == "onprem_coder_lab_pyc"
    import onprem_coder_lab_pyc
    assert onprem_coder_lab_pyc.DIRECTORY == os.path.join(ROOT, "build", "pyc", TAG)
