"""Fixture for test/fullCovariance.test.ts: scikit-learn's EM for covariance_type 'full' and 'tied' from a
fixed start, iteration by iteration, on iris and wine (bundled with scikit-learn, no download).

Usage: /usr/bin/python3 bench/sklearn_full_em.py > test/fixtures/sklearn-full-em.json
For each data set and layout: the data, the start (means = rows chosen below, uniform weights, every
covariance = the data's covariance), and after each of ITERS single EM steps (GaussianMixture with
max_iter=k, tol=0 and warm_start=False from the same start) the weights, means, covariances,
precisions_cholesky_ and the mean log-likelihood of the E-step that preceded the M-step; plus
score_samples at the start parameters and _n_parameters(); and score_samples, bic and aic of the
model after the last step. Floats are written with repr, so they
round-trip exactly.
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

ITERS = 5
REG = 1e-6


def start(X, rows, cov_type):
    n = len(rows)
    d = X.shape[1]
    C = np.cov(X.T, bias=True)
    means = X[rows].copy()
    weights = np.full(n, 1.0 / n)
    covs = C[None, :, :].repeat(n, axis=0) if cov_type == "full" else C
    precs = np.linalg.inv(covs)
    return means, weights, covs, precs


def run(name, X, rows):
    out = []
    for cov_type in ("full", "tied"):
        means, weights, covs, precs = start(X, rows, cov_type)
        steps = []
        for k in range(1, ITERS + 1):
            gm = GaussianMixture(n_components=len(rows), covariance_type=cov_type, max_iter=k, tol=0.0,
                                 reg_covar=REG, means_init=means, weights_init=weights, precisions_init=precs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                gm.fit(X)
            steps.append({
                "weights": gm.weights_.tolist(), "means": gm.means_.tolist(),
                "covariances": gm.covariances_.tolist(), "precisionsCholesky": gm.precisions_cholesky_.tolist(),
                "lowerBound": float(gm.lower_bound_),
            })
        # The model after ITERS steps: its score_samples and bic (test/estimator-full.test.ts scores ours with them).
        final = {"scoreSamples": gm.score_samples(X).tolist(), "bic": float(gm.bic(X)), "aic": float(gm.aic(X))}
        ref = GaussianMixture(n_components=len(rows), covariance_type=cov_type, means_init=means,
                              weights_init=weights, precisions_init=precs)
        ref._initialize(X, np.zeros((X.shape[0], len(rows))))  # sets the *_init parameters, as fit does first
        out.append({
            "data": name, "covariance": cov_type, "regCovar": REG, "X": X.tolist(),
            "start": {"means": means.tolist(), "weights": weights.tolist(), "covariances": covs.tolist(),
                      "precisionsCholesky": ref.precisions_cholesky_.tolist()},
            "scoreSamplesAtStart": ref.score_samples(X).tolist(),
            "nParameters": int(ref._n_parameters()),
            "steps": steps,
            "final": final,
        })
    return out


def main():
    iris = load_iris().data.astype(np.float64)
    wine = load_wine().data.astype(np.float64)
    cases = run("iris", iris, [0, 50, 100]) + run("wine", wine, [0, 60, 130, 170])
    json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, "iterations": ITERS, "cases": cases},
              sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
