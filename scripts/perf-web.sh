#!/usr/bin/env bash
# `make perf-web`: futex wake latency (F1 rows) in headless Chromium, threaded release build;
# writes target/perf/web.md and target/perf/web.csv (the native table's formats).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/web-env.sh
mkdir -p target/perf target/web/logs
log=target/web/logs/perf.log
# --release: latency of optimised code; --nocapture: the runner prints the rows it logs.
"${WEB_CARGO[@]}" --release --test web_perf -- --nocapture >"$log" 2>&1 || {
  echo "perf-web: FAILED; tail of $log:"; tail -40 "$log"; exit 1; }
sed -n 's/^.*PERF-MD \{0,1\}//p' "$log" > target/perf/web.md
sed -n 's/^.*PERF-CSV //p' "$log" > target/perf/web.csv
if ! grep -q '^| F1-wake-p50 ' target/perf/web.md; then
  echo "perf-web: no rows in the runner output ($log)"; exit 1
fi
cat target/perf/web.md
echo "wrote target/perf/web.md, target/perf/web.csv"
