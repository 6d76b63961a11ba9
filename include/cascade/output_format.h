/*
 * output_format.h - what every part of the HDF5 output module shares: the
 * format version, the limits a file must keep and the quantile levels of
 * its summaries, and two process-wide helpers.
 *
 * docs/output-format.md is the contract for the layout; in short:
 *
 *   /                      attributes cascade_version, format_version,
 *                          command_line, created, seed, rng, scenario_yaml
 *   /dims/month            "2019-04", ...          (dimension scale)
 *   /dims/month_financial_year  index of each month's financial year
 *   /dims/financial_year   "2019/20", ...          (dimension scale)
 *   /dims/stage            leaf stage ids          (dimension scale)
 *   /dims/stage_intervention, stage_group, stage_category  what each is
 *   /dims/age              0..17                   (dimension scale)
 *   /dims/transition       transition ids          (dimension scale)
 *   /dims/transition_from, /dims/transition_to     what each flow moves
 *   /dims/quantile         the levels below        (dimension scale)
 *   /dims/cost_line, cost_line_intervention, /dims/spend
 *   /dims/capacity_stage, /dims/capacity_measure, /dims/budget_measure
 *   /scenarios/<name>/     run, run_done, stocks, flows, costs, spend,
 *                          capacity, budget, unit_costs, deflator, parameter,
 *                          parameter_distribution, params, summary/,
 *                          fit_figures/ (a fitted scenario: what it was
 *                          fitted to, cs_output_figures below), and
 *                          (format 3) copies of the /dims scales and
 *                          records its datasets attach
 *   /compare/<alt>_vs_<base>/  written by cascade compare
 *                          (output_group.h)
 *
 * output_writer.h writes it, output_reader.h reads it (formats 1 to 3),
 * output_group.h adds derived tables to a finished file.
 */
#ifndef CASCADE_OUTPUT_FORMAT_H
#define CASCADE_OUTPUT_FORMAT_H

#include <stddef.h>

#include "cascade/error.h"

/* The layout written; readers read this and every earlier one. Format 2
 * added the per-stage, calendar and provenance records that reports read
 * instead of recompiling the stored scenario text. Format 3 gives each
 * scenario group its own dimension scales (netCDF-4 readers such as xarray
 * open the group directly); /dims is unchanged. */
#define CS_OUTPUT_FORMAT_VERSION 3
#define CS_OUTPUT_OLDEST_FORMAT 1

/* The most runs a scenario of a file may have: what `cascade run -n`
 * accepts. The writer refuses more, and the reader refuses files that
 * declare more (a small file cannot make a reader work for hours). */
#define CS_OUTPUT_MAX_RUNS 10000000

#define CS_N_QUANTILES 7
/* The quantile levels stored in summary/quantiles, in order. */
extern const double cs_quantile_levels[CS_N_QUANTILES];

/* 1 if path is a regular HDF5 file with a cascade format_version
 * attribute, else 0. */
int cs_output_is_cascade_file(const char *path);

/*
 * The temporary a writer of `path` works on, "<path>.tmp-<pid>", into
 * buffer: the output writer, cs_output_reopen and cs_output_write_group
 * all use it, so a program can remove it should it be stopped by a signal
 * (unlink is safe in a signal handler). CS_OK, or CS_EINPUT if the name
 * (or its last component) would be too long for the file system.
 */
int cs_output_temporary_name(const char *path, char *buffer, size_t size,
                             cs_error *err);

/*
 * Call once, first thing in main(), before any other HDF5 or cs_output /
 * cs_result call: it stops HDF5 registering its atexit() clean-up. HDF5
 * 1.10.8 crashes in that clean-up when a file could not be flushed or
 * closed (a full disk during cs_output_close; fixed upstream in
 * HDFGroup/hdf5 PR #2291). cascade closes or aborts every file itself, so
 * nothing is lost. Returns CS_OK, or CS_EFAIL if HDF5 was already in use.
 */
int cs_output_prepare_process(void);

/*
 * The budget's record of a month (a scenario with a budget:), cash GBP:
 * the month's budget, the statutory (late-intervention) spend it paid
 * first, the planned cash of the funding streams it pays, what it paid of
 * that, and the reserves at the end of the month (negative: overspent).
 */
enum {
    CS_BUDGET_INCOME = 0,
    CS_BUDGET_STATUTORY = 1,
    CS_BUDGET_PLANNED = 2,
    CS_BUDGET_PAID = 3,
    CS_BUDGET_RESERVES = 4,
    CS_BUDGET_MEASURES = 5
};

/*
 * What a fitted scenario was fitted to (its fit.figures), as a scenario
 * group of the file records it in fit_figures/ (docs/output-format.md):
 * the area, the data files' names, the window (DfE years to 31 March: the
 * model started from 31 March first_year and was fitted to the years after
 * it up to last_year), and for each measure (data.h's names) what kind it
 * is ("stock": at 31 March; "flow": during the year to 31 March;
 * "population": the ONS mid-year estimate used for the year), its unit and
 * description, and its published and fitted (one year ahead) values for
 * each year of the window, [measure][year - first_year], NaN where none.
 */
#define CS_OUTPUT_FIGURES_MEASURES 64
#define CS_OUTPUT_FIGURES_YEARS 50

typedef struct cs_output_figures {
    char area_code[48], area_name[96], source[256];
    int first_year, last_year;
    int n_measures;
    char measure[CS_OUTPUT_FIGURES_MEASURES][48];
    char kind[CS_OUTPUT_FIGURES_MEASURES][16];
    char unit[CS_OUTPUT_FIGURES_MEASURES][32];
    char description[CS_OUTPUT_FIGURES_MEASURES][192];
    double published[CS_OUTPUT_FIGURES_MEASURES][CS_OUTPUT_FIGURES_YEARS];
    double fitted[CS_OUTPUT_FIGURES_MEASURES][CS_OUTPUT_FIGURES_YEARS];
} cs_output_figures;

#endif
