/*
 * table.c - the yearly table (see table.h).
 *
 * A table is a layout and rows. The layout says which top-level stage
 * (column) each leaf stage sums into, which financial year each month is
 * in, and what each flow does to the columns: a move between two columns
 * is an exit from one and an entry to the other (a move within a column,
 * between placements, is neither); an arrival (births, migration in) is an
 * entry, a departure (reaching 18, migration out) an exit; and a
 * turned_away.<stage> flow moves an entry already counted into the full
 * stage on to its when_full stage, so it takes the entry from one column
 * and gives it to the other. The layout is built from an output file's
 * records (cli_table_from_result), the rows from its runs.
 */
#include "table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

enum {
    CLI_FLOW_NONE,        /* touches no column (or moves within one) */
    CLI_FLOW_MOVE,        /* out of one column into another */
    CLI_FLOW_ARRIVAL,     /* into a column from outside */
    CLI_FLOW_LEAVING,     /* out of a column, out of the system */
    CLI_FLOW_TURNED_AWAY, /* an entry moved on from one column to another */
};

#define TURNED_AWAY_PREFIX "turned_away."

/* ---- layout ------------------------------------------------------------- */

/* CLI_DFE_* of a category name ("cin", "cp", "looked_after"), or -1. */
static int dfe_of(const char *name)
{
    static const char *const names[CLI_N_DFE] = {"cin", "cp", "looked_after"};
    for (int k = 0; name && k < CLI_N_DFE; k++)
        if (strcmp(name, names[k]) == 0)
            return k;
    return -1;
}

/* Each leaf's DfE category: as recorded, else by its top-level stage's
 * name (the columns are set). */
static void set_dfe(cli_table *t, int n, const char *const *category)
{
    int recorded = 0;
    for (int s = 0; s < n; s++)
        recorded |= dfe_of(category[s]) >= 0;
    t->dfe_by_name = !recorded;
    for (int s = 0; s < n; s++) {
        t->stage_dfe[s] = recorded
                              ? dfe_of(category[s])
                              : dfe_of(t->columns[t->column_of_stage[s]].id);
        /* children in need include those on plans and looked after */
        if (t->stage_dfe[s] >= 0) {
            t->has_dfe[CLI_DFE_CIN] = 1;
            t->has_dfe[t->stage_dfe[s]] = 1;
        }
    }
}

/* The columns: one per top-level stage, the leaves of a group together. */
static int set_stages(cli_table *t, int n, const char *const *id,
                      const char *const *group, const char *const *kind,
                      const char *const *category, cs_error *err)
{
    if (n < 1 || n > CLI_MAX_STAGES)
        return cs_error_set(err, CS_EINPUT,
                            "%s: %d stages; a table shows 1 to %d", t->scenario,
                            n, CLI_MAX_STAGES);
    t->n_stages = n;
    for (int s = 0; s < n; s++) {
        const char *top = group[s] && group[s][0] ? group[s] : id[s];
        int j = 0;
        while (j < t->n_columns && strcmp(t->columns[j].id, top) != 0)
            j++;
        if (j == t->n_columns) {
            t->n_columns++;
            snprintf(t->columns[j].id, sizeof t->columns[j].id, "%s", top);
            /* universal services hold everyone else: their numbers are
             * the population, not news */
            t->columns[j].shown = strcmp(kind[s], "none") != 0;
        }
        t->columns[j].leaves[t->columns[j].n_leaves++] = s;
        t->column_of_stage[s] = j;
    }
    set_dfe(t, n, category);
    return CS_OK;
}

/* The column of a stage or group id, or -1 ("" and unknown ids). */
static int column_named(const cli_table *t, const char *const *stage_ids,
                        const char *name)
{
    for (int s = 0; name[0] && s < t->n_stages; s++)
        if (strcmp(stage_ids[s], name) == 0)
            return t->column_of_stage[s];
    for (int j = 0; name[0] && j < t->n_columns; j++)
        if (strcmp(t->columns[j].id, name) == 0)
            return j;
    return -1;
}

/* What each flow does, from what it moves out of and into. */
static int set_flows(cli_table *t, const char *const *stage_ids, int n,
                     const char *const *label, const char *const *from,
                     const char *const *to, cs_error *err)
{
    t->n_flows = n;
    t->flows = calloc((size_t)(n > 0 ? n : 1), sizeof *t->flows);
    if (!t->flows)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        cli_flow *f = &t->flows[i];
        f->from = column_named(t, stage_ids, from[i]);
        f->to = column_named(t, stage_ids, to[i]);
        if (f->from >= 0 && f->to >= 0 && f->from == f->to)
            f->kind = CLI_FLOW_NONE; /* between placements */
        else if (strncmp(label[i], TURNED_AWAY_PREFIX,
                         strlen(TURNED_AWAY_PREFIX)) == 0)
            f->kind = f->from >= 0 && f->to >= 0 ? CLI_FLOW_TURNED_AWAY
                                                 : CLI_FLOW_NONE;
        else if (f->from >= 0 && f->to >= 0)
            f->kind = CLI_FLOW_MOVE;
        else if (f->to >= 0)
            f->kind = CLI_FLOW_ARRIVAL;
        else if (f->from >= 0)
            f->kind = CLI_FLOW_LEAVING;
        else
            f->kind = CLI_FLOW_NONE;
    }
    return CS_OK;
}

/* The turned_away flow of capacity stage j, or -1. */
static int turned_away_flow(int n, const char *const *label, const char *id)
{
    size_t prefix = strlen(TURNED_AWAY_PREFIX);
    for (int i = 0; i < n; i++)
        if (strncmp(label[i], TURNED_AWAY_PREFIX, prefix) == 0 &&
            strcmp(label[i] + prefix, id) == 0)
            return i;
    return -1;
}

/* The financial years: each month's, and each year's label and last
 * month (whose label is "at" in the stock block). */
static int set_calendar(cli_table *t, int n_months,
                        const char *const *month_label, int n_fys,
                        const char *const *fy_label, const int *month_fy,
                        cs_error *err)
{
    if (n_fys < 1 || n_fys > CLI_MAX_YEARS)
        return cs_error_set(err, CS_EINPUT,
                            "%s: %d financial years; a table shows 1 to %d",
                            t->scenario, n_fys, CLI_MAX_YEARS);
    t->n_months = n_months;
    t->n_fys = n_fys;
    t->month_fy = malloc((size_t)n_months * sizeof *t->month_fy);
    if (!t->month_fy)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int fy = 0; fy < n_fys; fy++)
        snprintf(t->fy_label[fy], sizeof t->fy_label[fy], "%s", fy_label[fy]);
    for (int m = 0; m < n_months; m++) {
        int fy = month_fy[m];
        if (fy < 0 || fy >= n_fys)
            return cs_error_set(err, CS_EINPUT,
                                "%s: month %d is in no financial year",
                                t->scenario, m);
        t->month_fy[m] = fy;
        t->fy_last_month[fy] = m;
        t->fy_months[fy]++;
        snprintf(t->fy_end_month[fy], sizeof t->fy_end_month[fy], "%s",
                 month_label[m]);
    }
    return CS_OK;
}

/* The rows' arrays, for `runs` runs. */
static int allocate_rows(cli_table *t, long runs, cs_error *err)
{
    t->max_runs = runs;
    t->runs = 0;
    size_t years = (size_t)(runs > 0 ? runs : 1) * (size_t)t->n_fys;
    size_t n = years * (size_t)t->n_columns;
    t->run_index = malloc((size_t)(runs > 0 ? runs : 1) * sizeof *t->run_index);
    t->stock = calloc(n, sizeof *t->stock);
    t->entries = calloc(n, sizeof *t->entries);
    t->exits = calloc(n, sizeof *t->exits);
    t->dfe_stock = calloc(years * CLI_N_DFE, sizeof *t->dfe_stock);
    t->spend = calloc(years * CLI_N_SPEND, sizeof *t->spend);
    t->capacity =
        calloc(years * (size_t)(t->n_capacity + 1) * 2, sizeof *t->capacity);
    if (t->has_budget) {
        t->budget = calloc(years * CLI_N_BUDGET, sizeof *t->budget);
        t->budget_short =
            calloc((size_t)(runs > 0 ? runs : 1), sizeof *t->budget_short);
    }
    if (t->has_care_leavers)
        t->care_leavers = calloc(years, sizeof *t->care_leavers);
    if (!t->run_index || !t->stock || !t->entries || !t->exits ||
        !t->dfe_stock || !t->spend || !t->capacity ||
        (t->has_budget && (!t->budget || !t->budget_short)) ||
        (t->has_care_leavers && !t->care_leavers))
        return cs_error_set(err, CS_ENOMEM,
                            "out of memory for the table of %ld runs", runs);
    return CS_OK;
}

void cli_table_free(cli_table *t)
{
    free(t->run_index);
    free(t->month_fy);
    free(t->deflator);
    free(t->flows);
    free(t->fixed_places);
    free(t->stock);
    free(t->entries);
    free(t->exits);
    free(t->dfe_stock);
    free(t->spend);
    free(t->capacity);
    free(t->budget);
    free(t->budget_short);
    free(t->care_leavers);
    memset(t, 0, sizeof *t);
}

/* ---- rows -----------------------------------------------------------------
 */

/*
 * Add one run as the next row: stocks [month][stage][age], flows
 * [month][flow] (the layout's flows), spend [month][2] cash or NULL, and
 * capacity [month][n_capacity_source][3] or NULL (then fixed_places).
 */
static void add_row(cli_table *t, int run, const double *stocks,
                    const double *flows, const double *spend,
                    const double *capacity)
{
    if (t->runs >= t->max_runs)
        return;
    long row = t->runs++;
    t->run_index[row] = run;
    const int nc = t->n_columns, nf = t->n_flows;
    const size_t base = (size_t)row * (size_t)t->n_fys * (size_t)nc;
    for (int fy = 0; fy < t->n_fys; fy++) {
        int month = t->fy_last_month[fy];
        for (int j = 0; j < nc; j++) {
            double sum = 0;
            for (int i = 0; i < t->columns[j].n_leaves; i++) {
                const double *ages =
                    stocks + ((size_t)month * (size_t)t->n_stages +
                              (size_t)t->columns[j].leaves[i]) *
                                 (size_t)t->n_ages;
                for (int a = 0; a < t->n_ages; a++)
                    sum += ages[a];
            }
            t->stock[base + (size_t)fy * (size_t)nc + (size_t)j] = sum;
        }
        double *dfe =
            t->dfe_stock + ((size_t)row * (size_t)t->n_fys + fy) * CLI_N_DFE;
        for (int st = 0; st < t->n_stages; st++) {
            int k = t->stage_dfe[st];
            if (k < 0)
                continue;
            const double *ages =
                stocks + ((size_t)month * (size_t)t->n_stages + (size_t)st) *
                             (size_t)t->n_ages;
            double sum = 0;
            for (int a = 0; a < t->n_ages; a++)
                sum += ages[a];
            dfe[CLI_DFE_CIN] += sum;
            if (k != CLI_DFE_CIN)
                dfe[k] += sum;
        }
    }
    double *money = t->spend + (size_t)row * (size_t)t->n_fys * CLI_N_SPEND;
    for (int month = 0; month < t->n_months; month++) {
        int fy = t->month_fy[month];
        double *entries = t->entries + base + (size_t)fy * (size_t)nc;
        double *exits = t->exits + base + (size_t)fy * (size_t)nc;
        const double *f = flows + (size_t)month * (size_t)nf;
        for (int i = 0; i < nf; i++) {
            const cli_flow *flow = &t->flows[i];
            switch (flow->kind) {
            case CLI_FLOW_MOVE:
                exits[flow->from] += f[i];
                entries[flow->to] += f[i];
                break;
            case CLI_FLOW_ARRIVAL:
                entries[flow->to] += f[i];
                break;
            case CLI_FLOW_LEAVING:
                exits[flow->from] += f[i];
                break;
            case CLI_FLOW_TURNED_AWAY:
                /* counted as an entry to the full stage; the children went
                 * to its when_full stage instead */
                entries[flow->from] -= f[i];
                entries[flow->to] += f[i];
                break;
            default:
                break;
            }
        }
        double *cap =
            t->capacity +
            (((size_t)row * (size_t)t->n_fys + (size_t)fy) * t->n_capacity) * 2;
        for (int j = 0; j < t->n_capacity; j++) {
            double places =
                capacity ? capacity[((size_t)month * t->n_capacity_source +
                                     (size_t)t->capacity_source[j]) *
                                    3]
                         : t->fixed_places[(size_t)month * t->n_capacity + j];
            cap[2 * j] = places; /* ends as the year's last month's */
            if (t->capacity_flow[j] >= 0)
                cap[2 * j + 1] += f[t->capacity_flow[j]];
        }
        if (spend) {
            double deflator = t->deflator[month];
            double early = spend[(size_t)month * CS_N_SPEND + CS_SPEND_EARLY];
            double late = spend[(size_t)month * CS_N_SPEND + CS_SPEND_LATE];
            double *cell = money + (size_t)fy * CLI_N_SPEND;
            cell[CLI_SPEND_EARLY_CASH] += early;
            cell[CLI_SPEND_LATE_CASH] += late;
            cell[CLI_SPEND_EARLY_REAL] += early / deflator;
            cell[CLI_SPEND_LATE_REAL] += late / deflator;
        }
    }
}

/* ---- from an output file --------------------------------------------------
 */

/* The labels of stages, transitions, months and years as arrays. */
typedef struct file_labels {
    const char **stage, **group, **kind, **category, **label, **from, **to,
        **month, **year, **capacity;
    int *month_fy;
} file_labels;

static void free_labels(file_labels *l)
{
    free(l->stage);
    free(l->group);
    free(l->kind);
    free(l->category);
    free(l->label);
    free(l->from);
    free(l->to);
    free(l->month);
    free(l->year);
    free(l->capacity);
    free(l->month_fy);
}

static int collect_labels(const cs_result *r, file_labels *l, cs_error *err)
{
    int ns = cs_result_n_stages(r), nt = cs_result_n_transitions(r);
    int nm = cs_result_n_months(r), ny = cs_result_n_financial_years(r);
    int nc = cs_result_n_capacity(r);
    memset(l, 0, sizeof *l);
    l->stage = calloc((size_t)ns, sizeof *l->stage);
    l->group = calloc((size_t)ns, sizeof *l->group);
    l->kind = calloc((size_t)ns, sizeof *l->kind);
    l->category = calloc((size_t)ns, sizeof *l->category);
    l->label = calloc((size_t)nt, sizeof *l->label);
    l->from = calloc((size_t)nt, sizeof *l->from);
    l->to = calloc((size_t)nt, sizeof *l->to);
    l->month = calloc((size_t)nm, sizeof *l->month);
    l->year = calloc((size_t)ny, sizeof *l->year);
    l->capacity = calloc((size_t)nc + 1, sizeof *l->capacity);
    l->month_fy = calloc((size_t)nm, sizeof *l->month_fy);
    if (!l->stage || !l->group || !l->kind || !l->category || !l->label ||
        !l->from || !l->to || !l->month || !l->year || !l->capacity ||
        !l->month_fy)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int s = 0; s < ns; s++) {
        l->stage[s] = cs_result_stage_label(r, s);
        l->group[s] = cs_result_stage_group(r, s);
        l->kind[s] = cs_result_stage_intervention(r, s);
        l->category[s] = cs_result_stage_category(r, s);
    }
    for (int i = 0; i < nt; i++) {
        l->label[i] = cs_result_transition_label(r, i);
        l->from[i] = cs_result_transition_from(r, i);
        l->to[i] = cs_result_transition_to(r, i);
    }
    for (int m = 0; m < nm; m++) {
        l->month[m] = cs_result_month_label(r, m);
        l->month_fy[m] = cs_result_month_financial_year(r, m);
    }
    for (int y = 0; y < ny; y++)
        l->year[y] = cs_result_financial_year_label(r, y);
    for (int j = 0; j < nc; j++)
        l->capacity[j] = cs_result_capacity_label(r, j);
    return CS_OK;
}

/* The runs to tabulate into selected (n of them); *count of them. */
static int select_runs(const cs_result *r, int scenario,
                       const unsigned char *runs, unsigned char *selected,
                       long *count, cs_error *err)
{
    int n = cs_result_n_runs(r, scenario);
    int rc = cs_result_read_run_done(r, scenario, selected, err);
    *count = 0;
    for (int k = 0; rc == CS_OK && k < n; k++) {
        if (runs && runs[k] && !selected[k])
            return cs_error_set(err, CS_EINPUT,
                                "%s: run %d of scenario '%s' was never "
                                "written",
                                cs_result_path(r), k,
                                cs_result_scenario_name(r, scenario));
        if (runs)
            selected[k] = runs[k] != 0;
        *count += selected[k] != 0;
    }
    if (rc == CS_OK && *count == 0)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has no finished run to "
                            "tabulate (run_done is 0 for all %d runs)",
                            cs_result_path(r),
                            cs_result_scenario_name(r, scenario), n);
    return rc;
}

/*
 * The stages with capacity that this scenario limits: those whose places
 * are a number in its first tabulated run (a stage another scenario of the
 * file limits has NaN places here).
 */
static int set_capacity_from_file(cli_table *t, const cs_result *r,
                                  int scenario, int first_run,
                                  const file_labels *l, cs_error *err)
{
    int nc = cs_result_n_capacity(r);
    t->n_capacity_source = nc;
    if (nc == 0)
        return CS_OK;
    size_t n = (size_t)t->n_months * (size_t)nc * 3;
    double *record = malloc(n * sizeof *record);
    if (!record)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    int rc = cs_result_read_run_capacity(r, scenario, first_run, record, err);
    for (int j = 0; rc == CS_OK && j < nc && t->n_capacity < CLI_MAX_STAGES;
         j++) {
        if (!isfinite(record[(size_t)j * 3]))
            continue;
        int k = t->n_capacity++;
        snprintf(t->capacity_id[k], sizeof t->capacity_id[k], "%s",
                 l->capacity[j]);
        t->capacity_source[k] = j;
        t->capacity_flow[k] = turned_away_flow(cs_result_n_transitions(r),
                                               l->label, l->capacity[j]);
    }
    free(record);
    return rc;
}

/* Read the selected runs into rows. */
/* Row `row`'s budget by financial year from its record [month][5]. */
static void add_budget(cli_table *t, long row, const double *record)
{
    double *years = t->budget + (size_t)row * (size_t)t->n_fys * CLI_N_BUDGET;
    t->budget_short[row] = -1;
    for (int month = 0; month < t->n_months; month++) {
        const double *m = record + (size_t)month * CS_BUDGET_MEASURES;
        double *y = years + (size_t)t->month_fy[month] * CLI_N_BUDGET;
        y[CLI_BUDGET_STATUTORY] += m[CS_BUDGET_STATUTORY];
        y[CLI_BUDGET_PLANNED] += m[CS_BUDGET_PLANNED];
        y[CLI_BUDGET_PAID] += m[CS_BUDGET_PAID];
        y[CLI_BUDGET_RESERVES] = m[CS_BUDGET_RESERVES];
        int short_of = m[CS_BUDGET_PAID] < m[CS_BUDGET_PLANNED] * (1 - 1e-9) ||
                       m[CS_BUDGET_RESERVES] < 0;
        if (short_of && t->budget_short[row] < 0)
            t->budget_short[row] = month;
    }
}

static int read_rows(cli_table *t, const cs_result *r, int scenario,
                     const unsigned char *selected, cs_error *err)
{
    int n_runs = cs_result_n_runs(r, scenario);
    size_t months = (size_t)t->n_months;
    size_t cells = months * (size_t)t->n_stages * (size_t)t->n_ages;
    double *stocks = malloc(cells * sizeof *stocks);
    double *flows = malloc(months * (size_t)t->n_flows * sizeof *flows);
    double *spend = malloc(months * CS_N_SPEND * sizeof *spend);
    double *capacity = malloc(months * (size_t)(t->n_capacity_source + 1) * 3 *
                              sizeof *capacity);
    double *budget = malloc(months * CS_BUDGET_MEASURES * sizeof *budget);
    double *leavers = malloc(months * sizeof *leavers);
    int rc = stocks && flows && spend && capacity && budget && leavers
                 ? CS_OK
                 : cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int k = 0; rc == CS_OK && k < n_runs; k++) {
        if (!selected[k])
            continue;
        rc = cs_result_read_run(r, scenario, k, stocks, flows, err);
        if (rc == CS_OK)
            rc = cs_result_read_run_costs(r, scenario, k, NULL, spend, err);
        if (rc == CS_OK && t->n_capacity_source > 0)
            rc = cs_result_read_run_capacity(r, scenario, k, capacity, err);
        if (rc == CS_OK && t->has_budget)
            rc = cs_result_read_run_budget(r, scenario, k, budget, err);
        if (rc == CS_OK && t->has_budget && t->runs < t->max_runs)
            add_budget(t, t->runs, budget);
        if (rc == CS_OK && t->has_care_leavers)
            rc = cs_result_read_run_care_leavers(r, scenario, k, leavers, err);
        /* at 31 March: the year's last month */
        for (int fy = 0; rc == CS_OK && t->has_care_leavers &&
                         t->runs < t->max_runs && fy < t->n_fys;
             fy++)
            t->care_leavers[(size_t)t->runs * t->n_fys + fy] =
                leavers[t->fy_last_month[fy]];
        if (rc == CS_OK)
            add_row(t, k, stocks, flows, spend,
                    t->n_capacity_source > 0 ? capacity : NULL);
    }
    free(budget);
    free(leavers);
    free(stocks);
    free(flows);
    free(spend);
    free(capacity);
    return rc;
}

int cli_table_from_result(const cs_result *r, int scenario,
                          const unsigned char *runs, cli_table *t,
                          cs_error *err)
{
    memset(t, 0, sizeof *t);
    const char *name = cs_result_scenario_name(r, scenario);
    if (!name)
        return cs_error_set(err, CS_EINPUT, "%s has no scenario %d",
                            cs_result_path(r), scenario);
    snprintf(t->scenario, sizeof t->scenario, "%s", name);
    t->n_runs = cs_result_n_runs(r, scenario);
    t->n_ages = cs_result_n_ages(r);
    t->has_costs = cs_result_n_cost_lines(r) > 0;
    t->has_budget = cs_result_has_budget(r, scenario);
    t->has_care_leavers = cs_result_has_care_leavers(r, scenario);
    file_labels l;
    unsigned char *selected = malloc((size_t)t->n_runs);
    int rc = collect_labels(r, &l, err);
    if (rc == CS_OK && !selected)
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    long count = 0;
    if (rc == CS_OK)
        rc = select_runs(r, scenario, runs, selected, &count, err);
    if (rc == CS_OK)
        rc = set_stages(t, cs_result_n_stages(r), l.stage, l.group, l.kind,
                        l.category, err);
    if (rc == CS_OK)
        rc = set_calendar(t, cs_result_n_months(r), l.month,
                          cs_result_n_financial_years(r), l.year, l.month_fy,
                          err);
    if (rc == CS_OK)
        rc = set_flows(t, l.stage, cs_result_n_transitions(r), l.label, l.from,
                       l.to, err);
    if (rc == CS_OK) {
        t->deflator = malloc((size_t)t->n_months * sizeof *t->deflator);
        rc = t->deflator ? cs_result_read_deflator(r, scenario, t->deflator,
                                                   t->price_base,
                                                   sizeof t->price_base, err)
                         : cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    int first = 0;
    while (rc == CS_OK && !selected[first])
        first++;
    if (rc == CS_OK)
        rc = set_capacity_from_file(t, r, scenario, first, &l, err);
    if (rc == CS_OK)
        rc = allocate_rows(t, count, err);
    if (rc == CS_OK)
        rc = read_rows(t, r, scenario, selected, err);
    free(selected);
    free_labels(&l);
    if (rc != CS_OK)
        cli_table_free(t);
    return rc;
}

void cli_table_describe_runs(const cli_table *t, char *text, size_t size)
{
    if (t->runs == t->n_runs)
        snprintf(text, size,
                 "median, and the 90%% interval [5%%, 95%%] below it, over %ld "
                 "run%s",
                 t->runs, t->runs == 1 ? "" : "s");
    else
        snprintf(text, size,
                 "median, and the 90%% interval [5%%, 95%%] below it, over %ld "
                 "of %ld runs; "
                 "the batch is incomplete (the rest were never written)",
                 t->runs, t->n_runs);
}

/* ---- printing ----------------------------------------------------------- */

/* GBP as millions with one decimal: "1,234.5". */
static void format_millions(double value, char *out, size_t size)
{
    double millions = value / 1e6;
    if (!isfinite(millions) || fabs(millions) >= 1e17) {
        snprintf(out, size, "n/a");
        return;
    }
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
    if (runs < 1) {
        q[0] = q[1] = q[2] = NAN;
        return;
    }
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
    double *scratch =
        malloc((size_t)(b->runs > 0 ? b->runs : 1) * sizeof *scratch);
    char(*median)[CELL] = calloc(cells ? cells : 1, CELL);
    char(*range)[CELL] = calloc(cells ? cells : 1, CELL);
    int *width = calloc((size_t)(nc > 0 ? nc : 1), sizeof *width);
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
    int show[CLI_MAX_STAGES];
    const char *columns[CLI_MAX_STAGES];
    for (int j = 0; j < t->n_columns; j++) {
        show[j] = t->columns[j].shown;
        columns[j] = t->columns[j].id;
    }
    const char *at[CLI_MAX_YEARS], *years[CLI_MAX_YEARS];
    for (int fy = 0; fy < t->n_fys; fy++) {
        at[fy] = t->fy_end_month[fy]; /* the year's last month, "2020-03" */
        years[fy] = t->fy_label[fy];
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

    if (t->has_care_leavers) {
        static const char *const leaver_columns[1] = {"care leavers"};
        cli_block lb = {title,          "at", t->n_fys,        at,      1,
                        leaver_columns, NULL, t->care_leavers, t->runs, 0};
        snprintf(title, sizeof title,
                 "Care leavers: young people past 18 supported under the "
                 "scenario's care_leavers:\n(those who reached 18 in its "
                 "stages within the support window, and those\nsupported at "
                 "the base date) at the end of each financial year's last "
                 "month, %s",
                 what);
        cli_print_block(&lb);
    }

    /* one block per stage with capacity: [run][fy][stage][2] read with
     * a stride, so copy each stage's pair out */
    double *pair = malloc((size_t)(t->runs > 0 ? t->runs : 1) * t->n_fys * 2 *
                          sizeof *pair);
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
                 t->capacity_id[j], what);
        cli_print_block(&cb);
    }
    free(pair);
    if (!t->has_costs)
        return;
    static const char *const spend_columns[CLI_N_SPEND] = {
        "early (cash)", "late (cash)", "early (real)", "late (real)"};
    b.n_columns = CLI_N_SPEND;
    b.column_labels = spend_columns;
    b.show = NULL;
    b.values = t->spend;
    b.money = 1;
    snprintf(title, sizeof title,
             "Spend: early and late intervention during the financial year, "
             "GBP million,\nin cash and real terms (constant %s prices), %s",
             t->price_base, what);
    cli_print_block(&b);
    if (!t->has_budget)
        return;
    static const char *const budget_columns[CLI_N_BUDGET] = {
        "statutory spend", "streams planned", "streams paid",
        "reserves, year end"};
    b.n_columns = CLI_N_BUDGET;
    b.column_labels = budget_columns;
    b.values = t->budget;
    snprintf(title, sizeof title,
             "Budget: statutory spend it paid first, the planned and paid cash "
             "of the funding\nstreams it pays during the financial year, and "
             "the reserves at its end (negative:\noverspent), GBP million "
             "cash, %s",
             what);
    cli_print_block(&b);
}

static void csv_rows(FILE *f, const cli_table *t, const char *measure,
                     const char *stage, const char *units, const double *v,
                     int n_per_year, int k, double *scratch)
{
    static const char *const stats[3] = {"median", "p05", "p95"};
    for (int fy = 0; fy < t->n_fys; fy++) {
        double q[3];
        cli_quantiles(v + (size_t)fy * n_per_year + k, t->runs,
                      (size_t)t->n_fys * n_per_year, scratch, q);
        for (int i = 0; i < 3; i++)
            fprintf(f, "%s,%s,%s,%s,%s,%s,%.17g\n", t->scenario, measure,
                    t->fy_label[fy], stage, units, stats[i], q[i]);
    }
}

void cli_table_write_csv(FILE *f, const cli_table *t)
{
    double *scratch =
        malloc((size_t)(t->runs > 0 ? t->runs : 1) * sizeof *scratch);
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
    static const char *const budget[CLI_N_BUDGET] = {
        "budget_statutory_spend", "budget_streams_planned",
        "budget_streams_paid", "budget_reserves_end"};
    for (int k = 0; t->has_budget && k < CLI_N_BUDGET; k++)
        csv_rows(f, t, budget[k], "", "GBP (cash)", t->budget, CLI_N_BUDGET, k,
                 scratch);
    if (t->has_care_leavers)
        csv_rows(f, t, "care_leavers_31_march", "", "young people",
                 t->care_leavers, 1, 0, scratch);
    for (int j = 0; j < t->n_capacity; j++) {
        const char *id = t->capacity_id[j];
        csv_rows(f, t, "places", id, "places", t->capacity, 2 * t->n_capacity,
                 2 * j, scratch);
        csv_rows(f, t, "turned_away", id, "children", t->capacity,
                 2 * t->n_capacity, 2 * j + 1, scratch);
    }
    free(scratch);
}
