/*
 * export.c - `cascade export FILE --csv DIR`: every run of an output file as
 * tidy (long) CSV, for R, pandas and spreadsheets:
 *
 *   DIR/stocks.csv  scenario,run,month,stage,age,children
 *   DIR/flows.csv   scenario,run,month,transition,from,to,children
 *   DIR/spend.csv   scenario,run,month,spend,gbp_cash
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

enum { CSV_STOCKS, CSV_FLOWS, CSV_SPEND, N_CSV };
static const char *const csv_names[N_CSV] = {"stocks.csv", "flows.csv",
                                             "spend.csv"};
static const char *const csv_headers[N_CSV] = {
    "scenario,run,month,stage,age,children\n",
    "scenario,run,month,transition,from,to,children\n",
    "scenario,run,month,spend,gbp_cash\n"};

static void usage(FILE *to)
{
    fprintf(to, "usage: cascade export FILE --csv DIR [--scenario NAME] "
                "[--force]\n"
                "\n"
                "Write every run of FILE as tidy CSV into DIR (created if "
                "needed):\n"
                "  stocks.csv  scenario,run,month,stage,age,children  "
                "(children at the end of the month)\n"
                "  flows.csv   scenario,run,month,transition,from,to,children "
                " (moved during the month)\n"
                "  spend.csv   scenario,run,month,spend,gbp_cash  (early and "
                "late, cash)\n"
                "Runs never written (an interrupted batch) are skipped.\n"
                "\n"
                "  --scenario NAME  only this scenario\n"
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

int cli_export(int argc, char **argv)
{
    static const struct option options[] = {
        {"csv", required_argument, 0, 'c'},
        {"scenario", required_argument, 0, 's'},
        {"force", no_argument, 0, 'f'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *dir = NULL, *only = NULL;
    int force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'c')
            dir = optarg;
        else if (c == 's')
            only = optarg;
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
    const char *path = argv[optind];
    cli_cleanup_install("cascade export");
    cs_error err;
    cs_result *result = NULL;
    cli_outfile out[N_CSV];
    FILE *f[N_CSV] = {NULL, NULL, NULL};
    for (int k = 0; k < N_CSV; k++)
        out[k] = (cli_outfile){.cleanup_slot = -1};
    double *stocks = NULL, *flows = NULL, *spend = NULL;
    unsigned char *done = NULL;
    int rc = cs_result_open(path, &result, &err);
    if (rc == CS_OK && only && cs_result_find_scenario(result, only) < 0)
        rc =
            cs_error_set(&err, CS_EINPUT,
                         "cascade export: %s has no scenario '%s'", path, only);
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
        if (!stocks || !flows || !spend)
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
        for (int run = 0; rc == CS_OK && run < runs; run++) {
            if (!done[run])
                continue;
            rc = cs_result_read_run(result, s, run, stocks, flows, &err);
            if (rc == CS_OK)
                rc =
                    cs_result_read_run_costs(result, s, run, NULL, spend, &err);
            if (rc == CS_OK &&
                write_run(f, result, name, run, stocks, flows, spend) != 0)
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
        printf("Wrote %s, %s and %s in %s: %ld runs.\n", csv_names[0],
               csv_names[1], csv_names[2], dir, rows);
    else
        fprintf(stderr, "%s\n", err.message);
    free(stocks);
    free(flows);
    free(spend);
    free(done);
    cs_result_close(result);
    return cli_exit_status(rc);
}
