# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Every Molecule scenario: create, converge, idempotence (changed=0), verify, destroy,
on real Debian 12 systemd containers (the lab image)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import pytest
import yaml

from .conftest import ROOT, run

SCENARIOS = sorted(name for name in os.listdir(os.path.join(ROOT, "molecule"))
                   if os.path.isfile(os.path.join(ROOT, "molecule", name, "molecule.yml")))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario):
    started = time.time()
    rc, out = run(["molecule", "test", "-s", scenario])
    log_dir = os.path.join(ROOT, "build", "molecule")
    os.makedirs(log_dir, exist_ok=True)
    with open(os.path.join(log_dir, "%s.log" % scenario), "w") as log:
        log.write(out)
    print("molecule %s: %.0f s (log: build/molecule/%s.log)" % (scenario, time.time() - started, scenario))
    assert rc == 0, out[-6000:]
    assert "idempotence" in out
    # no password, token or key of the scenario's inventory appears anywhere in its output
    leaked = [name for name, value in secrets_of(scenario).items() if value in out]
    assert leaked == [], "secrets printed by the scenario: %s" % leaked


def secrets_of(scenario):
    with open(os.path.join(ROOT, "molecule", scenario, "molecule.yml")) as handle:
        config = yaml.safe_load(handle)
    found = {}

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and any(word in key for word in ("password", "token", "secret")):
                    found[key] = value
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(config.get("provisioner", {}).get("inventory", {}))
    return found
