#!/usr/bin/env bash
# Make $VENVS/<name> for a project: a virtualenv with deptry and the project's dependencies
# installed from PyPI (`pip install .` where the project has package metadata, else its
# requirements.txt), time-boxed. Marks a complete install with `.complete`; a failed or
# timed-out one is removed (bench/deps_vs_deptry.sh then runs that project without a venv).
#
#   bench/deps/make_venv.sh DIR [TIMEOUT_S]
set -uo pipefail
dir="${1%/}"; limit="${2:-600}"
name="$(basename "$dir")"; name="${name#deps-}"
VENVS="${VENVS:-/work/venvs}"
v="$VENVS/$name"
rm -rf "$v"; mkdir -p "$VENVS"
python3 -m venv "$v" && "$v/bin/pip" install -q --disable-pip-version-check deptry || { rm -rf "$v"; exit 1; }
cd "$dir"
if [ -f pyproject.toml ] && grep -qE '^\[project\]|^\[tool.poetry\]' pyproject.toml || [ -f setup.py ]; then
  what=(.)
elif [ -f requirements.txt ]; then
  what=(-r requirements.txt)
else
  req="$(ls requirements/*.txt 2>/dev/null | grep -Ei 'base|prod|common|main' | head -1)"
  [ -n "$req" ] || { echo "$name: nothing to install" >&2; rm -rf "$v"; exit 1; }
  what=(-r "$req")
fi
if timeout "$limit" "$v/bin/pip" install -q --disable-pip-version-check --prefer-binary "${what[@]}" > "$v.log" 2>&1; then
  touch "$v/.complete"; echo "$name: installed (${what[*]})"
else
  echo "$name: install failed or timed out after ${limit}s: $(tail -1 "$v.log")" >&2; rm -rf "$v"; exit 1
fi
