/*
 * summary.c - `cascade summary FILE`: the yearly table of an output file
 * (stock at 31 March, entries and exits, spend, capacity), for each
 * scenario in it or one named, then for a fitted scenario the figures it
 * was fitted to beside the fitted model's (figures.h), and the same as
 * tidy CSV on request.
 *
 * The table is computed from what the file records (table.h) over the runs
 * it holds: an interrupted batch or a slice (run --runs FIRST:LAST) is
 * summarised over the runs that were written, and says how many.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "figures.h"
#include "outfile.h"
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
            "intervention spend (cash and constant prices), places and "
            "children turned\n"
            "away, a budget's cash and the care leavers supported at 31 "
            "March where the\n"
            "scenario has them, as the median and 90%% interval over the runs "
            "in FILE (an\n"
            "interrupted "
            "batch or a slice: over the runs it holds). For a fitted "
            "scenario, the figures it\n"
            "was fitted to beside the fitted model's, for every measure and "
            "year of the fit.\n"
            "\n"
            "  --scenario NAME  only this scenario\n"
            "  --csv OUT.csv    also write tidy CSV: one row per scenario x "
            "measure x year x\n"
            "                   stage x statistic (replaced when complete; "
            "never FILE itself);\n"
            "                   the fit's figures as statistic published and "
            "fitted\n"
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
    cli_cleanup_install("cascade summary");
    cs_error err;
    cs_result *result = NULL;
    cli_outfile out = {.cleanup_slot = -1};
    int rc = cs_result_open(path, &result, &err);
    if (rc == CS_OK && only && cs_result_find_scenario(result, only) < 0)
        rc = cs_error_set(&err, CS_EINPUT,
                          "cascade summary: %s has no scenario '%s'", path,
                          only);
    if (rc == CS_OK && csv) {
        rc = cli_outfile_open(&out, "--csv", csv, 1, "", &path, 1, &err);
        if (rc == CS_OK)
            fputs(CLI_TABLE_CSV_HEADER, out.file);
    }
    int printed = 0;
    for (int i = 0; rc == CS_OK && i < cs_result_n_scenarios(result); i++) {
        const char *name = cs_result_scenario_name(result, i);
        if (only && strcmp(name, only) != 0)
            continue;
        cli_table table;
        rc = cli_table_from_result(result, i, NULL, &table, &err);
        if (rc != CS_OK)
            break;
        char what[200];
        cli_table_describe_runs(&table, what, sizeof what);
        printf("%scascade summary: %s, scenario '%s'\n",
               printed++ ? "\n\n" : "", path, name);
        cli_table_print(&table, what);
        if (out.file)
            cli_table_write_csv(out.file, &table);
        cli_table_free(&table);
        cs_output_figures *figures = NULL;
        rc = cli_figures_read(result, i, &figures, &err);
        if (figures) {
            printf("\n");
            cli_figures_print_full(figures);
            if (out.file)
                cli_figures_write_csv(out.file, name, figures);
        }
        free(figures);
    }
    if (rc == CS_OK)
        rc = cli_outfile_commit(&out, &err);
    else
        cli_outfile_abort(&out);
    if (rc != CS_OK)
        fprintf(stderr, "%s\n", err.message);
    cs_result_close(result);
    return cli_exit_status(rc);
}
