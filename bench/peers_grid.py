"""Python peers of bench/grid.mjs, on the data and start the grid writes (one thread; the caller sets
OPENBLAS/OMP_NUM_THREADS=1).

  python3 bench/peers_grid.py numpy   SPEC.json   # hand-tuned numpy float64 pass (chunked GEMM)
  python3 bench/peers_grid.py sklearn SPEC.json   # scikit-learn GaussianMixture, one EM iteration

SPEC.json: {"points": [{"N", "n", "d", "layout": "spherical"|"diagonal", "x": X.f64, "start": start.f64,
"reps"}]}; start.f64 holds means n·d, variances n·d (constant per row for spherical), weights n. Prints a
first JSON line describing the BLAS in use (threadpoolctl), then one per point: {"N", "n", "d", "layout",
"median_s", "ll"}. Each repetition lasts ≥ 20 ms (passes repeated), the median is reported. With
MIXFIT_CLOCK=cpu the times are CPU time of this process (time.process_time), else wall time.
"""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_pass import CHUNK, fused_pass, lse_responsibilities, timed  # noqa: E402  (the spherical pass of bench/kernels.mjs)

CLOCK = time.process_time if os.environ.get("MIXFIT_CLOCK") == "cpu" else time.perf_counter


def fused_pass_diag(X, c, means, log_norm, prec):
    """Diagonal layout, prec n × d (1/σ²): distances as (x²)·precᵀ − 2x·(μ·prec)ᵀ + Σ μ²·prec, two GEMMs."""
    n, d = means.shape
    R = np.zeros(n)
    S = np.zeros((n, d))
    Q = np.zeros((n, d))
    ll = 0.0
    mp = means * prec
    const = np.einsum("ij,ij->i", means, mp)
    for a in range(0, X.shape[0], CHUNK):
        Xb = X[a:a + CHUNK]
        cb = c[a:a + CHUNK]
        D = (Xb * Xb) @ prec.T - 2.0 * (Xb @ mp.T) + const[None, :]
        dll, Rk = lse_responsibilities(log_norm[None, :] - 0.5 * D, cb)
        ll += dll
        R += Rk.sum(axis=0)
        S += Rk.T @ Xb
        Q += Rk.T @ (Xb * Xb)
    # Q = Σ r (x − μ)² σ⁻² from the raw moments, as the M-step needs it.
    Q = (Q - 2.0 * means * S + means * means * R[:, None]) * prec
    return ll, R, S, Q


def load(p):
    N, n, d = p["N"], p["n"], p["d"]
    X = np.fromfile(p["x"], dtype=np.float64, count=N * d).reshape(N, d)
    s = np.fromfile(p["start"], dtype=np.float64)
    means = s[:n * d].reshape(n, d).copy()
    var = s[n * d:2 * n * d].reshape(n, d).copy()
    w = s[2 * n * d:2 * n * d + n].copy()
    return X, means, var, w


def numpy_point(p):
    X, means, var, w = load(p)
    c = np.ones(X.shape[0])
    d = X.shape[1]
    log_norm = np.log(w) - 0.5 * np.log(2 * np.pi * var).sum(axis=1)
    if p["layout"] == "spherical":
        fn = lambda: fused_pass(X, c, means, log_norm, 1.0 / var[:, 0])  # noqa: E731
    else:
        fn = lambda: fused_pass_diag(X, c, means, log_norm, 1.0 / var)  # noqa: E731
    t, out = timed(fn, p["reps"], CLOCK)
    return t, out[0]


def sklearn_point(p):
    from sklearn.mixture import GaussianMixture
    from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

    X, means, var, w = load(p)
    kind = "spherical" if p["layout"] == "spherical" else "diag"
    cov = var[:, 0].copy() if kind == "spherical" else var
    gm = GaussianMixture(n_components=p["n"], covariance_type=kind, reg_covar=1e-6, max_iter=1)

    def iteration():
        # Back to the start, then one EM iteration exactly as fit() runs it: E-step, M-step.
        gm.weights_, gm.means_, gm.covariances_ = w.copy(), means.copy(), cov.copy()
        gm.precisions_cholesky_ = _compute_precision_cholesky(gm.covariances_, kind)
        ll, log_resp = gm._e_step(X)
        gm._m_step(X, log_resp)
        return ll * X.shape[0]

    return timed(iteration, p["reps"], CLOCK)


def blas_info():
    """Which BLAS kernel runs: threadpoolctl when it knows the library, else OpenBLAS's own corename."""
    try:
        from threadpoolctl import threadpool_info
        info = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")} for i in threadpool_info()]
        if info:
            return info
    except ImportError:
        pass
    import ctypes
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line})
    for path in libs:
        lib = ctypes.CDLL(path)
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", ""):
                f = getattr(lib, f"{prefix}get_corename{suffix}", None)
                if f is not None:
                    f.restype = ctypes.c_char_p
                    threads = getattr(lib, f"{prefix}get_num_threads{suffix}")
                    return [{"internal_api": "openblas", "architecture": f().decode(), "num_threads": threads(), "filepath": path}]
    return "unknown"


def main():
    which, spec_path = sys.argv[1], sys.argv[2]
    spec = json.load(open(spec_path))
    print(json.dumps({"peer": which, "numpy": np.__version__, "python": sys.version.split()[0], "blas": blas_info()}), flush=True)
    run = numpy_point if which == "numpy" else sklearn_point
    for p in spec["points"]:
        t, ll = run(p)
        print(json.dumps({"N": p["N"], "n": p["n"], "d": p["d"], "layout": p["layout"], "median_s": t, "ll": ll}), flush=True)


if __name__ == "__main__":
    main()
