#!/usr/bin/env python3
"""High-precision reference values of convolutions z(t) = (h*x)(t) at random parameters.

Each case is a pair of expressions in flipshift's grammar (CLI reference, docs/cli.md) drawn
from the families the closed-form engine knows and from mixtures of them, a point t, and the
value of the integral computed by mpmath at 40 significant digits with the exact breakpoints
and peaks split out, checked by a second rule (Gauss–Legendre against tanh–sinh). Numbers in
the expressions are short decimals and are read as decimals (not as the doubles they round
to): the reference is the integral of the functions as written.

    python3 convolutions.py --n 600 --seed 1 > ../data/convolutions.json

Widths run from 1e-9 to 1e3 (log-uniform), centres to 1e4, polynomial degrees to 20.
"""

import argparse
import json
import math
import random
import re
import sys

import mpmath as mp

mp.mp.dps = 40
INF = mp.inf


# --- the grammar, evaluated in mpmath -------------------------------------------------------

def _step(u):
    return mp.mpf(1) if u > 0 else (mp.mpf(0) if u < 0 else mp.mpf("0.5"))


def _rect(u):
    a = abs(u)
    return mp.mpf(1) if a < mp.mpf("0.5") else (mp.mpf(0) if a > mp.mpf("0.5") else mp.mpf("0.5"))


def _tri(u):
    return max(mp.mpf(0), 1 - abs(u))


def _gauss(u):
    return mp.exp(-u * u / 2) / mp.sqrt(2 * mp.pi)


def _sgn(u):
    return mp.mpf(1) if u > 0 else (mp.mpf(-1) if u < 0 else mp.mpf(0))


def _sinc(u):
    return mp.mpf(1) if u == 0 else mp.sin(mp.pi * u) / (mp.pi * u)


NAMESPACE = {
    "exp": mp.exp, "log": mp.log, "sqrt": mp.sqrt, "abs": abs, "sin": mp.sin, "cos": mp.cos,
    "tan": mp.tan, "tanh": mp.tanh, "erf": mp.erf, "step": _step, "rect": _rect, "tri": _tri,
    "gauss": _gauss, "sgn": _sgn, "sinc": _sinc, "pi": mp.pi, "e": mp.e,
}

_NUMBER = re.compile(r"(?<![\w.])(\d+\.?\d*(?:[eE][-+]?\d+)?)")


def compile_expr(src):
    """The expression as a Python function of t in mpmath, numbers read as decimals."""
    py = _NUMBER.sub(lambda m: "mpf('%s')" % m.group(1), src).replace("^", "**")
    code = compile(py, "<expr>", "eval")
    ns = dict(NAMESPACE, mpf=mp.mpf)
    return lambda t: eval(code, ns, {"t": t})


# --- random numbers as short decimals -------------------------------------------------------

def dec(x, digits=None):
    """A decimal string for x: 17 significant digits or fewer."""
    if digits is None:
        digits = random.choice([3, 6, 12, 15, 17])
    s = "%.*g" % (digits, x)
    if "e" in s:
        m, e = s.split("e")
        s = "%se%d" % (m, int(e))
    return s


def signed(s):
    return s if not s.startswith("-") else "(%s)" % s


def width():
    return 10 ** random.uniform(-9, 3)


def centre(scale):
    r = random.random()
    if r < 0.3:
        return 0.0
    if r < 0.7:
        return random.uniform(-3, 3) * scale
    return random.uniform(-1e4, 1e4)


# --- family members: expression, support, breakpoints, peaks (all in mpmath) -----------------

class Member:
    def __init__(self, expr, family, lo, hi, bps, peaks, scale):
        self.expr, self.family = expr, family
        self.lo, self.hi, self.bps, self.peaks, self.scale = lo, hi, bps, peaks, scale


def poly_terms(degree, u):
    """a0 + a1*u + ... with random coefficients of modest size."""
    terms = []
    for k in range(degree + 1):
        a = dec(random.uniform(-2, 2), random.choice([3, 6, 17]))
        if k == 0:
            terms.append(a)
        elif k == 1:
            terms.append("%s*%s" % (signed(a), u))
        else:
            terms.append("%s*%s^%d" % (signed(a), u, k))
    return "(" + " + ".join(terms) + ")"


def chebyshev(degree, u):
    """T_degree(u) written in monomials (integer coefficients that cancel near |u| = 1)."""
    c = [[1], [0, 1]]
    for n in range(2, degree + 1):
        prev, prev2 = c[-1], c[-2]
        nxt = [0] * (n + 1)
        for i, v in enumerate(prev):
            nxt[i + 1] += 2 * v
        for i, v in enumerate(prev2):
            nxt[i] -= v
        c.append(nxt)
    terms = []
    for k, v in enumerate(c[degree]):
        if v == 0:
            continue
        terms.append(("%d" % v) if k == 0 else "%d*%s^%d" % (v, u, k) if k > 1 else "%d*%s" % (v, u))
    return "(" + " + ".join(terms) + ")"


def piecewise():
    w, c = width(), None
    c = centre(w)
    ws, cs = dec(w), dec(c)
    wm, cm = mp.mpf(ws), mp.mpf(cs)
    u = "((t - %s)/%s)" % (signed(cs), ws) if c != 0 else "(t/%s)" % ws
    kind = random.choice(["poly", "poly", "cheb", "tri", "sgn", "steps"])
    if kind == "tri":
        return Member("tri(%s)" % u, "piecewise", cm - wm, cm + wm, [cm - wm, cm, cm + wm], [], w)
    if kind == "sgn":
        return Member("(2*step(t - %s) - 1)*rect(%s/2)" % (signed(cs), u), "piecewise",
                      cm - wm, cm + wm, [cm - wm, cm, cm + wm], [], w)
    degree = min(int(random.expovariate(1 / 4)), 20)
    p = chebyshev(max(degree, 1), u) if kind == "cheb" else poly_terms(degree, u)
    if kind == "steps":
        return Member("%s*step(t - %s)*step(%s - t)" % (p, signed(dec(c - w, 17)), dec(c + w, 17)),
                      "piecewise", mp.mpf(dec(c - w, 17)), mp.mpf(dec(c + w, 17)),
                      [mp.mpf(dec(c - w, 17)), mp.mpf(dec(c + w, 17))], [], w)
    return Member("%s*rect(%s/2)" % (p, u), "piecewise", cm - wm, cm + wm, [cm - wm, cm + wm], [], w)


def exponential():
    w, d = width(), width()
    c = centre(w)
    ws, ds, cs = dec(w), dec(d), dec(c)
    wm, dm, cm = mp.mpf(ws), mp.mpf(ds), mp.mpf(cs)
    k = random.choice([0, 0, 0, 1, 2, 3])
    a = dec(random.uniform(-3, 3), 6)
    local = "(t - %s)" % signed(cs) if c != 0 else "t"
    poly = "" if k == 0 else "(%s/%s)^%d*" % (local, ds, k)
    if random.random() < 0.75:
        expr = "%s*%sexp(-%s/%s)*step(%s)" % (signed(a), poly, local, ds, local.strip("()") if c == 0 else "t - %s" % signed(cs))
        return Member(expr, "exponential", cm, INF, [cm], [], d)
    expr = "%s*%sexp(%s/%s)*step(%s - t)" % (signed(a), poly, local, ds, cs)
    return Member(expr, "exponential", -INF, cm, [cm], [], d)


def gaussian():
    w = width()
    c = centre(w)
    ws, cs = dec(w), dec(c)
    wm, cm = mp.mpf(ws), mp.mpf(cs)
    local = "(t - %s)" % signed(cs) if c != 0 else "t"
    a = dec(random.uniform(-3, 3), 6)
    if random.random() < 0.3:
        expr = "%s*gauss(%s/%s)" % (signed(a), local, ws)
    else:
        degree = random.choice([0, 0, 0, 1, 2, 3, 4, 6, 8])
        p = "" if degree == 0 else poly_terms(degree, "(%s/%s)" % (local, ws)) + "*"
        expr = "%s*%sexp(-%s^2/(2*%s^2))" % (signed(a), p, local, ws)
    return Member(expr, "gaussian", -INF, INF, [], [(cm, wm)], w)


FAMILIES = {"piecewise": piecewise, "exponential": exponential, "gaussian": gaussian}


# --- the reference integral -----------------------------------------------------------------

def points(h, x, t):
    """Split points of tau -> h(tau) x(t - tau) over the intersection of the supports."""
    lo = max(h.lo, t - x.hi)
    hi = min(h.hi, t - x.lo)
    if not lo < hi:
        return None
    pts = set()
    for b in h.bps:
        pts.add(b)
    for b in x.bps:
        pts.add(t - b)
    peaks = list(h.peaks) + [(t - c, w) for c, w in x.peaks]
    for (c1, w1) in h.peaks:
        for (c2, w2) in x.peaks:
            c2 = t - c2
            s = w1 * w1 + w2 * w2
            peaks.append(((c1 * w2 * w2 + c2 * w1 * w1) / s, w1 * w2 / mp.sqrt(s)))
    for c, w in peaks:
        for k in (0, -1, 1, -3, 3, -8, 8, -20, 20, -40, 40):
            pts.add(c + k * w)
    inner = sorted(p for p in pts if lo < p < hi)
    return [lo] + inner + [hi]


def reference(h, x, t):
    fh, fx = compile_expr(h.expr), compile_expr(x.expr)
    tm = mp.mpf(t)
    pts = points(h, x, tm)
    if pts is None:
        return mp.mpf(0), mp.mpf(0)
    f = lambda tau: fh(tau) * fx(tm - tau)
    g = lambda tau: abs(f(tau))
    v1 = mp.quad(f, pts, maxdegree=10)
    v2 = mp.quad(f, pts, method="gauss-legendre", maxdegree=10)
    m = mp.quad(g, pts, maxdegree=8)
    if abs(v1 - v2) > mp.mpf(10) ** -30 * max(m, mp.mpf(10) ** -300):
        raise ValueError("the two rules disagree: %s vs %s" % (v1, v2))
    return v1, m


def draw_t(h, x):
    # Around the sum of the centres, a few widths out; sometimes next to a breakpoint.
    centre_h = h.bps[0] if h.bps else h.peaks[0][0]
    centre_x = x.bps[0] if x.bps else x.peaks[0][0]
    spread = h.scale + x.scale
    base = float(centre_h + centre_x)
    if random.random() < 0.2 and (h.bps or x.bps):
        b = random.choice([float(p) for p in h.bps] or [0.0]) + random.choice([float(p) for p in x.bps] or [0.0])
        return b + random.choice([-1, 1]) * spread * 10 ** random.uniform(-12, -1)
    return base + spread * random.uniform(-2, 4)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    random.seed(args.seed)
    cases = []
    skipped = 0
    names = list(FAMILIES)
    while len(cases) < args.n:
        if random.random() < 0.75:
            fh = fx = random.choice(names)
        else:
            fh, fx = random.choice(names), random.choice(names)
        h, x = FAMILIES[fh](), FAMILIES[fx]()
        t = float(dec(draw_t(h, x), 17))
        try:
            v, m = reference(h, x, t)
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            skipped += 1
            continue
        if not (abs(v) < mp.mpf(10) ** 300 and m < mp.mpf(10) ** 300):
            skipped += 1
            continue
        tol = random.choice(["1e-12", "1e-12", "1e-10", "1e-8"])
        cases.append({
            "h": h.expr, "x": x.expr, "t": t, "tol": float(tol),
            "families": [h.family, x.family],
            "value": mp.nstr(v, 40, min_fixed=1, max_fixed=0),
            "abs_integral": mp.nstr(m, 20, min_fixed=1, max_fixed=0),
        })
        if len(cases) % 50 == 0:
            print("%d cases" % len(cases), file=sys.stderr)
    json.dump({"generator": "crates/testkit/reference/convolutions.py", "seed": args.seed,
               "digits": 40, "skipped": skipped, "cases": cases}, sys.stdout, indent=0)
    print(file=sys.stdout)


if __name__ == "__main__":
    main()
