/*
 * space.c - size checks for the output file (space.h).
 *
 * All sizes are in uint64_t with every multiplication checked: the product
 * runs x months x (stages x ages + transitions) x 8 bytes is the number
 * that overflows first, and a wrapped product would pass any check.
 */
#include "space.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

/* HDF5 refuses chunks of 4 GiB or more. */
#define MAX_CHUNK_BYTES (UINT64_C(4) * 1024 * 1024 * 1024 - 1)
/*
 * The compression assumed, on the generous side so that a run that would
 * fit is not refused: the England baseline's output compresses about 3:1
 * and a small test scenario's 7:1; scenarios with many empty stages
 * compress better. The check is there to stop the absurd (a 50-year
 * horizon with ten million runs), not to predict the file size.
 */
#define ASSUMED_COMPRESSION 16
/* /scenarios/<name>/spend holds early and late spend for every month. */
#define CS_OUTPUT_SPEND_VALUES 2

/* a * b, or UINT64_MAX if it overflows (UINT64_MAX stays UINT64_MAX). */
static uint64_t mul(uint64_t a, uint64_t b)
{
    if (a == UINT64_MAX || b == UINT64_MAX)
        return UINT64_MAX;
    if (a != 0 && b > (UINT64_MAX - 1) / a)
        return UINT64_MAX;
    return a * b;
}

static uint64_t add(uint64_t a, uint64_t b)
{
    if (a == UINT64_MAX || b == UINT64_MAX || b > UINT64_MAX - 1 - a)
        return UINT64_MAX;
    return a + b;
}

static uint64_t count(int n)
{
    return n < 0 ? 0 : (uint64_t)n;
}

uint64_t cs_output_run_values(const cs_output_dims *dims)
{
    uint64_t cells = mul(count(dims->n_stages), count(dims->n_ages));
    /* stocks, flows, costs (one per cost line) and spend (early, late) */
    uint64_t per_month =
        add(add(cells, count(dims->n_transitions)),
            add(count(dims->n_cost_lines), CS_OUTPUT_SPEND_VALUES));
    return mul(count(dims->n_months), per_month);
}

/* "12.3 GB": decimal units, as df -H and file managers show them. */
static void human_size(uint64_t bytes, char *text, size_t size)
{
    static const char *const units[] = {"bytes", "kB", "MB", "GB",
                                        "TB",    "PB", "EB"};
    double value = (double)bytes;
    int unit = 0;
    while (value >= 1000 && unit < 6) {
        value /= 1000;
        unit++;
    }
    if (unit == 0)
        snprintf(text, size, "%llu bytes", (unsigned long long)bytes);
    else
        snprintf(text, size, "%.1f %s", value, units[unit]);
}

int cs_output_check_shape(const char *path, const cs_output_dims *dims,
                          cs_error *err)
{
    uint64_t months_per_chunk =
        count(dims->n_months < 12 ? dims->n_months : 12);
    uint64_t stock_chunk =
        mul(mul(months_per_chunk, count(dims->n_stages)), count(dims->n_ages));
    uint64_t flow_chunk =
        mul(count(dims->n_months), count(dims->n_transitions));
    uint64_t run_bytes = mul(cs_output_run_values(dims), sizeof(double));
    if (run_bytes == UINT64_MAX)
        return cs_error_set(err, CS_EINPUT,
                            "%s: one run of %d months x %d stages x %d ages "
                            "and %d transitions is too large to count in "
                            "64 bits",
                            path, dims->n_months, dims->n_stages, dims->n_ages,
                            dims->n_transitions);
    if (mul(stock_chunk, sizeof(double)) > MAX_CHUNK_BYTES ||
        mul(flow_chunk, sizeof(double)) > MAX_CHUNK_BYTES)
        return cs_error_set(err, CS_EINPUT,
                            "%s: one run of %d months x %d stages x %d ages "
                            "and %d transitions is too large for an HDF5 "
                            "chunk (4 GiB at most)",
                            path, dims->n_months, dims->n_stages, dims->n_ages,
                            dims->n_transitions);
    return CS_OK;
}

/* The directory part of path ("." if none), malloc'd. */
static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *start = path;
    size_t length = slash ? (size_t)(slash - path) : 1;
    if (!slash)
        start = ".";
    else if (slash == path)
        length = 1;
    char *directory = malloc(length + 1);
    if (directory) {
        memcpy(directory, start, length);
        directory[length] = '\0';
    }
    return directory;
}

int cs_output_check_space(const char *path, int n_runs, uint64_t values_per_run,
                          cs_error *err)
{
    uint64_t bytes = mul(mul(count(n_runs), values_per_run), sizeof(double));
    if (bytes == UINT64_MAX)
        return cs_error_set(err, CS_EINPUT,
                            "%s: %d runs of %llu values each are too large "
                            "to count in 64 bits; use fewer runs",
                            path, n_runs, (unsigned long long)values_per_run);
    char *directory = directory_of(path);
    if (!directory)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    int status = CS_OK;
    struct statvfs fs;
    if (statvfs(directory, &fs) == 0) {
        uint64_t needed = bytes / ASSUMED_COMPRESSION;
        uint64_t free_bytes =
            mul((uint64_t)fs.f_bavail,
                (uint64_t)(fs.f_frsize ? fs.f_frsize : fs.f_bsize));
        if (needed > free_bytes) {
            char need_text[32], free_text[32];
            human_size(needed, need_text, sizeof need_text);
            human_size(free_bytes, free_text, sizeof free_text);
            status =
                cs_error_set(err, CS_EINPUT,
                             "%s: needs about %s for %d runs; only %s "
                             "free on %s; use fewer runs or another "
                             "directory",
                             path, need_text, n_runs, free_text, directory);
        }
    }
    free(directory);
    return status;
}
