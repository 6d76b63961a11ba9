/*
 * summary.c - summary/mean and summary/quantiles of a scenario's stocks.
 *
 * For every (month, stage, age) cell, over the runs whose run_done flag is
 * 1, in run order:
 *
 *   mean        gsl_stats_mean (GSL's running mean, m += (x - m) / (i + 1))
 *   quantile p  gsl_stats_quantile_from_sorted_data after gsl_sort: linear
 *               interpolation between order statistics, x[floor(h)] +
 *               (h - floor(h)) (x[floor(h)+1] - x[floor(h)]) with
 *               h = (n - 1) p, which is R's quantile type 7 (Hyndman & Fan
 *               1996), numpy's default "linear" method.
 *
 * Memory stays O(runs done x months per block x stages x ages): the stocks
 * are read back one block of months at a time (12 months, one chunk row,
 * so each compressed chunk is read once), run by run, and each block's
 * summary is written before the next is read. A block shrinks below 12
 * months when it would otherwise exceed SUMMARY_BLOCK_BYTES (192 MB: past
 * about 10,000 runs of the baseline), trading reading a chunk more than
 * once for memory that stays bounded however many runs there are. The
 * cells of a block are sorted on cs_output_set_threads() threads.
 *
 * A file reopened to add runs (cascade run --resume, cascade merge) has
 * its summary already; it is rewritten in place.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <hdf5_hl.h>

#include "h5util.h"
#include "writer.h"

#define SUMMARY_BLOCK_BYTES ((size_t)192 * 1024 * 1024)

/* Create a chunked float64 summary dataset with NaN fill, compressed as
 * its scenario's runs are (cs_output_compresses). */
static hid_t create_summary_dataset(hid_t group, const char *name, int rank,
                                    const hsize_t *shape, const hsize_t *chunk,
                                    const hid_t *scales,
                                    const char *const *labels,
                                    const char *description, int compress)
{
    const double nan = NAN;
    hid_t dataset = -1;
    hid_t space = H5Screate_simple(rank, shape, NULL);
    hid_t dcpl =
        cs_h5_chunked_dcpl(rank, chunk, H5T_NATIVE_DOUBLE, &nan, compress);
    if (space >= 0 && dcpl >= 0)
        dataset = H5Dcreate2(group, name, H5T_IEEE_F64LE, space, H5P_DEFAULT,
                             dcpl, H5P_DEFAULT);
    if (dataset >= 0 &&
        (cs_h5_attr_string(dataset, "units", "children") < 0 ||
         cs_h5_attr_string(dataset, "description", description) < 0 ||
         cs_output_attach_scales(dataset, rank, scales, labels) < 0)) {
        cs_h5_close(dataset);
        dataset = -1;
    }
    cs_h5_close(dcpl);
    cs_h5_close(space);
    return dataset;
}

/* Read months [month0, month0 + n_block) of one run into block. */
static herr_t read_run_block(hid_t stocks, const cs_output *output, int run,
                             int month0, int n_block, double *block)
{
    herr_t status = -1;
    const hsize_t start[4] = {(hsize_t)run, (hsize_t)month0, 0, 0};
    const hsize_t count[4] = {1, (hsize_t)n_block, (hsize_t)output->n_stages,
                              (hsize_t)output->n_ages};
    hid_t file_space = H5Dget_space(stocks);
    hid_t memory_space = H5Screate_simple(4, count, NULL);
    if (file_space >= 0 && memory_space >= 0 &&
        H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, count,
                            NULL) >= 0 &&
        H5Dread(stocks, H5T_NATIVE_DOUBLE, memory_space, file_space,
                H5P_DEFAULT, block) >= 0)
        status = 0;
    cs_h5_close(memory_space);
    cs_h5_close(file_space);
    return status;
}

/* Write a block of months (dimension month_axis) of a summary dataset. */
static herr_t write_block(hid_t dataset, int rank, int month_axis,
                          const hsize_t *shape, int month0, int n_block,
                          const double *values)
{
    herr_t status = -1;
    hsize_t start[4] = {0, 0, 0, 0};
    hsize_t count[4];
    for (int i = 0; i < rank; i++)
        count[i] = shape[i];
    start[month_axis] = (hsize_t)month0;
    count[month_axis] = (hsize_t)n_block;
    hid_t file_space = H5Dget_space(dataset);
    hid_t memory_space = H5Screate_simple(rank, count, NULL);
    if (file_space >= 0 && memory_space >= 0 &&
        H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, count,
                            NULL) >= 0 &&
        H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory_space, file_space,
                 H5P_DEFAULT, values) >= 0)
        status = 0;
    cs_h5_close(memory_space);
    cs_h5_close(file_space);
    return status;
}

/* Cells [c0, c1) of a block of n_done runs: mean and quantiles. */
typedef struct cell_job {
    const double *block;
    size_t cells, c0, c1;
    int n_done;
    double *values; /* n_done scratch */
    double *mean, *quantiles;
} cell_job;

static void *summarise_job(void *arg)
{
    const cell_job *j = arg;
    size_t n = (size_t)j->n_done;
    if (n == 1) {
        /* one run (a deterministic run, -n 1): its values are the mean and
         * every quantile, exactly what GSL gives for one value */
        for (size_t c = j->c0; c < j->c1; c++) {
            j->mean[c] = j->block[c];
            for (int q = 0; q < CS_N_QUANTILES; q++)
                j->quantiles[(size_t)q * j->cells + c] = j->block[c];
        }
        return NULL;
    }
    for (size_t c = j->c0; c < j->c1; c++) {
        for (size_t k = 0; k < n; k++)
            j->values[k] = j->block[k * j->cells + c];
        j->mean[c] = gsl_stats_mean(j->values, 1, n);
        gsl_sort(j->values, 1, n);
        for (int q = 0; q < CS_N_QUANTILES; q++)
            j->quantiles[(size_t)q * j->cells + c] =
                gsl_stats_quantile_from_sorted_data(j->values, 1, n,
                                                    cs_quantile_levels[q]);
    }
    return NULL;
}

/*
 * Summarise every cell of the block, the cells shared among `threads`
 * threads (the calling one too; each with its own n_done of values). The
 * results do not depend on the number of threads.
 */
static void summarise_cells(const double *block, size_t cells, int n_done,
                            int threads, double *values, double *mean,
                            double *quantiles)
{
    enum { MAX_THREADS = 256 };
    cell_job jobs[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    for (int i = 0; i < threads; i++)
        jobs[i] = (cell_job){block,
                             cells,
                             cells * (size_t)i / (size_t)threads,
                             cells * (size_t)(i + 1) / (size_t)threads,
                             n_done,
                             values + (size_t)i * (size_t)n_done,
                             mean,
                             quantiles};
    for (int i = 1; i < threads; i++)
        started[i] =
            pthread_create(&ids[i], NULL, summarise_job, &jobs[i]) == 0;
    summarise_job(&jobs[0]);
    for (int i = 1; i < threads; i++) {
        if (started[i])
            pthread_join(ids[i], NULL);
        else
            summarise_job(&jobs[i]); /* could not start it: do it here */
    }
}

/* Create summary/{mean,quantiles} (NaN-filled) in scenario's group. */
static int create_summary(cs_output *output, cs_output_scenario *scenario,
                          int n_done, const hsize_t *mean_shape,
                          const hsize_t *quantile_shape, hid_t *group,
                          hid_t *mean, hid_t *quantiles, const char **failed)
{
    const int chunk_months = output->n_months < 12 ? output->n_months : 12;
    *group = H5Gcreate2(scenario->group, "summary", H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT);
    if (*group < 0 ||
        cs_h5_attr_int32(*group, "n_runs_summarised", n_done) < 0 ||
        cs_h5_attr_string(*group, "description",
                          "summaries of stocks over the runs with run_done "
                          "= 1 (n_runs_summarised of them); NaN if none") < 0) {
        *failed = "creating summary";
        return CS_OK;
    }
    const hsize_t mean_chunk[3] = {(hsize_t)chunk_months,
                                   (hsize_t)output->n_stages,
                                   (hsize_t)output->n_ages};
    const hid_t mean_scales[3] = {
        cs_output_scenario_axis(output, scenario, CS_AXIS_MONTH, -1),
        cs_output_scenario_axis(output, scenario, CS_AXIS_STAGE, -1),
        cs_output_scenario_axis(output, scenario, CS_AXIS_AGE, -1)};
    static const char *const mean_labels[3] = {"month", "stage", "age"};
    *mean = create_summary_dataset(
        *group, "mean", 3, mean_shape, mean_chunk, mean_scales, mean_labels,
        "mean over runs of children in each stage and age at the end of "
        "each month",
        cs_output_compresses(output, scenario->n_runs));
    if (*mean < 0) {
        *failed = "creating summary/mean";
        return CS_OK;
    }
    const hsize_t quantile_chunk[4] = {1, (hsize_t)chunk_months,
                                       (hsize_t)output->n_stages,
                                       (hsize_t)output->n_ages};
    const hid_t quantile_scales[4] = {
        cs_output_scenario_axis(output, scenario, CS_AXIS_QUANTILE, *group),
        mean_scales[0], mean_scales[1], mean_scales[2]};
    static const char *const quantile_labels[4] = {"quantile", "month", "stage",
                                                   "age"};
    *quantiles = create_summary_dataset(
        *group, "quantiles", 4, quantile_shape, quantile_chunk, quantile_scales,
        quantile_labels,
        "sample quantiles over runs (R type 7: linear interpolation between "
        "order statistics) of children in each stage and age at the end of "
        "each month, one row per level in the levels attribute",
        cs_output_compresses(output, scenario->n_runs));
    if (*quantiles < 0 ||
        cs_h5_attr_doubles(*quantiles, "levels", CS_N_QUANTILES,
                           cs_quantile_levels) < 0)
        *failed = "creating summary/quantiles";
    return CS_OK;
}

int cs_output_write_summary(cs_output *output, cs_output_scenario *scenario,
                            cs_error *err)
{
    int status = CS_OK;
    const char *failed = NULL;
    const int n_runs = scenario->n_runs;
    const size_t cells_per_month =
        (size_t)output->n_stages * (size_t)output->n_ages;
    hid_t group = -1, mean = -1, quantiles = -1;
    unsigned char *done = NULL;
    int *done_runs = NULL;
    double *block = NULL, *values = NULL, *block_mean = NULL,
           *block_quantiles = NULL;

    done = malloc((size_t)n_runs);
    done_runs = malloc((size_t)n_runs * sizeof *done_runs);
    if (!done || !done_runs) {
        status = cs_error_set(err, CS_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (H5Dread(scenario->run_done, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL,
                H5P_DEFAULT, done) < 0) {
        failed = "reading run_done";
        goto cleanup;
    }
    int n_done = 0;
    for (int r = 0; r < n_runs; r++)
        if (done[r])
            done_runs[n_done++] = r;

    const int chunk_months = output->n_months < 12 ? output->n_months : 12;
    const hsize_t mean_shape[3] = {(hsize_t)output->n_months,
                                   (hsize_t)output->n_stages,
                                   (hsize_t)output->n_ages};
    const hsize_t quantile_shape[4] = {
        CS_N_QUANTILES, (hsize_t)output->n_months, (hsize_t)output->n_stages,
        (hsize_t)output->n_ages};
    /* a reopened file (runs added to it) has a summary: rewrite it */
    int existed = H5Lexists(scenario->group, "summary", H5P_DEFAULT) > 0;
    if (existed) {
        group = H5Gopen2(scenario->group, "summary", H5P_DEFAULT);
        mean = group < 0 ? -1 : H5Dopen2(group, "mean", H5P_DEFAULT);
        quantiles = group < 0 ? -1 : H5Dopen2(group, "quantiles", H5P_DEFAULT);
        if (mean < 0 || quantiles < 0 ||
            H5Adelete(group, "n_runs_summarised") < 0 ||
            cs_h5_attr_int32(group, "n_runs_summarised", n_done) < 0) {
            failed = "rewriting summary";
            goto cleanup;
        }
    } else {
        status =
            create_summary(output, scenario, n_done, mean_shape, quantile_shape,
                           &group, &mean, &quantiles, &failed);
        if (failed)
            goto cleanup;
        if (n_done == 0)
            goto cleanup; /* the NaN fill value is the summary */
    }

    int months_per_block = chunk_months;
    while (months_per_block > 1 && (size_t)n_done * (size_t)months_per_block *
                                           cells_per_month * sizeof(double) >
                                       SUMMARY_BLOCK_BYTES)
        months_per_block--;
    const size_t block_cells = (size_t)months_per_block * cells_per_month;
    /* (a rewritten summary of no runs is NaN: one slot avoids malloc(0)) */
    size_t slots = n_done > 0 ? (size_t)n_done : 1;
    block = malloc(slots * block_cells * sizeof *block);
    int threads = output->threads > 1 ? output->threads : 1;
    values = malloc((size_t)threads * slots * sizeof *values);
    block_mean = malloc(block_cells * sizeof *block_mean);
    block_quantiles =
        malloc(CS_N_QUANTILES * block_cells * sizeof *block_quantiles);
    if (!block || !values || !block_mean || !block_quantiles) {
        status = cs_error_set(err, CS_ENOMEM,
                              "out of memory summarising scenario '%s'",
                              scenario->name);
        goto cleanup;
    }

    for (int month0 = 0; month0 < output->n_months;
         month0 += months_per_block) {
        int n_block = output->n_months - month0;
        if (n_block > months_per_block)
            n_block = months_per_block;
        const size_t cells = (size_t)n_block * cells_per_month;
        for (int k = 0; k < n_done; k++) {
            if (read_run_block(scenario->stocks, output, done_runs[k], month0,
                               n_block, block + (size_t)k * cells) < 0) {
                failed = "reading stocks";
                goto cleanup;
            }
        }
        for (size_t c = 0; c < cells && n_done == 0; c++) {
            block_mean[c] = NAN;
            for (int q = 0; q < CS_N_QUANTILES; q++)
                block_quantiles[(size_t)q * cells + c] = NAN;
        }
        if (n_done > 0)
            summarise_cells(block, cells, n_done, threads, values, block_mean,
                            block_quantiles);
        if (write_block(mean, 3, 0, mean_shape, month0, n_block, block_mean) <
                0 ||
            write_block(quantiles, 4, 1, quantile_shape, month0, n_block,
                        block_quantiles) < 0) {
            failed = "writing summary";
            goto cleanup;
        }
    }

cleanup:
    if (failed)
        status = cs_h5_error(err, CS_EIO, "%s of scenario '%s' in %s", failed,
                             scenario->name, output->path);
    cs_h5_close(quantiles);
    cs_h5_close(mean);
    cs_h5_close(group);
    free(block_quantiles);
    free(block_mean);
    free(values);
    free(block);
    free(done_runs);
    free(done);
    return status;
}
