/*
 * bench_model.h - the benchmarks' one way to get a model: the scenario file
 * a benchmark was given, or the built-in England baseline, loaded and
 * compiled. Header-only (each benchmark is one program).
 */
#ifndef CASCADE_BENCH_MODEL_H
#define CASCADE_BENCH_MODEL_H

#include <stdio.h>

#include "cascade/cascade.h"

/* path (NULL: the built-in baseline) into *sc and *m: CS_OK, or the
 * failure's status after printing "program: message" on stderr. */
static inline int bench_model(const char *program, const char *path,
                              cs_scenario **sc, cs_model **m)
{
    size_t length;
    const char *text =
        cs_scenario_builtin_text("england-baseline.yaml", &length);
    cs_error err;
    *sc = NULL;
    *m = NULL;
    int rc = path   ? cs_scenario_load_file(path, sc, &err)
             : text ? cs_scenario_load_string(
                          text, length, "england-baseline.yaml", NULL, sc, &err)
                    : cs_error_set(&err, CS_EFAIL, "no built-in baseline");
    if (rc == CS_OK)
        rc = cs_model_compile(*sc, m, &err);
    if (rc != CS_OK)
        fprintf(stderr, "%s: %s\n", program, err.message);
    return rc;
}

#endif
