/*
 * fit_internal.h - the fit's problem and solution, shared by fit.c (the
 * likelihood and optimiser), problem.c (building a problem, the result
 * and the fitted scenario) and backtest.c. Private to engine/fit.
 */
#ifndef CASCADE_FIT_INTERNAL_H
#define CASCADE_FIT_INTERNAL_H

#include <stdio.h>
#include <time.h>

#include "cascade/fit.h"

/* Seconds on the monotonic clock since start. */
static inline double fit_seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) * 1e-9;
}

#define FIT_MAX_THREADS 16

/* One published figure to fit: measure (data.h) in DfE year `year`. */
typedef struct fit_obs {
    int measure;
    int year;
    int group;  /* CS_FIT_STOCKS, CS_FIT_FLOWS or CS_FIT_POPULATION */
    int series; /* index of its measure among the problem's series */
    double value;
} fit_obs;

#define FIT_MAX_SERIES 64

typedef struct fit_problem {
    const cs_scenario *base; /* started at the window's first year, with
                                its published stocks; trends set to end
                                at the window's last year */
    const cs_fit_spec *spec; /* the parameters (base->fit) */
    int p;                   /* parameters */
    int n_obs;
    fit_obs *obs; /* by measure, then year */
    int n_series; /* measures with observations */
    int series_measure[FIT_MAX_SERIES];
    int series_group[FIT_MAX_SERIES];
    /* One-year-ahead: each year of the window but the last ends with the
     * published stocks at 31 March put in place of the model's (in
     * expected values; -1 where not published): children in need outside
     * CP and care, on CP plans, looked after in all or by the five DfE age
     * bands. assimilate 0: the model runs free from the start. */
    int assimilate;
    int first_year, n_years;
    double start_cin[CS_MAX_YEARS], start_cp[CS_MAX_YEARS];
    double start_la[CS_MAX_YEARS], start_la_band[CS_MAX_YEARS][5];
    /* the looked-after children by placement (stage), where a council's
     * return gives every placement (fit_published_placements); else -1 */
    double start_placed[CS_MAX_YEARS][CS_MAX_STAGES];
} fit_problem;

typedef struct fit_solution {
    double u[CS_MAX_FIT_PARAMETERS]; /* estimates, fitted scale */
    double covariance[CS_MAX_FIT_PARAMETERS][CS_MAX_FIT_PARAMETERS];
    int at_bound[CS_MAX_FIT_PARAMETERS];
    int singular; /* the information matrix could not be inverted */
    double dispersion[FIT_MAX_SERIES]; /* negative binomial k per series */
    double loglik;                     /* log posterior at the estimate */
    double pearson_per_df, inflation;
    int iterations, converged;
    double *mu; /* n_obs fitted values (the caller allocates) */
} fit_solution;

/* Children at 31 March `year` of area in s: the published stocks of the
 * DfE categories (looked-after children by age band where published), the
 * stages without a category and what grows with the population (births,
 * migration, arrivals, funding, places) scaled by the area's population
 * over the scenario's when it differs by more than a fifth (or at all,
 * always_scale; *scaled says if it was), the remainder the rest
 * (docs/fitting.md). 0, or -1 if the published children are more than the
 * population. */
int fit_set_stocks(cs_scenario *s, const cs_series *data, int area, int year,
                   int always_scale, int *scaled, char *note, size_t note_size);

/* The published children at 31 March `year` in each looked-after
 * placement of s (cla_31_march_placement_ID) into placed[stage]: 1 if
 * every looked-after stage of s is a placement with such a figure (and
 * they are not all 0), else 0 with placed[] -1. */
int fit_published_placements(const cs_scenario *s, const cs_series *data,
                             int area, int year, double *placed);

/* 1 and *value if data has measure (by name) for area and year. */
int fit_get(const cs_series *data, int area, const char *measure, int year,
            double *value);

/* The observer of model m with the spec's measure maps. */
int fit_observer(const fit_problem *f, const cs_model *m, cs_observer **out,
                 cs_error *err);

/* The fitted model's children at the end of the window (31 March of its
 * last year) with parameter values u: the spin-up the forecast starts
 * from. Their stocks [stage][age]; by stage, the shares by completed
 * months in the stage (n_durations of them) and carrying each mark. */
typedef struct fit_end_state {
    double stocks[CS_MAX_STAGES * CS_AGES];
    double total[CS_MAX_STAGES];
    int n_durations[CS_MAX_STAGES];
    double duration_share[CS_MAX_STAGES][CS_MAX_DURATION_MONTHS + 1];
    double mark_share[CS_MAX_STAGES][CS_MAX_MARKS];
} fit_end_state;

int fit_end(const fit_problem *f, const double *u, fit_end_state *out,
            cs_error *err);

int fit_optimise(fit_problem *f, int threads, int max_iterations,
                 fit_solution *sol, cs_error *err);

/* Random-walk sds of the spec's year effects from the log residuals, and
 * where each starts: its level in the window's last year (its measures'
 * mean log residual then) times the residuals' year-to-year persistence
 * (*persistence, in [0, 1], from *n_pairs consecutive pairs). */
void fit_year_effects(const fit_problem *f, const double *mu, double *sd,
                      int *n_changes, double *start, double *persistence,
                      int *n_pairs);

/* Write fit.figures (figures.c) into the fitted scenario's fit: section
 * at f: the area's figures the fit used (data, area) and the fitted
 * values, with sources naming the data files. */
void fit_write_figures(FILE *f, const cs_fit_result *r, const cs_series *data,
                       int area, const char *sources);

#endif
