/*
 * econ.h - money: spend from stocks, the arithmetic of comparing
 * scenarios (discounting, net present value, payback, value of
 * information) and goal seeking (the input value that brings an outcome to
 * a target).
 *
 * Conventions (docs/model.md, "Costs"): spend in a month is the children in
 * each stage at the end of the month times the stage's unit cost per
 * child-month, in cash; constant prices divide cash by the deflator. Years
 * are financial years, April to March, indexed from the one holding the
 * base date.
 */
#ifndef CASCADE_ECON_H
#define CASCADE_ECON_H

#include "cascade/error.h"
#include "cascade/model.h"

/* Early- and late-intervention totals in the spend arrays. */
enum { CS_SPEND_EARLY = 0, CS_SPEND_LATE = 1, CS_N_SPEND = 2 };

/*
 * From one run's stocks [month][stage][age], fill costs [month][cost line]
 * (GBP, cash) and, if spend is not NULL, spend [month][CS_N_SPEND] (the
 * early and late totals of costs, cash). A stage's line is its children
 * times the month's cash unit cost, except a stage whose capacity spends
 * its funding (spend: funding): its places times the unit cost, the places
 * from the run's capacity record [month][capacity stage][3] (cs_sim_run's;
 * a budget may have cut them), or the model's planned places when
 * capacity is NULL. A transition's line is the children it moved, from
 * flows [month][cs_model_n_flows] (NULL: a model without such lines),
 * times its cost per child.
 */
void cs_costs_compute(const cs_model *model, const double *stocks,
                      const double *flows, const double *capacity,
                      double *costs, double *spend);

/*
 * For a model with care_leavers:, the care leavers supported at the end of
 * each month, count[month], from one run's flows (as cs_costs_compute):
 * those who reached 18 in the `from` stages within the support window
 * (the last 12 x years months), plus those supported at the base date,
 * whose support ends evenly over the window. The care_leavers cost line
 * is this count times the month's unit cost.
 */
void cs_care_leavers_count(const cs_model *model, const double *flows,
                           double *count);

/*
 * Net present value of yearly amounts v[0..n-1] at an annual discount rate:
 * sum_y v[y] / (1 + rate)^y. Year 0 (the first financial year) is not
 * discounted, as in the Green Book's convention for the current year.
 */
double cs_npv(const double *values, int n, double rate);

/* The rate a year by which year y (>= 1) is discounted beyond year y - 1. */
double cs_discount_rate_of_year(const cs_discount *discount, int year);

/*
 * divisors[y] for y = 0..n-1: what year y's amounts are divided by,
 * divisors[0] = 1 and divisors[y] = divisors[y - 1] x (1 + the rate of
 * year y), multiplied up in that order (so one step of rate r gives
 * cs_npv's factors exactly).
 */
void cs_discount_divisors(const cs_discount *discount, int n, double *divisors);

/* Net present value of yearly amounts v[0..n-1] under a schedule:
 * sum_y v[y] / divisors[y]; equal to cs_npv for one step, to the bit. */
double cs_npv_schedule(const double *values, int n,
                       const cs_discount *discount);

/*
 * The schedule as text, "FROM:RATE" steps separated by spaces
 * ("0:0.035 31:0.03 ...", each rate in the fewest digits that parse back
 * to it exactly): the attribute discount_schedule of the output
 * file. Returns the length written, or a negative number if it did not
 * fit in size bytes (CS_DISCOUNT_TEXT_MAX always does).
 */
#define CS_DISCOUNT_TEXT_MAX 256
int cs_discount_format(const cs_discount *discount, char *text, size_t size);

/*
 * Text of cs_discount_format back into a schedule: CS_OK, or CS_EINPUT
 * (err says what was expected) for steps that do not start at year 0, do
 * not increase, are more than CS_DISCOUNT_MAX_STEPS, or a rate outside
 * 0 <= r < 1.
 */
int cs_discount_parse(const char *text, cs_discount *discount, cs_error *err);

/* 1 if the two schedules discount every year alike, else 0. */
int cs_discount_equal(const cs_discount *a, const cs_discount *b);

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

/*
 * Value of information over n parameter draws (runs) of k options
 * (scenarios), from their net monetary benefits nmb[draw][option] (GBP:
 * willingness to pay x outcome - cost, in any common units; docs/scores.md,
 * "Value of information"). Fills expected[k], the mean NMB of each
 * option, p_best[k], the share of draws in which each has the highest NMB
 * (an exact tie shares the draw), and *out. EVPI is the mean over draws of
 * max_k NMB - NMB of the option best on average, which equals
 * E[max_k NMB_k] - max_k E[NMB_k]: what knowing the draw before choosing
 * would be worth; its standard error is that of this mean, sd / sqrt(n),
 * taking the best option as given. Adding the same amount to every option
 * of a draw changes neither EVPI nor p_best. CS_OK, or CS_EINPUT (no draws
 * or options, or an NMB that is not a finite number).
 */
typedef struct cs_voi {
    long n_draws;
    int best;       /* the option of highest expected NMB (the first of ties) */
    double evpi;    /* GBP per decision, as nmb */
    double evpi_se; /* its Monte Carlo standard error; NaN for one draw */
} cs_voi;

int cs_voi_compute(const double *nmb, long n, int k, double *expected,
                   double *p_best, cs_voi *out, cs_error *err);

/*
 * Goal seeking: the x in [lo, hi] at which outcome(x) equals target, by
 * Brent's method (gsl_root_fsolver_brent), which needs outcome(lo) and
 * outcome(hi) on either side of the target (CS_EINPUT otherwise, with both
 * values in the message) and the outcome continuous between them. It stops
 * when the bracket is narrower than value_tolerance (absolute, in x's
 * units) or the outcome is within outcome_tolerance of the target, and
 * fails (CS_EFAIL) after max_iterations. An outcome returns CS_OK and fills
 * *y, or an error code with err filled, which stops the search and is
 * returned.
 */
typedef int (*cs_goal_outcome)(void *ctx, double x, double *y, cs_error *err);

typedef struct cs_goal_seek_settings {
    double value_tolerance;   /* default 1e-9 */
    double outcome_tolerance; /* default 0: stop on the bracket alone */
    int max_iterations;       /* default 100 */
} cs_goal_seek_settings;

void cs_goal_seek_settings_init(cs_goal_seek_settings *settings);

typedef struct cs_goal_seek_result {
    double value;    /* x found */
    double achieved; /* outcome(value) */
    /* 1 if |achieved - target| <= outcome_tolerance; 0 when the search
     * stopped on the bracket alone (an outcome that moves in steps, as the
     * mean of stochastic runs does, may jump across the target) */
    int within_tolerance;
    int iterations;  /* Brent iterations (0: an end was on target) */
    int evaluations; /* outcome evaluations, the two ends included */
    double lo, hi;   /* the final bracket */
    double outcome_at_lo, outcome_at_hi; /* at the bracket given */
} cs_goal_seek_result;

int cs_goal_seek(cs_goal_outcome outcome, void *ctx, double target, double lo,
                 double hi, const cs_goal_seek_settings *settings,
                 cs_goal_seek_result *out, cs_error *err);

#endif
