/*
 * sim_internal.h - for tests and benchmarks only: the compartment state a
 * stepper ended its last run with (layout: model_internal.h), and what its
 * fast sampler has drawn.
 */
#ifndef CASCADE_SIM_INTERNAL_H
#define CASCADE_SIM_INTERNAL_H

#include "cascade/sim.h"
#include "rng/stream.h"

const double *cs_sim_final_state(const cs_sim *sim);

/* The fast sampler's draws since the stepper was allocated (the moves and
 * the monthly ageing; the plain twin's draws are not counted). */
const cs_stream_counts *cs_sim_counts(const cs_sim *sim);

#endif
