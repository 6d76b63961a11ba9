/*
 * econ.h - money: spend from stocks, and the arithmetic of comparing two
 * scenarios (discounting, net present value, payback).
 *
 * Conventions (docs/model.md, "Costs"): spend in a month is the children in
 * each stage at the end of the month times the stage's unit cost per
 * child-month, in cash; constant prices divide cash by the deflator. Years
 * are financial years, April to March, indexed from the one holding the
 * base date.
 */
#ifndef CASCADE_ECON_H
#define CASCADE_ECON_H

#include "cascade/model.h"

/* Early- and late-intervention totals in the spend arrays. */
enum { CS_SPEND_EARLY = 0, CS_SPEND_LATE = 1, CS_N_SPEND = 2 };

/*
 * From one run's stocks [month][stage][age], fill costs [month][cost line]
 * (GBP, cash) and, if spend is not NULL, spend [month][CS_N_SPEND] (the
 * early and late totals of costs, cash).
 */
void cs_costs_compute(const cs_model *model, const double *stocks,
                      double *costs, double *spend);

#endif
