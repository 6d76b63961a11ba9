/*
 * score.h - scores of forecasts against what happened, and the naive
 * benchmarks a forecast method must beat (issue 11: `cascade backtest`).
 *
 * Point scores (absolute percentage error, signed error), proper scores of
 * a predictive distribution (CRPS of an ensemble of runs or of a normal; the
 * interval score of a central interval), the sample quantile the intervals
 * are read with, and two benchmarks with predictive sds: persistence (a
 * random walk) and a local linear trend (a random walk with drift).
 * docs/scores.md gives every formula with its reference and a worked
 * example; tests/score checks each against hand computation.
 *
 * Nothing here allocates except cs_score_crps_ensemble (one sorted copy).
 */
#ifndef CASCADE_SCORE_H
#define CASCADE_SCORE_H

/*
 * Absolute percentage error |f - a| / |a| as a fraction (0.05 is 5%); NaN if
 * a == 0 or either is not finite.
 */
double cs_score_ape(double forecast, double actual);

/* Signed error f - a (positive: the forecast was too high). */
double cs_score_error(double forecast, double actual);

/*
 * CRPS of an ensemble of n samples (any order) at the outcome y:
 *   CRPS = E|X - y| - E|X - X'| / 2
 * with X, X' independent draws from the ensemble's empirical distribution
 * (Gneiting & Raftery 2007, eq. 21). Sorts a copy, O(n log n). CS_OK and
 * *crps; CS_EINPUT if n < 1 or any value is not finite; CS_ENOMEM.
 */
int cs_score_crps_ensemble(const double *samples, int n, double actual,
                           double *crps);

/*
 * The "fair" ensemble CRPS (Ferro 2014): E|X - X'| over distinct members,
 * i.e. divided by n(n - 1) rather than n^2; unbiased for the CRPS of the
 * distribution the members are drawn from. Needs n >= 2.
 */
int cs_score_crps_ensemble_fair(const double *samples, int n, double actual,
                                double *crps);

/* Both from data already sorted ascending (no allocation, no checks
 * beyond n): the ensemble CRPS, fair if fair != 0. NaN if n is too small. */
double cs_score_crps_sorted(const double *sorted, int n, double actual,
                            int fair);

/*
 * CRPS of a normal N(mu, sigma^2) at y, closed form (Gneiting et al. 2005):
 *   sigma * (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)),  z = (y - mu) / sigma
 * |y - mu| if sigma == 0; NaN if sigma < 0 or anything is not finite.
 */
double cs_score_crps_normal(double mu, double sigma, double actual);

/*
 * Interval score of a central (1 - alpha) interval [lo, hi] (Gneiting &
 * Raftery 2007, eq. 43):
 *   (hi - lo) + (2 / alpha)(lo - y) 1{y < lo} + (2 / alpha)(y - hi) 1{y > hi}
 * NaN if alpha is not in (0, 1), lo > hi or anything is not finite.
 */
double cs_score_interval(double lo, double hi, double alpha, double actual);

/*
 * Sample quantile q in [0, 1] of n >= 1 values sorted ascending: type 7 of
 * Hyndman & Fan (1996), linear between order statistics, as GSL's
 * gsl_stats_quantile_from_sorted_data (which it calls). NaN if n < 1 or q
 * is outside [0, 1].
 */
double cs_score_quantile_sorted(const double *sorted, int n, double q);

/*
 * Naive benchmarks from a yearly history h[0..n-1] (oldest first; NaN for a
 * missing year), forecasting `ahead` >= 1 years after h[n-1]. Let L be the
 * index of the last observed value and k = n - 1 + ahead - L the steps from
 * it to the target year (k = ahead when h[n-1] is observed).
 *
 * Persistence (a random walk, y_t = y_{t-1} + e_t): mean = h[L]; sd =
 * s sqrt(k) with s^2 the mean square of the observed year-to-year changes
 * (consecutive years both observed), the maximum-likelihood variance of a
 * random walk without drift (Hyndman & Athanasopoulos 2021, sec. 5.5).
 * Needs at least one such change.
 *
 * Trend: the ordinary least-squares line (gsl_fit_linear) through the last
 * `window` observed values (window <= 0 means 3; at least 3) against their
 * years, evaluated at year n - 1 + ahead. Its sd is that of a random walk
 * with drift fitted to the same values, y_t = y_{t-1} + d + e_t: with
 * changes c_j over gaps of g_j years between consecutive observed values
 * (G = sum g_j, m of them), d = sum c_j / G and
 * s^2 = sum (c_j - g_j d)^2 / g_j / (m - 1); sd = s sqrt(k (1 + k / G)),
 * the random walk's spread plus the uncertainty of the estimated drift
 * (Hyndman & Athanasopoulos 2021, sec. 5.5, table 5.2). Needs `window`
 * observed values.
 *
 * Fill *mean and *sd and return CS_OK, or CS_EINPUT (nothing filled) when
 * the history is too short as said, ahead < 1, or a value is infinite.
 */
int cs_benchmark_persistence(const double *h, int n, int ahead, double *mean,
                             double *sd);
int cs_benchmark_trend(const double *h, int n, int window, int ahead,
                       double *mean, double *sd);

#endif
