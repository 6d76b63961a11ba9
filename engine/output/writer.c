/*
 * writer.c - writing the HDF5 output file, safely.
 *
 * The layout is docs/output-format.md. The safety story is this: nothing at
 * the user's path is touched until the file is complete. Everything is
 * written to "<path>.tmp-<pid>" in the same directory (created exclusively,
 * so two runs never share it); cs_output_close computes the summaries,
 * flushes, closes, fsyncs and then rename()s the temporary over path, which
 * is atomic on POSIX file systems. Any failure, or cs_output_abort, deletes
 * the temporary and leaves path as it was. An existing path that is not a
 * cascade output is refused unless the caller passes force, so a typo in
 * --output cannot destroy someone's data.
 *
 * Every public function runs with HDF5's automatic error printing switched
 * off (library code never prints) and turns HDF5 failures into CS_EIO with a
 * message naming what was being written, the path and HDF5's own reason.
 */
#include "writer.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5_hl.h>
#if CASCADE_MPI
#include <mpi.h>
#endif

#include "cascade_config.h"
#include "figures.h"
#include "h5util.h"
#include "space.h"

const double cs_quantile_levels[CS_N_QUANTILES] = {0.025, 0.05, 0.25, 0.5,
                                                   0.75,  0.95, 0.975};

static char *copy_string(const char *text)
{
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (copy)
        memcpy(copy, text, length + 1);
    return copy;
}

/* The directory part of path ("." if none), malloc'd. */
static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return copy_string(".");
    if (slash == path)
        return copy_string("/");
    size_t length = (size_t)(slash - path);
    char *directory = malloc(length + 1);
    if (directory) {
        memcpy(directory, path, length);
        directory[length] = '\0';
    }
    return directory;
}

/* File-access properties: strong close, and file locking that does not fail
 * on file systems without locks (common on cluster scratch space). */
static hid_t file_access_properties(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return -1;
    if (H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        cs_h5_close(fapl);
        return -1;
    }
#if H5_VERSION_GE(1, 10, 7)
    if (H5Pset_file_locking(fapl, 1, 1) < 0) {
        cs_h5_close(fapl);
        return -1;
    }
#endif
    return fapl;
}

int cs_output_is_cascade_file(const char *path)
{
    struct stat info;
    if (!path || stat(path, &info) != 0 || !S_ISREG(info.st_mode))
        return 0;
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    int is_cascade = 0;
    if (H5Fis_hdf5(path) > 0) {
        hid_t fapl = file_access_properties();
        hid_t file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
        if (file >= 0 && H5Aexists(file, "format_version") > 0 &&
            H5Aexists(file, "cascade_version") > 0)
            is_cascade = 1;
        cs_h5_close(file);
        cs_h5_close(fapl);
    }
    cs_h5_quiet_end(&quiet);
    return is_cascade;
}

/* Fail early, with errno's words, if path's directory cannot take a file. */
static int check_directory(const char *path, cs_error *err)
{
    char *directory = directory_of(path);
    if (!directory)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    int status = CS_OK;
    struct stat info;
    if (stat(directory, &info) != 0)
        status = cs_error_set(err, CS_EINPUT,
                              "cannot write output file '%s': directory "
                              "'%s': %s",
                              path, directory, strerror(errno));
    else if (!S_ISDIR(info.st_mode))
        status = cs_error_set(err, CS_EINPUT,
                              "cannot write output file '%s': '%s' is not a "
                              "directory",
                              path, directory);
    else if (access(directory, W_OK | X_OK) != 0)
        status = cs_error_set(err, CS_EINPUT,
                              "cannot write output file '%s': directory '%s' "
                              "is not writable: %s",
                              path, directory, strerror(errno));
    free(directory);
    return status;
}

/*
 * An existing path may be replaced only if it is a regular file that is a
 * cascade output, or any regular file if the caller forces it. A device,
 * FIFO or socket is never replaced: renaming over it would turn the node
 * into a regular file. A path that cannot be looked at because of its own
 * form (too long, a loop of links, no permission) is an input error.
 */
static int check_existing(const char *path, int force, cs_error *err)
{
    struct stat info;
    if (stat(path, &info) != 0) {
        if (errno == ENOENT)
            return CS_OK;
        return cs_error_set(err, errno == EIO ? CS_EIO : CS_EINPUT,
                            "cannot check output file '%s': %s", path,
                            strerror(errno));
    }
    if (S_ISDIR(info.st_mode))
        return cs_error_set(err, CS_EINPUT,
                            "output path '%s' is a directory, not a file",
                            path);
    if (!S_ISREG(info.st_mode))
        return cs_error_set(err, CS_EINPUT,
                            "output path '%s' exists and is not a regular "
                            "file (a device, FIFO or socket); refusing to "
                            "replace it (--force replaces regular files "
                            "only)",
                            path);
    if (!force && !cs_output_is_cascade_file(path))
        return cs_error_set(err, CS_EINPUT,
                            "%s exists and is not a cascade output file; "
                            "refusing to overwrite it (use --force)",
                            path);
    return CS_OK;
}

int cs_output_check_path(const char *path, int force, cs_error *err)
{
    if (!path || !path[0])
        return cs_error_set(err, CS_EINPUT, "no output file given");
    int status = check_directory(path, err);
    if (status == CS_OK)
        status = check_existing(path, force, err);
    return status;
}

int cs_output_set_path(cs_output *output, const char *path, int force,
                       cs_error *err)
{
    int status = cs_output_check_path(path, force, err);
    char *copy = status == CS_OK ? copy_string(path) : NULL;
    if (status == CS_OK && !copy)
        status = cs_error_set(err, CS_ENOMEM, "out of memory");
    if (status != CS_OK)
        return status;
    free(output->path);
    output->path = copy;
    return CS_OK;
}

int cs_output_temporary_name(const char *path, char *buffer, size_t size,
                             cs_error *err)
{
    /* ".tmp-" and a process id of up to 10 digits */
    enum { SUFFIX = 15 };
    const char *slash = strrchr(path, '/');
    size_t base = strlen(slash ? slash + 1 : path);
    if (base + SUFFIX > NAME_MAX)
        return cs_error_set(err, CS_EINPUT,
                            "output file name '%.40s...' is too long: %zu "
                            "bytes, at most %d (the temporary "
                            "'NAME.tmp-PID' beside it must fit too)",
                            slash ? slash + 1 : path, base, NAME_MAX - SUFFIX);
    int n = snprintf(buffer, size, "%s.tmp-%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= size || (size_t)n >= PATH_MAX)
        return cs_error_set(err, CS_EINPUT,
                            "output path '%.40s...' is too long: %zu bytes, "
                            "at most %d",
                            path, strlen(path), PATH_MAX - SUFFIX - 1);
    return CS_OK;
}

/* *out: a malloc'd cs_output_temporary_name of path. */
static int temporary_name(const char *path, char **out, cs_error *err)
{
    size_t size = strlen(path) + 32;
    *out = malloc(size);
    if (!*out)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    int status = cs_output_temporary_name(path, *out, size, err);
    if (status != CS_OK) {
        free(*out);
        *out = NULL;
    }
    return status;
}

static int check_dims(const cs_output_dims *dims, cs_error *err)
{
    if (!dims)
        return cs_error_set(err, CS_EINPUT, "output dimensions missing");
    if (dims->n_months < 1 || dims->n_stages < 1 || dims->n_ages < 1 ||
        dims->n_transitions < 1 || dims->n_financial_years < 1)
        return cs_error_set(err, CS_EINPUT,
                            "output dimensions must be at least 1 each (got "
                            "%d months, %d stages, %d ages, %d transitions, "
                            "%d financial years)",
                            dims->n_months, dims->n_stages, dims->n_ages,
                            dims->n_transitions, dims->n_financial_years);
    if (!dims->month_labels || !dims->stage_labels ||
        !dims->transition_labels || !dims->transition_from ||
        !dims->transition_to || !dims->stage_intervention ||
        !dims->stage_group || !dims->financial_year_labels ||
        !dims->month_financial_year ||
        (dims->n_cost_lines > 0 &&
         (!dims->cost_line_labels || !dims->cost_line_intervention)) ||
        dims->n_cost_lines < 0 || dims->n_capacity < 0 ||
        (dims->n_capacity > 0 && !dims->capacity_labels))
        return cs_error_set(err, CS_EINPUT, "output dimension labels missing");
    return CS_OK;
}

/* 1 if text is one of the NULL-terminated words. */
static int one_of(const char *text, const char *const *words)
{
    for (int i = 0; text && words[i]; i++)
        if (strcmp(text, words[i]) == 0)
            return 1;
    return 0;
}

static const char *const interventions[] = {"none", "early", "late", NULL};
static const char *const categories[] = {"none", "cin", "cp", "looked_after",
                                         NULL};
static const char *const kinds[] = {"early", "late", NULL};

/*
 * The records reports rely on must mean what the format says: known
 * interventions and categories, and months in financial years 0, 1, ...
 * in order. Called after the size checks, so every array may be read.
 */
static int check_dims_content(const cs_output_dims *dims, cs_error *err)
{
    for (int s = 0; s < dims->n_stages; s++) {
        if (!one_of(dims->stage_intervention[s], interventions))
            return cs_error_set(err, CS_EINPUT,
                                "stage '%s': intervention '%s': expected "
                                "none, early or late",
                                dims->stage_labels[s],
                                dims->stage_intervention[s]
                                    ? dims->stage_intervention[s]
                                    : "(null)");
        if (dims->stage_category &&
            !one_of(dims->stage_category[s], categories))
            return cs_error_set(
                err, CS_EINPUT,
                "stage '%s': DfE category '%s': expected "
                "none, cin, cp or looked_after",
                dims->stage_labels[s],
                dims->stage_category[s] ? dims->stage_category[s] : "(null)");
    }
    for (int l = 0; l < dims->n_cost_lines; l++)
        if (!one_of(dims->cost_line_intervention[l], kinds))
            return cs_error_set(err, CS_EINPUT,
                                "cost line %d: intervention '%s': expected "
                                "early or late",
                                l,
                                dims->cost_line_intervention[l]
                                    ? dims->cost_line_intervention[l]
                                    : "(null)");
    const int *fy = dims->month_financial_year;
    for (int t = 0; t < dims->n_months; t++) {
        int expected_low = t == 0 ? 0 : fy[t - 1];
        if (fy[t] < expected_low || fy[t] > expected_low + (t > 0) ||
            fy[t] >= dims->n_financial_years)
            return cs_error_set(err, CS_EINPUT,
                                "month %d (%s) is in financial year %d: "
                                "expected the months in financial years 0 "
                                "to %d, in order",
                                t, dims->month_labels[t], fy[t],
                                dims->n_financial_years - 1);
    }
    if (fy[dims->n_months - 1] != dims->n_financial_years - 1)
        return cs_error_set(
            err, CS_EINPUT, "%d financial years, but the months cover %d",
            dims->n_financial_years, fy[dims->n_months - 1] + 1);
    return CS_OK;
}

/* The current time as ISO 8601 UTC, e.g. 2026-11-23T23:59:59Z. */
static void format_created(char *buffer, size_t size)
{
    time_t now = time(NULL);
    struct tm utc;
    if (now == (time_t)-1 || !gmtime_r(&now, &utc) ||
        strftime(buffer, size, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
        snprintf(buffer, size, "unknown");
}

static int write_root_attributes(cs_output *output, const cs_output_meta *meta,
                                 cs_error *err)
{
    char created[32];
    format_created(created, sizeof created);
    const char *failed = NULL;
    if (cs_h5_attr_string(output->file, "cascade_version",
                          meta->cascade_version) < 0)
        failed = "cascade_version";
    else if (cs_h5_attr_int32(output->file, "format_version",
                              CS_OUTPUT_FORMAT_VERSION) < 0)
        failed = "format_version";
    else if (cs_h5_attr_string(output->file, "command_line",
                               meta->command_line) < 0)
        failed = "command_line";
    else if (cs_h5_attr_string(output->file, "created", created) < 0)
        failed = "created";
    else if (cs_h5_attr_uint64(output->file, "seed", meta->seed) < 0)
        failed = "seed";
    else if (cs_h5_attr_string(output->file, "rng", meta->rng) < 0)
        failed = "rng";
    else if (cs_h5_attr_string(output->file, "scenario_yaml",
                               meta->scenario_yaml) < 0)
        failed = "scenario_yaml";
    else if (cs_h5_attr_int32(output->file, "parameter_uncertainty",
                              meta->parameter_uncertainty) < 0)
        failed = "parameter_uncertainty";
    else if (cs_h5_attr_int32(output->file, "process_noise",
                              meta->process_noise) < 0)
        failed = "process_noise";
    else if (cs_h5_attr_int32(output->file, "year_effects",
                              meta->year_effects) < 0)
        failed = "year_effects";
    if (failed)
        return cs_h5_error(err, CS_EIO, "writing attribute '%s' to %s", failed,
                           output->path);
    return CS_OK;
}

/* Mark dataset as the dimension scale `name` and describe it. */
static herr_t make_scale(hid_t dataset, const char *name,
                         const char *description)
{
    if (dataset < 0 || H5DSset_scale(dataset, name) < 0 ||
        cs_h5_attr_string(dataset, "description", description) < 0)
        return -1;
    return 0;
}

/*
 * One dataset of /dims: string labels, int32 or float64 values (one of the
 * three), a dimension scale when `scale` names one, and kept open in *keep
 * (for scenarios' datasets to attach) or closed.
 */
typedef struct dim_dataset {
    const char *name;
    int present; /* 0: not in this file (no cost lines, no capacity) */
    int n;
    const char *const *strings;
    const int *ints;
    const double *doubles;
    const char *scale; /* its scale name, or NULL: not a scale */
    const char *units; /* or NULL */
    const char *description;
    hid_t *keep; /* or NULL */
} dim_dataset;

static herr_t write_dim(hid_t group, const dim_dataset *d)
{
    hid_t dataset =
        d->strings ? cs_h5_dataset_strings(group, d->name, d->n, d->strings)
        : d->ints  ? cs_h5_dataset_int32(group, d->name, d->n, d->ints)
                   : cs_h5_dataset_doubles(group, d->name, d->n, d->doubles);
    herr_t status =
        dataset >= 0 && (!d->scale || H5DSset_scale(dataset, d->scale) >= 0) &&
                cs_h5_attr_string(dataset, "description", d->description) >=
                    0 &&
                (!d->units ||
                 cs_h5_attr_string(dataset, "units", d->units) >= 0)
            ? 0
            : -1;
    if (status == 0 && d->keep)
        *d->keep = dataset;
    else
        cs_h5_close(dataset);
    return status;
}

/* Where each axis's scale is: its name in a scenario group (format 3)
 * and in /dims (every format). */
static const struct {
    const char *group_name, *dims_name;
} axis_names[CS_N_AXES] = {
    [CS_AXIS_MONTH] = {"month", "month"},
    [CS_AXIS_STAGE] = {"stage", "stage"},
    [CS_AXIS_AGE] = {"age", "age"},
    [CS_AXIS_TRANSITION] = {"transition", "transition"},
    [CS_AXIS_COST_LINE] = {"cost_line", "cost_line"},
    /* a group cannot hold both the spend dataset and a spend dimension */
    [CS_AXIS_SPEND] = {"intervention", "spend"},
    [CS_AXIS_CAPACITY_STAGE] = {"capacity_stage", "capacity_stage"},
    [CS_AXIS_CAPACITY_MEASURE] = {"capacity_measure", "capacity_measure"},
    [CS_AXIS_BUDGET_MEASURE] = {"budget_measure", "budget_measure"},
    [CS_AXIS_QUANTILE] = {"quantile", "quantile"},
};

/* The records aligned with an axis, in /dims and (format 3) in each
 * scenario group: attached to that axis's scale there, so netCDF readers
 * see them as variables along it. */
static const struct {
    const char *name;
    cs_output_axis along;
} axis_records[] = {
    {"month_financial_year", CS_AXIS_MONTH},
    {"stage_intervention", CS_AXIS_STAGE},
    {"stage_group", CS_AXIS_STAGE},
    {"stage_category", CS_AXIS_STAGE},
    {"transition_from", CS_AXIS_TRANSITION},
    {"transition_to", CS_AXIS_TRANSITION},
    {"cost_line_intervention", CS_AXIS_COST_LINE},
};

/* Attach every record of group to its axis's scale axes[along] (skipping
 * axes < 0: not in this file). */
static herr_t attach_records(hid_t group, const hid_t *axes)
{
    for (size_t i = 0; i < sizeof axis_records / sizeof axis_records[0]; i++) {
        hid_t scale = axes[axis_records[i].along];
        if (scale < 0)
            continue;
        hid_t record = H5Dopen2(group, axis_records[i].name, H5P_DEFAULT);
        const char *const label = axis_names[axis_records[i].along].group_name;
        herr_t status = record >= 0
                            ? cs_output_attach_scales(record, 1, &scale, &label)
                            : -1;
        cs_h5_close(record);
        if (status < 0)
            return -1;
    }
    return 0;
}

/* Copy the string attribute name of from to to, if from has it. */
static herr_t copy_text_attribute(hid_t from, hid_t to, const char *name)
{
    htri_t exists = H5Aexists(from, name);
    if (exists <= 0)
        return exists < 0 ? -1 : 0;
    herr_t status = -1;
    char *text = NULL;
    hid_t attr = H5Aopen(from, name, H5P_DEFAULT);
    hid_t type = cs_h5_string_type();
    if (attr >= 0 && type >= 0 && H5Aread(attr, type, &text) >= 0) {
        status = cs_h5_attr_string(to, name, text);
        H5free_memory(text);
    }
    cs_h5_close(type);
    cs_h5_close(attr);
    return status;
}

/*
 * Copy /dims/<dims_name> (its values, not its attributes, so no scale
 * references come with it) to dest/<name>, with its description and
 * units, and mark the copy as the dimension scale `name` if is_scale.
 * Returns the open copy or -1.
 */
static hid_t copy_from_dims(const cs_output *output, const char *dims_name,
                            hid_t dest, const char *name, int is_scale)
{
    char source[64];
    snprintf(source, sizeof source, "dims/%s", dims_name);
    hid_t copy = -1, from = -1;
    hid_t ocpypl = H5Pcreate(H5P_OBJECT_COPY);
    if (ocpypl >= 0 &&
        H5Pset_copy_object(ocpypl, H5O_COPY_WITHOUT_ATTR_FLAG) >= 0 &&
        H5Ocopy(output->file, source, dest, name, ocpypl, H5P_DEFAULT) >= 0)
        copy = H5Dopen2(dest, name, H5P_DEFAULT);
    if (copy >= 0)
        from = H5Dopen2(output->file, source, H5P_DEFAULT);
    if (copy >= 0 && (from < 0 || (is_scale && H5DSset_scale(copy, name) < 0) ||
                      copy_text_attribute(from, copy, "description") < 0 ||
                      copy_text_attribute(from, copy, "units") < 0)) {
        cs_h5_close(copy);
        copy = -1;
    }
    cs_h5_close(from);
    cs_h5_close(ocpypl);
    return copy;
}

/* 1 if the file has axis at all (cost lines and capacity are optional). */
static int has_axis(const cs_output *output, cs_output_axis axis)
{
    if (axis == CS_AXIS_COST_LINE)
        return output->n_cost_lines > 0;
    if (axis == CS_AXIS_CAPACITY_STAGE || axis == CS_AXIS_CAPACITY_MEASURE)
        return output->n_capacity > 0;
    if (axis == CS_AXIS_BUDGET_MEASURE)
        return output->has_budget;
    return 1;
}

hid_t cs_output_scenario_axis(cs_output *output, cs_output_scenario *scenario,
                              cs_output_axis axis, hid_t summary)
{
    assert(axis >= 0 && axis < CS_N_AXES);
    if (scenario->axis[axis] >= 0 || !has_axis(output, axis))
        return scenario->axis[axis];
    const char *name = axis_names[axis].group_name;
    hid_t scale = -1;
    if (output->format < 3) {
        char shared[64];
        snprintf(shared, sizeof shared, "dims/%s", axis_names[axis].dims_name);
        scale = H5Dopen2(output->file, shared, H5P_DEFAULT);
    } else if (axis != CS_AXIS_QUANTILE) {
        scale = H5Dopen2(scenario->group, name, H5P_DEFAULT);
    } else if (summary >= 0) {
        scale = H5Lexists(summary, name, H5P_DEFAULT) > 0
                    ? H5Dopen2(summary, name, H5P_DEFAULT)
                    : copy_from_dims(output, name, summary, name, 1);
    }
    scenario->axis[axis] = scale;
    return scale;
}

/* Format 3: the scenario group's own copies of the scales (and of the
 * records along them), for its datasets to attach. */
static herr_t write_group_axes(cs_output *output, cs_output_scenario *scenario)
{
    for (int a = 0; a < CS_N_AXES; a++) {
        if (a == CS_AXIS_QUANTILE || !has_axis(output, (cs_output_axis)a))
            continue;
        scenario->axis[a] =
            copy_from_dims(output, axis_names[a].dims_name, scenario->group,
                           axis_names[a].group_name, 1);
        if (scenario->axis[a] < 0)
            return -1;
    }
    hid_t years = copy_from_dims(output, "financial_year", scenario->group,
                                 "financial_year", 1);
    if (years < 0)
        return -1;
    cs_h5_close(years);
    for (size_t i = 0; i < sizeof axis_records / sizeof axis_records[0]; i++) {
        if (scenario->axis[axis_records[i].along] < 0)
            continue;
        hid_t record = copy_from_dims(output, axis_records[i].name,
                                      scenario->group, axis_records[i].name, 0);
        if (record < 0)
            return -1;
        cs_h5_close(record);
    }
    return attach_records(scenario->group, scenario->axis);
}

static int write_dims(cs_output *output, const cs_output_dims *dims,
                      cs_error *err)
{
    static const char *const measures[3] = {"places", "occupied",
                                            "turned_away"};
    static const char *const spend_labels[2] = {"early", "late"};
    static const char *const budget_labels[CS_BUDGET_MEASURES] = {
        [CS_BUDGET_INCOME] = "budget",
        [CS_BUDGET_STATUTORY] = "statutory_spend",
        [CS_BUDGET_PLANNED] = "planned",
        [CS_BUDGET_PAID] = "paid",
        [CS_BUDGET_RESERVES] = "reserves"};
    int *ages = malloc((size_t)dims->n_ages * sizeof *ages);
    const char **unknown = malloc((size_t)dims->n_stages * sizeof *unknown);
    if (!ages || !unknown) {
        free(ages);
        free(unknown);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    for (int a = 0; a < dims->n_ages; a++)
        ages[a] = a;
    for (int s = 0; s < dims->n_stages; s++)
        unknown[s] = "unknown";
    const int costed = dims->n_cost_lines > 0, limited = dims->n_capacity > 0;
    const dim_dataset table[] = {
        {"month", 1, dims->n_months, dims->month_labels, NULL, NULL, "month",
         NULL,
         "calendar month of each time step, \"YYYY-MM\"; stocks are at the "
         "end of the month, flows during it",
         &output->scale_month},
        {"financial_year", 1, dims->n_financial_years,
         dims->financial_year_labels, NULL, NULL, "financial_year", NULL,
         "financial year (April to March) the months fall in, \"2019/20\"",
         NULL},
        {"month_financial_year", 1, dims->n_months, NULL,
         dims->month_financial_year, NULL, NULL, NULL,
         "index into financial_year of each month's financial year, aligned "
         "with /dims/month",
         NULL},
        {"stage", 1, dims->n_stages, dims->stage_labels, NULL, NULL, "stage",
         NULL,
         "leaf stage id (placements of a split stage count singly), as in "
         "the scenario",
         &output->scale_stage},
        {"stage_intervention", 1, dims->n_stages, dims->stage_intervention,
         NULL, NULL, NULL, NULL,
         "\"none\", \"early\" or \"late\" intervention, aligned with "
         "stage",
         NULL},
        {"stage_group", 1, dims->n_stages, dims->stage_group, NULL, NULL, NULL,
         NULL,
         "the placement group (top-level stage) each leaf stage belongs to, "
         "or \"\" for a stage without placements, aligned with stage",
         NULL},
        {"stage_category", 1, dims->n_stages,
         dims->stage_category ? dims->stage_category : unknown, NULL, NULL,
         NULL, NULL,
         "DfE statistical category of each stage: \"none\", \"cin\" "
         "(children in need census), \"cp\" (child protection plan), "
         "\"looked_after\", or \"unknown\" when the scenario did not say; "
         "aligned with stage",
         NULL},
        {"age", 1, dims->n_ages, NULL, ages, NULL, "age", "years",
         "age in completed years at the end of the month", &output->scale_age},
        {"transition", 1, dims->n_transitions, dims->transition_labels, NULL,
         NULL, "transition", NULL,
         "transition id; transition_from and transition_to say what each "
         "one moves",
         &output->scale_transition},
        {"transition_from", 1, dims->n_transitions, dims->transition_from, NULL,
         NULL, NULL, NULL,
         "stage or group id each transition moves children out of, aligned "
         "with transition; \"\" for arrivals (births, migration in)",
         NULL},
        {"transition_to", 1, dims->n_transitions, dims->transition_to, NULL,
         NULL, NULL, NULL,
         "stage or group id each transition moves children into, aligned "
         "with transition; \"\" for leaving the system (age 18, "
         "migration out)",
         NULL},
        {"quantile", 1, CS_N_QUANTILES, NULL, NULL, cs_quantile_levels,
         "quantile", NULL,
         "probability level of each row of summary/quantiles (R type 7 "
         "sample quantiles over runs)",
         &output->scale_quantile},
        {"cost_line", costed, dims->n_cost_lines, dims->cost_line_labels, NULL,
         NULL, "cost_line", NULL,
         "cost line: the leaf stage whose children it prices; "
         "cost_line_intervention says early or late",
         &output->scale_cost_line},
        {"cost_line_intervention", costed, dims->n_cost_lines,
         dims->cost_line_intervention, NULL, NULL, NULL, NULL,
         "\"early\" or \"late\" intervention, aligned with cost_line", NULL},
        {"capacity_stage", limited, dims->n_capacity, dims->capacity_labels,
         NULL, NULL, "capacity_stage", NULL,
         "leaf stage with a limited number of places", &output->scale_capacity},
        {"capacity_measure", limited, 3, measures, NULL, NULL,
         "capacity_measure", NULL,
         "places (available in the month), occupied (children in the stage "
         "at the end of the month), turned_away (children who found no "
         "place during the month)",
         &output->scale_capacity_measure},
        {"spend", 1, 2, spend_labels, NULL, NULL, "spend", NULL,
         "early- and late-intervention totals of the cost lines",
         &output->scale_spend},
        {"budget_measure", dims->has_budget, CS_BUDGET_MEASURES, budget_labels,
         NULL, NULL, "budget_measure", NULL,
         "budget (the month's cash), statutory_spend (late-intervention "
         "spend it paid first: children in late stages at the start of the "
         "month), planned (the cash the streams it pays planned), paid (what "
         "it paid of that), reserves (at the end of the month; negative: "
         "overspent), all GBP cash",
         &output->scale_budget_measure},
    };
    const char *failed = NULL;
    hid_t group =
        H5Gcreate2(output->file, "dims", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (group < 0)
        failed = "";
    for (size_t i = 0; !failed && i < sizeof table / sizeof table[0]; i++)
        if (table[i].present && write_dim(group, &table[i]) < 0)
            failed = table[i].name;
    const hid_t shared[CS_N_AXES] = {
        [CS_AXIS_MONTH] = output->scale_month,
        [CS_AXIS_STAGE] = output->scale_stage,
        [CS_AXIS_AGE] = output->scale_age,
        [CS_AXIS_TRANSITION] = output->scale_transition,
        [CS_AXIS_COST_LINE] = output->scale_cost_line,
        [CS_AXIS_SPEND] = output->scale_spend,
        [CS_AXIS_CAPACITY_STAGE] = output->scale_capacity,
        [CS_AXIS_CAPACITY_MEASURE] = output->scale_capacity_measure,
        [CS_AXIS_BUDGET_MEASURE] = output->scale_budget_measure,
        [CS_AXIS_QUANTILE] = output->scale_quantile};
    if (!failed && attach_records(group, shared) < 0)
        failed = "records";
    int status = CS_OK;
    if (failed)
        status = cs_h5_error(err, CS_EIO, "writing /dims/%s to %s", failed,
                             output->path);
    cs_h5_close(group);
    free(ages);
    free(unknown);
    return status;
}

/* Close every handle but the file; safe to call twice. */
static void close_handles(cs_output *output)
{
    for (int i = 0; i < output->n_scenarios; i++) {
        cs_output_scenario *scenario = &output->scenarios[i];
        cs_h5_close(scenario->stocks);
        cs_h5_close(scenario->flows);
        cs_h5_close(scenario->run_done);
        cs_h5_close(scenario->costs);
        cs_h5_close(scenario->spend);
        cs_h5_close(scenario->capacity);
        cs_h5_close(scenario->budget);
        cs_h5_close(scenario->care_leavers);
        cs_h5_close(scenario->params);
        for (int a = 0; a < CS_N_AXES; a++) {
            cs_h5_close(scenario->axis[a]);
            scenario->axis[a] = -1;
        }
        cs_h5_close(scenario->group);
        scenario->stocks = scenario->flows = scenario->run_done =
            scenario->costs = scenario->spend = scenario->capacity =
                scenario->budget = scenario->care_leavers = scenario->params =
                    scenario->group = -1;
    }
    hid_t *scales[] = {&output->scale_month,
                       &output->scale_stage,
                       &output->scale_age,
                       &output->scale_transition,
                       &output->scale_quantile,
                       &output->scale_cost_line,
                       &output->scale_spend,
                       &output->scale_capacity,
                       &output->scale_capacity_measure,
                       &output->scale_budget_measure};
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
        cs_h5_close(*scales[i]);
        *scales[i] = -1;
    }
}

static void free_output(cs_output *output)
{
    if (output->dxpl != H5P_DEFAULT)
        cs_h5_close(output->dxpl);
    for (int i = 0; i < output->n_scenarios; i++)
        free(output->scenarios[i].name);
    free(output->scenarios);
    free(output->path);
    free(output->tmp_path);
    free(output);
}

/* Close everything, delete the temporary file and free output (in
 * parallel the file is shared: rank 0 of the caller deletes it). */
static void discard(cs_output *output)
{
    close_handles(output);
    cs_h5_close(output->file);
    output->file = -1;
    if (output->tmp_path && !output->parallel)
        unlink(output->tmp_path);
    free_output(output);
}

int cs_output_create(const char *path, int force, const cs_output_meta *meta,
                     const cs_output_dims *dims, cs_output **out, cs_error *err)
{
    *out = NULL;
    if (!path || !path[0])
        return cs_error_set(err, CS_EINPUT, "no output file given");
    if (!meta)
        return cs_error_set(err, CS_EINPUT, "output metadata missing");
    char *tmp_path = NULL;
    int status = check_dims(dims, err);
    if (status == CS_OK)
        status = temporary_name(path, &tmp_path, err);
    if (status == CS_OK)
        status = check_directory(path, err);
    if (status == CS_OK)
        status = check_existing(path, force, err);
    if (status == CS_OK)
        status = cs_output_check_shape(path, dims, err);
    if (status == CS_OK)
        status = check_dims_content(dims, err);
    if (status != CS_OK) {
        free(tmp_path);
        return status;
    }

    cs_output *output = calloc(1, sizeof *output);
    if (!output) {
        free(tmp_path);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    output->file = -1;
    output->dxpl = H5P_DEFAULT;
    output->scale_month = output->scale_stage = output->scale_age =
        output->scale_transition = output->scale_quantile =
            output->scale_cost_line = output->scale_spend =
                output->scale_capacity = output->scale_capacity_measure =
                    output->scale_budget_measure = -1;
    output->format = CS_OUTPUT_FORMAT_VERSION;
    output->n_months = dims->n_months;
    output->n_stages = dims->n_stages;
    output->n_ages = dims->n_ages;
    output->n_transitions = dims->n_transitions;
    output->run_values = cs_output_run_values(dims);
    output->n_cost_lines = dims->n_cost_lines;
    output->n_capacity = dims->n_capacity;
    output->has_budget = dims->has_budget;
    output->path = copy_string(path);
    output->tmp_path = tmp_path;
    if (!output->path) {
        free_output(output);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }

    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    hid_t fapl = -1, gcpl = -1, scenarios = -1;
    fapl = file_access_properties();
    if (fapl >= 0)
        output->file =
            H5Fcreate(output->tmp_path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    if (output->file < 0) {
        status = cs_h5_error(err, CS_EIO, "cannot create output file '%s'",
                             output->tmp_path);
        free(output->tmp_path); /* not ours: do not delete it */
        output->tmp_path = NULL;
        goto done;
    }
    status = write_root_attributes(output, meta, err);
    if (status == CS_OK)
        status = write_dims(output, dims, err);
    if (status != CS_OK)
        goto done;
    /* Track creation order so readers list scenarios as they were added. */
    gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0 ||
        H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED |
                                             H5P_CRT_ORDER_INDEXED) < 0 ||
        (scenarios = H5Gcreate2(output->file, "scenarios", H5P_DEFAULT, gcpl,
                                H5P_DEFAULT)) < 0 ||
        cs_h5_attr_string(scenarios, "description",
                          "one group per scenario, in the order they were "
                          "run (creation order is tracked)") < 0)
        status = cs_h5_error(err, CS_EIO, "writing /scenarios to %s", path);
done:
    cs_h5_close(scenarios);
    cs_h5_close(gcpl);
    cs_h5_close(fapl);
    if (status != CS_OK)
        discard(output);
    else
        *out = output;
    cs_h5_quiet_end(&quiet);
    return status;
}

herr_t cs_output_attach_scales(hid_t dataset, int rank, const hid_t *scales,
                               const char *const *labels)
{
    for (int i = 0; i < rank; i++) {
        if (H5DSattach_scale(dataset, scales[i], (unsigned)i) < 0 ||
            H5DSset_label(dataset, (unsigned)i, labels[i]) < 0)
            return -1;
    }
    return 0;
}

static int check_scenario_name(const cs_output *output, const char *name,
                               cs_error *err)
{
    if (!name || !name[0])
        return cs_error_set(err, CS_EINPUT, "scenario name is empty");
    if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return cs_error_set(err, CS_EINPUT,
                            "scenario name '%s' cannot name an HDF5 group "
                            "(no '/', '.' or '..')",
                            name);
    for (int i = 0; i < output->n_scenarios; i++)
        if (strcmp(output->scenarios[i].name, name) == 0)
            return cs_error_set(err, CS_EINPUT,
                                "scenario '%s' is already in %s", name,
                                output->path);
    return CS_OK;
}

/* Create a run-major chunked float64 dataset with NaN fill, described and
 * with its scales attached. */
static hid_t create_runs_dataset(hid_t group, const char *name, int rank,
                                 const hsize_t *shape, const hsize_t *chunk,
                                 const hid_t *scales, const char *const *labels,
                                 const char *units, const char *description,
                                 int compress)
{
    const double nan = NAN;
    hid_t dataset = -1;
    hid_t space = H5Screate_simple(rank, shape, NULL);
    hid_t dcpl =
        cs_h5_chunked_dcpl(rank, chunk, H5T_NATIVE_DOUBLE, &nan, compress);
    /* No chunk cache: a run covers whole chunks, so caching gains nothing;
     * without it each run is compressed and written in cs_output_write_run,
     * memory stays flat, and a full disk is reported for the run it hit. */
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (space >= 0 && dcpl >= 0 && dapl >= 0 &&
        H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0,
                           H5D_CHUNK_CACHE_W0_DEFAULT) >= 0)
        dataset = H5Dcreate2(group, name, H5T_IEEE_F64LE, space, H5P_DEFAULT,
                             dcpl, dapl);
    if (dataset >= 0 &&
        (cs_h5_attr_string(dataset, "units", units) < 0 ||
         cs_h5_attr_string(dataset, "description", description) < 0 ||
         cs_output_attach_scales(dataset, rank, scales, labels) < 0)) {
        cs_h5_close(dataset);
        dataset = -1;
    }
    cs_h5_close(dapl);
    cs_h5_close(dcpl);
    cs_h5_close(space);
    return dataset;
}

/* The scenario's run scale and run_done flags. */
static hid_t create_run_done(hid_t group, int n_runs)
{
    hid_t run_done = -1, run_scale = -1, space = -1, dcpl = -1;
    int *runs = malloc((size_t)n_runs * sizeof *runs);
    if (!runs)
        return -1;
    for (int r = 0; r < n_runs; r++)
        runs[r] = r;
    run_scale = cs_h5_dataset_int32(group, "run", n_runs, runs);
    if (make_scale(run_scale, "run", "Monte Carlo run index, 0..n_runs-1") < 0)
        goto done;
    hsize_t shape = (hsize_t)n_runs;
    const unsigned char zero = 0;
    space = H5Screate_simple(1, &shape, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space < 0 || dcpl < 0 ||
        H5Pset_fill_value(dcpl, H5T_NATIVE_UCHAR, &zero) < 0 ||
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0)
        goto done;
    run_done = H5Dcreate2(group, "run_done", H5T_STD_U8LE, space, H5P_DEFAULT,
                          dcpl, H5P_DEFAULT);
    static const char *const labels[1] = {"run"};
    if (run_done >= 0 &&
        (cs_h5_attr_string(run_done, "description",
                           "1 once all of a run's datasets (stocks, flows, "
                           "costs, spend, capacity) are completely "
                           "written, 0 before; only runs with 1 count in "
                           "summary") < 0 ||
         cs_output_attach_scales(run_done, 1, &run_scale, labels) < 0)) {
        cs_h5_close(run_done);
        run_done = -1;
    }
done:
    cs_h5_close(dcpl);
    cs_h5_close(space);
    cs_h5_close(run_scale);
    free(runs);
    return run_done;
}

/*
 * One per-run dataset of a scenario: its shape and chunk after the run
 * axis (each chunk holds one run), the scales of those axes, and where its
 * handle stays open while runs are written.
 */
typedef struct runs_dataset {
    const char *name;
    int present; /* 0: not in this file */
    int rank;
    hsize_t shape[4], chunk[4]; /* [0] is filled in with the run axis */
    hid_t scales[4];            /* [0] likewise */
    const char *labels[4];
    const char *units, *description;
    hid_t *handle;
} runs_dataset;

/* A scalar attribute of the scenario group: text, int32 or float64. */
typedef struct scenario_attribute {
    const char *name;
    int present;
    const char *text; /* when not NULL */
    int is_int;
    double number;
} scenario_attribute;

static herr_t write_scenario_attribute(hid_t group, const scenario_attribute *a)
{
    if (a->text)
        return cs_h5_attr_string(group, a->name, a->text);
    if (a->is_int)
        return cs_h5_attr_int32(group, a->name, (int)a->number);
    return cs_h5_attr_double(group, a->name, a->number);
}

static int add_scenario(cs_output *output, const char *name,
                        const cs_output_scenario_info *info, int n_runs,
                        cs_output_scenario *scenario, cs_error *err)
{
    const char *failed = NULL;
    hid_t run_scale = -1;
    const scenario_attribute attributes[] = {
        {"scenario_yaml", 1, info->yaml ? info->yaml : "", 0, 0},
        {"n_runs", 1, NULL, 1, n_runs},
        {"discount_rate", 1, NULL, 0, info->discount_rate},
        {"discount_schedule", info->discount_schedule != NULL,
         info->discount_schedule, 0, 0},
        {"extends_source", info->extends_source != NULL, info->extends_source,
         0, 0},
        {"extends_hash", info->extends_hash != NULL, info->extends_hash, 0, 0},
        {"resolved_hash", info->resolved_hash != NULL, info->resolved_hash, 0,
         0},
    };
    hid_t scenarios = H5Gopen2(output->file, "scenarios", H5P_DEFAULT);
    if (scenarios >= 0)
        scenario->group =
            H5Gcreate2(scenarios, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cs_h5_close(scenarios);
    if (scenario->group < 0)
        failed = "group";
    for (size_t i = 0; !failed && i < sizeof attributes / sizeof attributes[0];
         i++)
        if (attributes[i].present &&
            write_scenario_attribute(scenario->group, &attributes[i]) < 0)
            failed = attributes[i].name;
    if (!failed && write_group_axes(output, scenario) < 0)
        failed = "axes";
    if (!failed && info->figures &&
        cs_output_write_figures(scenario->group, info->figures) < 0)
        failed = "fit_figures";
    if (!failed) {
        scenario->run_done = create_run_done(scenario->group, n_runs);
        if (scenario->run_done < 0)
            failed = "run and run_done";
    }
    /* The run scale was closed by create_run_done; it is reopened here so
     * the per-run datasets can attach it. */
    if (!failed &&
        (run_scale = H5Dopen2(scenario->group, "run", H5P_DEFAULT)) < 0)
        failed = "run";
    const hsize_t months = (hsize_t)output->n_months;
    const hsize_t months_per_chunk = months < 12 ? months : 12;
    const hsize_t stages = (hsize_t)output->n_stages;
    const hsize_t ages = (hsize_t)output->n_ages;
    const hsize_t lines = (hsize_t)output->n_cost_lines;
    const hsize_t limited = (hsize_t)output->n_capacity;
    runs_dataset table[] = {
        {"stocks",
         1,
         4,
         {0, months, stages, ages},
         {1, months_per_chunk, stages, ages},
         {-1, scenario->axis[CS_AXIS_MONTH], scenario->axis[CS_AXIS_STAGE],
          scenario->axis[CS_AXIS_AGE]},
         {"run", "month", "stage", "age"},
         "children",
         "children in each stage and single year of age at the end of each "
         "month, per run",
         &scenario->stocks},
        {"flows",
         1,
         3,
         {0, months, (hsize_t)output->n_transitions},
         {1, months, (hsize_t)output->n_transitions},
         {-1, scenario->axis[CS_AXIS_MONTH],
          scenario->axis[CS_AXIS_TRANSITION]},
         {"run", "month", "transition"},
         "children per month",
         "children moved by each transition during each month, per run",
         &scenario->flows},
        {"costs",
         lines > 0,
         3,
         {0, months, lines},
         {1, months, lines},
         {-1, scenario->axis[CS_AXIS_MONTH], scenario->axis[CS_AXIS_COST_LINE]},
         {"run", "month", "cost_line"},
         "GBP (cash) per month",
         "spend on each cost line during each month (children at the end of "
         "the month x cash unit cost), per run; divide by deflator for "
         "constant prices",
         &scenario->costs},
        {"spend",
         1,
         3,
         {0, months, 2},
         {1, months, 2},
         {-1, scenario->axis[CS_AXIS_MONTH], scenario->axis[CS_AXIS_SPEND]},
         {"run", "month", "intervention"},
         "GBP (cash) per month",
         "early- and late-intervention spend during each month (sums of "
         "costs over cost lines), per run",
         &scenario->spend},
        {"capacity",
         limited > 0,
         4,
         {0, months, limited, 3},
         {1, months, limited, 3},
         {-1, scenario->axis[CS_AXIS_MONTH],
          scenario->axis[CS_AXIS_CAPACITY_STAGE],
          scenario->axis[CS_AXIS_CAPACITY_MEASURE]},
         {"run", "month", "capacity_stage", "capacity_measure"},
         "children (places)",
         "for each stage with limited places: places available, children in "
         "it at the end of the month and children turned away during the "
         "month, per run",
         &scenario->capacity},
        {"budget",
         info->has_budget && output->has_budget,
         3,
         {0, months, CS_BUDGET_MEASURES},
         {1, months, CS_BUDGET_MEASURES},
         {-1, scenario->axis[CS_AXIS_MONTH],
          scenario->axis[CS_AXIS_BUDGET_MEASURE]},
         {"run", "month", "budget_measure"},
         "GBP (cash) per month; reserves: GBP (cash) at the end of the month",
         "the scenario's budget month by month, per run: its cash, the "
         "statutory spend it paid first, the planned and paid cash of the "
         "funding streams it pays, and the reserves left",
         &scenario->budget},
        {"care_leavers",
         info->has_care_leavers,
         2,
         {0, months},
         {1, months},
         {-1, scenario->axis[CS_AXIS_MONTH]},
         {"run", "month"},
         "young people",
         "care leavers supported at the end of each month (its care_leavers: "
         "those who reached 18 in its stages within the support window, and "
         "those supported at the base date), per run",
         &scenario->care_leavers},
    };
    for (size_t i = 0; !failed && i < sizeof table / sizeof table[0]; i++) {
        runs_dataset *d = &table[i];
        if (!d->present)
            continue;
        d->shape[0] = (hsize_t)n_runs;
        d->scales[0] = run_scale;
        *d->handle = create_runs_dataset(scenario->group, d->name, d->rank,
                                         d->shape, d->chunk, d->scales,
                                         d->labels, d->units, d->description,
                                         cs_output_compresses(output, n_runs));
        if (*d->handle < 0)
            failed = d->name;
    }
    cs_h5_close(run_scale);
    if (failed)
        return cs_h5_error(err, CS_EIO, "creating scenario '%s' (%s) in %s",
                           name, failed, output->path);
    return CS_OK;
}

int cs_output_add_scenario(cs_output *output, const char *name,
                           const cs_output_scenario_info *info, int n_runs,
                           int *scenario_index, cs_error *err)
{
    int status = check_scenario_name(output, name, err);
    if (status != CS_OK)
        return status;
    if (!info)
        return cs_error_set(err, CS_EINPUT,
                            "scenario '%s': no scenario information", name);
    if (!(info->discount_rate >= 0 && info->discount_rate < 1))
        return cs_error_set(err, CS_EINPUT,
                            "scenario '%s': discount rate %g: expected a "
                            "fraction a year from 0 to below 1",
                            name, info->discount_rate);
    if (n_runs < 1 || n_runs > CS_OUTPUT_MAX_RUNS)
        return cs_error_set(err, CS_EINPUT,
                            "scenario '%s' needs from 1 to %d runs (got %d)",
                            name, CS_OUTPUT_MAX_RUNS, n_runs);
    if (info->figures &&
        (status = cs_output_check_figures(info->figures, err)) != CS_OK)
        return status;
    status =
        cs_output_check_space(output->path, n_runs, output->run_values, err);
    if (status != CS_OK)
        return status;
    if (output->n_scenarios == output->scenario_capacity) {
        int capacity =
            output->scenario_capacity ? 2 * output->scenario_capacity : 4;
        cs_output_scenario *grown = realloc(
            output->scenarios, (size_t)capacity * sizeof *output->scenarios);
        if (!grown)
            return cs_error_set(err, CS_ENOMEM, "out of memory");
        output->scenarios = grown;
        output->scenario_capacity = capacity;
    }
    cs_output_scenario *scenario = &output->scenarios[output->n_scenarios];
    *scenario = (cs_output_scenario){.name = copy_string(name),
                                     .n_runs = n_runs,
                                     .group = -1,
                                     .stocks = -1,
                                     .flows = -1,
                                     .run_done = -1,
                                     .costs = -1,
                                     .spend = -1,
                                     .capacity = -1,
                                     .budget = -1,
                                     .care_leavers = -1,
                                     .params = -1};
    for (int a = 0; a < CS_N_AXES; a++)
        scenario->axis[a] = -1;
    if (!scenario->name)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    /* Counted from here on, so close_handles sees whatever was opened. */
    output->n_scenarios++;

    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    status = add_scenario(output, name, info, n_runs, scenario, err);
    cs_h5_quiet_end(&quiet);
    if (status != CS_OK)
        output->failed = 1;
    else
        *scenario_index = output->n_scenarios - 1;
    return status;
}

static hid_t write_matrix(hid_t group, const char *name, int rank,
                          const hsize_t *shape, const double *values)
{
    hid_t space = H5Screate_simple(rank, shape, NULL);
    hid_t dataset = space < 0
                        ? -1
                        : H5Dcreate2(group, name, H5T_IEEE_F64LE, space,
                                     H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (dataset >= 0 && H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                 H5P_DEFAULT, values) < 0) {
        cs_h5_close(dataset);
        dataset = -1;
    }
    cs_h5_close(space);
    return dataset;
}

int cs_output_set_prices(cs_output *output, int scenario_index,
                         const double *unit_costs, const double *deflator,
                         const char *price_base, cs_error *err)
{
    if (scenario_index < 0 || scenario_index >= output->n_scenarios)
        return cs_error_set(err, CS_EINPUT, "no scenario %d in %s (it has %d)",
                            scenario_index, output->path, output->n_scenarios);
    cs_output_scenario *scenario = &output->scenarios[scenario_index];
    if (scenario->group < 0)
        return cs_error_set(err, CS_EFAIL,
                            "scenario '%s' was not created successfully",
                            scenario->name);
    char units[96];
    snprintf(units, sizeof units, "cash / constant %s prices", price_base);
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    const char *failed = NULL;
    hsize_t months = (hsize_t)output->n_months;
    hid_t month_scale =
        cs_output_scenario_axis(output, scenario, CS_AXIS_MONTH, -1);
    hid_t d = write_matrix(scenario->group, "deflator", 1, &months, deflator);
    static const char *const month_label[1] = {"month"};
    if (d < 0 || cs_h5_attr_string(d, "units", units) < 0 ||
        cs_h5_attr_string(d, "price_base", price_base) < 0 ||
        cs_h5_attr_string(d, "description",
                          "general price index by month: divide cash by it "
                          "for constant prices of the price base year") < 0 ||
        cs_output_attach_scales(d, 1, &month_scale, month_label) < 0)
        failed = "deflator";
    cs_h5_close(d);
    if (!failed && output->n_cost_lines > 0) {
        const hsize_t shape[2] = {months, (hsize_t)output->n_cost_lines};
        const hid_t scales[2] = {
            month_scale,
            cs_output_scenario_axis(output, scenario, CS_AXIS_COST_LINE, -1)};
        static const char *const labels[2] = {"month", "cost_line"};
        hid_t u =
            write_matrix(scenario->group, "unit_costs", 2, shape, unit_costs);
        if (u < 0 ||
            cs_h5_attr_string(u, "units", "GBP (cash) per child-month") < 0 ||
            cs_h5_attr_string(u, "description",
                              "cash cost of one child for one month on each "
                              "cost line, by month") < 0 ||
            cs_output_attach_scales(u, 2, scales, labels) < 0)
            failed = "unit_costs";
        cs_h5_close(u);
    }
    int status = CS_OK;
    if (failed) {
        status = cs_h5_error(err, CS_EIO, "writing %s of scenario '%s' to %s",
                             failed, scenario->name, output->path);
        output->failed = 1;
    }
    cs_h5_quiet_end(&quiet);
    return status;
}

/* Write rows first, first + stride, ... (count of them) of dataset from
 * values, one row after another; count 0 (a rank with nothing to write in
 * a collective round) selects nothing. */
static herr_t write_rows(const cs_output *output, hid_t dataset, int rank,
                         const hsize_t *shape, int first, int stride, int count,
                         const void *values, hid_t mem_type)
{
    herr_t status = -1;
    hsize_t start[4] = {(hsize_t)first, 0, 0, 0};
    hsize_t step[4] = {(hsize_t)(stride > 0 ? stride : 1), 1, 1, 1};
    hsize_t n[4] = {(hsize_t)(count > 0 ? count : 1), 1, 1, 1};
    hsize_t block[4] = {1, 1, 1, 1};
    for (int i = 1; i < rank; i++)
        block[i] = shape[i];
    hsize_t memory_shape[4] = {n[0], block[1], block[2], block[3]};
    hid_t file_space = H5Dget_space(dataset);
    hid_t memory_space = H5Screate_simple(rank, memory_shape, NULL);
    herr_t selected =
        count <= 0
            ? (H5Sselect_none(file_space) < 0 ? -1
                                              : H5Sselect_none(memory_space))
            : H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, step, n,
                                  block);
    if (file_space >= 0 && memory_space >= 0 && selected >= 0 &&
        H5Dwrite(dataset, mem_type, memory_space, file_space, output->dxpl,
                 values) >= 0)
        status = 0;
    cs_h5_close(memory_space);
    cs_h5_close(file_space);
    return status;
}

static herr_t write_run_rows(const cs_output *output, hid_t dataset, int rank,
                             const hsize_t *shape, int run, const void *values,
                             hid_t mem_type)
{
    return write_rows(output, dataset, rank, shape, run, 1, 1, values,
                      mem_type);
}

int cs_output_write_run(cs_output *output, int scenario_index, int run,
                        const double *stocks, const double *flows,
                        const double *costs, const double *spend, cs_error *err)
{
    if (run < 0)
        return cs_error_set(err, CS_EINPUT, "run %d is out of range", run);
    return cs_output_write_runs(output, scenario_index, run, 1, 1, NULL, NULL,
                                stocks, flows, costs, spend, err);
}

int cs_output_add_parameters(cs_output *output, int scenario_index, int n,
                             const char *const *names,
                             const char *const *distributions, int drawn,
                             cs_error *err)
{
    if (scenario_index < 0 || scenario_index >= output->n_scenarios || n < 1)
        return cs_error_set(err, CS_EINPUT,
                            "no scenario %d in %s, or no parameters",
                            scenario_index, output->path);
    cs_output_scenario *scenario = &output->scenarios[scenario_index];
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    const char *failed = NULL;
    hid_t scale = cs_h5_dataset_strings(scenario->group, "parameter", n, names);
    hid_t dists = cs_h5_dataset_strings(
        scenario->group, "parameter_distribution", n, distributions);
    hid_t run_scale = H5Dopen2(scenario->group, "run", H5P_DEFAULT);
    static const char *const parameter_label[1] = {"parameter"};
    if (make_scale(scale, "parameter",
                   "uncertain parameter: its path in the scenario") < 0 ||
        dists < 0 ||
        cs_h5_attr_string(dists, "description",
                          "each parameter's distribution, aligned with "
                          "parameter") < 0 ||
        cs_output_attach_scales(dists, 1, &scale, parameter_label) < 0 ||
        run_scale < 0)
        failed = "parameter";
    if (!failed) {
        const hsize_t shape[2] = {(hsize_t)scenario->n_runs, (hsize_t)n};
        const hsize_t chunk[2] = {1, (hsize_t)n};
        const hid_t scales[2] = {run_scale, scale};
        static const char *const labels[2] = {"run", "parameter"};
        scenario->params = create_runs_dataset(
            scenario->group, "params", 2, shape, chunk, scales, labels,
            "the parameter's own units (as in the scenario file)",
            drawn ? "each run's draw of each uncertain parameter"
                  : "each run's value of each uncertain parameter: its mean "
                    "(run without parameter uncertainty)",
            cs_output_compresses(output, scenario->n_runs));
        scenario->n_params = n;
        if (scenario->params < 0)
            failed = "params";
    }
    cs_h5_close(run_scale);
    cs_h5_close(dists);
    cs_h5_close(scale);
    int status = CS_OK;
    if (failed) {
        status = cs_h5_error(err, CS_EIO, "writing %s of scenario '%s' to %s",
                             failed, scenario->name, output->path);
        output->failed = 1;
    }
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_output_write_params(cs_output *output, int scenario_index, int run,
                           const double *values, cs_error *err)
{
    if (scenario_index < 0 || scenario_index >= output->n_scenarios)
        return cs_error_set(err, CS_EINPUT, "no scenario %d in %s",
                            scenario_index, output->path);
    cs_output_scenario *scenario = &output->scenarios[scenario_index];
    if (run < 0 || run >= scenario->n_runs || scenario->params < 0)
        return cs_error_set(err, CS_EINPUT,
                            "run %d of scenario '%s': no params dataset", run,
                            scenario->name);
    const hsize_t shape[2] = {(hsize_t)scenario->n_runs,
                              (hsize_t)scenario->n_params};
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    int status = CS_OK;
    if (write_run_rows(output, scenario->params, 2, shape, run, values,
                       H5T_NATIVE_DOUBLE) < 0) {
        status = cs_h5_error(err, CS_EIO,
                             "writing parameters of run %d of scenario '%s' "
                             "to %s",
                             run, scenario->name, output->path);
        output->failed = 1;
    }
    cs_h5_quiet_end(&quiet);
    return status;
}

/*
 * Runs first, first + stride, ... (count of them) of one of a scenario's
 * [run, month] or [run, month, tail] datasets (tail 0: the first), the
 * runs' rows one after another in values. record, dataset and noun name
 * it in the messages ("budget record", "budget", "budget").
 */
static int write_month_rows(cs_output *output,
                            const cs_output_scenario *scenario, hid_t rows,
                            hsize_t tail, int first, int stride, int count,
                            const double *values, const char *record,
                            const char *dataset, const char *noun,
                            cs_error *err)
{
    long last = (long)first + (long)(count - 1) * (stride > 0 ? stride : 1);
    if (!values || rows < 0 ||
        (count > 0 && (first < 0 || last >= scenario->n_runs)))
        return cs_error_set(err, CS_EINPUT,
                            "runs from %d of scenario '%s': no %s to write, "
                            "no %s dataset, or out of range",
                            first, scenario->name, record, dataset);
    const hsize_t shape[3] = {(hsize_t)scenario->n_runs,
                              (hsize_t)output->n_months, tail};
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    int status = CS_OK;
    /* count 0: a rank with nothing to write in a collective round */
    if (write_rows(output, rows, tail > 0 ? 3 : 2, shape, first, stride, count,
                   values, H5T_NATIVE_DOUBLE) < 0) {
        status = cs_h5_error(err, CS_EIO,
                             "writing the %s of runs from %d of scenario '%s' "
                             "to %s",
                             noun, first, scenario->name, output->path);
        output->failed = 1;
    }
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_output_write_budget(cs_output *output, int scenario_index, int first,
                           int stride, int count, const double *budget,
                           cs_error *err)
{
    if (scenario_index < 0 || scenario_index >= output->n_scenarios)
        return cs_error_set(err, CS_EINPUT, "no scenario %d in %s (it has %d)",
                            scenario_index, output->path, output->n_scenarios);
    const cs_output_scenario *scenario = &output->scenarios[scenario_index];
    return write_month_rows(output, scenario, scenario->budget,
                            CS_BUDGET_MEASURES, first, stride, count, budget,
                            "budget record", "budget", "budget", err);
}

int cs_output_write_care_leavers(cs_output *output, int scenario_index,
                                 int first, int stride, int count,
                                 const double *care_leavers, cs_error *err)
{
    if (scenario_index < 0 || scenario_index >= output->n_scenarios)
        return cs_error_set(err, CS_EINPUT, "no scenario %d in %s (it has %d)",
                            scenario_index, output->path, output->n_scenarios);
    const cs_output_scenario *scenario = &output->scenarios[scenario_index];
    return write_month_rows(output, scenario, scenario->care_leavers, 0, first,
                            stride, count, care_leavers, "care leavers",
                            "care_leavers", "care leavers", err);
}

int cs_output_write_capacity(cs_output *output, int scenario_index, int run,
                             const double *capacity, cs_error *err)
{
    if (scenario_index < 0 || scenario_index >= output->n_scenarios)
        return cs_error_set(err, CS_EINPUT, "no scenario %d in %s (it has %d)",
                            scenario_index, output->path, output->n_scenarios);
    cs_output_scenario *scenario = &output->scenarios[scenario_index];
    if (run < 0 || run >= scenario->n_runs || !capacity ||
        scenario->capacity < 0)
        return cs_error_set(err, CS_EINPUT,
                            "run %d of scenario '%s': no capacity record to "
                            "write, or no capacity dataset",
                            run, scenario->name);
    const hsize_t shape[4] = {(hsize_t)scenario->n_runs,
                              (hsize_t)output->n_months,
                              (hsize_t)output->n_capacity, 3};
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    int status = CS_OK;
    if (write_run_rows(output, scenario->capacity, 4, shape, run, capacity,
                       H5T_NATIVE_DOUBLE) < 0) {
        status = cs_h5_error(err, CS_EIO,
                             "writing capacity of run %d of scenario '%s' "
                             "to %s",
                             run, scenario->name, output->path);
        output->failed = 1;
    }
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_output_write_runs(cs_output *output, int scenario_index, int first,
                         int stride, int count, const double *params,
                         const double *capacity, const double *stocks,
                         const double *flows, const double *costs,
                         const double *spend, cs_error *err)
{
    if (scenario_index < 0 || scenario_index >= output->n_scenarios)
        return cs_error_set(err, CS_EINPUT, "no scenario %d in %s (it has %d)",
                            scenario_index, output->path, output->n_scenarios);
    cs_output_scenario *scenario = &output->scenarios[scenario_index];
    long last = (long)first + (long)(count - 1) * (stride > 0 ? stride : 1);
    if (count > 0 && (first < 0 || last >= scenario->n_runs))
        return cs_error_set(err, CS_EINPUT,
                            "run %d is out of range for scenario '%s' (0..%d)",
                            count == 1 ? first : (int)last, scenario->name,
                            scenario->n_runs - 1);
    if (!stocks || !flows || !spend || (output->n_cost_lines > 0 && !costs))
        return cs_error_set(err, CS_EINPUT,
                            "run %d of scenario '%s': no stocks, flows, costs "
                            "or spend",
                            first, scenario->name);
    if (scenario->stocks < 0)
        return cs_error_set(err, CS_EFAIL,
                            "scenario '%s' was not created successfully",
                            scenario->name);
    const hsize_t stock_shape[4] = {
        (hsize_t)scenario->n_runs, (hsize_t)output->n_months,
        (hsize_t)output->n_stages, (hsize_t)output->n_ages};
    const hsize_t flow_shape[3] = {(hsize_t)scenario->n_runs,
                                   (hsize_t)output->n_months,
                                   (hsize_t)output->n_transitions};
    const hsize_t cost_shape[3] = {(hsize_t)scenario->n_runs,
                                   (hsize_t)output->n_months,
                                   (hsize_t)output->n_cost_lines};
    const hsize_t spend_shape[3] = {(hsize_t)scenario->n_runs,
                                    (hsize_t)output->n_months, 2};
    const hsize_t params_shape[2] = {(hsize_t)scenario->n_runs,
                                     (hsize_t)scenario->n_params};
    const hsize_t capacity_shape[4] = {(hsize_t)scenario->n_runs,
                                       (hsize_t)output->n_months,
                                       (hsize_t)output->n_capacity, 3};
    unsigned char done[1024];
    for (int i = 0; i < count && i < 1024; i++)
        done[i] = 1;
    if (count > 1024)
        return cs_error_set(err, CS_EINPUT, "at most 1024 runs a call");
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    int status = CS_OK;
    /* run_done last: a run marked done is completely written. */
    if ((scenario->params >= 0 && params &&
         write_rows(output, scenario->params, 2, params_shape, first, stride,
                    count, params, H5T_NATIVE_DOUBLE) < 0) ||
        (scenario->capacity >= 0 && capacity &&
         write_rows(output, scenario->capacity, 4, capacity_shape, first,
                    stride, count, capacity, H5T_NATIVE_DOUBLE) < 0) ||
        write_rows(output, scenario->stocks, 4, stock_shape, first, stride,
                   count, stocks, H5T_NATIVE_DOUBLE) < 0 ||
        write_rows(output, scenario->flows, 3, flow_shape, first, stride, count,
                   flows, H5T_NATIVE_DOUBLE) < 0 ||
        (scenario->costs >= 0 &&
         write_rows(output, scenario->costs, 3, cost_shape, first, stride,
                    count, costs, H5T_NATIVE_DOUBLE) < 0) ||
        write_rows(output, scenario->spend, 3, spend_shape, first, stride,
                   count, spend, H5T_NATIVE_DOUBLE) < 0 ||
        write_rows(output, scenario->run_done, 1, flow_shape, first, stride,
                   count, done, H5T_NATIVE_UCHAR) < 0) {
        if (count == 1)
            status = cs_h5_error(err, CS_EIO,
                                 "writing run %d of scenario '%s' to %s", first,
                                 scenario->name, output->path);
        else
            status = cs_h5_error(err, CS_EIO,
                                 "writing runs %d to %ld of scenario '%s' to "
                                 "%s",
                                 first, last, scenario->name, output->path);
        output->failed = 1;
    }
    cs_h5_quiet_end(&quiet);
    return status;
}

/* fsync a file or directory by path; directories may refuse (EINVAL). */
static int sync_path(const char *path, int is_directory)
{
    int fd = open(path, is_directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return -1;
    int result = fsync(fd);
    if (result != 0 && is_directory && (errno == EINVAL || errno == EBADF))
        result = 0;
    close(fd);
    return result;
}

int cs_output_close(cs_output *output, cs_error *err)
{
    if (!output)
        return cs_error_set(err, CS_EINPUT, "no output to close");
    if (output->failed) {
        int status = cs_error_set(err, CS_EIO,
                                  "not saving %s: an earlier write to it "
                                  "failed; any earlier file there is kept",
                                  output->path);
        cs_output_abort(output);
        return status;
    }
    if (output->parallel) {
        /* one rank's share: rank 0 adopts the file to finish it */
        char *tmp_path = NULL;
        int status = cs_output_detach(output, &tmp_path, err);
        free(tmp_path);
        return status;
    }
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    int status = CS_OK;
    for (int i = 0; i < output->n_scenarios && status == CS_OK; i++)
        status = cs_output_write_summary(output, &output->scenarios[i], err);
    if (status == CS_OK && H5Fflush(output->file, H5F_SCOPE_GLOBAL) < 0)
        status =
            cs_h5_error(err, CS_EIO, "flushing %s (disk full?)", output->path);
    close_handles(output);
    if (status == CS_OK) {
        herr_t closed = H5Fclose(output->file);
        output->file = -1;
        if (closed < 0)
            status = cs_h5_error(err, CS_EIO, "closing %s (disk full?)",
                                 output->path);
    }
    cs_h5_quiet_end(&quiet);

    if (status == CS_OK && sync_path(output->tmp_path, 0) != 0)
        status = cs_error_set(err, CS_EIO, "syncing %s to disk: %s",
                              output->tmp_path, strerror(errno));
    if (status == CS_OK && rename(output->tmp_path, output->path) != 0)
        status = cs_error_set(err, CS_EIO, "renaming %s to %s: %s",
                              output->tmp_path, output->path, strerror(errno));
    if (status != CS_OK) {
        cs_output_abort(output);
        return status;
    }
    /* Make the rename itself durable; the file is in place either way. */
    char *directory = directory_of(output->path);
    if (directory)
        sync_path(directory, 1);
    free(directory);
    free_output(output);
    return CS_OK;
}

void cs_output_abort(cs_output *output)
{
    if (!output)
        return;
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    discard(output);
    cs_h5_quiet_end(&quiet);
}

/* ---- reopening a finished file to add runs ------------------------------ */

/* Open dataset name of loc if it exists (else -1, not an error). */
static hid_t open_if_present(hid_t loc, const char *name, hid_t dapl)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return -1;
    return H5Dopen2(loc, name, dapl);
}

/* Extent of dimension dim of dataset, or -1. */
static long extent(hid_t dataset, int dim)
{
    hsize_t shape[8];
    hid_t space = dataset >= 0 ? H5Dget_space(dataset) : -1;
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    long n = -1;
    if (rank > dim && rank <= 8 &&
        H5Sget_simple_extent_dims(space, shape, NULL) >= 0)
        n = (long)shape[dim];
    cs_h5_close(space);
    return n;
}

static int reopen_scenario(cs_output *output, hid_t scenarios, hsize_t index,
                           hid_t dapl)
{
    char name[256];
    ssize_t length =
        H5Lget_name_by_idx(scenarios, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC,
                           index, name, sizeof name, H5P_DEFAULT);
    if (length <= 0 || (size_t)length >= sizeof name)
        return -1;
    if (output->n_scenarios == output->scenario_capacity) {
        int capacity =
            output->scenario_capacity ? 2 * output->scenario_capacity : 4;
        cs_output_scenario *grown = realloc(
            output->scenarios, (size_t)capacity * sizeof *output->scenarios);
        if (!grown)
            return -1;
        output->scenarios = grown;
        output->scenario_capacity = capacity;
    }
    cs_output_scenario *s = &output->scenarios[output->n_scenarios];
    *s = (cs_output_scenario){.name = copy_string(name),
                              .group = -1,
                              .stocks = -1,
                              .flows = -1,
                              .run_done = -1,
                              .costs = -1,
                              .spend = -1,
                              .capacity = -1,
                              .budget = -1,
                              .care_leavers = -1,
                              .params = -1};
    for (int a = 0; a < CS_N_AXES; a++)
        s->axis[a] = -1;
    if (!s->name)
        return -1;
    output->n_scenarios++;
    long long n_runs = 0;
    s->group = H5Gopen2(scenarios, name, H5P_DEFAULT);
    if (s->group < 0 || cs_h5_read_attr_int(s->group, "n_runs", &n_runs) < 0 ||
        n_runs < 1 || n_runs > CS_OUTPUT_MAX_RUNS)
        return -1;
    s->n_runs = (int)n_runs;
    s->stocks = H5Dopen2(s->group, "stocks", dapl);
    s->flows = H5Dopen2(s->group, "flows", dapl);
    s->run_done = H5Dopen2(s->group, "run_done", H5P_DEFAULT);
    s->spend = H5Dopen2(s->group, "spend", dapl);
    s->costs = open_if_present(s->group, "costs", dapl);
    s->capacity = open_if_present(s->group, "capacity", dapl);
    s->params = open_if_present(s->group, "params", dapl);
    s->budget = open_if_present(s->group, "budget", dapl);
    s->care_leavers = open_if_present(s->group, "care_leavers", dapl);
    if (s->params >= 0)
        s->n_params = (int)extent(s->params, 1);
    if (s->stocks < 0 || s->flows < 0 || s->run_done < 0 || s->spend < 0 ||
        extent(s->stocks, 0) != n_runs || extent(s->run_done, 0) != n_runs ||
        (output->n_cost_lines > 0) != (s->costs >= 0) ||
        (output->n_capacity > 0) != (s->capacity >= 0) ||
        (s->budget >= 0 && !output->has_budget) ||
        (s->params >= 0 && s->n_params < 1))
        return -1;
    return 0;
}

/* A cs_output for path whose file is the existing tmp_path, not yet open. */
static cs_output *new_output(const char *tmp_path, const char *path)
{
    cs_output *output = calloc(1, sizeof *output);
    if (!output)
        return NULL;
    output->file = -1;
    output->dxpl = H5P_DEFAULT;
    output->scale_month = output->scale_stage = output->scale_age =
        output->scale_transition = output->scale_quantile =
            output->scale_cost_line = output->scale_spend =
                output->scale_capacity = output->scale_capacity_measure =
                    output->scale_budget_measure = -1;
    output->path = copy_string(path);
    output->tmp_path = copy_string(tmp_path);
    if (!output->path || !output->tmp_path) {
        free_output(output);
        return NULL;
    }
    return output;
}

/*
 * Open output->tmp_path, a finished cascade file, for adding runs: its
 * dims, scenarios and datasets. fapl says how (MPI-IO or not). `shown` is
 * the name for messages. On failure output is left for the caller to
 * discard.
 */
static int open_existing(cs_output *output, const char *shown, hid_t fapl,
                         cs_error *err)
{
    hid_t dims = -1, scenarios = -1;
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    const char *failed = NULL;
    if (fapl >= 0)
        output->file = H5Fopen(output->tmp_path, H5F_ACC_RDWR, fapl);
    if (output->file < 0 || dapl < 0 ||
        H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0,
                           H5D_CHUNK_CACHE_W0_DEFAULT) < 0 ||
        (dims = H5Gopen2(output->file, "dims", H5P_DEFAULT)) < 0) {
        failed = "opening it";
        goto done;
    }
    output->scale_month = H5Dopen2(dims, "month", H5P_DEFAULT);
    output->scale_stage = H5Dopen2(dims, "stage", H5P_DEFAULT);
    output->scale_age = H5Dopen2(dims, "age", H5P_DEFAULT);
    output->scale_transition = H5Dopen2(dims, "transition", H5P_DEFAULT);
    output->scale_quantile = H5Dopen2(dims, "quantile", H5P_DEFAULT);
    output->scale_spend = H5Dopen2(dims, "spend", H5P_DEFAULT);
    output->scale_cost_line = open_if_present(dims, "cost_line", H5P_DEFAULT);
    output->scale_capacity =
        open_if_present(dims, "capacity_stage", H5P_DEFAULT);
    output->scale_capacity_measure =
        open_if_present(dims, "capacity_measure", H5P_DEFAULT);
    output->scale_budget_measure =
        open_if_present(dims, "budget_measure", H5P_DEFAULT);
    output->has_budget = output->scale_budget_measure >= 0;
    output->n_months = (int)extent(output->scale_month, 0);
    output->n_stages = (int)extent(output->scale_stage, 0);
    output->n_ages = (int)extent(output->scale_age, 0);
    output->n_transitions = (int)extent(output->scale_transition, 0);
    output->n_cost_lines = output->scale_cost_line < 0
                               ? 0
                               : (int)extent(output->scale_cost_line, 0);
    output->n_capacity =
        output->scale_capacity < 0 ? 0 : (int)extent(output->scale_capacity, 0);
    if (output->n_months < 1 || output->n_stages < 1 || output->n_ages < 1 ||
        output->n_transitions < 1 || output->scale_quantile < 0 ||
        output->scale_spend < 0 || output->n_cost_lines < 0 ||
        output->n_capacity < 0) {
        failed = "reading /dims";
        goto done;
    }
    long long format = 0;
    if (cs_h5_read_attr_int(output->file, "format_version", &format) < 0 ||
        format < 1 || format > CS_OUTPUT_FORMAT_VERSION) {
        failed = "reading format_version";
        goto done;
    }
    output->format = (int)format;
    cs_output_dims counts = {.n_months = output->n_months,
                             .n_stages = output->n_stages,
                             .n_ages = output->n_ages,
                             .n_transitions = output->n_transitions,
                             .n_cost_lines = output->n_cost_lines,
                             .n_capacity = output->n_capacity};
    output->run_values = cs_output_run_values(&counts);
    H5G_info_t info;
    scenarios = H5Gopen2(output->file, "scenarios", H5P_DEFAULT);
    if (scenarios < 0 || H5Gget_info(scenarios, &info) < 0 || info.nlinks < 1) {
        failed = "reading /scenarios";
        goto done;
    }
    for (hsize_t i = 0; i < info.nlinks && !failed; i++)
        if (reopen_scenario(output, scenarios, i, dapl) < 0)
            failed = "reading a scenario group";
    /* comparisons were of the runs there were; they would be stale */
    if (!failed && H5Lexists(output->file, "compare", H5P_DEFAULT) > 0 &&
        H5Ldelete(output->file, "compare", H5P_DEFAULT) < 0)
        failed = "removing /compare";
done:
    cs_h5_close(scenarios);
    cs_h5_close(dims);
    cs_h5_close(dapl);
    if (failed)
        return cs_h5_error(err, CS_EINPUT, "%s: %s as a cascade output", shown,
                           failed);
    return CS_OK;
}

int cs_output_reopen(const char *from, const char *path, int force,
                     cs_output **out, cs_error *err)
{
    *out = NULL;
    if (!from || !path || !path[0])
        return cs_error_set(err, CS_EINPUT, "no output file given");
    if (!cs_output_is_cascade_file(from))
        return cs_error_set(err, CS_EINPUT,
                            "%s: not a cascade output file (no "
                            "format_version and cascade_version attributes)",
                            from);
    char *tmp_path = NULL;
    int status = temporary_name(path, &tmp_path, err);
    if (status == CS_OK)
        status = check_directory(path, err);
    if (status == CS_OK && strcmp(from, path) != 0)
        status = check_existing(path, force, err);
    if (status != CS_OK) {
        free(tmp_path);
        return status;
    }
    status = cs_output_copy_file(from, tmp_path, err);
    if (status != CS_OK) {
        if (status != CS_EINPUT) /* the copy may exist in part */
            unlink(tmp_path);
        free(tmp_path);
        return status;
    }
    cs_output *output = new_output(tmp_path, path);
    if (!output) {
        unlink(tmp_path);
        free(tmp_path);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    free(tmp_path);
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    hid_t fapl = file_access_properties();
    status = open_existing(output, from, fapl, err);
    cs_h5_close(fapl);
    if (status != CS_OK)
        discard(output); /* deletes the copy */
    else
        *out = output;
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_output_adopt(const char *tmp_path, const char *path,
                    const void *mpi_comm, cs_output **out, cs_error *err)
{
    *out = NULL;
#if !CASCADE_MPI
    if (mpi_comm)
        return cs_error_set(err, CS_EFAIL,
                            "this cascade was built without MPI");
#endif
    cs_output *output = new_output(tmp_path, path);
    if (!output)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    hid_t fapl = file_access_properties();
    int status = CS_OK;
#if CASCADE_MPI
    if (mpi_comm) {
        output->parallel = 1;
        output->dxpl = H5Pcreate(H5P_DATASET_XFER);
        if (fapl < 0 || output->dxpl < 0 ||
            H5Pset_fapl_mpio(fapl, *(const MPI_Comm *)mpi_comm, MPI_INFO_NULL) <
                0 ||
            H5Pset_dxpl_mpio(output->dxpl, H5FD_MPIO_COLLECTIVE) < 0)
            status = cs_h5_error(err, CS_EFAIL, "setting up MPI-IO for %s",
                                 tmp_path);
    }
#endif
    if (status == CS_OK)
        status = open_existing(output, tmp_path, fapl, err);
    cs_h5_close(fapl);
    if (status != CS_OK) {
        free(output->tmp_path); /* the caller's file: not deleted here */
        output->tmp_path = NULL;
        discard(output);
    } else {
        *out = output;
    }
    cs_h5_quiet_end(&quiet);
    return status;
}

int cs_output_detach(cs_output *output, char **tmp_path, cs_error *err)
{
    *tmp_path = NULL;
    if (output->failed) {
        int status = cs_error_set(err, CS_EIO,
                                  "not saving %s: an earlier write to it "
                                  "failed",
                                  output->path);
        cs_output_abort(output);
        return status;
    }
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    int status = CS_OK;
    if (H5Fflush(output->file, H5F_SCOPE_GLOBAL) < 0)
        status =
            cs_h5_error(err, CS_EIO, "flushing %s (disk full?)", output->path);
    close_handles(output);
    if (H5Fclose(output->file) < 0 && status == CS_OK)
        status =
            cs_h5_error(err, CS_EIO, "closing %s (disk full?)", output->path);
    output->file = -1;
    cs_h5_quiet_end(&quiet);
    if (status != CS_OK) {
        discard(output);
        return status;
    }
    *tmp_path = output->tmp_path;
    output->tmp_path = NULL;
    free_output(output);
    return CS_OK;
}

const char *cs_output_tmp_path(const cs_output *output)
{
    return output->tmp_path;
}

void cs_output_set_threads(cs_output *output, int threads)
{
    if (output)
        output->threads = threads < 1 ? 1 : threads;
}

int cs_output_find_scenario(const cs_output *output, const char *name)
{
    for (int i = 0; i < output->n_scenarios; i++)
        if (strcmp(output->scenarios[i].name, name) == 0)
            return i;
    return -1;
}

int cs_output_n_runs(const cs_output *output, int scenario_index)
{
    if (scenario_index < 0 || scenario_index >= output->n_scenarios)
        return 0;
    return output->scenarios[scenario_index].n_runs;
}
