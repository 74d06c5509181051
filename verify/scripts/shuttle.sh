#!/usr/bin/env bash
# Runs every shuttle scenario (tests named shuttle_*) in the workspace.
set -euo pipefail
cd "$(dirname "$0")/../.."
# --cfg portalis_shuttle swaps the sync shim to shuttle; separate target dir as for loom.
export RUSTFLAGS="--cfg portalis_shuttle"
export CARGO_TARGET_DIR=target/shuttle
cargo test --release --workspace --tests -- shuttle_
