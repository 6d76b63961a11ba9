/*
 * problem.c - cs_fit_run and its result (fit.h): what a fit is fitted to
 * (the window, the published figures the model can say), the fitted
 * scenario for any base date, and the fitted scenario written as YAML
 * that extends the input (docs/fitting.md).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cascade/fit.h"
#include "fit/fit_internal.h"

struct cs_fit_result {
    cs_scenario *input;    /* a copy of the scenario fitted */
    cs_scenario *base;     /* started at the window's first year */
    const cs_series *data; /* known: what was known at the window's end */
    cs_series *known;
    int area;
    int first, last;
    fit_problem problem;
    fit_solution solution;
    int n_effects;
    double effect_sd[CS_MAX_FIT_EFFECTS];
    int effect_changes[CS_MAX_FIT_EFFECTS];
    double effect_start[CS_MAX_FIT_EFFECTS];
    double persistence;
    int persistence_pairs;
    char note[256];
    int scaled; /* the scenario scaled to the area (fit_set_stocks) */
    double seconds;
};

void cs_fit_options_init(cs_fit_options *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 1;
    o->max_iterations = 200;
}

void cs_fit_result_free(cs_fit_result *r)
{
    if (!r)
        return;
    cs_scenario_free(r->input);
    cs_scenario_free(r->base);
    cs_series_free(r->known);
    free(r->problem.obs);
    free(r->solution.mu);
    free(r);
}

static int group_of(cs_obs_kind kind)
{
    return kind == CS_OBS_STOCK  ? CS_FIT_STOCKS
           : kind == CS_OBS_FLOW ? CS_FIT_FLOWS
                                 : CS_FIT_POPULATION;
}

/* The years the area has any stock or flow the observer can say. */
static void data_span(const cs_series *data, int area, const cs_observer *o,
                      int *first, int *last)
{
    int lo, hi;
    cs_series_years(data, &lo, &hi);
    *first = INT_MAX;
    *last = INT_MIN;
    for (int m = 0; m < cs_series_n_measures(); m++) {
        const cs_measure_info *info = cs_series_measure(m);
        if (info->kind != CS_OBS_STOCK && info->kind != CS_OBS_FLOW)
            continue;
        if (!cs_observer_knows(o, m))
            continue;
        for (int y = lo; y <= hi; y++)
            if (cs_series_get(data, area, m, y, NULL)) {
                *first = y < *first ? y : *first;
                *last = y > *last ? y : *last;
            }
    }
}

/* The figures to fit: every stock, flow and population the model can say
 * and the data holds for years first+1..last. */
static int collect(fit_problem *f, const cs_series *data, int area,
                   const cs_observer *o, int first, int last, cs_error *err)
{
    int n_measures = cs_series_n_measures();
    size_t cap = (size_t)n_measures * (size_t)(last - first + 1);
    f->obs = calloc(cap > 0 ? cap : 1, sizeof *f->obs);
    if (!f->obs)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    f->n_obs = 0;
    f->n_series = 0;
    for (int m = 0; m < n_measures; m++) {
        const cs_measure_info *info = cs_series_measure(m);
        if (info->kind != CS_OBS_STOCK && info->kind != CS_OBS_FLOW &&
            info->kind != CS_OBS_POPULATION)
            continue;
        if (!cs_observer_knows(o, m))
            continue;
        int series = -1;
        for (int y = first + 1; y <= last; y++) {
            double v;
            if (!cs_series_get(data, area, m, y, &v))
                continue;
            if (series < 0) {
                if (f->n_series == FIT_MAX_SERIES)
                    return cs_error_set(err, CS_EINPUT,
                                        "more than %d published series to "
                                        "fit",
                                        FIT_MAX_SERIES);
                series = f->n_series++;
                f->series_measure[series] = m;
                f->series_group[series] = group_of(info->kind);
            }
            fit_obs *x = &f->obs[f->n_obs++];
            x->measure = m;
            x->year = y;
            x->group = group_of(info->kind);
            x->series = series;
            x->value = v;
        }
    }
    return CS_OK;
}

/* The published stocks each year of the window starts from (fit.c). */
static void published_starts(fit_problem *f, const cs_series *data, int area,
                             int first, int last)
{
    static const char *const bands[5] = {
        "cla_31_march_age_under_1", "cla_31_march_age_1_to_4",
        "cla_31_march_age_5_to_9", "cla_31_march_age_10_to_15",
        "cla_31_march_age_16_and_over"};
    f->first_year = first;
    f->n_years = last - first;
    for (int y = 0; y < f->n_years; y++) {
        int year = first + y; /* the year is started from 31 March `year` */
        double cin, cpp, cla;
        int has_cin = fit_get(data, area, "cin_31_march", year, &cin);
        int has_cpp = fit_get(data, area, "cpp_31_march", year, &cpp);
        int has_cla = fit_get(data, area, "cla_31_march", year, &cla);
        f->start_cp[y] = has_cpp ? cpp : -1;
        f->start_la[y] = has_cla ? cla : -1;
        f->start_cin[y] = has_cin && has_cpp && has_cla && cin >= cpp + cla
                              ? cin - cpp - cla
                              : -1;
        double band[5], sum = 0;
        int all = has_cla;
        for (int b = 0; b < 5 && all; b++) {
            all = fit_get(data, area, bands[b], year, &band[b]);
            sum += band[b];
        }
        for (int b = 0; b < 5; b++) /* the bands as published, to the total */
            f->start_la_band[y][b] = all && sum > 0 ? band[b] * cla / sum : -1;
        fit_published_placements(f->base, data, area, year, f->start_placed[y]);
    }
}

/* A trend parameter's transitions: their trend runs to the window's last
 * year (financial year index from the base's), then by the rule. */
static void set_trend_rules(cs_scenario *s, int until)
{
    const cs_fit_spec *spec = s->fit;
    for (int i = 0; i < spec->n_parameters; i++) {
        const cs_fit_parameter *p = &spec->parameters[i];
        if (p->kind != CS_FIT_TREND)
            continue;
        for (int k = 0; k < p->n_targets; k++) {
            int t = cs_scenario_find_transition(s, p->targets[k]);
            if (t < 0)
                continue;
            s->transitions[t].trend_until = until;
            s->transitions[t].trend_after = p->after;
            s->transitions[t].trend_damping = p->damping;
            s->transitions[t].trend_per_year = 0;
        }
    }
}

/* 1 if the stocks at 31 March `year` of the DfE categories the scenario
 * has stages of (in need, on plans, looked after) are published for area:
 * a structure of looked-after children only (fitted to an SSDA903 return)
 * needs no children in need. */
static int stocks_published(const cs_scenario *s, const cs_series *data,
                            int area, int year)
{
    int has[CS_DFE_LOOKED_AFTER + 1] = {0};
    for (int st = 0; st < s->n_stages; st++)
        has[s->stages[st].dfe] = 1;
    double v;
    return (!has[CS_DFE_CIN] ||
            fit_get(data, area, "cin_31_march", year, &v)) &&
           (!has[CS_DFE_CP] || fit_get(data, area, "cpp_31_march", year, &v)) &&
           (!has[CS_DFE_LOOKED_AFTER] ||
            fit_get(data, area, "cla_31_march", year, &v));
}

int cs_fit_run(const cs_scenario *scenario, const cs_series *data, int area,
               const cs_fit_options *options, cs_fit_result **out,
               cs_error *err)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    *out = NULL;
    cs_fit_options o;
    if (options)
        o = *options;
    else
        cs_fit_options_init(&o);
    if (!scenario->fit || scenario->fit->n_parameters == 0)
        return cs_error_set(err, CS_EINPUT,
                            "%s: the scenario has no fit: section with "
                            "parameters to estimate (docs/fitting.md)",
                            scenario->source_path ? scenario->source_path
                                                  : scenario->name);
    if (area < 0 || area >= cs_series_n_areas(data))
        return cs_error_set(err, CS_EINPUT, "no area %d in the data", area);
    cs_fit_result *r = calloc(1, sizeof *r);
    if (!r)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    r->data = data;
    r->area = area;
    int rc = cs_scenario_copy(scenario, &r->input, err);
    /* the window: asked for, the scenario's, or the data's */
    cs_model *probe = NULL;
    cs_observer *observer = NULL;
    if (rc == CS_OK)
        rc = cs_model_compile(scenario, &probe, err);
    fit_problem tmp = {.spec = scenario->fit};
    if (rc == CS_OK)
        rc = fit_observer(&tmp, probe, &observer, err);
    int first = o.first ? o.first : scenario->fit->window_first;
    int last = o.last ? o.last : scenario->fit->window_last;
    int span_first = 0, span_last = 0;
    if (rc == CS_OK) {
        data_span(data, area, observer, &span_first, &span_last);
        if (span_first > span_last)
            rc = cs_error_set(err, CS_EINPUT,
                              "%s has no figures the scenario can be fitted "
                              "to",
                              cs_series_area_name(data, area));
    }
    if (rc == CS_OK) {
        first = first ? first : span_first;
        last = last ? last : span_last;
        if (first < span_first)
            first = span_first;
        if (last > span_last)
            last = span_last;
        /* unless asked for, the window starts at the first year whose
         * stocks at 31 March (in need, on plans, looked after) are all
         * published: a council with no children in need for 2013 starts
         * from 2014 rather than from the scenario's guess */
        int moved_from = first;
        while (!o.first && first < last - 2 &&
               !stocks_published(scenario, data, area, first))
            first++;
        if (first != moved_from)
            snprintf(r->note, sizeof r->note,
                     "the window starts at 31 March %d, the first year "
                     "with children in need, on CP plans and looked after "
                     "all published",
                     first);
        if (last - first < 2)
            rc = cs_error_set(err, CS_EINPUT,
                              "fit window %d:%d for %s: expected at least "
                              "three years (the first gives the start, the "
                              "others the figures to fit); the data has "
                              "%d to %d",
                              first, last, cs_series_area_name(data, area),
                              span_first, span_last);
        if (rc == CS_OK && 12 * (last - first) > 12 * CS_MAX_YEARS)
            rc = cs_error_set(err, CS_EINPUT, "fit window %d:%d too long",
                              first, last);
    }
    r->first = first;
    r->last = last;
    /* from here on, only what was known at 31 March of the window's last
     * year (the start's population is not read from a later estimate) */
    if (rc == CS_OK)
        rc = cs_series_known_at(data, last, &r->known, err);
    if (rc == CS_OK) {
        data = r->known;
        r->data = data;
    }
    if (rc == CS_OK)
        rc = cs_scenario_rebase(scenario, first, 4, 12 * (last - first),
                                &r->base, err);
    if (rc == CS_OK) {
        set_trend_rules(r->base, last - 1 - first);
        char note[256];
        if (fit_set_stocks(r->base, data, area, first, 0, &r->scaled, note,
                           sizeof note) != 0)
            rc = cs_error_set(err, CS_EINPUT,
                              "%s at 31 March %d: the published children in "
                              "need, on CP plans and looked after are more "
                              "than the population the scenario gives",
                              cs_series_area_name(data, area), first);
        else if (note[0]) {
            size_t used = strlen(r->note);
            snprintf(r->note + used, sizeof r->note - used, "%s%s",
                     used ? "; " : "", note);
        }
    }
    r->problem.base = r->base;
    r->problem.spec = r->base ? r->base->fit : NULL;
    r->problem.p = scenario->fit->n_parameters;
    r->problem.assimilate = !o.free_running;
    if (rc == CS_OK)
        published_starts(&r->problem, data, area, first, last);
    if (rc == CS_OK)
        rc = collect(&r->problem, data, area, observer, first, last, err);
    if (rc == CS_OK && r->problem.n_obs <= r->problem.p)
        rc = cs_error_set(err, CS_EINPUT,
                          "%s %d:%d: %d figures to fit %d parameters: "
                          "expected more figures than parameters",
                          cs_series_area_name(data, area), first, last,
                          r->problem.n_obs, r->problem.p);
    cs_observer_free(observer);
    cs_model_free(probe);
    if (rc == CS_OK) {
        r->solution.mu = calloc((size_t)r->problem.n_obs, sizeof(double));
        rc = r->solution.mu ? fit_optimise(&r->problem, o.threads,
                                           o.max_iterations, &r->solution, err)
                            : cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    if (rc == CS_OK) {
        r->n_effects = scenario->fit->n_effects;
        fit_year_effects(&r->problem, r->solution.mu, r->effect_sd,
                         r->effect_changes, r->effect_start, &r->persistence,
                         &r->persistence_pairs);
    }
    if (rc != CS_OK) {
        cs_fit_result_free(r);
        return rc;
    }
    r->seconds = fit_seconds_since(&start);
    *out = r;
    return CS_OK;
}

/* ---- the result ---------------------------------------------------------- */

int cs_fit_first_year(const cs_fit_result *r)
{
    return r->first;
}

int cs_fit_last_year(const cs_fit_result *r)
{
    return r->last;
}

int cs_fit_n_parameters(const cs_fit_result *r)
{
    return r->problem.p;
}

const cs_fit_parameter *cs_fit_get_parameter(const cs_fit_result *r, int i)
{
    return &r->problem.spec->parameters[i];
}

double cs_fit_estimate(const cs_fit_result *r, int i)
{
    return r->solution.u[i];
}

double cs_fit_se(const cs_fit_result *r, int i)
{
    double v = r->solution.covariance[i][i];
    return r->solution.singular ? NAN : sqrt(v > 0 ? v : 0);
}

double cs_fit_correlation(const cs_fit_result *r, int i, int j)
{
    double vi = r->solution.covariance[i][i];
    double vj = r->solution.covariance[j][j];
    if (r->solution.singular || !(vi > 0) || !(vj > 0))
        return NAN;
    return r->solution.covariance[i][j] / sqrt(vi * vj);
}

int cs_fit_at_bound(const cs_fit_result *r, int i)
{
    return r->solution.at_bound[i];
}

double cs_fit_loglik(const cs_fit_result *r)
{
    return r->solution.loglik;
}

int cs_fit_iterations(const cs_fit_result *r)
{
    return r->solution.iterations;
}

int cs_fit_converged(const cs_fit_result *r)
{
    return r->solution.converged;
}

int cs_fit_n_series(const cs_fit_result *r)
{
    return r->problem.n_series;
}

int cs_fit_series_measure(const cs_fit_result *r, int series)
{
    return r->problem.series_measure[series];
}

double cs_fit_series_dispersion(const cs_fit_result *r, int series)
{
    return r->solution.dispersion[series];
}

double cs_fit_pearson_per_df(const cs_fit_result *r)
{
    return r->solution.pearson_per_df;
}

double cs_fit_seconds(const cs_fit_result *r)
{
    return r->seconds;
}

const char *cs_fit_note(const cs_fit_result *r)
{
    return r->note;
}

int cs_fit_scaled(const cs_fit_result *r)
{
    return r->scaled;
}

int cs_fit_n_points(const cs_fit_result *r)
{
    return r->problem.n_obs;
}

void cs_fit_get_point(const cs_fit_result *r, int i, cs_fit_point *pt)
{
    const fit_obs *x = &r->problem.obs[i];
    double mu = r->solution.mu[i], k = r->solution.dispersion[x->series];
    double var = mu + mu * mu / k;
    pt->measure = x->measure;
    pt->year = x->year;
    pt->group = x->group;
    pt->observed = x->value;
    pt->fitted = mu;
    pt->residual = (x->value - mu) / sqrt(var);
}

int cs_fit_n_effects(const cs_fit_result *r)
{
    return r->n_effects;
}

const char *cs_fit_effect_id(const cs_fit_result *r, int e)
{
    return r->problem.spec->effects[e].id;
}

double cs_fit_effect_sd(const cs_fit_result *r, int e)
{
    return r->effect_sd[e];
}

double cs_fit_effect_start(const cs_fit_result *r, int e)
{
    return r->effect_start[e];
}

double cs_fit_persistence(const cs_fit_result *r, int *n_pairs)
{
    if (n_pairs)
        *n_pairs = r->persistence_pairs;
    return r->persistence;
}

int cs_fit_effect_changes(const cs_fit_result *r, int e)
{
    return r->effect_changes[e];
}

/* ---- the fitted scenario ----------------------------------------------- */

/* The stages a population.stages entry holds: the stage's group (its
 * placements share one entry) or the stage alone. */
static void entry_of(const cs_scenario *s, int st, int *first, int *n)
{
    const cs_stage *x = &s->stages[st];
    *first = st;
    *n = 1;
    if (x->group >= 0) {
        *first = s->groups[x->group].first_stage;
        *n = s->groups[x->group].n_stages;
    }
}

/*
 * Months in stage and marks of the entry of stage st at the window's end
 * (the group's together), into dur (*nd of them; 0 when the stage's time
 * in it does not matter or its placements keep different months) and
 * mark. 0 if the entry is one the scenario's population gives (it had
 * children at the start, or is the remainder) and has children at the end.
 */
static int entry_profile(const cs_scenario *s, const fit_end_state *end, int st,
                         double *dur, int *nd, double *mark)
{
    int first, n;
    entry_of(s, st, &first, &n);
    double start = 0, total = 0;
    for (int k = first; k < first + n; k++) {
        total += end->total[k];
        for (int a = 0; a < CS_AGES; a++)
            start += s->initial[k][a];
    }
    if (!(total > 0) || !(start > 0 || st == s->remainder_stage))
        return -1;
    *nd = end->n_durations[first];
    for (int k = first; k < first + n; k++)
        if (end->n_durations[k] != *nd)
            *nd = 0;
    if (*nd < 2 || st == s->remainder_stage)
        *nd = 0;
    for (int d = 0; d < *nd; d++) {
        dur[d] = 0;
        for (int k = first; k < first + n; k++)
            dur[d] += end->duration_share[k][d] * end->total[k] / total;
    }
    for (int j = 0; j < s->n_marks; j++) {
        mark[j] = 0;
        for (int k = first; k < first + n; k++)
            mark[j] += end->mark_share[k][j] * end->total[k] / total;
    }
    return 0;
}

/* The fitted model's children at the window's end into s's initial state
 * (the input's, moved to the window's end): by stage and age, and each
 * population entry's months in stage and marks as entry_profile gives
 * them, as the fitted YAML writes them (write_start). */
static void spin_up(cs_scenario *s, const fit_end_state *end)
{
    double dur[CS_MAX_STAGES][CS_MAX_DURATION_MONTHS + 1];
    double mark[CS_MAX_STAGES][CS_MAX_MARKS];
    int nd[CS_MAX_STAGES], given[CS_MAX_STAGES];
    for (int st = 0; st < s->n_stages; st++)
        given[st] = !entry_profile(s, end, st, dur[st], &nd[st], mark[st]);
    for (int st = 0; st < s->n_stages; st++) {
        memcpy(s->initial[st], end->stocks + st * CS_AGES,
               sizeof s->initial[st]);
        if (!given[st])
            continue;
        for (int j = 0; j < s->n_marks; j++)
            s->initial_mark_share[st][j] = mark[st][j];
        s->n_initial_durations[st] = nd[st];
        memcpy(s->initial_duration_share[st], dur[st],
               (size_t)nd[st] * sizeof dur[st][0]);
    }
}

/* The estimates in the window's scenario, with year effects and the
 * covariance, moved to base year-month (children: the data's at 31 March
 * before it if set_stocks and it has them). */
static int fitted(const cs_fit_result *r, int year, int month, int horizon,
                  int set_stocks, cs_scenario **out, cs_error *err)
{
    *out = NULL;
    cs_scenario *s = NULL;
    int rc = cs_scenario_copy(r->base, &s, err);
    char why[256];
    if (rc == CS_OK &&
        cs_fit_apply(s, s->fit, r->solution.u, 0, why, sizeof why) != 0)
        rc = cs_error_set(err, CS_EFAIL, "%s", why);
    const cs_fit_spec *spec = r->problem.spec;
    for (int e = 0; rc == CS_OK && e < r->n_effects; e++) {
        if (!(r->effect_sd[e] > 0) || !isfinite(r->effect_sd[e]))
            continue;
        const cs_fit_effect *fe = &spec->effects[e];
        int index = -1;
        for (int i = 0; i < s->n_year_effects; i++)
            if (!strcmp(s->year_effects[i].id, fe->id))
                index = i;
        if (index < 0) {
            if (s->n_year_effects == CS_MAX_YEAR_EFFECTS) {
                rc = cs_error_set(err, CS_EINPUT,
                                  "fit.year_effects: more than %d year "
                                  "effects in all",
                                  CS_MAX_YEAR_EFFECTS);
                break;
            }
            index = s->n_year_effects++;
            memset(&s->year_effects[index], 0, sizeof s->year_effects[0]);
            snprintf(s->year_effects[index].id, CS_ID_MAX, "%s", fe->id);
        }
        cs_year_effect *y = &s->year_effects[index];
        y->sd = r->effect_sd[e];
        y->ar = 1;
        /* the window's last year's level, held by the random walk; in the
         * window's own scenario that is the year `last - first - 1` */
        y->start = 0;
        int until = r->last - r->first - 1;
        for (int k = 0; k < CS_MAX_YEARS; k++)
            y->value[k] = k >= until ? r->effect_start[e] : 0;
        for (int k = 0; k < fe->n_transitions; k++)
            s->transitions[fe->transitions[k]].year_effect = index;
    }
    if (rc == CS_OK) {
        cs_fit_spec *f = s->fit;
        int p = f->n_parameters;
        f->has_covariance = !r->solution.singular;
        for (int i = 0; i < p; i++)
            for (int j = 0; j < p; j++)
                f->covariance[i][j] = r->solution.covariance[i][j];
        /* a trend's years from the window's start to the new base */
        int y0 = (month >= 4 ? year : year - 1) - r->first;
        for (int i = 0; i < p; i++) {
            const cs_fit_parameter *q = &f->parameters[i];
            f->trend_years[i] = 0;
            if (q->kind != CS_FIT_TREND)
                continue;
            int t = cs_scenario_find_transition(s, q->targets[0]);
            f->trend_years[i] =
                t >= 0 ? cs_trend_years(&s->transitions[t], y0) : 0;
        }
    }
    cs_scenario *moved = NULL;
    if (rc == CS_OK)
        rc = cs_scenario_rebase(s, year, month, horizon, &moved, err);
    cs_scenario_free(s);
    if (rc == CS_OK && set_stocks) {
        /* at the window's end, the children as the fit's one-year-ahead
         * run has them (every stage, by age), so that the forecast starts
         * where the fitted years' predictions did; elsewhere the window's
         * first children (the area's size); the published counts then put
         * in place */
        if (year == r->last && month == 4) {
            fit_end_state *end = malloc(sizeof *end);
            rc = end ? fit_end(&r->problem, r->solution.u, end, err)
                     : cs_error_set(err, CS_ENOMEM, "out of memory");
            if (rc == CS_OK)
                spin_up(moved, end);
            free(end);
        } else {
            for (int st = 0; st < moved->n_stages; st++) {
                memcpy(moved->initial[st], r->base->initial[st],
                       sizeof moved->initial[st]);
                memcpy(moved->initial_mark_share[st],
                       r->base->initial_mark_share[st],
                       sizeof moved->initial_mark_share[st]);
            }
        }
        char note[256];
        int scaled = 0;
        if (rc == CS_OK && month == 4 &&
            fit_set_stocks(moved, r->data, r->area, year, 0, &scaled, note,
                           sizeof note))
            rc = cs_error_set(err, CS_EINPUT,
                              "%s at 31 March %d: the published figures are "
                              "more than the population",
                              cs_series_area_name(r->data, r->area), year);
    } else if (rc == CS_OK) {
        /* the input's children: estimates of the window's first start are
         * not the base date's */
        for (int st = 0; st < moved->n_stages; st++) {
            memcpy(moved->initial[st], r->input->initial[st],
                   sizeof moved->initial[st]);
            memcpy(moved->initial_mark_share[st],
                   r->input->initial_mark_share[st],
                   sizeof moved->initial_mark_share[st]);
        }
    }
    if (rc != CS_OK) {
        cs_scenario_free(moved);
        return rc;
    }
    *out = moved;
    return CS_OK;
}

int cs_fit_scenario(const cs_fit_result *r, int year, int horizon_months,
                    cs_scenario **out, cs_error *err)
{
    return fitted(r, year, 4, horizon_months, 1, out, err);
}

/* ---- the fitted scenario as YAML ---------------------------------------- */

static void band_text(char *out, size_t size, int lo, int hi, int open_hi)
{
    if (open_hi)
        snprintf(out, size, "%d+", lo);
    else if (lo == hi)
        snprintf(out, size, "%d", lo);
    else
        snprintf(out, size, "%d-%d", lo, hi);
}

/* Transitions whose numbers the fit changed: 1 bit per field. */
enum {
    T_RATE = 1,
    T_BY_AGE = 2,
    T_BY_DURATION = 4,
    T_MARKS = 8,
    T_TREND = 16,
    T_EFFECT = 32
};

static void mark_targets(const cs_fit_result *r, const cs_scenario *s,
                         unsigned *touched, int *births, int *migration,
                         int *arrivals)
{
    const cs_fit_spec *spec = r->problem.spec;
    for (int i = 0; i < spec->n_parameters; i++) {
        const cs_fit_parameter *p = &spec->parameters[i];
        for (int k = 0; k < p->n_targets; k++) {
            const char *path = p->targets[k];
            if (p->kind == CS_FIT_TREND) {
                int t = cs_scenario_find_transition(s, path);
                if (t >= 0)
                    touched[t] |= T_TREND;
                continue;
            }
            if (!strcmp(path, "births.per_year")) {
                *births = 1;
                continue;
            }
            if (!strcmp(path, "population.net_migration.per_year")) {
                *migration = 1;
                continue;
            }
            if (!strncmp(path, "arrivals.", 9)) {
                for (int a = 0; a < s->n_arrivals; a++) {
                    size_t n = strlen(s->arrivals[a].id);
                    if (!strncmp(path + 9, s->arrivals[a].id, n) &&
                        path[9 + n] == '.')
                        arrivals[a] = 1;
                }
                continue;
            }
            /* the window's first start: the spin-up carries it */
            if (!strncmp(path, "population.stages.", 18))
                continue;
            /* transitions.ID.FIELD... */
            const char *id = path + strlen("transitions.");
            const char *dot = strchr(id, '.');
            if (!dot)
                continue;
            char name[CS_ID_MAX];
            snprintf(name, sizeof name, "%.*s", (int)(dot - id), id);
            int t = cs_scenario_find_transition(s, name);
            if (t < 0)
                continue;
            const char *field = dot + 1;
            touched[t] |= !strncmp(field, "rate", 4)           ? T_RATE
                          : !strncmp(field, "by_age", 6)       ? T_BY_AGE
                          : !strncmp(field, "by_duration", 11) ? T_BY_DURATION
                          : !strncmp(field, "if_marked", 9)    ? T_MARKS
                          : !strncmp(field, "trend", 5)        ? T_TREND
                                                               : 0;
        }
    }
    for (int e = 0; e < r->n_effects; e++) {
        if (!(r->effect_sd[e] > 0))
            continue;
        const cs_fit_effect *fe = &spec->effects[e];
        for (int k = 0; k < fe->n_transitions; k++)
            touched[fe->transitions[k]] |= T_EFFECT;
    }
}

static void write_list(FILE *f, const double *values, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%.10g", i ? ", " : "", values[i]);
    fputc(']', f);
}

/* A per-year list, or its one value when every year has the same (so a
 * scenario extending the fitted one may run for a shorter horizon). */
static void write_years(FILE *f, const double *values, int n)
{
    int same = n > 0;
    for (int i = 1; i < n; i++)
        same = same && values[i] == values[0];
    if (same)
        fprintf(f, "%.10g", values[0]);
    else
        write_list(f, values, n);
}

static void fy_text(char *out, size_t size, int fy_start)
{
    snprintf(out, size, "%04d/%02d", fy_start, (fy_start + 1) % 100);
}

static void write_transition(FILE *f, const cs_scenario *s, int t,
                             unsigned what)
{
    const cs_transition *tr = &s->transitions[t];
    fprintf(f, "  %s:\n", tr->id);
    if (what & T_RATE)
        fprintf(f, "    rate: %.10g\n", tr->rate);
    if ((what & T_BY_AGE) || ((what & T_TREND) && tr->n_by_age > 0)) {
        fprintf(f, "    by_age:\n");
        for (int i = 0; i < tr->n_by_age; i++) {
            char band[16];
            band_text(band, sizeof band, tr->by_age[i].age_lo,
                      tr->by_age[i].age_hi, 0);
            fprintf(f, "      - {ages: \"%s\", rate: %.10g}\n", band,
                    tr->by_age[i].rate);
        }
    }
    if ((what & T_TREND) && !(what & T_RATE))
        fprintf(f, "    rate: %.10g\n", tr->rate);
    if (what & T_BY_DURATION) {
        fprintf(f, "    by_duration:\n");
        for (int i = 0; i < tr->n_by_duration; i++) {
            const cs_duration_band *d = &tr->by_duration[i];
            char band[16];
            band_text(band, sizeof band, d->month_lo, d->month_hi,
                      d->month_hi < 0);
            fprintf(f, "      - {months: \"%s\", factor: %.10g}\n", band,
                    d->factor);
        }
    }
    if (what & T_MARKS) {
        fprintf(f, "    if_marked: {");
        for (int m = 0; m < s->n_marks; m++)
            fprintf(f, "%s%s: %.10g", m ? ", " : "", s->marks[m].id,
                    tr->mark_factor[m]);
        fprintf(f, "}\n");
    }
    if (what & T_TREND) {
        static const char *const rules[] = {"continue", "hold", "damp"};
        fprintf(f, "    trend: {per_year: %.10g", tr->trend_per_year);
        if (tr->trend_until != INT_MAX) {
            char until[16];
            int base_fy = s->base_month >= 4 ? s->base_year : s->base_year - 1;
            fy_text(until, sizeof until, base_fy + tr->trend_until);
            fprintf(f, ", until: %s, after: %s", until, rules[tr->trend_after]);
            if (tr->trend_after == CS_TREND_DAMP)
                fprintf(f, ", damping: %.10g", tr->trend_damping);
        }
        fprintf(f, "}\n");
    }
    if (what & T_EFFECT)
        fprintf(f, "    year_effect: %s\n",
                s->year_effects[tr->year_effect].id);
}

/* A list of shares that sum to 1 as written (9 decimals, the last what
 * the others leave). */
static void write_shares(FILE *f, const double *share, int n)
{
    double given = 0;
    fprintf(f, "[");
    for (int i = 0; i < n; i++) {
        double v = i < n - 1 ? floor(share[i] * 1e9) / 1e9 : 1 - given;
        given += v;
        fprintf(f, "%s%.9f", i ? ", " : "", v < 0 ? 0 : v);
    }
    fprintf(f, "]");
}

/*
 * The children at the window's end as the fitted model has them (the
 * spin-up, end): population.stages.X.age_shares of the census stages,
 * and every population entry's months in stage and marks (entry_profile,
 * as spin_up puts them in the in-memory scenario).
 */
static void write_start(FILE *f, const cs_fit_result *r, const cs_scenario *s,
                        const fit_end_state *end)
{
    fprintf(f,
            "\n# The children at 31 March %d as the fitted model has them "
            "after running\n# the window's years (their counts are the "
            "input's: the published ones):\n# the ages of those in need, on "
            "plans and looked after, and each\n# stage's months in the stage "
            "(shares by completed months, the last that\n# many or more) and "
            "marks.\n",
            r->last);
    for (int st = 0; st < s->n_stages; st++) {
        const cs_stage *x = &s->stages[st];
        /* a group's placements share one entry: write it at the first */
        if (x->group >= 0 && s->groups[x->group].first_stage != st)
            continue;
        const char *id = x->group >= 0 ? s->groups[x->group].id : x->id;
        int first, n;
        entry_of(s, st, &first, &n);
        double ages[CS_AGES] = {0}, total = 0;
        for (int k = first; k < first + n; k++)
            for (int a = 0; a < CS_AGES; a++) {
                ages[a] += end->stocks[k * CS_AGES + a];
                total += end->stocks[k * CS_AGES + a];
            }
        if (x->dfe != CS_DFE_NONE && st != s->remainder_stage && total > 0) {
            fprintf(f, "population.stages.%s.age_shares:\n", id);
            double given = 0;
            for (int a = 0; a < CS_AGES; a++) {
                double share = a < CS_AGES - 1
                                   ? floor(ages[a] / total * 1e9) / 1e9
                                   : 1 - given;
                given += share;
                fprintf(f, "  - {ages: \"%d\", share: %.9f}\n", a, share);
            }
        }
        double dur[CS_MAX_DURATION_MONTHS + 1], mark[CS_MAX_MARKS];
        int nd;
        if (entry_profile(s, end, st, dur, &nd, mark))
            continue;
        if (s->n_marks > 0) {
            fprintf(f, "population.stages.%s.marked: {", id);
            for (int j = 0; j < s->n_marks; j++)
                fprintf(f, "%s%s: %.9f", j ? ", " : "", s->marks[j].id,
                        mark[j]);
            fprintf(f, "}\n");
        }
        if (nd > 0) {
            fprintf(f, "population.stages.%s.months_in_stage: ", id);
            write_shares(f, dur, nd);
            fprintf(f, "\n");
        }
    }
}

static void write_report(FILE *f, const cs_fit_result *r)
{
    fprintf(f,
            "# Fitted by cascade fit to %s (%s), DfE years %d to %d: the "
            "model starts\n# from the published stocks at 31 March %d "
            "and is fitted to %d figures of\n# %d to %d (negative "
            "binomial maximum likelihood, docs/fitting.md).\n",
            cs_series_area_name(r->data, r->area),
            cs_series_area_code(r->data, r->area), r->first, r->last, r->first,
            r->problem.n_obs, r->first + 1, r->last);
    fprintf(f,
            "# Log likelihood %.2f after %d iterations%s; Pearson "
            "chi-square per degree\n# of freedom %.2f (covariance "
            "inflated by %.2f).\n",
            r->solution.loglik, r->solution.iterations,
            r->solution.converged ? " (converged)" : " (NOT converged)",
            r->solution.pearson_per_df, r->solution.inflation);
    fprintf(f, "# Estimates (fitted scale: log multiplier, trend a year, or "
               "amount), +- standard error:\n");
    for (int i = 0; i < r->problem.p; i++) {
        const cs_fit_parameter *p = &r->problem.spec->parameters[i];
        fprintf(f, "#   %-28s %+.5f +- %.5f%s\n", p->id, r->solution.u[i],
                cs_fit_se(r, i), r->solution.at_bound[i] ? "  AT A BOUND" : "");
    }
    for (int e = 0; e < r->n_effects; e++)
        fprintf(f,
                "#   year effect %-16s sd %.4f (random walk, from %d "
                "changes), start %+.4f\n",
                cs_fit_effect_id(r, e), r->effect_sd[e], r->effect_changes[e],
                r->effect_start[e]);
    if (r->n_effects > 0)
        fprintf(f,
                "#   residuals' persistence year to year %.3f (from %d "
                "pairs): each start is that share of the last year's level\n",
                r->persistence, r->persistence_pairs);
    if (r->note[0])
        fprintf(f, "# Note: %s\n", r->note);
}

/* The placements' entry shares of every group a fit parameter changed
 * one of (stages.GROUP.placements.ID.entry_share): all of the group's,
 * since cs_fit_apply renormalised them together. */
static void write_entry_shares(FILE *f, const cs_fit_result *r,
                               const cs_scenario *s)
{
    const cs_fit_spec *spec = r->problem.spec;
    int any = 0;
    for (int g = 0; g < s->n_groups; g++) {
        const cs_stage_group *group = &s->groups[g];
        char prefix[CS_ID_MAX + 32];
        snprintf(prefix, sizeof prefix, "stages.%s.placements.", group->id);
        int fitted = 0;
        for (int i = 0; i < spec->n_parameters && !fitted; i++)
            for (int k = 0; k < spec->parameters[i].n_targets; k++)
                fitted |= !strncmp(spec->parameters[i].targets[k], prefix,
                                   strlen(prefix));
        if (!fitted)
            continue;
        if (!any)
            fprintf(f, "\nstages:\n");
        any = 1;
        fprintf(f, "  %s:\n    placements:\n", group->id);
        for (int i = 0; i < group->n_stages; i++) {
            const cs_stage *x = &s->stages[group->first_stage + i];
            fprintf(f, "      %s: {entry_share: %.10g}\n",
                    x->id + strlen(group->id) + 1, x->entry_share);
        }
    }
}

int cs_fit_write_yaml(const cs_fit_result *r, const char *path,
                      const char *extends, const char *name,
                      const char *sources, cs_error *err)
{
    cs_scenario *s = NULL;
    int rc = fitted(r, r->input->base_year, r->input->base_month,
                    r->input->horizon_months, 0, &s, err);
    if (rc != CS_OK)
        return rc;
    /* the window ends the day before the input's base date: the children
     * then are the fitted model's (their ages, months in stage and marks;
     * published for England in age bands at most, and not every year) */
    fit_end_state *end = NULL;
    if (s->base_month == 4 && s->base_year == r->last) {
        end = malloc(sizeof *end);
        rc = end ? fit_end(&r->problem, r->solution.u, end, err)
                 : cs_error_set(err, CS_ENOMEM, "out of memory");
        if (rc != CS_OK) {
            free(end);
            cs_scenario_free(s);
            return rc;
        }
    }
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >=
        (int)sizeof tmp) {
        free(end);
        cs_scenario_free(s);
        return cs_error_set(err, CS_EINPUT, "output path too long: %s", path);
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        free(end);
        cs_scenario_free(s);
        return cs_error_set(err, CS_EINPUT, "cannot write %s: %s", path,
                            strerror(errno));
    }
    unsigned touched[CS_MAX_TRANSITIONS] = {0};
    int births = 0, migration = 0, arrivals[CS_MAX_ARRIVALS] = {0};
    mark_targets(r, s, touched, &births, &migration, arrivals);
    write_report(f, r);
    fprintf(f, "\nformat_version: 1\nextends: \"%s\"\nname: %s\n", extends,
            name);
    fprintf(f,
            "description: >\n  %s fitted to %s's published figures for "
            "%d to %d\n  (cascade fit).\n",
            r->input->name, cs_series_area_name(r->data, r->area), r->first,
            r->last);
    int any = 0;
    for (int t = 0; t < s->n_transitions; t++)
        if (touched[t]) {
            if (!any)
                fprintf(f, "\ntransitions:\n");
            any = 1;
            write_transition(f, s, t, touched[t]);
        }
    if (births) {
        fprintf(f, "\nbirths:\n  per_year: ");
        write_years(f, s->births_per_year, s->n_births);
        fprintf(f, "\n");
    }
    if (migration) {
        fprintf(f, "\npopulation:\n  net_migration:\n    per_year: ");
        write_years(f, s->migration_per_year, s->n_migration);
        fprintf(f, "\n");
    }
    for (int a = 0; a < s->n_arrivals; a++)
        if (arrivals[a]) {
            fprintf(f, "\narrivals.%s.per_year: ", s->arrivals[a].id);
            write_years(f, s->arrivals[a].per_year, s->arrivals[a].n_years);
            fprintf(f, "\n");
        }
    write_entry_shares(f, r, s);
    if (s->n_year_effects > 0) {
        fprintf(f, "\nyear_effects:\n");
        for (int e = 0; e < s->n_year_effects; e++)
            fprintf(f, "  %s: {sd: %.6g, ar: %.6g, start: %.6g}\n",
                    s->year_effects[e].id, s->year_effects[e].sd,
                    s->year_effects[e].ar, s->year_effects[e].start);
    }
    if (end)
        write_start(f, r, s, end);
    free(end);
    const cs_fit_spec *spec = s->fit;
    if (spec->has_covariance) {
        fprintf(f, "\n# The estimates' joint uncertainty on the fitted scale, "
                   "rows and columns in\n# the order of fit.parameters: each "
                   "run draws around the values above.\nfit:\n  covariance:\n");
        for (int i = 0; i < spec->n_parameters; i++) {
            fprintf(f, "    - ");
            write_list(f, spec->covariance[i], spec->n_parameters);
            fprintf(f, "\n");
        }
        int trends = 0;
        for (int i = 0; i < spec->n_parameters; i++)
            trends |= spec->parameters[i].kind == CS_FIT_TREND;
        if (trends) {
            fprintf(f, "  trend_years:\n");
            for (int i = 0; i < spec->n_parameters; i++)
                if (spec->parameters[i].kind == CS_FIT_TREND)
                    fprintf(f, "    %s: %.10g\n", spec->parameters[i].id,
                            spec->trend_years[i]);
        }
    } else {
        fprintf(f, "\nfit:\n");
    }
    fit_write_figures(f, r, r->data, r->area, sources);
    cs_scenario_free(s);
    int failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        unlink(tmp);
        return cs_error_set(err, CS_EIO, "writing %s failed", path);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return cs_error_set(err, CS_EIO, "renaming %s to %s: %s", tmp, path,
                            strerror(e));
    }
    return CS_OK;
}
