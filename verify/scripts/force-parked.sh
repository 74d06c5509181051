#!/usr/bin/env bash
# Runs the primitives' native suite on the portable parked futex backend (futex/parked.rs),
# the production backend on macOS, Windows, FreeBSD and wasip1, so Linux CI exercises it too.
set -euo pipefail
cd "$(dirname "$0")/../.."
# --cfg portalis_force_parked: futex/mod.rs selects parked.rs instead of linux.rs.
export RUSTFLAGS="--cfg portalis_force_parked"
# Own target dir: the cfg change would otherwise rebuild the normal build's dependencies.
export CARGO_TARGET_DIR=target/force-parked
# Only the primitives crate: every primitive sits on the futex; the scheduler adds CI time
# without exercising the backend differently.
cargo test -p portalis-primitives "$@"
