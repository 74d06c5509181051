#!/usr/bin/env bash
# Runs every loom model (verify/tests/loom_*.rs, tests named loom_*).
set -euo pipefail
cd "$(dirname "$0")/../.."
# --cfg portalis_loom swaps the sync shim to loom; its own target dir avoids rebuilding the
# normal build's dependencies each time the cfg flips.
export RUSTFLAGS="--cfg portalis_loom"
export CARGO_TARGET_DIR=target/loom
# Every model states its own preemption bound (`portalis_verify::model::loom_model`, 2 unless
# its doc says why it needs more), so LOOM_MAX_PREEMPTIONS is not read; unset it so nothing
# suggests otherwise.
unset LOOM_MAX_PREEMPTIONS
# --release: loom models run ~10x faster optimised. `loom_` selects only model tests; every
# model lives in the verify crate.
# Arguments select test files (e.g. `--test loom_mutex`); default: all of them.
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(--tests)
cargo test --release -p portalis-verify "${targets[@]}" -- loom_
