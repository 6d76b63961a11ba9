/*
 * batch.c - the scenarios of a batch and the pipeline that computes their
 * runs (batch.h): worker threads draw each run's parameters, compile its
 * model when they differ from the means, step it and cost it; the calling
 * thread hands the finished runs to the sink in the order asked.
 *
 * The pipeline is a ring of slots: worker k claims the next run of the
 * list and computes it into slot (index % n_slots); the caller delivers
 * slot after slot in list order as they become ready, and a worker waits
 * while its slot still holds a run not yet delivered. So delivery order,
 * and everything a sink writes, is the same for any number of threads,
 * the sink's work overlaps the computing, and memory holds at most
 * n_slots runs.
 */
#include "batch/batch_internal.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cascade/econ.h"
#include "cascade/sim.h"

void cs_batch_settings_init(cs_batch_settings *s)
{
    memset(s, 0, sizeof *s);
    s->threads = 1;
    s->parameter_uncertainty = 1;
    s->process_noise = 1;
    s->year_effects = 1;
}

int cs_batch_create(cs_batch **out, cs_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    return CS_OK;
}

void cs_batch_free(cs_batch *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n; i++) {
        cs_model_free(b->entries[i].model);
        cs_scenario_free(b->entries[i].scenario);
        free(b->entries[i].source);
    }
    free(b);
}

/* Scenarios stored in one batch must share months and stages. */
static int check_compatible(const cs_scenario *x, const cs_scenario *y,
                            const char *source, cs_error *err)
{
    if (x->base_year != y->base_year || x->base_month != y->base_month ||
        x->horizon_months != y->horizon_months)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' starts %04d-%02d for %d "
                            "months, but '%s' starts %04d-%02d for %d "
                            "months: scenarios run together must share "
                            "base_date and horizon",
                            source, y->name, y->base_year, y->base_month,
                            y->horizon_months, x->name, x->base_year,
                            x->base_month, x->horizon_months);
    int same = x->n_stages == y->n_stages;
    for (int s = 0; same && s < x->n_stages; s++)
        same = strcmp(x->stages[s].id, y->stages[s].id) == 0 &&
               x->stages[s].intervention == y->stages[s].intervention;
    if (!same)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has other stages than '%s': "
                            "scenarios run together must define the same "
                            "stages, in the same order (run each into its "
                            "own file with the same --seed and -n, and "
                            "cascade compare the two files)",
                            source, y->name, x->name);
    if (!strcmp(x->name, y->name))
        return cs_error_set(err, CS_EINPUT,
                            "%s: two scenarios are named '%s': give one "
                            "another name (name: in the file)",
                            source, y->name);
    return CS_OK;
}

/* A transition id must mean the same move in every scenario of a batch. */
static int check_flows(const cs_model *a, const char *a_name, const cs_model *b,
                       const char *b_name, const char *source, cs_error *err)
{
    for (int f = 0; f < cs_model_n_flows(b); f++)
        for (int g = 0; g < cs_model_n_flows(a); g++) {
            if (strcmp(cs_model_flow_label(a, g), cs_model_flow_label(b, f)))
                continue;
            if (strcmp(cs_model_flow_from(a, g), cs_model_flow_from(b, f)) ||
                strcmp(cs_model_flow_to(a, g), cs_model_flow_to(b, f)))
                return cs_error_set(
                    err, CS_EINPUT,
                    "%s: transition '%s' of scenario '%s' moves %s -> %s, "
                    "but in '%s' %s -> %s: a transition id must mean the "
                    "same move in scenarios run together",
                    source, cs_model_flow_label(b, f), b_name,
                    cs_model_flow_from(b, f), cs_model_flow_to(b, f), a_name,
                    cs_model_flow_from(a, g), cs_model_flow_to(a, g));
        }
    return CS_OK;
}

int cs_batch_add_scenario(cs_batch *b, const cs_scenario *scenario,
                          const char *source, cs_error *err)
{
    if (b->n == CS_BATCH_MAX_SCENARIOS)
        return cs_error_set(err, CS_EINPUT,
                            "%s: expected at most %d scenarios in one batch",
                            source, CS_BATCH_MAX_SCENARIOS);
    batch_entry *e = &b->entries[b->n];
    memset(e, 0, sizeof *e);
    int rc = CS_OK;
    for (int i = 0; i < b->n && rc == CS_OK; i++)
        rc = check_compatible(b->entries[i].scenario, scenario, source, err);
    if (rc != CS_OK)
        return rc;
    e->source = strdup(source ? source : "");
    rc = e->source ? cs_scenario_copy(scenario, &e->scenario, err)
                   : cs_error_set(err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK)
        rc = cs_model_compile(e->scenario, &e->model, err);
    for (int i = 0; i < b->n && rc == CS_OK; i++)
        rc = check_flows(b->entries[i].model, b->entries[i].scenario->name,
                         e->model, scenario->name, source, err);
    if (rc != CS_OK) {
        cs_model_free(e->model);
        cs_scenario_free(e->scenario);
        free(e->source);
        memset(e, 0, sizeof *e);
        return rc;
    }
    b->n++;
    return CS_OK;
}

int cs_batch_n_scenarios(const cs_batch *b)
{
    return b->n;
}

const cs_scenario *cs_batch_scenario(const cs_batch *b, int i)
{
    return b->entries[i].scenario;
}

const cs_model *cs_batch_model(const cs_batch *b, int i)
{
    return b->entries[i].model;
}

const char *cs_batch_source(const cs_batch *b, int i)
{
    return b->entries[i].source;
}

int batch_draws_parameters(const cs_batch_settings *s, const cs_scenario *sc)
{
    int fitted = sc->fit && sc->fit->has_covariance;
    return (sc->n_parameters > 0 || fitted) && !s->deterministic &&
           s->parameter_uncertainty;
}

int batch_draws_year_effects(const cs_batch_settings *s, const cs_scenario *sc)
{
    return sc->n_year_effects > 0 && !s->deterministic && s->year_effects;
}

double batch_seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) * 1e-9;
}

/* ---- the pipeline ------------------------------------------------------- */

/* One run's results, sized for the batch's largest model. */
typedef struct run_slot {
    long run;
    double *stocks, *flows, *costs, *spend, *capacity;
    double *budget; /* [month][CS_BUDGET_MEASURES] */
    double params[CS_MAX_PARAMETERS];
    cs_model *own_model;   /* with drawn parameters; freed on reuse */
    const cs_model *model; /* the model the run used */
    int status;            /* CS_OK, or what failed */
    cs_error err;
} run_slot;

typedef struct pipeline {
    const cs_batch_settings *settings;
    const batch_entry *entry;
    const long *runs;
    long n_runs;
    run_slot *slots;
    int n_slots;
    cs_sim **sims; /* one per worker, on the mean model */
    pthread_mutex_t lock;
    pthread_cond_t changed;      /* a slot became ready or free, or stop */
    long next_claim, next_write; /* indices into runs[] */
    unsigned char *ready;        /* per slot */
    int stop;
} pipeline;

typedef struct worker_arg {
    pipeline *p;
    int id;
} worker_arg;

/* Compute one run into its slot. A run that draws its own parameters gets
 * its own scenario, model and stepper; the others share the mean model
 * and the worker's stepper. */
static void compute_slot(const pipeline *p, cs_sim *sim, run_slot *b)
{
    const batch_entry *e = p->entry;
    const cs_batch_settings *s = p->settings;
    const cs_scenario *sc = e->scenario;
    cs_model_free(b->own_model);
    b->own_model = NULL;
    b->model = e->model;
    b->status = CS_OK;
    cs_error_clear(&b->err);
    cs_sim *own_sim = NULL;
    int params = batch_draws_parameters(s, sc);
    if (!params)
        for (int i = 0; i < sc->n_parameters; i++)
            b->params[i] = sc->parameters[i].mean;
    if (params || batch_draws_year_effects(s, sc)) {
        /* this run's own scenario, model and stepper */
        cs_scenario *drawn = NULL;
        b->status = params ? cs_scenario_draw(sc, s->seed, (uint32_t)b->run,
                                              &drawn, b->params, &b->err)
                           : cs_scenario_copy(sc, &drawn, &b->err);
        if (b->status == CS_OK && batch_draws_year_effects(s, sc))
            b->status = cs_scenario_draw_year_effects(
                drawn, s->seed, (uint32_t)b->run, &b->err);
        if (b->status == CS_OK)
            b->status = cs_model_compile(drawn, &b->own_model, &b->err);
        cs_scenario_free(drawn);
        if (b->status == CS_OK && !(own_sim = cs_sim_alloc(b->own_model)))
            b->status = cs_error_set(&b->err, CS_ENOMEM, "out of memory");
        if (b->status != CS_OK)
            return;
        b->model = b->own_model;
        sim = own_sim;
    }
    cs_sim_mode mode = s->deterministic || !s->process_noise
                           ? CS_SIM_DETERMINISTIC
                           : CS_SIM_STOCHASTIC;
    cs_sim_record_budget(sim, b->budget);
    cs_sim_run(sim, mode, s->seed, (uint32_t)b->run, b->stocks, b->flows,
               b->capacity);
    cs_sim_record_budget(sim, NULL);
    cs_costs_compute(b->model, b->stocks, b->flows, b->capacity, b->costs,
                     b->spend);
    cs_sim_free(own_sim);
}

static void *worker(void *arg)
{
    worker_arg *w = arg;
    pipeline *p = w->p;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->next_claim < p->n_runs &&
               p->next_claim - p->next_write >= p->n_slots)
            pthread_cond_wait(&p->changed, &p->lock);
        if (p->stop || p->next_claim >= p->n_runs)
            break;
        long i = p->next_claim++;
        pthread_mutex_unlock(&p->lock);
        run_slot *b = &p->slots[i % p->n_slots];
        b->run = p->runs[i];
        compute_slot(p, p->sims[w->id], b);
        pthread_mutex_lock(&p->lock);
        p->ready[i % p->n_slots] = 1;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Wait until the slot of list index i is computed. */
static run_slot *wait_slot(pipeline *p, long i)
{
    pthread_mutex_lock(&p->lock);
    while (!p->ready[i % p->n_slots])
        pthread_cond_wait(&p->changed, &p->lock);
    pthread_mutex_unlock(&p->lock);
    return &p->slots[i % p->n_slots];
}

/* The slot of list index i is delivered: a worker may reuse it. */
static void release_slot(pipeline *p, long i)
{
    pthread_mutex_lock(&p->lock);
    p->ready[i % p->n_slots] = 0;
    p->next_write = i + 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

static void free_slots(run_slot *slots, int n)
{
    for (int k = 0; slots && k < n; k++) {
        free(slots[k].stocks);
        free(slots[k].flows);
        free(slots[k].costs);
        free(slots[k].spend);
        free(slots[k].capacity);
        free(slots[k].budget);
        cs_model_free(slots[k].own_model);
    }
    free(slots);
}

static run_slot *alloc_slots(const cs_model *m, int n)
{
    run_slot *slots = calloc((size_t)n, sizeof *slots);
    if (!slots)
        return NULL;
    size_t months = (size_t)cs_model_n_months(m);
    size_t stocks = months * (size_t)cs_model_n_stages(m) * CS_AGES;
    size_t flows = months * (size_t)cs_model_n_flows(m);
    size_t lines = months * (size_t)(cs_model_n_cost_lines(m) + 1);
    size_t capacity = months * (size_t)(cs_model_n_capacity(m) + 1) * 3;
    for (int k = 0; k < n; k++) {
        run_slot *b = &slots[k];
        b->stocks = calloc(stocks, sizeof *b->stocks);
        b->flows = calloc(flows, sizeof *b->flows);
        b->costs = calloc(lines, sizeof *b->costs);
        b->spend = calloc(months * CS_N_SPEND, sizeof *b->spend);
        b->capacity = calloc(capacity, sizeof *b->capacity);
        b->budget = calloc(months * CS_BUDGET_MEASURES, sizeof *b->budget);
        if (!b->stocks || !b->flows || !b->costs || !b->spend || !b->capacity ||
            !b->budget) {
            free_slots(slots, n);
            return NULL;
        }
    }
    return slots;
}

static int stop_requested(const cs_batch_settings *s)
{
    return s->stop && *s->stop;
}

int cs_batch_compute(cs_batch *batch, const cs_batch_settings *s, int scenario,
                     const long *runs, long n, cs_run_sink sink, void *ctx,
                     long *delivered, cs_error *err)
{
    long done = 0;
    if (delivered)
        *delivered = 0;
    if (scenario < 0 || scenario >= batch->n)
        return cs_error_set(err, CS_EINPUT, "no scenario %d in the batch",
                            scenario);
    if (s->threads < 1 || s->threads > 256)
        return cs_error_set(err, CS_EINPUT,
                            "expected 1 to 256 threads, found %d", s->threads);
    if (n <= 0)
        return CS_OK;
    const batch_entry *e = &batch->entries[scenario];
    int threads = s->threads;
    if (threads > n)
        threads = (int)n;
    int n_slots = 4 * threads;
    int rc = CS_OK;
    cs_sim *sims[256] = {NULL};
    pipeline p = {.settings = s,
                  .entry = e,
                  .runs = runs,
                  .n_runs = n,
                  .slots = alloc_slots(e->model, n_slots),
                  .n_slots = n_slots,
                  .sims = sims,
                  .ready = calloc((size_t)n_slots, 1)};
    if (!p.slots || !p.ready)
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int i = 0; i < threads && rc == CS_OK; i++)
        if (!(sims[i] = cs_sim_alloc(e->model)))
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    pthread_t ids[256];
    worker_arg args[256];
    int started = 0;
    if (rc == CS_OK) {
        pthread_mutex_init(&p.lock, NULL);
        pthread_cond_init(&p.changed, NULL);
        for (int id = 0; id < threads; id++) {
            args[id] = (worker_arg){&p, id};
            if (pthread_create(&ids[id], NULL, worker, &args[id]) != 0)
                break;
            started++;
        }
        if (started == 0)
            rc = cs_error_set(err, CS_EFAIL, "cannot start a thread");
    }
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < n && rc == CS_OK && !stop_requested(s); i++) {
        run_slot *b = wait_slot(&p, i);
        if (b->status != CS_OK) {
            rc = cs_error_set(err, b->status, "run %ld of '%s': %s", b->run,
                              e->scenario->name, b->err.message);
            break;
        }
        cs_run_record record = {
            .scenario = scenario,
            .run = b->run,
            .model = b->model,
            .n_params = e->scenario->n_parameters,
            .params = b->params,
            .stocks = b->stocks,
            .flows = b->flows,
            .costs = b->costs,
            .spend = b->spend,
            .capacity = b->capacity,
            .budget = e->scenario->budget.present ? b->budget : NULL,
        };
        rc = sink(ctx, &record, err);
        release_slot(&p, i);
        if (rc > 0) { /* the sink stops the batch: not an error */
            rc = CS_OK;
            break;
        }
        if (rc != CS_OK)
            break;
        done = i + 1;
        if (s->progress)
            s->progress(s->progress_ctx, e->scenario->name, done, n,
                        batch_seconds_since(&start));
    }
    if (started > 0) {
        pthread_mutex_lock(&p.lock);
        p.stop = 1; /* after an error or a stop: compute no more */
        pthread_cond_broadcast(&p.changed);
        pthread_mutex_unlock(&p.lock);
        for (int id = 0; id < started; id++)
            pthread_join(ids[id], NULL);
        pthread_cond_destroy(&p.changed);
        pthread_mutex_destroy(&p.lock);
    }
    free(p.ready);
    free_slots(p.slots, n_slots);
    for (int i = 0; i < threads; i++)
        cs_sim_free(sims[i]);
    if (delivered)
        *delivered = done;
    return rc;
}
