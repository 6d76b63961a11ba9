/*
 * test_marks.c - marks that expire (marks.X.expires_after_months): a mark
 * set on entering a stage lasts while the child stays there, for at most N
 * months. Checked against closed forms in expected values (a cohort's
 * monthly flows), the stochastic mean against the same within standard
 * errors (fixed seeds), moves that clear and set it, the children carrying
 * it at the base date, and the months-in-stage slots it needs.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "build_scenario.h"
#include "cascade/model.h"
#include "cascade/scenario.h"
#include "cascade/sim.h"

enum { N_EXPIRES = 12, HORIZON = 24 };

/*
 * A cohort: X children aged 0 in universal services, all in their first
 * month there and all carrying `recent` (expires after 12 months). They
 * are re-referred (to `referred`, which nobody leaves) at r = 0.6 a year,
 * times g = 3 while marked. `closed` (assessment -> universal, rate 0)
 * sets the mark, so universal keeps months in stage to 12.
 */
static cs_scenario *cohort_scenario(double x, int expires)
{
    cs_scenario *sc = test_scenario_new(2019, 4, HORIZON);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int ass = test_add_stage(sc, "assessment", CS_INTERVENTION_LATE);
    int ref = test_add_stage(sc, "referred", CS_INTERVENTION_LATE);
    int recent = test_add_mark(sc, "recent");
    sc->marks[recent].expires_months = expires;
    cs_transition *t = test_add_transition(sc, "referral", uni, 0, ref, 0, 0.6);
    t->mark_factor[recent] = 3;
    t = test_add_transition(sc, "closed", ass, 0, uni, 0, 0);
    t->sets_marks = 1u << recent;
    sc->initial[uni][0] = x;
    sc->initial_mark_share[uni][recent] = 1;
    int slots = cs_scenario_duration_slots(sc, uni);
    sc->n_initial_durations[uni] = slots;
    sc->initial_duration_share[uni][0] = 1; /* the rest 0 */
    return sc;
}

/* Children re-referred in month t of the cohort: survivors times the
 * monthly probability, marked (p1) for the first 12 months, then not. */
static double cohort_flow(double x, int t)
{
    double p1 = 1 - exp(-0.6 * 3 / 12), p0 = 1 - exp(-0.6 / 12);
    if (t < N_EXPIRES)
        return x * pow(1 - p1, t) * p1;
    return x * pow(1 - p1, N_EXPIRES) * pow(1 - p0, t - N_EXPIRES) * p0;
}

START_TEST(test_expiring_mark_cohort_closed_form)
{
    const double x = 12000;
    cs_scenario *sc = cohort_scenario(x, N_EXPIRES);
    ck_assert_int_eq(cs_scenario_duration_slots(sc, 0), N_EXPIRES + 1);
    ck_assert_int_eq(cs_scenario_duration_slots(sc, 2), 1);
    cs_model *m = compile_or_fail(sc);
    int F = cs_model_n_flows(m), S = cs_model_n_stages(m);
    double *stocks = calloc((size_t)HORIZON * S * CS_AGES, sizeof *stocks);
    double *flows = calloc((size_t)HORIZON * F, sizeof *flows);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    for (int t = 0; t < HORIZON; t++) {
        double want = cohort_flow(x, t), got = flows[t * F + 0];
        ck_assert_msg(fabs(got - want) < 1e-9 * want,
                      "month %d: %.12g re-referred, expected %.12g", t, got,
                      want);
    }
    /* the table says the same: marked children in their 12th month move
     * at g r, those past it carry no mark */
    double p1 = 1 - exp(-0.6 * 3 / 12), p0 = 1 - exp(-0.6 / 12);
    ck_assert_double_eq_tol(
        cs_model_transition_probability(m, 0, 5, N_EXPIRES - 1, 1, 0), p1,
        1e-15);
    ck_assert_double_eq_tol(cs_model_transition_probability(m, 0, 5, 3, 0, 0),
                            p0, 1e-15);
    /* after 12 months in the stage nobody carries it */
    cs_sim_start(sim, CS_SIM_DETERMINISTIC);
    cs_sim_continue(sim, CS_SIM_DETERMINISTIC, 1, 0, N_EXPIRES - 1, NULL, NULL,
                    NULL);
    double marked[CS_MAX_MARKS];
    double in = cs_sim_stage_profile(sim, 0, NULL, marked);
    ck_assert_msg(marked[0] > 0.99 * in, "month 11: %g of %g marked", marked[0],
                  in);
    cs_sim_continue(sim, CS_SIM_DETERMINISTIC, 1, 0, 1, NULL, NULL, NULL);
    in = cs_sim_stage_profile(sim, 0, NULL, marked);
    ck_assert_msg(in > 0 && marked[0] == 0, "month 12: %g of %g still marked",
                  marked[0], in);

    /* stochastic: the mean re-referred in the first 12 months and in the
     * next 12, within 4 standard errors of the closed form (binomial
     * counts of the cohort) */
    const int runs = 300;
    double first = 0, second = 0;
    for (int r = 0; r < runs; r++) {
        cs_sim_run(sim, CS_SIM_STOCHASTIC, 7, (uint32_t)r, stocks, flows, NULL);
        for (int t = 0; t < HORIZON; t++)
            *(t < N_EXPIRES ? &first : &second) += flows[t * F + 0];
        double total = 0;
        for (int i = 0; i < S * CS_AGES; i++)
            total += stocks[(size_t)(HORIZON - 1) * S * CS_AGES + i];
        ck_assert_double_eq(total, x); /* conserved: nobody leaves */
    }
    double want1 = 0, want2 = 0;
    for (int t = 0; t < HORIZON; t++)
        *(t < N_EXPIRES ? &want1 : &want2) += cohort_flow(x, t);
    double q1 = want1 / x, q2 = want2 / x;
    double se1 = sqrt(x * q1 * (1 - q1) / runs),
           se2 = sqrt(x * q2 * (1 - q2) / runs);
    ck_assert_msg(fabs(first / runs - want1) < 4 * se1,
                  "first year %g re-referred, expected %g +- %g", first / runs,
                  want1, 4 * se1);
    ck_assert_msg(fabs(second / runs - want2) < 4 * se2,
                  "second year %g re-referred, expected %g +- %g",
                  second / runs, want2, 4 * se2);
    cs_sim_free(sim);
    cs_model_free(m);
    free(stocks);
    free(flows);
    free(sc);
}
END_TEST

/* The same mark without expiry keeps the rate up after 12 months: with
 * expiry the month-12 flow falls by p0 / p1 and fewer are re-referred over
 * two years (the direction). */
START_TEST(test_expiry_lowers_later_referrals)
{
    cs_scenario *keep = cohort_scenario(12000, 0);
    cs_scenario *expire = cohort_scenario(12000, N_EXPIRES);
    keep->n_initial_durations[0] = 1;
    keep->initial_duration_share[0][0] = 1;
    cs_model *mk = compile_or_fail(keep), *me = compile_or_fail(expire);
    int F = cs_model_n_flows(mk);
    double flows_k[HORIZON * 8], flows_e[HORIZON * 8];
    ck_assert_int_le(F, 8);
    cs_sim *sk = cs_sim_alloc(mk), *se = cs_sim_alloc(me);
    cs_sim_run(sk, CS_SIM_DETERMINISTIC, 1, 0, NULL, flows_k, NULL);
    cs_sim_run(se, CS_SIM_DETERMINISTIC, 1, 0, NULL, flows_e, NULL);
    for (int t = 0; t < N_EXPIRES; t++)
        ck_assert_double_eq_tol(flows_k[t * F], flows_e[t * F],
                                1e-9 * flows_k[t * F]);
    /* in month 12 the same survivors move at r instead of g r */
    double p1 = 1 - exp(-0.6 * 3 / 12), p0 = 1 - exp(-0.6 / 12);
    ck_assert_double_eq_tol(flows_e[N_EXPIRES * F] / flows_k[N_EXPIRES * F],
                            p0 / p1, 1e-12);
    double sum_k = 0, sum_e = 0;
    for (int t = 0; t < HORIZON; t++) {
        sum_k += flows_k[t * F];
        sum_e += flows_e[t * F];
    }
    ck_assert_msg(sum_e < sum_k,
                  "%g re-referred in two years with expiry, "
                  "%g without",
                  sum_e, sum_k);
    cs_sim_free(sk);
    cs_sim_free(se);
    cs_model_free(mk);
    cs_model_free(me);
    free(keep);
    free(expire);
}
END_TEST

/*
 * A move that does not set the mark clears it; one that sets it sets it
 * again (the child starts a new N months in the stage it enters); the
 * mark lasts only in the stage it was set on entering.
 */
START_TEST(test_moves_clear_or_set_an_expiring_mark)
{
    for (int sets = 0; sets <= 1; sets++) {
        cs_scenario *sc = cohort_scenario(1200, N_EXPIRES);
        int eh = test_add_stage(sc, "early_help", CS_INTERVENTION_EARLY);
        cs_transition *t = test_add_transition(sc, "to_eh", 0, 0, eh, 0, 2);
        if (sets)
            t->sets_marks = 1u;
        cs_model *m = compile_or_fail(sc);
        cs_sim *sim = cs_sim_alloc(m);
        cs_sim_start(sim, CS_SIM_DETERMINISTIC);
        cs_sim_continue(sim, CS_SIM_DETERMINISTIC, 1, 0, 1, NULL, NULL, NULL);
        double marked[CS_MAX_MARKS];
        double in = cs_sim_stage_profile(sim, eh, NULL, marked);
        ck_assert(in > 0);
        if (sets)
            ck_assert_double_eq_tol(marked[0], in, 1e-9 * in);
        else
            ck_assert_msg(marked[0] == 0, "%g of %g moved kept the mark",
                          marked[0], in);
        /* early help keeps months in stage to 12 only when the move sets it */
        ck_assert_int_eq(cs_scenario_duration_slots(sc, eh),
                         sets ? N_EXPIRES + 1 : 1);
        cs_sim_free(sim);
        cs_model_free(m);
        free(sc);
    }
}
END_TEST

/*
 * At the base date: a share q of the stage's children carry the mark, all
 * of them in their first N months there; so with nothing setting it again
 * it is gone after N months. A share above the children in their first N
 * months (F) is refused.
 */
START_TEST(test_expiring_mark_at_the_base_date)
{
    cs_scenario *sc = test_scenario_new(2019, 4, HORIZON);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int ref = test_add_stage(sc, "referred", CS_INTERVENTION_LATE);
    int recent = test_add_mark(sc, "recent");
    sc->marks[recent].expires_months = N_EXPIRES;
    cs_transition *t = test_add_transition(sc, "referral", uni, 0, ref, 0, 0.1);
    t->mark_factor[recent] = 3;
    for (int a = 0; a < CS_AGES; a++)
        sc->initial[uni][a] = 1000;
    sc->initial_mark_share[uni][recent] = 0.05;
    ck_assert_int_eq(cs_scenario_duration_slots(sc, uni), N_EXPIRES + 1);
    cs_model *m = compile_or_fail(sc);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_start(sim, CS_SIM_DETERMINISTIC);
    double marked[CS_MAX_MARKS];
    double in = cs_sim_stage_profile(sim, uni, NULL, marked);
    ck_assert_double_eq_tol(marked[0], 0.05 * in, 1e-9 * in);
    cs_sim_continue(sim, CS_SIM_DETERMINISTIC, 1, 0, N_EXPIRES - 1, NULL, NULL,
                    NULL);
    in = cs_sim_stage_profile(sim, uni, NULL, marked);
    ck_assert(marked[0] > 0);
    cs_sim_continue(sim, CS_SIM_DETERMINISTIC, 1, 0, 1, NULL, NULL, NULL);
    in = cs_sim_stage_profile(sim, uni, NULL, marked);
    ck_assert_msg(marked[0] == 0, "after %d months %g still marked", N_EXPIRES,
                  marked[0]);
    cs_sim_free(sim);
    cs_model_free(m);

    /* half the children in their first month, half later: at most half
     * can carry a mark that expires after one month */
    sc->marks[recent].expires_months = 1;
    sc->n_initial_durations[uni] = 2;
    sc->initial_duration_share[uni][0] = 0.5;
    sc->initial_duration_share[uni][1] = 0.5;
    sc->initial_mark_share[uni][recent] = 0.8;
    cs_error err;
    m = NULL;
    ck_assert_int_eq(cs_model_compile(sc, &m, &err), CS_EINPUT);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err.message, "population.stages.universal.marked."
                                      "recent: expected at most 0.5") != NULL,
                  "message: %s", err.message);
    sc->initial_mark_share[uni][recent] = 0.5;
    m = compile_or_fail(sc);
    cs_model_free(m);
    free(sc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("marks");
    TCase *tc = tcase_create("marks");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_expiring_mark_cohort_closed_form);
    tcase_add_test(tc, test_expiry_lowers_later_referrals);
    tcase_add_test(tc, test_moves_clear_or_set_an_expiring_mark);
    tcase_add_test(tc, test_expiring_mark_at_the_base_date);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
