/*
 * backtest.c - `cascade backtest`: refit a scenario at each origin year,
 * forecast the years after it with all its uncertainty, and score the
 * forecasts against what was published and against naive benchmarks, for
 * one area or every council (docs/validation.md).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "outfile.h"
#include "progress.h"

#define BT "cascade backtest"
#define MAX_AREAS 512

static const char *const headline[] = {
    "cla_31_march", "cpp_31_march", "cin_31_march", "referrals",
    "cpp_starts",   "cla_starts",   "cla_ceased"};
#define N_HEADLINE 7

static volatile sig_atomic_t stopped;

static void on_signal(int sig)
{
    stopped = sig;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade backtest SCENARIO.yaml --data SERIES.csv [--data "
            "...]\n"
            "                        --origins FIRST:LAST [--horizon H] "
            "[--area CODE|NAME|all]\n"
            "                        [-n RUNS] [--seed N] [--csv FILE] "
            "[--threads N]\n"
            "\n"
            "For each origin year T: fit SCENARIO's fit: parameters to the "
            "area's figures\n"
            "up to T only, forecast T+1 to T+H from the published stocks at "
            "31 March T with\n"
            "every source of uncertainty, and score the forecasts against "
            "what was published,\n"
            "beside persistence (T's value held) and a linear trend through "
            "the last three\n"
            "years. Nothing published after T enters the forecast from T.\n"
            "\n"
            "  --origins A:B      origin years (DfE years to 31 March)\n"
            "  --horizon H        years ahead, 1 to 10 (default 3)\n"
            "  --area X           a council's code or name, England "
            "(default), or all: every\n"
            "                     council in the data, in parallel\n"
            "  --window-first Y   the fits' first year (default: the "
            "scenario's fit.window,\n"
            "                     else the data's first)\n"
            "  --measures LIST    comma-separated measures to score, or all "
            "(default: the\n"
            "                     headline stocks and flows)\n"
            "  -n, --runs N       stochastic runs a forecast (default 200)\n"
            "      --seed N       seed of the forecasts' random streams "
            "(default 1)\n"
            "      --csv FILE     every forecast as CSV: area, origin, "
            "horizon, measure,\n"
            "                     actual, the model's median and intervals, "
            "the benchmarks\n"
            "      --shrink       with --area all: shrink each council's "
            "parameters towards\n"
            "                     the councils' centre by the spread the "
            "panel shows at each\n"
            "                     origin (empirical Bayes; docs/fitting.md)\n"
            "      --threads N    threads (default: the cores)\n"
            "  -q, --quiet        print only errors\n"
            "  -h, --help         this help\n");
}

/* The prior each origin's council fits used (--shrink). */
static void print_panels(const cs_backtest *b, const cs_scenario *s, int first,
                         int last)
{
    printf("\nThe councils' prior at each origin (--shrink; fitted scale: log "
           "multiplier or\ntrend a year): centre and between-council sd, "
           "from the councils whose\nfigures inform the parameter; \"kept\": "
           "the scenario's own prior\n");
    printf("%-24s", "parameter");
    for (int t = first; t <= last; t++)
        printf("  %22d", t);
    printf("\n");
    for (int x = 0; x < s->fit->n_parameters; x++) {
        printf("%-24s", s->fit->parameters[x].id);
        for (int t = first; t <= last; t++) {
            const cs_fit_panel *p = cs_backtest_panel(b, t);
            char cell[64];
            if (!p)
                snprintf(cell, sizeof cell, "-");
            else if (p->kept[x])
                snprintf(cell, sizeof cell, "kept");
            else
                snprintf(cell, sizeof cell, "%+.3f sd %.3f (%d)", p->mean[x],
                         p->sd[x], p->n_areas[x]);
            printf("  %22s", cell);
        }
        printf("\n");
    }
}

static int parse_measures(const char *text, int *out, int *n)
{
    *n = 0;
    if (!strcmp(text, "all")) {
        for (int m = 0; m < cs_series_n_measures(); m++) {
            cs_obs_kind k = cs_series_measure(m)->kind;
            if (k == CS_OBS_STOCK || k == CS_OBS_FLOW)
                out[(*n)++] = m;
        }
        return 0;
    }
    char copy[2048];
    snprintf(copy, sizeof copy, "%s", text);
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        int m = cs_series_find_measure(tok);
        if (m < 0) {
            fprintf(stderr,
                    BT ": --measures: no measure '%s' (docs/data.md lists "
                       "them)\n",
                    tok);
            return -1;
        }
        out[(*n)++] = m;
    }
    return *n > 0 ? 0 : -1;
}

static void print_summary(const cs_backtest *b, const int *measures,
                          int n_measures, int horizon, int all_areas)
{
    static const char *const names[3] = {"model", "persistence", "trend"};
    printf("\nEach forecast against what was published: median absolute "
           "error (%%), mean signed\nerror (%%), share of actuals inside the "
           "50%% and 90%% intervals, and the mean CRPS\nrelative to the "
           "actual (%%; lower is better)%s.\n",
           all_areas ? ", over every council, origin and year" : "");
    for (int i = 0; i < n_measures; i++) {
        printf("\n%s\n", cs_series_measure(measures[i])->name);
        printf("  %-8s %-12s %9s %8s %7s %7s %7s %5s\n", "horizon", "method",
               "median|e|", "bias", "in 50%", "in 90%", "CRPS", "n");
        for (int h = 1; h <= horizon; h++) {
            cs_backtest_summary s;
            if (cs_backtest_summarise(b, measures[i], h, -1, &s) != CS_OK ||
                s.n == 0)
                continue;
            char ahead[32];
            snprintf(ahead, sizeof ahead, "%d year%s", h, h > 1 ? "s" : "");
            for (int k = 0; k < 3; k++) {
                const cs_backtest_method *m = &s.method[k];
                printf("  %-8s %-12s %8.1f%% %+7.1f%% %6.0f%% %6.0f%% %6.2f%% "
                       "%5d\n",
                       k == 0 ? ahead : "", names[k], 100 * m->median_ape,
                       100 * m->bias, 100 * m->covered50, 100 * m->covered90,
                       100 * m->crps, s.n);
            }
        }
    }
}

/* Councils where the model's median error in looked-after children is far
 * below or above persistence's. */
static void print_councils(const cs_backtest *b, const cs_series *data,
                           const int *areas, int n_areas)
{
    int m = cs_series_find_measure("cla_31_march");
    typedef struct {
        int area;
        double model, persistence;
    } ranked;
    ranked *r = calloc((size_t)n_areas, sizeof *r);
    int n = 0;
    for (int i = 0; r && i < n_areas; i++) {
        cs_backtest_summary s;
        if (cs_backtest_summarise(b, m, 0, areas[i], &s) != CS_OK || s.n == 0)
            continue;
        r[n++] =
            (ranked){areas[i], s.method[0].median_ape, s.method[1].median_ape};
    }
    /* by the model's error less persistence's */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && r[j].model - r[j].persistence <
                                     r[j - 1].model - r[j - 1].persistence;
             j--) {
            ranked t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    int better = 0;
    for (int i = 0; i < n; i++)
        better += r[i].model < r[i].persistence;
    printf("\nLooked after at 31 March, council by council (median "
           "absolute error over origins\nand years): the model beats "
           "persistence in %d of %d councils.\n",
           better, n);
    int show = n < 5 ? n : 5;
    printf("  best against persistence:\n");
    for (int i = 0; i < show; i++)
        printf("    %-36s model %5.1f%%  persistence %5.1f%%\n",
               cs_series_area_name(data, r[i].area), 100 * r[i].model,
               100 * r[i].persistence);
    printf("  worst:\n");
    for (int i = n - show; i < n; i++)
        if (i >= 0)
            printf("    %-36s model %5.1f%%  persistence %5.1f%%\n",
                   cs_series_area_name(data, r[i].area), 100 * r[i].model,
                   100 * r[i].persistence);
    free(r);
}

static int write_csv(const cs_backtest *b, const cs_series *data,
                     const char *path, const char *const *inputs, int n_inputs,
                     cs_error *err)
{
    cli_outfile out;
    int rc =
        cli_outfile_open(&out, "--csv", path, 1, NULL, inputs, n_inputs, err);
    if (rc != CS_OK)
        return rc;
    fprintf(out.file, "area_code,area_name,origin,horizon,year,measure,"
                      "actual,median,lo50,hi50,lo90,hi90,crps,"
                      "persistence_mean,persistence_sd,trend_mean,"
                      "trend_sd\n");
    for (int i = 0; i < cs_backtest_n_rows(b); i++) {
        const cs_backtest_row *r = cs_backtest_get_row(b, i);
        fprintf(out.file,
                "%s,\"%s\",%d,%d,%d,%s,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,"
                "%.10g,%.10g,%.10g,%.10g,%.10g\n",
                cs_series_area_code(data, r->area),
                cs_series_area_name(data, r->area), r->origin, r->horizon,
                r->origin + r->horizon, cs_series_measure(r->measure)->name,
                r->actual, r->median, r->lo50, r->hi50, r->lo90, r->hi90,
                r->crps, r->persistence_mean, r->persistence_sd, r->trend_mean,
                r->trend_sd);
    }
    return cli_outfile_commit(&out, err);
}

int cli_backtest(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, 0, 'd'},
        {"area", required_argument, 0, 'a'},
        {"origins", required_argument, 0, 'O'},
        {"horizon", required_argument, 0, 'H'},
        {"window-first", required_argument, 0, 'W'},
        {"measures", required_argument, 0, 'M'},
        {"runs", required_argument, 0, 'n'},
        {"seed", required_argument, 0, 's'},
        {"csv", required_argument, 0, 'c'},
        {"threads", required_argument, 0, 't'},
        {"shrink", no_argument, 0, 'S'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *data_paths[CLI_MAX_DATA];
    int n_data = 0, quiet = 0, have_origins = 0;
    const char *area_name = NULL, *csv = NULL, *measure_list = NULL;
    cs_backtest_options bo;
    cs_backtest_options_init(&bo);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores < 1 ? 1 : cores > 64 ? 64 : (int)cores;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:qh", options, NULL)) != -1) {
        long v, a, b;
        switch (c) {
        case 'd':
            if (cli_add_data(BT, data_paths, &n_data, optarg))
                return CLI_BAD_INPUT;
            break;
        case 'a':
            area_name = optarg;
            break;
        case 'O':
            if (cli_parse_range(BT, "--origins", optarg, 1990, 2101,
                                "DfE years", "2015:2017", &a, &b))
                return CLI_BAD_INPUT;
            bo.first_origin = (int)a;
            bo.last_origin = (int)b;
            have_origins = 1;
            break;
        case 'H':
            if (cli_parse_count(BT, "--horizon", optarg, 10, &v))
                return CLI_BAD_INPUT;
            bo.horizon = (int)v;
            break;
        case 'W':
            if (cli_parse_count(BT, "--window-first", optarg, 2100, &v))
                return CLI_BAD_INPUT;
            bo.window_first = (int)v;
            break;
        case 'M':
            measure_list = optarg;
            break;
        case 'n':
            if (cli_parse_count(BT, "-n", optarg, 100000, &v))
                return CLI_BAD_INPUT;
            bo.runs = v;
            break;
        case 's':
            if (cli_parse_seed(BT, optarg, &bo.seed))
                return CLI_BAD_INPUT;
            break;
        case 'c':
            csv = optarg;
            break;
        case 't':
            if (cli_parse_count(BT, "--threads", optarg, 64, &v))
                return CLI_BAD_INPUT;
            threads = (int)v;
            break;
        case 'S':
            bo.shrink = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    if (argc - optind != 1 || n_data == 0 || !have_origins) {
        fprintf(stderr, BT ": expected one scenario file, at least one "
                           "--data file and --origins\n");
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    int measures[128], n_measures = 0;
    if (measure_list) {
        if (parse_measures(measure_list, measures, &n_measures))
            return CLI_BAD_INPUT;
    } else {
        for (int i = 0; i < N_HEADLINE; i++)
            measures[n_measures++] = cs_series_find_measure(headline[i]);
    }
    const char *input = argv[optind];
    cs_error err;
    cs_error_clear(&err);
    cs_scenario *sc = NULL;
    cs_series *data = NULL;
    cs_backtest *b = NULL;
    int areas[MAX_AREAS], n_areas = 0;
    int all = area_name && !strcmp(area_name, "all");
    int rc = cs_scenario_load_file(input, &sc, &err);
    if (rc == CS_OK)
        rc = cli_load_series(data_paths, n_data, &data, &err);
    if (rc == CS_OK && bo.shrink && !all)
        rc = cs_error_set(&err, CS_EINPUT,
                          BT ": --shrink: expected --area all (the prior is "
                             "estimated across the councils)");
    if (rc == CS_OK && all) {
        for (int a = 0; a < cs_series_n_areas(data) && n_areas < MAX_AREAS; a++)
            if (strcmp(cs_series_area_code(data, a), CS_SERIES_ENGLAND_CODE))
                areas[n_areas++] = a;
        if (n_areas == 0)
            rc = cs_error_set(&err, CS_EINPUT,
                              BT ": --area all: the data holds no council");
    } else if (rc == CS_OK) {
        rc = cs_series_find_area(data, area_name ? area_name : "England",
                                 &areas[0], &err);
        n_areas = 1;
    }
    const char *inputs[CLI_MAX_DATA + 1];
    inputs[0] = input;
    for (int i = 0; i < n_data; i++)
        inputs[i + 1] = data_paths[i];
    if (rc == CS_OK && csv)
        rc = cli_check_not_an_input("--csv", csv, inputs, n_data + 1, &err);
    cli_progress shown;
    cli_progress_init(&shown, BT, "areas");
    if (!quiet && all) {
        bo.progress = cli_progress_show;
        bo.progress_ctx = &shown;
    }
    /* a single area's runs on the threads; many areas one a thread */
    bo.threads = all ? threads : 1;
    bo.batch_threads = all ? 1 : threads;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    bo.stop = &stopped;
    if (rc == CS_OK)
        rc = cs_backtest_run(sc, data, areas, n_areas, measures, n_measures,
                             &bo, &b, &err);
    cli_progress_free(&shown);
    if (rc == CS_OK && stopped) {
        fprintf(stderr, BT ": stopped by signal %d; nothing written\n",
                (int)stopped);
        cs_backtest_free(b);
        cs_series_free(data);
        cs_scenario_free(sc);
        return 128 + (int)stopped;
    }
    if (rc == CS_OK && csv)
        rc = write_csv(b, data, csv, inputs, n_data + 1, &err);
    if (rc == CS_OK && !quiet) {
        printf("cascade backtest: %s on %s, origins %d to %d, %d year%s "
               "ahead, %ld runs a forecast, seed %llu\n",
               sc->name,
               all ? "every council" : cs_series_area_name(data, areas[0]),
               bo.first_origin, bo.last_origin, bo.horizon,
               bo.horizon > 1 ? "s" : "", bo.runs, (unsigned long long)bo.seed);
        print_summary(b, measures, n_measures, bo.horizon, all);
        if (bo.shrink)
            print_panels(b, sc, bo.first_origin, bo.last_origin);
        if (all)
            print_councils(b, data, areas, n_areas);
        if (cs_backtest_n_failures(b) > 0) {
            printf("\n%d fit%s failed:\n", cs_backtest_n_failures(b),
                   cs_backtest_n_failures(b) > 1 ? "s" : "");
            for (int i = 0; i < cs_backtest_n_failures(b); i++) {
                int area;
                const char *why = cs_backtest_failure(b, i, &area);
                printf("  %s: %s\n", cs_series_area_name(data, area), why);
            }
        }
        if (csv)
            printf("\nWrote %s (%d forecasts).\n", csv, cs_backtest_n_rows(b));
    }
    if (rc != CS_OK)
        fprintf(stderr, "%s\n", err.message);
    cs_backtest_free(b);
    cs_series_free(data);
    cs_scenario_free(sc);
    return cli_exit_status(rc);
}
