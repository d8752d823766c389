"""Merge peers.py's JSON and flipshift's bench lines into the ratio table of BENCHMARKS.md.

python3 bench/table.py PEERS.json OURS.jsonl > table.md
ratio = best peer median / flipshift median (> 1: flipshift faster), all from the same run.
"""
import json
import sys

peers = json.load(open(sys.argv[1]))["results"]
ours = [json.loads(l) for l in open(sys.argv[2]) if l.strip().startswith("{")]

# Peer implementations that compute the operation itself (not a building block or reference).
def is_peer(r):
    return r.get("threads", "1") in ("1", 1) and "build only" not in r["impl"] and "float32" not in r["impl"]

def fmt(s):
    return f"{s * 1e3:.3g} ms" if s >= 1e-3 else f"{s * 1e6:.3g} µs"

names = {"conv_full": "full convolution", "ls_grad": "LS gradient Hᵀ(Hx − y)", "normal_solve": "normal equations (HᵀH + λI)x = Hᵀy"}
for op in ["conv_full", "ls_grad", "normal_solve"]:
    print(f"\n### {names[op]}\n")
    print("| n × m | best peer | peer median | flipshift | flipshift median | speed-up |")
    print("|---|---|---|---|---|---|")
    sizes = sorted({(r["n"], r["m"]) for r in ours if r["op"] == op})
    for n, m in sizes:
        ps = [r for r in peers if r["op"] == op and r["n"] == n and r["m"] == m and is_peer(r) and r.get("median_s")]
        os_ = [r for r in ours if r["op"] == op and r["n"] == n and r["m"] == m]
        if not ps or not os_:
            continue
        bp = min(ps, key=lambda r: r["median_s"])
        # flipshift's own choice (auto) is what users get; show it, and the best of ours if different.
        auto = next((r for r in os_ if "auto" in r["impl"] or op == "ls_grad"), os_[0])
        best = min(os_, key=lambda r: r["median_s"])
        ratio = bp["median_s"] / auto["median_s"]
        extra = ""
        if best is not auto:
            extra = f" (best: {best['impl'].split('(')[-1].rstrip(')')} {fmt(best['median_s'])}, ×{bp['median_s'] / best['median_s']:.2f})"
        print(f"| {n:,} × {m:,} | {bp['impl']} | {fmt(bp['median_s'])} | {auto['impl']} | {fmt(auto['median_s'])} | ×{ratio:.2f}{extra} |")
