#!/usr/bin/env bash
# Run ansible-test on this checkout. ansible-test wants the collection at
# .../ansible_collections/onprem/coder, so a copy of the tracked tree is placed under
# build/ansible-test/ (fast, and never loops through the collections/ symlink).
# Usage: tests/ansible-test.sh sanity|units [extra ansible-test args]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/build/ansible-test/ansible_collections/onprem/coder"
# One run at a time uses that copy (a second one, say sanity by hand while make test runs, would
# delete it under the first): the lock is held until ansible-test exits (exec keeps the descriptor).
mkdir -p "$here/build"
exec 9>"$here/build/ansible-test.lock"
if ! flock -n 9; then
  echo "tests/ansible-test.sh: another run is using build/ansible-test; waiting for it to end" >&2
  flock 9
fi
rm -rf "$dest"
mkdir -p "$dest"
cd "$here"
# The files git knows (tracked and new, not ignored), minus the self-link.
git ls-files -z --cached --others --exclude-standard \
  | grep -zv '^collections/' \
  | xargs -0 -I{} sh -c 'if test -e "{}"; then printf "%s\0" "{}"; fi' \
  | tar --null -T - -cf - | tar -C "$dest" -xf -
# ansible-test bootstraps pip in its venvs with a script from a host we cannot reach.
pip_version=$(python - <<'PY'
import re, ansible_test, pathlib
src = (pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
)
mkdir -p ~/.ansible/test/cache
cp "$here/tests/get_pip_offline.py" ~/.ansible/test/cache/get_pip_${pip_version//./_}.py
cd "$dest"
git init -q . && git add -A >/dev/null 2>&1   # ansible-test lists files through git
command=$1; shift
case "$command" in
  sanity) exec ansible-test sanity --venv --python "${ANSIBLE_TEST_PYTHON:-3.11}" --color no "$@" ;;
  units)  exec ansible-test units --venv --python "${ANSIBLE_TEST_PYTHON:-3.11}" --color no "$@" ;;
  *) echo "usage: $0 sanity|units" >&2; exit 2 ;;
esac
