/*
 * fit_all.h - `cascade fit --area all` (fit_all.c).
 */
#ifndef CASCADE_CLI_FIT_ALL_H
#define CASCADE_CLI_FIT_ALL_H

#include "cascade/cascade.h"

/* Every council of data: DIR/CODE.yaml (its own scenario, extending the
 * structure at structure_path, or the built-in England structure when
 * NULL) and DIR/CODE-fitted.yaml (its fit; with shrink, with the
 * councils' prior, cs_fit_panel);
 * threads councils at once. Prints the prior and what was written unless
 * quiet. A council that fails is listed; CS_OK unless nothing could run. */
int cli_fit_all(const char *structure_path, const cs_scenario *structure,
                const cs_series *data, const char *sources, const char *names,
                const cs_fit_options *fo, int threads, int shrink,
                const char *dir, int quiet, cs_error *err);

#endif
