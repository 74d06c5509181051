#!/usr/bin/env bash
# `make perf-wasi`: futex wake latency (F1 rows) under wasmtime 36.0.9 with wasi-threads;
# writes target/perf/wasi.md and target/perf/wasi.csv (the native table's formats).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
export CARGO_TARGET_DIR="$PWD/target/wasi"
cargo build --quiet --release -p portalis-primitives --example futex_latency --target wasm32-wasip1-threads
mkdir -p target/perf
# --dir HOST::GUEST: the only host directory the program may write (its --out).
.tools/bin/wasmtime run -W threads=y -S threads=y --dir target/perf::/out \
  "$CARGO_TARGET_DIR/wasm32-wasip1-threads/release/examples/futex_latency.wasm" --env wasi --out /out
echo "wrote target/perf/wasi.md, target/perf/wasi.csv"
