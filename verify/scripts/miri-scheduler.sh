#!/usr/bin/env bash
# Runs the scheduler's pool and stress tests under miri (sizes shrink via cfg!(miri)).
set -euo pipefail
cd "$(dirname "$0")/../.."
# Isolation stays on, as in miri.sh (ADR 129): the heartbeat's rate limit reads miri's virtual
#   clock, so no run depends on how loaded the machine is.
# -Zmiri-preemption-rate=0: crossbeam-deque's epoch GC is only sound under miri without
#   preemption inside its atomics (docs/style.md §9).
# -Zmiri-tree-borrows: crossbeam-epoch's intrusive list violates Stacked Borrows
#   (`Local::element_of` retag), a known false positive for that crate; Tree Borrows accepts it.
# -Zmiri-ignore-leaks: the lazily built global pool's threads live for the process lifetime.
export MIRIFLAGS="-Zmiri-preemption-rate=0 -Zmiri-tree-borrows -Zmiri-ignore-leaks"
# Own target dir: miri's sysroot and flags would otherwise rebuild the normal build's deps.
export CARGO_TARGET_DIR=target/miri-scheduler
. scripts/nightly.sh
cargo "+$NIGHTLY" miri test -p portalis-scheduler --test pool --test stress "$@"
