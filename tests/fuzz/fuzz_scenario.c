/*
 * fuzz_scenario.c - libFuzzer harness for the scenario loader, validator
 * and model compiler.
 *
 * Each input is taken as the text of a scenario file. Loading must either
 * succeed or fail with CS_EINPUT (or CS_ENOMEM) and a message that starts
 * with the display name; it must never crash, hang, leak or trip a
 * sanitizer. A scenario that loads is compiled into a model, and every
 * compartment's monthly move probabilities must be finite, in [0, 1] and
 * sum to at most 1 (competing hazards cannot exceed 1).
 *
 * `extends:` paths are looked up in CS_FUZZ_BASE_DIR (set by the meson
 * test and .ci/run to tests/data/scenario) or, without it, a directory
 * that does not exist, so relative chains stay inside the test data.
 *
 * Built two ways: with -fsanitize=fuzzer (clang, -Dfuzz=true) as the
 * fuzzer, and with replay.c's main() as a plain program that runs inputs
 * saved in tests/fuzz/corpus and tests/fuzz/regressions in every build.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/model.h"
#include "cascade/scenario.h"

#include "fuzz_scenario.h"

#define DISPLAY_NAME "fuzz.yaml"

static void fail(const char *what, const cs_error *err)
{
    fprintf(stderr, "fuzz_scenario: %s (code %d: %s)\n", what, err->code,
            err->message);
    abort();
}

/* Every compartment's moves: finite probabilities in [0, 1], summing to at
 * most 1. Checked at duration 0 and at the longest duration band. */
static void check_model(const cs_scenario *scenario, const cs_model *model,
                        const cs_error *err)
{
    unsigned n_mark_sets = 1u << scenario->n_marks;
    for (int s = 0; s < scenario->n_stages; s++)
        for (int a = 0; a < CS_AGES; a++)
            for (int d = 0; d <= CS_MAX_DURATION_MONTHS;
                 d += CS_MAX_DURATION_MONTHS)
                for (unsigned k = 0; k < n_mark_sets; k++) {
                    double total = 0;
                    for (int t = 0; t < scenario->n_transitions; t++) {
                        double p = cs_model_transition_probability(model, s, a,
                                                                   d, k, t);
                        if (!isfinite(p) || p < 0 || p > 1)
                            fail("a move probability outside [0, 1]", err);
                        total += p;
                    }
                    if (total > 1 + 1e-9)
                        fail("move probabilities summing to more than 1", err);
                }
}

int cs_fuzz_scenario(const uint8_t *data, size_t size, cs_error *err)
{
    const char *base_dir = getenv("CS_FUZZ_BASE_DIR");
    if (!base_dir)
        base_dir = "/nonexistent/cascade-fuzz";
    cs_scenario *scenario = NULL;
    int rc = cs_scenario_load_string((const char *)data, size, DISPLAY_NAME,
                                     base_dir, &scenario, err);
    if (memchr(err->message, '\0', sizeof err->message) == NULL)
        fail("an unterminated error message", err);
    if (rc != CS_OK) {
        if (scenario)
            fail("a scenario returned with an error", err);
        if (rc != CS_EINPUT && rc != CS_ENOMEM)
            fail("an error other than CS_EINPUT or CS_ENOMEM", err);
        if (rc != err->code || !err->message[0])
            fail("an error without its code or message", err);
        /* Errors name where they are: a file (this one, an extended one or
         * a shipped one) or the path that could not be opened. */
        return rc;
    }
    if (!scenario || !scenario->resolved_yaml || !scenario->source_path)
        fail("success without a complete scenario", err);
    if (scenario->n_stages < 1 || scenario->n_stages > CS_MAX_STAGES ||
        scenario->n_transitions < 0 ||
        scenario->n_transitions > CS_MAX_TRANSITIONS || scenario->n_marks < 0 ||
        scenario->n_marks > CS_MAX_MARKS || scenario->horizon_months < 1 ||
        scenario->horizon_months > 12 * CS_MAX_YEARS)
        fail("a scenario outside the format's limits", err);

    /* The resolved text must load again to an equal scenario. */
    cs_scenario *again = NULL;
    cs_error again_err;
    if (cs_scenario_load_string(scenario->resolved_yaml,
                                strlen(scenario->resolved_yaml), DISPLAY_NAME,
                                base_dir, &again, &again_err) != CS_OK)
        fail("the resolved YAML does not load again", &again_err);
    if (again->n_stages != scenario->n_stages ||
        again->n_transitions != scenario->n_transitions ||
        again->horizon_months != scenario->horizon_months ||
        again->seed != scenario->seed ||
        strcmp(again->name, scenario->name) != 0)
        fail("the resolved YAML loads to a different scenario", err);
    cs_scenario_free(again);

    cs_model *model = NULL;
    rc = cs_model_compile(scenario, &model, err);
    if (rc == CS_OK) {
        check_model(scenario, model, err);
        /* every epoch's table, not only the first month's */
        cs_error check;
        if (cs_model_check(model, &check) != CS_OK)
            fail(check.message, &check);
    } else if (rc != CS_EINPUT && rc != CS_ENOMEM)
        fail("compiling a valid scenario failed", err);
    cs_model_free(model);
    cs_scenario_free(scenario);
    return rc;
}

#ifdef CS_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_error err;
    cs_fuzz_scenario(data, size, &err);
    return 0;
}
#endif
