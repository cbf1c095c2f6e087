# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The lab is idempotent: `make lab-up` on a running lab changes nothing."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from .conftest import playbook


def test_lab_up_again_changes_nothing(lab):
    rc, out = playbook("-i", lab, "tests/lab/lab.yml")
    assert rc == 0, out[-3000:]
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", out, re.M)
    assert recap, out[-3000:]
    assert all(changed == "0" and unreachable == "0" and failed == "0" for _host, changed, unreachable, failed in recap), recap
