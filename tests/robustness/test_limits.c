/*
 * test_limits.c - the limits that keep hostile sizes from overflowing or
 * filling a disk, checked through the public API with exact messages:
 *
 *   - output dims whose one-run size overflows 64 bits, or whose HDF5
 *     chunk would pass 4 GiB, are refused by cs_output_create;
 *   - more runs than any disk holds, or than a file may hold
 *     (CS_OUTPUT_MAX_RUNS), are refused by cs_output_add_scenario before
 *     anything is written;
 *   - the largest total rate a scenario can express still compiles to
 *     monthly probabilities that are finite and sum to at most 1 (the
 *     competing-hazards form p_i = r_i / R (1 - exp(-R/12)) cannot pass 1,
 *     which is why "probabilities whose monthly total exceeds 1" cannot
 *     be written in a scenario at all).
 */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cascade/model.h"
#include "cascade/output.h"
#include "cascade/scenario.h"

/* A scenario's information: its text and the Green Book discount rate. */
#define INFO(text)                                                             \
    (&(cs_output_scenario_info){.yaml = (text), .discount_rate = 0.035})

static char test_dir[] = "/tmp/cascade-limits-XXXXXX";
static char out_path[sizeof test_dir + 16];

static void make_dir(void)
{
    strcpy(test_dir + sizeof test_dir - 7, "XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(test_dir));
    snprintf(out_path, sizeof out_path, "%s/out.h5", test_dir);
}

static void remove_dir(void)
{
    rmdir(test_dir);
}

static const char *const one_label[1] = {"x"};
static const char *const months[2] = {"2019-04", "2019-05"};
static const char *const none[1] = {"none"};
static const char *const fys[1] = {"2019/20"};
static const int month_fy[600] = {0}; /* all in the first year */
static const cs_output_meta meta = {.cascade_version = "test",
                                    .command_line = "test_limits",
                                    .seed = 1,
                                    .rng = "philox4x32-10",
                                    .scenario_yaml = "name: x\n"};

static void assert_matches(const char *message, const char *pattern)
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&re, message, 0, NULL, 0);
    regfree(&re);
    ck_assert_msg(rc == 0, "expected a message matching\n  %s\ngot\n  %s",
                  pattern, message);
}

START_TEST(test_dims_too_large_to_count_are_refused)
{
    /* Labels are never read: the size check comes first. */
    cs_output_dims dims = {.n_months = INT_MAX,
                           .month_labels = one_label,
                           .n_stages = INT_MAX,
                           .stage_labels = one_label,
                           .n_ages = INT_MAX,
                           .n_transitions = 1,
                           .transition_labels = one_label,
                           .transition_from = one_label,
                           .transition_to = one_label,
                           .stage_intervention = none,
                           .stage_group = none,
                           .n_financial_years = 1,
                           .financial_year_labels = fys,
                           .month_financial_year = month_fy};
    cs_output *out = NULL;
    cs_error err;
    ck_assert_int_eq(cs_output_create(out_path, 0, &meta, &dims, &out, &err),
                     CS_EINPUT);
    ck_assert_ptr_null(out);
    char want[512];
    snprintf(want, sizeof want,
             "%s: one run of 2147483647 months x 2147483647 stages x "
             "2147483647 ages and 1 transitions is too large to count in 64 "
             "bits",
             out_path);
    ck_assert_str_eq(err.message, want);
    ck_assert_int_ne(access(out_path, F_OK), 0);
}
END_TEST

START_TEST(test_chunk_over_4_gib_is_refused)
{
    cs_output_dims dims = {.n_months = 12,
                           .month_labels = one_label,
                           .n_stages = 1 << 20,
                           .stage_labels = one_label,
                           .n_ages = 64,
                           .n_transitions = 1,
                           .transition_labels = one_label,
                           .transition_from = one_label,
                           .transition_to = one_label,
                           .stage_intervention = none,
                           .stage_group = none,
                           .n_financial_years = 1,
                           .financial_year_labels = fys,
                           .month_financial_year = month_fy};
    cs_output *out = NULL;
    cs_error err;
    ck_assert_int_eq(cs_output_create(out_path, 0, &meta, &dims, &out, &err),
                     CS_EINPUT);
    char want[512];
    snprintf(want, sizeof want,
             "%s: one run of 12 months x 1048576 stages x 64 ages and 1 "
             "transitions is too large for an HDF5 chunk (4 GiB at most)",
             out_path);
    ck_assert_str_eq(err.message, want);
}
END_TEST

/* 600 months of 32 stages x 18 ages and 100,000 transitions: about 60
 * million values a run (flows chunk 480 MB, under HDF5's 4 GiB). */
static cs_output *create_wide_output(void)
{
    static const char *labels[100000], *kinds[32];
    for (int i = 0; i < 100000; i++)
        labels[i] = "2019-04";
    for (int i = 0; i < 32; i++)
        kinds[i] = "none";
    cs_output_dims dims = {.n_months = 600,
                           .month_labels = labels,
                           .n_stages = 32,
                           .stage_labels = labels,
                           .n_ages = 18,
                           .n_transitions = 100000,
                           .transition_labels = labels,
                           .transition_from = labels,
                           .transition_to = labels,
                           .stage_intervention = kinds,
                           .stage_group = kinds,
                           .n_financial_years = 1,
                           .financial_year_labels = fys,
                           .month_financial_year = month_fy};
    cs_output *out = NULL;
    cs_error err;
    ck_assert_msg(cs_output_create(out_path, 0, &meta, &dims, &out, &err) ==
                      CS_OK,
                  "%s", err.message);
    return out;
}

START_TEST(test_more_runs_than_the_disk_holds_are_refused_up_front)
{
    /* 10,000,000 runs (the most a file may have) of 600 months x (32
     * stages x 18 ages + 100,000 transitions + 2 spend) is 4.8 EB, 302 TB
     * at 16:1: more than any test machine has free. */
    cs_output *out = create_wide_output();
    cs_error err;
    int index = -1;
    ck_assert_int_eq(cs_output_add_scenario(out, "x", INFO("name: x\n"),
                                            CS_OUTPUT_MAX_RUNS, &index, &err),
                     CS_EINPUT);
    char pattern[512];
    snprintf(pattern, sizeof pattern,
             "^%s: needs about 301\\.7 TB for 10000000 runs; only "
             "[0-9.]+ (bytes|kB|MB|GB|TB) free on %s; use fewer runs or "
             "another directory$",
             out_path, test_dir);
    assert_matches(err.message, pattern);
    cs_output_abort(out);
    ck_assert_int_ne(access(out_path, F_OK), 0);
}
END_TEST

/* More runs than CS_OUTPUT_MAX_RUNS: refused whatever the disk. */
START_TEST(test_more_runs_than_a_file_may_hold_are_refused)
{
    cs_output *out = create_wide_output();
    cs_error err;
    int index = -1;
    ck_assert_int_eq(cs_output_add_scenario(out, "x", INFO("name: x\n"),
                                            INT_MAX, &index, &err),
                     CS_EINPUT);
    ck_assert_str_eq(err.message, "scenario 'x' needs from 1 to 10000000 "
                                  "runs (got 2147483647)");
    cs_output_abort(out);
    ck_assert_int_ne(access(out_path, F_OK), 0);
}
END_TEST

START_TEST(test_a_small_run_count_is_not_refused)
{
    cs_output_dims dims = {.n_months = 2,
                           .month_labels = months,
                           .n_stages = 1,
                           .stage_labels = one_label,
                           .n_ages = 1,
                           .n_transitions = 1,
                           .transition_labels = one_label,
                           .transition_from = one_label,
                           .transition_to = one_label,
                           .stage_intervention = none,
                           .stage_group = none,
                           .n_financial_years = 1,
                           .financial_year_labels = fys,
                           .month_financial_year = month_fy};
    cs_output *out = NULL;
    cs_error err;
    ck_assert_int_eq(cs_output_create(out_path, 0, &meta, &dims, &out, &err),
                     CS_OK);
    int index = -1;
    ck_assert_msg(cs_output_add_scenario(out, "x", INFO("name: x\n"), 1000,
                                         &index, &err) == CS_OK,
                  "%s", err.message);
    cs_output_abort(out);
}
END_TEST

/* Every rate at its cap: 100 transitions out of one stage at 1000 a year,
 * times a duration factor of 1000, times four mark multipliers of 1000:
 * 1e18 a year each, 1e20 in total. */
static char *huge_total_rate_scenario(void)
{
    size_t size = 64 * 1024, used = 0;
    char *text = malloc(size);
    ck_assert_ptr_nonnull(text);
    used += (size_t)snprintf(
        text + used, size - used,
        "name: huge-total-rate\nbase_date: 2019-04\nhorizon_months: 2\n"
        "marks: {a: {}, b: {}, c: {}, d: {}}\n"
        "stages: {universal: {intervention: none}, cin: {intervention: "
        "late}}\n"
        "population: {total: 1000, remainder: universal, stages: {cin: "
        "{count: 100, marked: {a: 1, b: 1, c: 1, d: 1}}}}\n"
        "births: {per_year: 12}\n"
        "transitions:\n"
        "  in: {from: universal, to: cin, rate: 1000}\n");
    for (int i = 0; i < 100; i++)
        used += (size_t)snprintf(
            text + used, size - used,
            "  out%d: {from: cin, to: universal, rate: 1000, by_duration: "
            "[{months: 0+, factor: 1000}], if_marked: {a: 1000, b: 1000, "
            "c: 1000, d: 1000}}\n",
            i);
    ck_assert_uint_lt(used, size - 1);
    return text;
}

START_TEST(test_huge_total_rate_compiles_to_probabilities_summing_to_1)
{
    char *text = huge_total_rate_scenario();
    cs_scenario *scenario = NULL;
    cs_model *model = NULL;
    cs_error err;
    int rc = cs_scenario_load_string(text, strlen(text), "huge.yaml", NULL,
                                     &scenario, &err);
    free(text);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    ck_assert_int_eq(scenario->n_transitions, 101);
    ck_assert_msg(cs_model_compile(scenario, &model, &err) == CS_OK, "%s",
                  err.message);
    int cin = cs_scenario_find_stage(scenario, "cin");
    for (unsigned marks = 0; marks < 16; marks++)
        for (int age = 0; age < CS_AGES; age++) {
            double total = 0;
            for (int t = 0; t < scenario->n_transitions; t++) {
                double p = cs_model_transition_probability(model, cin, age, 0,
                                                           marks, t);
                ck_assert_msg(isfinite(p) && p >= 0 && p <= 1,
                              "transition %d: p = %g", t, p);
                total += p;
            }
            ck_assert_msg(total <= 1 + 1e-12, "marks %u age %d: total %.17g",
                          marks, age, total);
            /* 1e20 a year: everyone leaves within the month. */
            ck_assert_msg(total > 1 - 1e-12, "marks %u: total %.17g", marks,
                          total);
        }
    cs_model_free(model);
    cs_scenario_free(scenario);
}
END_TEST

START_TEST(test_competing_hazards_never_exceed_1)
{
    const double rates[4] = {1e18, 1e18, 1000, 1e-300};
    double p[4];
    cs_competing_monthly(4, rates, p);
    double total = 0;
    for (int i = 0; i < 4; i++) {
        ck_assert(isfinite(p[i]) && p[i] >= 0 && p[i] <= 1);
        total += p[i];
    }
    ck_assert_msg(total <= 1 + 1e-15, "total %.17g", total);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("limits");
    TCase *output = tcase_create("output size");
    tcase_add_checked_fixture(output, make_dir, remove_dir);
    tcase_add_test(output, test_dims_too_large_to_count_are_refused);
    tcase_add_test(output, test_chunk_over_4_gib_is_refused);
    tcase_add_test(output,
                   test_more_runs_than_the_disk_holds_are_refused_up_front);
    tcase_add_test(output, test_a_small_run_count_is_not_refused);
    tcase_add_test(output, test_more_runs_than_a_file_may_hold_are_refused);
    suite_add_tcase(suite, output);
    TCase *rates = tcase_create("rates");
    tcase_add_test(rates,
                   test_huge_total_rate_compiles_to_probabilities_summing_to_1);
    tcase_add_test(rates, test_competing_hazards_never_exceed_1);
    suite_add_tcase(suite, rates);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
