# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The modules run in-process here, as on a target host. Once anything controller-side is
imported in the test process (ansible.errors, by the filter tests), ansible-core takes the
process for a controller and sends a module's warnings to the controller's display instead of
its result; a warning test would then pass or fail with the order the tests ran in."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils import _internal


@pytest.fixture(autouse=True)
def as_on_a_target(monkeypatch):
    monkeypatch.setattr(_internal, "is_controller", False)
