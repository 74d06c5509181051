#!/usr/bin/env bash
# `make perf-web`: the browser rows of docs/perf-goals.md in headless Chromium, threaded release
# build; writes target/perf/web.md and target/perf/web.csv (the native table's formats).
#   web_perf        (isolated, dedicated worker)  F1 wake latency; W2 channel, S1, idle wake
#   web_perf_main   (isolated, page main thread)  W2 "main thread never traps"; JSPI rows (ADR 110)
#   web_perf_noiso  (no COOP/COEP)                W3 postMessage raw transport; task rows n/i
#   examples/handoff_native.rs (native, before and after the browser runs): the bounded(1)
#   workload between two threads, ours vs crossbeam-channel and kanal (ADR 118)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/web-env.sh
mkdir -p target/perf target/web/logs
LOGS=target/web/logs
bins=(web_perf web_perf_main web_perf_noiso)

echo "perf-web: building (nightly, build-std, release)"
"${WEB_CARGO[@]}" --release --no-run "${bins[@]/#/--test=}" >"$LOGS/perf-build.log" 2>&1 || {
  echo "perf-web: build FAILED; tail of $LOGS/perf-build.log:"; tail -40 "$LOGS/perf-build.log"; exit 1; }

# The native reference (ADR 118): the W2 bounded(1) workload between two native threads on
# this machine, once before and once after the browser runs. Native build: no wasm RUSTFLAGS,
# the default target dir.
NATIVE=(env -u RUSTFLAGS -u CARGO_TARGET_DIR cargo run -q --release --example handoff_native)
native() {
  "${NATIVE[@]}" 2>>"$LOGS/perf-native.log" | sed -n "s/^NATIVE /NATIVE ($1) /p" >>"$LOGS/perf-native.txt" || true
}
: >"$LOGS/perf-native.txt"
: >"$LOGS/perf-native.log"
echo "perf-web: native reference (before)"
native before

# run N BIN [env...]: --nocapture so the runner prints the rows the test logs.
run() {
  local n=$1 bin=$2; shift 2
  echo "perf-web: [$n/3] $bin"
  env "$@" "${WEB_CARGO[@]}" --release --test "$bin" -- --nocapture >"$LOGS/$bin.log" 2>&1
}
status=0
run 1 web_perf || { echo "perf-web: web_perf FAILED; tail of $LOGS/web_perf.log:"; tail -40 "$LOGS/web_perf.log"; exit 1; }
main_ok=1
run 2 web_perf_main || { main_ok=0; status=1; echo "perf-web: web_perf_main FAILED (see $LOGS/web_perf_main.log)"; }
run 3 web_perf_noiso WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1 || {
  status=1; echo "perf-web: web_perf_noiso FAILED; tail of $LOGS/web_perf_noiso.log:"; tail -20 "$LOGS/web_perf_noiso.log"; }

echo "perf-web: native reference (after)"
native after

md() { sed -n 's/^.*PERF-MD \{0,1\}//p' "$LOGS/$1.log"; }
csv_rows() { sed -n 's/^.*PERF-CSV //p' "$LOGS/$1.log" | grep -v '^id,'; }
{
  md web_perf | sed '/^$/q' | sed 's/^# Performance table (web)/# Performance table (web: headless Chromium)/'
  echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); $(rustc "+$NIGHTLY" -V); $(chromium --version 2>/dev/null | head -1); $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  md web_perf | sed -n '/^machine:/p' | sed 's/^machine: /F1\/W2 (worker): /'
  md web_perf_main | sed -n '/^main-thread check:/p'
  md web_perf_noiso | sed -n '/^W3:/p'
  # Why bounded(1) costs µs (ADR 117, 118): waits and futex entries per message beside a
  # wake round trip, the same workload natively, and the main thread's wake split by route.
  sed -n 's/^.*PERF-NOTE //p' "$LOGS/web_perf.log"
  cat "$LOGS/perf-native.txt"
  sed -n 's/^.*PERF-NOTE //p' "$LOGS/web_perf_main.log"
  echo
  md web_perf | grep '^| id \|^|---'
  for b in "${bins[@]}"; do md "$b" | grep '^| [FW]'; done
  if [ "$main_ok" = 0 ]; then
    echo "| W2-main-no-trap | page main thread: a blocking call trapped or did not return its typed error (see $LOGS/web_perf_main.log) | — | | — | — | main thread never traps | no |"
  fi
} > target/perf/web.md
{
  echo "id,workload,ours_ns,best_peer,best_peer_ns,ratio,goal,met"
  for b in "${bins[@]}"; do csv_rows "$b"; done
  if [ "$main_ok" = 0 ]; then
    echo "W2-main-no-trap,page main thread: a blocking call trapped or did not return its typed error,,,,,main thread never traps,no"
  fi
} > target/perf/web.csv
awk -F, 'NR>1 {n++; m[$NF]++} END {printf "\n%d rows: %d met, %d not met, %d not implemented.\n", n, m["yes"], m["no"], m["not-implemented"]}' \
  target/perf/web.csv >> target/perf/web.md
if ! grep -q '^| F1-wake-p50 ' target/perf/web.md; then
  echo "perf-web: no rows in the runner output ($LOGS/web_perf.log)"; exit 1
fi
cat target/perf/web.md
echo "wrote target/perf/web.md, target/perf/web.csv"
exit $status
