#!/usr/bin/env bash
# Monitor truth, against the kernel's own accounting (the anchor), side by side in one run:
#  1. CPU: a 4-worker tree whose workers restart every 100 ms, sampled at 100 ms by
#     `perfaudit monitor -- python3 ...`. The kernel's total is wait4's rusage of the root (it
#     holds every reaped worker). Figures: monitor total / kernel total, and the largest sample
#     against 100% x the CPUs the tree could use.
#  2. Memory: a parent touching 96 MiB and three forked children sharing it copy-on-write,
#     sampled by `perfaudit monitor --pid`; the anchor is the sum of /proc/PID/smaps_rollup Pss
#     read independently by this script right after the monitor's last sample.
# Usage: bench/monitor_truth.sh [ROUNDS]   (PERFAUDIT=path/to/perfaudit, default target/release)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PERFAUDIT:-target/release/perfaudit}
ROUNDS=${1:-3}
[ -x "$BIN" ] || { echo "build first: cargo build --release -p perfaudit (or set PERFAUDIT)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/restart.py" <<'PY'
import os, time
def spin(s):
    end = time.time() + s
    while time.time() < end:
        pass
live = set()
deadline = time.time() + 5.0
while True:
    while len(live) < 4 and time.time() < deadline:
        pid = os.fork()
        if pid == 0:
            spin(0.1)
            os._exit(0)
        live.add(pid)
    if not live:
        break
    pid, _ = os.wait()
    live.discard(pid)
PY

cat > "$tmp/share.py" <<'PY'
import os, sys, time
buf = bytearray(96 << 20)
for i in range(0, len(buf), 4096):
    buf[i] = 1
kids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    kids.append(pid)
open(sys.argv[1], "w").write(" ".join(str(p) for p in [os.getpid()] + kids))
time.sleep(60)
PY

echo "round  cpu_monitor_s  cpu_kernel_s  ratio  max_sample_pct  cap_pct  lost_exits | pss_monitor_MiB  pss_smaps_MiB  ratio  rss_sum_MiB  uss_MiB"
for r in $(seq 1 "$ROUNDS"); do
  "$BIN" monitor --interval 100ms --format json -- python3 "$tmp/restart.py" > "$tmp/cpu.json"
  cpu=$(python3 - "$tmp/cpu.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]; e = d["exit"]
mon = s["cpu_user_s"] + s["cpu_system_s"]
ker = e["user_s"] + e["system_s"]
mx = max(x["cpu_pct"] for x in d["samples"])
print(f"{mon:13.3f}  {ker:12.3f}  {mon/ker:5.3f}  {mx:14.1f}  {100*s['cpus']:7d}  {s['cpu_lost_exits']:10d}")
PY
)
  rm -f "$tmp/pids"
  python3 "$tmp/share.py" "$tmp/pids" &
  root=$!
  while [ ! -s "$tmp/pids" ]; do sleep 0.05; done
  "$BIN" monitor --pid "$root" --interval 250ms --duration 1500ms --format json > "$tmp/mem.json"
  mem=$(python3 - "$tmp/mem.json" "$tmp/pids" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pids = open(sys.argv[2]).read().split()
def pss(p):
    for l in open(f"/proc/{p}/smaps_rollup"):
        if l.startswith("Pss:"):
            return int(l.split()[1]) * 1024
ind = sum(pss(p) for p in pids)
last = d["samples"][-1]
M = 1 << 20
print(f"{last['pss_bytes']/M:16.1f}  {ind/M:13.1f}  {last['pss_bytes']/ind:5.3f}  {last['rss_bytes']/M:11.1f}  {last['uss_bytes']/M:7.1f}")
PY
)
  kill -9 $(cat "$tmp/pids") 2>/dev/null || true
  wait "$root" 2>/dev/null || true
  echo "$r      $cpu | $mem"
done
