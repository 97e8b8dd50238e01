#!/usr/bin/env bash
# What the rules add to a scan: `perfaudit scan` without the module rules (walk, inventory,
# read, parse, import index, dependencies: `--select PA502,PA504,PA505,PA506`, which skips the
# checker's traversal and the project index) against `perfaudit scan` with every default rule,
# alternately, on a large tree. Prints the medians of CPU time (task-clock) and wall time and
# the overhead of the rules. Goal: at most +30%.
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
  measure off "${base[@]}" --select PA502,PA504,PA505,PA506 "$dir"
  measure on "${base[@]}" "$dir"
done
python3 - "$tmp/off" "$tmp/on" "$dir" <<'PY'
import statistics, sys
def load(p):
    rows = [l.split() for l in open(p) if l.strip()]
    return (statistics.median(float(r[0]) for r in rows),
            statistics.median(float(r[1]) / 1e6 for r in rows), len(rows))
off_cpu, off_wall, n = load(sys.argv[1])
on_cpu, on_wall, _ = load(sys.argv[2])
print(f"{sys.argv[3]}, medians of {n} alternated runs:")
print(f"  {'':34} {'CPU ms':>8} {'wall ms':>8}")
print(f"  {'scan without module rules':34} {off_cpu:8.0f} {off_wall:8.0f}")
print(f"  {'scan with every default rule':34} {on_cpu:8.0f} {on_wall:8.0f}")
print(f"  rules overhead: CPU {100 * (on_cpu / off_cpu - 1):+.0f}%, wall {100 * (on_wall / off_wall - 1):+.0f}%  (goal <= +30%)")
PY
