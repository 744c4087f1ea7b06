#!/usr/bin/env bash
# The main job: set up, scan the bundled example estate (with a small offline advisory snapshot),
# keep the scan in the default SQLite store, print the summary and where the HTML report is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/aispm scan examples/estate --advisories examples/advisories \
  --html-report "${AISPM_REPORT:-aispm-report.html}" "$@"
