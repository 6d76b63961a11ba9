/*
 * run.c - `cascade run`: load a scenario, compile it, run it N times (or
 * once in expected values), write every run to HDF5 as it finishes, and
 * print by financial year the stock in each stage at 31 March and the
 * flows into and out of each stage during the year.
 *
 * Order matters for safety: everything that can be wrong with the input is
 * found before the output file is created, and the output replaces an
 * earlier file only when it is complete (cs_output_close renames it).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "cascade_config.h"
#include "cli.h"

#define DEFAULT_RUNS 100
#define MAX_RUNS 10000000

typedef struct run_options {
    const char *scenario_path; /* NULL: the shipped baseline */
    const char *output_path;   /* NULL: <scenario name>.h5 */
    long runs;
    int have_seed;
    uint64_t seed;
    int deterministic;
    int force;
    int quiet;
} run_options;

/*
 * What the printed table shows: one column per top-level stage (a group
 * of placements counts as one), with the leaf stages it sums.
 */
typedef struct column {
    char id[CS_ID_MAX];
    int n_leaves;
    int leaves[CS_MAX_STAGES];
} column;

typedef struct table {
    int n_columns;
    column columns[CS_MAX_STAGES];
    int column_of_stage[CS_MAX_STAGES];
    int n_fys;
    int fy_last_month[CS_MAX_YEARS + 1];
    /* per run: [run][fy][column] */
    double *stock, *entries, *exits;
} table;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade run [SCENARIO.yaml] [-o FILE] [-n RUNS] "
            "[--seed N] [--deterministic]\n"
            "                   [--force] [--quiet]\n"
            "\n"
            "Simulate a scenario and write its trajectories to HDF5. With no "
            "SCENARIO, runs the\n"
            "shipped England baseline (england-baseline.yaml, built in).\n"
            "\n"
            "  -o, --output FILE   output file (default: <scenario "
            "name>.h5)\n"
            "  -n, --runs N        stochastic runs (default %d)\n"
            "      --seed N        seed for the random streams (default: "
            "the scenario's)\n"
            "      --deterministic one run in expected values, no random "
            "draws\n"
            "      --force         overwrite FILE even if it is not a "
            "cascade output\n"
            "  -q, --quiet         print nothing but errors\n"
            "  -h, --help          this help\n"
            "\n"
            "Exit status: 0 done, 2 bad input (file:line:column: message), 1 "
            "other failure.\n",
            DEFAULT_RUNS);
}

static int parse_count(const char *flag, const char *text, long max, long *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || *end || end == text || value < 1 || value > max) {
        fprintf(stderr,
                "cascade run: %s: expected a whole number from 1 to %ld, "
                "found '%s'\n",
                flag, max, text);
        return -1;
    }
    *out = value;
    return 0;
}

static int parse_seed(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || *end || end == text || text[0] == '-') {
        fprintf(stderr,
                "cascade run: --seed: expected a whole number from 0 to "
                "18446744073709551615, found '%s'\n",
                text);
        return -1;
    }
    *out = (uint64_t)value;
    return 0;
}

/* Returns -1 to continue, or an exit status. */
static int parse_options(int argc, char **argv, run_options *o)
{
    static const struct option options[] = {
        {"output", required_argument, 0, 'o'},
        {"runs", required_argument, 0, 'n'},
        {"seed", required_argument, 0, 's'},
        {"deterministic", no_argument, 0, 'd'},
        {"force", no_argument, 0, 'f'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->runs = DEFAULT_RUNS;
    int runs_given = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:n:qh", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->output_path = optarg;
            break;
        case 'n':
            if (parse_count("-n", optarg, MAX_RUNS, &o->runs))
                return CLI_BAD_INPUT;
            runs_given = 1;
            break;
        case 's':
            if (parse_seed(optarg, &o->seed))
                return CLI_BAD_INPUT;
            o->have_seed = 1;
            break;
        case 'd':
            o->deterministic = 1;
            break;
        case 'f':
            o->force = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr,
                "cascade run: expected at most one scenario file, "
                "found %d\n",
                argc - optind);
        return CLI_BAD_INPUT;
    }
    if (optind < argc)
        o->scenario_path = argv[optind];
    if (o->deterministic) {
        if (runs_given && o->runs != 1) {
            fprintf(stderr, "cascade run: --deterministic makes one run in "
                            "expected values; -n must be 1 or absent\n");
            return CLI_BAD_INPUT;
        }
        o->runs = 1;
    }
    return -1;
}

/* ---- the printed table ---------------------------------------------- */

static int top_level_column(table *t, const cs_scenario *sc, cs_stage_ref r)
{
    int stage = r.is_group ? sc->groups[r.index].first_stage : r.index;
    return t->column_of_stage[stage];
}

static int table_init(table *t, const cs_scenario *sc, const cs_model *m,
                      long runs)
{
    memset(t, 0, sizeof *t);
    for (int s = 0; s < sc->n_stages; s++) {
        int g = sc->stages[s].group;
        int j = -1;
        for (int k = 0; k < t->n_columns; k++)
            if (!strcmp(t->columns[k].id,
                        g >= 0 ? sc->groups[g].id : sc->stages[s].id))
                j = k;
        if (j < 0) {
            j = t->n_columns++;
            snprintf(t->columns[j].id, sizeof t->columns[j].id, "%s",
                     g >= 0 ? sc->groups[g].id : sc->stages[s].id);
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
    return t->stock && t->entries && t->exits ? 0 : -1;
}

static void table_free(table *t)
{
    free(t->stock);
    free(t->entries);
    free(t->exits);
}

static void table_add_run(table *t, const cs_scenario *sc, const cs_model *m,
                          long run, const double *stocks, const double *flows)
{
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
    for (int month = 0; month < cs_model_n_months(m); month++) {
        size_t row = base + (size_t)cs_model_month_fy(m, month) * (size_t)nc;
        const double *f = flows + (size_t)month * (size_t)nf;
        for (int i = 0; i < sc->n_transitions; i++) {
            int from = top_level_column(t, sc, sc->transitions[i].from);
            int to = top_level_column(t, sc, sc->transitions[i].to);
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
    }
}

/* "1,234,567" */
static void format_count(double value, char *out, size_t size)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", value < 0 ? -value : value);
    size_t n = strlen(digits), k = 0;
    if (value < -0.5 && k + 1 < size)
        out[k++] = '-';
    for (size_t i = 0; i < n && k + 1 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0 && k + 1 < size)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
}

/* Median, 5% and 95% of one cell over runs. */
static void cell_quantiles(const double *values, long runs, size_t stride,
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

static void print_block(const table *t, const cs_model *m, const double *v,
                        long runs, const char *title, int stocks,
                        const int *show)
{
    int nc = t->n_columns;
    size_t stride = (size_t)t->n_fys * (size_t)nc;
    double *scratch = malloc((size_t)runs * sizeof *scratch);
    char(*median)[CELL] = calloc((size_t)t->n_fys * (size_t)nc, CELL);
    char(*range)[CELL] = calloc((size_t)t->n_fys * (size_t)nc, CELL);
    if (!scratch || !median || !range) {
        free(scratch);
        free(median);
        free(range);
        return;
    }
    int width[CS_MAX_STAGES];
    for (int j = 0; j < nc; j++)
        width[j] = (int)strlen(t->columns[j].id);
    for (int fy = 0; fy < t->n_fys; fy++)
        for (int j = 0; j < nc; j++) {
            if (!show[j])
                continue;
            double q[3];
            size_t cell = (size_t)fy * (size_t)nc + (size_t)j;
            cell_quantiles(v + cell, runs, stride, scratch, q);
            format_count(q[0], median[cell], CELL);
            if (runs > 1) {
                char lo[24], hi[24];
                format_count(q[1], lo, sizeof lo);
                format_count(q[2], hi, sizeof hi);
                snprintf(range[cell], CELL, "[%s, %s]", lo, hi);
            }
            int w = (int)strlen(median[cell]);
            if ((int)strlen(range[cell]) > w)
                w = (int)strlen(range[cell]);
            if (w > width[j])
                width[j] = w;
        }
    printf("\n%s\n", title);
    printf("%-12s", stocks ? "at" : "year");
    for (int j = 0; j < nc; j++)
        if (show[j])
            printf("  %*s", width[j], t->columns[j].id);
    printf("\n");
    for (int fy = 0; fy < t->n_fys; fy++) {
        char label[32];
        if (stocks) {
            /* the FY's last simulated month, e.g. "2020-03" */
            snprintf(label, sizeof label, "%s",
                     cs_model_month_label(m, t->fy_last_month[fy]));
        } else {
            snprintf(label, sizeof label, "%s", cs_model_fy_label(m, fy));
        }
        printf("%-12s", label);
        for (int j = 0; j < nc; j++)
            if (show[j])
                printf("  %*s", width[j],
                       median[(size_t)fy * (size_t)nc + (size_t)j]);
        printf("\n");
        if (runs > 1) {
            printf("%-12s", "");
            for (int j = 0; j < nc; j++)
                if (show[j])
                    printf("  %*s", width[j],
                           range[(size_t)fy * (size_t)nc + (size_t)j]);
            printf("\n");
        }
    }
    free(scratch);
    free(median);
    free(range);
}

static void print_table(const table *t, const cs_scenario *sc,
                        const cs_model *m, long runs, int deterministic)
{
    /* Universal services hold everyone else: their numbers are the
     * population, not news, and would make the table too wide. */
    int show[CS_MAX_STAGES];
    for (int j = 0; j < t->n_columns; j++)
        show[j] = sc->stages[t->columns[j].leaves[0]].intervention !=
                  CS_INTERVENTION_NONE;
    char what[160];
    if (deterministic)
        snprintf(what, sizeof what, "expected values (deterministic run)");
    else
        snprintf(what, sizeof what,
                 "median, and [5%%, 95%%] below it, over %ld runs", runs);
    char title[320];
    snprintf(title, sizeof title,
             "Stock: children in each stage at the end of each financial "
             "year's last month\n(31 March), %s",
             what);
    print_block(t, m, t->stock, runs, title, 1, show);
    snprintf(title, sizeof title,
             "Entries: children starting in each stage during the financial "
             "year\n(into assessment = referrals), %s",
             what);
    print_block(t, m, t->entries, runs, title, 0, show);
    snprintf(title, sizeof title,
             "Exits: children leaving each stage during the financial year, "
             "including those\nreaching 18 (from looked_after: care "
             "leavers), %s",
             what);
    print_block(t, m, t->exits, runs, title, 0, show);
}

/* ---- the run itself --------------------------------------------------- */

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) * 1e-9;
}

static int write_all_runs(const run_options *o, const cs_scenario *sc,
                          const cs_model *m, uint64_t seed,
                          const char *output_path, const char *command_line,
                          table *t, cs_error *err)
{
    int n_months = cs_model_n_months(m), n_stages = cs_model_n_stages(m);
    int n_flows = cs_model_n_flows(m);
    const char **month = calloc((size_t)n_months, sizeof *month);
    const char **stage = calloc((size_t)n_stages, sizeof *stage);
    const char **flow = calloc((size_t)n_flows, sizeof *flow);
    const char **from = calloc((size_t)n_flows, sizeof *from);
    const char **to = calloc((size_t)n_flows, sizeof *to);
    double *stocks =
        calloc((size_t)n_months * (size_t)n_stages * CS_AGES, sizeof *stocks);
    double *flows = calloc((size_t)n_months * (size_t)n_flows, sizeof *flows);
    cs_sim *sim = cs_sim_alloc(m);
    cs_output *out = NULL;
    int rc = CS_OK;
    if (!month || !stage || !flow || !from || !to || !stocks || !flows ||
        !sim) {
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < n_months; i++)
        month[i] = cs_model_month_label(m, i);
    for (int s = 0; s < n_stages; s++)
        stage[s] = sc->stages[s].id;
    for (int f = 0; f < n_flows; f++) {
        flow[f] = cs_model_flow_label(m, f);
        from[f] = cs_model_flow_from(m, f);
        to[f] = cs_model_flow_to(m, f);
    }
    cs_output_dims dims = {n_months, month, n_stages, stage, CS_AGES,
                           n_flows,  flow,  from,     to};
    cs_output_meta meta = {CASCADE_VERSION, command_line, seed, "philox4x32-10",
                           sc->resolved_yaml};
    rc = cs_output_create(output_path, o->force, &meta, &dims, &out, err);
    if (rc != CS_OK)
        goto done;
    int scenario_index;
    rc = cs_output_add_scenario(out, sc->name, sc->resolved_yaml, (int)o->runs,
                                &scenario_index, err);
    if (rc != CS_OK)
        goto done;

    int progress = !o->quiet && isatty(STDERR_FILENO) && o->runs > 1;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long run = 0; run < o->runs; run++) {
        if (interrupted) {
            rc = cs_error_set(err, CS_EFAIL,
                              "interrupted by signal %d after %ld of %ld "
                              "runs: no file written, %s untouched",
                              (int)interrupted, run, o->runs, output_path);
            goto done;
        }
        cs_sim_run(sim,
                   o->deterministic ? CS_SIM_DETERMINISTIC : CS_SIM_STOCHASTIC,
                   seed, (uint32_t)run, stocks, flows);
        rc = cs_output_write_run(out, scenario_index, (int)run, stocks, flows,
                                 err);
        if (rc != CS_OK)
            goto done;
        table_add_run(t, sc, m, run, stocks, flows);
        if (progress) {
            double elapsed = seconds_since(&start);
            fprintf(stderr, "\rrun %ld/%ld  %.1f runs/s  ", run + 1, o->runs,
                    (double)(run + 1) / (elapsed > 0 ? elapsed : 1e-9));
        }
    }
    if (progress)
        fprintf(stderr, "\r%60s\r", "");
    rc = cs_output_close(out, err);
    out = NULL;
done:
    if (out)
        cs_output_abort(out);
    cs_sim_free(sim);
    free(month);
    free(stage);
    free(flow);
    free(from);
    free(to);
    free(stocks);
    free(flows);
    return rc;
}

int cli_run(int argc, char **argv, const char *command_line)
{
    run_options o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;

    cs_error err;
    cs_scenario *sc = NULL;
    cs_model *m = NULL;
    table t;
    memset(&t, 0, sizeof t);
    char default_path[CS_ID_MAX + 8];
    int rc = cli_load_scenario(o.scenario_path, &sc, &err);
    if (rc != CS_OK)
        goto fail;
    rc = cs_model_compile(sc, &m, &err);
    if (rc != CS_OK)
        goto fail;
    uint64_t seed = o.have_seed ? o.seed : sc->seed;
    const char *output_path = o.output_path;
    if (!output_path) {
        snprintf(default_path, sizeof default_path, "%s.h5", sc->name);
        output_path = default_path;
    }
    if (table_init(&t, sc, m, o.runs)) {
        rc =
            cs_error_set(&err, CS_ENOMEM, "out of memory for %ld runs", o.runs);
        goto fail;
    }

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = write_all_runs(&o, sc, m, seed, output_path, command_line, &t, &err);
    if (rc != CS_OK)
        goto fail;
    double elapsed = seconds_since(&start);

    if (!o.quiet) {
        printf("cascade %s: scenario '%s' (%s), %s from %s, seed %" PRIu64 "\n",
               CASCADE_VERSION, sc->name,
               o.scenario_path ? o.scenario_path : "built-in baseline",
               o.deterministic ? "deterministic run" : "stochastic runs",
               cs_model_month_label(m, 0), seed);
        print_table(&t, sc, m, o.runs, o.deterministic);
        printf("\nWrote %s: %ld run%s x %d months in %.2f s.\n", output_path,
               o.runs, o.runs == 1 ? "" : "s", cs_model_n_months(m), elapsed);
    }
    table_free(&t);
    cs_model_free(m);
    cs_scenario_free(sc);
    return CLI_OK;

fail:
    fprintf(stderr, "%s\n", err.message);
    table_free(&t);
    cs_model_free(m);
    cs_scenario_free(sc);
    return cli_exit_status(rc);
}
