/*
 * sample.h - exact samplers the stepper calls millions of times a run,
 * faster than GSL's general ones where the stepper's counts are (internal).
 *
 * Both draw from any gsl_rng and give exactly the distribution named; only
 * the way the random numbers are used differs from GSL's functions, so a
 * stream gives other (equally distributed) values than GSL would.
 */
#ifndef CASCADE_SAMPLE_H
#define CASCADE_SAMPLE_H

#include <gsl/gsl_rng.h>

/* When fewer children than this are left to place, the rest are drawn
 * child by child (measured: 16 is about the break-even point against
 * gsl_ran_binomial on the England baseline; 8 to 32 are within noise). */
#define CS_SAMPLE_SMALL_N 16u

/*
 * Multinomial(n; p[0..k-1]) into out[0..k-1]. p need not be normalised
 * (its sum is the total) but must be finite and non-negative with a
 * positive sum. Conditional binomials (gsl_ran_binomial) in category
 * order while at least CS_SAMPLE_SMALL_N children are left; the rest take
 * one uniform each and find their category among the remaining ones by
 * inversion; the last category with positive p takes what is left.
 */
void cs_sample_multinomial(const gsl_rng *r, int k, unsigned int n,
                           const double *p, unsigned int *out);

/*
 * Hypergeometric: how many of the n1 "good" items a sample of t from
 * n1 + n2 holds (t is clipped to n1 + n2). When min(n1, t) and
 * min(n2, n1 + n2 - t) are both small, GSL's urn sampler on the smallest
 * equivalent problem (O(min) uniforms); otherwise Stadlober's ratio of
 * uniforms (HRUA), whose expected cost does not grow with the counts.
 */
unsigned int cs_sample_hypergeometric(const gsl_rng *r, unsigned int n1,
                                      unsigned int n2, unsigned int t);

#endif
