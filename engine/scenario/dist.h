/*
 * dist.h - the distributions an uncertain parameter may have, and their
 * own parameters from a mean and standard deviation (method of moments).
 *
 * The loader refuses a distribution that dist_problem finds fault with,
 * and the draws and quantiles (draw.c) check again, so that every value
 * reaching GSL's samplers and distribution functions lies where they are
 * finite and never signal an error (GSL's default handler aborts). The
 * bounds, and why:
 *   gamma:     shape (m/s)^2 in [1e-3, 1e5], i.e. sd/mean in [0.00316,
 *              31.6]. Beyond 1e5 GSL's incomplete gamma function runs out
 *              of iterations near the mean (and aborts); below 1e-3 nearly
 *              every draw is 0.
 *   lognormal: sd/mean in the same [0.00316, 31.6] (sigma^2 = ln(1 +
 *              (s/m)^2) up to 6.9), so mu and sigma are finite.
 *   beta:      alpha = m k and beta = (1 - m) k, k = m (1 - m) / s^2 - 1,
 *              each in [1e-3, 1e5]: beyond, GSL's incomplete beta
 *              continued fraction fails to converge (NaN).
 *   normal:    sd > 0 and at least 5% of its probability inside the
 *              number's range, so that redrawing until a draw lands there
 *              (at most 1000 tries) practically always succeeds.
 *
 * Private to engine/scenario.
 */
#ifndef CASCADE_SCENARIO_DIST_H
#define CASCADE_SCENARIO_DIST_H

#include <stddef.h>

#include "cascade/scenario.h"

#define DIST_SHAPE_MIN 1e-3
#define DIST_SHAPE_MAX 1e5
#define DIST_NORMAL_MIN_MASS 0.05

/* shape = (m/s)^2, scale = s^2/m, computed without overflow. */
void dist_gamma(double m, double s, double *shape, double *scale);
/* alpha = m k, beta = (1 - m) k, k = m (1 - m) / s^2 - 1. */
void dist_beta(double m, double s, double *alpha, double *beta);
/* sigma^2 = ln(1 + (s/m)^2), mu = ln m - sigma^2 / 2. */
void dist_lognormal(double m, double s, double *mu, double *sigma);

/*
 * NULL if a parameter of distribution dist with numbers a, b, c (as in
 * cs_parameter) kept in [lo, hi] can be drawn and inverted; else what was
 * expected, as "expected ...", written into buf.
 */
const char *dist_problem(cs_distribution dist, double a, double b, double c,
                         double lo, double hi, char *buf, size_t size);

#endif
