/*
 * table.h - the yearly table the program prints: per financial year, the
 * stock in each stage at 31 March, the entries to and exits from each stage
 * during the year, early- and late-intervention spend and the places of
 * stages with capacity, each as the median and 90% interval over runs.
 *
 * The table is computed from what an output file records and nothing
 * else (cli_table_from_result): its stages, their groups and
 * interventions, its transitions and what each moves, its financial
 * years, deflator and price base. So `summary` and `compare` need no
 * scenario, and `cascade run` can print its table by reading the file it
 * has just written.
 */
#ifndef CASCADE_CLI_TABLE_H
#define CASCADE_CLI_TABLE_H

#include <stdio.h>

#include "cascade/cascade.h"
#include "format.h"

/* The largest table: cascade's own scenario limits. */
#define CLI_MAX_STAGES CS_MAX_STAGES
#define CLI_MAX_YEARS (CS_MAX_YEARS + 1)

/* A printed column: one top-level stage (a group of placements is one). */
typedef struct cli_column {
    char id[CS_ID_MAX];
    int shown; /* 0 for universal services (intervention "none") */
    int n_leaves;
    int leaves[CLI_MAX_STAGES];
} cli_column;

enum {
    CLI_SPEND_EARLY_CASH,
    CLI_SPEND_LATE_CASH,
    CLI_SPEND_EARLY_REAL,
    CLI_SPEND_LATE_REAL,
    CLI_N_SPEND
};

/* DfE's counts at 31 March (docs/model.md, "Published figures"):
 * children in need count every cin, cp and looked_after stage (the CIN
 * census counts them all), then those on a plan, then looked after. */
enum { CLI_DFE_CIN, CLI_DFE_CP, CLI_DFE_LOOKED_AFTER, CLI_N_DFE };

/* What a flow does to the columns (table.c). */
typedef struct cli_flow {
    int kind;     /* CLI_FLOW_* in table.c */
    int from, to; /* columns, or -1 */
} cli_flow;

typedef struct cli_table {
    char scenario[CS_ID_MAX];
    char price_base[32]; /* "2019/20" */
    int has_costs;       /* the file has cost lines: print spend */
    long n_runs;         /* the batch: runs the scenario was sized for */
    long max_runs;       /* rows allocated */
    long runs;           /* rows filled: the runs the table covers */
    int *run_index;      /* [row]: the run it holds (-1: not known) */
    int n_stages, n_ages, n_months;
    int n_columns;
    cli_column columns[CLI_MAX_STAGES];
    int column_of_stage[CLI_MAX_STAGES];
    /* each leaf stage's DfE category, CLI_DFE_* or -1 (none). When the
     * file records none (format 1, or a scenario without dfe:), the
     * top-level stages named cin, cp and looked_after, as tools/report
     * reads them; dfe_by_name says so */
    int stage_dfe[CLI_MAX_STAGES];
    int dfe_by_name;
    int has_dfe[CLI_N_DFE]; /* a stage is counted in it */
    int n_fys;
    char fy_label[CLI_MAX_YEARS][16];
    char fy_end_month[CLI_MAX_YEARS][16]; /* its last month, "2020-03" */
    int fy_last_month[CLI_MAX_YEARS];
    int fy_months[CLI_MAX_YEARS]; /* months of the run in it (12: all) */
    int *month_fy;                /* [month] */
    double *deflator;             /* [month] */
    int n_flows;
    cli_flow *flows; /* [flow] */
    /* stages with capacity: the turned_away flow of each, and where its
     * places come from: column source of the runs' capacity records
     * [month][n_capacity_source][3], or fixed_places [month][n_capacity] */
    int n_capacity;
    char capacity_id[CLI_MAX_STAGES][CS_ID_MAX];
    int capacity_flow[CLI_MAX_STAGES];
    int capacity_source[CLI_MAX_STAGES];
    int n_capacity_source;
    double *fixed_places;
    /* per run, [run][fy][column] */
    double *stock, *entries, *exits;
    /* per run, [run][fy][CLI_N_DFE]: DfE's counts at the year's end */
    double *dfe_stock;
    /* per run, [run][fy][CLI_N_SPEND], GBP */
    double *spend;
    /* per run, [run][fy][capacity stage][2]: places in the year's last
     * month, children turned away during the year */
    double *capacity;
    /* a scenario with a budget: per run, [run][fy][CLI_N_BUDGET] GBP cash
     * (statutory spend, planned and paid cash of the streams it pays
     * during the year, reserves at its end), and [run] the first month the
     * budget could not pay the plan in full or the reserves went below
     * zero (-1: never) */
    int has_budget;
    double *budget;
    int *budget_short;
    /* a scenario with care_leavers: per run, [run][fy] the care leavers
     * supported at the end of the year's last month (31 March) */
    int has_care_leavers;
    double *care_leavers;
} cli_table;

enum {
    CLI_BUDGET_STATUTORY = 0,
    CLI_BUDGET_PLANNED = 1,
    CLI_BUDGET_PAID = 2,
    CLI_BUDGET_RESERVES = 3,
    CLI_N_BUDGET = 4
};

/*
 * The table of scenario `scenario` of result: of the runs r with runs[r]
 * set (n_runs of the scenario long), or of every run done (run_done 1)
 * when runs is NULL. A run asked for that was never written, or no run at
 * all, is CS_EINPUT. Needs nothing but the file.
 */
int cli_table_from_result(const cs_result *result, int scenario,
                          const unsigned char *runs, cli_table *t,
                          cs_error *err);

void cli_table_free(cli_table *t);

/* "median, and [5%, 95%] below it, over 37 of 200 runs (the batch is
 * incomplete: ...)", or "... over 200 runs", into text. */
void cli_table_describe_runs(const cli_table *t, char *text, size_t size);

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
 * entries, exits (by stage), spend_early/late_cash/real (GBP), the
 * budget's rows, care_leavers_31_march (young people), and places,
 * turned_away (by stage with capacity).
 */
void cli_table_write_csv(FILE *f, const cli_table *t);

/* The header line for cli_table_write_csv. */
#define CLI_TABLE_CSV_HEADER                                                   \
    "scenario,measure,year,stage,units,statistic,value\n"

/* Median, 5% and 95% (R type 7) over runs of values[r * stride], using
 * scratch (runs doubles); NaN for no runs. */
void cli_quantiles(const double *values, long runs, size_t stride,
                   double *scratch, double q[3]);

#endif
