/*
 * test_rng.c - the Philox gsl_rng: known answers, keyed independence,
 * reproducibility, and uniformity within standard errors.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "cascade/rng.h"

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
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
