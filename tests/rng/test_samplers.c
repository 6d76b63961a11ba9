/*
 * test_samplers.c - the fast samplers (cs_stream, cs_sample_binomial,
 * cs_sample_place, cs_sample_outcomes) against the exact binomial and
 * multinomial laws, and against their plain twins.
 *
 * Every distribution test is a Pearson chi-square of a fixed-seed sample
 * against the exact probabilities (GSL's pdf and cdf functions), cells
 * pooled in order until each expects at least MIN_EXPECTED draws (5 is the
 * usual rule for the chi-square approximation to hold). A test fails when
 * the statistic exceeds the 1 - 1e-5 quantile of the chi-square law with
 * the pooled cells' degrees of freedom: a correct sampler fails a given
 * case with probability 1e-5, so the 40-odd cases here together with
 * probability below 5e-4, and, the seeds being fixed, the same way every
 * time. Against that, a sampler off by a relative 1% in a probability of
 * 0.05 shifts the statistic by about reps * 0.05 * 0.01^2 = 1 at 2e5
 * draws: these tests see errors of a few per cent in any cell that holds
 * 1% of the mass, and errors of 0.1% in the bulk only through the moments
 * (test_binomial_moments).
 */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "cascade/rng.h"
#include "rng/sample.h"
#include "rng/stream.h"

#define MIN_EXPECTED 5.0
#define P_FAIL 1e-5

/*
 * Chi-square of observed against expected counts over `cells` ordered
 * cells, pooling consecutive cells until each pool expects MIN_EXPECTED;
 * a remainder at the end short of that joins the last pool. A cell that
 * expects nothing must hold nothing.
 */
static void check_chi_square(const double *observed, const double *expected,
                             int cells, const char *what)
{
    double chi2 = 0, o = 0, e = 0, last_o = 0, last_e = 0;
    int pools = 0;
    for (int i = 0; i < cells; i++) {
        ck_assert_msg(expected[i] > 0 || observed[i] == 0,
                      "%s: %g draws in cell %d, where none can fall", what,
                      observed[i], i);
        o += observed[i];
        e += expected[i];
        if (e >= MIN_EXPECTED) {
            if (pools > 0)
                chi2 += (last_o - last_e) * (last_o - last_e) / last_e;
            last_o = o;
            last_e = e;
            pools++;
            o = e = 0;
        }
    }
    last_o += o; /* the short remainder joins the last pool */
    last_e += e;
    if (pools > 0 && last_e > 0)
        chi2 += (last_o - last_e) * (last_o - last_e) / last_e;
    int df = pools - 1;
    ck_assert_msg(df >= 1, "%s: %d pools, too few to test", what, pools);
    double limit = gsl_cdf_chisq_Qinv(P_FAIL, df);
    ck_assert_msg(chi2 < limit, "%s: chi-square %.2f on %d df, limit %.2f",
                  what, chi2, df, limit);
}

/* ---- the stream ---- */

/* A cs_stream gives the words cs_rng_philox gives for the same key. */
START_TEST(test_stream_is_the_philox_generator)
{
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_stream s;
    memset(&s, 0, sizeof s);
    const uint64_t seeds[3] = {0, 12345, 0x123456789abcdefULL};
    for (int k = 0; k < 3; k++) {
        cs_rng_reset(r, seeds[k], 7, CS_RNG_TRANSITIONS, 3u << 22 | 99);
        cs_stream_reset(&s, seeds[k], 7, CS_RNG_TRANSITIONS, 3u << 22 | 99);
        for (int i = 0; i < 1001; i++) {
            unsigned long want = gsl_rng_get(r);
            uint32_t got = cs_stream_u32(&s);
            ck_assert_msg(got == want, "seed %d word %d: %#lx, stream %#x", k,
                          i, want, (unsigned)got);
        }
    }
    /* 1001 words: 251 blocks in each of the 3 streams */
    ck_assert_uint_eq(s.counts.blocks, 3 * 251);
    gsl_rng_free(r);
}
END_TEST

/* Block 0 of many substreams at once, by every method this build and CPU
 * have (scalar always), is block 0 of each stream; and a stream started
 * with it (cs_stream_start, or cs_stream_restart on another substream)
 * goes on with the words of a plain stream. */
START_TEST(test_first_blocks_are_the_streams)
{
    enum { COUNT = 37 }; /* not a multiple of 4 or 8: the tails too */
    uint32_t sub[COUNT], out[4 * COUNT];
    for (int i = 0; i < COUNT; i++)
        sub[i] = (5u << 22) | (uint32_t)(3 * i + 1);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    int methods = 0;
    for (int method = CS_PHILOX_SCALAR; method <= CS_PHILOX_AVX2; method++) {
        memset(out, 0, sizeof out);
        if (cs_stream_first_blocks_by(method, 0xfeedbeef12345ULL, 9,
                                      CS_RNG_AGEING, sub, COUNT, out,
                                      COUNT) != 0)
            continue;
        methods++;
        for (int i = 0; i < COUNT; i++) {
            cs_rng_reset(r, 0xfeedbeef12345ULL, 9, CS_RNG_AGEING, sub[i]);
            for (int j = 0; j < 4; j++) {
                unsigned long want = gsl_rng_get(r);
                ck_assert_msg(out[j * COUNT + i] == want,
                              "method %d, substream %d, word %d: %#x, "
                              "expected %#lx",
                              method, i, j, (unsigned)out[j * COUNT + i], want);
            }
        }
    }
    ck_assert_int_ge(methods, 1);
    cs_stream_first_blocks(0xfeedbeef12345ULL, 9, CS_RNG_AGEING, sub, COUNT,
                           out, COUNT);
    cs_stream a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    cs_stream_start(&a, 0xfeedbeef12345ULL, 9, CS_RNG_AGEING, sub[36], out + 36,
                    COUNT);
    cs_stream_reset(&b, 0xfeedbeef12345ULL, 9, CS_RNG_AGEING, sub[36]);
    for (int i = 0; i < 50; i++)
        ck_assert_uint_eq(cs_stream_u32(&a), cs_stream_u32(&b));
    /* restarted on another substream of the same key, run and purpose
     * (after its 50 words), a stream goes on as one reset there */
    for (int k = 0; k < COUNT; k += 5) {
        cs_stream_restart(&a, sub[k], out + k, COUNT);
        cs_stream_reset(&b, 0xfeedbeef12345ULL, 9, CS_RNG_AGEING, sub[k]);
        for (int i = 0; i < 50; i++)
            ck_assert_msg(cs_stream_u32(&a) == cs_stream_u32(&b),
                          "restarted on substream %d: word %d differs", k, i);
    }
    gsl_rng_free(r);
}
END_TEST

/* 53-bit uniforms: in [0, 1), built from two words as documented, with
 * mean 1/2 and P(u < 2^-40) = 2^-40 (not 0, as 32 bits would give). */
START_TEST(test_stream_uniform_has_53_bits)
{
    cs_stream a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    cs_stream_reset(&a, 5, 0, CS_RNG_TEST, 0);
    cs_stream_reset(&b, 5, 0, CS_RNG_TEST, 0);
    double sum = 0, finest = 1;
    const int n = 1000000;
    for (int i = 0; i < n; i++) {
        double u = cs_stream_uniform(&a);
        uint32_t hi = cs_stream_u32(&b) >> 5, lo = cs_stream_u32(&b) >> 6;
        ck_assert(u == ldexp((double)hi, -27) + ldexp((double)lo, -53));
        ck_assert(u >= 0 && u < 1);
        sum += u;
        double frac = ldexp(u, 32) - floor(ldexp(u, 32));
        if (frac > 0 && frac < finest)
            finest = frac;
    }
    /* bits below 2^-32 are present: some draw has a fractional part there */
    ck_assert_msg(finest < 1e-3, "no bits below 2^-32 (finest %g)", finest);
    double se = sqrt(1.0 / 12 / n);
    ck_assert_msg(fabs(sum / n - 0.5) < 5 * se, "mean %g", sum / n);
}
END_TEST

/* ---- the binomial ---- */

/*
 * Draw reps binomials and test them against the exact law over the range
 * [lo, hi] (mean +- 9 sd, clipped to [0, n]: the mass outside is below
 * 1e-18 and gets a cell of its own on each side, from the cdf).
 */
static void check_binomial(unsigned n, double p, int reps, uint32_t key,
                           int known_log)
{
    cs_stream s;
    memset(&s, 0, sizeof s);
    cs_stream_reset(&s, 21, key, CS_RNG_TEST, 0);
    double mean = n * p, sd = sqrt(n * p * (1 - p));
    double lo_d = floor(mean - 9 * sd - 1), hi_d = ceil(mean + 9 * sd + 1);
    unsigned lo = lo_d < 0 ? 0 : (unsigned)lo_d;
    unsigned hi = hi_d > n ? n : (unsigned)hi_d;
    int cells = (int)(hi - lo) + 3; /* below lo, lo..hi, above hi */
    double *obs = calloc((size_t)cells, sizeof *obs);
    double *exp = calloc((size_t)cells, sizeof *exp);
    double lb = known_log ? cs_binomial_log(p) : CS_BINOMIAL_LOG_UNKNOWN;
    for (int i = 0; i < reps; i++) {
        unsigned x = cs_sample_binomial(&s, n, p, lb);
        ck_assert_msg(x <= n, "B(%u, %g) gave %u", n, p, x);
        obs[x < lo ? 0 : x > hi ? cells - 1 : (int)(x - lo) + 1]++;
    }
    exp[0] = lo > 0 ? reps * gsl_cdf_binomial_P(lo - 1, p, n) : 0;
    for (unsigned k = lo; k <= hi; k++)
        exp[k - lo + 1] = reps * gsl_ran_binomial_pdf(k, p, n);
    exp[cells - 1] = hi < n ? reps * gsl_cdf_binomial_Q(hi, p, n) : 0;
    char what[96];
    snprintf(what, sizeof what, "B(%u, %g)%s", n, p,
             known_log ? " with its log" : "");
    check_chi_square(obs, exp, cells, what);
    free(obs);
    free(exp);
}

/*
 * The grid: inversion (small means, tiny p with huge n), both sides of the
 * switch to BTRS at a mean of M = CS_BINOMIAL_INVERSION_MAX, BTRS with
 * small and huge n, its acceptance by the product near the mode (sd below
 * about 20) and by logarithms beyond, p above 1/2 (drawn by symmetry),
 * and the largest n a count can hold.
 */
#define M CS_BINOMIAL_INVERSION_MAX
START_TEST(test_binomial_distribution)
{
    static const struct {
        unsigned n;
        double p;
    } grid[] = {
        {1, 0.5},                       /* inversion, one child */
        {2, 0.01},                      /* inversion, mostly nobody */
        {5, 0.1},                       /* inversion */
        {20, 0.3},                      /* inversion, mean 6 */
        {200, (M - 0.01) / 200},        /* inversion, just below the switch */
        {200, M / 200},                 /* BTRS, mean M: just at it */
        {2000, (M + 0.1) / 2000},       /* BTRS, just above */
        {(unsigned)(2 * M), 0.5},       /* BTRS, the smallest n it serves */
        {(unsigned)(4 * M), 0.75},      /* BTRS by symmetry */
        {30, 0.9},                      /* inversion by symmetry */
        {3000, 1.0 / 12},               /* BTRS, sd 15: mostly the product */
        {250000, 0.02},                 /* BTRS, sd 70: both tests */
        {10000000, 1e-9},               /* mean 0.01 */
        {1000000000, 1e-9},             /* mean 1: tiny p, huge n */
        {1000000000, (M - 0.5) * 1e-9}, /* inversion, huge n */
        {1000000000, (M + 10) * 1e-9},  /* BTRS, huge n */
        {1000000000, 0.3},              /* BTRS, huge n and mean */
        {UINT_MAX, 0.5},                /* BTRS, the largest count */
    };
    for (size_t i = 0; i < sizeof grid / sizeof grid[0]; i++)
        check_binomial(grid[i].n, grid[i].p, 200000, (uint32_t)i, (int)(i & 1));
}
END_TEST
#undef M

/* p = 0, p = 1 and n = 0 are certain, whatever the stream. */
START_TEST(test_binomial_edges)
{
    cs_stream s;
    memset(&s, 0, sizeof s);
    cs_stream_reset(&s, 22, 0, CS_RNG_TEST, 0);
    for (int i = 0; i < 100; i++) {
        ck_assert_uint_eq(cs_sample_binomial(&s, 0, 0.3, 1.0), 0);
        ck_assert_uint_eq(cs_sample_binomial(&s, 50, 0, 1.0), 0);
        ck_assert_uint_eq(cs_sample_binomial(&s, 50, 1, 1.0), 50);
        ck_assert_uint_eq(cs_sample_binomial(&s, UINT_MAX, 0, 1.0), 0);
        ck_assert_uint_eq(cs_sample_binomial(&s, UINT_MAX, 1, 1.0), UINT_MAX);
        ck_assert_uint_eq(
            cs_sample_binomial(&s, 1000000000, 1, cs_binomial_log(1)),
            1000000000);
    }
    /* certain draws use no randomness */
    ck_assert_uint_eq(s.counts.blocks, 0);
}
END_TEST

/*
 * Tiny probabilities through 53-bit uniforms: n = 1000, p = 1e-9 leaves
 * with probability 1e-6. In 4e6 draws the number of non-zero draws is
 * Binomial(4e6, 1e-6), mean 4; a sampler with 32-bit uniforms would
 * give p an effective 9.3e-10 or 1.16e-9 per child and be undetectable
 * here, so this test only checks the count lies within the 1e-5 tails
 * (0 to 14) and that the draws are 0 or 1. The chi-square grid above
 * (n = 1e7 and 1e9 with p = 1e-9) is the real test of tiny p.
 */
START_TEST(test_binomial_tiny_p)
{
    cs_stream s;
    memset(&s, 0, sizeof s);
    cs_stream_reset(&s, 23, 0, CS_RNG_TEST, 0);
    int nonzero = 0;
    for (int i = 0; i < 4000000; i++) {
        unsigned x = cs_sample_binomial(&s, 1000, 1e-9, 1.0);
        ck_assert_uint_le(x, 2);
        nonzero += x > 0;
    }
    /* P(Poisson(4) > 14) = 1.1e-5 */
    ck_assert_msg(nonzero <= 14, "%d non-zero draws, expected about 4",
                  nonzero);
}
END_TEST

/*
 * Mean and variance at huge counts within 5 standard errors (SE of the
 * mean sqrt(v / reps), of the variance about v sqrt(2 / reps), the sample
 * being near normal): shows a bias of 0.1% of the sd at n = 1e9.
 */
START_TEST(test_binomial_moments)
{
    static const struct {
        unsigned n;
        double p;
    } grid[] = {{1000000000, 0.3}, {4000000000u, 1.0 / 12}, {500, 0.02}};
    const int reps = 400000;
    for (size_t g = 0; g < sizeof grid / sizeof grid[0]; g++) {
        cs_stream s;
        memset(&s, 0, sizeof s);
        cs_stream_reset(&s, 24, (uint32_t)g, CS_RNG_TEST, 0);
        double n = grid[g].n, p = grid[g].p, mu = n * p, v = n * p * (1 - p);
        double sum = 0, sum2 = 0;
        for (int i = 0; i < reps; i++) {
            double d = cs_sample_binomial(&s, grid[g].n, p, 1.0) - mu;
            sum += d;
            sum2 += d * d;
        }
        double mean = sum / reps, var = sum2 / reps - mean * mean;
        ck_assert_msg(fabs(mean) < 5 * sqrt(v / reps),
                      "B(%g, %g): mean off by %g, SE %g", n, p, mean,
                      sqrt(v / reps));
        ck_assert_msg(fabs(var - v) < 5 * v * sqrt(2.0 / reps),
                      "B(%g, %g): variance %g, expected %g", n, p, var, v);
    }
}
END_TEST

/* The log argument is a cache: given or not, the same draws. */
START_TEST(test_binomial_log_is_only_a_cache)
{
    cs_stream a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    cs_stream_reset(&a, 25, 0, CS_RNG_TEST, 0);
    cs_stream_reset(&b, 25, 0, CS_RNG_TEST, 0);
    const double ps[] = {0.01, 0.2, 0.5, 0.7, 0.999};
    const unsigned ns[] = {1, 7, 60, 3000, 1000000};
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
            for (int r = 0; r < 100; r++)
                ck_assert_uint_eq(cs_sample_binomial(&a, ns[j], ps[i], 1.0),
                                  cs_sample_binomial(&b, ns[j], ps[i],
                                                     cs_binomial_log(ps[i])));
}
END_TEST

/* Two streams have drawn the same words when their counters and the words
 * used of their current blocks agree. */
static void check_same_position(const cs_stream *a, const cs_stream *b,
                                const char *what)
{
    ck_assert_msg(a->ctr.v[0] == b->ctr.v[0] && a->used == b->used,
                  "%s: one stream at block %u word %u, the other at block %u "
                  "word %u",
                  what, a->ctr.v[0], a->used, b->ctr.v[0], b->used);
}

/*
 * cs_sample_binomial_tabled gives exactly cs_sample_binomial's draw from
 * the same words, and uses the same words: for every tabled n and some
 * beyond, on ordinary streams and on streams whose first word is chosen
 * near 1 (the walk runs past the table into the recurrence) and on the
 * cut points' edges (the lazy second word).
 */
START_TEST(test_binomial_table_is_the_binomial)
{
    const double ps[] = {1.0 / 12, 0.3, 0.5, 0.93, 0, 1, 1e-9};
    const uint32_t firsts[] = {0,           1,           0x7fffffffu,
                               0x80000000u, 0xfffffff0u, 0xffffffffu};
    for (int i = 0; i < (int)(sizeof ps / sizeof *ps); i++) {
        cs_binomial_table *t = cs_binomial_table_alloc(ps[i]);
        ck_assert_ptr_nonnull(t);
        double small = ps[i] < 0.5 ? ps[i] : 1 - ps[i];
        /* clamped as a double: 25 / 1e-9 does not fit an unsigned */
        double limit = small > 0 ? 25 / small : 300;
        unsigned top = limit > 400 ? 400 : (unsigned)limit;
        for (unsigned n = 0; n <= top; n++) {
            char what[96];
            snprintf(what, sizeof what, "binomial(%u, %g) tabled", n, ps[i]);
            cs_stream a, b;
            memset(&a, 0, sizeof a);
            memset(&b, 0, sizeof b);
            cs_stream_reset(&a, 31, n, CS_RNG_TEST, (uint32_t)i);
            cs_stream_reset(&b, 31, n, CS_RNG_TEST, (uint32_t)i);
            for (int r = 0; r < 40; r++) {
                unsigned x = cs_sample_binomial_tabled(&a, t, n);
                unsigned y =
                    cs_sample_binomial(&b, n, ps[i], cs_binomial_log(ps[i]));
                ck_assert_msg(x == y, "%s: %u, cs_sample_binomial %u", what, x,
                              y);
                check_same_position(&a, &b, what);
            }
            for (int f = 0; f < (int)(sizeof firsts / sizeof *firsts); f++) {
                uint32_t block0[4] = {firsts[f], 0x12345678u, firsts[f] ^ 1u,
                                      0xdeadbeefu};
                cs_stream_start(&a, 32, n, CS_RNG_TEST, 0, block0, 1);
                cs_stream_start(&b, 32, n, CS_RNG_TEST, 0, block0, 1);
                unsigned x = cs_sample_binomial_tabled(&a, t, n);
                unsigned y =
                    cs_sample_binomial(&b, n, ps[i], cs_binomial_log(ps[i]));
                ck_assert_msg(x == y,
                              "%s, first word %#x: %u, "
                              "cs_sample_binomial %u",
                              what, firsts[f], x, y);
                check_same_position(&a, &b, what);
            }
        }
        cs_binomial_table_free(t);
    }
}
END_TEST

/*
 * The lazy 53-bit uniforms of inversion and of single children, on
 * streams whose first words are chosen (cs_stream_start with a made-up
 * block 0): U = w 2^-32 + b 2^-53, w the first word, b the top 21 bits of
 * the second. A cut point at 1/2 + 2^-40 lies inside w = 2^31's interval
 * [1/2, 1/2 + 2^-32), so that w leaves the answer open and b decides it:
 * U < 1/2 + 2^-40 exactly when b < 2^13. With w = 2^31 - 1 the interval
 * lies below the cut and one word decides. (Draws of this kind are open
 * with probability about 2^-32, so the chi-square tests never see one.)
 */
static unsigned words_used(const cs_stream *s)
{
    return s->used; /* of block 0: the test's draws stay inside it */
}

START_TEST(test_lazy_uniforms_refine_only_when_open)
{
    const double cut = 0.5 + ldexp(1, -40);
    static const struct {
        uint32_t w, second;
        unsigned want, words;
    } cases[] = {
        {0x80000000u, (8191u << 11) | 0x7ff, 0, 2}, /* b = 2^13 - 1: below */
        {0x80000000u, 8192u << 11, 1, 2},           /* b = 2^13: at the cut */
        {0x80000000u, 0xffffffffu, 1, 2},           /* b largest */
        {0x7fffffffu, 0xffffffffu, 0, 1},           /* decided by w alone */
        {0x80000001u, 0, 1, 1},                     /* decided by w alone */
    };
    cs_stream s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t block[4] = {cases[i].w, cases[i].second, 0, 0};
        /* inversion: B(1, 1 - cut), P(0) = cut */
        cs_stream_start(&s, 1, 0, CS_RNG_TEST, 0, block, 1);
        unsigned x = cs_sample_binomial(&s, 1, 1 - cut, 1.0);
        ck_assert_msg(x == cases[i].want && words_used(&s) == cases[i].words,
                      "inversion case %zu: drew %u with %u words, expected "
                      "%u with %u",
                      i, x, words_used(&s), cases[i].want, cases[i].words);
        /* one child between categories cut and 1 - cut */
        const double p[2] = {cut, 1 - cut};
        double tail[2];
        unsigned out[2];
        cs_stream_start(&s, 1, 0, CS_RNG_TEST, 0, block, 1);
        cs_sample_place(&s, 2, 1, p, tail, out);
        unsigned c = out[1];
        ck_assert_msg(out[0] + out[1] == 1 && c == cases[i].want &&
                          words_used(&s) == cases[i].words,
                      "placing case %zu: category %u with %u words, "
                      "expected %u with %u",
                      i, c, words_used(&s), cases[i].want, cases[i].words);
    }
}
END_TEST

/* ---- the multinomials ---- */

/* Joint law of a 3-category multinomial sample against GSL's pdf; cells
 * (a, b) with c = n - a - b. */
static void check_multinomial3(const char *what, unsigned n, const double *p,
                               const unsigned (*draws)[3], int reps)
{
    int cells = (int)((n + 1) * (n + 1));
    double *obs = calloc((size_t)cells, sizeof *obs);
    double *exp = calloc((size_t)cells, sizeof *exp);
    for (int i = 0; i < reps; i++) {
        ck_assert_uint_eq(draws[i][0] + draws[i][1] + draws[i][2], n);
        obs[draws[i][0] * (n + 1) + draws[i][1]]++;
    }
    for (unsigned a = 0; a <= n; a++)
        for (unsigned b = 0; a + b <= n; b++) {
            unsigned counts[3] = {a, b, n - a - b};
            exp[a * (n + 1) + b] = reps * gsl_ran_multinomial_pdf(3, p, counts);
        }
    check_chi_square(obs, exp, cells, what);
    free(obs);
    free(exp);
}

/* The multinomial cases: few children (one uniform each), many (the
 * conditional binomials), both, on either side of the fast placing's
 * switch (CS_PLACE_SMALL_N, 8) and the plain twin's (16), zero categories
 * first, middle and last, and a category holding almost everything. */
static const double cases_p[][3] = {
    {0.9, 0.07, 0.03}, {0.5, 0.3, 0.2},   {0.2, 0.0, 0.8},
    {0.0, 0.6, 0.4},   {0.45, 0.55, 0.0}, {0.999, 0.0008, 0.0002},
    {0.02, 0.08, 0.9}, {0.3, 0.3, 0.4},   {0.1, 0.6, 0.3},
    {0.05, 0.25, 0.7}, {0.4, 0.0, 0.6},
};
static const unsigned cases_n[] = {3, 20, 40, 15, 16, 60, 17, 45, 7, 8, 9};
#define N_CASES (int)(sizeof cases_n / sizeof cases_n[0])

/* cs_sample_place, the fast path's placing of leavers. */
START_TEST(test_place_distribution)
{
    const int reps = 200000;
    unsigned(*draws)[3] = malloc(sizeof *draws * (size_t)reps);
    double tail[3];
    cs_stream s;
    memset(&s, 0, sizeof s);
    for (int c = 0; c < N_CASES; c++) {
        cs_stream_reset(&s, 26, (uint32_t)c, CS_RNG_TEST, 0);
        /* unnormalised: proportional is all it needs */
        double p[3] = {cases_p[c][0] * 3, cases_p[c][1] * 3, cases_p[c][2] * 3};
        for (int i = 0; i < reps; i++)
            cs_sample_place(&s, 3, cases_n[c], p, tail, draws[i]);
        char what[64];
        snprintf(what, sizeof what, "place case %d (n = %u)", c, cases_n[c]);
        check_multinomial3(what, cases_n[c], cases_p[c],
                           (const unsigned(*)[3])draws, reps);
    }
    free(draws);
}
END_TEST

/* cs_sample_outcomes (leavers, then where they go) and, on the same
 * cases, the plain twin cs_sample_multinomial: both the exact law. */
START_TEST(test_outcomes_and_twin_distribution)
{
    const int reps = 200000;
    unsigned(*draws)[3] = malloc(sizeof *draws * (size_t)reps);
    double tail[3];
    cs_stream s;
    memset(&s, 0, sizeof s);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    for (int c = 0; c < N_CASES; c++) {
        char what[64];
        cs_stream_reset(&s, 27, (uint32_t)c, CS_RNG_TEST, 0);
        for (int i = 0; i < reps; i++)
            cs_sample_outcomes(&s, 3, cases_n[c], cases_p[c], tail, draws[i]);
        snprintf(what, sizeof what, "outcomes case %d (n = %u)", c, cases_n[c]);
        check_multinomial3(what, cases_n[c], cases_p[c],
                           (const unsigned(*)[3])draws, reps);
        cs_rng_reset(r, 27, (uint32_t)c, CS_RNG_TEST, 0);
        for (int i = 0; i < reps; i++)
            cs_sample_multinomial(r, 3, cases_n[c], cases_p[c], draws[i]);
        snprintf(what, sizeof what, "plain twin case %d (n = %u)", c,
                 cases_n[c]);
        check_multinomial3(what, cases_n[c], cases_p[c],
                           (const unsigned(*)[3])draws, reps);
    }
    gsl_rng_free(r);
    free(draws);
}
END_TEST

/*
 * Huge compartments, k = 5 (stay, a large, a small, an impossible and a
 * tiny way out): every marginal of a multinomial is binomial, so each
 * category's count is tested against Binomial(n, p_i) over mean +- 9 sd
 * (the cdf beyond), and the counts always sum to n.
 */
START_TEST(test_outcomes_huge_marginals)
{
    const double p[5] = {0.9, 0.07, 0.03 - 1e-7, 0, 1e-7};
    const unsigned n = 1000000000;
    const int reps = 100000;
    double tail[5];
    unsigned out[5];
    unsigned *draws = malloc(sizeof *draws * (size_t)reps * 5);
    cs_stream s;
    memset(&s, 0, sizeof s);
    cs_stream_reset(&s, 28, 0, CS_RNG_TEST, 0);
    for (int i = 0; i < reps; i++) {
        cs_sample_outcomes(&s, 5, n, p, tail, out);
        unsigned long sum = 0;
        for (int j = 0; j < 5; j++) {
            draws[i * 5 + j] = out[j];
            sum += out[j];
        }
        ck_assert_uint_eq(sum, n);
        ck_assert_uint_eq(out[3], 0);
    }
    for (int j = 0; j < 5; j++) {
        if (p[j] == 0)
            continue;
        double mean = n * p[j], sd = sqrt(n * p[j] * (1 - p[j]));
        unsigned lo = (unsigned)fmax(0, floor(mean - 9 * sd - 1));
        unsigned hi = (unsigned)fmin(n, ceil(mean + 9 * sd + 1));
        int cells = (int)(hi - lo) + 3;
        double *obs = calloc((size_t)cells, sizeof *obs);
        double *exp = calloc((size_t)cells, sizeof *exp);
        for (int i = 0; i < reps; i++) {
            unsigned x = draws[i * 5 + j];
            obs[x < lo ? 0 : x > hi ? cells - 1 : (int)(x - lo) + 1]++;
        }
        exp[0] = lo > 0 ? reps * gsl_cdf_binomial_P(lo - 1, p[j], n) : 0;
        for (unsigned k = lo; k <= hi; k++)
            exp[k - lo + 1] = reps * gsl_ran_binomial_pdf(k, p[j], n);
        exp[cells - 1] = reps * gsl_cdf_binomial_Q(hi, p[j], n);
        char what[64];
        snprintf(what, sizeof what, "n = 1e9, category %d (p = %g)", j, p[j]);
        check_chi_square(obs, exp, cells, what);
        free(obs);
        free(exp);
    }
    free(draws);
}
END_TEST

/* Certain outcomes: nobody leaves (stay probability 1), everyone leaves
 * by the one way out, nobody to move; no randomness used for the last. */
START_TEST(test_outcomes_edges)
{
    cs_stream s;
    memset(&s, 0, sizeof s);
    cs_stream_reset(&s, 29, 0, CS_RNG_TEST, 0);
    double tail[4];
    unsigned out[4];
    const double stay[4] = {1, 0, 0, 0}, go[4] = {0, 0, 1, 0};
    for (int i = 0; i < 100; i++) {
        cs_sample_outcomes(&s, 4, 1000000000, stay, tail, out);
        ck_assert(out[0] == 1000000000 && !out[1] && !out[2] && !out[3]);
        cs_sample_outcomes(&s, 4, 77, go, tail, out);
        ck_assert(!out[0] && !out[1] && out[2] == 77 && !out[3]);
    }
    ck_assert_uint_eq(s.counts.blocks, 0);
    const double some[3] = {0.5, 0.25, 0.25};
    out[0] = out[1] = out[2] = 9;
    cs_sample_outcomes(&s, 3, 0, some, tail, out);
    ck_assert(!out[0] && !out[1] && !out[2]);
    /* one outcome: everyone stays */
    cs_sample_outcomes(&s, 1, 12, stay, tail, out);
    ck_assert_uint_eq(out[0], 12);
    ck_assert_uint_eq(s.counts.blocks, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("samplers");
    TCase *tc = tcase_create("fast");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_stream_is_the_philox_generator);
    tcase_add_test(tc, test_stream_uniform_has_53_bits);
    tcase_add_test(tc, test_first_blocks_are_the_streams);
    tcase_add_test(tc, test_binomial_distribution);
    tcase_add_test(tc, test_binomial_edges);
    tcase_add_test(tc, test_binomial_tiny_p);
    tcase_add_test(tc, test_binomial_moments);
    tcase_add_test(tc, test_binomial_log_is_only_a_cache);
    tcase_add_test(tc, test_binomial_table_is_the_binomial);
    tcase_add_test(tc, test_lazy_uniforms_refine_only_when_open);
    tcase_add_test(tc, test_place_distribution);
    tcase_add_test(tc, test_outcomes_and_twin_distribution);
    tcase_add_test(tc, test_outcomes_huge_marginals);
    tcase_add_test(tc, test_outcomes_edges);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
