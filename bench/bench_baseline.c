/*
 * bench_baseline.c - how fast the steppers run the England baseline.
 *
 * Measures, on one thread, for the built-in baseline (10 years, monthly),
 * or for SCENARIO.yaml (bench/RESULTS.md uses the baseline with parameter
 * uncertainty, scenarios/england-baseline-uncertain.yaml):
 *   - stochastic runs per second and compartment-steps per second; with
 *     uncertain parameters each run first draws its parameters and
 *     compiles its own model, as `cascade run` does, and that is timed
 *     too (and shown on its own);
 *   - the deterministic run's time;
 *   - a plain reference in the same process: the time to draw as many
 *     binomial variates as the stochastic runs drew (one per multinomial
 *     category actually sampled), from the same Philox generator, with
 *     the same (n, p) sequence, in a tight loop. The ratio run / floor says
 *     how much of a run is bookkeeping rather than drawing random numbers.
 *
 * usage: bench_baseline [RUNS [SCENARIO.yaml]]   (default 200 runs of the
 * built-in baseline). Results: bench/RESULTS.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_randist.h>

#include "bench_model.h"
#include "cascade/cascade.h"
#include "model/model_internal.h"

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/*
 * The binomial draws GSL's multinomial makes for one run, replayed: the
 * stochastic stepper's loop with the multinomial unrolled into its
 * conditional binomials, recording each (n, p). Used to build the floor.
 */
typedef struct draw {
    unsigned int n;
    double p;
} draw;

static size_t record_draws(const cs_model *m, uint64_t seed, draw **out)
{
    /* replay one stochastic run and record the binomial parameters */
    size_t cap = 1 << 20, count = 0;
    draw *d = malloc(cap * sizeof *d);
    double *now = calloc((size_t)m->n_compartments, sizeof *now);
    double *next = calloc((size_t)m->n_compartments, sizeof *next);
    unsigned int *drawn = calloc((size_t)m->max_outcomes, sizeof *drawn);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    for (int c = 0; c < m->n_compartments; c++)
        now[c] = m->initial[c];
    for (int t = 0; t < m->n_months; t++) {
        if (m->ages[t]) {
            for (int s = 0; s < m->n_stages; s++) {
                int block = m->n_dur[s] * m->n_mark_sets;
                double *base = now + m->stage_offset[s];
                for (int i = (CS_AGES - 1) * block - 1; i >= 0; i--)
                    base[i + block] = base[i];
                for (int i = 0; i < block; i++)
                    base[i] = 0;
            }
        }
        for (int c = 0; c < m->n_compartments; c++)
            next[c] = 0;
        for (int c = 0; c < m->n_compartments; c++) {
            if (now[c] <= 0)
                continue;
            cs_rng_reset(r, seed, 0, CS_RNG_TRANSITIONS, CS_SUBSTREAM(t, c));
            int first = m->first_outcome[c];
            int k = m->first_outcome[c + 1] - first;
            /* GSL's algorithm: conditional binomials in order */
            double norm = 0, sum_p = 0;
            unsigned int left = (unsigned int)now[c];
            for (int i = 0; i < k; i++)
                norm += m->outcome_p[first + i];
            for (int i = 0; i < k; i++) {
                double p = m->outcome_p[first + i];
                if (p > 0 && left > 0) {
                    double pc = p / (norm - sum_p);
                    if (count == cap) {
                        cap *= 2;
                        d = realloc(d, cap * sizeof *d);
                    }
                    d[count].n = left;
                    d[count].p = pc > 1 ? 1 : pc;
                    count++;
                    drawn[i] = gsl_ran_binomial(r, pc > 1 ? 1 : pc, left);
                } else {
                    drawn[i] = 0;
                }
                sum_p += p;
                left -= drawn[i];
                next[m->outcome_dest[first + i]] += drawn[i];
            }
        }
        next[m->birth_compartment] += (double)(unsigned)m->births[t];
        double *swap = now;
        now = next;
        next = swap;
    }
    gsl_rng_free(r);
    free(now);
    free(next);
    free(drawn);
    *out = d;
    return count;
}

/* A sink that keeps nothing but a checksum: the batch engine's own cost. */
static int checksum(void *ctx, const cs_run_record *r, cs_error *err)
{
    (void)err;
    *(double *)ctx += r->stocks[0];
    return CS_OK;
}

/* Seconds a run through the library's batch engine (cs_batch_compute:
 * parameter draws, compile, step, cost, delivery), on `threads`. */
static double batch_seconds(const cs_scenario *sc, int runs, int threads)
{
    cs_batch *b = NULL;
    cs_error err;
    if (cs_batch_create(&b, &err) ||
        cs_batch_add_scenario(b, sc, "bench", &err))
        return NAN;
    cs_batch_settings s;
    cs_batch_settings_init(&s);
    s.seed = 1;
    s.threads = threads;
    long *list = malloc(sizeof *list * (size_t)runs);
    for (int i = 0; i < runs; i++)
        list[i] = i;
    double sum = 0, t0 = now_seconds();
    int rc = cs_batch_compute(b, &s, 0, list, runs, checksum, &sum, NULL, &err);
    double t = (now_seconds() - t0) / runs;
    free(list);
    cs_batch_free(b);
    return rc == CS_OK ? t : NAN;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 200;
    if (runs < 1)
        runs = 200;
    const char *path = argc > 2 ? argv[2] : NULL;
    cs_scenario *sc;
    cs_model *m;
    if (bench_model("bench", path, &sc, &m) != CS_OK)
        return 1;
    cs_error err;
    int months = cs_model_n_months(m), stages = cs_model_n_stages(m);
    double *stocks =
        malloc(sizeof *stocks * (size_t)months * (size_t)stages * CS_AGES);
    double *flows =
        malloc(sizeof *flows * (size_t)months * (size_t)cs_model_n_flows(m));
    cs_sim *sim = cs_sim_alloc(m);

    cs_sim_run(sim, CS_SIM_STOCHASTIC, 1, 0, stocks, flows, NULL); /* warm up */
    double draw_compile = 0;
    double t0 = now_seconds();
    for (int run = 0; run < runs; run++) {
        if (sc->n_parameters == 0) {
            cs_sim_run(sim, CS_SIM_STOCHASTIC, 1, (uint32_t)run, stocks, flows,
                       NULL);
            continue;
        }
        /* as cascade run: this run's parameters, model and stepper */
        double t1 = now_seconds();
        cs_scenario *drawn = NULL;
        double values[CS_MAX_PARAMETERS];
        cs_model *own = NULL;
        if (cs_scenario_draw(sc, 1, (uint32_t)run, &drawn, values, &err) ||
            cs_model_compile(drawn, &own, &err)) {
            fprintf(stderr, "bench: run %d: %s\n", run, err.message);
            return 1;
        }
        cs_sim *own_sim = cs_sim_alloc(own);
        draw_compile += now_seconds() - t1;
        cs_sim_run(own_sim, CS_SIM_STOCHASTIC, 1, (uint32_t)run, stocks, flows,
                   NULL);
        cs_sim_free(own_sim);
        cs_model_free(own);
        cs_scenario_free(drawn);
    }
    double stochastic = (now_seconds() - t0) / runs;

    t0 = now_seconds();
    for (int i = 0; i < 20; i++)
        cs_sim_run(sim, CS_SIM_DETERMINISTIC, 1, 0, stocks, flows, NULL);
    double deterministic = (now_seconds() - t0) / 20;

    draw *d = NULL;
    size_t n_draws = record_draws(m, 1, &d);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_reset(r, 1, 0, CS_RNG_TEST, 0);
    unsigned long sink = 0;
    int reps = runs < 50 ? runs : 50;
    t0 = now_seconds();
    for (int rep = 0; rep < reps; rep++)
        for (size_t i = 0; i < n_draws; i++)
            sink += gsl_ran_binomial(r, d[i].p, d[i].n);
    double floor_time = (now_seconds() - t0) / reps;

    double steps = (double)cs_model_n_compartments(m) * months;
    printf("%s: %d compartments x %d months = %.0f compartment-steps per "
           "run, %d uncertain parameters\n",
           sc->name, cs_model_n_compartments(m), months, steps,
           sc->n_parameters);
    printf("stochastic run:       %8.2f ms   (%.1f runs/s, %.2f M "
           "compartment-steps/s, %d runs)\n",
           stochastic * 1e3, 1 / stochastic, steps / stochastic / 1e6, runs);
    if (sc->n_parameters > 0)
        printf("  of which drawing parameters and compiling the run's model: "
               "%.2f ms\n",
               draw_compile / runs * 1e3);
    printf("deterministic run:    %8.2f ms\n", deterministic * 1e3);
    double one = batch_seconds(sc, runs, 1), two = batch_seconds(sc, runs, 2);
    printf("cs_batch_compute:     %8.2f ms a run on 1 thread, %.2f ms on 2 "
           "(speed-up %.2f)\n",
           one * 1e3, two * 1e3, one / two);
    printf("binomial floor:       %8.2f ms   (%zu gsl_ran_binomial draws "
           "with the run's (n, p), same generator)\n",
           floor_time * 1e3, n_draws);
    printf("run / floor:          %8.2f\n", stochastic / floor_time);
    fprintf(stderr, "(checksum %lu)\n", sink);

    free(d);
    gsl_rng_free(r);
    free(stocks);
    free(flows);
    cs_sim_free(sim);
    cs_model_free(m);
    cs_scenario_free(sc);
    return 0;
}
