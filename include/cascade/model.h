/*
 * model.h - a scenario compiled into per-step tables.
 *
 * Children are counted in compartments: (leaf stage, age 0..17, months in
 * the stage, history marks). Months in the stage are tracked exactly up to
 * the largest duration-band boundary any rate out of that stage uses; the
 * last slot holds "that many months or more". Marks are a bitset (2^M
 * combinations for M marks).
 *
 * Compiling evaluates every transition's annual rate for every compartment
 * and turns the competing rates out of it into monthly probabilities:
 *
 *     R = sum_i r_i,   p_i = (r_i / R) (1 - exp(-R / 12)),   p_stay = 1 - sum
 * p_i
 *
 * (the exact monthly probabilities of a constant-hazard competing-risks
 * process; never r/12). A move into a group of placements is split by the
 * placements' entry shares. The result is a flat table of outcomes per
 * compartment that both steppers walk.
 */
#ifndef CASCADE_MODEL_H
#define CASCADE_MODEL_H

#include <stddef.h>

#include "cascade/error.h"
#include "cascade/scenario.h"

typedef struct cs_model cs_model;

int cs_model_compile(const cs_scenario *scenario, cs_model **out,
                     cs_error *err);
void cs_model_free(cs_model *model);

/*
 * The invariants of a compiled model, checked: in every epoch's table each
 * compartment's probabilities are finite, in [0, 1] and sum to 1 (within
 * 1e-9), and lead to compartments; the start is whole children (>= 0);
 * births, places, unit costs and migration are finite (births and places
 * >= 0). CS_OK, or CS_EFAIL naming the first breach. Compiling asserts it
 * in debug builds; the fuzzer calls it on every scenario it compiles.
 */
int cs_model_check(const cs_model *model, cs_error *err);

const cs_scenario *cs_model_scenario(const cs_model *model);
int cs_model_n_months(const cs_model *model);
int cs_model_n_stages(const cs_model *model);
int cs_model_n_compartments(const cs_model *model);
/*
 * Flows are the declared transitions (in scenario order), then "births",
 * then "age_out.<stage>" for every leaf stage (children reaching 18), then
 * "turned_away.<stage>" for every stage with capacity, in stage order.
 * A transition's flow counts every child it moved, including those then
 * turned away from a full stage (who also count in turned_away).
 */
int cs_model_n_flows(const cs_model *model);
const char *cs_model_flow_label(const cs_model *model, int flow);
const char *cs_model_flow_from(const cs_model *model, int flow);
const char *cs_model_flow_to(const cs_model *model, int flow);
int cs_model_births_flow(const cs_model *model);
int cs_model_age_out_flow(const cs_model *model, int stage);
/* "YYYY-MM" of month m (0-based from the base date). */
const char *cs_model_month_label(const cs_model *model, int month);
/* Financial year (April-March) of month m: 0 for the one holding the base
 * date; cs_model_fy_label gives e.g. "2019/20". */
int cs_model_month_fy(const cs_model *model, int month);
int cs_model_n_fys(const cs_model *model);
const char *cs_model_fy_label(const cs_model *model, int fy);
/* 1 if everyone ages a year (and 17-year-olds leave) at the start of
 * month m (ageing: april); with monthly ageing, always 0. */
int cs_model_ages_at(const cs_model *model, int month);
/* 1 if a twelfth of each age ages every month (ageing: monthly). */
int cs_model_ages_monthly(const cs_model *model);
/* Net migration and arrivals: the flows counting them (-1: none), and the
 * expected children in month m (negative migration: leaving). */
int cs_model_migration_flow(const cs_model *model);
int cs_model_n_arrivals(const cs_model *model);
int cs_model_arrival_flow(const cs_model *model, int arrival);
/* The initial state summed to [stage][age] (children at the base date). */
void cs_model_initial_stocks(const cs_model *model, double *stocks);

/*
 * Capacity: the stages with a limited number of places (index j, in the
 * order the steppers fill them), the places in month m (fixed, or bought
 * by the stage's funding streams at the month's cash unit cost), and the
 * flow counting children turned away from stage j ("turned_away.<stage>",
 * from the stage to its when_full stage).
 */
int cs_model_n_capacity(const cs_model *model);
int cs_model_capacity_stage(const cs_model *model, int j);
double cs_model_places(const cs_model *model, int j, int month);
int cs_model_turned_away_flow(const cs_model *model, int j);

/* Expected births in month m. */
double cs_model_births(const cs_model *model, int month);

/*
 * Costs. There is one cost line per leaf stage tagged early or late
 * intervention, in stage order, then one per transition with a cost per
 * child moved (cost:), in transition order. cs_model_unit_cost is the cash
 * cost of one child for one month on a stage's line, or of one child moved
 * on a transition's, in month m (GBP: the price-base cost with the line's
 * inflation applied once per financial year since the price base year);
 * cs_model_deflator(m) converts cash in month m to the price base's
 * constant prices (divide by it). A line's stage is -1 for a transition's
 * line and its transition -1 for a stage's; its label is the stage id or
 * "event.<transition id>".
 */
int cs_model_n_cost_lines(const cs_model *model);
int cs_model_cost_line_stage(const cs_model *model, int line);
int cs_model_cost_line_transition(const cs_model *model, int line);
cs_intervention cs_model_cost_line_intervention(const cs_model *model,
                                                int line);
const char *cs_model_cost_line_label(const cs_model *model, int line);
/* The care leavers' line (care_leavers:, label "care_leavers": the care
 * leavers supported that month x the cost of one for a month), or -1. */
int cs_model_care_leavers_line(const cs_model *model);
double cs_model_unit_cost(const cs_model *model, int line, int month);
double cs_model_deflator(const cs_model *model, int month);
/* The calendar year in which month m's financial year starts (2019 for
 * any month of 2019/20). */
int cs_model_month_fy_year(const cs_model *model, int month);

/*
 * The monthly probability that a child of this stage, age, months in stage
 * and marks bitset moves along declared transition t (0 if t does not leave
 * this stage), summed over destination placements.
 */
double cs_model_transition_probability(const cs_model *model, int stage,
                                       int age, int months_in_stage,
                                       unsigned marks, int transition);
/* The same in month m (levers, trends and year effects change it). */
double cs_model_transition_probability_at(const cs_model *model, int month,
                                          int stage, int age,
                                          int months_in_stage, unsigned marks,
                                          int transition);

/* The trend and year-effect multiplier of transition `transition`'s rate
 * in financial year fy (0: the base date's), relative to the rate written
 * (scenario.h, cs_transition and cs_year_effect). */
double cs_transition_year_factor(const cs_scenario *scenario, int transition,
                                 int fy);

/*
 * A scenario whose rates depend on a caseload (a workforce:) has no fixed
 * table for those compartments: each run works them out month by month
 * (sim.h); cs_model_transition_probability gives them at the reference
 * caseload, and cs_model_export refuses such a model (CS_EINPUT).
 *
 * Write the compiled tables to directory dir (made if missing) for other
 * programs: one NumPy .npy file per table (compartments, the outcome table
 * of every epoch, ageing, births, migration, arrivals, capacity,
 * programmes, costs, the initial state) and manifest.json describing the
 * model and each table (docs/model-export.md). Each file is written under
 * a temporary name and renamed into place, the manifest last. An existing
 * export (dir/manifest.json) is replaced only when replace is non-zero.
 * CS_OK; CS_EINPUT (dir is a file, cannot be made, or holds an export not
 * to be replaced); CS_EIO; CS_ENOMEM.
 */
int cs_model_export(const cs_model *model, const char *dir, int replace,
                    cs_error *err);

/* Competing hazards: monthly probabilities p[i] of n annual rates r[i]
 * (the formula above). Exposed for testing and reuse. */
void cs_competing_monthly(int n, const double *rates, double *p);

#endif
