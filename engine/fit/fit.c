/*
 * fit.c - calibration of a scenario's free parameters (its fit: section)
 * to an area's published series by maximum likelihood on the
 * deterministic model (fit.h, docs/fitting.md).
 *
 * The fit window is DfE years FIRST..LAST (to 31 March). The scenario is
 * moved to start in April FIRST (cs_scenario_rebase) with the published
 * stocks at 31 March FIRST as its children (fit_set_stocks), and run in
 * expected values to March LAST; each observed stock at 31 March and flow
 * during the years FIRST+1..LAST (and the population, mid-year) is one
 * observation y with model value mu(theta).
 *
 * Likelihood: negative binomial, Var(y) = mu + mu^2 / k, with one k per
 * published series (measure), estimated with the parameters. Counts of
 * children vary more from year to year than Poisson chance (the published
 * series move 1-5% a year where Poisson would give 0.1-0.5%), and the
 * negative binomial is the count model that lets them, with the Poisson as
 * its limit k -> infinity. A series' k is its own estimate shrunk towards
 * its kind's (estimate_dispersions), and kept to at most 1 / 0.002^2 (a
 * coefficient of variation of at least 0.2%: DfE rounds to tens and
 * revises its figures), so no series fitted by chance almost exactly can
 * outweigh the others.
 *
 * Each parameter lives on its fitted scale u (log multiplier, trend per
 * year, amount) within its bounds [lo, hi], u = lo + (hi - lo) s(phi)
 * with s the logistic function, and is optimised over the unbounded phi
 * by Fisher scoring with Levenberg damping: with J = d mu / d phi (forward
 * differences), W = diag(1 / Var y), the step solves
 *     (J' W J + P + lambda diag(J' W J + P)) d = J' W (y - mu) + g
 * (P, g from the priors), kept only if the log posterior rises. For a
 * negative binomial with known k this is exact Fisher scoring (the score
 * is J' W (y - mu)). The parameters are first fitted with every k set for
 * a coefficient of variation of 2% (0.2% for the population), so that the
 * fit starts by trying to match every series rather than giving up on
 * those the start matches badly; then the dispersions are estimated by
 * maximum likelihood given mu, and the two alternate until neither moves.
 *
 * Uncertainty (a Laplace approximation): the estimates' covariance on the
 * fitted scale is D (J' W J / c + P)^-1 D, D = diag(du / dphi), with c
 * the Pearson chi-square per degree of freedom when that exceeds 1 (what
 * the negative binomial leaves unexplained) times a Student t's
 * nu / (nu - 2) for the few years per series: the figures' information is
 * discounted, the priors' is not. Each parameter's variance is then
 * scaled up to its year-clustered sandwich variance where that is larger.
 * A parameter at a bound gets no variance and is reported so.
 *
 * Year effects (fit.year_effects): a random walk's standard deviation is
 * estimated from the year-to-year changes of the log residuals,
 * log(y / mu), of the measures named, with a prior of 3% worth four
 * changes (the posterior mean of the variance, a scaled inverse chi-square
 * prior). A forecast's walk starts from the window's last year's level
 * (its measures' mean log residual then) times the residuals' persistence
 * (pooled lag-1 ratio, in [0, 1]): the level as far as one year's misfit
 * has carried to the next within the window.
 */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_sf_gamma.h>

#include "cascade/fit.h"
#include "cascade/sim.h"
#include "fit/fit_internal.h"

#define MAX_OBSERVATIONS 4096
#define DISPERSION_MIN 1.0
#define DISPERSION_MAX 250000.0 /* a coefficient of variation of 0.2% */
#define DISPERSION_START 2500.0 /* 2% */
#define POPULATION_START 250000.0

static const char *const kind_names[CS_FIT_N_GROUPS] = {"stocks", "flows",
                                                        "population"};

const char *cs_fit_group_name(int group)
{
    return group >= 0 && group < CS_FIT_N_GROUPS ? kind_names[group] : "";
}

/* ---- the published stocks as a scenario's children --------------------- */

/* Scale counts[0..n-1] to total, in whole children (largest remainder). */
static void scale_whole(double *counts, int n, double total)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += counts[i];
    double frac[CS_MAX_STAGES * CS_AGES];
    double given = 0;
    for (int i = 0; i < n; i++) {
        double exact = sum > 0 ? counts[i] * total / sum : total / n;
        counts[i] = floor(exact);
        frac[i] = exact - counts[i];
        given += counts[i];
    }
    for (double left = total - given; left > 0.5; left -= 1) {
        int best = 0;
        for (int i = 1; i < n; i++)
            if (frac[i] > frac[best])
                best = i;
        counts[best] += 1;
        frac[best] = -1;
    }
}

/* The (stage, age) cells of category c (and ages lo..hi) into cell[]. */
static int cells_of(const cs_scenario *s, int category, int lo, int hi,
                    int *stage, int *age)
{
    int n = 0;
    for (int st = 0; st < s->n_stages; st++) {
        if ((int)s->stages[st].dfe != category || st == s->remainder_stage)
            continue;
        for (int a = lo; a <= hi; a++) {
            stage[n] = st;
            age[n] = a;
            n++;
        }
    }
    return n;
}

/* Set the children of category c's stages (ages lo..hi) to total,
 * keeping the scenario's mix over stages and ages. */
static void set_category(cs_scenario *s, int category, int lo, int hi,
                         double total)
{
    int stage[CS_MAX_STAGES * CS_AGES], age[CS_MAX_STAGES * CS_AGES];
    double counts[CS_MAX_STAGES * CS_AGES];
    int n = cells_of(s, category, lo, hi, stage, age);
    if (n == 0)
        return;
    for (int i = 0; i < n; i++)
        counts[i] = s->initial[stage[i]][age[i]];
    scale_whole(counts, n, total);
    for (int i = 0; i < n; i++)
        s->initial[stage[i]][age[i]] = counts[i];
}

int fit_get(const cs_series *data, int area, const char *measure, int year,
            double *value)
{
    int m = cs_series_find_measure(measure);
    return m >= 0 && cs_series_get(data, area, m, year, value);
}

int fit_published_placements(const cs_scenario *s, const cs_series *data,
                             int area, int year, double *placed)
{
    int n = 0;
    double sum = 0;
    for (int st = 0; st < CS_MAX_STAGES; st++)
        placed[st] = -1;
    for (int st = 0; st < s->n_stages; st++) {
        const cs_stage *x = &s->stages[st];
        if (x->dfe != CS_DFE_LOOKED_AFTER || st == s->remainder_stage)
            continue;
        const char *dot = strchr(x->id, '.');
        char name[CS_ID_MAX + 32];
        snprintf(name, sizeof name, "cla_31_march_placement_%s",
                 dot ? dot + 1 : "");
        if (x->group < 0 || !fit_get(data, area, name, year, &placed[st]))
            n = -1;
        else if (n >= 0) {
            sum += placed[st];
            n++;
        }
    }
    if (n <= 0 || !(sum > 0)) {
        for (int st = 0; st < CS_MAX_STAGES; st++)
            placed[st] = -1;
        return 0;
    }
    return 1;
}

/* Each age's looked-after children split over the placements as the
 * published children by placement are (placed[stage]). */
static void set_placements(cs_scenario *s, const double *placed)
{
    int stage[CS_MAX_STAGES], n = 0;
    double want = 0;
    for (int st = 0; st < s->n_stages; st++)
        if (placed[st] >= 0) {
            stage[n++] = st;
            want += placed[st];
        }
    for (int a = 0; a < CS_AGES; a++) {
        double counts[CS_MAX_STAGES], total = 0;
        for (int i = 0; i < n; i++)
            total += s->initial[stage[i]][a];
        for (int i = 0; i < n; i++)
            counts[i] = total * placed[stage[i]] / want;
        scale_whole(counts, n, total);
        for (int i = 0; i < n; i++)
            s->initial[stage[i]][a] = counts[i];
    }
}

/* The population at 31 March `year`: three quarters of the way from the
 * mid-(year-1) estimate (the year's population_0_17) to the mid-year one. */
static int population_at_march(const cs_series *data, int area, int year,
                               double *value)
{
    double before, after;
    int b = fit_get(data, area, "population_0_17", year, &before);
    int a = fit_get(data, area, "population_0_17", year + 1, &after);
    if (b && a)
        *value = 0.25 * before + 0.75 * after;
    else if (b || a)
        *value = b ? before : after;
    return a || b;
}

int fit_set_stocks(cs_scenario *s, const cs_series *data, int area, int year,
                   int always_scale, int *scaled, char *note, size_t note_size)
{
    double cla = 0, cpp = 0, cin = 0, pop = 0;
    int has_cla = fit_get(data, area, "cla_31_march", year, &cla);
    int has_cpp = fit_get(data, area, "cpp_31_march", year, &cpp);
    int has_cin = fit_get(data, area, "cin_31_march", year, &cin);
    int has_pop = population_at_march(data, area, year, &pop);
    note[0] = '\0';
    double before[CS_AGES] = {0}, total_before = 0;
    for (int st = 0; st < s->n_stages; st++)
        for (int a = 0; a < CS_AGES; a++) {
            before[a] += s->initial[st][a];
            total_before += s->initial[st][a];
        }
    if (!has_pop)
        pop = total_before;
    double ratio = total_before > 0 ? pop / total_before : 1;
    /* a scenario made for an area of another size (England's structure for
     * a council): what scales with the population does so */
    *scaled = ratio < 0.8 || ratio > 1.25 || (always_scale && ratio != 1);
    if (*scaled) {
        for (int y = 0; y < s->n_births; y++)
            s->births_per_year[y] *= ratio;
        for (int y = 0; y < s->n_migration; y++)
            s->migration_per_year[y] *= ratio;
        for (int i = 0; i < s->n_arrivals; i++)
            for (int y = 0; y < s->arrivals[i].n_years; y++)
                s->arrivals[i].per_year[y] *= ratio;
        for (int i = 0; i < s->n_streams; i++)
            for (int y = 0; y < s->streams[i].n_years; y++)
                s->streams[i].per_year[y] *= ratio;
        snprintf(note, note_size,
                 "the scenario's population is %.0f, the area's %.0f at 31 "
                 "March %d: births, migration, arrivals and funding scaled by "
                 "%.4g, places with their stage's children",
                 total_before, pop, year, ratio);
    }
    double stage_before[CS_MAX_STAGES] = {0};
    for (int st = 0; st < s->n_stages; st++)
        for (int a = 0; a < CS_AGES; a++)
            stage_before[st] += s->initial[st][a];
    /* stages outside the DfE counts, and those of a category the figures
     * do not give, scale with the population */
    int set_cin = has_cin && has_cpp && has_cla && cin >= cpp + cla;
    int published[4] = {0, set_cin, has_cpp, has_cla};
    for (int st = 0; st < s->n_stages; st++)
        if (!published[s->stages[st].dfe] && st != s->remainder_stage)
            for (int a = 0; a < CS_AGES; a++)
                s->initial[st][a] = floor(s->initial[st][a] * ratio + 0.5);
    if (has_cla) {
        static const char *const bands[] = {
            "cla_31_march_age_under_1", "cla_31_march_age_1_to_4",
            "cla_31_march_age_5_to_9", "cla_31_march_age_10_to_15",
            "cla_31_march_age_16_and_over"};
        double band[5], sum = 0;
        int all = 1;
        for (int b = 0; b < 5; b++) {
            all = all && fit_get(data, area, bands[b], year, &band[b]);
            sum += all ? band[b] : 0;
        }
        if (all && sum > 0) {
            static const int lo[5] = {0, 1, 5, 10, 16},
                             hi[5] = {0, 4, 9, 15, 17};
            /* the bands as published (rounded), scaled to the total */
            double given = 0;
            for (int b = 0; b < 5; b++) {
                double want = floor(band[b] * cla / sum + 0.5);
                if (b == 4)
                    want = cla - given;
                set_category(s, CS_DFE_LOOKED_AFTER, lo[b], hi[b], want);
                given += want;
            }
        } else {
            set_category(s, CS_DFE_LOOKED_AFTER, 0, CS_AGES - 1, cla);
        }
        double placed[CS_MAX_STAGES];
        if (fit_published_placements(s, data, area, year, placed))
            set_placements(s, placed);
    }
    if (has_cpp)
        set_category(s, CS_DFE_CP, 0, CS_AGES - 1, cpp);
    if (set_cin)
        set_category(s, CS_DFE_CIN, 0, CS_AGES - 1, cin - cpp - cla);
    else if (has_cin) {
        size_t used = strlen(note);
        snprintf(note + used, note_size - used,
                 "%schildren in need at 31 March %d not used for the start "
                 "(CP or looked-after figures missing)",
                 used ? "; " : "", year);
    }
    /* everyone else is in the remainder, by the scenario's age mix */
    double others[CS_AGES] = {0};
    for (int st = 0; st < s->n_stages; st++)
        if (st != s->remainder_stage)
            for (int a = 0; a < CS_AGES; a++)
                others[a] += s->initial[st][a];
    double want[CS_AGES];
    for (int a = 0; a < CS_AGES; a++)
        want[a] =
            total_before > 0 ? pop * before[a] / total_before : pop / CS_AGES;
    scale_whole(want, CS_AGES, pop);
    for (int a = 0; a < CS_AGES; a++) {
        double left = want[a] - others[a];
        if (left < 0)
            return -1;
        s->initial[s->remainder_stage][a] = left;
    }
    /* fixed places keep their stage's headroom: scaled with its children
     * (with the population where it had none) */
    if (*scaled) {
        double stage_ratio[CS_MAX_STAGES];
        for (int st = 0; st < s->n_stages; st++) {
            double after = 0;
            for (int a = 0; a < CS_AGES; a++)
                after += s->initial[st][a];
            stage_ratio[st] =
                stage_before[st] > 0 ? after / stage_before[st] : ratio;
            s->stages[st].places =
                floor(s->stages[st].places * stage_ratio[st] + 0.5);
        }
        for (int i = 0; i < s->n_levers; i++)
            if (s->levers[i].kind == CS_LEVER_CAPACITY &&
                s->levers[i].places >= 0)
                s->levers[i].places = floor(
                    s->levers[i].places * stage_ratio[s->levers[i].target] +
                    0.5);
    }
    return 0;
}

/* ---- one evaluation ------------------------------------------------------ */

/* The fitted value on its own scale of parameter i at phi. */
static double to_u(const cs_fit_parameter *p, double phi)
{
    return p->lo + (p->hi - p->lo) / (1 + exp(-phi));
}

static double du_dphi(const cs_fit_parameter *p, double phi)
{
    double s = 1 / (1 + exp(-phi));
    return (p->hi - p->lo) * s * (1 - s);
}

static double to_phi(const cs_fit_parameter *p, double u)
{
    double s = (u - p->lo) / (p->hi - p->lo);
    s = s < 1e-12 ? 1e-12 : s > 1 - 1e-12 ? 1 - 1e-12 : s;
    return log(s / (1 - s));
}

/* Working memory of one evaluator (one per thread). */
typedef struct evaluator {
    cs_scenario *scenario; /* a copy of base to put parameters in */
    double *stocks, *flows;
    double *flow_ages; /* [month][flow][age] when a figure is by age */
    /* [year][MONTH_SLOTS] when a figure is by months in care: the
     * looked-after children at the 31 March ending each year of the
     * window by completed months in care */
    double *months;
    int n_stocks, n_flows;
    fit_end_state *end; /* if not NULL: the run's end state, filled */
} evaluator;

static void evaluator_free(evaluator *e)
{
    cs_scenario_free(e->scenario);
    free(e->stocks);
    free(e->flows);
    free(e->flow_ages);
    free(e->months);
}

#define MONTH_SLOTS (CS_MAX_DURATION_MONTHS + 1)

/* The looked-after children now by completed months in their stage, into
 * by_months[0..slots) (cs_observer_month_slots: the fewest any of the
 * stages keeps; a stage's later slots are folded into the last). */
static void la_by_months(const cs_scenario *s, const int *la, int n_la,
                         const cs_sim *sim, int slots, double *by_months)
{
    double profile[MONTH_SLOTS];
    for (int d = 0; d < MONTH_SLOTS; d++)
        by_months[d] = 0;
    for (int i = 0; i < n_la && slots > 0; i++) {
        int nd = cs_scenario_duration_slots(s, la[i]);
        assert(nd >= slots && nd <= MONTH_SLOTS);
        cs_sim_stage_profile(sim, la[i], profile, NULL);
        for (int d = 0; d < nd; d++)
            by_months[d < slots ? d : slots - 1] += profile[d];
    }
}

/* The leaf stages of category c (not the remainder), into out. */
static int stages_of(const cs_scenario *s, int c, int *out)
{
    int n = 0;
    for (int st = 0; st < s->n_stages; st++)
        if ((int)s->stages[st].dfe == c && st != s->remainder_stage)
            out[n++] = st;
    return n;
}

/*
 * Year by year through the window, each year after the first started
 * from the published stocks at the 31 March before it (where published):
 * the model's children of each category are scaled to the published
 * count, and the children the scaling adds or takes are taken from or
 * given back to the remainder (universal services), so the population
 * stays the model's.
 */
static void run_years(const fit_problem *f, const cs_scenario *s,
                      const cs_model *m, cs_sim *sim, int month_slots,
                      evaluator *e)
{
    static const int lo[5] = {0, 1, 5, 10, 16}, hi[5] = {0, 4, 9, 15, 17};
    int cin[CS_MAX_STAGES], cp[CS_MAX_STAGES], la[CS_MAX_STAGES];
    int n_cin = stages_of(s, CS_DFE_CIN, cin);
    int n_cp = stages_of(s, CS_DFE_CP, cp);
    int n_la = stages_of(s, CS_DFE_LOOKED_AFTER, la);
    int remainder = s->remainder_stage;
    int S = cs_model_n_stages(m), F = cs_model_n_flows(m);
    cs_sim_start(sim, CS_SIM_DETERMINISTIC);
    for (int y = 0; y < f->n_years; y++) {
        if (y > 0 && f->assimilate) {
            double moved = 0; /* children the scaling added */
            /* the placements first, then the age bands (which keep the
             * placements' mix within each band) */
            for (int i = 0; i < n_la; i++)
                if (f->start_placed[y][la[i]] >= 0)
                    moved += f->start_placed[y][la[i]] -
                             cs_sim_scale(sim, &la[i], 1, 0, CS_AGES - 1,
                                          f->start_placed[y][la[i]]);
            if (f->start_la_band[y][0] >= 0) {
                for (int b = 0; b < 5; b++)
                    moved += f->start_la_band[y][b] -
                             cs_sim_scale(sim, la, n_la, lo[b], hi[b],
                                          f->start_la_band[y][b]);
            } else if (f->start_la[y] >= 0) {
                moved +=
                    f->start_la[y] -
                    cs_sim_scale(sim, la, n_la, 0, CS_AGES - 1, f->start_la[y]);
            }
            if (f->start_cp[y] >= 0)
                moved +=
                    f->start_cp[y] -
                    cs_sim_scale(sim, cp, n_cp, 0, CS_AGES - 1, f->start_cp[y]);
            if (f->start_cin[y] >= 0)
                moved += f->start_cin[y] - cs_sim_scale(sim, cin, n_cin, 0,
                                                        CS_AGES - 1,
                                                        f->start_cin[y]);
            double there = cs_sim_scale(sim, &remainder, 1, 0, CS_AGES - 1, -1);
            if (there > moved)
                cs_sim_scale(sim, &remainder, 1, 0, CS_AGES - 1, there - moved);
        }
        /* each call fills its own months: the year's part of the record */
        if (e->flow_ages)
            cs_sim_record_ages(sim,
                               e->flow_ages + (size_t)y * 12 * F * CS_AGES);
        cs_sim_continue(sim, CS_SIM_DETERMINISTIC, 0, 0, 12,
                        e->stocks + (size_t)y * 12 * S * CS_AGES,
                        e->flows + (size_t)y * 12 * F, NULL);
        if (e->months)
            la_by_months(s, la, n_la, sim, month_slots,
                         e->months + (size_t)y * MONTH_SLOTS);
    }
}

/* The end of the run e made with sim, into out. */
static void end_state(const cs_scenario *s, const cs_sim *sim,
                      const evaluator *e, fit_end_state *out)
{
    memset(out, 0, sizeof *out);
    size_t cells = (size_t)s->n_stages * CS_AGES;
    size_t last = (size_t)s->horizon_months - 1;
    memcpy(out->stocks, e->stocks + last * cells, cells * sizeof *out->stocks);
    for (int st = 0; st < s->n_stages; st++) {
        int nd = cs_scenario_duration_slots(s, st);
        double *dur = out->duration_share[st], *mark = out->mark_share[st];
        double total = cs_sim_stage_profile(sim, st, dur, mark);
        out->total[st] = total;
        out->n_durations[st] = nd;
        for (int d = 0; d < nd; d++)
            dur[d] = total > 0 ? dur[d] / total : 0;
        for (int j = 0; j < s->n_marks; j++)
            mark[j] = total > 0 ? mark[j] / total : 0;
    }
}

/*
 * mu[] at parameter values u[] (fitted scale): put them in a fresh copy
 * of the base scenario, compile, run in expected values, observe. 0, or -1
 * with a message.
 */
static int evaluate(const fit_problem *f, evaluator *e, const double *u,
                    double *mu, cs_error *err)
{
    cs_scenario *s = e->scenario;
    /* the base's numbers, keeping the copy's own strings */
    char *keep[6] = {s->description,    s->source_path,  s->resolved_yaml,
                     s->extends_source, s->extends_hash, s->resolved_hash};
    cs_fit_spec *fit = s->fit;
    memcpy(s, f->base, sizeof *s);
    s->description = keep[0];
    s->source_path = keep[1];
    s->resolved_yaml = keep[2];
    s->extends_source = keep[3];
    s->extends_hash = keep[4];
    s->resolved_hash = keep[5];
    s->fit = fit;
    char why[256];
    if (cs_fit_apply(s, f->spec, u, 0, why, sizeof why) != 0)
        return cs_error_set(err, CS_EINPUT, "%s", why);
    cs_model *m = NULL;
    int rc = cs_model_compile(s, &m, err);
    if (rc != CS_OK)
        return rc;
    cs_sim *sim = cs_sim_alloc(m);
    if (!sim || cs_sim_record_ages(sim, e->flow_ages) != 0) {
        cs_sim_free(sim);
        cs_model_free(m);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    cs_observer *o = NULL;
    rc = fit_observer(f, m, &o, err);
    if (rc == CS_OK && (f->assimilate || e->months))
        run_years(f, s, m, sim, cs_observer_month_slots(o), e);
    else if (rc == CS_OK)
        cs_sim_run(sim, CS_SIM_DETERMINISTIC, 0, 0, e->stocks, e->flows, NULL);
    if (rc == CS_OK && e->end)
        end_state(s, sim, e, e->end);
    for (int i = 0; rc == CS_OK && i < f->n_obs; i++) {
        const fit_obs *x = &f->obs[i];
        if (cs_observer_needs_months(o, x->measure)) {
            int y = x->year - f->first_year - 1;
            assert(e->months && y >= 0 && y < f->n_years);
            mu[i] = cs_observe_months(o, x->measure,
                                      e->months + (size_t)y * MONTH_SLOTS);
        } else {
            mu[i] = cs_observe_ages(o, x->measure, x->year, e->stocks, e->flows,
                                    e->flow_ages);
        }
        if (!isfinite(mu[i]))
            rc = cs_error_set(err, CS_EFAIL, "the model gives no %s for %d",
                              cs_series_measure(f->obs[i].measure)->name,
                              f->obs[i].year);
        else if (mu[i] < 1e-6)
            mu[i] = 1e-6; /* a count the model says cannot happen */
    }
    cs_observer_free(o);
    cs_sim_free(sim);
    cs_model_free(m);
    return rc;
}

int fit_observer(const fit_problem *f, const cs_model *m, cs_observer **out,
                 cs_error *err)
{
    int rc = cs_observer_create(m, out, err);
    const cs_scenario *s = cs_model_scenario(m);
    for (int i = 0; rc == CS_OK && f->spec && i < f->spec->n_maps; i++) {
        const cs_fit_map *map = &f->spec->maps[i];
        const char *ids[CS_MAX_FIT_TARGETS];
        for (int k = 0; k < map->n_transitions; k++)
            ids[k] = s->transitions[map->transitions[k]].id;
        rc = cs_observer_map(*out, cs_series_find_measure(map->measure),
                             map->n_transitions, ids, err);
    }
    if (rc != CS_OK) {
        cs_observer_free(*out);
        *out = NULL;
    }
    return rc;
}

static int evaluator_init(const fit_problem *f, evaluator *e, cs_error *err)
{
    memset(e, 0, sizeof *e);
    int rc = cs_scenario_copy(f->base, &e->scenario, err);
    if (rc != CS_OK)
        return rc;
    size_t months = (size_t)f->base->horizon_months;
    e->stocks =
        calloc(months * (size_t)f->base->n_stages * CS_AGES, sizeof *e->stocks);
    /* flows: transitions, births, age-outs, turned away, migration,
     * arrivals: at most this many */
    size_t flows = (size_t)(f->base->n_transitions + 2 + 3 * CS_MAX_STAGES +
                            CS_MAX_ARRIVALS);
    e->flows = calloc(months * flows, sizeof *e->flows);
    /* the flows by age only where a figure needs them (starts by age) */
    int ages = 0;
    for (int i = 0; i < f->n_obs; i++)
        ages |= !strncmp(cs_series_measure(f->obs[i].measure)->name,
                         "cla_starts_age_", 15);
    if (ages)
        e->flow_ages = calloc(months * flows * CS_AGES, sizeof *e->flow_ages);
    /* the looked-after children by months in care where a figure is */
    int by_months = 0;
    for (int i = 0; i < f->n_obs; i++)
        by_months |= !strncmp(cs_series_measure(f->obs[i].measure)->name,
                              "cla_31_march_in_care_", 21);
    if (by_months)
        e->months = calloc((size_t)f->n_years * MONTH_SLOTS, sizeof *e->months);
    if (!e->stocks || !e->flows || (ages && !e->flow_ages) ||
        (by_months && !e->months)) {
        evaluator_free(e);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    return CS_OK;
}

int fit_end(const fit_problem *f, const double *u, fit_end_state *out,
            cs_error *err)
{
    evaluator e;
    int rc = evaluator_init(f, &e, err);
    double *mu = calloc((size_t)(f->n_obs > 0 ? f->n_obs : 1), sizeof *mu);
    if (rc == CS_OK && !mu)
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    e.end = out;
    if (rc == CS_OK)
        rc = evaluate(f, &e, u, mu, err);
    free(mu);
    if (e.scenario)
        evaluator_free(&e);
    return rc;
}

/* ---- the likelihood ------------------------------------------------------ */

static double nb_logpmf(double y, double mu, double k)
{
    return lgamma(y + k) - lgamma(k) - lgamma(y + 1) + k * log(k / (k + mu)) +
           y * log(mu / (k + mu));
}

static double variance(double mu, double k)
{
    return mu + mu * mu / k;
}

/* Log likelihood of the observations at mu, plus the priors at u. */
static double log_posterior(const fit_problem *f, const double *mu,
                            const double *u, const double *k)
{
    double sum = 0;
    for (int i = 0; i < f->n_obs; i++)
        sum += nb_logpmf(f->obs[i].value, mu[i], k[f->obs[i].series]);
    for (int j = 0; j < f->p; j++) {
        double sd = f->spec->parameters[j].prior_sd;
        double d = u[j] - f->spec->parameters[j].prior_mean;
        if (sd > 0)
            sum -= 0.5 * d * d / (sd * sd);
    }
    return sum;
}

/* Maximum-likelihood k of one series' observations given mu (Brent on
 * log k over [log DISPERSION_MIN, log DISPERSION_MAX]). */
typedef struct group_ll {
    const fit_problem *f;
    const double *mu;
    int series;
} group_ll;

static double ml_dispersion(group_ll *arg);

/* series >= 0: one series; -1 - g: every series of kind g */
static double minus_group_ll(double log_k, void *arg)
{
    const group_ll *g = arg;
    double k = exp(log_k), sum = 0;
    for (int i = 0; i < g->f->n_obs; i++)
        if (g->series >= 0 ? g->f->obs[i].series == g->series
                           : g->f->obs[i].group == -1 - g->series)
            sum += nb_logpmf(g->f->obs[i].value, g->mu[i], k);
    return -sum;
}

static double estimate_dispersion(const fit_problem *f, const double *mu,
                                  int series)
{
    group_ll g = {f, mu, series};
    return ml_dispersion(&g);
}

static double estimate_group_dispersion(const fit_problem *f, const double *mu,
                                        int group)
{
    group_ll g = {f, mu, -1 - group};
    int any = 0;
    for (int i = 0; i < f->n_obs; i++)
        any |= f->obs[i].group == group;
    return any ? ml_dispersion(&g) : DISPERSION_START;
}

static double ml_dispersion(group_ll *arg)
{
    group_ll g = *arg;
    double lo = log(DISPERSION_MIN), hi = log(DISPERSION_MAX);
    /* a grid first: the likelihood in k can be flat or one-sided */
    double best = hi, best_value = minus_group_ll(hi, &g);
    for (int i = 0; i <= 40; i++) {
        double x = lo + (hi - lo) * i / 40;
        double v = minus_group_ll(x, &g);
        if (v < best_value) {
            best_value = v;
            best = x;
        }
    }
    double a = best - (hi - lo) / 40, b = best + (hi - lo) / 40;
    if (a <= lo || b >= hi)
        return exp(best); /* at an end of the range */
    gsl_function fn = {minus_group_ll, &g};
    gsl_min_fminimizer *m = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
    if (!m)
        return exp(best);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    if (gsl_min_fminimizer_set(m, &fn, best, a, b) == GSL_SUCCESS) {
        for (int it = 0; it < 100; it++) {
            if (gsl_min_fminimizer_iterate(m) != GSL_SUCCESS)
                break;
            double x0 = gsl_min_fminimizer_x_lower(m);
            double x1 = gsl_min_fminimizer_x_upper(m);
            if (gsl_min_test_interval(x0, x1, 1e-6, 0) == GSL_SUCCESS)
                break;
        }
        best = gsl_min_fminimizer_x_minimum(m);
    }
    gsl_set_error_handler(old);
    gsl_min_fminimizer_free(m);
    return exp(best);
}

/*
 * Every series' k: its own maximum-likelihood estimate, shrunk towards its
 * kind's (stocks, flows, the population) on the scale of the squared
 * coefficient of variation, 1 / k, as if the kind's estimate were
 * DISPERSION_PRIOR_YEARS more years of the series: a series of three
 * years' figures cannot say alone how much it varies (fitted almost
 * exactly, it would claim to vary by nothing).
 */
#define DISPERSION_PRIOR_YEARS 4.0

static void estimate_dispersions(const fit_problem *f, const double *mu,
                                 double *k)
{
    double pooled[CS_FIT_N_GROUPS];
    for (int g = 0; g < CS_FIT_N_GROUPS; g++)
        pooled[g] = estimate_group_dispersion(f, mu, g);
    for (int s = 0; s < f->n_series; s++) {
        int n = 0;
        for (int i = 0; i < f->n_obs; i++)
            n += f->obs[i].series == s;
        double own = estimate_dispersion(f, mu, s);
        double cv2 =
            (n / own + DISPERSION_PRIOR_YEARS / pooled[f->series_group[s]]) /
            (n + DISPERSION_PRIOR_YEARS);
        k[s] = 1 / cv2;
        k[s] = k[s] > DISPERSION_MAX   ? DISPERSION_MAX
               : k[s] < DISPERSION_MIN ? DISPERSION_MIN
                                       : k[s];
    }
}

/* ---- the Jacobian, in parallel over parameters -------------------------- */

typedef struct jacobian_job {
    const fit_problem *f;
    evaluator *e;
    const double *phi;
    const double *mu;
    double *jac; /* [obs][p] */
    int first, step;
    int status;
    cs_error err;
} jacobian_job;

static void *jacobian_columns(void *arg)
{
    jacobian_job *j = arg;
    const fit_problem *f = j->f;
    double u[CS_MAX_FIT_PARAMETERS];
    double *mu = malloc((size_t)f->n_obs * sizeof *mu);
    if (!mu) {
        j->status = cs_error_set(&j->err, CS_ENOMEM, "out of memory");
        return NULL;
    }
    for (int c = j->first; c < f->p && j->status == CS_OK; c += j->step) {
        double h = 1e-5 * (1 + fabs(j->phi[c]));
        for (int k = 0; k < f->p; k++)
            u[k] = to_u(&f->spec->parameters[k], j->phi[k] + (k == c ? h : 0));
        j->status = evaluate(f, j->e, u, mu, &j->err);
        for (int i = 0; j->status == CS_OK && i < f->n_obs; i++)
            j->jac[i * f->p + c] = (mu[i] - j->mu[i]) / h;
    }
    free(mu);
    return NULL;
}

static int jacobian(const fit_problem *f, evaluator *evals, int threads,
                    const double *phi, const double *mu, double *jac,
                    cs_error *err)
{
    jacobian_job jobs[FIT_MAX_THREADS];
    pthread_t ids[FIT_MAX_THREADS];
    int started = 0;
    for (int t = 0; t < threads; t++) {
        jobs[t] = (jacobian_job){f, &evals[t], phi,   mu,     jac,
                                 t, threads,   CS_OK, {0, ""}};
        if (t == 0 ||
            pthread_create(&ids[t], NULL, jacobian_columns, &jobs[t]) == 0)
            started = t + 1;
        else
            break;
    }
    /* the columns of threads that did not start: on this one */
    jobs[0].step = started;
    jacobian_columns(&jobs[0]);
    for (int t = 1; t < started; t++)
        pthread_join(ids[t], NULL);
    for (int t = 0; t < started; t++)
        if (jobs[t].status != CS_OK) {
            *err = jobs[t].err;
            return jobs[t].status;
        }
    return CS_OK;
}

/* ---- the optimiser ------------------------------------------------------- */

/* A = J' W J + P (p x p) and b = J' W (y - mu) + g at phi. */
static void normal_equations(const fit_problem *f, const double *jac,
                             const double *mu, const double *phi,
                             const double *k, gsl_matrix *a, gsl_vector *b)
{
    int p = f->p;
    gsl_matrix_set_zero(a);
    gsl_vector_set_zero(b);
    for (int i = 0; i < f->n_obs; i++) {
        double w = 1 / variance(mu[i], k[f->obs[i].series]);
        double r = f->obs[i].value - mu[i];
        const double *row = jac + (size_t)i * p;
        for (int x = 0; x < p; x++) {
            *gsl_vector_ptr(b, (size_t)x) += row[x] * w * r;
            for (int y = 0; y < p; y++)
                *gsl_matrix_ptr(a, (size_t)x, (size_t)y) += row[x] * w * row[y];
        }
    }
    for (int x = 0; x < p; x++) {
        const cs_fit_parameter *q = &f->spec->parameters[x];
        if (q->prior_sd <= 0)
            continue;
        double u = to_u(q, phi[x]), d = du_dphi(q, phi[x]);
        double prec = 1 / (q->prior_sd * q->prior_sd);
        *gsl_matrix_ptr(a, (size_t)x, (size_t)x) += d * d * prec;
        *gsl_vector_ptr(b, (size_t)x) -= (u - q->prior_mean) * prec * d;
    }
}

/* Solve (a + lambda diag(a) + tiny I) d = b by Cholesky; 0 or -1. */
static int damped_step(const gsl_matrix *a, const gsl_vector *b, double lambda,
                       gsl_vector *d)
{
    size_t p = a->size1;
    gsl_matrix *m = gsl_matrix_alloc(p, p);
    if (!m)
        return -1;
    gsl_matrix_memcpy(m, a);
    double trace = 0;
    for (size_t i = 0; i < p; i++)
        trace += gsl_matrix_get(a, i, i);
    for (size_t i = 0; i < p; i++) {
        double aii = gsl_matrix_get(a, i, i);
        gsl_matrix_set(m, i, i, aii * (1 + lambda) + 1e-12 * (trace / p + 1));
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_linalg_cholesky_decomp1(m);
    if (rc == GSL_SUCCESS)
        rc = gsl_linalg_cholesky_solve(m, b, d);
    gsl_set_error_handler(old);
    gsl_matrix_free(m);
    return rc == GSL_SUCCESS ? 0 : -1;
}

static void to_values(const fit_problem *f, const double *phi, double *u)
{
    for (int j = 0; j < f->p; j++)
        u[j] = to_u(&f->spec->parameters[j], phi[j]);
}

/*
 * ratio[x] = max(1, sandwich variance / model variance) of parameter x,
 * the sandwich A^-1 M A^-1 with M the sum over years t of g_t g_t' (g_t the
 * score of year t's figures), times T / (T - 1) for T years.
 */
static void sandwich_ratios(const fit_problem *f, const double *jac,
                            const double *mu, const double *k,
                            const gsl_matrix *inv, double *ratio)
{
    int p = f->p;
    double g[CS_MAX_YEARS][CS_MAX_FIT_PARAMETERS];
    int used[CS_MAX_YEARS] = {0}, years = 0;
    memset(g, 0, sizeof g);
    for (int i = 0; i < f->n_obs; i++) {
        int t = f->obs[i].year - f->first_year - 1;
        if (t < 0 || t >= CS_MAX_YEARS)
            continue;
        double w =
            (f->obs[i].value - mu[i]) / variance(mu[i], k[f->obs[i].series]);
        for (int x = 0; x < p; x++)
            g[t][x] += jac[(size_t)i * p + x] * w;
        years += !used[t];
        used[t] = 1;
    }
    if (years < 2)
        return;
    double meat[CS_MAX_FIT_PARAMETERS][CS_MAX_FIT_PARAMETERS] = {{0}};
    for (int t = 0; t < CS_MAX_YEARS; t++)
        if (used[t])
            for (int x = 0; x < p; x++)
                for (int y = 0; y < p; y++)
                    meat[x][y] += g[t][x] * g[t][y];
    double small = (double)years / (years - 1);
    for (int x = 0; x < p; x++) {
        double v = 0;
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++)
                v += gsl_matrix_get(inv, (size_t)x, (size_t)a) * meat[a][b] *
                     gsl_matrix_get(inv, (size_t)b, (size_t)x);
        v *= small;
        double model = gsl_matrix_get(inv, (size_t)x, (size_t)x);
        if (model > 0 && v > model)
            ratio[x] = v / model;
    }
}

int fit_optimise(fit_problem *f, int threads, int max_iterations,
                 fit_solution *sol, cs_error *err)
{
    int p = f->p, n = f->n_obs;
    if (threads < 1)
        threads = 1;
    if (threads > FIT_MAX_THREADS)
        threads = FIT_MAX_THREADS;
    if (threads > p)
        threads = p > 0 ? p : 1;
    evaluator evals[FIT_MAX_THREADS];
    int n_evals = 0, rc = CS_OK;
    for (int t = 0; t < threads && rc == CS_OK; t++)
        if ((rc = evaluator_init(f, &evals[t], err)) == CS_OK)
            n_evals++;
    double *mu = calloc((size_t)n, sizeof *mu);
    double *trial_mu = calloc((size_t)n, sizeof *trial_mu);
    double *jac = calloc((size_t)n * (size_t)(p > 0 ? p : 1), sizeof *jac);
    gsl_matrix *a =
        gsl_matrix_alloc((size_t)(p > 0 ? p : 1), (size_t)(p > 0 ? p : 1));
    gsl_vector *b = gsl_vector_alloc((size_t)(p > 0 ? p : 1));
    gsl_vector *d = gsl_vector_alloc((size_t)(p > 0 ? p : 1));
    if (rc == CS_OK && (!mu || !trial_mu || !jac || !a || !b || !d))
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    double phi[CS_MAX_FIT_PARAMETERS], trial[CS_MAX_FIT_PARAMETERS];
    double u[CS_MAX_FIT_PARAMETERS];
    double k[FIT_MAX_SERIES];
    for (int g = 0; g < f->n_series; g++)
        k[g] = f->series_group[g] == CS_FIT_POPULATION ? POPULATION_START
                                                       : DISPERSION_START;
    for (int j = 0; j < p; j++)
        phi[j] = to_phi(&f->spec->parameters[j], 0);
    to_values(f, phi, u);
    if (rc == CS_OK)
        rc = evaluate(f, &evals[0], u, mu, err);
    double ll = rc == CS_OK ? log_posterior(f, mu, u, k) : -INFINITY;
    double lambda = 1e-3;
    sol->iterations = 0;
    sol->converged = p == 0;
    /* rounds: fit the parameters with the dispersions fixed, then the
     * dispersions given the fit, until the dispersions settle */
    for (int round = 0; rc == CS_OK && round < 6; round++) {
        int round_converged = p == 0;
        for (int it = 0; rc == CS_OK && p > 0 && it < max_iterations; it++) {
            sol->iterations++;
            rc = jacobian(f, evals, n_evals, phi, mu, jac, err);
            if (rc != CS_OK)
                break;
            normal_equations(f, jac, mu, phi, k, a, b);
            int accepted = 0;
            double step_size = 0, gain = 0;
            for (int tries = 0; tries < 12 && !accepted; tries++) {
                if (damped_step(a, b, lambda, d) != 0) {
                    lambda *= 10;
                    continue;
                }
                step_size = 0;
                for (int j = 0; j < p; j++) {
                    double dj = gsl_vector_get(d, (size_t)j);
                    /* never more than 2 on the logistic scale at once */
                    dj = dj > 2 ? 2 : dj < -2 ? -2 : dj;
                    trial[j] = phi[j] + dj;
                    step_size = fabs(dj) > step_size ? fabs(dj) : step_size;
                }
                to_values(f, trial, u);
                cs_error trial_err;
                if (evaluate(f, &evals[0], u, trial_mu, &trial_err) != CS_OK) {
                    lambda *= 4;
                    continue;
                }
                double trial_ll = log_posterior(f, trial_mu, u, k);
                if (trial_ll >= ll) {
                    accepted = 1;
                    gain = trial_ll - ll;
                    ll = trial_ll;
                    memcpy(phi, trial, sizeof phi);
                    memcpy(mu, trial_mu, (size_t)n * sizeof *mu);
                    lambda = lambda / 3 > 1e-9 ? lambda / 3 : 1e-9;
                } else {
                    lambda *= 4;
                }
            }
            /* no step raises the likelihood (a maximum), or steps that
             * gain nothing: either the steps are tiny, or a parameter is
             * running off towards a bound, where its logistic scale is
             * flat and the likelihood no longer changes */
            if (!accepted || gain < 1e-8 * (1 + fabs(ll))) {
                round_converged = 1;
                break;
            }
        }
        double old_k[FIT_MAX_SERIES];
        memcpy(old_k, k, sizeof k);
        estimate_dispersions(f, mu, k);
        to_values(f, phi, u);
        ll = log_posterior(f, mu, u, k);
        int k_moved = 0;
        for (int g = 0; g < f->n_series; g++)
            k_moved |= fabs(log(k[g] / old_k[g])) > 0.01;
        sol->converged = round_converged;
        if (!k_moved)
            break;
    }
    if (rc == CS_OK) {
        /* the information at the estimate, for the covariance */
        if (p > 0)
            rc = jacobian(f, evals, n_evals, phi, mu, jac, err);
        if (rc == CS_OK && p > 0)
            normal_equations(f, jac, mu, phi, k, a, b);
        to_values(f, phi, u);
        memcpy(sol->u, u, sizeof u);
        memcpy(sol->dispersion, k, sizeof k);
        sol->loglik = ll;
        memcpy(sol->mu, mu, (size_t)n * sizeof *mu);
        double pearson = 0;
        for (int i = 0; i < n; i++) {
            double r = f->obs[i].value - mu[i];
            pearson += r * r / variance(mu[i], k[f->obs[i].series]);
        }
        int df = n - p - f->n_series;
        sol->pearson_per_df = df > 0 ? pearson / df : NAN;
        double inflate = df > 0 && pearson / df > 1 ? pearson / df : 1;
        /* each series' variance rests on a few years: carry that
         * uncertainty as a Student t's, variance nu / (nu - 2) with nu the
         * residual degrees of freedom per series (at least 3) */
        double nu = f->n_series > 0 ? (double)(n - p) / f->n_series : 3;
        nu = nu < 3 ? 3 : nu;
        inflate *= nu / (nu - 2);
        sol->inflation = inflate;
        memset(sol->covariance, 0, sizeof sol->covariance);
        if (p > 0) {
            gsl_matrix *inv = gsl_matrix_alloc((size_t)p, (size_t)p);
            gsl_matrix *scaled = gsl_matrix_alloc((size_t)p, (size_t)p);
            gsl_permutation *perm = gsl_permutation_alloc((size_t)p);
            int sign = 0;
            /* the inflation is of what the figures say, not of the priors:
             * the information the covariance inverts is the data's divided
             * by it plus the priors' (a parameter the priors hold keeps
             * their spread however badly the figures fit) */
            int ok = inv && scaled && perm;
            if (ok) {
                gsl_matrix_memcpy(scaled, a);
                gsl_matrix_scale(scaled, 1 / inflate);
                for (int x = 0; x < p; x++) {
                    const cs_fit_parameter *q = &f->spec->parameters[x];
                    if (q->prior_sd <= 0)
                        continue;
                    double slope = du_dphi(q, phi[x]);
                    double prior = slope * slope / (q->prior_sd * q->prior_sd);
                    *gsl_matrix_ptr(scaled, (size_t)x, (size_t)x) +=
                        prior * (1 - 1 / inflate);
                }
            }
            gsl_error_handler_t *old = gsl_set_error_handler_off();
            ok = ok && gsl_linalg_LU_decomp(a, perm, &sign) == 0 &&
                 gsl_linalg_LU_invert(a, perm, inv) == 0;
            /* the information's covariance assumes every figure
             * independent; the figures of one year are not (more
             * referrals make more children in need and more CP plans the
             * same year): the cluster-robust (sandwich) variance with the
             * years as clusters says by how much each parameter's
             * variance is understated, and it is scaled up by that */
            double ratio[CS_MAX_FIT_PARAMETERS];
            for (int x = 0; x < p; x++)
                ratio[x] = 1;
            if (ok)
                sandwich_ratios(f, jac, mu, k, inv, ratio);
            ok = ok && gsl_linalg_LU_decomp(scaled, perm, &sign) == 0 &&
                 gsl_linalg_LU_invert(scaled, perm, inv) == 0;
            gsl_set_error_handler(old);
            for (int x = 0; x < p; x++) {
                const cs_fit_parameter *q = &f->spec->parameters[x];
                double dx = du_dphi(q, phi[x]) * sqrt(ratio[x]);
                /* at a bound: no information left on u's scale */
                double span = q->hi - q->lo;
                sol->at_bound[x] = fabs(u[x] - q->lo) < 1e-4 * span ||
                                   fabs(q->hi - u[x]) < 1e-4 * span;
                for (int y = 0; ok && y < p; y++) {
                    const cs_fit_parameter *qy = &f->spec->parameters[y];
                    double dy = du_dphi(qy, phi[y]) * sqrt(ratio[y]);
                    /* LU's inverse of a symmetric matrix is symmetric
                     * only to rounding: its mean with its transpose is */
                    sol->covariance[x][y] =
                        dx * dy * 0.5 *
                        (gsl_matrix_get(inv, (size_t)x, (size_t)y) +
                         gsl_matrix_get(inv, (size_t)y, (size_t)x));
                }
            }
            sol->singular = !ok;
            for (int x = 0; ok && x < p; x++)
                if (!(sol->covariance[x][x] >= 0) ||
                    !isfinite(sol->covariance[x][x]))
                    sol->singular = 1;
            gsl_matrix_free(scaled);
            gsl_matrix_free(inv);
            gsl_permutation_free(perm);
        }
    }
    for (int t = 0; t < n_evals; t++)
        evaluator_free(&evals[t]);
    free(mu);
    free(trial_mu);
    free(jac);
    gsl_matrix_free(a);
    gsl_vector_free(b);
    gsl_vector_free(d);
    return rc;
}

/* ---- year effects from the residuals ------------------------------------ */

#define YEAR_EFFECT_PRIOR_SD 0.03
#define YEAR_EFFECT_PRIOR_CHANGES 4.0

/* A measure's log residuals log(y / mu) in year order (the problem's
 * observations are by measure, then year), their years into year[];
 * returns how many (at most cap). */
static int log_residuals(const fit_problem *f, const double *mu, int measure,
                         int *year, double *r, int cap)
{
    int n = 0;
    for (int i = 0; i < f->n_obs && n < cap; i++)
        if (f->obs[i].measure == measure && f->obs[i].value > 0) {
            year[n] = f->obs[i].year;
            r[n++] = log(f->obs[i].value / mu[i]);
        }
    return n;
}

#define MAX_RESIDUALS (CS_MAX_YEARS + 1)

/* How much of one year's log residual the next year keeps, pooled over
 * the series (not the population): sum r(t) r(t-1) / sum r(t-1)^2 over
 * consecutive years, uncentred (each series' residuals average about 0
 * with its multiplier free, and centring a handful of years biases the
 * ratio down), kept to [0, 1]. *n_pairs: the pairs it rests on. */
static double residual_persistence(const fit_problem *f, const double *mu,
                                   int *n_pairs)
{
    double cross = 0, square = 0;
    int pairs = 0;
    for (int s = 0; s < f->n_series; s++) {
        if (f->series_group[s] == CS_FIT_POPULATION)
            continue;
        int year[MAX_RESIDUALS];
        double r[MAX_RESIDUALS];
        int n =
            log_residuals(f, mu, f->series_measure[s], year, r, MAX_RESIDUALS);
        for (int i = 1; i < n; i++)
            if (year[i] == year[i - 1] + 1) {
                cross += r[i] * r[i - 1];
                square += r[i - 1] * r[i - 1];
                pairs++;
            }
    }
    *n_pairs = pairs;
    double rho = square > 0 ? cross / square : 0;
    return rho < 0 ? 0 : rho > 1 ? 1 : rho;
}

void fit_year_effects(const fit_problem *f, const double *mu, double *sd,
                      int *n_changes, double *start, double *persistence,
                      int *n_pairs)
{
    const cs_fit_spec *spec = f->spec;
    double rho = residual_persistence(f, mu, n_pairs);
    *persistence = rho;
    int last_year = f->first_year + f->n_years;
    for (int e = 0; spec && e < spec->n_effects; e++) {
        double sum = 0, level = 0;
        int count = 0, at_end = 0;
        for (int k = 0; k < spec->effects[e].n_measures; k++) {
            int year[MAX_RESIDUALS];
            double r[MAX_RESIDUALS];
            int n = log_residuals(
                f, mu, cs_series_find_measure(spec->effects[e].measures[k]),
                year, r, MAX_RESIDUALS);
            for (int i = 1; i < n; i++)
                if (year[i] == year[i - 1] + 1) {
                    sum += (r[i] - r[i - 1]) * (r[i] - r[i - 1]);
                    count++;
                }
            /* the window's last year's level: its measures' mean */
            if (n > 0 && year[n - 1] == last_year) {
                level += r[n - 1];
                at_end++;
            }
        }
        /* with a prior: 3% a year, worth YEAR_EFFECT_PRIOR_CHANGES
         * changes (the national series moved 1.3% to 5.4% a year, sd, over
         * 2013-2019), so that two or three changes do not decide alone */
        sd[e] = sqrt((sum + YEAR_EFFECT_PRIOR_CHANGES * YEAR_EFFECT_PRIOR_SD *
                                YEAR_EFFECT_PRIOR_SD) /
                     (count + YEAR_EFFECT_PRIOR_CHANGES));
        n_changes[e] = count;
        /* the walk starts at that level as much as residuals persist */
        start[e] = at_end > 0 ? rho * level / at_end : 0;
    }
}
