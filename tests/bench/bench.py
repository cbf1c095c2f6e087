# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Wall times of the figures the issues ask for, measured the same way every time.

  python tests/bench/bench.py plan [--runs 5]     playbooks/plan.yml on inventories/sample-3k
                                                  (no host needed)
  python tests/bench/bench.py lab [--runs 1]      on a running lab (make lab-up): site.yml, then
                                                  each phase again, with the changed count
  python tests/bench/bench.py model [--runs 3]    playbooks/render.yml on inventories/sample-3k with
                                                  the upstream files of ../shared/upstream: the
                                                  whole play and the cluster model's own time
Writes build/bench/<name>.json and prints a table. Run from the repository root with the
virtual environment on PATH (make bench does both).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def timed(args):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    started = time.time()
    proc = subprocess.run(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    seconds = time.time() - started
    changed = sum(int(n) for n in re.findall(r"^\S+\s+: ok=\d+\s+changed=(\d+)", proc.stdout, re.M))
    if proc.returncode != 0:
        sys.exit("%s failed (rc %d):\n%s" % (" ".join(args), proc.returncode, proc.stdout[-3000:]))
    return round(seconds, 1), changed


def plan(runs):
    times = [timed(["ansible-playbook", "-i", "inventories/sample-3k", "playbooks/plan.yml",
                    "-e", "onprem_coder_output_dir=%s" % os.path.join(ROOT, "build", "bench", "plan-3k")])[0]
             for _run in range(runs)]
    return {"plan.yml on sample-3k (s)": {"runs": times, "median": statistics.median(times)}}


def lab(runs):
    result = {}
    for run in range(runs):
        seconds, changed = timed(["ansible-playbook", "-i", "inventories/lab", "site.yml"])
        result.setdefault("site.yml on the running lab (s, changed)", []).append([seconds, changed])
        for tags in ("plan,preflight", "database", "kubernetes", "coder,proxies,observability"):
            seconds, changed = timed(["ansible-playbook", "-i", "inventories/lab", "site.yml", "--tags", tags])
            result.setdefault("--tags %s again (s, changed)" % tags, []).append([seconds, changed])
    return result


def model(runs):
    upstream = os.path.abspath(os.path.join(ROOT, "..", "shared", "upstream"))
    if not os.path.isdir(upstream):
        sys.exit("model: ../shared/upstream (the upstream manifests and charts) is not on this machine")
    sys.path.insert(0, ROOT)
    from tests.integration.test_cluster_model import settings    # the test's own inputs
    out = os.path.join(ROOT, "build", "bench", "model-3k")
    plays, checks = [], []
    for _run in range(runs):
        plays.append(timed(["ansible-playbook", "-i", "inventories/sample-3k", "playbooks/render.yml",
                            "-e", settings(out)])[0])
        with open(os.path.join(out, "out", "render", "model.json")) as handle:
            checks.append(json.load(handle)["seconds"])
    return {"render.yml on sample-3k (s)": {"runs": plays, "median": statistics.median(plays)},
            "the cluster model's checks on sample-3k (s)": {"runs": checks, "median": statistics.median(checks)}}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["plan", "lab", "model"])
    parser.add_argument("--runs", type=int, default=None)
    options = parser.parse_args()
    if options.what == "plan":
        result = plan(options.runs or 5)
    elif options.what == "model":
        result = model(options.runs or 3)
    else:
        result = lab(options.runs or 1)
    result["machine"] = {"cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    out_dir = os.path.join(ROOT, "build", "bench")
    if not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    with open(os.path.join(out_dir, "%s.json" % options.what), "w") as handle:
        json.dump(result, handle, indent=2)
    for key, value in result.items():
        print("%-50s %s" % (key, json.dumps(value)))


if __name__ == "__main__":
    main()
