/*
 * figures.c - what a fitted scenario was fitted to (its fit.figures,
 * scenario.h) as the output file records it (cs_output_figures,
 * output_format.h): the series laid on the window's years, each measure
 * with its kind, unit and description from the published measures
 * (data.h), so a reader of the file needs neither the scenario nor the
 * data files.
 */
#include "batch/batch_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cascade/data.h"

int batch_figures_of(const cs_scenario *s, cs_output_figures **out,
                     cs_error *err)
{
    *out = NULL;
    const cs_fit_figures *x = s->fit ? &s->fit->figures : NULL;
    if (!x || !x->present || x->n_series == 0)
        return CS_OK;
    cs_output_figures *f = calloc(1, sizeof *f);
    if (!f)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    static const char *const kinds[] = {"stock", "flow", "population"};
    snprintf(f->area_code, sizeof f->area_code, "%s", x->area_code);
    snprintf(f->area_name, sizeof f->area_name, "%s", x->area_name);
    snprintf(f->source, sizeof f->source, "%s", x->source);
    f->first_year = x->window_first;
    f->last_year = x->window_last;
    f->n_measures = x->n_series;
    int years = x->window_last - x->window_first + 1;
    for (int m = 0; m < x->n_series; m++) {
        const cs_fit_series *y = &x->series[m];
        const cs_measure_info *info =
            cs_series_measure(cs_series_find_measure(y->measure));
        /* the loader takes counts only: stocks, flows, the population */
        if (!info || info->kind > CS_OBS_POPULATION) {
            free(f);
            return cs_error_set(err, CS_EINPUT,
                                "scenario '%s': fit.figures: '%s' is not a "
                                "published count",
                                s->name, y->measure);
        }
        snprintf(f->measure[m], sizeof f->measure[m], "%s", info->name);
        snprintf(f->kind[m], sizeof f->kind[m], "%s", kinds[info->kind]);
        snprintf(f->unit[m], sizeof f->unit[m], "%s", info->unit);
        snprintf(f->description[m], sizeof f->description[m], "%s",
                 info->description);
        for (int k = 0; k < years; k++) {
            int i = x->window_first + k - y->from;
            f->published[m][k] =
                i >= 0 && i < y->n_published ? y->published[i] : NAN;
            f->fitted[m][k] = i >= 0 && i < y->n_fitted ? y->fitted[i] : NAN;
        }
    }
    *out = f;
    return CS_OK;
}
