/*
 * output_writer.h - writing the HDF5 output file (docs/output-format.md).
 *
 * One file per invocation. The writer works on "<path>.tmp-<pid>"
 * (cs_output_temporary_name) and renames it over <path> only in
 * cs_output_close after everything is written; cs_output_abort (or a
 * crash) leaves any earlier file at <path> untouched. An existing <path>
 * that is not a cascade output is refused unless force is set, and one
 * that is not a regular file (a device, a FIFO, a socket, a directory) is
 * refused even then: force replaces regular files only.
 *
 * Runs are written as they finish, one HDF5 chunk per run and year, so
 * memory does not grow with the number of runs.
 *
 * The file records what reports need to read it without the scenario:
 * each stage's intervention, placement group and DfE category, the
 * financial years and each month's, the price base, the cost lines, the
 * uncertain parameters, each scenario's discount rate and provenance, and
 * for a fitted scenario the figures it was fitted to.
 */
#ifndef CASCADE_OUTPUT_WRITER_H
#define CASCADE_OUTPUT_WRITER_H

#include <stdint.h>

#include "cascade/error.h"
#include "cascade/output_format.h"

/* The shape and labels shared by every scenario in the file. Every
 * pointer is required unless it says otherwise. */
typedef struct cs_output_dims {
    int n_months;
    const char *const *month_labels; /* "YYYY-MM", n_months of them */
    int n_stages;
    const char *const *stage_labels; /* leaf stage ids */
    int n_ages;                      /* ages 0..n_ages-1 */
    int n_transitions;
    const char *const *transition_labels;
    const char *const *transition_from; /* stage or group id, or "" (births) */
    const char *const *transition_to;   /* stage or group id, or "" (leaving) */
    int n_cost_lines;                   /* 0: no costs dataset */
    const char *const *cost_line_labels;       /* the stage each line costs */
    const char *const *cost_line_intervention; /* "early" or "late" */
    int n_capacity;                            /* 0: no capacity dataset */
    const char *const *capacity_labels;        /* stages with limited places */
    int has_budget; /* 1: scenarios may have a budget (/dims/budget_measure) */
    /* per stage (n_stages of each): its intervention, "none", "early" or
     * "late"; the id of the placement group it belongs to, or ""; its DfE
     * statistical category, "none", "cin", "cp" or "looked_after", or
     * stage_category NULL when the scenario does not say (recorded as
     * "unknown" for every stage, so a reader can tell) */
    const char *const *stage_intervention;
    const char *const *stage_group;
    const char *const *stage_category;
    /* the financial years (April-March) the months fall in, "2019/20",
     * ..., and each month's, an index into them, never decreasing */
    int n_financial_years;
    const char *const *financial_year_labels;
    const int *month_financial_year;
} cs_output_dims;

typedef struct cs_output_meta {
    const char *cascade_version;
    const char *command_line;
    uint64_t seed;
    const char *rng;           /* e.g. "philox4x32-10" */
    const char *scenario_yaml; /* root attribute: the first scenario's text */
    /* how the runs were made (root attributes of the same names, 1 or 0):
     * each run drew its own parameter values; each run drew which children
     * move (0: expected values); each run drew its own year effects (0:
     * none, or --no-year-effects) */
    int parameter_uncertainty, process_noise, year_effects;
} cs_output_meta;

/*
 * What a scenario says about itself beyond its runs: its group's
 * attributes. yaml is required; the three provenance strings are optional
 * (NULL: not recorded, and the attribute is left out).
 */
typedef struct cs_output_scenario_info {
    const char *yaml;     /* its fully resolved text: scenario_yaml */
    double discount_rate; /* its default for comparisons, a fraction a year
                             (0.035); must be finite, 0 <= rate < 1 */
    const char *extends_source; /* the file it extends, as the scenario
                                   names it ("<builtin>/x.yaml", a path),
                                   or "" if it extends nothing */
    const char *extends_hash;   /* a hash of that file's resolved text */
    const char *resolved_hash;  /* a hash of its own resolved text */
    int has_budget; /* 1: a budget dataset (the dims must have has_budget) */
    /* its discount schedule as cs_discount_format writes it
     * ("0:0.035 31:0.03 ..."; discount_rate is its first rate): attribute
     * discount_schedule; NULL: not recorded */
    const char *discount_schedule;
    /* 1: a care_leavers dataset (a scenario with care_leavers:) */
    int has_care_leavers;
    /* what a fitted scenario was fitted to (its group's fit_figures/), or
     * NULL: none (output_format.h) */
    const cs_output_figures *figures;
} cs_output_scenario_info;

typedef struct cs_output cs_output;

/*
 * Start a new output file for `path`. Fails with CS_EINPUT if path exists
 * and is not a cascade output file (unless force), is not a regular file
 * (even with force), if its directory is not writable, or if the name is
 * too long for the temporary beside it; nothing at path is touched until
 * cs_output_close.
 */
int cs_output_create(const char *path, int force, const cs_output_meta *meta,
                     const cs_output_dims *dims, cs_output **out,
                     cs_error *err);

/*
 * Add /scenarios/<name>/ sized for n_runs runs (1 to CS_OUTPUT_MAX_RUNS);
 * returns its index (>= 0) in *scenario_index. info's fields become the
 * group's attributes scenario_yaml, discount_rate, discount_schedule,
 * extends_source, extends_hash and resolved_hash.
 */
int cs_output_add_scenario(cs_output *output, const char *name,
                           const cs_output_scenario_info *info, int n_runs,
                           int *scenario_index, cs_error *err);

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
 * (refusing an existing non-cascade path without force, and one that is not
 * a regular file). The scenarios, their run counts and parameters are those
 * in the file, whose format it keeps; /compare, which would be stale, is
 * dropped, and the summaries are recomputed at close.
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
 * on a parallel output only closes the file (collectively); rank 0 then
 * adopts it once more without a communicator and closes it, which writes
 * the summaries and renames it into place (or cs_output_abort, and deletes
 * it).
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

/*
 * Extending a batch: copy every run marked done in scenario from_scenario
 * of the open file `from` (output_reader.h) into scenario scenario_index
 * of output, at the same run indices, each marked done once written;
 * *copied counts them. Output's scenario must have at least as many runs
 * and the same months, stages, ages, transitions, cost lines, capacity
 * stages and parameters (else CS_EINPUT). Values are copied exactly.
 */
struct cs_result;
int cs_output_copy_runs(cs_output *output, int scenario_index,
                        const struct cs_result *from, int from_scenario,
                        long *copied, cs_error *err);

/* Write one run's parameter values (n of cs_output_add_parameters). Call
 * before cs_output_write_run. */
int cs_output_write_params(cs_output *output, int scenario_index, int run,
                           const double *values, cs_error *err);

/*
 * Write one run's capacity record [month][capacity stage][3]: places,
 * children in the stage at the end of the month, children turned away
 * during it. Call before cs_output_write_run, which marks the run done.
 */
/*
 * Write runs first, first + stride, ... (count of them) of a scenario with
 * a budget dataset: budget [count][month][CS_BUDGET_MEASURES] (cash GBP per
 * month: the budget, statutory spend, the planned and paid cash of the
 * streams it pays, reserves at the end of the month). Before the runs'
 * cs_output_write_run(s), which marks them done.
 */
/*
 * Care leavers supported at the end of each month of count runs from
 * `first` by `stride`, care_leavers [count][month] (young people), into a
 * scenario made with has_care_leavers; count 0 takes part in a collective
 * write with nothing of its own. CS_OK, CS_EINPUT (no such dataset, or out
 * of range) or CS_EIO.
 */
int cs_output_write_care_leavers(cs_output *output, int scenario_index,
                                 int first, int stride, int count,
                                 const double *care_leavers, cs_error *err);

int cs_output_write_budget(cs_output *output, int scenario_index, int first,
                           int stride, int count, const double *budget,
                           cs_error *err);

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

#endif
