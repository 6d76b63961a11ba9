/*
 * fit_all.c - `cascade fit STRUCTURE --area all -o DIR`: every council's
 * own scenario (as `cascade init` writes it) and its fit, on all cores;
 * with --shrink each council's parameters are shrunk towards the councils'
 * centre by the spread the panel shows (cs_fit_panel; docs/council.md).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "fit_all.h"
#include "progress.h"

typedef struct council {
    int area;
    int rc;
    char message[1100];
    int converged;
    double pearson;
} council;

typedef struct job {
    const cs_scenario *structure;
    const char *structure_path; /* NULL: built in */
    const cs_series *data;
    const char *sources;
    const char *names; /* the data's file names, for fit.figures.source */
    const cs_fit_panel *panel;
    const cs_fit_options *fo;
    const char *dir;
    council *councils;
    int n;
    pthread_mutex_t lock;
    int next, done;
    cli_progress *progress;
    struct timespec start;
} job;

static double since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) * 1e-9;
}

/* One council: its scenario written and reloaded, fitted with the panel's
 * prior, the fit written beside it. */
static int one(const job *j, council *c, cs_error *err)
{
    const char *code = cs_series_area_code(j->data, c->area);
    char name[CS_ID_MAX], path[PATH_MAX], fitted_path[PATH_MAX];
    char extends[PATH_MAX], fitted_name[CS_ID_MAX + 8];
    cli_slug(cs_series_area_name(j->data, c->area), name, sizeof name);
    snprintf(path, sizeof path, "%s/%s.yaml", j->dir, code);
    snprintf(fitted_path, sizeof fitted_path, "%s/%s-fitted.yaml", j->dir,
             code);
    snprintf(fitted_name, sizeof fitted_name, "%.40s-fitted", name);
    if (j->structure_path)
        cli_extends_path(j->structure_path, path, extends, sizeof extends);
    else
        snprintf(extends, sizeof extends, "england-structure.yaml");
    cs_scenario *area = NULL, *back = NULL;
    cs_fit_result *r = NULL;
    int rc = cs_area_scenario(j->structure, j->data, c->area, &area, NULL, err);
    if (rc == CS_OK)
        rc = cs_area_write_yaml(area, j->structure, j->data, c->area,
                                j->sources, path, extends, name, err);
    if (rc == CS_OK)
        rc = cs_scenario_load_file(path, &back, err);
    if (rc == CS_OK) {
        if (j->panel)
            cs_fit_panel_apply(back, j->panel);
        cs_fit_options o = *j->fo;
        o.threads = 1;
        rc = cs_fit_run(back, j->data, c->area, &o, &r, err);
    }
    if (rc == CS_OK) {
        char rel[PATH_MAX];
        snprintf(rel, sizeof rel, "%s.yaml", code);
        rc = cs_fit_write_yaml(r, fitted_path, rel, fitted_name, j->names, err);
    }
    if (rc == CS_OK) {
        c->converged = cs_fit_converged(r);
        c->pearson = cs_fit_pearson_per_df(r);
    }
    cs_fit_result_free(r);
    cs_scenario_free(back);
    cs_scenario_free(area);
    return rc;
}

static void *worker(void *arg)
{
    job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int i = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (i >= j->n)
            break;
        cs_error err;
        cs_error_clear(&err);
        council *c = &j->councils[i];
        c->rc = one(j, c, &err);
        if (c->rc != CS_OK)
            snprintf(c->message, sizeof c->message, "%s", err.message);
        pthread_mutex_lock(&j->lock);
        int done = ++j->done;
        pthread_mutex_unlock(&j->lock);
        if (j->progress)
            cli_progress_show(j->progress, "the councils' fits", done, j->n,
                              since(&j->start));
    }
    return NULL;
}

static void print_panel(const cs_scenario *s, const cs_fit_panel *p)
{
    printf("\nThe councils' prior (fitted scale: log multiplier, or trend a "
           "year): the\nrandom-effects centre and between-council sd of what "
           "each council's figures\nsay alone (councils informing it); kept: "
           "the scenario's own prior\n\n%-24s %10s %10s %9s\n",
           "parameter", "centre", "sd", "councils");
    for (int x = 0; x < s->fit->n_parameters; x++) {
        if (p->kept[x])
            printf("%-24s %10s %10s %9d\n", s->fit->parameters[x].id, "kept",
                   "", p->n_areas[x]);
        else
            printf("%-24s %+10.4f %10.4f %9d\n", s->fit->parameters[x].id,
                   p->mean[x], p->sd[x], p->n_areas[x]);
    }
}

int cli_fit_all(const char *structure_path, const cs_scenario *structure,
                const cs_series *data, const char *sources, const char *names,
                const cs_fit_options *fo, int threads, int shrink,
                const char *dir, int quiet, cs_error *err)
{
    struct stat st;
    if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0)
        return cs_error_set(err, CS_EINPUT,
                            "-o %s: cannot make the directory: %s", dir,
                            strerror(errno));
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cs_error_set(err, CS_EINPUT,
                            "-o %s: expected a directory for --area all (one "
                            "scenario and one fit a council)",
                            dir);
    int n = 0;
    int *areas = malloc((size_t)cs_series_n_areas(data) * sizeof *areas);
    council *councils =
        calloc((size_t)cs_series_n_areas(data), sizeof *councils);
    if (!areas || !councils) {
        free(areas);
        free(councils);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    for (int a = 0; a < cs_series_n_areas(data); a++)
        if (strcmp(cs_series_area_code(data, a), CS_SERIES_ENGLAND_CODE)) {
            councils[n].area = a;
            areas[n++] = a;
        }
    int rc = n > 0 ? CS_OK
                   : cs_error_set(err, CS_EINPUT,
                                  "--area all: the data holds no council");
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    cs_fit_panel panel;
    memset(&panel, 0, sizeof panel);
    cli_progress shown;
    cli_progress_init(&shown, "cascade fit", "councils");
    if (rc == CS_OK && shrink)
        rc = cs_fit_panel_estimate(structure, data, areas, n, fo, threads,
                                   quiet ? NULL : cli_progress_show, &shown,
                                   "the councils' prior", &panel, err);
    double panel_seconds = since(&start);
    job j = {.structure = structure,
             .structure_path = structure_path,
             .data = data,
             .sources = sources,
             .names = names,
             .panel = shrink ? &panel : NULL,
             .fo = fo,
             .dir = dir,
             .councils = councils,
             .n = n,
             .progress = quiet ? NULL : &shown};
    clock_gettime(CLOCK_MONOTONIC, &j.start);
    if (rc == CS_OK) {
        pthread_mutex_init(&j.lock, NULL);
        threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
        pthread_t ids[64];
        int started = 0;
        for (int t = 1; t < threads && t < n; t++)
            if (pthread_create(&ids[started], NULL, worker, &j) == 0)
                started++;
        worker(&j);
        for (int t = 0; t < started; t++)
            pthread_join(ids[t], NULL);
        pthread_mutex_destroy(&j.lock);
    }
    cli_progress_free(&shown);
    int failed = 0, unconverged = 0;
    for (int i = 0; rc == CS_OK && i < n; i++) {
        failed += councils[i].rc != CS_OK;
        unconverged += councils[i].rc == CS_OK && !councils[i].converged;
    }
    if (rc == CS_OK && !quiet) {
        if (shrink) {
            printf("cascade fit: %s on every council in the data (%d), each "
                   "shrunk towards the\ncouncils' centre (empirical Bayes; "
                   "docs/council.md): the prior from %d fits\nin %.0f s, the "
                   "councils' own in %.0f s more\n",
                   structure->name, n, panel.n_fitted, panel_seconds,
                   since(&start) - panel_seconds);
            print_panel(structure, &panel);
        } else {
            printf("cascade fit: %s on every council in the data (%d), each "
                   "on its own figures, in %.0f s\n",
                   structure->name, n, since(&start));
        }
        printf("\nWrote %d councils' scenarios and fits to %s/ (CODE.yaml, "
               "CODE-fitted.yaml)",
               n - failed, dir);
        if (unconverged)
            printf("; %d fit%s did not converge", unconverged,
                   unconverged > 1 ? "s" : "");
        printf(".\n");
        if (failed) {
            printf("%d council%s failed:\n", failed, failed > 1 ? "s" : "");
            for (int i = 0; i < n; i++)
                if (councils[i].rc != CS_OK)
                    printf("  %s: %s\n",
                           cs_series_area_name(data, councils[i].area),
                           councils[i].message);
        }
    }
    free(areas);
    free(councils);
    return rc;
}
