# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""module_defaults with group/onprem.coder.coder (meta/runtime.yml action_groups) gives every
Coder module its connection options once, as an AWX job template or a site playbook sets them."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .conftest import playbook


def test_the_coder_group_sets_the_url_for_every_coder_module(tmp_path):
    play = tmp_path / "play.yml"
    # port 9 (discard) is closed: the module fails saying where it tried, which is the
    # URL the group's defaults gave it; the task itself names no URL
    play.write_text(
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n  vars:\n    ansible_python_interpreter: \"{{ ansible_playbook_python }}\"\n"
        "  module_defaults:\n    group/onprem.coder.coder:\n      url: http://127.0.0.1:9\n      timeout: 2\n"
        "  tasks:\n    - name: Coder | Ask for the build info\n      onprem.coder.coder_info:\n"
        "      ignore_errors: true\n      register: answer\n"
        "    - name: Coder | The URL came from the group\n      ansible.builtin.assert:\n"
        "        that: answer is failed and 'http://127.0.0.1:9' in answer.msg\n"
        "        fail_msg: '{{ answer.msg }}'\n")
    rc, out = playbook("-i", "localhost,", str(play))
    assert rc == 0, out[-3000:]
    assert "missing required arguments: url" not in out
