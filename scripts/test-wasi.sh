#!/usr/bin/env bash
# WASI tests (`make test-wasi`) under wasmtime 36.0.9 (the runners are in .cargo/config.toml):
#   wasm32-wasip1-threads  the crates' unit, integration and doc tests, threads via wasi-threads
#   wasm32-wasip1          no threads: the single-thread futex backend (`WouldDeadlock`) for real
# and the wasm32-wasip1 suite once more under the newest wasmtime from PyPI (scripts/setup.sh:
# no wasi-threads there), since that is the runtime users of current toolchains get.
# Prints passed/failed per target; fails if any test failed or a target ran zero tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
# Own target dir: the wasm builds share nothing with the native one.
export CARGO_TARGET_DIR="$PWD/target/wasi"
LOG_DIR=target/wasi/logs
mkdir -p "$LOG_DIR"
# Crates whose tests run under wasi-threads. Tests there must not rely on
# available_parallelism() (it fails on WASI) nor on #[should_panic] (panic=abort: ignored).
THREADED_PACKAGES=${WASI_PACKAGES:-"portalis-primitives portalis-scheduler"}

status=0
total=0
summary=""
run_target() { # label target cargo-test-args...
  local label=$1 target=$2; shift 2
  local log="$LOG_DIR/$label.log" rc=0
  cargo test --target "$target" "$@" >"$log" 2>&1 || rc=$?
  local passed failed
  passed=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  failed=$(sed -n 's/^test result: .* \([0-9][0-9]*\) failed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
  summary+=$(printf '\n  %-22s %-10s %3d passed, %d failed (exit %d; log %s)' "$target" "$label" "$passed" "$failed" "$rc" "$log")
  total=$((total + passed))
  if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    status=1
    echo "test-wasi: $target FAILED; tail of $log:"
    tail -40 "$log"
  fi
}
pkgs=()
for p in $THREADED_PACKAGES; do pkgs+=(-p "$p"); done
run_target threads wasm32-wasip1-threads "${pkgs[@]}"
# The lock_api adapters (feature `lock-api`) on wasi-threads.
run_target lock-api wasm32-wasip1-threads -p portalis-primitives --features lock-api --test lock_api
# --lib --tests: the doc examples spawn threads, which this target cannot.
run_target no-threads wasm32-wasip1 -p portalis-primitives --lib --tests
# The same build under the newest wasmtime: the runner from the environment overrides the
# one in .cargo/config.toml (an absolute path: a relative one would resolve against the cwd).
CARGO_TARGET_WASM32_WASIP1_RUNNER="$PWD/.tools/bin/wasmtime-newest run" \
  run_target newest wasm32-wasip1 -p portalis-primitives --lib --tests
echo "test-wasi ($(.tools/bin/wasmtime --version); newest: $(.tools/bin/wasmtime-newest --version)):$summary"
if [ "$status" -ne 0 ]; then
  echo "test-wasi: FAILED"
  exit 1
fi
echo "test-wasi: ok, $total WASI tests passed"
