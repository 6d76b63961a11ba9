/*
 * export.c - `cascade export FILE --csv DIR`: every run of an output file as
 * tidy (long) CSV, for R, pandas and spreadsheets:
 *
 *   DIR/stocks.csv  scenario,run,month,stage,age,children
 *   DIR/flows.csv   scenario,run,month,transition,from,to,children
 *   DIR/spend.csv   scenario,run,month,spend,gbp_cash
 *   DIR/params.csv  scenario,run,parameter,value  (each run's draws, to
 *                   join to its outcomes by scenario and run)
 *
 * --runs FIRST:LAST keeps only those runs (a 1,000-run file is 24 million
 * stock rows, past a spreadsheet's limit).
 *
 * It streams: one run is in memory at a time, so a file of any size
 * exports in constant memory, and the work is bounded by the runs the file
 * really holds (the reader refuses files claiming more). Each CSV is
 * written under a temporary name and renamed when complete (outfile.h):
 * existing CSVs are replaced only with --force, never the file being read,
 * and SIGINT or SIGTERM deletes the temporaries.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"

enum { CSV_STOCKS, CSV_FLOWS, CSV_SPEND, CSV_PARAMS, N_CSV };
static const char *const csv_names[N_CSV] = {"stocks.csv", "flows.csv",
                                             "spend.csv", "params.csv"};
static const char *const csv_headers[N_CSV] = {
    "scenario,run,month,stage,age,children\n",
    "scenario,run,month,transition,from,to,children\n",
    "scenario,run,month,spend,gbp_cash\n", "scenario,run,parameter,value\n"};

static void usage(FILE *to)
{
    fprintf(to, "usage: cascade export FILE --csv DIR [--scenario NAME] "
                "[--runs FIRST:LAST] [--force]\n"
                "\n"
                "Write every run of FILE as tidy CSV into DIR (created if "
                "needed):\n"
                "  stocks.csv  scenario,run,month,stage,age,children  "
                "(children at the end of the month)\n"
                "  flows.csv   scenario,run,month,transition,from,to,children "
                " (moved during the month)\n"
                "  spend.csv   scenario,run,month,spend,gbp_cash  (early and "
                "late, cash)\n"
                "  params.csv  scenario,run,parameter,value  (each run's "
                "uncertain parameters)\n"
                "Runs never written (an interrupted batch) are skipped.\n"
                "\n"
                "  --scenario NAME  only this scenario\n"
                "  --runs FIRST:LAST  only runs FIRST to LAST (from 0, "
                "inclusive)\n"
                "  --force          replace CSV files already in DIR\n"
                "  -h, --help       this help\n");
}

static int write_run(FILE *const *f, const cs_result *r, const char *name,
                     int run, const double *stocks, const double *flows,
                     const double *spend)
{
    int months = cs_result_n_months(r), stages = cs_result_n_stages(r);
    int ages = cs_result_n_ages(r), n_flows = cs_result_n_transitions(r);
    static const char *const kind[2] = {"early", "late"};
    for (int t = 0; t < months; t++) {
        const char *month = cs_result_month_label(r, t);
        for (int s = 0; s < stages; s++)
            for (int a = 0; a < ages; a++)
                fprintf(f[CSV_STOCKS], "%s,%d,%s,%s,%d,%.17g\n", name, run,
                        month, cs_result_stage_label(r, s), a,
                        stocks[((size_t)t * stages + s) * ages + a]);
        for (int i = 0; i < n_flows; i++)
            fprintf(f[CSV_FLOWS], "%s,%d,%s,%s,%s,%s,%.17g\n", name, run, month,
                    cs_result_transition_label(r, i),
                    cs_result_transition_from(r, i),
                    cs_result_transition_to(r, i),
                    flows[(size_t)t * n_flows + i]);
        for (int k = 0; k < 2; k++)
            fprintf(f[CSV_SPEND], "%s,%d,%s,%s,%.17g\n", name, run, month,
                    kind[k], spend[(size_t)t * 2 + k]);
    }
    return ferror(f[CSV_STOCKS]) || ferror(f[CSV_FLOWS]) || ferror(f[CSV_SPEND])
               ? -1
               : 0;
}

/* One run's parameter values, one row each. */
static int write_params(FILE *to, const cs_result *r, int scenario,
                        const char *name, int run, const double *values)
{
    for (int i = 0; i < cs_result_n_parameters(r, scenario); i++)
        fprintf(to, "%s,%d,%s,%.17g\n", name, run,
                cs_result_parameter_name(r, scenario, i), values[i]);
    return ferror(to) ? -1 : 0;
}

/* "FIRST:LAST" with 0 <= FIRST <= LAST, or -1. */
static int parse_runs(const char *text, long *first, long *last)
{
    char *end = NULL;
    errno = 0;
    *first = strtol(text, &end, 10);
    if (errno || end == text || *end != ':' || *first < 0)
        return -1;
    const char *second = end + 1;
    *last = strtol(second, &end, 10);
    if (errno || end == second || *end != '\0' || *last < *first)
        return -1;
    return 0;
}

int cli_export(int argc, char **argv)
{
    static const struct option options[] = {
        {"csv", required_argument, 0, 'c'},
        {"scenario", required_argument, 0, 's'},
        {"runs", required_argument, 0, 'r'},
        {"force", no_argument, 0, 'f'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *dir = NULL, *only = NULL, *runs_text = NULL;
    long first = 0, last = -1; /* last < 0: every run */
    int force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'c')
            dir = optarg;
        else if (c == 's')
            only = optarg;
        else if (c == 'r')
            runs_text = optarg;
        else if (c == 'f')
            force = 1;
        else if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        } else {
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    if (argc - optind != 1 || !dir) {
        fprintf(stderr, "cascade export: expected one output file and --csv "
                        "DIR\n");
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    if (runs_text && parse_runs(runs_text, &first, &last) != 0) {
        fprintf(stderr,
                "cascade export: --runs %s: expected FIRST:LAST, whole "
                "numbers with 0 <= FIRST <= LAST (e.g. 0:99)\n",
                runs_text);
        return CLI_BAD_INPUT;
    }
    const char *path = argv[optind];
    cli_cleanup_install("cascade export");
    cs_error err;
    cs_result *result = NULL;
    cli_outfile out[N_CSV];
    FILE *f[N_CSV] = {NULL, NULL, NULL, NULL};
    for (int k = 0; k < N_CSV; k++)
        out[k] = (cli_outfile){.cleanup_slot = -1};
    double *stocks = NULL, *flows = NULL, *spend = NULL, *params = NULL;
    unsigned char *done = NULL;
    int rc = cs_result_open(path, &result, &err);
    if (rc == CS_OK && only && cs_result_find_scenario(result, only) < 0)
        rc =
            cs_error_set(&err, CS_EINPUT,
                         "cascade export: %s has no scenario '%s'", path, only);
    for (int s = 0;
         rc == CS_OK && last >= 0 && s < cs_result_n_scenarios(result); s++) {
        const char *name = cs_result_scenario_name(result, s);
        if ((!only || strcmp(name, only) == 0) &&
            last >= cs_result_n_runs(result, s))
            rc = cs_error_set(&err, CS_EINPUT,
                              "cascade export: --runs %s: scenario '%s' of %s "
                              "has runs 0 to %d",
                              runs_text, name, path,
                              cs_result_n_runs(result, s) - 1);
    }
    if (rc == CS_OK && mkdir(dir, 0777) != 0 && errno != EEXIST)
        rc = cs_error_set(&err, CS_EINPUT, "cannot create directory %s: %s",
                          dir, strerror(errno));
    for (int k = 0; rc == CS_OK && k < N_CSV; k++) {
        char target[PATH_MAX];
        if (snprintf(target, sizeof target, "%s/%s", dir, csv_names[k]) >=
            (int)sizeof target) {
            rc = cs_error_set(&err, CS_EINPUT, "--csv %s: path too long", dir);
            break;
        }
        rc = cli_outfile_open(&out[k], "--csv", target, force, "--force", &path,
                              1, &err);
        if (rc == CS_OK) {
            f[k] = out[k].file;
            fputs(csv_headers[k], f[k]);
        }
    }
    if (rc == CS_OK) {
        size_t months = (size_t)cs_result_n_months(result);
        stocks = malloc(months * cs_result_n_stages(result) *
                        cs_result_n_ages(result) * sizeof *stocks);
        flows =
            malloc(months * cs_result_n_transitions(result) * sizeof *flows);
        spend = malloc(months * 2 * sizeof *spend);
        int most = 1;
        for (int s = 0; s < cs_result_n_scenarios(result); s++)
            if (cs_result_n_parameters(result, s) > most)
                most = cs_result_n_parameters(result, s);
        params = malloc((size_t)most * sizeof *params);
        if (!stocks || !flows || !spend || !params)
            rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
    }
    long rows = 0;
    for (int s = 0; rc == CS_OK && s < cs_result_n_scenarios(result); s++) {
        const char *name = cs_result_scenario_name(result, s);
        if (only && strcmp(name, only) != 0)
            continue;
        int runs = cs_result_n_runs(result, s);
        free(done);
        done = malloc((size_t)runs);
        if (!done) {
            rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
            break;
        }
        rc = cs_result_read_run_done(result, s, done, &err);
        int end = last >= 0 ? (int)last + 1 : runs;
        for (int run = (int)first; rc == CS_OK && run < end; run++) {
            if (!done[run])
                continue;
            rc = cs_result_read_run(result, s, run, stocks, flows, &err);
            if (rc == CS_OK)
                rc =
                    cs_result_read_run_costs(result, s, run, NULL, spend, &err);
            if (rc == CS_OK && cs_result_n_parameters(result, s) > 0)
                rc = cs_result_read_run_params(result, s, run, params, &err);
            if (rc == CS_OK &&
                (write_run(f, result, name, run, stocks, flows, spend) != 0 ||
                 write_params(f[CSV_PARAMS], result, s, name, run, params) !=
                     0))
                rc = cs_error_set(&err, CS_EIO, "writing CSV into %s: %s", dir,
                                  strerror(errno));
            rows++;
        }
    }
    for (int k = 0; k < N_CSV; k++) {
        if (rc == CS_OK)
            rc = cli_outfile_commit(&out[k], &err);
        else
            cli_outfile_abort(&out[k]);
    }
    if (rc == CS_OK)
        printf("Wrote %s, %s, %s and %s in %s: %ld runs.\n", csv_names[0],
               csv_names[1], csv_names[2], csv_names[3], dir, rows);
    else
        fprintf(stderr, "%s\n", err.message);
    free(stocks);
    free(flows);
    free(spend);
    free(params);
    free(done);
    cs_result_close(result);
    return cli_exit_status(rc);
}
