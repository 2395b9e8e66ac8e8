/* VLFeat peer of bench/grid.mjs: seconds per EM iteration of vl_gmm (diagonal covariances, double, one
 * thread) from a given start, on the data the grid writes.
 *
 *   cc -O2 bench/vlfeat_em.c -lvl -o vlfeat_em
 *   ./vlfeat_em X.f64 N d n start.f64 reps      (start.f64: means n·d, variances n·d, priors n)
 *
 * Prints one JSON line {"iter_s": median seconds per EM iteration, "e_s": median seconds per E-step, "ll"}.
 * vl_gmm_em with maxNumIterations = 1 runs E, M, E (its loop tests the iteration count after the E-step),
 * so one iteration (E + M, what the other peers and our pass cost) is that call minus one E-step timed
 * alone with vl_get_gmm_data_posteriors_d on the same start. Both are restarted from the start each rep.
 * With MIXFIT_CLOCK=cpu the times are this process's CPU time (CLOCK_PROCESS_CPUTIME_ID; one thread), else
 * wall time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vl/generic.h>
#include <vl/gmm.h>

static clockid_t clockId = CLOCK_MONOTONIC;

static double now(void) {
  struct timespec t;
  clock_gettime(clockId, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double *readDoubles(const char *path, size_t count) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  double *p = malloc(count * sizeof(double));
  if (!p || fread(p, sizeof(double), count, f) != count) { fprintf(stderr, "%s: short read\n", path); exit(2); }
  fclose(f);
  return p;
}

int main(int argc, char **argv) {
  if (argc != 7) { fprintf(stderr, "usage: %s X.f64 N d n start.f64 reps\n", argv[0]); return 2; }
  size_t N = strtoul(argv[2], 0, 10), d = strtoul(argv[3], 0, 10), n = strtoul(argv[4], 0, 10);
  int reps = atoi(argv[6]);
  const char *clockName = getenv("MIXFIT_CLOCK");
  if (clockName && strcmp(clockName, "cpu") == 0) clockId = CLOCK_PROCESS_CPUTIME_ID;
  double *X = readDoubles(argv[1], N * d);
  double *start = readDoubles(argv[5], 2 * n * d + n);
  double *means = start, *vars = start + n * d, *priors = start + 2 * n * d;
  double *post = malloc(N * n * sizeof(double));
  double *iter = malloc(reps * sizeof(double)), *estep = malloc(reps * sizeof(double));
  vl_set_num_threads(1);
  VlGMM *gmm = vl_gmm_new(VL_TYPE_DOUBLE, d, n);
  vl_gmm_set_initialization(gmm, VlGMMCustom);
  vl_gmm_set_max_num_iterations(gmm, 1);
  vl_gmm_set_covariance_lower_bound(gmm, 1e-6);
  double ll = 0;
  for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
    double t0 = now();
    ll = vl_get_gmm_data_posteriors_d(post, n, N, priors, means, d, vars, X);
    double e = now() - t0;
    vl_gmm_set_means(gmm, means);
    vl_gmm_set_covariances(gmm, vars);
    vl_gmm_set_priors(gmm, priors);
    t0 = now();
    vl_gmm_em(gmm, X, N);
    double em = now() - t0;
    if (r >= 0) { estep[r] = e; iter[r] = em - e; }
  }
  qsort(iter, reps, sizeof(double), cmp);
  qsort(estep, reps, sizeof(double), cmp);
  printf("{\"iter_s\": %.9g, \"e_s\": %.9g, \"ll\": %.17g}\n", iter[reps / 2], estep[reps / 2], ll);
  vl_gmm_delete(gmm);
  return 0;
}
