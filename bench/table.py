"""Merge peers.py's JSON and flipshift's bench lines into the tables of BENCHMARKS.md.

python3 bench/table.py PEERS.json OURS.jsonl OURS_2_THREADS.jsonl E2E.json [ARGS] > table.md
ratio = best peer median / flipshift median (> 1: flipshift faster), all from the same run, by
wall time and by CPU time (on a shared machine the CPU time is the steadier of the two).
"""
import json
import os
import sys
import time

peers_doc = json.load(open(sys.argv[1]))
peers = peers_doc["results"]
ours = [json.loads(l) for l in open(sys.argv[2]) if l.strip().startswith("{")]
ours2 = [json.loads(l) for l in open(sys.argv[3]) if l.strip().startswith("{")]
e2e = json.load(open(sys.argv[4]))
args = sys.argv[5] if len(sys.argv) > 5 else ""


def is_peer(r):
    # Peer implementations of the operation itself, timed single-threaded; the anchors re-timed
    # in the JAX process are duplicates of the NumPy process's rows.
    return (str(r.get("threads")) == "1" and r.get("median_s")
            and "build only" not in r["impl"] and "float32" not in r["impl"]
            and not (r.get("anchor") and r.get("group") != "numpy"))


def fmt(s):
    if s is None:
        return "—"
    if s >= 1:
        return f"{s:.3g} s"
    return f"{s * 1e3:.3g} ms" if s >= 1e-3 else f"{s * 1e6:.3g} µs"


def size(n, m):
    def one(v):
        for e in range(9, 1, -1):
            if v % 10 ** e == 0 and v // 10 ** e < 10:
                return f"10^{e}" if v // 10 ** e == 1 else f"{v // 10 ** e}·10^{e}"
        return f"{v:,}"
    return f"{one(n)} × {m:,}"


versions = next((p["versions"] for p in peers_doc["passes"] if p.get("lib_group") == "jax"),
                peers_doc["passes"][0]["versions"] if peers_doc["passes"] else {})
limits = {}
for lim in peers_doc.get("limits_by_pass", []):
    for r in lim["limits"].get("per_size", []):
        limits[(r["n"], r["m"])] = r
load = os.getloadavg()[0]
print(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bash bench/run.sh {args}`"
      f" on {peers_doc['meta']['machine'].get('cpu_model')} ({peers_doc['meta']['machine'].get('nproc')} cores),"
      f" load average {load:.1f} at the end; NumPy {versions.get('numpy')}, SciPy {versions.get('scipy')},"
      f" JAX {versions.get('jax')}. Peers single-threaded (`peers.py --threads 1`, JAX included),"
      " flipshift with `RAYON_NUM_THREADS=1`. Medians; ratio = best peer ÷ flipshift, by wall time"
      " and by CPU time of the process.\n")

names = {"conv_full": "Full convolution", "ls_grad": "Least-squares gradient Hᵀ(Hx − y)",
         "normal_solve": "Normal equations (HᵀH + λI)x = Hᵀy, λ = 10⁻³‖h‖²"}
for op in ["conv_full", "ls_grad", "normal_solve"]:
    rows = [r for r in ours if r["op"] == op]
    if not rows:
        continue
    print(f"\n### {names[op]}\n")
    floor_col = op != "normal_solve"
    head = "| n × m | best peer (wall) | peer wall | flipshift wall | ratio wall | best peer (CPU) | peer CPU | flipshift CPU | ratio CPU |"
    if floor_col:
        head += " floor (3 FFTs / OA blocks at the dgemm rate) |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for n, m in sorted({(r["n"], r["m"]) for r in rows}):
        ps = [r for r in peers if r["op"] == op and r["n"] == n and r["m"] == m and is_peer(r)]
        mine = [r for r in rows if r["n"] == n and r["m"] == m]
        auto = next((r for r in mine if "auto" in r["impl"] or op == "ls_grad"), mine[0])
        if not ps:
            continue
        bw = min(ps, key=lambda r: r["median_s"])
        bc = min(ps, key=lambda r: r.get("median_cpu_s") or 1e9)
        line = (f"| {size(n, m)} | {bw['impl']} | {fmt(bw['median_s'])} | {fmt(auto['median_s'])} | "
                f"**×{bw['median_s'] / auto['median_s']:.2f}** | {bc['impl']} | {fmt(bc['median_cpu_s'])} | "
                f"{fmt(auto['median_cpu_s'])} | **×{bc['median_cpu_s'] / auto['median_cpu_s']:.2f}** |")
        if floor_col:
            lim = limits.get((n, m))
            line += (f" {fmt(lim['t_flop_bound_s'])} / {fmt(lim['t_flop_bound_oa_s'])} |" if lim else " — |")
        print(line)

print("\n### Two threads (rayon), n ≥ 10⁶\n")
print("| operation | n × m | one thread (wall) | two threads (wall) | speed-up | one thread (CPU) | two threads (CPU) |")
print("|---|---|---|---|---|---|---|")
for r2 in ours2:
    r1 = next((r for r in ours if r["op"] == r2["op"] and r["impl"] == r2["impl"]
               and r["n"] == r2["n"] and r["m"] == r2["m"]), None)
    if r1 is None or "(fft)" in r2["impl"]:
        continue
    print(f"| {r2['impl']} | {size(r2['n'], r2['m'])} | {fmt(r1['median_s'])} | {fmt(r2['median_s'])} | "
          f"**×{r1['median_s'] / r2['median_s']:.2f}** | {fmt(r1['median_cpu_s'])} | {fmt(r2['median_cpu_s'])} |")

mb = lambda b: f"{b / 2**20:.0f} MB"
print(f"\n### End to end: `flipshift conv --x x.npy --h h.npy --out z.npy`, n = {e2e['n']:,}, m = {e2e['m']:,}\n")
print(f"Inputs and output: {mb(e2e['input_output_bytes'])}; the target is a peak within 3× of that "
      f"({mb(3 * e2e['input_output_bytes'])}). Best of 3 wall times, peak resident memory of the process; "
      f"flipshift printed {e2e['stdout_lines']} lines; its z.npy agrees with SciPy's to "
      f"{e2e['max_rel_diff']:.1e} (relative to max |z|).\n")
print("| program | best wall | peak memory | ratio (peer ÷ this) |")
print("|---|---|---|---|")
peer = e2e["peer"]
for key, label in [("peer", "Python: NumPy load, scipy.signal.oaconvolve, save"),
                   ("flipshift", "flipshift conv --out (2 threads)"),
                   ("flipshift_1_thread", "flipshift conv --out, RAYON_NUM_THREADS=1")]:
    r = e2e[key]
    print(f"| {label} | {fmt(r['best_s'])} | {mb(r['peak_bytes'])} | ×{peer['best_s'] / r['best_s']:.2f} |")
