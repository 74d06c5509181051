# portalis-threading: the two commands for a fresh machine are `make perf` and `make test`.
# Every target installs what it needs first (scripts/setup.sh is idempotent and quick when
# everything is present).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export CARGO_TERM_COLOR ?= never

TOOLS := $(CURDIR)/.tools
# The dated nightly (miri, build-std for the browser): pinned in one file, `rust-nightly`, which
# scripts/nightly.sh reads too; docs/toolchain.md says how to move the pin.
export NIGHTLY := $(shell tr -d '[:space:]' < rust-nightly)

.PHONY: help setup perf perf-quick bench bench-gate test test-native test-miri test-loom \
        test-shuttle test-wasi test-web test-python lint check-shim perf-wasi perf-web \
        test-compile-fail web-demo verify test-force-parked test-controls \
        test-checks soak coverage test-tsan

help:
	@# One line per target, "make <target>" padded to 24 columns, then what it does.
	@echo "make help                this list"
	@echo "make setup               install every tool the targets need (idempotent)"
	@echo "make perf                the performance table (native, release build; < 3 min)"
	@echo "make perf-quick          the performance table, shorter runs"
	@echo "make bench-gate          quick perf pass; fails when a ratio exceeds benches/gates.txt"
	@echo "make bench               full criterion benches (HTML report in target/criterion)"
	@echo "make perf-wasi           W1 + F1 rows under wasmtime (target/perf/wasi.md, .csv)"
	@echo "make perf-web            W2, W3 + F1 rows in headless Chromium (target/perf/web.md, .csv)"
	@echo "make test                every test: native, lint, miri, verify, WASI, browser"
	@echo "make verify              loom + shuttle models, parked-backend suite, negative controls, checks"
	@echo "make test-checks         linearizability checker, property tests, stress + fault injection (release)"
	@echo "make coverage            line coverage of the native suite per crate (cargo llvm-cov; outside CI)"
	@echo "make check-shim          no sync item outside primitives/src/sync.rs (docs/style.md 2)"
	@echo "make lint                import-cycle check (scripts/check-import-cycles.py), fmt, clippy -D warnings (also on the loom and shuttle builds)"
	@echo "make test-native         cargo test --workspace, then the lock-api feature's tests"
	@echo "make test-compile-fail   programs that must not compile, with their error codes (nightly)"
	@echo "make test-miri           the primitives and scheduler unit tests under miri"
	@echo "make test-tsan           ThreadSanitizer over the primitives/scheduler tests (zero reports)"
	@echo "make test-loom           the loom models (verify/scripts/loom.sh)"
	@echo "make test-shuttle        the shuttle scenarios (verify/scripts/shuttle.sh)"
	@echo "make test-force-parked   the primitives' suite on the portable futex table (parked.rs)"
	@echo "make test-controls       negative controls: each seeded bug must fail its model"
	@echo "make soak                loom, shuttle, miri 10x under two busy loops; test-checks 100x (not in CI)"
	@echo "make test-wasi           the tests under wasmtime, wasm32-wasip1-threads"
	@echo "make test-python         Python scenarios under CPython vs their Rust translations"
	@echo "make test-web            the browser tests in headless Chromium (four modes + the demo)"
	@echo "make web-demo            serve the browser demo: :8711 isolated, :8712 not isolated"
	@echo "(nightly pinned to $(NIGHTLY) in rust-nightly; stable in rust-toolchain.toml)"

setup:
	@bash scripts/setup.sh

## The main job: the performance table of docs/perf-goals.md, native.
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
test: setup check-shim lint test-native test-python test-compile-fail test-miri test-tsan verify test-wasi test-web
	@echo "make test: all environments passed"

check-shim:
	@bash scripts/check-shim.sh

lint:
	python3 scripts/check-import-cycles.py
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	@# The model builds compile other code paths (the sync shim, the model futex): lint them too.
	RUSTFLAGS="--cfg portalis_loom" CARGO_TARGET_DIR=target/loom cargo clippy -p portalis-verify -p portalis-primitives -p portalis-scheduler --all-targets -- -D warnings
	RUSTFLAGS="--cfg portalis_shuttle" CARGO_TARGET_DIR=target/shuttle cargo clippy -p portalis-verify -p portalis-primitives -p portalis-scheduler --all-targets -- -D warnings

test-native:
	cargo test --workspace
	cargo test -p portalis-primitives --features lock-api --test lock_api
	cargo test -p portalis-primitives --features lock-api --doc raw

## Error codes of compile_fail doctests are checked on nightly only (scheduler/src/compile_fail.rs).
test-compile-fail:
	CARGO_TARGET_DIR=target/nightly-doc cargo "+$(NIGHTLY)" test -p portalis-scheduler --doc compile_fail

test-miri:
	@bash verify/scripts/miri.sh
	@bash verify/scripts/miri-scheduler.sh

## ThreadSanitizer (pinned nightly, build-std, own target dir target/tsan): what it covers and
## its two negative controls are listed in the script.
test-tsan:
	@bash verify/scripts/tsan.sh

## The CPython differential suite: tests/python/*.py vs their Rust translations.
test-python:
	@bash scripts/test-python.sh

## The verification suite (verify/): every model, the native suite on the portable futex
## backend, and the negative controls (each seeded bug must be reported by its model).
verify: test-loom test-shuttle test-force-parked test-controls test-checks
	@echo "make verify: models, parked backend, negative controls and real-thread checks passed"

## Real threads: the linearizability checker and its controls, property tests, stress and
## fault injection (verify/scripts/checks.sh prints what each checked).
test-checks:
	@bash verify/scripts/checks.sh

coverage:
	@bash verify/scripts/coverage.sh

test-loom:
	@bash verify/scripts/loom.sh

test-force-parked:
	@bash verify/scripts/force-parked.sh

test-controls:
	@bash verify/scripts/controls.sh

test-shuttle:
	@bash verify/scripts/shuttle.sh

## Outside CI (hours are fine): the model suites and miri SOAK_ROUNDS times in a row with two
## busy loops running, so a check that needs an idle machine fails here (issue 21); then the
## real-thread checks with 100x iterations (PORTALIS_SOAK).
SOAK_ROUNDS ?= 10
soak:
	@bash verify/scripts/repeat-under-load.sh $(SOAK_ROUNDS)
	@PORTALIS_SOAK=$${PORTALIS_SOAK:-100} bash verify/scripts/checks.sh

test-wasi:
	@bash scripts/test-wasi.sh

test-web:
	@bash scripts/test-web.sh

## The W1–W3 rows (and F1) in the wasm environments: target/perf/{wasi,web}.{md,csv}.
perf-wasi:
	@bash scripts/perf-wasi.sh

perf-web:
	@bash scripts/perf-web.sh

## The browser demo (scheduler/examples/web_demo): serves until Ctrl-C.
web-demo:
	@bash scripts/web-demo.sh
