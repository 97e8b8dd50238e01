#!/bin/bash
# Re-run perfaudit's scan on the pinned corpora (corpora.tsv) and print per-rule precision
# against the judgements in <corpus>.tsv, and the findings not yet judged.
#
# Usage: bench/precision/run.sh [tuning|heldout|all] [precision.py options: --unjudged --gone]
#   PERFAUDIT  the binary (default: target/release/perfaudit, else target/debug/perfaudit)
#   CORPORA    where extract.sh puts the corpora (default /work/corpora)
#   OUT        where the scan JSON goes (default /tmp/perfaudit-precision)
# The corpora come from git mirrors (the search tool's `fetch`, /work/.mirror); their code is
# never committed. Exit status: 0 when every finding is judged, 1 otherwise, 2 on an error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
set_=${1:-all}
shift || true
CORPORA=${CORPORA:-/work/corpora}
OUT=${OUT:-/tmp/perfaudit-precision}
bin=${PERFAUDIT:-}
if [[ -z "$bin" ]]; then
  if [[ -x "$root/target/release/perfaudit" ]]; then bin=$root/target/release/perfaudit; else bin=$root/target/debug/perfaudit; fi
fi
[[ -x "$bin" ]] || { echo "error: no perfaudit binary at $bin (cargo build -p perfaudit)" >&2; exit 2; }
CORPORA=$CORPORA "$here/extract.sh" "$set_" || exit 2
grep -v '^#' "$here/corpora.tsv" | while IFS=$'\t' read -r s name _repo commit _; do
  [[ "$set_" == all || "$set_" == "$s" ]] || continue
  mkdir -p "$OUT/$s"
  # Default rules, no configuration file of the corpus, every finding (exit 1 is "findings").
  rc=0
  "$bin" scan "$CORPORA/$s/$name" --isolated --format json --no-progress --quiet --exit-zero \
    ${SCAN_ARGS:-} -o "$OUT/$s/$name.json" || rc=$?
  if [[ $rc -ne 0 ]]; then echo "error: scan of $name exited $rc" >&2; exit 2; fi
done
exec python3 "$here/precision.py" "$OUT" --set "$set_" "$@"
