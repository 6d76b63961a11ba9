/*
 * test_econ.c - money: cost arithmetic and inflation against hand
 * computations.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "../sim/build_scenario.h"
#include "cascade/econ.h"
#include "cascade/model.h"
#include "cascade/sim.h"

/*
 * Base date January 2020, price base 2019/20: January-March 2020 are in the
 * price base year, April 2020 on one year later. Two costed stages, no
 * moves, nobody reaching 18 within the horizon:
 *   early help: 100 children at 1,200 a year = 100 a month, inflation 10%
 *   care: 3 children at 700 a week = 700 * 365.25 / 7 / 12 a month,
 *         inflation 5%;
 * general inflation 2%.
 */
START_TEST(test_costs_match_hand_computation_across_april)
{
    cs_scenario *sc = test_scenario_new(2020, 1, 6);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int eh = test_add_stage(sc, "early_help", CS_INTERVENTION_EARLY);
    int care = test_add_stage(sc, "care", CS_INTERVENTION_LATE);
    sc->price_base_year = 2019;
    sc->general_inflation = 0.02;
    sc->stages[eh].unit_cost = 1200.0 / 12;
    sc->stages[eh].cost_inflation = 0.10;
    sc->stages[care].unit_cost = 700.0 * 365.25 / 7 / 12;
    sc->stages[care].cost_inflation = 0.05;
    sc->initial[uni][3] = 500;
    sc->initial[eh][4] = 60;
    sc->initial[eh][9] = 40;
    sc->initial[care][10] = 3; /* nobody can reach 18 in 6 months */

    cs_model *m = NULL;
    cs_error err;
    ck_assert_int_eq(cs_model_compile(sc, &m, &err), CS_OK);
    ck_assert_int_eq(cs_model_n_cost_lines(m), 2);
    ck_assert_int_eq(cs_model_cost_line_stage(m, 0), eh);
    ck_assert_int_eq(cs_model_cost_line_stage(m, 1), care);
    ck_assert_int_eq(cs_model_month_fy_year(m, 2), 2019);
    ck_assert_int_eq(cs_model_month_fy_year(m, 3), 2020);

    cs_sim *sim = cs_sim_alloc(m);
    double stocks[6 * 3 * CS_AGES], costs[6 * 2], spend[6 * CS_N_SPEND];
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, NULL, NULL);
    cs_costs_compute(m, stocks, NULL, NULL, costs, spend);

    const double care_month = 700.0 * 365.25 / 7 / 12; /* 3043.75 */
    for (int t = 0; t < 6; t++) {
        int later = t >= 3; /* April 2020 on */
        double want_eh = 100 * 100.0 * (later ? 1.10 : 1.0);
        double want_care = 3 * care_month * (later ? 1.05 : 1.0);
        ck_assert_msg(fabs(costs[2 * t] - want_eh) < 1e-9,
                      "month %d early help: %.10g, expected %.10g", t,
                      costs[2 * t], want_eh);
        ck_assert_msg(fabs(costs[2 * t + 1] - want_care) < 1e-9,
                      "month %d care: %.10g, expected %.10g", t,
                      costs[2 * t + 1], want_care);
        ck_assert_double_eq_tol(spend[t * CS_N_SPEND + CS_SPEND_EARLY], want_eh,
                                1e-9);
        ck_assert_double_eq_tol(spend[t * CS_N_SPEND + CS_SPEND_LATE],
                                want_care, 1e-9);
        ck_assert_double_eq_tol(cs_model_deflator(m, t), later ? 1.02 : 1.0,
                                1e-15);
    }
    /* by hand: 3 x 700 a week is 9,131.25 a month at base prices */
    ck_assert_double_eq_tol(costs[1], 9131.25, 1e-9);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * A stage whose capacity spends its funding: early help bought by a grant
 * of 1.2m a year at 1,200 a place-year has 1,000 places; 100 children use
 * them. With spend: places_used it costs 100 x 100 a month; with spend:
 * funding the grant's 100,000 a month, whoever uses the places; and when a
 * budget cuts the council's half of the cash, the spend falls with the
 * places it leaves (from the run's capacity record).
 */
START_TEST(test_spend_funding_spends_the_cash)
{
    cs_scenario *sc = test_scenario_new(2019, 4, 6);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int eh = test_add_stage(sc, "early_help", CS_INTERVENTION_EARLY);
    int care = test_add_stage(sc, "care", CS_INTERVENTION_LATE);
    sc->price_base_year = 2019;
    sc->stages[eh].unit_cost = 100;
    sc->stages[eh].has_capacity = 1;
    sc->stages[eh].funded_by = 3u;
    sc->stages[eh].overflow_stage = uni;
    sc->stages[care].unit_cost = 1000;
    sc->n_streams = 2;
    sc->streams[0] = (cs_funding_stream){"council", "council", 1, {0.6e6}, 0};
    sc->streams[1] = (cs_funding_stream){"grant", "grant", 1, {0.6e6}, 0};
    sc->initial[uni][3] = 500;
    sc->initial[eh][4] = 100;
    sc->initial[care][10] = 100; /* 100,000 a month of statutory spend */
    double stocks[6 * 3 * CS_AGES], capacity[6 * 3], costs[6 * 2];
    for (int pass = 0; pass < 3; pass++) {
        sc->stages[eh].spend_funding = pass > 0;
        if (pass == 2) /* 125,000 a month: 25,000 left for the council's */
            sc->budget = (cs_budget){
                .present = 1, .n_years = 1, .per_year = {1.5e6}, .pays = 1u};
        cs_model *m = NULL;
        cs_error err;
        ck_assert_int_eq(cs_model_compile(sc, &m, &err), CS_OK);
        cs_sim *sim = cs_sim_alloc(m);
        cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, NULL, capacity);
        cs_costs_compute(m, stocks, NULL, capacity, costs, NULL);
        const double want[3] = {100 * 100.0, 100e3, 50e3 + 25e3};
        for (int t = 0; t < 6; t++)
            ck_assert_msg(fabs(costs[2 * t] - want[pass]) < 1e-6,
                          "pass %d month %d: %.10g, expected %.10g", pass, t,
                          costs[2 * t], want[pass]);
        /* without the run's record: the places the model planned */
        cs_costs_compute(m, stocks, NULL, NULL, costs, NULL);
        ck_assert_double_eq_tol(costs[0], pass ? 100e3 : 100 * 100.0, 1e-6);
        cs_sim_free(sim);
        cs_model_free(m);
    }
    free(sc);
}
END_TEST

/*
 * A cost per child moved: every referral costs 1,500 at 2019/20 prices,
 * 10% more in cash a year, counted as late intervention: its line is the
 * month's referrals (the transition's flow) times that, and the spend adds
 * it; a transition without a cost has no line.
 */
START_TEST(test_cost_per_child_moved)
{
    cs_scenario *sc = test_scenario_new(2020, 1, 6);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int assess = test_add_stage(sc, "assessment", CS_INTERVENTION_NONE);
    sc->price_base_year = 2019;
    int referral = sc->n_transitions;
    test_add_transition(sc, "referral", uni, 0, assess, 0, 0.6);
    test_add_transition(sc, "closed", assess, 0, uni, 0, 6);
    sc->transitions[referral].event_cost = 1500;
    sc->transitions[referral].event_cost_inflation = 0.10;
    sc->transitions[referral].event_intervention = CS_INTERVENTION_LATE;
    sc->initial[uni][5] = 1000;
    cs_model *m = NULL;
    cs_error err;
    ck_assert_int_eq(cs_model_compile(sc, &m, &err), CS_OK);
    ck_assert_int_eq(cs_model_n_cost_lines(m), 1);
    ck_assert_int_eq(cs_model_cost_line_stage(m, 0), -1);
    ck_assert_int_eq(cs_model_cost_line_transition(m, 0), referral);
    ck_assert_str_eq(cs_model_cost_line_label(m, 0), "event.referral");
    int nf = cs_model_n_flows(m);
    double stocks[6 * 2 * CS_AGES], costs[6], spend[6 * CS_N_SPEND];
    double *flows = calloc((size_t)6 * nf, sizeof *flows);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    cs_costs_compute(m, stocks, flows, NULL, costs, spend);
    for (int t = 0; t < 6; t++) {
        double moved = flows[t * nf + referral];
        ck_assert(moved > 0);
        double want = moved * 1500 * (t >= 3 ? 1.10 : 1.0);
        ck_assert_double_eq_tol(costs[t], want, 1e-9 * want);
        ck_assert_double_eq_tol(spend[t * CS_N_SPEND + CS_SPEND_LATE], want,
                                1e-9 * want);
        ck_assert(spend[t * CS_N_SPEND + CS_SPEND_EARLY] == 0);
    }
    free(flows);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * Care leavers supported for a year after 18: 120 children aged 17 in care
 * reach 18 over the months (monthly ageing); the line in month t is those
 * who reached 18 in months t - 11 .. t, plus 60 supported at the base date
 * whose support ends evenly over the year (60 x (12 - (t + 1)) / 12), at
 * 500 a month, 10% more in cash each April.
 */
START_TEST(test_care_leavers_supported_after_18)
{
    cs_scenario *sc = test_scenario_new(2020, 1, 16);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int care = test_add_stage(sc, "care", CS_INTERVENTION_NONE);
    sc->price_base_year = 2019;
    sc->initial[care][17] = 120;
    sc->initial[uni][5] = 100;
    sc->care_leavers = (cs_care_leavers){.present = 1,
                                         .from = {.index = care},
                                         .years = 1,
                                         .unit_cost = 500,
                                         .cost_inflation = 0.10,
                                         .at_base_date = 60};
    cs_model *m = NULL;
    cs_error err;
    ck_assert_int_eq(cs_model_compile(sc, &m, &err), CS_OK);
    ck_assert_int_eq(cs_model_n_cost_lines(m), 1);
    ck_assert_int_eq(cs_model_care_leavers_line(m), 0);
    ck_assert_str_eq(cs_model_cost_line_label(m, 0), "care_leavers");
    int nf = cs_model_n_flows(m), out = cs_model_age_out_flow(m, care);
    double stocks[16 * 2 * CS_AGES], costs[16], spend[16 * CS_N_SPEND];
    double *flows = calloc((size_t)16 * nf, sizeof *flows);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    cs_costs_compute(m, stocks, flows, NULL, costs, spend);
    double reached = 0;
    for (int t = 0; t < 16; t++) {
        reached += flows[t * nf + out];
        if (t >= 12)
            reached -= flows[(t - 12) * nf + out];
        double left = (12.0 - (t + 1)) / 12;
        int years = t >= 15 ? 2 : t >= 3 ? 1 : 0; /* Aprils 2020 and 2021 */
        double want =
            (reached + 60 * (left > 0 ? left : 0)) * 500 * pow(1.10, years);
        ck_assert_msg(fabs(costs[t] - want) <= 1e-9 * want,
                      "month %d: %.10g, expected %.10g", t, costs[t], want);
        ck_assert_double_eq_tol(spend[t * CS_N_SPEND + CS_SPEND_LATE], want,
                                1e-9 * want);
    }
    /* some reached 18 in the first month, and the window drops them */
    ck_assert(flows[out] > 0);
    /* the count the file records: the same care leavers, the closed form
     * above without the price, and the cost line is it times the unit
     * cost to the bit */
    double count[16];
    cs_care_leavers_count(m, flows, count);
    reached = 0;
    for (int t = 0; t < 16; t++) {
        reached += flows[t * nf + out];
        if (t >= 12)
            reached -= flows[(t - 12) * nf + out];
        double left = (12.0 - (t + 1)) / 12;
        double want = reached + 60 * (left > 0 ? left : 0);
        ck_assert_msg(fabs(count[t] - want) <= 1e-12 * want,
                      "month %d: %.12g care leavers, expected %.12g", t,
                      count[t], want);
        ck_assert(costs[t] == count[t] * cs_model_unit_cost(m, 0, t));
    }
    ck_assert(count[0] > 60 * 11.0 / 12); /* the first 18-year-olds in */
    free(flows);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/* Cost in a month is exactly children x unit cost, stage by stage, in a
 * stochastic run of a scenario where children move. */
START_TEST(test_cost_is_children_times_unit_cost)
{
    cs_scenario *sc = test_rich_scenario(30);
    sc->price_base_year = 2019;
    for (int s = 0; s < sc->n_stages; s++) {
        sc->stages[s].unit_cost = 100.0 + 37.5 * s;
        sc->stages[s].cost_inflation = 0.01 * s;
    }
    cs_model *m = NULL;
    cs_error err;
    ck_assert_int_eq(cs_model_compile(sc, &m, &err), CS_OK);
    int S = cs_model_n_stages(m), L = cs_model_n_cost_lines(m);
    ck_assert_int_eq(L, S - 1); /* all but universal */
    cs_sim *sim = cs_sim_alloc(m);
    double *stocks = calloc((size_t)30 * S * CS_AGES, sizeof *stocks);
    double *costs = calloc((size_t)30 * L, sizeof *costs);
    cs_sim_run(sim, CS_SIM_STOCHASTIC, 3, 1, stocks, NULL, NULL);
    cs_costs_compute(m, stocks, NULL, NULL, costs, NULL);
    for (int t = 0; t < 30; t++)
        for (int l = 0; l < L; l++) {
            int s = cs_model_cost_line_stage(m, l);
            double children = 0;
            for (int a = 0; a < CS_AGES; a++)
                children += stocks[((size_t)t * S + s) * CS_AGES + a];
            int years = cs_model_month_fy_year(m, t) - 2019;
            double unit = (100.0 + 37.5 * s) * pow(1 + 0.01 * s, years);
            ck_assert_msg(fabs(costs[t * L + l] - children * unit) <=
                              1e-12 * children * unit,
                          "month %d line %d: %.10g, expected %.10g", t, l,
                          costs[t * L + l], children * unit);
        }
    free(stocks);
    free(costs);
    cs_sim_free(sim);
    cs_model_free(m);
    free(sc);
}
END_TEST

/*
 * NPV and payback against a hand computation. Net yearly difference of an
 * invest-to-save case: costs 100 in years 0 and 1, saves 30, 60, 90 in
 * years 2-4. At 3.5%:
 *   discounted: 100, 96.6184, -28.0053, -54.1166, -78.4298
 *   cumulative: 100, 196.6184, 168.6130, 114.4965, 36.0667
 * so NPV = 36.0667 and, within 5 years, no payback; with a sixth year
 * saving 60 (-50.5184 discounted) the cumulative turns -14.4517: payback
 * year 5.
 */
START_TEST(test_npv_and_payback_by_hand)
{
    const double net[6] = {100, 100, -30, -60, -90, -60};
    double npv5 = cs_npv(net, 5, 0.035);
    double want5 = 100 + 100 / 1.035 - 30 / pow(1.035, 2) - 60 / pow(1.035, 3) -
                   90 / pow(1.035, 4);
    ck_assert_double_eq_tol(npv5, want5, 1e-12);
    ck_assert_double_eq_tol(npv5, 36.0667, 1e-4);
    double cumulative[6], running = 0, factor = 1;
    for (int y = 0; y < 6; y++) {
        running += net[y] / factor;
        factor *= 1.035;
        cumulative[y] = running;
    }
    ck_assert_int_eq(cs_payback_year(cumulative, 5), -1);
    ck_assert_int_eq(cs_payback_year(cumulative, 6), 5);
    ck_assert_double_eq_tol(cs_npv(net, 6, 0.035), -14.4517, 1e-4);
    /* zero discount rate: NPV is the plain sum */
    ck_assert_double_eq_tol(cs_npv(net, 6, 0.0), -40.0, 1e-12);
}
END_TEST

/*
 * The Green Book's declining long-term rate (Annex 6, Table 6.1): years
 * 1-30 at 3.5%, 31-75 at 3.0%, 76-125 at 2.5%, then 2.0%, 1.5%, 1.0%.
 * Year 31's divisor is 1.035^30 x 1.03 (the closed form), year 76's
 * 1.035^30 x 1.03^45 x 1.025; up to year 30 the schedule is the constant
 * 3.5% to the bit, so horizons of 31 years or less give today's figures.
 */
START_TEST(test_green_book_declining_rate)
{
    cs_discount gb, flat;
    cs_discount_green_book(&gb);
    cs_discount_constant(&flat, 0.035);
    ck_assert_int_eq(gb.n_steps, 6);
    ck_assert(cs_discount_rate_of_year(&gb, 1) == 0.035);
    ck_assert(cs_discount_rate_of_year(&gb, 30) == 0.035);
    ck_assert(cs_discount_rate_of_year(&gb, 31) == 0.03);
    ck_assert(cs_discount_rate_of_year(&gb, 75) == 0.03);
    ck_assert(cs_discount_rate_of_year(&gb, 76) == 0.025);
    ck_assert(cs_discount_rate_of_year(&gb, 125) == 0.025);
    ck_assert(cs_discount_rate_of_year(&gb, 126) == 0.02);
    ck_assert(cs_discount_rate_of_year(&gb, 301) == 0.01);
    ck_assert(cs_discount_rate_of_year(&gb, 5000) == 0.01);
    double d[80], c[80];
    cs_discount_divisors(&gb, 80, d);
    cs_discount_divisors(&flat, 80, c);
    ck_assert(d[0] == 1);
    for (int y = 0; y <= 30; y++)
        ck_assert_msg(d[y] == c[y], "year %d: %.17g, expected %.17g", y, d[y],
                      c[y]);
    double want31 = pow(1.035, 30) * 1.03;
    ck_assert_msg(fabs(d[31] / want31 - 1) < 1e-13,
                  "year 31: divisor %.15g, expected 1.035^30 x 1.03 = %.15g",
                  d[31], want31);
    ck_assert_double_eq_tol(1 / d[31], 0.34590, 5e-6);
    ck_assert(d[31] < c[31]); /* a lower rate: worth more than at 3.5% */
    double want76 = pow(1.035, 30) * pow(1.03, 45) * 1.025;
    ck_assert_msg(fabs(d[76] / want76 - 1) < 1e-13, "year 76: %.15g vs %.15g",
                  d[76], want76);
    /* NPV: 31 years or fewer equal the constant's to the bit; a 32-year
     * stream gains exactly year 31's difference in factor */
    double v[40];
    for (int y = 0; y < 40; y++)
        v[y] = 1000 + 10 * y;
    for (int n = 1; n <= 31; n++)
        ck_assert(cs_npv_schedule(v, n, &gb) == cs_npv(v, n, 0.035));
    ck_assert(cs_npv_schedule(v, 31, &flat) == cs_npv(v, 31, 0.035));
    double gain = cs_npv_schedule(v, 32, &gb) - cs_npv(v, 32, 0.035);
    double want_gain = v[31] / want31 - v[31] / pow(1.035, 31);
    ck_assert_msg(fabs(gain - want_gain) < 1e-9, "gain %.12g, expected %.12g",
                  gain, want_gain);
    ck_assert(gain > 0);
}
END_TEST

/* The schedule's text round-trips exactly; bad text is refused. */
START_TEST(test_discount_text_round_trips)
{
    cs_discount gb, back, one;
    cs_discount_green_book(&gb);
    char text[CS_DISCOUNT_TEXT_MAX];
    ck_assert_int_gt(cs_discount_format(&gb, text, sizeof text), 0);
    ck_assert_str_eq(text,
                     "0:0.035 31:0.03 76:0.025 126:0.02 201:0.015 301:0.01");
    cs_error err;
    ck_assert_int_eq(cs_discount_parse(text, &back, &err), CS_OK);
    ck_assert_int_eq(back.n_steps, gb.n_steps);
    for (int k = 0; k < gb.n_steps; k++) {
        ck_assert_int_eq(back.from_year[k], gb.from_year[k]);
        ck_assert(back.rate[k] == gb.rate[k]);
    }
    ck_assert(cs_discount_equal(&gb, &back));
    cs_discount_constant(&one, 0.1 / 3);
    ck_assert_int_gt(cs_discount_format(&one, text, sizeof text), 0);
    ck_assert_int_eq(cs_discount_parse(text, &back, &err), CS_OK);
    ck_assert(back.n_steps == 1 && back.rate[0] == 0.1 / 3);
    ck_assert(!cs_discount_equal(&gb, &back));
    ck_assert_int_lt(cs_discount_format(&gb, text, 10), 0);
    static const char *const bad[] = {"", "0.035", "1:0.035", "0:0.035 0:0.03",
                                      "0:1.5", "0:-0.1", "0:0.035,31:0.03",
                                      "0:0.035 31",
                                      /* nine steps, one too many */
                                      ("0:0.03 1:0.03 2:0.03 3:0.03 4:0.03 "
                                       "5:0.03 6:0.03 7:0.03 8:0.03")};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(cs_discount_parse(bad[i], &back, &err) == CS_EINPUT,
                      "'%s' accepted", bad[i]);
}
END_TEST

/* Payback counts only a sign change that lasts: a dip below zero that
 * returns does not pay back; a cut (saves first) pays back when it starts
 * costing for good; all-zero or one-signed series never do. */
START_TEST(test_payback_needs_a_lasting_sign_change)
{
    const double dip[5] = {10, -1, 5, -3, -4};
    ck_assert_int_eq(cs_payback_year(dip, 5), 3);
    const double back[4] = {10, -1, 5, 2};
    ck_assert_int_eq(cs_payback_year(back, 4), -1);
    const double cut[5] = {-50, -80, -60, 10, 40};
    ck_assert_int_eq(cs_payback_year(cut, 5), 3);
    const double zeros[3] = {0, 0, 0};
    ck_assert_int_eq(cs_payback_year(zeros, 3), -1);
    const double late_start[4] = {0, 0, 5, -1};
    ck_assert_int_eq(cs_payback_year(late_start, 4), 3);
    const double never[3] = {1, 2, 3};
    ck_assert_int_eq(cs_payback_year(never, 3), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("econ");
    TCase *tc = tcase_create("costs");
    tcase_add_test(tc, test_costs_match_hand_computation_across_april);
    tcase_add_test(tc, test_spend_funding_spends_the_cash);
    tcase_add_test(tc, test_cost_per_child_moved);
    tcase_add_test(tc, test_care_leavers_supported_after_18);
    tcase_add_test(tc, test_cost_is_children_times_unit_cost);
    tcase_add_test(tc, test_npv_and_payback_by_hand);
    tcase_add_test(tc, test_payback_needs_a_lasting_sign_change);
    tcase_add_test(tc, test_green_book_declining_rate);
    tcase_add_test(tc, test_discount_text_round_trips);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
