#!/usr/bin/env bash
# The browser demo (scheduler/examples/web_demo): build it (threaded release build, as the
# browser tests), then either serve it (`make web-demo`) or check it (`--check`, run by
# scripts/test-web.sh) in headless Chromium on both kinds of page.
#   port 8711  COOP/COEP (cross-origin isolated)  -> mode "shared memory"
#   port 8712  no headers (not isolated)          -> mode "message passing"
#   port 8713  a CSP whose worker-src forbids blob: (check only) -> typed error naming worker-src
# Ports: WEB_DEMO_PORT_ISO / WEB_DEMO_PORT_PLAIN / WEB_DEMO_PORT_CSP override them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/web-env.sh
OUT=target/web/demo
ISO=${WEB_DEMO_PORT_ISO:-8711}; PLAIN=${WEB_DEMO_PORT_PLAIN:-8712}; CSP=${WEB_DEMO_PORT_CSP:-8713}
mkdir -p "$OUT" target/web/logs

echo "web-demo: building (nightly, build-std, release)"
cargo "+$NIGHTLY" build -p portalis-scheduler --example web_demo --release \
  --target wasm32-unknown-unknown -Z build-std=panic_abort,std >target/web/logs/demo-build.log 2>&1 || {
  echo "web-demo: build FAILED; tail of target/web/logs/demo-build.log:"; tail -30 target/web/logs/demo-build.log; exit 1; }
"$TOOLS/bin/wasm-bindgen" --target web --out-dir "$OUT/pkg" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/examples/web_demo.wasm"
cp scheduler/examples/web_demo/index.html "$OUT/index.html"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
serve() { python3 scripts/web-demo-server.py "$OUT" "$@" & pids+=($!); }
serve "$ISO" --isolated
serve "$PLAIN"
if [ "${1:-}" != "--check" ]; then
  echo "web-demo: http://127.0.0.1:$ISO/ (cross-origin isolated) and http://127.0.0.1:$PLAIN/ (not isolated); Ctrl-C stops"
  wait
  exit 0
fi
serve "$CSP" --csp-no-blob
sleep 0.5
status=0
python3 scripts/web-demo-check.py "http://127.0.0.1:$ISO/" "shared memory" target/web/demo-isolated.png || status=1
python3 scripts/web-demo-check.py "http://127.0.0.1:$PLAIN/" "message passing" target/web/demo-not-isolated.png || status=1
python3 scripts/web-demo-check.py "http://127.0.0.1:$CSP/" "" target/web/demo-csp.png --expect-error "worker-src" || status=1
[ "$status" -eq 0 ] && echo "web-demo: ok (screenshots in target/web/demo-*.png)" || echo "web-demo: FAILED"
exit "$status"
