/*
 * test_batch.c - the library's batch engine (cascade/batch.h): delivery in
 * list order whatever the threads, runs equal to stepping the model
 * directly, parameter draws, stopping, errors from runs and sinks, and the
 * HDF5 sink's complete and partial files.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cascade/cascade.h"

static const char *const small_yaml =
    "name: small\n"
    "base_date: 2019-04\n"
    "horizon_months: 30\n"
    "seed: 5\n"
    "economics: {price_base: 2019/20, general_inflation: 0.02}\n"
    "stages:\n"
    "  universal: {intervention: none}\n"
    "  cin: {intervention: late, unit_cost: {per_year: 5000}}\n"
    "  looked_after: {intervention: late, unit_cost: {per_year: 60000}}\n"
    "population:\n"
    "  total: 20000\n"
    "  remainder: universal\n"
    "  stages: {cin: {count: 900}, looked_after: {count: 150}}\n"
    "births: {per_year: 1000}\n"
    "transitions:\n"
    "  referral: {from: universal, to: cin, rate: 0.05}\n"
    "  closed: {from: cin, to: universal,\n"
    "           rate: {dist: gamma, mean: 1.5, sd: 0.2}}\n"
    "  into_care: {from: cin, to: looked_after, rate: 0.08}\n"
    "  home: {from: looked_after, to: universal, rate: 0.4}\n";

static cs_scenario *load(const char *yaml, const char *name)
{
    cs_scenario *sc = NULL;
    cs_error err;
    int rc = cs_scenario_load_string(yaml, strlen(yaml), name, NULL, &sc, &err);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    return sc;
}

static cs_batch *small_batch(void)
{
    cs_batch *b = NULL;
    cs_error err;
    ck_assert_int_eq(cs_batch_create(&b, &err), CS_OK);
    cs_scenario *sc = load(small_yaml, "small.yaml");
    int rc = cs_batch_add_scenario(b, sc, "small.yaml", &err);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    cs_scenario_free(sc);
    return b;
}

/* What a sink saw: each run's index, a checksum of its stocks and flows,
 * its first parameter, and whether its model was the batch's. */
typedef struct seen {
    int n;
    long run[64];
    double sum[64];
    double param[64];
    int own_model[64];
    const cs_model *mean_model;
    int stop_after; /* return 1 (stop) at this delivery, or error */
    int fail_after;
} seen;

static int record(void *ctx, const cs_run_record *r, cs_error *err)
{
    seen *s = ctx;
    if (s->fail_after && s->n == s->fail_after)
        return cs_error_set(err, CS_EIO, "sink failed on purpose");
    if (s->stop_after && s->n == s->stop_after)
        return 1;
    int months = cs_model_n_months(r->model);
    int cells = months * cs_model_n_stages(r->model) * CS_AGES;
    double sum = 0;
    for (int i = 0; i < cells; i++)
        sum += r->stocks[i] * (double)(i % 7 + 1);
    for (int i = 0; i < months * cs_model_n_flows(r->model); i++)
        sum += r->flows[i] * (double)(i % 5 + 1);
    s->run[s->n] = r->run;
    s->sum[s->n] = sum;
    s->param[s->n] = r->n_params ? r->params[0] : NAN;
    s->own_model[s->n] = r->model != s->mean_model;
    s->n++;
    return CS_OK;
}

START_TEST(test_delivery_in_list_order_for_any_threads)
{
    cs_batch *b = small_batch();
    const long runs[] = {5, 0, 3, 11, 2, 7, 1};
    const long n = 7;
    seen one = {0}, many = {0};
    cs_error err;
    cs_batch_settings s;
    cs_batch_settings_init(&s);
    s.seed = 99;
    long delivered = -1;
    ck_assert_int_eq(
        cs_batch_compute(b, &s, 0, runs, n, record, &one, &delivered, &err),
        CS_OK);
    ck_assert_int_eq(delivered, n);
    s.threads = 3;
    ck_assert_int_eq(
        cs_batch_compute(b, &s, 0, runs, n, record, &many, &delivered, &err),
        CS_OK);
    ck_assert_int_eq(one.n, n);
    ck_assert_int_eq(many.n, n);
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(one.run[i], runs[i]);
        ck_assert_int_eq(many.run[i], runs[i]);
        ck_assert_msg(one.sum[i] == many.sum[i],
                      "run %ld: 1 thread %.17g, 3 threads %.17g", runs[i],
                      one.sum[i], many.sum[i]);
    }
    cs_batch_free(b);
}
END_TEST

/* A run of the batch is the model stepped directly with its own drawn
 * scenario: the batch adds threads, not numbers. */
START_TEST(test_a_run_is_its_drawn_model_stepped)
{
    cs_batch *b = small_batch();
    cs_error err;
    cs_batch_settings s;
    cs_batch_settings_init(&s);
    s.seed = 42;
    seen got = {.mean_model = cs_batch_model(b, 0)};
    const long runs[] = {4};
    ck_assert_int_eq(
        cs_batch_compute(b, &s, 0, runs, 1, record, &got, NULL, &err), CS_OK);
    ck_assert(got.own_model[0]); /* it drew its parameters */

    cs_scenario *drawn = NULL;
    double value[CS_MAX_PARAMETERS];
    ck_assert_int_eq(
        cs_scenario_draw(cs_batch_scenario(b, 0), 42, 4, &drawn, value, &err),
        CS_OK);
    ck_assert_double_eq(value[0], got.param[0]);
    cs_model *m = NULL;
    ck_assert_int_eq(cs_model_compile(drawn, &m, &err), CS_OK);
    int months = cs_model_n_months(m);
    double *stocks =
        calloc((size_t)months * cs_model_n_stages(m) * CS_AGES, sizeof *stocks);
    double *flows = calloc((size_t)months * cs_model_n_flows(m), sizeof *flows);
    cs_sim *sim = cs_sim_alloc(m);
    cs_sim_run(sim, CS_SIM_STOCHASTIC, 42, 4, stocks, flows, NULL);
    seen direct = {0};
    cs_run_record r = {.model = m, .run = 4, .stocks = stocks, .flows = flows};
    record(&direct, &r, &err);
    ck_assert_msg(direct.sum[0] == got.sum[0], "batch %.17g, direct %.17g",
                  got.sum[0], direct.sum[0]);

    /* without parameter uncertainty every run uses the mean model */
    s.parameter_uncertainty = 0;
    seen means = {.mean_model = cs_batch_model(b, 0)};
    ck_assert_int_eq(
        cs_batch_compute(b, &s, 0, runs, 1, record, &means, NULL, &err), CS_OK);
    ck_assert(!means.own_model[0]);
    ck_assert_double_eq(means.param[0], 1.5);
    cs_sim_free(sim);
    free(stocks);
    free(flows);
    cs_model_free(m);
    cs_scenario_free(drawn);
    cs_batch_free(b);
}
END_TEST

START_TEST(test_stop_and_errors_end_the_batch)
{
    cs_batch *b = small_batch();
    cs_error err;
    cs_batch_settings s;
    cs_batch_settings_init(&s);
    s.threads = 2;
    long runs[40];
    for (int i = 0; i < 40; i++)
        runs[i] = i;
    long delivered = -1;
    /* a sink that asks to stop: CS_OK, and the runs before it */
    seen stopper = {.stop_after = 3};
    ck_assert_int_eq(cs_batch_compute(b, &s, 0, runs, 40, record, &stopper,
                                      &delivered, &err),
                     CS_OK);
    ck_assert_int_eq(delivered, 3);
    ck_assert_int_eq(stopper.n, 3);
    /* a sink's error is the batch's */
    seen failing = {.fail_after = 5};
    ck_assert_int_eq(cs_batch_compute(b, &s, 0, runs, 40, record, &failing,
                                      &delivered, &err),
                     CS_EIO);
    ck_assert_int_eq(delivered, 5);
    ck_assert_str_eq(err.message, "sink failed on purpose");
    /* the stop flag, set before: nothing is delivered */
    volatile sig_atomic_t stop = 1;
    s.stop = &stop;
    seen none = {0};
    ck_assert_int_eq(
        cs_batch_compute(b, &s, 0, runs, 40, record, &none, &delivered, &err),
        CS_OK);
    ck_assert_int_eq(delivered, 0);
    /* bad arguments */
    s.stop = NULL;
    s.threads = 0;
    ck_assert_int_eq(
        cs_batch_compute(b, &s, 0, runs, 4, record, &none, NULL, &err),
        CS_EINPUT);
    s.threads = 1;
    ck_assert_int_eq(
        cs_batch_compute(b, &s, 3, runs, 4, record, &none, NULL, &err),
        CS_EINPUT);
    cs_batch_free(b);
}
END_TEST

START_TEST(test_scenarios_must_fit_together)
{
    cs_batch *b = small_batch();
    cs_error err;
    /* the same name twice */
    cs_scenario *same = load(small_yaml, "again.yaml");
    ck_assert_int_eq(cs_batch_add_scenario(b, same, "again.yaml", &err),
                     CS_EINPUT);
    ck_assert_msg(strstr(err.message, "again.yaml: two scenarios are named"),
                  "%s", err.message);
    /* another horizon */
    char other[2048];
    snprintf(other, sizeof other, "%s", small_yaml);
    char *h = strstr(other, "horizon_months: 30");
    memcpy(h, "horizon_months: 31", 18);
    char *name = strstr(other, "name: small");
    memcpy(name, "name: other", 11);
    cs_scenario *longer = load(other, "longer.yaml");
    ck_assert_int_eq(cs_batch_add_scenario(b, longer, "longer.yaml", &err),
                     CS_EINPUT);
    ck_assert_msg(strstr(err.message, "must share base_date and horizon"), "%s",
                  err.message);
    ck_assert_int_eq(cs_batch_n_scenarios(b), 1);
    cs_scenario_free(same);
    cs_scenario_free(longer);
    cs_batch_free(b);
}
END_TEST

static int sum_done(const char *path)
{
    cs_result *r = NULL;
    cs_error err;
    ck_assert_int_eq(cs_result_open(path, &r, &err), CS_OK);
    int n = cs_result_n_runs(r, 0), done = 0;
    unsigned char *flags = malloc((size_t)n);
    ck_assert_int_eq(cs_result_read_run_done(r, 0, flags, &err), CS_OK);
    for (int i = 0; i < n; i++)
        done += flags[i];
    free(flags);
    cs_result_close(r);
    return done;
}

/* A stopped batch is saved as PATH.partial; resuming completes it at PATH
 * and uses the partial file up. */
START_TEST(test_write_partial_then_resume)
{
    char dir[] = "/tmp/cascade-batch-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], partial[256];
    snprintf(path, sizeof path, "%s/b.h5", dir);
    ck_assert_int_eq(cs_batch_partial_path(path, partial, sizeof partial), 0);
    ck_assert_str_eq(partial + strlen(path), ".partial");
    cs_batch *b = small_batch();
    cs_error err;
    cs_batch_settings s;
    cs_batch_settings_init(&s);
    volatile sig_atomic_t stop = 1; /* stopped before the first run */
    s.stop = &stop;
    cs_batch_file f = {.path = path, .n_runs = 6, .last = -1};
    cs_batch_outcome o;
    ck_assert_int_eq(cs_batch_write(b, &s, &f, &o, &err), CS_OK);
    ck_assert_int_eq(o.complete, 0);
    ck_assert_int_eq(o.runs_done, 0);
    ck_assert_str_eq(o.written, partial);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(sum_done(partial), 0);
    stop = 0;
    f.resume = 1;
    f.n_runs = 0; /* the file's */
    ck_assert_int_eq(cs_batch_write(b, &s, &f, &o, &err), CS_OK);
    ck_assert_int_eq(o.complete, 1);
    ck_assert_int_eq(o.n_runs, 6);
    ck_assert_int_eq(o.runs_done, 6);
    ck_assert_str_eq(o.written, path);
    ck_assert_int_ne(access(partial, F_OK), 0);
    ck_assert_int_eq(sum_done(path), 6);
    /* a slice outside the batch is refused before anything is written */
    f.resume = 0;
    f.n_runs = 6;
    f.first = 4;
    f.last = 6;
    ck_assert_int_eq(cs_batch_write(b, &s, &f, &o, &err), CS_EINPUT);
    ck_assert_msg(strstr(err.message, "the batch has runs 0 to 5"), "%s",
                  err.message);
    unlink(path);
    rmdir(dir);
    cs_batch_free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("batch");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_delivery_in_list_order_for_any_threads);
    tcase_add_test(tc, test_a_run_is_its_drawn_model_stepped);
    tcase_add_test(tc, test_stop_and_errors_end_the_batch);
    tcase_add_test(tc, test_scenarios_must_fit_together);
    tcase_add_test(tc, test_write_partial_then_resume);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
