#!/usr/bin/env bash
# One run, same machine, same minutes: the NumPy/SciPy peers and flipshift on the same sizes,
# single-threaded; writes the ratio table to bench/last-table.md (pasted into BENCHMARKS.md).
#   bash bench/run.sh            # full sizes (about 4 minutes)
#   bash bench/run.sh --quick    # small sizes (under a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || { python3 -m venv .venv && .venv/bin/pip install -q numpy scipy; }
quick=""; [ "${1:-}" = "--quick" ] && quick="--quick"
out=$(mktemp -d)
cargo bench -q -p flipshift-discrete --bench peers --no-run
.venv/bin/python bench/peers.py --no-torch --no-jax --no-limits --threads 1 $quick --out "$out/peers.json" > "$out/peers.log"
cargo bench -q -p flipshift-discrete --bench peers -- $quick > "$out/ours.jsonl"
python3 bench/table.py "$out/peers.json" "$out/ours.jsonl" | tee bench/last-table.md
