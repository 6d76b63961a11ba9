/*
 * merge.c - `cascade merge PART.h5... -o FILE`: join the slices of one batch
 * (`cascade run -n N --runs FIRST:LAST`, one per job of a scheduler's
 * array) into one file, the same as if the batch had run in one process.
 *
 * The parts must be slices of the same batch: the same cascade version,
 * seed, generator, options and scenarios (their resolved YAML), and the
 * same run count. The first part is copied to a temporary beside FILE, the
 * finished runs of the others are copied into it run by run (values read
 * and written as they are, so bit for bit), the summaries are recomputed
 * over all runs, and only then is the temporary renamed to FILE. A run
 * finished in two parts is an error; runs finished in none stay not done
 * (run_done 0) and are reported.
 *
 * The merged file may not be one of the parts (compared by device and
 * inode, so not through another name or a link either), and SIGINT or
 * SIGTERM deletes the temporary and leaves FILE as it was.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "outfile.h"

#define MAX_PARTS 4096

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade merge PART.h5... -o FILE [--force] [--quiet]\n"
            "\n"
            "Join the parts of one batch, run as slices (cascade run -n N "
            "--runs FIRST:LAST),\n"
            "into one output file, the same as a batch run in one go.\n"
            "\n"
            "  -o, --output FILE   the merged file (required; not one of the "
            "parts)\n"
            "      --force         overwrite FILE even if it is not a "
            "cascade output\n"
            "  -q, --quiet         print nothing but errors\n"
            "  -h, --help          this help\n"
            "\n"
            "Exit status: 0 done, 2 bad input (parts of different batches, a "
            "run in two\n"
            "parts, not a cascade file), 1 other failure.\n");
}

/* Part k must be a slice of the same batch as part 0. */
static int check_same_batch(cs_result *const *parts, const char *const *paths,
                            int k, cs_error *err)
{
    cs_result_batch a, b;
    int rc = cs_result_read_batch(parts[0], &a, err);
    if (rc == CS_OK)
        rc = cs_result_read_batch(parts[k], &b, err);
    if (rc != CS_OK)
        return rc;
    const char *why = NULL;
    if (cs_result_format_version(parts[0]) !=
        cs_result_format_version(parts[k]))
        why = "it is of another output format";
    else if (strcmp(a.cascade_version, b.cascade_version) != 0)
        why = "another version of cascade wrote it";
    else if (a.seed != b.seed)
        why = "its seed differs";
    else if (strcmp(a.rng, b.rng) != 0)
        why = "its random number generator differs";
    else if (a.parameter_uncertainty != b.parameter_uncertainty ||
             a.process_noise != b.process_noise ||
             a.year_effects != b.year_effects || a.parameter_uncertainty < 0 ||
             a.process_noise < 0)
        why = "its runs were made with other options (or it predates "
              "their recording)";
    else if (cs_result_n_scenarios(parts[0]) != cs_result_n_scenarios(parts[k]))
        why = "it holds other scenarios";
    for (int s = 0; !why && s < cs_result_n_scenarios(parts[0]); s++) {
        const char *ya = cs_result_scenario_yaml(parts[0], s);
        const char *yb = cs_result_scenario_yaml(parts[k], s);
        if (strcmp(cs_result_scenario_name(parts[0], s),
                   cs_result_scenario_name(parts[k], s)) != 0 ||
            !ya || !yb || strcmp(ya, yb) != 0)
            why = "its scenarios differ";
        else if (cs_result_n_runs(parts[0], s) != cs_result_n_runs(parts[k], s))
            why = "its batch has another number of runs";
    }
    if (why)
        return cs_error_set(err, CS_EINPUT,
                            "cascade merge: %s is not a part of the same "
                            "batch as %s: %s",
                            paths[k], paths[0], why);
    return CS_OK;
}

/* Buffers for one run of any scenario of the file. */
typedef struct run_buffers {
    double *stocks, *flows, *costs, *spend, *capacity, *budget;
    double *care_leavers;
} run_buffers;

/* Copy the runs part k finished into out; owner[s][r] is 1 + the part
 * that holds run r of scenario s, 0 if none yet. */
static int copy_part(cs_output *out, const char *const *paths, int k,
                     cs_result *part, unsigned short **owner, run_buffers *b,
                     cs_error *err)
{
    int rc = CS_OK;
    for (int s = 0; s < cs_result_n_scenarios(part) && rc == CS_OK; s++) {
        const char *name = cs_result_scenario_name(part, s);
        int index = cs_output_find_scenario(out, name);
        int runs = cs_result_n_runs(part, s);
        int n_params = cs_result_n_parameters(part, s);
        unsigned char *done = malloc((size_t)runs);
        double *params =
            n_params > 0
                ? malloc((size_t)runs * (size_t)n_params * sizeof *params)
                : NULL;
        if (index < 0) /* cannot happen: check_same_batch compared them */
            rc = cs_error_set(err, CS_EINPUT,
                              "%s: no scenario '%s' in the "
                              "first part",
                              paths[k], name);
        else if (!done || (n_params > 0 && !params))
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
        if (rc == CS_OK)
            rc = cs_result_read_run_done(part, s, done, err);
        if (rc == CS_OK && n_params > 0)
            rc = cs_result_read_params(part, s, params, err);
        for (int r = 0; r < runs && rc == CS_OK; r++) {
            if (!done[r])
                continue;
            if (owner[s][r]) {
                rc = cs_error_set(err, CS_EINPUT,
                                  "cascade merge: run %d of scenario '%s' is "
                                  "in both %s and %s: parts must be "
                                  "disjoint slices",
                                  r, name, paths[owner[s][r] - 1], paths[k]);
                break;
            }
            rc = cs_result_read_run(part, s, r, b->stocks, b->flows, err);
            if (rc == CS_OK)
                rc = cs_result_read_run_costs(part, s, r, b->costs, b->spend,
                                              err);
            if (rc == CS_OK && cs_result_n_capacity(part) > 0)
                rc = cs_result_read_run_capacity(part, s, r, b->capacity, err);
            if (rc == CS_OK && n_params > 0)
                rc = cs_output_write_params(
                    out, index, r, params + (size_t)r * (size_t)n_params, err);
            if (rc == CS_OK && cs_result_n_capacity(part) > 0)
                rc = cs_output_write_capacity(out, index, r, b->capacity, err);
            if (rc == CS_OK && cs_result_has_budget(part, s)) {
                rc = cs_result_read_run_budget(part, s, r, b->budget, err);
                if (rc == CS_OK)
                    rc = cs_output_write_budget(out, index, r, 1, 1, b->budget,
                                                err);
            }
            if (rc == CS_OK && cs_result_has_care_leavers(part, s)) {
                rc = cs_result_read_run_care_leavers(part, s, r,
                                                     b->care_leavers, err);
                if (rc == CS_OK)
                    rc = cs_output_write_care_leavers(out, index, r, 1, 1,
                                                      b->care_leavers, err);
            }
            if (rc == CS_OK)
                rc = cs_output_write_run(
                    out, index, r, b->stocks, b->flows,
                    cs_result_n_cost_lines(part) > 0 ? b->costs : NULL,
                    b->spend, err);
            owner[s][r] = (unsigned short)(k + 1);
        }
        free(params);
        free(done);
    }
    return rc;
}

int cli_merge(int argc, char **argv)
{
    static const struct option options[] = {
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, 'f'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *output = NULL;
    int force = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case 'f':
            force = 1;
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
    int n_parts = argc - optind;
    if (!output || n_parts < 1 || n_parts > MAX_PARTS) {
        fprintf(stderr,
                "cascade merge: expected one or more parts (at most "
                "%d) and -o FILE\n",
                MAX_PARTS);
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    const char *const *paths = (const char *const *)(argv + optind);
    cs_error err;
    /* by name, and by device and inode (another name, a link) */
    int is_part =
        cli_check_not_an_input("-o", output, paths, n_parts, &err) != CS_OK;
    for (int k = 0; k < n_parts; k++)
        is_part |= strcmp(paths[k], output) == 0;
    if (is_part) {
        fprintf(stderr,
                "cascade merge: -o %s is one of the parts: give the merged "
                "file another name\n",
                output);
        return CLI_BAD_INPUT;
    }
    char tmp[PATH_MAX];
    if (cs_output_temporary_name(output, tmp, sizeof tmp, &err) != CS_OK) {
        fprintf(stderr, "cascade merge: %s\n", err.message);
        return CLI_BAD_INPUT;
    }
    cli_cleanup_install("cascade merge");
    int cleanup = cli_cleanup_add(tmp);
    int rc = CS_OK;
    cs_result **parts = calloc((size_t)n_parts, sizeof *parts);
    cs_output *out = NULL;
    unsigned short **owner = NULL;
    unsigned char *done = NULL;
    run_buffers b = {0};
    int n_scenarios = 0;
    if (!parts)
        rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
    for (int k = 0; k < n_parts && rc == CS_OK; k++) {
        rc = cs_result_open(paths[k], &parts[k], &err);
        if (rc == CS_OK && k > 0)
            rc = check_same_batch(parts, paths, k, &err);
    }
    if (rc != CS_OK)
        goto done;
    cs_result *first = parts[0];
    n_scenarios = cs_result_n_scenarios(first);
    size_t months = (size_t)cs_result_n_months(first);
    b.stocks = malloc(months * (size_t)cs_result_n_stages(first) *
                      (size_t)cs_result_n_ages(first) * sizeof *b.stocks);
    b.flows = malloc(months * (size_t)cs_result_n_transitions(first) *
                     sizeof *b.flows);
    b.costs = malloc(months * (size_t)(cs_result_n_cost_lines(first) + 1) *
                     sizeof *b.costs);
    b.spend = malloc(months * CS_N_SPEND * sizeof *b.spend);
    b.capacity = malloc(months * (size_t)(cs_result_n_capacity(first) + 1) * 3 *
                        sizeof *b.capacity);
    b.budget = malloc(months * CS_BUDGET_MEASURES * sizeof *b.budget);
    b.care_leavers = malloc(months * sizeof *b.care_leavers);
    owner = calloc((size_t)n_scenarios, sizeof *owner);
    int ok = b.stocks && b.flows && b.costs && b.spend && b.capacity &&
             b.budget && b.care_leavers && owner;
    for (int s = 0; ok && rc == CS_OK && s < n_scenarios; s++) {
        int runs = cs_result_n_runs(first, s);
        owner[s] = calloc((size_t)runs, sizeof *owner[s]);
        done = realloc(done, (size_t)runs);
        ok = owner[s] && done;
        if (ok)
            rc = cs_result_read_run_done(first, s, done, &err);
        for (int r = 0; ok && rc == CS_OK && r < runs; r++)
            owner[s][r] = done[r] ? 1 : 0;
    }
    if (!ok)
        rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK)
        rc = cs_output_reopen(paths[0], output, force, &out, &err);
    for (int k = 1; k < n_parts && rc == CS_OK; k++)
        rc = copy_part(out, paths, k, parts[k], owner, &b, &err);
    if (rc != CS_OK)
        goto done;
    rc = cs_output_close(out, &err);
    out = NULL;
    if (rc != CS_OK || quiet)
        goto done;
    for (int s = 0; s < n_scenarios; s++) {
        int runs = cs_result_n_runs(first, s), n_done = 0;
        for (int r = 0; r < runs; r++)
            n_done += owner[s][r] > 0;
        printf("%s: scenario '%s': %d of %d runs done", output,
               cs_result_scenario_name(first, s), n_done, runs);
        if (n_done < runs) {
            int r = 0;
            while (owner[s][r])
                r++;
            printf(" (the first missing is run %d: run its slice, or resume "
                   "it)",
                   r);
        }
        printf("\n");
    }
    printf("Merged %d part%s into %s.\n", n_parts, n_parts == 1 ? "" : "s",
           output);
done:
    if (rc != CS_OK)
        fprintf(stderr, "%s\n", err.message);
    if (out)
        cs_output_abort(out);
    cli_cleanup_remove(cleanup);
    for (int s = 0; owner && s < n_scenarios; s++)
        free(owner[s]);
    free(owner);
    free(done);
    free(b.stocks);
    free(b.flows);
    free(b.costs);
    free(b.spend);
    free(b.capacity);
    free(b.budget);
    free(b.care_leavers);
    for (int k = 0; parts && k < n_parts; k++)
        cs_result_close(parts[k]);
    free(parts);
    return rc == CS_OK ? CLI_OK : cli_exit_status(rc);
}
