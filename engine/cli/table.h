/*
 * table.h - the yearly table the program prints: per financial year, the
 * stock in each stage at 31 March, the entries to and exits from each stage
 * during the year, and early- and late-intervention spend, each as the
 * median and 90% interval over runs. Runs are added one at a time from the
 * arrays a run produces (or reads back from a file), so the same table
 * serves `run` and the commands that read output.
 */
#ifndef CASCADE_CLI_TABLE_H
#define CASCADE_CLI_TABLE_H

#include <stdio.h>

#include "cascade/cascade.h"

/* A printed column: one top-level stage (a group of placements is one). */
typedef struct cli_column {
    char id[CS_ID_MAX];
    int n_leaves;
    int leaves[CS_MAX_STAGES];
} cli_column;

enum {
    CLI_SPEND_EARLY_CASH,
    CLI_SPEND_LATE_CASH,
    CLI_SPEND_EARLY_REAL,
    CLI_SPEND_LATE_REAL,
    CLI_N_SPEND
};

typedef struct cli_table {
    const cs_scenario *scenario;
    const cs_model *model;
    long max_runs; /* rows allocated */
    long runs;     /* rows filled: the runs the table covers */
    int n_columns;
    cli_column columns[CS_MAX_STAGES];
    int column_of_stage[CS_MAX_STAGES];
    int n_fys;
    int fy_last_month[CS_MAX_YEARS + 1];
    /* per run, [run][fy][column] */
    double *stock, *entries, *exits;
    /* per run, [run][fy][CLI_N_SPEND], GBP */
    double *spend;
    /* per run, [run][fy][capacity stage][2]: places in the year's last
     * month, children turned away during the year */
    int n_capacity;
    double *capacity;
} cli_table;

/* Sized for `runs` runs of model (compiled from scenario). 0 or -1. */
int cli_table_init(cli_table *t, const cs_scenario *scenario,
                   const cs_model *model, long runs);
void cli_table_free(cli_table *t);

/* Add a run (the next row): stocks [month][stage][age], flows [month][flow],
 * spend [month][CS_N_SPEND] in cash (NULL: no spend). Places come from the
 * model. */
void cli_table_add_run(cli_table *t, const double *stocks, const double *flows,
                       const double *spend);

/* Print the whole table to stdout; `what` says what the figures are, e.g.
 * "median, and [5%, 95%] below it, over 100 runs". */
void cli_table_print(const cli_table *t, const char *what);

/*
 * One block of the table: rows x columns of values [run][row][column],
 * each printed as the median with [5%, 95%] beneath when runs > 1. money:
 * values are GBP, printed in millions with one decimal.
 */
typedef struct cli_block {
    const char *title;
    const char *row_header;
    int n_rows;
    const char *const *row_labels;
    int n_columns;
    const char *const *column_labels;
    const int *show; /* per column, or NULL for all */
    const double *values;
    long runs;
    int money;
} cli_block;

void cli_print_block(const cli_block *block);

/*
 * The table as tidy CSV rows (no header): scenario, measure, year, stage,
 * units, statistic (median, p05, p95), value. Measures: stock_31_march,
 * entries, exits (by stage), spend_early/late_cash/real (GBP), and
 * places, turned_away (by stage with capacity).
 */
void cli_table_write_csv(FILE *f, const cli_table *t);

/* The header line for cli_table_write_csv. */
#define CLI_TABLE_CSV_HEADER                                                   \
    "scenario,measure,year,stage,units,statistic,value\n"

/* Median, 5% and 95% (R type 7) over runs of values[r * stride], using
 * scratch (runs doubles). */
void cli_quantiles(const double *values, long runs, size_t stride,
                   double *scratch, double q[3]);

/* "1,234,567" (value rounded to a whole number). */
void cli_format_count(double value, char *out, size_t size);

#endif
