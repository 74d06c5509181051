#!/usr/bin/env bash
# Every sync item goes through primitives/src/sync.rs (docs/style.md §2): fail if any other Rust
# source under the library crates names the atomics directly. Doc comments (`///`, `//!`) are
# exempt: their examples are user code, which imports std's atomics as any user would.
set -euo pipefail
cd "$(dirname "$0")/.."
hits=$(grep -rnE '(core|std)::sync::atomic' --include='*.rs' primitives/src scheduler/src src \
        | grep -v '^primitives/src/sync.rs:' \
        | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//[/!]' || true)
if [ -n "$hits" ]; then
  echo "check-shim: import atomics through portalis_primitives::sync, not directly:"
  echo "$hits"
  exit 1
fi
echo "check-shim: ok (no direct atomics outside primitives/src/sync.rs)"
