/*
 * dist.c - which distributions a parameter may have (see dist.h).
 */
#include "scenario/dist.h"

#include <math.h>
#include <stdio.h>

#include <gsl/gsl_cdf.h>

void dist_gamma(double m, double s, double *shape, double *scale)
{
    double ratio = s / m;
    *shape = 1 / (ratio * ratio);
    *scale = s * ratio;
}

void dist_beta(double m, double s, double *alpha, double *beta)
{
    double k = (m / s) * ((1 - m) / s) - 1;
    *alpha = m * k;
    *beta = (1 - m) * k;
}

void dist_lognormal(double m, double s, double *mu, double *sigma)
{
    double ratio = s / m, sigma2 = log1p(ratio * ratio);
    *mu = log(m) - sigma2 / 2;
    *sigma = sqrt(sigma2);
}

static int shape_ok(double x)
{
    return x >= DIST_SHAPE_MIN && x <= DIST_SHAPE_MAX;
}

/* P(lo <= X <= hi) for X normal(m, s), s > 0. */
static double normal_mass(double m, double s, double lo, double hi)
{
    double zl = (lo - m) / s, zh = (hi - m) / s;
    zl = zl < -40 ? -40 : zl > 40 ? 40 : zl;
    zh = zh < -40 ? -40 : zh > 40 ? 40 : zh;
    return gsl_cdf_ugaussian_P(zh) - gsl_cdf_ugaussian_P(zl);
}

const char *dist_problem(cs_distribution dist, double a, double b, double c,
                         double lo, double hi, char *buf, size_t size)
{
    double x, y;
    if (!isfinite(a) || !isfinite(b) || !isfinite(c)) {
        snprintf(buf, size, "expected finite numbers");
        return buf;
    }
    switch (dist) {
    case CS_DIST_BETA:
    case CS_DIST_GAMMA:
    case CS_DIST_LOGNORMAL:
    case CS_DIST_NORMAL:
        if (!(b > 0)) {
            snprintf(buf, size, "expected sd > 0");
            return buf;
        }
        break;
    case CS_DIST_UNIFORM:
        if (!(a < b)) {
            snprintf(buf, size, "expected min < max");
            return buf;
        }
        return NULL;
    case CS_DIST_TRIANGULAR:
        if (!(a <= b && b <= c && a < c)) {
            snprintf(buf, size, "expected min <= mode <= max, min < max");
            return buf;
        }
        return NULL;
    default:
        snprintf(buf, size, "expected a known distribution");
        return buf;
    }
    switch (dist) {
    case CS_DIST_BETA:
        if (!(a > 0 && a < 1 && b * b < a * (1 - a))) {
            snprintf(buf, size,
                     "expected a beta mean in (0, 1) with sd^2 < mean (1 - "
                     "mean)");
            return buf;
        }
        dist_beta(a, b, &x, &y);
        if (!shape_ok(x) || !shape_ok(y)) {
            snprintf(buf, size,
                     "expected a beta whose shapes alpha = mean k and beta = "
                     "(1 - mean) k, with k = mean (1 - mean) / sd^2 - 1, are "
                     "from 0.001 to 100000, found alpha %.3g and beta %.3g",
                     x, y);
            return buf;
        }
        return NULL;
    case CS_DIST_GAMMA:
    case CS_DIST_LOGNORMAL:
        if (!(a > 0)) {
            snprintf(buf, size, "expected a mean > 0");
            return buf;
        }
        dist_gamma(a, b, &x, &y);
        if (!shape_ok(x)) {
            snprintf(buf, size,
                     "expected a %s with sd/mean from 0.00316 to 31.6 (%s), "
                     "found sd/mean %.3g%s",
                     dist == CS_DIST_GAMMA ? "gamma" : "lognormal",
                     dist == CS_DIST_GAMMA
                         ? "a shape (mean/sd)^2 from 0.001 to 100000"
                         : "as for gamma",
                     b / a,
                     x > DIST_SHAPE_MAX ? "; a number known this well can "
                                          "be written plainly"
                                        : "");
            return buf;
        }
        return NULL;
    default: /* normal */
        x = normal_mass(a, b, lo, hi);
        if (!(x >= DIST_NORMAL_MIN_MASS)) {
            snprintf(buf, size,
                     "expected a normal with at least 5%% of its probability "
                     "in the number's range %g to %g, found %.3g%% (draws "
                     "outside it are redrawn)",
                     lo, hi, 100 * x);
            return buf;
        }
        return NULL;
    }
}
