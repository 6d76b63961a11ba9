/*
 * panel.c - borrowing strength across councils (fit.h, cs_fit_panel):
 * each council's series are short and, for a small council, noisy, so
 * each fitted parameter is shrunk towards the councils' centre by the
 * spread the panel itself shows (empirical Bayes; docs/fitting.md,
 * "Councils: borrowing strength").
 *
 * Stage 1 fits every council with the scenario's own priors. For each
 * parameter, what a council's figures alone say is recovered from the
 * normal approximation: a posterior N(u, se^2) under a prior N(0, s0^2)
 * is the likelihood's N(u_l, v_l) with 1/v_l = 1/se^2 - 1/s0^2 and
 * u_l = u v_l / se^2. The councils' u_l ~ N(mu, v_l + tau^2) give the
 * random-effects centre mu and between-council variance tau^2 by
 * DerSimonian and Laird's moment estimator. Stage 2 (the caller) refits
 * each council with the prior N(mu, tau^2) in place of the scenario's.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fit_internal.h"

/* the smallest between-council sd kept: below it the councils share the
 * centre (a prior that narrow fixes the parameter there) */
#define TAU_MIN 1e-3

typedef struct panel_job {
    const cs_scenario *s;
    const cs_series *data;
    const int *areas;
    int n_areas;
    const cs_fit_options *o;
    double (*u)[CS_MAX_FIT_PARAMETERS];  /* [area][parameter] */
    double (*se)[CS_MAX_FIT_PARAMETERS]; /* NaN: not usable */
    pthread_mutex_t lock;
    int next, failed, done;
    cs_fit_progress progress;
    void *progress_ctx;
    const char *name;
    struct timespec start;
} panel_job;

static void *panel_worker(void *arg)
{
    panel_job *j = arg;
    int p = j->s->fit->n_parameters;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int i = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (i >= j->n_areas)
            break;
        cs_fit_options o = *j->o;
        o.threads = 1;
        cs_fit_result *r = NULL;
        cs_error err;
        int rc = cs_fit_run(j->s, j->data, j->areas[i], &o, &r, &err);
        for (int x = 0; x < p; x++) {
            j->u[i][x] = NAN;
            j->se[i][x] = NAN;
            if (rc == CS_OK && cs_fit_converged(r) && !cs_fit_at_bound(r, x) &&
                isfinite(cs_fit_se(r, x)) && cs_fit_se(r, x) > 0) {
                j->u[i][x] = cs_fit_estimate(r, x);
                j->se[i][x] = cs_fit_se(r, x);
            }
        }
        pthread_mutex_lock(&j->lock);
        j->failed += rc != CS_OK;
        int done = ++j->done;
        pthread_mutex_unlock(&j->lock);
        if (j->progress)
            j->progress(j->progress_ctx, j->name, done, j->n_areas,
                        fit_seconds_since(&j->start));
        cs_fit_result_free(r);
    }
    return NULL;
}

int cs_fit_panel_from(const cs_fit_spec *spec, int n_areas,
                      double (*u)[CS_MAX_FIT_PARAMETERS],
                      double (*se)[CS_MAX_FIT_PARAMETERS], cs_fit_panel *out)
{
    memset(out, 0, sizeof *out);
    int p = spec->n_parameters;
    out->n_parameters = p;
    for (int x = 0; x < p; x++) {
        double s0 = spec->parameters[x].prior_sd;
        double m0 = spec->parameters[x].prior_mean;
        /* an amount a year (net migration) is in children, which councils
         * of different sizes do not share: the scenario's prior stays */
        if (spec->parameters[x].kind == CS_FIT_ADD) {
            out->mean[x] = m0;
            out->sd[x] = s0;
            out->kept[x] = 1;
            continue;
        }
        /* the likelihood's estimate and variance of each council */
        double sw = 0, sw2 = 0, swu = 0;
        int n = 0;
        double *ul = malloc((size_t)(n_areas > 0 ? n_areas : 1) * sizeof *ul);
        double *vl = malloc((size_t)(n_areas > 0 ? n_areas : 1) * sizeof *vl);
        if (!ul || !vl) {
            free(ul);
            free(vl);
            return CS_ENOMEM;
        }
        /* only where each council's figures say more than the prior: the
         * prior's share of the posterior precision under a half (undoing
         * a prior that dominates amplifies the estimate's errors, and the
         * parameters' correlations, which this ignores, do the rest) */
        int said = 0, informative = 0;
        for (int i = 0; i < n_areas; i++) {
            if (!isfinite(u[i][x]))
                continue;
            said++;
            double prec = 1 / (se[i][x] * se[i][x]);
            double lik = s0 > 0 ? prec - 1 / (s0 * s0) : prec;
            if (!(lik > 0.5 * prec))
                continue;
            informative++;
            vl[n] = 1 / lik;
            ul[n] = m0 + (u[i][x] - m0) * prec / lik;
            n++;
        }
        /* most councils must be informative, or the ones that are (the
         * largest) would set everyone's prior */
        if (informative < 0.5 * said)
            n = 0;
        for (int i = 0; i < n; i++) {
            double w = 1 / vl[i];
            sw += w;
            sw2 += w * w;
            swu += w * ul[i];
        }
        out->n_areas[x] = n;
        if (n < 3) {
            /* too few councils say anything: keep the scenario's prior */
            out->mean[x] = m0;
            out->sd[x] = s0;
            out->kept[x] = 1;
            free(ul);
            free(vl);
            continue;
        }
        double fixed = swu / sw, q = 0;
        for (int i = 0; i < n; i++)
            q += (ul[i] - fixed) * (ul[i] - fixed) / vl[i];
        double tau2 = (q - (n - 1)) / (sw - sw2 / sw);
        if (!(tau2 > TAU_MIN * TAU_MIN))
            tau2 = TAU_MIN * TAU_MIN;
        double w = 0, wu = 0;
        for (int i = 0; i < n; i++) {
            w += 1 / (vl[i] + tau2);
            wu += ul[i] / (vl[i] + tau2);
        }
        out->mean[x] = wu / w;
        /* never looser than the scenario's own prior */
        out->sd[x] = s0 > 0 && sqrt(tau2) > s0 ? s0 : sqrt(tau2);
        free(ul);
        free(vl);
    }
    return CS_OK;
}

int cs_fit_panel_estimate(const cs_scenario *s, const cs_series *data,
                          const int *areas, int n_areas,
                          const cs_fit_options *o, int threads,
                          cs_fit_progress progress, void *progress_ctx,
                          const char *name, cs_fit_panel *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    if (!s->fit)
        return cs_error_set(
            err, CS_EINPUT,
            "the scenario has no fit: section (docs/fitting.md)");
    panel_job j = {.s = s,
                   .data = data,
                   .areas = areas,
                   .n_areas = n_areas,
                   .o = o,
                   .progress = progress,
                   .progress_ctx = progress_ctx,
                   .name = name ? name : "prior"};
    clock_gettime(CLOCK_MONOTONIC, &j.start);
    j.u = malloc((size_t)(n_areas > 0 ? n_areas : 1) * sizeof *j.u);
    j.se = malloc((size_t)(n_areas > 0 ? n_areas : 1) * sizeof *j.se);
    if (!j.u || !j.se) {
        free(j.u);
        free(j.se);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&j.lock, NULL);
    threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
    if (threads > n_areas)
        threads = n_areas > 0 ? n_areas : 1;
    pthread_t ids[64];
    int started = 0;
    for (int t = 1; t < threads; t++)
        if (pthread_create(&ids[started], NULL, panel_worker, &j) == 0)
            started++;
    panel_worker(&j);
    for (int t = 0; t < started; t++)
        pthread_join(ids[t], NULL);
    pthread_mutex_destroy(&j.lock);
    int rc = cs_fit_panel_from(s->fit, n_areas, j.u, j.se, out);
    out->n_fitted = n_areas - j.failed;
    out->n_failed = j.failed;
    free(j.u);
    free(j.se);
    return rc == CS_OK ? CS_OK : cs_error_set(err, rc, "out of memory");
}

void cs_fit_panel_apply(cs_scenario *s, const cs_fit_panel *panel)
{
    for (int x = 0; x < panel->n_parameters && x < s->fit->n_parameters; x++) {
        cs_fit_parameter *q = &s->fit->parameters[x];
        /* inside the bounds, where the fitted scale can reach it */
        double span = q->hi - q->lo, m = panel->mean[x];
        if (m < q->lo + 1e-3 * span)
            m = q->lo + 1e-3 * span;
        if (m > q->hi - 1e-3 * span)
            m = q->hi - 1e-3 * span;
        q->prior_mean = m;
        q->prior_sd = panel->sd[x];
    }
}
