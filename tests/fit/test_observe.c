/*
 * test_observe.c - the observation operator (fit.h, cs_observer): model
 * runs read as DfE's published measures, each against sums of the run's
 * own stocks and flows written out by hand here, including children
 * turned away from a full stage, arrivals, reaching 18 in care, mapped
 * transitions, the dates a run cannot say, and looked-after children by
 * months in care.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/cascade.h"
#include "cascade/fit.h"

/* base April 2019, 36 months: DfE years 2020, 2021 and 2022 in full */
static const char *const yaml =
    "name: observed\n"
    "base_date: 2019-04\n"
    "horizon_months: 36\n"
    "stages:\n"
    "  universal: {intervention: none}\n"
    "  support: {intervention: early}\n"
    "  assessment: {intervention: late, dfe: cin}\n"
    "  cin: {intervention: late, dfe: cin}\n"
    "  cp: {intervention: late, dfe: cp}\n"
    "  looked_after:\n"
    "    intervention: late\n"
    "    dfe: looked_after\n"
    "    placements:\n"
    "      foster:\n"
    "        entry_share: 0.8\n"
    "        capacity: {places: 150, when_full: {to: looked_after.home}}\n"
    "      home: {entry_share: 0.2}\n"
    "population:\n"
    "  total: 30000\n"
    "  remainder: universal\n"
    "  stages:\n"
    "    assessment: {count: 200}\n"
    "    cin: {count: 900}\n"
    "    cp: {count: 150, age_shares: [{ages: 0-9, share: 0.5},\n"
    "                                  {ages: 10-17, share: 0.5}]}\n"
    "    looked_after:\n"
    "      count: 190\n"
    "      age_shares: [{ages: 0-15, share: 0.6}, {ages: 16-17, share: 0.4}]\n"
    "      placements: {foster: 140, home: 50}\n"
    "births: {per_year: 1500}\n"
    "arrivals:\n"
    "  uasc: {to: looked_after, per_year: 24,\n"
    "         age_shares: [{ages: 0-15, share: 0}, {ages: 16-17, share: 1}]}\n"
    "transitions:\n"
    "  referral: {from: universal, to: assessment, rate: 0.06}\n"
    "  support_starts: {from: universal, to: support, rate: 0.03}\n"
    "  step_up: {from: support, to: assessment, rate: 0.3}\n"
    "  support_ends: {from: support, to: universal, rate: 1.0}\n"
    "  nfa: {from: assessment, to: universal, rate: 4}\n"
    "  to_cin: {from: assessment, to: cin, rate: 6}\n"
    "  to_cp: {from: assessment, to: cp, rate: 1}\n"
    "  to_care: {from: assessment, to: looked_after, rate: 0.5}\n"
    "  cin_closed: {from: cin, to: universal, rate: 2}\n"
    "  cin_to_cp: {from: cin, to: cp, rate: 0.1}\n"
    "  cp_ends: {from: cp, to: cin, rate: 1.2}\n"
    "  cp_to_care: {from: cp, to: looked_after, rate: 0.3}\n"
    "  adopted: {from: looked_after, to: universal, rate: 0.1}\n"
    "  home_again: {from: looked_after, to: cin, rate: 0.2}\n";

typedef struct run {
    cs_scenario *scenario;
    cs_model *model;
    cs_observer *observer;
    int months, stages, flows;
    double *stocks, *flow;
} run;

static void make_run(run *r, cs_sim_mode mode)
{
    cs_error err;
    int rc = cs_scenario_load_string(yaml, strlen(yaml), "observed.yaml", NULL,
                                     &r->scenario, &err);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    ck_assert_int_eq(cs_model_compile(r->scenario, &r->model, &err), CS_OK);
    ck_assert_int_eq(cs_observer_create(r->model, &r->observer, &err), CS_OK);
    r->months = cs_model_n_months(r->model);
    r->stages = cs_model_n_stages(r->model);
    r->flows = cs_model_n_flows(r->model);
    r->stocks =
        calloc((size_t)r->months * r->stages * CS_AGES, sizeof *r->stocks);
    r->flow = calloc((size_t)r->months * r->flows, sizeof *r->flow);
    cs_sim *sim = cs_sim_alloc(r->model);
    cs_sim_run(sim, mode, 3, 1, r->stocks, r->flow, NULL);
    cs_sim_free(sim);
}

static void free_run(run *r)
{
    cs_observer_free(r->observer);
    cs_model_free(r->model);
    cs_scenario_free(r->scenario);
    free(r->stocks);
    free(r->flow);
}

static double observe(const run *r, const char *name, int year)
{
    int measure = cs_series_find_measure(name);
    ck_assert_msg(measure >= 0, "no measure %s", name);
    return cs_observe(r->observer, measure, year, r->stocks, r->flow);
}

/* Children in the listed stages at the end of month t, ages lo..hi. */
static double stages_at(const run *r, int t, const char *const *ids, int n,
                        int lo, int hi)
{
    double sum = 0;
    for (int i = 0; i < n; i++) {
        int s = cs_scenario_find_stage(r->scenario, ids[i]);
        ck_assert_msg(s >= 0, "no stage %s", ids[i]);
        for (int a = lo; a <= hi; a++)
            sum += r->stocks[((size_t)t * r->stages + s) * CS_AGES + a];
    }
    return sum;
}

/* The named flows summed over months first..first+11. */
static double flows_in_year(const run *r, int first, const char *const *labels,
                            int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++) {
        int f = 0;
        while (f < r->flows &&
               strcmp(cs_model_flow_label(r->model, f), labels[i]))
            f++;
        ck_assert_msg(f < r->flows, "no flow %s", labels[i]);
        for (int t = first; t < first + 12; t++)
            sum += r->flow[(size_t)t * r->flows + f];
    }
    return sum;
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

START_TEST(test_stocks_at_31_march_and_mid_year)
{
    run r;
    make_run(&r, (cs_sim_mode)_i);
    static const char *const census[] = {
        "assessment", "cin", "cp", "looked_after.foster", "looked_after.home"};
    static const char *const la[] = {"looked_after.foster",
                                     "looked_after.home"};
    static const char *const cp[] = {"cp"};
    static const char *const all[] = {
        "universal",           "support",          "assessment", "cin", "cp",
        "looked_after.foster", "looked_after.home"};
    for (int year = 2020; year <= 2022; year++) {
        int march = (year - 2019) * 12 - 1; /* month 11: March 2020 */
        ck_assert_double_eq(observe(&r, "cin_31_march", year),
                            stages_at(&r, march, census, N(census), 0, 17));
        ck_assert_double_eq(observe(&r, "cpp_31_march", year),
                            stages_at(&r, march, cp, 1, 0, 17));
        ck_assert_double_eq(observe(&r, "cla_31_march", year),
                            stages_at(&r, march, la, N(la), 0, 17));
        ck_assert_double_eq(observe(&r, "cla_31_march_age_10_to_15", year),
                            stages_at(&r, march, la, N(la), 10, 15));
        ck_assert_double_eq(observe(&r, "cla_31_march_age_16_and_over", year),
                            stages_at(&r, march, la, N(la), 16, 17));
        /* mid-(year - 1): the end of June before the year */
        int june = (year - 1 - 2019) * 12 + 2;
        ck_assert_double_eq(observe(&r, "population_0_17", year),
                            stages_at(&r, june, all, N(all), 0, 17));
    }
    /* 31 March 2019 is the day before the run; 2023 after it */
    ck_assert(isnan(observe(&r, "cla_31_march", 2019)));
    ck_assert(isnan(observe(&r, "cla_31_march", 2023)));
    ck_assert(!isnan(observe(&r, "population_0_17", 2020)));
    ck_assert(isnan(observe(&r, "population_0_17", 2023)));
    free_run(&r);
}
END_TEST

START_TEST(test_flows_during_the_year)
{
    run r;
    make_run(&r, (cs_sim_mode)_i);
    /* referrals: into assessment from universal services or support */
    static const char *const referrals[] = {"referral", "step_up"};
    static const char *const cp_starts[] = {"to_cp", "cin_to_cp"};
    /* into care: moves in, arrivals; turned away from foster to home is
     * within care, so nothing to take off */
    static const char *const starts[] = {"to_care", "cp_to_care",
                                         "arrivals.uasc"};
    static const char *const ceased[] = {"adopted", "home_again",
                                         "age_out.looked_after.foster",
                                         "age_out.looked_after.home"};
    static const char *const at_18[] = {"age_out.looked_after.foster",
                                        "age_out.looked_after.home"};
    for (int year = 2020; year <= 2022; year++) {
        int first = (year - 1 - 2019) * 12;
        ck_assert_double_eq_tol(observe(&r, "referrals", year),
                                flows_in_year(&r, first, referrals, 2), 1e-9);
        ck_assert_double_eq_tol(observe(&r, "cpp_starts", year),
                                flows_in_year(&r, first, cp_starts, 2), 1e-9);
        ck_assert_double_eq_tol(observe(&r, "cla_starts", year),
                                flows_in_year(&r, first, starts, 3), 1e-9);
        ck_assert_double_eq_tol(observe(&r, "cla_ceased", year),
                                flows_in_year(&r, first, ceased, 4), 1e-9);
        ck_assert_double_eq_tol(observe(&r, "cla_ceased_aged_18_plus", year),
                                flows_in_year(&r, first, at_18, 2), 1e-9);
    }
    ck_assert(observe(&r, "cla_ceased_aged_18_plus", 2020) > 0);
    ck_assert(isnan(observe(&r, "referrals", 2019)));
    ck_assert(isnan(observe(&r, "referrals", 2023)));
    /* reasons for ceasing are the transitions a fit maps to them */
    int adopted = cs_series_find_measure("cla_ceased_adopted");
    ck_assert(!cs_observer_knows(r.observer, adopted));
    cs_error err;
    const char *ids[] = {"adopted"};
    ck_assert_int_eq(cs_observer_map(r.observer, adopted, 1, ids, &err), CS_OK);
    ck_assert_double_eq_tol(observe(&r, "cla_ceased_adopted", 2021),
                            flows_in_year(&r, 12, ids, 1), 1e-12);
    const char *bad[] = {"adoptd"};
    ck_assert_int_eq(cs_observer_map(r.observer, adopted, 1, bad, &err),
                     CS_EINPUT);
    ck_assert_str_eq(err.message,
                     "cla_ceased_adopted: no transition 'adoptd' in the "
                     "scenario");
    ck_assert_int_eq(cs_observer_map(r.observer,
                                     cs_series_find_measure("cla_31_march"), 1,
                                     ids, &err),
                     CS_EINPUT);
    /* measures the model cannot say */
    ck_assert(!cs_observer_knows(r.observer,
                                 cs_series_find_measure("cla_31_march_uasc")));
    ck_assert(isnan(observe(&r, "cla_31_march_uasc", 2020)));
    free_run(&r);
}
END_TEST

/*
 * Starts by age band: the same run recorded by age (cs_sim_record_ages)
 * gives the flows by the children's ages; the five DfE bands sum to the
 * starts, the unaccompanied children arriving at 16-17 are all in the
 * 16-and-over band, and every flow by age sums to the flow. Without the
 * record the bands cannot be said.
 */
START_TEST(test_starts_by_age)
{
    run r;
    make_run(&r, (cs_sim_mode)_i);
    double *ages = calloc((size_t)r.months * r.flows * CS_AGES, sizeof *ages);
    double *flows = calloc((size_t)r.months * r.flows, sizeof *flows);
    double *stocks =
        calloc((size_t)r.months * r.stages * CS_AGES, sizeof *stocks);
    cs_sim *sim = cs_sim_alloc(r.model);
    ck_assert_int_eq(cs_sim_record_ages(sim, ages), 0);
    cs_sim_run(sim, (cs_sim_mode)_i, 3, 1, stocks, flows, NULL);
    cs_sim_free(sim);
    /* the same draws: the record changes nothing else */
    ck_assert(
        memcmp(flows, r.flow, (size_t)r.months * r.flows * sizeof *flows) == 0);
    for (int t = 0; t < r.months; t++)
        for (int f = 0; f < r.flows; f++) {
            if (f == cs_model_migration_flow(r.model))
                continue; /* not recorded by age */
            double sum = 0;
            for (int a = 0; a < CS_AGES; a++)
                sum += ages[((size_t)t * r.flows + f) * CS_AGES + a];
            ck_assert_double_eq_tol(sum, flows[(size_t)t * r.flows + f],
                                    1e-9 * (1 + sum));
        }
    static const char *const bands[] = {
        "cla_starts_age_under_1", "cla_starts_age_1_to_4",
        "cla_starts_age_5_to_9", "cla_starts_age_10_to_15",
        "cla_starts_age_16_and_over"};
    static const char *const uasc[] = {"arrivals.uasc"};
    for (int year = 2020; year <= 2022; year++) {
        double sum = 0, band[5];
        for (int b = 0; b < 5; b++) {
            int m = cs_series_find_measure(bands[b]);
            ck_assert(cs_observer_needs_ages(r.observer, m));
            ck_assert(isnan(cs_observe(r.observer, m, year, stocks, flows)));
            band[b] = cs_observe_ages(r.observer, m, year, stocks, flows, ages);
            sum += band[b];
        }
        ck_assert_double_eq_tol(sum, observe(&r, "cla_starts", year),
                                1e-9 * sum);
        ck_assert(band[4] >= flows_in_year(&r, (year - 2020) * 12, uasc, 1));
        ck_assert(band[0] > 0 && band[3] > 0);
    }
    free(ages);
    free(flows);
    free(stocks);
    free_run(&r);
}
END_TEST

/*
 * A child turned away from a full census stage into a stage outside the
 * census never entered it: a referral into `assessment` (places 10) that
 * finds it full goes to `waiting` (no category) and is no referral.
 */
START_TEST(test_turned_away_is_no_entry)
{
    static const char *const small =
        "name: full\n"
        "base_date: 2019-04\n"
        "horizon_months: 12\n"
        "stages:\n"
        "  universal: {intervention: none}\n"
        "  waiting: {intervention: none}\n"
        "  assessment:\n"
        "    intervention: late\n"
        "    dfe: cin\n"
        "    capacity: {places: 10, when_full: {to: waiting}}\n"
        "population: {total: 10000, remainder: universal}\n"
        "births: {per_year: 0}\n"
        "transitions:\n"
        "  referral: {from: universal, to: assessment, rate: 0.5}\n"
        "  done: {from: assessment, to: universal, rate: 6}\n"
        "  wait_over: {from: waiting, to: universal, rate: 6}\n";
    cs_scenario *sc = NULL;
    cs_model *m = NULL;
    cs_observer *o = NULL;
    cs_error err;
    ck_assert_int_eq(cs_scenario_load_string(small, strlen(small), "full.yaml",
                                             NULL, &sc, &err),
                     CS_OK);
    ck_assert_int_eq(cs_model_compile(sc, &m, &err), CS_OK);
    ck_assert_int_eq(cs_observer_create(m, &o, &err), CS_OK);
    int F = cs_model_n_flows(m), S = cs_model_n_stages(m);
    double *stocks = calloc(12 * (size_t)S * CS_AGES, sizeof *stocks);
    double *flows = calloc(12 * (size_t)F, sizeof *flows);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    double moved = 0, away = 0;
    int turned = cs_model_turned_away_flow(m, 0);
    for (int t = 0; t < 12; t++) {
        moved += flows[t * F + 0];
        away += flows[t * F + turned];
    }
    ck_assert(away > 0.5 * moved); /* most found it full */
    double got =
        cs_observe(o, cs_series_find_measure("referrals"), 2020, stocks, flows);
    ck_assert_double_eq_tol(got, moved - away, 1e-9);
    cs_sim_free(sim);
    free(stocks);
    free(flows);
    cs_observer_free(o);
    cs_model_free(m);
    cs_scenario_free(sc);
}
END_TEST

/* What the observer knows of looked-after children by months in care: a
 * band the looked-after stages' months-in-stage slots resolve, none when
 * children move between looked-after stages (months in a placement are
 * not months in care); and the sum of the slots a band covers. */
static cs_observer *months_observer(const char *duration, const char *move,
                                    cs_scenario **sc, cs_model **m)
{
    char text[2048];
    snprintf(text, sizeof text,
             "name: months\n"
             "base_date: 2019-04\n"
             "horizon_months: 12\n"
             "stages:\n"
             "  universal: {intervention: none}\n"
             "  looked_after:\n"
             "    intervention: late\n"
             "    dfe: looked_after\n"
             "    placements:\n"
             "      foster: {entry_share: 0.8}\n"
             "      home: {entry_share: 0.2}\n"
             "population: {total: 10000, remainder: universal}\n"
             "births: {per_year: 0}\n"
             "transitions:\n"
             "  into_care: {from: universal, to: looked_after, rate: 0.01}\n"
             "  leaves:\n"
             "    from: looked_after\n"
             "    to: universal\n"
             "    rate: 0.5\n"
             "%s%s",
             duration, move);
    cs_error err;
    int rc = cs_scenario_load_string(text, strlen(text), "months.yaml", NULL,
                                     sc, &err);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    ck_assert_int_eq(cs_model_compile(*sc, m, &err), CS_OK);
    cs_observer *o = NULL;
    ck_assert_int_eq(cs_observer_create(*m, &o, &err), CS_OK);
    return o;
}

START_TEST(test_months_in_care)
{
    static const char *const bands[4] = {
        "cla_31_march_in_care_0_to_5_months",
        "cla_31_march_in_care_6_to_11_months",
        "cla_31_march_in_care_12_to_23_months",
        "cla_31_march_in_care_24_months_and_over"};
    static const char *const durations[3] = {
        "    by_duration:\n"
        "      - {months: \"0-5\", factor: 1.5}\n"
        "      - {months: \"6-11\", factor: 1}\n"
        "      - {months: \"12-23\", factor: 0.8}\n"
        "      - {months: \"24+\", factor: 0.5}\n",
        "    by_duration:\n"
        "      - {months: \"0-5\", factor: 1.5}\n"
        "      - {months: \"6+\", factor: 1}\n",
        ""};
    static const char *const move =
        "  moves: {from: looked_after.foster, to: looked_after.home, "
        "rate: 0.1}\n";
    /* slots, and which bands are known: all; 0-5 only (the slot of 6
     * months or more holds 12-23 and 24+ alike); none (one slot) */
    static const int slots[3] = {25, 7, 1};
    static const int known[3][4] = {{1, 1, 1, 1}, {1, 0, 0, 0}, {0, 0, 0, 0}};
    double by_months[CS_MAX_DURATION_MONTHS + 1];
    for (int d = 0; d <= CS_MAX_DURATION_MONTHS; d++)
        by_months[d] = d + 1;
    /* the sums of d + 1 over 0..5, 6..11, 12..23, and slot 24 */
    static const double sums[4] = {21, 57, 222, 25};
    for (int c = 0; c < 4; c++) {
        cs_scenario *sc = NULL;
        cs_model *m = NULL;
        int k = c < 3 ? c : 0;
        cs_observer *o =
            months_observer(durations[k], c < 3 ? "" : move, &sc, &m);
        ck_assert_int_eq(cs_observer_month_slots(o), c < 3 ? slots[k] : 0);
        for (int b = 0; b < 4; b++) {
            int measure = cs_series_find_measure(bands[b]);
            ck_assert_int_ge(measure, 0);
            ck_assert(cs_observer_needs_months(o, measure));
            int want = c < 3 ? known[k][b] : 0;
            ck_assert_msg(cs_observer_knows(o, measure) == want,
                          "case %d, %s: expected known %d", c, bands[b], want);
            double got = cs_observe_months(o, measure, by_months);
            if (want)
                ck_assert_double_eq_tol(got, sums[b], 1e-12);
            else
                ck_assert(isnan(got));
            /* only from the months in care */
            ck_assert(isnan(cs_observe(o, measure, 2020, NULL, NULL)));
        }
        ck_assert(!cs_observer_needs_months(
            o, cs_series_find_measure("cla_31_march")));
        cs_observer_free(o);
        cs_model_free(m);
        cs_scenario_free(sc);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("observe");
    TCase *tc = tcase_create("observe");
    /* _i: 0 stochastic, 1 deterministic */
    tcase_add_loop_test(tc, test_stocks_at_31_march_and_mid_year, 0, 2);
    tcase_add_loop_test(tc, test_flows_during_the_year, 0, 2);
    tcase_add_loop_test(tc, test_starts_by_age, 0, 2);
    tcase_add_test(tc, test_turned_away_is_no_entry);
    tcase_add_test(tc, test_months_in_care);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
