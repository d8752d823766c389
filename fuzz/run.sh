#!/usr/bin/env bash
# The differential fuzz targets, one after another (the machine is shared: each at `nice`,
# one process), each until RUNS executions or MAX_TIME seconds, whichever comes first; then
# the corpora are minimised in place (fuzz/corpus/<target>/, committed).
#
#   fuzz/run.sh                      # all four targets, 10^6 executions each
#   RUNS=100000 fuzz/run.sh parse    # one target, fewer executions
#
# Needs the nightly toolchain (for -Zsanitizer and coverage instrumentation; the project
# itself builds on stable) and installs cargo-fuzz if it is missing. Crashes go to
# fuzz/artifacts/<target>/; libFuzzer's fork mode keeps going after one, so a run counts them
# all. Reproduce one with
#   cargo +nightly fuzz run -O -s none <target> fuzz/artifacts/<target>/<file>
# and keep it as a test (crates/continuous/tests/fuzz_regressions.rs).
set -euo pipefail
cd "$(dirname "$0")"

RUNS=${RUNS:-1000000}
MAX_TIME=${MAX_TIME:-3600}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(parse simplify closed_form direct_fft)

rustup toolchain list | grep -q '^nightly' || {
  echo "fuzz/run.sh: the nightly toolchain is needed (rustup toolchain install nightly)" >&2
  exit 2
}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2 --locked

# The project's own code has no `unsafe`: AddressSanitizer would only slow the expression
# targets down. The discrete target runs through rustfft and realfft, which do use it.
sanitizer() { [ "$1" = direct_fft ] && echo address || echo none; }
# Inputs: expressions are short; a signal of 4096 doubles drawn from raw bits takes 32 KiB.
max_len() { [ "$1" = direct_fft ] && echo 32768 || echo 256; }

mkdir -p logs
summary=()
for t in "${TARGETS[@]}"; do
  s=$(sanitizer "$t")
  mkdir -p "corpus/$t" "artifacts/$t"
  dict=()
  [ "$t" = parse ] && dict=(-dict=parse.dict)
  before=$(find "artifacts/$t" -type f | wc -l)
  start=$(date +%s)
  nice cargo +nightly fuzz run -O -s "$s" "$t" "corpus/$t" -- \
    -fork=1 -ignore_crashes=1 -runs="$RUNS" -max_total_time="$MAX_TIME" \
    -max_len="$(max_len "$t")" "${dict[@]}" -print_final_stats=1 >"logs/$t.log" 2>&1 || true
  secs=$(( $(date +%s) - start ))
  execs=$(grep -Eo '^#[0-9]+' "logs/$t.log" | tail -1 | tr -d '#')
  crashes=$(( $(find "artifacts/$t" -type f | wc -l) - before ))
  nice cargo +nightly fuzz cmin -O -s "$s" "$t" "corpus/$t" -- -max_len="$(max_len "$t")" \
    >"logs/$t.cmin.log" 2>&1 || true
  line="$t: ${execs:-0} executions in ${secs} s, $crashes new crash files, corpus $(find "corpus/$t" -type f | wc -l) inputs"
  echo "$line"
  summary+=("$line")
done
printf '\n'
printf '%s\n' "${summary[@]}"
