/*
 * summary.c - `cascade summary FILE`: the yearly table of an output file
 * (stock at 31 March, entries and exits, spend, capacity), for each
 * scenario in it or one named, and the same as tidy CSV on request. The
 * scenarios are rebuilt from the YAML stored in the file (rebuild.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rebuild.h"
#include "table.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade summary FILE [--scenario NAME] [--csv OUT.csv]\n"
            "\n"
            "By financial year, for each scenario in FILE (or NAME): each "
            "stage's stock at 31\n"
            "March, children starting and leaving each stage during the year, "
            "early and late\n"
            "intervention spend (cash and constant prices) and places and "
            "children turned\n"
            "away, as the median and 90%% interval over runs.\n"
            "\n"
            "  --scenario NAME  only this scenario\n"
            "  --csv OUT.csv    also write tidy CSV: one row per scenario x "
            "measure x year x\n"
            "                   stage x statistic\n"
            "  -h, --help       this help\n");
}

int cli_summary(int argc, char **argv)
{
    static const struct option options[] = {
        {"scenario", required_argument, 0, 's'},
        {"csv", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *only = NULL, *csv = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 's')
            only = optarg;
        else if (c == 'c')
            csv = optarg;
        else if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        } else {
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr,
                "cascade summary: expected one output file, found "
                "%d\n",
                argc - optind);
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    const char *path = argv[optind];
    cs_error err;
    cs_result *result = NULL;
    FILE *out = NULL;
    int rc = cs_result_open(path, &result, &err);
    if (rc == CS_OK && only && cs_result_find_scenario(result, only) < 0)
        rc = cs_error_set(&err, CS_EINPUT,
                          "cascade summary: %s has no scenario '%s'", path,
                          only);
    if (rc == CS_OK && csv) {
        out = fopen(csv, "w");
        if (!out)
            rc = cs_error_set(&err, CS_EINPUT, "cannot write %s: %s", csv,
                              strerror(errno));
        else
            fputs(CLI_TABLE_CSV_HEADER, out);
    }
    int printed = 0;
    for (int i = 0; rc == CS_OK && i < cs_result_n_scenarios(result); i++) {
        const char *name = cs_result_scenario_name(result, i);
        if (only && strcmp(name, only) != 0)
            continue;
        cli_side side;
        memset(&side, 0, sizeof side);
        long runs = cs_result_n_runs(result, i);
        rc = cli_side_open(result, name, "--scenario", &side, &err);
        if (rc == CS_OK &&
            cli_table_init(&side.table, side.scenario, side.model, runs))
            rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
        if (rc == CS_OK)
            rc = cli_side_tabulate(result, &side, runs, &err);
        if (rc == CS_OK) {
            char what[160];
            snprintf(what, sizeof what,
                     "median, and [5%%, 95%%] below it, over %ld run%s", runs,
                     runs == 1 ? "" : "s");
            printf("%scascade summary: %s, scenario '%s'\n",
                   printed++ ? "\n\n" : "", path, name);
            cli_table_print(&side.table, what);
            if (out)
                cli_table_write_csv(out, &side.table);
        }
        cli_side_free(&side);
    }
    if (out && fclose(out) != 0 && rc == CS_OK)
        rc = cs_error_set(&err, CS_EIO, "writing %s: %s", csv, strerror(errno));
    if (rc != CS_OK)
        fprintf(stderr, "%s\n", err.message);
    cs_result_close(result);
    return cli_exit_status(rc);
}
