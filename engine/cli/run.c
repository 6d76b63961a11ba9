/*
 * run.c - `cascade run`: parse the options, load the scenarios, run the
 * batch into an HDF5 file through the library (cascade/batch.h), show
 * progress, and print by financial year the stock in each stage at 31
 * March, the flows in the year and the spend, read back from the file.
 *
 * Several scenarios in one invocation share the seed: run r of each draws
 * from the same keyed random streams (common random numbers), so their
 * differences are paired and `cascade compare` can read them run by run.
 *
 * Everything that can be wrong with the input is found before the output
 * file is created (the library checks the scenarios as they are added and
 * the file's path before computing), and the output replaces an earlier
 * file only when complete: a batch stopped by a signal is saved as
 * FILE.partial, which --resume continues.
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

#include "cascade_config.h"
#if CASCADE_MPI
#include <mpi.h>
#endif
#include "args.h"
#include "cli.h"
#include "figures.h"
#include "headline.h"
#include "outfile.h"
#include "progress.h"
#include "table.h"

#define DEFAULT_RUNS 100
#define RUN "cascade run"

typedef struct run_options {
    const char *scenario_paths[CS_BATCH_MAX_SCENARIOS]; /* none: baseline */
    int n_scenarios;
    const char *output_path; /* NULL: from the scenario names */
    long runs;
    int have_seed;
    uint64_t seed;
    int deterministic;
    int force;
    int quiet;
    int threads;
    int threads_given;
    int no_parameter_uncertainty;
    int no_process_noise;
    int no_year_effects;
    int runs_given;   /* -n was given */
    int slice_given;  /* --runs was given */
    long first, last; /* the runs to compute (--runs), 0-based, inclusive */
    int resume;       /* --resume: continue the batch in the output file */
    int full_tables;  /* --table full: every table, not the headline */
} run_options;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade run [SCENARIO.yaml...] [-o FILE] [-n RUNS] "
            "[--seed N]\n"
            "                   [--runs FIRST:LAST] [--resume] "
            "[--deterministic] [--force] [--quiet]\n"
            "                   [--table headline|full]\n"
            "\n"
            "Simulate scenarios and write their trajectories to HDF5. With "
            "no SCENARIO, runs\n"
            "the shipped England baseline (england-baseline.yaml, built "
            "in). Several scenarios\n"
            "run with the same seed and random streams, so their "
            "differences are paired\n"
            "(compare them with 'cascade compare').\n"
            "\n"
            "  -o, --output FILE   output file (default: the scenario "
            "names joined by '+',\n"
            "                      then .h5)\n"
            "  -n, --runs N        stochastic runs per scenario (default "
            "%d)\n"
            "      --seed N        seed for the random streams (default: "
            "the first scenario's)\n"
            "      --runs FIRST:LAST  compute only runs FIRST to LAST "
            "(counted from 0) of the\n"
            "                      batch of -n runs, e.g. one job of an "
            "array; join the parts\n"
            "                      with 'cascade merge'\n"
            "      --resume        continue the batch stopped early (saved "
            "as FILE.partial) or\n"
            "                      a slice in FILE: compute only the runs "
            "not yet done; same\n"
            "                      results as an uninterrupted batch\n"
            "      --deterministic one run in expected values, no random "
            "draws\n"
            "      --threads N     runs computed in parallel (default: the "
            "cores available);\n"
            "                      the output is the same for any N\n"
            "      --no-parameter-uncertainty  every run uses each uncertain "
            "parameter's mean\n"
            "      --no-process-noise          each run moves expected values "
            "(its own\n"
            "                      parameters still drawn): separates the two "
            "sources\n"
            "      --no-year-effects           rates keep their trend, without "
            "the random\n"
            "                      year effects the scenario gives them\n"
            "      --force         overwrite FILE even if it is not a "
            "cascade output\n"
            "      --table full    print every table by financial year (as "
            "'cascade summary'),\n"
            "                      not the headline (the default, --table "
            "headline)\n"
            "  -q, --quiet         print nothing but errors (no table, no "
            "progress)\n"
            "  -h, --help          this help\n"
            "\n"
            "Ctrl-C or SIGTERM stops cleanly: the runs finished are saved in "
            "FILE.partial\n"
            "(an earlier FILE is kept) and the same command with --resume "
            "continues.\n"
            "Exit status: 0 done, 2 bad input (file:line:column: message), 1 "
            "other failure,\n"
            "128 + N stopped by signal N.\n",
            DEFAULT_RUNS);
}

/* Returns -1 to continue, or an exit status. */
static int parse_options(int argc, char **argv, run_options *o)
{
    static const struct option options[] = {
        {"output", required_argument, 0, 'o'},
        {"runs", required_argument, 0, 'r'},
        {"seed", required_argument, 0, 's'},
        {"deterministic", no_argument, 0, 'd'},
        {"force", no_argument, 0, 'f'},
        {"quiet", no_argument, 0, 'q'},
        {"threads", required_argument, 0, 't'},
        {"no-parameter-uncertainty", no_argument, 0, 'P'},
        {"no-process-noise", no_argument, 0, 'N'},
        {"no-year-effects", no_argument, 0, 'Y'},
        {"resume", no_argument, 0, 'R'},
        {"table", required_argument, 0, 'T'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->runs = DEFAULT_RUNS;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores < 1 ? 1 : cores > 256 ? 256 : (int)cores;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:n:qh", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->output_path = optarg;
            break;
        case 'n':
            if (cli_parse_count(RUN, "-n", optarg, CS_BATCH_MAX_RUNS, &o->runs))
                return CLI_BAD_INPUT;
            o->runs_given = 1;
            break;
        case 's':
            if (cli_parse_seed(RUN, optarg, &o->seed))
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
        case 'P':
            o->no_parameter_uncertainty = 1;
            break;
        case 'r': /* --runs N is -n N; --runs FIRST:LAST a slice */
            if (!strchr(optarg, ':')) {
                if (cli_parse_count(RUN, "--runs", optarg, CS_BATCH_MAX_RUNS,
                                    &o->runs))
                    return CLI_BAD_INPUT;
                o->runs_given = 1;
                break;
            }
            if (cli_parse_range(RUN, "--runs", optarg, 0, CS_BATCH_MAX_RUNS,
                                "run numbers counted from 0", "0:249",
                                &o->first, &o->last))
                return CLI_BAD_INPUT;
            o->slice_given = 1;
            break;
        case 'R':
            o->resume = 1;
            break;
        case 'T':
            if (cli_parse_table(RUN, optarg, &o->full_tables))
                return CLI_BAD_INPUT;
            break;
        case 'N':
            o->no_process_noise = 1;
            break;
        case 'Y':
            o->no_year_effects = 1;
            break;
        case 't': {
            long threads;
            if (cli_parse_count(RUN, "--threads", optarg, 256, &threads))
                return CLI_BAD_INPUT;
            o->threads = (int)threads;
            o->threads_given = 1;
            break;
        }
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    if (argc - optind > CS_BATCH_MAX_SCENARIOS) {
        fprintf(stderr,
                "cascade run: expected at most %d scenario files, found %d\n",
                CS_BATCH_MAX_SCENARIOS, argc - optind);
        return CLI_BAD_INPUT;
    }
    for (int i = optind; i < argc; i++)
        o->scenario_paths[o->n_scenarios++] = argv[i];
    if (o->deterministic) {
        if (o->runs_given && o->runs != 1) {
            fprintf(stderr, "cascade run: --deterministic makes one run in "
                            "expected values; -n must be 1 or absent\n");
            return CLI_BAD_INPUT;
        }
        o->runs = 1;
    }
    if (o->deterministic && (o->slice_given || o->resume)) {
        fprintf(stderr, "cascade run: --deterministic makes one run; --runs "
                        "and --resume are for batches of stochastic runs\n");
        return CLI_BAD_INPUT;
    }
    if (o->slice_given && o->last >= o->runs) {
        fprintf(stderr,
                "cascade run: --runs %ld:%ld: the batch has runs 0 to %ld "
                "(-n %ld); expected LAST below %ld\n",
                o->first, o->last, o->runs - 1, o->runs, o->runs);
        return CLI_BAD_INPUT;
    }
    return -1;
}

/* "a+b+c.h5", or the first name and "+more" when that gets long. */
static void default_output_path(const cs_batch *b, char *path, size_t size)
{
    size_t used = 0;
    path[0] = '\0';
    for (int i = 0; i < cs_batch_n_scenarios(b); i++) {
        const char *name = cs_batch_scenario(b, i)->name;
        if (used + strlen(name) + 12 > size || (i > 0 && used > 80)) {
            used += (size_t)snprintf(path + used, size - used, "+more");
            break;
        }
        used += (size_t)snprintf(path + used, size - used, "%s%s", i ? "+" : "",
                                 name);
    }
    snprintf(path + used, size - used, ".h5");
}

/* The headline of one scenario: children at 31 March, then spend. */
static void print_headline(const cli_table *t, const char *what)
{
    printf("%s\n\n", what);
    cli_headline_print_stocks(t, t->dfe_stock, t->runs, 0);
    printf("\n");
    static const char *const labels[2] = {"early intervention",
                                          "late intervention"};
    static const int offset[2] = {CLI_SPEND_EARLY_REAL, CLI_SPEND_LATE_REAL};
    cli_headline_print_spend(t, t->spend, CLI_N_SPEND, 2, labels, offset,
                             t->runs, 0);
    if (t->has_budget) {
        printf("\n");
        cli_headline_print_budget(t, t->runs);
    }
}

static int print_tables(const cs_batch *b, const run_options *o,
                        const cs_batch_settings *s,
                        const cs_batch_outcome *outcome, cs_error *err)
{
    cs_result *result = NULL;
    int rc = cs_result_open(outcome->written, &result, err);
    int n = cs_batch_n_scenarios(b);
    cs_output_figures *shown = NULL; /* the last fit record printed */
    const char *shown_by = "";
    for (int i = 0; i < n && rc == CS_OK; i++) {
        cli_table table;
        memset(&table, 0, sizeof table);
        int k = cs_result_find_scenario(result, cs_batch_scenario(b, i)->name);
        rc =
            k >= 0
                ? cli_table_from_result(result, k, NULL, &table, err)
                : cs_error_set(err, CS_EFAIL, "scenario '%s' missing from %s",
                               cs_batch_scenario(b, i)->name, outcome->written);
        if (rc == CS_OK) {
            char what[256];
            if (o->deterministic)
                snprintf(what, sizeof what, "expected values (deterministic)");
            else if (o->slice_given)
                snprintf(what, sizeof what,
                         "median, and the 90%% interval [5%%, 95%%] below it, "
                         "over runs %ld to %ld of %ld",
                         o->first, o->last, o->runs);
            else
                cli_table_describe_runs(&table, what, sizeof what);
            const char *source = cs_batch_source(b, i);
            printf("%scascade %s: scenario '%s' (%s), %s from %s, seed "
                   "%" PRIu64 "\n",
                   i ? (o->full_tables ? "\n\n" : "\n") : "", CASCADE_VERSION,
                   cs_batch_scenario(b, i)->name, source,
                   o->deterministic ? "deterministic run" : "stochastic runs",
                   cs_model_month_label(cs_batch_model(b, i), 0), s->seed);
            if (o->full_tables)
                cli_table_print(&table, what);
            else
                print_headline(&table, what);
        }
        cli_table_free(&table);
        /* the published figures beside the fit, once for scenarios that
         * share them (a what-if of the fitted scenario) */
        cs_output_figures *figures = NULL;
        if (rc == CS_OK)
            rc = cli_figures_read(result, k, &figures, err);
        if (figures && cli_figures_same(figures, shown)) {
            printf("\nFitted to the same figures as '%s' (above)\n", shown_by);
            free(figures);
        } else if (figures) {
            printf("\n");
            if (o->full_tables)
                cli_figures_print_full(figures);
            else
                cli_figures_print_headline(figures, outcome->written);
            free(shown);
            shown = figures;
            shown_by = cs_batch_scenario(b, i)->name;
        }
    }
    free(shown);
    cs_result_close(result);
    if (rc != CS_OK)
        return rc;
    char took[CLI_NUMBER_MAX];
    cli_format_duration(outcome->seconds, took, sizeof took);
    printf("\nWrote %s: %d scenario%s x %ld run%s x %d months in %s.\n",
           outcome->written, n, n == 1 ? "" : "s", o->runs,
           o->runs == 1 ? "" : "s", cs_model_n_months(cs_batch_model(b, 0)),
           took);
    if (!o->full_tables)
        printf("Every table by financial year: --table full, or cascade "
               "summary %s\n",
               outcome->written);
    if (!o->full_tables && n > 1)
        printf("What one scenario changes against another, run by run: "
               "cascade compare %s\n",
               outcome->written);
    return rc;
}

/* The file name at the end of a path. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A what-if run beside a base should extend that very base: warn when it
 * extends a file of the same name whose text differs (an edited copy of
 * the baseline beside the what-if, say, or the built-in one), as compare
 * will. */
static void warn_other_bases(const cs_batch *b)
{
    for (int i = 1; i < cs_batch_n_scenarios(b); i++) {
        const cs_scenario *alt = cs_batch_scenario(b, i);
        if (!alt->extends_source || !alt->extends_hash)
            continue;
        for (int j = 0; j < i; j++) {
            const cs_scenario *base = cs_batch_scenario(b, j);
            if (!base->source_path || !base->resolved_hash ||
                strcmp(base_name(base->source_path),
                       base_name(alt->extends_source)) != 0)
                continue;
            if (strcmp(base->resolved_hash, alt->extends_hash) != 0)
                fprintf(stderr,
                        "cascade run: warning: '%s' extends %s, not the %s "
                        "run beside it ('%s' from %s): their differences "
                        "include every difference between the two bases\n",
                        alt->name, alt->extends_source,
                        base_name(base->source_path), base->name,
                        base->source_path);
        }
    }
}

int cli_run(int argc, char **argv, const char *command_line)
{
    int rank = 0, size = 1;
#if CASCADE_MPI
    int initialized = 0;
    MPI_Comm world = MPI_COMM_WORLD;
    MPI_Initialized(&initialized);
    if (initialized) {
        MPI_Comm_rank(world, &rank);
        MPI_Comm_size(world, &size);
    }
#endif
    int muted = cli_mute_stderr(rank);
    run_options o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0) {
        cli_unmute_stderr(muted);
        return status;
    }
    if (size > 1 && (o.resume || o.slice_given || o.deterministic)) {
        fprintf(stderr, "cascade run: --resume, --runs FIRST:LAST and "
                        "--deterministic are for one process; under mpirun "
                        "the ranks share the batch of -n runs\n");
        cli_unmute_stderr(muted);
        return CLI_BAD_INPUT;
    }
    if (size > 1 && !o.threads_given)
        o.threads = 1; /* a rank per core */
    if (rank > 0)
        o.quiet = 1; /* rank 0 prints the table */

    cs_error err;
    cs_error_clear(&err);
    cs_batch *batch = NULL;
    int rc = cs_batch_create(&batch, &err);
    int n = o.n_scenarios > 0 ? o.n_scenarios : 1;
    for (int i = 0; i < n && rc == CS_OK; i++) {
        const char *path = o.n_scenarios ? o.scenario_paths[i] : NULL;
        cs_scenario *sc = NULL;
        rc = cli_load_scenario(path, &sc, &err);
        if (rc == CS_OK)
            rc = cs_batch_add_scenario(batch, sc,
                                       path ? path : "built-in baseline", &err);
        cs_scenario_free(sc);
    }
    if (rc != CS_OK)
        goto done;
    if (rank == 0 && !o.quiet)
        warn_other_bases(batch);

    cs_batch_settings settings;
    cs_batch_settings_init(&settings);
    settings.seed = o.have_seed ? o.seed : cs_batch_scenario(batch, 0)->seed;
    settings.threads = o.threads;
    settings.deterministic = o.deterministic;
    settings.parameter_uncertainty = !o.no_parameter_uncertainty;
    settings.process_noise = !o.no_process_noise;
    settings.year_effects = !o.no_year_effects;
    settings.stop = &interrupted;

    char default_path[256];
    const char *output_path = o.output_path;
    if (!output_path) {
        default_output_path(batch, default_path, sizeof default_path);
        if (o.slice_given) { /* "a+b.runs-0-249.h5" */
            size_t stem = strlen(default_path) - 3;
            snprintf(default_path + stem, sizeof default_path - stem,
                     ".runs-%ld-%ld.h5", o.first, o.last);
        }
        output_path = default_path;
    }
    /* the output (or its .partial) must not be a scenario file */
    char partial[PATH_MAX + 16];
    cs_batch_partial_path(output_path, partial, sizeof partial);
    if ((rc = cli_check_not_an_input("-o", output_path, o.scenario_paths,
                                     o.n_scenarios, &err)) != CS_OK ||
        (rc = cli_check_not_an_input("-o", partial, o.scenario_paths,
                                     o.n_scenarios, &err)) != CS_OK)
        goto done;
    cs_batch_file file = {
        .path = output_path,
        .force = o.force,
        /* resuming without -n: the batch's size is the file's */
        .n_runs = o.resume && !o.runs_given ? 0 : o.runs,
        .first = o.slice_given ? o.first : 0,
        .last = o.slice_given ? o.last : -1,
        .resume = o.resume,
        .command_line = command_line,
        .mpi_comm = NULL,
    };
#if CASCADE_MPI
    if (size > 1)
        file.mpi_comm = &world;
#endif

    cli_unmute_stderr(muted);
    muted = -1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    cs_batch_outcome outcome;
    cli_progress shown;
    cli_progress_init(&shown, "cascade run", "runs");
    if (!o.quiet) {
        settings.progress = cli_progress_show;
        settings.progress_ctx = &shown;
    }
    rc = cs_batch_write(batch, &settings, &file, &outcome, &err);
    cli_progress_free(&shown);
    if (rc != CS_OK)
        goto done;
    if (!outcome.complete) {
        if (rank == 0)
            fprintf(stderr,
                    "cascade run: stopped by signal %d after %ld of %ld runs; "
                    "%s holds the runs that finished (%s, if any, is "
                    "untouched); the same command with --resume computes "
                    "the rest\n",
                    (int)interrupted, outcome.runs_done, outcome.runs_asked,
                    outcome.written, output_path);
        status = 128 + (int)(interrupted ? interrupted : SIGTERM);
        goto done;
    }
    o.runs = outcome.n_runs;
    if (!o.quiet)
        rc = print_tables(batch, &o, &settings, &outcome, &err);
done:
    if (rc != CS_OK && err.message[0]) /* empty: rank 0 told it */
        fprintf(stderr, "%s\n", err.message);
    cli_unmute_stderr(muted);
    cs_batch_free(batch);
    if (rc != CS_OK)
        return cli_exit_status(rc);
    return status < 0 ? CLI_OK : status;
}
