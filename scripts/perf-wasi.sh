#!/usr/bin/env bash
# `make perf-wasi`: the WASI rows of docs/perf-goals.md under wasmtime 36.0.9 with wasi-threads;
# writes target/perf/wasi.md and target/perf/wasi.csv (the native table's formats).
#   F1  futex wake latency (primitives/examples/futex_latency), peer std park/unpark
#   W1  C1 spsc/mpmc cells, S1 1,023 nodes (1 and 2 threads), L1, T2 (examples/perf_wasi.rs):
#       the same program run natively and under wasmtime; ratio = wasi / native
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
WASI_TARGET_DIR="$PWD/target/wasi"
WT=(.tools/bin/wasmtime run -W threads=y -S threads=y)
mkdir -p target/perf
tmp=target/perf/wasi-tmp
rm -rf "$tmp" && mkdir -p "$tmp"

echo "perf-wasi: building (native release + wasm32-wasip1-threads release)"
cargo build --quiet --release --example perf_wasi
CARGO_TARGET_DIR="$WASI_TARGET_DIR" cargo build --quiet --release --target wasm32-wasip1-threads \
  -p portalis-primitives --example futex_latency
CARGO_TARGET_DIR="$WASI_TARGET_DIR" cargo build --quiet --release --target wasm32-wasip1-threads \
  --example perf_wasi
wasm_dir="$WASI_TARGET_DIR/wasm32-wasip1-threads/release/examples"

cores=$(nproc)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
header="machine: $cores cores, ${cpu:-unknown CPU}; $(rustc -V); $(date -u '+%Y-%m-%d %H:%M UTC'); $("${WT[0]}" --version) (-W threads=y -S threads=y); W1 ratio = wasi / native of the same program (examples/perf_wasi.rs, release), per row the best of 2 alternating rounds (native, WASI, native, WASI), each the median of 11 samples"

echo "perf-wasi: [1/3] F1 futex wake latency under wasmtime"
# --dir HOST::GUEST: the only host directory the program may write (its --out).
"${WT[@]}" --dir "$tmp::/out" "$wasm_dir/futex_latency.wasm" --env wasi --out /out >/dev/null
# Two rounds, native and WASI alternating; each side keeps its best median per row.
echo "perf-wasi: [2/3] W1 workloads, round 1: native, then wasmtime"
target/release/examples/perf_wasi --raw "$tmp/w1-native-1.tsv" >/dev/null
"${WT[@]}" --dir "$tmp::/out" "$wasm_dir/perf_wasi.wasm" --raw /out/w1-wasi-1.tsv >/dev/null
echo "perf-wasi: [3/3] W1 workloads, round 2: native, then wasmtime"
target/release/examples/perf_wasi --raw "$tmp/w1-native-2.tsv" >/dev/null
"${WT[@]}" --dir "$tmp::/out" "$wasm_dir/perf_wasi.wasm" --raw /out/w1-wasi-2.tsv \
  --native /out/w1-native-1.tsv,/out/w1-native-2.tsv --prior /out/w1-wasi-1.tsv \
  --out /out --header "$header" >/dev/null

# Merge: W1's header and table, with the F1 rows first; F1's own header line as a note.
{
  sed -n '1,/^|---/p' "$tmp/wasi-w1.md"
  grep '^| F1' "$tmp/wasi.md"
  sed -n '/^|---/,$p' "$tmp/wasi-w1.md" | tail -n +2
  echo
  echo "F1 rows: $(grep '^machine:' "$tmp/wasi.md")"
} > target/perf/wasi.md
{ cat "$tmp/wasi.csv"; tail -n +2 "$tmp/wasi-w1.csv"; } > target/perf/wasi.csv
awk -F, 'NR>1 {n++; m[$NF]++} END {printf "\n%d rows: %d met, %d not met, %d not implemented.\n", n, m["yes"], m["no"], m["not-implemented"]}' \
  target/perf/wasi.csv >> target/perf/wasi.md
cat target/perf/wasi.md
echo "wrote target/perf/wasi.md, target/perf/wasi.csv"
