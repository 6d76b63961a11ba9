/*
 * table.c - the yearly table (see table.h).
 */
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

static int top_level_column(const cli_table *t, cs_stage_ref r)
{
    const cs_scenario *sc = t->scenario;
    int stage = r.is_group ? sc->groups[r.index].first_stage : r.index;
    return t->column_of_stage[stage];
}

int cli_table_init(cli_table *t, const cs_scenario *sc, const cs_model *m,
                   long runs)
{
    memset(t, 0, sizeof *t);
    t->scenario = sc;
    t->model = m;
    t->max_runs = runs;
    t->runs = 0; /* rows filled so far */
    for (int s = 0; s < sc->n_stages; s++) {
        int g = sc->stages[s].group;
        const char *id = g >= 0 ? sc->groups[g].id : sc->stages[s].id;
        int j = -1;
        for (int k = 0; k < t->n_columns; k++)
            if (!strcmp(t->columns[k].id, id))
                j = k;
        if (j < 0) {
            j = t->n_columns++;
            snprintf(t->columns[j].id, sizeof t->columns[j].id, "%s", id);
        }
        t->columns[j].leaves[t->columns[j].n_leaves++] = s;
        t->column_of_stage[s] = j;
    }
    t->n_fys = cs_model_n_fys(m);
    for (int month = 0; month < cs_model_n_months(m); month++)
        t->fy_last_month[cs_model_month_fy(m, month)] = month;
    size_t n = (size_t)runs * (size_t)t->n_fys * (size_t)t->n_columns;
    t->stock = calloc(n, sizeof *t->stock);
    t->entries = calloc(n, sizeof *t->entries);
    t->exits = calloc(n, sizeof *t->exits);
    t->spend =
        calloc((size_t)runs * (size_t)t->n_fys * CLI_N_SPEND, sizeof *t->spend);
    t->n_capacity = cs_model_n_capacity(m);
    t->capacity = calloc((size_t)runs * (size_t)t->n_fys *
                             (size_t)(t->n_capacity + 1) * 2,
                         sizeof *t->capacity);
    return t->stock && t->entries && t->exits && t->spend && t->capacity ? 0
                                                                         : -1;
}

void cli_table_free(cli_table *t)
{
    free(t->stock);
    free(t->entries);
    free(t->exits);
    free(t->spend);
    free(t->capacity);
    memset(t, 0, sizeof *t);
}

void cli_table_add_run(cli_table *t, const double *stocks, const double *flows,
                       const double *spend)
{
    if (t->runs >= t->max_runs)
        return;
    long run = t->runs++; /* its row */
    const cs_scenario *sc = t->scenario;
    const cs_model *m = t->model;
    int nc = t->n_columns, nf = cs_model_n_flows(m);
    size_t base = (size_t)run * (size_t)t->n_fys * (size_t)nc;
    for (int fy = 0; fy < t->n_fys; fy++) {
        int month = t->fy_last_month[fy];
        for (int j = 0; j < nc; j++) {
            double sum = 0;
            for (int i = 0; i < t->columns[j].n_leaves; i++) {
                const double *row =
                    stocks + ((size_t)month * (size_t)sc->n_stages +
                              (size_t)t->columns[j].leaves[i]) *
                                 CS_AGES;
                for (int a = 0; a < CS_AGES; a++)
                    sum += row[a];
            }
            t->stock[base + (size_t)fy * (size_t)nc + (size_t)j] = sum;
        }
    }
    double *money = t->spend + (size_t)run * (size_t)t->n_fys * CLI_N_SPEND;
    for (int month = 0; month < cs_model_n_months(m); month++) {
        int fy = cs_model_month_fy(m, month);
        size_t row = base + (size_t)fy * (size_t)nc;
        const double *f = flows + (size_t)month * (size_t)nf;
        for (int i = 0; i < sc->n_transitions; i++) {
            int from = top_level_column(t, sc->transitions[i].from);
            int to = top_level_column(t, sc->transitions[i].to);
            if (from == to)
                continue; /* a move between placements */
            t->exits[row + (size_t)from] += f[i];
            t->entries[row + (size_t)to] += f[i];
        }
        t->entries[row + (size_t)t->column_of_stage[sc->birth_stage]] +=
            f[cs_model_births_flow(m)];
        for (int s = 0; s < sc->n_stages; s++)
            t->exits[row + (size_t)t->column_of_stage[s]] +=
                f[cs_model_age_out_flow(m, s)];
        /* a transition into a full stage counted an entry to it; the
         * children turned away entered the when_full stage instead */
        double *cap =
            t->capacity + (((size_t)run * t->n_fys + fy) * t->n_capacity) * 2;
        for (int j = 0; j < t->n_capacity; j++) {
            int s = cs_model_capacity_stage(m, j);
            double away = f[cs_model_turned_away_flow(m, j)];
            int from = t->column_of_stage[s];
            int to = t->column_of_stage[sc->stages[s].overflow_stage];
            if (from != to) {
                t->entries[row + (size_t)from] -= away;
                t->entries[row + (size_t)to] += away;
            }
            cap[2 * j] = cs_model_places(m, j, month);
            cap[2 * j + 1] += away;
        }
        if (spend) {
            double deflator = cs_model_deflator(m, month);
            double early = spend[month * CS_N_SPEND + CS_SPEND_EARLY];
            double late = spend[month * CS_N_SPEND + CS_SPEND_LATE];
            double *cell = money + (size_t)fy * CLI_N_SPEND;
            cell[CLI_SPEND_EARLY_CASH] += early;
            cell[CLI_SPEND_LATE_CASH] += late;
            cell[CLI_SPEND_EARLY_REAL] += early / deflator;
            cell[CLI_SPEND_LATE_REAL] += late / deflator;
        }
    }
}

void cli_format_count(double value, char *out, size_t size)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", value < 0 ? -value : value);
    size_t n = strlen(digits), k = 0;
    if (value <= -0.5 && strcmp(digits, "0") != 0 && k + 1 < size)
        out[k++] = '-';
    for (size_t i = 0; i < n && k + 1 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0 && k + 1 < size)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
}

/* GBP as millions with one decimal: "1,234.5". */
static void format_millions(double value, char *out, size_t size)
{
    double millions = value / 1e6;
    long long tenths = (long long)(millions * 10 + (millions < 0 ? -0.5 : 0.5));
    char whole[32];
    cli_format_count((double)(tenths / 10), whole, sizeof whole);
    long long frac = tenths % 10;
    if (frac < 0)
        frac = -frac;
    const char *sign = tenths < 0 && tenths / 10 == 0 ? "-" : "";
    snprintf(out, size, "%s%s.%lld", sign, whole, frac);
}

void cli_quantiles(const double *values, long runs, size_t stride,
                   double *scratch, double q[3])
{
    for (long r = 0; r < runs; r++)
        scratch[r] = values[(size_t)r * stride];
    gsl_sort(scratch, 1, (size_t)runs);
    q[0] = gsl_stats_quantile_from_sorted_data(scratch, 1, (size_t)runs, 0.5);
    q[1] = gsl_stats_quantile_from_sorted_data(scratch, 1, (size_t)runs, 0.05);
    q[2] = gsl_stats_quantile_from_sorted_data(scratch, 1, (size_t)runs, 0.95);
}

#define CELL 64

void cli_print_block(const cli_block *b)
{
    int nr = b->n_rows, nc = b->n_columns;
    size_t stride = (size_t)nr * (size_t)nc, cells = stride;
    double *scratch = malloc((size_t)b->runs * sizeof *scratch);
    char(*median)[CELL] = calloc(cells, CELL);
    char(*range)[CELL] = calloc(cells, CELL);
    int *width = calloc((size_t)nc, sizeof *width);
    if (!scratch || !median || !range || !width)
        goto done;
    void (*format)(double, char *, size_t) =
        b->money ? format_millions : cli_format_count;
    for (int j = 0; j < nc; j++)
        width[j] = (int)strlen(b->column_labels[j]);
    for (int i = 0; i < nr; i++)
        for (int j = 0; j < nc; j++) {
            if (b->show && !b->show[j])
                continue;
            double q[3];
            size_t cell = (size_t)i * (size_t)nc + (size_t)j;
            cli_quantiles(b->values + cell, b->runs, stride, scratch, q);
            format(q[0], median[cell], CELL);
            if (b->runs > 1) {
                char lo[24], hi[24];
                format(q[1], lo, sizeof lo);
                format(q[2], hi, sizeof hi);
                snprintf(range[cell], CELL, "[%s, %s]", lo, hi);
            }
            int w = (int)strlen(median[cell]);
            if ((int)strlen(range[cell]) > w)
                w = (int)strlen(range[cell]);
            if (w > width[j])
                width[j] = w;
        }
    printf("\n%s\n%-12s", b->title, b->row_header);
    for (int j = 0; j < nc; j++)
        if (!b->show || b->show[j])
            printf("  %*s", width[j], b->column_labels[j]);
    printf("\n");
    for (int i = 0; i < nr; i++) {
        printf("%-12s", b->row_labels[i]);
        for (int j = 0; j < nc; j++)
            if (!b->show || b->show[j])
                printf("  %*s", width[j], median[(size_t)i * nc + j]);
        printf("\n");
        if (b->runs > 1) {
            printf("%-12s", "");
            for (int j = 0; j < nc; j++)
                if (!b->show || b->show[j])
                    printf("  %*s", width[j], range[(size_t)i * nc + j]);
            printf("\n");
        }
    }
done:
    free(scratch);
    free(median);
    free(range);
    free(width);
}

void cli_table_print(const cli_table *t, const char *what)
{
    const cs_scenario *sc = t->scenario;
    const cs_model *m = t->model;
    /* Universal services hold everyone else: their numbers are the
     * population, not news, and would make the table too wide. */
    int show[CS_MAX_STAGES];
    const char *columns[CS_MAX_STAGES];
    for (int j = 0; j < t->n_columns; j++) {
        show[j] = sc->stages[t->columns[j].leaves[0]].intervention !=
                  CS_INTERVENTION_NONE;
        columns[j] = t->columns[j].id;
    }
    const char *at[CS_MAX_YEARS + 1], *years[CS_MAX_YEARS + 1];
    for (int fy = 0; fy < t->n_fys; fy++) {
        /* the financial year's last simulated month, e.g. "2020-03" */
        at[fy] = cs_model_month_label(m, t->fy_last_month[fy]);
        years[fy] = cs_model_fy_label(m, fy);
    }
    char title[400];
    cli_block b = {title,   "at", t->n_fys, at,      t->n_columns,
                   columns, show, t->stock, t->runs, 0};
    snprintf(title, sizeof title,
             "Stock: children in each stage at the end of each financial "
             "year's last month\n(31 March), %s",
             what);
    cli_print_block(&b);
    b.row_header = "year";
    b.row_labels = years;
    b.values = t->entries;
    snprintf(title, sizeof title,
             "Entries: children starting in each stage during the financial "
             "year\n(into assessment = referrals), %s",
             what);
    cli_print_block(&b);
    b.values = t->exits;
    snprintf(title, sizeof title,
             "Exits: children leaving each stage during the financial year, "
             "including those\nreaching 18 (from looked_after: care "
             "leavers), %s",
             what);
    cli_print_block(&b);

    /* one block per stage with capacity: [run][fy][stage][2] read with
     * a stride, so copy each stage's pair out */
    double *pair = malloc((size_t)t->runs * t->n_fys * 2 * sizeof *pair);
    for (int j = 0; pair && j < t->n_capacity; j++) {
        static const char *const labels[2] = {"places", "turned away"};
        for (size_t i = 0; i < (size_t)t->runs * t->n_fys; i++) {
            pair[2 * i] = t->capacity[(i * t->n_capacity + j) * 2];
            pair[2 * i + 1] = t->capacity[(i * t->n_capacity + j) * 2 + 1];
        }
        cli_block cb = {title,  "year", t->n_fys, years,   2,
                        labels, NULL,   pair,     t->runs, 0};
        snprintf(title, sizeof title,
                 "Capacity of %s: places (in the year's last month) and "
                 "children turned away\nfor want of a place during the "
                 "year, %s",
                 sc->stages[cs_model_capacity_stage(m, j)].id, what);
        cli_print_block(&cb);
    }
    free(pair);
    if (cs_model_n_cost_lines(m) == 0)
        return;
    static const char *const spend_columns[CLI_N_SPEND] = {
        "early (cash)", "late (cash)", "early (real)", "late (real)"};
    char price_base[16];
    snprintf(price_base, sizeof price_base, "%d/%02d", sc->price_base_year,
             (sc->price_base_year + 1) % 100);
    b.n_columns = CLI_N_SPEND;
    b.column_labels = spend_columns;
    b.show = NULL;
    b.values = t->spend;
    b.money = 1;
    snprintf(title, sizeof title,
             "Spend: early and late intervention during the financial year, "
             "GBP million,\nin cash and real terms (constant %s prices), %s",
             price_base, what);
    cli_print_block(&b);
}

static void csv_rows(FILE *f, const cli_table *t, const char *measure,
                     const char *stage, const char *units, const double *v,
                     int n_per_year, int k, double *scratch)
{
    static const char *const stats[3] = {"median", "p05", "p95"};
    const cs_model *m = t->model;
    for (int fy = 0; fy < t->n_fys; fy++) {
        double q[3];
        cli_quantiles(v + (size_t)fy * n_per_year + k, t->runs,
                      (size_t)t->n_fys * n_per_year, scratch, q);
        for (int i = 0; i < 3; i++)
            fprintf(f, "%s,%s,%s,%s,%s,%s,%.17g\n", t->scenario->name, measure,
                    cs_model_fy_label(m, fy), stage, units, stats[i], q[i]);
    }
}

void cli_table_write_csv(FILE *f, const cli_table *t)
{
    double *scratch = malloc((size_t)t->runs * sizeof *scratch);
    if (!scratch)
        return;
    for (int j = 0; j < t->n_columns; j++) {
        const char *id = t->columns[j].id;
        csv_rows(f, t, "stock_31_march", id, "children", t->stock, t->n_columns,
                 j, scratch);
        csv_rows(f, t, "entries", id, "children", t->entries, t->n_columns, j,
                 scratch);
        csv_rows(f, t, "exits", id, "children", t->exits, t->n_columns, j,
                 scratch);
    }
    static const char *const spend[CLI_N_SPEND] = {
        "spend_early_cash", "spend_late_cash", "spend_early_real",
        "spend_late_real"};
    for (int k = 0; k < CLI_N_SPEND; k++)
        csv_rows(f, t, spend[k], "",
                 k < 2 ? "GBP (cash)" : "GBP (constant prices)", t->spend,
                 CLI_N_SPEND, k, scratch);
    for (int j = 0; j < t->n_capacity; j++) {
        const char *id =
            t->scenario->stages[cs_model_capacity_stage(t->model, j)].id;
        csv_rows(f, t, "places", id, "places", t->capacity, 2 * t->n_capacity,
                 2 * j, scratch);
        csv_rows(f, t, "turned_away", id, "children", t->capacity,
                 2 * t->n_capacity, 2 * j + 1, scratch);
    }
    free(scratch);
}
