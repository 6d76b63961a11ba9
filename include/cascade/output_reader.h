/*
 * output_reader.h - reading a cascade output file (docs/output-format.md).
 *
 * cs_result_open refuses, with CS_EINPUT and a message saying why, a file
 * that is not a regular file, not HDF5, not a cascade output, of a format
 * this build does not read, whose datasets do not have the shapes its
 * /dims imply, or whose claims are inconsistent with what it holds (more
 * runs than CS_OUTPUT_MAX_RUNS, more runs marked done than it stores data
 * for). It never follows a path named inside the file.
 *
 * Everything a report needs is recorded in the file and read here: the
 * stages' interventions, placement groups and DfE categories, the
 * financial years, the price base, the cost lines, the parameters, each
 * scenario's discount rate and provenance. Files of format 1 predate some
 * of these records; the reader then derives what the file implies (see
 * each accessor) and says "not recorded" for the rest.
 */
#ifndef CASCADE_OUTPUT_READER_H
#define CASCADE_OUTPUT_READER_H

#include <stdint.h>

#include "cascade/error.h"
#include "cascade/output_format.h"

typedef struct cs_result cs_result;

int cs_result_open(const char *path, cs_result **out, cs_error *err);
void cs_result_close(cs_result *result);

/* The path it was opened as, and its format_version (1 or 2). */
const char *cs_result_path(const cs_result *result);
int cs_result_format_version(const cs_result *result);

int cs_result_n_months(const cs_result *result);
int cs_result_n_stages(const cs_result *result);
int cs_result_n_ages(const cs_result *result);
int cs_result_n_transitions(const cs_result *result);
const char *cs_result_month_label(const cs_result *result, int month);
const char *cs_result_stage_label(const cs_result *result, int stage);
const char *cs_result_transition_label(const cs_result *result, int t);
/* What transition t moves out of and into ("" for arrivals / leaving). */
const char *cs_result_transition_from(const cs_result *result, int t);
const char *cs_result_transition_to(const cs_result *result, int t);

/*
 * What each leaf stage is. Intervention: "none", "early" or "late" (format
 * 1: "early" or "late" for a stage with a cost line, else "none", which is
 * what format 1's cost lines mean). Group: the placement group's id, or ""
 * (format 1: the part of a placement's id "<group>.<placement>" before the
 * dot). Category: "none", "cin", "cp", "looked_after", or "unknown" when
 * the writer did not know it (always in format 1).
 */
const char *cs_result_stage_intervention(const cs_result *result, int stage);
const char *cs_result_stage_group(const cs_result *result, int stage);
const char *cs_result_stage_category(const cs_result *result, int stage);

/* The financial years (April-March) of the months, "2019/20", ..., and
 * each month's index into them (format 1: from the month labels). */
int cs_result_n_financial_years(const cs_result *result);
const char *cs_result_financial_year_label(const cs_result *result, int fy);
int cs_result_month_financial_year(const cs_result *result, int month);

int cs_result_n_scenarios(const cs_result *result);
const char *cs_result_scenario_name(const cs_result *result, int scenario);
/* The scenario's fully resolved YAML (its scenario_yaml attribute), or
 * NULL; owned by result. Text to show, never to load: everything a report
 * needs has its own record. */
const char *cs_result_scenario_yaml(const cs_result *result, int scenario);
/* Index of the named scenario, or -1. */
int cs_result_find_scenario(const cs_result *result, const char *name);
/* The runs a scenario was sized for, and how many are done (run_done 1). */
int cs_result_n_runs(const cs_result *result, int scenario);
int cs_result_n_runs_done(const cs_result *result, int scenario);

/* The scenario's default discount rate for comparisons (a fraction a
 * year), or NaN when the file does not record it (format 1). */
double cs_result_discount_rate(const cs_result *result, int scenario);
/* Its discount schedule as cs_discount_format wrote it ("0:0.035 31:0.03
 * ..."), or NULL when the file does not record one (before the Green
 * Book's declining rate: discount_rate was then constant). */
const char *cs_result_discount_schedule(const cs_result *result, int scenario);
/* Its provenance: what it extends ("" if nothing), a hash of that file's
 * resolved text, a hash of its own; each NULL when not recorded. */
const char *cs_result_extends_source(const cs_result *result, int scenario);
const char *cs_result_extends_hash(const cs_result *result, int scenario);
const char *cs_result_resolved_hash(const cs_result *result, int scenario);

/*
 * What the scenario was fitted to (its group's fit_figures/, written from
 * a fitted scenario's fit.figures; output_format.h): CS_OK and *present 1
 * with figures filled, or *present 0 when the file records none (a
 * scenario not fitted, or a file written before they were recorded);
 * CS_EINPUT when the record is there but malformed.
 */
int cs_result_read_figures(const cs_result *result, int scenario,
                           cs_output_figures *figures, int *present,
                           cs_error *err);

/* Read one run into caller buffers shaped as for cs_output_write_run
 * (either pointer may be NULL). A run never written reads as NaN. */
int cs_result_read_run(const cs_result *result, int scenario, int run,
                       double *stocks, double *flows, cs_error *err);

/* Costs: the lines and each one's intervention ("early" or "late"), and
 * one run's costs [month][line] and spend [month][2] (either pointer may
 * be NULL), cash GBP; the scenario's deflator [month] and its price base
 * label ("2019/20"). */
int cs_result_n_cost_lines(const cs_result *result);
const char *cs_result_cost_line_label(const cs_result *result, int line);
const char *cs_result_cost_line_intervention(const cs_result *result, int line);
int cs_result_read_run_costs(const cs_result *result, int scenario, int run,
                             double *costs, double *spend, cs_error *err);
/* Stages with capacity, and one run's record [month][stage][3] (places,
 * occupied, turned away). */
/* 1 if the scenario has a budget (a budget: in its scenario), and one
 * run's record [month][CS_BUDGET_MEASURES] (output_format.h), cash GBP. */
int cs_result_has_budget(const cs_result *result, int scenario);
int cs_result_read_run_budget(const cs_result *result, int scenario, int run,
                              double *budget, cs_error *err);
/* 1 if the scenario counts care leavers (care_leavers: in its scenario),
 * and one run's care leavers supported at the end of each month [month]
 * (young people; NaN for a run never written). */
int cs_result_has_care_leavers(const cs_result *result, int scenario);
int cs_result_read_run_care_leavers(const cs_result *result, int scenario,
                                    int run, double *care_leavers,
                                    cs_error *err);

int cs_result_n_capacity(const cs_result *result);
const char *cs_result_capacity_label(const cs_result *result, int j);
int cs_result_read_run_capacity(const cs_result *result, int scenario, int run,
                                double *capacity, cs_error *err);
int cs_result_read_deflator(const cs_result *result, int scenario,
                            double *deflator, char *price_base,
                            int price_base_size, cs_error *err);

/* Uncertain parameters of a scenario (0 if none), their paths and
 * distributions (as written, e.g. "gamma(mean=0.05, sd=0.01)"), every
 * run's values [run][parameter], or one run's [parameter]. */
int cs_result_n_parameters(const cs_result *result, int scenario);
const char *cs_result_parameter_name(const cs_result *result, int scenario,
                                     int parameter);
const char *cs_result_parameter_distribution(const cs_result *result,
                                             int scenario, int parameter);
int cs_result_read_params(const cs_result *result, int scenario, double *values,
                          cs_error *err);
int cs_result_read_run_params(const cs_result *result, int scenario, int run,
                              double *values, cs_error *err);

/* How the batch in the file was made: its root attributes. */
typedef struct cs_result_batch {
    uint64_t seed;
    char cascade_version[32];
    char rng[32];
    /* 1 or 0; -1 in files written before they were recorded */
    int parameter_uncertainty, process_noise;
    /* 1 or 0; 0 in files written before it was recorded (before year
     * effects existed) */
    int year_effects;
} cs_result_batch;
int cs_result_read_batch(const cs_result *result, cs_result_batch *batch,
                         cs_error *err);

/* Read run_done: done[r] is 1 if run r was completely written, else 0. */
int cs_result_read_run_done(const cs_result *result, int scenario,
                            unsigned char *done, cs_error *err);

/* Read summary/mean [month][stage][age] and summary/quantiles
 * [quantile][month][stage][age] (either pointer may be NULL). */
int cs_result_read_summary(const cs_result *result, int scenario, double *mean,
                           double *quantiles, cs_error *err);

#endif
