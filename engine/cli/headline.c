/*
 * headline.c - the headline panels (see headline.h).
 *
 * A panel is a few labelled rows by a few year columns, each cell the
 * median with the [5%, 95%] interval on the line beneath it, as the full
 * tables have it; cells are padded by the characters they show ("£" is two
 * bytes), so columns line up.
 */
#include "headline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rounding: three significant figures; a median over runs has no more. */
#define DIGITS 3
#define LABEL_WIDTH 20
#define CELL 64

/* The 1st, 5th and 10th of n candidates (their indices in `from`), and
 * the last when it is not one of them (a horizon of 7 or 20 years ends on
 * its own column). */
static void pick_years(const int *from, int n_from, int fy[CLI_HEADLINE_YEARS],
                       int number[CLI_HEADLINE_YEARS], int *n)
{
    static const int wanted[3] = {1, 5, 10};
    *n = 0;
    for (int i = 0; i < 3; i++)
        if (wanted[i] <= n_from) {
            fy[*n] = from[wanted[i] - 1];
            number[(*n)++] = wanted[i];
        }
    if (n_from > 0 && number[*n - 1] != n_from) {
        fy[*n] = from[n_from - 1];
        number[(*n)++] = n_from;
    }
}

void cli_headline_stock_years(const cli_table *t, int fy[CLI_HEADLINE_YEARS],
                              int number[CLI_HEADLINE_YEARS], int *n)
{
    int march[CLI_MAX_YEARS], n_march = 0;
    for (int y = 0; y < t->n_fys; y++) {
        const char *end = t->fy_end_month[y]; /* "2020-03" */
        size_t len = strlen(end);
        if (len >= 3 && strcmp(end + len - 3, "-03") == 0)
            march[n_march++] = y;
    }
    pick_years(march, n_march, fy, number, n);
}

void cli_headline_spend_years(const cli_table *t, int fy[CLI_HEADLINE_YEARS],
                              int *n)
{
    int whole[CLI_MAX_YEARS], n_whole = 0, number[CLI_HEADLINE_YEARS];
    for (int y = 0; y < t->n_fys; y++)
        if (t->fy_months[y] == 12)
            whole[n_whole++] = y;
    pick_years(whole, n_whole, fy, number, n);
}

static void format_value(double value, int money, int difference, char *out,
                         size_t size)
{
    if (money)
        cli_format_money(value, DIGITS, out, size);
    else
        cli_format_people(value, DIGITS, out, size);
    if (difference)
        cli_format_add_plus(value, out, size);
}

void cli_headline_figure(const double *values, long runs, size_t stride,
                         int money, int difference, char *median,
                         char *interval, size_t size)
{
    double *scratch = malloc((size_t)(runs > 0 ? runs : 1) * sizeof *scratch);
    double q[3] = {0, 0, 0};
    if (scratch)
        cli_quantiles(values, runs, stride, scratch, q);
    free(scratch);
    if (!scratch) {
        snprintf(median, size, "n/a");
        interval[0] = '\0';
        return;
    }
    format_value(q[0], money, difference, median, size);
    interval[0] = '\0';
    if (runs > 1) {
        char lo[CLI_NUMBER_MAX], hi[CLI_NUMBER_MAX];
        format_value(q[1], money, difference, lo, sizeof lo);
        format_value(q[2], money, difference, hi, sizeof hi);
        snprintf(interval, size, "[%s, %s]", lo, hi);
    }
}

/* text right-aligned in width characters, after two spaces */
static void print_cell(const char *text, int width)
{
    int pad = width - cli_display_width(text);
    printf("  %*s%s", pad > 0 ? pad : 0, "", text);
}

static void print_label(const char *text)
{
    int pad = LABEL_WIDTH - cli_display_width(text);
    printf("%s%*s", text, pad > 0 ? pad : 0, "");
}

/*
 * header_label and headers[col] on one line, then per row its label and
 * medians, and beneath (runs > 1) the intervals. values[run][row][col].
 */
static void print_panel(const char *header_label, int n_cols,
                        const char *const *headers, int n_rows,
                        const char *const *labels, const double *values,
                        long runs, int money, int difference)
{
    size_t stride = (size_t)n_rows * (size_t)n_cols;
    char(*median)[CELL] = calloc(stride ? stride : 1, CELL);
    char(*interval)[CELL] = calloc(stride ? stride : 1, CELL);
    int width[CLI_HEADLINE_YEARS] = {0};
    if (!median || !interval || n_cols > CLI_HEADLINE_YEARS)
        goto done;
    for (int j = 0; j < n_cols; j++)
        width[j] = cli_display_width(headers[j]);
    for (int i = 0; i < n_rows; i++)
        for (int j = 0; j < n_cols; j++) {
            size_t cell = (size_t)i * (size_t)n_cols + (size_t)j;
            cli_headline_figure(values + cell, runs, stride, money, difference,
                                median[cell], interval[cell], CELL);
            int w = cli_display_width(median[cell]);
            if (cli_display_width(interval[cell]) > w)
                w = cli_display_width(interval[cell]);
            if (w > width[j])
                width[j] = w;
        }
    print_label(header_label);
    for (int j = 0; j < n_cols; j++)
        print_cell(headers[j], width[j]);
    printf("\n");
    for (int i = 0; i < n_rows; i++) {
        char label[64];
        snprintf(label, sizeof label, "  %s", labels[i]);
        print_label(label);
        for (int j = 0; j < n_cols; j++)
            print_cell(median[(size_t)i * n_cols + j], width[j]);
        printf("\n");
        if (runs > 1) {
            print_label("");
            for (int j = 0; j < n_cols; j++)
                print_cell(interval[(size_t)i * n_cols + j], width[j]);
            printf("\n");
        }
    }
done:
    free(median);
    free(interval);
}

void cli_headline_print_stocks(const cli_table *t, const double *dfe_stock,
                               long runs, int difference)
{
    int fy[CLI_HEADLINE_YEARS], number[CLI_HEADLINE_YEARS], n_cols;
    cli_headline_stock_years(t, fy, number, &n_cols);
    /* looked after first: the figure budgets turn on */
    static const int order[CLI_N_DFE] = {CLI_DFE_LOOKED_AFTER, CLI_DFE_CP,
                                         CLI_DFE_CIN};
    static const char *const names[CLI_N_DFE] = {
        "in need (all CIN)", "on a CP plan", "looked after"};
    int rows[CLI_N_DFE], n_rows = 0;
    const char *labels[CLI_N_DFE];
    for (int i = 0; i < CLI_N_DFE; i++)
        if (t->has_dfe[order[i]]) {
            rows[n_rows] = order[i];
            labels[n_rows++] = names[order[i]];
        }
    if (n_cols == 0 || n_rows == 0) {
        printf("Children at 31 March: %s\n",
               n_cols == 0 ? "the run reaches no 31 March"
                           : "no stage is counted as looked after, on a "
                             "plan or in need (see --table full)");
        return;
    }
    char header[CLI_HEADLINE_YEARS][32];
    const char *headers[CLI_HEADLINE_YEARS];
    for (int j = 0; j < n_cols; j++) {
        /* "2020 (year 1)": the year of the 31 March ending it */
        snprintf(header[j], sizeof header[j], "%.4s (year %d)",
                 t->fy_end_month[fy[j]], number[j]);
        headers[j] = header[j];
    }
    double *values = malloc((size_t)(runs > 0 ? runs : 1) * n_rows * n_cols *
                            sizeof *values);
    if (!values)
        return;
    for (long r = 0; r < runs; r++)
        for (int i = 0; i < n_rows; i++)
            for (int j = 0; j < n_cols; j++)
                values[((size_t)r * n_rows + i) * n_cols + j] =
                    dfe_stock[((size_t)r * t->n_fys + fy[j]) * CLI_N_DFE +
                              rows[i]];
    print_panel(difference ? "Children, 31 March" : "Children at 31 March",
                n_cols, headers, n_rows, labels, values, runs, 0, difference);
    if (t->dfe_by_name)
        printf("(the file records no DfE categories: the stages named cin, "
               "cp and looked_after)\n");
    free(values);
}

void cli_headline_print_spend(const cli_table *t, const double *money,
                              size_t stride, int n_rows,
                              const char *const *labels, const int *offset,
                              long runs, int difference)
{
    int fy[CLI_HEADLINE_YEARS], n_cols;
    cli_headline_spend_years(t, fy, &n_cols);
    if (!t->has_costs || n_cols == 0) {
        printf("Spend: %s\n", t->has_costs ? "the run has no complete "
                                             "financial year (April to March)"
                                           : "the scenario has no unit costs");
        return;
    }
    const char *headers[CLI_HEADLINE_YEARS];
    for (int j = 0; j < n_cols; j++)
        headers[j] = t->fy_label[fy[j]];
    /* a kind of spend the scenario has none of is no news (a difference
     * of none is) */
    const char *kept[8];
    int kept_offset[8], n_kept = 0;
    for (int i = 0; i < n_rows && n_kept < 8; i++) {
        int any = difference;
        for (long r = 0; !any && r < runs; r++)
            for (int y = 0; !any && y < t->n_fys; y++)
                any =
                    money[((size_t)r * t->n_fys + y) * stride + offset[i]] != 0;
        if (any) {
            kept[n_kept] = labels[i];
            kept_offset[n_kept++] = offset[i];
        }
    }
    n_rows = n_kept;
    labels = kept;
    offset = kept_offset;
    double *values = malloc((size_t)(runs > 0 ? runs : 1) * n_rows * n_cols *
                            sizeof *values);
    if (!values)
        return;
    for (long r = 0; r < runs; r++)
        for (int i = 0; i < n_rows; i++)
            for (int j = 0; j < n_cols; j++)
                values[((size_t)r * n_rows + i) * n_cols + j] =
                    money[((size_t)r * t->n_fys + fy[j]) * stride + offset[i]];
    printf("Spend during the financial year (April to March), £ at constant "
           "%s prices\n",
           t->price_base);
    print_panel("", n_cols, headers, n_rows, labels, values, runs, 1,
                difference);
    free(values);
}

/* "YYYY-MM" of month m of the run, from the end of its first financial
 * year ("2020-03" is month fy_last_month[0]). */
static void month_name(const cli_table *t, int m, char *out, size_t size)
{
    int year = atoi(t->fy_end_month[0]), month = atoi(t->fy_end_month[0] + 5);
    int k = year * 12 + (month - 1) - t->fy_last_month[0] + m;
    snprintf(out, size, "%04d-%02d", k / 12, k % 12 + 1);
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void cli_headline_print_budget(const cli_table *t, long runs)
{
    int fy[CLI_HEADLINE_YEARS], n_cols;
    cli_headline_spend_years(t, fy, &n_cols);
    if (!t->has_budget || n_cols == 0 || runs < 1)
        return;
    enum { ROWS = 4 };
    static const char *const labels[ROWS] = {
        "statutory spend", "streams it pays", "  of which not paid",
        "reserves, year end"};
    const char *headers[CLI_HEADLINE_YEARS];
    for (int j = 0; j < n_cols; j++)
        headers[j] = t->fy_label[fy[j]];
    double *values =
        malloc((size_t)runs * ROWS * (size_t)n_cols * sizeof *values);
    int *shorts = malloc((size_t)runs * sizeof *shorts);
    if (!values || !shorts) {
        free(values);
        free(shorts);
        return;
    }
    long n_short = 0;
    for (long r = 0; r < runs; r++) {
        for (int j = 0; j < n_cols; j++) {
            const double *y =
                t->budget + ((size_t)r * t->n_fys + fy[j]) * CLI_N_BUDGET;
            double *v = values + (size_t)r * ROWS * n_cols + j;
            v[0 * n_cols] = y[CLI_BUDGET_STATUTORY];
            v[1 * n_cols] = y[CLI_BUDGET_PLANNED];
            v[2 * n_cols] = y[CLI_BUDGET_PLANNED] - y[CLI_BUDGET_PAID];
            v[3 * n_cols] = y[CLI_BUDGET_RESERVES];
        }
        if (t->budget_short[r] >= 0)
            shorts[n_short++] = t->budget_short[r];
    }
    printf("Budget during the financial year, £ cash: statutory spend paid "
           "first, then the streams it pays\n");
    print_panel("", n_cols, headers, ROWS, labels, values, runs, 1, 0);
    char share[CLI_NUMBER_MAX];
    cli_format_percent((double)n_short / (double)runs, share, sizeof share);
    if (n_short == 0)
        printf("  the budget paid its streams in full in every month of "
               "every run\n");
    else {
        qsort(shorts, (size_t)n_short, sizeof *shorts, compare_ints);
        char first[16];
        month_name(t, shorts[(n_short - 1) / 2], first, sizeof first);
        printf("  reserves ran out (a stream cut, or an overspend) in %s of "
               "runs (%ld of %ld), %s %s\n",
               share, n_short, runs,
               n_short > 1 ? "from a median month of" : "from", first);
    }
    free(values);
    free(shorts);
}

void cli_headline_print_budget_difference(const cli_table *base,
                                          const cli_table *alt, long runs)
{
    int fy[CLI_HEADLINE_YEARS], n_cols;
    cli_headline_spend_years(base, fy, &n_cols);
    if (!base->has_budget || !alt->has_budget || n_cols == 0 || runs < 1 ||
        base->n_fys != alt->n_fys || runs > base->runs || runs > alt->runs)
        return;
    enum { ROWS = 3 };
    static const char *const labels[ROWS] = {
        "statutory spend", "streams not paid", "reserves, year end"};
    const char *headers[CLI_HEADLINE_YEARS];
    for (int j = 0; j < n_cols; j++)
        headers[j] = base->fy_label[fy[j]];
    double *values =
        malloc((size_t)runs * ROWS * (size_t)n_cols * sizeof *values);
    if (!values)
        return;
    for (long r = 0; r < runs; r++)
        for (int j = 0; j < n_cols; j++) {
            size_t at = ((size_t)r * base->n_fys + fy[j]) * CLI_N_BUDGET;
            const double *b = base->budget + at, *a = alt->budget + at;
            double *v = values + (size_t)r * ROWS * n_cols + j;
            v[0 * n_cols] = a[CLI_BUDGET_STATUTORY] - b[CLI_BUDGET_STATUTORY];
            v[1 * n_cols] = (a[CLI_BUDGET_PLANNED] - a[CLI_BUDGET_PAID]) -
                            (b[CLI_BUDGET_PLANNED] - b[CLI_BUDGET_PAID]);
            v[2 * n_cols] = a[CLI_BUDGET_RESERVES] - b[CLI_BUDGET_RESERVES];
        }
    printf("Budget during the financial year, £ cash\n");
    print_panel("", n_cols, headers, ROWS, labels, values, runs, 1, 1);
    long short_b = 0, short_a = 0;
    for (long r = 0; r < runs; r++) {
        short_b += base->budget_short[r] >= 0;
        short_a += alt->budget_short[r] >= 0;
    }
    printf("  reserves ran out in %ld of %ld runs, against %ld of the base\n",
           short_a, runs, short_b);
    free(values);
}
