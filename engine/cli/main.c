/*
 * main.c - `cascade`: entry point, global flags and subcommand dispatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cascade_config.h"
#if CASCADE_MPI
#include <mpi.h>
#endif
#include "cli.h"

#define BASELINE_FILE "england-baseline.yaml"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade [--help] [--version] COMMAND [ARGS]\n"
            "\n"
            "Stochastic demand forecasting for children's social care in "
            "England.\n"
            "\n"
            "commands:\n"
            "  run       simulate one scenario (default: the shipped England "
            "baseline)\n"
            "            and write its trajectories to HDF5\n"
            "  validate  check scenario files without running them\n"
            "  compare   what an alternative scenario changes against a "
            "base, by financial\n"
            "            year: stocks, flows, spend, NPV, payback\n"
            "  summary   the yearly table of an output file (and as tidy CSV)\n"
            "  export    every run of an output file as tidy CSV\n"
            "  merge     join the slices of a batch (run --runs FIRST:LAST) "
            "into one file\n"
            "  sensitivity  which uncertain parameters an outcome's spread "
            "comes from\n"
            "  goal-seek the lever value that brings a stage's children at "
            "31 March to a\n"
            "            target\n"
            "  grid      a branches file of levers x values run as one batch "
            "with common\n"
            "            random numbers, and the outcomes per combination\n"
            "  init      a council's scenario: the England structure with the "
            "council's\n"
            "            population, children and scaled assumptions\n"
            "  fit       estimate a scenario's free parameters from an area's "
            "published\n"
            "            figures and write the fitted scenario\n"
            "  backtest  how well fitting and forecasting would have done on "
            "the years\n"
            "            an area already knows, beside naive benchmarks\n"
            "  model     what a scenario compiles to; --export writes the "
            "compiled tables\n"
            "            (NumPy .npy files and a JSON manifest) for other "
            "programs\n"
            "\n"
            "Run 'cascade COMMAND --help' for a command's options.\n");
}

int cli_exit_status(int status)
{
    if (status == CS_OK)
        return CLI_OK;
    return status == CS_EINPUT ? CLI_BAD_INPUT : CLI_FAILURE;
}

int cli_load_scenario(const char *path, cs_scenario **out, cs_error *err)
{
    if (path)
        return cs_scenario_load_file(path, out, err);
    size_t length = 0;
    const char *text = cs_scenario_builtin_text(BASELINE_FILE, &length);
    if (!text)
        return cs_error_set(err, CS_EFAIL, "this build has no built-in %s",
                            BASELINE_FILE);
    return cs_scenario_load_string(text, length, BASELINE_FILE, NULL, out, err);
}

int cli_load_series(const char *const *paths, int n, cs_series **out,
                    cs_error *err)
{
    int rc = cs_series_create(out, err);
    for (int i = 0; i < n && rc == CS_OK; i++)
        rc = cs_series_load(*out, paths[i], err);
    return rc;
}

/* The command line as one string, for the output file's provenance. */
static char *join_arguments(int argc, char **argv)
{
    size_t size = 1;
    for (int i = 0; i < argc; i++)
        size += strlen(argv[i]) + 3;
    char *line = malloc(size);
    if (!line)
        return NULL;
    line[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(line, " ");
        int quote = strpbrk(argv[i], " \t'\"") != NULL;
        if (quote)
            strcat(line, "'");
        strcat(line, argv[i]);
        if (quote)
            strcat(line, "'");
    }
    return line;
}

int main(int argc, char **argv)
{
    /* GSL's default error handler aborts the process (SIGABRT) on a domain
     * error, e.g. in a quantile function given an extreme distribution;
     * off, GSL returns its error codes, which the library checks. */
    gsl_set_error_handler_off();
    /* Before any HDF5 call: HDF5 1.10.8 crashes at exit after a file that
     * could not be flushed (a full disk) unless its atexit hook is off. */
    cs_output_prepare_process();
    if (argc < 2) {
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    const char *command = argv[1];
    if (!strcmp(command, "--help") || !strcmp(command, "-h") ||
        !strcmp(command, "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(command, "--version") || !strcmp(command, "version")) {
        printf("cascade %s (scenario format %d, output format %d, rng "
               "philox4x32-10)\n",
               CASCADE_VERSION, CS_SCENARIO_FORMAT_VERSION,
               CS_OUTPUT_FORMAT_VERSION);
        return CLI_OK;
    }
    if (!strcmp(command, "run")) {
        char *line = join_arguments(argc, argv);
#if CASCADE_MPI
        /* started by mpirun (or another launcher): a rank of a job that
         * splits the runs; otherwise an ordinary process */
        int launched = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") ||
                       getenv("PMIX_RANK");
        if (launched && MPI_Init(&argc, &argv) != MPI_SUCCESS) {
            fprintf(stderr, "cascade run: MPI_Init failed\n");
            free(line);
            return CLI_FAILURE;
        }
#endif
        int rc = cli_run(argc - 1, argv + 1, line ? line : "cascade run");
        free(line);
#if CASCADE_MPI
        if (launched)
            MPI_Finalize();
#endif
        return rc;
    }
    if (!strcmp(command, "goal-seek") || !strcmp(command, "grid")) {
        char *line = join_arguments(argc, argv);
        int rc =
            command[1] == 'o'
                ? cli_goal_seek(argc - 1, argv + 1,
                                line ? line : "cascade goal-seek")
                : cli_grid(argc - 1, argv + 1, line ? line : "cascade grid");
        free(line);
        return rc;
    }
    if (!strcmp(command, "validate"))
        return cli_validate(argc - 1, argv + 1);
    if (!strcmp(command, "merge"))
        return cli_merge(argc - 1, argv + 1);
    if (!strcmp(command, "fit"))
        return cli_fit(argc - 1, argv + 1);
    if (!strcmp(command, "init"))
        return cli_init(argc - 1, argv + 1);
    if (!strcmp(command, "backtest"))
        return cli_backtest(argc - 1, argv + 1);
    if (!strcmp(command, "compare"))
        return cli_compare(argc - 1, argv + 1);
    if (!strcmp(command, "summary"))
        return cli_summary(argc - 1, argv + 1);
    if (!strcmp(command, "export"))
        return cli_export(argc - 1, argv + 1);
    if (!strcmp(command, "model"))
        return cli_model(argc - 1, argv + 1);
    if (!strcmp(command, "sensitivity"))
        return cli_sensitivity(argc - 1, argv + 1);
    fprintf(stderr, "cascade: unknown command '%s'\n", command);
    usage(stderr);
    return CLI_BAD_INPUT;
}
