/*
 * test_params.c - parameter uncertainty: distributions given in a scenario
 * land on the right numbers, and the draws match their distributions.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cascade/econ.h"
#include "cascade/rng.h"
#include "cascade/scenario.h"

static const char *const yaml =
    "name: params\n"
    "base_date: 2019-04\n"
    "horizon_months: 12\n"
    "stages:\n"
    "  universal: {intervention: none}\n"
    "  cin: {intervention: late, unit_cost: {per_week: {dist: uniform, min: "
    "70, max: 130}}}\n"
    "population: {total: 1000, remainder: universal}\n"
    "births: {per_year: 0}\n"
    "transitions:\n"
    "  referral:\n"
    "    from: universal\n"
    "    to: cin\n"
    "    rate: 0.01\n"
    "    by_age:\n"
    "      - {ages: 10-17, rate: {dist: normal, mean: 0.2, sd: 0.05}}\n"
    "      - {ages: 0-9, rate: {dist: gamma, mean: 0.05, sd: 0.01}}\n"
    "  closed:\n"
    "    from: cin\n"
    "    to: universal\n"
    "    rate: {dist: lognormal, mean: 1.5, sd: 0.3}\n"
    "    by_duration:\n"
    "      - {months: 0-2, factor: {dist: beta, mean: 0.3, sd: 0.1}}\n"
    "      - {months: 3+, factor: {dist: triangular, min: 0.5, mode: 1, "
    "max: 2}}\n";

static cs_scenario *load(void)
{
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_string(yaml, strlen(yaml), "params.yaml", NULL,
                                     &s, &err);
    ck_assert_msg(rc == CS_OK, "load: %s", err.message);
    return s;
}

/* Each distribution is registered against the number it replaces: drawing
 * changes exactly that number (by_age bands are sorted after reading, and
 * the parameter follows its band). */
START_TEST(test_parameters_land_on_their_numbers)
{
    cs_scenario *s = load();
    ck_assert_int_eq(s->n_parameters, 6);
    /* means in place, unit cost scaled from per week to per month */
    ck_assert_double_eq_tol(s->stages[1].unit_cost, 100 * 365.25 / 7 / 12,
                            1e-9);
    const cs_transition *ref = &s->transitions[0];
    ck_assert_int_eq(ref->by_age[0].age_lo, 0); /* sorted */
    ck_assert_double_eq_tol(ref->by_age[0].rate, 0.05, 1e-15);
    ck_assert_double_eq_tol(ref->by_age[1].rate, 0.2, 1e-15);
    cs_scenario *d = NULL;
    double drawn[CS_MAX_PARAMETERS];
    ck_assert_int_eq(cs_scenario_draw(s, 7, 3, &d, drawn, NULL), CS_OK);
    for (int i = 0; i < s->n_parameters; i++) {
        const cs_parameter *p = &s->parameters[i];
        double stored;
        memcpy(&stored, (const char *)d + p->offset, sizeof stored);
        ck_assert_double_eq_tol(stored, drawn[i] * p->scale, 1e-12);
        ck_assert_msg(drawn[i] != p->mean, "%s drew exactly its mean", p->path);
    }
    int young = -1, old = -1;
    for (int i = 0; i < s->n_parameters; i++) {
        if (!strcmp(s->parameters[i].path,
                    "transitions.referral.by_age[1].rate"))
            young = i; /* written second: ages 0-9 */
        if (!strcmp(s->parameters[i].path,
                    "transitions.referral.by_age[0].rate"))
            old = i;
    }
    ck_assert(young >= 0 && old >= 0);
    ck_assert_double_eq(d->transitions[0].by_age[0].rate, drawn[young]);
    ck_assert_double_eq(d->transitions[0].by_age[1].rate, drawn[old]);
    /* everything else is the scenario's */
    ck_assert_double_eq(d->transitions[0].rate, 0.01);
    ck_assert_double_eq(d->transitions[1].by_duration[0].factor,
                        drawn[4] * s->parameters[4].scale);
    cs_scenario_free(d);
    cs_scenario_free(s);
}
END_TEST

/*
 * Over 20,000 runs each parameter's draws have its mean and standard
 * deviation within 5 standard errors: SE(mean) = sd / sqrt(n), SE(var)
 * from the sample's fourth moment, sqrt((m4 - var^2) / n).
 */
START_TEST(test_draws_match_their_distributions)
{
    cs_scenario *s = load();
    const int n = 20000;
    int np = s->n_parameters;
    double *x = calloc((size_t)n * np, sizeof *x);
    for (int run = 0; run < n; run++) {
        cs_scenario *d = NULL;
        ck_assert_int_eq(cs_scenario_draw(s, 2019, (uint32_t)run, &d,
                                          x + (size_t)run * np, NULL),
                         CS_OK);
        cs_scenario_free(d);
    }
    for (int i = 0; i < np; i++) {
        const cs_parameter *p = &s->parameters[i];
        double want_mean, want_var;
        if (p->dist == CS_DIST_UNIFORM) {
            want_mean = (p->a + p->b) / 2;
            want_var = (p->b - p->a) * (p->b - p->a) / 12;
        } else if (p->dist == CS_DIST_TRIANGULAR) {
            double a = p->a, c = p->b, b = p->c;
            want_mean = (a + b + c) / 3;
            want_var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18;
        } else {
            want_mean = p->a;
            want_var = p->b * p->b;
        }
        double mean = 0, m2 = 0, m4 = 0;
        for (int r = 0; r < n; r++)
            mean += x[(size_t)r * np + i] / n;
        for (int r = 0; r < n; r++) {
            double e = x[(size_t)r * np + i] - mean;
            m2 += e * e / n;
            m4 += e * e * e * e / n;
        }
        double se_mean = sqrt(want_var / n), se_var = sqrt((m4 - m2 * m2) / n);
        ck_assert_msg(fabs(mean - want_mean) < 5 * se_mean,
                      "%s: mean %g, expected %g +- %g", p->path, mean,
                      want_mean, 5 * se_mean);
        ck_assert_msg(fabs(m2 - want_var) < 5 * se_var,
                      "%s: variance %g, expected %g +- %g", p->path, m2,
                      want_var, 5 * se_var);
    }
    free(x);
    cs_scenario_free(s);
}
END_TEST

/* Bad distributions: a clear message with the path. */
START_TEST(test_bad_distributions_are_refused)
{
    static const char *const cases[][2] = {
        {"{dist: gama, mean: 1, sd: 1}", "did you mean 'gamma'?"},
        {"{dist: beta, mean: 0.5, sd: 0.9}", "sd^2 < mean (1 - mean)"},
        {"{dist: normal, mean: 0.2}", "missing required key 'sd'"},
        {"{dist: uniform, min: 2, max: 1}", "expected min < max"},
        {"{dist: gamma, mean: 2000, sd: 1}", "found a mean of 2000"},
        {"{dist: uniform, min: 1, max: 2, sd: 3}", "takes min and max"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "name: bad\nbase_date: 2019-04\nhorizon_months: 12\n"
                 "stages: {universal: {intervention: none}, cin: "
                 "{intervention: late}}\n"
                 "population: {total: 10, remainder: universal}\n"
                 "births: {per_year: 0}\n"
                 "transitions:\n  referral: {from: universal, to: cin, "
                 "rate: %s}\n",
                 cases[i][0]);
        cs_scenario *s = NULL;
        cs_error err;
        ck_assert_int_eq(cs_scenario_load_string(text, strlen(text), "bad.yaml",
                                                 NULL, &s, &err),
                         CS_EINPUT);
        ck_assert_msg(strstr(err.message, "bad.yaml:8:") &&
                          strstr(err.message, cases[i][1]),
                      "case %zu: got '%s'", i, err.message);
    }
}
END_TEST

/*
 * PRCC on made-up data: y rises steeply with x0 (non-linearly), falls
 * gently with x1, and ignores x2. With n = 400 the PRCC of an input y
 * ignores has a standard error of about 1/sqrt(n - 3) = 0.05 (Fisher), so
 * |PRCC(x2)| stays below 4 of them, while x0 and x1 lie beyond 4 of them
 * on their own sides, x0 the stronger.
 */
START_TEST(test_prcc_ranks_influence)
{
    const int n = 400, k = 3;
    double *x = malloc((size_t)n * k * sizeof *x), *y = malloc(n * sizeof *y);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_reset(r, 5, 0, CS_RNG_TEST, 0);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < k; j++)
            x[i * k + j] = gsl_rng_uniform(r);
        y[i] = exp(3 * x[i * k + 0]) - 2 * x[i * k + 1] +
               0.05 * gsl_rng_uniform(r);
    }
    double prcc[3];
    ck_assert_int_eq(cs_prcc(x, n, k, y, prcc), CS_OK);
    double noise = 4 / sqrt(n - 3.0);
    ck_assert_msg(prcc[0] > noise, "PRCC(x0) = %g", prcc[0]);
    ck_assert_msg(prcc[1] < -noise, "PRCC(x1) = %g", prcc[1]);
    ck_assert_msg(prcc[0] > -prcc[1], "PRCC(x0) %g not above |PRCC(x1)| %g",
                  prcc[0], -prcc[1]);
    ck_assert_msg(fabs(prcc[2]) < noise, "PRCC(x2) = %g", prcc[2]);
    /* too few runs for the inputs: undefined */
    ck_assert_int_eq(cs_prcc(x, 4, k, y, prcc), CS_OK);
    ck_assert(isnan(prcc[0]));
    gsl_rng_free(r);
    free(x);
    free(y);
}
END_TEST

/* Quantiles invert each distribution's CDF. */
START_TEST(test_parameter_quantiles)
{
    cs_scenario *s = load();
    for (int i = 0; i < s->n_parameters; i++) {
        const cs_parameter *p = &s->parameters[i];
        for (int qi = 1; qi < 10; qi++) {
            double q = qi / 10.0, v = cs_parameter_quantile(p, q), back = q;
            double m = p->a, sd = p->b;
            switch (p->dist) {
            case CS_DIST_GAMMA:
                back = gsl_cdf_gamma_P(v, m * m / (sd * sd), sd * sd / m);
                break;
            case CS_DIST_LOGNORMAL: {
                double s2 = log1p(sd * sd / (m * m));
                back = gsl_cdf_lognormal_P(v, log(m) - s2 / 2, sqrt(s2));
                break;
            }
            case CS_DIST_BETA: {
                double kk = m * (1 - m) / (sd * sd) - 1;
                back = gsl_cdf_beta_P(v, m * kk, (1 - m) * kk);
                break;
            }
            case CS_DIST_NORMAL:
                back = gsl_cdf_gaussian_P(v - m, sd);
                break;
            case CS_DIST_UNIFORM:
                back = (v - p->a) / (p->b - p->a);
                break;
            case CS_DIST_TRIANGULAR: {
                double a = p->a, c = p->b, b = p->c;
                back = v < c ? (v - a) * (v - a) / ((b - a) * (c - a))
                             : 1 - (b - v) * (b - v) / ((b - a) * (b - c));
                break;
            }
            }
            ck_assert_msg(fabs(back - q) < 1e-6, "%s: CDF(Q(%g)) = %g", p->path,
                          q, back);
        }
    }
    cs_scenario_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("params");
    TCase *tc = tcase_create("params");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_parameters_land_on_their_numbers);
    tcase_add_test(tc, test_draws_match_their_distributions);
    tcase_add_test(tc, test_bad_distributions_are_refused);
    tcase_add_test(tc, test_prcc_ranks_influence);
    tcase_add_test(tc, test_parameter_quantiles);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
