#!/usr/bin/env python3
"""The tables of ACCURACY.md from a reference file and the per-case results of the test.

    FLIPSHIFT_REFERENCE=/abs/ref.json FLIPSHIFT_REFERENCE_CSV=/abs/results.tsv \\
        cargo test --release -p flipshift-continuous --test reference_bounds
    python3 accuracy.py /abs/ref.json /abs/results.tsv > tables.md

A case is
- right: the tolerance was met (exit 0), the error is within the bound and within the
  tolerance — tol·|z|, or 64 ulps of ∫|f| for values that cancel to (near) zero;
- met beyond tolerance: exit 0 and within the bound, but the error exceeds the tolerance (the
  bound itself was looser than the tolerance, and auto did not fall back);
- silently wrong: exit 0 with an error above the bound;
- refused: not met (exit 1), the error within the bound;
- refused, bound below error: not met, the error above the bound;
- error: an error for an integral that exists (exit 2).

Refusals are put down to the first of: the value underflows (|z| below the smallest normal
double); cancellation (tol·|z| below the rounding of ∫|f| in double precision, 2^-52·∫|f|);
position rounding (moving t by half an ulp of the largest position involved — |t| or a member's
centre — changes z by more than tol·|z|, computed exactly by the generator: the integrand as
written cannot be placed that finely in doubles); or none of these (reachable in double
precision, not reached).

The members' widths are found by drawing the file's cases again from its seed.
"""

import csv
import json
import math
import statistics
import sys
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import convolutions as gen  # noqa: E402

EPS = 2.0 ** -52
TINY = 2.2250738585072014e-308
CLASSES = ["right", "met beyond tolerance", "silently wrong", "refused",
           "refused, bound below error", "error"]
SHORT = ["right", "met > tol", "silently wrong", "refused", "refused, bound < error", "error"]
REASONS = ["underflow", "cancellation", "position rounding", "reachable, not reached"]


def classify(r):
    out = r["outcome"]
    if out.startswith("error"):
        return "error"
    err, bound = float(r["error"]), float(r["bound"])
    ref, tol, ab = abs(float(r["reference"])), float(r["tol"]), float(r["abs_integral"])
    within_tol = err <= max(tol * ref, 64 * EPS * ab)
    if out in ("right", "within-bound-beyond-tol"):
        return "right" if within_tol else "met beyond tolerance"
    return {"silently-wrong": "silently wrong", "refused": "refused",
            "refused-below-error": "refused, bound below error"}[out]


def reason(r, h, x):
    ref, tol, ab = abs(float(r["reference"])), float(r["tol"]), float(r["abs_integral"])
    t = r["t"]
    if ref < TINY:
        return "underflow"
    if tol * ref < EPS * ab:
        return "cancellation"
    delta = Fraction(math.ulp(max(abs(t), abs(float(h.c)), abs(float(x.c))))) / 2
    z = gen.mp.mpf(r["reference_text"])
    for s in (delta, -delta):
        moved = gen.exact_reference(h, x, Fraction(t) + s)[0]
        if abs(moved - z) > tol * abs(z):
            return "position rounding"
    return "reachable, not reached"


def pair(r):
    a, b = r["families"].split("*")
    return " × ".join(sorted([a, b]))


def row(label, rs):
    n = len(rs)
    c = Counter(r["class"] for r in rs)
    cells = [label, str(n)] + [str(c[k]) for k in CLASSES]
    refused = c["refused"] + c["refused, bound below error"]
    cells.append("%.1f%%" % (100.0 * refused / n) if n else "–")
    ratios = [r["ratio"] for r in rs if r["ratio"] is not None]
    cells.append("%.2g" % max(ratios) if ratios else "–")
    cells.append("%.2g" % statistics.median(ratios) if ratios else "–")
    return "| " + " | ".join(cells) + " |"


def table(title, groups):
    head = ["", "cases"] + SHORT + ["share refused", "worst err/bound", "median err/bound"]
    lines = ["**%s**" % title, "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for label, rs in groups:
        lines.append(row(label, rs))
    return "\n".join(lines)


def main():
    ref_path, res_path = sys.argv[1], sys.argv[2]
    doc = json.load(open(ref_path))
    members = gen.replay(doc)
    rows = list(csv.DictReader(open(res_path), delimiter="\t"))
    assert len(rows) == len(doc["cases"]), "results and reference differ in length"
    for r, c, (h, x) in zip(rows, doc["cases"], members):
        r["t"], r["reference_text"] = c["t"], c["value"]
        r["class"] = classify(r)
        r["h"], r["x"] = h, x
        r["narrow"] = min(h.scale, x.scale)
        if r["class"] == "error":
            r["ratio"] = None
        else:
            err, bound = float(r["error"]), float(r["bound"])
            r["ratio"] = err / bound if bound > 0 else (math.inf if err > 0 else None)
    out = ["Reference: `%s` (seed %d, %d cases)" % (Path(ref_path).name, doc["seed"], len(rows)),
           "", table("All cases", [("all", rows)]), ""]
    by_path = defaultdict(list)
    for r in rows:
        by_path[r["path"] if r["path"] != "-" else "none (an error)"].append(r)
    out += [table("By the path auto took", sorted(by_path.items())), ""]
    by_pair = defaultdict(list)
    for r in rows:
        by_pair[pair(r)].append(r)
    out += [table("By family pair", sorted(by_pair.items())), ""]
    by_width = defaultdict(list)
    for r in rows:
        by_width[math.floor(math.log10(r["narrow"]))].append(r)
    out += [table("By the narrower member's width (decade)",
                  [("1e%d … 1e%d" % (k, k + 1), by_width[k]) for k in sorted(by_width)]), ""]
    # Why refusals happen, and why values were reported met beyond their tolerance.
    pairs = sorted(by_pair)
    for title, classes in (("Refusals by cause", ("refused", "refused, bound below error")),
                           ("Met beyond tolerance, by cause", ("met beyond tolerance",))):
        why = defaultdict(Counter)
        for r in rows:
            if r["class"] in classes:
                why[reason(r, r["h"], r["x"])][pair(r)] += 1
        if not why:
            out += ["%s: none." % title, ""]
            continue
        out += ["**%s** (the first cause that applies)" % title, "",
                "| cause | cases | " + " | ".join(pairs) + " |",
                "|---|---|" + "---|" * len(pairs)]
        for k in REASONS:
            out.append("| %s | %d | %s |" % (k, sum(why[k].values()),
                                              " | ".join(str(why[k][p]) for p in pairs)))
        out.append("")
    # Met, but with a bound looser than the tolerance.
    held = [r for r in rows if r["class"] in ("right", "met beyond tolerance")]
    loose = [r for r in held if float(r["bound"]) > max(float(r["tol"]) * abs(float(r["reference"])),
                                                       64 * EPS * float(r["abs_integral"]))]
    beyond = sum(r["class"] == "met beyond tolerance" for r in loose)
    out.append("Exit 0 within the bound: %d values; %d of them carry a bound looser than the "
               "tolerance (bound > max(tol·|z|, 64 ulps of ∫|f|)): %d of these happen to be "
               "within the tolerance, %d are not." % (len(held), len(loose), len(loose) - beyond,
                                                      beyond))
    bad = [r for r in rows if r["class"] in ("silently wrong", "refused, bound below error",
                                             "error")]
    out += ["", "Bound below the error or an error for an integral that exists: %s" % (
        ", ".join("%s (%s)" % (r["case"], r["class"]) for r in bad) or "none")]
    print("\n".join(out))


if __name__ == "__main__":
    main()
