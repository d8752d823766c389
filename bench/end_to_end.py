"""End to end as a user runs it: `flipshift conv --x x.npy --h h.npy --out z.npy` against a
Python script that imports NumPy and SciPy, loads, calls oaconvolve and saves. Wall time (best of
3) and peak resident memory of each whole process, on the same files, in one run; prints JSON.

python bench/end_to_end.py --bin target/release/flipshift --dir /tmp/e2e [--quick]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--dir", required=True)
ap.add_argument("--quick", action="store_true")
args = ap.parse_args()
n, m = (400_000, 4096) if args.quick else (4_000_000, 4096)
rng = np.random.default_rng(7)
xp, hp = os.path.join(args.dir, "x.npy"), os.path.join(args.dir, "h.npy")
np.save(xp, rng.standard_normal(n))
np.save(hp, rng.standard_normal(m))
script = os.path.join(args.dir, "peer.py")
with open(script, "w") as f:
    f.write("import sys\nimport numpy as np\nimport scipy.signal as ss\n"
            "x = np.load(sys.argv[1]); h = np.load(sys.argv[2])\n"
            "np.save(sys.argv[3], ss.oaconvolve(x, h))\n")

# Each command in a fresh Python that only waits for it, so that its peak RSS is the child's.
MEASURE = ("import resource, subprocess, sys, time, os\n"
           "t = time.perf_counter()\n"
           "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, env=os.environ)\n"
           "w = time.perf_counter() - t\n"
           "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)\n")


def measure(cmd, env=None):
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", MEASURE] + cmd, capture_output=True, text=True,
                             env={**os.environ, **(env or {})}, check=True).stdout.split()
        if out[2] != "0":
            raise SystemExit(f"{cmd} failed")
        runs.append((float(out[0]), int(out[1]) * 1024))
    return {"best_s": min(r[0] for r in runs), "peak_bytes": max(r[1] for r in runs)}


zf, zp = os.path.join(args.dir, "z_flipshift.npy"), os.path.join(args.dir, "z_peer.npy")
res = {"n": n, "m": m,
       "input_output_bytes": 8 * (n + m + n + m - 1),
       "peer": measure([sys.executable, script, xp, hp, zp]),
       "flipshift": measure([args.bin, "conv", "--x", xp, "--h", hp, "--out", zf]),
       "flipshift_1_thread": measure([args.bin, "conv", "--x", xp, "--h", hp, "--out", zf],
                                     {"RAYON_NUM_THREADS": "1"})}
a, b = np.load(zf), np.load(zp)
res["max_rel_diff"] = float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
res["stdout_lines"] = len(subprocess.run([args.bin, "conv", "--x", xp, "--h", hp, "--out", zf],
                                         capture_output=True, text=True).stdout.splitlines())
print(json.dumps(res))
