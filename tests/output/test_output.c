/*
 * test_output.c - the HDF5 output file: round trips bit for bit, the
 * self-describing layout (attributes, dimension scales), summaries against
 * a direct computation, the safety rules (refuse foreign files, atomic
 * replace, abort, clear errors) and the reader's handling of bad files.
 *
 * Every test works in its own temporary directory and removes it.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CASCADE_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CASCADE_LSAN 1
#endif
#ifdef CASCADE_LSAN
#include <sanitizer/lsan_interface.h>
#define LSAN_DISABLE() __lsan_disable()
#define LSAN_ENABLE() __lsan_enable()
#else
#define LSAN_DISABLE() ((void)0)
#define LSAN_ENABLE() ((void)0)
#endif
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "cascade/output.h"

/* A scenario's information: its text and the Green Book discount rate. */
#define INFO(text)                                                             \
    (&(cs_output_scenario_info){.yaml = (text), .discount_rate = 0.035})

/* ---- fixtures ------------------------------------------------------------ */

/* 14 months: one full chunk row of 12 and a partial one. */
#define N_MONTHS 14
#define N_STAGES 3
#define N_AGES 4
#define N_TRANSITIONS 5
#define N_CELLS (N_MONTHS * N_STAGES * N_AGES)
#define N_FLOWS (N_MONTHS * N_TRANSITIONS)
#define SEED UINT64_C(0xFEDCBA9876543210)

static const char *const month_labels[N_MONTHS] = {
    "2019-04", "2019-05", "2019-06", "2019-07", "2019-08",
    "2019-09", "2019-10", "2019-11", "2019-12", "2020-01",
    "2020-02", "2020-03", "2020-04", "2020-05"};
static const char *const stage_labels[N_STAGES] = {"universal", "early_help",
                                                   "looked_after"};
static const char *const transition_labels[N_TRANSITIONS] = {
    "birth", "refer_early_help", "enter_care", "close_early_help",
    "leave_care"};
static const char *const transition_from[N_TRANSITIONS] = {
    "", "universal", "early_help", "early_help", "looked_after"};
static const char *const transition_to[N_TRANSITIONS] = {
    "universal", "early_help", "looked_after", "universal", ""};

static const char *const stage_intervention[N_STAGES] = {"none", "early",
                                                         "late"};
static const char *const stage_group[N_STAGES] = {"", "", ""};
static const char *const fy_labels[2] = {"2019/20", "2020/21"};
static const int month_fy[N_MONTHS] = {0, 0, 0, 0, 0, 0, 0,
                                       0, 0, 0, 0, 0, 1, 1};

static const cs_output_dims test_dims = {
    .n_months = N_MONTHS,
    .month_labels = month_labels,
    .n_stages = N_STAGES,
    .stage_labels = stage_labels,
    .n_ages = N_AGES,
    .n_transitions = N_TRANSITIONS,
    .transition_labels = transition_labels,
    .transition_from = transition_from,
    .transition_to = transition_to,
    .stage_intervention = stage_intervention,
    .stage_group = stage_group,
    .n_financial_years = 2,
    .financial_year_labels = fy_labels,
    .month_financial_year = month_fy,
};

/* Spend [month][2] for runs in tests that do not look at costs. */
static double test_spend[N_MONTHS * 2];

/* A long root scenario_yaml (about 30 KB), as a real resolved scenario. */
static char long_yaml[30000];

static void fill_long_yaml(void)
{
    size_t used = 0;
    for (int i = 0; used + 64 < sizeof long_yaml; i++)
        used +=
            (size_t)snprintf(long_yaml + used, sizeof long_yaml - used,
                             "stage_%d: {rate: %d.25, note: \"£ñ\"}\n", i, i);
}

static cs_output_meta test_meta(void)
{
    fill_long_yaml();
    return (cs_output_meta){.cascade_version = "0.1.0-test",
                            .command_line =
                                "cascade run --runs 3 -o out.h5 base.yaml",
                            .seed = SEED,
                            .rng = "philox4x32-10",
                            .scenario_yaml = long_yaml};
}

/* Deterministic, fractional, different in every index. */
static double stock_value(int scenario, int run, int cell)
{
    return 1000.0 + 250.0 * sin(0.5 + 1.37 * scenario + 0.731 * run +
                                0.0917 * cell * (cell % 7 + 1));
}

static double flow_value(int scenario, int run, int i)
{
    return 40.0 + 9.5 * cos(0.25 + 2.11 * scenario + 0.573 * run + 0.37 * i);
}

static void fill_run(int scenario, int run, double *stocks, double *flows)
{
    for (int c = 0; c < N_CELLS; c++)
        stocks[c] = stock_value(scenario, run, c);
    for (int i = 0; i < N_FLOWS; i++)
        flows[i] = flow_value(scenario, run, i);
}

/* ---- temporary directories ----------------------------------------------- */

static char test_dir[256];

static void make_test_dir(void)
{
    snprintf(test_dir, sizeof test_dir, "/tmp/cascade-test-output-XXXXXX");
    ck_assert_msg(mkdtemp(test_dir) != NULL, "mkdtemp failed: %s",
                  strerror(errno));
}

static void remove_test_dir(void)
{
    DIR *dir = opendir(test_dir);
    if (!dir)
        return;
    struct dirent *entry;
    char path[512];
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", test_dir, entry->d_name);
        unlink(path);
    }
    closedir(dir);
    rmdir(test_dir);
}

static void in_test_dir(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s", test_dir, name);
}

/* How many directory entries contain ".tmp-". */
static int count_temporaries(void)
{
    int n = 0;
    DIR *dir = opendir(test_dir);
    ck_assert_ptr_nonnull(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (strstr(entry->d_name, ".tmp-"))
            n++;
    closedir(dir);
    return n;
}

static void write_text_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
}

/* The whole file in a malloc'd buffer. */
static char *read_whole_file(const char *path, long *size)
{
    FILE *file = fopen(path, "rb");
    ck_assert_msg(file != NULL, "cannot open %s: %s", path, strerror(errno));
    fseek(file, 0, SEEK_END);
    *size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *bytes = malloc((size_t)*size + 1);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_uint_eq(fread(bytes, 1, (size_t)*size, file), (size_t)*size);
    fclose(file);
    return bytes;
}

static int file_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

/*
 * Write a file of n_scenarios scenarios ("scenario_0", ...) with n_runs runs
 * each; write only the runs whose bit is set in run_mask (runs 32 and
 * after are never written).
 */
static void write_output(const char *path, int n_scenarios, int n_runs,
                         unsigned run_mask)
{
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    int status = cs_output_create(path, 0, &meta, &test_dims, &output, &err);
    ck_assert_msg(status == CS_OK, "create %s: expected CS_OK, got %d: %s",
                  path, status, err.message);
    double stocks[N_CELLS], flows[N_FLOWS];
    for (int s = 0; s < n_scenarios; s++) {
        char name[32], yaml[64];
        snprintf(name, sizeof name, "scenario_%d", s);
        snprintf(yaml, sizeof yaml, "name: %s\nruns: %d\n", name, n_runs);
        int index = -1;
        status = cs_output_add_scenario(output, name, INFO(yaml), n_runs,
                                        &index, &err);
        ck_assert_msg(status == CS_OK, "add scenario: %s", err.message);
        ck_assert_int_eq(index, s);
        for (int r = 0; r < n_runs; r++) {
            if (r >= 32 || !(run_mask >> r & 1u))
                continue;
            fill_run(s, r, stocks, flows);
            status = cs_output_write_run(output, s, r, stocks, flows, NULL,
                                         test_spend, &err);
            ck_assert_msg(status == CS_OK, "write run %d: %s", r, err.message);
        }
    }
    status = cs_output_close(output, &err);
    ck_assert_msg(status == CS_OK, "close: expected CS_OK, got %d: %s", status,
                  err.message);
}

static cs_result *open_result(const char *path)
{
    cs_result *result = NULL;
    cs_error err;
    int status = cs_result_open(path, &result, &err);
    ck_assert_msg(status == CS_OK, "open %s: expected CS_OK, got %d: %s", path,
                  status, err.message);
    return result;
}

/* Raw HDF5: a scalar string attribute as a malloc'd copy. */
static char *read_string_attribute(hid_t object, const char *name)
{
    hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    ck_assert_msg(attr >= 0, "attribute %s missing", name);
    hid_t type = H5Aget_type(attr);
    ck_assert_int_eq(H5Tget_class(type), H5T_STRING);
    ck_assert_msg(H5Tis_variable_str(type) > 0,
                  "attribute %s: expected a variable-length string", name);
    ck_assert_int_eq(H5Tget_cset(type), H5T_CSET_UTF8);
    char *text = NULL;
    ck_assert_int_ge(H5Aread(attr, type, &text), 0);
    char *copy = strdup(text ? text : "");
    H5free_memory(text);
    H5Tclose(type);
    H5Aclose(attr);
    return copy;
}

static void assert_string_attribute(hid_t object, const char *name,
                                    const char *expected)
{
    char *got = read_string_attribute(object, name);
    ck_assert_msg(strcmp(got, expected) == 0,
                  "attribute %s: expected \"%.60s\"..., got \"%.60s\"...", name,
                  expected, got);
    free(got);
}

/* ---- round trip ------------------------------------------------------------
 */

START_TEST(test_round_trip_values_are_bit_exact)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 2, 3, 0x7);
    cs_result *result = open_result(path);
    ck_assert_int_eq(cs_result_n_scenarios(result), 2);
    double stocks[N_CELLS], flows[N_FLOWS];
    double want_stocks[N_CELLS], want_flows[N_FLOWS];
    cs_error err;
    for (int s = 0; s < 2; s++) {
        ck_assert_int_eq(cs_result_n_runs(result, s), 3);
        for (int r = 0; r < 3; r++) {
            fill_run(s, r, want_stocks, want_flows);
            int status = cs_result_read_run(result, s, r, stocks, flows, &err);
            ck_assert_msg(status == CS_OK, "read run: %s", err.message);
            ck_assert_msg(memcmp(stocks, want_stocks, sizeof stocks) == 0,
                          "scenario %d run %d: stocks differ from what was "
                          "written",
                          s, r);
            ck_assert_msg(memcmp(flows, want_flows, sizeof flows) == 0,
                          "scenario %d run %d: flows differ", s, r);
        }
    }
    cs_result_close(result);
}
END_TEST

/*
 * Costs, spend, unit costs and the deflator read back bit for bit, with the
 * cost_line and spend scales attached and the price base stored.
 */
START_TEST(test_costs_round_trip)
{
    char path[512];
    in_test_dir(path, sizeof path, "costs.h5");
    static const char *const lines[2] = {"early_help", "looked_after"};
    static const char *const kinds[2] = {"early", "late"};
    cs_output_dims dims = test_dims;
    dims.n_cost_lines = 2;
    dims.cost_line_labels = lines;
    dims.cost_line_intervention = kinds;
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    ck_assert_int_eq(cs_output_create(path, 0, &meta, &dims, &output, &err),
                     CS_OK);
    int index = -1;
    ck_assert_int_eq(cs_output_add_scenario(output, "priced",
                                            INFO("name: priced\n"), 2, &index,
                                            &err),
                     CS_OK);
    double unit[N_MONTHS * 2], deflator[N_MONTHS];
    for (int t = 0; t < N_MONTHS; t++) {
        deflator[t] = 1.0 + 0.02 * (t / 12);
        unit[2 * t] = 125.25 * deflator[t];
        unit[2 * t + 1] = 4321.5 * deflator[t];
    }
    ck_assert_int_eq(
        cs_output_set_prices(output, index, unit, deflator, "2019/20", &err),
        CS_OK);
    double stocks[N_CELLS], flows[N_FLOWS], costs[2][N_MONTHS * 2],
        spend[2][N_MONTHS * 2];
    for (int r = 0; r < 2; r++) {
        fill_run(0, r, stocks, flows);
        for (int i = 0; i < N_MONTHS * 2; i++) {
            costs[r][i] = 1000.0 / 3 * (i + 1) + r;
            spend[r][i] = 7.0 / 3 * (i + 2) - r;
        }
        ck_assert_int_eq(cs_output_write_run(output, index, r, stocks, flows,
                                             costs[r], spend[r], &err),
                         CS_OK);
    }
    ck_assert_msg(cs_output_close(output, &err) == CS_OK, "close: %s",
                  err.message);

    cs_result *result = open_result(path);
    ck_assert_int_eq(cs_result_n_cost_lines(result), 2);
    ck_assert_str_eq(cs_result_cost_line_label(result, 1), "looked_after");
    for (int r = 0; r < 2; r++) {
        double got_costs[N_MONTHS * 2], got_spend[N_MONTHS * 2];
        ck_assert_int_eq(
            cs_result_read_run_costs(result, 0, r, got_costs, got_spend, &err),
            CS_OK);
        ck_assert_msg(memcmp(got_costs, costs[r], sizeof got_costs) == 0,
                      "run %d: costs differ from what was written", r);
        ck_assert_msg(memcmp(got_spend, spend[r], sizeof got_spend) == 0,
                      "run %d: spend differs from what was written", r);
    }
    double got_deflator[N_MONTHS];
    char base[16];
    ck_assert_int_eq(cs_result_read_deflator(result, 0, got_deflator, base,
                                             sizeof base, &err),
                     CS_OK);
    ck_assert(memcmp(got_deflator, deflator, sizeof deflator) == 0);
    ck_assert_str_eq(base, "2019/20");
    cs_result_close(result);

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(file, "scenarios/priced/costs", H5P_DEFAULT);
    hid_t line_scale =
        H5Dopen2(file, "scenarios/priced/cost_line", H5P_DEFAULT);
    ck_assert_int_gt(H5DSis_attached(d, line_scale, 2), 0);
    hid_t u = H5Dopen2(file, "scenarios/priced/unit_costs", H5P_DEFAULT);
    double got_unit[N_MONTHS * 2];
    ck_assert_int_ge(
        H5Dread(u, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, got_unit),
        0);
    ck_assert(memcmp(got_unit, unit, sizeof unit) == 0);
    H5Dclose(u);
    H5Dclose(line_scale);
    H5Dclose(d);
    H5Fclose(file);
}
END_TEST

START_TEST(test_round_trip_dims_labels)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 2, 3, 0x7);
    cs_result *result = open_result(path);
    ck_assert_int_eq(cs_result_n_months(result), N_MONTHS);
    ck_assert_int_eq(cs_result_n_stages(result), N_STAGES);
    ck_assert_int_eq(cs_result_n_ages(result), N_AGES);
    ck_assert_int_eq(cs_result_n_transitions(result), N_TRANSITIONS);
    for (int m = 0; m < N_MONTHS; m++)
        ck_assert_str_eq(cs_result_month_label(result, m), month_labels[m]);
    for (int s = 0; s < N_STAGES; s++)
        ck_assert_str_eq(cs_result_stage_label(result, s), stage_labels[s]);
    for (int t = 0; t < N_TRANSITIONS; t++) {
        ck_assert_str_eq(cs_result_transition_label(result, t),
                         transition_labels[t]);
        ck_assert_str_eq(cs_result_transition_from(result, t),
                         transition_from[t]);
        ck_assert_str_eq(cs_result_transition_to(result, t), transition_to[t]);
    }
    ck_assert_ptr_null(cs_result_month_label(result, N_MONTHS));
    ck_assert_str_eq(cs_result_scenario_name(result, 0), "scenario_0");
    ck_assert_int_eq(cs_result_find_scenario(result, "scenario_1"), 1);
    ck_assert_int_eq(cs_result_find_scenario(result, "nope"), -1);
    cs_result_close(result);
}
END_TEST

START_TEST(test_root_and_scenario_attributes_are_stored)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 2, 3, 0x7);
    cs_output_meta meta = test_meta();

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(file, 0);
    assert_string_attribute(file, "cascade_version", meta.cascade_version);
    assert_string_attribute(file, "command_line", meta.command_line);
    assert_string_attribute(file, "rng", meta.rng);
    assert_string_attribute(file, "scenario_yaml", meta.scenario_yaml);

    char *created = read_string_attribute(file, "created");
    int year, month, day, hour, minute, second;
    char zone = 0, extra = 0;
    int fields = sscanf(created, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &year, &month,
                        &day, &hour, &minute, &second, &zone, &extra);
    ck_assert_msg(fields == 7 && zone == 'Z' && strlen(created) == 20,
                  "created: expected ISO 8601 UTC like "
                  "2026-11-23T23:59:59Z, got \"%s\"",
                  created);
    free(created);

    int format = 0;
    hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    ck_assert_msg(H5Tequal(type, H5T_STD_I32LE) > 0,
                  "format_version: expected int32");
    H5Aread(attr, H5T_NATIVE_INT, &format);
    H5Tclose(type);
    H5Aclose(attr);
    ck_assert_int_eq(format, CS_OUTPUT_FORMAT_VERSION);

    uint64_t seed = 0;
    attr = H5Aopen(file, "seed", H5P_DEFAULT);
    type = H5Aget_type(attr);
    ck_assert_msg(H5Tequal(type, H5T_STD_U64LE) > 0, "seed: expected uint64");
    H5Aread(attr, H5T_NATIVE_UINT64, &seed);
    H5Tclose(type);
    H5Aclose(attr);
    ck_assert_msg(seed == SEED, "seed: expected %#llx, got %#llx",
                  (unsigned long long)SEED, (unsigned long long)seed);

    hid_t group = H5Gopen2(file, "scenarios/scenario_1", H5P_DEFAULT);
    ck_assert_int_ge(group, 0);
    assert_string_attribute(group, "scenario_yaml",
                            "name: scenario_1\nruns: 3\n");
    int n_runs = 0;
    attr = H5Aopen(group, "n_runs", H5P_DEFAULT);
    H5Aread(attr, H5T_NATIVE_INT, &n_runs);
    H5Aclose(attr);
    ck_assert_int_eq(n_runs, 3);

    const char *datasets[] = {"stocks", "flows", "summary/mean",
                              "summary/quantiles"};
    const char *units[] = {"children", "children per month", "children",
                           "children"};
    for (int i = 0; i < 4; i++) {
        hid_t dataset = H5Dopen2(group, datasets[i], H5P_DEFAULT);
        ck_assert_msg(dataset >= 0, "%s missing", datasets[i]);
        assert_string_attribute(dataset, "units", units[i]);
        char *description = read_string_attribute(dataset, "description");
        ck_assert_msg(strlen(description) > 10, "%s: no description",
                      datasets[i]);
        free(description);
        H5Dclose(dataset);
    }
    const char *dims[] = {"month",      "stage",           "age",
                          "transition", "transition_from", "transition_to",
                          "quantile"};
    for (int i = 0; i < 7; i++) {
        char name[64];
        snprintf(name, sizeof name, "/dims/%s", dims[i]);
        hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
        ck_assert_msg(dataset >= 0, "%s missing", name);
        free(read_string_attribute(dataset, "description"));
        H5Dclose(dataset);
    }
    H5Gclose(group);
    H5Fclose(file);
}
END_TEST

/* The filters on dataset `name` of a file: *shuffle and *deflate1 count
 * shuffle and deflate at level 1; returns the number of filters. */
static int dataset_filters(hid_t file, const char *name, int *shuffle,
                           int *deflate1)
{
    hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
    ck_assert_msg(dataset >= 0, "%s missing", name);
    hid_t dcpl = H5Dget_create_plist(dataset);
    int n_filters = H5Pget_nfilters(dcpl);
    *shuffle = *deflate1 = 0;
    for (int i = 0; i < n_filters; i++) {
        unsigned flags, values[4];
        size_t n_values = 4;
        H5Z_filter_t filter = H5Pget_filter2(dcpl, (unsigned)i, &flags,
                                             &n_values, values, 0, NULL, NULL);
        *shuffle += filter == H5Z_FILTER_SHUFFLE;
        *deflate1 += filter == H5Z_FILTER_DEFLATE && values[0] == 1;
    }
    H5Pclose(dcpl);
    H5Dclose(dataset);
    return n_filters;
}

/* A file whose runs hold more than CS_OUTPUT_COMPRESS_MIN_BYTES (4 MiB)
 * uncompressed: 2,000 runs of about 2.5 kB (three of them written). */
#define BIG_RUNS 2000

START_TEST(test_stocks_are_chunked_per_run_year_and_compressed)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 1, BIG_RUNS, 0x7);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t dataset = H5Dopen2(file, "scenarios/scenario_0/stocks", H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(dataset);
    hsize_t chunk[4] = {0};
    ck_assert_int_eq(H5Pget_chunk(dcpl, 4, chunk), 4);
    ck_assert_msg(chunk[0] == 1 && chunk[1] == 12 && chunk[2] == N_STAGES &&
                      chunk[3] == N_AGES,
                  "stocks chunk: expected [1, 12, %d, %d], got [%llu, %llu, "
                  "%llu, %llu]",
                  N_STAGES, N_AGES, (unsigned long long)chunk[0],
                  (unsigned long long)chunk[1], (unsigned long long)chunk[2],
                  (unsigned long long)chunk[3]);
    double fill = 0;
    H5Pget_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill);
    ck_assert_msg(isnan(fill), "fill value: expected NaN, got %g", fill);
    H5Pclose(dcpl);
    H5Dclose(dataset);
    static const char *const names[] = {
        "scenarios/scenario_0/stocks", "scenarios/scenario_0/flows",
        "scenarios/scenario_0/summary/mean",
        "scenarios/scenario_0/summary/quantiles"};
    for (int i = 0; i < 4; i++) {
        int shuffle, deflate1;
        int n = dataset_filters(file, names[i], &shuffle, &deflate1);
        ck_assert_msg(shuffle == 1 && deflate1 == 1,
                      "%s of %d runs: expected shuffle + deflate level 1, got "
                      "%d filters",
                      names[i], BIG_RUNS, n);
    }
    H5Fclose(file);
}
END_TEST

START_TEST(test_small_files_are_not_compressed)
{
    /* 3 runs of about 2.5 kB: written without filters, and read back */
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 1, 3, 0x7);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    static const char *const names[] = {
        "scenarios/scenario_0/stocks", "scenarios/scenario_0/flows",
        "scenarios/scenario_0/spend", "scenarios/scenario_0/summary/mean",
        "scenarios/scenario_0/summary/quantiles"};
    for (int i = 0; i < 5; i++) {
        int shuffle, deflate1;
        int n = dataset_filters(file, names[i], &shuffle, &deflate1);
        ck_assert_msg(n == 0, "%s of 3 runs: expected no filters, got %d",
                      names[i], n);
    }
    H5Fclose(file);
    cs_result *result = open_result(path);
    double stocks[N_CELLS], flows[N_FLOWS], read[N_CELLS];
    fill_run(0, 2, stocks, flows);
    cs_error err;
    ck_assert_int_eq(cs_result_read_run(result, 0, 2, read, NULL, &err), CS_OK);
    for (int i = 0; i < N_CELLS; i++)
        ck_assert_double_eq(read[i], stocks[i]);
    cs_result_close(result);
}
END_TEST

/* ---- dimension scales
 * -------------------------------------------------------- */

static void assert_scales(hid_t file, const char *dataset_name, int rank,
                          const char *const *scale_names)
{
    hid_t dataset = H5Dopen2(file, dataset_name, H5P_DEFAULT);
    ck_assert_msg(dataset >= 0, "%s missing", dataset_name);
    for (int i = 0; i < rank; i++) {
        hid_t scale = H5Dopen2(file, scale_names[i], H5P_DEFAULT);
        ck_assert_msg(scale >= 0, "%s missing", scale_names[i]);
        ck_assert_msg(H5DSis_scale(scale) > 0, "%s: expected a dimension scale",
                      scale_names[i]);
        htri_t attached = H5DSis_attached(dataset, scale, (unsigned)i);
        ck_assert_msg(attached > 0,
                      "%s dimension %d: expected %s attached, got %d",
                      dataset_name, i, scale_names[i], (int)attached);
        H5Dclose(scale);
    }
    ck_assert_int_eq(H5DSget_num_scales(dataset, 0), 1);
    H5Dclose(dataset);
}

START_TEST(test_every_axis_has_its_dimension_scale)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 2, 3, 0x7);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(file, 0);
    /* Format 3: each scenario group holds the scales its datasets use
     * (netCDF-4 readers such as xarray look for them there). */
    for (int s = 0; s < 2; s++) {
        char group[64], name[128], run[128], month[128], stage[128], age[128],
            transition[128], intervention[128], quantile[128];
        snprintf(group, sizeof group, "/scenarios/scenario_%d", s);
        snprintf(run, sizeof run, "%s/run", group);
        snprintf(month, sizeof month, "%s/month", group);
        snprintf(stage, sizeof stage, "%s/stage", group);
        snprintf(age, sizeof age, "%s/age", group);
        snprintf(transition, sizeof transition, "%s/transition", group);
        snprintf(intervention, sizeof intervention, "%s/intervention", group);
        snprintf(quantile, sizeof quantile, "%s/summary/quantile", group);
        const char *stock_scales[4] = {run, month, stage, age};
        snprintf(name, sizeof name, "%s/stocks", group);
        assert_scales(file, name, 4, stock_scales);
        const char *flow_scales[3] = {run, month, transition};
        snprintf(name, sizeof name, "%s/flows", group);
        assert_scales(file, name, 3, flow_scales);
        const char *spend_scales[3] = {run, month, intervention};
        snprintf(name, sizeof name, "%s/spend", group);
        assert_scales(file, name, 3, spend_scales);
        const char *mean_scales[3] = {month, stage, age};
        snprintf(name, sizeof name, "%s/summary/mean", group);
        assert_scales(file, name, 3, mean_scales);
        const char *quantile_scales[4] = {quantile, month, stage, age};
        snprintf(name, sizeof name, "%s/summary/quantiles", group);
        assert_scales(file, name, 4, quantile_scales);
        const char *done_scales[1] = {run};
        snprintf(name, sizeof name, "%s/run_done", group);
        assert_scales(file, name, 1, done_scales);
        /* the records along an axis are attached to it too */
        const char *along_stage[1] = {stage};
        snprintf(name, sizeof name, "%s/stage_group", group);
        assert_scales(file, name, 1, along_stage);
        const char *along_month[1] = {month};
        snprintf(name, sizeof name, "%s/month_financial_year", group);
        assert_scales(file, name, 1, along_month);
    }
    /* /dims keeps its scales, with its records attached. */
    const char *dims_stage[1] = {"/dims/stage"};
    assert_scales(file, "/dims/stage_intervention", 1, dims_stage);
    const char *dims_transition[1] = {"/dims/transition"};
    assert_scales(file, "/dims/transition_to", 1, dims_transition);
    /* The quantile scale holds the levels. */
    double levels[CS_N_QUANTILES];
    hid_t quantile =
        H5Dopen2(file, "/scenarios/scenario_0/summary/quantile", H5P_DEFAULT);
    H5Dread(quantile, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, levels);
    H5Dclose(quantile);
    for (int q = 0; q < CS_N_QUANTILES; q++)
        ck_assert_double_eq(levels[q], cs_quantile_levels[q]);
    H5Fclose(file);
}
END_TEST

/* ---- extending a batch
 * -------------------------------------------------------- */

START_TEST(test_copy_runs_fills_a_larger_file_at_the_same_indices)
{
    char small[512], large[512], smaller[512];
    in_test_dir(small, sizeof small, "small.h5");
    in_test_dir(large, sizeof large, "large.h5");
    in_test_dir(smaller, sizeof smaller, "smaller.h5");
    write_output(small, 1, 4, 0x5); /* runs 0 and 2 of 4 done */
    cs_result *from = open_result(small);
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    ck_assert_int_eq(
        cs_output_create(large, 0, &meta, &test_dims, &output, &err), CS_OK);
    int index = -1;
    ck_assert_int_eq(cs_output_add_scenario(output, "scenario_0",
                                            INFO("name: scenario_0\n"), 7,
                                            &index, &err),
                     CS_OK);
    long copied = -1;
    int status = cs_output_copy_runs(output, index, from, 0, &copied, &err);
    ck_assert_msg(status == CS_OK, "copy: %s", err.message);
    ck_assert_int_eq(copied, 2);
    ck_assert_int_eq(cs_output_close(output, &err), CS_OK);

    cs_result *result = open_result(large);
    ck_assert_int_eq(cs_result_n_runs(result, 0), 7);
    unsigned char done[7];
    ck_assert_int_eq(cs_result_read_run_done(result, 0, done, &err), CS_OK);
    const unsigned char want[7] = {1, 0, 1, 0, 0, 0, 0};
    ck_assert(memcmp(done, want, sizeof done) == 0);
    double stocks[N_CELLS], flows[N_FLOWS], got_stocks[N_CELLS],
        got_flows[N_FLOWS];
    fill_run(0, 2, stocks, flows);
    ck_assert_int_eq(
        cs_result_read_run(result, 0, 2, got_stocks, got_flows, &err), CS_OK);
    ck_assert(memcmp(stocks, got_stocks, sizeof stocks) == 0);
    ck_assert(memcmp(flows, got_flows, sizeof flows) == 0);
    cs_result_close(result);

    /* a file of fewer runs cannot take them */
    ck_assert_int_eq(
        cs_output_create(smaller, 0, &meta, &test_dims, &output, &err), CS_OK);
    ck_assert_int_eq(cs_output_add_scenario(output, "scenario_0",
                                            INFO("name: scenario_0\n"), 3,
                                            &index, &err),
                     CS_OK);
    status = cs_output_copy_runs(output, index, from, 0, &copied, &err);
    ck_assert_int_eq(status, CS_EINPUT);
    ck_assert_msg(strstr(err.message, "has 4 runs, more than the 3 of") != NULL,
                  "expected the run counts in the message, got \"%s\"",
                  err.message);
    ck_assert_int_eq(copied, 0);
    cs_output_abort(output);
    cs_result_close(from);
    ck_assert(!file_exists(smaller));
}
END_TEST

/* ---- summaries
 * ---------------------------------------------------------------- */

/* Compare the file's summary with GSL on the written runs directly. */
static void assert_summary_matches(const char *path, int scenario, int n_runs,
                                   unsigned run_mask)
{
    cs_result *result = open_result(path);
    static double mean[N_CELLS], quantiles[CS_N_QUANTILES * N_CELLS];
    cs_error err;
    int status =
        cs_result_read_summary(result, scenario, mean, quantiles, &err);
    ck_assert_msg(status == CS_OK, "read summary: %s", err.message);
    cs_result_close(result);
    double values[32];
    for (int c = 0; c < N_CELLS; c++) {
        size_t n = 0;
        for (int r = 0; r < n_runs; r++)
            if (run_mask >> r & 1u)
                values[n++] = stock_value(scenario, r, c);
        double want_mean = gsl_stats_mean(values, 1, n);
        ck_assert_msg(mean[c] == want_mean,
                      "cell %d: mean expected %.17g, got %.17g", c, want_mean,
                      mean[c]);
        gsl_sort(values, 1, n);
        for (int q = 0; q < CS_N_QUANTILES; q++) {
            double want = gsl_stats_quantile_from_sorted_data(
                values, 1, n, cs_quantile_levels[q]);
            double got = quantiles[q * N_CELLS + c];
            ck_assert_msg(got == want,
                          "cell %d quantile %g: expected %.17g, got %.17g", c,
                          cs_quantile_levels[q], want, got);
            if (n == 1)
                ck_assert_msg(got == values[0],
                              "one run: quantile %g should be the value",
                              cs_quantile_levels[q]);
        }
    }
}

START_TEST(test_summary_matches_direct_computation_odd_runs)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 2, 5, 0x1f);
    assert_summary_matches(path, 0, 5, 0x1f);
    assert_summary_matches(path, 1, 5, 0x1f);
}
END_TEST

START_TEST(test_summary_of_one_run_is_that_run)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 1, 1, 0x1);
    assert_summary_matches(path, 0, 1, 0x1);
}
END_TEST

START_TEST(test_summary_with_no_runs_written_is_nan)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 1, 2, 0x0);
    cs_result *result = open_result(path);
    static double mean[N_CELLS], quantiles[CS_N_QUANTILES * N_CELLS];
    cs_error err;
    ck_assert_int_eq(cs_result_read_summary(result, 0, mean, quantiles, &err),
                     CS_OK);
    for (int c = 0; c < N_CELLS; c++)
        ck_assert_msg(isnan(mean[c]), "cell %d: expected NaN mean, got %g", c,
                      mean[c]);
    for (int i = 0; i < CS_N_QUANTILES * N_CELLS; i++)
        ck_assert_msg(isnan(quantiles[i]), "quantile %d: expected NaN", i);
    cs_result_close(result);
}
END_TEST

/* ---- unwritten runs
 * -------------------------------------------------------------- */

START_TEST(test_unwritten_run_reads_as_nan_and_is_not_summarised)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 1, 3, 0x5); /* runs 0 and 2 */
    cs_result *result = open_result(path);
    double stocks[N_CELLS], flows[N_FLOWS];
    cs_error err;
    ck_assert_int_eq(cs_result_read_run(result, 0, 1, stocks, flows, &err),
                     CS_OK);
    for (int c = 0; c < N_CELLS; c++)
        ck_assert_msg(isnan(stocks[c]), "run 1 cell %d: expected NaN, got %g",
                      c, stocks[c]);
    for (int i = 0; i < N_FLOWS; i++)
        ck_assert_msg(isnan(flows[i]), "run 1 flow %d: expected NaN, got %g", i,
                      flows[i]);
    unsigned char done[3] = {9, 9, 9};
    ck_assert_int_eq(cs_result_read_run_done(result, 0, done, &err), CS_OK);
    ck_assert_msg(done[0] == 1 && done[1] == 0 && done[2] == 1,
                  "run_done: expected {1,0,1}, got {%d,%d,%d}", done[0],
                  done[1], done[2]);
    cs_result_close(result);
    assert_summary_matches(path, 0, 3, 0x5);

    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t group = H5Gopen2(file, "scenarios/scenario_0/summary", H5P_DEFAULT);
    hid_t attr = H5Aopen(group, "n_runs_summarised", H5P_DEFAULT);
    int n = 0;
    H5Aread(attr, H5T_NATIVE_INT, &n);
    ck_assert_int_eq(n, 2);
    H5Aclose(attr);
    H5Gclose(group);
    H5Fclose(file);
}
END_TEST

/* ---- safety
 * ------------------------------------------------------------------------- */

START_TEST(test_refuses_to_overwrite_a_non_cascade_file)
{
    char path[512];
    in_test_dir(path, sizeof path, "notes.txt");
    write_text_file(path, "hello");
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    int status = cs_output_create(path, 0, &meta, &test_dims, &output, &err);
    ck_assert_msg(status == CS_EINPUT, "expected CS_EINPUT, got %d", status);
    ck_assert_ptr_null(output);
    char want[1024];
    snprintf(want, sizeof want,
             "%s exists and is not a cascade output file; refusing to "
             "overwrite it (use --force)",
             path);
    ck_assert_str_eq(err.message, want);
    long size = 0;
    char *bytes = read_whole_file(path, &size);
    ck_assert_msg(size == 5 && memcmp(bytes, "hello", 5) == 0,
                  "the refused file changed: expected \"hello\", got %ld "
                  "bytes",
                  size);
    free(bytes);
    ck_assert_int_eq(count_temporaries(), 0);
}
END_TEST

START_TEST(test_force_replaces_a_non_cascade_file)
{
    char path[512];
    in_test_dir(path, sizeof path, "notes.txt");
    write_text_file(path, "hello");
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    int status = cs_output_create(path, 1, &meta, &test_dims, &output, &err);
    ck_assert_msg(status == CS_OK, "with force: %s", err.message);
    ck_assert_int_eq(cs_output_close(output, &err), CS_OK);
    ck_assert_msg(cs_output_is_cascade_file(path),
                  "expected a cascade file at %s after close", path);
    ck_assert_int_eq(count_temporaries(), 0);
}
END_TEST

START_TEST(test_replaces_an_earlier_cascade_file_without_force)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 1, 1, 0x1);
    write_output(path, 2, 3, 0x7);
    cs_result *result = open_result(path);
    ck_assert_int_eq(cs_result_n_scenarios(result), 2);
    cs_result_close(result);
}
END_TEST

START_TEST(test_abort_keeps_the_earlier_file_and_leaves_no_temporary)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 1, 2, 0x3);
    long size_before = 0, size_after = 0;
    char *before = read_whole_file(path, &size_before);

    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    ck_assert_int_eq(
        cs_output_create(path, 0, &meta, &test_dims, &output, &err), CS_OK);
    int index = -1;
    ck_assert_int_eq(
        cs_output_add_scenario(output, "other", INFO("x: 1"), 2, &index, &err),
        CS_OK);
    double stocks[N_CELLS], flows[N_FLOWS];
    fill_run(5, 0, stocks, flows);
    ck_assert_int_eq(cs_output_write_run(output, index, 0, stocks, flows, NULL,
                                         test_spend, &err),
                     CS_OK);
    ck_assert_int_eq(count_temporaries(), 1);
    cs_output_abort(output);

    char *after = read_whole_file(path, &size_after);
    ck_assert_msg(size_before == size_after &&
                      memcmp(before, after, (size_t)size_before) == 0,
                  "the earlier file changed (%ld bytes before, %ld after)",
                  size_before, size_after);
    free(before);
    free(after);
    ck_assert_msg(count_temporaries() == 0,
                  "expected no *.tmp-* after abort, got %d",
                  count_temporaries());
}
END_TEST

START_TEST(test_no_file_at_path_until_close)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    ck_assert_int_eq(
        cs_output_create(path, 0, &meta, &test_dims, &output, &err), CS_OK);
    int index = -1;
    ck_assert_int_eq(
        cs_output_add_scenario(output, "base", INFO("x: 1"), 1, &index, &err),
        CS_OK);
    double stocks[N_CELLS], flows[N_FLOWS];
    fill_run(0, 0, stocks, flows);
    ck_assert_int_eq(cs_output_write_run(output, index, 0, stocks, flows, NULL,
                                         test_spend, &err),
                     CS_OK);
    ck_assert_msg(!file_exists(path), "%s exists before close", path);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    ck_assert_msg(file_exists(tmp), "expected the temporary %s", tmp);
    ck_assert_int_eq(cs_output_close(output, &err), CS_OK);
    ck_assert_msg(file_exists(path), "%s missing after close", path);
    ck_assert_msg(!file_exists(tmp), "%s left after close", tmp);
}
END_TEST

START_TEST(test_missing_directory_is_a_clear_error)
{
    char path[512];
    in_test_dir(path, sizeof path, "no-such-dir/out.h5");
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    int status = cs_output_create(path, 0, &meta, &test_dims, &output, &err);
    ck_assert_msg(status == CS_EINPUT, "expected CS_EINPUT, got %d", status);
    char want[1024];
    snprintf(want, sizeof want,
             "cannot write output file '%s': directory '%s/no-such-dir': No "
             "such file or directory",
             path, test_dir);
    ck_assert_str_eq(err.message, want);
    ck_assert_ptr_null(output);
}
END_TEST

START_TEST(test_output_path_that_is_a_directory_is_refused)
{
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    int status =
        cs_output_create(test_dir, 1, &meta, &test_dims, &output, &err);
    ck_assert_int_eq(status, CS_EINPUT);
    ck_assert_msg(strstr(err.message, "is a directory") != NULL,
                  "expected \"is a directory\", got \"%s\"", err.message);
}
END_TEST

START_TEST(test_bad_scenario_and_run_arguments_are_refused)
{
    char path[512], want[1024];
    in_test_dir(path, sizeof path, "out.h5");
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    ck_assert_int_eq(
        cs_output_create(path, 0, &meta, &test_dims, &output, &err), CS_OK);
    int index = -1;
    ck_assert_int_eq(
        cs_output_add_scenario(output, "base", INFO(""), 2, &index, &err),
        CS_OK);
    ck_assert_int_eq(
        cs_output_add_scenario(output, "base", INFO(""), 2, &index, &err),
        CS_EINPUT);
    snprintf(want, sizeof want, "scenario 'base' is already in %s", path);
    ck_assert_str_eq(err.message, want);
    ck_assert_int_eq(
        cs_output_add_scenario(output, "a/b", INFO(""), 2, &index, &err),
        CS_EINPUT);
    ck_assert_int_eq(
        cs_output_add_scenario(output, "none", INFO(""), 0, &index, &err),
        CS_EINPUT);
    double stocks[N_CELLS], flows[N_FLOWS];
    fill_run(0, 0, stocks, flows);
    ck_assert_int_eq(cs_output_write_run(output, 0, 2, stocks, flows, NULL,
                                         test_spend, &err),
                     CS_EINPUT);
    ck_assert_str_eq(err.message,
                     "run 2 is out of range for scenario 'base' (0..1)");
    ck_assert_int_eq(cs_output_write_run(output, 1, 0, stocks, flows, NULL,
                                         test_spend, &err),
                     CS_EINPUT);
    /* Refused arguments do not spoil the file. */
    ck_assert_int_eq(cs_output_write_run(output, 0, 1, stocks, flows, NULL,
                                         test_spend, &err),
                     CS_OK);
    ck_assert_int_eq(cs_output_close(output, &err), CS_OK);
    cs_result *result = open_result(path);
    ck_assert_int_eq(cs_result_n_scenarios(result), 1);
    cs_result_close(result);
}
END_TEST

/* A write that fails (a file size limit standing in for a full disk) is
 * CS_EIO naming the run and the path, close then refuses to install the
 * file, and nothing is left behind. */
START_TEST(test_write_failure_is_eio_and_leaves_nothing)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    ck_assert_int_eq(
        cs_output_create(path, 0, &meta, &test_dims, &output, &err), CS_OK);
    int index = -1;
    const int n_runs = 1000;
    ck_assert_int_eq(
        cs_output_add_scenario(output, "base", INFO(""), n_runs, &index, &err),
        CS_OK);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {.rlim_cur = 100000, .rlim_max = RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
    double stocks[N_CELLS], flows[N_FLOWS];
    int status = CS_OK, run = 0;
    /* HDF5 1.10 loses a block of its free lists (H5FL_blk_malloc, about
     * 1 KB) when a write of an unfiltered chunked dataset fails: its own
     * memory, once, in a process about to report the failure. Only the
     * allocations of these writes are kept out of LeakSanitizer's count;
     * the rest of the test (close, discard) is checked as everywhere. */
    LSAN_DISABLE();
    for (run = 0; run < n_runs && status == CS_OK; run++) {
        fill_run(0, run, stocks, flows);
        status = cs_output_write_run(output, index, run, stocks, flows, NULL,
                                     test_spend, &err);
    }
    LSAN_ENABLE();
    ck_assert_msg(status == CS_EIO, "expected CS_EIO from a write, got %d",
                  status);
    char want[1024];
    snprintf(want, sizeof want,
             "writing run %d of scenario 'base' to %s: ", run - 1, path);
    ck_assert_msg(strncmp(err.message, want, strlen(want)) == 0 &&
                      strstr(err.message, "File too large") != NULL,
                  "expected \"%s...File too large...\", got \"%s\"", want,
                  err.message);
    /* Space comes back (HDF5 1.10 crashes at exit if a file can never be
     * closed, so the test does not leave it unclosable). */
    limit.rlim_cur = RLIM_INFINITY;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
    status = cs_output_close(output, &err);
    ck_assert_msg(status == CS_EIO, "close: expected CS_EIO, got %d: %s",
                  status, err.message);
    snprintf(want, sizeof want,
             "not saving %s: an earlier write to it failed; any earlier file "
             "there is kept",
             path);
    ck_assert_str_eq(err.message, want);
    ck_assert_msg(!file_exists(path), "%s exists after a failed write", path);
    ck_assert_int_eq(count_temporaries(), 0);
}
END_TEST

START_TEST(test_scenarios_are_listed_in_creation_order)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    ck_assert_int_eq(
        cs_output_create(path, 0, &meta, &test_dims, &output, &err), CS_OK);
    const char *names[3] = {"zeta", "alpha", "mid"};
    for (int i = 0; i < 3; i++) {
        int index = -1;
        ck_assert_int_eq(
            cs_output_add_scenario(output, names[i], INFO(""), 1, &index, &err),
            CS_OK);
    }
    ck_assert_int_eq(cs_output_close(output, &err), CS_OK);
    cs_result *result = open_result(path);
    for (int i = 0; i < 3; i++)
        ck_assert_str_eq(cs_result_scenario_name(result, i), names[i]);
    cs_result_close(result);
}
END_TEST

/* ---- reading bad files
 * ------------------------------------------------------------ */

static void assert_open_fails(const char *path, const char *want_fragment)
{
    cs_result *result = NULL;
    cs_error err;
    int status = cs_result_open(path, &result, &err);
    ck_assert_msg(status == CS_EINPUT, "%s: expected CS_EINPUT, got %d (%s)",
                  path, status, err.message);
    ck_assert_ptr_null(result);
    ck_assert_msg(strstr(err.message, want_fragment) != NULL,
                  "%s: expected a message containing \"%s\", got \"%s\"", path,
                  want_fragment, err.message);
}

START_TEST(test_reader_rejects_a_truncated_file)
{
    char path[512], truncated[512];
    in_test_dir(path, sizeof path, "out.h5");
    in_test_dir(truncated, sizeof truncated, "truncated.h5");
    write_output(path, 1, 3, 0x7);
    long size = 0;
    char *bytes = read_whole_file(path, &size);
    FILE *file = fopen(truncated, "wb");
    fwrite(bytes, 1, (size_t)size / 2, file);
    fclose(file);
    free(bytes);
    char want[1024];
    snprintf(want, sizeof want,
             "%s is an HDF5 file that cannot be opened (truncated or "
             "corrupt?)",
             truncated);
    assert_open_fails(truncated, want);
    ck_assert_int_eq(cs_output_is_cascade_file(truncated), 0);
}
END_TEST

START_TEST(test_reader_rejects_a_text_file)
{
    char path[512], want[1024];
    in_test_dir(path, sizeof path, "notes.txt");
    write_text_file(path, "hello\n");
    snprintf(want, sizeof want,
             "%s is not an HDF5 file, so not a cascade output", path);
    assert_open_fails(path, want);
    in_test_dir(path, sizeof path, "missing.h5");
    snprintf(want, sizeof want, "cannot open %s: No such file or directory",
             path);
    assert_open_fails(path, want);
}
END_TEST

START_TEST(test_reader_rejects_a_foreign_hdf5_file)
{
    char path[512], want[1024];
    in_test_dir(path, sizeof path, "foreign.h5");
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = 3;
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t dataset = H5Dcreate2(file, "data", H5T_IEEE_F64LE, space, H5P_DEFAULT,
                               H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(dataset);
    H5Sclose(space);
    H5Fclose(file);
    snprintf(want, sizeof want,
             "%s is an HDF5 file but not a cascade output (no "
             "format_version and cascade_version attributes)",
             path);
    assert_open_fails(path, want);
    ck_assert_int_eq(cs_output_is_cascade_file(path), 0);
}
END_TEST

START_TEST(test_reader_rejects_a_newer_format)
{
    char path[512], want[1024];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 1, 1, 0x1);
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
    int format = 99;
    ck_assert_int_ge(H5Awrite(attr, H5T_NATIVE_INT, &format), 0);
    H5Aclose(attr);
    H5Fclose(file);
    snprintf(want, sizeof want,
             "%s was written by a newer cascade (format 99); this build "
             "reads formats 1 to 3",
             path);
    assert_open_fails(path, want);
}
END_TEST

/* ---- what reports read: stage, calendar and scenario records ------------ */

/* Placements, cost lines and categories, as a real scenario has them. */
#define R_STAGES 4
static const char *const r_stages[R_STAGES] = {"universal", "early_help",
                                               "looked_after.foster",
                                               "looked_after.residential"};
static const char *const r_intervention[R_STAGES] = {"none", "early", "late",
                                                     "late"};
static const char *const r_group[R_STAGES] = {"", "", "looked_after",
                                              "looked_after"};
static const char *const r_category[R_STAGES] = {"none", "none", "looked_after",
                                                 "looked_after"};
static const char *const r_lines[3] = {"early_help", "looked_after.foster",
                                       "looked_after.residential"};
static const char *const r_kinds[3] = {"early", "late", "late"};

static cs_output_dims records_dims(void)
{
    cs_output_dims dims = test_dims;
    dims.n_stages = R_STAGES;
    dims.stage_labels = r_stages;
    dims.stage_intervention = r_intervention;
    dims.stage_group = r_group;
    dims.stage_category = r_category;
    dims.n_cost_lines = 3;
    dims.cost_line_labels = r_lines;
    dims.cost_line_intervention = r_kinds;
    return dims;
}

/* A file of one scenario "placed" with the records above, one run done. */
static void write_records_file(const char *path,
                               const cs_output_scenario_info *info)
{
    cs_output_meta meta = test_meta();
    cs_output_dims dims = records_dims();
    cs_output *output = NULL;
    cs_error err;
    ck_assert_msg(cs_output_create(path, 0, &meta, &dims, &output, &err) ==
                      CS_OK,
                  "create: %s", err.message);
    int index = -1;
    ck_assert_msg(cs_output_add_scenario(output, "placed", info, 2, &index,
                                         &err) == CS_OK,
                  "add: %s", err.message);
    static const char *const names[1] = {"transitions.refer_early_help.rate"};
    static const char *const dists[1] = {"gamma(mean=0.05, sd=0.01)"};
    ck_assert_int_eq(
        cs_output_add_parameters(output, index, 1, names, dists, 1, &err),
        CS_OK);
    double stocks[N_MONTHS * R_STAGES * N_AGES], flows[N_FLOWS];
    double costs[N_MONTHS * 3], param = 0.0625;
    for (size_t i = 0; i < sizeof stocks / sizeof *stocks; i++)
        stocks[i] = (double)i;
    for (int i = 0; i < N_FLOWS; i++)
        flows[i] = i;
    for (int i = 0; i < N_MONTHS * 3; i++)
        costs[i] = 10.0 * i;
    ck_assert_int_eq(cs_output_write_params(output, index, 1, &param, &err),
                     CS_OK);
    ck_assert_int_eq(cs_output_write_run(output, index, 1, stocks, flows, costs,
                                         test_spend, &err),
                     CS_OK);
    ck_assert_msg(cs_output_close(output, &err) == CS_OK, "close: %s",
                  err.message);
}

START_TEST(test_stage_calendar_and_scenario_records_round_trip)
{
    char path[512];
    in_test_dir(path, sizeof path, "records.h5");
    write_records_file(path,
                       &(cs_output_scenario_info){
                           .yaml = "name: placed\n",
                           .discount_rate = 0.03,
                           .extends_source = "<builtin>/england-baseline.yaml",
                           .extends_hash = "sha256:aaaa",
                           .resolved_hash = "sha256:bbbb"});
    cs_result *result = open_result(path);
    ck_assert_int_eq(cs_result_format_version(result),
                     CS_OUTPUT_FORMAT_VERSION);
    for (int s = 0; s < R_STAGES; s++) {
        ck_assert_str_eq(cs_result_stage_intervention(result, s),
                         r_intervention[s]);
        ck_assert_str_eq(cs_result_stage_group(result, s), r_group[s]);
        ck_assert_str_eq(cs_result_stage_category(result, s), r_category[s]);
    }
    ck_assert_ptr_null(cs_result_stage_group(result, R_STAGES));
    ck_assert_int_eq(cs_result_n_financial_years(result), 2);
    ck_assert_str_eq(cs_result_financial_year_label(result, 0), "2019/20");
    ck_assert_str_eq(cs_result_financial_year_label(result, 1), "2020/21");
    for (int t = 0; t < N_MONTHS; t++)
        ck_assert_int_eq(cs_result_month_financial_year(result, t),
                         month_fy[t]);
    ck_assert_str_eq(cs_result_cost_line_intervention(result, 0), "early");
    ck_assert(fabs(cs_result_discount_rate(result, 0) - 0.03) == 0);
    ck_assert_str_eq(cs_result_extends_source(result, 0),
                     "<builtin>/england-baseline.yaml");
    ck_assert_str_eq(cs_result_extends_hash(result, 0), "sha256:aaaa");
    ck_assert_str_eq(cs_result_resolved_hash(result, 0), "sha256:bbbb");
    ck_assert_int_eq(cs_result_n_runs(result, 0), 2);
    ck_assert_int_eq(cs_result_n_runs_done(result, 0), 1);
    ck_assert_str_eq(cs_result_parameter_distribution(result, 0, 0),
                     "gamma(mean=0.05, sd=0.01)");
    double value = 0;
    cs_error err;
    ck_assert_int_eq(cs_result_read_run_params(result, 0, 1, &value, &err),
                     CS_OK);
    ck_assert(value == 0.0625);
    cs_result_close(result);
}
END_TEST

/* A fitted scenario's figures (fit_figures/) as the writer takes them. */
static cs_output_figures *test_figures(void)
{
    cs_output_figures *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    snprintf(f->area_code, sizeof f->area_code, "E08000035");
    snprintf(f->area_name, sizeof f->area_name, "Leeds");
    snprintf(f->source, sizeof f->source, "la-csc-2013-2019.csv");
    f->first_year = 2013;
    f->last_year = 2016;
    f->n_measures = 2;
    static const char *const m[2] = {"cla_31_march", "cla_starts"};
    static const char *const k[2] = {"stock", "flow"};
    for (int i = 0; i < 2; i++) {
        snprintf(f->measure[i], sizeof f->measure[i], "%s", m[i]);
        snprintf(f->kind[i], sizeof f->kind[i], "%s", k[i]);
        snprintf(f->unit[i], sizeof f->unit[i], "children");
        snprintf(f->description[i], sizeof f->description[i], "words %d", i);
        for (int y = 0; y < 4; y++) {
            f->published[i][y] = 1000 * (i + 1) + y;
            f->fitted[i][y] = y == 0 ? NAN : 1000 * (i + 1) + y + 0.5;
        }
    }
    f->published[1][0] = NAN; /* a flow of the start year: none */
    return f;
}

START_TEST(test_fit_figures_round_trip_and_are_checked)
{
    char path[512];
    in_test_dir(path, sizeof path, "figures.h5");
    cs_output_figures *f = test_figures();
    write_records_file(path,
                       &(cs_output_scenario_info){.yaml = "name: placed\n",
                                                  .discount_rate = 0.035,
                                                  .figures = f});
    cs_result *result = open_result(path);
    cs_output_figures *got = malloc(sizeof *got);
    ck_assert_ptr_nonnull(got);
    int present = 0;
    cs_error err;
    ck_assert_int_eq(cs_result_read_figures(result, 0, got, &present, &err),
                     CS_OK);
    ck_assert_int_eq(present, 1);
    ck_assert_str_eq(got->area_code, "E08000035");
    ck_assert_str_eq(got->area_name, "Leeds");
    ck_assert_str_eq(got->source, "la-csc-2013-2019.csv");
    ck_assert_int_eq(got->first_year, 2013);
    ck_assert_int_eq(got->last_year, 2016);
    ck_assert_int_eq(got->n_measures, 2);
    for (int i = 0; i < 2; i++) {
        ck_assert_str_eq(got->measure[i], f->measure[i]);
        ck_assert_str_eq(got->kind[i], f->kind[i]);
        ck_assert_str_eq(got->unit[i], "children");
        ck_assert_str_eq(got->description[i], f->description[i]);
        for (int y = 0; y < 4; y++) {
            double a = f->published[i][y], b = got->published[i][y];
            double c = f->fitted[i][y], d = got->fitted[i][y];
            ck_assert(a == b || (isnan(a) && isnan(b)));
            ck_assert(c == d || (isnan(c) && isnan(d)));
        }
    }
    cs_result_close(result);
    /* a file without them says so */
    in_test_dir(path, sizeof path, "none.h5");
    write_records_file(path, INFO("name: placed\n"));
    result = open_result(path);
    present = 1;
    ck_assert_int_eq(cs_result_read_figures(result, 0, got, &present, &err),
                     CS_OK);
    ck_assert_int_eq(present, 0);
    cs_result_close(result);
    /* what a file cannot hold is refused before anything is written */
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    in_test_dir(path, sizeof path, "bad-figures.h5");
    ck_assert_int_eq(
        cs_output_create(path, 0, &meta, &test_dims, &output, &err), CS_OK);
    int index = -1;
    f->published[0][2] = -5;
    cs_output_scenario_info info = {
        .yaml = "x", .discount_rate = 0.035, .figures = f};
    ck_assert_int_eq(
        cs_output_add_scenario(output, "x", &info, 1, &index, &err), CS_EINPUT);
    ck_assert_str_eq(err.message, "fit figures: cla_31_march 2015: expected "
                                  "counts >= 0 or NaN, found -5 and 1002.5");
    f->published[0][2] = 5;
    f->last_year = 2013;
    ck_assert_int_eq(
        cs_output_add_scenario(output, "x", &info, 1, &index, &err), CS_EINPUT);
    cs_output_abort(output);
    free(got);
    free(f);
}
END_TEST

/* Provenance not given is not recorded (NULL), and a scenario that does not
 * say its DfE categories has them recorded as "unknown". */
START_TEST(test_records_not_given_read_as_not_recorded)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 1, 2, 0x3);
    cs_result *result = open_result(path);
    for (int s = 0; s < N_STAGES; s++)
        ck_assert_str_eq(cs_result_stage_category(result, s), "unknown");
    ck_assert_ptr_null(cs_result_extends_source(result, 0));
    ck_assert_ptr_null(cs_result_extends_hash(result, 0));
    ck_assert_ptr_null(cs_result_resolved_hash(result, 0));
    ck_assert(cs_result_discount_rate(result, 0) == 0.035);
    cs_result_close(result);
}
END_TEST

/* A format 1 file (written before the records existed) still reads: the
 * interventions from its cost lines, the groups from the placement ids, the
 * financial years from the months; the rest is not recorded. */
START_TEST(test_format_1_file_reads_with_derived_records)
{
    char path[512];
    in_test_dir(path, sizeof path, "old.h5");
    write_records_file(path, INFO("name: placed\n"));
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert_int_ge(file, 0);
    const char *added[] = {"dims/stage_intervention", "dims/stage_group",
                           "dims/stage_category", "dims/financial_year",
                           "dims/month_financial_year"};
    for (int i = 0; i < 5; i++)
        ck_assert_int_ge(H5Ldelete(file, added[i], H5P_DEFAULT), 0);
    ck_assert_int_ge(H5Adelete_by_name(file, "scenarios/placed",
                                       "discount_rate", H5P_DEFAULT),
                     0);
    hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
    int one = 1;
    ck_assert_int_ge(H5Awrite(attr, H5T_NATIVE_INT, &one), 0);
    H5Aclose(attr);
    H5Fclose(file);

    cs_result *result = open_result(path);
    ck_assert_int_eq(cs_result_format_version(result), 1);
    for (int s = 0; s < R_STAGES; s++) {
        ck_assert_str_eq(cs_result_stage_intervention(result, s),
                         r_intervention[s]);
        ck_assert_str_eq(cs_result_stage_group(result, s), r_group[s]);
        ck_assert_str_eq(cs_result_stage_category(result, s), "unknown");
    }
    ck_assert_int_eq(cs_result_n_financial_years(result), 2);
    ck_assert_str_eq(cs_result_financial_year_label(result, 1), "2020/21");
    for (int t = 0; t < N_MONTHS; t++)
        ck_assert_int_eq(cs_result_month_financial_year(result, t),
                         month_fy[t]);
    ck_assert(isnan(cs_result_discount_rate(result, 0)));
    ck_assert_int_eq(cs_result_n_runs_done(result, 0), 1);
    cs_result_close(result);
}
END_TEST

/* Records that would mislead a report are refused before anything is
 * written. */
START_TEST(test_records_that_mean_nothing_are_refused)
{
    char path[512];
    in_test_dir(path, sizeof path, "out.h5");
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    static const char *const odd[N_STAGES] = {"none", "sometimes", "late"};
    static const char *const adopted[N_STAGES] = {"none", "cin", "adopted"};
    static const int backwards[N_MONTHS] = {0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0, 0, 1, 0, 1};
    static const int skipping[N_MONTHS] = {0, 0, 0, 0, 0, 0, 0,
                                           0, 0, 0, 0, 0, 2, 2};
    cs_output_dims dims = test_dims;
    dims.stage_intervention = odd;
    ck_assert_int_eq(cs_output_create(path, 0, &meta, &dims, &output, &err),
                     CS_EINPUT);
    ck_assert_str_eq(err.message, "stage 'early_help': intervention "
                                  "'sometimes': expected none, early or late");
    dims = test_dims;
    dims.stage_category = adopted;
    ck_assert_int_eq(cs_output_create(path, 0, &meta, &dims, &output, &err),
                     CS_EINPUT);
    ck_assert_str_eq(err.message, "stage 'looked_after': DfE category "
                                  "'adopted': expected none, cin, cp or "
                                  "looked_after");
    dims = test_dims;
    dims.month_financial_year = backwards;
    ck_assert_int_eq(cs_output_create(path, 0, &meta, &dims, &output, &err),
                     CS_EINPUT);
    dims.month_financial_year = skipping;
    dims.n_financial_years = 3;
    ck_assert_int_eq(cs_output_create(path, 0, &meta, &dims, &output, &err),
                     CS_EINPUT);
    dims = test_dims;
    dims.stage_group = NULL;
    ck_assert_int_eq(cs_output_create(path, 0, &meta, &dims, &output, &err),
                     CS_EINPUT);
    ck_assert_str_eq(err.message, "output dimension labels missing");
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(count_temporaries(), 0);
}
END_TEST

/* --force replaces regular files only: a FIFO (standing in for a device
 * node) stays what it is, for create and for reopen. */
START_TEST(test_force_never_replaces_a_fifo_or_device)
{
    char path[512], from[512], want[1024];
    in_test_dir(path, sizeof path, "node");
    in_test_dir(from, sizeof from, "out.h5");
    write_output(from, 1, 1, 0x1);
    ck_assert_int_eq(mkfifo(path, 0644), 0);
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    snprintf(want, sizeof want,
             "output path '%s' exists and is not a regular file (a device, "
             "FIFO or socket); refusing to replace it (--force replaces "
             "regular files only)",
             path);
    ck_assert_int_eq(
        cs_output_create(path, 1, &meta, &test_dims, &output, &err), CS_EINPUT);
    ck_assert_str_eq(err.message, want);
    ck_assert_int_eq(cs_output_reopen(from, path, 1, &output, &err), CS_EINPUT);
    ck_assert_str_eq(err.message, want);
    ck_assert_int_eq(
        cs_output_create("/dev/null", 1, &meta, &test_dims, &output, &err),
        CS_EINPUT);
    struct stat info;
    ck_assert_int_eq(stat(path, &info), 0);
    ck_assert_msg(S_ISFIFO(info.st_mode), "%s is no longer a FIFO", path);
    ck_assert_int_eq(count_temporaries(), 0);
}
END_TEST

/* A name too long for its temporary, or for any path, is bad input
 * (CS_EINPUT), not a failure to write (CS_EIO). */
START_TEST(test_too_long_output_names_are_input_errors)
{
    char name[300], path[8192];
    memset(name, 'a', 250);
    name[250] = '\0';
    in_test_dir(path, sizeof path, name);
    cs_output_meta meta = test_meta();
    cs_output *output = NULL;
    cs_error err;
    ck_assert_int_eq(
        cs_output_create(path, 0, &meta, &test_dims, &output, &err), CS_EINPUT);
    ck_assert_msg(strstr(err.message, "is too long: 250 bytes, at most 240"),
                  "got: %s", err.message);
    size_t used = (size_t)snprintf(path, sizeof path, "%s", test_dir);
    while (used + 10 < 5000)
        used += (size_t)snprintf(path + used, sizeof path - used, "/dddddddd");
    ck_assert_int_eq(
        cs_output_create(path, 0, &meta, &test_dims, &output, &err), CS_EINPUT);
    ck_assert_msg(strstr(err.message, "is too long"), "got: %s", err.message);
    char from[512];
    in_test_dir(from, sizeof from, "out.h5");
    write_output(from, 1, 1, 0x1);
    in_test_dir(path, sizeof path, name);
    ck_assert_int_eq(cs_output_reopen(from, path, 0, &output, &err), CS_EINPUT);
    ck_assert_int_eq(count_temporaries(), 0);
}
END_TEST

/* A file that marks more runs done than it stores data for is refused at
 * open: a small file must not make readers read millions of fill values. */
START_TEST(test_reader_refuses_more_runs_done_than_stored)
{
    char path[512], want[1024];
    in_test_dir(path, sizeof path, "out.h5");
    write_output(path, 1, 6, 0x1); /* run 0 of 6 written */
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t done = H5Dopen2(file, "scenarios/scenario_0/run_done", H5P_DEFAULT);
    const unsigned char all[6] = {1, 1, 1, 1, 1, 1};
    ck_assert_int_ge(
        H5Dwrite(done, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, all),
        0);
    H5Dclose(done);
    H5Fclose(file);
    snprintf(want, sizeof want,
             "%s is not a valid cascade output file: scenario 'scenario_0' "
             "marks 6 of its 6 runs done, but its stocks holds data for at "
             "most 1 (a damaged or crafted file)",
             path);
    assert_open_fails(path, want);
}
END_TEST

/* Library code never prints, and leaves the caller's HDF5 error handler as
 * it found it. */
START_TEST(test_failures_print_nothing_and_restore_error_handler)
{
    char path[512], log[512];
    in_test_dir(path, sizeof path, "notes.txt");
    in_test_dir(log, sizeof log, "stderr.log");
    write_text_file(path, "hello");
    H5E_auto2_t func_before = NULL;
    void *data_before = NULL;
    H5Eget_auto2(H5E_DEFAULT, &func_before, &data_before);
    ck_assert_msg(func_before != NULL,
                  "expected HDF5's default error printer to be set");

    fflush(stderr);
    int saved = dup(2);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    cs_result *result = NULL;
    cs_error err;
    cs_result_open(path, &result, &err);
    cs_output_is_cascade_file(path);
    char truncated[512];
    in_test_dir(truncated, sizeof truncated, "bad.h5");
    write_text_file(truncated, "\x89HDF\r\n\x1a\n and then nothing");
    cs_result_open(truncated, &result, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);

    long size = 0;
    char *printed = read_whole_file(log, &size);
    ck_assert_msg(size == 0, "expected nothing on stderr, got \"%.300s\"",
                  printed);
    free(printed);
    H5E_auto2_t func_after = NULL;
    void *data_after = NULL;
    H5Eget_auto2(H5E_DEFAULT, &func_after, &data_after);
    ck_assert_msg(func_after == func_before && data_after == data_before,
                  "the HDF5 automatic error handler was not restored");
}
END_TEST

static Suite *output_suite(void)
{
    Suite *suite = suite_create("output");
    TCase *round_trip = tcase_create("round trip");
    tcase_add_checked_fixture(round_trip, make_test_dir, remove_test_dir);
    tcase_add_test(round_trip, test_round_trip_values_are_bit_exact);
    tcase_add_test(round_trip, test_round_trip_dims_labels);
    tcase_add_test(round_trip, test_costs_round_trip);
    tcase_add_test(round_trip, test_root_and_scenario_attributes_are_stored);
    tcase_add_test(round_trip,
                   test_stocks_are_chunked_per_run_year_and_compressed);
    tcase_add_test(round_trip, test_small_files_are_not_compressed);
    tcase_add_test(round_trip, test_every_axis_has_its_dimension_scale);
    tcase_add_test(round_trip,
                   test_copy_runs_fills_a_larger_file_at_the_same_indices);
    tcase_add_test(round_trip, test_scenarios_are_listed_in_creation_order);
    tcase_add_test(round_trip,
                   test_stage_calendar_and_scenario_records_round_trip);
    tcase_add_test(round_trip, test_records_not_given_read_as_not_recorded);
    tcase_add_test(round_trip, test_fit_figures_round_trip_and_are_checked);
    tcase_add_test(round_trip, test_format_1_file_reads_with_derived_records);
    suite_add_tcase(suite, round_trip);

    TCase *summary = tcase_create("summary");
    tcase_add_checked_fixture(summary, make_test_dir, remove_test_dir);
    tcase_add_test(summary, test_summary_matches_direct_computation_odd_runs);
    tcase_add_test(summary, test_summary_of_one_run_is_that_run);
    tcase_add_test(summary, test_summary_with_no_runs_written_is_nan);
    tcase_add_test(summary,
                   test_unwritten_run_reads_as_nan_and_is_not_summarised);
    suite_add_tcase(suite, summary);

    TCase *safety = tcase_create("safety");
    tcase_add_checked_fixture(safety, make_test_dir, remove_test_dir);
    tcase_add_test(safety, test_refuses_to_overwrite_a_non_cascade_file);
    tcase_add_test(safety, test_force_replaces_a_non_cascade_file);
    tcase_add_test(safety, test_replaces_an_earlier_cascade_file_without_force);
    tcase_add_test(safety,
                   test_abort_keeps_the_earlier_file_and_leaves_no_temporary);
    tcase_add_test(safety, test_no_file_at_path_until_close);
    tcase_add_test(safety, test_missing_directory_is_a_clear_error);
    tcase_add_test(safety, test_output_path_that_is_a_directory_is_refused);
    tcase_add_test(safety, test_bad_scenario_and_run_arguments_are_refused);
    tcase_add_test(safety, test_write_failure_is_eio_and_leaves_nothing);
    tcase_add_test(safety, test_records_that_mean_nothing_are_refused);
    tcase_add_test(safety, test_force_never_replaces_a_fifo_or_device);
    tcase_add_test(safety, test_too_long_output_names_are_input_errors);
    suite_add_tcase(suite, safety);

    TCase *reader = tcase_create("reader");
    tcase_add_checked_fixture(reader, make_test_dir, remove_test_dir);
    tcase_add_test(reader, test_reader_rejects_a_truncated_file);
    tcase_add_test(reader, test_reader_rejects_a_text_file);
    tcase_add_test(reader, test_reader_rejects_a_foreign_hdf5_file);
    tcase_add_test(reader, test_reader_rejects_a_newer_format);
    tcase_add_test(reader, test_reader_refuses_more_runs_done_than_stored);
    tcase_add_test(reader,
                   test_failures_print_nothing_and_restore_error_handler);
    suite_add_tcase(suite, reader);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(output_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
