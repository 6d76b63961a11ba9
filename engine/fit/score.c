/*
 * score.c - scores of forecasts and the naive benchmarks (score.h; the
 * formulas, references and worked examples are in docs/scores.md).
 *
 * The ensemble CRPS uses the sorted-sample identity
 *   sum_i sum_j |x_i - x_j| = 2 sum_i (2i - n - 1) x_(i)   (i = 1..n)
 * so it is O(n) after an O(n log n) sort instead of O(n^2).
 */
#include "cascade/score.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/error.h"

#define INV_SQRT_PI 0.56418958354775628694807945156 /* 1 / sqrt(pi) */

double cs_score_ape(double forecast, double actual)
{
    if (!isfinite(forecast) || !isfinite(actual) || actual == 0)
        return NAN;
    return fabs(forecast - actual) / fabs(actual);
}

double cs_score_error(double forecast, double actual)
{
    return forecast - actual;
}

double cs_score_crps_sorted(const double *sorted, int n, double y, int fair)
{
    if (n < (fair ? 2 : 1))
        return NAN;
    double to_y = 0, spread = 0;
    for (int i = 0; i < n; i++) {
        to_y += fabs(sorted[i] - y);
        spread += (2.0 * (i + 1) - n - 1) * sorted[i];
    }
    /* E|X - y| - (1/2) E|X - X'|, with E|X - X'| = 2 spread / n^2 (or over
     * the n(n - 1) distinct pairs for the fair score). */
    double pairs = fair ? (double)n * (n - 1) : (double)n * n;
    return to_y / n - spread / pairs;
}

static int crps_ensemble(const double *samples, int n, double y, int fair,
                         double *crps)
{
    if (n < (fair ? 2 : 1) || !isfinite(y))
        return CS_EINPUT;
    for (int i = 0; i < n; i++)
        if (!isfinite(samples[i]))
            return CS_EINPUT;
    double *sorted = malloc((size_t)n * sizeof *sorted);
    if (!sorted)
        return CS_ENOMEM;
    memcpy(sorted, samples, (size_t)n * sizeof *sorted);
    gsl_sort(sorted, 1, (size_t)n);
    *crps = cs_score_crps_sorted(sorted, n, y, fair);
    free(sorted);
    return CS_OK;
}

int cs_score_crps_ensemble(const double *samples, int n, double actual,
                           double *crps)
{
    return crps_ensemble(samples, n, actual, 0, crps);
}

int cs_score_crps_ensemble_fair(const double *samples, int n, double actual,
                                double *crps)
{
    return crps_ensemble(samples, n, actual, 1, crps);
}

double cs_score_crps_normal(double mu, double sigma, double y)
{
    if (!isfinite(mu) || !isfinite(sigma) || !isfinite(y) || sigma < 0)
        return NAN;
    if (sigma == 0)
        return fabs(y - mu);
    double z = (y - mu) / sigma;
    return sigma * (z * (2 * gsl_cdf_ugaussian_P(z) - 1) +
                    2 * gsl_ran_ugaussian_pdf(z) - INV_SQRT_PI);
}

double cs_score_interval(double lo, double hi, double alpha, double y)
{
    if (!isfinite(lo) || !isfinite(hi) || !isfinite(y) || !(alpha > 0) ||
        !(alpha < 1) || lo > hi)
        return NAN;
    double score = hi - lo;
    if (y < lo)
        score += 2 / alpha * (lo - y);
    if (y > hi)
        score += 2 / alpha * (y - hi);
    return score;
}

double cs_score_quantile_sorted(const double *sorted, int n, double q)
{
    if (n < 1 || !(q >= 0 && q <= 1))
        return NAN;
    return gsl_stats_quantile_from_sorted_data(sorted, 1, (size_t)n, q);
}

/* The index of the last observed value, or -1; CS_EINPUT through *bad if a
 * value is infinite. */
static int last_observed(const double *h, int n, int *bad)
{
    int last = -1;
    *bad = 0;
    for (int i = 0; i < n; i++) {
        if (isnan(h[i]))
            continue;
        if (!isfinite(h[i]))
            *bad = 1;
        last = i;
    }
    return last;
}

int cs_benchmark_persistence(const double *h, int n, int ahead, double *mean,
                             double *sd)
{
    int bad;
    if (!h || n < 1 || ahead < 1)
        return CS_EINPUT;
    int last = last_observed(h, n, &bad);
    if (bad || last < 0)
        return CS_EINPUT;
    /* Mean square of the changes between consecutive observed years. */
    double sum2 = 0;
    int changes = 0;
    for (int i = 1; i < n; i++)
        if (!isnan(h[i]) && !isnan(h[i - 1])) {
            double c = h[i] - h[i - 1];
            sum2 += c * c;
            changes++;
        }
    if (changes == 0)
        return CS_EINPUT;
    int k = n - 1 + ahead - last;
    *mean = h[last];
    *sd = sqrt(sum2 / changes) * sqrt((double)k);
    return CS_OK;
}

#define TREND_MAX_WINDOW 64

int cs_benchmark_trend(const double *h, int n, int window, int ahead,
                       double *mean, double *sd)
{
    int bad;
    if (window <= 0)
        window = 3;
    if (!h || n < 1 || ahead < 1 || window < 3 || window > TREND_MAX_WINDOW)
        return CS_EINPUT;
    int last = last_observed(h, n, &bad);
    if (bad || last < 0)
        return CS_EINPUT;
    /* The last `window` observed values, oldest first. */
    double x[TREND_MAX_WINDOW], y[TREND_MAX_WINDOW];
    int m = 0;
    for (int i = n - 1; i >= 0 && m < window; i--)
        if (!isnan(h[i]))
            m++;
    if (m < window)
        return CS_EINPUT;
    m = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(h[i]))
            m++;
    int skip = m - window, j = 0;
    m = 0;
    for (int i = 0; i < n; i++) {
        if (isnan(h[i]))
            continue;
        if (m++ < skip)
            continue;
        x[j] = i;
        y[j] = h[i];
        j++;
    }
    double c0, c1, cov00, cov01, cov11, sumsq;
    gsl_fit_linear(x, 1, y, 1, (size_t)window, &c0, &c1, &cov00, &cov01, &cov11,
                   &sumsq);
    /* Random walk with drift on the same values: changes over gaps. */
    double gaps = 0, total = 0;
    for (int i = 1; i < window; i++) {
        gaps += x[i] - x[i - 1];
        total += y[i] - y[i - 1];
    }
    double drift = total / gaps, ss = 0;
    for (int i = 1; i < window; i++) {
        double g = x[i] - x[i - 1];
        double e = y[i] - y[i - 1] - g * drift;
        ss += e * e / g;
    }
    double s = sqrt(ss / (window - 2)); /* window - 1 changes, one drift */
    int k = n - 1 + ahead - last;
    *mean = c0 + c1 * (n - 1 + ahead);
    *sd = s * sqrt(k * (1 + k / gaps));
    return CS_OK;
}
