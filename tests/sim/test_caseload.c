/*
 * test_caseload.c - rates that depend on a caseload (workforce: and a
 * transition's caseload:): the deterministic path of one stage with
 * constant workers against its recursion, the direction (fewer workers,
 * slower closures, more children), an elasticity of 0 leaving every
 * stepper bit-identical to the scenario without a caseload, workers per
 * financial year, and conservation and reproducibility of stochastic runs.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "build_scenario.h"
#include "cascade/model.h"
#include "cascade/scenario.h"
#include "cascade/sim.h"

enum { HORIZON = 36, S = 3 };

/*
 * universal with 20,000 children aged 5, referred at 0.05 a year into cin,
 * which starts with 2,000, and looked_after: CIN cases close at r = 1.5 a
 * year times (caseload / 18)^e, the caseload being the children in cin
 * per worker (100 workers: 20 each at the start); a few go into care at
 * 0.1 a year, on no caseload. Nobody is born, and with ageing in April
 * nobody reaches 18 in 3 years.
 */
static cs_scenario *one_stage(double workers, double elasticity)
{
    cs_scenario *sc = test_scenario_new(2019, 4, HORIZON);
    sc->ageing = CS_AGEING_APRIL; /* aged 5, 6 and 7: nobody reaches 18 */
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int cin = test_add_stage(sc, "cin", CS_INTERVENTION_LATE);
    int lac = test_add_stage(sc, "looked_after", CS_INTERVENTION_LATE);
    sc->initial[cin][5] = 2000;
    sc->initial[uni][5] = 20000;
    cs_workforce *w = &sc->workforces[sc->n_workforces++];
    snprintf(w->id, sizeof w->id, "social_workers");
    w->stages = 1u << cin;
    w->n_years = 1;
    w->per_year[0] = workers;
    w->reference_caseload = 18;
    cs_transition *t = test_add_transition(sc, "closed", cin, 0, uni, 0, 1.5);
    t->has_caseload = 1;
    t->workforce = 0;
    t->caseload_elasticity = elasticity;
    test_add_transition(sc, "into_care", cin, 0, lac, 0, 0.1);
    test_add_transition(sc, "referral", uni, 0, cin, 0, 0.05);
    return sc;
}

static double stage_total(const double *stocks, int t, int s)
{
    double sum = 0;
    for (int a = 0; a < CS_AGES; a++)
        sum += stocks[((size_t)t * S + (size_t)s) * CS_AGES + (size_t)a];
    return sum;
}

/*
 * Expected values: with N_t children in CIN and U_t in universal services
 * at the start of month t, the factor is f_t = (N_t / (W 18))^e, the rates
 * 1.5 f_t and 0.1 compete (R_t their sum), so
 *     closed_t = N_t (1.5 f_t / R_t) (1 - exp(-R_t / 12)),
 *     N_{t+1} = N_t exp(-R_t / 12) + U_t (1 - exp(-0.05 / 12)),
 *     U_{t+1} = U_t exp(-0.05 / 12) + closed_t.
 */
static double step(double *n, double *u, double workers, double e)
{
    double f = pow(*n / (workers * 18), e);
    double r = 1.5 * f + 0.1;
    double closed = *n * (1.5 * f / r) * (1 - exp(-r / 12));
    double referred = *u * (1 - exp(-0.05 / 12));
    *n = *n * exp(-r / 12) + referred;
    *u = *u * exp(-0.05 / 12) + closed;
    return closed;
}
START_TEST(test_one_stage_against_its_recursion)
{
    const double workers = 100, e = -0.7;
    cs_scenario *sc = one_stage(workers, e);
    cs_model *m = compile_or_fail(sc);
    int F = cs_model_n_flows(m);
    double *stocks = calloc((size_t)HORIZON * S * CS_AGES, sizeof *stocks);
    double *flows = calloc((size_t)HORIZON * F, sizeof *flows);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    double n = 2000, u = 20000;
    for (int t = 0; t < HORIZON; t++) {
        double closed = step(&n, &u, workers, e);
        double got = stage_total(stocks, t, 1);
        ck_assert_msg(fabs(got - n) < 1e-10 * n,
                      "month %d: %.12g in CIN, expected %.12g", t, got, n);
        ck_assert_msg(fabs(flows[t * F + 0] - closed) < 1e-10 * closed,
                      "month %d: %.12g closed, expected %.12g", t,
                      flows[t * F + 0], closed);
    }
    /* the compiled table is the rate as written (the factor is a run's) */
    double r0 = 1.5 + 0.1;
    ck_assert_double_eq_tol(cs_model_transition_probability(m, 1, 5, 0, 0, 0),
                            1.5 / r0 * (1 - exp(-r0 / 12)), 1e-15);
    cs_sim_free(sim);
    cs_model_free(m);
    free(stocks);
    free(flows);
    free(sc);
}
END_TEST

/* Fewer workers, the same children: caseloads rise, cases close more
 * slowly (elasticity < 0), more children are in need at every month after
 * the first; more workers the other way. */
START_TEST(test_fewer_workers_more_children_in_need)
{
    double workers[3] = {80, 111.111, 150};
    double at[3][HORIZON];
    for (int i = 0; i < 3; i++) {
        cs_scenario *sc = one_stage(workers[i], -0.5);
        cs_model *m = compile_or_fail(sc);
        double *stocks = calloc((size_t)HORIZON * S * CS_AGES, sizeof *stocks);
        cs_sim *sim = cs_sim_alloc(m);
        cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, NULL, NULL);
        for (int t = 0; t < HORIZON; t++)
            at[i][t] = stage_total(stocks, t, 1);
        cs_sim_free(sim);
        cs_model_free(m);
        free(stocks);
        free(sc);
    }
    for (int t = 0; t < HORIZON; t++)
        ck_assert_msg(at[0][t] > at[1][t] && at[1][t] > at[2][t],
                      "month %d: %g, %g, %g children in need with 80, 111 "
                      "and 150 workers",
                      t, at[0][t], at[1][t], at[2][t]);
}
END_TEST

/* An elasticity of 0 routes the stage through the caseload step with
 * factors of 1: every stepper gives the scenario without it, to the bit. */
START_TEST(test_elasticity_zero_is_bit_identical)
{
    cs_scenario *with = one_stage(100, 0);
    cs_scenario *without = one_stage(100, 0);
    without->transitions[0].has_caseload = 0;
    without->n_workforces = 0;
    /* a richer stage: births, a group, marks */
    cs_scenario *rich = test_rich_scenario(HORIZON);
    cs_scenario *rich_w = test_rich_scenario(HORIZON);
    cs_workforce *w = &rich_w->workforces[rich_w->n_workforces++];
    snprintf(w->id, sizeof w->id, "sw");
    w->stages = (1u << 2) | (1u << 3);
    w->n_years = 1;
    w->per_year[0] = 10;
    w->reference_caseload = 15;
    for (int i = 0; i < rich_w->n_transitions; i++)
        if (rich_w->transitions[i].from.index == 3 ||
            rich_w->transitions[i].from.is_group) {
            rich_w->transitions[i].has_caseload = 1;
            rich_w->transitions[i].caseload_elasticity = 0;
        }
    cs_scenario *pairs[2][2] = {{with, without}, {rich_w, rich}};
    for (int k = 0; k < 2; k++) {
        cs_model *a = compile_or_fail(pairs[k][0]);
        cs_model *b = compile_or_fail(pairs[k][1]);
        int nst = cs_model_n_stages(a), F = cs_model_n_flows(a);
        size_t ns = (size_t)HORIZON * nst * CS_AGES, nf = (size_t)HORIZON * F;
        double *sa = calloc(ns, sizeof *sa), *sb = calloc(ns, sizeof *sb);
        double *fa = calloc(nf, sizeof *fa), *fb = calloc(nf, sizeof *fb);
        cs_sim *xa = cs_sim_alloc(a), *xb = cs_sim_alloc(b);
        for (int mode = 0; mode < 3; mode++) {
            cs_sim_mode md =
                mode == 0 ? CS_SIM_DETERMINISTIC : CS_SIM_STOCHASTIC;
            cs_sim_sampler sp =
                mode == 2 ? CS_SIM_SAMPLER_REFERENCE : CS_SIM_SAMPLER_FAST;
            cs_sim_set_sampler(xa, sp);
            cs_sim_set_sampler(xb, sp);
            for (uint32_t run = 0; run < 3; run++) {
                cs_sim_run(xa, md, 11, run, sa, fa, NULL);
                cs_sim_run(xb, md, 11, run, sb, fb, NULL);
                ck_assert_msg(!memcmp(sa, sb, ns * sizeof *sa),
                              "scenario %d, mode %d, run %u: stocks differ", k,
                              mode, run);
                ck_assert_msg(!memcmp(fa, fb, nf * sizeof *fa),
                              "scenario %d, mode %d, run %u: flows differ", k,
                              mode, run);
            }
        }
        cs_sim_free(xa);
        cs_sim_free(xb);
        cs_model_free(a);
        cs_model_free(b);
        free(sa);
        free(sb);
        free(fa);
        free(fb);
    }
    free(with);
    free(without);
    free(rich);
    free(rich_w);
}
END_TEST

/*
 * Workers per financial year: 100 in 2019/20, then 50 growing 10% a year.
 * The deterministic path follows the recursion with W(t) by year. And
 * stochastic runs conserve children, repeat to the bit with the same seed
 * and run (whatever ran before on the same stepper), and their mean is
 * near the expected path: within 3% (the standard error of the mean is
 * about 0.3%; the factor is convex in the caseload, so the mean of the
 * runs sits about 1% above the expected path, which is not their mean).
 */
START_TEST(test_workers_by_year_and_stochastic_runs)
{
    cs_scenario *sc = one_stage(100, -0.7);
    cs_workforce *w = &sc->workforces[0];
    w->n_years = 2;
    w->per_year[1] = 50;
    w->growth = 0.1;
    cs_model *m = compile_or_fail(sc);
    int F = cs_model_n_flows(m);
    size_t ns = (size_t)HORIZON * S * CS_AGES;
    double *stocks = calloc(ns, sizeof *stocks);
    double *again = calloc(ns, sizeof *again);
    double *flows = calloc((size_t)HORIZON * F, sizeof *flows);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    double n = 2000, u = 20000, expected[HORIZON];
    for (int t = 0; t < HORIZON; t++) {
        int fy = t / 12;
        double workers = fy == 0 ? 100 : 50 * pow(1.1, fy - 1);
        step(&n, &u, workers, -0.7);
        expected[t] = n;
        ck_assert_msg(fabs(stage_total(stocks, t, 1) - n) < 1e-10 * n,
                      "month %d: %.12g in CIN, expected %.12g", t,
                      stage_total(stocks, t, 1), n);
    }
    const int runs = 200;
    double mean[HORIZON] = {0};
    for (int r = 0; r < runs; r++) {
        cs_sim_run(sim, CS_SIM_STOCHASTIC, 3, (uint32_t)r, stocks, flows, NULL);
        for (int t = 0; t < HORIZON; t++) {
            double total = 0;
            for (int s = 0; s < S; s++)
                total += stage_total(stocks, t, s);
            ck_assert_double_eq(total, 22000); /* nobody born or leaving */
            mean[t] += stage_total(stocks, t, 1) / runs;
        }
    }
    cs_sim_run(sim, CS_SIM_STOCHASTIC, 3, 7, again, flows, NULL);
    cs_sim *fresh = cs_sim_alloc(m);
    cs_sim_run(fresh, CS_SIM_STOCHASTIC, 3, 7, stocks, flows, NULL);
    ck_assert(!memcmp(stocks, again, ns * sizeof *stocks));
    for (int t = 0; t < HORIZON; t++)
        ck_assert_msg(fabs(mean[t] - expected[t]) < 0.03 * expected[t],
                      "month %d: mean %g in CIN, expected path %g", t, mean[t],
                      expected[t]);
    cs_sim_free(fresh);
    cs_sim_free(sim);
    cs_model_free(m);
    free(stocks);
    free(again);
    free(flows);
    free(sc);
}
END_TEST

/* Moving the base date a year on moves the workers' list with it (a fit
 * starts a scenario at its window's first year; a backtest at each
 * origin), growth continuing after its last entry. */
START_TEST(test_rebase_moves_the_workers)
{
    cs_scenario *sc = one_stage(100, -0.5);
    cs_workforce *w = &sc->workforces[0];
    w->n_years = 2;
    w->per_year[1] = 50;
    w->growth = 0.1;
    cs_scenario *later = NULL;
    cs_error err;
    ck_assert_int_eq(cs_scenario_rebase(sc, 2020, 4, HORIZON, &later, &err),
                     CS_OK);
    const cs_workforce *lw = &later->workforces[0];
    ck_assert_double_eq(lw->per_year[0], 50);
    ck_assert_double_eq_tol(lw->per_year[1], 55, 1e-9);
    cs_model *m = compile_or_fail(later);
    cs_model_free(m);
    cs_scenario_free(later);
    free(sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("caseload");
    TCase *tc = tcase_create("caseload");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_one_stage_against_its_recursion);
    tcase_add_test(tc, test_fewer_workers_more_children_in_need);
    tcase_add_test(tc, test_elasticity_zero_is_bit_identical);
    tcase_add_test(tc, test_workers_by_year_and_stochastic_runs);
    tcase_add_test(tc, test_rebase_moves_the_workers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
