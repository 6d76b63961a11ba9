/*
 * stepper_runs.c - cascade's stochastic stepper on runs FIRST ..
 * FIRST+COUNT-1, one line a run (the run, its wall time in seconds and the
 * children looked after at the horizon), for bench/vs-numpy, which times
 * the numpy reference (bench/numpy_stepper.py) on the same model in the
 * same benchmark.
 *
 * usage: stepper_runs FIRST COUNT [SCENARIO.yaml] [--warm]
 *
 * One thread, seed 1, the fast sampler, stocks recorded every month
 * (flows and capacity not), the built-in England baseline by default.
 * With --warm one untimed run (run FIRST+COUNT) comes first: it fills the
 * sampler's per-epoch tables, as the numpy reference builds its tables
 * before it is timed. Without it, exactly COUNT runs, which is how
 * callgrind counts the stepper's instructions:
 *
 *     valgrind --tool=callgrind --toggle-collect=cs_sim_run \
 *         build/bench/stepper_runs 0 3
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_model.h"
#include "cascade/cascade.h"

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int warm = 0, n_args = 0;
    const char *arg[3] = {NULL, NULL, NULL};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--warm"))
            warm = 1;
        else if (n_args < 3)
            arg[n_args++] = argv[i];
        else
            n_args = 4;
    }
    long first = n_args >= 2 ? atol(arg[0]) : -1;
    long count = n_args >= 2 ? atol(arg[1]) : -1;
    if (n_args < 2 || n_args > 3 || first < 0 || count < 1 ||
        first + count > 4294967295L) {
        fprintf(stderr,
                "usage: stepper_runs FIRST COUNT [SCENARIO.yaml] [--warm]\n");
        return 2;
    }
    cs_scenario *sc;
    cs_model *m;
    int rc = bench_model("stepper_runs", arg[2], &sc, &m);
    if (rc != CS_OK)
        return rc == CS_EINPUT ? 2 : 1;
    int months = cs_model_n_months(m), stages = cs_model_n_stages(m);
    double *stocks =
        malloc(sizeof *stocks * (size_t)months * (size_t)stages * CS_AGES);
    cs_sim *sim = cs_sim_alloc(m);
    if (!stocks || !sim) {
        fprintf(stderr, "stepper_runs: out of memory\n");
        return 1;
    }
    if (warm)
        cs_sim_run(sim, CS_SIM_STOCHASTIC, 1, (uint32_t)(first + count), stocks,
                   NULL, NULL);
    for (long run = first; run < first + count; run++) {
        double t0 = now_seconds();
        cs_sim_run(sim, CS_SIM_STOCHASTIC, 1, (uint32_t)run, stocks, NULL,
                   NULL);
        double seconds = now_seconds() - t0;
        double in_care = 0;
        for (int s = 0; s < stages; s++)
            for (int a = 0;
                 sc->stages[s].dfe == CS_DFE_LOOKED_AFTER && a < CS_AGES; a++)
                in_care +=
                    stocks[((size_t)(months - 1) * stages + s) * CS_AGES + a];
        printf("%ld %.9f %.0f\n", run, seconds, in_care);
    }
    free(stocks);
    cs_sim_free(sim);
    cs_model_free(m);
    cs_scenario_free(sc);
    return 0;
}
