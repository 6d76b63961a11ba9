/*
 * voi.c - value of information over parameter draws (see econ.h): the
 * expected net monetary benefit of each option, the probability that each
 * is best, and the expected value of perfect information with its Monte
 * Carlo standard error, from a matrix of net monetary benefits
 * nmb[draw][option].
 *
 * EVPI = E[max_k NMB_k] - max_k E[NMB_k] (Raiffa and Schlaifer 1961;
 * Briggs, Claxton and Sculpher 2006, "Decision modelling for health
 * economic evaluation", ch. 6). It is estimated as the mean over draws of
 * d = max_k NMB_k - NMB_b, b the option of highest mean NMB, which is the
 * same number as the difference of the two means but has a standard error
 * of its own: sd(d) / sqrt(n). That standard error takes b as given; the
 * estimate is also biased (low, by at most the sampling error of choosing
 * b) when two options' means are within their standard errors.
 */
#include <assert.h>
#include <math.h>
#include <stddef.h>

#include "cascade/econ.h"

int cs_voi_compute(const double *nmb, long n, int k, double *expected,
                   double *p_best, cs_voi *out, cs_error *err)
{
    if (n < 1 || k < 1)
        return cs_error_set(err, CS_EINPUT,
                            "value of information: expected at least one "
                            "draw and one option, found %ld draws and %d "
                            "options",
                            n, k);
    for (int j = 0; j < k; j++)
        expected[j] = p_best[j] = 0;
    /* means by a running (Welford) update: exact for equal draws, stable
     * for large ones */
    for (long r = 0; r < n; r++) {
        const double *row = nmb + (size_t)r * (size_t)k;
        double top = -INFINITY;
        int ties = 0;
        for (int j = 0; j < k; j++) {
            if (!isfinite(row[j]))
                return cs_error_set(err, CS_EINPUT,
                                    "value of information: the net monetary "
                                    "benefit of option %d in draw %ld is not "
                                    "a number (%g)",
                                    j, r, row[j]);
            expected[j] += (row[j] - expected[j]) / (double)(r + 1);
            if (row[j] > top) {
                top = row[j];
                ties = 1;
            } else if (row[j] == top) {
                ties++;
            }
        }
        /* ties share the draw */
        for (int j = 0; j < k; j++)
            if (row[j] == top)
                p_best[j] += 1.0 / ties;
    }
    int best = 0;
    for (int j = 1; j < k; j++)
        if (expected[j] > expected[best])
            best = j;
    double mean = 0, m2 = 0; /* of d = max - nmb[best] */
    for (long r = 0; r < n; r++) {
        const double *row = nmb + (size_t)r * (size_t)k;
        double top = row[0];
        for (int j = 1; j < k; j++)
            if (row[j] > top)
                top = row[j];
        double d = top - row[best];
        assert(d >= 0); /* top is the row's maximum */
        double delta = d - mean;
        mean += delta / (double)(r + 1);
        m2 += delta * (d - mean);
    }
    for (int j = 0; j < k; j++)
        p_best[j] /= (double)n;
    out->best = best;
    out->n_draws = n;
    out->evpi = mean;
    out->evpi_se = n > 1 ? sqrt(m2 / (double)(n - 1) / (double)n) : NAN;
    return CS_OK;
}
