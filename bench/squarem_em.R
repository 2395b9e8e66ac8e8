# R's SQUAREM (squarem1, scheme S3) on the same EM map, parameterization and starts as mixfit's solvers, for
# bench/solvers.mjs. Usage: Rscript bench/squarem_em.R job.json  → one JSON document on stdout.
# job: { X (N·d row-major) | truth {means, weights, variance} + nodes, N, d, c (row weights or null), n,
#        learnWeights, covariance ('fixed' | 'spherical' | 'diagonal'), variance, regCovar, maxiter, objfnInc,
#        starts: [{ means (n·d), logWeights (n), variances (n or n·d; ignored when fixed) }] }
# θ = [means (n·d, row-major) | logits (n, if learned) | log(σ² − regCovar) (n or n·d, if learned)], the layout of
# src/solvers/parameterization.ts; the map is the M-step of src/solvers/mixtureProblem.ts (σ² = spread + regCovar).
# Every fixptfn call and every objfn call is one pass; the trace records the loss of every objfn call.
suppressMessages({
  ok <- requireNamespace("SQUAREM", quietly = TRUE) && requireNamespace("jsonlite", quietly = TRUE)
})
if (!ok) { cat('{"skipped": "R packages SQUAREM and jsonlite are needed (Debian r-cran-squarem)"}\n'); quit(status = 0) }
job <- jsonlite::fromJSON(commandArgs(trailingOnly = TRUE)[1], simplifyVector = TRUE)
d <- job$d; n <- job$n; reg <- job$regCovar
layout <- job$covariance
nvar <- switch(layout, fixed = 0, spherical = n, diagonal = n * d)

# Tensor Gauss–Hermite points of each true component (Golub–Welsch), weights w*_j × node weight, dropping
# points below 1e-18 × the largest grid weight as populationObjective does.
gaussHermite <- function(m) {
  J <- matrix(0, m, m)
  for (k in seq_len(m - 1)) J[k, k + 1] <- J[k + 1, k] <- sqrt(k)
  e <- eigen(J, symmetric = TRUE)
  list(z = e$values, w = e$vectors[1, ]^2)
}
if (!is.null(job$truth)) {
  gh <- gaussHermite(job$nodes)
  grid <- as.matrix(expand.grid(rep(list(seq_along(gh$z)), d)))
  gw <- apply(grid, 1, function(ix) prod(gh$w[ix]))
  keep <- gw >= 1e-18 * max(gh$w)^d
  grid <- grid[keep, , drop = FALSE]; gw <- gw[keep]
  Z <- matrix(gh$z[grid], ncol = d)
  tm <- matrix(job$truth$means, ncol = d, byrow = TRUE)
  X <- do.call(rbind, lapply(seq_len(nrow(tm)), function(j) sweep(Z * sqrt(job$truth$variance), 2, tm[j, ], "+")))
  cw <- unlist(lapply(job$truth$weights, function(wj) wj * gw))
} else {
  X <- matrix(job$X, ncol = d, byrow = TRUE)
  cw <- if (is.null(job[["c"]])) rep(1, nrow(X)) else job[["c"]]  # [[ ]]: job$c would partially match job$covariance
}
C <- sum(cw)

decode <- function(th) {
  mu <- matrix(th[1:(n * d)], n, d, byrow = TRUE)
  off <- n * d
  if (job$learnWeights) { a <- th[off + 1:n]; lw <- a - max(a) - log(sum(exp(a - max(a)))); off <- off + n } else lw <- fixedLogW
  v <- if (nvar == 0) matrix(job$variance, n, d) else if (layout == "spherical") matrix(reg + exp(th[off + 1:n]), n, d) else
    matrix(reg + exp(th[off + 1:(n * d)]), n, d, byrow = TRUE)
  list(mu = mu, lw = lw, v = v)
}
encode <- function(mu, lw, v) {
  th <- as.vector(t(mu))
  if (job$learnWeights) th <- c(th, pmax(lw, -700))
  if (layout == "spherical") th <- c(th, log(pmax(v[, 1] - reg, 1e-300)))
  if (layout == "diagonal") th <- c(th, log(pmax(as.vector(t(v)) - reg, 1e-300)))
  th
}
# log w_i + log N(x; μ_i, diag v_i) for every row and component (N × n), and the per-row log-likelihood.
logJoint <- function(p) {
  L <- sapply(seq_len(n), function(i) {
    D2 <- sweep(X, 2, p$mu[i, ])^2
    p$lw[i] - 0.5 * as.vector(D2 %*% (1 / p$v[i, ])) - 0.5 * sum(log(2 * pi * p$v[i, ]))
  })
  L <- matrix(L, ncol = n)
  m <- L[cbind(seq_len(nrow(L)), max.col(L, ties.method = "first"))]
  list(L = L, ll = m + log(rowSums(exp(L - m))))
}

passes <- 0; t0 <- proc.time()[["elapsed"]]
traceEv <- numeric(0); traceLoss <- numeric(0); traceMs <- numeric(0)
objfn <- function(th) {
  passes <<- passes + 1
  f <- -sum(cw * logJoint(decode(th))$ll) / C
  traceEv <<- c(traceEv, passes); traceLoss <<- c(traceLoss, f); traceMs <<- c(traceMs, 1000 * (proc.time()[["elapsed"]] - t0))
  f
}
fixptfn <- function(th) {
  passes <<- passes + 1
  p <- decode(th)
  J <- logJoint(p)
  Rr <- exp(J$L - J$ll) * cw                      # c_q r_qi
  R <- colSums(Rr)
  mu <- p$mu; lw <- p$lw; v <- p$v
  for (i in seq_len(n)) {
    if (!(R[i] > 1e-300 * C)) next
    mu[i, ] <- colSums(Rr[, i] * X) / R[i]
    if (job$learnWeights) lw[i] <- log(R[i] / C)
    D2 <- colSums(Rr[, i] * sweep(X, 2, mu[i, ])^2) / R[i]
    if (layout == "spherical") v[i, ] <- max(sum(D2) / d, 0) + reg
    if (layout == "diagonal") v[i, ] <- pmax(D2, 0) + reg
  }
  encode(mu, lw, v)
}

runs <- lapply(seq_len(nrow(job$starts$means)), function(s) {
  fixedLogW <<- job$starts$logWeights[s, ]
  st <- list(mu = matrix(job$starts$means[s, ], n, d, byrow = TRUE), lw = fixedLogW,
             v = if (nvar == 0) matrix(job$variance, n, d) else if (layout == "spherical") matrix(job$starts$variances[s, ], n, d)
                 else matrix(job$starts$variances[s, ], n, d, byrow = TRUE))
  passes <<- 0; traceEv <<- numeric(0); traceLoss <<- numeric(0); traceMs <<- numeric(0); t0 <<- proc.time()[["elapsed"]]
  r <- tryCatch(SQUAREM::squarem(par = encode(st$mu, st$lw, st$v), fixptfn = fixptfn, objfn = objfn,
                                 control = list(maxiter = job$maxiter, tol = job$tol, objfn.inc = job$objfnInc)),
                error = function(e) list(error = conditionMessage(e)))
  fin <- if (is.null(r$par)) NULL else decode(r$par)
  list(evaluations = traceEv, loss = traceLoss, ms = traceMs, fpevals = r$fpevals, objfevals = r$objfevals, error = r$error,
       finalLoss = r$value.objfn, minVariance = if (is.null(fin)) NA else min(fin$v))
})
cat(jsonlite::toJSON(list(squarem = as.character(packageVersion("SQUAREM")), r = R.version.string, runs = runs),
                     auto_unbox = TRUE, digits = NA, null = "null"), "\n")
