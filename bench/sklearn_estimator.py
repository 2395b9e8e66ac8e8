"""scikit-learn's GaussianMixture on the jobs written by bench/estimator.mjs (the peer of `npm run bench:estimator`).

Usage: /usr/bin/python3 bench/sklearn_estimator.py JOBS.json
JOBS.json: {"reps": R, "jobs": [{"name", "data": path of row-major float64, "rows", "cols", "nComponents",
"covariance": "diag" | "spherical", "tol", "maxIter", "regCovar", "means", "weights", "variances"}]}.
Every job starts from the given means, weights and variances (means_init, weights_init, precisions_init),
i.e. the same start as mixfit, so both run EM from the same point.

Prints one JSON line per job: iterations, converged, median wall seconds of `fit` over R repetitions,
the final mean log-likelihood (`score(X)`, sklearn's lower-bound convention) and the environment
(versions, BLAS threads and kernel from threadpoolctl). When numpy or scikit-learn are missing it prints
one line {"skipped": reason} and exits 0; the caller then prints mixfit's columns alone.
"""
import json
import os
import sys
import time
import warnings

try:
    import numpy as np
    import sklearn
    from sklearn.mixture import GaussianMixture
except ImportError as e:  # reported by the caller
    print(json.dumps({"skipped": f"scikit-learn not available: {e}"}))
    sys.exit(0)


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            i = info[0]
            return f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')} kernel, {i.get('num_threads')} threads)"
    except Exception:  # threadpoolctl is optional
        pass
    return "unknown"


def make(job, max_iter):
    n = job["nComponents"]
    cov = job["covariance"]
    variances = np.asarray(job["variances"], dtype=np.float64)
    return GaussianMixture(
        n_components=n, covariance_type=cov, tol=job["tol"], max_iter=max_iter, reg_covar=job["regCovar"],
        means_init=np.asarray(job["means"], dtype=np.float64),
        weights_init=np.asarray(job["weights"], dtype=np.float64),
        precisions_init=1.0 / variances,
        init_params="random", random_state=0,  # init_params is unused when all three *_init are given
    )


def main():
    spec = json.load(open(sys.argv[1]))
    reps = int(spec.get("reps", 3))
    env = {
        "sklearn": sklearn.__version__, "numpy": np.__version__, "blas": blas_info(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
    }
    print(json.dumps({"env": env}), flush=True)
    for job in spec["jobs"]:
        X = np.fromfile(job["data"], dtype=np.float64).reshape(job["rows"], job["cols"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning is reported through `converged`
            make(job, 2).fit(X)  # warm-up: imports, BLAS thread start, page faults
            times = []
            for _ in range(reps):
                gm = make(job, job["maxIter"])
                t0 = time.perf_counter()
                gm.fit(X)
                times.append(time.perf_counter() - t0)
        times.sort()
        print(json.dumps({
            "name": job["name"], "n_iter": int(gm.n_iter_), "converged": bool(gm.converged_),
            "seconds": times[len(times) // 2], "score": float(gm.score(X)),
            "lower_bound": float(gm.lower_bound_),
        }), flush=True)


if __name__ == "__main__":
    main()
