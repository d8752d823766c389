"""SymPy closing the same convolutions as crates/continuous/benches/closed_form.rs.

    .venv/bin/python bench/sympy_peer.py   # after: .venv/bin/pip install sympy

Prints one line per case: the name and the median of 3 wall-clock runs of `integrate` (each in
a fresh cache), in seconds.
"""
import statistics
import time

import sympy as sp
from sympy.core.cache import clear_cache

t, tau = sp.symbols("t tau", real=True)


def gauss(u):
    return sp.exp(-u**2 / 2) / sp.sqrt(2 * sp.pi)


def rect(u):
    return sp.Piecewise((1, sp.Abs(u) < sp.Rational(1, 2)), (0, True))


CASES = {
    "gaussian_pair": (gauss((t - sp.Rational(3, 10)) / sp.Rational(1, 2)) * 2,
                      gauss((t + 1) / sp.Rational(3, 2)) * sp.Rational(2, 3)),
    "polynomial_gaussian_pair": (t * gauss(t), t**2 * sp.exp(-(t - 1)**2)),
    "one_sided_exponential_pair": (t * sp.exp(-t) * sp.Heaviside(t),
                                   t**2 * sp.exp(-2 * t) * sp.Heaviside(t)),
    "equal_rate_exponentials": (sp.exp(-t) * sp.Heaviside(t), sp.exp(-t) * sp.Heaviside(t)),
    "rect_rect": (rect(t), rect(t)),
}


def close(h, x):
    integrand = h.subs(t, t - tau) * x.subs(t, tau)
    return sp.integrate(integrand, (tau, -sp.oo, sp.oo))


for name, (h, x) in CASES.items():
    times = []
    for _ in range(3):
        clear_cache()
        start = time.perf_counter()
        close(h, x)
        times.append(time.perf_counter() - start)
    print(f"{name} {statistics.median(times):.3f}", flush=True)
