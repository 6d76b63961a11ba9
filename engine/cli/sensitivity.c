/*
 * sensitivity.c - `cascade sensitivity FILE --outcome OUTCOME`: which
 * uncertain parameters an outcome's spread comes from.
 *
 * Two views. From the runs in the file: the partial rank correlation of
 * the outcome with each parameter's draws (cs_prcc), over the runs done,
 * which needs the parameters drawn (a run without
 * --no-parameter-uncertainty). It reads only what the file records: the
 * stages and their groups, the months and financial years, the deflator,
 * the parameters and their values. And, with --tornado SCENARIO.yaml, a
 * one-way tornado in expected values: every parameter at its median, then
 * one at a time at its 5th and 95th percentiles, the scenario run
 * deterministically. The tornado runs the model, so it needs the scenario
 * file itself; it must be the scenario the runs came from (its resolved
 * text the one the file stores). The text stored in the file is never
 * loaded: it could name other files, and today's loader may not read an
 * old file's text.
 *
 * Outcomes:
 *   stock:STAGE:YYYY    children in a stage at the end of March YYYY: a
 *                       top-level stage (placements summed), or one
 *                       placement ("looked_after.residential", or
 *                       "residential" when no other stage has that name)
 *   spend:KIND          early, late or total spend over the horizon, GBP
 *                       at constant prices
 *   spend:KIND:YYYY/YY  the same in one financial year
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

typedef struct outcome {
    int is_stock;
    char stage[CS_ID_MAX];
    char month[16]; /* "YYYY-03" */
    int kind;       /* spend: 0 early, 1 late, 2 total */
    char year[16];  /* "YYYY/YY" or "" (the horizon) */
    char text[128];
} outcome;

/*
 * Where an outcome is in a file: the month (stock) and the leaf stages it
 * sums, or the months (spend) and their deflators.
 */
typedef struct outcome_place {
    int month;
    int n_leaves;
    int leaves[CS_MAX_STAGES];
    int n_months, n_stages, n_ages;
    unsigned char *in_year; /* [month]: counts towards the spend */
    double *deflator;       /* [month] */
    char price_base[32];    /* "2019/20" */
} outcome_place;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade sensitivity FILE --outcome OUTCOME "
            "[--scenario NAME]\n"
            "                           [--tornado SCENARIO.yaml]\n"
            "\n"
            "Rank a scenario's uncertain parameters by their influence on an "
            "outcome: the\n"
            "partial rank correlation of the outcome with each parameter "
            "over the runs in\n"
            "FILE; with --tornado, also a one-way tornado in expected values "
            "(each parameter\n"
            "at its 5th and 95th percentiles, the others at their medians).\n"
            "\n"
            "OUTCOME is one of\n"
            "  stock:STAGE:YYYY     children in STAGE at the end of March "
            "YYYY: a top-level\n"
            "                       stage (placements summed) or a placement "
            "(looked_after.\n"
            "                       residential, or residential alone if no "
            "other stage has\n"
            "                       the name)\n"
            "  spend:KIND           KIND = early, late or total: spend over "
            "the horizon, GBP,\n"
            "                       constant prices\n"
            "  spend:KIND:YYYY/YY   the same in one financial year\n"
            "\n"
            "  --scenario NAME          the scenario (default: the file's "
            "first with parameters)\n"
            "  --tornado SCENARIO.yaml  run the tornado with this scenario "
            "file: the one the\n"
            "                           runs came from (checked against "
            "FILE)\n"
            "  --no-tornado             only the rank correlations (the "
            "default)\n"
            "  -h, --help               this help\n");
}

static int parse_outcome(const char *text, outcome *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->text, sizeof o->text, "%s", text);
    char buf[128];
    snprintf(buf, sizeof buf, "%s", text);
    char *a = strtok(buf, ":"), *b = strtok(NULL, ":"), *c = strtok(NULL, ":");
    if (a && b && c && !strcmp(a, "stock") && strlen(c) == 4) {
        o->is_stock = 1;
        snprintf(o->stage, sizeof o->stage, "%s", b);
        snprintf(o->month, sizeof o->month, "%s-03", c);
        return 0;
    }
    if (a && b && !strcmp(a, "spend")) {
        o->kind = !strcmp(b, "early")   ? 0
                  : !strcmp(b, "late")  ? 1
                  : !strcmp(b, "total") ? 2
                                        : -1;
        if (o->kind < 0)
            return -1;
        if (c)
            snprintf(o->year, sizeof o->year, "%s", c);
        return 0;
    }
    return -1;
}

/*
 * CS_EINPUT for an outcome that is not one of the file's, listing those
 * that are: the stages (top-level, then placements), the years of the
 * 31 Marches and the financial years.
 */
static int outcome_error(const cs_result *r, int scenario, const char *text,
                         cs_error *err)
{
    char stages[600] = "";
    size_t used = 0;
    for (int pass = 0; pass < 2; pass++) /* top-level stages, then leaves */
        for (int s = 0; s < cs_result_n_stages(r); s++) {
            const char *group = cs_result_stage_group(r, s);
            const char *name = group[0] ? group : cs_result_stage_label(r, s);
            if (pass == 1 && !group[0])
                continue;
            if (pass == 1)
                name = cs_result_stage_label(r, s);
            /* each top-level name once */
            int seen = 0;
            for (int e = 0; pass == 0 && e < s; e++) {
                const char *eg = cs_result_stage_group(r, e);
                seen |= !strcmp(eg[0] ? eg : cs_result_stage_label(r, e), name);
            }
            if (!seen && used + strlen(name) + 3 < sizeof stages)
                used += (size_t)snprintf(stages + used, sizeof stages - used,
                                         "%s%s", used ? ", " : "", name);
        }
    int n_months = cs_result_n_months(r), first = -1, last = -1;
    for (int t = 0; t < n_months; t++) {
        const char *m = cs_result_month_label(r, t); /* "2020-03" */
        if (strlen(m) == 7 && !strcmp(m + 4, "-03")) {
            int year = atoi(m);
            if (first < 0)
                first = year;
            last = year;
        }
    }
    int n_fys = cs_result_n_financial_years(r);
    char marches[64];
    if (first < 0)
        snprintf(marches, sizeof marches, "none: the run reaches no March");
    else
        snprintf(marches, sizeof marches, "%d to %d", first, last);
    return cs_error_set(
        err, CS_EINPUT,
        "cascade sensitivity: outcome '%s' is not one of scenario '%s': "
        "expected stock:STAGE:YYYY with STAGE one of %s and YYYY %s; or "
        "spend:KIND or spend:KIND:YYYY/YY with KIND early, late or total "
        "and YYYY/YY %s to %s",
        text, cs_result_scenario_name(r, scenario), stages, marches,
        n_fys > 0 ? cs_result_financial_year_label(r, 0) : "?",
        n_fys > 0 ? cs_result_financial_year_label(r, n_fys - 1) : "?");
}

/* Find the outcome in the file's records; CS_EINPUT if it names no stage
 * or period of the scenario. */
static int place_outcome(const outcome *o, const cs_result *r, int scenario,
                         outcome_place *p, cs_error *err)
{
    memset(p, 0, sizeof *p);
    p->month = -1;
    p->n_months = cs_result_n_months(r);
    p->n_stages = cs_result_n_stages(r);
    p->n_ages = cs_result_n_ages(r);
    p->in_year = calloc((size_t)p->n_months, 1);
    p->deflator = malloc((size_t)p->n_months * sizeof *p->deflator);
    if (!p->in_year || !p->deflator)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    int found = 0;
    if (o->is_stock) {
        for (int t = 0; t < p->n_months; t++)
            if (!strcmp(cs_result_month_label(r, t), o->month))
                p->month = t;
        /* a top-level stage or group, a leaf by its id, or a placement by
         * the part of its id after the group's "group." */
        for (int s = 0; p->month >= 0 && s < p->n_stages; s++) {
            const char *group = cs_result_stage_group(r, s);
            const char *label = cs_result_stage_label(r, s);
            const char *top = group[0] ? group : label;
            size_t g = strlen(group);
            int placement = g && !strncmp(label, group, g) && label[g] == '.' &&
                            !strcmp(label + g + 1, o->stage);
            if ((!strcmp(top, o->stage) || !strcmp(label, o->stage) ||
                 placement) &&
                p->n_leaves < CS_MAX_STAGES)
                p->leaves[p->n_leaves++] = s;
        }
        /* "residential" naming placements of two groups is ambiguous */
        for (int i = 1; i < p->n_leaves; i++)
            if (strcmp(cs_result_stage_group(r, p->leaves[0]),
                       cs_result_stage_group(r, p->leaves[i])) != 0 ||
                !cs_result_stage_group(r, p->leaves[0])[0])
                return cs_error_set(err, CS_EINPUT,
                                    "cascade sensitivity: outcome '%s': "
                                    "'%s' names placements of more than one "
                                    "stage; give the placement as "
                                    "GROUP.PLACEMENT, e.g. %s",
                                    o->text, o->stage,
                                    cs_result_stage_label(r, p->leaves[0]));
        found = p->n_leaves > 0;
    } else {
        for (int t = 0; t < p->n_months; t++) {
            const char *fy = cs_result_financial_year_label(
                r, cs_result_month_financial_year(r, t));
            p->in_year[t] = !o->year[0] || strcmp(fy, o->year) == 0;
            found |= p->in_year[t];
        }
    }
    if (!found)
        return outcome_error(r, scenario, o->text, err);
    return cs_result_read_deflator(r, scenario, p->deflator, p->price_base,
                                   sizeof p->price_base, err);
}

static void free_place(outcome_place *p)
{
    free(p->in_year);
    free(p->deflator);
}

/* The outcome of one run: stocks [month][stage][age], spend [month][2]. */
static double evaluate(const outcome *o, const outcome_place *p,
                       const double *stocks, const double *spend)
{
    double sum = 0;
    if (o->is_stock) {
        for (int i = 0; i < p->n_leaves; i++)
            for (int a = 0; a < p->n_ages; a++)
                sum += stocks[((size_t)p->month * p->n_stages + p->leaves[i]) *
                                  p->n_ages +
                              a];
        return sum;
    }
    for (int t = 0; t < p->n_months; t++) {
        if (!p->in_year[t])
            continue;
        double cash = o->kind == 2 ? spend[2 * t] + spend[2 * t + 1]
                                   : spend[2 * t + o->kind];
        sum += cash / p->deflator[t];
    }
    return sum;
}

/* ---- the tornado: the scenario file run in expected values ---------- */

/* The scenario file given must be the one the runs came from. */
static int check_tornado_scenario(const cs_scenario *sc, const char *path,
                                  const cs_result *r, int index, cs_error *err)
{
    const char *name = cs_result_scenario_name(r, index);
    const char *stored = cs_result_scenario_yaml(r, index);
    const char *why = NULL;
    if (strcmp(sc->name, name) != 0)
        why = "it is another scenario";
    else if (!stored || strcmp(stored, sc->resolved_yaml) != 0)
        why = "its resolved text is not the one the file stores (it, or a "
              "file it extends, has changed since the runs)";
    else if (sc->n_parameters != cs_result_n_parameters(r, index))
        why = "it has other uncertain parameters";
    for (int j = 0; !why && j < sc->n_parameters; j++)
        if (strcmp(sc->parameters[j].path,
                   cs_result_parameter_name(r, index, j)) != 0)
            why = "it has other uncertain parameters";
    if (why)
        return cs_error_set(err, CS_EINPUT,
                            "cascade sensitivity: --tornado %s is not the "
                            "scenario '%s' of %s: %s",
                            path, name, cs_result_path(r), why);
    return CS_OK;
}

/* Expected-value outcome of sc with its parameters at the given values. */
static int tornado_point(const cs_scenario *sc, const double *values,
                         const outcome *o, const outcome_place *p, double *out,
                         cs_error *err)
{
    cs_scenario *copy = malloc(sizeof *copy);
    if (!copy)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    memcpy(copy, sc, sizeof *copy);
    cs_scenario_set_parameters(copy, values);
    cs_model *m = NULL;
    int rc = cs_model_compile(copy, &m, err);
    cs_sim *sim = rc == CS_OK ? cs_sim_alloc(m) : NULL;
    double *stocks = NULL, *spend = NULL, *costs = NULL, *capacity = NULL,
           *flows = NULL;
    if (rc == CS_OK) {
        size_t months = (size_t)cs_model_n_months(m);
        stocks = malloc(months * (size_t)cs_model_n_stages(m) * CS_AGES *
                        sizeof *stocks);
        spend = malloc(months * CS_N_SPEND * sizeof *spend);
        costs = malloc(months * (size_t)(cs_model_n_cost_lines(m) + 1) *
                       sizeof *costs);
        capacity = malloc(months * (size_t)(cs_model_n_capacity(m) + 1) * 3 *
                          sizeof *capacity);
        flows = malloc(months * (size_t)cs_model_n_flows(m) * sizeof *flows);
        if (!sim || !stocks || !spend || !costs || !capacity || !flows)
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    if (rc == CS_OK && (cs_model_n_months(m) != p->n_months ||
                        cs_model_n_stages(m) != p->n_stages))
        rc = cs_error_set(err, CS_EINPUT,
                          "cascade sensitivity: the tornado's scenario does "
                          "not have the file's months and stages");
    if (rc == CS_OK) {
        cs_sim_run(sim, CS_SIM_DETERMINISTIC, 0, 0, stocks, flows, capacity);
        cs_costs_compute(m, stocks, flows, capacity, costs, spend);
        *out = evaluate(o, p, stocks, spend);
    }
    free(stocks);
    free(spend);
    free(costs);
    free(capacity);
    free(flows);
    cs_sim_free(sim);
    cs_model_free(m);
    free(copy);
    return rc;
}

/* The q-quantile of parameter j, refused if it is not a number (a
 * distribution whose inverse failed). */
static int quantile(const cs_scenario *sc, int j, double q, double *value,
                    cs_error *err)
{
    *value = cs_parameter_quantile(&sc->parameters[j], q);
    if (!isfinite(*value))
        return cs_error_set(err, CS_EINPUT,
                            "cascade sensitivity: the %g quantile of %s is "
                            "not a number; its distribution cannot be "
                            "inverted",
                            q, sc->parameters[j].path);
    return CS_OK;
}

/* low[j], high[j]: the outcome with parameter j at its 5% and 95%
 * quantiles, the others at their medians (the outcome then: *centre). */
static int run_tornado(const cs_scenario *sc, const outcome *o,
                       const outcome_place *p, double *centre, double *low,
                       double *high, cs_error *err)
{
    int k = sc->n_parameters;
    double *at = calloc((size_t)k, sizeof *at);
    if (!at)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    int rc = CS_OK;
    for (int i = 0; rc == CS_OK && i < k; i++)
        rc = quantile(sc, i, 0.5, &at[i], err);
    if (rc == CS_OK)
        rc = tornado_point(sc, at, o, p, centre, err);
    for (int j = 0; rc == CS_OK && j < k; j++) {
        double median = at[j];
        rc = quantile(sc, j, 0.05, &at[j], err);
        if (rc == CS_OK)
            rc = tornado_point(sc, at, o, p, &low[j], err);
        if (rc == CS_OK)
            rc = quantile(sc, j, 0.95, &at[j], err);
        if (rc == CS_OK)
            rc = tornado_point(sc, at, o, p, &high[j], err);
        at[j] = median;
    }
    free(at);
    return rc;
}

/* ---- ranking ------------------------------------------------------------ */

/* A parameter and its |PRCC|, sorted by influence (NaN last). */
typedef struct ranked {
    double influence;
    int index;
} ranked;

static int by_influence(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (isnan(x->influence) || isnan(y->influence))
        return isnan(x->influence) - isnan(y->influence);
    if (x->influence != y->influence)
        return x->influence < y->influence ? 1 : -1;
    return x->index - y->index; /* stable for ties */
}

/* The outcome and the parameters of every run done: y[used], x[used][k]. */
static int read_runs(const cs_result *r, int index, const outcome *o,
                     const outcome_place *p, double *x, double *y, long *used,
                     cs_error *err)
{
    int runs = cs_result_n_runs(r, index), k = cs_result_n_parameters(r, index);
    size_t months = (size_t)p->n_months;
    double *stocks = malloc(months * (size_t)p->n_stages * (size_t)p->n_ages *
                            sizeof *stocks);
    double *spend = malloc(months * 2 * sizeof *spend);
    unsigned char *done = malloc((size_t)runs);
    int rc = stocks && spend && done
                 ? cs_result_read_run_done(r, index, done, err)
                 : cs_error_set(err, CS_ENOMEM, "out of memory");
    *used = 0;
    for (int run = 0; rc == CS_OK && run < runs; run++) {
        if (!done[run])
            continue;
        double *row = x + (size_t)*used * (size_t)k;
        rc = cs_result_read_run(r, index, run, stocks, NULL, err);
        if (rc == CS_OK)
            rc = cs_result_read_run_costs(r, index, run, NULL, spend, err);
        if (rc == CS_OK)
            rc = cs_result_read_run_params(r, index, run, row, err);
        double value = rc == CS_OK ? evaluate(o, p, stocks, spend) : NAN;
        int finite = isfinite(value);
        for (int j = 0; j < k; j++)
            finite = finite && isfinite(row[j]);
        if (rc == CS_OK && !finite)
            rc = cs_error_set(err, CS_EINPUT,
                              "cascade sensitivity: %s: run %d of '%s' is "
                              "marked done but its outcome or parameters "
                              "are not numbers",
                              cs_result_path(r), run,
                              cs_result_scenario_name(r, index));
        if (rc == CS_OK)
            y[(*used)++] = value;
    }
    free(stocks);
    free(spend);
    free(done);
    return rc;
}

/* An outcome's value for people: whole children, or pounds to four
 * significant figures (a tornado's columns differ in the third). */
static void format_outcome(const outcome *o, double value, char *out,
                           size_t size)
{
    if (o->is_stock)
        cli_format_count(value, out, size);
    else
        cli_format_money(value, 4, out, size);
}

static void print_ranking(const cs_result *r, int index, const outcome *o,
                          const outcome_place *place, long used,
                          const double *prcc, int tornado, double centre,
                          const double *low, const double *high)
{
    int k = cs_result_n_parameters(r, index);
    int n_runs = cs_result_n_runs(r, index);
    ranked *order = malloc((size_t)k * sizeof *order);
    if (!order)
        return;
    for (int j = 0; j < k; j++)
        order[j] = (ranked){fabs(prcc[j]), j};
    qsort(order, (size_t)k, sizeof *order, by_influence);
    char units[80];
    if (o->is_stock)
        snprintf(units, sizeof units, "children");
    else
        snprintf(units, sizeof units, "£ at constant %s prices",
                 place->price_base);
    char runs[CLI_NUMBER_MAX];
    cli_format_count((double)used, runs, sizeof runs);
    printf("cascade sensitivity: scenario '%s', outcome %s (%s), %s runs",
           cs_result_scenario_name(r, index), o->text, units, runs);
    if (used < n_runs)
        printf(" (of %d: the batch is incomplete)", n_runs);
    printf("\n\nPartial rank correlation with the outcome over the runs "
           "(+1/-1: the outcome\nrises/falls with the parameter, others "
           "held; about +-%.2f is noise at this n)",
           used > 3 ? 2 / sqrt((double)used - 3) : NAN);
    if (tornado) {
        char at_median[CLI_NUMBER_MAX];
        format_outcome(o, centre, at_median, sizeof at_median);
        printf(";\ntornado: the outcome in expected values with the "
               "parameter at its 5th and\n95th percentiles and the "
               "others at their medians (%s at all medians, %s)",
               at_median, units);
    }
    int width = 9;
    for (int j = 0; j < k; j++)
        if ((int)strlen(cs_result_parameter_name(r, index, j)) > width)
            width = (int)strlen(cs_result_parameter_name(r, index, j));
    printf("\n\n%-*s %7s", width, "parameter", "PRCC");
    if (tornado)
        printf(" %14s %14s %14s", "at 5%", "at 95%", "swing");
    printf("\n");
    for (int i = 0; i < k; i++) {
        int j = order[i].index;
        printf("%-*s %7.3f", width, cs_result_parameter_name(r, index, j),
               prcc[j]);
        if (tornado) {
            const double cells[3] = {low[j], high[j], high[j] - low[j]};
            for (int c = 0; c < 3; c++) {
                char text[CLI_NUMBER_MAX];
                format_outcome(o, cells[c], text, sizeof text);
                int pad = 14 - cli_display_width(text);
                printf(" %*s%s", pad > 0 ? pad : 0, "", text);
            }
        }
        printf("\n");
    }
    free(order);
}

/* The scenario to rank: the one named, or the first with parameters. */
static int pick(const cs_result *r, const char *name, const char *path,
                int *index, cs_error *err)
{
    *index = -1;
    for (int i = 0; i < cs_result_n_scenarios(r); i++) {
        const char *n = cs_result_scenario_name(r, i);
        if (name ? !strcmp(name, n)
                 : *index < 0 && cs_result_n_parameters(r, i) > 0)
            *index = i;
    }
    if (*index < 0)
        return name ? cs_error_set(err, CS_EINPUT,
                                   "cascade sensitivity: %s has no scenario "
                                   "'%s'",
                                   path, name)
                    : cs_error_set(err, CS_EINPUT,
                                   "cascade sensitivity: %s has no scenario "
                                   "with uncertain parameters",
                                   path);
    if (cs_result_n_parameters(r, *index) == 0)
        return cs_error_set(err, CS_EINPUT,
                            "cascade sensitivity: scenario '%s' has no "
                            "uncertain parameters",
                            cs_result_scenario_name(r, *index));
    return CS_OK;
}

int cli_sensitivity(int argc, char **argv)
{
    static const struct option options[] = {
        {"outcome", required_argument, 0, 'o'},
        {"scenario", required_argument, 0, 's'},
        {"tornado", required_argument, 0, 't'},
        {"no-tornado", no_argument, 0, 'n'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *outcome_text = NULL, *name = NULL, *tornado_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'o')
            outcome_text = optarg;
        else if (c == 's')
            name = optarg;
        else if (c == 't')
            tornado_path = optarg;
        else if (c == 'n')
            tornado_path = NULL;
        else if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        } else {
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    outcome o;
    if (argc - optind != 1 || !outcome_text) {
        fprintf(stderr, "cascade sensitivity: expected one output file and "
                        "--outcome stock:STAGE:YYYY, spend:KIND or "
                        "spend:KIND:YYYY/YY\n");
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    const char *path = argv[optind];
    cs_error err;
    cs_result *result = NULL;
    cs_scenario *sc = NULL;
    outcome_place place;
    memset(&place, 0, sizeof place);
    double *x = NULL, *y = NULL, *prcc = NULL, *low = NULL, *high = NULL;
    int index = -1;
    int bad_outcome = parse_outcome(outcome_text, &o) != 0;
    int rc = cs_result_open(path, &result, &err);
    if (rc == CS_OK)
        rc = pick(result, name, path, &index, &err);
    /* a malformed outcome: say which the file has */
    if (rc == CS_OK && bad_outcome)
        rc = outcome_error(result, index, outcome_text, &err);
    int k = rc == CS_OK ? cs_result_n_parameters(result, index) : 0;
    long done = rc == CS_OK ? cs_result_n_runs_done(result, index) : 0;
    if (rc == CS_OK)
        rc = place_outcome(&o, result, index, &place, &err);
    if (rc == CS_OK) {
        x = malloc((size_t)(done > 0 ? done : 1) * (size_t)k * sizeof *x);
        y = malloc((size_t)(done > 0 ? done : 1) * sizeof *y);
        prcc = malloc((size_t)k * sizeof *prcc);
        low = calloc((size_t)k, sizeof *low);
        high = calloc((size_t)k, sizeof *high);
        if (!x || !y || !prcc || !low || !high)
            rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
    }
    long used = 0;
    if (rc == CS_OK)
        rc = read_runs(result, index, &o, &place, x, y, &used, &err);
    if (rc == CS_OK && cs_prcc(x, (int)used, k, y, prcc) != CS_OK)
        rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
    double centre = NAN;
    if (rc == CS_OK && tornado_path) {
        rc = cs_scenario_load_file(tornado_path, &sc, &err);
        if (rc == CS_OK)
            rc = check_tornado_scenario(sc, tornado_path, result, index, &err);
        if (rc == CS_OK)
            rc = run_tornado(sc, &o, &place, &centre, low, high, &err);
    }
    if (rc == CS_OK)
        print_ranking(result, index, &o, &place, used, prcc,
                      tornado_path != NULL, centre, low, high);
    else
        fprintf(stderr, "%s\n", err.message);
    free(x);
    free(y);
    free(prcc);
    free(low);
    free(high);
    free_place(&place);
    cs_scenario_free(sc);
    cs_result_close(result);
    return cli_exit_status(rc);
}
