/*
 * model.c - `cascade model [SCENARIO.yaml] [--export -o DIR]`: what a
 * scenario compiles to (its compartments, outcomes and epochs), and with
 * --export the compiled tables written out for other programs
 * (cs_model_export, docs/model-export.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade model [--help] [SCENARIO.yaml] [--export -o DIR "
            "[--force]]\n"
            "\n"
            "Compile a scenario (default: the built-in England baseline) and "
            "print the size\n"
            "of its compiled model. With --export, write the compiled tables "
            "(compartments,\n"
            "monthly transition probabilities of every epoch, ageing, births, "
            "migration,\n"
            "arrivals, capacity, programmes, costs, the initial state) to DIR "
            "as NumPy .npy\n"
            "files with a manifest.json (docs/model-export.md).\n"
            "\n"
            "  -e, --export      write the tables (needs -o)\n"
            "  -o, --output DIR  the directory to write (made if missing)\n"
            "  -f, --force       replace an earlier export in DIR\n");
}

int cli_model(int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, 0, 'h'},
        {"export", no_argument, 0, 'e'},
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, 'f'},
        {0, 0, 0, 0}};
    int c, export = 0, force = 0;
    const char *dir = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "heo:f", options, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return CLI_OK;
        case 'e':
            export = 1;
            break;
        case 'o':
            dir = optarg;
            break;
        case 'f':
            force = 1;
            break;
        default:
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr,
                "cascade model: expected at most one scenario, found "
                "%d\n",
                argc - optind);
        return CLI_BAD_INPUT;
    }
    if (export != (dir != NULL)) {
        fprintf(stderr, "cascade model: %s\n",
                export ? "--export needs -o DIR" : "-o DIR is for --export");
        return CLI_BAD_INPUT;
    }
    const char *path = optind < argc ? argv[optind] : NULL;
    cs_scenario *sc = NULL;
    cs_model *m = NULL;
    cs_error err;
    int rc = cli_load_scenario(path, &sc, &err);
    if (rc == CS_OK)
        rc = cs_model_compile(sc, &m, &err);
    if (rc == CS_OK && export)
        rc = cs_model_export(m, dir, force, &err);
    if (rc != CS_OK) {
        fprintf(stderr, "%s\n", err.message);
        cs_model_free(m);
        cs_scenario_free(sc);
        return cli_exit_status(rc);
    }
    printf("%s: %d compartments, %d stages, %d flows, %d months from %s\n",
           sc->name, cs_model_n_compartments(m), cs_model_n_stages(m),
           cs_model_n_flows(m), cs_model_n_months(m),
           cs_model_month_label(m, 0));
    if (export)
        printf("exported to %s/ (manifest.json and one .npy a table)\n", dir);
    cs_model_free(m);
    cs_scenario_free(sc);
    return CLI_OK;
}
