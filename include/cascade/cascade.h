/*
 * cascade.h - the umbrella header of libcascade.
 *
 * YAML -> cs_scenario (scenario.h) -> cs_model (model.h) -> cs_sim runs
 * (sim.h), many of them (batch.h) -> HDF5 (output.h); money in econ.h. Random streams: rng.h.
 * Published series to fit and score against: data.h; scores of forecasts
 * and naive benchmarks: score.h. Errors: error.h.
 */
#ifndef CASCADE_H
#define CASCADE_H

#include "cascade/batch.h"
#include "cascade/data.h"
#include "cascade/econ.h"
#include "cascade/error.h"
#include "cascade/fit.h"
#include "cascade/model.h"
#include "cascade/output.h"
#include "cascade/rng.h"
#include "cascade/scenario.h"
#include "cascade/score.h"
#include "cascade/sim.h"

#endif
