/*
 * schema.h - the scenario schema, format version 1: a merged tree in,
 * a validated cs_scenario out, or an error naming file, line, column and
 * the dotted path of the offending value.
 *
 * Private to engine/scenario.
 */
#ifndef CASCADE_SCENARIO_SCHEMA_H
#define CASCADE_SCENARIO_SCHEMA_H

#include "cascade/scenario.h"
#include "scenario/tree.h"

/*
 * Fill s (zeroed by the caller) from the merged tree. On failure s may be
 * partly filled (free it with cs_scenario_free) and err says why.
 */
int schema_read(const tree_node *root, cs_scenario *s, cs_error *err);

/* Is key one of the scenario's top-level keys (name, stages, ...)? */
int schema_is_top_key(const char *key);

/* Is name a valid scenario name: [a-z0-9][a-z0-9-]*, < CS_ID_MAX bytes? */
int schema_valid_name(const char *name);

#endif
