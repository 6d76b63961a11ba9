/*
 * headline.h - the few numbers `cascade run` and `cascade compare` lead
 * with: children looked after, on child protection plans and in need at
 * 31 March of years 1, 5 and 10, and early- and late-intervention spend
 * during financial years 1, 5 and 10, each the median over runs with its
 * 90% interval, rounded for people (format.h). The full tables (table.h)
 * are printed on request.
 *
 * The years are those the run has: the 1st, 5th and 10th 31 March it
 * reaches (and its last, when it reaches fewer than ten), and the 1st,
 * 5th and 10th complete financial year (April to March) for spend.
 */
#ifndef CASCADE_CLI_HEADLINE_H
#define CASCADE_CLI_HEADLINE_H

#include "table.h"

#define CLI_HEADLINE_YEARS 4

/* The years shown: indices into t's financial years (*n of them), and
 * which year of the run each is (1-based). */
void cli_headline_stock_years(const cli_table *t, int fy[CLI_HEADLINE_YEARS],
                              int number[CLI_HEADLINE_YEARS], int *n);
void cli_headline_spend_years(const cli_table *t, int fy[CLI_HEADLINE_YEARS],
                              int *n);

/*
 * Print the stock panel of values [run][fy][CLI_N_DFE] (t->dfe_stock, or
 * a paired difference: difference 1 puts "+" before a rise) over runs.
 */
void cli_headline_print_stocks(const cli_table *t, const double *dfe_stock,
                               long runs, int difference);

/*
 * Print the spend panel: n_rows rows labelled labels[i], row i of run r
 * and year fy at money[(r * n_fys + fy) * stride + offset[i]], GBP at
 * constant prices of t's price base.
 */
void cli_headline_print_spend(const cli_table *t, const double *money,
                              size_t stride, int n_rows,
                              const char *const *labels, const int *offset,
                              long runs, int difference);

/*
 * Print the budget panel of a scenario with a budget (t->has_budget), GBP
 * cash by financial year: statutory spend, what the streams it pays got
 * and did not get, the reserves at the year's end; then in how many runs
 * it fell short and, over those, the median first month.
 */
void cli_headline_print_budget(const cli_table *t, long runs);

/* The same as paired differences alt - base (both with a budget, rows of
 * the same runs): statutory spend, what the streams were not paid, the
 * reserves at the year's end. */
void cli_headline_print_budget_difference(const cli_table *base,
                                          const cli_table *alt, long runs);

/* The median and 90% interval of values[r * stride] as "£952m" and
 * "[£946m, £958m]" (money) or "79,900" and "[77,300, 82,400]". */
void cli_headline_figure(const double *values, long runs, size_t stride,
                         int money, int difference, char *median,
                         char *interval, size_t size);

#endif
