/*
 * override.h - a scenario with some of its levers set to other values, as
 * `goal-seek` and `grid` make them: a what-if written in memory that
 * `extends:` the scenario file and sets each lever number by its path
 * (`levers.ID.KIND.FIELD: VALUE`), loaded through the library's own
 * loader. So every value is checked as it would be in a file, the
 * scenario's lever numbers are replaced exactly (a value printed with 17
 * significant digits reads back as the same double), a distribution given
 * for the number is replaced by the value, and the resolved text stored in
 * an output file says what was run.
 */
#ifndef CASCADE_CLI_OVERRIDE_H
#define CASCADE_CLI_OVERRIDE_H

#include <stddef.h>

#include "cascade/cascade.h"

#define CLI_OVERRIDE_MAX 8 /* levers set at once */

/*
 * A lever number named on the command line or in a branches file: ID (the
 * lever's main number: multiply for rate, unit_cost and funding levers,
 * places or multiply for a capacity lever, whichever it gives), ID.FIELD
 * (FIELD multiply, add or places, as the lever's kind allows), or the full
 * path levers.ID.KIND.FIELD. Fills path (levers.ID.KIND.FIELD), *lever
 * (its index in sc) and *current (the number's value in sc; for an
 * uncertain number, its mean). CS_EINPUT naming `what` (e.g. "--lever")
 * and listing the scenario's levers, or the fields the lever takes.
 */
int cli_lever_resolve(const cs_scenario *sc, const char *what, const char *spec,
                      char *path, size_t size, int *lever, double *current,
                      cs_error *err);

/*
 * The scenario file at base_path (a regular file) with the n lever numbers
 * at paths[i] (levers.ID.KIND.FIELD) set to values[i], named `name`.
 * base is the scenario loaded from that file before: the file must still
 * hold it (the what-if's extends_hash must be its resolved_hash), or
 * CS_EINPUT says the file changed. CS_EINPUT (with the loader's message)
 * when a value is refused; CS_EFAIL if a number does not read back as the
 * value given.
 */
int cli_override_load(const char *base_path, const cs_scenario *base,
                      const char *name, int n, const char *const *paths,
                      const double *values, cs_scenario **out, cs_error *err);

/* name + suffix cut to a valid scenario name (at most CS_ID_MAX - 1
 * characters, no '-' at the end of the cut name). */
void cli_override_name(const char *name, const char *suffix, char *out,
                       size_t size);

#endif
