/*
 * caseload.h - the month's step that makes rates depend on a caseload
 * (workforce: in the scenario; model.md, "Rates that depend on a
 * caseload"), kept apart from the samplers: before the moves it rewrites
 * the caseload rows of a per-run copy of the epoch's outcome table (and of
 * the fast sampler's leave table), which the moves then walk like any
 * other table.
 */
#ifndef CASCADE_SIM_CASELOAD_H
#define CASCADE_SIM_CASELOAD_H

#include "model/model_internal.h"

/*
 * The caseload factor of every transition in month t from the children
 * now (the start of the month): for a transition on workforce w,
 * (N_w / W_w(t) / reference_w)^elasticity, N_w the children of w's
 * stages, held within [CS_CASELOAD_FACTOR_MIN, CS_CASELOAD_FACTOR_MAX];
 * 1 for the others. caseload[w] receives N_w / W_w(t) (may be NULL).
 */
void cs_caseload_factors(const cs_model *m, const double *now, int t,
                         double *factor, double *caseload);

/*
 * p (n_outcomes, a copy of an epoch e's table) with the caseload rows
 * rewritten for epoch e at these factors; and, if leave is not NULL (the
 * fast sampler's [compartment][2] copy of e's), their chance of leaving
 * and its cs_binomial_log.
 */
void cs_caseload_rows(const cs_model *m, int e, const double *factor, double *p,
                      double *leave);

#endif
