/*
 * sensitivity.c - `cascade sensitivity FILE --outcome OUTCOME`: which
 * uncertain parameters an outcome's spread comes from.
 *
 * Two views. From the runs in the file: the partial rank correlation of
 * the outcome with each parameter's draws (cs_prcc), which needs the
 * parameters drawn (a run without --no-parameter-uncertainty). And a
 * one-way tornado in expected values: every parameter at its median, then
 * one at a time at its 5th and 95th percentiles, the scenario rebuilt from
 * the YAML stored in the file and run deterministically.
 *
 * Outcomes:
 *   stock:STAGE:YYYY    children in a top-level stage (placements summed)
 *                       at the end of March YYYY
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

typedef struct outcome {
    int is_stock;
    char stage[CS_ID_MAX];
    char month[16]; /* "YYYY-03" */
    int kind;       /* spend: 0 early, 1 late, 2 total */
    char year[16];  /* "YYYY/YY" or "" (the horizon) */
    char text[128];
} outcome;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade sensitivity FILE --outcome OUTCOME "
            "[--scenario NAME] [--no-tornado]\n"
            "\n"
            "Rank a scenario's uncertain parameters by their influence on an "
            "outcome: the\n"
            "partial rank correlation of the outcome with each parameter "
            "over the runs in\n"
            "FILE, and a one-way tornado in expected values (each parameter "
            "at its 5th and\n"
            "95th percentiles, the others at their medians).\n"
            "\n"
            "OUTCOME is one of\n"
            "  stock:STAGE:YYYY     children in STAGE (placements summed) at "
            "the end of March YYYY\n"
            "  spend:KIND           KIND = early, late or total: spend over "
            "the horizon, GBP,\n"
            "                       constant prices\n"
            "  spend:KIND:YYYY/YY   the same in one financial year\n"
            "\n"
            "  --scenario NAME   the scenario (default: the file's first with "
            "parameters)\n"
            "  --no-tornado      only the rank correlations\n"
            "  -h, --help        this help\n");
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

/* The outcome of one run, or NAN if it names nothing in the model. */
static double evaluate(const outcome *o, const cs_scenario *sc,
                       const cs_model *m, const double *stocks,
                       const double *spend)
{
    int months = cs_model_n_months(m), found = 0;
    double sum = 0;
    if (o->is_stock) {
        int month = -1;
        for (int t = 0; t < months; t++)
            if (!strcmp(cs_model_month_label(m, t), o->month))
                month = t;
        for (int s = 0; month >= 0 && s < sc->n_stages; s++) {
            int g = sc->stages[s].group;
            const char *top = g >= 0 ? sc->groups[g].id : sc->stages[s].id;
            if (strcmp(top, o->stage) != 0)
                continue;
            found = 1;
            for (int a = 0; a < CS_AGES; a++)
                sum += stocks[((size_t)month * sc->n_stages + s) * CS_AGES + a];
        }
        return found ? sum : NAN;
    }
    for (int t = 0; t < months; t++) {
        if (o->year[0] &&
            strcmp(cs_model_fy_label(m, cs_model_month_fy(m, t)), o->year))
            continue;
        found = 1;
        double cash = o->kind == 2 ? spend[2 * t] + spend[2 * t + 1]
                                   : spend[2 * t + o->kind];
        sum += cash / cs_model_deflator(m, t);
    }
    return found ? sum : NAN;
}

/* Expected-value outcome of sc with its parameters at the given values. */
static int tornado_point(const cs_scenario *sc, const double *values,
                         const outcome *o, double *out, cs_error *err)
{
    cs_scenario *copy = malloc(sizeof *copy);
    if (!copy)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    memcpy(copy, sc, sizeof *copy);
    cs_scenario_set_parameters(copy, values);
    cs_model *m = NULL;
    int rc = cs_model_compile(copy, &m, err);
    cs_sim *sim = rc == CS_OK ? cs_sim_alloc(m) : NULL;
    double *stocks = NULL, *spend = NULL, *costs = NULL;
    if (rc == CS_OK) {
        size_t months = (size_t)cs_model_n_months(m);
        stocks = malloc(months * (size_t)cs_model_n_stages(m) * CS_AGES *
                        sizeof *stocks);
        spend = malloc(months * CS_N_SPEND * sizeof *spend);
        costs = malloc(months * (size_t)(cs_model_n_cost_lines(m) + 1) *
                       sizeof *costs);
        if (!sim || !stocks || !spend || !costs)
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    if (rc == CS_OK) {
        cs_sim_run(sim, CS_SIM_DETERMINISTIC, 0, 0, stocks, NULL, NULL);
        cs_costs_compute(m, stocks, costs, spend);
        *out = evaluate(o, copy, m, stocks, spend);
    }
    free(stocks);
    free(spend);
    free(costs);
    cs_sim_free(sim);
    cs_model_free(m);
    free(copy);
    return rc;
}

/* Order parameters by |key| descending (NaN last). */
static const double *sort_key;
static int by_influence(const void *a, const void *b)
{
    double x = fabs(sort_key[*(const int *)a]);
    double y = fabs(sort_key[*(const int *)b]);
    if (isnan(x))
        return isnan(y) ? 0 : 1;
    if (isnan(y))
        return -1;
    return x < y ? 1 : x > y ? -1 : 0;
}

int cli_sensitivity(int argc, char **argv)
{
    static const struct option options[] = {
        {"outcome", required_argument, 0, 'o'},
        {"scenario", required_argument, 0, 's'},
        {"no-tornado", no_argument, 0, 'n'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *outcome_text = NULL, *name = NULL;
    int tornado = 1, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'o')
            outcome_text = optarg;
        else if (c == 's')
            name = optarg;
        else if (c == 'n')
            tornado = 0;
        else if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        } else {
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    outcome o;
    if (argc - optind != 1 || !outcome_text ||
        parse_outcome(outcome_text, &o)) {
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
    cs_model *m = NULL;
    double *params = NULL, *y = NULL, *prcc = NULL, *stocks = NULL,
           *flows = NULL, *spend = NULL, *low = NULL, *high = NULL;
    int *order = NULL;
    int rc = cs_result_open(path, &result, &err), index = -1;
    for (int i = 0; rc == CS_OK && i < cs_result_n_scenarios(result); i++) {
        const char *n = cs_result_scenario_name(result, i);
        if (name ? !strcmp(name, n)
                 : index < 0 && cs_result_n_parameters(result, i) > 0)
            index = i;
    }
    if (rc == CS_OK && index < 0)
        rc = cs_error_set(&err, CS_EINPUT,
                          name ? "cascade sensitivity: %s has no scenario "
                                 "'%s'"
                               : "cascade sensitivity: %s has no scenario "
                                 "with uncertain parameters",
                          path, name);
    int k = rc == CS_OK ? cs_result_n_parameters(result, index) : 0;
    if (rc == CS_OK && k == 0)
        rc = cs_error_set(&err, CS_EINPUT,
                          "cascade sensitivity: scenario '%s' has no "
                          "uncertain parameters",
                          cs_result_scenario_name(result, index));
    if (rc == CS_OK) {
        const char *yaml = cs_result_scenario_yaml(result, index);
        rc = yaml ? cs_scenario_load_string(yaml, strlen(yaml), "scenario_yaml",
                                            NULL, &sc, &err)
                  : cs_error_set(&err, CS_EINPUT, "no scenario_yaml");
    }
    if (rc == CS_OK)
        rc = cs_model_compile(sc, &m, &err);
    if (rc == CS_OK && sc->n_parameters != k)
        rc = cs_error_set(&err, CS_EINPUT,
                          "%s: the stored scenario has %d parameters, the "
                          "file's params %d",
                          path, sc->n_parameters, k);
    long runs = rc == CS_OK ? cs_result_n_runs(result, index) : 0;
    if (rc == CS_OK) {
        size_t months = (size_t)cs_result_n_months(result);
        params = malloc((size_t)runs * k * sizeof *params);
        y = malloc((size_t)runs * sizeof *y);
        prcc = malloc((size_t)k * sizeof *prcc);
        low = calloc((size_t)k, sizeof *low);
        high = calloc((size_t)k, sizeof *high);
        order = malloc((size_t)k * sizeof *order);
        stocks = malloc(months * cs_result_n_stages(result) *
                        cs_result_n_ages(result) * sizeof *stocks);
        flows =
            malloc(months * cs_result_n_transitions(result) * sizeof *flows);
        spend = malloc(months * 2 * sizeof *spend);
        if (!params || !y || !prcc || !low || !high || !order || !stocks ||
            !flows || !spend)
            rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
    }
    if (rc == CS_OK)
        rc = cs_result_read_params(result, index, params, &err);
    long used = 0;
    for (long r = 0; rc == CS_OK && r < runs; r++) {
        rc = cs_result_read_run(result, index, (int)r, stocks, flows, &err);
        if (rc == CS_OK)
            rc = cs_result_read_run_costs(result, index, (int)r, NULL, spend,
                                          &err);
        if (rc != CS_OK || isnan(stocks[0]))
            continue; /* a run never written */
        y[used] = evaluate(&o, sc, m, stocks, spend);
        if (isnan(y[used])) {
            rc = cs_error_set(&err, CS_EINPUT,
                              "cascade sensitivity: outcome '%s' names no "
                              "stage or period of scenario '%s'",
                              o.text, sc->name);
            break;
        }
        memmove(params + used * k, params + r * k, (size_t)k * sizeof *params);
        used++;
    }
    if (rc == CS_OK && cs_prcc(params, (int)used, k, y, prcc) != CS_OK)
        rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
    double centre = NAN;
    if (rc == CS_OK && tornado) {
        double *at = calloc((size_t)k, sizeof *at);
        if (!at)
            rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
        for (int i = 0; at && i < k; i++)
            at[i] = cs_parameter_quantile(&sc->parameters[i], 0.5);
        if (rc == CS_OK)
            rc = tornado_point(sc, at, &o, &centre, &err);
        for (int j = 0; rc == CS_OK && j < k; j++) {
            double median = at[j];
            at[j] = cs_parameter_quantile(&sc->parameters[j], 0.05);
            rc = tornado_point(sc, at, &o, &low[j], &err);
            at[j] = cs_parameter_quantile(&sc->parameters[j], 0.95);
            if (rc == CS_OK)
                rc = tornado_point(sc, at, &o, &high[j], &err);
            at[j] = median;
        }
        free(at);
    }
    if (rc == CS_OK) {
        for (int j = 0; j < k; j++)
            order[j] = j;
        sort_key = prcc;
        qsort(order, (size_t)k, sizeof *order, by_influence);
        const char *units = o.is_stock ? "children"
                                       : "GBP million, constant "
                                         "prices";
        printf("cascade sensitivity: scenario '%s', outcome %s (%s), %ld "
               "runs\n",
               sc->name, o.text, units, used);
        printf("\nPartial rank correlation with the outcome over the runs "
               "(+1/-1: the outcome\nrises/falls with the parameter, others "
               "held; about +-%.2f is noise at this n)",
               used > 3 ? 2 / sqrt((double)used - 3) : NAN);
        if (tornado)
            printf(";\ntornado: the outcome in expected values with the "
                   "parameter at its 5th and\n95th percentiles and the "
                   "others at their medians (%s at all medians: %.6g)",
                   o.is_stock ? "children" : "GBP m",
                   o.is_stock ? centre : centre / 1e6);
        int width = 9;
        for (int j = 0; j < k; j++)
            if ((int)strlen(sc->parameters[j].path) > width)
                width = (int)strlen(sc->parameters[j].path);
        printf("\n\n%-*s %7s", width, "parameter", "PRCC");
        if (tornado)
            printf(" %14s %14s %14s", "at 5%", "at 95%", "swing");
        printf("\n");
        double scale = o.is_stock ? 1 : 1e-6;
        for (int i = 0; i < k; i++) {
            int j = order[i];
            printf("%-*s %7.3f", width, sc->parameters[j].path, prcc[j]);
            if (tornado)
                printf(" %14.6g %14.6g %14.6g", low[j] * scale, high[j] * scale,
                       (high[j] - low[j]) * scale);
            printf("\n");
        }
    } else {
        fprintf(stderr, "%s\n", err.message);
    }
    free(params);
    free(y);
    free(prcc);
    free(low);
    free(high);
    free(order);
    free(stocks);
    free(flows);
    free(spend);
    cs_model_free(m);
    cs_scenario_free(sc);
    cs_result_close(result);
    return cli_exit_status(rc);
}
