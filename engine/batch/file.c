/*
 * file.c - cs_batch_write: a batch of runs into one HDF5 file (batch.h).
 *
 * Order matters for safety: the file is built under a temporary name and
 * renamed only when closed (output.h), so a failure never damages an
 * earlier file; a batch stopped early is closed as "<path>.partial", so an
 * incomplete file never replaces a complete one, and resuming continues
 * from it.
 *
 * Several scenarios share one file: their transitions are stored as the
 * union of all of theirs in first-seen order (a transition a scenario
 * lacks has zero flow in it), and likewise the stages with capacity.
 *
 * Under MPI (the ranks of a communicator share the runs) rank 0 creates
 * the file serially, with everything but the runs (parallel HDF5 1.10
 * cannot write variable-length strings collectively), and detaches it;
 * every rank adopts it with MPI-IO and computes every size-th run, writing
 * them in collective rounds (one hyperslab per dataset and round: a
 * collective write per run would synchronise the ranks at every run);
 * every rank takes part in every round, with no runs once its share is
 * done, and all stop at the same round after an error or a stop on any
 * of them. Rank 0 then writes the summaries and renames the file.
 */
#include "batch/batch_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cascade/econ.h"
#include "cascade/output.h"
#include "cascade_config.h"
#if CASCADE_MPI
#include <mpi.h>
#endif

/* A sink's return value asking the batch to stop without an error. */
#define SINK_STOP 1

/* ---- this process among the ranks --------------------------------------- */

typedef struct ranks {
    int rank, size;
    const void *comm; /* MPI_Comm *, or NULL alone */
} ranks;

static int ranks_init(ranks *r, const void *comm, cs_error *err)
{
    r->rank = 0;
    r->size = 1;
    r->comm = NULL;
    if (!comm)
        return CS_OK;
#if CASCADE_MPI
    MPI_Comm c = *(const MPI_Comm *)comm;
    MPI_Comm_rank(c, &r->rank);
    MPI_Comm_size(c, &r->size);
    r->comm = r->size > 1 ? comm : NULL;
    return CS_OK;
#else
    return cs_error_set(err, CS_EINPUT,
                        "this cascade was built without MPI (meson setup "
                        "-Dmpi=true)");
#endif
}

/* flags[i] becomes 1 if any rank has it set (every rank calls this, in the
 * same order). */
static void any_rank(const ranks *r, int *flags, int n)
{
#if CASCADE_MPI
    if (r->comm)
        MPI_Allreduce(MPI_IN_PLACE, flags, n, MPI_INT, MPI_MAX,
                      *(const MPI_Comm *)r->comm);
#else
    (void)r;
    (void)flags;
    (void)n;
#endif
}

/* Every rank returns the status of rank 0 (whose err says why). */
static int rank0_status(const ranks *r, int rc, cs_error *err)
{
#if CASCADE_MPI
    if (!r->comm)
        return rc;
    int status = rc;
    MPI_Bcast(&status, 1, MPI_INT, 0, *(const MPI_Comm *)r->comm);
    if (r->rank != 0) {
        rc = status;
        if (status != CS_OK)
            cs_error_set(err, status, "%s", ""); /* rank 0 says why */
    }
    return rc;
#else
    (void)r;
    (void)err;
    return rc;
#endif
}

/* ---- the file's layout: the union of the scenarios' flows --------------- */

typedef struct file_layout {
    int n_flows;
    const char **label, **from, **to;
    int *file_flow[CS_BATCH_MAX_SCENARIOS]; /* model flow -> file */
    int n_capacity;
    const char *capacity_label[CS_MAX_STAGES];
    int file_capacity[CS_BATCH_MAX_SCENARIOS][CS_MAX_STAGES];
    int index[CS_BATCH_MAX_SCENARIOS]; /* scenario -> index in the file */
    int has_budget;                    /* some scenario has a budget */
} file_layout;

static void layout_free(file_layout *u, int n)
{
    free(u->label);
    free(u->from);
    free(u->to);
    for (int i = 0; i < n; i++)
        free(u->file_flow[i]);
}

static int layout_add(file_layout *u, int i, const cs_model *m, cs_error *err)
{
    int n = cs_model_n_flows(m);
    u->file_flow[i] = malloc((size_t)n * sizeof *u->file_flow[i]);
    const char **label =
        realloc(u->label, (size_t)(u->n_flows + n) * sizeof *label);
    if (label)
        u->label = label;
    const char **from =
        realloc(u->from, (size_t)(u->n_flows + n) * sizeof *from);
    if (from)
        u->from = from;
    const char **to = realloc(u->to, (size_t)(u->n_flows + n) * sizeof *to);
    if (to)
        u->to = to;
    if (!u->file_flow[i] || !label || !from || !to)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int f = 0; f < n; f++) {
        const char *id = cs_model_flow_label(m, f);
        int j = 0;
        while (j < u->n_flows && strcmp(u->label[j], id) != 0)
            j++;
        if (j == u->n_flows) {
            u->label[j] = id;
            u->from[j] = cs_model_flow_from(m, f);
            u->to[j] = cs_model_flow_to(m, f);
            u->n_flows++;
        }
        u->file_flow[i][f] = j;
    }
    const cs_scenario *sc = cs_model_scenario(m);
    u->has_budget |= sc->budget.present;
    for (int j = 0; j < cs_model_n_capacity(m); j++) {
        const char *id = sc->stages[cs_model_capacity_stage(m, j)].id;
        int k = 0;
        while (k < u->n_capacity && strcmp(u->capacity_label[k], id) != 0)
            k++;
        if (k == u->n_capacity)
            u->capacity_label[u->n_capacity++] = id;
        u->file_capacity[i][j] = k;
    }
    return CS_OK;
}

/* ---- writing one run ---------------------------------------------------- */

/* One scenario's runs on their way into the file. Under MPI the runs are
 * gathered into rounds of per_round runs, [round slot][...] per dataset. */
typedef struct file_sink {
    cs_output *out;
    const ranks *ranks;
    const file_layout *layout;
    int scenario, index;
    volatile sig_atomic_t *stop; /* under MPI: agreed at each round */
    size_t n_params, n_stocks, n_flows, n_costs, n_spend, n_cap;
    size_t n_budget;          /* 0: the scenario has no budget */
    size_t n_leavers;         /* 0: the scenario has no care_leavers: */
    double *flows, *capacity; /* one run in the file's layout, serially */
    double *leavers;          /* one run's care leavers [month], serially */
    /* MPI rounds */
    long per_round, in_round, rounds_done, rounds;
    long first_run; /* run index of the round's first run */
    double *r_params, *r_cap, *r_stocks, *r_flows, *r_costs, *r_spend;
    double *r_budget, *r_leavers;
    int stopped;       /* a stop was agreed */
    long runs_written; /* by this rank */
} file_sink;

/* One run's flows and capacity record in the file's layout. */
static void map_run(const file_sink *k, const cs_run_record *r, double *flows,
                    double *capacity)
{
    const cs_model *m = r->model;
    const file_layout *u = k->layout;
    int n_months = cs_model_n_months(m), n_flows = cs_model_n_flows(m);
    int nff = u->n_flows, nfc = u->n_capacity, n_cap = cs_model_n_capacity(m);
    memset(flows, 0, sizeof *flows * (size_t)n_months * (size_t)nff);
    for (int t = 0; t < n_months; t++)
        for (int f = 0; f < n_flows; f++)
            flows[(size_t)t * nff + (size_t)u->file_flow[k->scenario][f]] =
                r->flows[(size_t)t * n_flows + (size_t)f];
    /* a stage this scenario does not limit has no places: NaN */
    for (size_t i = 0; i < (size_t)n_months * (size_t)nfc * 3; i++)
        capacity[i] = NAN;
    for (int t = 0; t < n_months; t++)
        for (int j = 0; j < n_cap; j++)
            memcpy(capacity +
                       ((size_t)t * nfc + u->file_capacity[k->scenario][j]) * 3,
                   r->capacity + ((size_t)t * n_cap + j) * 3,
                   3 * sizeof *capacity);
}

static int write_serial(void *ctx, const cs_run_record *r, cs_error *err)
{
    file_sink *k = ctx;
    map_run(k, r, k->flows, k->capacity);
    int run = (int)r->run, rc = CS_OK;
    if (k->n_params > 0)
        rc = cs_output_write_params(k->out, k->index, run, r->params, err);
    if (rc == CS_OK && k->layout->n_capacity > 0)
        rc = cs_output_write_capacity(k->out, k->index, run, k->capacity, err);
    if (rc == CS_OK && k->n_budget > 0)
        rc =
            cs_output_write_budget(k->out, k->index, run, 1, 1, r->budget, err);
    if (rc == CS_OK && k->n_leavers > 0) {
        cs_care_leavers_count(r->model, r->flows, k->leavers);
        rc = cs_output_write_care_leavers(k->out, k->index, run, 1, 1,
                                          k->leavers, err);
    }
    if (rc == CS_OK)
        rc = cs_output_write_run(k->out, k->index, run, r->stocks, k->flows,
                                 k->n_costs ? r->costs : NULL, r->spend, err);
    if (rc == CS_OK)
        k->runs_written++;
    return rc;
}

/*
 * One collective round: every rank agrees whether any failed (flags[0]) or
 * was asked to stop (flags[1]); if neither, each writes the in_round runs
 * it holds. Returns CS_OK, SINK_STOP, or an error (an empty message when
 * another rank failed: it says why).
 */
static int write_round(file_sink *k, int failed)
{
    cs_error err;
    int flags[2] = {failed, k->stop && *k->stop};
    any_rank(k->ranks, flags, 2);
    if (flags[0] || flags[1]) {
        k->stopped = !flags[0];
        return flags[0] ? CS_EFAIL : SINK_STOP;
    }
    int rc = CS_OK;
    if (k->n_budget > 0)
        rc = cs_output_write_budget(k->out, k->index, (int)k->first_run,
                                    k->ranks->size, (int)k->in_round,
                                    k->r_budget, &err);
    if (rc == CS_OK && k->n_leavers > 0)
        rc = cs_output_write_care_leavers(k->out, k->index, (int)k->first_run,
                                          k->ranks->size, (int)k->in_round,
                                          k->r_leavers, &err);
    if (rc == CS_OK)
        rc = cs_output_write_runs(k->out, k->index, (int)k->first_run,
                                  k->ranks->size, (int)k->in_round, k->r_params,
                                  k->r_cap, k->r_stocks, k->r_flows, k->r_costs,
                                  k->r_spend, &err);
    int write_failed[1] = {rc != CS_OK};
    any_rank(k->ranks, write_failed, 1);
    if (rc == CS_OK)
        k->runs_written += k->in_round;
    k->rounds_done++;
    k->in_round = 0;
    return write_failed[0] ? CS_EFAIL : CS_OK;
}

static int write_gathered(void *ctx, const cs_run_record *r, cs_error *err)
{
    file_sink *k = ctx;
    size_t q = (size_t)k->in_round;
    if (q == 0)
        k->first_run = r->run;
    memcpy(k->r_params + q * k->n_params, r->params,
           k->n_params * sizeof *r->params);
    memcpy(k->r_stocks + q * k->n_stocks, r->stocks,
           k->n_stocks * sizeof *r->stocks);
    memcpy(k->r_costs + q * k->n_costs, r->costs,
           k->n_costs * sizeof *r->costs);
    memcpy(k->r_spend + q * k->n_spend, r->spend,
           k->n_spend * sizeof *r->spend);
    if (k->n_budget > 0)
        memcpy(k->r_budget + q * k->n_budget, r->budget,
               k->n_budget * sizeof *r->budget);
    if (k->n_leavers > 0)
        cs_care_leavers_count(r->model, r->flows,
                              k->r_leavers + q * k->n_leavers);
    map_run(k, r, k->r_flows + q * k->n_flows, k->r_cap + q * k->n_cap);
    k->in_round++;
    if (k->in_round < k->per_round)
        return CS_OK;
    int rc = write_round(k, 0);
    if (rc < 0)
        cs_error_set(err, rc, "%s", ""); /* the failing rank says why */
    return rc;
}

static void sink_free(file_sink *k)
{
    free(k->flows);
    free(k->capacity);
    free(k->r_params);
    free(k->r_cap);
    free(k->r_stocks);
    free(k->r_flows);
    free(k->r_costs);
    free(k->r_spend);
    free(k->r_budget);
    free(k->leavers);
    free(k->r_leavers);
}

static int sink_init(file_sink *k, const cs_model *m, const file_layout *u,
                     int scenario, long per_round, cs_error *err)
{
    size_t months = (size_t)cs_model_n_months(m);
    k->layout = u;
    k->scenario = scenario;
    k->index = u->index[scenario];
    k->n_params = (size_t)cs_model_scenario(m)->n_parameters;
    k->n_stocks = months * (size_t)cs_model_n_stages(m) * CS_AGES;
    k->n_flows = months * (size_t)u->n_flows;
    k->n_costs = months * (size_t)cs_model_n_cost_lines(m);
    k->n_spend = months * CS_N_SPEND;
    k->n_cap = months * (size_t)u->n_capacity * 3;
    k->n_budget =
        cs_model_scenario(m)->budget.present ? months * CS_BUDGET_MEASURES : 0;
    k->n_leavers = cs_model_scenario(m)->care_leavers.present ? months : 0;
    k->per_round = per_round;
    size_t q = (size_t)(per_round > 0 ? per_round : 1);
    k->flows = calloc(k->n_flows + 1, sizeof *k->flows);
    k->capacity = calloc(k->n_cap + 1, sizeof *k->capacity);
    k->leavers = calloc(k->n_leavers + 1, sizeof *k->leavers);
    if (per_round > 0) {
        k->r_params = calloc(q * (k->n_params + 1), sizeof *k->r_params);
        k->r_cap = calloc(q * (k->n_cap + 1), sizeof *k->r_cap);
        k->r_stocks = calloc(q * k->n_stocks, sizeof *k->r_stocks);
        k->r_flows = calloc(q * (k->n_flows + 1), sizeof *k->r_flows);
        k->r_costs = calloc(q * (k->n_costs + 1), sizeof *k->r_costs);
        k->r_spend = calloc(q * k->n_spend, sizeof *k->r_spend);
        k->r_budget = calloc(q * (k->n_budget + 1), sizeof *k->r_budget);
        k->r_leavers = calloc(q * (k->n_leavers + 1), sizeof *k->r_leavers);
        if (!k->r_params || !k->r_cap || !k->r_stocks || !k->r_flows ||
            !k->r_costs || !k->r_spend || !k->r_budget || !k->r_leavers)
            return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    if (!k->flows || !k->capacity || !k->leavers)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    return CS_OK;
}

/* ---- the file's description -------------------------------------------- */

static const char *const distribution_names[6] = {
    "beta", "gamma", "lognormal", "normal", "uniform", "triangular"};

/* The scenario's prices and parameter names, written once per file. */
static int describe_scenario(const cs_batch_settings *s, const cs_model *m,
                             cs_output *out, int index, cs_error *err)
{
    const cs_scenario *sc = cs_model_scenario(m);
    int n_months = cs_model_n_months(m);
    int n_lines = cs_model_n_cost_lines(m);
    double *unit_costs =
        calloc((size_t)n_months * (size_t)(n_lines + 1), sizeof *unit_costs);
    double *deflator = calloc((size_t)n_months, sizeof *deflator);
    if (!unit_costs || !deflator) {
        free(unit_costs);
        free(deflator);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    for (int t = 0; t < n_months; t++) {
        deflator[t] = cs_model_deflator(m, t);
        for (int l = 0; l < n_lines; l++)
            unit_costs[t * n_lines + l] = cs_model_unit_cost(m, l, t);
    }
    char price_base[16];
    snprintf(price_base, sizeof price_base, "%d/%02d", sc->price_base_year,
             (sc->price_base_year + 1) % 100);
    int rc =
        cs_output_set_prices(out, index, unit_costs, deflator, price_base, err);
    free(unit_costs);
    free(deflator);
    if (rc != CS_OK || sc->n_parameters == 0)
        return rc;
    const char *names[CS_MAX_PARAMETERS];
    char described[CS_MAX_PARAMETERS][96];
    const char *descriptions[CS_MAX_PARAMETERS];
    for (int i = 0; i < sc->n_parameters; i++) {
        const cs_parameter *p = &sc->parameters[i];
        names[i] = p->path;
        if (p->dist == CS_DIST_UNIFORM)
            snprintf(described[i], sizeof described[i],
                     "uniform(min=%g, max=%g)", p->a, p->b);
        else if (p->dist == CS_DIST_TRIANGULAR)
            snprintf(described[i], sizeof described[i],
                     "triangular(min=%g, mode=%g, max=%g)", p->a, p->b, p->c);
        else
            snprintf(described[i], sizeof described[i], "%s(mean=%g, sd=%g)",
                     distribution_names[p->dist], p->a, p->b);
        descriptions[i] = described[i];
    }
    return cs_output_add_parameters(out, index, sc->n_parameters, names,
                                    descriptions, batch_draws_parameters(s, sc),
                                    err);
}

/* Create the file with every scenario and its description, no runs. */
/* 1 if the runs of any scenario of the batch draw year effects. */
static int draws_year_effects(const cs_batch *b, const cs_batch_settings *s)
{
    for (int i = 0; i < b->n; i++)
        if (batch_draws_year_effects(s, b->entries[i].scenario))
            return 1;
    return 0;
}

static int create_file(const cs_batch *b, const cs_batch_settings *s,
                       const cs_batch_file *f, long n_runs, file_layout *u,
                       cs_output **out, cs_error *err)
{
    static const char *const kinds[3] = {"none", "early", "late"};
    static const char *const categories[4] = {"none", "cin", "cp",
                                              "looked_after"};
    const cs_model *m = b->entries[0].model;
    const cs_scenario *sc = b->entries[0].scenario;
    int n_months = cs_model_n_months(m), n_stages = cs_model_n_stages(m);
    int n_lines = cs_model_n_cost_lines(m), n_fys = cs_model_n_fys(m);
    const char **month = calloc((size_t)n_months, sizeof *month);
    const char **stage = calloc((size_t)n_stages, sizeof *stage);
    const char **line = calloc((size_t)n_lines + 1, sizeof *line);
    const char **kind = calloc((size_t)n_lines + 1, sizeof *kind);
    const char **stage_kind = calloc((size_t)n_stages, sizeof *stage_kind);
    const char **stage_group = calloc((size_t)n_stages, sizeof *stage_group);
    const char **stage_category =
        calloc((size_t)n_stages, sizeof *stage_category);
    const char **fy_label = calloc((size_t)n_fys, sizeof *fy_label);
    int *month_fy = calloc((size_t)n_months, sizeof *month_fy);
    int rc = CS_OK;
    if (!month || !stage || !line || !kind || !stage_kind || !stage_group ||
        !stage_category || !fy_label || !month_fy) {
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
        goto done;
    }
    for (int t = 0; t < n_months; t++) {
        month[t] = cs_model_month_label(m, t);
        month_fy[t] = cs_model_month_fy(m, t);
    }
    for (int y = 0; y < n_fys; y++)
        fy_label[y] = cs_model_fy_label(m, y);
    for (int st = 0; st < n_stages; st++) {
        const cs_stage *x = &sc->stages[st];
        stage[st] = x->id;
        stage_kind[st] = kinds[x->intervention];
        stage_group[st] = x->group >= 0 ? sc->groups[x->group].id : "";
        stage_category[st] = categories[x->dfe];
    }
    for (int l = 0; l < n_lines; l++) {
        line[l] = cs_model_cost_line_label(m, l);
        kind[l] = cs_model_cost_line_intervention(m, l) == CS_INTERVENTION_EARLY
                      ? "early"
                      : "late";
    }
    cs_output_dims dims = {.n_months = n_months,
                           .month_labels = month,
                           .n_stages = n_stages,
                           .stage_labels = stage,
                           .n_ages = CS_AGES,
                           .n_transitions = u->n_flows,
                           .transition_labels = u->label,
                           .transition_from = u->from,
                           .transition_to = u->to,
                           .n_cost_lines = n_lines,
                           .cost_line_labels = line,
                           .cost_line_intervention = kind,
                           .n_capacity = u->n_capacity,
                           .capacity_labels = u->capacity_label,
                           .has_budget = u->has_budget,
                           .stage_intervention = stage_kind,
                           .stage_group = stage_group,
                           .stage_category = stage_category,
                           .n_financial_years = n_fys,
                           .financial_year_labels = fy_label,
                           .month_financial_year = month_fy};
    cs_output_meta meta = {CASCADE_VERSION,
                           f->command_line ? f->command_line : "",
                           s->seed,
                           "philox4x32-10",
                           sc->resolved_yaml,
                           !s->deterministic && s->parameter_uncertainty,
                           !s->deterministic && s->process_noise,
                           draws_year_effects(b, s)};
    rc = cs_output_create(f->path, f->force, &meta, &dims, out, err);
    for (int i = 0; i < b->n && rc == CS_OK; i++) {
        const cs_scenario *x = b->entries[i].scenario;
        char schedule[CS_DISCOUNT_TEXT_MAX];
        if (cs_discount_format(&x->discount, schedule, sizeof schedule) < 0)
            schedule[0] = '\0'; /* cannot happen: a schedule fits */
        cs_output_figures *figures = NULL;
        rc = batch_figures_of(x, &figures, err);
        cs_output_scenario_info info = {
            x->resolved_yaml, x->discount.rate[0],     x->extends_source,
            x->extends_hash,  x->resolved_hash,        x->budget.present,
            schedule,         x->care_leavers.present, figures};
        if (rc == CS_OK)
            rc = cs_output_add_scenario(*out, x->name, &info, (int)n_runs,
                                        &u->index[i], err);
        free(figures);
    }
    for (int i = 0; i < b->n && rc == CS_OK; i++)
        rc = describe_scenario(s, b->entries[i].model, *out, u->index[i], err);
done:
    free(month);
    free(stage);
    free(line);
    free(kind);
    free(stage_kind);
    free(stage_group);
    free(stage_category);
    free(fy_label);
    free(month_fy);
    return rc;
}

/* The file to resume must hold this very batch: same program, seed,
 * modes and scenarios (resolved YAML), and no more runs than asked for (a
 * batch of fewer is extended: cs_batch_write). */
static int check_resumable(const cs_batch *b, const cs_batch_settings *s,
                           long n_runs, const cs_result *earlier,
                           const char *path, cs_error *err)
{
    cs_result_batch batch;
    int rc = cs_result_read_batch(earlier, &batch, err);
    if (rc != CS_OK)
        return rc;
    int drawn = !s->deterministic && s->parameter_uncertainty;
    int noise = !s->deterministic && s->process_noise;
    int effects = draws_year_effects(b, s);
    const char *why = NULL;
    char detail[160] = "";
    if (strcmp(batch.cascade_version, CASCADE_VERSION) != 0) {
        why = "it was written by another version of cascade";
        snprintf(detail, sizeof detail, " (%s, this is %s)",
                 batch.cascade_version, CASCADE_VERSION);
    } else if (batch.seed != s->seed) {
        why = "its seed differs";
        snprintf(detail, sizeof detail, " (%llu, here %llu)",
                 (unsigned long long)batch.seed, (unsigned long long)s->seed);
    } else if (batch.parameter_uncertainty != drawn ||
               batch.process_noise != noise) {
        why = batch.parameter_uncertainty < 0 || batch.process_noise < 0
                  ? "it was written before cascade recorded how runs were "
                    "made (parameter_uncertainty, process_noise)"
                  : "its runs were made with other --no-parameter-uncertainty "
                    "or --no-process-noise options";
    } else if (batch.year_effects != effects) {
        why = "its runs were made with another --no-year-effects option";
    } else if (cs_result_n_scenarios(earlier) != b->n) {
        why = "it holds other scenarios";
    }
    for (int i = 0; !why && i < b->n; i++) {
        const cs_scenario *sc = b->entries[i].scenario;
        const char *yaml = cs_result_scenario_yaml(earlier, i);
        if (strcmp(cs_result_scenario_name(earlier, i), sc->name) != 0) {
            why = "it holds other scenarios, or in another order";
        } else if (!yaml || strcmp(yaml, sc->resolved_yaml) != 0) {
            why = "a scenario has changed since";
            snprintf(detail, sizeof detail, " ('%s')", sc->name);
        } else if (cs_result_n_runs(earlier, i) > n_runs) {
            why = "its batch has more runs than -n asks for";
            snprintf(detail, sizeof detail,
                     " (%d, here -n %ld; a batch can be extended to more "
                     "runs, not cut to fewer: resume without -n, or with -n "
                     "%d or more)",
                     cs_result_n_runs(earlier, i), n_runs,
                     cs_result_n_runs(earlier, i));
        }
    }
    if (why)
        return cs_error_set(err, CS_EINPUT,
                            "cascade run: cannot resume %s: %s%s; run "
                            "without --resume (and another -o) to start a "
                            "new batch",
                            path, why, detail);
    return CS_OK;
}

int cs_batch_partial_path(const char *path, char *out, size_t size)
{
    int n = snprintf(out, size, "%s.partial", path);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/*
 * Under MPI: rank 0 has created the file (*out, or failed); it detaches it
 * and every rank adopts it on the communicator. On return every rank has
 * the same status; *tmp_path names the file (to finish or delete) once it
 * exists.
 */
static int share_file(const ranks *r, int rc, cs_output **out, const char *path,
                      char **tmp_path, cs_error *err)
{
#if CASCADE_MPI
    MPI_Comm comm = *(const MPI_Comm *)r->comm;
    long length = 0;
    if (r->rank == 0) {
        if (*out && rc == CS_OK)
            rc = cs_output_detach(*out, tmp_path, err);
        else if (*out)
            cs_output_abort(*out);
        *out = NULL;
        length = rc == CS_OK ? (long)strlen(*tmp_path) + 1 : 0;
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc != CS_OK) {
        if (r->rank != 0)
            cs_error_set(err, rc, "%s", ""); /* rank 0 says what failed */
        return rc;
    }
    MPI_Bcast(&length, 1, MPI_LONG, 0, comm);
    if (r->rank != 0 && !(*tmp_path = malloc((size_t)length)))
        MPI_Abort(comm, 1);
    MPI_Bcast(*tmp_path, (int)length, MPI_CHAR, 0, comm);
    rc = cs_output_adopt(*tmp_path, path, &comm, out, err);
    int failed[1] = {rc != CS_OK};
    any_rank(r, failed, 1);
    if (failed[0]) {
        if (*out)
            cs_output_abort(*out);
        *out = NULL;
        if (rc == CS_OK)
            rc = cs_error_set(err, CS_EFAIL, "%s", "");
        MPI_Barrier(comm);
        if (r->rank == 0)
            unlink(*tmp_path);
    }
    return rc;
#else
    (void)r;
    (void)rc;
    (void)out;
    (void)path;
    (void)tmp_path;
    return cs_error_set(err, CS_EFAIL, "built without MPI");
#endif
}

/*
 * Under MPI, after every rank closed its share: rank 0 finishes the file
 * (summaries, rename to final_path), or deletes it if any rank failed.
 * Every rank returns rank 0's status.
 */
static int finish_shared_file(const ranks *r, int rc, int threads,
                              const char *tmp_path, const char *final_path,
                              int force, cs_error *err)
{
    int failed[1] = {rc != CS_OK};
    any_rank(r, failed, 1);
    if (r->rank == 0) {
        if (failed[0]) {
            unlink(tmp_path);
        } else {
            cs_output *out = NULL;
            rc = cs_output_adopt(tmp_path, final_path, NULL, &out, err);
            if (rc == CS_OK)
                rc = cs_output_set_path(out, final_path, force, err);
            if (rc == CS_OK) {
                cs_output_set_threads(out, threads);
                rc = cs_output_close(out, err);
            } else {
                if (out)
                    cs_output_abort(out);
                else
                    unlink(tmp_path);
            }
        }
    }
    return rank0_status(r, rc, err);
}

/* ---- the batch ---------------------------------------------------------- */

/* The runs of the slice not yet done (done may be NULL: none). */
static long runs_to_do(long first, long last, const unsigned char *done,
                       long *todo)
{
    long n = 0;
    for (long r = first; r <= last; r++)
        if (!done || !done[r])
            todo[n++] = r;
    return n;
}

/* Scale rank 0's progress to the whole job's. */
typedef struct scaled_progress {
    const cs_batch_settings *settings;
    long total;
    int size;
} scaled_progress;

static void report_scaled(void *ctx, const char *name, long done, long total,
                          double seconds)
{
    const scaled_progress *p = ctx;
    (void)total;
    long all = done * p->size;
    p->settings->progress(p->settings->progress_ctx, name,
                          all < p->total ? all : p->total, p->total, seconds);
}

/*
 * Compute and write scenario i's runs todo[0..n_todo-1]. Under MPI this
 * rank computes every size-th of them, from its rank's, and every rank
 * takes part in the same number of rounds. *stopped is set when the batch
 * was stopped; *written counts this rank's runs written.
 */
static int write_scenario(cs_batch *b, const cs_batch_settings *s,
                          const ranks *r, cs_output *out, const file_layout *u,
                          int i, const long *todo, long n_todo, long *written,
                          int *stopped, cs_error *err)
{
    /* under MPI a round writes up to 32 runs a thread: fewer, longer
     * rounds spend less time waiting for each other */
    long per_round = r->comm ? 32L * s->threads : 0;
    file_sink k = {.out = out, .ranks = r, .stop = s->stop};
    int rc = sink_init(&k, b->entries[i].model, u, i, per_round, err);
    long n_mine = n_todo > r->rank ? (n_todo - r->rank - 1) / r->size + 1 : 0;
    long *mine = malloc((size_t)(n_mine > 0 ? n_mine : 1) * sizeof *mine);
    if (rc == CS_OK && !mine)
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    for (long j = 0; rc == CS_OK && j < n_mine; j++)
        mine[j] = todo[r->rank + j * r->size];
    cs_batch_settings local = *s;
    scaled_progress scaled = {s, n_todo, r->size};
    if (r->comm) {
        long most = (n_todo + r->size - 1) / r->size; /* rank 0's share */
        k.rounds = (most + per_round - 1) / per_round;
        local.stop = NULL; /* stops are agreed round by round */
        local.progress = r->rank == 0 && s->progress ? report_scaled : NULL;
        local.progress_ctx = &scaled;
    }
    long delivered = 0;
    if (rc == CS_OK)
        rc = cs_batch_compute(b, &local, i, mine, n_mine,
                              r->comm ? write_gathered : write_serial, &k,
                              &delivered, err);
    if (r->comm) {
        /* the rounds this rank has left: its last runs, then none, so every
         * rank takes part in every round (or all stop at the same one) */
        while (!k.stopped && k.rounds_done < k.rounds) {
            int round = write_round(&k, rc != CS_OK);
            if (round == SINK_STOP)
                break;
            if (round != CS_OK) {
                if (rc == CS_OK)
                    rc = cs_error_set(err, CS_EFAIL, "%s", "");
                break;
            }
        }
        *stopped = k.stopped;
    } else {
        *stopped = delivered < n_mine && rc == CS_OK;
    }
    *written = k.runs_written;
    free(mine);
    sink_free(&k);
    return rc;
}

int cs_batch_write(cs_batch *b, const cs_batch_settings *s,
                   const cs_batch_file *f, cs_batch_outcome *outcome,
                   cs_error *err)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    memset(outcome, 0, sizeof *outcome);
    ranks r;
    int rc = ranks_init(&r, f->mpi_comm, err);
    if (rc != CS_OK)
        return rc;
    if (b->n == 0)
        return cs_error_set(err, CS_EINPUT, "the batch has no scenarios");
    if (!f->path || !f->path[0])
        return cs_error_set(err, CS_EINPUT, "no output file given");
    char partial[4096];
    if (cs_batch_partial_path(f->path, partial, sizeof partial))
        return cs_error_set(err, CS_EINPUT, "output path too long: %s",
                            f->path);
    if (r.comm && (f->resume || f->last >= 0))
        return cs_error_set(err, CS_EINPUT,
                            "resuming and slices are for one process; under "
                            "MPI the ranks share the whole batch");
    /* where an earlier run of this batch left off */
    const char *source = NULL;
    if (f->resume)
        source = file_exists(partial)   ? partial
                 : file_exists(f->path) ? f->path
                                        : NULL;
    cs_result *earlier = NULL;
    long n_runs = s->deterministic ? 1 : f->n_runs;
    if (source) {
        rc = cs_result_open(source, &earlier, err);
        if (rc == CS_OK && n_runs <= 0) /* the batch's size is the file's */
            n_runs = cs_result_n_runs(earlier, 0);
        if (rc != CS_OK)
            return rc;
    }
    long first = f->last >= 0 ? f->first : 0;
    long last = f->last >= 0 ? f->last : n_runs - 1;
    if (n_runs < 1 || n_runs > CS_BATCH_MAX_RUNS)
        rc = cs_error_set(err, CS_EINPUT,
                          "expected 1 to %ld runs in a batch, found %ld",
                          CS_BATCH_MAX_RUNS, n_runs);
    else if (first < 0 || first > last || last >= n_runs)
        rc = cs_error_set(err, CS_EINPUT,
                          "runs %ld:%ld: the batch has runs 0 to %ld (-n "
                          "%ld); expected FIRST <= LAST below %ld",
                          first, last, n_runs - 1, n_runs, n_runs);
    /* an incomplete batch is closed as the partial file: it must be
     * writable too, before any run is computed */
    if (rc == CS_OK && r.rank == 0)
        rc = cs_output_check_path(f->path, f->force, err);
    if (rc == CS_OK && r.rank == 0)
        rc = cs_output_check_path(partial, f->force, err);
    if (rc == CS_OK && earlier)
        rc = check_resumable(b, s, n_runs, earlier, source, err);

    file_layout u;
    memset(&u, 0, sizeof u);
    for (int i = 0; i < b->n && rc == CS_OK; i++)
        rc = layout_add(&u, i, b->entries[i].model, err);
    cs_output *out = NULL;
    char *tmp_path = NULL; /* under MPI: the file being written */
    /* a batch asked to have more runs than the file's: a new file of
     * n_runs into which the runs done are copied (datasets cannot grow) */
    int extend = 0;
    for (int i = 0; earlier && i < cs_result_n_scenarios(earlier); i++)
        extend = extend || cs_result_n_runs(earlier, i) < n_runs;
    if (rc == CS_OK && extend) {
        rc = create_file(b, s, f, n_runs, &u, &out, err);
        for (int i = 0; i < b->n && rc == CS_OK; i++) {
            long copied = 0;
            rc = cs_output_copy_runs(
                out, u.index[i], earlier,
                cs_result_find_scenario(earlier, b->entries[i].scenario->name),
                &copied, err);
        }
    } else if (rc == CS_OK && earlier) {
        rc = cs_output_reopen(source, f->path, f->force, &out, err);
        for (int i = 0; i < b->n && rc == CS_OK; i++)
            u.index[i] =
                cs_output_find_scenario(out, b->entries[i].scenario->name);
    } else if (rc == CS_OK && r.rank == 0) {
        rc = create_file(b, s, f, n_runs, &u, &out, err);
    }
    if (r.comm) {
        rc = share_file(&r, rank0_status(&r, rc, err), &out, f->path, &tmp_path,
                        err);
        for (int i = 0; i < b->n && rc == CS_OK; i++)
            u.index[i] =
                cs_output_find_scenario(out, b->entries[i].scenario->name);
    }
    unsigned char *done = calloc((size_t)(n_runs > 0 ? n_runs : 1), 1);
    long *todo = malloc((size_t)(n_runs > 0 ? n_runs : 1) * sizeof *todo);
    if (rc == CS_OK && (!done || !todo))
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    int stopped = 0;
    for (int i = 0; i < b->n && rc == CS_OK && !stopped; i++) {
        long before = 0;
        if (earlier) {
            int k =
                cs_result_find_scenario(earlier, b->entries[i].scenario->name);
            rc = cs_result_read_run_done(earlier, k, done, err);
            for (long run = first; run <= last; run++)
                before += done[run] != 0;
        }
        long n_todo = runs_to_do(first, last, earlier ? done : NULL, todo);
        long written = 0;
        if (rc == CS_OK)
            rc = write_scenario(b, s, &r, out, &u, i, todo, n_todo, &written,
                                &stopped, err);
        outcome->runs_done += before + written;
    }
    outcome->runs_asked = (last - first + 1) * b->n;
    outcome->n_runs = n_runs;
    cs_result_close(earlier);
    if (r.comm) {
        /* every rank's share of runs done: the whole job's */
        long mine[1] = {outcome->runs_done};
#if CASCADE_MPI
        MPI_Allreduce(MPI_IN_PLACE, mine, 1, MPI_LONG, MPI_SUM,
                      *(const MPI_Comm *)r.comm);
#endif
        outcome->runs_done = mine[0];
    }
    outcome->complete = rc == CS_OK && !stopped;
    const char *final_path = outcome->complete ? f->path : partial;
    if (rc == CS_OK && !r.comm && !outcome->complete)
        rc = cs_output_set_path(out, final_path, f->force, err);
    if (rc == CS_OK) {
        cs_output_set_threads(out, s->threads);
        /* also when stopped: the runs that finished are complete and
         * marked in run_done, and the summaries cover exactly them (under
         * MPI this only closes each rank's share) */
        rc = cs_output_close(out, err);
        out = NULL;
    }
    if (r.comm && tmp_path)
        rc = finish_shared_file(&r, rc, s->threads, tmp_path, final_path,
                                f->force, err);
    if (out)
        cs_output_abort(out);
    if (rc == CS_OK) {
        snprintf(outcome->written, sizeof outcome->written, "%s", final_path);
        /* a partial file resumed to completion is used up */
        if (outcome->complete && source == partial && r.rank == 0)
            unlink(partial);
    }
    free(tmp_path);
    free(done);
    free(todo);
    layout_free(&u, b->n);
    outcome->seconds = batch_seconds_since(&start);
    return rc;
}
