"""scikit-learn's EM time per iteration for covariance_type 'full'/'tied' on the jobs of bench/estimator-full.mjs.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/sklearn_full_time.py JOBS.json
JOBS.json: {"reps": R, "jobs": [{"name", "data": path of row-major float64, "rows", "cols", "nComponents",
"covariance", "iters", "regCovar", "means", "weights", "covariances"}]}. Every job runs exactly `iters` EM
iterations (tol = 0) from the given start (means_init, weights_init, precisions_init = inverse covariances).
Prints one JSON line per job: median wall seconds and median process CPU seconds of `fit` over R
repetitions (after fits repeated for at least warmSeconds [0.3], and at least one), the iterations run and the mean log-likelihood of the fitted model (score(X); lower_bound_ is taken before the last
M-step, so it is one iteration behind the returned parameters); {"skipped": reason} when numpy or scikit-learn are missing.
"""
import json
import statistics
import sys
import time
import warnings

try:
    import numpy as np
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture
except ImportError as e:
    print(json.dumps({"skipped": f"scikit-learn not available: {e}"}))
    sys.exit(0)


def main():
    spec = json.load(open(sys.argv[1]))
    for job in spec["jobs"]:
        X = np.fromfile(job["data"], dtype=np.float64).reshape(job["rows"], job["cols"])
        cov = np.asarray(job["covariances"], dtype=np.float64)
        prec = np.linalg.inv(cov)
        prec = 0.5 * (prec + np.swapaxes(prec, -1, -2))  # inv rounds asymmetrically; sklearn checks symmetry

        def fit():
            gm = GaussianMixture(n_components=job["nComponents"], covariance_type=job["covariance"], tol=0.0,
                                 max_iter=job["iters"], reg_covar=job["regCovar"],
                                 means_init=np.asarray(job["means"]), weights_init=np.asarray(job["weights"]),
                                 precisions_init=prec)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                t, c = time.perf_counter(), time.process_time()
                gm.fit(X)
                return time.perf_counter() - t, time.process_time() - c, gm

        try:
            t0 = time.perf_counter()
            while True:
                fit()
                if time.perf_counter() - t0 >= spec.get("warmSeconds", 0.3):
                    break
        except ValueError as e:  # e.g. a start sklearn's own checks reject
            print(json.dumps({"name": job["name"], "error": str(e), "sklearn": sklearn.__version__}), flush=True)
            continue
        times, cpu, gm = [], [], None
        for _ in range(spec["reps"]):
            t, c, gm = fit()
            times.append(t)
            cpu.append(c)
        print(json.dumps({"name": job["name"], "seconds": statistics.median(times), "cpuSeconds": statistics.median(cpu),
                          "iters": int(gm.n_iter_),
                          "meanLogLik": float(gm.score(X)), "sklearn": sklearn.__version__}), flush=True)


if __name__ == "__main__":
    main()
