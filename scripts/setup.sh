#!/usr/bin/env bash
# Create .venv (if needed) and install aispm into it; "dev" as $1 adds the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" - <<'PY' || { echo "aispm needs Python >= 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 2; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.aispm-installed-${1:-run}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  if [ "${1:-}" = "dev" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  else
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
  fi
  touch "$stamp"
fi
