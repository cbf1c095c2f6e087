# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""make quick lints what changed since the main branch (tests/suite.py quick_lint): the roles and
YAML files it names, or everything when a change can alter how other files lint."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

from ansible_collections.onprem.coder.tests.integration.conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "tests"))
import suite  # noqa: E402


def everything_exists(path):
    return True


def test_a_changed_role_file_lints_its_role_and_yaml_elsewhere_lints_itself():
    paths = ["roles/etcd/tasks/main.yml", "roles/etcd/templates/etcd.env.j2", "roles/patroni/defaults/main.yml",
             "playbooks/database.yml", "inventories/sample/group_vars/all/site.yml", "docs/database.md",
             "tests/integration/test_lab.py", "README.md"]
    assert suite.lint_targets(paths, everything_exists) == [
        "inventories/sample/group_vars/all/site.yml", "playbooks/database.yml", "roles/etcd", "roles/patroni"]


def test_what_lint_excludes_is_left_out_as_lint_leaves_it():
    excluded = suite.lint_excluded()
    assert ".config/molecule/" in excluded and "inventories/*/.output/" in excluded, excluded
    paths = [".config/molecule/config.yml", "inventories/lab/.output/plan.yml", "roles/etcd/tasks/main.yml"]
    assert suite.lint_targets(paths, everything_exists, excluded) == ["roles/etcd"]
    # only excluded files changed: nothing lint reads changed, so everything is linted
    assert suite.lint_targets([".config/molecule/config.yml"], everything_exists, excluded) is None
    # without the list, an excluded file would be named on lint's command line
    assert ".config/molecule/config.yml" in suite.lint_targets(paths, everything_exists)


def test_what_alters_how_others_lint_lints_everything():
    for changed in ("plugins/modules/files.py", "plugins/filter/database.py", "meta/runtime.yml", "galaxy.yml",
                    ".ansible-lint", "ansible.cfg", "requirements-dev.txt", "Makefile", "tests/lab/build-image.sh"):
        assert suite.lint_targets(["roles/etcd/tasks/main.yml", changed], everything_exists) is None, changed


def test_nothing_changed_or_nothing_linted_changed_lints_everything():
    assert suite.lint_targets([], everything_exists) is None
    assert suite.lint_targets(None, everything_exists) is None
    assert suite.lint_targets(["docs/testing.md", "tests/suite.py"], everything_exists) is None


def test_a_deleted_role_or_file_outside_a_role_lints_everything():
    def exists(path):
        return path not in ("roles/gone", "playbooks/gone.yml", "roles/etcd/tasks/gone.yml")
    # a file deleted inside a role that stays: the role is linted
    assert suite.lint_targets(["roles/etcd/tasks/gone.yml"], exists) == ["roles/etcd"]
    assert suite.lint_targets(["roles/gone/tasks/main.yml", "roles/etcd/tasks/main.yml"], exists) is None
    assert suite.lint_targets(["playbooks/gone.yml", "roles/etcd/tasks/main.yml"], exists) is None


def git(where, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"] + list(args), cwd=str(where),
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_changed_files_are_those_since_main_committed_or_not_new_or_deleted(tmp_path):
    for name in ("site.yml", "roles/etcd/tasks/main.yml", "playbooks/old.yml", "build/out.yml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("---\n")
    (tmp_path / ".gitignore").write_text("/build/\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    assert suite.changed_files(str(tmp_path)) == []
    git(tmp_path, "checkout", "-q", "-b", "work")
    (tmp_path / "roles/etcd/tasks/main.yml").write_text("---\n# committed on the branch\n")
    git(tmp_path, "commit", "-q", "-am", "on the branch")
    (tmp_path / "site.yml").write_text("---\n# not committed\n")
    (tmp_path / "playbooks/old.yml").unlink()
    (tmp_path / "playbooks/new.yml").write_text("---\n")
    (tmp_path / "build/other.yml").write_text("---\n")   # ignored
    assert suite.changed_files(str(tmp_path)) == ["playbooks/new.yml", "playbooks/old.yml", "roles/etcd/tasks/main.yml",
                                                  "site.yml"]


def test_on_main_the_commits_not_on_origin_count_too(tmp_path):
    origin = tmp_path / "origin"
    origin.mkdir()
    (origin / "site.yml").write_text("---\n")
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "base")
    git(tmp_path, "clone", "-q", str(origin), "clone")
    clone = tmp_path / "clone"
    assert suite.changed_files(str(clone)) == []
    (clone / "play.yml").write_text("---\n")
    git(clone, "add", "play.yml")
    git(clone, "commit", "-q", "-m", "on main, not pushed")
    assert suite.changed_files(str(clone)) == ["play.yml"]


def test_outside_a_git_checkout_nothing_is_known(tmp_path):
    assert suite.changed_files(str(tmp_path)) is None
