/*
 * read_result.c - read everything in a cascade output file through the C
 * reader, for tests that hand it truncated, corrupt or foreign files.
 *
 *   read_result FILE
 *
 * Opens FILE with cs_result_open, then reads every scenario's run_done,
 * every run's stocks and flows, and the summaries. Prints "ok: ..." and
 * exits 0 if all of it reads; otherwise prints the reader's message on
 * stderr and exits 2 for CS_EINPUT, 1 for anything else, as the program
 * does. A crash or a sanitizer report is the bug these tests look for.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cascade/output.h"

static int fail(int status, const cs_error *err)
{
    fprintf(stderr, "%s\n", err->message);
    return status == CS_EINPUT ? 2 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: read_result FILE\n");
        return 2;
    }
    if (cs_output_prepare_process() != CS_OK) {
        fprintf(stderr, "read_result: HDF5 was already in use\n");
        return 1;
    }
    cs_error err;
    cs_result *result = NULL;
    int status = cs_result_open(argv[1], &result, &err);
    if (status != CS_OK)
        return fail(status, &err);
    size_t cells = (size_t)cs_result_n_months(result) *
                   (size_t)cs_result_n_stages(result) *
                   (size_t)cs_result_n_ages(result);
    size_t flows = (size_t)cs_result_n_months(result) *
                   (size_t)cs_result_n_transitions(result);
    double *stock_values = malloc((cells ? cells : 1) * sizeof(double));
    double *flow_values = malloc((flows ? flows : 1) * sizeof(double));
    double *quantiles =
        malloc((cells ? cells : 1) * CS_N_QUANTILES * sizeof(double));
    long runs_read = 0;
    if (!stock_values || !flow_values || !quantiles)
        status = cs_error_set(&err, CS_ENOMEM, "out of memory");
    for (int s = 0; status == CS_OK && s < cs_result_n_scenarios(result); s++) {
        int n_runs = cs_result_n_runs(result, s);
        unsigned char *done = malloc(n_runs > 0 ? (size_t)n_runs : 1);
        if (!done) {
            status = cs_error_set(&err, CS_ENOMEM, "out of memory");
            break;
        }
        status = cs_result_read_run_done(result, s, done, &err);
        for (int r = 0; status == CS_OK && r < n_runs; r++, runs_read++)
            status = cs_result_read_run(result, s, r, stock_values, flow_values,
                                        &err);
        if (status == CS_OK)
            status = cs_result_read_summary(result, s, stock_values, quantiles,
                                            &err);
        free(done);
    }
    if (status == CS_OK)
        printf("ok: %d scenarios, %ld runs read\n",
               cs_result_n_scenarios(result), runs_read);
    free(stock_values);
    free(flow_values);
    free(quantiles);
    cs_result_close(result);
    return status == CS_OK ? 0 : fail(status, &err);
}
