/*
 * test_sim.c - the compiled model and both steppers: competing hazards,
 * an analytic chain, duration bands, ageing at April, leaving at 18,
 * conservation, reproducibility, and convergence of the stochastic mean to
 * the deterministic path; the fast sampler against its plain twin.
 */

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "build_scenario.h"
#include "cascade/model.h"
#include "cascade/sim.h"
#include "model/model_internal.h"
#include "sim/sim_internal.h"

static const cs_sim_sampler samplers[2] = {CS_SIM_SAMPLER_FAST,
                                           CS_SIM_SAMPLER_REFERENCE};
static const char *const sampler_name[2] = {"fast", "reference"};

static double stage_total(const double *stocks, int n_stages, int month,
                          int stage)
{
    const double *row = stocks + ((size_t)month * n_stages + stage) * CS_AGES;
    double sum = 0;
    for (int a = 0; a < CS_AGES; a++)
        sum += row[a];
    return sum;
}

/* p_i = r_i / R * (1 - exp(-R/12)), not r_i / 12. */
START_TEST(test_competing_hazards_formula)
{
    const double r[3] = {1.2, 0.6, 0.0};
    double p[3];
    cs_competing_monthly(3, r, p);
    double R = 1.8, leave = 1 - exp(-R / 12);
    ck_assert_double_eq_tol(p[0], 1.2 / R * leave, 1e-15);
    ck_assert_double_eq_tol(p[1], 0.6 / R * leave, 1e-15);
    ck_assert_double_eq(p[2], 0.0);
    /* and visibly not the naive r/12 */
    ck_assert_msg(fabs(p[0] - 1.2 / 12) > 1e-3, "p0 %g looks like r/12", p[0]);
    /* a huge total rate still gives probabilities summing below 1 */
    const double big[2] = {500, 700};
    cs_competing_monthly(2, big, p);
    ck_assert(p[0] + p[1] <= 1.0 && p[0] + p[1] > 0.999999);
    ck_assert_double_eq_tol(p[0] / p[1], 5.0 / 7.0, 1e-12);
    const double none[2] = {0, 0};
    cs_competing_monthly(2, none, p);
    ck_assert(p[0] == 0 && p[1] == 0);
}
END_TEST

/* The compiled table holds the competing-hazards probabilities. */
START_TEST(test_model_uses_competing_hazards)
{
    cs_scenario *sc = test_scenario_new(2019, 5, 6);
    int a = test_add_stage(sc, "a", CS_INTERVENTION_NONE);
    int b = test_add_stage(sc, "b", CS_INTERVENTION_LATE);
    int c = test_add_stage(sc, "c", CS_INTERVENTION_LATE);
    test_add_transition(sc, "ab", a, 0, b, 0, 3.0);
    test_add_transition(sc, "ac", a, 0, c, 0, 1.0);
    cs_model *m = compile_or_fail(sc);
    double leave = -expm1(-4.0 / 12);
    ck_assert_double_eq_tol(cs_model_transition_probability(m, a, 5, 0, 0, 0),
                            0.75 * leave, 1e-14);
    ck_assert_double_eq_tol(cs_model_transition_probability(m, a, 5, 0, 0, 1),
                            0.25 * leave, 1e-14);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * Two stages, A -> B at constant rate r, no births, no April in the
 * horizon: expected A at the end of month t is N exp(-r t / 12). The
 * deterministic path equals it; the stochastic mean over many runs lies
 * within 4 standard errors of it (SE from the binomial variance
 * N q (1 - q) / runs, q = 1 - exp(-r t / 12)).
 */
START_TEST(test_analytic_two_stage_chain)
{
    const double N = 10000, r = 0.9;
    const int months = 11, runs = 400;
    cs_scenario *sc = test_scenario_new(2019, 5, months); /* May..March */
    int a = test_add_stage(sc, "a", CS_INTERVENTION_NONE);
    int b = test_add_stage(sc, "b", CS_INTERVENTION_LATE);
    test_add_transition(sc, "ab", a, 0, b, 0, r);
    sc->initial[a][7] = N;
    cs_model *m = compile_or_fail(sc);
    cs_sim *sim = cs_sim_alloc(m);
    int S = cs_model_n_stages(m);
    double *stocks = calloc((size_t)months * S * CS_AGES, sizeof *stocks);

    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, NULL, NULL);
    for (int t = 0; t < months; t++) {
        double want = N * exp(-r * (t + 1) / 12.0);
        ck_assert_msg(fabs(stage_total(stocks, S, t, a) - want) < 1e-8 * N,
                      "month %d: deterministic A %.10g, expected %.10g", t,
                      stage_total(stocks, S, t, a), want);
        ck_assert_double_eq_tol(stage_total(stocks, S, t, b), N - want,
                                1e-8 * N);
    }

    /* each child is still in A after t + 1 months with probability
     * exp(-r (t + 1) / 12), independently: A ~ Binomial(N, that), with
     * both samplers. The variance's SE is about v sqrt(2 / (runs - 1))
     * (A is near normal at N = 10,000). */
    for (int k = 0; k < 2; k++) {
        cs_sim_set_sampler(sim, samplers[k]);
        double sum[11] = {0}, sum2[11] = {0};
        for (int run = 0; run < runs; run++) {
            cs_sim_run(sim, CS_SIM_STOCHASTIC, 42, (uint32_t)run, stocks, NULL,
                       NULL);
            for (int t = 0; t < months; t++) {
                double x = stage_total(stocks, S, t, a);
                sum[t] += x;
                sum2[t] += x * x;
            }
        }
        for (int t = 0; t < months; t++) {
            double q = 1 - exp(-r * (t + 1) / 12.0), v = N * q * (1 - q);
            double se = sqrt(v / runs);
            double mean = sum[t] / runs, want = N * (1 - q);
            double var = (sum2[t] - runs * mean * mean) / (runs - 1);
            ck_assert_msg(fabs(mean - want) < 4 * se,
                          "%s, month %d: stochastic mean %g, expected %g +- %g",
                          sampler_name[k], t, mean, want, 4 * se);
            ck_assert_msg(fabs(var - v) < 5 * v * sqrt(2.0 / (runs - 1)),
                          "%s, month %d: variance %g, expected %g +- %g",
                          sampler_name[k], t, var, v,
                          5 * v * sqrt(2.0 / (runs - 1)));
        }
    }
    free(stocks);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/* A duration band with factor 0 for months 0-2 holds everyone for exactly
 * three months; afterwards they leave at the full rate. */
START_TEST(test_duration_bands)
{
    const double N = 1000, r = 2.4;
    cs_scenario *sc = test_scenario_new(2019, 5, 8);
    int a = test_add_stage(sc, "a", CS_INTERVENTION_LATE);
    int b = test_add_stage(sc, "b", CS_INTERVENTION_LATE);
    int c = test_add_stage(sc, "c", CS_INTERVENTION_LATE);
    cs_transition *t = test_add_transition(sc, "ac", a, 0, c, 0, r);
    t->n_by_duration = 2;
    t->by_duration[0] = (cs_duration_band){0, 2, 0.0};
    t->by_duration[1] = (cs_duration_band){3, -1, 1.0};
    /* children start in b and enter a at once, at months-in-stage 0 */
    test_add_transition(sc, "ba", b, 0, a, 0, 1e6);
    sc->initial[b][3] = N;
    cs_model *m = compile_or_fail(sc);
    ck_assert_double_eq(cs_model_transition_probability(m, a, 3, 2, 0, 0), 0);
    ck_assert_double_eq_tol(cs_model_transition_probability(m, a, 3, 3, 0, 0),
                            -expm1(-r / 12), 1e-14);
    ck_assert_double_eq_tol(cs_model_transition_probability(m, a, 3, 50, 0, 0),
                            -expm1(-r / 12), 1e-14);
    cs_sim *sim = cs_sim_alloc(m);
    int S = cs_model_n_stages(m);
    double stocks[8 * 3 * CS_AGES];
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, NULL, NULL);
    /* month 0: all move b -> a; months 1, 2, 3 in a are months-in-stage
     * 0, 1, 2: nobody leaves; from month 4 they leave at rate r */
    for (int mo = 0; mo <= 3; mo++)
        ck_assert_double_eq_tol(stage_total(stocks, S, mo, a), N, 1e-6);
    double want = N * exp(-r / 12 * 4);
    ck_assert_double_eq_tol(stage_total(stocks, S, 7, a), want, 1e-3);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/* ageing: april. Base date January: ages change at the start of April
 * (month index 3), not before; 17-year-olds leave then, counted per stage
 * as age-out. */
START_TEST(test_ageing_at_april_and_leaving_at_18)
{
    cs_scenario *sc = test_scenario_new(2020, 1, 16);
    sc->ageing = CS_AGEING_APRIL;
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    const char *pl[2] = {"foster", "residential"};
    const double sh[2] = {0.5, 0.5};
    test_add_group(sc, "looked_after", 2, pl, sh);
    sc->initial[uni][5] = 100;
    sc->initial[uni][17] = 30;
    sc->initial[1][17] = 7; /* looked after, foster, aged 17 */
    sc->initial[2][16] = 4; /* residential, aged 16 */
    cs_model *m = compile_or_fail(sc);
    ck_assert(!cs_model_ages_at(m, 0) && !cs_model_ages_at(m, 2));
    ck_assert(cs_model_ages_at(m, 3) && cs_model_ages_at(m, 15));
    ck_assert_str_eq(cs_model_month_label(m, 3), "2020-04");
    ck_assert_int_eq(cs_model_month_fy(m, 2), 0);
    ck_assert_int_eq(cs_model_month_fy(m, 3), 1);
    ck_assert_str_eq(cs_model_fy_label(m, 1), "2020/21");

    cs_sim *sim = cs_sim_alloc(m);
    int S = cs_model_n_stages(m), F = cs_model_n_flows(m);
    double stocks[16 * 3 * CS_AGES], flows[16 * 64];
    ck_assert_int_le(F, 64);
    for (int mode = 0; mode < 2; mode++) {
        cs_sim_run(sim, (cs_sim_mode)mode, 9, 0, stocks, flows, NULL);
        /* March: unchanged */
        ck_assert_double_eq(stocks[(2 * S + uni) * CS_AGES + 5], 100);
        ck_assert_double_eq(stocks[(2 * S + uni) * CS_AGES + 17], 30);
        /* April: a year older; the 17-year-olds have gone */
        ck_assert_double_eq(stocks[(3 * S + uni) * CS_AGES + 6], 100);
        ck_assert_double_eq(stocks[(3 * S + uni) * CS_AGES + 17], 0);
        ck_assert_double_eq(stocks[(3 * S + 2) * CS_AGES + 17], 4);
        ck_assert_double_eq(flows[3 * F + cs_model_age_out_flow(m, uni)], 30);
        ck_assert_double_eq(flows[3 * F + cs_model_age_out_flow(m, 1)], 7);
        ck_assert_double_eq(flows[2 * F + cs_model_age_out_flow(m, 1)], 0);
        /* next April the 16-year-old in residential care leaves, as a care
         * leaver (age out of a looked-after placement) */
        ck_assert_double_eq(flows[15 * F + cs_model_age_out_flow(m, 2)], 4);
        ck_assert_str_eq(cs_model_flow_label(m, cs_model_age_out_flow(m, 2)),
                         "age_out.looked_after.residential");
    }
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/* Every run, every month: stocks = previous + births - age-outs, exactly. */
START_TEST(test_conservation_every_run_every_month)
{
    const int months = 36;
    cs_scenario *sc = test_rich_scenario(months);
    cs_model *m = compile_or_fail(sc);
    cs_sim *sim = cs_sim_alloc(m);
    int S = cs_model_n_stages(m), F = cs_model_n_flows(m);
    double *stocks = calloc((size_t)months * S * CS_AGES, sizeof *stocks);
    double *flows = calloc((size_t)months * F, sizeof *flows);
    double initial = 0;
    for (int s = 0; s < S; s++)
        for (int a = 0; a < CS_AGES; a++)
            initial += sc->initial[s][a];
    for (int run = 0; run < 50; run++) {
        cs_sim_run(sim, CS_SIM_STOCHASTIC, 7, (uint32_t)run, stocks, flows,
                   NULL);
        double previous = initial;
        for (int t = 0; t < months; t++) {
            double now = 0, out = 0;
            for (int s = 0; s < S; s++) {
                now += stage_total(stocks, S, t, s);
                out += flows[t * F + cs_model_age_out_flow(m, s)];
            }
            double born = flows[t * F + cs_model_births_flow(m)];
            ck_assert_msg(now == previous + born - out,
                          "run %d month %d: %.17g != %.17g + %.17g - %.17g",
                          run, t, now, previous, born, out);
            ck_assert(floor(now) == now);
            previous = now;
        }
    }
    free(stocks);
    free(flows);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

START_TEST(test_same_key_bit_identical_other_run_differs)
{
    const int months = 24;
    cs_scenario *sc = test_rich_scenario(months);
    cs_model *m = compile_or_fail(sc);
    cs_sim *sim1 = cs_sim_alloc(m), *sim2 = cs_sim_alloc(m);
    size_t ns = (size_t)months * cs_model_n_stages(m) * CS_AGES;
    size_t nf = (size_t)months * cs_model_n_flows(m);
    double *s1 = calloc(ns, sizeof *s1), *s2 = calloc(ns, sizeof *s2);
    double *f1 = calloc(nf, sizeof *f1), *f2 = calloc(nf, sizeof *f2);
    cs_sim_run(sim1, CS_SIM_STOCHASTIC, 2019, 5, s1, f1, NULL);
    cs_sim_run(sim2, CS_SIM_STOCHASTIC, 2019, 3, s2, f2, NULL); /* dirty sim2 */
    cs_sim_run(sim2, CS_SIM_STOCHASTIC, 2019, 5, s2, f2, NULL);
    ck_assert(memcmp(s1, s2, ns * sizeof *s1) == 0);
    ck_assert(memcmp(f1, f2, nf * sizeof *f1) == 0);
    cs_sim_run(sim2, CS_SIM_STOCHASTIC, 2019, 6, s2, f2, NULL);
    ck_assert_msg(memcmp(s1, s2, ns * sizeof *s1) != 0,
                  "runs 5 and 6 gave identical stocks");
    cs_sim_run(sim2, CS_SIM_STOCHASTIC, 2020, 5, s2, f2, NULL);
    ck_assert_msg(memcmp(s1, s2, ns * sizeof *s1) != 0,
                  "seeds 2019 and 2020 gave identical stocks");
    free(s1);
    free(s2);
    free(f1);
    free(f2);
    cs_sim_free(sim1);
    cs_sim_free(sim2);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * The model is linear in the counts, so the expected stochastic path is
 * exactly the deterministic one. Over 300 runs, each stage's mean at the
 * end of each financial year lies within 4 standard errors (sample SD /
 * sqrt(runs)) of the deterministic value, with either sampler (the loop
 * index _i of this test).
 */
START_TEST(test_stochastic_mean_converges_to_deterministic)
{
    const int months = 60, runs = 300;
    cs_scenario *sc = test_rich_scenario(months);
    cs_model *m = compile_or_fail(sc);
    cs_sim *sim = cs_sim_alloc(m);
    int S = cs_model_n_stages(m);
    double *stocks = calloc((size_t)months * S * CS_AGES, sizeof *stocks);
    double *det = calloc((size_t)months * S * CS_AGES, sizeof *det);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 0, 0, det, NULL, NULL);
    cs_sim_set_sampler(sim, samplers[_i]);
    double sum[5][CS_MAX_STAGES] = {{0}}, sum2[5][CS_MAX_STAGES] = {{0}};
    for (int run = 0; run < runs; run++) {
        cs_sim_run(sim, CS_SIM_STOCHASTIC, 11, (uint32_t)run, stocks, NULL,
                   NULL);
        for (int y = 0; y < 5; y++)
            for (int s = 0; s < S; s++) {
                double v = stage_total(stocks, S, 12 * y + 11, s);
                sum[y][s] += v;
                sum2[y][s] += v * v;
            }
    }
    for (int y = 0; y < 5; y++)
        for (int s = 0; s < S; s++) {
            double mean = sum[y][s] / runs;
            double var = (sum2[y][s] - runs * mean * mean) / (runs - 1);
            double se = sqrt(var > 0 ? var / runs : 0);
            double want = stage_total(det, S, 12 * y + 11, s);
            ck_assert_msg(se > 0, "year %d stage %d has no variance", y, s);
            ck_assert_msg(fabs(mean - want) < 4 * se,
                          "%s, year %d stage %s: mean %g, deterministic %g, "
                          "4 SE %g",
                          sampler_name[_i], y, sc->stages[s].id, mean, want,
                          4 * se);
        }
    free(stocks);
    free(det);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * The fast sampler against its plain twin on the rich scenario with 25
 * times the children (so that both the inversion and BTRS serve the moves,
 * and leavers are placed by binomials as well as one by one), monthly
 * ageing, 3 years, 400 runs each: at each year's end, for each stage,
 *   - each sampler's mean within z SE of the deterministic path, and the
 *     two means within z SE (sqrt(var_f / R + var_r / R)) of each other;
 *   - the two variances' ratio inside the central 1 - 1e-5 of the F law
 *     with (R - 1, R - 1) degrees of freedom (the stage totals are sums of
 *     many nearly independent draws, near normal, which the F law needs),
 * z = 4.42, the two-sided 1e-5 normal quantile: 63 comparisons, so a
 * correct pair fails with probability below 7e-4, and with fixed seeds
 * never. Same-seed runs of the two draw differently (the test fails if
 * they agree), and the plain twin is bit for bit the stepper that came
 * before the fast sampler (test_reference_sampler_is_the_old_stepper).
 */
START_TEST(test_fast_sampler_matches_plain_twin)
{
    const int months = 36, R = 400, Y = 3;
    const double z = 4.42;
    cs_scenario *sc = test_rich_scenario(months);
    for (int s = 0; s < sc->n_stages; s++)
        for (int a = 0; a < CS_AGES; a++)
            sc->initial[s][a] *= 25;
    sc->births_per_year[0] *= 25;
    sc->births_per_year[1] *= 25;
    cs_model *m = compile_or_fail(sc);
    cs_sim *sim = cs_sim_alloc(m);
    int S = cs_model_n_stages(m);
    double *stocks = calloc((size_t)months * S * CS_AGES, sizeof *stocks);
    double *det = calloc((size_t)months * S * CS_AGES, sizeof *det);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 0, 0, det, NULL, NULL);
    double mean[2][3][CS_MAX_STAGES], var[2][3][CS_MAX_STAGES];
    double first_run[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        cs_sim_set_sampler(sim, samplers[k]);
        double sum[3][CS_MAX_STAGES] = {{0}}, sum2[3][CS_MAX_STAGES] = {{0}};
        for (int run = 0; run < R; run++) {
            cs_sim_run(sim, CS_SIM_STOCHASTIC, 31, (uint32_t)run, stocks, NULL,
                       NULL);
            if (run == 0)
                first_run[k] = stage_total(stocks, S, months - 1, 3);
            for (int y = 0; y < Y; y++)
                for (int s = 0; s < S; s++) {
                    double v = stage_total(stocks, S, 12 * y + 11, s);
                    sum[y][s] += v;
                    sum2[y][s] += v * v;
                }
        }
        for (int y = 0; y < Y; y++)
            for (int s = 0; s < S; s++) {
                mean[k][y][s] = sum[y][s] / R;
                var[k][y][s] =
                    (sum2[y][s] - R * mean[k][y][s] * mean[k][y][s]) / (R - 1);
            }
    }
    ck_assert_msg(first_run[0] != first_run[1],
                  "the samplers drew the same child protection count %g",
                  first_run[0]);
    double f_lo = gsl_cdf_fdist_Pinv(0.5e-5, R - 1, R - 1);
    double f_hi = gsl_cdf_fdist_Qinv(0.5e-5, R - 1, R - 1);
    for (int y = 0; y < Y; y++)
        for (int s = 0; s < S; s++) {
            const char *id = sc->stages[s].id;
            double want = stage_total(det, S, 12 * y + 11, s);
            for (int k = 0; k < 2; k++) {
                double se = sqrt(var[k][y][s] / R);
                ck_assert_msg(var[k][y][s] > 0, "%s: no variance",
                              sampler_name[k]);
                ck_assert_msg(fabs(mean[k][y][s] - want) < z * se,
                              "%s, year %d, %s: mean %g, deterministic %g, "
                              "%g SE %g",
                              sampler_name[k], y, id, mean[k][y][s], want, z,
                              se);
            }
            double se2 = sqrt((var[0][y][s] + var[1][y][s]) / R);
            ck_assert_msg(fabs(mean[0][y][s] - mean[1][y][s]) < z * se2,
                          "year %d, %s: means %g (fast), %g (reference), "
                          "%g SE %g",
                          y, id, mean[0][y][s], mean[1][y][s], z, se2);
            double ratio = var[0][y][s] / var[1][y][s];
            ck_assert_msg(ratio > f_lo && ratio < f_hi,
                          "year %d, %s: variance %g (fast), %g (reference), "
                          "ratio %g outside [%g, %g]",
                          y, id, var[0][y][s], var[1][y][s], ratio, f_lo, f_hi);
        }
    free(stocks);
    free(det);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * The plain twin is the stepper as it was before the fast sampler, bit for
 * bit: one run's stocks and flows, weighted by position and summed (exact:
 * whole numbers far below 2^53), as the stepper of commit c634990 gave
 * them; the fast sampler, the default, gives another run.
 */
START_TEST(test_reference_sampler_is_the_old_stepper)
{
    const int months = 36;
    cs_scenario *sc = test_rich_scenario(months);
    cs_model *m = compile_or_fail(sc);
    cs_sim *sim = cs_sim_alloc(m);
    size_t ns = (size_t)months * cs_model_n_stages(m) * CS_AGES;
    size_t nf = (size_t)months * cs_model_n_flows(m);
    double *s = calloc(ns, sizeof *s), *f = calloc(nf, sizeof *f);
    double sum[2];
    for (int k = 1; k >= 0; k--) {
        if (k == 1)
            cs_sim_set_sampler(sim, CS_SIM_SAMPLER_REFERENCE);
        else
            cs_sim_set_sampler(sim, CS_SIM_SAMPLER_FAST);
        cs_sim_run(sim, CS_SIM_STOCHASTIC, 2019, 5, s, f, NULL);
        sum[k] = 0;
        for (size_t i = 0; i < ns; i++)
            sum[k] += s[i] * (double)(i % 9973 + 1);
        for (size_t i = 0; i < nf; i++)
            sum[k] += f[i] * (double)(i % 9973 + 1);
    }
    ck_assert_msg(sum[1] == 3268968836.0,
                  "reference sampler: checksum %.17g, the old stepper's "
                  "3268968836",
                  sum[1]);
    ck_assert_msg(sum[0] != sum[1], "the fast sampler drew as the reference");
    /* a fresh stepper draws with the fast sampler */
    cs_sim *fresh = cs_sim_alloc(m);
    double *s2 = calloc(ns, sizeof *s2);
    cs_sim_run(fresh, CS_SIM_STOCHASTIC, 2019, 5, s2, NULL, NULL);
    ck_assert(memcmp(s, s2, ns * sizeof *s) == 0);
    free(s2);
    cs_sim_free(fresh);
    free(s);
    free(f);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/* Initial counts are kept exactly when spread over months-in-stage and
 * marks, and the mark shares are honoured to within rounding. */
START_TEST(test_initial_state_keeps_counts)
{
    cs_scenario *sc = test_rich_scenario(1);
    cs_model *m = compile_or_fail(sc);
    int S = cs_model_n_stages(m);
    double stocks[CS_MAX_STAGES * CS_AGES];
    cs_model_initial_stocks(m, stocks);
    for (int s = 0; s < S; s++)
        for (int a = 0; a < CS_AGES; a++)
            ck_assert_msg(stocks[s * CS_AGES + a] == sc->initial[s][a],
                          "stage %d age %d: %g, expected %g", s, a,
                          stocks[s * CS_AGES + a], sc->initial[s][a]);
    /* cin (stage 2): 40 per age, 40% marked known; one duration slot, so
     * each age rounds once: 16 marked per age exactly */
    int cin = 2;
    for (int a = 0; a < CS_AGES; a++) {
        double marked = m->initial[cs_compartment(m, cin, a, 0, 1)];
        ck_assert_msg(marked == 16, "age %d: %g marked, expected 16", a,
                      marked);
    }
    /* cp (stage 3) tracks months 0..12; the 15 children per age are spread
     * with the most in the newest slots, none lost */
    int cp = 3;
    ck_assert_int_eq(m->n_dur[cp], 13);
    double first = m->initial[cs_compartment(m, cp, 5, 0, 0)];
    double last = m->initial[cs_compartment(m, cp, 5, 11, 0)];
    ck_assert_msg(first >= last, "slot 0 %g < slot 11 %g", first, last);
    cs_model_free(m);
    /* months in stage as the scenario gives them (a fit's spin-up): the
     * expected values follow the shares at every age, and the counts are
     * kept */
    sc->n_initial_durations[cp] = 13;
    for (int d = 0; d < 13; d++)
        sc->initial_duration_share[cp][d] = d == 12 ? 0.4 : 0.05;
    m = compile_or_fail(sc);
    cs_model_initial_stocks(m, stocks);
    for (int a = 0; a < CS_AGES; a++) {
        ck_assert(stocks[cp * CS_AGES + a] == sc->initial[cp][a]);
        double total = 0, open = 0;
        for (int d = 0; d < 13; d++)
            for (int k = 0; k < m->n_mark_sets; k++) {
                double x = m->initial_expected[cs_compartment(m, cp, a, d, k)];
                total += x;
                open += d == 12 ? x : 0;
            }
        ck_assert_double_eq_tol(open, 0.4 * total, 1e-9 * (1 + total));
    }
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * Common random numbers: scenario B is A with a 10% higher rate into child
 * in need. Run r of A and run r of B draw the same random numbers wherever
 * their compartments hold the same children, so the paired difference in
 * the looked-after stock after three years varies much less than the
 * difference between independent runs (r of A against N + r of B). The
 * bound 0.5 is far from what chance allows if pairing did nothing: with
 * N = 200 the ratio of two sample variances of equal true variance has a
 * standard deviation of about sqrt(4 / 199) = 0.14, so 0.5 is 3.5 sd below
 * 1.
 */
START_TEST(test_common_random_numbers_shrink_paired_variance)
{
    const int months = 36, N = 200;
    cs_scenario *a = test_rich_scenario(months);
    cs_scenario *b = test_rich_scenario(months);
    b->transitions[1].rate *= 1.1; /* to_cin */
    cs_model *ma = compile_or_fail(a), *mb = compile_or_fail(b);
    cs_sim *sa = cs_sim_alloc(ma), *sb = cs_sim_alloc(mb);
    int S = cs_model_n_stages(ma);
    double *stocks = calloc((size_t)months * S * CS_AGES, sizeof *stocks);
    double *va = calloc((size_t)2 * N, sizeof *va);
    double *vb = calloc((size_t)2 * N, sizeof *vb);
    for (int r = 0; r < 2 * N; r++) {
        cs_sim_run(sa, CS_SIM_STOCHASTIC, 77, (uint32_t)r, stocks, NULL, NULL);
        for (int s = 4; s < 7; s++) /* looked after, three placements */
            va[r] += stage_total(stocks, S, months - 1, s);
        cs_sim_run(sb, CS_SIM_STOCHASTIC, 77, (uint32_t)r, stocks, NULL, NULL);
        for (int s = 4; s < 7; s++)
            vb[r] += stage_total(stocks, S, months - 1, s);
    }
    double paired[200], unpaired[200];
    for (int r = 0; r < N; r++) {
        paired[r] = vb[r] - va[r];
        unpaired[r] = vb[N + r] - va[r];
    }
    double vp = 0, vu = 0, mp = 0, mu = 0;
    for (int r = 0; r < N; r++) {
        mp += paired[r] / N;
        mu += unpaired[r] / N;
    }
    for (int r = 0; r < N; r++) {
        vp += (paired[r] - mp) * (paired[r] - mp) / (N - 1);
        vu += (unpaired[r] - mu) * (unpaired[r] - mu) / (N - 1);
    }
    ck_assert_msg(vp < 0.5 * vu,
                  "paired variance %g is not below half the unpaired %g", vp,
                  vu);
    free(stocks);
    free(va);
    free(vb);
    cs_sim_free(sa);
    cs_sim_free(sb);
    cs_model_free(ma);
    cs_model_free(mb);
    free(a);
    free(b);
}
END_TEST

/* ---- capacity ----------------------------------------------------------- */

/*
 * Early help with 400 places and many referrals. Every month of every run:
 * the children in early help never exceed the places (they start below
 * them and nobody is admitted beyond the free places), and children
 * referred = children let in + children turned away, where "let in" is
 * measured independently from the stock: the change in early help plus
 * everyone who left it.
 */
START_TEST(test_capacity_never_exceeded_and_referrals_add_up)
{
    const int months = 30;
    cs_scenario *sc = test_scenario_new(2019, 4, months);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int eh = test_add_stage(sc, "early_help", CS_INTERVENTION_EARLY);
    int cin = test_add_stage(sc, "cin", CS_INTERVENTION_LATE);
    int unmet = test_add_mark(sc, "unmet_need");
    sc->stages[eh].has_capacity = 1;
    sc->stages[eh].places = 400;
    sc->stages[eh].overflow_stage = uni;
    sc->stages[eh].overflow_sets = 1u << unmet;
    sc->births_per_year[0] = 1200;
    for (int a = 0; a < CS_AGES; a++) {
        sc->initial[uni][a] = 500;
        sc->initial[eh][a] = a < 10 ? 20 : 0; /* 200 of 400 places */
        sc->initial[cin][a] = 10;
    }
    test_add_transition(sc, "referral", uni, 0, eh, 0, 0.08);
    test_add_transition(sc, "step_down", cin, 0, eh, 0, 1.0);
    test_add_transition(sc, "eh_ends", eh, 0, uni, 0, 1.2);
    cs_transition *t =
        test_add_transition(sc, "escalation", uni, 0, cin, 0, 0.01);
    t->mark_factor[unmet] = 5.0;
    cs_model *m = compile_or_fail(sc);
    ck_assert_int_eq(cs_model_n_capacity(m), 1);
    cs_sim *sim = cs_sim_alloc(m);
    int S = cs_model_n_stages(m), F = cs_model_n_flows(m);
    double *stocks = calloc((size_t)months * S * CS_AGES, sizeof *stocks);
    double *flows = calloc((size_t)months * F, sizeof *flows);
    double *cap = calloc((size_t)months * 3, sizeof *cap);
    int away = cs_model_turned_away_flow(m, 0);
    double total_away = 0;
    for (int mode = 0; mode < 2; mode++)
        for (int run = 0; run < 20; run++) {
            cs_sim_run(sim, (cs_sim_mode)mode, 5, (uint32_t)run, stocks, flows,
                       cap);
            double before = 200;
            for (int mo = 0; mo < months; mo++) {
                double now = stage_total(stocks, S, mo, eh);
                const double *f = flows + (size_t)mo * F;
                double referred = f[0] + f[1];
                double left = f[2] + f[cs_model_age_out_flow(m, eh)];
                double let_in = now - before + left;
                ck_assert_msg(now <= 400 + 1e-9,
                              "mode %d run %d month %d: %g children in 400 "
                              "places",
                              mode, run, mo, now);
                ck_assert_msg(fabs(let_in + f[away] - referred) < 1e-6,
                              "mode %d run %d month %d: let in %g + turned "
                              "away %g != referred %g",
                              mode, run, mo, let_in, f[away], referred);
                ck_assert_double_eq(cap[mo * 3 + 0], 400);
                ck_assert_double_eq_tol(cap[mo * 3 + 1], now, 1e-9);
                ck_assert_double_eq_tol(cap[mo * 3 + 2], f[away], 1e-9);
                total_away += f[away];
                before = now;
            }
        }
    ck_assert_msg(total_away > 1000,
                  "the test should turn children away "
                  "(turned %g)",
                  total_away);
    free(stocks);
    free(flows);
    free(cap);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * The placement market by hand (expected values, one month, base date May
 * so nobody ages): 300 children enter care at once, all aimed at in-house
 * foster care, which is full (100 places, 100 children). Agency foster care
 * has 50 places and 40 children: 10 get in and 290 go on to residential.
 */
START_TEST(test_overflow_routes_to_the_right_placements)
{
    cs_scenario *sc = test_scenario_new(2019, 5, 2);
    int src = test_add_stage(sc, "cp", CS_INTERVENTION_LATE);
    const char *pl[3] = {"inhouse", "agency", "residential"};
    const double sh[3] = {1.0, 0.0, 0.0};
    int g = test_add_group(sc, "looked_after", 3, pl, sh);
    int in = 1, ag = 2, res = 3;
    sc->stages[in].has_capacity = 1;
    sc->stages[in].places = 100;
    sc->stages[in].overflow_stage = ag;
    sc->stages[ag].has_capacity = 1;
    sc->stages[ag].places = 50;
    sc->stages[ag].overflow_stage = res;
    sc->initial[src][8] = 300;
    sc->initial[in][8] = 100;
    sc->initial[ag][9] = 40;
    test_add_transition(sc, "into_care", src, 0, g, 1, 1e6);
    cs_model *m = compile_or_fail(sc);
    ck_assert_int_eq(cs_model_n_capacity(m), 2);
    ck_assert_int_eq(cs_model_capacity_stage(m, 0), in); /* before agency */
    cs_sim *sim = cs_sim_alloc(m);
    int S = cs_model_n_stages(m), F = cs_model_n_flows(m);
    double stocks[2 * 4 * CS_AGES], flows[2 * 16];
    ck_assert_int_le(F, 16);
    for (int mode = 0; mode < 2; mode++) {
        cs_sim_run(sim, (cs_sim_mode)mode, 1, 0, stocks, flows, NULL);
        ck_assert_double_eq_tol(stage_total(stocks, S, 0, src), 0, 1e-6);
        ck_assert_double_eq_tol(stage_total(stocks, S, 0, in), 100, 1e-6);
        ck_assert_double_eq_tol(stage_total(stocks, S, 0, ag), 50, 1e-6);
        ck_assert_double_eq_tol(stage_total(stocks, S, 0, res), 290, 1e-6);
        ck_assert_double_eq_tol(flows[cs_model_turned_away_flow(m, 0)], 300,
                                1e-6);
        ck_assert_double_eq_tol(flows[cs_model_turned_away_flow(m, 1)], 290,
                                1e-6);
        ck_assert_str_eq(
            cs_model_flow_label(m, cs_model_turned_away_flow(m, 1)),
            "turned_away.looked_after.agency");
        ck_assert_str_eq(cs_model_flow_to(m, cs_model_turned_away_flow(m, 1)),
                         "looked_after.residential");
    }
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * Funded places by hand: two streams, 1.2m and 0.6m a year, buy places at
 * 1,500 a child-year with 10% cost inflation from the 2019/20 price base:
 * 1,200 places in 2019/20 and 1.8m / 1,650 = 1,090.9 in 2020/21. A
 * programme paid by the second stream serves a third of admissions, then
 * none once the stream stops in 2021/22.
 */
START_TEST(test_funded_places_and_programme_share)
{
    cs_scenario *sc = test_scenario_new(2019, 4, 36);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int eh = test_add_stage(sc, "early_help", CS_INTERVENTION_EARLY);
    int served = test_add_mark(sc, "served");
    sc->price_base_year = 2019;
    sc->stages[eh].unit_cost = 1500.0 / 12;
    sc->stages[eh].cost_inflation = 0.10;
    sc->stages[eh].has_capacity = 1;
    sc->stages[eh].funded_by = 3u;
    sc->stages[eh].overflow_stage = uni;
    sc->n_streams = 2;
    sc->streams[0] = (cs_funding_stream){"council", "council", 1, {1.2e6}, 0};
    sc->streams[1] =
        (cs_funding_stream){"grant", "grant", 3, {0.6e6, 0.6e6, 0}, 0};
    sc->n_programmes = 1;
    sc->programmes[0] = (cs_programme){"tf", "tf", eh, 1, served};
    for (int a = 0; a < 10; a++)
        sc->initial[uni][a] = 1000;
    test_add_transition(sc, "referral", uni, 0, eh, 0, 0.05);
    /* a duration band (factor 1 either side) so that months-in-stage 0,
     * this month's arrivals, is a slot of its own */
    cs_transition *t = test_add_transition(sc, "ends", eh, 0, uni, 0, 0.5);
    t->n_by_duration = 2;
    t->by_duration[0] = (cs_duration_band){0, 0, 1.0};
    t->by_duration[1] = (cs_duration_band){1, -1, 1.0};
    cs_model *m = compile_or_fail(sc);
    ck_assert_double_eq_tol(cs_model_places(m, 0, 0), 1200, 1e-9);
    ck_assert_double_eq_tol(cs_model_places(m, 0, 11), 1200, 1e-9);
    ck_assert_double_eq_tol(cs_model_places(m, 0, 12), 1.8e6 / 1650, 1e-9);
    ck_assert_double_eq_tol(cs_model_places(m, 0, 24), 1.2e6 / 1815, 1e-9);
    cs_sim *sim = cs_sim_alloc(m);
    double stocks[36 * 2 * CS_AGES];
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, NULL, NULL);
    ck_assert_int_eq(m->n_mark_sets, 2);
    /* the programme's share of admissions follows its stream's share of
     * the funding: a third, then none once the grant stops in 2021/22 */
    ck_assert_double_eq_tol(m->programme_share[0], 1.0 / 3, 1e-15);
    ck_assert_double_eq_tol(m->programme_share[23], 1.0 / 3, 1e-15);
    ck_assert_double_eq(m->programme_share[24], 0);
    cs_sim_free(sim);
    /* one month only, to see the first admissions split */
    sc->horizon_months = 1;
    cs_model *m1 = compile_or_fail(sc);
    cs_sim *sim1 = cs_sim_alloc(m1);
    double one[2 * CS_AGES];
    cs_sim_run(sim1, CS_SIM_DETERMINISTIC, 1, 0, one, NULL, NULL);
    /* 10,000 children (ages 0-9 aged to 1-10 in April) at 0.05 a year
     * (competing with nothing: universal has one way out): */
    double admitted = 10000 * -expm1(-0.05 / 12);
    ck_assert_double_eq_tol(stage_total(one, 2, 0, eh), admitted, 1e-9);
    /* a third of them (0.6m of 1.8m) carry the programme's mark */
    const double *state = cs_sim_final_state(sim1);
    double marked = 0;
    for (int a = 0; a < CS_AGES; a++)
        marked += state[cs_compartment(m1, eh, a, 0, 1)];
    ck_assert_double_eq_tol(marked, admitted / 3, 1e-9);
    /* stochastic: the marked count is Binomial(admitted, 1/3) summed over
     * compartments; over 200 runs its mean is within 4 SE of a third */
    double sum = 0, total = 0;
    for (int run = 0; run < 200; run++) {
        cs_sim_run(sim1, CS_SIM_STOCHASTIC, 4, (uint32_t)run, one, NULL, NULL);
        state = cs_sim_final_state(sim1);
        for (int a = 0; a < CS_AGES; a++) {
            sum += state[cs_compartment(m1, eh, a, 0, 1)];
            total += state[cs_compartment(m1, eh, a, 0, 1)] +
                     state[cs_compartment(m1, eh, a, 0, 0)];
        }
    }
    double se = sqrt(total * (1.0 / 3) * (2.0 / 3));
    ck_assert_msg(fabs(sum - total / 3) < 4 * se,
                  "served %g of %g admitted, expected a third +- %g", sum,
                  total, 4 * se);
    cs_sim_free(sim1);
    cs_model_free(m1);
    cs_model_free(m);
    free(sc);
}
END_TEST

/* ---- levers ------------------------------------------------------------- */

/*
 * A rate lever from month 2, ramped over 4 months, doubling A -> B: the
 * monthly probability is that of r for months 0-1, then r x 1.25, 1.5,
 * 1.75 and 2 from month 5 on; months with the same rates share a table.
 * Expected values show it month by month: the share of A leaving.
 */
START_TEST(test_rate_lever_ramps_in)
{
    const double r = 1.2;
    cs_scenario *sc = test_scenario_new(2019, 5, 8);
    int a = test_add_stage(sc, "a", CS_INTERVENTION_NONE);
    int b = test_add_stage(sc, "b", CS_INTERVENTION_LATE);
    test_add_transition(sc, "ab", a, 0, b, 0, r);
    sc->initial[a][6] = 1000;
    sc->ageing = CS_AGEING_APRIL; /* ages stay inside the lever's band */
    sc->n_levers = 1;
    sc->levers[0] = (cs_lever){.id = "double_it",
                               .kind = CS_LEVER_RATE,
                               .from_month = 2,
                               .ramp_months = 4,
                               .target = 0,
                               .age_lo = 0,
                               .age_hi = 17,
                               .multiply = 2,
                               .add = 0,
                               .places = -1};
    cs_model *m = compile_or_fail(sc);
    ck_assert_int_eq(m->n_epochs, 5);
    ck_assert_int_eq(m->epoch_of_month[1], 0);
    ck_assert_int_eq(m->epoch_of_month[7], m->epoch_of_month[5]);
    cs_sim *sim = cs_sim_alloc(m);
    double stocks[8 * 2 * CS_AGES];
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, NULL, NULL);
    const double factor[8] = {1, 1, 1.25, 1.5, 1.75, 2, 2, 2};
    double before = 1000;
    for (int t = 0; t < 8; t++) {
        double now = stage_total(stocks, 2, t, a);
        double want = before * exp(-r * factor[t] / 12);
        ck_assert_msg(fabs(now - want) < 1e-9,
                      "month %d: %.10g in A, expected %.10g", t, now, want);
        before = now;
    }
    /* ages outside the lever's band keep the old rate */
    sc->levers[0].age_lo = 10;
    cs_model *m2 = compile_or_fail(sc);
    cs_sim *sim2 = cs_sim_alloc(m2);
    cs_sim_run(sim2, CS_SIM_DETERMINISTIC, 1, 0, stocks, NULL, NULL);
    ck_assert_double_eq_tol(stage_total(stocks, 2, 7, a),
                            1000 * exp(-r * 8 / 12), 1e-9);
    cs_sim_free(sim2);
    cs_model_free(m2);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * A lever that ends: doubling A -> B's rate from month 2 over a 4-month
 * ramp, in force to month 6, then faded out over 4 months: factors 1, 1,
 * 1.25, 1.5, 1.75, 2, 2, then 1.75, 1.5, 1.25 and 1 from month 10. Ended
 * mid-ramp at month 3 without a fade, it is 1.5 there and 1 after.
 */
START_TEST(test_rate_lever_ends_and_fades)
{
    const double r = 1.2;
    cs_scenario *sc = test_scenario_new(2019, 5, 12);
    int a = test_add_stage(sc, "a", CS_INTERVENTION_NONE);
    int b = test_add_stage(sc, "b", CS_INTERVENTION_LATE);
    test_add_transition(sc, "ab", a, 0, b, 0, r);
    sc->initial[a][6] = 1000;
    sc->ageing = CS_AGEING_APRIL;
    sc->n_levers = 1;
    sc->levers[0] = (cs_lever){.id = "double_it",
                               .kind = CS_LEVER_RATE,
                               .from_month = 2,
                               .ramp_months = 4,
                               .has_until = 1,
                               .until_month = 6,
                               .fade_months = 4,
                               .target = 0,
                               .age_lo = 0,
                               .age_hi = 17,
                               .multiply = 2,
                               .places = -1};
    const double faded[12] = {1, 1,    1.25, 1.5,  1.75, 2,
                              2, 1.75, 1.5,  1.25, 1,    1};
    const double cut[12] = {1, 1, 1.25, 1.5, 1, 1, 1, 1, 1, 1, 1, 1};
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            sc->levers[0].until_month = 3;
            sc->levers[0].fade_months = 0;
        }
        const double *factor = pass ? cut : faded;
        cs_model *m = compile_or_fail(sc);
        cs_sim *sim = cs_sim_alloc(m);
        double stocks[12 * 2 * CS_AGES];
        cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, NULL, NULL);
        double before = 1000;
        for (int t = 0; t < 12; t++) {
            double now = stage_total(stocks, 2, t, a);
            double want = before * exp(-r * factor[t] / 12);
            ck_assert_msg(fabs(now - want) < 1e-9,
                          "pass %d, month %d: %.10g in A, expected %.10g", pass,
                          t, now, want);
            before = now;
        }
        /* months at the same factor share a table: 1, 1.25, 1.5, 1.75, 2 */
        ck_assert_int_eq(m->n_epochs, pass ? 3 : 5);
        cs_sim_free(sim);
        cs_model_free(m);
    }
    free(sc);
}
END_TEST

/* A capacity lever in force for months 3 to 5 only: the places go back. */
START_TEST(test_capacity_lever_ends)
{
    cs_scenario *sc = test_scenario_new(2019, 4, 12);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int care = test_add_stage(sc, "care", CS_INTERVENTION_LATE);
    sc->stages[care].unit_cost = 1000;
    sc->stages[care].has_capacity = 1;
    sc->stages[care].places = 500;
    sc->stages[care].overflow_stage = uni;
    sc->initial[uni][3] = 100;
    sc->n_levers = 1;
    sc->levers[0] = (cs_lever){.id = "winter_beds",
                               .kind = CS_LEVER_CAPACITY,
                               .from_month = 3,
                               .has_until = 1,
                               .until_month = 5,
                               .fade_months = 2,
                               .target = care,
                               .multiply = 1,
                               .places = 800};
    cs_model *m = compile_or_fail(sc);
    int j = m->capacity_index[care];
    const double want[9] = {500, 500, 500, 800, 800, 800, 650, 500, 500};
    for (int t = 0; t < 9; t++)
        ck_assert_double_eq_tol(cs_model_places(m, j, t), want[t], 1e-9);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * The budget tests' scenario (expected values, no inflation): universal,
 * early help bought by the council's stream (1.2m a year at 100 a month a
 * place: 1,000 places), and 100 children in care at 1,000 a month; a
 * budget of 1.8m a year with 200,000 of reserves pays the stream.
 * *care_stage (if not NULL): the care stage.
 */
static cs_scenario *budget_scenario(int *care_stage)
{
    cs_scenario *sc = test_scenario_new(2019, 4, 8);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int eh = test_add_stage(sc, "early_help", CS_INTERVENTION_EARLY);
    int care = test_add_stage(sc, "care", CS_INTERVENTION_LATE);
    sc->price_base_year = 2019;
    sc->stages[eh].unit_cost = 100;
    sc->stages[eh].has_capacity = 1;
    sc->stages[eh].funded_by = 1u;
    sc->stages[eh].overflow_stage = uni;
    sc->stages[care].unit_cost = 1000;
    sc->n_streams = 1;
    sc->streams[0] = (cs_funding_stream){"council", "council", 1, {1.2e6}, 0};
    sc->budget = (cs_budget){.present = 1,
                             .label = "budget",
                             .n_years = 1,
                             .per_year = {1.8e6},
                             .reserves = 2e5,
                             .pays = 1u};
    sc->initial[uni][3] = 50;
    sc->initial[care][10] = 100;
    if (care_stage)
        *care_stage = care;
    return sc;
}

/*
 * A budget by hand (expected values, no inflation): 100 children in care at
 * 1,000 a month are 100,000 of statutory spend a month; the budget brings
 * 150,000 a month and 200,000 of reserves, and pays the council's early
 * help stream, 100,000 a month (1,000 places at 100 a month). Reserves run
 * down by 50,000 a month to 0 after month 3; from month 4 the budget pays
 * half the stream and early help has 500 places. With 60,000 a month it
 * pays 100,000, then 20,000 (200 places), then nothing, and the reserves
 * go negative by 40,000 a month: statutory spend is paid regardless.
 */
START_TEST(test_budget_pays_statutory_first)
{
    cs_scenario *sc = budget_scenario(NULL);
    const double reserves[2][8] = {
        {150e3, 100e3, 50e3, 0, 0, 0, 0, 0},
        {60e3, 0, -40e3, -80e3, -120e3, -160e3, -200e3, -240e3}};
    const double paid[2][8] = {
        {100e3, 100e3, 100e3, 100e3, 50e3, 50e3, 50e3, 50e3},
        {100e3, 20e3, 0, 0, 0, 0, 0, 0}};
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            sc->budget.per_year[0] = 0.72e6;
        cs_model *m = compile_or_fail(sc);
        cs_sim *sim = cs_sim_alloc(m);
        double budget[8 * CS_BUDGET_MEASURES], capacity[8 * 3];
        cs_sim_record_budget(sim, budget);
        cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, NULL, NULL, capacity);
        for (int t = 0; t < 8; t++) {
            const double *b = budget + t * CS_BUDGET_MEASURES;
            ck_assert_double_eq_tol(b[CS_BUDGET_INCOME],
                                    sc->budget.per_year[0] / 12, 1e-6);
            ck_assert_double_eq_tol(b[CS_BUDGET_STATUTORY], 100e3, 1e-6);
            ck_assert_double_eq_tol(b[CS_BUDGET_PLANNED], 100e3, 1e-6);
            ck_assert_msg(fabs(b[CS_BUDGET_PAID] - paid[pass][t]) < 1e-6 &&
                              fabs(b[CS_BUDGET_RESERVES] - reserves[pass][t]) <
                                  1e-6,
                          "pass %d, month %d: paid %g, reserves %g", pass, t,
                          b[CS_BUDGET_PAID], b[CS_BUDGET_RESERVES]);
            /* places follow what is paid: 1,000 for 100,000 a month */
            ck_assert_double_eq_tol(capacity[t * 3], paid[pass][t] / 100, 1e-9);
        }
        /* a second run starts from the reserves at the base date again */
        cs_sim_run(sim, CS_SIM_STOCHASTIC, 1, 0, NULL, NULL, capacity);
        ck_assert_double_eq_tol(
            budget[0 * CS_BUDGET_MEASURES + CS_BUDGET_RESERVES],
            reserves[pass][0], 1e-6);
        cs_sim_free(sim);
        cs_model_free(m);
    }
    free(sc);
}
END_TEST

/*
 * The budget pays care leavers as statutory spend (by hand): the scenario
 * above with 24 care leavers supported at the base date for a year at 500
 * a month, and nobody reaching 18 within the 8 months. At the start of
 * month t, 24 (12 - t) / 12 are still supported: statutory spend is
 * 100,000 + 1,000 (12 - t), with the run's flows recorded or not.
 */
START_TEST(test_budget_pays_care_leavers)
{
    int care;
    cs_scenario *sc = budget_scenario(&care);
    sc->care_leavers = (cs_care_leavers){.present = 1,
                                         .from = {.index = care},
                                         .years = 1,
                                         .unit_cost = 500,
                                         .at_base_date = 24};
    cs_model *m = compile_or_fail(sc);
    cs_sim *sim = cs_sim_alloc(m);
    ck_assert_ptr_nonnull(sim);
    double *flows = calloc((size_t)8 * cs_model_n_flows(m), sizeof *flows);
    for (int with_flows = 0; with_flows < 2; with_flows++) {
        double budget[8 * CS_BUDGET_MEASURES], capacity[8 * 3];
        cs_sim_record_budget(sim, budget);
        cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, NULL,
                   with_flows ? flows : NULL, capacity);
        double reserves = 2e5;
        for (int t = 0; t < 8; t++) {
            const double *b = budget + t * CS_BUDGET_MEASURES;
            double want = 100e3 + 1000.0 * (12 - t);
            ck_assert_msg(fabs(b[CS_BUDGET_STATUTORY] - want) < 1e-6,
                          "month %d: statutory %.3f, expected %.3f", t,
                          b[CS_BUDGET_STATUTORY], want);
            /* the reserves pay what the month's 150,000 does not */
            double left = reserves + 150e3 - want;
            double paid = left <= 0 ? 0 : left < 100e3 ? left : 100e3;
            reserves = left - paid;
            ck_assert_double_eq_tol(b[CS_BUDGET_PAID], paid, 1e-6);
            ck_assert_double_eq_tol(b[CS_BUDGET_RESERVES], reserves, 1e-6);
        }
    }
    free(flows);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/* Capacity, unit cost and funding levers by hand. */
START_TEST(test_capacity_cost_and_funding_levers)
{
    cs_scenario *sc = test_scenario_new(2019, 4, 24);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int eh = test_add_stage(sc, "early_help", CS_INTERVENTION_EARLY);
    int care = test_add_stage(sc, "care", CS_INTERVENTION_LATE);
    sc->price_base_year = 2019;
    sc->stages[eh].unit_cost = 100;
    sc->stages[eh].has_capacity = 1;
    sc->stages[eh].funded_by = 1u;
    sc->stages[eh].overflow_stage = uni;
    sc->stages[care].unit_cost = 1000;
    sc->stages[care].has_capacity = 1;
    sc->stages[care].places = 500;
    sc->stages[care].overflow_stage = uni;
    sc->n_streams = 1;
    sc->streams[0] = (cs_funding_stream){"grant", "grant", 1, {1.2e6}, 0};
    sc->initial[uni][3] = 100;
    sc->n_levers = 3;
    /* places 500 -> 800 over months 6..8 (ramp 3) */
    sc->levers[0] = (cs_lever){.id = "more_places",
                               .kind = CS_LEVER_CAPACITY,
                               .from_month = 6,
                               .ramp_months = 3,
                               .target = care,
                               .multiply = 1,
                               .places = 800};
    /* care costs 10% more from month 12 */
    sc->levers[1] = (cs_lever){.id = "dearer",
                               .kind = CS_LEVER_UNIT_COST,
                               .from_month = 12,
                               .target = care,
                               .multiply = 1.1,
                               .places = -1};
    /* the grant halves from month 18: early help places halve */
    sc->levers[2] = (cs_lever){.id = "cut",
                               .kind = CS_LEVER_FUNDING,
                               .from_month = 18,
                               .target = 0,
                               .multiply = 0.5,
                               .places = -1};
    cs_model *m = compile_or_fail(sc);
    int jeh = m->capacity_index[eh], jcare = m->capacity_index[care];
    ck_assert_double_eq_tol(cs_model_places(m, jcare, 5), 500, 1e-9);
    ck_assert_double_eq_tol(cs_model_places(m, jcare, 6), 600, 1e-9);
    ck_assert_double_eq_tol(cs_model_places(m, jcare, 7), 700, 1e-9);
    ck_assert_double_eq_tol(cs_model_places(m, jcare, 20), 800, 1e-9);
    ck_assert_double_eq_tol(cs_model_unit_cost(m, 1, 11), 1000, 1e-9);
    ck_assert_double_eq_tol(cs_model_unit_cost(m, 1, 12), 1100, 1e-9);
    ck_assert_double_eq_tol(cs_model_places(m, jeh, 17), 1.2e6 / 1200, 1e-9);
    ck_assert_double_eq_tol(cs_model_places(m, jeh, 18), 0.6e6 / 1200, 1e-9);
    cs_model_free(m);
    free(sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, test_competing_hazards_formula);
    tcase_add_test(tc, test_model_uses_competing_hazards);
    tcase_add_test(tc, test_duration_bands);
    tcase_add_test(tc, test_ageing_at_april_and_leaving_at_18);
    tcase_add_test(tc, test_initial_state_keeps_counts);
    suite_add_tcase(s, tc);
    TCase *st = tcase_create("stochastic");
    tcase_set_timeout(st, 300);
    tcase_add_test(st, test_analytic_two_stage_chain);
    tcase_add_test(st, test_conservation_every_run_every_month);
    tcase_add_test(st, test_same_key_bit_identical_other_run_differs);
    tcase_add_loop_test(st, test_stochastic_mean_converges_to_deterministic, 0,
                        2);
    tcase_add_test(st, test_fast_sampler_matches_plain_twin);
    tcase_add_test(st, test_reference_sampler_is_the_old_stepper);
    tcase_add_test(st, test_common_random_numbers_shrink_paired_variance);
    TCase *cap = tcase_create("capacity");
    tcase_set_timeout(cap, 300);
    tcase_add_test(cap, test_capacity_never_exceeded_and_referrals_add_up);
    tcase_add_test(cap, test_overflow_routes_to_the_right_placements);
    tcase_add_test(cap, test_funded_places_and_programme_share);
    tcase_add_test(cap, test_rate_lever_ramps_in);
    tcase_add_test(cap, test_capacity_cost_and_funding_levers);
    tcase_add_test(cap, test_rate_lever_ends_and_fades);
    tcase_add_test(cap, test_capacity_lever_ends);
    tcase_add_test(cap, test_budget_pays_statutory_first);
    tcase_add_test(cap, test_budget_pays_care_leavers);
    suite_add_tcase(s, cap);
    suite_add_tcase(s, st);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
