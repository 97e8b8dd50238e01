#!/usr/bin/env bash
# Accuracy and overhead of `perfaudit profile` on a service with known CPU shares.
#
# The service (bench/profile_truth/service.py, stdlib only) pre-forks 4 workers on one
# 127.0.0.1 socket; GET /work spends CPU in spin_a/spin_b/spin_c by iteration counts 6:3:1 and
# measures the real shares in-process (thread CPU time per function / the workers' CPU time).
#   1. accuracy: under `perfaudit load`, `perfaudit profile` and `py-spy record` (PyPI,
#      $PYSPY, default /work/venv/bin/py-spy) sample the same workers in the same window;
#      self shares vs the truth and vs py-spy, limit 3 percentage points each;
#   2. overhead: throughput with the profiler at 100 Hz vs without, alternating runs, median of
#      5 each (limit 3% lower); the profiler's own CPU (limit 5% of one core);
#   3. memory: the profiler's RSS over a 5-minute profile under load (flat: last vs first
#      after warm-up). LONG=0 skips it.
# Usage: bench/profile_truth.sh      (release build of perfaudit; RUNS=5 LONG=1 by default)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYSPY=${PYSPY:-/work/venv/bin/py-spy}
RUNS=${RUNS:-5}
LONG=${LONG:-1}
HERE="$ROOT/bench/profile_truth"
command -v "$PYSPY" >/dev/null || { echo "py-spy not found ($PYSPY): python3 -m venv /work/venv && /work/venv/bin/pip install py-spy" >&2; exit 2; }
cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml" -p perfaudit
BIN="$ROOT/target/release/perfaudit"
WORK=$(mktemp -d)
SVC=
cleanup() {
  [ -n "$SVC" ] && kill "$SVC" 2>/dev/null && wait "$SVC" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 "$HERE/service.py" "$WORK/port" 4 4000 &
SVC=$!
for _ in $(seq 100); do [ -f "$WORK/port" ] && break; sleep 0.1; done
PORT=$(cat "$WORK/port")
URL="http://127.0.0.1:$PORT/work"
stats() { python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$PORT/stats').read().decode())" > "$1"; }
rps() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rps'])" "$1"; }
echo "service: pid $SVC, workers $(cat "$WORK/port.workers"), $URL"
"$BIN" load "$URL" --duration 3s --connections 4 --quiet --format json > /dev/null   # warm-up

echo "== 1. accuracy: perfaudit profile and py-spy record on the same workers, same window"
"$BIN" load "$URL" --duration 26s --connections 4 --quiet --format json > "$WORK/load.json" &
LOAD=$!
sleep 4
stats "$WORK/s0.json"
"$BIN" profile --pid "$SVC" --duration 18s --rate 100 --quiet --format json -o "$WORK/ours.json" &
OURS=$!
"$PYSPY" record --pid "$SVC" --subprocesses --nonblocking --rate 100 --duration 18 --format raw \
  --output "$WORK/pyspy.txt" > "$WORK/pyspy.log" 2>&1 &
SPY=$!
wait "$OURS"; wait "$SPY" || { cat "$WORK/pyspy.log"; exit 1; }
stats "$WORK/s1.json"
wait "$LOAD"
set +e
python3 "$HERE/analyze.py" "$WORK/ours.json" "$WORK/pyspy.txt" "$WORK/s0.json" "$WORK/s1.json"
acc=$?
set -e

echo "== 2. overhead: throughput without / with the profiler at 100 Hz, alternating, $RUNS each"
without=(); with=(); cpu=()
for i in $(seq "$RUNS"); do
  "$BIN" load "$URL" --duration 8s --connections 4 --quiet --format json > "$WORK/a.json"
  without+=("$(rps "$WORK/a.json")")
  python3 "$HERE/cputime.py" "$WORK/cpu.txt" "$BIN" profile --pid "$SVC" --duration 10s --rate 100 \
    --quiet --format json -o "$WORK/p.json" &
  PROF=$!
  sleep 1
  "$BIN" load "$URL" --duration 8s --connections 4 --quiet --format json > "$WORK/b.json"
  with+=("$(rps "$WORK/b.json")")
  wait "$PROF"
  read -r c wall _ < "$WORK/cpu.txt"
  cpu+=("$(python3 -c "print(round(100*$c/$wall, 2))")")
  echo "  run $i: without ${without[-1]} req/s, with ${with[-1]} req/s; profiler CPU ${cpu[-1]}% of a core"
done
python3 - "${without[*]}" "${with[*]}" "${cpu[*]}" <<'PY'
import statistics, sys
a = [float(x) for x in sys.argv[1].split()]
b = [float(x) for x in sys.argv[2].split()]
c = [float(x) for x in sys.argv[3].split()]
ma, mb, mc = statistics.median(a), statistics.median(b), statistics.median(c)
drop = 100 * (ma - mb) / ma
print(f"RESULT overhead: median {ma:.1f} req/s without, {mb:.1f} with: {drop:+.1f}% lower "
      f"(limit 3%): {'PASS' if drop <= 3 else 'FAIL'}")
print(f"RESULT profiler CPU: median {mc:.2f}% of one core on 4 workers at 100 Hz (limit 5%): "
      f"{'PASS' if mc <= 5 else 'FAIL'}")
PY

if [ "$LONG" = 1 ]; then
  echo "== 3. memory: the profiler's RSS over a 5-minute profile under load"
  "$BIN" load "$URL" --duration 305s --rate 40 --connections 4 --quiet --format json > /dev/null &
  LOAD=$!
  "$BIN" profile --pid "$SVC" --duration 300s --rate 100 --quiet --format json -o "$WORK/long.json" &
  PROF=$!
  rss=()
  for t in $(seq 30 30 290); do
    sleep 30
    rss+=("$(awk '/VmRSS/ {print $2}' "/proc/$PROF/status")")
    echo "  t=${t}s RSS ${rss[-1]} KiB"
  done
  wait "$PROF"; wait "$LOAD"
  python3 - "${rss[*]}" "$WORK/long.json" <<'PY'
import json, sys
r = [int(x) for x in sys.argv[1].split()]
doc = json.load(open(sys.argv[2]))
growth = r[-1] - r[0]
print(f"RESULT RSS: {r[0]} KiB at 30s, {r[-1]} KiB at 290s ({growth:+d} KiB, max {max(r)}); "
      f"{doc['samples']} samples, {len(doc['stacks'])} distinct stacks: "
      f"{'PASS' if growth <= max(2048, r[0] // 10) else 'FAIL'} (flat: within 2 MiB or 10%)")
PY
fi
exit $acc
