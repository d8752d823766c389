#!/usr/bin/env python3
"""Cases of a reference file run through the command line, against its contract (docs/cli.md):

- exit 0: one JSON object whose value is within its `error_estimate` of the reference;
- exit 1: the whole JSON object with `"error"` (the message), the best value and its estimate,
  the value within that estimate of the reference;
- exit 2: `error: ...` on standard error — for these cases (integrals that exist, tolerances
  that are numbers) a broken contract;
- anything else (a panic, a signal, output that is not JSON): a broken contract.

    python3 cli_check.py REF.json --bin target/release/flipshift --sample 1000 --seed 7 \\
        [--cases 12,40]

Values within half an ulp of the reference's nearest double count as exact (the reference is
rounded to a double before comparing, as in the Rust test). Exit 0 beyond the requested
tolerance (tol·|z|, or 64 ulps of ∫|f|) is counted separately: the bound holds, the tolerance
does not.
"""

import argparse
import json
import math
import random
import subprocess
import sys
from collections import Counter

import mpmath as mp

mp.mp.dps = 60

EPS = 2.0 ** -52


def half_ulp(x):
    return 0.0 if x == 0 else math.ulp(abs(x)) / 2


def run(binary, c, timeout):
    cmd = [binary, "convolve", "--h", c["h"], "--x", c["x"], "--t=%r" % c["t"],
           "--tol=%r" % c["tol"], "--format", "json"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", None, ""
    try:
        doc = json.loads(p.stdout) if p.stdout.strip() else None
    except json.JSONDecodeError:
        doc = "not json"
    return p.returncode, doc, p.stderr


def judge(c, code, doc, stderr):
    """(verdict, detail) for one case."""
    ref = float(c["value"])
    exact = mp.mpf(c["value"])
    if code == 2:
        ok = stderr.startswith("error:")
        return ("exit 2 (the integral exists)" if ok else "exit 2 without 'error:'"), stderr.strip()
    if code not in (0, 1):
        return "exit %s" % code, stderr.strip()[-300:]
    if not isinstance(doc, dict) or "values" not in doc or "error_estimate" not in doc:
        return "exit %d without the JSON object" % code, str(doc)[:300]
    if code == 1 and "error" not in doc:
        return "exit 1 without \"error\"", ""
    v, bound = doc["values"][0], doc["error_estimate"]
    per_point = doc.get("error_estimates", [bound])[0]
    err = max(float(abs(mp.mpf(v) - exact)) - half_ulp(ref), 0.0)
    if err > bound:
        return ("exit %d, error above the bound" % code,
                "value %r ± %r, reference %s, error %.3e" % (v, bound, c["value"], err))
    if per_point > bound:
        return "error_estimates above error_estimate", ""
    if code == 1:
        return "exit 1, bound holds", ""
    within = err <= max(c["tol"] * abs(ref), 64 * EPS * float(c["abs_integral"]))
    if not within:
        return ("exit 0, bound holds, error beyond the tolerance",
                "value %r ± %r, reference %s, tol %g" % (v, bound, c["value"], c["tol"]))
    return "exit 0, right", ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reference")
    ap.add_argument("--bin", default="target/release/flipshift")
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cases", default="", help="case numbers to run as well, comma-separated")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    cases = json.load(open(args.reference))["cases"]
    rng = random.Random(args.seed)
    chosen = set(rng.sample(range(len(cases)), min(args.sample, len(cases))))
    chosen |= {int(i) for i in args.cases.split(",") if i.strip()}
    tally = Counter()
    notes = []
    for i in sorted(chosen):
        code, doc, stderr = run(args.bin, cases[i], args.timeout)
        verdict, detail = judge(cases[i], code, doc, stderr)
        tally[verdict] += 1
        if verdict not in ("exit 0, right", "exit 1, bound holds"):
            notes.append("case %d: %s %s" % (i, verdict, detail))
    print("%d cases of %s through %s convolve --format json:" % (len(chosen), args.reference,
                                                                 args.bin))
    for k, n in sorted(tally.items(), key=lambda kv: -kv[1]):
        print("  %6d  %s" % (n, k))
    for n in notes:
        print(n)
    broken = sum(n for k, n in tally.items()
                 if k not in ("exit 0, right", "exit 1, bound holds",
                              "exit 0, bound holds, error beyond the tolerance"))
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
