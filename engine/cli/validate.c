/*
 * validate.c - `cascade validate FILE...`: load and check scenario files
 * (extends, every key, every reference) without running anything.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *to)
{
    fprintf(to, "usage: cascade validate [--help] SCENARIO.yaml...\n"
                "\n"
                "Check scenario files without running them. Prints each "
                "file's name and what it\n"
                "defines, or the first error as file:line:column: message. "
                "Exit status 0 if all\n"
                "are valid, 2 if any is not.\n");
}

int cli_validate(int argc, char **argv)
{
    static const struct option options[] = {{"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        }
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    if (optind >= argc) {
        fprintf(stderr, "cascade validate: no scenario file given\n");
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    int status = CLI_OK;
    for (int i = optind; i < argc; i++) {
        cs_scenario *sc = NULL;
        cs_error err;
        int rc = cs_scenario_load_file(argv[i], &sc, &err);
        if (rc != CS_OK) {
            fprintf(stderr, "%s\n", err.message);
            int exit_status = cli_exit_status(rc);
            if (exit_status > status)
                status = exit_status;
            continue;
        }
        printf("%s: ok: scenario '%s', %d stages, %d transitions, %d "
               "marks, %d months from %04d-%02d\n",
               argv[i], sc->name, sc->n_stages, sc->n_transitions, sc->n_marks,
               sc->horizon_months, sc->base_year, sc->base_month);
        cs_scenario_free(sc);
    }
    return status;
}
