# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The lab is idempotent: `make lab-up` on a running lab changes nothing."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from .conftest import playbook, run


def test_lab_up_again_changes_nothing(lab):
    rc, out = playbook("-i", lab, "tests/lab/lab.yml")
    assert rc == 0, out[-3000:]
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", out, re.M)
    assert recap, out[-3000:]
    assert all(changed == "0" and unreachable == "0" and failed == "0" for _host, changed, unreachable, failed in recap), recap


def test_the_lab_hosts_keep_the_bytecode_of_the_modules_ansible_sends(deployed):
    # tests/lab/build-image.sh (docs/lab.md): after site.yml, root's and postgres's module runs
    # on a database host left their compiled modules, each user in a 0700 directory of its own
    rc, out = run(["podman", "exec", "lab-pg1", "sh", "-c",
                   "cd /var/cache/onprem-coder-lab/pyc && stat -c '%U %a %n' . * && "
                   "for d in */; do echo \"$d $(ls \"$d\" | wc -l)\"; done"])
    assert rc == 0, out
    lines = out.split("\n")
    assert "root 1777 ." in lines, out
    assert "root 700 0-cpython-311" in lines and any(re.match(r"^postgres 700 \d+-cpython-311$", line) for line in lines), out
    counts = dict(line.split() for line in lines if line.endswith(tuple("0123456789")) and "/ " in line)
    assert len(counts) == 2 and all(int(count) > 20 for count in counts.values()), out
