#!/usr/bin/env python3
"""High-precision reference values of convolutions z(t) = (h*x)(t) at random parameters.

Each case is a pair of expressions in flipshift's grammar (CLI reference, docs/cli.md) drawn
from the families the closed-form engine knows — piecewise polynomials to degree 20, one-sided
exponentials times powers, Gaussians times polynomials — paired within a family and across
families, a point t, and the value of the integral to 40 significant digits. Numbers in the
expressions are short decimals and are read as decimals (not as the doubles they round to): the
reference is the integral of the functions as written. t is the double the JSON holds.

Every pair the generator draws is, on each piece of the overlap of the two supports, a
polynomial times exp of a quadratic, so the integral has a closed form and is computed from it:

- the polynomial algebra (each factor's polynomial moved to a variable local to the piece,
  their product, the antiderivative) is done exactly in rational arithmetic (`fractions`);
- what remains is a sum of terms c·e^E (c, E exact rationals) and, for Gaussian factors,
  c·e^E·∫ e^{−g²s²} ds over rational ends (erf/erfc), evaluated in mpmath at a precision chosen
  from the terms' own cancellation and exponent sizes, and raised until the sum's rounding
  error is below 1e-44 of its value. Terms with the same exponent are summed exactly first, so
  a value that is exactly zero (an odd integrand about its centre) comes out as exactly zero.

∫|f| (`abs_integral`, 20 digits) is the same sum over the pieces split at the real roots of
the polynomial factors (mpmath's polyroots), each piece taken in absolute value.

The old path — mpmath's adaptive quadrature over the breakpoints and peaks, checked by a second
rule — is kept as `--check-quad K`: K cases drawn at random from the output are recomputed by
it and the agreement is printed on standard error. Each case is also checked at a few points
of every piece: the exact form a member was built from must equal its expression evaluated
by mpmath.

    python3 convolutions.py --n 600 --seed 1 > ../data/convolutions.json

Widths run from 1e-9 to 1e3 (log-uniform), centres to 1e4, polynomial degrees to 20. The 600
cases of seed 1 were first drawn with the quadrature path, which dropped the 88 draws where its
two rules disagreed (most of them narrow one-sided exponentials); those draws are dropped again
for seed 1 (`SEED1_DROPPED`) so that the committed file is reproduced case for case. No other
seed drops a draw for that reason.
"""

import argparse
import json
import math
import random
import re
import sys
import time
from fractions import Fraction

import mpmath as mp

mp.mp.dps = 40
INF = mp.inf
FINF = float("inf")

# The draws of seed 1 that the quadrature path dropped (its two rules disagreed), by draw number.
SEED1_DROPPED = frozenset([
    4, 6, 17, 18, 22, 24, 27, 45, 48, 58, 69, 70, 77, 88, 94, 96, 104, 110, 115, 121, 123, 124,
    130, 131, 133, 146, 151, 159, 169, 171, 179, 192, 198, 203, 226, 229, 231, 248, 264, 265,
    269, 286, 296, 324, 330, 332, 351, 354, 359, 363, 365, 379, 380, 384, 385, 392, 406, 414,
    429, 439, 448, 455, 463, 472, 479, 489, 508, 509, 516, 545, 555, 556, 560, 568, 574, 588,
    591, 618, 632, 640, 661, 665, 666, 667, 671, 672, 675, 678,
])


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


# --- family members: expression, support, breakpoints, peaks, and the exact form -------------

class Member:
    """A drawn function: its expression and, exactly, what it is.

    `pieces` are (lo, hi, p): on lo < s < hi the function is
    norm · p(u) · exp(e1·u + e2·u²) with u = (s − c)/w, p a list of rational coefficients
    (p[k] multiplies u^k), lo and hi rationals or ±inf; `norm` is 1 or 1/√(2π) (gauss()).
    `lo`, `hi`, `bps`, `peaks` (mpmath) serve the quadrature path.
    """

    def __init__(self, expr, family, lo, hi, bps, peaks, scale, c, w, pieces, e1=0, e2=0,
                 gauss_norm=False):
        self.expr, self.family = expr, family
        self.lo, self.hi, self.bps, self.peaks, self.scale = lo, hi, bps, peaks, scale
        self.c, self.w, self.pieces = Fraction(c), Fraction(w), pieces
        self.e1, self.e2, self.gauss_norm = Fraction(e1), Fraction(e2), gauss_norm
        self._roots = None
        self._f = None

    def f(self):
        if self._f is None:
            self._f = compile_expr(self.expr)
        return self._f


def poly_terms(degree, u, coeffs=None):
    """a0 + a1*u + ... with random coefficients of modest size (appended to `coeffs`)."""
    terms = []
    for k in range(degree + 1):
        a = dec(random.uniform(-2, 2), random.choice([3, 6, 17]))
        if coeffs is not None:
            coeffs.append(Fraction(a))
        if k == 0:
            terms.append(a)
        elif k == 1:
            terms.append("%s*%s" % (signed(a), u))
        else:
            terms.append("%s*%s^%d" % (signed(a), u, k))
    return "(" + " + ".join(terms) + ")"


def chebyshev_coeffs(degree):
    c = [[1], [0, 1]]
    for n in range(2, degree + 1):
        prev, prev2 = c[-1], c[-2]
        nxt = [0] * (n + 1)
        for i, v in enumerate(prev):
            nxt[i + 1] += 2 * v
        for i, v in enumerate(prev2):
            nxt[i] -= v
        c.append(nxt)
    return c[degree]


def chebyshev(degree, u):
    """T_degree(u) written in monomials (integer coefficients that cancel near |u| = 1)."""
    terms = []
    for k, v in enumerate(chebyshev_coeffs(degree)):
        if v == 0:
            continue
        terms.append(("%d" % v) if k == 0 else "%d*%s^%d" % (v, u, k) if k > 1 else "%d*%s" % (v, u))
    return "(" + " + ".join(terms) + ")"


def piecewise():
    w, c = width(), None
    c = centre(w)
    ws, cs = dec(w), dec(c)
    wm, cm = mp.mpf(ws), mp.mpf(cs)
    cf, wf = Fraction(cs), Fraction(ws)
    u = "((t - %s)/%s)" % (signed(cs), ws) if c != 0 else "(t/%s)" % ws
    kind = random.choice(["poly", "poly", "cheb", "tri", "sgn", "steps"])
    if kind == "tri":
        return Member("tri(%s)" % u, "piecewise", cm - wm, cm + wm, [cm - wm, cm, cm + wm], [], w,
                      cf, wf, [(cf - wf, cf, [1, 1]), (cf, cf + wf, [1, -1])])
    if kind == "sgn":
        return Member("(2*step(t - %s) - 1)*rect(%s/2)" % (signed(cs), u), "piecewise",
                      cm - wm, cm + wm, [cm - wm, cm, cm + wm], [], w,
                      cf, wf, [(cf - wf, cf, [-1]), (cf, cf + wf, [1])])
    degree = min(int(random.expovariate(1 / 4)), 20)
    coeffs = []
    if kind == "cheb":
        p = chebyshev(max(degree, 1), u)
        coeffs = [Fraction(v) for v in chebyshev_coeffs(max(degree, 1))]
    else:
        p = poly_terms(degree, u, coeffs)
    if kind == "steps":
        los, his = dec(c - w, 17), dec(c + w, 17)
        return Member("%s*step(t - %s)*step(%s - t)" % (p, signed(los), his),
                      "piecewise", mp.mpf(los), mp.mpf(his), [mp.mpf(los), mp.mpf(his)], [], w,
                      cf, wf, [(Fraction(los), Fraction(his), coeffs)])
    return Member("%s*rect(%s/2)" % (p, u), "piecewise", cm - wm, cm + wm, [cm - wm, cm + wm], [],
                  w, cf, wf, [(cf - wf, cf + wf, coeffs)])


def exponential():
    w, d = width(), width()
    c = centre(w)
    ws, ds, cs = dec(w), dec(d), dec(c)
    wm, dm, cm = mp.mpf(ws), mp.mpf(ds), mp.mpf(cs)
    cf, df = Fraction(cs), Fraction(ds)
    k = random.choice([0, 0, 0, 1, 2, 3])
    a = dec(random.uniform(-3, 3), 6)
    p = [Fraction(0)] * k + [Fraction(a)]
    local = "(t - %s)" % signed(cs) if c != 0 else "t"
    poly = "" if k == 0 else "(%s/%s)^%d*" % (local, ds, k)
    if random.random() < 0.75:
        expr = "%s*%sexp(-%s/%s)*step(%s)" % (signed(a), poly, local, ds, local.strip("()") if c == 0 else "t - %s" % signed(cs))
        return Member(expr, "exponential", cm, INF, [cm], [], d, cf, df, [(cf, FINF, p)], e1=-1)
    expr = "%s*%sexp(%s/%s)*step(%s - t)" % (signed(a), poly, local, ds, cs)
    return Member(expr, "exponential", -INF, cm, [cm], [], d, cf, df, [(-FINF, cf, p)], e1=1)


def gaussian():
    w = width()
    c = centre(w)
    ws, cs = dec(w), dec(c)
    wm, cm = mp.mpf(ws), mp.mpf(cs)
    cf, wf = Fraction(cs), Fraction(ws)
    local = "(t - %s)" % signed(cs) if c != 0 else "t"
    a = dec(random.uniform(-3, 3), 6)
    if random.random() < 0.3:
        expr = "%s*gauss(%s/%s)" % (signed(a), local, ws)
        return Member(expr, "gaussian", -INF, INF, [], [(cm, wm)], w, cf, wf,
                      [(-FINF, FINF, [Fraction(a)])], e2=Fraction(-1, 2), gauss_norm=True)
    degree = random.choice([0, 0, 0, 1, 2, 3, 4, 6, 8])
    coeffs = []
    p = "" if degree == 0 else poly_terms(degree, "(%s/%s)" % (local, ws), coeffs) + "*"
    expr = "%s*%sexp(-%s^2/(2*%s^2))" % (signed(a), p, local, ws)
    coeffs = [Fraction(a) * q for q in coeffs] if coeffs else [Fraction(a)]
    return Member(expr, "gaussian", -INF, INF, [], [(cm, wm)], w, cf, wf,
                  [(-FINF, FINF, coeffs)], e2=Fraction(-1, 2))


FAMILIES = {"piecewise": piecewise, "exponential": exponential, "gaussian": gaussian}


# --- exact polynomial algebra ---------------------------------------------------------------

def trim(p):
    while len(p) > 1 and p[-1] == 0:
        p.pop()
    return p


def compose(p, a, b):
    """The coefficients in s of p(a + b·s), exactly."""
    res = [Fraction(0)]
    for coef in reversed(p):
        new = [Fraction(0)] * (len(res) + 1)
        for i, r in enumerate(res):
            if r:
                new[i] += r * a
                new[i + 1] += r * b
        new[0] += coef
        res = new
    return trim(res)


def multiply(p, q):
    res = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        if a:
            for j, b in enumerate(q):
                res[i + j] += a * b
    return trim(res)


def horner(p, s):
    """p(s) and Σ|p_k||s|^k (the scale of its rounding when s is not exact)."""
    v, m = 0, 0
    for coef in reversed(p):
        v = v * s + coef
        m = m * abs(s) + abs(coef)
    return v, m


# --- the closed form on one piece -------------------------------------------------------------

class Divergent(ValueError):
    """The integral on a piece does not exist (a draw the families should never make)."""


def piece_terms(r, q0, q1, q2, sa, sb, scale):
    """∫_{sa}^{sb} r(σ)·exp(q2σ² + q1σ + q0) dσ · scale as a list of terms.

    A term is ("exp", c, E, m) for c·e^E or ("erf", c, E, g2, xa, xb) for
    c·e^E·∫_{xa}^{xb} e^{−g2·s²} ds; c and E are exact when sa and sb are (rationals or
    ±inf), mpf otherwise; m bounds the rounding of c relative to |c| (0 when exact).
    """
    terms = []
    exact = all(isinstance(s, (Fraction, int, float)) for s in (sa, sb))

    def at(poly, s):
        # poly(s) at a finite end s, and the relative rounding of that value.
        v, m = horner(poly, s)
        if v == 0:
            return None
        return v, (0 if exact else m / abs(v))

    if q2 == 0 and q1 == 0:
        if math.isinf(sa) or math.isinf(sb):
            raise Divergent("polynomial on an infinite piece")
        anti = [Fraction(0)] + [coef / (k + 1) for k, coef in enumerate(r)]
        for s, sign in ((sb, 1), (sa, -1)):
            got = at(anti, s)
            if got:
                terms.append(("exp", sign * scale * got[0], q0, got[1]))
        return terms
    if q2 == 0:
        lam = q1
        n = len(r) - 1
        qq = [Fraction(0)] * (n + 1)
        qq[n] = r[n] / lam
        for k in range(n - 1, -1, -1):
            qq[k] = (r[k] - (k + 1) * qq[k + 1]) / lam
        for s, sign in ((sb, 1), (sa, -1)):
            if math.isinf(s) if isinstance(s, float) else False:
                if (s > 0) == (lam > 0):
                    raise Divergent("exponential growing into an infinite end")
                continue
            got = at(qq, s)
            if got:
                terms.append(("exp", sign * scale * got[0], q0 + lam * s, got[1]))
        return terms
    if q2 > 0:
        raise Divergent("growing Gaussian")
    mu = -q1 / (2 * q2)
    a0 = q0 - q1 * q1 / (4 * q2)
    rho = compose(r, mu, Fraction(1)) if mu != 0 else list(r)
    n = len(rho) - 1
    p = [Fraction(0)] * (n + 2)
    for k in range(n, 0, -1):
        p[k - 1] = (rho[k] - (k + 1) * p[k + 1]) / (2 * q2)
    cst = rho[0] - p[1]
    p = trim(p[:max(n, 1)])
    fin = lambda s: not (isinstance(s, float) and math.isinf(s))
    ta = sa - mu if fin(sa) else sa
    tb = sb - mu if fin(sb) else sb
    for s, sign in ((tb, 1), (ta, -1)):
        if not fin(s):
            continue
        got = at(p, s)
        if got:
            terms.append(("exp", sign * scale * got[0], a0 + q2 * s * s, got[1]))
    if cst:
        terms.append(("erf", scale * cst, a0, -q2, ta, tb))
    return terms


def to_mpf(x):
    if isinstance(x, Fraction):
        return mp.mpf(x.numerator) / x.denominator if x.denominator != 1 else mp.mpf(x.numerator)
    if isinstance(x, float) and math.isinf(x):
        return INF if x > 0 else -INF
    return mp.mpf(x)


def erf_span(xa, xb):
    """erf(xb) − erf(xa) without cancellation in the tails, and how much it lost."""
    if xa >= 0:
        u, v = mp.erfc(xa), mp.erfc(xb)
        d = u - v
    elif xb <= 0:
        u, v = mp.erfc(-xb), mp.erfc(-xa)
        d = u - v
    else:
        return mp.erf(xb) - mp.erf(xa), mp.mpf(1)
    return d, ((abs(u) + abs(v)) / abs(d) if d else INF)


def group(terms):
    """Terms with the same exponent (and the same Gaussian span) summed exactly."""
    out, index = [], {}
    for t in terms:
        if t[0] == "exp" and isinstance(t[1], Fraction) and isinstance(t[2], Fraction):
            key = ("exp", t[2])
        elif t[0] == "erf" and isinstance(t[1], Fraction):
            key = ("erf",) + tuple(t[2:])
        else:
            out.append(list(t))
            continue
        if key in index:
            out[index[key]][1] += t[1]
        else:
            index[key] = len(out)
            out.append(list(t))
    return [t for t in out if t[1] != 0]


def evaluate(terms, dps):
    """Σ terms at dps digits and a bound on its rounding error."""
    with mp.workdps(dps):
        eps = mp.mpf(10) ** (-dps)
        total, err = mp.mpf(0), mp.mpf(0)
        for t in terms:
            if t[0] == "exp":
                _, c, e, m = t
                e = to_mpf(e)
                v = to_mpf(c) * mp.exp(e)
                loss = (m + 2 + abs(e))
            else:
                _, c, e, g2, ta, tb = t
                e = to_mpf(e)
                g = mp.sqrt(to_mpf(g2))
                xa, xb = g * to_mpf(ta), g * to_mpf(tb)
                span, lost = erf_span(xa, xb)
                v = to_mpf(c) * mp.exp(e) * mp.sqrt(mp.pi) / (2 * g) * span
                big = max((x * x for x in (xa, xb) if mp.isfinite(x)), default=mp.mpf(0))
                loss = (8 + abs(e) + 2 * big) * lost
            total += v
            err += abs(v) * loss
        err = 4 * eps * (err + abs(total))
        return +total, err


# The working precisions the sums start from (raised as the terms ask for; the cross-check
# recomputes with both raised to see that the result does not move).
START_DPS = {"value": 50, "abs": 30}


def evaluate_to(terms, rel, cap=4000):
    """Σ terms to relative accuracy rel, raising the precision as the terms ask for."""
    dps = START_DPS["value"]
    while True:
        v, err = evaluate(terms, dps)
        if err <= rel * abs(v):
            return v, dps
        if dps >= cap:
            if not terms or (v == 0 and err == 0):
                return v, dps
            raise ArithmeticError("no %g-digit value below %d digits" % (-math.log10(rel), cap))
        if v == 0:
            dps = min(cap, 2 * dps)
        else:
            need = float(mp.log10(err / (rel * abs(v))))
            dps = min(cap, max(dps + 10, int(dps + need + 10)))


# --- a case: the pieces of the overlap ----------------------------------------------------------

def overlaps(h, x, t):
    """The pieces of τ where h(τ)·x(t − τ) is one product, with what to integrate there."""
    out = []
    for (la, ha, ph) in h.pieces:
        for (lx, hx, px) in x.pieces:
            a = max(la, t - hx)
            b = min(ha, t - lx)
            if a < b:
                out.append((a, b, ph, px))
    return out


def local_product(h, x, t, a, b, ph, px):
    """r(σ), q(σ) and the scale S with τ = m + S·σ, and the ends of σ."""
    fa, fb = not math.isinf(a) if isinstance(a, float) else True, \
        not math.isinf(b) if isinstance(b, float) else True
    if fa and fb:
        m, s = (a + b) / 2, (b - a) / 2
        sa, sb = Fraction(-1), Fraction(1)
    elif fa:
        m, s, sa, sb = a, Fraction(1), Fraction(0), FINF
    elif fb:
        m, s, sa, sb = b, Fraction(1), -FINF, Fraction(0)
    else:
        m, s, sa, sb = h.c, Fraction(1), -FINF, FINF
    # u_h = (τ − c_h)/w_h, u_x = (t − τ − c_x)/w_x, both linear in σ.
    ah, bh = (m - h.c) / h.w, s / h.w
    ax, bx = (t - m - x.c) / x.w, -s / x.w
    r = multiply(compose(ph, ah, bh), compose(px, ax, bx))
    q2 = h.e2 * bh * bh + x.e2 * bx * bx
    q1 = h.e1 * bh + 2 * h.e2 * ah * bh + x.e1 * bx + 2 * x.e2 * ax * bx
    q0 = h.e1 * ah + h.e2 * ah * ah + x.e1 * ax + x.e2 * ax * ax
    return r, (q0, q1, q2), m, s, sa, sb


def norm(h, x):
    k = sum(1 for f in (h, x) if f.gauss_norm)
    return 1 / mp.sqrt(2 * mp.pi) ** k


def real_roots(member):
    """The real roots of each piece's polynomial, as points s (mpf) in the member's own axis."""
    if member._roots is None:
        roots = []
        with mp.workdps(60):
            for (lo, hi, p) in member.pieces:
                p = list(p)
                while len(p) > 1 and p[0] == 0:
                    p.pop(0)          # roots at u = 0: the piece's own end, or the centre
                    roots.append(mp.mpf(0))
                p = trim(p)
                if len(p) > 1:
                    coeffs = [to_mpf(v) for v in reversed(p)]
                    rs = mp.polyroots(coeffs, maxsteps=400, extraprec=400)
                    for z in rs:
                        z = mp.mpc(z)
                        if abs(z.imag) <= mp.mpf(10) ** -20 * (1 + abs(z.real)):
                            roots.append(z.real)
            member._roots = [to_mpf(member.c) + to_mpf(member.w) * u for u in roots]
    return member._roots


def exact_reference(h, x, t):
    """(value, ∫|f|, digits used) of z(t) from the closed form."""
    tf = Fraction(t)
    parts = overlaps(h, x, tf)
    if not parts:
        return mp.mpf(0), mp.mpf(0), 0
    terms = []
    local = []
    for (a, b, ph, px) in parts:
        r, (q0, q1, q2), m, s, sa, sb = local_product(h, x, tf, a, b, ph, px)
        local.append((r, q0, q1, q2, m, s, sa, sb, a, b))
        if r == [0]:
            continue
        terms += piece_terms(r, q0, q1, q2, sa, sb, s)
    terms = group(terms)
    v, dps = evaluate_to(terms, mp.mpf(10) ** -44)
    # ∫|f|: each piece split where a polynomial factor changes sign.
    cuts = [p for p in real_roots(h)] + [to_mpf(tf) - p for p in real_roots(x)]
    abs_dps = START_DPS["abs"]
    while True:
        with mp.workdps(abs_dps):
            total, err = mp.mpf(0), mp.mpf(0)
            for (r, q0, q1, q2, m, s, sa, sb, a, b) in local:
                if r == [0]:
                    continue
                mm, ss = to_mpf(m), to_mpf(s)
                inner = sorted(set((c - mm) / ss for c in cuts if to_mpf(a) < c < to_mpf(b)))
                ends = [sa] + inner + [sb]
                for lo, hi in zip(ends, ends[1:]):
                    if not lo < hi:
                        continue
                    pv, perr = evaluate(piece_terms(r, q0, q1, q2, lo, hi, s), abs_dps)
                    total += abs(pv)
                    err += perr
            if err <= mp.mpf(10) ** -24 * total or abs_dps >= 2000:
                break
            need = float(mp.log10(err / (mp.mpf(10) ** -24 * total))) if total else abs_dps
            abs_dps = int(min(2000, max(abs_dps + 10, abs_dps + need + 10)))
    with mp.workdps(max(dps, abs_dps) + 10):
        k = norm(h, x)
        return k * v, k * total, max(dps, abs_dps)


def check_member(member, rng):
    """The exact form of a member against its expression at a few points of every piece."""
    f = member.f()
    fast = lambda s: member_value(member, s)
    with mp.workdps(60):
        check_pieces(member, rng, f, fast)


def check_pieces(member, rng, f, fast):
    for (lo, hi, p) in member.pieces:
        lo_m, hi_m = to_mpf(lo), to_mpf(hi)
        span = to_mpf(member.w)
        for _ in range(2):
            if mp.isfinite(lo_m) and mp.isfinite(hi_m):
                s = lo_m + (hi_m - lo_m) * mp.mpf(rng.uniform(0.05, 0.95))
            elif mp.isfinite(lo_m):
                s = lo_m + span * mp.mpf(rng.uniform(0.05, 3))
            elif mp.isfinite(hi_m):
                s = hi_m - span * mp.mpf(rng.uniform(0.05, 3))
            else:
                s = to_mpf(member.c) + span * mp.mpf(rng.uniform(-3, 3))
            want, got = f(s), fast(s)
            if abs(want - got) > mp.mpf(10) ** -30 * max(abs(want), mp.mpf(10) ** -300):
                raise AssertionError("exact form of %s at %s: %s, expression: %s"
                                     % (member.expr, s, got, want))


def member_value(member, s):
    for (lo, hi, p) in member.pieces:
        if to_mpf(lo) < s < to_mpf(hi):
            u = (s - to_mpf(member.c)) / to_mpf(member.w)
            v = horner([to_mpf(c) for c in p], u)[0]
            v *= mp.exp(to_mpf(member.e1) * u + to_mpf(member.e2) * u * u)
            return v / mp.sqrt(2 * mp.pi) if member.gauss_norm else v
    return mp.mpf(0)


# --- the quadrature path (cross-check) ------------------------------------------------------------

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


def quad_reference(h, x, t):
    """The integral by adaptive quadrature (tanh–sinh checked by Gauss–Legendre)."""
    fh, fx = h.f(), x.f()
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


def draw_case():
    """The next pair and point of the random sequence."""
    names = list(FAMILIES)
    if random.random() < 0.75:
        fh = fx = random.choice(names)
    else:
        fh, fx = random.choice(names), random.choice(names)
    h, x = FAMILIES[fh](), FAMILIES[fx]()
    return h, x, float(dec(draw_t(h, x), 17))


def draw_tol():
    """The tolerance of a case that was kept."""
    return random.choice(["1e-12", "1e-12", "1e-10", "1e-8"])


def replay(doc):
    """The members (h, x) of each case of a file this script wrote, drawn again from its seed
    without integrating (for tables by width and family)."""
    random.seed(doc["seed"])
    dropped = SEED1_DROPPED if doc["seed"] == 1 else frozenset()
    out, draw, cases = [], 0, doc["cases"]
    while len(out) < len(cases):
        h, x, t = draw_case()
        draw += 1
        if draw - 1 in dropped:
            continue
        c = cases[len(out)]
        if (h.expr, x.expr, t) == (c["h"], c["x"], c["t"]):
            draw_tol()
            out.append((h, x))
        elif draw > 2 * len(cases) + 1000:
            raise ValueError("the file's cases are not this generator's draws")
    return out


def cross_check(drawn, k, seed):
    """k cases at random recomputed by quadrature, and by the closed form at a higher
    starting precision: how many digits the paths share."""
    rng = random.Random(seed)
    sample = rng.sample(range(len(drawn)), min(k, len(drawn)))
    tiny = mp.mpf(10) ** -300
    moved, failed = mp.mpf(0), 0
    agree, differ, worst, worst_rel, worst_abs = 0, 0, mp.mpf(0), mp.mpf(0), mp.mpf(0)
    deep_agree, deep_differ = 0, []
    started = time.time()
    for i in sample:
        h, x, t, v, m = drawn[i]
        saved = dict(START_DPS)
        START_DPS.update(value=saved["value"] + 60, abs=saved["abs"] + 60)
        try:
            v2, m2, _ = exact_reference(h, x, t)
        finally:
            START_DPS.update(saved)
        if v2 != v:
            moved = max(moved, abs(v2 - v) / abs(v2))
        try:
            vq, mq = quad_reference(h, x, t)
        except ValueError:
            failed += 1
            continue
        scale = m if m else mp.mpf(1)
        dv, dm = abs(vq - v) / scale, abs(mq - m) / scale
        # Quadrature's own check is to 1e-30 of ∫|f|: agreement is judged on that scale.
        ok = dv <= mp.mpf(10) ** -28 and dm < mp.mpf(10) ** -4
        if 0 < m < tiny:
            # Below the doubles' range (exp(−10^k) tails), where quadrature does not resolve
            # the integrand's decay.
            if ok:
                deep_agree += 1
            else:
                deep_differ.append(i)
            continue
        agree += ok
        differ += not ok
        worst, worst_abs = max(worst, dv), max(worst_abs, dm)
        if abs(v) > mp.mpf(10) ** -30 * m:
            worst_rel = max(worst_rel, abs(vq - v) / abs(v))
        if not ok:
            print("cross-check: case %d differs: exact %s quad %s (∫|f| %s vs %s)"
                  % (i, mp.nstr(v, 25), mp.nstr(vq, 25), mp.nstr(m, 12), mp.nstr(mq, 12)),
                  file=sys.stderr)
    print("cross-check of %d cases sampled at random (%.0f s):\n"
          "  closed form with 60 more digits: no value moved by more than %s of itself;\n"
          "  against quadrature, ∫|f| >= 1e-300: %d agree (|exact - quad| <= 1e-28·∫|f| and "
          "∫|f| within 1e-4), %d differ; largest |exact - quad|/∫|f| %s, /|value| %s; largest "
          "∫|f| difference %s of itself;\n"
          "  ∫|f| < 1e-300 (exp(-10^k) tails): %d agree, %d differ (cases %s);\n"
          "  %d the quadrature could not settle (its two rules disagree)"
          % (len(sample), time.time() - started, mp.nstr(moved, 3), agree, differ,
             mp.nstr(worst, 3), mp.nstr(worst_rel, 3), mp.nstr(worst_abs, 3), deep_agree,
             len(deep_differ), ", ".join(map(str, deep_differ)) or "none", failed),
          file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check-quad", type=int, default=0, metavar="K",
                    help="recompute K random cases by quadrature and report the agreement")
    args = ap.parse_args()
    random.seed(args.seed)
    rng_check = random.Random(args.seed + 0x5eed)
    dropped = SEED1_DROPPED if args.seed == 1 else frozenset()
    cases, drawn = [], []
    skipped = 0
    draw = 0
    started = time.time()
    max_dps = 0
    by_quad = 0
    while len(cases) < args.n:
        h, x, t = draw_case()
        draw += 1
        if draw - 1 in dropped:
            skipped += 1
            continue
        check_member(h, rng_check)
        check_member(x, rng_check)
        try:
            v, m, dps = exact_reference(h, x, t)
            max_dps = max(max_dps, dps)
        except (ArithmeticError, mp.libmp.NoConvergence) as e:
            # Not met so far: the closed form's precision cap or a root finder that did not
            # converge. Quadrature then, or the draw is dropped (counted in "skipped").
            print("draw %d: closed form failed (%s); quadrature instead" % (draw - 1, e),
                  file=sys.stderr)
            try:
                v, m = quad_reference(h, x, t)
                by_quad += 1
            except ValueError:
                skipped += 1
                continue
        if not (abs(v) < mp.mpf(10) ** 300 and m < mp.mpf(10) ** 300):
            skipped += 1
            continue
        tol = draw_tol()
        cases.append({
            "h": h.expr, "x": x.expr, "t": t, "tol": float(tol),
            "families": [h.family, x.family],
            "value": mp.nstr(v, 40, min_fixed=1, max_fixed=0),
            "abs_integral": mp.nstr(m, 20, min_fixed=1, max_fixed=0),
        })
        if args.check_quad:
            drawn.append((h, x, t, v, m))
        if len(cases) % 500 == 0:
            print("%d cases, %.0f s" % (len(cases), time.time() - started), file=sys.stderr)
    print("%d cases from %d draws in %.1f s: %d in closed form (largest working precision %d "
          "digits), %d by quadrature, %d draws dropped"
          % (len(cases), draw, time.time() - started, len(cases) - by_quad, max_dps, by_quad,
             skipped), file=sys.stderr)
    json.dump({"generator": "crates/testkit/reference/convolutions.py", "seed": args.seed,
               "digits": 40, "skipped": skipped, "cases": cases}, sys.stdout, indent=0)
    print(file=sys.stdout)
    sys.stdout.flush()
    if args.check_quad:
        cross_check(drawn, args.check_quad, args.seed + 1)


if __name__ == "__main__":
    main()
