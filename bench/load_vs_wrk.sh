#!/usr/bin/env bash
# perfaudit load vs wrk vs oha: CPU time per request of the load generator.
#
# nginx (one worker, pinned to CPU 0) serves a small static file on 127.0.0.1:<free port>;
# wrk, oha and perfaudit (release build) each run with 64 connections and one thread pinned
# to CPU 1, alternately, ROUNDS times. CPU us/request = (user + sys of the tool, from the OS
# via /usr/bin/time) / requests completed. Prints medians and the ratios perfaudit/wrk and
# perfaudit/oha (goal: <= 1.0 and <= 0.8). Then one LONG_S-second full-speed perfaudit run
# whose peak RSS must stay under 50 MB.
#
#   bench/load_vs_wrk.sh                 # ROUNDS=5 DURATION=10 LONG_S=60
#   ROUNDS=3 DURATION=5 LONG_S=0 bench/load_vs_wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
LONG_S=${LONG_S:-60}
CONNS=${CONNS:-64}
OHA=${OHA:-$(command -v oha || echo "$HOME/.cargo/bin/oha")}
PERFAUDIT=${PERFAUDIT:-target/release/perfaudit}

for tool in nginx wrk taskset /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
[ -x "$OHA" ] || { echo "oha not found ($OHA); it is skipped" >&2; OHA=""; }
if [ ! -x "$PERFAUDIT" ] || [ -z "${NO_BUILD:-}" ]; then
    cargo build --release -p perfaudit >&2
fi

tmp=$(mktemp -d)
nginx_pid=""
cleanup() {
    if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/www" "$tmp/logs"
printf 'hello from nginx, a small static file for load tests\n' > "$tmp/www/index.html"
cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:$port;
        root $tmp/www;
        location / { }
    }
}
CONF
taskset -c 0 nginx -c "$tmp/nginx.conf" -p "$tmp" &
nginx_pid=$!
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
url="http://127.0.0.1:$port/index.html"
echo "nginx pid $nginx_pid on $url (CPU 0); load tools on CPU 1; $CONNS connections; ${DURATION}s x $ROUNDS rounds" >&2

# run_tool NAME -> prints "cpu_us_per_req rps requests peak_rss_kb"
run_tool() {
    local name=$1 out="$tmp/$1.out" t="$tmp/$1.time" requests
    case $name in
        wrk)
            taskset -c 1 /usr/bin/time -f '%U %S %M' -o "$t" \
                wrk -t1 -c"$CONNS" -d"${DURATION}s" "$url" > "$out" 2>&1
            requests=$(awk '/requests in/ {print $1}' "$out")
            ;;
        oha)
            taskset -c 1 /usr/bin/time -f '%U %S %M' -o "$t" \
                "$OHA" -z "${DURATION}s" -c "$CONNS" --no-tui --output-format json "$url" > "$out" 2>/dev/null
            requests=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(d["statusCodeDistribution"].values()))' "$out")
            ;;
        perfaudit)
            taskset -c 1 /usr/bin/time -f '%U %S %M' -o "$t" \
                "$PERFAUDIT" load "$url" -c "$CONNS" --threads 1 -d "${DURATION}s" --format json --no-progress > "$out"
            requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$out")
            ;;
    esac
    read -r user sys rss < <(tail -n1 "$t")
    python3 -c 'import sys; u,s,n,d,r=map(float,sys.argv[1:]); print(f"{(u+s)*1e6/n:.3f} {n/d:.0f} {n:.0f} {r:.0f}")' \
        "$user" "$sys" "$requests" "$DURATION" "$rss"
}

tools=(wrk perfaudit)
[ -n "$OHA" ] && tools=(wrk oha perfaudit)
results="$tmp/results.txt"
: > "$results"
for round in $(seq "$ROUNDS"); do
    # Alternate the order every round so drift on the shared machine hits every tool alike.
    if (( round % 2 == 0 )); then order=($(printf '%s\n' "${tools[@]}" | tac)); else order=("${tools[@]}"); fi
    for tool in "${order[@]}"; do
        line=$(run_tool "$tool")
        echo "$tool $line" >> "$results"
        printf 'round %d  %-9s  %s us/req  %s req/s  (%s requests)\n' "$round" "$tool" $(echo "$line" | cut -d' ' -f1-3) >&2
    done
done

python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    tool, cpu, rps, n, rss = line.split()
    rows.setdefault(tool, []).append((float(cpu), float(rps)))
med = {t: (statistics.median(c for c, _ in v), statistics.median(r for _, r in v)) for t, v in rows.items()}
print(f"{'tool':<10} {'CPU us/request (median)':>24} {'requests/s (median)':>20}  runs")
for t, (c, r) in med.items():
    print(f"{t:<10} {c:>24.3f} {r:>20.0f}  {len(rows[t])}")
p = med["perfaudit"][0]
for other, goal in (("wrk", 1.0), ("oha", 0.8)):
    if other in med:
        ratio = p / med[other][0]
        print(f"perfaudit/{other} CPU per request: {ratio:.3f}  (goal <= {goal}: {'met' if ratio <= goal else 'NOT met'})")
PY

if (( LONG_S > 0 )); then
    taskset -c 1 /usr/bin/time -f '%U %S %M' -o "$tmp/long.time" \
        "$PERFAUDIT" load "$url" -c "$CONNS" --threads 1 -d "${LONG_S}s" --format json --no-progress > "$tmp/long.json"
    read -r user sys rss < <(tail -n1 "$tmp/long.time")
    python3 - "$tmp/long.json" "$rss" "$LONG_S" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); rss_mb = int(sys.argv[2]) / 1024
print(f"{sys.argv[3]} s full-speed run: {d['requests']} requests, {d['rps']:.0f} req/s, "
      f"peak RSS {rss_mb:.1f} MB (goal < 50 MB: {'met' if rss_mb < 50 else 'NOT met'})")
PY
fi
