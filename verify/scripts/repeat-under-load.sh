#!/usr/bin/env bash
# Soak: runs the model-checking suites ROUNDS times in a row with two busy loops competing for
# the CPU, so a check that depends on an idle machine (a real-clock read inside a model, a
# timed assertion) shows up as a failed round. Outside CI (`make soak`).
#
#   repeat-under-load.sh [ROUNDS] [SUITE...]     SUITE: loom shuttle miri (default: all three)
#
# Each suite is built once before the first round (a build is not what is being soaked), then
# run ROUNDS times; the script prints one line per run and a pass count per suite, and fails
# if any run failed. The busy loops are killed on every exit path (trap).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-10}
shift || true
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(loom shuttle miri)

busy=()
stop_busy() {
  for p in "${busy[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${busy[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap stop_busy EXIT
trap 'exit 130' INT TERM

run_suite() {
  case $1 in
    loom) bash verify/scripts/loom.sh ;;
    shuttle) bash verify/scripts/shuttle.sh ;;
    miri) bash verify/scripts/miri.sh && bash verify/scripts/miri-scheduler.sh ;;
    *) echo "unknown suite $1 (loom, shuttle, miri)" >&2; return 2 ;;
  esac
}

# Build (and run once, unloaded) so that every counted round runs already-built binaries.
for s in "${suites[@]}"; do
  echo "== warm-up build: $s"
  run_suite "$s" >/dev/null 2>&1 || { echo "warm-up run of $s failed; fix it before soaking" >&2; exit 1; }
done

for _ in 1 2; do
  ( while :; do :; done ) &
  busy+=($!)
done
echo "== two busy loops running (pids ${busy[*]}); $rounds rounds of: ${suites[*]}"

declare -A passed
failed=0
logdir=$(mktemp -d)
for s in "${suites[@]}"; do passed[$s]=0; done
for r in $(seq 1 "$rounds"); do
  for s in "${suites[@]}"; do
    start=$SECONDS
    if run_suite "$s" >"$logdir/$s.$r.log" 2>&1; then
      passed[$s]=$((passed[$s] + 1))
      echo "round $r $s: ok ($((SECONDS - start)) s)"
      rm -f "$logdir/$s.$r.log"
    else
      failed=1
      echo "round $r $s: FAILED ($((SECONDS - start)) s), log kept: $logdir/$s.$r.log"
    fi
  done
done
for s in "${suites[@]}"; do echo "$s: ${passed[$s]} of $rounds rounds passed under load"; done
[ "$failed" -eq 0 ] && rmdir "$logdir" 2>/dev/null || true
exit "$failed"
