# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Every Molecule scenario: create, converge, idempotence (changed=0), check (--check --diff
must predict changed=0), verify, destroy,
on real Debian 12 systemd containers (the lab image)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time

import pytest
import yaml

from .conftest import ROOT, run

pytestmark = pytest.mark.molecule

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
    # --check --diff on the converged hosts: it must run through and predict no change
    recaps = check_step_recaps(scenario, out)
    assert recaps, "no check step in the output of %s" % scenario
    for host, counts in recaps.items():
        assert counts["failed"] == 0 and counts["unreachable"] == 0, "check mode failed on %s" % host
        assert counts["changed"] == 0, "check mode predicts a change on converged %s: %s" % (host, counts)
    # no password, token or key of the scenario's inventory appears anywhere in its output
    leaked = [name for name, value in secrets_of(scenario).items() if value in out]
    assert leaked == [], "secrets printed by the scenario: %s" % leaked


def check_step_recaps(scenario, out):
    """Host counts from the PLAY RECAP of Molecule's check step (converge with --check)."""
    start = out.find("[%s > check] Executing" % scenario)
    end = out.find("[%s > check] Executed" % scenario, start)
    if start < 0 or end < 0:
        return {}
    recaps = {}
    for match in re.finditer(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)",
                             out[start:end], re.MULTILINE):
        recaps[match.group(1)] = {"ok": int(match.group(2)), "changed": int(match.group(3)),
                                  "unreachable": int(match.group(4)), "failed": int(match.group(5))}
    return recaps


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
