/*
 * test_rng.c - the Philox gsl_rng: known answers, keyed independence,
 * reproducibility, and uniformity within standard errors.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "cascade/rng.h"
#include "rng/sample.h"

/* Random123's known-answer vector for philox4x32-10, counter 0, key 0. */
START_TEST(test_known_answer_zero_key)
{
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_reset(r, 0, 0, 0, 0);
    const unsigned long want[4] = {0x6627e8d5UL, 0xe169c58dUL, 0xbc57ac4cUL,
                                   0x9b00dbd8UL};
    for (int i = 0; i < 4; i++) {
        unsigned long got = gsl_rng_get(r);
        ck_assert_msg(got == want[i], "word %d: expected %#lx, got %#lx", i,
                      want[i], got);
    }
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_same_key_same_stream)
{
    gsl_rng *a = gsl_rng_alloc(cs_rng_philox);
    gsl_rng *b = gsl_rng_alloc(cs_rng_philox);
    cs_rng_reset(a, 12345, 7, CS_RNG_TRANSITIONS, 3);
    for (int i = 0; i < 100; i++)
        gsl_rng_get(b); /* b is mid-stream before its reset */
    cs_rng_reset(b, 12345, 7, CS_RNG_TRANSITIONS, 3);
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_eq(gsl_rng_get(a), gsl_rng_get(b));
    gsl_rng_free(a);
    gsl_rng_free(b);
}
END_TEST

/* Changing any one part of the key gives a different stream. */
START_TEST(test_each_key_part_changes_stream)
{
    gsl_rng *a = gsl_rng_alloc(cs_rng_philox);
    gsl_rng *b = gsl_rng_alloc(cs_rng_philox);
    const uint64_t seeds[5] = {1, 2, 1, 1, 1};
    const uint32_t runs[5] = {0, 0, 1, 0, 0};
    const uint32_t purposes[5] = {1, 1, 1, 2, 1};
    const uint32_t subs[5] = {0, 0, 0, 0, 1};
    for (int k = 1; k < 5; k++) {
        cs_rng_reset(a, seeds[0], runs[0], purposes[0], subs[0]);
        cs_rng_reset(b, seeds[k], runs[k], purposes[k], subs[k]);
        int same = 0;
        for (int i = 0; i < 64; i++)
            same += gsl_rng_get(a) == gsl_rng_get(b);
        ck_assert_msg(same <= 1, "key variant %d: %d of 64 words equal", k,
                      same);
    }
    gsl_rng_free(a);
    gsl_rng_free(b);
}
END_TEST

/* gsl_rng_set keys with seed s and zeros elsewhere. */
START_TEST(test_gsl_set_is_reset_with_zeros)
{
    gsl_rng *a = gsl_rng_alloc(cs_rng_philox);
    gsl_rng *b = gsl_rng_alloc(cs_rng_philox);
    gsl_rng_set(a, 99);
    cs_rng_reset(b, 99, 0, 0, 0);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(gsl_rng_get(a), gsl_rng_get(b));
    gsl_rng_free(a);
    gsl_rng_free(b);
}
END_TEST

/*
 * Uniform doubles: mean 1/2 (sd 1/sqrt(12)) and the fraction below 0.1
 * (sd sqrt(.09/n)) within 4 standard errors over n = 10^6 draws.
 */
START_TEST(test_uniform_moments)
{
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_reset(r, 2019, 0, CS_RNG_TEST, 0);
    const int n = 1000000;
    double sum = 0;
    int below = 0;
    for (int i = 0; i < n; i++) {
        double u = gsl_rng_uniform(r);
        ck_assert(u >= 0.0 && u < 1.0);
        sum += u;
        below += u < 0.1;
    }
    double mean = sum / n, se = sqrt(1.0 / 12.0 / n);
    ck_assert_msg(fabs(mean - 0.5) < 4 * se, "mean %g, expected 0.5 +- %g",
                  mean, 4 * se);
    double frac = (double)below / n, se2 = sqrt(0.09 / n);
    ck_assert_msg(fabs(frac - 0.1) < 4 * se2,
                  "P(u<0.1) = %g, expected 0.1 +- %g", frac, 4 * se2);
    gsl_rng_free(r);
}
END_TEST

/* GSL's binomial sampler on this generator has mean np within 4 SE. */
START_TEST(test_binomial_through_gsl)
{
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_reset(r, 7, 3, CS_RNG_TEST, 0);
    const int reps = 20000;
    const unsigned n = 1000;
    const double p = 0.03;
    double sum = 0;
    for (int i = 0; i < reps; i++)
        sum += gsl_ran_binomial(r, p, n);
    double mean = sum / reps, se = sqrt(n * p * (1 - p) / reps);
    ck_assert_msg(fabs(mean - n * p) < 4 * se, "mean %g, expected %g +- %g",
                  mean, n * p, 4 * se);
    gsl_rng_free(r);
}
END_TEST

/*
 * Pearson's chi-square of observed counts against expected ones, cells
 * pooled in order until each expects at least 5; fails when the statistic
 * is beyond the 1 - 1e-5 quantile of its chi-square distribution (a correct
 * sampler fails with probability 1e-5; the seed is fixed, so the answer is
 * the same every time).
 */
static void check_chi_square(const double *observed, const double *expected,
                             int cells, const char *what)
{
    double chi2 = 0, o = 0, e = 0;
    int df = -1;
    for (int i = 0; i < cells; i++) {
        o += observed[i];
        e += expected[i];
        if (e >= 5 || i == cells - 1) {
            if (e > 0) {
                chi2 += (o - e) * (o - e) / e;
                df++;
            } else {
                ck_assert_msg(o == 0, "%s: %g draws where none can fall", what,
                              o);
            }
            o = e = 0;
        }
    }
    ck_assert_msg(df >= 1, "%s: too few cells", what);
    double limit = gsl_cdf_chisq_Qinv(1e-5, df);
    ck_assert_msg(chi2 < limit, "%s: chi-square %g on %d df, limit %g", what,
                  chi2, df, limit);
}

/* The hypergeometric sampler against GSL's probabilities, through every
 * symmetry and both methods (urn below 25, ratio of uniforms above). */
START_TEST(test_hypergeometric_distribution)
{
    static const unsigned cases[][3] = {
        {30, 50, 40},      /* ratio of uniforms */
        {60, 40, 70},      /* more good than bad, sample over half */
        {5, 1000, 300},    /* urn: few good */
        {200, 100, 20},    /* urn: small sample */
        {900, 300, 1180},  /* urn: the sample left out is small */
        {900, 300, 1150},  /* ratio of uniforms on the sample left out */
        {3000, 5000, 6000} /* ratio of uniforms, sample over half */
    };
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    const int reps = 100000;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned n1 = cases[c][0], n2 = cases[c][1], t = cases[c][2];
        cs_rng_reset(r, 11, (uint32_t)c, CS_RNG_TEST, 0);
        int cells = (int)(n1 < t ? n1 : t) + 1;
        double *obs = calloc((size_t)cells, sizeof *obs);
        double *exp = calloc((size_t)cells, sizeof *exp);
        for (int i = 0; i < reps; i++) {
            unsigned k = cs_sample_hypergeometric(r, n1, n2, t);
            ck_assert_msg((int)k < cells && k + n2 >= t,
                          "H(%u, %u, %u) gave impossible %u", n1, n2, t, k);
            obs[k]++;
        }
        for (int k = 0; k < cells; k++)
            exp[k] = reps * gsl_ran_hypergeometric_pdf((unsigned)k, n1, n2, t);
        char what[64];
        snprintf(what, sizeof what, "H(%u, %u, %u)", n1, n2, t);
        check_chi_square(obs, exp, cells, what);
        free(obs);
        free(exp);
    }
    gsl_rng_free(r);
}
END_TEST

/* Large counts as a full stage sees them: mean and variance within 5 SE. */
START_TEST(test_hypergeometric_large_moments)
{
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_reset(r, 12, 0, CS_RNG_TEST, 0);
    const double n1 = 60000, n2 = 20000, t = 50000, N = n1 + n2;
    const int reps = 40000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < reps; i++) {
        double k = cs_sample_hypergeometric(r, 60000, 20000, 50000);
        sum += k;
        sum2 += k * k;
    }
    double mean = sum / reps, var = sum2 / reps - mean * mean;
    double mu = t * n1 / N, v = t * (n1 / N) * (n2 / N) * (N - t) / (N - 1);
    /* SE of the mean sqrt(v / reps); of the variance about
     * v sqrt(2 / reps) (near-normal) */
    ck_assert_msg(fabs(mean - mu) < 5 * sqrt(v / reps), "mean %g, expected %g",
                  mean, mu);
    ck_assert_msg(fabs(var - v) < 5 * v * sqrt(2.0 / reps),
                  "variance %g, expected %g", var, v);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_hypergeometric_edges)
{
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_reset(r, 13, 0, CS_RNG_TEST, 0);
    ck_assert_uint_eq(cs_sample_hypergeometric(r, 10, 20, 0), 0);
    ck_assert_uint_eq(cs_sample_hypergeometric(r, 0, 20, 5), 0);
    ck_assert_uint_eq(cs_sample_hypergeometric(r, 10, 0, 5), 5);
    ck_assert_uint_eq(cs_sample_hypergeometric(r, 10, 20, 30), 10);
    ck_assert_uint_eq(cs_sample_hypergeometric(r, 10, 20, 99), 10);
    ck_assert_uint_eq(cs_sample_hypergeometric(r, 4000000000u, 5, 4000000005u),
                      4000000000u);
    gsl_rng_free(r);
}
END_TEST

/* The joint distribution of a multinomial against GSL's probabilities, for
 * counts that use the child-by-child path, the binomials, and both. */
START_TEST(test_multinomial_distribution)
{
    static const double ps[][3] = {
        {0.9, 0.07, 0.03}, {0.5, 0.3, 0.2}, {0.2, 0.0, 0.8}, {3.0, 1.0, 1.0}};
    static const unsigned ns[] = {3, 20, 40, 25};
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    const int reps = 200000;
    for (int c = 0; c < 4; c++) {
        unsigned n = ns[c];
        int cells = (int)((n + 1) * (n + 1));
        double *obs = calloc((size_t)cells, sizeof *obs);
        double *exp = calloc((size_t)cells, sizeof *exp);
        cs_rng_reset(r, 14, (uint32_t)c, CS_RNG_TEST, 0);
        for (int i = 0; i < reps; i++) {
            unsigned out[3];
            cs_sample_multinomial(r, 3, n, ps[c], out);
            ck_assert_uint_eq(out[0] + out[1] + out[2], n);
            if (ps[c][1] == 0)
                ck_assert_uint_eq(out[1], 0);
            obs[out[0] * (n + 1) + out[1]]++;
        }
        for (unsigned a = 0; a <= n; a++)
            for (unsigned b = 0; a + b <= n; b++) {
                unsigned counts[3] = {a, b, n - a - b};
                exp[a * (n + 1) + b] =
                    reps * gsl_ran_multinomial_pdf(3, ps[c], counts);
            }
        char what[64];
        snprintf(what, sizeof what, "multinomial case %d (n = %u)", c, n);
        check_chi_square(obs, exp, cells, what);
        free(obs);
        free(exp);
    }
    gsl_rng_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("philox");
    tcase_add_test(tc, test_known_answer_zero_key);
    tcase_add_test(tc, test_same_key_same_stream);
    tcase_add_test(tc, test_each_key_part_changes_stream);
    tcase_add_test(tc, test_gsl_set_is_reset_with_zeros);
    tcase_add_test(tc, test_uniform_moments);
    tcase_add_test(tc, test_binomial_through_gsl);
    tcase_add_test(tc, test_hypergeometric_distribution);
    tcase_add_test(tc, test_hypergeometric_large_moments);
    tcase_add_test(tc, test_hypergeometric_edges);
    tcase_add_test(tc, test_multinomial_distribution);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
