#!/usr/bin/env bash
# The whole test suite: set up with the test tools, start the PostgreSQL and Redis servers the
# store and gateway tests use (Debian packages, loopback only), then ruff, mypy and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
if [ -z "${AISPM_TEST_POSTGRES_URL:-}" ] || [ -z "${AISPM_TEST_REDIS_URL:-}" ]; then
  # shellcheck source=../.ci/services.sh
  source .ci/services.sh
  [ -n "${AISPM_TEST_POSTGRES_URL:-}" ] || start_postgres || echo "warning: no PostgreSQL; its tests will be skipped" >&2
  [ -n "${AISPM_TEST_REDIS_URL:-}" ] || start_redis || echo "warning: no Redis; its tests will be skipped" >&2
fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  # shellcheck source=../.ci/services.sh
  source .ci/services.sh
  ensure_chromium || echo "warning: no Chromium; the browser test will be skipped" >&2
fi
echo "== ruff"; .venv/bin/ruff check src tests bench scripts
echo "== ruff format"; .venv/bin/ruff format --check src tests bench scripts
echo "== mypy"; .venv/bin/mypy
echo "== pytest"; .venv/bin/pytest -n "${AISPM_TEST_WORKERS:-2}" "$@"
