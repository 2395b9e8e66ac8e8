"""Peers of bench/kernels-full.mjs: the full-covariance pass in numpy float64 and scikit-learn's EM
iteration for covariance_type='full', both on one thread (the caller sets OPENBLAS_NUM_THREADS=1; here
threadpoolctl also limits BLAS when it is installed).

Reads a JSON list on stdin: {"N", "n", "d", "reps", "data": path of row-major float64 N×d, "means": n×d,
"covariances": n×d×d, "iters": K}. Prints one JSON line per grid point:
{"N", "n", "d", "numpy_s" (median seconds per pass), "numpy_loglik", "sklearn_iter_s" (median seconds per
EM iteration), "sklearn_loglik" (lower bound after K iterations)}; the first line is {"env": ...}.

numpy pass: per component the difference X − μ_i times the precision Cholesky factor U_i (the triangular
solve with the covariance's Cholesky factor, done as scikit-learn does it, by a GEMM with U_i), squared row
norms, max-shifted logsumexp, then R, S = respᵀX and the scatter (r_i·diff)ᵀ·diff by GEMM; rows in chunks
of 4096 so temporaries stay cache-sized. scikit-learn: fit() from the same start with max_iter K and with
max_iter 2, tol = 0; per-iteration time = (t_K − t_2) / (K − 2), which removes the fixed costs (the
initial checks and the final E-step) from the count.
"""
import json
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_pass import lse_responsibilities, timed  # noqa: E402  (shared with the diagonal/spherical numpy passes)

CHUNK = 4096
# MIXFIT_BENCH_CLOCK=cpu (bench/kernels-full.mjs --cpu-time): process CPU time instead of wall time.
CLOCK = time.process_time if os.environ.get("MIXFIT_BENCH_CLOCK") == "cpu" else time.perf_counter


def precision_cholesky(covs):
    n, d, _ = covs.shape
    out = np.empty_like(covs)
    for i in range(n):
        L = np.linalg.cholesky(covs[i])
        out[i] = np.linalg.solve(L, np.eye(d)).T  # upper triangular: Σ⁻¹ = U Uᵀ
    return out


def full_pass(X, means, log_weights, U):
    n, d = means.shape
    log_det = np.log(np.diagonal(U, axis1=1, axis2=2)).sum(axis=1)
    log_norm = log_weights - 0.5 * d * np.log(2 * np.pi) + log_det
    R = np.zeros(n)
    S = np.zeros((n, d))
    M = np.zeros((n, d, d))
    ll = 0.0
    for a in range(0, X.shape[0], CHUNK):
        Xb = X[a:a + CHUNK]
        A = np.empty((Xb.shape[0], n))
        diffs = []
        for i in range(n):
            diff = Xb - means[i]
            Y = diff @ U[i]
            A[:, i] = log_norm[i] - 0.5 * np.einsum("kj,kj->k", Y, Y)
            diffs.append(diff)
        dll, resp = lse_responsibilities(A, np.ones(A.shape[0]))
        ll += dll
        R += resp.sum(axis=0)
        S += resp.T @ Xb
        for i in range(n):
            M[i] += (diffs[i] * resp[:, i:i + 1]).T @ diffs[i]
    return ll, R, S, M


def time_numpy(X, means, covs, reps):
    n = means.shape[0]
    U = precision_cholesky(covs)
    lw = np.full(n, -np.log(n))
    median, (ll, _, _, _) = timed(lambda: full_pass(X, means, lw, U), reps, CLOCK)
    return median, ll


def time_sklearn(X, means, covs, iters, reps):
    try:
        from sklearn.mixture import GaussianMixture
    except ImportError:
        return None, None
    n = means.shape[0]

    def fit(k):
        gm = GaussianMixture(n_components=n, covariance_type="full", max_iter=k, tol=0.0, reg_covar=1e-6,
                             means_init=means, weights_init=np.full(n, 1.0 / n), precisions_init=np.linalg.inv(covs))
        t0 = CLOCK()
        gm.fit(X)
        return CLOCK() - t0, gm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit(2)  # warm-up
        per = []
        gm = None
        for _ in range(reps):
            t_long, gm = fit(iters)
            t_short, _ = fit(2)
            per.append((t_long - t_short) / (iters - 2))
    per.sort()
    return per[len(per) // 2], float(gm.lower_bound_)


def main():
    limiter = None
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(1)
    except Exception:  # optional
        pass
    try:
        import sklearn
        skv = sklearn.__version__
    except ImportError as e:
        skv = f"missing ({e})"
    print(json.dumps({"env": {"numpy": np.__version__, "sklearn": skv,
                              "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
                              "threadpoolctl": limiter is not None}}), flush=True)
    for g in json.load(sys.stdin):
        N, n, d = g["N"], g["n"], g["d"]
        X = np.fromfile(g["data"], dtype=np.float64).reshape(N, d)
        means = np.asarray(g["means"], dtype=np.float64)
        covs = np.asarray(g["covariances"], dtype=np.float64)
        np_s, np_ll = time_numpy(X, means, covs, g["reps"])
        sk_s, sk_ll = time_sklearn(X, means, covs, g["iters"], g["reps"])
        print(json.dumps({"N": N, "n": n, "d": d, "numpy_s": np_s, "numpy_loglik": np_ll,
                          "sklearn_iter_s": sk_s, "sklearn_loglik": sk_ll}), flush=True)


if __name__ == "__main__":
    main()
