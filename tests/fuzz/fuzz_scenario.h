/*
 * fuzz_scenario.h - the fuzz target, shared by the libFuzzer build and the
 * replay program.
 */
#ifndef CASCADE_FUZZ_SCENARIO_H
#define CASCADE_FUZZ_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/error.h"

/*
 * Load data as a scenario and, if it is valid, compile and check its model.
 * Aborts on any broken promise (see fuzz_scenario.c); otherwise returns the
 * loader's (or compiler's) status with err filled.
 */
int cs_fuzz_scenario(const uint8_t *data, size_t size, cs_error *err);

#endif
