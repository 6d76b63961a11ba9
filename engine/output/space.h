/*
 * space.h - will the output fit? Size checks made before anything is
 * written, so a horizon or run count too large for the file format or the
 * disk fails in a second with a clear message rather than hours later.
 */
#ifndef CASCADE_OUTPUT_SPACE_H
#define CASCADE_OUTPUT_SPACE_H

#include <stdint.h>

#include "cascade/output_writer.h"

/*
 * The float64 values one run writes (stocks, flows, costs and spend), or
 * UINT64_MAX if that overflows 64 bits.
 */
uint64_t cs_output_run_values(const cs_output_dims *dims);

/*
 * CS_EINPUT if the dims make a dataset the file cannot hold: one run's
 * values overflow 64-bit arithmetic, or an HDF5 chunk (one run and year)
 * would exceed HDF5's 4 GiB chunk limit.
 */
int cs_output_check_shape(const char *path, const cs_output_dims *dims,
                          cs_error *err);

/*
 * CS_EINPUT if n_runs runs of values_per_run float64 values overflow 64-bit
 * arithmetic, or if even compressed 16 to 1 (far better than cascade's
 * output compresses, so a run that would fit is not refused) they would
 * not fit in the space free on path's file system:
 *   "PATH: needs about N GB for R runs; only F GB free on DIR; use fewer
 *    runs or another directory"
 * If the free space cannot be found (statvfs fails), nothing is refused.
 */
int cs_output_check_space(const char *path, int n_runs, uint64_t values_per_run,
                          cs_error *err);

#endif
