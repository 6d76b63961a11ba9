/*
 * figures.c - the fitted scenario's record of what it was fitted to
 * (fit.figures, docs/scenario-format.md): for each measure the fit used,
 * the area's figures of the window's years and the fitted model's
 * one-year-ahead values for them, so that a run, `cascade summary` and
 * tools/report can set the published figures beside the model for the
 * fit years without the data files.
 *
 * The published figures are those the fit read: each fitted figure of
 * the years after the window's first, and at the first year the stocks
 * and population the model started from. The fitted values are the
 * points of the fit (cs_fit_get_point), one decimal.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fit/fit_internal.h"

#include "cascade/output_format.h"

/* text as a YAML double-quoted scalar */
static void write_quoted(FILE *f, const char *text)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* A list of n values from values[], ~ for NaN, each with fmt. */
static void write_values(FILE *f, const double *values, int n, const char *fmt)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        if (isnan(values[i]))
            fputc('~', f);
        else
            fprintf(f, fmt, values[i]);
    }
    fputc(']', f);
}

/* every series a fit can have fits in the record (and in the output's) */
_Static_assert(FIT_MAX_SERIES <= CS_MAX_FIT_SERIES &&
                   CS_MAX_FIT_SERIES <= CS_OUTPUT_FIGURES_MEASURES &&
                   CS_MAX_FIT_YEARS <= CS_OUTPUT_FIGURES_YEARS,
               "fit.figures must hold every series of a fit");

void fit_write_figures(FILE *f, const cs_fit_result *r, const cs_series *data,
                       int area, const char *sources)
{
    int first = cs_fit_first_year(r), last = cs_fit_last_year(r);
    int years = last - first + 1;
    if (years < 1 || years > CS_MAX_FIT_YEARS)
        return;
    fprintf(f, "  # The figures the fit used, DfE years to 31 March (stocks "
               "at 31 March, flows\n  # during the year, the population the "
               "ONS mid-year estimate used for it),\n  # and the fitted "
               "model's value for each (one year ahead from the published\n"
               "  # stocks at the 31 March before; ~ where none): a record "
               "for tables and\n  # reports, not read by the model.\n");
    fprintf(f, "  figures:\n    area: ");
    write_quoted(f, cs_series_area_code(data, area));
    fprintf(f, "\n    area_name: ");
    write_quoted(f, cs_series_area_name(data, area));
    fprintf(f, "\n    source: ");
    /* within the loader's limit, cut at a character's start */
    char source[CS_FIT_SOURCE_MAX];
    snprintf(source, sizeof source, "%s",
             sources && sources[0] ? sources : "-");
    size_t len = strlen(source);
    if (len == sizeof source - 1)
        while (len > 0 && ((unsigned char)source[len] & 0xC0) == 0x80)
            source[--len] = '\0';
    write_quoted(f, source);
    int n_series = cs_fit_n_series(r);
    fprintf(f, "\n    window: %d:%d\n    series:%s\n", first, last,
            n_series > 0 ? "" : " []");
    assert(n_series <= CS_MAX_FIT_SERIES);
    for (int k = 0; k < n_series; k++) {
        int measure = cs_fit_series_measure(r, k);
        const cs_measure_info *info = cs_series_measure(measure);
        double published[CS_MAX_FIT_YEARS], fitted[CS_MAX_FIT_YEARS];
        for (int y = 0; y < years; y++)
            published[y] = fitted[y] = NAN;
        /* the start: the stocks and population the model began from */
        double v;
        if (info->kind != CS_OBS_FLOW &&
            cs_series_get(data, area, measure, first, &v))
            published[0] = v;
        for (int i = 0; i < cs_fit_n_points(r); i++) {
            cs_fit_point pt;
            cs_fit_get_point(r, i, &pt);
            if (pt.measure != measure || pt.year < first || pt.year > last)
                continue;
            published[pt.year - first] = pt.observed;
            fitted[pt.year - first] = pt.fitted;
        }
        int from = 0, to = years - 1;
        while (from < years && isnan(published[from]) && isnan(fitted[from]))
            from++;
        while (to > from && isnan(published[to]) && isnan(fitted[to]))
            to--;
        if (from == years)
            continue;
        fprintf(f, "      - {measure: %s, from: %d, published: ", info->name,
                first + from);
        write_values(f, published + from, to - from + 1, "%.10g");
        fprintf(f, ", fitted: ");
        write_values(f, fitted + from, to - from + 1, "%.1f");
        fprintf(f, "}\n");
    }
}
