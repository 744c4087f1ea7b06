#!/usr/bin/env bash
# Create .venv (if needed) and install aispm into it; "dev" as $1 adds the test tools.
# pip's output goes to .venv/install.log and is shown only when the install fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" - <<'PY' || { echo "aispm needs Python >= 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 2; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.aispm-installed-${1:-run}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setting up .venv (first run: a few minutes) ..." >&2
  target="."
  [ "${1:-}" = "dev" ] && target=".[dev]"
  log=.venv/install.log
  if ! .venv/bin/python -m pip install --disable-pip-version-check -e "$target" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "error: installing aispm's dependencies failed; the full log is $log" >&2
    exit 2
  fi
  touch "$stamp"
fi
