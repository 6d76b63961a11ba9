/*
 * init.c - `cascade init`: a council's scenario from a structure (the
 * built-in England structure by default) and the area's published
 * figures, written as YAML that extends the structure (docs/council.md).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"

#define STRUCTURE_FILE "england-structure.yaml"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade init [STRUCTURE.yaml] --area CODE|NAME --data "
            "SERIES.csv [--data ...]\n"
            "                    [-o SCENARIO.yaml] [--name NAME]\n"
            "\n"
            "Write a council's scenario: the structure's stages, rates, "
            "durations and costs\n"
            "(default: the built-in %s) with the area's population and "
            "its children\n"
            "in need, on plans and looked after at the structure's base date "
            "(31 March before\n"
            "it), and births, migration, funding and places scaled to the "
            "area's population.\n"
            "Each figure is marked published, derived or scaled. Then "
            "`cascade fit FILE --area\n"
            "CODE` estimates the area's own rates.\n"
            "\n"
            "  --area CODE|NAME   the council (a code such as E08000035 or a "
            "name such as Leeds)\n"
            "  --data FILE        published series (CSV; "
            "scenarios/data/la-csc-2013-2019.csv has\n"
            "                     every council's); give it again to add "
            "files\n"
            "  -o, --output FILE  the scenario (default: NAME.yaml)\n"
            "      --name NAME    its name (default: the area's name, in "
            "lower case with '-')\n"
            "  -q, --quiet        print only errors\n"
            "  -h, --help         this help\n"
            "\n"
            "Exit status: 0 done, 2 bad input, 1 other failure.\n",
            STRUCTURE_FILE);
}

int cli_init(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, 0, 'd'},
        {"area", required_argument, 0, 'a'},
        {"output", required_argument, 0, 'o'},
        {"name", required_argument, 0, 'n'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *data_paths[CLI_MAX_DATA];
    int n_data = 0, quiet = 0, c;
    const char *area_name = NULL, *output = NULL, *name = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (cli_add_data("cascade init", data_paths, &n_data, optarg))
                return CLI_BAD_INPUT;
            break;
        case 'a':
            area_name = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'n':
            name = optarg;
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
    if (argc - optind > 1 || n_data == 0 || !area_name) {
        fprintf(stderr, "cascade init: expected --area, at least one --data "
                        "file and at most one structure file\n");
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    const char *structure_path = argc - optind == 1 ? argv[optind] : NULL;
    cs_error err;
    cs_error_clear(&err);
    cs_scenario *structure = NULL, *area_sc = NULL;
    cs_series *data = NULL;
    int area = -1, rc;
    if (structure_path) {
        rc = cs_scenario_load_file(structure_path, &structure, &err);
    } else {
        size_t length = 0;
        const char *text = cs_scenario_builtin_text(STRUCTURE_FILE, &length);
        rc = text
                 ? cs_scenario_load_string(text, length, STRUCTURE_FILE, NULL,
                                           &structure, &err)
                 : cs_error_set(&err, CS_EFAIL, "this build has no built-in %s",
                                STRUCTURE_FILE);
    }
    if (rc == CS_OK)
        rc = cli_load_series(data_paths, n_data, &data, &err);
    if (rc == CS_OK)
        rc = cs_series_find_area(data, area_name, &area, &err);
    if (rc == CS_OK &&
        !strcmp(cs_series_area_code(data, area), CS_SERIES_ENGLAND_CODE))
        rc = cs_error_set(&err, CS_EINPUT,
                          "--area %s: expected a council (England's scenario "
                          "is the structure itself: scenarios/%s)",
                          area_name, STRUCTURE_FILE);
    double ratio = 1;
    if (rc == CS_OK)
        rc = cs_area_scenario(structure, data, area, &area_sc, &ratio, &err);
    char scenario_name[CS_ID_MAX], default_output[CS_ID_MAX + 8];
    char sources[1024], extends[PATH_MAX];
    if (rc == CS_OK) {
        if (name)
            snprintf(scenario_name, sizeof scenario_name, "%s", name);
        else
            cli_slug(cs_series_area_name(data, area), scenario_name,
                     sizeof scenario_name);
        snprintf(default_output, sizeof default_output, "%s.yaml",
                 scenario_name);
        if (!output)
            output = default_output;
        cli_join_paths(data_paths, n_data, sources, sizeof sources);
        if (structure_path)
            cli_extends_path(structure_path, output, extends, sizeof extends);
        else
            snprintf(extends, sizeof extends, "%s", STRUCTURE_FILE);
        rc = cs_area_write_yaml(area_sc, structure, data, area, sources, output,
                                extends, scenario_name, &err);
    }
    /* the file as written must load (names, what it extends) */
    cs_scenario *back = NULL;
    if (rc == CS_OK)
        rc = cs_scenario_load_file(output, &back, &err);
    if (rc == CS_OK && !quiet) {
        double cla = 0, pop = 0;
        for (int st = 0; st < back->n_stages; st++)
            for (int a = 0; a < CS_AGES; a++) {
                pop += back->initial[st][a];
                if (back->stages[st].dfe == CS_DFE_LOOKED_AFTER)
                    cla += back->initial[st][a];
            }
        printf("cascade init: %s (%s) at 31 March %d: %.0f children aged "
               "0-17, %.0f looked after;\n"
               "births, migration, funding, places and the stages no "
               "statistic counts scaled by %.4g\n"
               "(the area's population over %s's). Wrote %s (extends %s).\n"
               "Next: cascade fit %s --data ... --area %s\n",
               cs_series_area_name(data, area), cs_series_area_code(data, area),
               back->base_year, pop, cla, ratio, structure->name, output,
               extends, output, cs_series_area_code(data, area));
    }
    if (rc != CS_OK)
        fprintf(stderr, "%s\n", err.message);
    cs_scenario_free(back);
    cs_scenario_free(area_sc);
    cs_scenario_free(structure);
    cs_series_free(data);
    return cli_exit_status(rc);
}
