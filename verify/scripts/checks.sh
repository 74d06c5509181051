#!/usr/bin/env bash
# The real-thread checks of verify/ (`make verify` runs this; `make soak` with
# PORTALIS_SOAK=100): the linearizability checker's unit tests and negative controls, its
# runs over every channel flavour, the semaphores, a mutex counter and the executor Future
# (lin_*), the property tests (prop_*), and the stress and fault-injection suites
# (stress_*). Prints the counts each one reports ("lin ...", "stress ...") and a summary.
set -euo pipefail
cd "$(dirname "$0")/../.."
# --release: the checks run thousands of histories and 10^6-message runs; the debug
# build would take minutes. The default target dir (target/release) is shared with `make perf`.
# --include-ignored: the heavy runs are #[ignore]d so `cargo test --workspace` (debug)
# skips them; here they run. --test-threads=1: the stress tests' heap counter is
# process-wide, and one test at a time keeps 64-thread runs from multiplying.
# --nocapture: the tests print their counts.
PORTALIS_SOAK=${PORTALIS_SOAK:-1}
export PORTALIS_SOAK
start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() { # label cargo-test-args...
  local label=$1; shift
  if ! cargo test --release -q -p portalis-verify "$@" -- --include-ignored --nocapture --test-threads=1 >"$log" 2>&1; then
    echo "checks: $label FAILED:"
    tail -60 "$log"
    exit 1
  fi
  # (-q prints progress dots and test names on the same lines as the tests' own output.)
  grep -oE '(lin|stress) [^.][^:]*: .*' "$log" | sed 's/^/  /' || true
  local passed
  passed=$(sed -n 's/^test result: ok\. \([0-9]*\) passed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  [ "$passed" -gt 0 ] || { echo "checks: $label ran no test"; exit 1; }
  echo "checks: $label: $passed tests passed"
}
run "checker unit tests" --lib lin::
run "checker negative controls" --test lin_controls
run "linearizability, channels" --test lin_channels
run "linearizability, sync + future" --test lin_sync
run "property tests" --test prop_channels --test prop_sync
run "stress under load" --test stress_load
run "fault injection" --test stress_faults
run "blocking paths" --test stress_blocking
echo "checks: ok (PORTALIS_SOAK=$PORTALIS_SOAK, $((SECONDS - start)) s)"
