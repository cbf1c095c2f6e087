# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Every role variable is prefixed with its role's name and documented in
meta/argument_specs.yml with a description that says more than the variable's name."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from .conftest import ROOT, run

ROLES = sorted(os.listdir(os.path.join(ROOT, "roles")))


def load(role, *parts):
    path = os.path.join(ROOT, "roles", role, *parts)
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("role", ROLES)
def test_defaults_are_prefixed_and_documented(role):
    specs = load(role, "meta", "argument_specs.yml")
    assert specs, "roles/%s has no meta/argument_specs.yml" % role
    options = {}
    for entry_point in specs["argument_specs"].values():
        options.update(entry_point.get("options") or {})
    defaults = load(role, "defaults", "main.yml") or {}
    assert [name for name in defaults if not name.startswith(role + "_")] == []
    assert [name for name in defaults if name not in options] == []
    for name, option in options.items():
        description = option.get("description")
        text = " ".join(description) if isinstance(description, list) else (description or "")
        bare = name[len(role) + 1:] if name.startswith(role + "_") else name
        assert text.strip().rstrip(".").lower() != bare.replace("_", " ").lower(), \
            "%s: %r only repeats the variable's name" % (name, text)
        assert len(text) >= 15, "%s: %r is too short to say what it does" % (name, text)


def test_ansible_doc_shows_every_filter():
    filters = sorted(name[:-4] for name in os.listdir(os.path.join(ROOT, "plugins", "filter")) if name.endswith(".yml"))
    rc, out = run(["ansible-doc", "-t", "filter", "-l", "onprem.coder"])
    assert rc == 0, out
    listed = sorted(line.split()[0].replace("onprem.coder.", "") for line in out.splitlines() if line.startswith("onprem.coder."))
    assert listed == filters
    assert "WARNING" not in out and "ERROR" not in out
    rc, out = run(["ansible-doc", "-t", "filter", "onprem.coder.node_pool_spec"])
    assert rc == 0 and "The labels and taints a node ends up with" in out and "definitions" in out, out
