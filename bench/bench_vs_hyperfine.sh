#!/usr/bin/env bash
# perfaudit bench vs hyperfine, side by side, alternately, several rounds.
#  1. 300 runs of `true` without a shell: total wall time of each tool (goal: perfaudit <= hyperfine).
#  2. the mean of `sleep 0.05` (-N, 30 runs) from both (goal: within 3%).
# Usage: bench/bench_vs_hyperfine.sh [ROUNDS]   (default 10; on a shared machine single rounds
# swing by 2x either way, so compare the totals and medians, not one round)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-10}
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 2; }
cargo build --release -p perfaudit --quiet
PA=target/release/perfaudit
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
now() { date +%s.%N; }
mean_of() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["results"][0]; print(r.get("mean_s", r.get("mean")))' "$1"; }

echo "perfaudit $($PA --version | awk '{print $2}') vs $(hyperfine --version); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== 300 runs of 'true' (-N), total wall time per invocation"
printf '%-6s %12s %12s %8s\n' round perfaudit hyperfine ratio
pa_sum=0; hf_sum=0
for i in $(seq "$ROUNDS"); do
  t0=$(now); "$PA" bench -N --runs 300 --no-progress --format json true >"$TMP/pa.json"; t1=$(now)
  hyperfine -N --runs 300 --style none --export-json "$TMP/hf.json" true >/dev/null 2>&1; t2=$(now)
  pa=$(echo "$t1 - $t0" | bc -l); hf=$(echo "$t2 - $t1" | bc -l)
  pa_sum=$(echo "$pa_sum + $pa" | bc -l); hf_sum=$(echo "$hf_sum + $hf" | bc -l)
  printf '%-6s %11.3fs %11.3fs %8.3f\n' "$i" "$pa" "$hf" "$(echo "$pa / $hf" | bc -l)"
  echo "$pa $hf" >>"$TMP/true.txt"
done
printf '%-6s %11.3fs %11.3fs %8.3f   (perfaudit / hyperfine; goal <= 1)\n' total "$pa_sum" "$hf_sum" "$(echo "$pa_sum / $hf_sum" | bc -l)"
python3 - "$TMP/true.txt" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
pa, hf = [r[0] for r in rows], [r[1] for r in rows]
print("%-6s %11.3fs %11.3fs %8.3f" % ("median", statistics.median(pa), statistics.median(hf), statistics.median(pa) / statistics.median(hf)))
print("%-6s %11.3fs %11.3fs %8.3f" % ("min", min(pa), min(hf), min(pa) / min(hf)))
PY

echo
echo "== mean of 'sleep 0.05' (-N, 30 runs)"
printf '%-6s %12s %12s %8s\n' round perfaudit hyperfine diff
pa_m=0; hf_m=0
for i in $(seq "$ROUNDS"); do
  "$PA" bench -N --runs 30 --no-progress --format json 'sleep 0.05' >"$TMP/pa.json"
  hyperfine -N --runs 30 --style none --export-json "$TMP/hf.json" 'sleep 0.05' >/dev/null 2>&1
  pa=$(mean_of "$TMP/pa.json"); hf=$(mean_of "$TMP/hf.json")
  pa_m=$(echo "$pa_m + $pa" | bc -l); hf_m=$(echo "$hf_m + $hf" | bc -l)
  printf '%-6s %10.2fms %10.2fms %+7.2f%%\n' "$i" "$(echo "$pa * 1000" | bc -l)" "$(echo "$hf * 1000" | bc -l)" "$(echo "($pa - $hf) / $hf * 100" | bc -l)"
done
printf '%-6s %10.2fms %10.2fms %+7.2f%%   (goal: within 3%%)\n' mean "$(echo "$pa_m / $ROUNDS * 1000" | bc -l)" "$(echo "$hf_m / $ROUNDS * 1000" | bc -l)" "$(echo "($pa_m - $hf_m) / $hf_m * 100" | bc -l)"
