/*
 * backtest.c - how well the method would have forecast the years an area
 * already knows (fit.h, cs_backtest; docs/validation.md).
 *
 * For each area and origin year T: fit the scenario to the years up to T
 * only (cs_fit_run with the window ending at T), start the fitted scenario
 * from the published stocks at 31 March T, run it `runs` times with every
 * source of uncertainty (the fit's parameter covariance, the year effects,
 * which children move), and read each run's published measures for T+1 ..
 * T+horizon. Each forecast is scored against what was published for that
 * year, beside two naive benchmarks made from the same history (years up
 * to T): persistence (the value at T held) and a linear trend through the
 * last three years, each with a normal predictive distribution
 * (score.h). Nothing published after T enters the forecast for T: the
 * fit, and the start it gives, read a copy of the data holding only what
 * was known at 31 March T (cs_fit_run makes it: cs_series_known_at).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_sort.h>

#include "cascade/batch.h"
#include "cascade/fit.h"
#include "cascade/score.h"
#include "fit/fit_internal.h"

struct cs_backtest {
    int n_rows, cap_rows;
    cs_backtest_row *rows;
    int n_failures;
    char (*failures)[1200];
    int *failure_area;
    pthread_mutex_t lock;
    int first_origin, n_panels; /* options.shrink: one panel an origin */
    cs_fit_panel *panels;
};

const cs_fit_panel *cs_backtest_panel(const cs_backtest *b, int origin)
{
    int i = origin - b->first_origin;
    return b->panels && i >= 0 && i < b->n_panels ? &b->panels[i] : NULL;
}

void cs_backtest_options_init(cs_backtest_options *o)
{
    memset(o, 0, sizeof *o);
    o->horizon = 3;
    o->runs = 200;
    o->threads = 1;
    o->seed = 1;
}

void cs_backtest_free(cs_backtest *b)
{
    if (!b)
        return;
    free(b->rows);
    free(b->failures);
    free(b->failure_area);
    pthread_mutex_destroy(&b->lock);
    free(b->panels);
    free(b);
}

int cs_backtest_n_rows(const cs_backtest *b)
{
    return b->n_rows;
}

const cs_backtest_row *cs_backtest_get_row(const cs_backtest *b, int i)
{
    return &b->rows[i];
}

int cs_backtest_n_failures(const cs_backtest *b)
{
    return b->n_failures;
}

const char *cs_backtest_failure(const cs_backtest *b, int i, int *area)
{
    if (area)
        *area = b->failure_area[i];
    return b->failures[i];
}

/* ---- one forecast -------------------------------------------------------- */

/* Each run's measures for the forecast years: [run][measure][k]. */
typedef struct collect {
    const cs_observer *observer;
    const int *measures;
    int n_measures, horizon, origin;
    double *values;
    long n;
} collect;

static int collect_run(void *ctx, const cs_run_record *r, cs_error *err)
{
    (void)err;
    collect *c = ctx;
    double *row = c->values + (size_t)c->n * c->n_measures * c->horizon;
    for (int m = 0; m < c->n_measures; m++)
        for (int k = 0; k < c->horizon; k++)
            row[m * c->horizon + k] =
                cs_observe(c->observer, c->measures[m], c->origin + 1 + k,
                           r->stocks, r->flows);
    c->n++;
    return CS_OK;
}

static int add_row(cs_backtest *b, const cs_backtest_row *row, cs_error *err)
{
    pthread_mutex_lock(&b->lock);
    int rc = CS_OK;
    if (b->n_rows == b->cap_rows) {
        int cap = b->cap_rows ? 2 * b->cap_rows : 256;
        cs_backtest_row *grown = realloc(b->rows, (size_t)cap * sizeof *grown);
        if (grown) {
            b->rows = grown;
            b->cap_rows = cap;
        } else {
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
        }
    }
    if (rc == CS_OK)
        b->rows[b->n_rows++] = *row;
    pthread_mutex_unlock(&b->lock);
    return rc;
}

static void add_failure(cs_backtest *b, int area, const char *message)
{
    pthread_mutex_lock(&b->lock);
    char(*f)[1200] =
        realloc(b->failures, (size_t)(b->n_failures + 1) * sizeof *b->failures);
    int *a = realloc(b->failure_area,
                     (size_t)(b->n_failures + 1) * sizeof *b->failure_area);
    if (f)
        b->failures = f;
    if (a)
        b->failure_area = a;
    if (f && a) {
        snprintf(b->failures[b->n_failures], sizeof b->failures[0], "%s",
                 message);
        b->failure_area[b->n_failures] = area;
        b->n_failures++;
    }
    pthread_mutex_unlock(&b->lock);
}

/* The area's yearly history of measure up to `origin` (NaN where
 * unpublished), first..origin into h; returns its length. */
static int history(const cs_series *data, int area, int measure, int first,
                   int origin, double *h)
{
    int n = 0;
    for (int y = first; y <= origin; y++) {
        double v;
        h[n++] = cs_series_get(data, area, measure, y, &v) ? v : NAN;
    }
    return n;
}

/* Fit up to origin, forecast, score: the rows of one area and origin. */
static int forecast_origin(const cs_scenario *s, const cs_series *data,
                           int area, int origin, const int *measures,
                           int n_measures, const cs_backtest_options *o,
                           cs_backtest *b, cs_error *err)
{
    cs_fit_options fo;
    cs_fit_options_init(&fo);
    fo.first = o->window_first;
    fo.last = origin;
    cs_fit_result *fit = NULL;
    /* the fit, and the forecast's start from it, read only what was known
     * at 31 March origin (cs_fit_run's own copy, cs_series_known_at) */
    int rc = cs_fit_run(s, data, area, &fo, &fit, err);
    cs_scenario *f = NULL;
    if (rc == CS_OK)
        rc = cs_fit_scenario(fit, origin, 12 * o->horizon, &f, err);
    int first = fit ? cs_fit_first_year(fit) : 0;
    cs_fit_result_free(fit);
    cs_batch *batch = NULL;
    if (rc == CS_OK)
        rc = cs_batch_create(&batch, err);
    if (rc == CS_OK)
        rc = cs_batch_add_scenario(batch, f, "backtest", err);
    cs_scenario_free(f);
    cs_observer *observer = NULL;
    fit_problem probe = {.spec = s->fit};
    if (rc == CS_OK)
        rc = fit_observer(&probe, cs_batch_model(batch, 0), &observer, err);
    collect c = {observer, measures, n_measures, o->horizon, origin, NULL, 0};
    long *runs = malloc((size_t)o->runs * sizeof *runs);
    c.values = malloc((size_t)o->runs * (size_t)n_measures *
                      (size_t)o->horizon * sizeof *c.values);
    double *draws = malloc((size_t)o->runs * sizeof *draws);
    if (rc == CS_OK && (!runs || !c.values || !draws))
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    for (long i = 0; rc == CS_OK && i < o->runs; i++)
        runs[i] = i;
    cs_batch_settings bs;
    cs_batch_settings_init(&bs);
    bs.seed = o->seed;
    bs.threads = o->batch_threads > 0 ? o->batch_threads : 1;
    bs.stop = o->stop;
    if (rc == CS_OK)
        rc = cs_batch_compute(batch, &bs, 0, runs, o->runs, collect_run, &c,
                              NULL, err);
    for (int m = 0; rc == CS_OK && m < n_measures; m++) {
        double h[CS_MAX_YEARS + 1];
        int nh = history(data, area, measures[m], first, origin, h);
        for (int k = 0; k < o->horizon && rc == CS_OK; k++) {
            double actual;
            if (!cs_series_get(data, area, measures[m], origin + 1 + k,
                               &actual))
                continue;
            long n = 0;
            for (long r = 0; r < c.n; r++) {
                double v = c.values[(size_t)r * n_measures * o->horizon +
                                    (size_t)m * o->horizon + (size_t)k];
                if (isfinite(v))
                    draws[n++] = v;
            }
            if (n < 2)
                continue;
            gsl_sort(draws, 1, (size_t)n);
            cs_backtest_row row = {
                .area = area,
                .origin = origin,
                .horizon = k + 1,
                .measure = measures[m],
                .actual = actual,
                .median = cs_score_quantile_sorted(draws, (int)n, 0.5),
                .lo50 = cs_score_quantile_sorted(draws, (int)n, 0.25),
                .hi50 = cs_score_quantile_sorted(draws, (int)n, 0.75),
                .lo90 = cs_score_quantile_sorted(draws, (int)n, 0.05),
                .hi90 = cs_score_quantile_sorted(draws, (int)n, 0.95),
                .crps = cs_score_crps_sorted(draws, (int)n, actual, 1),
                .persistence_mean = NAN,
                .persistence_sd = NAN,
                .trend_mean = NAN,
                .trend_sd = NAN,
            };
            double mean, sd;
            if (cs_benchmark_persistence(h, nh, k + 1, &mean, &sd) == CS_OK) {
                row.persistence_mean = mean;
                row.persistence_sd = sd;
            }
            if (cs_benchmark_trend(h, nh, 3, k + 1, &mean, &sd) == CS_OK) {
                row.trend_mean = mean;
                row.trend_sd = sd;
            }
            rc = add_row(b, &row, err);
        }
    }
    cs_observer_free(observer);
    cs_batch_free(batch);
    free(runs);
    free(c.values);
    free(draws);
    return rc;
}

/* ---- many areas on threads ---------------------------------------------- */

typedef struct backtest_job {
    const cs_scenario *s;
    cs_scenario **by_origin; /* options.shrink: the scenario with each
                                origin's panel prior */
    const cs_series *data;
    const int *areas;
    int n_areas;
    const int *measures;
    int n_measures;
    const cs_backtest_options *o;
    cs_backtest *b;
    pthread_mutex_t lock;
    int next, done;
    int fatal;
    cs_error err;
    struct timespec start;
} backtest_job;

static void *backtest_worker(void *arg)
{
    backtest_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int stop = j->fatal || (j->o->stop && *j->o->stop);
        int i = stop ? j->n_areas : j->next++;
        pthread_mutex_unlock(&j->lock);
        if (i >= j->n_areas)
            break;
        int area = j->areas[i];
        for (int origin = j->o->first_origin; origin <= j->o->last_origin;
             origin++) {
            cs_error err;
            const cs_scenario *s =
                j->by_origin ? j->by_origin[origin - j->o->first_origin] : j->s;
            int rc = forecast_origin(s, j->data, area, origin, j->measures,
                                     j->n_measures, j->o, j->b, &err);
            if (rc == CS_ENOMEM || rc == CS_EIO) {
                pthread_mutex_lock(&j->lock);
                if (!j->fatal) {
                    j->fatal = rc;
                    j->err = err;
                }
                pthread_mutex_unlock(&j->lock);
                break;
            }
            if (rc != CS_OK) {
                char message[1100];
                snprintf(message, sizeof message, "origin %d: %s", origin,
                         err.message);
                add_failure(j->b, area, message);
            }
        }
        pthread_mutex_lock(&j->lock);
        int done = ++j->done;
        pthread_mutex_unlock(&j->lock);
        if (j->o->progress)
            j->o->progress(j->o->progress_ctx, "backtest", done, j->n_areas,
                           fit_seconds_since(&j->start));
    }
    return NULL;
}

int cs_backtest_run(const cs_scenario *scenario, const cs_series *data,
                    const int *areas, int n_areas, const int *measures,
                    int n_measures, const cs_backtest_options *o,
                    cs_backtest **out, cs_error *err)
{
    *out = NULL;
    if (o->horizon < 1 || o->horizon > 10)
        return cs_error_set(err, CS_EINPUT,
                            "horizon %d: expected 1 to 10 years", o->horizon);
    if (o->first_origin < 1990 || o->first_origin > o->last_origin)
        return cs_error_set(err, CS_EINPUT,
                            "origins %d:%d: expected FIRST:LAST, DfE years "
                            "with FIRST <= LAST",
                            o->first_origin, o->last_origin);
    if (o->runs < 10 || o->runs > 100000)
        return cs_error_set(err, CS_EINPUT,
                            "%ld runs a forecast: expected 10 to 100000",
                            o->runs);
    if (!scenario->fit)
        return cs_error_set(err, CS_EINPUT,
                            "the scenario has no fit: section to refit at "
                            "each origin (docs/fitting.md)");
    cs_backtest *b = calloc(1, sizeof *b);
    if (!b)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    pthread_mutex_init(&b->lock, NULL);
    backtest_job j = {.s = scenario,
                      .data = data,
                      .areas = areas,
                      .n_areas = n_areas,
                      .measures = measures,
                      .n_measures = n_measures,
                      .o = o,
                      .b = b};
    int threads = o->threads < 1 ? 1 : o->threads > 64 ? 64 : o->threads;
    int rc = CS_OK, n_origins = o->last_origin - o->first_origin + 1;
    if (o->shrink) {
        /* each origin's prior from every area's fit up to it */
        b->first_origin = o->first_origin;
        b->panels = calloc((size_t)n_origins, sizeof *b->panels);
        j.by_origin = calloc((size_t)n_origins, sizeof *j.by_origin);
        if (!b->panels || !j.by_origin)
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
        for (int k = 0; rc == CS_OK && k < n_origins; k++) {
            cs_fit_options fo;
            cs_fit_options_init(&fo);
            fo.first = o->window_first;
            fo.last = o->first_origin + k;
            char name[64];
            snprintf(name, sizeof name, "prior at %d", fo.last);
            rc = cs_fit_panel_estimate(scenario, data, areas, n_areas, &fo,
                                       threads, o->progress, o->progress_ctx,
                                       name, &b->panels[k], err);
            if (rc == CS_OK)
                rc = cs_scenario_copy(scenario, &j.by_origin[k], err);
            if (rc == CS_OK) {
                cs_fit_panel_apply(j.by_origin[k], &b->panels[k]);
                b->n_panels = k + 1;
            }
        }
    }
    if (rc != CS_OK) {
        for (int k = 0; j.by_origin && k < n_origins; k++)
            cs_scenario_free(j.by_origin[k]);
        free(j.by_origin);
        cs_backtest_free(b);
        return rc;
    }
    pthread_mutex_init(&j.lock, NULL);
    clock_gettime(CLOCK_MONOTONIC, &j.start);
    if (threads > n_areas)
        threads = n_areas;
    pthread_t ids[64];
    int started = 0;
    for (int t = 1; t < threads; t++)
        if (pthread_create(&ids[t], NULL, backtest_worker, &j) == 0)
            started++;
    backtest_worker(&j);
    for (int t = 1; t <= started; t++)
        pthread_join(ids[t], NULL);
    pthread_mutex_destroy(&j.lock);
    for (int k = 0; j.by_origin && k < n_origins; k++)
        cs_scenario_free(j.by_origin[k]);
    free(j.by_origin);
    if (j.fatal) {
        *err = j.err;
        cs_backtest_free(b);
        return j.fatal;
    }
    *out = b;
    return CS_OK;
}

/* ---- summaries ----------------------------------------------------------- */

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
    if (n == 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* A normal benchmark's central interval, z for 50% and 90%. */
#define Z50 0.6744897501960817
#define Z90 1.6448536269514722

int cs_backtest_summarise(const cs_backtest *b, int measure, int horizon,
                          int area, cs_backtest_summary *s)
{
    memset(s, 0, sizeof *s);
    double *ape[3];
    int n = 0;
    for (int k = 0; k < 3; k++)
        ape[k] =
            malloc((size_t)(b->n_rows > 0 ? b->n_rows : 1) * sizeof *ape[k]);
    if (!ape[0] || !ape[1] || !ape[2]) {
        for (int k = 0; k < 3; k++)
            free(ape[k]);
        return CS_ENOMEM;
    }
    int counted[3] = {0};
    for (int i = 0; i < b->n_rows; i++) {
        const cs_backtest_row *r = &b->rows[i];
        if (r->measure != measure || (horizon > 0 && r->horizon != horizon) ||
            (area >= 0 && r->area != area))
            continue;
        if (!isfinite(r->persistence_mean) || !isfinite(r->trend_mean))
            continue; /* scored only where every method has a forecast */
        n++;
        double point[3] = {r->median, r->persistence_mean, r->trend_mean};
        for (int k = 0; k < 3; k++) {
            cs_backtest_method *m = &s->method[k];
            double a = cs_score_ape(point[k], r->actual);
            if (isfinite(a))
                ape[k][counted[k]++] = a;
            m->bias += (point[k] - r->actual) / r->actual;
        }
        s->method[0].covered50 += r->actual >= r->lo50 && r->actual <= r->hi50;
        s->method[0].covered90 += r->actual >= r->lo90 && r->actual <= r->hi90;
        s->method[0].crps += r->crps / r->actual;
        s->method[0].interval_score +=
            cs_score_interval(r->lo90, r->hi90, 0.1, r->actual) / r->actual;
        double mean[2] = {r->persistence_mean, r->trend_mean};
        double sd[2] = {r->persistence_sd, r->trend_sd};
        for (int k = 0; k < 2; k++) {
            cs_backtest_method *m = &s->method[k + 1];
            double lo50 = mean[k] - Z50 * sd[k], hi50 = mean[k] + Z50 * sd[k];
            double lo90 = mean[k] - Z90 * sd[k], hi90 = mean[k] + Z90 * sd[k];
            m->covered50 += r->actual >= lo50 && r->actual <= hi50;
            m->covered90 += r->actual >= lo90 && r->actual <= hi90;
            m->crps +=
                cs_score_crps_normal(mean[k], sd[k], r->actual) / r->actual;
            m->interval_score +=
                cs_score_interval(lo90, hi90, 0.1, r->actual) / r->actual;
        }
    }
    s->n = n;
    for (int k = 0; k < 3; k++) {
        cs_backtest_method *m = &s->method[k];
        m->median_ape = median_of(ape[k], counted[k]);
        if (n > 0) {
            m->bias /= n;
            m->covered50 /= n;
            m->covered90 /= n;
            m->crps /= n;
            m->interval_score /= n;
        }
        free(ape[k]);
    }
    return CS_OK;
}
