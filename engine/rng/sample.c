/*
 * sample.c - the stepper's multinomial and hypergeometric samplers (see
 * sample.h).
 *
 * Why not GSL's: gsl_ran_multinomial draws one binomial per category even
 * for two children, and a binomial costs a setup and a power; most of a
 * run's compartments hold a handful of children, for whom one uniform
 * each is far cheaper. gsl_ran_hypergeometric draws one uniform per item
 * sampled, and a full stage with capacity samples tens of thousands of
 * arrivals a month; the ratio-of-uniforms method costs a few log-gamma
 * evaluations whatever the counts.
 */
#include "rng/sample.h"

#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

void cs_sample_multinomial(const gsl_rng *r, int k, unsigned int n,
                           const double *p, unsigned int *out)
{
    double norm = 0;
    int last = -1; /* the last category that can be drawn */
    for (int i = 0; i < k; i++) {
        out[i] = 0;
        norm += p[i];
        if (p[i] > 0)
            last = i;
    }
    if (n == 0 || last < 0)
        return;
    /* conditional binomials, category i given the ones before it, until
     * few children are left: they are drawn one by one among the rest */
    double sum_p = 0;
    unsigned int left = n;
    int i = 0;
    for (; i < last && left >= CS_SAMPLE_SMALL_N; i++) {
        if (p[i] > 0) {
            double q = p[i] / (norm - sum_p);
            out[i] = q >= 1 ? left : gsl_ran_binomial(r, q, left);
            left -= out[i];
        }
        sum_p += p[i];
    }
    if (i == last) {
        out[last] += left;
        return;
    }
    double rest = norm - sum_p; /* the categories from i on */
    for (unsigned int j = 0; j < left; j++) {
        double u = gsl_rng_uniform(r) * rest, sum = 0;
        int c = i;
        for (; c < last; c++) {
            sum += p[c];
            if (u < sum)
                break;
        }
        out[c]++;
    }
}

/* Below this, the urn sampler (one uniform per item) is the cheaper. */
#define URN_MAX 24u

static double ln_fact(unsigned long x)
{
    return gsl_sf_lnfact((unsigned int)x);
}

/*
 * HRUA (Stadlober 1989, "Sampling from Poisson, binomial and
 * hypergeometric distributions: ratio of uniforms as a simple and fast
 * alternative"; Stadlober 1990, J. Comput. Appl. Math. 31, 181-189):
 * the number of the m "good" items in a sample of s from total, for
 * m <= total / 2 and s <= total / 2. A ratio-of-uniforms envelope around
 * the mode with a squeeze before the log-factorial test.
 */
static unsigned long hrua(const gsl_rng *r, unsigned long total,
                          unsigned long m, unsigned long s)
{
    const double d1 = 1.7155277699214135; /* 2 sqrt(2 / e) */
    const double d2 = 0.8989161620588988; /* 3 - 2 sqrt(3 / e) */
    double N = (double)total, p = (double)m / N, q = 1 - p;
    double mu = (double)s * p + 0.5;
    double sigma = sqrt((N - (double)s) * (double)s * p * q / (N - 1) + 0.5);
    double h = d1 * sigma + d2;
    unsigned long mode =
        (unsigned long)floor(((double)s + 1) * ((double)m + 1) / (N + 2));
    double g = ln_fact(mode) + ln_fact(m - mode) + ln_fact(s - mode) +
               ln_fact(total - m - s + mode);
    /* beyond 16 standard deviations the density is below 1e-16 */
    double upper = fmin((double)(s < m ? s : m) + 1, floor(mu + 16 * sigma));
    for (;;) {
        double u = gsl_rng_uniform_pos(r), v = gsl_rng_uniform(r);
        double x = mu + h * (v - 0.5) / u;
        if (x < 0 || x >= upper)
            continue;
        unsigned long k = (unsigned long)x;
        double t = g - (ln_fact(k) + ln_fact(m - k) + ln_fact(s - k) +
                        ln_fact(total - m - s + k));
        if (u * (4 - u) - 3 <= t) /* squeeze: surely inside */
            return k;
        if (u * (u - t) >= 1) /* squeeze: surely outside */
            continue;
        if (2 * log(u) <= t)
            return k;
    }
}

unsigned int cs_sample_hypergeometric(const gsl_rng *r, unsigned int n1,
                                      unsigned int n2, unsigned int t)
{
    unsigned long total = (unsigned long)n1 + n2;
    if (t > total)
        t = (unsigned int)total;
    if (t == 0 || n1 == 0)
        return 0;
    if (n2 == 0)
        return t;
    if (t == total)
        return n1;
    /* the same question about the smaller group and the smaller sample */
    unsigned long m = n1 <= n2 ? n1 : n2;
    unsigned long s = 2 * (unsigned long)t <= total ? t : total - t;
    unsigned long k; /* members of the smaller group in the smaller sample */
    if (m <= URN_MAX || s <= URN_MAX) {
        /* symmetric in group and sample: draw the smaller as the sample */
        unsigned long big = m > s ? m : s, small = m > s ? s : m;
        k = gsl_ran_hypergeometric(r, (unsigned int)big,
                                   (unsigned int)(total - big),
                                   (unsigned int)small);
    } else {
        k = hrua(r, total, m, s);
    }
    unsigned long good = n1 <= n2 ? k : s - k; /* good ones in that sample */
    /* that sample was the one left out when t is more than half */
    return (unsigned int)(2 * (unsigned long)t <= total ? good : n1 - good);
}
