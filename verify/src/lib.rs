//! Model-checking scenarios for the public API of portalis-threading.
//!
//! The models live in `tests/` (`loom_*.rs`, `shuttle_*.rs`) and only compile their bodies
//! under `--cfg portalis_loom` / `--cfg portalis_shuttle`; `scripts/` drive them with the
//! flags documented there. This library holds shared helpers.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
