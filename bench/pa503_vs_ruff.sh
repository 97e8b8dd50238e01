#!/usr/bin/env bash
# PA503 agreement with ruff F401, finding for finding (path, line, column, bound name).
#
#   bench/pa503_vs_ruff.sh DIR [DIR...]      (default: the corpora under /work/corpora)
#
# NOQA=strip runs both tools on a copy of each tree with every `noqa` comment removed (the
# issue's measure: what each tool finds, not what a codebase already silenced).
# Builds the rules_check driver (release), runs `ruff check --isolated --select F401` and
# perfaudit's PA503 over each tree, and prints matched / only-perfaudit / only-ruff counts;
# set SHOW=1 to list every difference.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
# The real binary (a pyenv shim would obey a corpus's .python-version).
RUFF="${RUFF:-$(cd / && python3 -c 'import ruff; print(ruff.find_ruff_bin())' 2>/dev/null || command -v ruff)}"
[ -x "$RUFF" ] || { echo "ruff not found (pip install ruff)" >&2; exit 2; }
# Agreement only (no timing): PROFILE=debug skips the slow release link.
PROFILE="${PROFILE:-release}"
if [ "$PROFILE" = release ]; then
  cargo build -q --release -p perfaudit_scan --example rules_check --manifest-path "$here/Cargo.toml"
else
  cargo build -q -p perfaudit_scan --example rules_check --manifest-path "$here/Cargo.toml"
fi
driver="$here/target/$PROFILE/examples/rules_check"
if [ $# -eq 0 ]; then
  set -- /work/corpora/*/
fi
printf "%-32s %8s %8s %14s %10s\n" corpus files matched only-perfaudit only-ruff
total_m=0; total_p=0; total_r=0
for dir in "$@"; do
  dir="${dir%/}"
  tmp="$(mktemp -d)"
  if [ "${NOQA:-}" = strip ]; then
    mkdir -p "$tmp/tree"
    cp -a "$dir/." "$tmp/tree/$(basename "$dir")" 2>/dev/null || true
    find "$tmp/tree" -name '*.py' -type f -exec sed -i -E 's/#[[:space:]]*(noqa|ruff:[[:space:]]*noqa|flake8:[[:space:]]*noqa)([:[:space:]][^#]*)?$//I' {} +
    dir="$tmp/tree/$(basename "$dir")"
  fi
  (cd "$dir" && "$RUFF" check --isolated --select F401 --output-format json --no-cache --exit-zero . > "$tmp/ruff.json" 2>/dev/null) || true
  "$driver" "$dir" --select PA503 > "$tmp/pa.jsonl"
  python3 - "$dir" "$tmp" <<'PY'
import json, os, re, sys
root, tmp = sys.argv[1], sys.argv[2]
root = os.path.realpath(root)
ruff = set()
for d in json.load(open(os.path.join(tmp, "ruff.json"))):
    fn = os.path.relpath(os.path.realpath(d["filename"]), root)
    if not fn.endswith(".py"):
        continue
    m = re.match(r"`([^`]*)`", d["message"])
    if not m:  # a syntax error, not an F401 finding
        continue
    name = m.group(1)
    ruff.add((fn, d["location"]["row"], d["location"]["column"], name))
pa = set()
for line in open(os.path.join(tmp, "pa.jsonl")):
    d = json.loads(line)
    name = re.match(r"`([^`]*)`", d["message"]).group(1)
    pa.add((d["path"], d["line"], d["column"], name))
files = sum(1 for _, _, fs in os.walk(root) for f in fs if f.endswith(".py"))
m = pa & ruff
op = sorted(pa - ruff)
orf = sorted(ruff - pa)
print(f"{os.path.basename(root):32s} {files:8d} {len(m):8d} {len(op):14d} {len(orf):10d}")
if os.environ.get("SHOW"):
    for x in op:
        print("  only-perfaudit", *x)
    for x in orf:
        print("  only-ruff     ", *x)
with open(os.path.join(tmp, "counts"), "w") as f:
    f.write(f"{len(m)} {len(op)} {len(orf)}\n")
PY
  read -r m p r < "$tmp/counts"
  total_m=$((total_m + m)); total_p=$((total_p + p)); total_r=$((total_r + r))
  rm -rf "$tmp"
done
printf "%-32s %8s %8d %14d %10d\n" TOTAL "" "$total_m" "$total_p" "$total_r"
