"""scikit-learn's GaussianMixture EM on the E5 data written by bench/convergence.mjs.

Usage: /usr/bin/python3 bench/sklearn_e5.py DATA.bin ROWS COLS START.json TRACE.bin
DATA.bin is row-major float64; START.json holds {"means", "weights", "variances", "regCovar", "maxIter",
"tol", "timingIter"}. The model matches mixfit's weights='learned', covariance='spherical' with the same
start and regCovar, so both run the same EM iteration by iteration.

Two separate measurements, so that recording the loss never inflates the time:
1. Timing: a plain GaussianMixture (tol=0, max_iter=timingIter), uninterrupted, 3 runs after a warm-up;
   the median gives the time per iteration.
2. Trace: one long run of a subclass whose only change is that `_compute_lower_bound` also appends the
   value it is handed (sklearn calls it once per iteration with the mean log-likelihood at the parameters
   that iteration's E-step used, i.e. before its M-step). The mean negative log-likelihood after k
   iterations is therefore -trace[k], k = 0 .. n_iter - 1; the loss after the last M-step is -score(X).
   This run stops on sklearn's own rule |change of lower bound| < tol (a tiny tol, so it stops only once
   EM has stalled in float64) or at maxIter. Written to TRACE.bin as float64: loss after 0, 1, .. n_iter
   iterations.
Prints one JSON line with the counts, the timing and the stopping reason.
"""
import json
import sys
import time

try:
    import numpy as np
    import sklearn
    from sklearn.mixture import GaussianMixture
except ImportError as e:  # reported by the caller, which then skips the comparison
    print(json.dumps({"skipped": f"scikit-learn not available: {e}"}))
    sys.exit(0)

import warnings

path, rows, cols, start_path, trace_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
X = np.fromfile(path, dtype=np.float64).reshape(rows, cols)
start = json.load(open(start_path))
means = np.array(start["means"], dtype=np.float64)
weights = np.array(start["weights"], dtype=np.float64)
variances = np.array(start["variances"], dtype=np.float64)


class TracedGaussianMixture(GaussianMixture):
    """GaussianMixture that records the lower bound (mean log-likelihood) sklearn computes each iteration."""

    def _compute_lower_bound(self, log_resp, log_prob_norm):
        self.trace_.append(log_prob_norm)
        return super()._compute_lower_bound(log_resp, log_prob_norm)


def make(cls, max_iter, tol):
    return cls(
        n_components=len(weights), covariance_type="spherical", tol=tol, max_iter=max_iter,
        reg_covar=start["regCovar"], weights_init=weights, means_init=means, precisions_init=1.0 / variances,
        init_params="random", random_state=0,
    )


with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # ConvergenceWarning when max_iter is reached: expected for the timing runs
    timing_iter = int(start.get("timingIter", 2000))
    make(GaussianMixture, 5, 0.0).fit(X)  # warm-up (imports, BLAS threads)
    times = []
    for _ in range(3):
        gm = make(GaussianMixture, timing_iter, 0.0)
        t0 = time.perf_counter()
        gm.fit(X)
        times.append((time.perf_counter() - t0) / gm.n_iter_)
    times.sort()
    ms_per_iter = 1000 * times[1]

    traced = make(TracedGaussianMixture, int(start["maxIter"]), float(start["tol"]))
    traced.trace_ = []
    t0 = time.perf_counter()
    traced.fit(X)
    traced_seconds = time.perf_counter() - t0

losses = [-v for v in traced.trace_] + [-traced.score(X)]
np.array(losses, dtype=np.float64).tofile(trace_path)
print(json.dumps({
    "n_iter": int(traced.n_iter_), "converged": bool(traced.converged_), "tol": float(start["tol"]),
    "max_iter": int(start["maxIter"]), "loss": losses[-1], "ms_per_iter": ms_per_iter, "timing_iter": timing_iter,
    "traced_ms_per_iter": 1000 * traced_seconds / max(traced.n_iter_, 1), "sklearn": sklearn.__version__,
}))
