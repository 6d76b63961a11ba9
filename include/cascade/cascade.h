/*
 * cascade.h - the umbrella header of libcascade.
 *
 * YAML -> cs_scenario (scenario.h) -> cs_model (model.h) -> cs_sim runs
 * (sim.h), many of them (batch.h) -> HDF5 (output_writer.h, read back by
 * output_reader.h, with derived tables from output_group.h); money in
 * econ.h. Random streams: rng.h. Published series to fit and score
 * against: data.h; fitting: fit.h; scores of forecasts and naive
 * benchmarks: score.h. Errors: error.h.
 */
#ifndef CASCADE_H
#define CASCADE_H

#include "cascade/batch.h"
#include "cascade/data.h"
#include "cascade/econ.h"
#include "cascade/error.h"
#include "cascade/fit.h"
#include "cascade/model.h"
#include "cascade/output_format.h"
#include "cascade/output_group.h"
#include "cascade/output_reader.h"
#include "cascade/output_writer.h"
#include "cascade/rng.h"
#include "cascade/scenario.h"
#include "cascade/score.h"
#include "cascade/sim.h"

#endif
