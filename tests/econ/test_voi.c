/*
 * test_voi.c - value of information (cs_voi_compute) against closed forms,
 * and goal seeking (cs_goal_seek) on functions whose roots are known.
 *
 * Closed form for two options: with NMB_1 = Z and NMB_2 = Z + D, D ~ N(mu,
 * sigma^2) and Z any common noise, EVPI = E[max(0, D)] - max(0, mu) =
 * mu Phi(mu/sigma) + sigma phi(mu/sigma) - max(0, mu), and option 2 is
 * best with probability Phi(mu/sigma). For k independent N(0, 1) options
 * EVPI = E[max of k standard normals] (k = 3: 3 / (2 sqrt(pi))). Draws
 * from GSL's mt19937 with fixed seeds; tolerances are 4 standard errors of
 * the exact sampling distribution.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "cascade/econ.h"

/* n draws of two options whose difference is N(mu, sigma^2), on top of a
 * common noise of sd 50 that must not matter. */
static double *two_options(long n, double mu, double sigma, unsigned long seed)
{
    double *nmb = malloc((size_t)n * 2 * sizeof *nmb);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    for (long r = 0; r < n; r++) {
        double z = gsl_ran_gaussian(rng, 50);
        nmb[2 * r] = z;
        nmb[2 * r + 1] = z + mu + gsl_ran_gaussian(rng, sigma);
    }
    gsl_rng_free(rng);
    return nmb;
}

/* EVPI of two options with normal differences, and the sd of
 * d = max(0, D) - D (option 2 best, mu > 0): d = (-D)^+, whose second
 * moment is E[(-D)^2; D < 0] = (mu^2 + sigma^2) Phi(-m) - mu sigma phi(m),
 * m = mu / sigma. */
static void normal_evpi(double mu, double sigma, double *evpi, double *sd)
{
    double m = mu / sigma;
    double phi = gsl_ran_ugaussian_pdf(m), Phi = gsl_cdf_ugaussian_P(m);
    *evpi = mu * Phi + sigma * phi - fmax(0, mu);
    double second =
        (mu * mu + sigma * sigma) * gsl_cdf_ugaussian_P(-m) - mu * sigma * phi;
    *sd = sqrt(second - *evpi * *evpi);
}

START_TEST(test_evpi_of_two_normal_options_matches_closed_form)
{
    const long n = 200000;
    const double mu = 1000, sigma = 2000; /* GBP */
    double *nmb = two_options(n, mu, sigma, 20261201);
    double expected[2], p_best[2];
    cs_voi voi;
    cs_error err;
    ck_assert_int_eq(cs_voi_compute(nmb, n, 2, expected, p_best, &voi, &err),
                     CS_OK);
    double exact, sd;
    normal_evpi(mu, sigma, &exact, &sd);
    ck_assert_double_eq_tol(exact, 395.593, 0.01); /* by hand: Phi(.5) ... */
    double se = sd / sqrt((double)n);
    ck_assert_msg(fabs(voi.evpi - exact) < 4 * se,
                  "EVPI %.3f, expected %.3f within 4 x %.3f", voi.evpi, exact,
                  se);
    ck_assert_msg(fabs(voi.evpi_se - se) < 0.02 * se,
                  "EVPI standard error %.4f, expected %.4f", voi.evpi_se, se);
    ck_assert_int_eq(voi.best, 1);
    ck_assert_int_eq(voi.n_draws, n);
    double p = gsl_cdf_ugaussian_P(mu / sigma);
    double p_se = sqrt(p * (1 - p) / (double)n);
    ck_assert_msg(fabs(p_best[1] - p) < 4 * p_se,
                  "P(option 2 best) %.4f, expected %.4f", p_best[1], p);
    ck_assert_double_eq_tol(p_best[0] + p_best[1], 1, 1e-12);
    ck_assert_msg(fabs(expected[1] - expected[0] - mu) < 4 * sigma / sqrt(n),
                  "mean difference %.1f, expected %.1f",
                  expected[1] - expected[0], mu);
    free(nmb);
}
END_TEST

/* The same with the options swapped and mu < 0: the formula's other
 * branch (option 1 best). */
START_TEST(test_evpi_when_the_first_option_is_best)
{
    const long n = 200000;
    const double mu = -500, sigma = 1500;
    double *nmb = two_options(n, mu, sigma, 7);
    double expected[2], p_best[2];
    cs_voi voi;
    cs_error err;
    ck_assert_int_eq(cs_voi_compute(nmb, n, 2, expected, p_best, &voi, &err),
                     CS_OK);
    double exact, sd;
    /* by symmetry: the EVPI of -D, whose mean is -mu > 0 */
    normal_evpi(-mu, sigma, &exact, &sd);
    double se = sd / sqrt((double)n);
    ck_assert_int_eq(voi.best, 0);
    ck_assert_msg(fabs(voi.evpi - exact) < 4 * se,
                  "EVPI %.3f, expected %.3f within 4 x %.3f", voi.evpi, exact,
                  se);
    free(nmb);
}
END_TEST

START_TEST(test_evpi_of_three_exchangeable_options)
{
    const long n = 100000;
    double *nmb = malloc((size_t)n * 3 * sizeof *nmb);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    for (long i = 0; i < 3 * n; i++)
        nmb[i] = gsl_ran_gaussian(rng, 1);
    gsl_rng_free(rng);
    double expected[3], p_best[3];
    cs_voi voi;
    cs_error err;
    ck_assert_int_eq(cs_voi_compute(nmb, n, 3, expected, p_best, &voi, &err),
                     CS_OK);
    double exact =
        3 / (2 * sqrt(3.14159265358979323846)); /* E max of 3 N(0,1): 0.8463 */
    ck_assert_msg(fabs(voi.evpi - exact) < 4 * voi.evpi_se + 0.004,
                  "EVPI %.4f, expected %.4f (se %.4f; the choice of the "
                  "best adds up to 0.003)",
                  voi.evpi, exact, voi.evpi_se);
    for (int j = 0; j < 3; j++)
        ck_assert_msg(fabs(p_best[j] - 1.0 / 3) < 4 * sqrt(2.0 / 9 / n),
                      "P(option %d best) %.4f, expected 1/3", j, p_best[j]);
    free(nmb);
}
END_TEST

/* Certain orderings: no value in knowing more. */
START_TEST(test_evpi_is_zero_without_uncertainty_in_the_choice)
{
    /* option 1 better in every draw, by a varying amount */
    const double dominated[8] = {0, 5, 1, 2, -3, -1, 10, 12};
    double expected[2], p_best[2];
    cs_voi voi;
    cs_error err;
    ck_assert_int_eq(
        cs_voi_compute(dominated, 4, 2, expected, p_best, &voi, &err), CS_OK);
    ck_assert_int_eq(voi.best, 1);
    ck_assert(voi.evpi == 0);
    ck_assert(voi.evpi_se == 0);
    ck_assert(p_best[1] == 1 && p_best[0] == 0);
    ck_assert_double_eq_tol(expected[0], 2, 1e-12);
    ck_assert_double_eq_tol(expected[1], 4.5, 1e-12);
    /* identical options: every draw a tie shared equally */
    const double same[6] = {3, 3, 3, -1, -1, -1};
    double e3[3], p3[3];
    ck_assert_int_eq(cs_voi_compute(same, 2, 3, e3, p3, &voi, &err), CS_OK);
    ck_assert(voi.evpi == 0);
    ck_assert_int_eq(voi.best, 0);
    for (int j = 0; j < 3; j++)
        ck_assert_double_eq_tol(p3[j], 1.0 / 3, 1e-15);
}
END_TEST

/* A hand computation: draws (0, 4), (3, 1), (2, 2): means 5/3 and 7/3,
 * option 2 best on average; max - nmb2 = 0, 2, 0: EVPI 2/3, sd of
 * (0, 2, 0) = sqrt(4/3), se = sqrt(4/3)/sqrt(3) = 2/3; option 1 wins
 * (3, 1), option 2 (0, 4), and they share the tie. */
START_TEST(test_evpi_by_hand)
{
    const double nmb[6] = {0, 4, 3, 1, 2, 2};
    double expected[2], p_best[2];
    cs_voi voi;
    cs_error err;
    ck_assert_int_eq(cs_voi_compute(nmb, 3, 2, expected, p_best, &voi, &err),
                     CS_OK);
    ck_assert_int_eq(voi.best, 1);
    ck_assert_double_eq_tol(voi.evpi, 2.0 / 3, 1e-15);
    ck_assert_double_eq_tol(voi.evpi_se, 2.0 / 3, 1e-15);
    /* (3, 1) and half the tie; (0, 4) and the other half */
    ck_assert_double_eq_tol(p_best[0], 0.5, 1e-15);
    ck_assert_double_eq_tol(p_best[1], 0.5, 1e-15);
    /* one draw: no standard error */
    ck_assert_int_eq(cs_voi_compute(nmb, 1, 2, expected, p_best, &voi, &err),
                     CS_OK);
    ck_assert(isnan(voi.evpi_se));
}
END_TEST

START_TEST(test_voi_refuses_no_draws_and_non_numbers)
{
    double expected[2], p_best[2];
    cs_voi voi;
    cs_error err;
    const double nmb[4] = {1, 2, NAN, 4};
    ck_assert_int_eq(cs_voi_compute(nmb, 0, 2, expected, p_best, &voi, &err),
                     CS_EINPUT);
    ck_assert_int_eq(cs_voi_compute(nmb, 2, 2, expected, p_best, &voi, &err),
                     CS_EINPUT);
    ck_assert_msg(strstr(err.message, "option 0 in draw 1"), "%s", err.message);
}
END_TEST

/* ---- goal seeking --------------------------------------------------- */

typedef struct cubic {
    int calls, fail_at;
} cubic;

static int cube(void *ctx, double x, double *y, cs_error *err)
{
    cubic *c = ctx;
    if (++c->calls == c->fail_at)
        return cs_error_set(err, CS_EIO, "outcome failed at call %d", c->calls);
    *y = x * x * x;
    return CS_OK;
}

static int falling(void *ctx, double x, double *y, cs_error *err)
{
    (void)ctx;
    (void)err;
    *y = 10 - 2 * x;
    return CS_OK;
}

START_TEST(test_goal_seek_finds_a_known_root)
{
    cs_goal_seek_settings s;
    cs_goal_seek_settings_init(&s);
    cubic c = {0, 0};
    cs_goal_seek_result r;
    cs_error err;
    ck_assert_int_eq(cs_goal_seek(cube, &c, 8, 0, 5, &s, &r, &err), CS_OK);
    ck_assert_msg(fabs(r.value - 2) <= 1e-9, "x %.17g, expected 2", r.value);
    ck_assert_msg(fabs(r.achieved - 8) <= 1e-7, "achieved %.17g", r.achieved);
    ck_assert(r.iterations > 0 && r.iterations < 100);
    ck_assert_int_eq(r.evaluations, c.calls);
    /* the ends once each, then one a step */
    ck_assert_int_eq(r.evaluations, r.iterations + 2);
    /* stopped on a narrow bracket, or on hitting 8 exactly */
    ck_assert_msg(r.lo <= r.value && r.value <= r.hi &&
                      (r.hi - r.lo <= 1e-9 || r.achieved == 8),
                  "bracket [%.17g, %.17g] around %.17g", r.lo, r.hi, r.value);
    ck_assert_double_eq(r.outcome_at_lo, 0);
    ck_assert_double_eq(r.outcome_at_hi, 125);
    /* falling outcome, stopped by the outcome tolerance */
    s.outcome_tolerance = 1e-6;
    ck_assert_int_eq(cs_goal_seek(falling, NULL, 3, 0, 10, &s, &r, &err),
                     CS_OK);
    ck_assert_msg(fabs(r.value - 3.5) <= 1e-6 / 2, "x %.17g, expected 3.5",
                  r.value);
    ck_assert(r.within_tolerance);
    /* an end on target: no iterations */
    ck_assert_int_eq(cs_goal_seek(falling, NULL, 10, 0, 1, &s, &r, &err),
                     CS_OK);
    ck_assert_int_eq(r.iterations, 0);
    ck_assert_double_eq(r.value, 0);
}
END_TEST

START_TEST(test_goal_seek_refuses_an_unbracketed_target)
{
    cs_goal_seek_settings s;
    cs_goal_seek_settings_init(&s);
    cubic c = {0, 0};
    cs_goal_seek_result r;
    cs_error err;
    ck_assert_int_eq(cs_goal_seek(cube, &c, 8, 3, 5, &s, &r, &err), CS_EINPUT);
    ck_assert_msg(strstr(err.message, "not bracketed") &&
                      strstr(err.message, "27 at 3") &&
                      strstr(err.message, "both above"),
                  "%s", err.message);
    ck_assert_int_eq(c.calls, 2);
    ck_assert_int_eq(cs_goal_seek(cube, &c, 8, 5, 3, &s, &r, &err), CS_EINPUT);
    ck_assert_int_eq(cs_goal_seek(cube, &c, NAN, 0, 3, &s, &r, &err),
                     CS_EINPUT);
}
END_TEST

START_TEST(test_goal_seek_stops_on_an_outcome_error)
{
    cs_goal_seek_settings s;
    cs_goal_seek_settings_init(&s);
    cubic c = {0, 4}; /* fails in the second iteration */
    cs_goal_seek_result r;
    cs_error err;
    ck_assert_int_eq(cs_goal_seek(cube, &c, 8, 0, 5, &s, &r, &err), CS_EIO);
    ck_assert_str_eq(err.message, "outcome failed at call 4");
    ck_assert_int_eq(c.calls, 4);
    /* too few iterations allowed */
    c = (cubic){0, 0};
    s.max_iterations = 2;
    ck_assert_int_eq(cs_goal_seek(cube, &c, 8, 0, 5, &s, &r, &err), CS_EFAIL);
    ck_assert_msg(strstr(err.message, "after 2 iterations"), "%s", err.message);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("econ_voi");
    TCase *tc = tcase_create("voi");
    tcase_add_test(tc, test_evpi_of_two_normal_options_matches_closed_form);
    tcase_add_test(tc, test_evpi_when_the_first_option_is_best);
    tcase_add_test(tc, test_evpi_of_three_exchangeable_options);
    tcase_add_test(tc, test_evpi_is_zero_without_uncertainty_in_the_choice);
    tcase_add_test(tc, test_evpi_by_hand);
    tcase_add_test(tc, test_voi_refuses_no_draws_and_non_numbers);
    tcase_add_test(tc, test_goal_seek_finds_a_known_root);
    tcase_add_test(tc, test_goal_seek_refuses_an_unbracketed_target);
    tcase_add_test(tc, test_goal_seek_stops_on_an_outcome_error);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
