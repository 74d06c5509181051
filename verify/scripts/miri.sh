#!/usr/bin/env bash
# Runs the primitives' unit and integration tests under miri (nightly).
set -euo pipefail
cd "$(dirname "$0")/../.."
# Separate target dir: miri builds differ from normal ones (and from every --cfg mode).
export CARGO_TARGET_DIR=target/miri
# -Zmiri-disable-isolation: tests read the clock (timeouts) and miri blocks that otherwise.
# -Zmiri-many-seeds is not used: one seed keeps CI time bounded.
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
. scripts/nightly.sh
cargo "+$NIGHTLY" miri test -p portalis-primitives "$@"
