/*
 * test_scenario.c - the scenario loader: a full scenario read field by
 * field, extends and overrides (what they record, which files they may
 * name, where an override's error points), the resolved YAML round trip,
 * the rules on per-year lists, numbers and levers, and the exact error
 * message for every malformed file in tests/data/bad.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/scenario.h"

#define PATH_LEN 1024
#define DIR_LEN 512 /* directories, so that DIR/NAME fits a PATH_LEN */

static const char *data_dir(void)
{
    const char *dir = getenv("CS_TEST_DATA");
    return dir ? dir : "tests/data";
}

static const char *data_path(char *buf, const char *sub, const char *file)
{
    snprintf(buf, PATH_LEN, "%s/%s/%s", data_dir(), sub, file);
    return buf;
}

/* Load a file that must load; fail the test with the error otherwise. */
static cs_scenario *load_ok(const char *sub, const char *file)
{
    char path[PATH_LEN];
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_file(data_path(path, sub, file), &s, &err);
    ck_assert_msg(rc == CS_OK, "loading %s: expected success, got %d: %s", path,
                  rc, err.message);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* Replace each "{D}" in pattern with dir. */
static void expand(char *out, size_t size, const char *pattern, const char *dir)
{
    size_t used = 0;
    for (const char *p = pattern; *p && used + 1 < size;) {
        if (strncmp(p, "{D}", 3) == 0) {
            used += (size_t)snprintf(out + used, size - used, "%s", dir);
            p += 3;
        } else {
            out[used++] = *p++;
        }
    }
    out[used < size ? used : size - 1] = '\0';
}

static double stage_total(const cs_scenario *s, int stage)
{
    double sum = 0;
    for (int a = 0; a < CS_AGES; a++)
        sum += s->initial[stage][a];
    return sum;
}

START_TEST(test_full_settings)
{
    cs_scenario *s = load_ok("scenario", "full.yaml");
    ck_assert_int_eq(s->format_version, 1);
    ck_assert_str_eq(s->name, "full-test");
    ck_assert_str_eq(s->description, "Every construct of the scenario "
                                     "format, for the loader's tests.\n");
    ck_assert_int_eq(s->base_year, 2019);
    ck_assert_int_eq(s->base_month, 4);
    ck_assert_int_eq(s->horizon_months, 120);
    ck_assert_msg(s->seed == UINT64_MAX, "seed: expected 2^64-1, got %llu",
                  (unsigned long long)s->seed);
    ck_assert_int_eq(s->n_marks, 2);
    ck_assert_str_eq(s->marks[0].id, "known");
    ck_assert_str_eq(s->marks[0].label,
                     "Previously known to children's social care");
    ck_assert_str_eq(s->marks[1].label, "unmet");
    ck_assert_int_eq(s->birth_stage, 0);
    ck_assert_int_eq(s->n_births, 3);
    ck_assert_double_eq(s->births_per_year[0], 600000);
    ck_assert_double_eq(s->births_per_year[1], 601000);
    ck_assert_double_eq(s->births_per_year[2], 605000);
    ck_assert_ptr_nonnull(strstr(s->source_path, "full.yaml"));
    cs_scenario_free(s);
}
END_TEST

START_TEST(test_full_stages_expand_placements_into_leaves)
{
    cs_scenario *s = load_ok("scenario", "full.yaml");
    static const char *const ids[] = {"universal",
                                      "early_help",
                                      "assessment",
                                      "cin",
                                      "looked_after.foster_inhouse",
                                      "looked_after.foster_agency",
                                      "looked_after.residential",
                                      "care_leaver"};
    ck_assert_int_eq(s->n_stages, 8);
    for (int i = 0; i < 8; i++)
        ck_assert_msg(strcmp(s->stages[i].id, ids[i]) == 0,
                      "stage %d: expected '%s', got '%s'", i, ids[i],
                      s->stages[i].id);
    ck_assert_str_eq(s->stages[0].label, "Universal services only");
    ck_assert_str_eq(s->stages[2].label, "assessment"); /* default: id */
    ck_assert_int_eq(s->stages[0].intervention, CS_INTERVENTION_NONE);
    ck_assert_int_eq(s->stages[1].intervention, CS_INTERVENTION_EARLY);
    ck_assert_int_eq(s->stages[0].group, -1);
    ck_assert_double_eq(s->stages[0].entry_share, 1);
    ck_assert_int_eq(s->n_groups, 1);
    ck_assert_str_eq(s->groups[0].id, "looked_after");
    ck_assert_str_eq(s->groups[0].label, "Looked after");
    ck_assert_int_eq(s->groups[0].first_stage, 4);
    ck_assert_int_eq(s->groups[0].n_stages, 3);
    ck_assert_str_eq(s->stages[4].label, "In-house foster care");
    ck_assert_str_eq(s->stages[5].label, "foster_agency");
    const double shares[3] = {0.40, 0.25, 0.35};
    for (int i = 4; i < 7; i++) {
        ck_assert_int_eq(s->stages[i].group, 0);
        ck_assert_int_eq(s->stages[i].intervention, CS_INTERVENTION_LATE);
        ck_assert_double_eq(s->stages[i].entry_share, shares[i - 4]);
    }
    ck_assert_int_eq(cs_scenario_find_stage(s, "looked_after.residential"), 6);
    ck_assert_int_eq(cs_scenario_find_stage(s, "looked_after"), -1);
    ck_assert_int_eq(cs_scenario_find_stage(s, "nowhere"), -1);
    cs_scenario_free(s);
}
END_TEST

START_TEST(test_full_population_by_largest_remainder)
{
    cs_scenario *s = load_ok("scenario", "full.yaml");
    /* early_help: 1001 children, 10% at age 0, 90% spread over 1-17:
     * quotas 100.1 and 52.99 each, so 100 and 53 each (sum 1001). */
    ck_assert_double_eq(s->initial[1][0], 100);
    for (int a = 1; a < CS_AGES; a++)
        ck_assert_double_eq(s->initial[1][a], 53);
    /* cin: by_age as written. */
    for (int a = 0; a < CS_AGES; a++)
        ck_assert_double_eq(s->initial[3][a], a + 1);
    /* Placements follow the group's (uniform) age shares: 50 children over
     * 18 ages is 2 each and 14 left over, to the youngest on ties. */
    for (int a = 0; a < CS_AGES; a++) {
        ck_assert_double_eq(s->initial[4][a], a < 14 ? 3 : 2);
        ck_assert_double_eq(s->initial[5][a], a < 12 ? 2 : 1);
        ck_assert_double_eq(s->initial[6][a], a < 2 ? 2 : 1);
    }
    ck_assert_double_eq(stage_total(s, 4), 50);
    ck_assert_double_eq(stage_total(s, 5), 30);
    ck_assert_double_eq(stage_total(s, 6), 20);
    /* Total 1,000,003: age 0 gets 100000.3 -> 100000; ages 5-17 get
     * 53846.31 each, the largest remainders, so ages 5-9 get one more. */
    double total = 0;
    for (int a = 0; a < CS_AGES; a++) {
        double at_age = 0;
        for (int i = 0; i < s->n_stages; i++)
            at_age += s->initial[i][a];
        double want = a == 0 ? 100000 : a <= 4 ? 50000 : a <= 9 ? 53847 : 53846;
        ck_assert_msg(at_age == want,
                      "age %d: expected %.0f children, got %.0f", a, want,
                      at_age);
        total += at_age;
    }
    ck_assert_double_eq(total, 1000003);
    /* The remainder holds the rest: at age 0, 100000 - 100 - 1 - 7. */
    ck_assert_double_eq(s->initial[0][0], 99892);
    for (int i = 0; i < s->n_stages; i++)
        for (int a = 0; a < CS_AGES; a++)
            ck_assert_msg(s->initial[i][a] == floor(s->initial[i][a]) &&
                              s->initial[i][a] >= 0,
                          "stage %d age %d: expected a whole number >= 0, "
                          "got %g",
                          i, a, s->initial[i][a]);
    ck_assert_double_eq(s->initial_mark_share[0][0], 0.02);
    ck_assert_double_eq(s->initial_mark_share[1][0], 0.3);
    ck_assert_double_eq(s->initial_mark_share[2][0], 0);
    for (int i = 4; i < 7; i++)
        ck_assert_double_eq(s->initial_mark_share[i][0], 1);
    ck_assert_double_eq(s->initial_mark_share[4][1], 0);
    cs_scenario_free(s);
}
END_TEST

START_TEST(test_full_transitions)
{
    cs_scenario *s = load_ok("scenario", "full.yaml");
    ck_assert_int_eq(s->n_transitions, 5);

    const cs_transition *t = &s->transitions[0];
    ck_assert_str_eq(t->id, "referral");
    ck_assert_str_eq(t->label, "Referral to children's social care");
    ck_assert_int_eq(t->from.is_group, 0);
    ck_assert_int_eq(t->from.index, 0);
    ck_assert_int_eq(t->to.is_group, 0);
    ck_assert_int_eq(t->to.index, 2);
    ck_assert_double_eq(t->rate, 0.04);
    ck_assert_int_eq(t->n_by_age, 2); /* sorted by age */
    ck_assert_int_eq(t->by_age[0].age_lo, 0);
    ck_assert_int_eq(t->by_age[0].age_hi, 0);
    ck_assert_double_eq(t->by_age[0].rate, 0.09);
    ck_assert_int_eq(t->by_age[1].age_lo, 16);
    ck_assert_int_eq(t->by_age[1].age_hi, 17);
    ck_assert_double_eq(t->by_age[1].rate, 0.02);
    ck_assert_int_eq(t->n_by_duration, 0);
    ck_assert_double_eq(t->mark_factor[0], 1.8);
    ck_assert_double_eq(t->mark_factor[1], 1.0);
    ck_assert_uint_eq(t->sets_marks, 1u);
    ck_assert_uint_eq(t->clears_marks, 0u);

    t = &s->transitions[1];
    ck_assert_str_eq(t->label, "assessed"); /* default: id */
    ck_assert_int_eq(t->n_by_duration, 3);
    const int lo[3] = {0, 3, 4}, hi[3] = {2, 3, -1};
    const double factor[3] = {0.3, 1, 1.2};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(t->by_duration[i].month_lo, lo[i]);
        ck_assert_int_eq(t->by_duration[i].month_hi, hi[i]);
        ck_assert_double_eq(t->by_duration[i].factor, factor[i]);
    }
    ck_assert_uint_eq(t->clears_marks, 2u);

    t = &s->transitions[2]; /* into a group; rate from by_age only */
    ck_assert_int_eq(t->to.is_group, 1);
    ck_assert_int_eq(t->to.index, 0);
    ck_assert_double_eq(t->rate, 0);
    ck_assert_int_eq(t->n_by_age, 1);
    ck_assert_double_eq(t->by_age[0].rate, 0.05);
    ck_assert_uint_eq(t->sets_marks, 3u);

    t = &s->transitions[3]; /* a placement into its own group */
    ck_assert_int_eq(t->from.is_group, 0);
    ck_assert_int_eq(t->from.index, 6);
    ck_assert_int_eq(t->to.is_group, 1);

    t = &s->transitions[4]; /* from every placement of a group */
    ck_assert_int_eq(t->from.is_group, 1);
    ck_assert_int_eq(t->to.index, 7);
    ck_assert_double_eq(t->mark_factor[1], 0);
    cs_scenario_free(s);
}
END_TEST

START_TEST(test_whatif_overrides_by_mapping_and_dotted_path)
{
    cs_scenario *base = load_ok("scenario", "full.yaml");
    cs_scenario *s = load_ok("scenario", "whatif.yaml");
    ck_assert_str_eq(s->name, "whatif"); /* not inherited: the file stem */
    ck_assert_str_eq(s->description, "Cut early help");
    ck_assert_double_eq(s->transitions[0].rate, 0.05);
    ck_assert_double_eq(s->transitions[2].by_age[0].rate, 0.06);
    ck_assert_double_eq(s->initial_mark_share[3][1], 0.5);
    /* Everything not overridden is the base's. */
    ck_assert_int_eq(s->transitions[0].n_by_age, 2);
    ck_assert_double_eq(s->transitions[0].mark_factor[0], 1.8);
    ck_assert_double_eq(s->transitions[1].rate, 12);
    ck_assert_int_eq(s->n_stages, base->n_stages);
    ck_assert_mem_eq(s->initial, base->initial, sizeof s->initial);
    ck_assert_mem_eq(s->stages, base->stages, sizeof s->stages);
    cs_scenario_free(base);
    cs_scenario_free(s);
}
END_TEST

START_TEST(test_bad_override_error_points_into_child_file)
{
    char path[PATH_LEN], want[PATH_LEN + 512];
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_file(
        data_path(path, "scenario", "bad-override.yaml"), &s, &err);
    ck_assert_int_eq(rc, CS_EINPUT);
    ck_assert_ptr_null(s);
    snprintf(want, sizeof want,
             "%s:3:28: transitions.assessed.rate: expected a rate per year "
             ">= 0, found -1",
             path);
    ck_assert_str_eq(err.message, want);
}
END_TEST

START_TEST(test_default_name_must_be_valid)
{
    char path[PATH_LEN], want[PATH_LEN + 512];
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_file(
        data_path(path, "scenario", "My_What_If.yaml"), &s, &err);
    ck_assert_int_eq(rc, CS_EINPUT);
    snprintf(want, sizeof want,
             "%s:1:1: name: the scenario has no name: line and its file name "
             "'My_What_If' is not a valid name (lowercase letters, digits "
             "and '-', at most 47 characters); add a line such as name: "
             "my-scenario",
             path);
    ck_assert_str_eq(err.message, want);
}
END_TEST

static void assert_same_scenario(const cs_scenario *a, const cs_scenario *b)
{
    ck_assert_int_eq(a->format_version, b->format_version);
    ck_assert_str_eq(a->name, b->name);
    ck_assert_str_eq(a->description, b->description);
    ck_assert_int_eq(a->base_year, b->base_year);
    ck_assert_int_eq(a->base_month, b->base_month);
    ck_assert_int_eq(a->horizon_months, b->horizon_months);
    ck_assert(a->seed == b->seed);
    ck_assert_int_eq(a->n_stages, b->n_stages);
    ck_assert_int_eq(a->n_groups, b->n_groups);
    ck_assert_int_eq(a->n_marks, b->n_marks);
    ck_assert_int_eq(a->n_transitions, b->n_transitions);
    ck_assert_mem_eq(a->stages, b->stages, sizeof a->stages);
    ck_assert_mem_eq(a->groups, b->groups, sizeof a->groups);
    ck_assert_mem_eq(a->marks, b->marks, sizeof a->marks);
    ck_assert_mem_eq(a->transitions, b->transitions, sizeof a->transitions);
    ck_assert_mem_eq(a->initial, b->initial, sizeof a->initial);
    ck_assert_mem_eq(a->initial_mark_share, b->initial_mark_share,
                     sizeof a->initial_mark_share);
    ck_assert_int_eq(a->birth_stage, b->birth_stage);
    ck_assert_int_eq(a->n_births, b->n_births);
    ck_assert_mem_eq(a->births_per_year, b->births_per_year,
                     sizeof a->births_per_year);
}

static void check_round_trip(const char *file)
{
    cs_scenario *s = load_ok("scenario", file);
    ck_assert_ptr_null(strstr(s->resolved_yaml, "extends"));
    ck_assert_msg(strncmp(s->resolved_yaml, "name: ", 6) == 0 ||
                      strstr(s->resolved_yaml, "\nname: "),
                  "resolved YAML of %s: expected a name: line, got\n%s", file,
                  s->resolved_yaml);
    cs_scenario *again = NULL;
    cs_error err;
    int rc = cs_scenario_load_string(s->resolved_yaml, strlen(s->resolved_yaml),
                                     "resolved.yaml", NULL, &again, &err);
    ck_assert_msg(rc == CS_OK, "reloading the resolved %s: got %s", file,
                  err.message);
    assert_same_scenario(s, again);
    ck_assert_str_eq(s->resolved_yaml, again->resolved_yaml);
    cs_scenario_free(again);
    cs_scenario_free(s);
}

START_TEST(test_resolved_yaml_reloads_identically)
{
    check_round_trip("full.yaml");
    check_round_trip("whatif.yaml");
}
END_TEST

START_TEST(test_load_string_uses_display_name_and_base_dir)
{
    char dir[PATH_LEN];
    snprintf(dir, sizeof dir, "%s/scenario", data_dir());
    const char *text = "extends: full.yaml\nname: inline\n";
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_string(text, strlen(text), "inline.yaml", dir, &s,
                                     &err);
    ck_assert_msg(rc == CS_OK, "expected success, got %s", err.message);
    ck_assert_str_eq(s->name, "inline");
    ck_assert_str_eq(s->source_path, "inline.yaml");
    cs_scenario_free(s);

    text = "extends: full.yaml\nseed: -1\n";
    rc = cs_scenario_load_string(text, strlen(text), "inline.yaml", dir, &s,
                                 &err);
    ck_assert_int_eq(rc, CS_EINPUT);
    ck_assert_str_eq(err.message, "inline.yaml:2:7: seed: expected a whole "
                                  "number from 0 to 18446744073709551615, "
                                  "found -1");
}
END_TEST

START_TEST(test_dotted_path_setting_a_value_twice_is_a_duplicate)
{
    char dir[PATH_LEN];
    snprintf(dir, sizeof dir, "%s/scenario", data_dir());
    const char *text = "extends: full.yaml\n"
                       "transitions: {referral: {rate: 1}}\n"
                       "transitions.referral.rate: 2\n";
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_string(text, strlen(text), "twice.yaml", dir, &s,
                                     &err);
    ck_assert_int_eq(rc, CS_EINPUT);
    ck_assert_str_eq(err.message, "twice.yaml:3:1: duplicate key "
                                  "'transitions.referral.rate' (first at "
                                  "line 2)");
}
END_TEST

START_TEST(test_extends_falls_back_to_shipped_scenario)
{
    char path[PATH_LEN];
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_file(
        data_path(path, "scenario", "builtin-extends.yaml"), &s, &err);
    /* The shipped baseline is written elsewhere: whatever it holds, it
     * must be found, not reported missing. */
    if (rc != CS_OK)
        ck_assert_msg(strstr(err.message, "cannot open") == NULL,
                      "expected the embedded england-baseline.yaml, got %s",
                      err.message);
    else
        ck_assert_str_eq(s->name, "builtin-extends");
    cs_scenario_free(s);
}
END_TEST

START_TEST(test_missing_file_is_an_input_error)
{
    char path[PATH_LEN], want[PATH_LEN + 64];
    cs_scenario *s = NULL;
    cs_error err;
    int rc = cs_scenario_load_file(
        data_path(path, "scenario", "no-such-file.yaml"), &s, &err);
    ck_assert_int_eq(rc, CS_EINPUT);
    ck_assert_ptr_null(s);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
             path);
    ck_assert_str_eq(err.message, want);
}
END_TEST

/* ---- helpers for files made by the tests ------------------------------ */

static const char *scenarios_dir(void)
{
    const char *dir = getenv("CS_SCENARIOS");
    return dir ? dir : "scenarios";
}

/* A new empty directory under /tmp, into dir (DIR_LEN). */
static void temp_dir(char *dir)
{
    snprintf(dir, DIR_LEN, "/tmp/cs-scenario-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Load text (named display, extends looked up in dir); CS_OK or the code,
 * with the message in err. */
static int load_text(const char *text, const char *display, const char *dir,
                     cs_scenario **s, cs_error *err)
{
    return cs_scenario_load_string(text, strlen(text), display, dir, s, err);
}

/* Text that must fail with exactly this message. */
static void assert_refused(const char *text, const char *dir,
                           const char *message)
{
    cs_scenario *s = NULL;
    cs_error err;
    int rc = load_text(text, "x.yaml", dir, &s, &err);
    ck_assert_msg(rc == CS_EINPUT, "expected CS_EINPUT for\n%s\ngot %d (%s)",
                  text, rc, rc ? err.message : "loaded");
    ck_assert_ptr_null(s);
    ck_assert_msg(strcmp(err.message, message) == 0,
                  "\n expected: %s\n got:      %s", message, err.message);
}

static void hash_of(const char *text, char out[17])
{
    cs_text_hash(text, strlen(text), out);
}

/* ---- extends: what is recorded ---------------------------------------- */

START_TEST(test_extends_records_its_source_and_the_hash_of_its_base)
{
    cs_scenario *base = load_ok("scenario", "full.yaml");
    cs_scenario *s = load_ok("scenario", "whatif.yaml");
    char path[PATH_LEN], hash[17];
    ck_assert_str_eq(s->extends_source,
                     data_path(path, "scenario", "full.yaml"));
    ck_assert_str_eq(s->extends_hash, base->resolved_hash);
    hash_of(s->resolved_yaml, hash);
    ck_assert_str_eq(s->resolved_hash, hash);
    ck_assert_int_eq((int)strlen(s->resolved_hash), 16);
    ck_assert_str_ne(s->resolved_hash, s->extends_hash);
    /* a scenario that extends nothing records no base */
    ck_assert_ptr_null(base->extends_source);
    ck_assert_ptr_null(base->extends_hash);
    /* FNV-1a 64 of "a" is af63dc4c8601ec8c (the published vector) */
    cs_text_hash("a", 1, hash);
    ck_assert_str_eq(hash, "af63dc4c8601ec8c");
    cs_scenario_free(base);
    cs_scenario_free(s);
}
END_TEST

/* An edited base beside the what-if gives another hash than the shipped
 * one: the two are told apart. */
START_TEST(test_extends_hash_tells_an_edited_base_from_the_shipped_one)
{
    char dir[DIR_LEN], path[PATH_LEN];
    temp_dir(dir);
    size_t len;
    const char *shipped =
        cs_scenario_builtin_text("england-baseline.yaml", &len);
    ck_assert_ptr_nonnull(shipped);
    const char *whatif = "extends: england-baseline.yaml\nname: w\n";
    cs_scenario *a = NULL, *b = NULL;
    cs_error err;
    ck_assert_msg(load_text(whatif, "w.yaml", dir, &a, &err) == CS_OK, "%s",
                  err.message);
    ck_assert_str_eq(a->extends_source, "<builtin>/england-baseline.yaml");
    static char edited[1 << 20];
    snprintf(edited, sizeof edited, "# a comment changes nothing\n%s", shipped);
    write_file(dir, "england-baseline.yaml", edited);
    ck_assert_msg(load_text(whatif, "w.yaml", dir, &b, &err) == CS_OK, "%s",
                  err.message);
    ck_assert_str_eq(a->extends_hash, b->extends_hash);
    cs_scenario_free(b);
    char *at = strstr(edited, "(cascade fit).");
    ck_assert_ptr_nonnull(at);
    memcpy(at, "(cascade fit)!", 14);
    write_file(dir, "england-baseline.yaml", edited);
    ck_assert_msg(load_text(whatif, "w.yaml", dir, &b, &err) == CS_OK, "%s",
                  err.message);
    snprintf(path, sizeof path, "%s/england-baseline.yaml", dir);
    ck_assert_str_eq(b->extends_source, path);
    ck_assert_str_ne(a->extends_hash, b->extends_hash);
    cs_scenario *shipped_s = NULL;
    ck_assert_int_eq(
        load_text(shipped, "england-baseline.yaml", dir, &shipped_s, &err),
        CS_OK);
    ck_assert_str_eq(a->extends_hash, shipped_s->resolved_hash);
    cs_scenario_free(a);
    cs_scenario_free(b);
    cs_scenario_free(shipped_s);
    remove(path);
    rmdir(dir);
}
END_TEST

/* Every .yaml in scenarios/ is built in, byte for byte. */
START_TEST(test_every_shipped_scenario_is_built_in)
{
    DIR *d = opendir(scenarios_dir());
    ck_assert_msg(d != NULL, "cannot list %s", scenarios_dir());
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        char path[PATH_LEN];
        snprintf(path, sizeof path, "%s/%s", scenarios_dir(), e->d_name);
        FILE *f = fopen(path, "rb");
        ck_assert_ptr_nonnull(f);
        static char text[1 << 20];
        size_t got = fread(text, 1, sizeof text, f);
        fclose(f);
        size_t builtin_len = 0;
        const char *builtin = cs_scenario_builtin_text(e->d_name, &builtin_len);
        ck_assert_msg(builtin != NULL,
                      "%s is not built in (list it in "
                      "scenarios/meson.build)",
                      e->d_name);
        ck_assert_msg(builtin_len == got && memcmp(builtin, text, got) == 0,
                      "%s: the built-in copy differs from the file", e->d_name);
        n++;
    }
    closedir(d);
    ck_assert_int_ge(n, 6);
}
END_TEST

/* The shipped re-referral what-if reads its mark that expires: 12 months,
 * set by the three closures back to universal services, which then keeps
 * months in stage 0 to 12; a mark without the key never expires. */
START_TEST(test_shipped_expiring_mark)
{
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/re-referral-within-12-months.yaml",
             scenarios_dir());
    cs_scenario *s = NULL;
    cs_error err;
    ck_assert_msg(cs_scenario_load_file(path, &s, &err) == CS_OK, "%s",
                  err.message);
    int recent = -1, known = -1;
    for (int m = 0; m < s->n_marks; m++) {
        if (!strcmp(s->marks[m].id, "closed_recently"))
            recent = m;
        if (!strcmp(s->marks[m].id, "known"))
            known = m;
    }
    ck_assert_int_ge(recent, 0);
    ck_assert_int_ge(known, 0);
    ck_assert_int_eq(s->marks[recent].expires_months, 12);
    ck_assert_int_eq(s->marks[known].expires_months, 0);
    const char *sets[] = {"assessment_nfa", "cin_closed",
                          "cp_ends_to_universal"};
    for (int i = 0; i < 3; i++) {
        int t = cs_scenario_find_transition(s, sets[i]);
        ck_assert_int_ge(t, 0);
        ck_assert(s->transitions[t].sets_marks & (1u << recent));
    }
    int uni = s->birth_stage;
    ck_assert_str_eq(s->stages[uni].id, "universal");
    ck_assert_int_eq(cs_scenario_duration_slots(s, uni), 13);
    ck_assert(cs_scenario_mark_reaches(s, recent, uni));
    int t = cs_scenario_find_transition(s, "referral");
    ck_assert_double_eq(s->transitions[t].mark_factor[recent], 2);
    ck_assert_double_eq(s->initial_mark_share[uni][recent], 0.047);
    cs_scenario_free(s);
}
END_TEST

/* A what-if anywhere can extend any shipped scenario, which extends only
 * shipped ones: a directory called "<builtin>" here is never read. */
START_TEST(test_a_whatif_anywhere_extends_a_shipped_whatif)
{
    char dir[DIR_LEN], here[PATH_LEN], path[PATH_LEN];
    temp_dir(dir);
    ck_assert_ptr_nonnull(getcwd(here, sizeof here));
    ck_assert_int_eq(chdir(dir), 0);
    ck_assert_int_eq(mkdir("<builtin>", 0755), 0);
    write_file(dir, "<builtin>/england-baseline.yaml", "not: a scenario\n");
    cs_scenario *s = NULL;
    cs_error err;
    int rc = load_text("extends: family-safeguarding.yaml\nname: mine\n",
                       "mine.yaml", dir, &s, &err);
    ck_assert_int_eq(chdir(here), 0);
    ck_assert_msg(rc == CS_OK, "%s", err.message);
    ck_assert_str_eq(s->extends_source, "<builtin>/family-safeguarding.yaml");
    ck_assert_int_eq(s->n_levers, 6);
    /* the hash is that of the shipped file, loaded beside its base */
    cs_scenario *shipped = NULL;
    snprintf(path, sizeof path, "%s/family-safeguarding.yaml", scenarios_dir());
    ck_assert_int_eq(cs_scenario_load_file(path, &shipped, &err), CS_OK);
    ck_assert_str_eq(s->extends_hash, shipped->resolved_hash);
    cs_scenario_free(s);
    cs_scenario_free(shipped);
    snprintf(path, sizeof path, "%s/<builtin>/england-baseline.yaml", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/<builtin>", dir);
    rmdir(path);
    rmdir(dir);
}
END_TEST

/* ---- extends: what may be named ---------------------------------------- */

/* A file that is not a scenario: refused at the extends line, naming the
 * file, quoting nothing of it. */
START_TEST(test_extends_of_a_file_that_is_not_a_scenario)
{
    char dir[DIR_LEN], want[3 * PATH_LEN];
    temp_dir(dir);
    static const struct {
        const char *text, *why;
    } cases[] = {
        {"root:x:0:0:SECRET:/root:/bin/bash\ndaemon:x:1:1:SECRET:/usr\n",
         "whose top level is a single value, not a mapping of scenario "
         "settings"},
        {"- SECRET\n- SECRET\n",
         "whose top level is a list, not a mapping of scenario settings"},
        {"password: SECRET\nuser.name: SECRET\n",
         "a mapping with none of the scenario's keys (name, base_date, "
         "stages, transitions, ...)"},
        {"a: SECRET: b\n", "which cannot be read as a scenario (%s:1:10: "
                           "invalid YAML: mapping values are not allowed in "
                           "this context)"},
        {"SECRET: 1\nSECRET: 2\n",
         "which cannot be read as a scenario (%s:2:1: a duplicate key)"},
        {"", "an empty file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file(dir, "target", cases[i].text);
        char target[PATH_LEN], why[PATH_LEN + 512];
        snprintf(target, sizeof target, "%s/target", dir);
        snprintf(why, sizeof why, cases[i].why, target);
        snprintf(want, sizeof want,
                 "x.yaml:2:10: extends: expected a scenario file, found "
                 "'%s', %s",
                 target, why);
        assert_refused("name: x\nextends: target\n", dir, want);
        cs_scenario *s = NULL;
        cs_error err;
        load_text("name: x\nextends: target\n", "x.yaml", dir, &s, &err);
        ck_assert_ptr_null(strstr(err.message, "SECRET"));
    }
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/target", dir);
    remove(path);
    rmdir(dir);
}
END_TEST

static void on_alarm(int sig)
{
    (void)sig;
    _exit(3); /* a hang: the test fails instead of waiting forever */
}

/* A FIFO, a directory, a character device: refused at once, never read. */
START_TEST(test_extends_names_regular_files_only)
{
    char dir[DIR_LEN], fifo[PATH_LEN], sub[PATH_LEN], want[3 * PATH_LEN];
    temp_dir(dir);
    snprintf(fifo, sizeof fifo, "%s/fifo.yaml", dir);
    snprintf(sub, sizeof sub, "%s/adir.yaml", dir);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    signal(SIGALRM, on_alarm);
    alarm(5);
    snprintf(want, sizeof want,
             "x.yaml:1:10: extends: expected a regular file, found '%s', a "
             "FIFO or pipe",
             fifo);
    assert_refused("extends: fifo.yaml\n", dir, want);
    snprintf(want, sizeof want,
             "x.yaml:1:10: extends: expected a regular file, found '%s', a "
             "directory",
             sub);
    assert_refused("extends: adir.yaml\n", dir, want);
    assert_refused("extends: /dev/null\n", dir,
                   "x.yaml:1:10: extends: expected a regular file, found "
                   "'/dev/null', a character device");
    alarm(0);
    remove(fifo);
    rmdir(sub);
    rmdir(dir);
}
END_TEST

/* /dev/stdin and /proc/self/fd/0 while standard input is a pipe whose
 * writer stays open: reading would block forever. */
START_TEST(test_extends_stdin_while_stdin_is_an_open_pipe)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(dup2(fds[0], 0), 0); /* the write end stays open */
    signal(SIGALRM, on_alarm);
    alarm(5);
    assert_refused("extends: /dev/stdin\n", NULL,
                   "x.yaml:1:10: extends: expected a regular file, found "
                   "'/dev/stdin', a FIFO or pipe");
    assert_refused("extends: /proc/self/fd/0\n", NULL,
                   "x.yaml:1:10: extends: expected a regular file, found "
                   "'/proc/self/fd/0', a FIFO or pipe");
    alarm(0);
    close(fds[1]);
}
END_TEST

/* The top file may be a pipe, but a directory is refused, and the message
 * starts with the file like every other. */
START_TEST(test_a_directory_as_the_scenario_names_the_file_first)
{
    char dir[DIR_LEN], want[PATH_LEN + 64];
    temp_dir(dir);
    cs_scenario *s = NULL;
    cs_error err;
    ck_assert_int_eq(cs_scenario_load_file(dir, &s, &err), CS_EINPUT);
    snprintf(want, sizeof want, "%s: cannot open: Is a directory", dir);
    ck_assert_str_eq(err.message, want);
    rmdir(dir);
}
END_TEST

/* A "\0" escape would cut every string short: refused wherever it is. */
START_TEST(test_nul_in_any_string_is_refused)
{
    char dir[DIR_LEN];
    snprintf(dir, sizeof dir, "%s/scenario", data_dir());
    assert_refused("extends: full.yaml\nname: \"hbase\\0/../../x\"\n", dir,
                   "x.yaml:2:7: expected text without NUL characters, found "
                   "a NUL (\\0) as character 6 of this value (everything "
                   "after it would be lost)");
    assert_refused("extends: \"full.yaml\\0junk\"\n", dir,
                   "x.yaml:1:10: expected text without NUL characters, found "
                   "a NUL (\\0) as character 10 of this value (everything "
                   "after it would be lost)");
    assert_refused("extends: full.yaml\nmarks: {\"known\\0x\": {label: "
                   "a}}\n",
                   dir,
                   "x.yaml:2:9: expected text without NUL characters, found "
                   "a NUL (\\0) as character 6 of this value (everything "
                   "after it would be lost)");
    assert_refused("extends: full.yaml\ndescription: 'ok'\n"
                   "stages.cin.label: \"Child\\0in need\"\n",
                   dir,
                   "x.yaml:3:19: expected text without NUL characters, found "
                   "a NUL (\\0) as character 6 of this value (everything "
                   "after it would be lost)");
}
END_TEST

/* ---- an override that breaks a rule of its base ----------------------- */

START_TEST(test_override_that_breaks_a_base_rule_points_at_the_override)
{
    char dir[DIR_LEN], base[PATH_LEN], want[3 * PATH_LEN];
    snprintf(dir, sizeof dir, "%s/scenario", data_dir());
    snprintf(base, sizeof base, "%s/full.yaml", dir);
    /* entry shares: the sum is the base's mapping, changed here */
    snprintf(want, sizeof want,
             "x.yaml:2:21: stages.looked_after.placements: expected entry "
             "shares summing to 1, found a sum of 1.1 (merged into the base's "
             "value at %s:25:7)",
             base);
    assert_refused("extends: full.yaml\n"
                   "stages.looked_after.placements.residential.entry_share: "
                   "0.45\n",
                   dir, want);
    /* too many children in a stage: the count raised here */
    snprintf(want, sizeof want,
             "x.yaml:3:3: population.total: at age 0 the other stages hold "
             "100108 children but the total is only 100000 (the total is at "
             "%s:30:10) (merged into the base's value at %s:37:5)",
             base, base);
    assert_refused("extends: full.yaml\npopulation:\n  stages:\n"
                   "    care_leaver: {count: 1800000}\n",
                   dir, want);
    /* a shorter horizon than the base's per-year list */
    snprintf(want, sizeof want,
             "%s:50:13: births.per_year: 3 values for a horizon of 2 "
             "financial years (2019/20 to 2020/21): expected at most 2, one "
             "per year; the horizon is set at x.yaml:2:16",
             base);
    assert_refused("extends: full.yaml\nhorizon_years: 2\n", dir, want);
    /* both of a pair, one from each file: at the override */
    snprintf(want, sizeof want,
             "x.yaml:2:1: horizon_months: expected only one of horizon_years "
             "and horizon_months, found both (horizon_years at %s:8:1)",
             base);
    assert_refused("extends: full.yaml\nhorizon_months: 24\n", dir, want);
}
END_TEST

/* ---- per-year lists --------------------------------------------------- */

#define SMALL_HEADER "name: small\nbase_date: 2019-04\nhorizon_years: 3\n"

static const char *const small_body =
    "stages:\n  universal: {intervention: none}\n"
    "  early_help:\n    intervention: early\n"
    "    unit_cost: {per_year: 1_000}\n"
    "    capacity: {funded_by: [grant], when_full: {to: universal}}\n"
    "population: {total: 1000, remainder: universal}\n"
    "transitions:\n  help: {from: universal, to: early_help, rate: 0.1}\n";

static void with_small(char *out, size_t size, const char *more)
{
    snprintf(out, size, "%s%s%s", SMALL_HEADER, small_body, more);
}

START_TEST(test_per_year_lists_cover_the_horizon_or_say_how_they_go_on)
{
    char text[4096];
    cs_scenario *s = NULL;
    cs_error err;
    /* too long: the five values for three years */
    with_small(text, sizeof text,
               "funding: {grant: {per_year: [1, 2, 3, 4, 5], growth: 0}}\n"
               "births: {per_year: 10}\n");
    assert_refused(text, NULL,
                   "x.yaml:13:29: funding.grant.per_year: 5 values for a "
                   "horizon of 3 financial years (2019/20 to 2021/22): "
                   "expected at most 3, one per year");
    /* short, no growth */
    with_small(text, sizeof text,
               "funding: {grant: {per_year: [1, 2]}}\nbirths: {per_year: "
               "10}\n");
    assert_refused(text, NULL,
                   "x.yaml:13:29: funding.grant.per_year: 2 values for a "
                   "horizon of 3 financial years (2019/20 to 2021/22): "
                   "expected a value for every year, or growth: to say how it "
                   "goes on after 2020/21 (growth: 0 repeats the last value)");
    with_small(text, sizeof text,
               "funding: {grant: {per_year: 5}}\n"
               "births: {per_year: [10, 20]}\n");
    assert_refused(text, NULL,
                   "x.yaml:14:20: births.per_year: 2 values for a horizon of 3 "
                   "financial years (2019/20 to 2021/22): expected a value for "
                   "every year, or growth: to say how it goes on after 2020/21 "
                   "(growth: 0 repeats the last value)");
    /* a single number holds; a short list with growth grows; births too */
    with_small(text, sizeof text,
               "funding: {grant: {per_year: [1_000, 2_000], growth: 0.5}}\n"
               "births: {per_year: [100, 200], growth: 0.1}\n");
    ck_assert_msg(load_text(text, "x.yaml", NULL, &s, &err) == CS_OK, "%s",
                  err.message);
    ck_assert_int_eq(s->streams[0].n_years, 2);
    ck_assert_int_eq(s->n_births, 3);
    ck_assert_double_eq(s->births_per_year[1], 200);
    ck_assert_double_eq_tol(s->births_per_year[2], 220, 1e-9);
    cs_scenario_free(s);
    /* a horizon not starting in April: 2019-01 for 16 months (to April
     * 2020) spans the financial years 2018/19, 2019/20 and 2020/21 */
    snprintf(text, sizeof text, "%s%s%s",
             "name: small\nbase_date: 2019-01\nhorizon_months: 16\n",
             small_body,
             "funding: {grant: {per_year: [1, 2, 3]}}\n"
             "births: {per_year: [10, 20, 30]}\n");
    ck_assert_msg(load_text(text, "x.yaml", NULL, &s, &err) == CS_OK, "%s",
                  err.message);
    cs_scenario_free(s);
    snprintf(text, sizeof text, "%s%s%s",
             "name: small\nbase_date: 2019-01\nhorizon_months: 16\n",
             small_body,
             "funding: {grant: {per_year: [1, 2, 3, 4]}}\n"
             "births: {per_year: 10}\n");
    assert_refused(text, NULL,
                   "x.yaml:13:29: funding.grant.per_year: 4 values for a "
                   "horizon of 3 financial years (2018/19 to 2020/21): "
                   "expected at most 3, one per year");
}
END_TEST

START_TEST(test_thousands_with_commas_and_leading_zeros_are_refused)
{
    char text[4096];
    with_small(text, sizeof text,
               "funding:\n  grant:\n"
               "    per_year: [184_000_000, 165_000_000, 82,500,000]\n"
               "births: {per_year: 10}\n");
    assert_refused(text, NULL,
                   "x.yaml:15:45: funding.grant.per_year[3]: expected a "
                   "number, found 500 right after a comma: YAML reads "
                   "82,500,000 as 3 numbers; write 82_500_000 for one number "
                   "with thousands, or put a space after each comma of a "
                   "list");
    /* a space after each comma: a list of three */
    with_small(text, sizeof text,
               "funding: {grant: {per_year: [100, 200, 300]}}\n"
               "births: {per_year: 10}\n");
    cs_scenario *s = NULL;
    cs_error err;
    ck_assert_msg(load_text(text, "x.yaml", NULL, &s, &err) == CS_OK, "%s",
                  err.message);
    ck_assert_int_eq(s->streams[0].n_years, 3);
    cs_scenario_free(s);
    /* written without spaces, 3-digit items are ambiguous */
    with_small(text, sizeof text,
               "funding: {grant: {per_year: [100,200,300]}}\n"
               "births: {per_year: 10}\n");
    assert_refused(text, NULL,
                   "x.yaml:13:34: funding.grant.per_year[1]: expected a "
                   "number, found 200 right after a comma: YAML reads "
                   "100,200,300 as 3 numbers; write 100_200_300 for one "
                   "number with thousands, or put a space after each comma "
                   "of a list");
    /* in block style the commas stay in one value */
    with_small(text, sizeof text,
               "funding: {grant: {per_year: 5}}\nbirths:\n"
               "  per_year: 600,000\n");
    assert_refused(text, NULL,
                   "x.yaml:15:13: births.per_year: expected a number of "
                   "births per year from 0 to 1000000000, or a list of them "
                   "by financial year, found '600,000' (write thousands with "
                   "'_', as 600_000, not with commas)");
    /* leading zeros */
    with_small(text, sizeof text,
               "funding: {grant: {per_year: [000, 5, 5]}}\n"
               "births: {per_year: 10}\n");
    assert_refused(text, NULL,
                   "x.yaml:13:30: funding.grant.per_year[0]: expected an "
                   "amount in GBP (cash) >= 0, found 000 (a whole number with "
                   "a leading zero is ambiguous: YAML 1.1 reads it as octal; "
                   "write it without the zero)");
    with_small(text, sizeof text,
               "funding: {grant: {per_year: 5}}\nbirths: {per_year: 0500}\n");
    assert_refused(text, NULL,
                   "x.yaml:14:20: births.per_year: expected a number of "
                   "births per year from 0 to 1000000000, or a list of them "
                   "by financial year, found 0500 (a whole number with a "
                   "leading zero is ambiguous: YAML 1.1 reads it as octal; "
                   "write it without the zero)");
    char dir[DIR_LEN];
    snprintf(dir, sizeof dir, "%s/scenario", data_dir());
    assert_refused("extends: full.yaml\nseed: 0123\n", dir,
                   "x.yaml:2:7: seed: expected a whole number from 0 to "
                   "18446744073709551615, found 0123 (a whole number with a "
                   "leading zero is ambiguous: YAML 1.1 reads it as octal; "
                   "write it without the zero)");
    /* 0 and 0.5 are fine */
    with_small(text, sizeof text,
               "funding: {grant: {per_year: 0}}\nbirths: {per_year: 0.5}\n");
    ck_assert_msg(load_text(text, "x.yaml", NULL, &s, &err) == CS_OK, "%s",
                  err.message);
    cs_scenario_free(s);
}
END_TEST

/* ---- levers the model would ignore ------------------------------------ */

START_TEST(test_levers_the_model_ignores_are_refused)
{
    /* the issue's: early help's places are bought by funding streams */
    assert_refused("extends: england-baseline.yaml\nlevers: {x: {from: "
                   "2021-04, capacity: {stage: early_help, multiply: 2}}}\n",
                   scenarios_dir(),
                   "x.yaml:2:47: levers.x.capacity.stage: expected a stage "
                   "with a fixed number of places, found 'early_help', whose "
                   "places are bought by its funding streams "
                   "(council_early_help, troubled_families): a funding: lever "
                   "on them changes its places");
    char text[4096];
    with_small(text, sizeof text,
               "funding: {grant: {per_year: 5}, spare: {per_year: 5}}\n"
               "births: {per_year: 10}\n"
               "levers: {x: {from: 2020-04, funding: {stream: spare, "
               "multiply: 0}}}\n");
    assert_refused(text, NULL,
                   "x.yaml:15:47: levers.x.funding.stream: expected a funding "
                   "stream that buys a stage's places, found 'spare', which "
                   "funds none: the model uses a stream's cash only through a "
                   "stage's capacity: {funded_by: [...]}");
    with_small(text, sizeof text,
               "funding: {grant: {per_year: 5}}\nbirths: {per_year: 10}\n"
               "levers: {x: {from: 2020-04, unit_cost: {stage: universal, "
               "multiply: 2}}}\n");
    assert_refused(text, NULL,
                   "x.yaml:15:48: levers.x.unit_cost.stage: expected a stage "
                   "whose unit cost counts (intervention early or late, or "
                   "places bought by funding), found 'universal', whose "
                   "intervention is none: its cost is never used");
    char dir[DIR_LEN];
    snprintf(dir, sizeof dir, "%s/scenario", data_dir());
    assert_refused("extends: full.yaml\nlevers: {x: {from: 2020-04, unit_cost: "
                   "{stage: cin, multiply: 2}}}\n",
                   dir,
                   "x.yaml:2:48: levers.x.unit_cost.stage: expected a stage "
                   "with a unit_cost, found 'cin', which has none: multiplying "
                   "it changes nothing");
    char want[2 * PATH_LEN];
    snprintf(want, sizeof want,
             "x.yaml:2:20: levers.x.from: expected a month within the "
             "horizon (which ends 2029-03), found 2029-04: the lever would "
             "never act; the horizon is set at %s/full.yaml:8:16",
             dir);
    assert_refused("extends: full.yaml\nlevers: {x: {from: 2029-04, rate: "
                   "{transition: referral, multiply: 2}}}\n",
                   dir, want);
    /* the last month of the horizon still acts */
    cs_scenario *s = NULL;
    cs_error err;
    ck_assert_int_eq(load_text("extends: full.yaml\nlevers: {x: {from: "
                               "2029-03, rate: {transition: referral, "
                               "multiply: 2}}}\n",
                               "x.yaml", dir, &s, &err),
                     CS_OK);
    cs_scenario_free(s);
}
END_TEST

/* ---- fit.figures: what a fitted scenario was fitted to -------------- */

/* fit.figures of the shipped baseline with one series in place of its
 * own (a list replaces a list whole) */
static void figures_text(char *out, size_t size, const char *window,
                         const char *series)
{
    snprintf(out, size,
             "extends: england-baseline.yaml\n"
             "fit:\n"
             "  figures:\n"
             "    window: %s\n"
             "    series:\n"
             "      - %s\n",
             window, series);
}

START_TEST(test_the_baseline_records_the_figures_it_was_fitted_to)
{
    cs_scenario *s = NULL;
    cs_error err;
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/england-baseline.yaml", scenarios_dir());
    ck_assert_msg(cs_scenario_load_file(path, &s, &err) == CS_OK, "%s",
                  err.message);
    const cs_fit_figures *x = &s->fit->figures;
    ck_assert_int_eq(x->present, 1);
    ck_assert_str_eq(x->area_code, "E92000001");
    ck_assert_str_eq(x->area_name, "England");
    ck_assert_int_eq(x->window_first, 2013);
    ck_assert_int_eq(x->window_last, 2019);
    const cs_fit_series *cla = NULL;
    for (int i = 0; i < x->n_series; i++)
        if (!strcmp(x->series[i].measure, "cla_31_march"))
            cla = &x->series[i];
    ck_assert_ptr_nonnull(cla);
    /* the start (31 March 2013) is published, not fitted; 2019 both */
    ck_assert_int_eq(cla->from, 2013);
    ck_assert_int_eq(cla->n_published, 7);
    ck_assert_double_eq(cla->published[0], 68060);
    ck_assert(isnan(cla->fitted[0]));
    ck_assert_double_eq(cla->published[6], 78140);
    ck_assert_double_eq_tol(cla->fitted[6], 78140, 0.02 * 78140);
    /* no figure after March 2019 anywhere */
    for (int i = 0; i < x->n_series; i++) {
        const cs_fit_series *y = &x->series[i];
        ck_assert_int_le(y->from + y->n_published - 1, 2019);
        ck_assert_int_le(y->from + y->n_fitted - 1, 2019);
    }
    cs_scenario_free(s);
    /* a scenario that was not fitted records none */
    snprintf(path, sizeof path, "%s/england-structure.yaml", scenarios_dir());
    ck_assert_msg(cs_scenario_load_file(path, &s, &err) == CS_OK, "%s",
                  err.message);
    ck_assert_int_eq(s->fit->figures.present, 0);
    cs_scenario_free(s);
}
END_TEST

START_TEST(test_fit_figures_are_checked_on_load)
{
    char text[2048];
    /* an unknown measure */
    figures_text(text, sizeof text, "2013:2019",
                 "{measure: cla_31_mrach, from: 2014, published: [1], "
                 "fitted: [1]}");
    assert_refused(
        text, scenarios_dir(),
        "x.yaml:6:19: fit.figures.series[0].measure: expected a published "
        "count (docs/data.md), such as cla_31_march, found 'cla_31_mrach'");
    /* a year outside the window */
    figures_text(text, sizeof text, "2013:2019",
                 "{measure: cla_31_march, from: 2012, published: [1], "
                 "fitted: [1]}");
    assert_refused(text, scenarios_dir(),
                   "x.yaml:6:39: fit.figures.series[0].from: expected a DfE "
                   "year of the window, 2013 to 2019, found 2012");
    /* a list longer than the years it covers: 2018 and 2019 */
    figures_text(text, sizeof text, "2013:2019",
                 "{measure: cla_31_march, from: 2018, published: [1, 2, 3], "
                 "fitted: [1, 2]}");
    assert_refused(
        text, scenarios_dir(),
        "x.yaml:6:56: fit.figures.series[0].published: expected a list of at "
        "most 2 figures (DfE years 2018 to 2019; ~ where none), found 3: the "
        "list is longer than the years it covers");
    /* a negative count */
    figures_text(text, sizeof text, "2013:2019",
                 "{measure: cla_31_march, from: 2018, published: [1, 2], "
                 "fitted: [~, -2]}");
    assert_refused(text, scenarios_dir(),
                   "x.yaml:6:76: fit.figures.series[0].fitted[1]: expected a "
                   "count >= 0 (children, or ~ where none), found -2");
    /* a measure twice */
    figures_text(text, sizeof text, "2013:2019",
                 "{measure: cla_31_march, from: 2018, published: [1], "
                 "fitted: [1]}\n      - {measure: cla_31_march, from: 2019, "
                 "published: [1], fitted: [1]}");
    assert_refused(text, scenarios_dir(),
                   "x.yaml:7:19: fit.figures.series[1].measure: 'cla_31_march' "
                   "is given twice (also fit.figures.series[0])");
    /* a percentage is not a count */
    figures_text(text, sizeof text, "2013:2019",
                 "{measure: rereferral_pct, from: 2018, published: [1], "
                 "fitted: [1]}");
    assert_refused(
        text, scenarios_dir(),
        "x.yaml:6:19: fit.figures.series[0].measure: expected a published "
        "count (docs/data.md), such as cla_31_march, found 'rereferral_pct'");
    /* a window that is not one */
    figures_text(text, sizeof text, "2019:2013",
                 "{measure: cla_31_march, from: 2018, published: [1], "
                 "fitted: [1]}");
    assert_refused(
        text, scenarios_dir(),
        "x.yaml:4:13: fit.figures.window: expected FIRST:LAST, two DfE years "
        "to 31 March with FIRST < LAST, like 2013:2019, found '2019:2013'");
    /* a key it does not know */
    figures_text(text, sizeof text, "2013:2019",
                 "{measure: cla_31_march, from: 2018, published: [1], "
                 "fited: [1]}");
    assert_refused(
        text, scenarios_dir(),
        "x.yaml:6:61: unknown key 'fited' in fit.figures.series[0]; expected "
        "one of: measure, from, published, fitted (did you mean 'fitted'?)");
    /* and what is right loads: ~ where none, shorter lists */
    figures_text(text, sizeof text, "2013:2019",
                 "{measure: cla_31_march, from: 2018, published: [1, ~], "
                 "fitted: [~]}");
    cs_scenario *s = NULL;
    cs_error err;
    ck_assert_msg(load_text(text, "x.yaml", scenarios_dir(), &s, &err) == CS_OK,
                  "%s", err.message);
    const cs_fit_series *y = &s->fit->figures.series[0];
    ck_assert_int_eq(s->fit->figures.n_series, 1);
    ck_assert_int_eq(y->n_published, 2);
    ck_assert_int_eq(y->n_fitted, 1);
    ck_assert(isnan(y->published[1]) && isnan(y->fitted[0]));
    cs_scenario_free(s);
}
END_TEST

/* Every file in tests/data/bad and its exact message; {D} is that folder.
 * tests/data/bad/README.md lists the same. */
static const struct bad_file {
    const char *file;
    const char *message;
} bad_files[] = {
    {"age-shares-gap.yaml",
     "{D}/age-shares-gap.yaml:16:15: population.age_shares: expected age bands "
     "covering every age from 0 to 17, found no band for age 5"},
    {"alias-bomb.yaml",
     "{D}/alias-bomb.yaml:8:8: the document expands to more than 1000000 YAML "
     "nodes (alias '*f'; are aliases nested too deeply?)"},
    {"births-of-another-area.yaml",
     "{D}/births-of-another-area.yaml:15:13: births.per_year: expected births "
     "near a year of age of the population (36000 children aged 0-17: 2000 a "
     "year of age), found 608352 a year, more than twenty times that (the "
     "population's total is at line 9): births of another area? (cascade "
     "init --area writes a council's)"},
    {"base-date.yaml",
     "{D}/base-date.yaml:2:12: base_date: expected a year and month as "
     "YYYY-MM, like 2019-04 (years 1900 to 2200), found 2019-13"},
    {"budget-pays-late-stage.yaml",
     "{D}/budget-pays-late-stage.yaml:37:10: budget.pays[0]: expected a "
     "funding stream that buys early intervention, found 'council', which "
     "buys places of 'family_support', a late stage: its children are "
     "statutory spend, which the budget pays first, so it would pay them "
     "twice"},
    {"budget-pays-twice.yaml",
     "{D}/budget-pays-twice.yaml:37:19: budget.pays[1]: expected each "
     "funding stream once, found 'council' again"},
    {"budget-pays-unfunded.yaml",
     "{D}/budget-pays-unfunded.yaml:37:10: budget.pays[0]: expected a "
     "funding stream that buys a stage's places, found 'council', which "
     "funds none: cutting it would change nothing"},
    {"budget-reserves-negative.yaml",
     "{D}/budget-reserves-negative.yaml:36:13: budget.reserves: expected "
     "usable reserves in GBP (cash) >= 0 at the base date, found "
     "-1_000_000"},
    {"care-leavers-years.yaml",
     "{D}/care-leavers-years.yaml:26:10: care_leavers.years: expected a "
     "whole number of years from 1 to 10, found 12"},
    {"caseload-workforce-typo.yaml",
     "{D}/caseload-workforce-typo.yaml:23:27: "
     "transitions.closed.caseload.workforce: expected one of the workforces "
     "(social_workers), found 'social_worker' (did you mean "
     "'social_workers'?)"},
    {"duplicate-key.yaml",
     "{D}/duplicate-key.yaml:17:3: duplicate key 'total' (first at line 15)"},
    {"duration-not-open.yaml",
     "{D}/duration-not-open.yaml:26:18: "
     "transitions.referral.by_duration[1].months: expected the last band to be "
     "open-ended, like 12+, found 3-11"},
    {"duration-start.yaml",
     "{D}/duration-start.yaml:25:18: "
     "transitions.referral.by_duration[0].months: expected the first band to "
     "start at month 0, found 1-2"},
    {"months-in-stage-expiring-mark.yaml",
     "{D}/months-in-stage-expiring-mark.yaml:17:24: "
     "population.stages.assessment.months_in_stage: expected 4 shares (stage "
     "'assessment' keeps months in stage 0 to 3 or more, from the "
     "by_duration bands of the transitions out of it and the marks that "
     "expire in it), found 1"},
    {"mark-expires-range.yaml",
     "{D}/mark-expires-range.yaml:8:27: marks.recent.expires_after_months: "
     "expected a whole number of months from 1 to 120, found 0"},
    {"months-in-stage-length.yaml",
     "{D}/months-in-stage-length.yaml:15:24: "
     "population.stages.cp.months_in_stage: expected 13 shares (stage 'cp' "
     "keeps months in stage 0 to 12 or more, from the by_duration bands of "
     "the transitions out of it), found 12"},
    {"months-in-stage-sum.yaml",
     "{D}/months-in-stage-sum.yaml:15:24: "
     "population.stages.cp.months_in_stage: expected shares summing to 1, "
     "found a sum of 1.1"},
    {"empty.yaml", "{D}/empty.yaml:1:1: expected a mapping of scenario "
                   "settings, found an empty file"},
    {"entry-shares.yaml",
     "{D}/entry-shares.yaml:12:7: stages.looked_after.placements: expected "
     "entry shares summing to 1, found a sum of 0.95"},
    {"event-cost-intervention.yaml",
     "{D}/event-cost-intervention.yaml:24:44: "
     "transitions.referral.cost.intervention: expected early or late, found "
     "'middling'"},
    {"event-cost-into-none.yaml",
     "{D}/event-cost-into-none.yaml:25:11: transitions.referral.cost: "
     "expected intervention: early or late beside per_child, found none, and "
     "the stages it moves children into are not all early or all late"},
    {"extends-missing.yaml",
     "{D}/extends-missing.yaml:2:10: extends: cannot open "
     "'{D}/no-such-base.yaml': No such file or directory"},
    {"extends-not-a-scenario.yaml",
     "{D}/extends-not-a-scenario.yaml:2:10: extends: expected a "
     "scenario file, found '{D}/not-a-scenario.txt', whose top level is "
     "a single value, not a mapping of scenario settings"},
    {"fractional-count.yaml",
     "{D}/fractional-count.yaml:15:10: population.total: expected a whole "
     "number of children >= 0, found 1000.5"},
    {"gamma-tiny-sd.yaml",
     "{D}/gamma-tiny-sd.yaml:23:11: transitions.referral.rate: expected "
     "a gamma with sd/mean from 0.00316 to 31.6 (a shape (mean/sd)^2 "
     "from 0.001 to 100000), found sd/mean 2e-200; a number known this "
     "well can be written plainly"},
    {"group-to-own-placement.yaml",
     "{D}/group-to-own-placement.yaml:26:9: transitions.moves.to: expected a "
     "stage outside the from group 'looked_after', found "
     "'looked_after.foster'"},
    {"horizon-range.yaml",
     "{D}/horizon-range.yaml:3:16: horizon_years: expected a whole number of "
     "years from 1 to 50, found 51"},
    {"inf-rate.yaml", "{D}/inf-rate.yaml:23:11: transitions.referral.rate: "
                      "expected a rate per year >= 0, found .inf"},
    {"invalid-name.yaml",
     "{D}/invalid-name.yaml:1:7: name: expected a name of lowercase letters, "
     "digits and '-', not starting with '-' (at most 47 characters), found 'My "
     "Scenario'"},
    {"invalid-utf8.yaml", "{D}/invalid-utf8.yaml:2:17: invalid YAML: invalid "
                          "trailing UTF-8 octet (the file must be UTF-8 text)"},
    {"invalid-yaml.yaml", "{D}/invalid-yaml.yaml:16:23: invalid YAML: mapping "
                          "values are not allowed in this context"},
    {"leading-zero.yaml",
     "{D}/leading-zero.yaml:18:13: births.per_year: expected a number "
     "of births per year from 0 to 1000000000, or a list of them by "
     "financial year, found 0500 (a whole number with a leading zero is "
     "ambiguous: YAML 1.1 reads it as octal; write it without the zero)"},
    {"lever-after-horizon.yaml",
     "{D}/lever-after-horizon.yaml:26:11: levers.late.from: expected a "
     "month within the horizon (which ends 2029-03), found 2031-04: the "
     "lever would never act"},
    {"lever-fade-without-until.yaml",
     "{D}/lever-fade-without-until.yaml:27:5: levers.programme.fade_months: "
     "expected until beside it (the last month the lever is in force), found "
     "none: a lever that never ends never fades"},
    {"lever-until-after-horizon.yaml",
     "{D}/lever-until-after-horizon.yaml:27:12: levers.grant.until: expected "
     "a month before the horizon's last (2029-03), found 2030-03: the lever "
     "would not end within the horizon (leave until out)"},
    {"lever-until-before-from.yaml",
     "{D}/lever-until-before-from.yaml:27:12: levers.short_programme.until: "
     "expected a month from the lever's from (2021-04) on, found 2020-03, "
     "before it"},
    {"lever-on-funded-places.yaml",
     "{D}/lever-on-funded-places.yaml:35:23: levers.x.capacity.stage: "
     "expected a stage with a fixed number of places, found "
     "'early_help', whose places are bought by its funding streams "
     "(grant): a funding: lever on them changes its places"},
    {"loop-a.yaml", "{D}/loop-a.yaml:1:10: extends loop: {D}/loop-a.yaml -> "
                    "{D}/loop-b.yaml -> {D}/loop-a.yaml"},
    {"loop-b.yaml", "{D}/loop-b.yaml:1:10: extends loop: {D}/loop-b.yaml -> "
                    "{D}/loop-a.yaml -> {D}/loop-b.yaml"},
    {"migration-into-capacity.yaml",
     "{D}/migration-into-capacity.yaml:10:40: population.net_migration.stage: "
     "expected a stage without capacity, found 'assessment' (migration would "
     "bypass its places)"},
    {"missing-stages.yaml", "{D}/missing-stages.yaml:1:1: missing required key "
                            "'stages' in the scenario"},
    {"nan-rate.yaml", "{D}/nan-rate.yaml:23:11: transitions.referral.rate: "
                      "expected a rate per year >= 0, found .nan"},
    {"negative-rate.yaml",
     "{D}/negative-rate.yaml:23:11: transitions.referral.rate: expected a rate "
     "per year >= 0, found -0.5"},
    {"not-a-number.yaml",
     "{D}/not-a-number.yaml:23:11: transitions.referral.rate: expected a rate "
     "per year >= 0, found 'abc'"},
    {"not-mapping.yaml", "{D}/not-mapping.yaml:1:1: expected a mapping of "
                         "scenario settings, found a list"},
    {"nul-in-name.yaml",
     "{D}/nul-in-name.yaml:1:7: expected text without NUL characters, "
     "found a NUL (\\0) as character 6 of this value (everything after "
     "it would be lost)"},
    {"overflow-rate.yaml",
     "{D}/overflow-rate.yaml:23:11: transitions.referral.rate: expected a rate "
     "per year >= 0, found 1e999"},
    {"overlapping-ages.yaml",
     "{D}/overlapping-ages.yaml:26:16: transitions.referral.by_age[1].ages: "
     "expected age bands that do not overlap (age 3 is already in the band at "
     "line 25), found 3-5"},
    {"path-new-transition.yaml",
     "{D}/path-new-transition.yaml:3:1: transitions.refferal: missing required "
     "key 'from' (did you mean to change 'referral'?)"},
    {"path-typo.yaml",
     "{D}/path-typo.yaml:3:1: unknown key 'popluation' in the scenario; "
     "expected one of: format_version, name, description, extends, base_date, "
     "horizon_years, horizon_months, seed, economics, funding, budget, "
     "care_leavers, marks, stages, "
     "population, births, transitions, programmes, levers, ageing, "
     "arrivals, year_effects, fit, workforce (did you mean 'population'?)"},
    {"per-year-short.yaml",
     "{D}/per-year-short.yaml:18:13: births.per_year: 3 values for a "
     "horizon of 10 financial years (2019/20 to 2028/29): expected a "
     "value for every year, or growth: to say how it goes on after "
     "2021/22 (growth: 0 repeats the last value)"},
    {"per-year-too-long.yaml",
     "{D}/per-year-too-long.yaml:19:15: funding.grant.per_year: 5 "
     "values for a horizon of 3 financial years (2019/20 to 2021/22): "
     "expected at most 3, one per year"},
    {"population-too-small.yaml",
     "{D}/population-too-small.yaml:15:10: population.total: at age 0 the "
     "other stages hold 57 children but the total is only 56"},
    {"spend-funding-fixed-places.yaml",
     "{D}/spend-funding-fixed-places.yaml:21:40: "
     "stages.looked_after.placements.foster.capacity.spend: expected "
     "places_used beside places, found funding: only places bought by "
     "funded_by streams spend their funding"},
    {"string-for-number.yaml",
     "{D}/string-for-number.yaml:23:11: transitions.referral.rate: expected a "
     "rate per year >= 0, found a string (\"0.04\")"},
    {"thousands-commas.yaml",
     "{D}/thousands-commas.yaml:19:45: "
     "funding.troubled_families.per_year[3]: expected a number, found "
     "500 right after a comma: YAML reads 82,500,000 as 3 numbers; "
     "write 82_500_000 for one number with thousands, or put a space "
     "after each comma of a list"},
    {"trend-until-alone.yaml",
     "{D}/trend-until-alone.yaml:24:36: transitions.referral.trend.until: "
     "says when the trend ends, but not what happens after it: expected "
     "after: hold, continue or damp beside it"},
    {"two-documents.yaml", "{D}/two-documents.yaml:19:1: expected a single "
                           "YAML document, found a second one"},
    {"undeclared-mark.yaml",
     "{D}/undeclared-mark.yaml:24:12: transitions.referral.sets[0]: expected a "
     "mark declared in marks (one of: known), found 'knwon' (did you mean "
     "'known'?)"},
    {"undefined-stage.yaml",
     "{D}/undefined-stage.yaml:22:9: transitions.referral.to: expected a stage "
     "or group id (one of: universal, assessment, looked_after, "
     "looked_after.foster, looked_after.residential), found 'assesment' (did "
     "you mean 'assessment'?)"},
    {"unknown-nested-key.yaml",
     "{D}/unknown-nested-key.yaml:23:5: unknown key 'rat' in "
     "transitions.referral; expected one of: label, from, to, rate, by_age, "
     "by_duration, if_marked, sets, clears, trend, year_effect, cost, caseload "
     "(did you "
     "mean "
     "'rate'?)"},
    {"unknown-top-key.yaml",
     "{D}/unknown-top-key.yaml:19:1: unknown key 'trasitions' in the scenario; "
     "expected one of: format_version, name, description, extends, base_date, "
     "horizon_years, horizon_months, seed, economics, funding, budget, "
     "care_leavers, marks, stages, "
     "population, births, transitions, programmes, levers, ageing, "
     "arrivals, year_effects, fit, workforce (did you mean 'transitions'?)"},
    {"workforce-no-workers.yaml",
     "{D}/workforce-no-workers.yaml:15:22: workforce.social_workers.per_year: "
     "expected a number of workers > 0 (a caseload needs someone to hold "
     "it), found 0"},
    {"workforce-unused.yaml",
     "{D}/workforce-unused.yaml:13:3: workforce.social_workers: expected a "
     "transition with caseload: {workforce: social_workers, elasticity: "
     "...}, found none: the workforce would change nothing"},
};

START_TEST(test_bad_file_gives_exact_message)
{
    const struct bad_file *b = &bad_files[_i];
    char dir[PATH_LEN], path[PATH_LEN], want[CS_ERROR_MAX * 2];
    snprintf(dir, sizeof dir, "%s/bad", data_dir());
    data_path(path, "bad", b->file);
    expand(want, sizeof want, b->message, dir);
    cs_scenario *s = (cs_scenario *)1;
    cs_error err;
    int rc = cs_scenario_load_file(path, &s, &err);
    ck_assert_msg(rc == CS_EINPUT, "%s: expected CS_EINPUT, got %d (%s)",
                  b->file, rc, rc ? err.message : "loaded");
    ck_assert_ptr_null(s);
    ck_assert_msg(strcmp(err.message, want) == 0,
                  "%s:\n expected: %s\n got:      %s", b->file, want,
                  err.message);
}
END_TEST

static Suite *scenario_suite(void)
{
    Suite *suite = suite_create("scenario");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, test_full_settings);
    tcase_add_test(tc, test_full_stages_expand_placements_into_leaves);
    tcase_add_test(tc, test_full_population_by_largest_remainder);
    tcase_add_test(tc, test_full_transitions);
    tcase_add_test(tc, test_whatif_overrides_by_mapping_and_dotted_path);
    tcase_add_test(tc, test_bad_override_error_points_into_child_file);
    tcase_add_test(tc, test_default_name_must_be_valid);
    tcase_add_test(tc, test_resolved_yaml_reloads_identically);
    tcase_add_test(tc, test_load_string_uses_display_name_and_base_dir);
    tcase_add_test(tc, test_dotted_path_setting_a_value_twice_is_a_duplicate);
    tcase_add_test(tc, test_extends_falls_back_to_shipped_scenario);
    tcase_add_test(tc, test_missing_file_is_an_input_error);
    tcase_add_test(tc,
                   test_extends_records_its_source_and_the_hash_of_its_base);
    tcase_add_test(tc,
                   test_extends_hash_tells_an_edited_base_from_the_shipped_one);
    tcase_add_test(tc, test_every_shipped_scenario_is_built_in);
    tcase_add_test(tc, test_shipped_expiring_mark);
    tcase_add_test(tc, test_a_whatif_anywhere_extends_a_shipped_whatif);
    tcase_add_test(tc, test_extends_of_a_file_that_is_not_a_scenario);
    tcase_add_test(tc, test_a_directory_as_the_scenario_names_the_file_first);
    tcase_add_test(tc, test_nul_in_any_string_is_refused);
    tcase_add_test(
        tc, test_override_that_breaks_a_base_rule_points_at_the_override);
    tcase_add_test(tc,
                   test_per_year_lists_cover_the_horizon_or_say_how_they_go_on);
    tcase_add_test(tc,
                   test_thousands_with_commas_and_leading_zeros_are_refused);
    tcase_add_test(tc, test_levers_the_model_ignores_are_refused);
    tcase_add_test(tc, test_the_baseline_records_the_figures_it_was_fitted_to);
    tcase_add_test(tc, test_fit_figures_are_checked_on_load);
    suite_add_tcase(suite, tc);
    /* files that would block: a hang fails the test (alarm, and this) */
    TCase *blocking = tcase_create("blocking");
    tcase_set_timeout(blocking, 20);
    tcase_add_test(blocking, test_extends_names_regular_files_only);
    tcase_add_test(blocking, test_extends_stdin_while_stdin_is_an_open_pipe);
    suite_add_tcase(suite, blocking);
    TCase *bad = tcase_create("bad");
    tcase_add_loop_test(bad, test_bad_file_gives_exact_message, 0,
                        (int)(sizeof bad_files / sizeof bad_files[0]));
    suite_add_tcase(suite, bad);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(scenario_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
