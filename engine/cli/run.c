/*
 * run.c - `cascade run`: load one or more scenarios, compile them, run each
 * N times (or once in expected values) with the same seed, write every run
 * to HDF5 as it finishes, and print by financial year the stock in each
 * stage at 31 March, the flows in the year and the spend.
 *
 * Several scenarios in one invocation share the seed: run r of each draws
 * from the same keyed random streams (common random numbers), so their
 * differences are paired and `cascade compare` can read them run by run.
 * They must share the calendar and the stages; their transitions are
 * stored as the union of all of theirs (a transition a scenario lacks has
 * zero flow in it).
 *
 * Order matters for safety: everything that can be wrong with the input is
 * found before the output file is created, and the output replaces an
 * earlier file only when it is complete (cs_output_close renames it).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cascade_config.h"
#if CASCADE_MPI
#include <mpi.h>
#endif
#include "cli.h"
#include "table.h"

#define DEFAULT_RUNS 100
#define MAX_RUNS 10000000
#define MAX_SCENARIOS 16

typedef struct run_options {
    const char *scenario_paths[MAX_SCENARIOS]; /* none: the baseline */
    int n_scenarios;
    const char *output_path; /* NULL: from the scenario names */
    long runs;
    int have_seed;
    uint64_t seed;
    int deterministic;
    int force;
    int quiet;
    int threads;
    int threads_given;
    int cores; /* available to this process */
    int no_parameter_uncertainty;
    int no_process_noise;
    int runs_given;   /* -n was given */
    int slice_given;  /* --runs was given */
    long first, last; /* the runs to compute (--runs), 0-based, inclusive */
    int resume;       /* --resume: continue the batch in the output file */
} run_options;

/* One scenario of the invocation and where its flows go in the file. */
typedef struct run_scenario {
    const char *path; /* NULL: the built-in baseline */
    cs_scenario *scenario;
    cs_model *model;
    int *file_flow; /* model flow f -> index in /dims/transition */
    int file_capacity[CS_MAX_STAGES]; /* capacity j -> /dims/capacity_stage */
    int index;                        /* in the output file */
    cli_table table;
} run_scenario;

/* The union of the scenarios' flows, in first-seen order. */
typedef struct flow_union {
    int n;
    const char **label, **from, **to;
} flow_union;

/* The union of the scenarios' stages with capacity, first seen first. */
typedef struct capacity_union {
    int n;
    const char *label[CS_MAX_STAGES];
} capacity_union;

static volatile sig_atomic_t interrupted;

/* This process's place among the MPI ranks (0 of 1 without MPI). */
static int mpi_rank = 0, mpi_size = 1;

#if CASCADE_MPI
/* 1 if any rank has flag set (every rank must call it, in the same
 * order). */
static int any_rank(int flag)
{
    if (mpi_size == 1)
        return flag;
    int any = flag;
    MPI_Allreduce(&flag, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return any;
}
#else
static int any_rank(int flag)
{
    return flag;
}
#endif

static void on_signal(int sig)
{
    interrupted = sig;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade run [SCENARIO.yaml...] [-o FILE] [-n RUNS] "
            "[--seed N]\n"
            "                   [--runs FIRST:LAST] [--resume] "
            "[--deterministic] [--force] [--quiet]\n"
            "\n"
            "Simulate scenarios and write their trajectories to HDF5. With "
            "no SCENARIO, runs\n"
            "the shipped England baseline (england-baseline.yaml, built "
            "in). Several scenarios\n"
            "run with the same seed and random streams, so their "
            "differences are paired\n"
            "(compare them with 'cascade compare').\n"
            "\n"
            "  -o, --output FILE   output file (default: the scenario "
            "names joined by '+',\n"
            "                      then .h5)\n"
            "  -n, --runs N        stochastic runs per scenario (default "
            "%d)\n"
            "      --seed N        seed for the random streams (default: "
            "the first scenario's)\n"
            "      --runs FIRST:LAST  compute only runs FIRST to LAST "
            "(counted from 0) of the\n"
            "                      batch of -n runs, e.g. one job of an "
            "array; join the parts\n"
            "                      with 'cascade merge'\n"
            "      --resume        continue the batch in FILE (one stopped "
            "by a signal, or a\n"
            "                      slice): compute only the runs not yet "
            "done; same results as\n"
            "                      an uninterrupted batch; FILE is replaced "
            "only when complete\n"
            "      --deterministic one run in expected values, no random "
            "draws\n"
            "      --threads N     runs computed in parallel (default: the "
            "cores available);\n"
            "                      the output is the same for any N\n"
            "      --no-parameter-uncertainty  every run uses each uncertain "
            "parameter's mean\n"
            "      --no-process-noise          each run moves expected values "
            "(its own\n"
            "                      parameters still drawn): separates the two "
            "sources\n"
            "      --force         overwrite FILE even if it is not a "
            "cascade output\n"
            "  -q, --quiet         print nothing but errors\n"
            "  -h, --help          this help\n"
            "\n"
            "Exit status: 0 done, 2 bad input (file:line:column: message), 1 "
            "other failure.\n",
            DEFAULT_RUNS);
}

static int parse_count(const char *flag, const char *text, long max, long *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || *end || end == text || value < 1 || value > max) {
        fprintf(stderr,
                "cascade run: %s: expected a whole number from 1 to %ld, "
                "found '%s'\n",
                flag, max, text);
        return -1;
    }
    *out = value;
    return 0;
}

static int parse_seed(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || *end || end == text || text[0] == '-') {
        fprintf(stderr,
                "cascade run: --seed: expected a whole number from 0 to "
                "18446744073709551615, found '%s'\n",
                text);
        return -1;
    }
    *out = (uint64_t)value;
    return 0;
}

/* --runs FIRST:LAST, whole numbers, FIRST <= LAST. */
static int parse_slice(const char *text, long *first, long *last)
{
    char *end;
    errno = 0;
    long a = strtol(text, &end, 10), b = -1;
    int ok = !errno && end != text && *end == ':' && a >= 0 && text[0] != '-';
    if (ok) {
        const char *second = end + 1;
        b = strtol(second, &end, 10);
        ok = !errno && end != second && !*end && second[0] != '-' && b >= a &&
             b < MAX_RUNS;
    }
    if (!ok) {
        fprintf(stderr,
                "cascade run: --runs: expected FIRST:LAST, two run numbers "
                "counted from 0 with FIRST <= LAST (e.g. 0:249), found "
                "'%s'\n",
                text);
        return -1;
    }
    *first = a;
    *last = b;
    return 0;
}

/* Returns -1 to continue, or an exit status. */
static int parse_options(int argc, char **argv, run_options *o)
{
    static const struct option options[] = {
        {"output", required_argument, 0, 'o'},
        {"runs", required_argument, 0, 'r'},
        {"seed", required_argument, 0, 's'},
        {"deterministic", no_argument, 0, 'd'},
        {"force", no_argument, 0, 'f'},
        {"quiet", no_argument, 0, 'q'},
        {"threads", required_argument, 0, 't'},
        {"no-parameter-uncertainty", no_argument, 0, 'P'},
        {"no-process-noise", no_argument, 0, 'N'},
        {"resume", no_argument, 0, 'R'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->runs = DEFAULT_RUNS;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores < 1 ? 1 : cores > 256 ? 256 : (int)cores;
    o->cores = o->threads;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:n:qh", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->output_path = optarg;
            break;
        case 'n':
            if (parse_count("-n", optarg, MAX_RUNS, &o->runs))
                return CLI_BAD_INPUT;
            o->runs_given = 1;
            break;
        case 's':
            if (parse_seed(optarg, &o->seed))
                return CLI_BAD_INPUT;
            o->have_seed = 1;
            break;
        case 'd':
            o->deterministic = 1;
            break;
        case 'f':
            o->force = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'P':
            o->no_parameter_uncertainty = 1;
            break;
        case 'r': /* --runs N is -n N; --runs FIRST:LAST a slice */
            if (!strchr(optarg, ':')) {
                if (parse_count("--runs", optarg, MAX_RUNS, &o->runs))
                    return CLI_BAD_INPUT;
                o->runs_given = 1;
                break;
            }
            if (parse_slice(optarg, &o->first, &o->last))
                return CLI_BAD_INPUT;
            o->slice_given = 1;
            break;
        case 'R':
            o->resume = 1;
            break;
        case 'N':
            o->no_process_noise = 1;
            break;
        case 't': {
            long threads;
            if (parse_count("--threads", optarg, 256, &threads))
                return CLI_BAD_INPUT;
            o->threads = (int)threads;
            o->threads_given = 1;
            break;
        }
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    if (argc - optind > MAX_SCENARIOS) {
        fprintf(stderr,
                "cascade run: expected at most %d scenario files, found %d\n",
                MAX_SCENARIOS, argc - optind);
        return CLI_BAD_INPUT;
    }
    for (int i = optind; i < argc; i++)
        o->scenario_paths[o->n_scenarios++] = argv[i];
    if (o->deterministic) {
        if (o->runs_given && o->runs != 1) {
            fprintf(stderr, "cascade run: --deterministic makes one run in "
                            "expected values; -n must be 1 or absent\n");
            return CLI_BAD_INPUT;
        }
        o->runs = 1;
    }
    if (o->deterministic && (o->slice_given || o->resume)) {
        fprintf(stderr, "cascade run: --deterministic makes one run; --runs "
                        "and --resume are for batches of stochastic runs\n");
        return CLI_BAD_INPUT;
    }
    return -1;
}

/* Once the run count is known: the slice must lie inside the batch. */
static int check_slice(run_options *o)
{
    if (!o->slice_given) {
        o->first = 0;
        o->last = o->runs - 1;
        return 0;
    }
    if (o->last >= o->runs) {
        fprintf(stderr,
                "cascade run: --runs %ld:%ld: the batch has runs 0 to %ld "
                "(-n %ld); expected LAST below %ld\n",
                o->first, o->last, o->runs - 1, o->runs, o->runs);
        return -1;
    }
    return 0;
}

/* ---- preparing ---------------------------------------------------------- */

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) * 1e-9;
}

/* Scenarios stored in one file must share months and stages. */
static int check_compatible(const run_scenario *a, const run_scenario *b,
                            cs_error *err)
{
    const cs_scenario *x = a->scenario, *y = b->scenario;
    if (x->base_year != y->base_year || x->base_month != y->base_month ||
        x->horizon_months != y->horizon_months)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' starts %04d-%02d for %d "
                            "months, but '%s' starts %04d-%02d for %d "
                            "months: scenarios run together must share "
                            "base_date and horizon",
                            b->path ? b->path : "built-in baseline", y->name,
                            y->base_year, y->base_month, y->horizon_months,
                            x->name, x->base_year, x->base_month,
                            x->horizon_months);
    int same = x->n_stages == y->n_stages;
    for (int s = 0; same && s < x->n_stages; s++)
        same = strcmp(x->stages[s].id, y->stages[s].id) == 0 &&
               x->stages[s].intervention == y->stages[s].intervention;
    if (!same)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has other stages than '%s': "
                            "scenarios run together must define the same "
                            "stages, in the same order",
                            b->path ? b->path : "built-in baseline", y->name,
                            x->name);
    if (!strcmp(x->name, y->name))
        return cs_error_set(err, CS_EINPUT,
                            "%s: two scenarios are named '%s': give one "
                            "another name (name: in the file)",
                            b->path ? b->path : "built-in baseline", y->name);
    return CS_OK;
}

/* Add scenario r's flows to the union and map them. */
static int merge_flows(flow_union *u, run_scenario *r, cs_error *err)
{
    const cs_model *m = r->model;
    int n = cs_model_n_flows(m);
    r->file_flow = malloc((size_t)n * sizeof *r->file_flow);
    const char **label = realloc(u->label, (size_t)(u->n + n) * sizeof *label);
    if (label)
        u->label = label;
    const char **from = realloc(u->from, (size_t)(u->n + n) * sizeof *from);
    if (from)
        u->from = from;
    const char **to = realloc(u->to, (size_t)(u->n + n) * sizeof *to);
    if (to)
        u->to = to;
    if (!r->file_flow || !label || !from || !to)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int f = 0; f < n; f++) {
        const char *id = cs_model_flow_label(m, f);
        int j = 0;
        while (j < u->n && strcmp(u->label[j], id) != 0)
            j++;
        if (j == u->n) {
            u->label[j] = id;
            u->from[j] = cs_model_flow_from(m, f);
            u->to[j] = cs_model_flow_to(m, f);
            u->n++;
        } else if (strcmp(u->from[j], cs_model_flow_from(m, f)) ||
                   strcmp(u->to[j], cs_model_flow_to(m, f))) {
            return cs_error_set(err, CS_EINPUT,
                                "%s: transition '%s' of scenario '%s' moves "
                                "%s -> %s, but in an earlier scenario %s -> "
                                "%s: a transition id must mean the same move "
                                "in scenarios run together",
                                r->path ? r->path : "built-in baseline", id,
                                r->scenario->name, cs_model_flow_from(m, f),
                                cs_model_flow_to(m, f), u->from[j], u->to[j]);
        }
        r->file_flow[f] = j;
    }
    return CS_OK;
}

static void merge_capacity(capacity_union *u, run_scenario *r)
{
    const cs_model *m = r->model;
    for (int j = 0; j < cs_model_n_capacity(m); j++) {
        const char *id = r->scenario->stages[cs_model_capacity_stage(m, j)].id;
        int k = 0;
        while (k < u->n && strcmp(u->label[k], id) != 0)
            k++;
        if (k == u->n)
            u->label[u->n++] = id;
        r->file_capacity[j] = k;
    }
}

/* ---- running ------------------------------------------------------------ */

/* One run's results: computed by a worker thread, written by the main
 * thread in run order. Sized for the largest scenario. */
typedef struct run_slot {
    long run;
    double *stocks, *flows, *file_flows, *costs, *spend;
    double *capacity, *file_capacity;
    double params[CS_MAX_PARAMETERS]; /* this run's parameter draws */
    int status;                       /* CS_OK, or what failed */
    cs_error err;
} run_slot;

/*
 * The pipeline: worker threads claim runs in the order of the to-do list
 * and compute each into the slot (index % n_slots) of a ring; the calling
 * thread writes the slots in that same order as they become ready, so the
 * file is the same for any number of threads, writing overlaps computing,
 * and at most n_slots runs are held in memory. A worker waits while its
 * slot still holds a run not yet written.
 */
typedef struct pipeline {
    const run_options *o;
    const run_scenario *r;
    uint64_t seed;
    int n_file_flows, n_file_capacity;
    const long *todo; /* runs to compute, in writing order */
    long n_todo;
    run_slot *slots;
    int n_slots;
    cs_sim **sims; /* one per worker */
    pthread_mutex_t lock;
    pthread_cond_t changed;      /* a slot became ready or free, or stop */
    long next_claim, next_write; /* indices into todo */
    unsigned char *ready;        /* per slot */
    int stop;
} pipeline;

typedef struct worker_arg {
    pipeline *p;
    int id;
} worker_arg;

/* 1 if runs draw their own parameter values. */
static int draws_parameters(const run_options *o, const cs_scenario *sc)
{
    return sc->n_parameters > 0 && !o->deterministic &&
           !o->no_parameter_uncertainty;
}

/* Run one run into its slot and map it to the file's layout. With
 * parameter uncertainty the run gets its own scenario, model and stepper
 * (sim, the thread's, serves runs without). */
static void compute_slot(const pipeline *c, cs_sim *sim, run_slot *b)
{
    const run_scenario *r = c->r;
    const cs_model *m = r->model;
    cs_model *own = NULL;
    cs_scenario *drawn = NULL;
    b->status = CS_OK;
    if (draws_parameters(c->o, r->scenario)) {
        /* this run's own parameter values: its own scenario and model */
        drawn = malloc(sizeof *drawn);
        b->status = drawn ? cs_scenario_draw(r->scenario, c->seed,
                                             (uint32_t)b->run, drawn, b->params)
                          : CS_ENOMEM;
        if (b->status == CS_OK)
            b->status = cs_model_compile(drawn, &own, &b->err);
        if (b->status == CS_OK && !(sim = cs_sim_alloc(own)))
            b->status = CS_ENOMEM;
        if (b->status != CS_OK) {
            if (b->status == CS_ENOMEM)
                cs_error_set(&b->err, CS_ENOMEM, "out of memory");
            cs_model_free(own);
            free(drawn);
            return;
        }
        m = own;
    } else {
        for (int i = 0; i < r->scenario->n_parameters; i++)
            b->params[i] = r->scenario->parameters[i].mean;
    }
    int n_months = cs_model_n_months(m), n_flows = cs_model_n_flows(m);
    int n_capacity = cs_model_n_capacity(m);
    int nff = c->n_file_flows, nfc = c->n_file_capacity;
    cs_sim_record_capacity(sim, b->capacity);
    cs_sim_run(sim,
               c->o->deterministic || c->o->no_process_noise
                   ? CS_SIM_DETERMINISTIC
                   : CS_SIM_STOCHASTIC,
               c->seed, (uint32_t)b->run, b->stocks, b->flows);
    memset(b->file_flows, 0,
           sizeof *b->file_flows * (size_t)n_months * (size_t)nff);
    for (int t = 0; t < n_months; t++)
        for (int f = 0; f < n_flows; f++)
            b->file_flows[(size_t)t * nff + (size_t)r->file_flow[f]] =
                b->flows[(size_t)t * n_flows + (size_t)f];
    cs_costs_compute(m, b->stocks, b->costs, b->spend);
    /* a stage this scenario does not limit has no places: NaN */
    size_t cells = (size_t)n_months * (size_t)nfc * 3;
    for (size_t i = 0; i < cells; i++)
        b->file_capacity[i] = NAN;
    for (int t = 0; t < n_months; t++)
        for (int j = 0; j < n_capacity; j++)
            memcpy(b->file_capacity +
                       ((size_t)t * nfc + r->file_capacity[j]) * 3,
                   b->capacity + ((size_t)t * n_capacity + j) * 3,
                   3 * sizeof *b->capacity);
    if (own) {
        cs_sim_free(sim);
        cs_model_free(own);
        free(drawn);
    }
}

static void *worker(void *arg)
{
    worker_arg *w = arg;
    pipeline *p = w->p;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->next_claim < p->n_todo &&
               p->next_claim - p->next_write >= p->n_slots)
            pthread_cond_wait(&p->changed, &p->lock);
        if (p->stop || p->next_claim >= p->n_todo)
            break;
        long i = p->next_claim++;
        pthread_mutex_unlock(&p->lock);
        run_slot *b = &p->slots[i % p->n_slots];
        b->run = p->todo[i];
        compute_slot(p, p->sims[w->id], b);
        pthread_mutex_lock(&p->lock);
        p->ready[i % p->n_slots] = 1;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Progress on stderr: runs done, rate and time left. */
static void show_progress(const char *name, long done, long total,
                          const struct timespec *start)
{
    double elapsed = seconds_since(start);
    double rate = (double)done / (elapsed > 0 ? elapsed : 1e-9);
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(stderr, "\r%s: run %ld/%ld  %.1f runs/s  %.0f s left   ", name,
            done, total, rate, left);
}

/* The scenario's prices and parameter names, written once per file. */
static int describe_scenario(const run_options *o, const run_scenario *r,
                             cs_output *out, double *unit_costs, cs_error *err)
{
    const cs_model *m = r->model;
    int n_months = cs_model_n_months(m);
    int n_lines = cs_model_n_cost_lines(m);
    const cs_scenario *sc = r->scenario;
    double deflator[12 * CS_MAX_YEARS];
    for (int t = 0; t < n_months; t++) {
        deflator[t] = cs_model_deflator(m, t);
        for (int l = 0; l < n_lines; l++)
            unit_costs[t * n_lines + l] = cs_model_unit_cost(m, l, t);
    }
    char price_base[16];
    snprintf(price_base, sizeof price_base, "%d/%02d", sc->price_base_year,
             (sc->price_base_year + 1) % 100);
    int rc = cs_output_set_prices(out, r->index, unit_costs, deflator,
                                  price_base, err);
    if (rc == CS_OK && sc->n_parameters > 0) {
        const char *names[CS_MAX_PARAMETERS];
        char described[CS_MAX_PARAMETERS][96];
        const char *descriptions[CS_MAX_PARAMETERS];
        static const char *const dists[6] = {"beta",   "gamma",   "lognormal",
                                             "normal", "uniform", "triangular"};
        for (int i = 0; i < sc->n_parameters; i++) {
            const cs_parameter *p = &sc->parameters[i];
            names[i] = p->path;
            if (p->dist == CS_DIST_UNIFORM)
                snprintf(described[i], sizeof described[i],
                         "uniform(min=%g, max=%g)", p->a, p->b);
            else if (p->dist == CS_DIST_TRIANGULAR)
                snprintf(described[i], sizeof described[i],
                         "triangular(min=%g, mode=%g, max=%g)", p->a, p->b,
                         p->c);
            else
                snprintf(described[i], sizeof described[i],
                         "%s(mean=%g, sd=%g)", dists[p->dist], p->a, p->b);
            descriptions[i] = described[i];
        }
        rc = cs_output_add_parameters(out, r->index, sc->n_parameters, names,
                                      descriptions, draws_parameters(o, sc),
                                      err);
    }
    return rc;
}

/* Write slot b's run, one dataset at a time. */
static int write_slot(const run_scenario *r, cs_output *out, int n_params,
                      int n_capacity, int n_lines, const run_slot *b,
                      cs_error *err)
{
    int run = (int)b->run, rc = CS_OK;
    if (n_params > 0)
        rc = cs_output_write_params(out, r->index, run, b->params, err);
    if (rc == CS_OK && n_capacity > 0)
        rc =
            cs_output_write_capacity(out, r->index, run, b->file_capacity, err);
    if (rc == CS_OK)
        rc = cs_output_write_run(out, r->index, run, b->stocks, b->file_flows,
                                 n_lines ? b->costs : NULL, b->spend, err);
    return rc;
}

/* Wait until the slot of to-do index i is computed. */
static run_slot *wait_slot(pipeline *p, long i)
{
    pthread_mutex_lock(&p->lock);
    while (!p->ready[i % p->n_slots])
        pthread_cond_wait(&p->changed, &p->lock);
    pthread_mutex_unlock(&p->lock);
    return &p->slots[i % p->n_slots];
}

/* The slot of to-do index i is written: a worker may reuse it. */
static void release_slot(pipeline *p, long i)
{
    pthread_mutex_lock(&p->lock);
    p->ready[i % p->n_slots] = 0;
    p->next_write = i + 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

/*
 * Under MPI: this rank's runs (p->todo, every size-th run of the batch's
 * n_todo from this rank's) are written in collective rounds of up to
 * n_slots runs a rank, copied into one buffer per dataset so that a round
 * is one collective write per dataset (a write per run would synchronise
 * the ranks for every run). Every rank writes the same number of rounds,
 * with nothing once its runs are done, and all stop at the same round
 * after an error or a signal on any of them.
 */
static int write_rounds(pipeline *p, cs_output *out, long n_todo,
                        const struct timespec *start, int progress,
                        cs_error *err)
{
    const run_scenario *r = p->r;
    const cs_model *m = r->model;
    const cs_scenario *sc = r->scenario;
    size_t months = (size_t)cs_model_n_months(m);
    size_t n_params = (size_t)sc->n_parameters;
    size_t n_cap = months * (size_t)p->n_file_capacity * 3;
    size_t n_stocks = months * (size_t)cs_model_n_stages(m) * CS_AGES;
    size_t n_flows = months * (size_t)p->n_file_flows;
    size_t n_costs = months * (size_t)cs_model_n_cost_lines(m);
    size_t n_spend = months * CS_N_SPEND;
    long per_round = p->n_slots;
    long most = (n_todo + mpi_size - 1) / mpi_size; /* rank 0's count */
    long rounds = (most + per_round - 1) / per_round;
    size_t k_max = (size_t)per_round;
    double *params = calloc(k_max * (n_params + 1), sizeof *params);
    double *cap = calloc(k_max * (n_cap + 1), sizeof *cap);
    double *stocks = calloc(k_max * n_stocks, sizeof *stocks);
    double *flows = calloc(k_max * n_flows, sizeof *flows);
    double *costs = calloc(k_max * (n_costs + 1), sizeof *costs);
    double *spend = calloc(k_max * n_spend, sizeof *spend);
    int rc = params && cap && stocks && flows && costs && spend
                 ? CS_OK
                 : cs_error_set(err, CS_ENOMEM, "out of memory");
    for (long j = 0; j < rounds; j++) {
        long first = j * per_round;
        long k = p->n_todo - first;
        k = k < 0 ? 0 : k > per_round ? per_round : k;
        for (long q = 0; q < k && rc == CS_OK; q++) {
            run_slot *b = wait_slot(p, first + q);
            if (b->status != CS_OK) {
                rc = cs_error_set(err, b->status, "run %ld of '%s': %s", b->run,
                                  sc->name, b->err.message);
                break;
            }
            memcpy(params + (size_t)q * n_params, b->params,
                   n_params * sizeof *params);
            memcpy(cap + (size_t)q * n_cap, b->file_capacity,
                   n_cap * sizeof *cap);
            memcpy(stocks + (size_t)q * n_stocks, b->stocks,
                   n_stocks * sizeof *stocks);
            memcpy(flows + (size_t)q * n_flows, b->file_flows,
                   n_flows * sizeof *flows);
            memcpy(costs + (size_t)q * n_costs, b->costs,
                   n_costs * sizeof *costs);
            memcpy(spend + (size_t)q * n_spend, b->spend,
                   n_spend * sizeof *spend);
            release_slot(p, first + q);
        }
        if (any_rank(rc != CS_OK || interrupted)) {
            if (rc == CS_OK && !interrupted)
                rc = cs_error_set(err, CS_EFAIL, "%s", ""); /* its rank says */
            break;
        }
        /* runs todo[rank + (first + q) * size]: every size-th row */
        int run0 = k > 0 ? (int)p->todo[first] : 0;
        rc = cs_output_write_runs(out, r->index, run0, mpi_size, (int)k, params,
                                  cap, stocks, flows, costs, spend, err);
        long done = (first + per_round) * mpi_size;
        if (progress)
            show_progress(sc->name, done < n_todo ? done : n_todo, n_todo,
                          start);
        if (any_rank(rc != CS_OK)) {
            if (rc == CS_OK)
                rc = cs_error_set(err, CS_EFAIL, "%s", "");
            break;
        }
    }
    free(params);
    free(cap);
    free(stocks);
    free(flows);
    free(costs);
    free(spend);
    return rc;
}

/*
 * Compute the runs in todo and write them to out, in that order. Under
 * MPI this rank computes todo[rank], todo[rank + size], ... and writes them
 * in collective rounds (write_rounds).
 */
static int run_one_scenario(const run_options *o, run_scenario *r,
                            uint64_t seed, cs_output *out, int n_file_flows,
                            int n_file_capacity, run_slot *slots, int n_slots,
                            const long *todo, long n_todo, cs_error *err)
{
    const cs_model *m = r->model;
    const cs_scenario *sc = r->scenario;
    int n_lines = cs_model_n_cost_lines(m);
    int rc = CS_OK;
    int threads = o->threads;
    /* this rank's runs: every size-th of todo, from its rank's */
    long n_mine =
        n_todo > mpi_rank ? (n_todo - mpi_rank - 1) / mpi_size + 1 : 0;
    long *mine = malloc((size_t)(n_mine > 0 ? n_mine : 1) * sizeof *mine);
    for (long i = 0; mine && i < n_mine; i++)
        mine[i] = todo[mpi_rank + i * mpi_size];
    cs_sim *sims[256] = {NULL};
    for (int i = 0; i < threads; i++)
        if (!(sims[i] = cs_sim_alloc(m)))
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    pipeline p = {.o = o,
                  .r = r,
                  .seed = seed,
                  .n_file_flows = n_file_flows,
                  .n_file_capacity = n_file_capacity,
                  .todo = mine,
                  .n_todo = n_mine,
                  .slots = slots,
                  .n_slots = n_slots,
                  .sims = sims,
                  .ready = calloc((size_t)n_slots, 1)};
    if (!p.ready || !mine)
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
    int progress =
        !o->quiet && mpi_rank == 0 && isatty(STDERR_FILENO) && n_todo > 1;
    struct timespec start, shown = {0, 0};
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (mpi_size > 1 && rc == CS_OK)
        rc = write_rounds(&p, out, n_todo, &start, progress, err);
    /* written in to-do order, whatever thread computed them */
    for (long i = 0; mpi_size == 1 && i < n_mine; i++) {
        if (rc != CS_OK || interrupted)
            break;
        run_slot *b = wait_slot(&p, i);
        if (b->status != CS_OK) {
            rc = cs_error_set(err, b->status, "run %ld of '%s': %s", b->run,
                              sc->name, b->err.message);
            break;
        }
        rc = write_slot(r, out, sc->n_parameters, n_file_capacity, n_lines, b,
                        err);
        if (rc == CS_OK)
            cli_table_add_run(&r->table, b->stocks, b->flows, b->spend);
        release_slot(&p, i);
        if (progress && (seconds_since(&shown) > 0.2 || i + 1 == n_todo)) {
            show_progress(sc->name, i + 1, n_todo, &start);
            clock_gettime(CLOCK_MONOTONIC, &shown);
        }
    }
    if (started > 0) {
        pthread_mutex_lock(&p.lock);
        p.stop = 1; /* after an error or a signal: compute no more */
        pthread_cond_broadcast(&p.changed);
        pthread_mutex_unlock(&p.lock);
        for (int id = 0; id < started; id++)
            pthread_join(ids[id], NULL);
        pthread_cond_destroy(&p.changed);
        pthread_mutex_destroy(&p.lock);
    }
    if (progress)
        fprintf(stderr, "\r%70s\r", "");
    free(p.ready);
    free(mine);
    for (int i = 0; i < threads; i++)
        cs_sim_free(sims[i]);
    return rc;
}

/* The file to resume must hold this very batch: same program, seed,
 * modes, scenarios (resolved YAML) and run count. */
static int check_resumable(const run_options *o, const run_scenario *rs, int n,
                           uint64_t seed, const cs_output_meta *meta,
                           const cs_result *earlier, const char *path,
                           cs_error *err)
{
    cs_result_batch batch;
    int rc = cs_result_read_batch(earlier, &batch, err);
    if (rc != CS_OK)
        return rc;
    const char *why = NULL;
    char detail[160] = "";
    if (strcmp(batch.cascade_version, CASCADE_VERSION) != 0) {
        why = "it was written by another version of cascade";
        snprintf(detail, sizeof detail, " (%s, this is %s)",
                 batch.cascade_version, CASCADE_VERSION);
    } else if (batch.seed != seed) {
        why = "its seed differs";
        snprintf(detail, sizeof detail, " (%" PRIu64 ", here %" PRIu64 ")",
                 batch.seed, seed);
    } else if (batch.parameter_uncertainty != meta->parameter_uncertainty ||
               batch.process_noise != meta->process_noise) {
        why = batch.parameter_uncertainty < 0 || batch.process_noise < 0
                  ? "it was written before cascade recorded how runs were "
                    "made (parameter_uncertainty, process_noise)"
                  : "its runs were made with other --no-parameter-uncertainty "
                    "or --no-process-noise options";
    } else if (cs_result_n_scenarios(earlier) != n) {
        why = "it holds other scenarios";
    }
    for (int i = 0; !why && i < n; i++) {
        const char *name = rs[i].scenario->name;
        const char *yaml = cs_result_scenario_yaml(earlier, i);
        if (strcmp(cs_result_scenario_name(earlier, i), name) != 0) {
            why = "it holds other scenarios, or in another order";
        } else if (!yaml || strcmp(yaml, rs[i].scenario->resolved_yaml) != 0) {
            why = "a scenario has changed since";
            snprintf(detail, sizeof detail, " ('%s')", name);
        } else if (cs_result_n_runs(earlier, i) != o->runs) {
            why = "its batch has another number of runs";
            snprintf(detail, sizeof detail, " (%d, here -n %ld)",
                     cs_result_n_runs(earlier, i), o->runs);
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

/*
 * Under MPI: rank 0 has created the file (*out, or failed); it detaches it
 * and every rank adopts it on MPI_COMM_WORLD. On return every rank has the
 * same status; *tmp_path names the file (to finish or delete) once it
 * exists.
 */
static int share_file(int rc, cs_output **out, const char *path,
                      char **tmp_path, cs_error *err)
{
#if CASCADE_MPI
    long length = 0;
    if (mpi_rank == 0) {
        if (*out && rc == CS_OK)
            rc = cs_output_detach(*out, tmp_path, err);
        else if (*out)
            cs_output_abort(*out);
        *out = NULL;
        length = rc == CS_OK ? (long)strlen(*tmp_path) + 1 : 0;
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rc != CS_OK) {
        if (mpi_rank != 0)
            cs_error_set(err, rc, "%s", ""); /* rank 0 says what failed */
        return rc;
    }
    MPI_Bcast(&length, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    if (mpi_rank != 0 && !(*tmp_path = malloc((size_t)length)))
        MPI_Abort(MPI_COMM_WORLD, CLI_FAILURE);
    MPI_Bcast(*tmp_path, (int)length, MPI_CHAR, 0, MPI_COMM_WORLD);
    MPI_Comm comm = MPI_COMM_WORLD;
    rc = cs_output_adopt(*tmp_path, path, &comm, out, err);
    if (any_rank(rc != CS_OK)) {
        if (*out)
            cs_output_abort(*out);
        *out = NULL;
        if (rc == CS_OK)
            rc = cs_error_set(err, CS_EFAIL, "%s", "");
        MPI_Barrier(MPI_COMM_WORLD);
        if (mpi_rank == 0)
            unlink(*tmp_path);
    }
    return rc;
#else
    (void)rc;
    (void)out;
    (void)path;
    (void)tmp_path;
    return cs_error_set(err, CS_EFAIL, "built without MPI");
#endif
}

/*
 * Under MPI, after every rank closed its share: rank 0 finishes the file
 * (summaries, rename) and reads it back for the printed table, or deletes
 * it if any rank failed. Every rank returns rank 0's status.
 */
static int finish_shared_file(int rc, const char *tmp_path, const char *path,
                              int threads, run_scenario *rs, int n,
                              cs_error *err)
{
#if CASCADE_MPI
    int failed = any_rank(rc != CS_OK);
    if (mpi_rank == 0) {
        cs_output *out = NULL;
        if (failed) {
            unlink(tmp_path);
        } else {
            rc = cs_output_adopt(tmp_path, path, NULL, &out, err);
            if (rc == CS_OK) {
                cs_output_set_threads(out, threads);
                rc = cs_output_close(out, err);
            } else {
                unlink(tmp_path);
            }
        }
        cs_result *result = NULL;
        if (rc == CS_OK && !failed)
            rc = cs_result_open(path, &result, err);
        unsigned char *done = NULL;
        for (int i = 0; i < n && rc == CS_OK && !failed; i++) {
            int k = cs_result_find_scenario(result, rs[i].scenario->name);
            long runs = cs_result_n_runs(result, k);
            done = realloc(done, (size_t)runs);
            rc = done ? cs_result_read_run_done(result, k, done, err)
                      : cs_error_set(err, CS_ENOMEM, "out of memory");
            if (rc == CS_OK)
                rc = cli_tabulate_runs(result, k, &rs[i].table, rs[i].model,
                                       rs[i].file_flow, runs, done, err);
        }
        free(done);
        cs_result_close(result);
    }
    int status = rc;
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (mpi_rank != 0 && rc == CS_OK && status != CS_OK)
        rc = cs_error_set(err, status, "%s", ""); /* rank 0 says why */
    return rc;
#else
    (void)tmp_path;
    (void)path;
    (void)threads;
    (void)rs;
    (void)n;
    (void)err;
    return rc;
#endif
}

static int write_file(const run_options *o, run_scenario *rs, int n,
                      uint64_t seed, const char *output_path,
                      const char *command_line, cs_error *err)
{
    const cs_model *m = rs[0].model;
    const cs_scenario *sc = rs[0].scenario;
    int n_months = cs_model_n_months(m), n_stages = cs_model_n_stages(m);
    int n_lines = cs_model_n_cost_lines(m);
    flow_union u = {0, NULL, NULL, NULL};
    capacity_union cu = {0, {NULL}};
    /* under MPI a round writes n_slots runs a rank: fewer, longer rounds
     * spend less time waiting for each other */
    int n_slots = (mpi_size > 1 ? 32 : 8) * o->threads;
    run_slot *slots = calloc((size_t)n_slots, sizeof *slots);
    double *unit_costs = NULL;
    cs_output *out = NULL;
    cs_result *earlier = NULL; /* the file being resumed */
    char *tmp_path = NULL;     /* under MPI: the file being written */
    unsigned char *done_runs = NULL;
    long *todo = NULL;
    const char **month = calloc((size_t)n_months, sizeof *month);
    const char **stage = calloc((size_t)n_stages, sizeof *stage);
    const char **line = calloc((size_t)n_lines + 1, sizeof *line);
    const char **kind = calloc((size_t)n_lines + 1, sizeof *kind);
    const char **stage_kind = calloc((size_t)n_stages, sizeof *stage_kind);
    const char **stage_group = calloc((size_t)n_stages, sizeof *stage_group);
    const char **fy_label = calloc((size_t)cs_model_n_fys(m), sizeof *fy_label);
    int *month_fy = calloc((size_t)n_months, sizeof *month_fy);
    int rc = CS_OK;
    for (int i = 0; i < n && rc == CS_OK; i++)
        rc = merge_flows(&u, &rs[i], err);
    if (rc != CS_OK)
        goto done;
    for (int i = 0; i < n; i++)
        merge_capacity(&cu, &rs[i]);
    int max_flows = 0;
    for (int i = 0; i < n; i++)
        if (cs_model_n_flows(rs[i].model) > max_flows)
            max_flows = cs_model_n_flows(rs[i].model);
    size_t months = (size_t)n_months;
    unit_costs = calloc(months * (size_t)(n_lines + 1), sizeof *unit_costs);
    int buffers_ok = slots && unit_costs;
    for (int k = 0; buffers_ok && k < n_slots; k++) {
        run_slot *b = &slots[k];
        b->stocks =
            calloc(months * (size_t)n_stages * CS_AGES, sizeof *b->stocks);
        b->flows = calloc(months * (size_t)max_flows, sizeof *b->flows);
        b->file_flows = calloc(months * (size_t)u.n, sizeof *b->file_flows);
        b->costs = calloc(months * (size_t)(n_lines + 1), sizeof *b->costs);
        b->spend = calloc(months * CS_N_SPEND, sizeof *b->spend);
        b->capacity =
            calloc(months * (size_t)(cu.n + 1) * 3, sizeof *b->capacity);
        b->file_capacity =
            calloc(months * (size_t)(cu.n + 1) * 3, sizeof *b->file_capacity);
        buffers_ok = b->stocks && b->flows && b->file_flows && b->costs &&
                     b->spend && b->capacity && b->file_capacity;
    }
    if (!month || !stage || !line || !kind || !stage_kind || !stage_group ||
        !fy_label || !month_fy || !buffers_ok) {
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
        goto done;
    }
    for (int t = 0; t < n_months; t++)
        month[t] = cs_model_month_label(m, t);
    for (int s = 0; s < n_stages; s++) {
        static const char *const kinds[3] = {"none", "early", "late"};
        stage[s] = sc->stages[s].id;
        stage_kind[s] = kinds[sc->stages[s].intervention];
        stage_group[s] =
            sc->stages[s].group >= 0 ? sc->groups[sc->stages[s].group].id : "";
    }
    for (int fy = 0; fy < cs_model_n_fys(m); fy++)
        fy_label[fy] = cs_model_fy_label(m, fy);
    for (int t = 0; t < n_months; t++)
        month_fy[t] = cs_model_month_fy(m, t);
    for (int l = 0; l < n_lines; l++) {
        const cs_stage *st = &sc->stages[cs_model_cost_line_stage(m, l)];
        line[l] = st->id;
        kind[l] = st->intervention == CS_INTERVENTION_EARLY ? "early" : "late";
    }
    cs_output_dims dims = {
        n_months, month,    n_stages,   stage,       CS_AGES, u.n,
        u.label,  u.from,   u.to,       n_lines,     line,    kind,
        cu.n,     cu.label, stage_kind, stage_group, NULL,    cs_model_n_fys(m),
        fy_label, month_fy};
    cs_output_meta meta = {CASCADE_VERSION,
                           command_line,
                           seed,
                           "philox4x32-10",
                           sc->resolved_yaml,
                           !o->deterministic && !o->no_parameter_uncertainty,
                           !o->deterministic && !o->no_process_noise};
    int resuming = o->resume && access(output_path, F_OK) == 0;
    if (resuming) {
        rc = cs_result_open(output_path, &earlier, err);
        if (rc == CS_OK)
            rc = check_resumable(o, rs, n, seed, &meta, earlier, output_path,
                                 err);
        if (rc == CS_OK)
            rc =
                cs_output_reopen(output_path, output_path, o->force, &out, err);
        for (int i = 0; i < n && rc == CS_OK; i++)
            rs[i].index = cs_output_find_scenario(out, rs[i].scenario->name);
    } else if (mpi_rank == 0) {
        rc = cs_output_create(output_path, o->force, &meta, &dims, &out, err);
        for (int i = 0; i < n && rc == CS_OK; i++)
            rc = cs_output_add_scenario(
                out, rs[i].scenario->name,
                &(cs_output_scenario_info){rs[i].scenario->resolved_yaml,
                                           rs[i].scenario->discount_rate, NULL,
                                           NULL, NULL},
                (int)o->runs, &rs[i].index, err);
        for (int i = 0; i < n && rc == CS_OK; i++)
            rc = describe_scenario(o, &rs[i], out, unit_costs, err);
    }
    if (mpi_size > 1) {
        /* rank 0 made the file; every rank opens it to write its runs */
        rc = share_file(rc, &out, output_path, &tmp_path, err);
        for (int i = 0; i < n && rc == CS_OK; i++)
            rs[i].index = cs_output_find_scenario(out, rs[i].scenario->name);
    }
    /* the runs to compute: the slice asked for, less those already done */
    done_runs = calloc((size_t)o->runs, 1);
    todo = malloc((size_t)o->runs * sizeof *todo);
    if (rc == CS_OK && (!done_runs || !todo))
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    /* the printed table's per-run arrays, only once the output (and its
     * size check) has accepted the run count */
    for (int i = 0; i < n && rc == CS_OK; i++)
        if (cli_table_init(&rs[i].table, rs[i].scenario, rs[i].model, o->runs))
            rc = cs_error_set(err, CS_ENOMEM,
                              "out of memory for the table of %ld runs",
                              o->runs);
    for (int i = 0; i < n && rc == CS_OK && !interrupted; i++) {
        if (earlier) {
            int k = cs_result_find_scenario(earlier, rs[i].scenario->name);
            rc = cs_result_read_run_done(earlier, k, done_runs, err);
            /* the table covers the earlier runs too (of the slice) */
            for (long r = 0; r < o->runs && rc == CS_OK; r++)
                if (r < o->first || r > o->last)
                    done_runs[r] = 0;
            if (rc == CS_OK)
                rc =
                    cli_tabulate_runs(earlier, k, &rs[i].table, rs[i].model,
                                      rs[i].file_flow, o->runs, done_runs, err);
        }
        long n_todo = 0;
        for (long r = o->first; r <= o->last; r++)
            if (!done_runs[r])
                todo[n_todo++] = r;
        if (rc == CS_OK)
            rc = run_one_scenario(o, &rs[i], seed, out, u.n, cu.n, slots,
                                  n_slots, todo, n_todo, err);
    }
    cs_result_close(earlier);
    earlier = NULL;
    if (rc == CS_OK) {
        cs_output_set_threads(out, o->threads);
        /* also when interrupted: the runs that finished are complete and
         * marked in run_done, and the summaries cover exactly them (under
         * MPI this only closes each rank's share) */
        rc = cs_output_close(out, err);
        out = NULL;
    }
    if (mpi_size > 1 && tmp_path)
        rc =
            finish_shared_file(rc, tmp_path, output_path, o->cores, rs, n, err);
done:
    if (out)
        cs_output_abort(out);
    free(tmp_path);
    cs_result_close(earlier);
    free(done_runs);
    free(todo);
    free(u.label);
    free(u.from);
    free(u.to);
    for (int k = 0; slots && k < n_slots; k++) {
        free(slots[k].stocks);
        free(slots[k].flows);
        free(slots[k].file_flows);
        free(slots[k].costs);
        free(slots[k].spend);
        free(slots[k].capacity);
        free(slots[k].file_capacity);
    }
    free(slots);
    free(unit_costs);
    free(month);
    free(stage);
    free(line);
    free(kind);
    free(stage_kind);
    free(stage_group);
    free(fy_label);
    free(month_fy);
    return rc;
}

/* "a+b+c.h5", or the first name and "+more" when that gets long. */
static void default_output_path(const run_scenario *rs, int n, char *path,
                                size_t size)
{
    size_t used = 0;
    path[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *name = rs[i].scenario->name;
        if (used + strlen(name) + 12 > size || (i > 0 && used > 80)) {
            used += (size_t)snprintf(path + used, size - used, "+more");
            break;
        }
        used += (size_t)snprintf(path + used, size - used, "%s%s", i ? "+" : "",
                                 name);
    }
    snprintf(path + used, size - used, ".h5");
}

/* Under MPI every rank checks the same input and finds the same faults:
 * only rank 0 tells them (the others' stderr is muted until the runs). */
static int mute_stderr(void)
{
    if (mpi_rank == 0)
        return -1;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDERR_FILENO);
        close(null);
    }
    return saved;
}

static void unmute_stderr(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

int cli_run(int argc, char **argv, const char *command_line)
{
#if CASCADE_MPI
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) {
        MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
    }
#endif
    int muted = mute_stderr();
    run_options o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0) {
        unmute_stderr(muted);
        return status;
    }
    if (mpi_size > 1 && (o.resume || o.slice_given || o.deterministic)) {
        fprintf(stderr, "cascade run: --resume, --runs FIRST:LAST and "
                        "--deterministic are for one process; under mpirun "
                        "the ranks share the batch of -n runs\n");
        unmute_stderr(muted);
        return CLI_BAD_INPUT;
    }
    if (mpi_size > 1 && !o.threads_given)
        o.threads = 1; /* a rank per core */
    if (mpi_rank > 0)
        o.quiet = 1; /* rank 0 prints the table */

    cs_error err;
    run_scenario rs[MAX_SCENARIOS];
    memset(rs, 0, sizeof rs);
    int n = o.n_scenarios > 0 ? o.n_scenarios : 1;
    int rc = CS_OK;
    char default_path[256];
    for (int i = 0; i < n && rc == CS_OK; i++) {
        rs[i].path = o.n_scenarios ? o.scenario_paths[i] : NULL;
        rc = cli_load_scenario(rs[i].path, &rs[i].scenario, &err);
        if (rc == CS_OK)
            rc = cs_model_compile(rs[i].scenario, &rs[i].model, &err);
        if (rc == CS_OK && i > 0)
            rc = check_compatible(&rs[0], &rs[i], &err);
    }
    if (rc != CS_OK)
        goto done;
    uint64_t seed = o.have_seed ? o.seed : rs[0].scenario->seed;
    const char *output_path = o.output_path;
    if (!output_path) {
        default_output_path(rs, n, default_path, sizeof default_path);
        if (o.slice_given) { /* "a+b.runs-0-249.h5" */
            size_t stem = strlen(default_path) - 3;
            snprintf(default_path + stem, sizeof default_path - stem,
                     ".runs-%ld-%ld.h5", o.first, o.last);
        }
        output_path = default_path;
    }
    if (o.resume && !o.runs_given && access(output_path, F_OK) == 0) {
        /* the batch's size is the file's */
        cs_result *earlier = NULL;
        rc = cs_result_open(output_path, &earlier, &err);
        if (rc == CS_OK)
            o.runs = cs_result_n_runs(earlier, 0);
        cs_result_close(earlier);
        if (rc != CS_OK)
            goto done;
    }
    if (check_slice(&o)) {
        status = CLI_BAD_INPUT;
        goto done;
    }

    unmute_stderr(muted);
    muted = -1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = write_file(&o, rs, n, seed, output_path, command_line, &err);
    if (rc != CS_OK)
        goto done;
    double elapsed = seconds_since(&start);
    if (interrupted) {
        if (mpi_rank == 0)
            fprintf(
                stderr,
                "cascade run: stopped by signal %d; %s holds the runs that "
                "finished (see run_done in each scenario); the same command "
                "with --resume computes the rest\n",
                (int)interrupted, output_path);
        status = 128 + (int)interrupted;
        goto done;
    }

    if (!o.quiet) {
        char what[160];
        for (int i = 0; i < n; i++) {
            if (o.deterministic)
                snprintf(what, sizeof what, "expected values (deterministic)");
            else if (o.slice_given)
                snprintf(what, sizeof what,
                         "median, and [5%%, 95%%] below it, over runs %ld to "
                         "%ld of %ld",
                         o.first, o.last, o.runs);
            else
                snprintf(what, sizeof what,
                         "median, and [5%%, 95%%] below it, over %ld runs",
                         rs[i].table.runs);
            printf("%scascade %s: scenario '%s' (%s), %s from %s, seed "
                   "%" PRIu64 "\n",
                   i ? "\n\n" : "", CASCADE_VERSION, rs[i].scenario->name,
                   rs[i].path ? rs[i].path : "built-in baseline",
                   o.deterministic ? "deterministic run" : "stochastic runs",
                   cs_model_month_label(rs[i].model, 0), seed);
            cli_table_print(&rs[i].table, what);
        }
        printf("\nWrote %s: %d scenario%s x %ld run%s x %d months in "
               "%.2f s.\n",
               output_path, n, n == 1 ? "" : "s", o.runs,
               o.runs == 1 ? "" : "s", cs_model_n_months(rs[0].model), elapsed);
    }
done:
    if (rc != CS_OK && err.message[0]) /* empty: rank 0 told it */
        fprintf(stderr, "%s\n", err.message);
    unmute_stderr(muted);
    for (int i = 0; i < n; i++) {
        cli_table_free(&rs[i].table);
        free(rs[i].file_flow);
        cs_model_free(rs[i].model);
        cs_scenario_free(rs[i].scenario);
    }
    if (rc != CS_OK)
        return cli_exit_status(rc);
    return status < 0 ? CLI_OK : status;
}
