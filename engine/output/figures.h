/*
 * figures.h - a scenario group's fit_figures/ (figures.c): what a fitted
 * scenario was fitted to. Private to engine/output.
 */
#ifndef CASCADE_ENGINE_OUTPUT_FIGURES_H
#define CASCADE_ENGINE_OUTPUT_FIGURES_H

#include <hdf5.h>

#include "cascade/output_format.h"

/* CS_OK, or CS_EINPUT when f is not a record a file can hold (no measure,
 * a window of one year or more than CS_OUTPUT_FIGURES_YEARS, a value that
 * is neither a count >= 0 nor NaN). */
int cs_output_check_figures(const cs_output_figures *f, cs_error *err);

/* Write f as fit_figures/ in scenario_group; 0 or -1 (HDF5's error). */
herr_t cs_output_write_figures(hid_t scenario_group,
                               const cs_output_figures *f);

/* Read scenario_group's fit_figures/ into f: CS_OK and *present 1, or
 * *present 0 without one; CS_EINPUT (where: the file and scenario, for the
 * message) when it is there but cannot be read as written. */
int cs_output_read_figures(hid_t scenario_group, const char *where,
                           cs_output_figures *f, int *present, cs_error *err);

#endif
