/*
 * figures.c - a scenario group's fit_figures/: what a fitted scenario was
 * fitted to (output_format.h, cs_output_figures; docs/output-format.md),
 * written by cs_output_add_scenario and read by cs_result_read_figures.
 *
 * Layout, inside /scenarios/<name>/fit_figures/:
 *   measure              [measure] string, dimension scale "measure"
 *   year                 [year]    int32, dimension scale "year" (DfE years
 *                                  to 31 March, first_year .. last_year)
 *   measure_kind, measure_unit, measure_description   [measure] string
 *   published, fitted    [measure, year] float64, NaN where none
 * and the group's attributes area_code, area_name, source, window_first,
 * window_last and description. Small and contiguous: a few hundred values.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"

#include <hdf5_hl.h>

#include "h5util.h"
#include "writer.h"

#define GROUP "fit_figures"

int cs_output_check_figures(const cs_output_figures *f, cs_error *err)
{
    int years = f->last_year - f->first_year + 1;
    if (f->n_measures < 1 || f->n_measures > CS_OUTPUT_FIGURES_MEASURES ||
        f->first_year >= f->last_year || years > CS_OUTPUT_FIGURES_YEARS)
        return cs_error_set(err, CS_EINPUT,
                            "fit figures: expected 1 to %d measures over 2 to "
                            "%d years, found %d over %d to %d",
                            CS_OUTPUT_FIGURES_MEASURES, CS_OUTPUT_FIGURES_YEARS,
                            f->n_measures, f->first_year, f->last_year);
    for (int m = 0; m < f->n_measures; m++)
        for (int y = 0; y < years; y++) {
            double p = f->published[m][y], q = f->fitted[m][y];
            if (!(isnan(p) || (isfinite(p) && p >= 0)) ||
                !(isnan(q) || (isfinite(q) && q >= 0)))
                return cs_error_set(err, CS_EINPUT,
                                    "fit figures: %s %d: expected counts >= "
                                    "0 or NaN, found %g and %g",
                                    f->measure[m], f->first_year + y, p, q);
        }
    return CS_OK;
}

/* A 1-D string dataset of the n texts at text[0], text + stride, ... */
static hid_t strings_at(hid_t group, const char *name, int n, const char *text,
                        size_t stride)
{
    const char *values[CS_OUTPUT_FIGURES_MEASURES];
    for (int i = 0; i < n; i++)
        values[i] = text + (size_t)i * stride;
    return cs_h5_dataset_strings(group, name, n, values);
}

/* published or fitted, [measure][year], with its scales */
static herr_t write_values(hid_t group, const char *name, const double *rows,
                           int n_measures, int n_years, hid_t measure,
                           hid_t year, const char *description)
{
    double packed[CS_OUTPUT_FIGURES_MEASURES * CS_OUTPUT_FIGURES_YEARS];
    for (int m = 0; m < n_measures; m++)
        for (int y = 0; y < n_years; y++)
            packed[m * n_years + y] = rows[m * CS_OUTPUT_FIGURES_YEARS + y];
    const hsize_t shape[2] = {(hsize_t)n_measures, (hsize_t)n_years};
    static const char *const labels[2] = {"measure", "year"};
    const hid_t scales[2] = {measure, year};
    hid_t space = H5Screate_simple(2, shape, NULL);
    hid_t dataset = space >= 0
                        ? H5Dcreate2(group, name, H5T_IEEE_F64LE, space,
                                     H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                        : -1;
    herr_t status =
        dataset >= 0 &&
                H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                         H5P_DEFAULT, packed) >= 0 &&
                cs_h5_attr_string(dataset, "units",
                                  "children (each measure's measure_unit)") >=
                    0 &&
                cs_h5_attr_string(dataset, "description", description) >= 0 &&
                cs_output_attach_scales(dataset, 2, scales, labels) >= 0
            ? 0
            : -1;
    cs_h5_close(dataset);
    cs_h5_close(space);
    return status;
}

herr_t cs_output_write_figures(hid_t scenario_group, const cs_output_figures *f)
{
    int n = f->n_measures, years = f->last_year - f->first_year + 1;
    int year_values[CS_OUTPUT_FIGURES_YEARS];
    for (int y = 0; y < years; y++)
        year_values[y] = f->first_year + y;
    hid_t group = H5Gcreate2(scenario_group, GROUP, H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT);
    hid_t measure = group >= 0 ? strings_at(group, "measure", n, f->measure[0],
                                            sizeof f->measure[0])
                               : -1;
    hid_t year = group >= 0
                     ? cs_h5_dataset_int32(group, "year", years, year_values)
                     : -1;
    herr_t status = -1;
    if (measure >= 0 && year >= 0 && H5DSset_scale(measure, "measure") >= 0 &&
        cs_h5_attr_string(measure, "description",
                          "a published measure the fit used (docs/data.md)") >=
            0 &&
        H5DSset_scale(year, "year") >= 0 &&
        cs_h5_attr_string(year, "units", "DfE year to 31 March") >= 0 &&
        cs_h5_attr_string(year, "description",
                          "the DfE year (April to March) ending 31 March of "
                          "this year: a stock is at its 31 March, a flow "
                          "during it") >= 0 &&
        cs_h5_attr_string(group, "description",
                          "what the scenario was fitted to (fit.figures): "
                          "the area's figures and the fitted model's "
                          "one-year-ahead values for them") >= 0 &&
        cs_h5_attr_string(group, "area_code", f->area_code) >= 0 &&
        cs_h5_attr_string(group, "area_name", f->area_name) >= 0 &&
        cs_h5_attr_string(group, "source", f->source) >= 0 &&
        cs_h5_attr_int32(group, "window_first", f->first_year) >= 0 &&
        cs_h5_attr_int32(group, "window_last", f->last_year) >= 0)
        status = 0;
    static const struct {
        const char *name, *description;
        size_t offset, stride;
    } records[] = {
        {"measure_kind",
         "stock (children at 31 March), flow (during the year to 31 March) or "
         "population (the ONS mid-year estimate used for the year)",
         offsetof(cs_output_figures, kind), sizeof f->kind[0]},
        {"measure_unit", "what the measure counts",
         offsetof(cs_output_figures, unit), sizeof f->unit[0]},
        {"measure_description", "the measure in words",
         offsetof(cs_output_figures, description), sizeof f->description[0]},
    };
    static const char *const label[1] = {"measure"};
    for (size_t i = 0; status == 0 && i < sizeof records / sizeof records[0];
         i++) {
        hid_t d =
            strings_at(group, records[i].name, n,
                       (const char *)f + records[i].offset, records[i].stride);
        if (d < 0 ||
            cs_h5_attr_string(d, "description", records[i].description) < 0 ||
            cs_output_attach_scales(d, 1, &measure, label) < 0)
            status = -1;
        cs_h5_close(d);
    }
    if (status == 0)
        status = write_values(group, "published", &f->published[0][0], n, years,
                              measure, year,
                              "the area's figure for the measure and year, as "
                              "the fit read it; NaN where none");
    if (status == 0)
        status = write_values(group, "fitted", &f->fitted[0][0], n, years,
                              measure, year,
                              "the fitted model's value for it, one year "
                              "ahead from the published stocks at the 31 "
                              "March before; NaN where none (the window's "
                              "first year is its start)");
    cs_h5_close(measure);
    cs_h5_close(year);
    cs_h5_close(group);
    return status;
}

/* ---- reading ----------------------------------------------------------- */

/* Copy the string attribute name of obj into out (size bytes), or fail. */
static int text_attribute(hid_t obj, const char *name, char *out, size_t size)
{
    hid_t attr =
        H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT) : -1;
    hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
    int ok = 0;
    if (type >= 0 && H5Tget_class(type) == H5T_STRING &&
        H5Tis_variable_str(type) > 0) {
        hid_t memory = cs_h5_string_type();
        char *text = NULL;
        if (memory >= 0 && H5Aread(attr, memory, &text) >= 0 && text) {
            snprintf(out, size, "%s", text);
            ok = 1;
        }
        if (text)
            H5free_memory(text);
        cs_h5_close(memory);
    }
    cs_h5_close(type);
    cs_h5_close(attr);
    return ok ? 0 : -1;
}

/* A 1-D string dataset of exactly n entries into out[i * stride]. */
static int read_texts(hid_t group, const char *name, int *n, char *out,
                      size_t size, size_t stride)
{
    hid_t d = H5Lexists(group, name, H5P_DEFAULT) > 0
                  ? H5Dopen2(group, name, H5P_DEFAULT)
                  : -1;
    char **texts = NULL;
    int count = 0;
    int ok = d >= 0 && cs_h5_read_strings(d, &count, &texts) >= 0 &&
             count >= 1 && count <= CS_OUTPUT_FIGURES_MEASURES &&
             (*n < 0 || count == *n);
    for (int i = 0; ok && i < count; i++)
        snprintf(out + (size_t)i * stride, size, "%s", texts[i]);
    if (ok)
        *n = count;
    cs_h5_free_strings(count, texts);
    cs_h5_close(d);
    return ok ? 0 : -1;
}

/* published or fitted: [n][years] into rows[m][CS_OUTPUT_FIGURES_YEARS] */
static int read_values(hid_t group, const char *name, int n, int years,
                       double *rows)
{
    hid_t d = H5Lexists(group, name, H5P_DEFAULT) > 0
                  ? H5Dopen2(group, name, H5P_DEFAULT)
                  : -1;
    hid_t space = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[2] = {0, 0};
    double buffer[CS_OUTPUT_FIGURES_MEASURES * CS_OUTPUT_FIGURES_YEARS];
    int ok = space >= 0 && H5Sget_simple_extent_ndims(space) == 2 &&
             H5Sget_simple_extent_dims(space, dims, NULL) == 2 &&
             dims[0] == (hsize_t)n && dims[1] == (hsize_t)years &&
             H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                     buffer) >= 0;
    for (int m = 0; ok && m < n; m++)
        for (int y = 0; y < years; y++)
            rows[m * CS_OUTPUT_FIGURES_YEARS + y] = buffer[m * years + y];
    cs_h5_close(space);
    cs_h5_close(d);
    return ok ? 0 : -1;
}

int cs_output_read_figures(hid_t scenario_group, const char *where,
                           cs_output_figures *f, int *present, cs_error *err)
{
    *present = 0;
    memset(f, 0, sizeof *f);
    htri_t exists = H5Lexists(scenario_group, GROUP, H5P_DEFAULT);
    if (exists == 0)
        return CS_OK;
    hid_t group =
        exists > 0 ? H5Gopen2(scenario_group, GROUP, H5P_DEFAULT) : -1;
    long long first = 0, last = 0;
    int n = -1, years = 0;
    const char *failed = NULL;
    if (group < 0)
        failed = "the group";
    else if (text_attribute(group, "area_code", f->area_code,
                            sizeof f->area_code) ||
             text_attribute(group, "area_name", f->area_name,
                            sizeof f->area_name) ||
             text_attribute(group, "source", f->source, sizeof f->source))
        failed = "its area and source";
    else if (cs_h5_read_attr_int(group, "window_first", &first) < 0 ||
             cs_h5_read_attr_int(group, "window_last", &last) < 0 ||
             first < 1900 || last > 2200 || first >= last ||
             last - first + 1 > CS_OUTPUT_FIGURES_YEARS)
        failed = "its window";
    else if (read_texts(group, "measure", &n, f->measure[0],
                        sizeof f->measure[0], sizeof f->measure[0]) ||
             read_texts(group, "measure_kind", &n, f->kind[0],
                        sizeof f->kind[0], sizeof f->kind[0]) ||
             read_texts(group, "measure_unit", &n, f->unit[0],
                        sizeof f->unit[0], sizeof f->unit[0]) ||
             read_texts(group, "measure_description", &n, f->description[0],
                        sizeof f->description[0], sizeof f->description[0]))
        failed = "its measures";
    if (!failed) {
        f->first_year = (int)first;
        f->last_year = (int)last;
        f->n_measures = n;
        years = (int)(last - first + 1);
        if (read_values(group, "published", n, years, &f->published[0][0]) ||
            read_values(group, "fitted", n, years, &f->fitted[0][0]))
            failed = "its published and fitted values";
    }
    cs_h5_close(group);
    if (failed) {
        memset(f, 0, sizeof *f);
        return cs_error_set(err, CS_EINPUT,
                            "%s: fit_figures: cannot read %s (damaged, or "
                            "not written by cascade)",
                            where, failed);
    }
    *present = 1;
    return CS_OK;
}
