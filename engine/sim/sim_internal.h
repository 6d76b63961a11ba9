/*
 * sim_internal.h - for tests only: the compartment state a stepper ended
 * its last run with (layout: model_internal.h).
 */
#ifndef CASCADE_SIM_INTERNAL_H
#define CASCADE_SIM_INTERNAL_H

#include "cascade/sim.h"

const double *cs_sim_final_state(const cs_sim *sim);

#endif
