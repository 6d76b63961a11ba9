/*
 * fit.h - a scenario set beside published figures: what a run says each
 * measure was (cs_observer), and calibration of a scenario's free
 * parameters to an area's series (cs_fit), docs/fitting.md.
 */
#ifndef CASCADE_FIT_H
#define CASCADE_FIT_H

#include <signal.h>
#include <stdint.h>

#include "cascade/data.h"
#include "cascade/error.h"
#include "cascade/model.h"

/* ---- the observation operator ------------------------------------------ */

/*
 * What runs of one model say the published measures (data.h) were: stocks
 * from the stages' DfE categories, flows from the categories they move
 * between, and, for measures such as children ceasing care by reason, the
 * flows of the transitions mapped to them (cs_observer_map). The model
 * must outlive the observer.
 */
typedef struct cs_observer cs_observer;

int cs_observer_create(const cs_model *model, cs_observer **out, cs_error *err);
void cs_observer_free(cs_observer *observer);

/* Count measure (a flow) as the flows of these transitions, by id. */
int cs_observer_map(cs_observer *observer, int measure, int n,
                    const char *const *transitions, cs_error *err);

/* 1 if the model can say what the measure was. */
int cs_observer_knows(const cs_observer *observer, int measure);

/*
 * The measure in the DfE year to 31 March `year` from one run's stocks
 * [month][stage][age] and flows [month][flow]: a stock at the end of March
 * (the population at the end of June before the year), a flow summed over
 * April to March. NaN if the model cannot say it, or the date (all twelve
 * months, for a flow) is outside the run.
 */
double cs_observe(const cs_observer *observer, int measure, int year,
                  const double *stocks, const double *flows);

/* The same with the run's flows by age ([month][flow][age],
 * cs_sim_record_ages), which the measures by age band need (children
 * starting to be looked after by age); cs_observe gives NaN for them. */
double cs_observe_ages(const cs_observer *observer, int measure, int year,
                       const double *stocks, const double *flows,
                       const double *flows_by_age);

/* 1 if the measure needs the flows by age (cs_observe_ages). */
int cs_observer_needs_ages(const cs_observer *observer, int measure);

/*
 * Looked-after children at 31 March by months in care
 * (cla_31_march_in_care_*, from a council's SSDA903 return): the model's
 * children of its looked-after stages by completed months in the stage
 * (cs_sim_stage_profile, summed over the stages), which are months in
 * care when no transition moves children between looked-after stages.
 * cs_observer_month_slots: the slots every looked-after stage keeps
 * (0..n-2 single months, n-1 that many or more; 0 if there is no
 * looked-after stage or children move between them); the observer knows
 * a band the slots resolve. cs_observe_months: the measure from
 * by_months[0..slots), the looked-after children at that 31 March by
 * completed months (the later slots of a stage with more folded into the
 * last); NaN if it is not such a measure or the model cannot say it.
 * cs_observe and cs_observe_ages give NaN for these measures.
 */
int cs_observer_needs_months(const cs_observer *observer, int measure);
int cs_observer_month_slots(const cs_observer *observer);
double cs_observe_months(const cs_observer *observer, int measure,
                         const double *by_months);

/*
 * Put a council's SSDA903 counts of looked-after children at 31 March by
 * placement into data as the area's cla_31_march_placement_ID figures
 * (code: the area's code, as cs_series_add_ssda903 took it), one for
 * each placement of the scenario's looked-after group whose ID has such
 * a measure (data.h): its episodes those of its ssda903: codes, or the
 * default for England's placements (cs_ssda903_default_placement). A
 * placement of another id, or of that id with no codes, is not counted.
 * *n_added (if not NULL): the placements counted. CS_OK, CS_EINPUT,
 * CS_ENOMEM.
 */
int cs_fit_add_placements(cs_series *data, const char *code,
                          const cs_ssda903 *ret, const cs_scenario *scenario,
                          int *n_added, cs_error *err);

/* ---- calibration ------------------------------------------------------- */

/* Kinds of observation. */
enum {
    CS_FIT_STOCKS = 0,     /* children at 31 March */
    CS_FIT_FLOWS = 1,      /* children moving during a year */
    CS_FIT_POPULATION = 2, /* the 0-17 population, mid-year */
    CS_FIT_N_GROUPS = 3
};
const char *cs_fit_group_name(int group);

typedef struct cs_fit_options {
    /* The window, DfE years to 31 March: the model starts from the
     * published stocks at 31 March `first` and is fitted to the years
     * first+1 .. last. 0: the scenario's fit.window, else every year the
     * data has for the area. */
    int first, last;
    int threads;        /* to compute the Jacobian (default 1) */
    int max_iterations; /* default 200 */
    /* 0 (default): each year of the window starts from the published
     * stocks at the 31 March before it, so the fit is of one-year-ahead
     * predictions (docs/fitting.md); 1: the model runs free from the
     * window's start */
    int free_running;
} cs_fit_options;

void cs_fit_options_init(cs_fit_options *options);

typedef struct cs_fit_result cs_fit_result;

/*
 * Fit the scenario's fit: parameters to area's series in data. The fit
 * reads only what was known at 31 March of the window's last year
 * (cs_series_known_at: a copy the result keeps, so data need not outlive
 * it). CS_OK and *out; CS_EINPUT when the scenario has no
 * fit: section, the window has too few years, or the data lacks what the
 * start needs; other codes on failure. docs/fitting.md.
 */
int cs_fit_run(const cs_scenario *scenario, const cs_series *data, int area,
               const cs_fit_options *options, cs_fit_result **out,
               cs_error *err);
void cs_fit_result_free(cs_fit_result *result);

int cs_fit_first_year(const cs_fit_result *r);
int cs_fit_last_year(const cs_fit_result *r);
int cs_fit_n_parameters(const cs_fit_result *r);
const cs_fit_parameter *cs_fit_get_parameter(const cs_fit_result *r, int i);
/* On the fitted scale (log multiplier, trend per year, amount). */
double cs_fit_estimate(const cs_fit_result *r, int i);
double cs_fit_se(const cs_fit_result *r, int i);
double cs_fit_correlation(const cs_fit_result *r, int i, int j);
int cs_fit_at_bound(const cs_fit_result *r, int i);
double cs_fit_loglik(const cs_fit_result *r);
int cs_fit_iterations(const cs_fit_result *r);
int cs_fit_converged(const cs_fit_result *r);
/* The published series fitted (one per measure), and each one's negative
 * binomial size k (Var = mu + mu^2 / k: a coefficient of variation near
 * 1 / sqrt(k) for large counts). */
int cs_fit_n_series(const cs_fit_result *r);
int cs_fit_series_measure(const cs_fit_result *r, int series);
double cs_fit_series_dispersion(const cs_fit_result *r, int series);
double cs_fit_pearson_per_df(const cs_fit_result *r);
double cs_fit_seconds(const cs_fit_result *r);
/* Notes on the start (figures missing, ...), or "". */
const char *cs_fit_note(const cs_fit_result *r);

typedef struct cs_fit_point {
    int measure, year, group;
    double observed, fitted;
    double residual; /* Pearson: (observed - fitted) / sd */
} cs_fit_point;
int cs_fit_n_points(const cs_fit_result *r);
void cs_fit_get_point(const cs_fit_result *r, int i, cs_fit_point *point);

/* The year effects of fit.year_effects: random-walk sd on the log scale
 * and the number of year-to-year changes it rests on. */
int cs_fit_n_effects(const cs_fit_result *r);
const char *cs_fit_effect_id(const cs_fit_result *r, int e);
double cs_fit_effect_sd(const cs_fit_result *r, int e);
int cs_fit_effect_changes(const cs_fit_result *r, int e);
/* Where the fitted scenario's random walk starts: its level in the
 * window's last year (the mean log residual of its measures then) times
 * cs_fit_persistence. */
double cs_fit_effect_start(const cs_fit_result *r, int e);
/* How much of one year's log residual the next year keeps within the
 * window: sum r(t) r(t-1) / sum r(t-1)^2 over consecutive years of every
 * series but the population, kept to [0, 1]; *n_pairs the pairs. */
double cs_fit_persistence(const cs_fit_result *r, int *n_pairs);

/*
 * The fitted scenario started in April `year` for horizon_months: the
 * estimates in place (trends continue by their `after` rule past the
 * window), the year effects given to their transitions, the estimates'
 * covariance for each run to draw from, and the published stocks at 31
 * March `year` as its children when the data has them. Started at the
 * window's last year, every stage's children by age are first the fitted
 * model's at its end (the start the fitted years' one-year-ahead
 * predictions had), then scaled to the published counts; at another year
 * the window's first children are scaled so. Free with cs_scenario_free.
 */
int cs_fit_scenario(const cs_fit_result *r, int year, int horizon_months,
                    cs_scenario **out, cs_error *err);

/*
 * Write the fitted scenario as YAML to path (through a temporary renamed
 * into place): `extends: EXTENDS` (the input as the output's directory
 * sees it), `name: NAME`, the fitted numbers at the input's base date, the
 * year effects, fit.covariance, fit.figures (the area's figures the fit
 * used and the fitted values, with `sources`, the data files' names, as
 * their source) and the fit report in comments.
 */
int cs_fit_write_yaml(const cs_fit_result *r, const char *path,
                      const char *extends, const char *name,
                      const char *sources, cs_error *err);

/* 1 if the fit scaled the scenario to the area (its population differed
 * by more than a fifth: England's structure for a council): the fitted
 * scenario written would then start at the input's size. */
int cs_fit_scaled(const cs_fit_result *r);

/* ---- an area's scenario (cascade init) --------------------------------- */

/*
 * The structure (a scenario with an April base date) for an area: its
 * stages, rates and costs, with the area's children at 31 March of the
 * base year (the published children in need, on plans and looked after,
 * looked-after children by age band where published, the population) and
 * what grows with the population (births, migration, arrivals, funding,
 * fixed places, the stages no statistic counts) scaled by the area's
 * population over the structure's, *ratio. Needs the area's population and
 * looked-after children for the year. Free with cs_scenario_free.
 */
int cs_area_scenario(const cs_scenario *structure, const cs_series *data,
                     int area, cs_scenario **out, double *ratio, cs_error *err);

/*
 * Write cs_area_scenario's result as YAML to path (through a temporary):
 * `extends: EXTENDS` (the structure as the output's directory sees it),
 * `name: NAME`, the area's population and children, and the scaled
 * numbers, each with a comment saying whether it is published, derived or
 * scaled; `sources` names the data files in the header.
 */
int cs_area_write_yaml(const cs_scenario *area_scenario,
                       const cs_scenario *structure, const cs_series *data,
                       int area, const char *sources, const char *path,
                       const char *extends, const char *name, cs_error *err);

/* ---- councils: borrowing strength ------------------------------------ */

/*
 * The prior each council's parameters are shrunk with (empirical Bayes,
 * docs/fitting.md): for each fit parameter the councils' random-effects
 * centre (mean, fitted scale) and between-council sd, from what each
 * council's figures alone say (DerSimonian-Laird; n_areas[x] councils
 * informed it). kept[x]: too few councils informed it, or it is an amount
 * a year (children, which councils of different sizes do not share): the
 * scenario's own prior stays.
 */
typedef struct cs_fit_panel {
    int n_parameters;
    double mean[CS_MAX_FIT_PARAMETERS], sd[CS_MAX_FIT_PARAMETERS];
    int n_areas[CS_MAX_FIT_PARAMETERS], kept[CS_MAX_FIT_PARAMETERS];
    int n_fitted, n_failed;
} cs_fit_panel;

/* Fit s to each area (threads at once, one thread each; options o) and
 * estimate the panel's prior into out. Areas whose fit fails are counted
 * in n_failed and left out. progress (if not NULL) after each area: done
 * of total, named name. */
typedef void (*cs_fit_progress)(void *ctx, const char *name, long done,
                                long total, double seconds);
int cs_fit_panel_estimate(const cs_scenario *s, const cs_series *data,
                          const int *areas, int n_areas,
                          const cs_fit_options *o, int threads,
                          cs_fit_progress progress, void *progress_ctx,
                          const char *name, cs_fit_panel *out, cs_error *err);

/* The same from estimates u[area][parameter] and their se (NaN: left
 * out) of fits under spec's priors. CS_OK or CS_ENOMEM. */
int cs_fit_panel_from(const cs_fit_spec *spec, int n_areas,
                      double (*u)[CS_MAX_FIT_PARAMETERS],
                      double (*se)[CS_MAX_FIT_PARAMETERS], cs_fit_panel *out);

/* Put the panel's prior (centre and sd) in place of s's fit priors. */
void cs_fit_panel_apply(cs_scenario *s, const cs_fit_panel *panel);

/* ---- backtesting ------------------------------------------------------- */

typedef struct cs_backtest_options {
    int first_origin, last_origin; /* DfE years: fit up to each, forecast */
    int horizon;                   /* years after the origin (default 3) */
    long runs;                     /* stochastic runs a forecast (200) */
    uint64_t seed;
    int threads;       /* areas in parallel (default 1) */
    int batch_threads; /* threads of each forecast's runs (default 1) */
    int window_first;  /* the fits' first year; 0: the scenario's, else the
                          data's */
    /* after each area: done of total areas */
    void (*progress)(void *ctx, const char *name, long done, long total,
                     double seconds);
    void *progress_ctx;
    volatile sig_atomic_t *stop; /* non-zero: no more areas start */
    /* non-zero: at each origin, every area's fit uses the panel's prior
     * (cs_fit_panel_estimate over the areas given, from what was known at
     * the origin) in place of the scenario's */
    int shrink;
} cs_backtest_options;

void cs_backtest_options_init(cs_backtest_options *options);

/* One forecast of one published figure, with what was published. */
typedef struct cs_backtest_row {
    int area, origin, horizon, measure;
    double actual;
    /* the model's predictive distribution over its runs: median, central
     * 50% and 90% intervals, fair CRPS of the runs (Ferro 2014; in the
     * measure's units) */
    double median, lo50, hi50, lo90, hi90, crps;
    /* the benchmarks' normal predictive distributions (score.h); NaN when
     * the history up to the origin is too short */
    double persistence_mean, persistence_sd, trend_mean, trend_sd;
} cs_backtest_row;

typedef struct cs_backtest cs_backtest;

/*
 * For every area and origin T in [first_origin, last_origin]: fit scenario
 * to the area's years up to T only, start the fitted scenario from the
 * published stocks at 31 March T, run it `runs` times with all its
 * uncertainty, and set each of `measures` for T+1 .. T+horizon beside what
 * was published and beside the benchmarks. An area whose fit fails is
 * listed among the failures (the others go on). CS_OK, or an error that
 * stops everything (memory, bad options).
 */
int cs_backtest_run(const cs_scenario *scenario, const cs_series *data,
                    const int *areas, int n_areas, const int *measures,
                    int n_measures, const cs_backtest_options *options,
                    cs_backtest **out, cs_error *err);
void cs_backtest_free(cs_backtest *backtest);
int cs_backtest_n_rows(const cs_backtest *b);
const cs_backtest_row *cs_backtest_get_row(const cs_backtest *b, int i);
int cs_backtest_n_failures(const cs_backtest *b);

/* The panel prior the fits at origin used (options.shrink), or NULL. */
const cs_fit_panel *cs_backtest_panel(const cs_backtest *b, int origin);
const char *cs_backtest_failure(const cs_backtest *b, int i, int *area);

/*
 * Scores of the rows of one measure (horizon 0: every horizon; area -1:
 * every area) where all three methods forecast: for the model (method[0]),
 * persistence (1) and the trend (2), the median absolute percentage error
 * of the point forecast (the median; the benchmarks' means), the mean
 * signed error relative to the actual, the share of actuals inside the
 * central 50% and 90% intervals, and the mean CRPS and 90% interval score,
 * each divided by the actual (relative, so areas of any size weigh the
 * same).
 */
typedef struct cs_backtest_method {
    double median_ape, bias, covered50, covered90, crps, interval_score;
} cs_backtest_method;

typedef struct cs_backtest_summary {
    int n;
    cs_backtest_method method[3];
} cs_backtest_summary;

int cs_backtest_summarise(const cs_backtest *b, int measure, int horizon,
                          int area, cs_backtest_summary *summary);

#endif
