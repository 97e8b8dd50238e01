#!/usr/bin/env bash
# perfaudit PA504-PA506 against deptry (DEP001-DEP005) on real projects.
#
#   bench/deps_vs_deptry.sh DIR [DIR...]        (default: /work/corpora/deps-*)
#
# Each DIR is scanned twice by both tools: without an environment (deptry from a virtualenv
# holding only deptry; perfaudit with its built-in table), and, when `$VENVS/<name>` exists
# (made by bench/deps/make_venv.sh: the project's dependencies installed from PyPI), with
# that environment (deptry installed and run inside it; perfaudit `--python-env`).
# Disagreements are looked up in bench/deps/verdicts.tsv (classified by reading the code);
# SHOW=1 lists those not classified yet. deptry runs with its defaults (it skips `tests/`).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
DEPTRY_VENV="${DEPTRY_VENV:-/work/venv}"
VENVS="${VENVS:-/work/venvs}"
PERFAUDIT="${PERFAUDIT:-$here/target/release/perfaudit}"
[ -x "$DEPTRY_VENV/bin/deptry" ] || { echo "deptry not found in $DEPTRY_VENV (pip install deptry)" >&2; exit 2; }
if [ -z "${NO_BUILD:-}" ]; then
  cargo build -q --release -p perfaudit --manifest-path "$here/Cargo.toml"
fi
if [ $# -eq 0 ]; then set -- /work/corpora/deps-*/; fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
printf "%-22s %-6s %8s %7s %7s %6s %7s %7s %13s %12s %12s %6s\n" project mode pa_sites pa_keys dt_keys agreed only_pa only_dt pa_wrong_site pa_wrong_key dt_wrong_key uncls
run() { # name dir mode deptry-bin [perfaudit args...]
  local name="$1" dir="$2" mode="$3" deptry="$4"; shift 4
  (cd "$dir" && "$deptry" . --json-output "$tmp/dt.json" >/dev/null 2>"$tmp/dt.err") || true
  [ -s "$tmp/dt.json" ] || { echo "$name $mode: deptry produced no output: $(tail -1 "$tmp/dt.err")" >&2; return; }
  "$PERFAUDIT" scan "$dir" --isolated --select PA504,PA505,PA506 --format json --exit-zero "$@" > "$tmp/pa.json" 2>/dev/null
  python3 "$here/bench/deps/compare.py" "$name" "$mode" "$tmp/pa.json" "$tmp/dt.json" "$here/bench/deps/verdicts.tsv" | tee -a "$tmp/rows" | \
    awk -F'\t' '/^\?/ {print; next} {printf "%-22s %-6s %8s %7s %7s %6s %7s %7s %13s %12s %12s %6s\n", $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12}'
  rm -f "$tmp/dt.json"
}
for dir in "$@"; do
  dir="${dir%/}"; name="$(basename "$dir")"; name="${name#deps-}"
  run "$name" "$dir" novenv "$DEPTRY_VENV/bin/deptry"
  if [ -f "$VENVS/$name/.complete" ]; then
    run "$name" "$dir" venv "$VENVS/$name/bin/deptry" --python-env "$VENVS/$name"
  fi
done
awk -F'\t' '!/^\?/ {s+=$3; w+=$9; ok+=$4; dtw+=$11; u+=$12} END {printf "TOTAL perfaudit sites %d, wrong %d (%.1f%%); deptry wrong keys %d; unclassified %d\n", s, w, s ? 100*w/s : 0, dtw, u}' "$tmp/rows"
