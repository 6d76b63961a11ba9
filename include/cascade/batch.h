/*
 * batch.h - many runs of one or several scenarios: worker threads,
 * parameter draws, common random numbers, slices, resuming, MPI ranks and
 * progress, behind one small API that the `cascade` program, fitting and
 * backtesting all use.
 *
 * Run r of a batch draws every random number from streams keyed by (seed,
 * r, purpose, ...) (rng.h), so its result depends only on the scenario, the
 * seed and r: never on the thread, process or order that computes it.
 * Scenarios of one batch share the seed, so run r of each uses the same
 * streams and their differences are paired (common random numbers).
 *
 * Two layers:
 *   cs_batch_compute  computes a list of runs of one scenario on worker
 *                     threads and hands each finished run to a callback
 *                     (a "sink") on the calling thread, in list order:
 *                     whatever the sink does is the same for any number of
 *                     threads. Nothing is written anywhere.
 *   cs_batch_write    the HDF5 sink: a batch of n runs (or a slice of it)
 *                     into one file, continuing an earlier file if asked,
 *                     with the ranks of an MPI job sharing the runs.
 *
 * A minimal program (docs/library.md has it whole):
 *
 *     cs_batch *b;  cs_batch_create(&b, &err);
 *     cs_batch_add_scenario(b, scenario, "my.yaml", &err);
 *     cs_batch_settings s;  cs_batch_settings_init(&s);
 *     s.seed = 7;  s.threads = 2;
 *     cs_batch_file f = {.path = "my.h5", .n_runs = 1000, .last = -1};
 *     cs_batch_outcome o;
 *     cs_batch_write(b, &s, &f, &o, &err);
 *     cs_batch_free(b);
 */
#ifndef CASCADE_BATCH_H
#define CASCADE_BATCH_H

#include <signal.h>
#include <stdint.h>

#include "cascade/error.h"
#include "cascade/model.h"
#include "cascade/scenario.h"

/* At most this many scenarios in one batch, and runs in one batch. */
#define CS_BATCH_MAX_SCENARIOS 16
#define CS_BATCH_MAX_RUNS 10000000L

typedef struct cs_batch cs_batch;

/* How runs are made. cs_batch_settings_init fills the defaults. */
typedef struct cs_batch_settings {
    uint64_t seed;
    int threads;       /* worker threads, 1..256 (default 1) */
    int deterministic; /* runs in expected values with every parameter at
                          its mean (default 0) */
    /* each run draws its uncertain parameters (1, default) or uses their
     * means (0) */
    int parameter_uncertainty;
    /* each run draws who moves (1, default) or moves expected values with
     * its own parameters (0) */
    int process_noise;
    /* each run draws its rates' random year effects (1, default) or keeps
     * them at 0, the median path (0) */
    int year_effects;
    /* Read between runs: once non-zero (a signal handler may set it), no
     * more runs start and the batch ends after delivering the runs already
     * finished, with CS_OK: see cs_batch_outcome. NULL: never. */
    volatile sig_atomic_t *stop;
    /* Called on the calling thread after each run delivered: `done` of
     * `total` runs of scenario `name`, `seconds` since this scenario's runs
     * started. NULL: none. */
    void (*progress)(void *ctx, const char *name, long done, long total,
                     double seconds);
    void *progress_ctx;
} cs_batch_settings;

void cs_batch_settings_init(cs_batch_settings *settings);

int cs_batch_create(cs_batch **out, cs_error *err);
void cs_batch_free(cs_batch *batch);

/*
 * Add a scenario (copied: the caller keeps its own) and compile it. source
 * says where it came from ("scenarios/x.yaml", "built-in baseline"), for
 * messages. Scenarios of one batch must share base date, horizon and
 * stages, have distinct names, and a transition id must mean the same move
 * in each: CS_EINPUT otherwise, naming source.
 */
int cs_batch_add_scenario(cs_batch *batch, const cs_scenario *scenario,
                          const char *source, cs_error *err);
int cs_batch_n_scenarios(const cs_batch *batch);
const cs_scenario *cs_batch_scenario(const cs_batch *batch, int index);
/* The scenario's model with its parameters at their means. */
const cs_model *cs_batch_model(const cs_batch *batch, int index);
const char *cs_batch_source(const cs_batch *batch, int index);

/* One finished run, lent to a sink: valid only during the call. */
typedef struct cs_run_record {
    int scenario;          /* its index in the batch */
    long run;              /* its run index: its random streams' key */
    const cs_model *model; /* the model it ran (its own when it drew
                              parameters) */
    int n_params;
    const double *params;   /* [n_params] values used, in their own units */
    const double *stocks;   /* [month][stage][age] children, end of month */
    const double *flows;    /* [month][flow] children moved (model order) */
    const double *costs;    /* [month][cost line] GBP cash */
    const double *spend;    /* [month][CS_N_SPEND] GBP cash */
    const double *capacity; /* [month][capacity stage][3]: places, children
                               in the stage, turned away (model order) */
    const double *budget;   /* [month][CS_BUDGET_MEASURES] (output_format.h),
                               or NULL: the scenario has no budget */
} cs_run_record;

/* A sink returns CS_OK to go on, a positive value to stop the batch
 * without an error (the run it was given then counts as not delivered),
 * or an error code (with err filled) to stop it with that error. */
typedef int (*cs_run_sink)(void *ctx, const cs_run_record *record,
                           cs_error *err);

/*
 * Compute runs[0..n-1] of scenario `scenario` (run indices, any order, no
 * repeats needed but allowed) and hand each to sink on the calling thread
 * in the order of runs[]. At most a few runs per thread are held at once.
 * Returns CS_OK with *delivered == n, or CS_OK with fewer after a stop, or
 * the first error of a run or of the sink. delivered may be NULL.
 */
int cs_batch_compute(cs_batch *batch, const cs_batch_settings *settings,
                     int scenario, const long *runs, long n, cs_run_sink sink,
                     void *ctx, long *delivered, cs_error *err);

/* ---- the HDF5 file sink ----------------------------------------------- */

typedef struct cs_batch_file {
    const char *path;         /* the file to write */
    int force;                /* may replace a regular file at path that is
                                 not a cascade output */
    long n_runs;              /* the batch: runs 0 .. n_runs-1 of each
                                 scenario (deterministic: 1) */
    long first, last;         /* the slice to compute, 0-based inclusive;
                                 last < 0: the whole batch */
    int resume;               /* continue the batch in path.partial, else
                                 path, computing only runs not yet done
                                 (n_runs 0: the batch's size is the
                                 file's) */
    const char *command_line; /* recorded in the file; may be NULL */
    /* The ranks sharing the runs: a pointer to an MPI_Comm in the MPI build
     * (every rank calls cs_batch_write with the same arguments), or NULL. */
    const void *mpi_comm;
} cs_batch_file;

typedef struct cs_batch_outcome {
    /* 1 if every run of the slice is in the file, which is then at path;
     * 0 after a stop, when the file holding the finished runs is
     * path.partial (an earlier complete file at path is never replaced by
     * an incomplete one); the same call with resume = 1 continues it */
    int complete;
    long n_runs;    /* the batch's runs per scenario (the file's, when
                       resumed with n_runs 0) */
    long runs_done; /* runs of the slice done, summed over scenarios */
    long runs_asked;
    char written[4096]; /* the file written */
    double seconds;     /* wall time of the call */
} cs_batch_outcome;

/* The name an incomplete batch is saved under: "<path>.partial". */
int cs_batch_partial_path(const char *path, char *out, size_t size);

/*
 * Run the batch into an HDF5 file (output.h, docs/output-format.md). The
 * file is built under a temporary name and renamed only when closed, so a
 * failure never damages an earlier file. With resume, the batch recorded
 * in path.partial (or path) must be this very batch (same program version,
 * seed, options, scenarios and run count): CS_EINPUT otherwise.
 */
int cs_batch_write(cs_batch *batch, const cs_batch_settings *settings,
                   const cs_batch_file *file, cs_batch_outcome *outcome,
                   cs_error *err);

#endif
