"""Reference vectors for flipshift-discrete's circular mode, computed by NumPy's FFT.

Regenerate with:  python3 gen_circular_refs.py > circular_refs.json
(needs numpy; the Rust tests read the JSON and never need Python).

For h of length m <= n padded with zeros to n:
  conv  = ifft(fft(x) * fft(h, n)).real                      (H x)
  corr  = ifft(fft(x) * conj(fft(h, n))).real                (H^T x)
  grad  = ifft(fft(Hx - y) * conj(fft(h, n))).real            (H^T (H x - y))
  solve = ifft(conj(H) * fft(y) / (|H|^2 + lambda)).real     ((H^T H + lambda I)^{-1} H^T y)
"""
import json

import numpy as np

rng = np.random.default_rng(20260414)
cases = []
for n, m in [(1, 1), (2, 1), (4, 4), (5, 3), (7, 7), (8, 3), (12, 5), (16, 1), (31, 9), (64, 17), (100, 100), (257, 40)]:
    x = rng.standard_normal(n)
    h = rng.standard_normal(m)
    y = rng.standard_normal(n)
    hf = np.fft.fft(h, n)
    conv = np.fft.ifft(np.fft.fft(x) * hf).real
    corr = np.fft.ifft(np.fft.fft(x) * np.conj(hf)).real
    grad = np.fft.ifft(np.fft.fft(conv - y) * np.conj(hf)).real
    solves = []
    for lam in [0.0, 1e-3, 0.5, 10.0]:
        if lam == 0.0 and np.min(np.abs(hf)) < 1e-6 * np.max(np.abs(hf)):
            continue
        xs = np.fft.ifft(np.conj(hf) * np.fft.fft(y) / (np.abs(hf) ** 2 + lam)).real
        solves.append({"lambda": lam, "x": xs.tolist()})
    cases.append({
        "x": x.tolist(),
        "h": h.tolist(),
        "y": y.tolist(),
        "conv": conv.tolist(),
        "corr": corr.tolist(),
        "grad": grad.tolist(),
        "cost": float(0.5 * np.sum((conv - y) ** 2)),
        "eig_re": hf.real.tolist(),
        "eig_im": hf.imag.tolist(),
        "solve": solves,
    })
print(json.dumps({"generator": "crates/discrete/tests/data/gen_circular_refs.py", "numpy": np.__version__, "cases": cases}))
