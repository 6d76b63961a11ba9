/*
 * bench_stepper.c - the stochastic stepper with its fast sampler against
 * its plain twin (CS_SIM_SAMPLER_REFERENCE), in the same process on the
 * same work.
 *
 * usage: bench_stepper [RUNS [fast|reference|both [SCENARIO.yaml]]]
 *
 * Default: 40 runs of each sampler on the built-in England baseline (10
 * years, monthly, 1,656 compartments), one thread, seed 1, runs 0..RUNS-1.
 * The two samplers take turns run by run, so a change in the machine's
 * load falls on both alike; the ratio is reference time over fast time.
 * With `fast` or `reference` only that sampler runs, exactly RUNS
 * stochastic runs (no warm-up, no deterministic run: the first fast run
 * fills the per-epoch tables), which is how callgrind counts the
 * stepper's instructions:
 *
 *     valgrind --tool=callgrind --toggle-collect=cs_sim_run \
 *         build/bench/bench_stepper 3 fast
 *
 * Also printed: the fast sampler's draws a run (Philox blocks, binomials
 * by inversion and by BTRS, leavers placed one uniform each) and the mean
 * of the children looked after at the horizon under each sampler (the
 * same law: they agree within their standard errors). Results:
 * bench/RESULTS.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_model.h"
#include "cascade/cascade.h"
#include "sim/sim_internal.h"

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 40;
    const char *which = argc > 2 ? argv[2] : "both";
    const char *path = argc > 3 ? argv[3] : NULL;
    if (runs < 1 || (strcmp(which, "fast") && strcmp(which, "reference") &&
                     strcmp(which, "both"))) {
        fprintf(stderr, "usage: bench_stepper [RUNS [fast|reference|both "
                        "[SCENARIO.yaml]]]\n");
        return 2;
    }
    int use[2] = {strcmp(which, "reference") != 0, strcmp(which, "fast") != 0};
    cs_scenario *sc;
    cs_model *m;
    if (bench_model("bench_stepper", path, &sc, &m) != CS_OK)
        return 1;
    int months = cs_model_n_months(m), stages = cs_model_n_stages(m);
    double *stocks =
        malloc(sizeof *stocks * (size_t)months * (size_t)stages * CS_AGES);
    cs_sim *sim[2] = {cs_sim_alloc(m), cs_sim_alloc(m)};
    if (!stocks || !sim[0] || !sim[1]) {
        fprintf(stderr, "bench_stepper: out of memory\n");
        return 1;
    }
    cs_sim_set_sampler(sim[1], CS_SIM_SAMPLER_REFERENCE);
    static const char *const name[2] = {"fast", "reference"};

    /* warm up, when timing both: each sampler's first run (the fast one
     * fills its per-epoch tables then) is not timed */
    for (int k = 0; k < 2; k++)
        if (use[0] && use[1])
            cs_sim_run(sim[k], CS_SIM_STOCHASTIC, 1, (uint32_t)runs, stocks,
                       NULL, NULL);
    cs_stream_counts before = *cs_sim_counts(sim[0]);
    double seconds[2] = {0, 0}, sum[2] = {0, 0}, sum2[2] = {0, 0};
    for (int run = 0; run < runs; run++)
        for (int k = 0; k < 2; k++) {
            if (!use[k])
                continue;
            double t0 = now_seconds();
            cs_sim_run(sim[k], CS_SIM_STOCHASTIC, 1, (uint32_t)run, stocks,
                       NULL, NULL);
            seconds[k] += now_seconds() - t0;
            double in_care = 0; /* looked after at the horizon */
            for (int s = 0; s < stages; s++)
                for (int a = 0;
                     sc->stages[s].dfe == CS_DFE_LOOKED_AFTER && a < CS_AGES;
                     a++)
                    in_care +=
                        stocks[((size_t)(months - 1) * stages + s) * CS_AGES +
                               a];
            sum[k] += in_care;
            sum2[k] += in_care * in_care;
        }
    const cs_stream_counts *after = cs_sim_counts(sim[0]);

    double deterministic = 0;
    if (use[0] && use[1]) {
        double t0 = now_seconds();
        for (int i = 0; i < 20; i++)
            cs_sim_run(sim[0], CS_SIM_DETERMINISTIC, 1, 0, stocks, NULL, NULL);
        deterministic = (now_seconds() - t0) / 20;
    }

    printf("%s: %d compartments x %d months, %d runs of each sampler, one "
           "thread\n",
           sc->name, cs_model_n_compartments(m), months, runs);
    for (int k = 0; k < 2; k++) {
        if (!use[k])
            continue;
        double mean = sum[k] / runs;
        double sd =
            runs > 1 ? sqrt((sum2[k] - runs * mean * mean) / (runs - 1)) : 0;
        printf("%-9s stochastic run: %8.2f ms   (looked after at the "
               "horizon: mean %.1f, SE %.1f)\n",
               name[k], seconds[k] / runs * 1e3, mean, sd / sqrt(runs));
    }
    if (use[0] && use[1])
        printf("stepper ratio (reference / fast): %.2f\n",
               seconds[1] / seconds[0]);
    if (use[0])
        printf("fast sampler's draws a run: %.0f Philox blocks one at a "
               "time and %.0f several at a time, %.0f binomials by inversion, "
               "%.0f by BTRS, %.0f leavers placed one uniform each\n",
               (double)(after->blocks - before.blocks) / runs,
               (double)(after->batched - before.batched) / runs,
               (double)(after->inversions - before.inversions) / runs,
               (double)(after->rejections - before.rejections) / runs,
               (double)(after->placed - before.placed) / runs);
    if (use[0] && use[1])
        printf("deterministic run:        %8.2f ms\n", deterministic * 1e3);
    free(stocks);
    cs_sim_free(sim[0]);
    cs_sim_free(sim[1]);
    cs_model_free(m);
    cs_scenario_free(sc);
    return 0;
}
