#!/usr/bin/env bash
# Set everything up, then lint and run the whole test suite (unit, wire, embedded-model and Studio tests).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k pool`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
