# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Install the helm binary the collection's jobs run, held to its sha256.

The execution environment's build runs it (extensions/ee/execution-environment.yml):

    python3 install_helm.py [URL] /usr/local/bin/helm

URL is a helm release tarball (``linux-amd64/helm`` inside); by default get.helm.sh's
release below. A site without internet access points it at its own mirror (build argument
``HELM_URL``). Whatever the source, the binary must have the sha256 below.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import io
import os
import sys
import tarfile
import urllib.request

HELM_VERSION = "3.17.1"
# sha256 of the linux-amd64 helm binary of that release
HELM_SHA256 = "19e2e1ab5fe32cd0510882f9bb97c9dd69fc73026b631ecbd12a981008639aff"
HELM_URL = "https://get.helm.sh/helm-v%s-linux-amd64.tar.gz" % HELM_VERSION


def helm_from_tarball(data):
    """The helm binary inside a release tarball."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return archive.extractfile("linux-amd64/helm").read()


def install(binary, target):
    digest = hashlib.sha256(binary).hexdigest()
    if digest != HELM_SHA256:
        raise SystemExit("install_helm: the helm binary has sha256 %s, expected %s (helm v%s linux-amd64)"
                         % (digest, HELM_SHA256, HELM_VERSION))
    with open(target + ".part", "wb") as handle:
        handle.write(binary)
    os.chmod(target + ".part", 0o755)
    os.rename(target + ".part", target)
    print("install_helm: helm v%s in %s" % (HELM_VERSION, target))


def main(argv):
    url = argv[0] if len(argv) > 1 and argv[0] else HELM_URL
    target = argv[-1] if argv else "/usr/local/bin/helm"
    with urllib.request.urlopen(url, timeout=300) as response:
        install(helm_from_tarball(response.read()), target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
