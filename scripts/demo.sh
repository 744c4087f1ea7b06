#!/usr/bin/env bash
# The main job: set up, scan the bundled example estate, store it, print the summary and report path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
report="${AISPM_REPORT:-aispm-report.html}"
set +e
.venv/bin/aispm scan examples/estate --html-report "$report" "$@"
status=$?
set -e
# Exit status 1 only means "findings at or above --fail-on", which the demo does not set.
exit $status
