#!/usr/bin/env bash
# Runs the primitives' unit and integration tests under miri (nightly).
set -euo pipefail
cd "$(dirname "$0")/../.."
# Separate target dir: miri builds differ from normal ones (and from every --cfg mode).
export CARGO_TARGET_DIR=target/miri
# Isolation stays on (ADR 129): the tests' clock is miri's virtual clock (it advances with the
# basic blocks run and with sleeps), so with the fixed default seed a run is a function of the
# code alone and no timeout can fail because the machine was loaded. `SystemTime::now` is not
# available there; nothing tested needs it.
# -Zmiri-many-seeds is not used: one seed keeps CI time bounded.
export MIRIFLAGS="${MIRIFLAGS:-}"
. scripts/nightly.sh
cargo "+$NIGHTLY" miri test -p portalis-primitives "$@"
