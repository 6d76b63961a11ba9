/*
 * voi.h - the value-of-information section of `cascade compare --wtp`:
 * per option (a scenario of the files compared), over the runs done in
 * every option (paired by run index: one batch's common random numbers,
 * so run r of each drew the same parameters), the discounted child-years
 * looked after, the discounted spend, the net monetary benefit against the
 * first option (the base) at a willingness to pay per child-year in care
 * avoided, the probability that each option is best, and the expected
 * value of perfect information with its Monte Carlo standard error
 * (cs_voi_compute); optionally over a grid of willingness to pay (the
 * cost-effectiveness acceptability curve). docs/scores.md, "Value of
 * information", says what each quantity means.
 */
#ifndef CASCADE_CLI_VOI_H
#define CASCADE_CLI_VOI_H

#include <stdio.h>

#include "cascade/cascade.h"

#define CLI_VOI_MAX_OPTIONS CS_BATCH_MAX_SCENARIOS
#define CLI_VOI_MAX_GRID 1001

typedef struct cli_voi {
    int n_options;
    char names[CLI_VOI_MAX_OPTIONS][CS_ID_MAX]; /* [0]: the base */
    long runs;                                  /* paired runs used */
    long n_runs;                                /* the batch's */
    /* what each run drew (cs_result_batch of the base's file: 1, 0, or
     * -1 not recorded) */
    int parameter_uncertainty, process_noise, year_effects;
    int *run_index;       /* [runs] */
    double wtp;           /* GBP per child-year looked after avoided */
    cs_discount discount; /* for both cost and child-years */
    char price_base[32];
    char first_year[16], last_year[16]; /* the financial years covered */
    int n_fys;                          /* how many */
    double *child_years;                /* [run][option], discounted */
    double *cost; /* [run][option] GBP constant prices, discounted */
    double *nmb;  /* [run][option] GBP, against option 0, at wtp */
    double expected_nmb[CLI_VOI_MAX_OPTIONS];
    double p_best[CLI_VOI_MAX_OPTIONS];
    double avoided[CLI_VOI_MAX_OPTIONS];    /* mean child-years avoided */
    double extra_cost[CLI_VOI_MAX_OPTIONS]; /* mean extra cost */
    cs_voi voi;
    int n_grid;       /* the acceptability curve: 0 without --wtp-grid */
    double *grid;     /* [n_grid] GBP per child-year */
    double *ceac;     /* [n_grid][option]: P(best) */
    double *grid_nmb; /* [n_grid][option]: expected NMB */
    double *grid_evpi, *grid_evpi_se; /* [n_grid] */
} cli_voi;

/*
 * Options i = 0..n-1 are scenario scenarios[i] of results[i]; option 0
 * is the base. They must have the same run count, financial years, price
 * base and deflator; the runs used are those done in all of them.
 * CS_EINPUT with a message naming what differs.
 */
int cli_voi_compute(const cs_result *const *results, const int *scenarios,
                    int n, double wtp, const cs_discount *discount,
                    const double *grid, int n_grid, cli_voi *v, cs_error *err);

void cli_voi_free(cli_voi *v);

/* The section for the terminal. */
void cli_voi_print(const cli_voi *v);

/* Tidy CSV (header CLI_VOI_CSV_HEADER): one row per quantity, option and
 * willingness to pay. */
#define CLI_VOI_CSV_HEADER                                                     \
    "base,option,measure,wtp_gbp_per_child_year,units,value,"                  \
    "standard_error,runs,price_base,discount_rate,discount_schedule\n"
void cli_voi_write_csv(FILE *f, const cli_voi *v);

/* The group `group` (e.g. "compare/alt_vs_base/voi") in the file at path
 * (docs/output-format.md). */
int cli_voi_write_group(const char *path, const char *group, const cli_voi *v,
                        cs_error *err);

/* FROM:TO:STEP in whole pounds, 0 <= FROM <= TO <= 2e9, STEP > 0, at most
 * CLI_VOI_MAX_GRID points, into grid[]; *n points. 0, or -1 with a
 * message in err. */
int cli_voi_parse_grid(const char *text, double *grid, int *n, cs_error *err);

#endif
