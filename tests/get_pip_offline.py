"""Stand-in for ansible-test's pip bootstrap script (get-pip), whose download host is not
reachable from our build machines. ansible-test runs it as ``python get_pip.py [pip install
options] pip==X``: bring pip in with the interpreter's own ensurepip, then let that pip
install the exact versions asked for from the package index."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"],
                      stdout=subprocess.DEVNULL)
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--quiet"] + args))
