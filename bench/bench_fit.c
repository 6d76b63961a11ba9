/*
 * bench_fit.c - how long `cascade fit` takes, against the model runs it
 * is made of.
 *
 * Fits SCENARIO.yaml to AREA's figures in the data files (every year they
 * hold) REPEAT times on one thread and reports the median wall time, the
 * iterations, and a plain reference measured in the same process: one
 * deterministic run of the fitted scenario over the same window (the
 * fit's unit of work: each iteration runs the model once per parameter
 * for the derivatives, and again for the step). The ratio fit / run says
 * how many model runs a fit costs; the targets are England
 * 2013-2019 in at most 30 s and a council in at most 5 s.
 *
 * usage: bench_fit SCENARIO.yaml AREA REPEAT DATA.csv [DATA.csv ...]
 * Results: bench/RESULTS.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_sort.h>

#include "cascade/cascade.h"
#include "cascade/data.h"
#include "cascade/fit.h"

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_fit SCENARIO.yaml AREA REPEAT DATA.csv "
                        "[DATA.csv ...]\n");
        return 2;
    }
    int repeat = atoi(argv[3]);
    if (repeat < 1 || repeat > 1000) {
        fprintf(stderr, "bench_fit: REPEAT must be 1 to 1000\n");
        return 2;
    }
    cs_error err;
    cs_scenario *s = NULL;
    cs_series *data = NULL;
    int rc = cs_scenario_load_file(argv[1], &s, &err);
    if (rc == CS_OK)
        rc = cs_series_create(&data, &err);
    for (int i = 4; rc == CS_OK && i < argc; i++)
        rc = cs_series_load(data, argv[i], &err);
    int area = -1;
    if (rc == CS_OK)
        rc = cs_series_find_area(data, argv[2], &area, &err);
    double *times = calloc((size_t)repeat, sizeof *times);
    cs_fit_result *fit = NULL;
    int iterations = 0, converged = 0, figures = 0, parameters = 0;
    for (int k = 0; rc == CS_OK && k < repeat; k++) {
        cs_fit_options o;
        cs_fit_options_init(&o); /* one thread */
        cs_fit_result_free(fit);
        fit = NULL;
        double t0 = now_seconds();
        rc = cs_fit_run(s, data, area, &o, &fit, &err);
        times[k] = now_seconds() - t0;
        if (rc == CS_OK) {
            iterations = cs_fit_iterations(fit);
            converged = cs_fit_converged(fit);
            figures = cs_fit_n_points(fit);
            parameters = cs_fit_n_parameters(fit);
        }
    }
    /* the reference: deterministic runs of the fitted scenario over the
     * window, from the window's first year */
    double run_seconds = 0;
    int first = 0, last = 0;
    if (rc == CS_OK) {
        first = cs_fit_first_year(fit);
        last = cs_fit_last_year(fit);
        cs_scenario *w = NULL;
        cs_model *m = NULL;
        rc = cs_fit_scenario(fit, first, 12 * (last - first), &w, &err);
        if (rc == CS_OK)
            rc = cs_model_compile(w, &m, &err);
        cs_sim *sim = rc == CS_OK ? cs_sim_alloc(m) : NULL;
        double *stocks = NULL, *flows = NULL;
        if (sim) {
            /* recorded as the fit records them, for the same work */
            size_t months = (size_t)cs_model_n_months(m);
            stocks = malloc(months * (size_t)cs_model_n_stages(m) * CS_AGES *
                            sizeof *stocks);
            flows =
                malloc(months * (size_t)cs_model_n_flows(m) * sizeof *flows);
        }
        if (rc == CS_OK && (!sim || !stocks || !flows))
            rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
        int n = 0;
        double t0 = now_seconds();
        while (rc == CS_OK && (n < 20 || now_seconds() - t0 < 1.0)) {
            cs_sim_run(sim, CS_SIM_DETERMINISTIC, 0, 0, stocks, flows, NULL);
            n++;
        }
        free(stocks);
        free(flows);
        if (rc == CS_OK)
            run_seconds = (now_seconds() - t0) / n;
        cs_sim_free(sim);
        cs_model_free(m);
        cs_scenario_free(w);
    }
    if (rc != CS_OK) {
        fprintf(stderr, "bench_fit: %s\n", err.message);
    } else {
        gsl_sort(times, 1, (size_t)repeat);
        double median = repeat % 2
                            ? times[repeat / 2]
                            : 0.5 * (times[repeat / 2 - 1] + times[repeat / 2]);
        printf("fit of %s to %s, DfE years %d to %d: %d figures, %d "
               "parameters\n",
               argv[1], cs_series_area_name(data, area), first, last, figures,
               parameters);
        printf("  fit, one thread (median of %d): %.3f s, %d iterations%s\n",
               repeat, median, iterations, converged ? "" : " (NOT converged)");
        printf("  one deterministic run over the window: %.3f ms\n",
               1e3 * run_seconds);
        printf("  fit / run: %.0f runs' worth\n", median / run_seconds);
    }
    cs_fit_result_free(fit);
    free(times);
    cs_series_free(data);
    cs_scenario_free(s);
    return rc == CS_OK ? 0 : 1;
}
