#!/usr/bin/env bash
# The CPython differential suite: for every tests/python/<name>.py, run it with CPython and run
# its Rust translation (`py_scenarios <name>`, tests/python/rust/), and require identical stdout
# and a zero exit status from both. Prints how many scenarios matched CPython.
#
# A scenario whose first line is `# requires: 3.13` runs under CPython 3.13 (found as
# `python3.13` on PATH or in pyenv's versions); without one it is reported as skipped, never
# as passed. Everything else runs under `python3` (its version is printed).
#
# Usage: scripts/test-python.sh [name-substring]
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null; then
  echo "test-python: $PY not found; install CPython 3 (apt-get install -y python3)" >&2
  exit 1
fi
PY313=""
for cand in python3.13 "$(command -v pyenv >/dev/null && pyenv root)/versions/3.13.0/bin/python3"; do
  if [ -n "$cand" ] && "$cand" -c 'import sys; assert sys.version_info >= (3, 13)' 2>/dev/null; then
    PY313=$(command -v "$cand")
    break
  fi
done

cargo build --quiet --example py_scenarios
BIN=target/debug/examples/py_scenarios
# Every Python scenario must have a Rust translation and vice versa.
known=$("$BIN" --list | sort)
files=$(cd tests/python && ls *.py | sed 's/\.py$//' | sort)
if [ "$known" != "$files" ]; then
  echo "test-python: scenario lists differ (left: Rust only, right: Python only):" >&2
  diff <(echo "$known") <(echo "$files") >&2 || true
  exit 1
fi

echo "test-python: $("$PY" -c 'import sys; print("CPython", sys.version.split()[0])') as python3;" \
  "3.13: ${PY313:-not found}"
pass=0 fail=0 skip=0
failed=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in $files; do
  if [ -n "${1:-}" ] && [[ "$name" != *"$1"* ]]; then continue; fi
  py=$PY
  if head -1 "tests/python/$name.py" | grep -q 'requires: 3.13'; then
    if [ -z "$PY313" ]; then
      echo "SKIP $name (needs CPython 3.13, not installed)"
      skip=$((skip + 1))
      continue
    fi
    py=$PY313
  fi
  ok=1
  timeout 120 "$py" "tests/python/$name.py" >"$tmp/py.out" 2>"$tmp/py.err" || ok=0
  timeout 120 "$BIN" "$name" >"$tmp/rs.out" 2>"$tmp/rs.err" || ok=0
  if [ $ok = 1 ] && [ -s "$tmp/py.out" ] && cmp -s "$tmp/py.out" "$tmp/rs.out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    failed+=("$name")
    echo "FAIL $name"
    diff "$tmp/py.out" "$tmp/rs.out" | sed 's/^/    /' | head -20 || true
    sed 's/^/    py stderr: /' "$tmp/py.err" | head -5
    sed 's/^/    rs stderr: /' "$tmp/rs.err" | head -5
  fi
done
echo "test-python: $pass scenarios matched CPython, $fail failed, $skip skipped"
[ $fail = 0 ] && [ $pass -gt 0 ]
