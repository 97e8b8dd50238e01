#!/usr/bin/env bash
# Audit a tiny service whose code contains a file with markup in its name and contents, then
# open the HTML report in headless Chromium (Debian's /usr/bin/chromium) and check:
#   1. the page's script ran with no console message at all (errors included);
#   2. the charts are in the DOM (latency percentiles, rps, p99, server CPU and RSS);
#   3. the markup from the scanned file's name and code is shown as text, never parsed;
#   4. nothing was fetched from the network (the page's CSP is default-src 'none').
# A screenshot is left in bench/out/html_report.png for a human look.
# Usage: bench/html_report_chromium.sh   (CHROMIUM=/path/to/chromium to override)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "skip: $CHROMIUM not found"
  exit 0
fi
cargo build --quiet --manifest-path "$ROOT/Cargo.toml" -p perfaudit
BIN="$ROOT/target/debug/perfaudit"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$ROOT/bench/out"

cp "$ROOT/crates/perfaudit/tests/fixtures/tinyservice/app.py" "$WORK/"
sed -e 's/^scan = false/scan = true/' "$ROOT/crates/perfaudit/tests/fixtures/tinyservice/perfaudit.toml" > "$WORK/perfaudit.toml"
EVIL_NAME='<img src=x onerror=alert(1)>.py'
cat > "$WORK/$EVIL_NAME" <<'PY'
import time


async def handler():
    time.sleep(0.1)  # <script>alert("pwned")</script><b>bold</b>
PY

set +e
"$BIN" audit "$WORK" --no-progress --quiet --no-store --report "$WORK/report.html" > /dev/null
code=$?
set -e
if [ "$code" -ge 2 ]; then
  echo "FAIL: the audit could not run (exit $code)"
  exit 1
fi

flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
       --disable-component-update --disable-sync --no-first-run
       --enable-logging=stderr --v=0)
"$CHROMIUM" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$WORK")" --dump-dom \
  "file://$WORK/report.html" > "$WORK/dom.html" 2> "$WORK/chromium.log"
"$CHROMIUM" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$WORK")" --window-size=1000,2600 \
  --screenshot="$ROOT/bench/out/html_report.png" "file://$WORK/report.html" > /dev/null 2>&1 || true

set +e
fail=0
check() { # check NAME CONDITION-EXIT-STATUS
  if [ "$2" -eq 0 ]; then echo "ok:   $1"; else echo "FAIL: $1"; fail=1; fi
}
grep -q ':CONSOLE' "$WORK/chromium.log"; check "no console messages" $((1 - $?))
grep ':CONSOLE' "$WORK/chromium.log" | head -5
charts=$(grep -o 'data-charts="[0-9]*"' "$WORK/dom.html" | head -1 | grep -o '[0-9]*' || echo 0)
[ "${charts:-0}" -ge 5 ]; check "script ran and $charts charts are in the DOM (want >= 5)" $?
for title in "Latency by percentile" "Requests per second" "p99 latency" "Server CPU" "Server memory (RSS)"; do
  grep -q "data-chart=\"$title\"" "$WORK/dom.html"; check "chart: $title" $?
done
grep -qF '&lt;img src=x onerror=alert(1)&gt;.py' "$WORK/dom.html"; check "the file name's markup is text" $?
grep -qF '&lt;script&gt;alert("pwned")&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;' "$WORK/dom.html"; check "the code's markup is text" $?
! grep -qiE '<img[^>]*onerror|<script>alert|<b>bold' "$WORK/dom.html"; check "no element was injected" $?
[ "$(grep -o '<script' "$WORK/dom.html" | wc -l)" -eq 1 ]; check "one script element: the report's own" $?
grep -qF "default-src 'none'" "$WORK/dom.html"; check "CSP forbids network fetches" $?
echo "screenshot: bench/out/html_report.png"
exit $fail
