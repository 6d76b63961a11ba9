/*
 * output.h - the HDF5 output file: writer and reader.
 *
 * One file per invocation. docs/output-format.md is the contract; in short:
 *
 *   /                      attributes cascade_version, format_version,
 *                          command_line, created, seed, rng, scenario_yaml
 *   /dims/month            "2019-04", ...          (dimension scale)
 *   /dims/stage            leaf stage ids          (dimension scale)
 *   /dims/age              0..17                   (dimension scale)
 *   /dims/transition       transition ids          (dimension scale)
 *   /dims/transition_from, /dims/transition_to     what each flow moves
 *   /dims/quantile         the levels below        (dimension scale)
 *   /scenarios/<name>/run      0..n_runs-1         (dimension scale)
 *   /scenarios/<name>/run_done [run] uint8, 1 once a run is written
 *   /scenarios/<name>/stocks   [run, month, stage, age]  float64, children
 *                                                   at the end of the month
 *   /scenarios/<name>/flows    [run, month, transition]  float64, children
 *                                                   moved during the month
 *   /dims/cost_line        stages with a unit cost (dimension scale), and
 *                          /dims/cost_line_intervention ("early"/"late")
 *   /dims/spend            "early", "late"         (dimension scale)
 *   /scenarios/<name>/costs    [run, month, cost_line]   float64, GBP cash
 *   /scenarios/<name>/spend    [run, month, spend]       float64, GBP cash
 *   /scenarios/<name>/unit_costs [month, cost_line], deflator [month]
 *   /dims/capacity_stage, /dims/capacity_measure (places, occupied,
 *                          turned_away)
 *   /scenarios/<name>/capacity [run, month, capacity_stage,
 *                               capacity_measure]
 *   /scenarios/<name>/params [run, parameter], /scenarios/<name>/parameter
 *   /compare/<alt>_vs_<base>/  written by cascade compare through
 *                          cs_output_write_group
 *   /scenarios/<name>/summary/mean       [month, stage, age]
 *   /scenarios/<name>/summary/quantiles  [quantile, month, stage, age]
 *
 * The writer works on "<path>.tmp-<pid>" and renames it over <path> only in
 * cs_output_close after everything is written; cs_output_abort (or a crash)
 * leaves any earlier file at <path> untouched. An existing <path> that is
 * not a cascade output is refused unless force is set.
 *
 * Runs are written as they finish, one HDF5 chunk per run and year, so
 * memory does not grow with the number of runs.
 */
#ifndef CASCADE_OUTPUT_H
#define CASCADE_OUTPUT_H

#include <stdint.h>

#include "cascade/error.h"

#define CS_OUTPUT_FORMAT_VERSION 1
#define CS_N_QUANTILES 7
/* The quantile levels stored in summary/quantiles, in order. */
extern const double cs_quantile_levels[CS_N_QUANTILES];

/* The shape and labels shared by every scenario in the file. */
typedef struct cs_output_dims {
    int n_months;
    const char *const *month_labels; /* "YYYY-MM", n_months of them */
    int n_stages;
    const char *const *stage_labels;
    int n_ages; /* ages 0..n_ages-1 */
    int n_transitions;
    const char *const *transition_labels;
    const char *const *transition_from; /* stage or group id, or "" (births) */
    const char *const *transition_to;   /* stage or group id, or "" (leaving) */
    int n_cost_lines;                   /* 0: no costs dataset */
    const char *const *cost_line_labels;       /* the stage each line costs */
    const char *const *cost_line_intervention; /* "early" or "late" */
    int n_capacity;                            /* 0: no capacity dataset */
    const char *const *capacity_labels;        /* stages with limited places */
} cs_output_dims;

typedef struct cs_output_meta {
    const char *cascade_version;
    const char *command_line;
    uint64_t seed;
    const char *rng;           /* e.g. "philox4x32-10" */
    const char *scenario_yaml; /* root attribute: the first scenario's text */
    /* how the runs were made (root attributes of the same names, 1 or 0):
     * each run drew its own parameter values; each run drew which children
     * move (0: expected values) */
    int parameter_uncertainty, process_noise;
} cs_output_meta;

typedef struct cs_output cs_output;

/*
 * Start a new output file for `path`. Fails with CS_EINPUT if path exists and
 * is not a cascade output file (unless force), or if its directory is not
 * writable; nothing at path is touched until cs_output_close.
 */
int cs_output_create(const char *path, int force, const cs_output_meta *meta,
                     const cs_output_dims *dims, cs_output **out,
                     cs_error *err);

/*
 * Add /scenarios/<name>/ sized for n_runs runs; returns its index (>= 0) in
 * *scenario_index. yaml is stored as the group's scenario_yaml attribute.
 */
int cs_output_add_scenario(cs_output *output, const char *name,
                           const char *yaml, int n_runs, int *scenario_index,
                           cs_error *err);

/*
 * Store a scenario's prices: unit_costs [month][cost line] in cash GBP per
 * child-month, and deflator [month] (cash / constant prices of the
 * financial year price_base, e.g. "2019/20").
 */
int cs_output_set_prices(cs_output *output, int scenario_index,
                         const double *unit_costs, const double *deflator,
                         const char *price_base, cs_error *err);

/*
 * Declare scenario_index's uncertain parameters: /scenarios/<name>/parameter
 * (their paths, a dimension scale, with each one's distribution in the
 * attribute-like dataset parameter_distribution) and params [run,
 * parameter], the value each run used (drawn, or the mean when `drawn` is
 * 0: --no-parameter-uncertainty).
 */
int cs_output_add_parameters(cs_output *output, int scenario_index, int n,
                             const char *const *names,
                             const char *const *distributions, int drawn,
                             cs_error *err);

/*
 * Reopen the finished output `from` to add runs to it, as `path` (the same
 * file to continue a batch, or a new one to merge parts into): `from` is
 * copied to a temporary beside path and opened there, so neither `from` nor
 * path changes until cs_output_close renames the temporary over path
 * (refusing an existing non-cascade path without force). The scenarios,
 * their run counts and parameters are those in the file; /compare, which
 * would be stale, is dropped, and the summaries are recomputed at close.
 */
int cs_output_reopen(const char *from, const char *path, int force,
                     cs_output **out, cs_error *err);
/*
 * Parallel writing (the MPI build, docs/clusters.md). Rank 0 creates the
 * file as usual (cs_output_create, add_scenario, ...) and detaches it:
 * cs_output_detach closes it without summaries or renaming and hands over
 * the temporary's name. Every rank then adopts it with the communicator
 * (a pointer to an MPI_Comm; NULL: serial), and writes runs collectively
 * with cs_output_write_runs: every rank calls it the same number of times
 * for each scenario, with count 0 if it has no runs left. cs_output_close
 * on a parallel
 * output only closes the file (collectively); rank 0 then adopts it once
 * more without a communicator and closes it, which writes the summaries
 * and renames it into place (or cs_output_abort, and deletes it).
 */
int cs_output_detach(cs_output *output, char **tmp_path, cs_error *err);
int cs_output_adopt(const char *tmp_path, const char *path,
                    const void *mpi_comm, cs_output **out, cs_error *err);
/*
 * Write runs first, first + stride, ... (count of them, at most 1024) of a
 * scenario at once: each buffer holds the runs one after another, shaped
 * as for cs_output_write_params, _capacity and _run (params and capacity
 * may be NULL: not written here). Marks them done last.
 */
int cs_output_write_runs(cs_output *output, int scenario_index, int first,
                         int stride, int count, const double *params,
                         const double *capacity, const double *stocks,
                         const double *flows, const double *costs,
                         const double *spend, cs_error *err);

/*
 * Would cs_output_create accept path (its directory writable, and nothing
 * there but a cascade output, unless force)? CS_OK or CS_EINPUT.
 */
int cs_output_check_path(const char *path, int force, cs_error *err);

/*
 * Rename the file at close to path instead of the one it was created for
 * (checked as cs_output_check_path; the temporary stays where it is, so
 * path should be in the same directory). An incomplete batch is saved
 * under another name this way.
 */
int cs_output_set_path(cs_output *output, const char *path, int force,
                       cs_error *err);

/* The temporary file being written (renamed to the path at close). */
const char *cs_output_tmp_path(const cs_output *output);

/* Index of the named scenario in output, or -1; its run count (0 if none). */
int cs_output_find_scenario(const cs_output *output, const char *name);
int cs_output_n_runs(const cs_output *output, int scenario_index);

/* Write one run's parameter values (n of cs_output_add_parameters). Call
 * before cs_output_write_run. */
int cs_output_write_params(cs_output *output, int scenario_index, int run,
                           const double *values, cs_error *err);

/*
 * Write one run's capacity record [month][capacity stage][3]: places,
 * children in the stage at the end of the month, children turned away
 * during it. Call before cs_output_write_run, which marks the run done.
 */
int cs_output_write_capacity(cs_output *output, int scenario_index, int run,
                             const double *capacity, cs_error *err);

/*
 * Write one run. stocks is [month][stage][age] (n_months*n_stages*n_ages
 * values), flows is [month][transition], costs is [month][cost line] and
 * spend [month][2] (early, late), both cash GBP; costs may be NULL only
 * when the file has no cost lines.
 */
int cs_output_write_run(cs_output *output, int scenario_index, int run,
                        const double *stocks, const double *flows,
                        const double *costs, const double *spend,
                        cs_error *err);

/*
 * Compute summary/mean and summary/quantiles for every scenario from the
 * runs written, flush, close and rename into place. The output is freed
 * whatever the result.
 */
int cs_output_close(cs_output *output, cs_error *err);

/* Threads cs_output_close may use to compute the summaries (default 1);
 * the summaries are the same for any number. */
void cs_output_set_threads(cs_output *output, int threads);

/* Close and delete the temporary file; any earlier file at path is kept. */
void cs_output_abort(cs_output *output);

/* 1 if path is an HDF5 file with a cascade format_version attribute, else 0. */
int cs_output_is_cascade_file(const char *path);

/*
 * Call once, first thing in main(), before any other HDF5 or cs_output /
 * cs_result call: it stops HDF5 registering its atexit() clean-up. HDF5
 * 1.10.8 crashes in that clean-up when a file could not be flushed or
 * closed (a full disk during cs_output_close; fixed upstream in
 * HDFGroup/hdf5 PR #2291). cascade closes or aborts every file itself, so
 * nothing is lost. Returns CS_OK, or CS_EFAIL if HDF5 was already in use.
 */
int cs_output_prepare_process(void);

/* ---- adding derived tables to a finished file --------------------------- */

/* An axis of the group: a dimension-scale dataset of string labels, or of
 * 0..n-1 when labels is NULL. */
typedef struct cs_table_axis {
    const char *name;
    int n;
    const char *const *labels;
    const char *description;
} cs_table_axis;

/* A float64 dataset of the group; axes names an axis for each dimension. */
typedef struct cs_table_dataset {
    const char *name;
    int rank; /* 1..4 */
    const int *shape;
    const char *const *axes;
    const double *values;
    const char *units;
    const char *description;
} cs_table_dataset;

/* An attribute of the group: text, or a number when text is NULL. */
typedef struct cs_table_attribute {
    const char *name;
    const char *text;
    double number;
} cs_table_attribute;

/*
 * Write the group group_path (e.g. "compare/alt_vs_base"), replacing one of
 * that name, into the cascade output file at path: on a copy, renamed over
 * path only when complete, so a failure leaves the file as it was.
 */
int cs_output_write_group(const char *path, const char *group_path, int n_axes,
                          const cs_table_axis *axes, int n_datasets,
                          const cs_table_dataset *datasets, int n_attributes,
                          const cs_table_attribute *attrs, cs_error *err);

/* ---- reading ------------------------------------------------------------ */

typedef struct cs_result cs_result;

int cs_result_open(const char *path, cs_result **out, cs_error *err);
void cs_result_close(cs_result *result);

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
int cs_result_n_scenarios(const cs_result *result);
const char *cs_result_scenario_name(const cs_result *result, int scenario);
/* The scenario's fully resolved YAML (its scenario_yaml attribute), or
 * NULL; owned by result. */
const char *cs_result_scenario_yaml(const cs_result *result, int scenario);
/* Index of the named scenario, or -1. */
int cs_result_find_scenario(const cs_result *result, const char *name);
int cs_result_n_runs(const cs_result *result, int scenario);

/* Read one run into caller buffers shaped as for cs_output_write_run
 * (either pointer may be NULL). A run never written reads as NaN. */
int cs_result_read_run(const cs_result *result, int scenario, int run,
                       double *stocks, double *flows, cs_error *err);

/* Costs: the lines, and one run's costs [month][line] and spend [month][2]
 * (either pointer may be NULL), cash GBP; the scenario's deflator [month]
 * and its price base label ("2019/20"). */
int cs_result_n_cost_lines(const cs_result *result);
const char *cs_result_cost_line_label(const cs_result *result, int line);
int cs_result_read_run_costs(const cs_result *result, int scenario, int run,
                             double *costs, double *spend, cs_error *err);
/* Stages with capacity, and one run's record [month][stage][3] (places,
 * occupied, turned away). */
int cs_result_n_capacity(const cs_result *result);
const char *cs_result_capacity_label(const cs_result *result, int j);
int cs_result_read_run_capacity(const cs_result *result, int scenario, int run,
                                double *capacity, cs_error *err);
int cs_result_read_deflator(const cs_result *result, int scenario,
                            double *deflator, char *price_base,
                            int price_base_size, cs_error *err);

/* Uncertain parameters of a scenario (0 if none), their paths, and every
 * run's values [run][parameter]. */
int cs_result_n_parameters(const cs_result *result, int scenario);
const char *cs_result_parameter_name(const cs_result *result, int scenario,
                                     int parameter);
int cs_result_read_params(const cs_result *result, int scenario, double *values,
                          cs_error *err);

/* How the batch in the file was made: its root attributes. */
typedef struct cs_result_batch {
    uint64_t seed;
    char cascade_version[32];
    char rng[32];
    /* 1 or 0; -1 in files written before they were recorded */
    int parameter_uncertainty, process_noise;
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
