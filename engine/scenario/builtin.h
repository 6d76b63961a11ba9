/*
 * builtin.h - scenario files embedded in the library at build time
 * (scenarios/embed.py generates the table from the .yaml files in scenarios/).
 */
#ifndef CASCADE_SCENARIO_BUILTIN_H
#define CASCADE_SCENARIO_BUILTIN_H

#include <stddef.h>

typedef struct cs_builtin_scenario {
    const char *file_name; /* e.g. "england-baseline.yaml" */
    const char *text;      /* NUL-terminated */
    size_t length;         /* bytes, without the NUL */
} cs_builtin_scenario;

/* Terminated by an entry whose file_name is NULL. */
extern const cs_builtin_scenario cs_builtin_scenarios[];

#endif
