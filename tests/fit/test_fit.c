/*
 * test_fit.c - cascade fit recovers known parameters: series made by a
 * scenario whose rates are known are fitted from the scenario with other
 * rates; exactly on expected-value data, and within two standard errors
 * in at least 90% of 50 replicates made by stochastic runs (fixed seeds).
 * Also the fitted scenario: it runs, draws around the estimates with the
 * covariance the fit reports, and reads back from the YAML it is written
 * as; and the refusals.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cascade/cascade.h"

/*
 * A council of 36,000 children, base April 2013, six years. The
 * population is stationary (ages uniform, births = a year of age), so the
 * published population is the same every year and the start is exact.
 */
static const char *const scenario_yaml =
    "name: council\n"
    "base_date: 2013-04\n"
    "horizon_months: 72\n"
    "seed: 3\n"
    "stages:\n"
    "  universal: {intervention: none}\n"
    "  assessment: {intervention: late, dfe: cin}\n"
    "  cin: {intervention: late, dfe: cin}\n"
    "  cp: {intervention: late, dfe: cp}\n"
    "  looked_after:\n"
    "    intervention: late\n"
    "    dfe: looked_after\n"
    "    placements:\n"
    "      foster: {entry_share: 0.75}\n"
    "      residential: {entry_share: 0.25}\n"
    "population:\n"
    "  total: 36000\n"
    "  remainder: universal\n"
    "  stages:\n"
    "    assessment: {count: 180}\n"
    "    cin: {count: 540}\n"
    "    cp: {count: 108}\n"
    "    looked_after:\n"
    "      count: 216\n"
    "      placements: {foster: 162, residential: 54}\n"
    "births: {per_year: 2000}\n"
    "transitions:\n"
    "  referral: {from: universal, to: assessment, rate: 0.05}\n"
    "  nfa: {from: assessment, to: universal, rate: 5}\n"
    "  to_cin: {from: assessment, to: cin, rate: 6}\n"
    "  to_cp: {from: assessment, to: cp, rate: 1}\n"
    "  to_care: {from: assessment, to: looked_after, rate: 0.4}\n"
    "  cin_closed: {from: cin, to: universal, rate: 1.5}\n"
    "  cp_ends: {from: cp, to: cin, rate: 1.2}\n"
    "  cp_to_care: {from: cp, to: looked_after, rate: 0.2}\n"
    "  home: {from: looked_after, to: universal, rate: 0.5}\n"
    "fit:\n"
    "  parameters:\n"
    "    referrals: {multiply: [transitions.referral.rate]}\n"
    "    referral_trend: {trend: [referral], after: hold}\n"
    "    cin_closing: {multiply: [transitions.cin_closed.rate]}\n"
    "    cp_starts: {multiply: [transitions.to_cp.rate]}\n"
    "    care_starts:\n"
    "      multiply: [transitions.to_care.rate, transitions.cp_to_care.rate]\n"
    "    leaving_care: {multiply: [transitions.home.rate]}\n";

/* The truth, on the fitted scale: log multipliers and the trend. */
static const double truth[6] = {0.15, 0.03, -0.2, 0.1, 0.25, -0.15};

static cs_scenario *load(const char *text)
{
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_string(text, strlen(text), "council.yaml", NULL,
                                     &s, &err);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    return s;
}

static const char *const measures[] = {
    "population_0_17", "referrals",    "cin_31_march", "cpp_31_march",
    "cpp_starts",      "cla_31_march", "cla_starts",   "cla_ceased"};
#define N_MEASURES 8

/*
 * The published figures of one run of the truth (seed, run; stochastic or
 * not) as an England summary CSV, 2013 to 2019: 2013's stocks are the
 * start, the population the stationary total.
 */
static char *truth_csv_of(const cs_scenario *base, const double *values,
                          cs_sim_mode mode, uint32_t run)
{
    cs_error err;
    cs_scenario *s = NULL;
    ck_assert_int_eq(cs_scenario_copy(base, &s, &err), CS_OK);
    char why[256];
    ck_assert_int_eq(cs_fit_apply(s, s->fit, values, 0, why, sizeof why), 0);
    s->transitions[0].trend_until = 5; /* 2018/19, as the fit will */
    s->transitions[0].trend_after = CS_TREND_HOLD;
    cs_model *m = NULL;
    ck_assert_int_eq(cs_model_compile(s, &m, &err), CS_OK);
    cs_observer *o = NULL;
    ck_assert_int_eq(cs_observer_create(m, &o, &err), CS_OK);
    int months = cs_model_n_months(m), S = cs_model_n_stages(m);
    double *stocks = calloc((size_t)months * S * CS_AGES, sizeof *stocks);
    double *flows = calloc((size_t)months * cs_model_n_flows(m), sizeof *flows);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, mode, 11, run, stocks, flows, NULL);
    double start[CS_MAX_STAGES * CS_AGES];
    cs_model_initial_stocks(m, start);
    size_t size = 8192, used = 0;
    char *csv = malloc(size);
    used += (size_t)snprintf(csv + used, size - used, "year_to_31_march");
    for (int k = 0; k < N_MEASURES; k++)
        used += (size_t)snprintf(csv + used, size - used, ",%s", measures[k]);
    used += (size_t)snprintf(csv + used, size - used, "\n");
    for (int year = 2013; year <= 2019; year++) {
        used += (size_t)snprintf(csv + used, size - used, "%d", year);
        for (int k = 0; k < N_MEASURES; k++) {
            double v = NAN;
            int measure = cs_series_find_measure(measures[k]);
            if (!strcmp(measures[k], "population_0_17"))
                v = 36000;
            else if (year > 2013)
                v = cs_observe(o, measure, year, stocks, flows);
            else if (cs_series_measure(measure)->kind == CS_OBS_STOCK) {
                /* 31 March 2013: the start, by category */
                int cat = !strcmp(measures[k], "cin_31_march") ? -1
                          : !strcmp(measures[k], "cpp_31_march")
                              ? CS_DFE_CP
                              : CS_DFE_LOOKED_AFTER;
                v = 0;
                for (int st = 0; st < S; st++)
                    if ((cat < 0 && s->stages[st].dfe != CS_DFE_NONE) ||
                        (int)s->stages[st].dfe == cat)
                        for (int a = 0; a < CS_AGES; a++)
                            v += start[st * CS_AGES + a];
            }
            if (isnan(v))
                used += (size_t)snprintf(csv + used, size - used, ",");
            else
                used += (size_t)snprintf(csv + used, size - used, ",%.12g", v);
        }
        used += (size_t)snprintf(csv + used, size - used, "\n");
    }
    cs_sim_free(sim);
    cs_observer_free(o);
    cs_model_free(m);
    cs_scenario_free(s);
    free(stocks);
    free(flows);
    return csv;
}

static char *truth_csv(const cs_scenario *base, cs_sim_mode mode, uint32_t run)
{
    return truth_csv_of(base, truth, mode, run);
}

static cs_series *series_of(const char *csv)
{
    cs_series *d = NULL;
    cs_error err;
    ck_assert_int_eq(cs_series_create(&d, &err), CS_OK);
    int rc = cs_series_load_buffer(d, "truth.csv", csv, strlen(csv), &err);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    return d;
}

static cs_fit_result *fit(const cs_scenario *s, const cs_series *d)
{
    cs_fit_result *r = NULL;
    cs_error err;
    int area = -1;
    ck_assert_int_eq(cs_series_find_area(d, "England", &area, &err), CS_OK);
    cs_fit_options o;
    cs_fit_options_init(&o);
    int rc = cs_fit_run(s, d, area, &o, &r, &err);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    return r;
}

/* Expected-value data: the estimates are the truth, to the optimiser's
 * tolerance. */
START_TEST(test_recovers_the_truth_from_expected_values)
{
    cs_scenario *s = load(scenario_yaml);
    char *csv = truth_csv(s, CS_SIM_DETERMINISTIC, 0);
    cs_series *d = series_of(csv);
    cs_fit_result *r = fit(s, d);
    ck_assert_int_eq(cs_fit_first_year(r), 2013);
    ck_assert_int_eq(cs_fit_last_year(r), 2019);
    ck_assert_int_eq(cs_fit_n_points(r), 6 * N_MEASURES);
    ck_assert(cs_fit_converged(r));
    for (int i = 0; i < 6; i++)
        ck_assert_msg(fabs(cs_fit_estimate(r, i) - truth[i]) < 1e-4,
                      "%s: estimate %.6f, truth %.6f",
                      cs_fit_get_parameter(r, i)->id, cs_fit_estimate(r, i),
                      truth[i]);
    for (int i = 0; i < cs_fit_n_points(r); i++) {
        cs_fit_point p;
        cs_fit_get_point(r, i, &p);
        ck_assert_msg(fabs(p.fitted - p.observed) < 1e-3 * (1 + p.observed),
                      "%s %d: fitted %g, observed %g",
                      cs_series_measure(p.measure)->name, p.year, p.fitted,
                      p.observed);
    }
    cs_fit_result_free(r);
    cs_series_free(d);
    free(csv);
    cs_scenario_free(s);
}
END_TEST

/*
 * Stochastic data: 50 replicates (runs 0..49 of the truth); for each
 * parameter the truth lies within two standard errors of the estimate in
 * at least 90% of them (a correct 95% interval covers with probability
 * 0.95; 45 or more of 50 then happens with probability 0.96).
 */
START_TEST(test_two_standard_errors_cover_the_truth)
{
    cs_scenario *s = load(scenario_yaml);
    int covered[6] = {0};
    const int replicates = 50;
    for (int rep = 0; rep < replicates; rep++) {
        char *csv = truth_csv(s, CS_SIM_STOCHASTIC, (uint32_t)rep);
        cs_series *d = series_of(csv);
        cs_fit_result *r = fit(s, d);
        for (int i = 0; i < 6; i++) {
            covered[i] +=
                fabs(cs_fit_estimate(r, i) - truth[i]) <= 2 * cs_fit_se(r, i);
        }
        cs_fit_result_free(r);
        cs_series_free(d);
        free(csv);
    }
    for (int i = 0; i < 6; i++)
        ck_assert_msg(covered[i] >= 45,
                      "parameter %d: truth within 2 s.e. in %d of %d "
                      "replicates, expected at least 45",
                      i, covered[i], replicates);
    cs_scenario_free(s);
}
END_TEST

/* The fitted scenario: estimates in place, draws around them with the
 * fit's covariance, the YAML written reloads to the same numbers. */
START_TEST(test_fitted_scenario_draws_and_writes)
{
    cs_scenario *s = load(scenario_yaml);
    char *csv = truth_csv(s, CS_SIM_DETERMINISTIC, 0);
    cs_series *d = series_of(csv);
    cs_fit_result *r = fit(s, d);
    cs_error err;
    cs_scenario *f = NULL;
    ck_assert_int_eq(cs_fit_scenario(r, 2019, 36, &f, &err), CS_OK);
    ck_assert_int_eq(f->base_year, 2019);
    ck_assert(f->fit && f->fit->has_covariance);
    /* referral at 2019/20: 0.05 e^0.15 e^(0.03 * 5), the trend held */
    ck_assert_double_eq_tol(f->transitions[0].rate,
                            0.05 * exp(truth[0] + 5 * truth[1]), 1e-5);
    ck_assert_double_eq_tol(f->transitions[5].rate, 1.5 * exp(truth[2]), 1e-5);
    /* draws: the log of the drawn cin_closed rate over the estimate has
     * the variance the fit reports and mean -variance / 2, so that the
     * drawn rate's mean is the estimate (4,000 draws, 5 standard errors:
     * of a mean, sd / sqrt(n); of a normal's variance, var sqrt(2 / n)) */
    const int n = 4000;
    double sum = 0, sq = 0, ratio = 0, var = pow(cs_fit_se(r, 2), 2);
    for (int k = 0; k < n; k++) {
        cs_scenario *x = NULL;
        ck_assert_int_eq(cs_scenario_draw(f, 5, (uint32_t)k, &x, NULL, &err),
                         CS_OK);
        double v = log(x->transitions[5].rate / f->transitions[5].rate);
        sum += v;
        sq += v * v;
        ratio += exp(v);
        cs_scenario_free(x);
    }
    double mean = sum / n, got = sq / n - mean * mean;
    ck_assert_msg(fabs(mean + var / 2) < 5 * sqrt(var / n),
                  "mean deviation %g, expected %g", mean, -var / 2);
    ck_assert_msg(fabs(got - var) < 5 * var * sqrt(2.0 / n),
                  "variance %g, the fit's %g", got, var);
    /* e^v is lognormal with mean 1 and variance e^var - 1; with the
     * variance made 0.25 the test can tell: centred at 0 the mean would be
     * e^0.125 = 1.133, 16 standard errors away */
    ck_assert_msg(fabs(ratio / n - 1) < 5 * sqrt((exp(var) - 1) / n),
                  "mean drawn rate / estimate %g", ratio / n);
    f->fit->covariance[2][2] = 0.25;
    ratio = 0;
    for (int k = 0; k < n; k++) {
        cs_scenario *x = NULL;
        ck_assert_int_eq(cs_scenario_draw(f, 5, (uint32_t)k, &x, NULL, &err),
                         CS_OK);
        ratio += x->transitions[5].rate / f->transitions[5].rate;
        cs_scenario_free(x);
    }
    ck_assert_msg(fabs(ratio / n - 1) < 5 * sqrt((exp(0.25) - 1) / n),
                  "mean drawn rate / estimate %g with variance 0.25",
                  ratio / n);
    f->fit->covariance[2][2] = var;
    /* the YAML: extends the input, reloads, same numbers at its base */
    char dir[] = "/tmp/cascade-fit-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char input[256], output[256];
    snprintf(input, sizeof input, "%s/council.yaml", dir);
    snprintf(output, sizeof output, "%s/fitted.yaml", dir);
    FILE *in = fopen(input, "w");
    fputs(scenario_yaml, in);
    fclose(in);
    ck_assert_int_eq(cs_fit_write_yaml(r, output, "council.yaml",
                                       "council-fitted", "council.csv", &err),
                     CS_OK);
    cs_scenario *back = NULL;
    int rc = cs_scenario_load_file(output, &back, &err);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    ck_assert_str_eq(back->name, "council-fitted");
    ck_assert(back->fit && back->fit->has_covariance);
    ck_assert_double_eq_tol(back->transitions[5].rate, 1.5 * exp(truth[2]),
                            1e-5);
    ck_assert_double_eq_tol(back->fit->covariance[2][2], var,
                            1e-12 + 1e-6 * var);
    cs_scenario_free(back);
    unlink(output);
    unlink(input);
    rmdir(dir);
    cs_scenario_free(f);
    cs_fit_result_free(r);
    cs_series_free(d);
    free(csv);
    cs_scenario_free(s);
}
END_TEST

/*
 * The spin-up: the council above with a mark (known: set when a case
 * closes; a known child is referred twice as often) and CP plans ending
 * by how long they have run, starting in 2013 with a share of known
 * children (2%) and months on plans (the steady state) that the rates
 * then move away from. Fitted to the truth's expected values for
 * 2013-2019, the forecast from April 2019 starts from the fitted model's
 * children at 31 March 2019, marks and months in stage included, so its
 * first year is the truth's own 2019/20 (to the optimiser's tolerance).
 * Started from the input's shares and the steady state instead, it is
 * not: the test checks that too, so that it can tell.
 */
/* text with each edits[i][0] (which must be there) replaced by edits[i][1] */
static char *edited(const char *text, const char *const (*edits)[2], size_t n)
{
    char *out = strdup(text);
    for (size_t i = 0; i < n; i++) {
        char *at = strstr(out, edits[i][0]);
        ck_assert_msg(at != NULL, "no '%s' in the scenario", edits[i][0]);
        size_t head = (size_t)(at - out), cut = strlen(edits[i][0]);
        size_t size = strlen(out) - cut + strlen(edits[i][1]) + 1;
        char *next = malloc(size);
        snprintf(next, size, "%.*s%s%s", (int)head, out, edits[i][1], at + cut);
        free(out);
        out = next;
    }
    return out;
}

static char *spun_up_yaml(void)
{
    static const char *const edits[][2] = {
        {"horizon_months: 72\n", "horizon_months: 84\nmarks:\n  known: {}\n"},
        {"  remainder: universal\n",
         "  remainder: universal\n  stages:\n    universal: {marked: {known: "
         "0.02}}\n"},
        {"  stages:\n    assessment: {count: 180}\n",
         "    assessment: {count: 180}\n"},
        {"rate: 0.05}", "rate: 0.05, if_marked: {known: 2}}"},
        {"rate: 1.5}", "rate: 1.5, sets: [known]}"},
        {"  cp_ends: {from: cp, to: cin, rate: 1.2}\n",
         "  cp_ends:\n    from: cp\n    to: cin\n    rate: 1.2\n"
         "    by_duration:\n      - {months: \"0-5\", factor: 0.3}\n"
         "      - {months: \"6+\", factor: 2}\n"}};
    return edited(scenario_yaml, edits, sizeof edits / sizeof edits[0]);
}

/* measure's value for year in a deterministic run of s */
static double run_and_observe(const cs_scenario *s, const char *measure,
                              int year)
{
    cs_error err;
    cs_model *m = NULL;
    ck_assert_int_eq(cs_model_compile(s, &m, &err), CS_OK);
    cs_observer *o = NULL;
    ck_assert_int_eq(cs_observer_create(m, &o, &err), CS_OK);
    int months = cs_model_n_months(m), S = cs_model_n_stages(m);
    double *stocks = calloc((size_t)months * S * CS_AGES, sizeof *stocks);
    double *flows = calloc((size_t)months * cs_model_n_flows(m), sizeof *flows);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 0, 0, stocks, flows, NULL);
    double v =
        cs_observe(o, cs_series_find_measure(measure), year, stocks, flows);
    cs_sim_free(sim);
    cs_observer_free(o);
    cs_model_free(m);
    free(stocks);
    free(flows);
    return v;
}

START_TEST(test_the_forecast_starts_from_the_spin_up)
{
    char *yaml = spun_up_yaml();
    cs_scenario *s = load(yaml);
    char *csv = truth_csv(s, CS_SIM_DETERMINISTIC, 0);
    cs_series *d = series_of(csv);
    cs_fit_result *r = fit(s, d);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(fabs(cs_fit_estimate(r, i) - truth[i]) < 1e-4,
                      "%s: estimate %.6f, truth %.6f",
                      cs_fit_get_parameter(r, i)->id, cs_fit_estimate(r, i),
                      truth[i]);
    /* the truth over 2019/20 */
    cs_error err;
    cs_scenario *t = NULL;
    ck_assert_int_eq(cs_scenario_copy(s, &t, &err), CS_OK);
    char why[256];
    ck_assert_int_eq(cs_fit_apply(t, t->fit, truth, 0, why, sizeof why), 0);
    t->transitions[0].trend_until = 5;
    t->transitions[0].trend_after = CS_TREND_HOLD;
    cs_scenario *f = NULL;
    ck_assert_int_eq(cs_fit_scenario(r, 2019, 12, &f, &err), CS_OK);
    int cp = cs_scenario_find_stage(f, "cp");
    ck_assert_int_eq(f->n_initial_durations[cp], 7);
    /* the truth's children at 31 March 2019: the forecast's start has
     * their months on plans and marks, stage by stage */
    cs_model *tm = NULL;
    ck_assert_int_eq(cs_model_compile(t, &tm, &err), CS_OK);
    cs_sim *ts = cs_sim_alloc(tm);
    int S = cs_model_n_stages(tm);
    double *ignore = calloc((size_t)72 * S * CS_AGES, sizeof *ignore);
    cs_sim_start(ts, CS_SIM_DETERMINISTIC);
    cs_sim_continue(ts, CS_SIM_DETERMINISTIC, 0, 0, 72, ignore, NULL, NULL);
    for (int st = 0; st < S; st++) {
        double dur[CS_MAX_DURATION_MONTHS + 1], mark[CS_MAX_MARKS];
        double total = cs_sim_stage_profile(ts, st, dur, mark);
        ck_assert_msg(
            fabs(f->initial_mark_share[st][0] - mark[0] / total) < 1e-4,
            "%s: known %.6f at the start, the truth's %.6f", f->stages[st].id,
            f->initial_mark_share[st][0], mark[0] / total);
        for (int k = 0; k < f->n_initial_durations[st]; k++)
            ck_assert_msg(
                fabs(f->initial_duration_share[st][k] - dur[k] / total) < 1e-4,
                "%s: %d months %.6f at the start, the truth's %.6f",
                f->stages[st].id, k, f->initial_duration_share[st][k],
                dur[k] / total);
    }
    cs_sim_free(ts);
    cs_model_free(tm);
    free(ignore);
    static const char *const check[] = {"referrals", "cpp_31_march",
                                        "cin_31_march", "cla_starts"};
    double off = 0; /* the largest relative error from the input's split */
    for (int k = 0; k < 4; k++) {
        double want = run_and_observe(t, check[k], 2020);
        double got = run_and_observe(f, check[k], 2020);
        ck_assert_msg(fabs(got - want) < 0.01 * want,
                      "%s 2019/20: forecast %.6f, truth %.6f", check[k], got,
                      want);
        cs_scenario *plain = NULL;
        ck_assert_int_eq(cs_scenario_copy(f, &plain, &err), CS_OK);
        for (int st = 0; st < plain->n_stages; st++) {
            plain->n_initial_durations[st] = 0;
            plain->initial_mark_share[st][0] = s->initial_mark_share[st][0];
        }
        double v = run_and_observe(plain, check[k], 2020);
        off = fmax(off, fabs(v - want) / want);
        cs_scenario_free(plain);
    }
    ck_assert_msg(off > 0.05,
                  "started from the input's split the forecast is off by "
                  "only %.4f: the test cannot tell",
                  off);
    /* the YAML of a fit whose input starts at the window's end (as the
     * England structure does) writes the same start: its months on plans
     * and marks reload to the in-memory forecast's */
    char dir[] = "/tmp/cascade-fit-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char input[256], output[256];
    snprintf(input, sizeof input, "%s/council.yaml", dir);
    snprintf(output, sizeof output, "%s/fitted.yaml", dir);
    char *at2019 = strdup(yaml);
    memcpy(strstr(at2019, "base_date: 2013-04"), "base_date: 2019-04", 18);
    FILE *in = fopen(input, "w");
    fputs(at2019, in);
    fclose(in);
    cs_scenario *s2 = load(at2019);
    cs_fit_result *r2 = fit(s2, d);
    cs_scenario *f2 = NULL;
    ck_assert_int_eq(cs_fit_scenario(r2, 2019, 12, &f2, &err), CS_OK);
    ck_assert_int_eq(cs_fit_write_yaml(r2, output, "council.yaml",
                                       "council-fitted", "council.csv", &err),
                     CS_OK);
    cs_scenario *back = NULL;
    int rc = cs_scenario_load_file(output, &back, &err);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    for (int st = 0; st < back->n_stages; st++) {
        ck_assert_int_eq(back->n_initial_durations[st],
                         f2->n_initial_durations[st]);
        for (int k = 0; k < back->n_initial_durations[st]; k++)
            ck_assert_double_eq_tol(back->initial_duration_share[st][k],
                                    f2->initial_duration_share[st][k], 1e-8);
        ck_assert_double_eq_tol(back->initial_mark_share[st][0],
                                f2->initial_mark_share[st][0], 1e-8);
    }
    ck_assert_double_eq_tol(f2->initial_mark_share[cp][0],
                            f->initial_mark_share[cp][0], 1e-6);
    cs_scenario_free(back);
    cs_scenario_free(f2);
    cs_fit_result_free(r2);
    cs_scenario_free(s2);
    free(at2019);
    unlink(output);
    unlink(input);
    rmdir(dir);
    cs_scenario_free(f);
    cs_scenario_free(t);
    cs_fit_result_free(r);
    cs_series_free(d);
    free(csv);
    cs_scenario_free(s);
    free(yaml);
}
END_TEST

/*
 * Estimates of the window's first start: the spun-up council with a stage
 * of needs not yet referred (waiting: no DfE category, 3,000 children at
 * the start where its rates keep about 660) and two more parameters, the
 * children waiting and the share of universal services known, at 31 March
 * 2013. Their truth (half the children, twice the share) shows in the
 * first years' referrals, and expected-value data gives it back exactly;
 * the forecast starts from the spin-up, and runs do not draw them again.
 */
START_TEST(test_estimates_the_window_start)
{
    char *spun = spun_up_yaml();
    static const char *const edits[][2] = {
        {"  universal: {intervention: none}\n",
         "  universal: {intervention: none}\n  waiting: {intervention: "
         "none}\n"},
        {"    assessment: {count: 180}\n",
         "    waiting: {count: 3000}\n    assessment: {count: 180}\n"},
        {"  home: {from: looked_after, to: universal, rate: 0.5}\n",
         "  home: {from: looked_after, to: universal, rate: 0.5}\n"
         "  need: {from: universal, to: waiting, rate: 0.02}\n"
         "  waiting_referred: {from: waiting, to: assessment, rate: 0.6}\n"
         "  waiting_resolves: {from: waiting, to: universal, rate: 0.4}\n"},
        {"    leaving_care: {multiply: [transitions.home.rate]}\n",
         "    leaving_care: {multiply: [transitions.home.rate]}\n"
         "    waiting_at_start:\n"
         "      multiply: [population.stages.waiting.count]\n"
         "    known_at_start:\n"
         "      multiply: [population.stages.universal.marked.known]\n"
         "      range: [0.1, 20]\n"}};
    char *yaml = edited(spun, edits, sizeof edits / sizeof edits[0]);
    cs_scenario *s = load(yaml);
    ck_assert_int_eq(s->fit->n_parameters, 8);
    double values[8];
    memcpy(values, truth, sizeof truth);
    values[6] = log(0.5);
    values[7] = log(2);
    /* the truth's own start: the waiting children halved (the remainder
     * holds the rest), the share doubled */
    cs_scenario *t = NULL;
    cs_error err;
    ck_assert_int_eq(cs_scenario_copy(s, &t, &err), CS_OK);
    char why[256];
    ck_assert_int_eq(cs_fit_apply(t, t->fit, values, 0, why, sizeof why), 0);
    int waiting = cs_scenario_find_stage(t, "waiting");
    int universal = cs_scenario_find_stage(t, "universal");
    double w = 0, before = 0, after = 0;
    for (int a = 0; a < CS_AGES; a++) {
        w += t->initial[waiting][a];
        for (int st = 0; st < t->n_stages; st++) {
            before += s->initial[st][a];
            after += t->initial[st][a];
        }
    }
    ck_assert_double_eq_tol(w, 1500, 1e-9);
    ck_assert_double_eq_tol(after, before, 1e-6);
    ck_assert_double_eq_tol(t->initial_mark_share[universal][0], 0.04, 1e-12);
    char *csv = truth_csv_of(s, values, CS_SIM_DETERMINISTIC, 0);
    cs_series *d = series_of(csv);
    cs_fit_result *r = fit(s, d);
    /* the optimiser stops when a step gains less than 1e-8 (1 + |ll|) of
     * log likelihood: the optimum is then about sqrt(2 x that) standard
     * errors away, in the weakly identified directions too (the share
     * known, seen only through a twofold referral rate on 2-4% of the
     * children, has a standard error of 37 on the log scale here); ten
     * times that is the test's margin */
    double margin = 10 * sqrt(2e-8 * (1 + fabs(cs_fit_loglik(r))));
    ck_assert(cs_fit_converged(r));
    for (int i = 0; i < 8; i++)
        ck_assert_msg(fabs(cs_fit_estimate(r, i) - values[i]) <
                          margin * cs_fit_se(r, i) + 1e-4,
                      "%s: estimate %.6f, truth %.6f, s.e. %.4f",
                      cs_fit_get_parameter(r, i)->id, cs_fit_estimate(r, i),
                      values[i], cs_fit_se(r, i));
    ck_assert_msg(cs_fit_se(r, 6) < 1,
                  "the children waiting at the start are not identified: "
                  "s.e. %.3f",
                  cs_fit_se(r, 6));
    /* runs draw around the rates, never the start again: with the
     * estimates' covariance, every draw keeps the forecast's start */
    cs_scenario *f = NULL;
    ck_assert_int_eq(cs_fit_scenario(r, 2019, 12, &f, &err), CS_OK);
    for (uint32_t k = 0; k < 20; k++) {
        cs_scenario *x = NULL;
        ck_assert_int_eq(cs_scenario_draw(f, 5, k, &x, NULL, &err), CS_OK);
        ck_assert(memcmp(x->initial, f->initial, sizeof f->initial) == 0);
        ck_assert(memcmp(x->initial_mark_share, f->initial_mark_share,
                         sizeof f->initial_mark_share) == 0);
        cs_scenario_free(x);
    }
    cs_scenario_free(f);
    cs_fit_result_free(r);
    cs_series_free(d);
    free(csv);
    cs_scenario_free(t);
    cs_scenario_free(s);
    free(yaml);
    free(spun);
}
END_TEST

/* A standard normal from a fixed xorshift stream (Box-Muller). */
static double normal_draw(uint64_t *state)
{
    double u[2];
    for (int k = 0; k < 2; k++) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        u[k] = ((double)(*state >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

/*
 * The councils' prior (cs_fit_panel_from). Each council's posterior is
 * made from what its figures alone say, u_l with variance v, under the
 * scenario's prior N(0, 1): precision 1/v + 1, mean u_l (1/v) / (1/v + 1).
 * The panel must undo the prior and give the centre and the spread.
 */
START_TEST(test_the_councils_prior)
{
    cs_fit_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.n_parameters = 4;
    spec.parameters[3].kind = CS_FIT_MULTIPLY; /* the prior says most */
    spec.parameters[3].prior_sd = 1;
    spec.parameters[0].kind = CS_FIT_MULTIPLY;
    spec.parameters[0].prior_sd = 1;
    spec.parameters[1].kind = CS_FIT_MULTIPLY;
    spec.parameters[1].prior_sd = 1;
    spec.parameters[2].kind = CS_FIT_ADD; /* children a year: kept */
    spec.parameters[2].prior_sd = 5;
    enum { N = 400 };
    static double u[N][CS_MAX_FIT_PARAMETERS], se[N][CS_MAX_FIT_PARAMETERS];
    uint64_t state = 88172645463325252ull;
    double sum_w = 0;
    for (int i = 0; i < N; i++) {
        double v = 0.01 + 0.04 * (i % 5) / 4.0; /* 0.01 to 0.05 */
        /* parameter 0: every council says 0.3 exactly; parameter 1: 0.3
         * plus a council effect of sd 0.2 plus its noise */
        double said[2] = {0.3, 0.3 + 0.2 * normal_draw(&state) +
                                   sqrt(v) * normal_draw(&state)};
        for (int x = 0; x < 2; x++) {
            double prec = 1 / v + 1;
            u[i][x] = said[x] / v / prec;
            se[i][x] = sqrt(1 / prec);
        }
        u[i][2] = 100;
        se[i][2] = 1;
        u[i][3] = 0.1;
        se[i][3] = 0.9; /* precision 1.23 of which the prior's 1 */
        sum_w += 1 / (v + 0.04);
    }
    u[7][1] = NAN; /* a council whose fit gave nothing: left out */
    cs_fit_panel p;
    ck_assert_int_eq(cs_fit_panel_from(&spec, N, u, se, &p), CS_OK);
    /* the same value everywhere: that centre, no spread (the floor) */
    ck_assert_double_eq_tol(p.mean[0], 0.3, 1e-12);
    ck_assert_double_eq_tol(p.sd[0], 1e-3, 1e-15);
    ck_assert_int_eq(p.n_areas[0], N);
    ck_assert_int_eq(p.n_areas[1], N - 1);
    /* the spread: DerSimonian-Laird's tau^2 has a standard error of about
     * sqrt(2 / n) (tau^2 + the mean v) = 0.05 x 0.07; the centre's is
     * 1 / sqrt(sum of the weights); four of each */
    double tau2 = p.sd[1] * p.sd[1];
    ck_assert_msg(fabs(tau2 - 0.04) < 4 * sqrt(2.0 / N) * 0.07,
                  "tau^2 %.4f, truth 0.04", tau2);
    ck_assert_msg(fabs(p.mean[1] - 0.3) < 4 / sqrt(sum_w),
                  "centre %.4f, truth 0.3", p.mean[1]);
    ck_assert(p.kept[2] && !p.kept[0] && !p.kept[1]);
    ck_assert(p.kept[3] && p.sd[3] == 1 && p.mean[3] == 0);
    ck_assert_double_eq(p.sd[2], 5);
    /* two councils say too little to estimate a spread: kept */
    ck_assert_int_eq(cs_fit_panel_from(&spec, 2, u, se, &p), CS_OK);
    ck_assert(p.kept[0] && p.sd[0] == 1 && p.mean[0] == 0);
}
END_TEST

/* The figures published after an origin change what the forecasts from
 * it are scored against, never the forecasts. */
static cs_backtest *backtest_of(const cs_scenario *s, const cs_series *d)
{
    cs_backtest_options o;
    cs_backtest_options_init(&o);
    o.first_origin = 2016;
    o.last_origin = 2017;
    o.horizon = 2;
    o.runs = 10;
    int measure[N_MEASURES - 1];
    for (int k = 1; k < N_MEASURES; k++)
        measure[k - 1] = cs_series_find_measure(measures[k]);
    int area = 0;
    cs_backtest *b = NULL;
    cs_error err;
    int rc =
        cs_backtest_run(s, d, &area, 1, measure, N_MEASURES - 1, &o, &b, &err);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    ck_assert_int_eq(cs_backtest_n_failures(b), 0);
    return b;
}

START_TEST(test_backtest_sees_nothing_after_its_origin)
{
    cs_scenario *s = load(scenario_yaml);
    char *csv = truth_csv(s, CS_SIM_DETERMINISTIC, 0);
    cs_series *d = series_of(csv);
    /* the same figures, with every one after 2017 a fifth higher */
    size_t n = strlen(csv);
    char *late = malloc(2 * n + 1), *out = late;
    for (const char *line = csv; *line;) {
        const char *end = strchr(line, '\n');
        int year = atoi(line);
        if (year <= 2017) {
            memcpy(out, line, (size_t)(end - line + 1));
            out += end - line + 1;
        } else {
            out += sprintf(out, "%d", year);
            for (const char *f = strchr(line, ','); f && f < end;
                 f = strchr(f + 1, ',')) {
                char *stop = NULL;
                double v = strtod(f + 1, &stop);
                out += stop == f + 1 ? sprintf(out, ",")
                                     : sprintf(out, ",%.12g", 1.2 * v);
            }
            *out++ = '\n';
        }
        line = end + 1;
    }
    *out = '\0';
    cs_series *e = series_of(late);
    cs_backtest *a = backtest_of(s, d), *b = backtest_of(s, e);
    ck_assert_int_eq(cs_backtest_n_rows(a), cs_backtest_n_rows(b));
    ck_assert_int_gt(cs_backtest_n_rows(a), 0);
    int later = 0;
    for (int i = 0; i < cs_backtest_n_rows(a); i++) {
        const cs_backtest_row *x = cs_backtest_get_row(a, i);
        const cs_backtest_row *y = cs_backtest_get_row(b, i);
        ck_assert_int_eq(x->origin, y->origin);
        ck_assert_int_eq(x->measure, y->measure);
        ck_assert_int_eq(x->horizon, y->horizon);
        int after = x->origin + x->horizon > 2017;
        later += after;
        /* the forecasts are the same; the figures after 2017 they are
         * scored against are 1.2 times the truth */
        ck_assert_double_eq(x->median, y->median);
        ck_assert_double_eq(x->lo90, y->lo90);
        ck_assert_double_eq(x->hi90, y->hi90);
        ck_assert_double_eq(x->persistence_mean, y->persistence_mean);
        ck_assert_double_eq(x->trend_mean, y->trend_mean);
        if (after)
            ck_assert_double_eq_tol(y->actual, 1.2 * x->actual,
                                    1e-9 * x->actual);
        else
            ck_assert_double_eq(x->actual, y->actual);
    }
    ck_assert_int_gt(later, 0);
    cs_backtest_free(a);
    cs_backtest_free(b);
    cs_series_free(e);
    cs_series_free(d);
    free(late);
    free(csv);
    cs_scenario_free(s);
}
END_TEST

/* A window whose first year lacks a stock starts at the first year that
 * has them all, and says so; asked for, it is kept. */
START_TEST(test_window_starts_where_the_stocks_are_published)
{
    cs_scenario *s = load(scenario_yaml);
    char *csv = truth_csv(s, CS_SIM_DETERMINISTIC, 0);
    /* blank 2013's children in need (the third field of the 2013 row) */
    char *row = strstr(csv, "\n2013,");
    ck_assert_ptr_nonnull(row);
    char *f = strchr(strchr(strchr(row + 1, ',') + 1, ',') + 1, ',');
    char *g = strchr(f + 1, ',');
    memmove(f + 1, g, strlen(g) + 1);
    cs_series *d = series_of(csv);
    cs_fit_result *r = fit(s, d);
    ck_assert_int_eq(cs_fit_first_year(r), 2014);
    ck_assert_msg(strstr(cs_fit_note(r), "the window starts at 31 March 2014"),
                  "%s", cs_fit_note(r));
    cs_fit_result_free(r);
    cs_fit_options o;
    cs_fit_options_init(&o);
    o.first = 2013;
    cs_error err;
    int area = 0;
    ck_assert_int_eq(cs_fit_run(s, d, area, &o, &r, &err), CS_OK);
    ck_assert_int_eq(cs_fit_first_year(r), 2013);
    cs_fit_result_free(r);
    cs_series_free(d);
    free(csv);
    cs_scenario_free(s);
}
END_TEST

START_TEST(test_refusals)
{
    cs_error err;
    cs_fit_result *r = NULL;
    /* no fit: section */
    const char *plain = "name: plain\nbase_date: 2013-04\nhorizon_months: 12\n"
                        "stages: {universal: {intervention: none}}\n"
                        "population: {total: 100, remainder: universal}\n"
                        "births: {per_year: 0}\ntransitions: {}\n";
    cs_scenario *s = load(plain);
    cs_scenario *full = load(scenario_yaml);
    char *csv = truth_csv(full, CS_SIM_DETERMINISTIC, 0);
    cs_series *d = series_of(csv);
    ck_assert_int_eq(cs_fit_run(s, d, 0, NULL, &r, &err), CS_EINPUT);
    ck_assert_msg(strstr(err.message, "no fit: section"), "%s", err.message);
    /* a window of two years */
    cs_fit_options o;
    cs_fit_options_init(&o);
    o.first = 2017;
    o.last = 2018;
    ck_assert_int_eq(cs_fit_run(full, d, 0, &o, &r, &err), CS_EINPUT);
    ck_assert_msg(strstr(err.message, "expected at least three years"), "%s",
                  err.message);
    ck_assert_ptr_null(r);
    /* fit: sections the loader refuses */
    static const char *const bad[][2] = {
        {"    x: {multiply: [transitions.nope.rate]}\n",
         "no transition 'nope'"},
        {"    x: {trend: [referal]}\n", "did you mean 'referral'"},
        {"    x: {multiply: [transitions.referral.rate], range: [2, 3]}\n",
         "0 < LOWEST < 1 < HIGHEST"},
        {"    x: {add: [transitions.referral.rate], range: [-1, 1]}\n",
         "only amounts a year can be added to"},
        {"    x: {multiply: [births.per_year], after: hold}\n",
         "after and damping apply to a trend only"},
        {"    x: {multiply: [population.stages.cp.count]}\n",
         "'cp' is counted by DfE"},
        {"    x: {multiply: [population.stages.universal.count]}\n",
         "'universal' is population.remainder"},
        {"    x: {multiply: [population.stages.nope.count]}\n",
         "the id of a stage or group"},
        {"    x: {multiply: [population.stages.cin.marked.known]}\n",
         "no mark 'known'"},
        {"    x: {multiply: [population.stages.cin.size]}\n",
         "expected count or marked.MARK"},
    };
    /* a share multiplied must stay a share: 0.02 x 60 would be 1.2, and
     * 0.2 x 10 (the default range's HIGHEST) 2 */
    char *spun = spun_up_yaml();
    static const char *const shares[][2] = {
        {"    x:\n      multiply: [population.stages.universal.marked.known]\n"
         "      range: [0.5, 60]\n",
         "bad.yaml:57:20: fit.parameters.x.range[1]: expected a range whose "
         "HIGHEST is at most 50"},
        {"    x:\n      multiply: [population.stages.universal.marked.known]\n"
         "      prior_sd: 1\n",
         "expected a range with HIGHEST at most 5 "}};
    static const char *const share_02[][2] = {{"known: 0.02", "known: 0.2"}};
    char *spun_02 = edited(spun, share_02, 1);
    for (size_t i = 0; i < 2; i++) {
        char text[4096];
        snprintf(text, sizeof text, "%s%s", i ? spun_02 : spun, shares[i][0]);
        cs_scenario *x = NULL;
        ck_assert_int_eq(cs_scenario_load_string(text, strlen(text), "bad.yaml",
                                                 NULL, &x, &err),
                         CS_EINPUT);
        ck_assert_msg(strstr(err.message, shares[i][1]), "share case %zu: %s",
                      i, err.message);
    }
    free(spun);
    free(spun_02);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[4096];
        snprintf(text, sizeof text, "%s%s", scenario_yaml, bad[i][0]);
        cs_scenario *x = NULL;
        ck_assert_int_eq(cs_scenario_load_string(text, strlen(text), "bad.yaml",
                                                 NULL, &x, &err),
                         CS_EINPUT);
        ck_assert_msg(strstr(err.message, bad[i][1]) &&
                          strstr(err.message, "bad.yaml:"),
                      "case %zu: %s", i, err.message);
    }
    cs_series_free(d);
    free(csv);
    cs_scenario_free(full);
    cs_scenario_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fit");
    TCase *tc = tcase_create("fit");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_recovers_the_truth_from_expected_values);
    tcase_add_test(tc, test_two_standard_errors_cover_the_truth);
    tcase_add_test(tc, test_fitted_scenario_draws_and_writes);
    tcase_add_test(tc, test_the_forecast_starts_from_the_spin_up);
    tcase_add_test(tc, test_estimates_the_window_start);
    tcase_add_test(tc, test_the_councils_prior);
    tcase_add_test(tc, test_backtest_sees_nothing_after_its_origin);
    tcase_add_test(tc, test_window_starts_where_the_stocks_are_published);
    tcase_add_test(tc, test_refusals);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
