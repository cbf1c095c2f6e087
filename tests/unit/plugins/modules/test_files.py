# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""onprem.coder.files run in-process as Ansible runs it, on a temporary directory."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import json
import os
import pwd
import stat

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.onprem.coder.plugins.modules import files

OWNER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name


def run(capsys, entries, check=False, diff=True):
    with patch_module_args({"entries": entries, "_ansible_check_mode": check, "_ansible_diff": diff}):
        with pytest.raises(SystemExit):
            files.main()
    return json.loads(capsys.readouterr().out)


def mode(path):
    return "%04o" % stat.S_IMODE(os.stat(path).st_mode)


def role(base, content="a = 1\n", file_mode="0640"):
    return [
        {"path": str(base / "etc" / "app"), "state": "directory", "owner": OWNER, "group": GROUP, "mode": "0750"},
        {"path": str(base / "etc" / "app" / "app.conf"), "content": content, "owner": OWNER, "group": GROUP,
         "mode": file_mode},
    ]


def test_a_new_directory_and_file_are_made_then_a_second_run_changes_nothing(tmp_path, capsys):
    entries = role(tmp_path)
    result = run(capsys, entries)
    assert result["changed"] is True
    assert result["changed_paths"] == [entries[0]["path"], entries[1]["path"]]
    assert mode(entries[0]["path"]) == "0750" and mode(entries[1]["path"]) == "0640"
    with open(entries[1]["path"]) as handle:
        assert handle.read() == "a = 1\n"
    assert [d["after_header"] for d in result["diff"]] == [entries[0]["path"], entries[1]["path"]]
    assert result["diff"][1]["before"] == "" and result["diff"][1]["after"] == "a = 1\n"
    # no temporary file left beside it
    assert os.listdir(entries[0]["path"]) == ["app.conf"]

    again = run(capsys, entries)
    assert again["changed"] is False and again["changed_paths"] == [] and again["diff"] == []


def test_only_the_entry_that_differs_is_named_with_its_diff(tmp_path, capsys):
    run(capsys, role(tmp_path))
    entries = role(tmp_path, content="a = 2\n")
    result = run(capsys, entries)
    assert result["changed_paths"] == [entries[1]["path"]]
    assert result["diff"] == [{"before_header": entries[1]["path"], "after_header": entries[1]["path"],
                               "before": "a = 1\n", "after": "a = 2\n"}]
    with open(entries[1]["path"]) as handle:
        assert handle.read() == "a = 2\n"
    assert mode(entries[1]["path"]) == "0640"


def test_a_mode_alone_is_set_and_shown(tmp_path, capsys):
    run(capsys, role(tmp_path))
    entries = role(tmp_path, file_mode="0600")
    result = run(capsys, entries)
    assert result["changed_paths"] == [entries[1]["path"]]
    assert result["diff"] == [{"before_header": entries[1]["path"], "after_header": entries[1]["path"],
                               "before": {"owner": OWNER, "group": GROUP, "mode": "0640"},
                               "after": {"owner": OWNER, "group": GROUP, "mode": "0600"}}]
    assert mode(entries[1]["path"]) == "0600"


def test_new_content_and_a_new_mode_both_show(tmp_path, capsys):
    run(capsys, role(tmp_path))
    entries = role(tmp_path, content="a = 4\n", file_mode="0600")
    for check in (True, False):
        result = run(capsys, entries, check=check)
        assert result["changed_paths"] == [entries[1]["path"]]
        assert [(d["before"], d["after"]) for d in result["diff"]] == [
            ("a = 1\n", "a = 4\n"),
            ({"owner": OWNER, "group": GROUP, "mode": "0640"}, {"owner": OWNER, "group": GROUP, "mode": "0600"})]
    assert mode(entries[1]["path"]) == "0600"
    with open(entries[1]["path"]) as handle:
        assert handle.read() == "a = 4\n"


def test_check_mode_reports_and_writes_nothing(tmp_path, capsys):
    entries = role(tmp_path)
    result = run(capsys, entries, check=True)
    assert result["changed"] is True and result["changed_paths"] == [entries[0]["path"], entries[1]["path"]]
    assert not os.path.exists(entries[0]["path"])
    run(capsys, entries)
    changed = role(tmp_path, content="a = 3\n", file_mode="0600")
    result = run(capsys, changed, check=True)
    assert result["changed_paths"] == [changed[1]["path"]]
    assert result["diff"][0]["after"] == "a = 3\n"
    with open(changed[1]["path"]) as handle:
        assert handle.read() == "a = 1\n"
    assert mode(changed[1]["path"]) == "0640"


def test_no_diff_unless_asked(tmp_path, capsys):
    result = run(capsys, role(tmp_path), diff=False)
    assert result["changed"] is True and "diff" not in result


def test_bad_entries_are_refused_naming_the_path(tmp_path, capsys):
    missing_dir = str(tmp_path / "nowhere" / "x.conf")
    result = run(capsys, [{"path": missing_dir, "content": "x"}])
    assert result["failed"] is True
    assert result["msg"] == "files: the directory of %s does not exist (list it before the file)" % missing_dir

    result = run(capsys, [{"path": str(tmp_path / "y.conf")}])
    assert result["failed"] is True and result["msg"] == "files: %s: content is required for a file" % (tmp_path / "y.conf")

    result = run(capsys, [{"path": str(tmp_path), "content": "x"}])
    assert result["failed"] is True and result["msg"] == "files: %s exists and is not a regular file" % tmp_path

    a_file = tmp_path / "plain"
    a_file.write_text("x")
    result = run(capsys, [{"path": str(a_file), "state": "directory"}])
    assert result["failed"] is True and result["msg"] == "files: %s exists and is not a directory" % a_file

    result = run(capsys, [{"path": "relative/path", "state": "directory"}])
    assert result["failed"] is True and result["msg"] == "files: relative/path is not an absolute path"


def test_an_unknown_owner_fails(tmp_path, capsys):
    entries = [{"path": str(tmp_path / "d"), "state": "directory", "owner": "no-such-user-onprem-coder"}]
    result = run(capsys, entries)
    assert result["failed"] is True and "no-such-user-onprem-coder" in result["msg"]
