/*
 * test_score.c - scores of forecasts and the naive benchmarks
 * (engine/fit/score.c) against hand computation, numerical integration and
 * large samples. The arithmetic is written out beside each check.
 */
#include <check.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#include "cascade/error.h"
#include "cascade/score.h"

#define PI 3.14159265358979323846

START_TEST(test_ape_and_signed_error)
{
    ck_assert_double_eq_tol(cs_score_ape(110, 100), 0.1, 1e-15);
    ck_assert_double_eq_tol(cs_score_ape(90, 100), 0.1, 1e-15);
    ck_assert_double_eq_tol(cs_score_ape(-110, -100), 0.1, 1e-15);
    ck_assert_double_eq(cs_score_ape(100, 100), 0);
    ck_assert(isnan(cs_score_ape(5, 0)));
    ck_assert(isnan(cs_score_ape(NAN, 1)));
    ck_assert(isnan(cs_score_ape(1, INFINITY)));
    ck_assert_double_eq(cs_score_error(110, 100), 10);
    ck_assert_double_eq(cs_score_error(90, 100), -10);
}
END_TEST

/*
 * The ensemble {1, 2, 3} at y = 2:
 *   E|X - y|      = (1 + 0 + 1) / 3 = 2/3
 *   E|X - X'|     = (sum over the 9 ordered pairs) / 9
 *                 = 2 (|1-2| + |1-3| + |2-3|) / 9 = 2 * 4 / 9 = 8/9
 *   CRPS          = 2/3 - (8/9) / 2 = 6/9 - 4/9 = 2/9
 * (the 4/9 is the spread term, not the score). Check by the integral of
 * (F(x) - 1{x >= 2})^2 with F the step function of the ensemble:
 *   on [1, 2) F = 1/3, so (1/3)^2 = 1/9 over length 1;
 *   on [2, 3) F = 2/3, so (2/3 - 1)^2 = 1/9 over length 1;  total 2/9.
 * Fair (Ferro 2014): the pairs over n(n - 1) = 6: E|X - X'| = 8/6 = 4/3,
 *   CRPS = 2/3 - (4/3) / 2 = 0.
 * At y = 5: E|X - y| = (4 + 3 + 2) / 3 = 3, CRPS = 3 - 4/9 = 23/9.
 */
START_TEST(test_crps_ensemble_by_hand)
{
    double crps;
    const double x[] = {1, 2, 3}, shuffled[] = {3, 1, 2};
    ck_assert_int_eq(cs_score_crps_ensemble(x, 3, 2, &crps), CS_OK);
    ck_assert_double_eq_tol(crps, 2.0 / 9, 1e-15);
    ck_assert_int_eq(cs_score_crps_ensemble(shuffled, 3, 2, &crps), CS_OK);
    ck_assert_double_eq_tol(crps, 2.0 / 9, 1e-15);
    ck_assert_int_eq(cs_score_crps_ensemble_fair(shuffled, 3, 2, &crps), CS_OK);
    ck_assert_double_eq_tol(crps, 0, 1e-15);
    ck_assert_int_eq(cs_score_crps_ensemble(shuffled, 3, 5, &crps), CS_OK);
    ck_assert_double_eq_tol(crps, 23.0 / 9, 1e-14);
    /* One member: the absolute error. */
    const double one[] = {4};
    ck_assert_int_eq(cs_score_crps_ensemble(one, 1, 1, &crps), CS_OK);
    ck_assert_double_eq(crps, 3);
    /* Refusals. */
    const double bad[] = {1, NAN, 3};
    ck_assert_int_eq(cs_score_crps_ensemble(x, 0, 2, &crps), CS_EINPUT);
    ck_assert_int_eq(cs_score_crps_ensemble(bad, 3, 2, &crps), CS_EINPUT);
    ck_assert_int_eq(cs_score_crps_ensemble(x, 3, INFINITY, &crps), CS_EINPUT);
    ck_assert_int_eq(cs_score_crps_ensemble_fair(one, 1, 1, &crps), CS_EINPUT);
    ck_assert(isnan(cs_score_crps_sorted(x, 1, 2, 1)));
}
END_TEST

/* The O(n log n) formula equals the O(n^2) definition. */
START_TEST(test_crps_ensemble_equals_pairwise_definition)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    enum { N = 57 };
    double x[N];
    for (int i = 0; i < N; i++)
        x[i] = gsl_ran_gamma(rng, 2, 30) + (i % 5 == 0 ? x[i / 2] : 0);
    for (int trial = 0; trial < 5; trial++) {
        double y = 20 + 40 * trial, to_y = 0, pairs = 0;
        for (int i = 0; i < N; i++) {
            to_y += fabs(x[i] - y);
            for (int j = 0; j < N; j++)
                pairs += fabs(x[i] - x[j]);
        }
        double plain = to_y / N - pairs / (2.0 * N * N);
        double fair = to_y / N - pairs / (2.0 * N * (N - 1));
        double crps;
        ck_assert_int_eq(cs_score_crps_ensemble(x, N, y, &crps), CS_OK);
        ck_assert_double_eq_tol(crps, plain, 1e-10 * plain);
        ck_assert_int_eq(cs_score_crps_ensemble_fair(x, N, y, &crps), CS_OK);
        ck_assert_double_eq_tol(crps, fair, 1e-10 * plain);
    }
    gsl_rng_free(rng);
}
END_TEST

/* (F(x) - 1{x >= y})^2 for the normal F, split at y. */
typedef struct normal_case {
    double mu, sigma, y;
} normal_case;

static double below(double x, void *p)
{
    const normal_case *c = p;
    double F = gsl_cdf_gaussian_P(x - c->mu, c->sigma);
    return F * F;
}

static double above(double x, void *p)
{
    const normal_case *c = p;
    double Q = gsl_cdf_gaussian_Q(x - c->mu, c->sigma);
    return Q * Q;
}

/*
 * The closed form against numerical integration of
 *   CRPS = int_{-inf}^{y} F(x)^2 dx + int_{y}^{inf} (1 - F(x))^2 dx
 * with GSL's QAGIL and QAGIU. By hand, at the centre of N(0, 1):
 *   2 phi(0) - 1/sqrt(pi) = 2/sqrt(2 pi) - 1/sqrt(pi)
 *                         = (sqrt(2) - 1)/sqrt(pi) = 0.2336949772...
 */
START_TEST(test_crps_normal_against_integration)
{
    ck_assert_double_eq_tol(cs_score_crps_normal(0, 1, 0),
                            (sqrt(2) - 1) / sqrt(PI), 1e-15);
    static const normal_case cases[] = {
        {0, 1, 0},     {0, 1, 1.5},          {0, 1, -3},
        {100, 10, 93}, {78140, 2500, 81000}, {5, 0.01, 5.02},
        {-2, 3, 10},
    };
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        normal_case c = cases[i];
        gsl_function lo = {below, &c}, hi = {above, &c};
        double a, b, ea, eb;
        gsl_integration_qagil(&lo, c.y, 1e-13, 1e-11, 1000, w, &a, &ea);
        gsl_integration_qagiu(&hi, c.y, 1e-13, 1e-11, 1000, w, &b, &eb);
        double closed = cs_score_crps_normal(c.mu, c.sigma, c.y);
        ck_assert_msg(fabs(closed - (a + b)) <= 1e-9 * c.sigma + ea + eb,
                      "N(%g, %g^2) at %g: closed form %.12g, integral %.12g",
                      c.mu, c.sigma, c.y, closed, a + b);
    }
    gsl_integration_workspace_free(w);
    /* A point forecast: the absolute error; nonsense: NaN. */
    ck_assert_double_eq(cs_score_crps_normal(3, 0, 5), 2);
    ck_assert(isnan(cs_score_crps_normal(3, -1, 5)));
    ck_assert(isnan(cs_score_crps_normal(NAN, 1, 5)));
    ck_assert(isnan(cs_score_crps_normal(3, 1, INFINITY)));
}
END_TEST

/* E|x - Z'| for Z' ~ N(0, 1): x (2 Phi(x) - 1) + 2 phi(x). */
static double mean_distance(double x)
{
    return x * (2 * gsl_cdf_ugaussian_P(x) - 1) + 2 * gsl_ran_ugaussian_pdf(x);
}

/*
 * The fair ensemble CRPS of a large normal sample is an unbiased estimate
 * of the normal CRPS; its standard error, from the first-order (Hoeffding)
 * projection of the U-statistic, is sd(d_i) / sqrt(n) with
 *   d_i = |x_i - y| - sigma * mean_distance((x_i - mu) / sigma).
 * The plain score exceeds the fair one by E|X - X'| / (2n) on average,
 * = sigma / (sqrt(pi) n) for a normal.
 */
START_TEST(test_ensemble_crps_converges_to_normal)
{
    enum { N = 20000 };
    static double x[N], d[N];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2019);
    static const normal_case cases[] = {{0, 1, 0.3}, {70000, 2000, 74000}};
    for (int k = 0; k < 2; k++) {
        normal_case c = cases[k];
        for (int i = 0; i < N; i++) {
            x[i] = c.mu + gsl_ran_gaussian_ziggurat(rng, c.sigma);
            d[i] = fabs(x[i] - c.y) -
                   c.sigma * mean_distance((x[i] - c.mu) / c.sigma);
        }
        double se = gsl_stats_sd(d, 1, N) / sqrt(N);
        double want = cs_score_crps_normal(c.mu, c.sigma, c.y);
        double fair, plain;
        ck_assert_int_eq(cs_score_crps_ensemble_fair(x, N, c.y, &fair), CS_OK);
        ck_assert_int_eq(cs_score_crps_ensemble(x, N, c.y, &plain), CS_OK);
        ck_assert_msg(fabs(fair - want) < 4 * se,
                      "fair %.8g vs normal %.8g: off by %.3g standard errors",
                      fair, want, (fair - want) / se);
        double bias = c.sigma / (sqrt(PI) * N);
        ck_assert_double_eq_tol(plain - fair, bias, 0.05 * bias);
        ck_assert(se < 0.01 * want); /* the check has teeth */
    }
    gsl_rng_free(rng);
}
END_TEST

/*
 * [2, 5] as a 90% interval (alpha = 0.1), width 3:
 *   covered (y = 3 or on an end):  3
 *   below, y = 1:                  3 + (2 / 0.1)(2 - 1) = 3 + 20 = 23
 *   above, y = 7:                  3 + 20 (7 - 5)       = 43
 */
START_TEST(test_interval_score_by_hand)
{
    ck_assert_double_eq(cs_score_interval(2, 5, 0.1, 3), 3);
    ck_assert_double_eq(cs_score_interval(2, 5, 0.1, 2), 3);
    ck_assert_double_eq(cs_score_interval(2, 5, 0.1, 5), 3);
    ck_assert_double_eq_tol(cs_score_interval(2, 5, 0.1, 1), 23, 1e-12);
    ck_assert_double_eq_tol(cs_score_interval(2, 5, 0.1, 7), 43, 1e-12);
    ck_assert_double_eq_tol(cs_score_interval(2, 5, 0.5, 7), 11, 1e-12);
    ck_assert_double_eq(cs_score_interval(4, 4, 0.1, 4), 0);
    ck_assert(isnan(cs_score_interval(2, 5, 0, 3)));
    ck_assert(isnan(cs_score_interval(2, 5, 1, 3)));
    ck_assert(isnan(cs_score_interval(2, 5, NAN, 3)));
    ck_assert(isnan(cs_score_interval(5, 2, 0.1, 3)));
    ck_assert(isnan(cs_score_interval(2, 5, 0.1, NAN)));
}
END_TEST

typedef struct interval_case {
    double lo, hi, alpha;
} interval_case;

static double weighted_score(double y, void *p)
{
    const interval_case *c = p;
    return cs_score_interval(c->lo, c->hi, c->alpha, y) *
           gsl_ran_ugaussian_pdf(y);
}

/* Propriety: for Y ~ N(0, 1) the expected score is smallest for the true
 * central interval [z_{alpha/2}, z_{1-alpha/2}]; narrower, wider or shifted
 * intervals score worse on average. */
START_TEST(test_interval_score_is_proper)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    double alpha = 0.1, z = gsl_cdf_ugaussian_Pinv(1 - alpha / 2);
    double expected[5];
    const interval_case cases[5] = {
        {-z, z, alpha},
        {-0.8 * z, 0.8 * z, alpha},
        {-1.2 * z, 1.2 * z, alpha},
        {-z + 0.3, z + 0.3, alpha},
        {-z - 0.3, z - 0.3, alpha},
    };
    for (int i = 0; i < 5; i++) {
        interval_case c = cases[i];
        gsl_function f = {weighted_score, &c};
        double err;
        /* The score has kinks at lo and hi: integrate the pieces. */
        double pts[2] = {c.lo, c.hi}, a, b, mid;
        gsl_integration_qagil(&f, pts[0], 1e-12, 1e-10, 1000, w, &a, &err);
        gsl_integration_qags(&f, pts[0], pts[1], 1e-12, 1e-10, 1000, w, &mid,
                             &err);
        gsl_integration_qagiu(&f, pts[1], 1e-12, 1e-10, 1000, w, &b, &err);
        expected[i] = a + mid + b;
    }
    for (int i = 1; i < 5; i++)
        ck_assert_msg(expected[0] < expected[i] - 1e-6,
                      "true interval %.6g, case %d %.6g", expected[0], i,
                      expected[i]);
    gsl_integration_workspace_free(w);
}
END_TEST

/*
 * Type 7 on {1, 2, 3, 4}: the quantile q sits at rank h = (n - 1) q + 1
 * between order statistics: q = 0.5: h = 2.5, 2 + 0.5 (3 - 2) = 2.5;
 * q = 0.25: h = 1.75, 1 + 0.75 (2 - 1) = 1.75; q = 0.9: h = 3.7, 3.7.
 */
START_TEST(test_quantile_type_7)
{
    const double x[] = {1, 2, 3, 4};
    ck_assert_double_eq_tol(cs_score_quantile_sorted(x, 4, 0.5), 2.5, 1e-15);
    ck_assert_double_eq_tol(cs_score_quantile_sorted(x, 4, 0.25), 1.75, 1e-15);
    ck_assert_double_eq_tol(cs_score_quantile_sorted(x, 4, 0.9), 3.7, 1e-15);
    ck_assert_double_eq(cs_score_quantile_sorted(x, 4, 0), 1);
    ck_assert_double_eq(cs_score_quantile_sorted(x, 4, 1), 4);
    ck_assert_double_eq(cs_score_quantile_sorted(x, 1, 0.3), 1);
    ck_assert(isnan(cs_score_quantile_sorted(x, 0, 0.5)));
    ck_assert(isnan(cs_score_quantile_sorted(x, 4, -0.1)));
    ck_assert(isnan(cs_score_quantile_sorted(x, 4, 1.1)));
    ck_assert(isnan(cs_score_quantile_sorted(x, 4, NAN)));
}
END_TEST

/*
 * History 100, 110, 105, 120 (years t-3 .. t). Changes +10, -5, +15; their
 * mean square (350 / 3 = 116.67) is the random walk's variance:
 *   ahead 1: mean 120, sd sqrt(350/3)     = 10.8012
 *   ahead 4: mean 120, sd sqrt(4 * 350/3) = 21.6025
 * With gaps, 100, -, 105, 120, - : the only change between observed
 * neighbours is +15, s = 15; the last value is two years before the target
 * for ahead 1: sd = 15 sqrt(2).
 */
START_TEST(test_persistence_worked_example)
{
    const double h[] = {100, 110, 105, 120};
    double mean, sd;
    ck_assert_int_eq(cs_benchmark_persistence(h, 4, 1, &mean, &sd), CS_OK);
    ck_assert_double_eq(mean, 120);
    ck_assert_double_eq_tol(sd, sqrt(350.0 / 3), 1e-12);
    ck_assert_int_eq(cs_benchmark_persistence(h, 4, 4, &mean, &sd), CS_OK);
    ck_assert_double_eq_tol(sd, sqrt(4 * 350.0 / 3), 1e-12);
    const double gaps[] = {100, NAN, 105, 120, NAN};
    ck_assert_int_eq(cs_benchmark_persistence(gaps, 5, 1, &mean, &sd), CS_OK);
    ck_assert_double_eq(mean, 120);
    ck_assert_double_eq_tol(sd, 15 * sqrt(2), 1e-12);
    /* Too short: no change between observed neighbouring years. */
    const double one[] = {100}, apart[] = {100, NAN, 105};
    const double inf[] = {100, INFINITY, 105};
    mean = sd = -1;
    ck_assert_int_eq(cs_benchmark_persistence(one, 1, 1, &mean, &sd),
                     CS_EINPUT);
    ck_assert_int_eq(cs_benchmark_persistence(apart, 3, 1, &mean, &sd),
                     CS_EINPUT);
    ck_assert_int_eq(cs_benchmark_persistence(inf, 3, 1, &mean, &sd),
                     CS_EINPUT);
    ck_assert_int_eq(cs_benchmark_persistence(h, 4, 0, &mean, &sd), CS_EINPUT);
    ck_assert_int_eq(cs_benchmark_persistence(h, 0, 1, &mean, &sd), CS_EINPUT);
    ck_assert_double_eq(mean, -1);
    ck_assert_double_eq(sd, -1);
}
END_TEST

/*
 * History 100, 110, 105, 120 at years 0..3, window 3: the points (1, 110),
 * (2, 105), (3, 120). Least squares: mean x 2, mean y 335/3;
 *   Sxy = (-1)(110 - 335/3) + 0 + (1)(120 - 335/3) = 10, Sxx = 2, slope 5;
 *   at year 4 (ahead 1): 335/3 + 5 * 2 = 365/3 = 121.667;
 *   at year 5 (ahead 2): 335/3 + 5 * 3 = 380/3 = 126.667.
 * Random walk with drift on the same values: changes -5, +15 over G = 2
 * years, drift 5, residuals -10, +10, s^2 = 200 / (2 - 1) = 200;
 *   ahead 1: sd = sqrt(200 * 1 * (1 + 1/2)) = sqrt(300) = 17.3205;
 *   ahead 2: sd = sqrt(200 * 2 * (1 + 2/2)) = sqrt(800) = 28.2843.
 * Window 4, all four points: mean x 1.5, mean y 108.75,
 *   Sxy = (-1.5)(-8.75) + (-0.5)(1.25) + (0.5)(-3.75) + (1.5)(11.25) = 27.5,
 *   Sxx = 5, slope 5.5; at year 4: 108.75 + 5.5 * 2.5 = 122.5.
 *   Changes +10, -5, +15, G = 3, drift 20/3, residuals 10/3, -35/3, 25/3,
 *   s^2 = (100 + 1225 + 625) / 9 / 2 = 1950 / 18 = 108.33,
 *   sd = sqrt(108.33 * (1 + 1/3)) = sqrt(1300 / 9) = 12.0185.
 * With a gap, 100, -, 110, 120 (years 0, 2, 3), window 3:
 *   mean x 5/3, mean y 110, Sxy = (-5/3)(-10) + (1/3)(0) + (4/3)(10) = 30,
 *   Sxx = (25 + 1 + 16) / 9 = 42/9, slope 45/7; at year 4:
 *   110 + (45/7)(7/3) = 125.
 *   Changes 10 over 2 years, 10 over 1: G = 3, drift 20/3; residuals
 *   10 - 40/3 = -10/3 (weight 1/2) and 10/3: s^2 = (100/9/2 + 100/9) / 1
 *   = 50/3; sd = sqrt(50/3 * (1 + 1/3)) = sqrt(200/9) = 4.714.
 */
START_TEST(test_trend_worked_example)
{
    const double h[] = {100, 110, 105, 120};
    double mean, sd;
    ck_assert_int_eq(cs_benchmark_trend(h, 4, 3, 1, &mean, &sd), CS_OK);
    ck_assert_double_eq_tol(mean, 365.0 / 3, 1e-10);
    ck_assert_double_eq_tol(sd, sqrt(300), 1e-10);
    ck_assert_int_eq(cs_benchmark_trend(h, 4, 0, 2, &mean, &sd), CS_OK);
    ck_assert_double_eq_tol(mean, 380.0 / 3, 1e-10);
    ck_assert_double_eq_tol(sd, sqrt(800), 1e-10);
    ck_assert_int_eq(cs_benchmark_trend(h, 4, 4, 1, &mean, &sd), CS_OK);
    ck_assert_double_eq_tol(mean, 122.5, 1e-10);
    ck_assert_double_eq_tol(sd, sqrt(1300.0 / 9), 1e-10);
    const double gap[] = {100, NAN, 110, 120};
    ck_assert_int_eq(cs_benchmark_trend(gap, 4, 3, 1, &mean, &sd), CS_OK);
    ck_assert_double_eq_tol(mean, 125, 1e-10);
    ck_assert_double_eq_tol(sd, sqrt(200.0 / 9), 1e-10);
    /* A straight line is forecast exactly, with sd 0. */
    const double line[] = {10, 20, 30, 40};
    ck_assert_int_eq(cs_benchmark_trend(line, 4, 3, 3, &mean, &sd), CS_OK);
    ck_assert_double_eq_tol(mean, 70, 1e-10);
    ck_assert_double_eq_tol(sd, 0, 1e-10);
    /* Too short: fewer observed values than the window, a window under 3,
     * nothing ahead. */
    const double two[] = {100, NAN, 110};
    mean = sd = -1;
    ck_assert_int_eq(cs_benchmark_trend(two, 3, 3, 1, &mean, &sd), CS_EINPUT);
    ck_assert_int_eq(cs_benchmark_trend(h, 4, 2, 1, &mean, &sd), CS_EINPUT);
    ck_assert_int_eq(cs_benchmark_trend(h, 4, 5, 1, &mean, &sd), CS_EINPUT);
    ck_assert_int_eq(cs_benchmark_trend(h, 4, 3, 0, &mean, &sd), CS_EINPUT);
    ck_assert_double_eq(mean, -1);
    ck_assert_double_eq(sd, -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("score");
    TCase *tc = tcase_create("scores");
    tcase_add_test(tc, test_ape_and_signed_error);
    tcase_add_test(tc, test_crps_ensemble_by_hand);
    tcase_add_test(tc, test_crps_ensemble_equals_pairwise_definition);
    tcase_add_test(tc, test_crps_normal_against_integration);
    tcase_add_test(tc, test_ensemble_crps_converges_to_normal);
    tcase_add_test(tc, test_interval_score_by_hand);
    tcase_add_test(tc, test_interval_score_is_proper);
    tcase_add_test(tc, test_quantile_type_7);
    suite_add_tcase(s, tc);
    tc = tcase_create("benchmarks");
    tcase_add_test(tc, test_persistence_worked_example);
    tcase_add_test(tc, test_trend_worked_example);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
