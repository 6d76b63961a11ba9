/*
 * batch_internal.h - the batch's scenarios, shared by batch.c (the
 * pipeline) and file.c (the HDF5 sink). Private to engine/batch.
 */
#ifndef CASCADE_BATCH_INTERNAL_H
#define CASCADE_BATCH_INTERNAL_H

#include <time.h>

#include "cascade/batch.h"
#include "cascade/output_format.h"

typedef struct batch_entry {
    cs_scenario *scenario; /* owned copy */
    cs_model *model;       /* compiled at its parameters' means */
    char *source;          /* where it came from, for messages */
} batch_entry;

struct cs_batch {
    int n;
    batch_entry entries[CS_BATCH_MAX_SCENARIOS];
};

/* 1 if runs of sc draw their own parameter values under settings s. */
int batch_draws_parameters(const cs_batch_settings *s, const cs_scenario *sc);

/* 1 if runs of sc draw their own year effects under settings s. */
int batch_draws_year_effects(const cs_batch_settings *s, const cs_scenario *sc);

double batch_seconds_since(const struct timespec *start);

/* What sc was fitted to (fit.figures) as its output records it (figures.c):
 * CS_OK and *out (free it) or NULL when sc records none; CS_ENOMEM, or
 * CS_EINPUT for a measure that is not a published count. */
int batch_figures_of(const cs_scenario *sc, cs_output_figures **out,
                     cs_error *err);

#endif
