#!/usr/bin/env bash
# Runs every shuttle scenario (verify/tests/shuttle_*.rs, tests named shuttle_*).
set -euo pipefail
cd "$(dirname "$0")/../.."
# --cfg portalis_shuttle swaps the sync shim to shuttle; separate target dir as for loom.
export RUSTFLAGS="--cfg portalis_shuttle"
export CARGO_TARGET_DIR=target/shuttle
# Fixed seeds and iteration counts are set per scenario; every scenario lives in the verify
# crate.
# Arguments select test files (e.g. `--test shuttle_mutex`); default: all of them.
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(--tests)
cargo test --release -p portalis-verify "${targets[@]}" -- shuttle_
