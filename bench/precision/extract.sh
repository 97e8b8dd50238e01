#!/bin/bash
# Extract the pinned corpora of corpora.tsv from their git mirrors (the search tool's `fetch`
# puts them under /work/.mirror/<owner>+<name>) into $CORPORA/<set>/<name>. Their code is never
# committed. Usage: extract.sh [tuning|heldout|all]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
MIRRORS=${MIRRORS:-/work/.mirror}
CORPORA=${CORPORA:-/work/corpora}
want=${1:-all}
grep -v '^#' "$here/corpora.tsv" | while IFS=$'\t' read -r set name repo commit subdir _; do
  [[ "$want" == all || "$want" == "$set" ]] || continue
  dest=$CORPORA/$set/$name
  if [[ -f "$dest/.perfaudit-commit" && "$(cat "$dest/.perfaudit-commit")" == "$commit" ]]; then continue; fi
  git=$MIRRORS/${repo/\//+}/repo
  [[ -d $git/.git ]] && git=$git/.git
  if ! git --git-dir="$git" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "error: $repo at $commit is not in $git (fetch github:$repo first)" >&2
    exit 2
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  python3 "$here/extract_tree.py" "$git" "$commit" "$subdir" "$dest"
  echo "$commit" >"$dest/.perfaudit-commit"
  echo "extracted $set/$name" >&2
done
