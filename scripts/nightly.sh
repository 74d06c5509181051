# Sourced by every script that needs the nightly toolchain (miri, build-std for the threaded
# browser build): sets NIGHTLY to the dated toolchain pinned in the repository's `rust-nightly`
# file, the one place the pin lives (docs/toolchain.md says how to move it). A floating
# `nightly` would let a newer build break build-std, the wasm atomic intrinsics or miri from one
# day to the next on a fresh machine.
_portalis_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NIGHTLY="$(tr -d '[:space:]' < "$_portalis_root/rust-nightly")"
case "$NIGHTLY" in
  nightly-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
  *) echo "rust-nightly must hold one dated toolchain such as nightly-2026-05-20, not '$NIGHTLY'" >&2; exit 2 ;;
esac
export NIGHTLY
unset _portalis_root
