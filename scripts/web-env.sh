# Sourced by scripts/test-web.sh and scripts/perf-web.sh: the threaded browser build
# (docs/toolchain.md, "Browser") and the headless test runner's settings.
TOOLS="$PWD/.tools"
# +atomics alone no longer makes rustc emit shared memory: every link arg is needed, or
# wasm-bindgen fails (or silently emits non-threaded glue).
#   --shared-memory / --import-memory : one WebAssembly.Memory shared with every worker
#   --max-memory=1 GiB                : shared memories need a maximum (kept modest for Safari)
#   --export=__wasm_init_tls, __tls_* : wasm-bindgen's threads transform sets up TLS per worker
export RUSTFLAGS="-C target-feature=+atomics -C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=1073741824 -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base"
# Its own target dir: build-std + these RUSTFLAGS share nothing with the native build.
export CARGO_TARGET_DIR="$PWD/target/web"
# cargo runs each test .wasm through the pinned runner (it serves the page on 127.0.0.1 with
# COOP/COEP unless WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION is set) in Debian's Chromium.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$TOOLS/bin/wasm-bindgen-test-runner"
export CHROMEDRIVER=/usr/bin/chromedriver
# Per-binary timeout (s): spawning ~15 workers on 2 busy cores takes a few seconds.
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-120}
# nightly (pinned in `rust-nightly`): build-std (std must be rebuilt with +atomics) and the
# wasm atomic intrinsics.
. scripts/nightly.sh
WEB_CARGO=(cargo "+$NIGHTLY" test -p portalis-scheduler --target wasm32-unknown-unknown
           -Z build-std=panic_abort,std)
