"""Reference vectors for flipshift-discrete's mode tests, computed by SciPy.

Regenerate with:  python3 gen_scipy_refs.py > scipy_refs.json
(needs numpy and scipy; the Rust tests read the JSON and never need Python).
"""
import json

import numpy as np
import scipy
import scipy.signal as ss

rng = np.random.default_rng(20261124)
cases = []
for n, m in [(1, 1), (1, 4), (4, 1), (7, 3), (3, 7), (8, 8), (6, 4), (4, 6), (13, 5), (5, 13), (10, 2), (2, 10), (9, 9)]:
    x = rng.standard_normal(n)
    h = rng.standard_normal(m)
    case = {"x": x.tolist(), "h": h.tolist()}
    for mode in ["full", "same", "valid"]:
        case["conv_" + mode] = ss.convolve(x, h, mode=mode, method="direct").tolist()
        case["corr_" + mode] = ss.correlate(x, h, mode=mode, method="direct").tolist()
        # The FFT method must agree with the direct one in SciPy too (same alignment).
        assert np.allclose(ss.convolve(x, h, mode=mode, method="fft"), case["conv_" + mode])
        assert np.allclose(ss.correlate(x, h, mode=mode, method="fft"), case["corr_" + mode])
    cases.append(case)
print(json.dumps({"generator": "crates/discrete/tests/data/gen_scipy_refs.py", "scipy": scipy.__version__, "cases": cases}))
