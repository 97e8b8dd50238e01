#!/usr/bin/env bash
# What the rule engine adds to a scan: CPU time (task-clock) of the rules_check driver with
# rules off (read + parse every file) and on (+ facts, project index, one traversal per
# module with every rule), alternately, on a large tree.
#
#   bench/rules_overhead.sh [DIR] [RUNS]      (default: /work/corpora/saleor, 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/work/corpora/saleor}"
runs="${2:-5}"
cargo build -q --release -p perfaudit_scan --example rules_check --manifest-path "$here/Cargo.toml"
driver="$here/target/release/examples/rules_check"
command -v perf >/dev/null || { echo "needs perf (linux-tools)" >&2; exit 2; }
off=(); on=()
for i in $(seq "$runs"); do
  off+=("$(perf stat -x, -e task-clock "$driver" "$dir" --no-rules 2>&1 >/dev/null | grep task-clock | cut -d, -f1)")
  on+=("$(perf stat -x, -e task-clock "$driver" "$dir" 2>&1 >/dev/null | grep task-clock | cut -d, -f1)")
done
python3 - "${off[*]}" "${on[*]}" "$dir" <<'PY'
import statistics, sys
off = [float(x) for x in sys.argv[1].split()]
on = [float(x) for x in sys.argv[2].split()]
mo, mn = statistics.median(off), statistics.median(on)
print(f"{sys.argv[3]}: rules off {mo:.0f} ms CPU, rules on {mn:.0f} ms CPU (medians of {len(off)}), overhead {100*(mn/mo-1):.0f}%")
PY
