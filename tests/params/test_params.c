/*
 * test_params.c - parameter uncertainty: distributions given in a scenario
 * land on the right numbers under paths that name them, each draws from
 * the stream of its path (so adding, removing or reordering parameters
 * changes no other's draws), the draws match their distributions, and
 * distributions whose draws or quantiles would not be finite are refused.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "cascade/econ.h"
#include "cascade/rng.h"
#include "cascade/scenario.h"

static const char *const yaml =
    "name: params\n"
    "base_date: 2019-04\n"
    "horizon_months: 12\n"
    "stages:\n"
    "  universal: {intervention: none}\n"
    "  cin: {intervention: late, unit_cost: {per_week: {dist: uniform, min: "
    "70, max: 130}}}\n"
    "population: {total: 1000, remainder: universal}\n"
    "births: {per_year: 0}\n"
    "transitions:\n"
    "  referral:\n"
    "    from: universal\n"
    "    to: cin\n"
    "    rate: 0.01\n"
    "    by_age:\n"
    "      - {ages: 10-17, rate: {dist: normal, mean: 0.2, sd: 0.05}}\n"
    "      - {ages: 0-9, rate: {dist: gamma, mean: 0.05, sd: 0.01}}\n"
    "  closed:\n"
    "    from: cin\n"
    "    to: universal\n"
    "    rate: {dist: lognormal, mean: 1.5, sd: 0.3}\n"
    "    by_duration:\n"
    "      - {months: 0-2, factor: {dist: beta, mean: 0.3, sd: 0.1}}\n"
    "      - {months: 3+, factor: {dist: triangular, min: 0.5, mode: 1, "
    "max: 2}}\n";

/* The same parameters, the transitions and by_age bands in another order. */
static const char *const reordered_yaml =
    "name: params\n"
    "base_date: 2019-04\n"
    "horizon_months: 12\n"
    "stages:\n"
    "  universal: {intervention: none}\n"
    "  cin: {intervention: late, unit_cost: {per_week: {dist: uniform, min: "
    "70, max: 130}}}\n"
    "population: {total: 1000, remainder: universal}\n"
    "births: {per_year: 0}\n"
    "transitions:\n"
    "  closed:\n"
    "    from: cin\n"
    "    to: universal\n"
    "    rate: {dist: lognormal, mean: 1.5, sd: 0.3}\n"
    "    by_duration:\n"
    "      - {months: 0-2, factor: {dist: beta, mean: 0.3, sd: 0.1}}\n"
    "      - {months: 3+, factor: {dist: triangular, min: 0.5, mode: 1, "
    "max: 2}}\n"
    "  referral:\n"
    "    from: universal\n"
    "    to: cin\n"
    "    rate: 0.01\n"
    "    by_age:\n"
    "      - {ages: 0-9, rate: {dist: gamma, mean: 0.05, sd: 0.01}}\n"
    "      - {ages: 10-17, rate: {dist: normal, mean: 0.2, sd: 0.05}}\n";

static cs_scenario *load(void)
{
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_string(yaml, strlen(yaml), "params.yaml", NULL,
                                     &s, &err);
    ck_assert_msg(rc == CS_OK, "load: %s", err.message);
    return s;
}

/* The number a parameter's target names, in s (the test's own reading of
 * cs_target, as scenario.h documents it). */
static double at_target(const cs_scenario *s, const cs_target *t)
{
    const cs_transition *tr = &s->transitions[t->index];
    switch (t->kind) {
    case CS_TARGET_TRANSITION_RATE:
        return tr->rate;
    case CS_TARGET_TREND:
        return tr->trend_per_year;
    case CS_TARGET_AGE_RATE:
        for (int j = 0; j < tr->n_by_age; j++)
            if (tr->by_age[j].age_lo == t->sub)
                return tr->by_age[j].rate;
        return NAN;
    case CS_TARGET_DURATION_FACTOR:
        return tr->by_duration[t->sub].factor;
    case CS_TARGET_MARK_FACTOR:
        return tr->mark_factor[t->sub];
    case CS_TARGET_UNIT_COST:
        return s->stages[t->index].unit_cost;
    case CS_TARGET_PLACES:
        return s->stages[t->index].places;
    case CS_TARGET_LEVER_MULTIPLY:
        return s->levers[t->index].multiply;
    case CS_TARGET_LEVER_ADD:
        return s->levers[t->index].add;
    }
    return NAN;
}

static int find_parameter(const cs_scenario *s, const char *path)
{
    for (int i = 0; i < s->n_parameters; i++)
        if (!strcmp(s->parameters[i].path, path))
            return i;
    return -1;
}

/* Each distribution is registered against the number it replaces, under a
 * path that names it by what it is (by_age bands by their ages, duration
 * bands by their months): drawing changes exactly that number, wherever
 * sorting moved its band. */
START_TEST(test_parameters_land_on_their_numbers)
{
    cs_scenario *s = load();
    ck_assert_int_eq(s->n_parameters, 6);
    /* means in place, unit cost scaled from per week to per month */
    ck_assert_double_eq_tol(s->stages[1].unit_cost, 100 * 365.25 / 7 / 12,
                            1e-9);
    const cs_transition *ref = &s->transitions[0];
    ck_assert_int_eq(ref->by_age[0].age_lo, 0); /* sorted */
    ck_assert_double_eq_tol(ref->by_age[0].rate, 0.05, 1e-15);
    ck_assert_double_eq_tol(ref->by_age[1].rate, 0.2, 1e-15);
    static const char *const paths[] = {
        "stages.cin.unit_cost.per_week",
        "transitions.referral.by_age[10-17].rate",
        "transitions.referral.by_age[0-9].rate",
        "transitions.closed.rate",
        "transitions.closed.by_duration[0-2].factor",
        "transitions.closed.by_duration[3+].factor"};
    for (int i = 0; i < 6; i++)
        ck_assert_msg(!strcmp(s->parameters[i].path, paths[i]),
                      "parameter %d: expected %s, got %s", i, paths[i],
                      s->parameters[i].path);
    cs_scenario *d = NULL;
    cs_error err;
    double drawn[CS_MAX_PARAMETERS];
    ck_assert_int_eq(cs_scenario_draw(s, 7, 3, &d, drawn, &err), CS_OK);
    for (int i = 0; i < s->n_parameters; i++) {
        const cs_parameter *p = &s->parameters[i];
        ck_assert_double_eq_tol(at_target(d, &p->target), drawn[i] * p->scale,
                                1e-12);
        ck_assert_msg(drawn[i] != p->mean, "%s drew exactly its mean", p->path);
        ck_assert_double_eq(at_target(s, &p->target), p->mean * p->scale);
    }
    int young = find_parameter(s, "transitions.referral.by_age[0-9].rate");
    int old = find_parameter(s, "transitions.referral.by_age[10-17].rate");
    ck_assert(young >= 0 && old >= 0);
    ck_assert_double_eq(d->transitions[0].by_age[0].rate, drawn[young]);
    ck_assert_double_eq(d->transitions[0].by_age[1].rate, drawn[old]);
    /* everything else is the scenario's */
    ck_assert_double_eq(d->transitions[0].rate, 0.01);
    /* the copy owns its strings */
    ck_assert_ptr_ne(d->resolved_yaml, s->resolved_yaml);
    ck_assert_str_eq(d->resolved_yaml, s->resolved_yaml);
    ck_assert_str_eq(d->resolved_hash, s->resolved_hash);
    cs_scenario_free(d);
    cs_scenario_free(s);
}
END_TEST

/* FNV-1a 32, written out again: a parameter's stream is this of its path. */
static uint32_t fnv1a32(const char *text)
{
    uint32_t h = 2166136261u;
    for (const char *p = text; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 16777619u;
    }
    return h;
}

START_TEST(test_stream_is_the_fnv1a_hash_of_the_path)
{
    ck_assert_uint_eq(fnv1a32("a"), 0xe40c292cu); /* the published vector */
    cs_scenario *s = load();
    for (int i = 0; i < s->n_parameters; i++)
        ck_assert_uint_eq(s->parameters[i].stream,
                          fnv1a32(s->parameters[i].path));
    /* and the draw is the stream's: a parameter keyed by hand agrees */
    const cs_parameter *p = &s->parameters[3]; /* closed.rate, lognormal */
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_reset(r, 11, 4, CS_RNG_PARAMETERS, p->stream);
    double m = p->a, sd = p->b, s2 = log1p(sd * sd / (m * m));
    double want = gsl_ran_lognormal(r, log(m) - s2 / 2, sqrt(s2));
    gsl_rng_free(r);
    cs_scenario *d = NULL;
    double drawn[CS_MAX_PARAMETERS];
    ck_assert_int_eq(cs_scenario_draw(s, 11, 4, &d, drawn, NULL), CS_OK);
    ck_assert_double_eq_tol(drawn[3], want, 1e-12 * want);
    cs_scenario_free(d);
    cs_scenario_free(s);
}
END_TEST

static const char *scenarios_dir(void)
{
    const char *dir = getenv("CS_SCENARIOS");
    return dir ? dir : "scenarios";
}

static cs_scenario *load_text_in(const char *text, const char *name,
                                 const char *dir)
{
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_string(text, strlen(text), name, dir, &s, &err);
    ck_assert_msg(rc == CS_OK, "%s: %s", name, err.message);
    return s;
}

/* Every parameter of a that b has too (by path) drew the same in each of
 * runs 0..n_runs-1; returns how many were compared. */
static int assert_shared_draws_equal(const cs_scenario *a, const cs_scenario *b,
                                     int n_runs)
{
    int shared = 0;
    for (int run = 0; run < n_runs; run++) {
        double x[CS_MAX_PARAMETERS], y[CS_MAX_PARAMETERS];
        cs_scenario *da = NULL, *db = NULL;
        ck_assert_int_eq(cs_scenario_draw(a, 2019, (uint32_t)run, &da, x, NULL),
                         CS_OK);
        ck_assert_int_eq(cs_scenario_draw(b, 2019, (uint32_t)run, &db, y, NULL),
                         CS_OK);
        shared = 0;
        for (int i = 0; i < a->n_parameters; i++) {
            int j = find_parameter(b, a->parameters[i].path);
            if (j < 0)
                continue;
            shared++;
            ck_assert_msg(x[i] == y[j], "run %d: %s drew %.17g and %.17g", run,
                          a->parameters[i].path, x[i], y[j]);
        }
        cs_scenario_free(da);
        cs_scenario_free(db);
    }
    return shared;
}

/*
 * The what-if of issue 10: one more uncertain rate on top of the uncertain
 * baseline must leave the draws of the parameters the two share as they
 * were (keyed by position, 5 of 11 changed when the issue was found; the
 * uncertain baseline has 6 since its rates are the fit's). Removing one,
 * and writing the same parameters in another order, leave the others
 * alone too.
 */
START_TEST(test_adding_removing_or_reordering_never_changes_other_draws)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", scenarios_dir());
    char path[1200];
    snprintf(path, sizeof path, "%s/england-baseline-uncertain.yaml", dir);
    cs_scenario *base = NULL;
    cs_error err;
    ck_assert_msg(cs_scenario_load_file(path, &base, &err) == CS_OK, "%s",
                  err.message);
    ck_assert_int_eq(base->n_parameters, 6);
    cs_scenario *more = load_text_in(
        "extends: england-baseline-uncertain.yaml\n"
        "transitions.need_resolves.rate: {dist: gamma, mean: 1.2, sd: 0.1}\n",
        "more.yaml", dir);
    ck_assert_int_eq(more->n_parameters, 7);
    ck_assert_int_eq(assert_shared_draws_equal(base, more, 50), 6);
    cs_scenario *fewer =
        load_text_in("extends: england-baseline-uncertain.yaml\n"
                     "transitions.need_emerges.rate: 0.08396\n",
                     "fewer.yaml", dir);
    ck_assert_int_eq(fewer->n_parameters, 5);
    ck_assert_int_eq(assert_shared_draws_equal(base, fewer, 50), 5);

    /* the test scenario with its transitions and bands in another order */
    cs_scenario *a = load(),
                *b = load_text_in(reordered_yaml, "reordered.yaml", NULL);
    ck_assert_str_eq(b->transitions[0].id, "closed");
    ck_assert_int_ne(strcmp(a->parameters[1].path, b->parameters[1].path), 0);
    ck_assert_int_eq(assert_shared_draws_equal(a, b, 50), 6);
    cs_scenario_free(a);
    cs_scenario_free(b);
    cs_scenario_free(base);
    cs_scenario_free(more);
    cs_scenario_free(fewer);
}
END_TEST

/* A path draws the same value in two scenarios that have little else in
 * common, for the same seed and run. */
START_TEST(test_same_path_draws_the_same_in_another_scenario)
{
    cs_scenario *a = load();
    cs_scenario *b = load_text_in(
        "name: other\nbase_date: 2015-01\nhorizon_months: 30\n"
        "stages: {universal: {intervention: none}, care: {intervention: "
        "late}}\n"
        "population: {total: 50, remainder: universal}\n"
        "births: {per_year: 3}\n"
        "transitions:\n"
        "  into_care: {from: universal, to: care, rate: {dist: gamma, mean: "
        "0.5, sd: 0.1}}\n"
        "  closed:\n"
        "    from: care\n    to: universal\n"
        "    rate: {dist: lognormal, mean: 1.5, sd: 0.3}\n",
        "other.yaml", NULL);
    ck_assert_int_eq(assert_shared_draws_equal(a, b, 50), 1);
    cs_scenario_free(a);
    cs_scenario_free(b);
}
END_TEST

/* Two paths of one scenario whose streams hash alike are refused, at the
 * second. (FNV-1a 32 of these two lever paths is 06559608.) */
START_TEST(test_paths_that_hash_alike_are_refused)
{
    const char *text =
        "extends: params.yaml\n"
        "levers:\n"
        "  l407q64rg1: {from: 2019-06, rate: {transition: closed, multiply: "
        "{dist: uniform, min: 0.5, max: 1}}}\n"
        "  lppqa1sccp: {from: 2019-06, rate: {transition: closed, multiply: "
        "{dist: uniform, min: 0.5, max: 1}}}\n";
    ck_assert_uint_eq(fnv1a32("levers.l407q64rg1.rate.multiply"),
                      fnv1a32("levers.lppqa1sccp.rate.multiply"));
    char dir[] = "/tmp/cs-params-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/params.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs(yaml, f);
    fclose(f);
    cs_scenario *s = NULL;
    cs_error err;
    ck_assert_int_eq(
        cs_scenario_load_string(text, strlen(text), "hash.yaml", dir, &s, &err),
        CS_EINPUT);
    ck_assert_str_eq(err.message,
                     "hash.yaml:4:68: levers.lppqa1sccp.rate.multiply: "
                     "expected a parameter whose random stream (the FNV-1a "
                     "hash of its path, 06559608) differs from every "
                     "other's, found the same as "
                     "levers.l407q64rg1.rate.multiply's (rename an id to "
                     "tell them apart)");
    remove(path);
    rmdir(dir);
}
END_TEST

/*
 * Over 20,000 runs each parameter's draws have its mean and standard
 * deviation within 5 standard errors: SE(mean) = sd / sqrt(n), SE(var)
 * from the sample's fourth moment, sqrt((m4 - var^2) / n).
 */
START_TEST(test_draws_match_their_distributions)
{
    cs_scenario *s = load();
    const int n = 20000;
    int np = s->n_parameters;
    double *x = calloc((size_t)n * np, sizeof *x);
    for (int run = 0; run < n; run++) {
        cs_scenario *d = NULL;
        ck_assert_int_eq(cs_scenario_draw(s, 2019, (uint32_t)run, &d,
                                          x + (size_t)run * np, NULL),
                         CS_OK);
        cs_scenario_free(d);
    }
    for (int i = 0; i < np; i++) {
        const cs_parameter *p = &s->parameters[i];
        double want_mean, want_var;
        if (p->dist == CS_DIST_UNIFORM) {
            want_mean = (p->a + p->b) / 2;
            want_var = (p->b - p->a) * (p->b - p->a) / 12;
        } else if (p->dist == CS_DIST_TRIANGULAR) {
            double a = p->a, c = p->b, b = p->c;
            want_mean = (a + b + c) / 3;
            want_var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18;
        } else {
            want_mean = p->a;
            want_var = p->b * p->b;
        }
        double mean = 0, m2 = 0, m4 = 0;
        for (int r = 0; r < n; r++)
            mean += x[(size_t)r * np + i] / n;
        for (int r = 0; r < n; r++) {
            double e = x[(size_t)r * np + i] - mean;
            m2 += e * e / n;
            m4 += e * e * e * e / n;
        }
        double se_mean = sqrt(want_var / n), se_var = sqrt((m4 - m2 * m2) / n);
        ck_assert_msg(fabs(mean - want_mean) < 5 * se_mean,
                      "%s: mean %g, expected %g +- %g", p->path, mean,
                      want_mean, 5 * se_mean);
        ck_assert_msg(fabs(m2 - want_var) < 5 * se_var,
                      "%s: variance %g, expected %g +- %g", p->path, m2,
                      want_var, 5 * se_var);
    }
    free(x);
    cs_scenario_free(s);
}
END_TEST

/* Bad distributions: a clear message with the path. */
START_TEST(test_bad_distributions_are_refused)
{
    static const char *const cases[][2] = {
        {"{dist: gama, mean: 1, sd: 1}", "did you mean 'gamma'?"},
        {"{dist: beta, mean: 0.5, sd: 0.9}", "sd^2 < mean (1 - mean)"},
        {"{dist: normal, mean: 0.2}", "missing required key 'sd'"},
        {"{dist: uniform, min: 2, max: 1}", "expected min < max"},
        {"{dist: gamma, mean: 2000, sd: 1}", "found a mean of 2000"},
        {"{dist: uniform, min: 1, max: 2, sd: 3}", "takes min and max"},
        /* method-of-moments parameters that overflow: refused, not NaN */
        {"{dist: gamma, mean: 0.5, sd: 1e-200}",
         "transitions.referral.rate: expected a gamma with sd/mean from "
         "0.00316 to 31.6 (a shape (mean/sd)^2 from 0.001 to 100000), found "
         "sd/mean 2e-200; a number known this well can be written plainly"},
        {"{dist: gamma, mean: 1e-200, sd: 0.5}", "found sd/mean 5e+199"},
        {"{dist: gamma, mean: 0.5, sd: 0.0015}", "found sd/mean 0.003"},
        {"{dist: lognormal, mean: 0.5, sd: 1e-200}",
         "expected a lognormal with sd/mean from 0.00316 to 31.6"},
        {"{dist: lognormal, mean: 1e-300, sd: 1}", "found sd/mean 1e+300"},
        {"{dist: beta, mean: 0.5, sd: 1e-200}",
         "expected a beta whose shapes alpha = mean k and beta = (1 - mean) "
         "k, with k = mean (1 - mean) / sd^2 - 1, are from 0.001 to 100000, "
         "found alpha inf and beta inf"},
        {"{dist: beta, mean: 1e-300, sd: 1e-151}", "found alpha 9.9e-299"},
        {"{dist: beta, mean: 0.5, sd: 0.001}", "found alpha 1.25e+05"},
        {"{dist: normal, mean: 1, sd: 1e6}",
         "expected a normal with at least 5% of its probability in the "
         "number's range 0 to 1000, found 0.0399% (draws outside it are "
         "redrawn)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "name: bad\nbase_date: 2019-04\nhorizon_months: 12\n"
                 "stages: {universal: {intervention: none}, cin: "
                 "{intervention: late}}\n"
                 "population: {total: 10, remainder: universal}\n"
                 "births: {per_year: 0}\n"
                 "transitions:\n  referral: {from: universal, to: cin, "
                 "rate: %s}\n",
                 cases[i][0]);
        cs_scenario *s = NULL;
        cs_error err;
        ck_assert_int_eq(cs_scenario_load_string(text, strlen(text), "bad.yaml",
                                                 NULL, &s, &err),
                         CS_EINPUT);
        ck_assert_msg(strstr(err.message, "bad.yaml:8:") &&
                          strstr(err.message, cases[i][1]),
                      "case %zu: got '%s'", i, err.message);
    }
}
END_TEST

/* Just inside the bounds loads, and draws finite values. */
START_TEST(test_distributions_at_their_bounds_load_and_draw)
{
    static const char *const cases[] = {
        "{dist: gamma, mean: 0.5, sd: 0.0016}", /* shape 97,656 */
        "{dist: gamma, mean: 0.5, sd: 15.8}",   /* shape 0.001001 */
        "{dist: lognormal, mean: 0.5, sd: 0.0016}",
        "{dist: lognormal, mean: 0.5, sd: 15.8}",
        "{dist: beta, mean: 0.5, sd: 0.0012}", /* alpha = beta = 86,805 */
        "{dist: beta, mean: 0.5, sd: 0.49}",   /* alpha = beta = 0.0206 */
        "{dist: normal, mean: 0, sd: 1000}",   /* 34% of it in 0..1000 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "name: edge\nbase_date: 2019-04\nhorizon_months: 12\n"
                 "stages: {universal: {intervention: none}, cin: "
                 "{intervention: late}}\n"
                 "population: {total: 10, remainder: universal}\n"
                 "births: {per_year: 0}\n"
                 "transitions:\n  referral: {from: universal, to: cin, "
                 "rate: %s}\n",
                 cases[i]);
        cs_scenario *s = NULL;
        cs_error err;
        int rc = cs_scenario_load_string(text, strlen(text), "edge.yaml", NULL,
                                         &s, &err);
        ck_assert_msg(rc == CS_OK, "case %zu: %s", i, err.message);
        for (uint32_t run = 0; run < 200; run++) {
            cs_scenario *d = NULL;
            double v;
            ck_assert_int_eq(cs_scenario_draw(s, 3, run, &d, &v, &err), CS_OK);
            ck_assert_msg(isfinite(v) && v >= 0 && v <= 1000,
                          "case %zu run %u: drew %g", i, run, v);
            cs_scenario_free(d);
        }
        cs_scenario_free(s);
    }
}
END_TEST

/* A draw that is not finite is an error with a message, not a NaN rate:
 * here a parameter made invalid behind the loader's back. */
START_TEST(test_a_draw_that_is_not_finite_is_an_error)
{
    cs_scenario *s = load();
    int i = find_parameter(s, "transitions.closed.rate");
    s->parameters[i].b = 1e-200; /* lognormal sd: sigma would be 0 */
    s->parameters[i].a = 1e-300; /* and mean tiny: mu and sigma infinite */
    cs_scenario *d = (cs_scenario *)1;
    cs_error err;
    ck_assert_int_eq(cs_scenario_draw(s, 7, 3, &d, NULL, &err), CS_EFAIL);
    ck_assert_ptr_null(d);
    ck_assert_str_eq(err.message, "transitions.closed.rate: run 3 drew nan, "
                                  "not a finite number (seed 7)");
    ck_assert(isnan(cs_parameter_quantile(&s->parameters[i], 0.5)));
    cs_scenario_free(s);
}
END_TEST

static cs_parameter moments(cs_distribution dist, double m, double sd)
{
    cs_parameter p;
    memset(&p, 0, sizeof p);
    snprintf(p.path, sizeof p.path, "edge");
    p.dist = dist;
    p.a = p.mean = m;
    p.b = sd;
    p.lo = 0;
    p.hi = 1e9;
    p.scale = 1;
    return p;
}

/* A beta of the given shapes, by its moments. */
static cs_parameter beta_of(double alpha, double beta)
{
    double k = alpha + beta, m = alpha / k;
    return moments(CS_DIST_BETA, m, sqrt(m * (1 - m) / (k + 1)));
}

/*
 * Quantiles at the corners of what the loader accepts, for q from 1e-300
 * to 1 - 1e-16 and beyond (0, 1, NaN, -1, 2): each finite, in range and
 * non-decreasing in q. gsl_cdf_*_Pinv aborted (GSL's default error
 * handler) or spun for such distributions. The test case's timeout bounds
 * the time.
 */
START_TEST(test_quantiles_never_abort_or_spin)
{
    cs_parameter cases[] = {
        moments(CS_DIST_GAMMA, 0.5, 0.5 / sqrt(9.9e4)),
        moments(CS_DIST_GAMMA, 0.5, 0.5 / sqrt(1.1e-3)),
        moments(CS_DIST_GAMMA, 1e-300, 1e-300),
        moments(CS_DIST_GAMMA, 1e9, 1e9 / sqrt(9.9e4)),
        moments(CS_DIST_LOGNORMAL, 0.5, 0.5 * 31.6),
        moments(CS_DIST_NORMAL, 0.5, 1e-200),
        beta_of(9.9e4, 9.9e4),
        beta_of(1.1e-3, 1.1e-3),
        beta_of(9.9e4, 1.1e-3),
        beta_of(1.1e-3, 9.9e4),
        beta_of(0.5, 2e4),
    };
    const double qs[] = {-1,   0,     1e-300,    1e-12,     1e-3, 0.05, 0.5,
                         0.95, 0.999, 1 - 1e-12, 1 - 1e-16, 1,    2};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].dist == CS_DIST_BETA)
            cases[i].hi = 1;
        double prev = -HUGE_VAL;
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            double v = cs_parameter_quantile(&cases[i], qs[k]);
            ck_assert_msg(isfinite(v) && v >= cases[i].lo && v <= cases[i].hi,
                          "case %zu: Q(%g) = %g", i, qs[k], v);
            ck_assert_msg(v >= prev, "case %zu: Q(%g) = %g below %g", i, qs[k],
                          v, prev);
            prev = v;
        }
        double nan_q = cs_parameter_quantile(&cases[i], NAN);
        ck_assert_double_eq(nan_q, cs_parameter_quantile(&cases[i], 0));
    }
    /* a distribution the loader refuses: NaN, no abort */
    cs_parameter bad = moments(CS_DIST_GAMMA, 0.5, 1e-200);
    ck_assert(isnan(cs_parameter_quantile(&bad, 0.5)));
    bad = beta_of(1e7, 1e7);
    ck_assert(isnan(cs_parameter_quantile(&bad, 0.05)));
}
END_TEST

/*
 * PRCC on made-up data: y rises steeply with x0 (non-linearly), falls
 * gently with x1, and ignores x2. With n = 400 the PRCC of an input y
 * ignores has a standard error of about 1/sqrt(n - 3) = 0.05 (Fisher), so
 * |PRCC(x2)| stays below 4 of them, while x0 and x1 lie beyond 4 of them
 * on their own sides, x0 the stronger.
 */
START_TEST(test_prcc_ranks_influence)
{
    const int n = 400, k = 3;
    double *x = malloc((size_t)n * k * sizeof *x), *y = malloc(n * sizeof *y);
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    cs_rng_reset(r, 5, 0, CS_RNG_TEST, 0);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < k; j++)
            x[i * k + j] = gsl_rng_uniform(r);
        y[i] = exp(3 * x[i * k + 0]) - 2 * x[i * k + 1] +
               0.05 * gsl_rng_uniform(r);
    }
    double prcc[3];
    ck_assert_int_eq(cs_prcc(x, n, k, y, prcc), CS_OK);
    double noise = 4 / sqrt(n - 3.0);
    ck_assert_msg(prcc[0] > noise, "PRCC(x0) = %g", prcc[0]);
    ck_assert_msg(prcc[1] < -noise, "PRCC(x1) = %g", prcc[1]);
    ck_assert_msg(prcc[0] > -prcc[1], "PRCC(x0) %g not above |PRCC(x1)| %g",
                  prcc[0], -prcc[1]);
    ck_assert_msg(fabs(prcc[2]) < noise, "PRCC(x2) = %g", prcc[2]);
    /* too few runs for the inputs: undefined */
    ck_assert_int_eq(cs_prcc(x, 4, k, y, prcc), CS_OK);
    ck_assert(isnan(prcc[0]));
    gsl_rng_free(r);
    free(x);
    free(y);
}
END_TEST

/* Quantiles invert each distribution's CDF. */
START_TEST(test_parameter_quantiles)
{
    cs_scenario *s = load();
    for (int i = 0; i < s->n_parameters; i++) {
        const cs_parameter *p = &s->parameters[i];
        for (int qi = 1; qi < 10; qi++) {
            double q = qi / 10.0, v = cs_parameter_quantile(p, q), back = q;
            double m = p->a, sd = p->b;
            switch (p->dist) {
            case CS_DIST_GAMMA:
                back = gsl_cdf_gamma_P(v, m * m / (sd * sd), sd * sd / m);
                break;
            case CS_DIST_LOGNORMAL: {
                double s2 = log1p(sd * sd / (m * m));
                back = gsl_cdf_lognormal_P(v, log(m) - s2 / 2, sqrt(s2));
                break;
            }
            case CS_DIST_BETA: {
                double kk = m * (1 - m) / (sd * sd) - 1;
                back = gsl_cdf_beta_P(v, m * kk, (1 - m) * kk);
                break;
            }
            case CS_DIST_NORMAL:
                back = gsl_cdf_gaussian_P(v - m, sd);
                break;
            case CS_DIST_UNIFORM:
                back = (v - p->a) / (p->b - p->a);
                break;
            case CS_DIST_TRIANGULAR: {
                double a = p->a, c = p->b, b = p->c;
                back = v < c ? (v - a) * (v - a) / ((b - a) * (c - a))
                             : 1 - (b - v) * (b - v) / ((b - a) * (b - c));
                break;
            }
            }
            ck_assert_msg(fabs(back - q) < 1e-6, "%s: CDF(Q(%g)) = %g", p->path,
                          q, back);
        }
    }
    cs_scenario_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("params");
    TCase *tc = tcase_create("params");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_parameters_land_on_their_numbers);
    tcase_add_test(tc, test_stream_is_the_fnv1a_hash_of_the_path);
    tcase_add_test(
        tc, test_adding_removing_or_reordering_never_changes_other_draws);
    tcase_add_test(tc, test_same_path_draws_the_same_in_another_scenario);
    tcase_add_test(tc, test_paths_that_hash_alike_are_refused);
    tcase_add_test(tc, test_distributions_at_their_bounds_load_and_draw);
    tcase_add_test(tc, test_a_draw_that_is_not_finite_is_an_error);
    tcase_add_test(tc, test_quantiles_never_abort_or_spin);
    tcase_add_test(tc, test_draws_match_their_distributions);
    tcase_add_test(tc, test_bad_distributions_are_refused);
    tcase_add_test(tc, test_prcc_ranks_influence);
    tcase_add_test(tc, test_parameter_quantiles);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
