#!/usr/bin/env bash
# perfaudit scan vs ruff (F401) on the same large real repository.
#
#   bench/scan_vs_ruff.sh CORPUS_DIR [RUNS]
#
# Runs `perfaudit scan` (release build: inventory + imports + dependencies + every
# implemented rule) and `ruff check --isolated --select F401 --no-cache` alternately RUNS
# times (default 5) on CORPUS_DIR, after one warm-up run each, and prints the median wall
# time and the median peak RSS of each, and the ratios perfaudit/ruff.
# Goal: wall ratio <= 1.0, memory ratio <= 2.0. The corpus is never copied into the repo.
set -euo pipefail
corpus=${1:?usage: bench/scan_vs_ruff.sh CORPUS_DIR [RUNS]}
runs=${2:-5}
cd "$(dirname "$0")/.."
[ -d "$corpus" ] || { echo "no such directory: $corpus" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) is required" >&2; exit 2; }
ruff_bin=$(command -v ruff || true)
# pyenv shims are shell scripts: measure the real binary, not the shim.
if command -v pyenv >/dev/null 2>&1 && pyenv which ruff >/dev/null 2>&1; then
  ruff_bin=$(pyenv which ruff)
fi
[ -n "$ruff_bin" ] || { echo "ruff is required (pip install ruff)" >&2; exit 2; }
cargo build --release --quiet -p perfaudit
pa=target/release/perfaudit
pyfiles=$(find "$corpus" -name '*.py' -not -path '*/.git/*' | wc -l)
echo "corpus: $corpus ($pyfiles .py files); $("$ruff_bin" --version); perfaudit $($pa --version | cut -d' ' -f2); $runs runs each, alternating"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
measure() { # name, command...: wall seconds (ns clock) and peak RSS KiB (GNU time)
  local name=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$tmp/one" "$@" >/dev/null 2>"$tmp/err" || true
  t1=$(date +%s%N)
  echo "$(echo "($t1 - $t0) / 1000000000" | bc -l) $(tail -1 "$tmp/one")" >>"$tmp/$name"
}
pa_cmd=("$pa" scan --no-progress --format json --exit-zero "$corpus")
ruff_cmd=("$ruff_bin" check --isolated --select F401 --no-cache --exit-zero --output-format json "$corpus")
# Warm-up (file cache), not counted.
"${pa_cmd[@]}" >/dev/null 2>&1 || true
"${ruff_cmd[@]}" >/dev/null 2>&1 || true
for i in $(seq "$runs"); do
  measure perfaudit "${pa_cmd[@]}"
  measure ruff "${ruff_cmd[@]}"
done
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
pa_wall=$(cut -d' ' -f1 "$tmp/perfaudit" | median)
ruff_wall=$(cut -d' ' -f1 "$tmp/ruff" | median)
pa_rss=$(cut -d' ' -f2 "$tmp/perfaudit" | median)
ruff_rss=$(cut -d' ' -f2 "$tmp/ruff" | median)
printf '%-10s %10s %14s   (runs: %s)\n' tool "wall s" "peak RSS MiB" "wall s, each"
each() { cut -d' ' -f1 "$1" | xargs printf '%.3f '; }
printf '%-10s %10.3f %14.1f   (%s)\n' perfaudit "$pa_wall" "$(echo "$pa_rss/1024" | bc -l)" "$(each "$tmp/perfaudit")"
printf '%-10s %10.3f %14.1f   (%s)\n' ruff "$ruff_wall" "$(echo "$ruff_rss/1024" | bc -l)" "$(each "$tmp/ruff")"
wall_ratio=$(echo "$pa_wall/$ruff_wall" | bc -l)
mem_ratio=$(echo "$pa_rss/$ruff_rss" | bc -l)
printf 'wall ratio (perfaudit/ruff): %.2f  (goal <= 1.0)\n' "$wall_ratio"
printf 'memory ratio (perfaudit/ruff): %.2f  (goal <= 2.0)\n' "$mem_ratio"
"$pa" scan --no-progress --format json --exit-zero "$corpus" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("perfaudit did: %d files, %d python (%d parsed), %d imports, %d declared deps, %d findings, %d diagnostics" % (
    d["files"], d["python_files"], d["parsed_files"], d["imports"]["total"],
    len(d["dependencies"]["declared"]), len(d["findings"]), len(d["diagnostics"])))
' 2>/dev/null || true
