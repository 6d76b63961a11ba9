/*
 * builtin.c - look up the scenario files embedded at build time
 * (scenarios/embed.py writes the table).
 */
#include <string.h>

#include "cascade/scenario.h"
#include "scenario/builtin.h"

const char *cs_scenario_builtin_text(const char *file_name, size_t *length)
{
    for (const cs_builtin_scenario *b = cs_builtin_scenarios; b->file_name;
         b++) {
        if (strcmp(b->file_name, file_name) == 0) {
            if (length)
                *length = b->length;
            return b->text;
        }
    }
    return NULL;
}
