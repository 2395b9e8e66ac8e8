"""scikit-learn's GaussianMixture EM on the E5 data written by bench/convergence.mjs.

Usage: /usr/bin/python3 bench/sklearn_e5.py DATA.bin ROWS COLS START.json
DATA.bin is row-major float64; START.json holds {"means", "weights", "variances", "regCovar"}.
Prints one JSON line: iterations, fit time, final mean negative log-likelihood, per-iteration time.
The model matches mixfit's weights='learned', covariance='spherical' with the same start and regCovar,
so both run the same EM iteration by iteration.
"""
import json
import sys
import time

try:
    import numpy as np
    from sklearn.mixture import GaussianMixture
except ImportError as e:  # reported by the caller, which then skips the comparison
    print(json.dumps({"skipped": f"scikit-learn not available: {e}"}))
    sys.exit(0)

import warnings

path, rows, cols, start_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
X = np.fromfile(path, dtype=np.float64).reshape(rows, cols)
start = json.load(open(start_path))
means = np.array(start["means"], dtype=np.float64)
weights = np.array(start["weights"], dtype=np.float64)
variances = np.array(start["variances"], dtype=np.float64)

def make(max_iter):
    return GaussianMixture(
        n_components=len(weights), covariance_type="spherical", tol=1e-10, max_iter=max_iter,
        reg_covar=start["regCovar"], weights_init=weights, means_init=means, precisions_init=1.0 / variances,
        init_params="random", random_state=0,
    )

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    make(5).fit(X)  # warm-up (imports, BLAS threads)
    times = []
    for _ in range(3):
        gm = make(int(start.get("maxIter", 5000)))
        t0 = time.perf_counter()
        gm.fit(X)
        times.append(time.perf_counter() - t0)
loss = -gm.score(X)
times.sort()
print(json.dumps({
    "n_iter": int(gm.n_iter_), "converged": bool(gm.converged_), "seconds": times[1], "loss": float(loss),
    "ms_per_iter": 1000 * times[1] / max(gm.n_iter_, 1), "sklearn": __import__("sklearn").__version__,
}))
