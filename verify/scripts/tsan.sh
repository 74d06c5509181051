#!/usr/bin/env bash
# ThreadSanitizer over the native tests of primitives and scheduler (make test-tsan, part of
# make test). Zero reports, or the script fails.
#
# Covered (every test in these binaries, each run once, in parallel as cargo runs them):
#   portalis-primitives  unit tests (--lib), channel_select_stress, park, stress_sync, lock_api,
#                        async_waiters
#   portalis-scheduler   unit tests (--lib), pool, rayon_compat, stress, executor, thread
#   portalis-verify      tsan_hb (happens-before hand-offs on real threads), stress_faults
# Not covered: verify's stress_load (10^6 messages and 10,000 threads: minutes under TSan's
# debug build) and lin_*/prop_* (thousands of histories), the facade's tests (tests/: they
# re-run the same crates through re-exports and would add their build), examples, benches,
# doc tests, and the loom/shuttle files (they need their own cfgs). Two tests shrink under TSan, with the reason in
# code (`cfg(portalis_tsan)`, set by scheduler/build.rs): the 10,000-deep join recursions check
# 2,000 levels, because a TSan thread's shadow call stack holds 65,536 frames (ADR 042).
#
# Then two negative controls show TSan is really checking: each seeds one missing
# happens-before edge (`PORTALIS_SEEDED_BUG`, honoured in TSan builds by primitives/build.rs)
# and runs the tsan_hb scenario that crosses it; TSan must report a data race there.
#
# No suppressions: crossbeam-deque/epoch produced no report in these runs, so none is kept.
# Cost on 2 cores: build-std plus the instrumented debug build is the bulk when cold (the
# target dir is target/tsan, its own: the flags differ from every other build); the tests run
# in about 2 minutes; each control rebuilds the three crates.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/nightly.sh

# Every crate, std included (-Zbuild-std), must be instrumented, or TSan misses the
# synchronisation inside the uninstrumented part and reports false races.
export RUSTFLAGS="-Zsanitizer=thread"
export CARGO_TARGET_DIR=target/tsan
# A panic's backtrace symbolized by an instrumented debug std took about 25 s per panic (the
# tests panic on purpose); the message is enough here.
export RUST_BACKTRACE=0
# Stop at the first report (exit 66); thread leaks (a finished thread never joined or
# detached) are reported too, at exit.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 report_thread_leaks=1"
target=$(rustc "+$NIGHTLY" -vV | sed -n 's/^host: //p')
cargo_tsan() {
  cargo "+$NIGHTLY" test -Zbuild-std --target "$target" "$@"
}
suite=(
  -p portalis-primitives -p portalis-scheduler -p portalis-verify
  --features portalis-primitives/lock-api
  --lib
  --test channel_select_stress --test park --test stress_sync --test lock_api
  --test async_waiters
  --test pool --test rayon_compat --test stress --test executor --test thread
  --test tsan_hb --test stress_faults
)

start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "tsan: building (target/tsan; cold: build-std + instrumented debug build)"
cargo_tsan "${suite[@]}" --no-run 2>&1 | tail -1
built=$SECONDS
status=0
cargo_tsan "${suite[@]}" >"$log" 2>&1 || status=$?
awk '/^ +Running / {name = $2} /^test result:/ {sub(/^test result: /, ""); print "  " name ": " $0}' "$log"
if [ "$status" -ne 0 ] || grep -q "ThreadSanitizer" "$log"; then
  echo "tsan: FAILED (exit $status); first report:"
  grep -m1 -A40 -E "WARNING: ThreadSanitizer|ThreadSanitizer:DEADLYSIGNAL" "$log" || tail -40 "$log"
  exit 1
fi
passed=$(grep -oE "test result: ok\. [0-9]+ passed" "$log" | awk '{s += $4} END {print s}')
echo "tsan: $passed tests, 0 reports (build $((built - start)) s, run $((SECONDS - built)) s)"

# Negative controls: bug | tsan_hb scenario that crosses the weakened edge.
CONTROLS="
event_relaxed_set          tsan_hb_event_set_wait
semaphore_relaxed_release  tsan_hb_semaphore_release_acquire
"
missed=0
while read -r bug scenario; do
  [ -z "$bug" ] && continue
  s=$SECONDS
  PORTALIS_SEEDED_BUG=$bug cargo_tsan -p portalis-verify --test tsan_hb --no-run >/dev/null 2>&1
  rc=0
  PORTALIS_SEEDED_BUG=$bug cargo_tsan -p portalis-verify --test tsan_hb -- --exact "$scenario" \
    >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] && grep -q "WARNING: ThreadSanitizer: data race" "$log"; then
    echo "caught  $bug: tsan_hb::$scenario (data race, $((SECONDS - s)) s)"
  else
    echo "MISSED  $bug: tsan_hb::$scenario exited $rc without a data-race report"
    tail -20 "$log"
    missed=$((missed + 1))
  fi
done <<<"$CONTROLS"
[ "$missed" -eq 0 ] || { echo "tsan: $missed negative control(s) missed"; exit 1; }
echo "tsan: passed ($((SECONDS - start)) s)"
