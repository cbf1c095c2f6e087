# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Markers by what a test needs, so a part of the suite can run alone (see pytest.ini):
a test that uses the ``lab`` or ``deployed`` fixture is marked ``lab``; the Molecule scenarios
are marked ``molecule``; both are ``slow``, as is any test marked so by hand. Tests marked
``lab_last`` run after all the others."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

LAB_FIXTURES = {"lab", "deployed"}


def pytest_collection_modifyitems(items):
    for item in items:
        if LAB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.lab)
        if item.get_closest_marker("lab") or item.get_closest_marker("molecule"):
            item.add_marker(pytest.mark.slow)
    # the tests that change the site (a crash, a restore, a day-2 change) go after every other
    # lab test, in their own order; the sort is stable, so the rest keep theirs
    items.sort(key=lambda item: item.get_closest_marker("lab_last") is not None)
