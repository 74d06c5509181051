#!/usr/bin/env bash
# Runs every loom model (tests named loom_*) in the workspace.
set -euo pipefail
cd "$(dirname "$0")/../.."
# --cfg portalis_loom swaps the sync shim to loom; its own target dir avoids rebuilding the
# normal build's dependencies each time the cfg flips.
export RUSTFLAGS="--cfg portalis_loom"
export CARGO_TARGET_DIR=target/loom
# Bounded preemptions keep the state space tractable (docs/style.md §9); loom still explores every
# interleaving with at most this many preemptions.
export LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-2}
# --release: loom models run ~10x faster optimised. `loom_` selects only model tests.
cargo test --release --workspace --tests -- loom_
