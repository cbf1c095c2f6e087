# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.onprem.coder.plugins.module_utils.containerd import advice, parse


def test_versions_are_read_from_package_and_binary_strings():
    assert parse("1.6.20~ds1-1+b1") == (1, 6, 20)
    assert parse("v1.7.24") == (1, 7, 24)
    assert parse("1.7.24-1") == (1, 7, 24)
    assert parse("") is None and parse("unknown") is None


@pytest.mark.parametrize("containerd", ["1.6.34", "1.6.36-1", "1.7.20", "1.7.24", "2.0.0", "2.1.4"])
def test_releases_that_suit_kubernetes_1_31(containerd):
    assert advice(containerd, "v1.31.4") == ""


@pytest.mark.parametrize("containerd", ["1.6.20~ds1-1+b1", "1.6.33", "1.7.19", "1.5.11"])
def test_older_releases_get_advice_naming_the_variable(containerd):
    text = advice(containerd, "v1.31.4")
    assert "older than containerd's release notes ask for with Kubernetes 1.31" in text
    assert "1.6.34+, 1.7.20+, or 2.0+" in text
    assert "onprem_coder_containerd_version" in text


def test_unknown_versions_say_nothing():
    assert advice("", "v1.31.4") == "" and advice("1.6.20", "") == ""
    # a newer Kubernetes minor is held to the newest figures known
    assert advice("1.6.20", "v1.32.0") != ""
