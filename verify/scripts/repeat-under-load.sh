#!/usr/bin/env bash
# Soak: runs the model-checking suites ROUNDS times in a row with two busy loops competing for
# the CPU, so a check that depends on an idle machine (a real-clock read inside a model, a
# timed assertion) shows up as a failed round. Outside CI (`make soak`).
#
#   repeat-under-load.sh [ROUNDS] [SUITE...]     SUITE: loom shuttle miri (default: all three)
#
# Environment (all optional):
#   SOAK_LOOM_TESTS, SOAK_SHUTTLE_TESTS  space-separated test files to run instead of all of them
#       (e.g. SOAK_LOOM_TESTS="loom_async loom_web_signal"): lets a soak that cannot fit every
#       model in the time it has cover the ones that changed; say which were run when reporting.
#   SOAK_MIRI_TESTS  space-separated test-name filters for the primitives' miri run (libtest
#       substring filters, e.g. the tests that read the real clock); the scheduler's miri run
#       (pool, stress) always runs whole.
#   SOAK_PARALLEL=1  run the suites' rounds side by side (one lane per suite), not in turn.
#   SOAK_LOGDIR  where the log of a failed run is kept (default: a fresh mktemp -d directory).
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
lanes=()
stop_busy() {
  for p in "${lanes[@]}" "${busy[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${busy[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap stop_busy EXIT
trap 'exit 130' INT TERM

# "loom_a loom_b" -> --test loom_a --test loom_b (nothing when unset: the scripts run every file).
test_args() {
  local t
  for t in $1; do printf -- '--test\n%s\n' "$t"; done
}
mapfile -t loom_args < <(test_args "${SOAK_LOOM_TESTS:-}")
mapfile -t shuttle_args < <(test_args "${SOAK_SHUTTLE_TESTS:-}")

# run_suite SUITE [--no-run]: one run of a suite (or only its build, with --no-run).
run_suite() {
  local extra=("${@:2}")
  case $1 in
    loom) bash verify/scripts/loom.sh "${loom_args[@]:---tests}" "${extra[@]}" ;;
    shuttle) bash verify/scripts/shuttle.sh "${shuttle_args[@]:---tests}" "${extra[@]}" ;;
    miri)
      # shellcheck disable=SC2086 # SOAK_MIRI_TESTS is a list of filters
      if [ ${#extra[@]} -eq 0 ] && [ -n "${SOAK_MIRI_TESTS:-}" ]; then
        bash verify/scripts/miri.sh -- $SOAK_MIRI_TESTS
      else
        bash verify/scripts/miri.sh "${extra[@]}"
      fi && bash verify/scripts/miri-scheduler.sh "${extra[@]}"
      ;;
    *) echo "unknown suite $1 (loom, shuttle, miri)" >&2; return 2 ;;
  esac
}

# Build first so that every counted round runs already-built binaries (a build is not what is
# being soaked; a test that fails unloaded shows up as a failed round 1).
for s in "${suites[@]}"; do
  echo "== warm-up build: $s"
  run_suite "$s" --no-run >/dev/null 2>&1 || { echo "warm-up build of $s failed; fix it before soaking" >&2; exit 1; }
done

for _ in 1 2; do
  ( while :; do :; done ) &
  busy+=($!)
done
echo "== two busy loops running (pids ${busy[*]}); $rounds rounds of: ${suites[*]}"
[ -n "${SOAK_LOOM_TESTS:-}" ] && echo "== loom files: $SOAK_LOOM_TESTS"
[ -n "${SOAK_SHUTTLE_TESTS:-}" ] && echo "== shuttle files: $SOAK_SHUTTLE_TESTS"
[ -n "${SOAK_MIRI_TESTS:-}" ] && echo "== primitives miri tests matching: $SOAK_MIRI_TESTS"

logdir=${SOAK_LOGDIR:-$(mktemp -d)}
mkdir -p "$logdir"
# lane SUITE FIRST LAST: rounds FIRST..LAST of one suite, one line each; a passed round appends
# a line to $logdir/SUITE.passed.
lane() {
  local s=$1 r start when
  for r in $(seq "$2" "$3"); do
    start=$SECONDS
    if run_suite "$s" >"$logdir/$s.$r.log" 2>&1; then
      when="$(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
      echo "round $r $s: ok ($((SECONDS - start)) s; $when)"
      echo "$r" >>"$logdir/$s.passed"
      rm -f "$logdir/$s.$r.log"
    else
      when="$(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
      echo "round $r $s: FAILED ($((SECONDS - start)) s; $when), log kept: $logdir/$s.$r.log"
    fi
  done
}
for s in "${suites[@]}"; do : >"$logdir/$s.passed"; done
# SOAK_PARALLEL=1: every suite runs its rounds in its own lane at the same time (the suites load
# each other on top of the busy loops); otherwise round 1 of every suite, then round 2, ...
if [ "${SOAK_PARALLEL:-0}" = 1 ]; then
  for s in "${suites[@]}"; do
    lane "$s" 1 "$rounds" &
    lanes+=($!)
  done
  for p in "${lanes[@]}"; do wait "$p"; done
else
  for r in $(seq 1 "$rounds"); do
    for s in "${suites[@]}"; do lane "$s" "$r" "$r"; done
  done
fi
failed=0
for s in "${suites[@]}"; do
  n=$(wc -l <"$logdir/$s.passed")
  echo "$s: $n of $rounds rounds passed under load"
  [ "$n" -eq "$rounds" ] || failed=1
  rm -f "$logdir/$s.passed"
done
[ "$failed" -eq 0 ] && rmdir "$logdir" 2>/dev/null || true
exit "$failed"
