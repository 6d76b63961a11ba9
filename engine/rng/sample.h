/*
 * sample.h - exact samplers the stepper calls millions of times a run,
 * faster than GSL's general ones where the stepper's counts are (internal).
 *
 * Two families, each giving exactly the distribution named; only the way
 * the random numbers are used differs, so the same stream gives other
 * (equally distributed) values under each:
 *
 *   - the plain ones (cs_sample_multinomial, cs_sample_hypergeometric) draw
 *     from any gsl_rng and call GSL's binomial: the reference the stepper
 *     used first, kept as its twin (CS_SIM_SAMPLER_REFERENCE, sim.h);
 *   - the fast ones (cs_sample_binomial, cs_sample_place) draw from a
 *     cs_stream (stream.h) and are made for the stepper's work: a
 *     compartment's leavers in one binomial draw (inversion for small
 *     means, Hormann's BTRS for large ones), then their destinations.
 *
 * tests/rng holds both against the exact laws.
 */
#ifndef CASCADE_SAMPLE_H
#define CASCADE_SAMPLE_H

#include <gsl/gsl_rng.h>

#include "rng/stream.h"

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

/* ---- fast samplers, on a cs_stream ---- */

/* Below this mean (n min(p, 1 - p)) a binomial is drawn by inversion, at
 * or above it by BTRS, whose constants are made for means of 10 or more
 * (Hormann 1993). */
#define CS_BINOMIAL_INVERSION_MAX 20.0

/* "Not known yet" for the log argument of cs_sample_binomial. */
#define CS_BINOMIAL_LOG_UNKNOWN 1.0

/* The log argument of cs_sample_binomial for probability p:
 * log(1 - min(p, 1 - p)), which inversion needs (a caller drawing often
 * with the same p computes it once). */
double cs_binomial_log(double p);

/*
 * Binomial(n, p), exactly (up to double rounding: uniforms have 53 bits),
 * for p in [0, 1]. log_big is cs_binomial_log(p) or
 * CS_BINOMIAL_LOG_UNKNOWN. By symmetry it draws with p' = min(p, 1 - p);
 * when n p' < CS_BINOMIAL_INVERSION_MAX by inversion from 0 (one uniform,
 * drawn lazily: one word unless the first leaves the answer open; the
 * first test is whether nobody is drawn, probability (1 - p')^n),
 * otherwise by BTRS (W. Hormann, "The generation of binomial random
 * variates", J. Statist. Comput. Simul. 46 (1993) 101-110: transformed
 * rejection with a squeeze, about 1.2 pairs of uniforms a draw). n = 0,
 * p = 0 and p = 1 use no randomness.
 */
unsigned int cs_sample_binomial(cs_stream *s, unsigned int n, double p,
                                double log_big);

/* Below this many leavers left to place, cs_sample_place draws the rest
 * one uniform each. */
#define CS_PLACE_SMALL_N 8u

/*
 * Place n children among k >= 1 categories with probabilities proportional
 * to p[0..k-1] (finite, non-negative, positive sum): a multinomial, into
 * out[0..k-1]. Conditional binomials (cs_sample_binomial) in category order
 * while at least CS_PLACE_SMALL_N are left, then one uniform each among the
 * remaining categories by inversion; the last category with positive p
 * takes what is left. tail is scratch of k doubles.
 */
void cs_sample_place(cs_stream *s, int k, unsigned int n, const double *p,
                     double *tail, unsigned int *out);

/*
 * Binomial(n, p) for one fixed p and every n below a bound, tabled: the
 * monthly ageing draws binomial(n, 1/12) for every non-empty compartment.
 * For the n that cs_sample_binomial draws by inversion, the table holds
 * the walk's probabilities P(0), P(1), ... computed with the inversion's
 * own arithmetic, so cs_sample_binomial_tabled gives exactly what
 * cs_sample_binomial(s, n, p, cs_binomial_log(p)) gives from the same
 * words (tests/rng checks it for every tabled n) without computing them;
 * other n go to cs_sample_binomial.
 */
typedef struct cs_binomial_table cs_binomial_table;
cs_binomial_table *cs_binomial_table_alloc(double p);
void cs_binomial_table_free(cs_binomial_table *t);
unsigned int cs_sample_binomial_tabled(cs_stream *s, const cs_binomial_table *t,
                                       unsigned int n);

/*
 * Multinomial(n; p[0..k-1]) as the stepper draws it: p[0] is staying and
 * p[1..k-1] the ways out, summing with it to 1 (leaving, the sum of the
 * ways out, is capped at 1). How many leave is one cs_sample_binomial
 * draw; cs_sample_place puts them among the ways out. tail is scratch of k
 * doubles. The stepper makes the same two calls with the leaving
 * probability and its log computed once an epoch.
 */
void cs_sample_outcomes(cs_stream *s, int k, unsigned int n, const double *p,
                        double *tail, unsigned int *out);

#endif
