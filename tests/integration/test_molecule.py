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
