#!/usr/bin/env bash
# Browser tests (`make test-web`): the threaded wasm32-unknown-unknown build in headless
# Chromium, in three modes, each a wasm-bindgen-test binary of portalis-scheduler:
#   worker        tests/web_worker.rs        cross-origin isolated; test thread = dedicated worker
#                 tests/web_primitives.rs    (sync primitives and channels across workers)
#                 tests/web_pool.rs          (tests/{pool,executor,rayon_compat}.rs on Web Worker pools)
#   main          tests/web_main.rs          cross-origin isolated; test thread = page main thread
#                 tests/web_primitives_main.rs (primitives/channels never trap there)
#                 tests/web_jspi.rs          (run_blocking: waits suspend through JSPI, ADR 110)
#   no-isolation  tests/web_no_isolation.rs  no COOP/COEP (no SharedArrayBuffer): the task suite
#                                            (and a blocking run_blocking caller)
#                                            over postMessage (copy-mode workers)
#   no-atomics    tests/web_no_isolation.rs  the same, built by the STABLE toolchain without
#                                            atomics or build-std (ADR 116): the fallback a user
#                                            of a stable toolchain gets
#   demo          scripts/web-demo.sh --check: the demo page isolated, not isolated, and under
#                 a CSP forbidding blob: workers (screenshots in target/web/)
# Prints passed/failed per mode; fails if any test failed or a mode ran zero tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/web-env.sh
LOG_DIR=target/web/logs
mkdir -p "$LOG_DIR"

# Build once (cached in target/web), so the runs below only link-check and execute.
"${WEB_CARGO[@]}" --no-run --test web_worker --test web_primitives --test web_pool --test web_main \
  --test web_primitives_main --test web_jspi --test web_no_isolation 2>&1 \
  | grep -vE '^warning: unstable feature specified|^  \||^  = note: this feature is not stably' || true

# The stable build: no RUSTFLAGS (no atomics, no shared memory), no build-std, its own
# target dir; `cargo` is the stable toolchain pinned in rust-toolchain.toml.
STABLE_CARGO=(env -u RUSTFLAGS CARGO_TARGET_DIR="$PWD/target/web-stable"
              cargo test -p portalis-scheduler --target wasm32-unknown-unknown)
"${STABLE_CARGO[@]}" --no-run --test web_no_isolation >"$LOG_DIR/no-atomics-build.log" 2>&1 || {
  echo "test-web: the stable (no atomics) build FAILED; tail of $LOG_DIR/no-atomics-build.log:"
  tail -30 "$LOG_DIR/no-atomics-build.log"; }

status=0
total=0
summary=""
CARGO_CMD=("${WEB_CARGO[@]}")
run_mode() { # mode "test-binary..." [env...]  (the binaries of one mode run one after another)
  local mode=$1 bins=$2; shift 2
  local log="$LOG_DIR/$mode.log" rc=0 bin
  : >"$log"
  for bin in $bins; do
    env "$@" "${CARGO_CMD[@]}" --test "$bin" >>"$log" 2>&1 || rc=$?
  done
  local passed failed
  passed=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  failed=$(sed -n 's/^test result: .* \([0-9][0-9]*\) failed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  summary+=$(printf '\n  %-13s %3d passed, %d failed (exit %d; log %s)' "$mode" "$passed" "$failed" "$rc" "$log")
  total=$((total + passed))
  if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    status=1
    echo "test-web: mode $mode FAILED; tail of $log:"
    tail -40 "$log"
  fi
}
run_mode worker "web_worker web_primitives web_pool"
run_mode main "web_main web_primitives_main web_jspi"
run_mode no-isolation web_no_isolation WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1
CARGO_CMD=("${STABLE_CARGO[@]}")
run_mode no-atomics web_no_isolation WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1
CARGO_CMD=("${WEB_CARGO[@]}")
# The demo page on both kinds of page plus a CSP page (scripts/web-demo.sh --check): 3 checks.
demo_log="$LOG_DIR/demo.log"
if bash scripts/web-demo.sh --check >"$demo_log" 2>&1; then
  demo_ok=$(grep -c '^web-demo-check: ' "$demo_log" || true)
  summary+=$(printf '\n  %-13s %3d passed, 0 failed (log %s; screenshots target/web/demo-*.png)' demo "$demo_ok" "$demo_log")
  total=$((total + demo_ok))
else
  status=1
  summary+=$(printf '\n  %-13s FAILED (log %s)' demo "$demo_log")
  echo "test-web: demo FAILED; tail of $demo_log:"
  tail -20 "$demo_log"
fi
echo "test-web (headless $(chromium --version 2>/dev/null | head -1)):$summary"
if [ "$status" -ne 0 ]; then
  echo "test-web: FAILED"
  exit 1
fi
echo "test-web: ok, $total browser tests passed"
