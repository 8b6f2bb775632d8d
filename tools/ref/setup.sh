#!/usr/bin/env bash
# The reference tools for `make bench` (NumPy, SciPy, JAX on the CPU), in a
# local virtual environment under .tools/bench-venv. Only `make bench` calls
# this; `make test` never installs them. Prints the environment's python.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/lib.sh
venv=.tools/bench-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import numpy, scipy, jax' 2>/dev/null; then
  command -v python3 >/dev/null || die "make bench needs python3 (Debian: apt-get install python3 python3-venv)"
  say "installing the reference tools (numpy, scipy, jax) into $venv (once)" >&2
  python3 -m venv "$venv" >&2 || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install -q --disable-pip-version-check numpy scipy "jax[cpu]" >&2 ||
    die "could not install numpy, scipy and jax from the package index; check access to PyPI"
fi
echo "$venv/bin/python"
