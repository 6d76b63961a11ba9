/*
 * writer.h - the writer's state, shared by writer.c and summary.c.
 */
#ifndef CASCADE_ENGINE_OUTPUT_WRITER_H
#define CASCADE_ENGINE_OUTPUT_WRITER_H

#include <hdf5.h>

#include "cascade/output_writer.h"

/*
 * The axes a scenario's datasets are indexed by. From format 3 each is a
 * dimension scale inside the scenario's group (quantile inside its summary
 * group), so netCDF-4 readers (xarray) find them; files of formats 1 and 2
 * attach the shared scales in /dims instead.
 */
typedef enum cs_output_axis {
    CS_AXIS_MONTH,
    CS_AXIS_STAGE,
    CS_AXIS_AGE,
    CS_AXIS_TRANSITION,
    CS_AXIS_COST_LINE,
    CS_AXIS_SPEND, /* "intervention" in a group, "spend" in /dims */
    CS_AXIS_CAPACITY_STAGE,
    CS_AXIS_CAPACITY_MEASURE,
    CS_AXIS_BUDGET_MEASURE,
    CS_AXIS_QUANTILE,
    CS_N_AXES
} cs_output_axis;

/* One /scenarios/<name>/ group; its datasets stay open while writing. */
typedef struct cs_output_scenario {
    char *name;
    int n_runs;
    hid_t group;
    hid_t stocks;       /* [run, month, stage, age] */
    hid_t flows;        /* [run, month, transition] */
    hid_t run_done;     /* [run] uint8 */
    hid_t costs;        /* [run, month, cost_line], or -1 without cost lines */
    hid_t spend;        /* [run, month, spend] */
    hid_t capacity;     /* [run, month, capacity_stage, measure], or -1 */
    hid_t params;       /* [run, parameter], or -1 */
    hid_t budget;       /* [run, month, budget_measure], or -1 without one */
    hid_t care_leavers; /* [run, month], or -1 without care_leavers: */
    int n_params;
    hid_t axis[CS_N_AXES]; /* the scales its datasets attach, or -1 */
} cs_output_scenario;

struct cs_output {
    char *path;     /* where the file ends up */
    char *tmp_path; /* "<path>.tmp-<pid>", written until close */
    hid_t file;
    int n_months, n_stages, n_ages, n_transitions, n_cost_lines, n_capacity;
    /* the /dims scales, open so scenarios can attach them */
    hid_t scale_month, scale_stage, scale_age, scale_transition, scale_quantile;
    hid_t scale_cost_line, scale_spend; /* scale_cost_line -1 if no lines */
    hid_t scale_capacity, scale_capacity_measure; /* -1 without capacity */
    int has_budget;             /* some scenario may have a budget dataset */
    hid_t scale_budget_measure; /* -1 without */
    cs_output_scenario *scenarios;
    int n_scenarios, scenario_capacity;
    int failed;          /* a write failed: the file must not replace path */
    uint64_t run_values; /* float64 values one run writes (space.h) */
    int threads;         /* for the summaries (cs_output_set_threads) */
    int parallel;        /* opened on an MPI communicator (cs_output_adopt) */
    hid_t dxpl;          /* transfer properties of run writes */
    int format;          /* the file's format_version */
};

/*
 * Whether a scenario of n_runs runs is stored compressed (shuffle and
 * deflate on its per-run datasets and its summaries): only when its runs
 * hold more than CS_OUTPUT_COMPRESS_MIN_BYTES uncompressed. A small file
 * (a deterministic run, a one-run forecast, a few runs) is written faster
 * without, and its size hardly matters; deflate's set-up for each chunk
 * and the work on counts that do not repeat cost a one-run file more than
 * stepping the run (bench/RESULTS.md). Every slice of an n-run batch
 * decides alike, so slices still merge.
 */
#define CS_OUTPUT_COMPRESS_MIN_BYTES ((uint64_t)4 << 20)
static inline int cs_output_compresses(const cs_output *output, int n_runs)
{
    return (uint64_t)n_runs * output->run_values * sizeof(double) >
           CS_OUTPUT_COMPRESS_MIN_BYTES;
}

/*
 * Create <scenario>/summary/{mean,quantiles} from the runs marked done in
 * run_done. Defined in summary.c.
 */
int cs_output_write_summary(cs_output *output, cs_output_scenario *scenario,
                            cs_error *err);

/* Copy a file byte for byte to a new file `to` (created exclusively).
 * Defined in update.c. */
int cs_output_copy_file(const char *from, const char *to, cs_error *err);

/*
 * Open (or, for CS_AXIS_QUANTILE in a new file, create in the summary
 * group `summary`) the scale of axis in scenario->axis[axis], if it is not
 * open and the file has it. Returns the handle, or -1.
 */
hid_t cs_output_scenario_axis(cs_output *output, cs_output_scenario *scenario,
                              cs_output_axis axis, hid_t summary);

/* Attach the named scales to dimensions 0.. of dataset, with labels. */
herr_t cs_output_attach_scales(hid_t dataset, int rank, const hid_t *scales,
                               const char *const *labels);

#endif
