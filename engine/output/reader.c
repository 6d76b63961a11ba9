/*
 * reader.c - reading a cascade output file (docs/output-format.md).
 *
 * cs_result_open checks, in order, that the path is a readable regular
 * file, an HDF5 file, a cascade output (root attributes format_version and
 * cascade_version) of a format this build understands (1 to 3), that /dims
 * and every scenario's datasets have the shapes the dims imply, and that
 * the file's claims are ones it can back: no more runs than
 * CS_OUTPUT_MAX_RUNS, and no more runs marked done than the chunks it
 * stores could hold (a 100 kB file claiming ten million finished runs
 * would otherwise keep every reader busy for hours reading fill values).
 * Anything else is CS_EINPUT with a message saying which of these failed:
 * a foreign, truncated, crafted or newer file is an input error, never a
 * crash or a hang. The labels and records are loaded into memory; runs and
 * summaries are read on demand. Nothing in the file is ever taken as a
 * path to open.
 *
 * Format 1 files predate /dims/stage_intervention, stage_group,
 * stage_category, financial_year and month_financial_year and the
 * scenarios' discount_rate and provenance attributes. What they imply is
 * derived (a stage's intervention from its cost line, its group from its
 * id, the financial years from the month labels); the rest reads as not
 * recorded ("unknown", NaN, NULL).
 *
 * Scenarios are listed in creation order (the order cs_output_add_scenario
 * was called), falling back to name order for files without a creation
 * order index.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cascade/output_reader.h"
#include "figures.h"
#include "h5util.h"

typedef struct result_scenario {
    char *name;
    int n_runs, n_done;
    char *yaml;           /* scenario_yaml, or NULL */
    double discount_rate; /* NaN: not recorded */
    char *extends_source, *extends_hash, *resolved_hash; /* or NULL */
    char *discount_schedule;                             /* or NULL */
    int n_params;
    char **param_names;
    char **param_distributions; /* n_params of them, or NULL */
    int has_budget;             /* a budget dataset */
    int has_care_leavers;       /* a care_leavers dataset */
} result_scenario;

/* A variable-length string attribute of obj, malloc'd, or NULL. */
static char *read_text_attribute(hid_t obj, const char *name)
{
    char *copy = NULL;
    hid_t attribute = obj >= 0 && H5Aexists(obj, name) > 0
                          ? H5Aopen(obj, name, H5P_DEFAULT)
                          : -1;
    hid_t type = attribute >= 0 ? H5Aget_type(attribute) : -1;
    if (type >= 0 && H5Tget_class(type) == H5T_STRING &&
        H5Tis_variable_str(type) > 0) {
        hid_t memory = cs_h5_string_type();
        char *text = NULL;
        if (memory >= 0 && H5Aread(attribute, memory, &text) >= 0 && text) {
            copy = strdup(text);
            H5free_memory(text);
        }
        cs_h5_close(memory);
    }
    cs_h5_close(type);
    cs_h5_close(attribute);
    return copy;
}

struct cs_result {
    char *path;
    hid_t file;
    int format;
    int n_months, n_stages, n_ages, n_transitions;
    char **month_labels, **stage_labels, **transition_labels;
    char **transition_from, **transition_to;
    char **stage_intervention, **stage_group, **stage_category; /* n_stages */
    int n_fys;
    char **fy_labels;
    int *month_fy;    /* n_months */
    int n_cost_lines; /* 0 if the file has no /dims/cost_line */
    char **cost_line_labels, **cost_line_intervention;
    int n_capacity; /* 0 if the file has no /dims/capacity_stage */
    char **capacity_labels;
    int n_scenarios;
    result_scenario *scenarios;
};

void cs_result_close(cs_result *result)
{
    if (!result)
        return;
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    cs_h5_close(result->file);
    cs_h5_quiet_end(&quiet);
    cs_h5_free_strings(result->n_months, result->month_labels);
    cs_h5_free_strings(result->n_stages, result->stage_labels);
    cs_h5_free_strings(result->n_stages, result->stage_intervention);
    cs_h5_free_strings(result->n_stages, result->stage_group);
    cs_h5_free_strings(result->n_stages, result->stage_category);
    cs_h5_free_strings(result->n_fys, result->fy_labels);
    free(result->month_fy);
    cs_h5_free_strings(result->n_transitions, result->transition_labels);
    cs_h5_free_strings(result->n_transitions, result->transition_from);
    cs_h5_free_strings(result->n_transitions, result->transition_to);
    cs_h5_free_strings(result->n_cost_lines, result->cost_line_labels);
    cs_h5_free_strings(result->n_cost_lines, result->cost_line_intervention);
    cs_h5_free_strings(result->n_capacity, result->capacity_labels);
    for (int i = 0; i < result->n_scenarios; i++) {
        result_scenario *s = &result->scenarios[i];
        free(s->name);
        free(s->yaml);
        free(s->extends_source);
        free(s->extends_hash);
        free(s->resolved_hash);
        free(s->discount_schedule);
        cs_h5_free_strings(s->n_params, s->param_names);
        cs_h5_free_strings(s->n_params, s->param_distributions);
    }
    free(result->scenarios);
    free(result->path);
    free(result);
}

/* After a failed HDF5 call: its reason is appended. */
static int not_valid(const cs_result *result, const char *what, cs_error *err)
{
    return cs_h5_error(err, CS_EINPUT,
                       "%s is not a valid cascade output file: %s",
                       result->path, what);
}

/* After a check of what was read. */
static int invalid(const cs_result *result, const char *what, cs_error *err)
{
    return cs_error_set(err, CS_EINPUT,
                        "%s is not a valid cascade output file: %s",
                        result->path, what);
}

/* Read /dims/<name> as strings; n must match expected unless it is < 0. */
static int load_labels(cs_result *result, hid_t dims, const char *name,
                       int expected, int *n, char ***labels, cs_error *err)
{
    hid_t dataset = H5Dopen2(dims, name, H5P_DEFAULT);
    herr_t status = dataset >= 0 ? cs_h5_read_strings(dataset, n, labels) : -1;
    cs_h5_close(dataset);
    if (status < 0)
        return cs_h5_error(err, CS_EINPUT,
                           "%s is not a valid cascade output file: cannot "
                           "read /dims/%s as strings",
                           result->path, name);
    if (expected >= 0 && *n != expected)
        return cs_error_set(err, CS_EINPUT,
                            "%s is not a valid cascade output file: /dims/%s "
                            "has %d entries, expected %d",
                            result->path, name, *n, expected);
    return CS_OK;
}

/* The length of 1-D dataset parent/name, or -1. */
static int dataset_length(hid_t parent, const char *name)
{
    hsize_t dim = 0;
    int length = -1;
    hid_t dataset = H5Dopen2(parent, name, H5P_DEFAULT);
    hid_t space = dataset >= 0 ? H5Dget_space(dataset) : -1;
    if (space >= 0 && H5Sget_simple_extent_ndims(space) == 1 &&
        H5Sget_simple_extent_dims(space, &dim, NULL) >= 0 && dim <= INT32_MAX)
        length = (int)dim;
    cs_h5_close(space);
    cs_h5_close(dataset);
    return length;
}

/* A 1-D int32 dataset of exactly n values into values, or -1. */
static herr_t read_ints(hid_t parent, const char *name, int n, int *values)
{
    hid_t dataset = H5Dopen2(parent, name, H5P_DEFAULT);
    hid_t type = dataset >= 0 ? H5Dget_type(dataset) : -1;
    herr_t status = -1;
    if (type >= 0 && H5Tget_class(type) == H5T_INTEGER &&
        dataset_length(parent, name) == n &&
        H5Dread(dataset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                values) >= 0)
        status = 0;
    cs_h5_close(type);
    cs_h5_close(dataset);
    return status;
}

/* n copies of the same text, malloc'd, for cs_h5_free_strings. */
static char **repeated(int n, const char *text)
{
    char **strings = calloc((size_t)(n > 0 ? n : 1), sizeof *strings);
    for (int i = 0; strings && i < n; i++)
        if (!(strings[i] = strdup(text))) {
            cs_h5_free_strings(i, strings);
            return NULL;
        }
    return strings;
}

/* 1 if text is one of the NULL-terminated words. */
static int one_of(const char *text, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (strcmp(text, words[i]) == 0)
            return 1;
    return 0;
}

/* Format 1: each stage's intervention from its cost line (format 1's cost
 * lines are exactly the stages tagged early or late) and its group from a
 * placement's id "<group>.<placement>". */
static int derive_stage_records(cs_result *result, cs_error *err)
{
    result->stage_intervention = repeated(result->n_stages, "none");
    result->stage_category = repeated(result->n_stages, "unknown");
    result->stage_group = repeated(result->n_stages, "");
    if (!result->stage_intervention || !result->stage_category ||
        !result->stage_group)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int s = 0; s < result->n_stages; s++) {
        const char *id = result->stage_labels[s];
        for (int l = 0; l < result->n_cost_lines; l++) {
            if (strcmp(result->cost_line_labels[l], id) != 0)
                continue;
            char *kind = strdup(result->cost_line_intervention[l]);
            if (!kind)
                return cs_error_set(err, CS_ENOMEM, "out of memory");
            free(result->stage_intervention[s]);
            result->stage_intervention[s] = kind;
        }
        const char *dot = strchr(id, '.');
        if (dot) {
            char *group = strndup(id, (size_t)(dot - id));
            if (!group)
                return cs_error_set(err, CS_ENOMEM, "out of memory");
            free(result->stage_group[s]);
            result->stage_group[s] = group;
        }
    }
    return CS_OK;
}

/* Format 1: the financial years (April-March) of the "YYYY-MM" months. */
static int derive_calendar(cs_result *result, cs_error *err)
{
    result->month_fy = malloc((size_t)result->n_months * sizeof(int));
    result->fy_labels = calloc((size_t)result->n_months, sizeof(char *));
    if (!result->month_fy || !result->fy_labels)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    int last_start = 0;
    for (int t = 0; t < result->n_months; t++) {
        int year = 0, month = 0;
        char extra;
        if (sscanf(result->month_labels[t], "%4d-%2d%c", &year, &month,
                   &extra) != 2 ||
            month < 1 || month > 12) {
            char what[160];
            snprintf(what, sizeof what,
                     "month %d is '%.20s', not YYYY-MM, so its financial "
                     "year is unknown",
                     t, result->month_labels[t]);
            return invalid(result, what, err);
        }
        int start = month >= 4 ? year : year - 1;
        if (t == 0 || start != last_start) {
            char label[16];
            snprintf(label, sizeof label, "%d/%02d", start, (start + 1) % 100);
            if (!(result->fy_labels[result->n_fys++] = strdup(label)))
                return cs_error_set(err, CS_ENOMEM, "out of memory");
        }
        if (t > 0 && start != last_start && start != last_start + 1)
            return invalid(result, "/dims/month is not consecutive months",
                           err);
        last_start = start;
        result->month_fy[t] = result->n_fys - 1;
    }
    return CS_OK;
}

/* Format 2's records of what each stage is and of the financial years. */
static int load_records(cs_result *result, hid_t dims, cs_error *err)
{
    static const char *const interventions[] = {"none", "early", "late", NULL};
    static const char *const categories[] = {"none",         "cin",     "cp",
                                             "looked_after", "unknown", NULL};
    int n = 0;
    int status =
        load_labels(result, dims, "stage_intervention", result->n_stages, &n,
                    &result->stage_intervention, err);
    if (status == CS_OK)
        status = load_labels(result, dims, "stage_group", result->n_stages, &n,
                             &result->stage_group, err);
    if (status == CS_OK)
        status = load_labels(result, dims, "stage_category", result->n_stages,
                             &n, &result->stage_category, err);
    if (status == CS_OK)
        status = load_labels(result, dims, "financial_year", -1, &result->n_fys,
                             &result->fy_labels, err);
    if (status != CS_OK)
        return status;
    for (int s = 0; s < result->n_stages; s++)
        if (!one_of(result->stage_intervention[s], interventions) ||
            !one_of(result->stage_category[s], categories)) {
            char what[400];
            snprintf(what, sizeof what,
                     "stage '%.48s' has intervention '%.20s' and category "
                     "'%.20s' (expected none, early or late; none, cin, cp, "
                     "looked_after or unknown)",
                     result->stage_labels[s], result->stage_intervention[s],
                     result->stage_category[s]);
            return invalid(result, what, err);
        }
    result->month_fy = malloc((size_t)result->n_months * sizeof(int));
    if (!result->month_fy)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    if (read_ints(dims, "month_financial_year", result->n_months,
                  result->month_fy) < 0)
        return not_valid(result,
                         "cannot read /dims/month_financial_year as one "
                         "integer per month",
                         err);
    for (int t = 0; t < result->n_months; t++) {
        int low = t == 0 ? 0 : result->month_fy[t - 1];
        if (result->month_fy[t] < low || result->month_fy[t] > low + (t > 0) ||
            result->month_fy[t] >= result->n_fys)
            return invalid(result,
                           "/dims/month_financial_year does not number "
                           "/dims/financial_year in order",
                           err);
    }
    if (result->month_fy[result->n_months - 1] != result->n_fys - 1)
        return invalid(result, "/dims/financial_year has years no month is in",
                       err);
    return CS_OK;
}

/* /dims/age must be 0, 1, ..., n-1, stored. */
static int load_ages(cs_result *result, hid_t dims, cs_error *err)
{
    result->n_ages = dataset_length(dims, "age");
    if (result->n_ages < 1 || result->n_ages > 1000000)
        return not_valid(result, "cannot read /dims/age", err);
    int *ages = malloc((size_t)result->n_ages * sizeof *ages);
    if (!ages)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    int status = CS_OK;
    if (read_ints(dims, "age", result->n_ages, ages) < 0)
        status = not_valid(result, "cannot read /dims/age", err);
    for (int a = 0; status == CS_OK && a < result->n_ages; a++)
        if (ages[a] != a)
            status = invalid(result, "/dims/age is not 0, 1, 2, ...", err);
    free(ages);
    return status;
}

static int load_dims(cs_result *result, cs_error *err)
{
    hid_t dims = H5Gopen2(result->file, "dims", H5P_DEFAULT);
    if (dims < 0)
        return not_valid(result, "no /dims group", err);
    int status = load_labels(result, dims, "month", -1, &result->n_months,
                             &result->month_labels, err);
    if (status == CS_OK)
        status = load_labels(result, dims, "stage", -1, &result->n_stages,
                             &result->stage_labels, err);
    if (status == CS_OK)
        status =
            load_labels(result, dims, "transition", -1, &result->n_transitions,
                        &result->transition_labels, err);
    if (status == CS_OK && (result->n_months < 1 || result->n_stages < 1 ||
                            result->n_transitions < 1))
        status = invalid(result,
                         "/dims/month, /dims/stage or /dims/transition is "
                         "empty",
                         err);
    int n = 0;
    if (status == CS_OK)
        status =
            load_labels(result, dims, "transition_from", result->n_transitions,
                        &n, &result->transition_from, err);
    if (status == CS_OK)
        status =
            load_labels(result, dims, "transition_to", result->n_transitions,
                        &n, &result->transition_to, err);
    if (status == CS_OK && H5Lexists(dims, "cost_line", H5P_DEFAULT) > 0)
        status =
            load_labels(result, dims, "cost_line", -1, &result->n_cost_lines,
                        &result->cost_line_labels, err);
    if (status == CS_OK && result->n_cost_lines > 0)
        status = load_labels(result, dims, "cost_line_intervention",
                             result->n_cost_lines, &n,
                             &result->cost_line_intervention, err);
    for (int l = 0; status == CS_OK && l < result->n_cost_lines; l++)
        if (strcmp(result->cost_line_intervention[l], "early") != 0 &&
            strcmp(result->cost_line_intervention[l], "late") != 0)
            status = invalid(result,
                             "/dims/cost_line_intervention is not early "
                             "or late",
                             err);
    if (status == CS_OK && H5Lexists(dims, "capacity_stage", H5P_DEFAULT) > 0)
        status =
            load_labels(result, dims, "capacity_stage", -1, &result->n_capacity,
                        &result->capacity_labels, err);
    if (status == CS_OK)
        status = load_ages(result, dims, err);
    if (status == CS_OK && result->format >= 2)
        status = load_records(result, dims, err);
    if (status == CS_OK && result->format < 2)
        status = derive_stage_records(result, err);
    if (status == CS_OK && result->format < 2)
        status = derive_calendar(result, err);
    cs_h5_close(dims);
    return status;
}

typedef struct name_list {
    int n, capacity;
    char **names;
    int failed;
} name_list;

static herr_t collect_name(hid_t group, const char *name,
                           const H5L_info_t *info, void *client_data)
{
    name_list *list = client_data;
    if (list->n == list->capacity) {
        int capacity = list->capacity ? 2 * list->capacity : 8;
        char **grown =
            realloc(list->names, (size_t)capacity * sizeof *list->names);
        if (!grown) {
            list->failed = 1;
            return -1;
        }
        list->names = grown;
        list->capacity = capacity;
    }
    size_t length = strlen(name);
    char *copy = malloc(length + 1);
    if (!copy) {
        list->failed = 1;
        return -1;
    }
    memcpy(copy, name, length + 1);
    list->names[list->n++] = copy;
    return 0;
}

/* The most float64 values one run may have in a dataset: 1 GiB. Far
 * above anything cascade writes (600 months x 32 stages x 18 ages), and
 * what keeps a reader's one-run buffers allocatable. */
#define MAX_RUN_VALUES ((hsize_t)1 << 27)

/*
 * How many runs' data dataset (run-major, [run, ...]) stores at most: a
 * chunked dataset holds a run only in chunks actually written (each run's
 * row of chunks), a contiguous one all of its runs once allocated.
 */
static long stored_runs(hid_t dataset)
{
    hsize_t shape[8], chunk[8], n_chunks = 0;
    long runs = -1;
    hid_t space = H5Dget_space(dataset);
    hid_t dcpl = H5Dget_create_plist(dataset);
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (rank < 1 || rank > 8 || dcpl < 0 ||
        H5Sget_simple_extent_dims(space, shape, NULL) < 0)
        goto done;
    H5D_layout_t layout = H5Pget_layout(dcpl);
    if (layout == H5D_CHUNKED) {
        if (H5Pget_chunk(dcpl, rank, chunk) != rank ||
            H5Dget_num_chunks(dataset, space, &n_chunks) < 0)
            goto done;
        hsize_t per_row = 1;
        for (int i = 1; i < rank; i++)
            per_row *= chunk[i] ? (shape[i] + chunk[i] - 1) / chunk[i] : 1;
        hsize_t rows = per_row ? n_chunks / per_row : 0;
        hsize_t most = rows * (chunk[0] ? chunk[0] : 1);
        runs = most > shape[0] ? (long)shape[0] : (long)most;
    } else if (layout == H5D_CONTIGUOUS || layout == H5D_COMPACT) {
        hsize_t bytes = 1;
        hid_t type = H5Dget_type(dataset);
        size_t size = type >= 0 ? H5Tget_size(type) : 0;
        cs_h5_close(type);
        for (int i = 0; i < rank; i++)
            bytes *= shape[i];
        bytes *= size;
        runs = H5Dget_storage_size(dataset) >= bytes ? (long)shape[0] : 0;
    }
done:
    cs_h5_close(dcpl);
    cs_h5_close(space);
    return runs;
}

/* Extents of the rank-d dataset parent/name into shape; -1 if it is not
 * there or of another rank. */
static int dataset_shape(hid_t parent, const char *name, int rank,
                         hsize_t *shape)
{
    hid_t dataset = H5Dopen2(parent, name, H5P_DEFAULT);
    hid_t space = dataset >= 0 ? H5Dget_space(dataset) : -1;
    int ok = space >= 0 && H5Sget_simple_extent_ndims(space) == rank &&
             H5Sget_simple_extent_dims(space, shape, NULL) >= 0;
    cs_h5_close(space);
    cs_h5_close(dataset);
    return ok ? 0 : -1;
}

/* The scenario group's attributes and parameter names. */
static int load_scenario_records(cs_result *result, hid_t group,
                                 result_scenario *scenario, cs_error *err)
{
    scenario->yaml = read_text_attribute(group, "scenario_yaml");
    scenario->extends_source = read_text_attribute(group, "extends_source");
    scenario->extends_hash = read_text_attribute(group, "extends_hash");
    scenario->resolved_hash = read_text_attribute(group, "resolved_hash");
    scenario->discount_schedule =
        read_text_attribute(group, "discount_schedule");
    scenario->discount_rate = NAN;
    char what[CS_ERROR_MAX / 2];
    if (H5Aexists(group, "discount_rate") > 0) {
        hid_t attr = H5Aopen(group, "discount_rate", H5P_DEFAULT);
        double rate = NAN;
        if (attr < 0 || H5Aread(attr, H5T_NATIVE_DOUBLE, &rate) < 0 ||
            !(rate >= 0 && rate < 1)) {
            cs_h5_close(attr);
            snprintf(what, sizeof what,
                     "scenario '%.64s': discount_rate is not a fraction "
                     "from 0 to 1",
                     scenario->name);
            return invalid(result, what, err);
        }
        cs_h5_close(attr);
        scenario->discount_rate = rate;
    }
    if (H5Lexists(group, "parameter", H5P_DEFAULT) > 0) {
        hid_t names = H5Dopen2(group, "parameter", H5P_DEFAULT);
        if (names < 0 || cs_h5_read_strings(names, &scenario->n_params,
                                            &scenario->param_names) < 0) {
            scenario->n_params = 0;
            scenario->param_names = NULL;
        }
        cs_h5_close(names);
        int n = 0;
        hid_t dists =
            H5Lexists(group, "parameter_distribution", H5P_DEFAULT) > 0
                ? H5Dopen2(group, "parameter_distribution", H5P_DEFAULT)
                : -1;
        if (dists >= 0 && (cs_h5_read_strings(
                               dists, &n, &scenario->param_distributions) < 0 ||
                           n != scenario->n_params)) {
            cs_h5_free_strings(n, scenario->param_distributions);
            scenario->param_distributions = NULL;
        }
        cs_h5_close(dists);
    }
    return CS_OK;
}

/*
 * Check one scenario's datasets against the dims and against what they
 * store: its n_runs from stocks, n_done from run_done, which must not claim
 * more finished runs than the per-run datasets hold chunks for.
 */
static int check_scenario(cs_result *result, hid_t scenarios,
                          result_scenario *scenario, cs_error *err)
{
    char what[CS_ERROR_MAX / 2];
    hsize_t stock_dims[4] = {0}, flow_dims[3] = {0};
    hid_t group = H5Gopen2(scenarios, scenario->name, H5P_DEFAULT);
    if (group < 0) {
        snprintf(what, sizeof what, "cannot open scenario '%.64s'",
                 scenario->name);
        return not_valid(result, what, err);
    }
    int status = load_scenario_records(result, group, scenario, err);
    int shaped = dataset_shape(group, "stocks", 4, stock_dims) == 0 &&
                 dataset_shape(group, "flows", 3, flow_dims) == 0;
    int n_done_entries = dataset_length(group, "run_done");
    if (status == CS_OK && !shaped) {
        snprintf(what, sizeof what,
                 "scenario '%.64s' has no 4-D stocks and 3-D flows datasets",
                 scenario->name);
        status = invalid(result, what, err);
    }
    if (status == CS_OK &&
        (stock_dims[1] != (hsize_t)result->n_months ||
         stock_dims[2] != (hsize_t)result->n_stages ||
         stock_dims[3] != (hsize_t)result->n_ages ||
         flow_dims[0] != stock_dims[0] ||
         flow_dims[1] != (hsize_t)result->n_months ||
         flow_dims[2] != (hsize_t)result->n_transitions || n_done_entries < 0 ||
         (hsize_t)n_done_entries != stock_dims[0])) {
        snprintf(what, sizeof what,
                 "scenario '%.64s': stocks, flows or run_done do not match "
                 "/dims",
                 scenario->name);
        status = invalid(result, what, err);
    }
    if (status == CS_OK && stock_dims[0] > CS_OUTPUT_MAX_RUNS) {
        snprintf(what, sizeof what,
                 "scenario '%.64s' declares %llu runs; a cascade file holds "
                 "at most %d",
                 scenario->name, (unsigned long long)stock_dims[0],
                 CS_OUTPUT_MAX_RUNS);
        status = invalid(result, what, err);
    }
    if (status == CS_OK &&
        (stock_dims[1] * stock_dims[2] * stock_dims[3] > MAX_RUN_VALUES ||
         flow_dims[1] * flow_dims[2] > MAX_RUN_VALUES)) {
        snprintf(what, sizeof what,
                 "scenario '%.64s': one run has more values than cascade "
                 "writes (at most %llu per dataset)",
                 scenario->name, (unsigned long long)MAX_RUN_VALUES);
        status = invalid(result, what, err);
    }
    if (status == CS_OK)
        scenario->n_runs = (int)stock_dims[0];
    /* how many runs are marked done, against what is stored */
    unsigned char *done = NULL;
    if (status == CS_OK) {
        done = malloc(scenario->n_runs > 0 ? (size_t)scenario->n_runs : 1);
        hid_t run_done = H5Dopen2(group, "run_done", H5P_DEFAULT);
        if (!done)
            status = cs_error_set(err, CS_ENOMEM, "out of memory");
        else if (run_done < 0 || (scenario->n_runs > 0 &&
                                  H5Dread(run_done, H5T_NATIVE_UCHAR, H5S_ALL,
                                          H5S_ALL, H5P_DEFAULT, done) < 0)) {
            snprintf(what, sizeof what, "cannot read run_done of '%.64s'",
                     scenario->name);
            status = not_valid(result, what, err);
        }
        cs_h5_close(run_done);
    }
    for (int r = 0; status == CS_OK && r < scenario->n_runs; r++)
        scenario->n_done += done[r] != 0;
    free(done);
    static const char *const per_run[] = {"stocks", "flows",       "spend",
                                          "costs",  "capacity",    "params",
                                          "budget", "care_leavers"};
    scenario->has_budget = H5Lexists(group, "budget", H5P_DEFAULT) > 0;
    scenario->has_care_leavers =
        H5Lexists(group, "care_leavers", H5P_DEFAULT) > 0;
    for (size_t i = 0; status == CS_OK && i < sizeof per_run / sizeof *per_run;
         i++) {
        int required = i < 3; /* costs, capacity, params, budget, care
                                 leavers optional */
        if (!required && H5Lexists(group, per_run[i], H5P_DEFAULT) <= 0)
            continue;
        hid_t dataset = H5Dopen2(group, per_run[i], H5P_DEFAULT);
        long stored = dataset >= 0 ? stored_runs(dataset) : -1;
        cs_h5_close(dataset);
        if (stored < 0) {
            snprintf(what, sizeof what, "cannot read %s of scenario '%.64s'",
                     per_run[i], scenario->name);
            status = not_valid(result, what, err);
        } else if (stored < scenario->n_done) {
            snprintf(what, sizeof what,
                     "scenario '%.64s' marks %d of its %d runs done, but its "
                     "%s holds data for at most %ld (a damaged or crafted "
                     "file)",
                     scenario->name, scenario->n_done, scenario->n_runs,
                     per_run[i], stored);
            status = invalid(result, what, err);
        }
    }
    cs_h5_close(group);
    return status;
}

static int load_scenarios(cs_result *result, cs_error *err)
{
    hid_t scenarios = H5Gopen2(result->file, "scenarios", H5P_DEFAULT);
    if (scenarios < 0)
        return not_valid(result, "no /scenarios group", err);
    name_list list = {0};
    hsize_t position = 0;
    herr_t status = H5Literate(scenarios, H5_INDEX_CRT_ORDER, H5_ITER_INC,
                               &position, collect_name, &list);
    if (status < 0 && !list.failed && list.n == 0) {
        position = 0;
        status = H5Literate(scenarios, H5_INDEX_NAME, H5_ITER_INC, &position,
                            collect_name, &list);
    }
    int result_status = CS_OK;
    if (list.failed)
        result_status = cs_error_set(err, CS_ENOMEM, "out of memory");
    else if (status < 0)
        result_status = not_valid(result, "cannot list /scenarios", err);
    if (result_status == CS_OK && list.n > 0) {
        result->scenarios = calloc((size_t)list.n, sizeof *result->scenarios);
        if (!result->scenarios)
            result_status = cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    for (int i = 0; i < list.n; i++) {
        if (result_status == CS_OK) {
            result_scenario *scenario =
                &result->scenarios[result->n_scenarios++];
            scenario->name = list.names[i];
            result_status = check_scenario(result, scenarios, scenario, err);
        } else {
            free(list.names[i]);
        }
    }
    free(list.names);
    cs_h5_close(scenarios);
    return result_status;
}

static int open_file(cs_result *result, cs_error *err)
{
    const char *path = result->path;
    struct stat info;
    if (stat(path, &info) != 0)
        return cs_error_set(err, CS_EINPUT, "cannot open %s: %s", path,
                            strerror(errno));
    if (!S_ISREG(info.st_mode))
        return cs_error_set(err, CS_EINPUT, "%s is not a regular file", path);
    htri_t is_hdf5 = H5Fis_hdf5(path);
    if (is_hdf5 < 0)
        return cs_h5_error(err, CS_EINPUT, "cannot read %s", path);
    if (is_hdf5 == 0)
        return cs_error_set(err, CS_EINPUT,
                            "%s is not an HDF5 file, so not a cascade output",
                            path);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0)
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
#if H5_VERSION_GE(1, 10, 7)
    if (fapl >= 0)
        H5Pset_file_locking(fapl, 1, 1);
#endif
    result->file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    cs_h5_close(fapl);
    if (result->file < 0)
        return cs_h5_error(err, CS_EINPUT,
                           "%s is an HDF5 file that cannot be opened "
                           "(truncated or corrupt?)",
                           path);
    if (H5Aexists(result->file, "format_version") <= 0 ||
        H5Aexists(result->file, "cascade_version") <= 0)
        return cs_error_set(err, CS_EINPUT,
                            "%s is an HDF5 file but not a cascade output (no "
                            "format_version and cascade_version attributes)",
                            path);
    long long format = 0;
    if (cs_h5_read_attr_int(result->file, "format_version", &format) < 0)
        return not_valid(result, "format_version is not an integer", err);
    if (format > CS_OUTPUT_FORMAT_VERSION)
        return cs_error_set(err, CS_EINPUT,
                            "%s was written by a newer cascade (format %lld); "
                            "this build reads formats %d to %d",
                            path, format, CS_OUTPUT_OLDEST_FORMAT,
                            CS_OUTPUT_FORMAT_VERSION);
    if (format < CS_OUTPUT_OLDEST_FORMAT)
        return cs_error_set(err, CS_EINPUT,
                            "%s has an unknown format_version %lld", path,
                            format);
    result->format = (int)format;
    return CS_OK;
}

int cs_result_open(const char *path, cs_result **out, cs_error *err)
{
    *out = NULL;
    if (!path || !path[0])
        return cs_error_set(err, CS_EINPUT, "no result file given");
    cs_result *result = calloc(1, sizeof *result);
    size_t length = strlen(path);
    if (result)
        result->path = malloc(length + 1);
    if (!result || !result->path) {
        free(result);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    memcpy(result->path, path, length + 1);
    result->file = -1;

    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    int status = open_file(result, err);
    if (status == CS_OK)
        status = load_dims(result, err);
    if (status == CS_OK)
        status = load_scenarios(result, err);
    cs_h5_quiet_end(&quiet);
    if (status != CS_OK) {
        cs_result_close(result);
        return status;
    }
    *out = result;
    return CS_OK;
}

int cs_result_n_months(const cs_result *result)
{
    return result->n_months;
}

int cs_result_n_stages(const cs_result *result)
{
    return result->n_stages;
}

int cs_result_n_ages(const cs_result *result)
{
    return result->n_ages;
}

int cs_result_n_transitions(const cs_result *result)
{
    return result->n_transitions;
}

static const char *label(char *const *labels, int n, int i)
{
    return i >= 0 && i < n ? labels[i] : NULL;
}

const char *cs_result_month_label(const cs_result *result, int month)
{
    return label(result->month_labels, result->n_months, month);
}

const char *cs_result_stage_label(const cs_result *result, int stage)
{
    return label(result->stage_labels, result->n_stages, stage);
}

const char *cs_result_transition_label(const cs_result *result, int t)
{
    return label(result->transition_labels, result->n_transitions, t);
}

const char *cs_result_transition_from(const cs_result *result, int t)
{
    return label(result->transition_from, result->n_transitions, t);
}

const char *cs_result_transition_to(const cs_result *result, int t)
{
    return label(result->transition_to, result->n_transitions, t);
}

int cs_result_n_scenarios(const cs_result *result)
{
    return result->n_scenarios;
}

const char *cs_result_scenario_name(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return NULL;
    return result->scenarios[scenario].name;
}

int cs_result_find_scenario(const cs_result *result, const char *name)
{
    for (int i = 0; name && i < result->n_scenarios; i++)
        if (strcmp(result->scenarios[i].name, name) == 0)
            return i;
    return -1;
}

int cs_result_n_runs(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return -1;
    return result->scenarios[scenario].n_runs;
}

/* 1 if every component of the relative path exists under group. */
static int path_exists(hid_t group, const char *path)
{
    char prefix[256];
    size_t length = strlen(path);
    if (length >= sizeof prefix)
        return 0;
    for (size_t i = 0; i <= length; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            memcpy(prefix, path, i);
            prefix[i] = '\0';
            if (H5Lexists(group, prefix, H5P_DEFAULT) <= 0)
                return 0;
        }
    }
    return 1;
}

/*
 * Read /scenarios/<name>/<dataset>: all of it if run < 0, else the slab at
 * index run of dimension 0. The selection must hold exactly n_values
 * values, so a malformed file cannot overrun the caller's buffer.
 */
static int read_dataset(const cs_result *result, int scenario,
                        const char *dataset_name, int run, hid_t mem_type,
                        void *values, size_t n_values, cs_error *err)
{
    const char *name = result->scenarios[scenario].name;
    int status = CS_OK;
    hid_t scenarios = -1, group = -1, dataset = -1, file_space = -1,
          memory_space = -1;
    scenarios = H5Gopen2(result->file, "scenarios", H5P_DEFAULT);
    if (scenarios >= 0)
        group = H5Gopen2(scenarios, name, H5P_DEFAULT);
    if (group >= 0 && !path_exists(group, dataset_name)) {
        status = cs_error_set(err, CS_EINPUT,
                              "%s: scenario '%s' has no %s (the file was "
                              "not closed properly: an interrupted run?)",
                              result->path, name, dataset_name);
        goto done;
    }
    if (group >= 0)
        dataset = H5Dopen2(group, dataset_name, H5P_DEFAULT);
    if (dataset >= 0)
        file_space = H5Dget_space(dataset);
    if (file_space < 0)
        goto fail;
    if (run >= 0) {
        hsize_t start[4] = {(hsize_t)run, 0, 0, 0};
        hsize_t count[4] = {0};
        int rank = H5Sget_simple_extent_ndims(file_space);
        if (rank < 1 || rank > 4 ||
            H5Sget_simple_extent_dims(file_space, count, NULL) < 0)
            goto fail;
        count[0] = 1;
        memory_space = H5Screate_simple(rank, count, NULL);
        if (memory_space < 0 ||
            H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, count,
                                NULL) < 0)
            goto fail;
    } else {
        memory_space = H5Scopy(file_space);
        if (memory_space < 0)
            goto fail;
    }
    if (H5Sget_select_npoints(memory_space) != (hssize_t)n_values) {
        status = cs_error_set(err, CS_EINPUT,
                              "%s is not a valid cascade output file: "
                              "scenario '%s': %s does not match /dims",
                              result->path, name, dataset_name);
        goto done;
    }
    if (H5Dread(dataset, mem_type, memory_space, file_space, H5P_DEFAULT,
                values) < 0)
        goto fail;
    goto done;
fail:
    if (run >= 0)
        status = cs_h5_error(err, CS_EIO,
                             "reading %s of run %d of scenario '%s' from %s",
                             dataset_name, run, name, result->path);
    else
        status = cs_h5_error(err, CS_EIO, "reading %s of scenario '%s' from %s",
                             dataset_name, name, result->path);
done:
    cs_h5_close(memory_space);
    cs_h5_close(file_space);
    cs_h5_close(dataset);
    cs_h5_close(group);
    cs_h5_close(scenarios);
    return status;
}

static int check_scenario_index(const cs_result *result, int scenario,
                                cs_error *err)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return cs_error_set(err, CS_EINPUT, "%s has no scenario %d (it has %d)",
                            result->path, scenario, result->n_scenarios);
    return CS_OK;
}

int cs_result_read_run(const cs_result *result, int scenario, int run,
                       double *stocks, double *flows, cs_error *err)
{
    int status = check_scenario_index(result, scenario, err);
    if (status != CS_OK)
        return status;
    if (run < 0 || run >= result->scenarios[scenario].n_runs)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has no run %d (it has %d)",
                            result->path, result->scenarios[scenario].name, run,
                            result->scenarios[scenario].n_runs);
    const size_t cells = (size_t)result->n_months * (size_t)result->n_stages *
                         (size_t)result->n_ages;
    const size_t n_flows =
        (size_t)result->n_months * (size_t)result->n_transitions;
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    if (stocks)
        status = read_dataset(result, scenario, "stocks", run,
                              H5T_NATIVE_DOUBLE, stocks, cells, err);
    if (status == CS_OK && flows)
        status = read_dataset(result, scenario, "flows", run, H5T_NATIVE_DOUBLE,
                              flows, n_flows, err);
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_result_read_run_done(const cs_result *result, int scenario,
                            unsigned char *done, cs_error *err)
{
    int status = check_scenario_index(result, scenario, err);
    if (status != CS_OK)
        return status;
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    status =
        read_dataset(result, scenario, "run_done", -1, H5T_NATIVE_UCHAR, done,
                     (size_t)result->scenarios[scenario].n_runs, err);
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_result_read_summary(const cs_result *result, int scenario, double *mean,
                           double *quantiles, cs_error *err)
{
    int status = check_scenario_index(result, scenario, err);
    if (status != CS_OK)
        return status;
    const size_t cells = (size_t)result->n_months * (size_t)result->n_stages *
                         (size_t)result->n_ages;
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    if (mean)
        status = read_dataset(result, scenario, "summary/mean", -1,
                              H5T_NATIVE_DOUBLE, mean, cells, err);
    if (status == CS_OK && quantiles)
        status = read_dataset(result, scenario, "summary/quantiles", -1,
                              H5T_NATIVE_DOUBLE, quantiles,
                              CS_N_QUANTILES * cells, err);
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_result_n_cost_lines(const cs_result *result)
{
    return result->n_cost_lines;
}

const char *cs_result_cost_line_label(const cs_result *result, int line)
{
    return label(result->cost_line_labels, result->n_cost_lines, line);
}

int cs_result_read_run_costs(const cs_result *result, int scenario, int run,
                             double *costs, double *spend, cs_error *err)
{
    int status = check_scenario_index(result, scenario, err);
    if (status != CS_OK)
        return status;
    if (run < 0 || run >= result->scenarios[scenario].n_runs)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has no run %d (it has %d)",
                            result->path, result->scenarios[scenario].name, run,
                            result->scenarios[scenario].n_runs);
    const size_t months = (size_t)result->n_months;
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    if (costs && result->n_cost_lines > 0)
        status =
            read_dataset(result, scenario, "costs", run, H5T_NATIVE_DOUBLE,
                         costs, months * (size_t)result->n_cost_lines, err);
    if (status == CS_OK && spend)
        status = read_dataset(result, scenario, "spend", run, H5T_NATIVE_DOUBLE,
                              spend, months * 2, err);
    cs_h5_quiet_end(&quiet);
    return status;
}

/* The string attribute `name` of scenario/dataset into buffer, or "". */
static void read_string_attribute(const cs_result *result, int scenario,
                                  const char *dataset_name, const char *name,
                                  char *buffer, int size)
{
    buffer[0] = '\0';
    hid_t scenarios = H5Gopen2(result->file, "scenarios", H5P_DEFAULT);
    hid_t group =
        scenarios >= 0
            ? H5Gopen2(scenarios, result->scenarios[scenario].name, H5P_DEFAULT)
            : -1;
    hid_t dataset =
        group >= 0 ? H5Dopen2(group, dataset_name, H5P_DEFAULT) : -1;
    char *text = read_text_attribute(dataset, name);
    if (text)
        snprintf(buffer, (size_t)size, "%s", text);
    free(text);
    cs_h5_close(dataset);
    cs_h5_close(group);
    cs_h5_close(scenarios);
}

const char *cs_result_scenario_yaml(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return NULL;
    return result->scenarios[scenario].yaml;
}

int cs_result_read_deflator(const cs_result *result, int scenario,
                            double *deflator, char *price_base,
                            int price_base_size, cs_error *err)
{
    int status = check_scenario_index(result, scenario, err);
    if (status != CS_OK)
        return status;
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    status = read_dataset(result, scenario, "deflator", -1, H5T_NATIVE_DOUBLE,
                          deflator, (size_t)result->n_months, err);
    if (status == CS_OK && price_base && price_base_size > 0)
        read_string_attribute(result, scenario, "deflator", "price_base",
                              price_base, price_base_size);
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_result_n_capacity(const cs_result *result)
{
    return result->n_capacity;
}

const char *cs_result_capacity_label(const cs_result *result, int j)
{
    return label(result->capacity_labels, result->n_capacity, j);
}

int cs_result_read_run_capacity(const cs_result *result, int scenario, int run,
                                double *capacity, cs_error *err)
{
    int status = check_scenario_index(result, scenario, err);
    if (status != CS_OK)
        return status;
    if (run < 0 || run >= result->scenarios[scenario].n_runs ||
        result->n_capacity == 0)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has no capacity record for "
                            "run %d",
                            result->path, result->scenarios[scenario].name,
                            run);
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    status = read_dataset(
        result, scenario, "capacity", run, H5T_NATIVE_DOUBLE, capacity,
        (size_t)result->n_months * (size_t)result->n_capacity * 3, err);
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_result_read_figures(const cs_result *result, int scenario,
                           cs_output_figures *figures, int *present,
                           cs_error *err)
{
    *present = 0;
    int status = check_scenario_index(result, scenario, err);
    if (status != CS_OK)
        return status;
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    const char *name = result->scenarios[scenario].name;
    hid_t scenarios = H5Gopen2(result->file, "scenarios", H5P_DEFAULT);
    hid_t group = scenarios >= 0 ? H5Gopen2(scenarios, name, H5P_DEFAULT) : -1;
    char where[CS_ERROR_MAX];
    snprintf(where, sizeof where, "%s: scenario '%s'", result->path, name);
    status = group >= 0
                 ? cs_output_read_figures(group, where, figures, present, err)
                 : cs_h5_error(err, CS_EINPUT, "%s: cannot open it", where);
    cs_h5_close(group);
    cs_h5_close(scenarios);
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_result_has_budget(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return 0;
    return result->scenarios[scenario].has_budget;
}

/* Run run's rows of one of a scenario's [run, month(, width)] datasets
 * (present: the scenario has it), width values a month, into out; record
 * names it in the message ("budget record"). */
static int read_month_rows(const cs_result *result, int scenario, int run,
                           int present, const char *dataset, const char *record,
                           size_t width, double *out, cs_error *err)
{
    int status = check_scenario_index(result, scenario, err);
    if (status != CS_OK)
        return status;
    if (run < 0 || run >= result->scenarios[scenario].n_runs || !present)
        return cs_error_set(
            err, CS_EINPUT, "%s: scenario '%s' has no %s for run %d",
            result->path, result->scenarios[scenario].name, record, run);
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    status = read_dataset(result, scenario, dataset, run, H5T_NATIVE_DOUBLE,
                          out, (size_t)result->n_months * width, err);
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_result_read_run_budget(const cs_result *result, int scenario, int run,
                              double *budget, cs_error *err)
{
    return read_month_rows(result, scenario, run,
                           cs_result_has_budget(result, scenario), "budget",
                           "budget record", CS_BUDGET_MEASURES, budget, err);
}

int cs_result_has_care_leavers(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return 0;
    return result->scenarios[scenario].has_care_leavers;
}

int cs_result_read_run_care_leavers(const cs_result *result, int scenario,
                                    int run, double *care_leavers,
                                    cs_error *err)
{
    return read_month_rows(
        result, scenario, run, cs_result_has_care_leavers(result, scenario),
        "care_leavers", "care leavers", 1, care_leavers, err);
}

int cs_result_n_parameters(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return 0;
    return result->scenarios[scenario].n_params;
}

const char *cs_result_parameter_name(const cs_result *result, int scenario,
                                     int parameter)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return "";
    return label(result->scenarios[scenario].param_names,
                 result->scenarios[scenario].n_params, parameter);
}

int cs_result_read_params(const cs_result *result, int scenario, double *values,
                          cs_error *err)
{
    int status = check_scenario_index(result, scenario, err);
    if (status != CS_OK)
        return status;
    const result_scenario *sc = &result->scenarios[scenario];
    if (sc->n_params == 0)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has no uncertain parameters",
                            result->path, sc->name);
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    status =
        read_dataset(result, scenario, "params", -1, H5T_NATIVE_DOUBLE, values,
                     (size_t)sc->n_runs * (size_t)sc->n_params, err);
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_result_read_batch(const cs_result *result, cs_result_batch *batch,
                         cs_error *err)
{
    memset(batch, 0, sizeof *batch);
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    int status = CS_OK;
    hid_t attr = H5Aopen(result->file, "seed", H5P_DEFAULT);
    char *version = read_text_attribute(result->file, "cascade_version");
    char *rng = read_text_attribute(result->file, "rng");
    if (attr < 0 || H5Aread(attr, H5T_NATIVE_UINT64, &batch->seed) < 0 ||
        !version || !rng) {
        status = cs_error_set(err, CS_EINPUT,
                              "%s: no seed, cascade_version or rng attribute",
                              result->path);
    } else {
        snprintf(batch->cascade_version, sizeof batch->cascade_version, "%s",
                 version);
        snprintf(batch->rng, sizeof batch->rng, "%s", rng);
        long long value;
        batch->parameter_uncertainty =
            cs_h5_read_attr_int(result->file, "parameter_uncertainty", &value) <
                    0
                ? -1
                : (int)(value != 0);
        batch->process_noise =
            cs_h5_read_attr_int(result->file, "process_noise", &value) < 0
                ? -1
                : (int)(value != 0);
        batch->year_effects =
            cs_h5_read_attr_int(result->file, "year_effects", &value) < 0
                ? 0
                : (int)(value != 0);
    }
    free(version);
    free(rng);
    cs_h5_close(attr);
    cs_h5_quiet_end(&quiet);
    return status;
}

const char *cs_result_path(const cs_result *result)
{
    return result->path;
}

int cs_result_format_version(const cs_result *result)
{
    return result->format;
}

const char *cs_result_stage_intervention(const cs_result *result, int stage)
{
    return label(result->stage_intervention, result->n_stages, stage);
}

const char *cs_result_stage_group(const cs_result *result, int stage)
{
    return label(result->stage_group, result->n_stages, stage);
}

const char *cs_result_stage_category(const cs_result *result, int stage)
{
    return label(result->stage_category, result->n_stages, stage);
}

int cs_result_n_financial_years(const cs_result *result)
{
    return result->n_fys;
}

const char *cs_result_financial_year_label(const cs_result *result, int fy)
{
    return label(result->fy_labels, result->n_fys, fy);
}

int cs_result_month_financial_year(const cs_result *result, int month)
{
    if (month < 0 || month >= result->n_months)
        return -1;
    return result->month_fy[month];
}

const char *cs_result_cost_line_intervention(const cs_result *result, int line)
{
    return label(result->cost_line_intervention, result->n_cost_lines, line);
}

int cs_result_n_runs_done(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return -1;
    return result->scenarios[scenario].n_done;
}

double cs_result_discount_rate(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return NAN;
    return result->scenarios[scenario].discount_rate;
}

const char *cs_result_extends_source(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return NULL;
    return result->scenarios[scenario].extends_source;
}

const char *cs_result_extends_hash(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return NULL;
    return result->scenarios[scenario].extends_hash;
}

const char *cs_result_discount_schedule(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return NULL;
    return result->scenarios[scenario].discount_schedule;
}

const char *cs_result_resolved_hash(const cs_result *result, int scenario)
{
    if (scenario < 0 || scenario >= result->n_scenarios)
        return NULL;
    return result->scenarios[scenario].resolved_hash;
}

const char *cs_result_parameter_distribution(const cs_result *result,
                                             int scenario, int parameter)
{
    if (scenario < 0 || scenario >= result->n_scenarios ||
        !result->scenarios[scenario].param_distributions)
        return NULL;
    return label(result->scenarios[scenario].param_distributions,
                 result->scenarios[scenario].n_params, parameter);
}

int cs_result_read_run_params(const cs_result *result, int scenario, int run,
                              double *values, cs_error *err)
{
    int status = check_scenario_index(result, scenario, err);
    if (status != CS_OK)
        return status;
    const result_scenario *sc = &result->scenarios[scenario];
    if (sc->n_params == 0)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has no uncertain parameters",
                            result->path, sc->name);
    if (run < 0 || run >= sc->n_runs)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has no run %d (it has %d)",
                            result->path, sc->name, run, sc->n_runs);
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    status = read_dataset(result, scenario, "params", run, H5T_NATIVE_DOUBLE,
                          values, (size_t)sc->n_params, err);
    cs_h5_quiet_end(&quiet);
    return status;
}
