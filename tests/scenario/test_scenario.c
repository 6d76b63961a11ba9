/*
 * test_scenario.c - the scenario loader: a full scenario read field by
 * field, extends and overrides, the resolved YAML round trip, and the exact
 * error message for every malformed file in tests/data/bad.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/scenario.h"

#define PATH_LEN 1024

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
    snprintf(want, sizeof want, "cannot open '%s': No such file or directory",
             path);
    ck_assert_str_eq(err.message, want);
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
    {"base-date.yaml",
     "{D}/base-date.yaml:2:12: base_date: expected a year and month as "
     "YYYY-MM, like 2019-04 (years 1900 to 2200), found 2019-13"},
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
    {"empty.yaml", "{D}/empty.yaml:1:1: expected a mapping of scenario "
                   "settings, found an empty file"},
    {"entry-shares.yaml",
     "{D}/entry-shares.yaml:12:7: stages.looked_after.placements: expected "
     "entry shares summing to 1, found a sum of 0.95"},
    {"extends-missing.yaml",
     "{D}/extends-missing.yaml:2:10: extends: cannot open "
     "'{D}/no-such-base.yaml': No such file or directory"},
    {"fractional-count.yaml",
     "{D}/fractional-count.yaml:15:10: population.total: expected a whole "
     "number of children >= 0, found 1000.5"},
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
    {"loop-a.yaml", "{D}/loop-a.yaml:1:10: extends loop: {D}/loop-a.yaml -> "
                    "{D}/loop-b.yaml -> {D}/loop-a.yaml"},
    {"loop-b.yaml", "{D}/loop-b.yaml:1:10: extends loop: {D}/loop-b.yaml -> "
                    "{D}/loop-a.yaml -> {D}/loop-b.yaml"},
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
     "horizon_years, horizon_months, seed, economics, funding, marks, stages, "
     "population, births, transitions, programmes, levers, ageing, "
     "arrivals, year_effects (did you mean 'population'?)"},
    {"population-too-small.yaml",
     "{D}/population-too-small.yaml:15:10: population.total: at age 0 the "
     "other stages hold 57 children but the total is only 56"},
    {"string-for-number.yaml",
     "{D}/string-for-number.yaml:23:11: transitions.referral.rate: expected a "
     "rate per year >= 0, found a string (\"0.04\")"},
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
     "by_duration, if_marked, sets, clears, trend, year_effect (did you mean "
     "'rate'?)"},
    {"unknown-top-key.yaml",
     "{D}/unknown-top-key.yaml:19:1: unknown key 'trasitions' in the scenario; "
     "expected one of: format_version, name, description, extends, base_date, "
     "horizon_years, horizon_months, seed, economics, funding, marks, stages, "
     "population, births, transitions, programmes, levers, ageing, "
     "arrivals, year_effects (did you mean 'transitions'?)"},
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
    suite_add_tcase(suite, tc);
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
