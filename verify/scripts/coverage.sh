#!/usr/bin/env bash
# Line coverage of the native suite (`make coverage`, outside CI: an instrumented build of the
# whole workspace takes minutes on 2 cores). Installs what it needs, idempotently, into the
# tool cache shared with scripts/setup.sh: rustup's llvm-tools-preview component for the
# stable toolchain, and cargo-llvm-cov built from crates.io. Prints per-crate line coverage
# (target/coverage/summary.txt) and writes an lcov file (target/coverage/lcov.info).
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS="${PORTALIS_TOOLS:-$HOME/.cache/portalis-threading/tools}"
STABLE=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
LLVM_COV_VERSION=${LLVM_COV_VERSION:-0.6.21}
rustup component list --installed --toolchain "$STABLE" 2>/dev/null | grep -q '^llvm-tools' \
  || rustup component add llvm-tools-preview --toolchain "$STABLE"
BIN="$TOOLS/cargo-llvm-cov-$LLVM_COV_VERSION/bin/cargo-llvm-cov"
if [ ! -x "$BIN" ]; then
  echo "coverage: installing cargo-llvm-cov $LLVM_COV_VERSION into $TOOLS"
  cargo install --quiet --version "=$LLVM_COV_VERSION" --root "$TOOLS/cargo-llvm-cov-$LLVM_COV_VERSION" cargo-llvm-cov
fi
mkdir -p "$TOOLS/bin"
ln -sf "$BIN" "$TOOLS/bin/cargo-llvm-cov"
# Own target dir: instrumented objects share nothing with the plain debug build.
export CARGO_TARGET_DIR="$PWD/target/coverage"
OUT=target/coverage
mkdir -p "$OUT"
# Start from no profile data, so the report is this run's.
"$BIN" llvm-cov clean --workspace
# --workspace: every crate's unit and integration tests (doctests need nightly).
"$BIN" llvm-cov --workspace --no-report
# Then verify's release-only checks (lin_*, stress_*: #[ignore]d in debug), here in the
# instrumented debug build, one at a time (the stress heap counter is process-wide). Their
# profile data adds to the run above.
"$BIN" llvm-cov --no-report -p portalis-verify -- --include-ignored --test-threads=1
"$BIN" llvm-cov report --lcov --output-path "$OUT/lcov.info"
"$BIN" llvm-cov report --summary-only | tee "$OUT/report.txt" >/dev/null
# Per crate: sum the file rows of the report by top directory (lines: columns 8 and 9 of
# cargo-llvm-cov's table, "Lines  Missed Lines").
awk '
  $1 ~ /\.rs$/ {
    split($1, p, "/"); top = p[1]; if (top == "src" || top == "tests") top = "portalis-threading (facade)";
    lines[top] += $8; missed[top] += $9
  }
  END { for (c in lines) printf "%-32s %6d lines %6d missed %6.1f%%\n", c, lines[c], missed[c], 100 * (lines[c] - missed[c]) / lines[c] }
' "$OUT/report.txt" | sort | tee "$OUT/summary.txt"
