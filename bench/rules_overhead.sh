#!/usr/bin/env bash
# What the rules add to a scan, measured on the product (`perfaudit scan`), alternately, on a
# large tree. Three configurations:
#   none  --select PA502,PA504,PA505,PA506: walk, inventory, read, parse, import index and
#         dependencies; no module checker, no project index.
#   scan  --select PA501,PA502,PA503,PA504,PA505,PA506: the scan issue's work (inventory,
#         imports, dependencies, unused imports: the checker's traversal and semantic model).
#   all   every default rule: + the performance rules of groups A-D and the project index
#         (the facts pass).
# Prints the medians of CPU time (task-clock) and wall time, and the overhead of the
# performance rules over the scan (goal: at most +30%) and of every module rule over none.
#
#   bench/rules_overhead.sh [DIR] [RUNS]      (default: /work/corpora/saleor, 7)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/work/corpora/saleor}"
runs="${2:-7}"
[ -d "$dir" ] || { echo "no such directory: $dir" >&2; exit 2; }
command -v perf >/dev/null || { echo "needs perf (linux-tools)" >&2; exit 2; }
cargo build -q --release -p perfaudit --manifest-path "$here/Cargo.toml"
pa="$here/target/release/perfaudit"
base=("$pa" scan --no-progress --format json --exit-zero)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
measure() { # label, command...
  local label=$1; shift
  perf stat -x, -e task-clock,duration_time -o "$tmp/stat" "$@" >/dev/null 2>&1 || true
  echo "$(grep task-clock "$tmp/stat" | cut -d, -f1) $(grep duration_time "$tmp/stat" | cut -d, -f1)" >>"$tmp/$label"
}
# Warm-up (file cache), not counted.
"${base[@]}" "$dir" >/dev/null 2>&1 || true
for _ in $(seq "$runs"); do
  measure none "${base[@]}" --select PA502,PA504,PA505,PA506 "$dir"
  measure scan "${base[@]}" --select PA501,PA502,PA503,PA504,PA505,PA506 "$dir"
  measure all "${base[@]}" "$dir"
done
python3 - "$tmp" "$dir" <<'PY'
import statistics, sys
def load(name):
    rows = [l.split() for l in open(f"{sys.argv[1]}/{name}") if l.strip()]
    return (statistics.median(float(r[0]) for r in rows),
            statistics.median(float(r[1]) / 1e6 for r in rows), len(rows))
none, scan, every = load("none"), load("scan"), load("all")
print(f"{sys.argv[2]}, medians of {none[2]} alternated runs:")
print(f"  {'':46} {'CPU ms':>8} {'wall ms':>8}")
for label, (cpu, wall, _) in [
    ("none: no module rule (PA502, PA504-506)", none),
    ("scan: + semantic model, PA501, PA503", scan),
    ("all: + performance rules, project index", every),
]:
    print(f"  {label:46} {cpu:8.0f} {wall:8.0f}")
def pct(a, b, i):
    return 100 * (a[i] / b[i] - 1)
print(f"  performance rules over the scan: CPU {pct(every, scan, 0):+.0f}%, wall {pct(every, scan, 1):+.0f}%  (goal <= +30%)")
print(f"  every module rule over none:     CPU {pct(every, none, 0):+.0f}%, wall {pct(every, none, 1):+.0f}%")
PY
