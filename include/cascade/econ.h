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

/*
 * Net present value of yearly amounts v[0..n-1] at an annual discount rate:
 * sum_y v[y] / (1 + rate)^y. Year 0 (the first financial year) is not
 * discounted, as in the Green Book's convention for the current year.
 */
double cs_npv(const double *values, int n, double rate);

/*
 * The payback year of cumulative amounts c[0..n-1] (cumulative discounted
 * net differences, say): the first year y from which every c[y..n-1] has
 * the sign opposite to the first non-zero c, i.e. where the running total
 * changes sign for good. -1 if it never does within the n years (or every
 * c is zero).
 */
int cs_payback_year(const double *cumulative, int n);

/*
 * Partial rank correlation coefficients of an outcome y[0..n-1] with each
 * of k inputs x[n][k]: the correlation between the residuals of rank(x_j)
 * and of rank(y), each regressed (least squares, with an intercept) on the
 * ranks of the other inputs. Ties share their average rank. prcc[j] is NaN
 * where it is undefined (a constant input, or n <= k + 1). CS_OK, or
 * CS_ENOMEM.
 */
int cs_prcc(const double *x, int n, int k, const double *y, double *prcc);

#endif
