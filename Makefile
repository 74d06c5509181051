# portalis-threading: the two commands for a fresh machine are `make perf` and `make test`.
# Every target installs what it needs first (scripts/setup.sh is idempotent and quick when
# everything is present).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export CARGO_TERM_COLOR ?= never

TOOLS := $(CURDIR)/.tools

.PHONY: help setup perf perf-quick bench bench-gate test test-native test-miri test-loom \
        test-shuttle test-wasi test-web lint check-shim perf-wasi perf-web verify \
        test-force-parked test-controls

help:
	@echo "make perf        the performance table (native, release build; < 3 min)"
	@echo "make test        every test: native, lint, miri, verify, WASI, browser"
	@echo "make verify      loom + shuttle models, parked-backend suite, negative controls"
	@echo "make bench-gate  quick perf pass; fails when a ratio exceeds benches/gates.txt"
	@echo "make bench       full criterion benches (HTML report in target/criterion)"
	@echo "make perf-wasi   W1 + F1 rows under wasmtime (target/perf/wasi.md, .csv)"
	@echo "make perf-web    W2, W3 + F1 rows in headless Chromium (target/perf/web.md, .csv)"

setup:
	@bash scripts/setup.sh

## The main job: the performance table of ../shared/PERF.md, native.
perf:
	@SETUP_ONLY=native bash scripts/setup.sh
	cargo bench --bench perf_table -- --out target/perf

perf-quick:
	@SETUP_ONLY=native bash scripts/setup.sh
	cargo bench --bench perf_table -- --quick --out target/perf

bench-gate:
	@SETUP_ONLY=native bash scripts/setup.sh
	cargo bench --bench perf_table -- --quick --passes 2 --out target/perf-gate --gate benches/gates.txt

bench:
	@SETUP_ONLY=native bash scripts/setup.sh
	cargo bench

## Every test.
test: setup check-shim lint test-native test-miri verify test-wasi test-web
	@echo "make test: all environments passed"

check-shim:
	@bash scripts/check-shim.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test-native:
	cargo test --workspace

test-miri:
	@bash verify/scripts/miri.sh
	@bash verify/scripts/miri-scheduler.sh

## The verification suite (verify/): every model, the native suite on the portable futex
## backend, and the negative controls (each seeded bug must be reported by its model).
verify: test-loom test-shuttle test-force-parked test-controls
	@echo "make verify: models, parked backend and negative controls passed"

test-loom:
	@bash verify/scripts/loom.sh

test-force-parked:
	@bash verify/scripts/force-parked.sh

test-controls:
	@bash verify/scripts/controls.sh

test-shuttle:
	@bash verify/scripts/shuttle.sh

test-wasi:
	@bash scripts/test-wasi.sh

test-web:
	@bash scripts/test-web.sh

## The W1–W3 rows (and F1) in the wasm environments: target/perf/{wasi,web}.{md,csv}.
perf-wasi:
	@bash scripts/perf-wasi.sh

perf-web:
	@bash scripts/perf-web.sh
