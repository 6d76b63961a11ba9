/*
 * build_scenario.h - small scenarios built in C for the model and stepper
 * tests, so they exercise the model without going through YAML.
 */
#ifndef CASCADE_TEST_BUILD_SCENARIO_H
#define CASCADE_TEST_BUILD_SCENARIO_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cascade/model.h"
#include "cascade/scenario.h"

/* The model of sc, failing the test with the compiler's message if it
 * does not compile. */
static inline cs_model *compile_or_fail(const cs_scenario *sc)
{
    cs_model *m = NULL;
    cs_error err;
    int rc = cs_model_compile(sc, &m, &err);
    ck_assert_msg(rc == CS_OK, "compile failed: %s", err.message);
    return m;
}

static inline cs_scenario *test_scenario_new(int base_year, int base_month,
                                             int horizon_months)
{
    cs_scenario *sc = calloc(1, sizeof *sc);
    sc->format_version = 1;
    snprintf(sc->name, sizeof sc->name, "test");
    sc->base_year = base_year;
    sc->base_month = base_month;
    sc->horizon_months = horizon_months;
    sc->seed = 1;
    sc->birth_stage = 0;
    sc->n_births = 1;
    sc->births_per_year[0] = 0;
    return sc;
}

static inline int test_add_stage(cs_scenario *sc, const char *id,
                                 cs_intervention intervention)
{
    int s = sc->n_stages++;
    snprintf(sc->stages[s].id, sizeof sc->stages[s].id, "%s", id);
    snprintf(sc->stages[s].label, sizeof sc->stages[s].label, "%s", id);
    sc->stages[s].intervention = intervention;
    sc->stages[s].group = -1;
    sc->stages[s].entry_share = 1;
    return s;
}

/* A group of placements with the given entry shares; returns the group. */
static inline int test_add_group(cs_scenario *sc, const char *id, int n,
                                 const char *const *placements,
                                 const double *shares)
{
    int g = sc->n_groups++;
    snprintf(sc->groups[g].id, sizeof sc->groups[g].id, "%s", id);
    sc->groups[g].first_stage = sc->n_stages;
    sc->groups[g].n_stages = n;
    for (int i = 0; i < n; i++) {
        char leaf[CS_ID_MAX];
        snprintf(leaf, sizeof leaf, "%s.%s", id, placements[i]);
        int s = test_add_stage(sc, leaf, CS_INTERVENTION_LATE);
        sc->stages[s].group = g;
        sc->stages[s].entry_share = shares[i];
    }
    return g;
}

static inline int test_add_mark(cs_scenario *sc, const char *id)
{
    int m = sc->n_marks++;
    snprintf(sc->marks[m].id, sizeof sc->marks[m].id, "%s", id);
    return m;
}

static inline cs_transition *test_add_transition(cs_scenario *sc,
                                                 const char *id, int from,
                                                 int from_is_group, int to,
                                                 int to_is_group, double rate)
{
    cs_transition *t = &sc->transitions[sc->n_transitions++];
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", id);
    t->from.index = from;
    t->from.is_group = from_is_group;
    t->to.index = to;
    t->to.is_group = to_is_group;
    t->rate = rate;
    for (int m = 0; m < CS_MAX_MARKS; m++)
        t->mark_factor[m] = 1.0;
    t->trend_until = INT_MAX;
    t->year_effect = -1;
    return t;
}

/* A richer scenario for conservation, reproducibility and convergence:
 * births, marks, a placement group, by-age rates, duration bands. */
static inline cs_scenario *test_rich_scenario(int horizon_months)
{
    cs_scenario *sc = test_scenario_new(2019, 4, horizon_months);
    int uni = test_add_stage(sc, "universal", CS_INTERVENTION_NONE);
    int eh = test_add_stage(sc, "early_help", CS_INTERVENTION_EARLY);
    int cin = test_add_stage(sc, "cin", CS_INTERVENTION_LATE);
    int cp = test_add_stage(sc, "cp", CS_INTERVENTION_LATE);
    const char *pl[3] = {"foster", "kinship", "residential"};
    const double sh[3] = {0.6, 0.25, 0.15};
    int lac = test_add_group(sc, "looked_after", 3, pl, sh);
    int known = test_add_mark(sc, "known");
    sc->births_per_year[0] = 2400;
    sc->births_per_year[1] = 3000;
    sc->n_births = 2;
    for (int a = 0; a < CS_AGES; a++) {
        sc->initial[uni][a] = 2000 + 10 * a;
        sc->initial[eh][a] = 60;
        sc->initial[cin][a] = 40;
        sc->initial[cp][a] = 15;
        sc->initial[4][a] = 12;
        sc->initial[5][a] = 5;
        sc->initial[6][a] = a >= 10 ? 4 : 0;
    }
    sc->initial_mark_share[uni][known] = 0.05;
    sc->initial_mark_share[cin][known] = 0.4;

    cs_transition *t;
    t = test_add_transition(sc, "to_early_help", uni, 0, eh, 0, 0.02);
    t = test_add_transition(sc, "to_cin", uni, 0, cin, 0, 0.01);
    t->mark_factor[known] = 2.5;
    t->n_by_age = 1;
    t->by_age[0] = (cs_age_rate){0, 0, 0.04};
    t = test_add_transition(sc, "eh_close", eh, 0, uni, 0, 1.5);
    t->sets_marks = 1u << known;
    t = test_add_transition(sc, "eh_step_up", eh, 0, cin, 0, 0.4);
    t = test_add_transition(sc, "cin_close", cin, 0, uni, 0, 1.2);
    t->sets_marks = 1u << known;
    t = test_add_transition(sc, "cin_to_cp", cin, 0, cp, 0, 0.3);
    t = test_add_transition(sc, "cp_end", cp, 0, cin, 0, 1.4);
    t->n_by_duration = 3;
    t->by_duration[0] = (cs_duration_band){0, 2, 0.2};
    t->by_duration[1] = (cs_duration_band){3, 11, 1.0};
    t->by_duration[2] = (cs_duration_band){12, -1, 1.5};
    t = test_add_transition(sc, "cp_to_lac", cp, 0, lac, 1, 0.25);
    t = test_add_transition(sc, "lac_home", lac, 1, uni, 0, 0.35);
    t->sets_marks = 1u << known;
    t = test_add_transition(sc, "placement_move", lac, 1, lac, 1, 0.3);
    (void)t;
    return sc;
}

#endif
