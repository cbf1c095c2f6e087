# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Which containerd releases suit a Kubernetes version.

containerd's release notes for Kubernetes 1.31 ask for 1.6.34 or newer on 1.6, 1.7.20 or newer
on 1.7, or 2.0 and newer (CRI and cgroup fixes Kubernetes relies on). Debian 12 ships 1.6.20.
Preflight reports the gap as a warning naming the variable that pins another version.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Kubernetes minor -> the oldest containerd release of each branch that suits it.
MINIMUM = {31: {(1, 6): (1, 6, 34), (1, 7): (1, 7, 20)}}
FIRST_GOOD_MAJOR = (2, 0, 0)


def parse(version):
    """(major, minor, patch) from a package or binary version ('1.6.20~ds1-1+b1', 'v1.7.24'), or None."""
    match = re.match(r"^\D*(\d+)\.(\d+)\.(\d+)", str(version or ""))
    return tuple(int(part) for part in match.groups()) if match else None


def advice(containerd_version, kubernetes_version):
    """'' when the containerd version suits the Kubernetes version, else what to do about it."""
    have = parse(containerd_version)
    kube = parse(kubernetes_version)
    if have is None or kube is None:
        return ""
    table = MINIMUM.get(kube[1])
    if table is None:
        # no figures for this minor: hold it to the newest ones we have
        table = MINIMUM[max(MINIMUM)]
    if have >= FIRST_GOOD_MAJOR:
        return ""
    wanted = table.get(have[:2])
    if wanted and have >= wanted:
        return ""
    choices = ", ".join("%d.%d.%d+" % item for item in sorted(table.values())) + ", or 2.0+"
    return ("containerd %d.%d.%d is older than containerd's release notes ask for with Kubernetes %d.%d (%s): pin "
            "another with onprem_coder_containerd_version and onprem_coder_containerd_package (for example containerd.io "
            "from your mirror of Docker's repository)" % (have + kube[:2] + (choices,)))
