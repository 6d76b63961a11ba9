/*
 * test_dynamics.c - the population's dynamics: birthdays spread over the
 * year (ageing: monthly), net migration, arrivals from outside, rate
 * trends and random year effects; each against a closed form in expected
 * values, the stochastic mean against it within standard errors (fixed
 * seeds), and conservation in every month of every run.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "build_scenario.h"
#include "cascade/model.h"
#include "cascade/scenario.h"
#include "cascade/sim.h"

static double total(const double *stocks, int n_stages, int month)
{
    const double *row = stocks + (size_t)month * n_stages * CS_AGES;
    double sum = 0;
    for (int i = 0; i < n_stages * CS_AGES; i++)
        sum += row[i];
    return sum;
}

/* Children in all stages at month t, against the month before plus what
 * came in (births, migration, arrivals) less those who reached 18. */
static void check_conservation(const cs_model *m, const double *stocks,
                               const double *flows, double initial, int exact)
{
    int S = cs_model_n_stages(m), F = cs_model_n_flows(m);
    double before = initial;
    for (int t = 0; t < cs_model_n_months(m); t++) {
        const double *f = flows + (size_t)t * F;
        double in = f[cs_model_births_flow(m)], out = 0;
        if (cs_model_migration_flow(m) >= 0)
            in += f[cs_model_migration_flow(m)];
        for (int i = 0; i < cs_model_n_arrivals(m); i++)
            in += f[cs_model_arrival_flow(m, i)];
        for (int s = 0; s < S; s++)
            out += f[cs_model_age_out_flow(m, s)];
        double now = total(stocks, S, t);
        double want = before + in - out;
        if (exact)
            ck_assert_msg(now == want,
                          "month %d: %.17g children, expected %.17g", t, now,
                          want);
        else
            ck_assert_msg(fabs(now - want) < 1e-7 * (1 + want),
                          "month %d: %.17g children, expected %.17g", t, now,
                          want);
        before = now;
    }
}

/*
 * A steady population: 1,200 children at every age and 100 births a month.
 * With a twelfth of each age a year older every month, 100 reach 18 every
 * month: the total stays at 21,600 through April (no saw tooth), and each
 * month's leavers are a twelfth of the year's.
 */
START_TEST(test_monthly_ageing_has_no_april_step)
{
    const int months = 24;
    cs_scenario *sc = test_scenario_new(2019, 1, months);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    for (int a = 0; a < CS_AGES; a++)
        sc->initial[uni][a] = 1200;
    sc->births_per_year[0] = 1200;
    cs_model *m = compile_or_fail(sc);
    ck_assert(cs_model_ages_monthly(m));
    ck_assert(!cs_model_ages_at(m, 3)); /* nothing special about April */
    int F = cs_model_n_flows(m);
    double stocks[24 * CS_AGES], flows[24 * 32];
    ck_assert_int_le(F, 32);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    for (int t = 0; t < months; t++) {
        ck_assert_double_eq_tol(total(stocks, 1, t), 21600, 1e-8);
        ck_assert_double_eq_tol(flows[t * F + cs_model_age_out_flow(m, uni)],
                                100, 1e-9);
        for (int a = 0; a < CS_AGES; a++)
            ck_assert_double_eq_tol(stocks[t * CS_AGES + a], 1200, 1e-8);
    }
    check_conservation(m, stocks, flows, 21600, 0);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * 12,000 children aged 17, nobody else: in month t (from 0) a twelfth of
 * those left reach 18, 12,000 (11/12)^t / 12, and over the first year
 * 12,000 (1 - (11/12)^12). Stochastically each is a binomial(n, 1/12):
 * over 400 runs the mean of month 0's leavers is 1,000 within 4 standard
 * errors (sd of one run sqrt(12000 / 12 * 11 / 12) = 30.3).
 */
START_TEST(test_monthly_leavers_at_18)
{
    const int months = 12;
    cs_scenario *sc = test_scenario_new(2019, 4, months);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    sc->initial[uni][17] = 12000;
    cs_model *m = compile_or_fail(sc);
    int F = cs_model_n_flows(m), out = cs_model_age_out_flow(m, uni);
    double stocks[12 * CS_AGES], flows[12 * 32];
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    double year = 0;
    for (int t = 0; t < months; t++) {
        ck_assert_double_eq_tol(flows[t * F + out],
                                12000 * pow(11.0 / 12, t) / 12, 1e-9);
        year += flows[t * F + out];
    }
    ck_assert_double_eq_tol(year, 12000 * (1 - pow(11.0 / 12, 12)), 1e-8);
    const int runs = 400;
    double sum = 0;
    for (int r = 0; r < runs; r++) {
        cs_sim_run(sim, CS_SIM_STOCHASTIC, 77, (uint32_t)r, stocks, flows,
                   NULL);
        sum += flows[out];
        check_conservation(m, stocks, flows, 12000, 1);
    }
    double se = sqrt(12000.0 / 12 * 11 / 12 / runs);
    ck_assert_msg(fabs(sum / runs - 1000) < 4 * se,
                  "mean leavers in month 0: %g, expected 1000 +- %g",
                  sum / runs, 4 * se);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/* A scenario with births, two stages and a placement group, for the
 * migration and arrival tests. */
static cs_scenario *two_stage_scenario(int months)
{
    cs_scenario *sc = test_scenario_new(2019, 4, months);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    const char *pl[2] = {"foster", "residential"};
    const double sh[2] = {0.7, 0.3};
    test_add_group(sc, "looked_after", 2, pl, sh);
    for (int a = 0; a < CS_AGES; a++)
        sc->initial[uni][a] = 5000;
    sc->births_per_year[0] = 6000;
    test_add_transition(sc, "into_care", uni, 0, 0, 1, 0.01);
    test_add_transition(sc, "home", 1, 1, uni, 0, 0.5);
    return sc;
}

/*
 * Net migration: +1,200 a year spread evenly over ages adds 100 children a
 * month to universal services; -1,200 takes 100 a month. Stochastically
 * net arrivals are Poisson(100) a month: over 300 runs the mean of month
 * 0's is 100 within 4 standard errors (sqrt(100 / 300)).
 */
START_TEST(test_net_migration)
{
    const int months = 12;
    cs_scenario *sc = two_stage_scenario(months);
    sc->n_migration = 1;
    sc->migration_stage = 0;
    for (int a = 0; a < CS_AGES; a++)
        sc->migration_age_share[a] = 1.0 / CS_AGES;
    double initial = 5000.0 * CS_AGES;
    int S = 3;
    double *stocks = calloc((size_t)months * S * CS_AGES, sizeof *stocks);
    double *flows = calloc((size_t)months * 64, sizeof *flows);
    for (int sign = -1; sign <= 1; sign += 2) {
        sc->migration_per_year[0] = sign * 1200.0;
        cs_model *m = compile_or_fail(sc);
        ck_assert_str_eq(cs_model_flow_label(m, cs_model_migration_flow(m)),
                         "net_migration");
        int F = cs_model_n_flows(m);
        cs_sim *sim = cs_sim_alloc(m);
        cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
        for (int t = 0; t < months; t++)
            ck_assert_double_eq_tol(flows[t * F + cs_model_migration_flow(m)],
                                    sign * 100.0, 1e-9);
        check_conservation(m, stocks, flows, initial, 0);
        double sum = 0;
        const int runs = 300;
        for (int r = 0; r < runs; r++) {
            cs_sim_run(sim, CS_SIM_STOCHASTIC, 5, (uint32_t)r, stocks, flows,
                       NULL);
            sum += flows[cs_model_migration_flow(m)];
            check_conservation(m, stocks, flows, initial, 1);
        }
        /* departures: binomial, variance below the Poisson one */
        double se = sqrt(100.0 / runs);
        ck_assert_msg(fabs(sum / runs - sign * 100.0) < 4 * se,
                      "net migration %g a month, expected %g +- %g", sum / runs,
                      sign * 100.0, 4 * se);
        cs_sim_free(sim);
        cs_model_free(m);
    }
    /* departures never take more children than there are */
    sc->migration_per_year[0] = -1e9;
    cs_model *m = compile_or_fail(sc);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_STOCHASTIC, 5, 0, stocks, flows, NULL);
    for (int i = 0; i < months * S * CS_AGES; i++)
        ck_assert(stocks[i] >= 0);
    ck_assert_double_eq(stocks[0 * S * CS_AGES + 0 * CS_AGES + 3], 0);
    cs_sim_free(sim);
    cs_model_free(m);
    free(stocks);
    free(flows);
    free(sc);
}
END_TEST

/*
 * Arrivals: 2,400 a year aged 16-17 (half each) into looked after, split
 * 0.7 / 0.3 by the placements' entry shares: 200 a month, 140 into foster
 * care; counted in arrivals.uasc; Poisson in stochastic runs.
 */
START_TEST(test_arrivals_into_a_group)
{
    const int months = 6;
    cs_scenario *sc = two_stage_scenario(months);
    sc->n_arrivals = 1;
    cs_arrival *ar = &sc->arrivals[0];
    snprintf(ar->id, sizeof ar->id, "uasc");
    ar->to.is_group = 1;
    ar->to.index = 0;
    ar->age_share[16] = ar->age_share[17] = 0.5;
    ar->n_years = 1;
    ar->per_year[0] = 2400;
    cs_model *m = compile_or_fail(sc);
    int F = cs_model_n_flows(m), flow = cs_model_arrival_flow(m, 0);
    ck_assert_str_eq(cs_model_flow_label(m, flow), "arrivals.uasc");
    ck_assert_str_eq(cs_model_flow_to(m, flow), "looked_after");
    int S = 3;
    double stocks[6 * 3 * CS_AGES], flows[6 * 64];
    ck_assert_int_le(F, 64);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    for (int t = 0; t < months; t++)
        ck_assert_double_eq_tol(flows[t * F + flow], 200, 1e-9);
    check_conservation(m, stocks, flows, 5000.0 * CS_AGES, 0);
    /* month 0's looked-after children: the arrivals and the month's
     * entries from universal services, split 0.7 / 0.3, less those who
     * went home (the same share from each placement) */
    double entries = flows[0 * F + 0];
    double foster = 0, resid = 0;
    for (int a = 0; a < CS_AGES; a++) {
        foster += stocks[(0 * S + 1) * CS_AGES + a];
        resid += stocks[(0 * S + 2) * CS_AGES + a];
    }
    ck_assert_double_eq_tol(foster / (foster + resid), 0.7, 1e-12);
    ck_assert(foster + resid > 0.99 * (200 + entries) &&
              foster + resid <= 200 + entries);
    const int runs = 300;
    double sum = 0;
    for (int r = 0; r < runs; r++) {
        cs_sim_run(sim, CS_SIM_STOCHASTIC, 8, (uint32_t)r, stocks, flows, NULL);
        sum += flows[flow];
        check_conservation(m, stocks, flows, 5000.0 * CS_AGES, 1);
    }
    double se = sqrt(200.0 / runs);
    ck_assert_msg(fabs(sum / runs - 200) < 4 * se,
                  "arrivals %g a month, expected 200 +- %g", sum / runs,
                  4 * se);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * Trends (scenario.h): with per_year 0.1 and the trend's last year 2
 * (financial years from the base date's), g(y) is 0, 1, 2, then
 * continue: 3, 4; hold: 2, 2; damp 0.5: 2.5, 2.75; the multiplier is
 * exp(0.1 g(y)). The compiled probability in year y is the competing
 * hazards formula at the multiplied rate.
 */
START_TEST(test_trend_rules)
{
    cs_scenario *sc = test_scenario_new(2019, 4, 60);
    int a = test_add_stage(sc, "a", CS_INTERVENTION_NONE);
    int b = test_add_stage(sc, "b", CS_INTERVENTION_NONE);
    cs_transition *t = test_add_transition(sc, "ab", a, 0, b, 0, 0.3);
    sc->initial[a][5] = 100;
    t->trend_per_year = 0.1;
    t->trend_until = 2;
    const double g[3][5] = {
        {0, 1, 2, 3, 4}, {0, 1, 2, 2, 2}, {0, 1, 2, 2.5, 2.75}};
    const int rules[3] = {CS_TREND_CONTINUE, CS_TREND_HOLD, CS_TREND_DAMP};
    for (int k = 0; k < 3; k++) {
        t->trend_after = rules[k];
        t->trend_damping = 0.5;
        cs_model *m = compile_or_fail(sc);
        for (int y = 0; y < 5; y++) {
            ck_assert_double_eq_tol(cs_transition_year_factor(sc, 0, y),
                                    exp(0.1 * g[k][y]), 1e-12);
            /* every month of year y: 1 - exp(-rate / 12) at the rate */
            double want = -expm1(-0.3 * exp(0.1 * g[k][y]) / 12);
            for (int month = 12 * y; month < 12 * y + 12; month++) {
                ck_assert_int_eq(cs_model_month_fy(m, month), y);
                double got =
                    cs_model_transition_probability_at(m, month, a, 5, 0, 0, 0);
                ck_assert_msg(fabs(got - want) < 1e-15,
                              "rule %d, month %d: %.17g, expected %.17g", k,
                              month, got, want);
            }
        }
        cs_model_free(m);
    }
    /* the stepper uses it: one child-free check of month 12's outflow */
    t->trend_after = CS_TREND_CONTINUE;
    t->trend_until = INT_MAX;
    sc->ageing = CS_AGEING_APRIL;
    cs_model *m = compile_or_fail(sc);
    cs_sim *sim = cs_sim_alloc(m);
    int F = cs_model_n_flows(m);
    double *stocks = calloc(60 * 2 * CS_AGES, sizeof *stocks);
    double *flows = calloc((size_t)60 * F, sizeof *flows);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    double left = 100;
    for (int month = 0; month < 24; month++) {
        double rate = 0.3 * exp(0.1 * cs_model_month_fy(m, month));
        double moved = left * -expm1(-rate / 12);
        ck_assert_double_eq_tol(flows[month * F + 0], moved, 1e-9);
        left -= moved;
    }
    cs_sim_free(sim);
    free(stocks);
    free(flows);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * Year effects: u_y = ar u_{y-1} + e_y, e_y ~ N(0, sd^2). Over 4,000 runs,
 * for a random walk (sd 0.1) Var(u_y) = 0.01 (y + 1), for AR(1) with ar
 * 0.5 (sd 0.2) Var(u_y) = 0.04 (1 - 0.25^(y+1)) / 0.75; each within 5
 * standard errors (the variance of a sample variance of a normal is
 * 2 var^2 / (n - 1)), the means within 5 standard errors of 0. Adding an
 * effect does not change another's draws.
 */
START_TEST(test_year_effect_draws)
{
    cs_scenario *sc = test_scenario_new(2019, 4, 120);
    sc->n_year_effects = 2;
    snprintf(sc->year_effects[0].id, CS_ID_MAX, "walk");
    sc->year_effects[0].sd = 0.1;
    sc->year_effects[0].ar = 1;
    snprintf(sc->year_effects[1].id, CS_ID_MAX, "ar");
    sc->year_effects[1].sd = 0.2;
    sc->year_effects[1].ar = 0.5;
    const int n = 4000, years = 10;
    double sum[2][10] = {{0}}, sq[2][10] = {{0}};
    cs_error err;
    cs_scenario alone = *sc;
    alone.n_year_effects = 1;
    for (int r = 0; r < n; r++) {
        ck_assert_int_eq(
            cs_scenario_draw_year_effects(sc, 3, (uint32_t)r, &err), CS_OK);
        if (r < 20) {
            ck_assert_int_eq(
                cs_scenario_draw_year_effects(&alone, 3, (uint32_t)r, &err),
                CS_OK);
            for (int y = 0; y < years; y++)
                ck_assert_double_eq(alone.year_effects[0].value[y],
                                    sc->year_effects[0].value[y]);
        }
        for (int e = 0; e < 2; e++)
            for (int y = 0; y < years; y++) {
                double u = sc->year_effects[e].value[y];
                sum[e][y] += u;
                sq[e][y] += u * u;
            }
    }
    for (int y = 0; y < years; y++) {
        double want[2] = {0.01 * (y + 1), 0.04 * (1 - pow(0.25, y + 1)) / 0.75};
        for (int e = 0; e < 2; e++) {
            double mean = sum[e][y] / n;
            double var = sq[e][y] / n - mean * mean;
            double se_mean = sqrt(want[e] / n);
            double se_var = want[e] * sqrt(2.0 / (n - 1));
            ck_assert_msg(fabs(mean) < 5 * se_mean,
                          "effect %d year %d: mean %g, expected 0 +- %g", e, y,
                          mean, 5 * se_mean);
            ck_assert_msg(fabs(var - want[e]) < 5 * se_var,
                          "effect %d year %d: variance %g, expected %g +- %g",
                          e, y, var, want[e], 5 * se_var);
        }
    }
    free(sc);
}
END_TEST

/* A year effect multiplies its transitions' rates by exp(u_y) in year y;
 * with u = 0 (no draw) the runs are bit-identical to a scenario without
 * the effect. */
START_TEST(test_year_effects_act_and_vanish_at_zero)
{
    const int months = 36;
    cs_scenario *plain = two_stage_scenario(months);
    cs_scenario *with = two_stage_scenario(months);
    with->n_year_effects = 1;
    snprintf(with->year_effects[0].id, CS_ID_MAX, "demand");
    with->year_effects[0].sd = 0.1;
    with->year_effects[0].ar = 1;
    with->transitions[0].year_effect = 0;
    cs_model *mp = compile_or_fail(plain), *mw = compile_or_fail(with);
    int S = 3, F = cs_model_n_flows(mp);
    size_t cells = (size_t)months * S * CS_AGES;
    double *s1 = calloc(cells, sizeof *s1), *s2 = calloc(cells, sizeof *s2);
    double *f1 = calloc((size_t)months * F, sizeof *f1);
    double *f2 = calloc((size_t)months * F, sizeof *f2);
    cs_sim *a = cs_sim_alloc(mp), *b = cs_sim_alloc(mw);
    cs_sim_run(a, CS_SIM_STOCHASTIC, 4, 2, s1, f1, NULL);
    cs_sim_run(b, CS_SIM_STOCHASTIC, 4, 2, s2, f2, NULL);
    ck_assert(memcmp(s1, s2, cells * sizeof *s1) == 0);
    ck_assert(memcmp(f1, f2, (size_t)months * F * sizeof *f1) == 0);
    /* u = (0.1, 0.3, -0.2): year y's into-care rate 0.01 exp(u_y) */
    with->year_effects[0].value[0] = 0.1;
    with->year_effects[0].value[1] = 0.3;
    with->year_effects[0].value[2] = -0.2;
    for (int y = 0; y < 3; y++)
        ck_assert_double_eq_tol(cs_transition_year_factor(with, 0, y),
                                exp(with->year_effects[0].value[y]), 1e-15);
    ck_assert_double_eq(cs_transition_year_factor(with, 1, 1), 1);
    cs_model *mu = compile_or_fail(with);
    for (int y = 0; y < 3; y++) {
        double rate = 0.01 * exp(with->year_effects[0].value[y]);
        /* into care competes with nothing out of universal services */
        ck_assert_double_eq_tol(
            cs_model_transition_probability_at(mu, 12 * y + 5, 0, 5, 0, 0, 0),
            -expm1(-rate / 12), 1e-15);
    }
    cs_sim *c = cs_sim_alloc(mu);
    cs_sim_run(c, CS_SIM_DETERMINISTIC, 4, 2, s2, f2, NULL);
    cs_sim_run(a, CS_SIM_DETERMINISTIC, 4, 2, s1, f1, NULL);
    /* entries into care in year 1 against the plain scenario: the stock of
     * universal services barely differs, the rate by exp(0.3) = 1.35 */
    ck_assert(f2[12 * F + 0] > f1[12 * F + 0] * 1.3);
    ck_assert(f2[12 * F + 0] < f1[12 * F + 0] * 1.4);
    cs_sim_free(a);
    cs_sim_free(b);
    cs_sim_free(c);
    cs_model_free(mp);
    cs_model_free(mw);
    cs_model_free(mu);
    free(s1);
    free(s2);
    free(f1);
    free(f2);
    free(plain);
    free(with);
}
END_TEST

/*
 * Rebasing keeps every calendar date's value: a scenario based April 2019
 * with births [600, 610, 620] by financial year, a lever from April 2021
 * and a trend to 2020/21 (hold after), moved to April 2017 and to April
 * 2020. The rate of the trending transition in each calendar financial
 * year is the same before and after.
 */
START_TEST(test_rebase_keeps_dates)
{
    cs_scenario *sc = test_scenario_new(2019, 4, 60);
    int a = test_add_stage(sc, "a", CS_INTERVENTION_NONE);
    int b = test_add_stage(sc, "b", CS_INTERVENTION_NONE);
    cs_transition *t = test_add_transition(sc, "ab", a, 0, b, 0, 0.3);
    t->trend_per_year = 0.05;
    t->trend_until = 1; /* 2020/21 */
    t->trend_after = CS_TREND_HOLD;
    sc->n_births = 3;
    sc->births_per_year[0] = 600;
    sc->births_per_year[1] = 610;
    sc->births_per_year[2] = 620;
    sc->n_levers = 1;
    sc->levers[0] = (cs_lever){.kind = CS_LEVER_RATE,
                               .from_month = 24,
                               .target = 0,
                               .age_hi = 17,
                               .multiply = 2,
                               .places = -1};
    cs_error err;
    cs_scenario *early = NULL, *late = NULL;
    ck_assert_int_eq(cs_scenario_rebase(sc, 2017, 4, 120, &early, &err), CS_OK);
    ck_assert_int_eq(cs_scenario_rebase(sc, 2020, 4, 24, &late, &err), CS_OK);
    ck_assert_int_eq(early->base_year, 2017);
    ck_assert_int_eq(early->horizon_months, 120);
    /* births: 2017/18 and 2018/19 take the first value */
    const double early_births[5] = {600, 600, 600, 610, 620};
    for (int y = 0; y < 5; y++)
        ck_assert_double_eq(early->births_per_year[y], early_births[y]);
    ck_assert_double_eq(late->births_per_year[0], 610);
    ck_assert_double_eq(late->births_per_year[1], 620);
    ck_assert_int_eq(early->levers[0].from_month, 48);
    ck_assert_int_eq(late->levers[0].from_month, 12);
    ck_assert_int_eq(early->transitions[0].trend_until, 3);
    ck_assert_int_eq(late->transitions[0].trend_until, 0);
    /* the rate in calendar financial year 2019/20 + k */
    for (int k = -2; k < 2; k++) {
        double original = 0.3 * cs_transition_year_factor(sc, 0, k < 0 ? 0 : k);
        if (k < 0) /* before the base: the trend runs backwards */
            original = 0.3 * exp(0.05 * k);
        double moved = early->transitions[0].rate *
                       cs_transition_year_factor(early, 0, k + 2);
        ck_assert_msg(fabs(moved - original) < 1e-15,
                      "2019/20 %+d: %.17g after rebasing to 2017, %.17g", k,
                      moved, original);
        if (k >= 1) {
            double later = late->transitions[0].rate *
                           cs_transition_year_factor(late, 0, k - 1);
            ck_assert_msg(fabs(later - original) < 1e-15,
                          "2019/20 %+d: %.17g after rebasing to 2020, %.17g", k,
                          later, original);
        }
    }
    cs_scenario_free(early);
    ck_assert_int_eq(cs_scenario_rebase(sc, 2017, 13, 12, &early, &err),
                     CS_EINPUT);
    ck_assert_ptr_null(early);
    cs_scenario_free(late);
    free(sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dynamics");
    TCase *tc = tcase_create("dynamics");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_monthly_ageing_has_no_april_step);
    tcase_add_test(tc, test_monthly_leavers_at_18);
    tcase_add_test(tc, test_net_migration);
    tcase_add_test(tc, test_arrivals_into_a_group);
    tcase_add_test(tc, test_trend_rules);
    tcase_add_test(tc, test_year_effect_draws);
    tcase_add_test(tc, test_year_effects_act_and_vanish_at_zero);
    tcase_add_test(tc, test_rebase_keeps_dates);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
