#!/usr/bin/env bash
# One run, same machine, same minutes: NumPy/SciPy/JAX and flipshift on the same operations and
# sizes, single-threaded; then flipshift on two threads, and the CLI end to end against a NumPy
# script. Writes the tables into BENCHMARKS.md (between the bench markers) and bench/last-table.md.
#   bash bench/run.sh            # full sizes (about 10 minutes)
#   bash bench/run.sh --quick    # small sizes (about 2 minutes)
# The Python peers live in a virtual environment outside the build: $FLIPSHIFT_BENCH_VENV, or
# .venv; NumPy, SciPy and JAX are installed into it when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${FLIPSHIFT_BENCH_VENV:-.venv}
py="$venv/bin/python"
[ -x "$py" ] || python3 -m venv "$venv"
"$py" -c 'import numpy, scipy, jax' 2>/dev/null || "$py" -m pip install -q numpy scipy jax
quick=""; [ "${1:-}" = "--quick" ] && quick="--quick"
out=$(mktemp -d)
echo "# building"
cargo bench -q -p flipshift-discrete --bench peers --no-run
cargo build -q --release --bin flipshift
echo "# peers: NumPy, SciPy, JAX, one thread ($py)"
"$py" bench/peers.py --no-torch --threads 1 $quick --out "$out/peers.json" > "$out/peers.log"
echo "# flipshift, one thread"
RAYON_NUM_THREADS=1 cargo bench -q -p flipshift-discrete --bench peers -- $quick > "$out/ours.jsonl"
echo "# flipshift, two threads (n ≥ 10^6)"
sizes="1000000x1000,1000000x100000,4000000x4096"
[ -n "$quick" ] && sizes="100000x1000"
RAYON_NUM_THREADS=2 cargo bench -q -p flipshift-discrete --bench peers -- --sizes "$sizes" \
  --ops conv_full,ls_grad > "$out/ours-2.jsonl"
echo "# end to end: flipshift conv --out against a NumPy/SciPy script"
"$py" bench/end_to_end.py $quick --bin target/release/flipshift --dir "$out" > "$out/e2e.json"
python3 bench/table.py "$out/peers.json" "$out/ours.jsonl" "$out/ours-2.jsonl" "$out/e2e.json" \
  "$*" > bench/last-table.md
python3 - "$out" <<'PY'
import re, sys
table = open("bench/last-table.md").read()
doc = open("BENCHMARKS.md").read()
start, end = "<!-- bench:start -->", "<!-- bench:end -->"
block = f"{start}\n{table.strip()}\n{end}"
doc = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, doc, flags=re.S) \
    if start in doc else doc.rstrip() + "\n\n" + block + "\n"
open("BENCHMARKS.md", "w").write(doc)
PY
mkdir -p bench/results
cp "$out"/peers.json "$out"/ours.jsonl "$out"/ours-2.jsonl "$out"/e2e.json bench/results/
echo "# wrote BENCHMARKS.md and bench/last-table.md; raw results in bench/results/"
