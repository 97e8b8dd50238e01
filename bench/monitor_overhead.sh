#!/usr/bin/env bash
# The monitor's own CPU cost: `perfaudit monitor` sampling a 20-process tree at 10 Hz for 30 s,
# as a percentage of one core (user + system CPU of the monitor process, from the OS via
# /usr/bin/time). Goal: < 1%.
#
# Anchor: `top -b -d 0.1 -p <the 20 PIDs>` doing the same job (10 Hz, same processes, same
# length), run alternately with perfaudit, REPEAT times; the ratio perfaudit/top is printed.
#
# Usage: bench/monitor_overhead.sh            (DURATION=30 REPEAT=3 by default)
#        DURATION=10 REPEAT=1 bench/monitor_overhead.sh
#        PERFAUDIT=/path/to/perfaudit bench/monitor_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30}
REPEAT=${REPEAT:-3}
INTERVAL_MS=100
SAMPLES=$((DURATION * 1000 / INTERVAL_MS))

if [[ -z "${PERFAUDIT:-}" ]]; then
  cargo build --release -q -p perfaudit
  PERFAUDIT=target/release/perfaudit
fi
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time" >&2; exit 2; }
HAVE_TOP=1
command -v top >/dev/null || HAVE_TOP=0

work=$(mktemp -d)
tree_pid=
pids=
cleanup() {
  # Only the processes this script started, by PID.
  [[ -n "$tree_pid" ]] && kill "$tree_pid" 2>/dev/null || true
  [[ -n "$pids" ]] && kill $(echo "$pids" | tr ',' ' ') 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The tree: one sh and 19 sleeping children = 20 processes.
sh -c 'i=0; while [ $i -lt 19 ]; do sleep 3600 & i=$((i+1)); done; wait' &
tree_pid=$!
for _ in $(seq 50); do
  [[ $(pgrep -c -P "$tree_pid" || true) -ge 19 ]] && break
  sleep 0.1
done
pids=$(echo "$tree_pid" $(pgrep -P "$tree_pid") | tr ' ' ',')
nproc_tree=$(echo "$pids" | tr ',' '\n' | wc -l)
echo "tree: $nproc_tree processes (root $tree_pid); ${DURATION}s at ${INTERVAL_MS}ms; $REPEAT rounds"
echo "host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# pct USER SYS -> % of one core over DURATION
pct() { awk -v u="$1" -v s="$2" -v d="$DURATION" 'BEGIN { printf "%.3f", 100 * (u + s) / d }'; }

pa_sum=0; top_sum=0
for round in $(seq "$REPEAT"); do
  /usr/bin/time -f "%U %S" -o "$work/pa.time" \
    "$PERFAUDIT" monitor --quiet --format json --output "$work/report.json" \
      --interval "${INTERVAL_MS}ms" --duration "${DURATION}s" --pid "$tree_pid"
  read -r pu ps < "$work/pa.time"
  pa=$(pct "$pu" "$ps")
  got=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['samples_total'], int(d['summary']['processes']['max']))" "$work/report.json")
  line="round $round: perfaudit ${pa}% of a core (user ${pu}s sys ${ps}s; samples, processes seen: $got)"
  pa_sum=$(awk -v a="$pa_sum" -v b="$pa" 'BEGIN { print a + b }')
  if [[ $HAVE_TOP == 1 ]]; then
    /usr/bin/time -f "%U %S" -o "$work/top.time" \
      top -b -d 0.1 -n "$SAMPLES" -p "$pids" > /dev/null
    read -r tu ts < "$work/top.time"
    tp=$(pct "$tu" "$ts")
    top_sum=$(awk -v a="$top_sum" -v b="$tp" 'BEGIN { print a + b }')
    ratio=$(awk -v a="$pa" -v b="$tp" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    line="$line | top ${tp}% | ratio perfaudit/top $ratio"
  fi
  echo "$line"
done

pa_mean=$(awk -v s="$pa_sum" -v n="$REPEAT" 'BEGIN { printf "%.3f", s / n }')
summary="mean: perfaudit ${pa_mean}% of one core"
if [[ $HAVE_TOP == 1 ]]; then
  top_mean=$(awk -v s="$top_sum" -v n="$REPEAT" 'BEGIN { printf "%.3f", s / n }')
  summary="$summary, top ${top_mean}%, ratio $(awk -v a="$pa_mean" -v b="$top_mean" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
fi
echo "$summary"
if awk -v p="$pa_mean" 'BEGIN { exit !(p < 1.0) }'; then
  echo "goal < 1% of one core: met"
else
  echo "goal < 1% of one core: NOT met"
  exit 1
fi
