/*
 * goal_seek.c - `cascade goal-seek SCENARIO.yaml --lever NAME --outcome
 * STAGE --year YYYY --target N`: the value of one lever number that brings
 * the children in a stage at 31 March of a year to a target, as
 * witan.send's goal seek does.
 *
 * Each value tried is a scenario of its own (override.h: the file
 * extended with the lever number set), run through the batch API: in
 * expected values with every parameter at its mean (the default), or, with
 * -n N, as the mean of N stochastic runs that share their random numbers
 * from one value to the next (common random numbers: run r always has the
 * same key), so the differences between values tried are the lever's and
 * not noise. cs_goal_seek (Brent's method) finds the value; the scenario
 * at that value is then run once more into an HDF5 file, with the search
 * recorded beside it in /goal_seek (docs/output-format.md).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "format.h"
#include "outfile.h"
#include "override.h"

#define SEEK "cascade goal-seek"
#define MAX_EVALUATIONS 256

typedef struct seek_options {
    const char *scenario_path, *lever, *stage, *output_path;
    int year, have_year, have_target, have_lo, have_hi, force, quiet;
    double target, lo, hi, tolerance;
    long runs; /* 0: expected values */
    int have_seed;
    uint64_t seed;
} seek_options;

/* One search: what is run, and every value tried. */
typedef struct seek_state {
    const char *base_path;
    const cs_scenario *base; /* as loaded from base_path at the start */
    const char *lever_path;
    char name[CS_ID_MAX];
    cs_batch_settings settings;
    long n_runs; /* 1 in expected values */
    long *runs;  /* 0 .. n_runs-1 */
    int month;   /* the outcome's: 31 March of the year */
    int n_leaves;
    int leaves[CS_MAX_STAGES];
    double sum; /* over the runs delivered */
    int n_tried;
    double tried[MAX_EVALUATIONS], outcome[MAX_EVALUATIONS];
} seek_state;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade goal-seek SCENARIO.yaml --lever NAME --outcome "
            "STAGE --year YYYY\n"
            "                         --target N [--lo A --hi B] [-n RUNS] "
            "[--seed N]\n"
            "                         [--tolerance N] [-o FILE] [--force] "
            "[--quiet]\n"
            "\n"
            "Find the value of a lever's number that brings the children in "
            "STAGE at 31 March\n"
            "YYYY to the target N, by Brent's method between --lo and --hi, "
            "and run the\n"
            "scenario at that value into FILE (default: "
            "NAME-goal-seek.h5), with the search\n"
            "in its /goal_seek group.\n"
            "\n"
            "  --lever NAME     ID (its multiply, or a capacity lever's "
            "places), ID.FIELD\n"
            "                   (multiply, add or places) or "
            "levers.ID.KIND.FIELD\n"
            "  --outcome STAGE  a stage, a stage with placements (summed) or "
            "one placement;\n"
            "                   or dfe:cin (the CIN census count), dfe:cp, "
            "dfe:looked_after\n"
            "  --year YYYY      the 31 March of year YYYY\n"
            "  --target N       children\n"
            "  --lo A, --hi B   the range searched (default: 0 to twice the "
            "lever's value, at\n"
            "                   least 2, for multiply and places; required "
            "for add); the\n"
            "                   outcomes at A and B must lie either side of "
            "the target\n"
            "  -n RUNS          solve on the mean of RUNS stochastic runs "
            "(common random\n"
            "                   numbers across the values tried) instead "
            "of expected values\n"
            "  --seed N         seed of those runs (default: the "
            "scenario's)\n"
            "  --tolerance N    stop once the outcome is within N children "
            "of the target\n"
            "                   (default 0.01), or the range is narrower "
            "than 1e-9 of it\n"
            "  -o FILE          the output file\n"
            "  --force          overwrite FILE even if it is not a cascade "
            "output\n"
            "  -q, --quiet      print nothing but errors\n"
            "  -h, --help       this help\n");
}

static int parse_number(const char *flag, const char *text, double *out)
{
    char *end = NULL;
    *out = strtod(text, &end);
    if (end == text || *end || !isfinite(*out)) {
        fprintf(stderr, SEEK ": %s: expected a number, found '%s'\n", flag,
                text);
        return -1;
    }
    return 0;
}

/* What every search needs: -1 to go on, or an exit status. */
static int check_required(int n_arguments, const seek_options *o)
{
    const char *missing = n_arguments != 1  ? "one scenario file"
                          : !o->lever       ? "--lever NAME"
                          : !o->stage       ? "--outcome STAGE"
                          : !o->have_year   ? "--year YYYY"
                          : !o->have_target ? "--target N"
                                            : NULL;
    if (missing) {
        fprintf(stderr, SEEK ": expected %s\n", missing);
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    if (o->have_lo && o->have_hi && !(o->lo < o->hi)) {
        fprintf(stderr, SEEK ": expected --lo below --hi, found %g and %g\n",
                o->lo, o->hi);
        return CLI_BAD_INPUT;
    }
    return -1;
}

/* -1 to go on, or an exit status. */
static int parse_options(int argc, char **argv, seek_options *o)
{
    static const struct option options[] = {
        {"lever", required_argument, 0, 'l'},
        {"outcome", required_argument, 0, 'u'},
        {"year", required_argument, 0, 'y'},
        {"target", required_argument, 0, 't'},
        {"lo", required_argument, 0, 'a'},
        {"hi", required_argument, 0, 'b'},
        {"tolerance", required_argument, 0, 'T'},
        {"runs", required_argument, 0, 'n'},
        {"seed", required_argument, 0, 's'},
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, 'f'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->tolerance = 0.01;
    optind = 1;
    int c;
    double year;
    while ((c = getopt_long(argc, argv, "n:o:qh", options, NULL)) != -1) {
        switch (c) {
        case 'l':
            o->lever = optarg;
            break;
        case 'u':
            o->stage = optarg;
            break;
        case 'y':
            if (parse_number("--year", optarg, &year))
                return CLI_BAD_INPUT;
            if (year != floor(year) || year < 1900 || year > 2300) {
                fprintf(stderr,
                        SEEK ": --year: expected a year such as 2029, "
                             "found '%s'\n",
                        optarg);
                return CLI_BAD_INPUT;
            }
            o->year = (int)year;
            o->have_year = 1;
            break;
        case 't':
            if (parse_number("--target", optarg, &o->target))
                return CLI_BAD_INPUT;
            o->have_target = 1;
            break;
        case 'a':
            if (parse_number("--lo", optarg, &o->lo))
                return CLI_BAD_INPUT;
            o->have_lo = 1;
            break;
        case 'b':
            if (parse_number("--hi", optarg, &o->hi))
                return CLI_BAD_INPUT;
            o->have_hi = 1;
            break;
        case 'T':
            if (parse_number("--tolerance", optarg, &o->tolerance))
                return CLI_BAD_INPUT;
            if (o->tolerance < 0) {
                fprintf(stderr, SEEK ": --tolerance: expected a number of "
                                     "children from 0\n");
                return CLI_BAD_INPUT;
            }
            break;
        case 'n':
            if (cli_parse_count(SEEK, "-n", optarg, 100000, &o->runs))
                return CLI_BAD_INPUT;
            break;
        case 's':
            if (cli_parse_seed(SEEK, optarg, &o->seed))
                return CLI_BAD_INPUT;
            o->have_seed = 1;
            break;
        case 'o':
            o->output_path = optarg;
            break;
        case 'f':
            o->force = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    o->scenario_path = argc - optind == 1 ? argv[optind] : NULL;
    return check_required(argc - optind, o);
}

/* The leaf stages of the outcome and the month of its 31 March. */
/* The month of the 31 March of --year, within the horizon. */
static int check_month(const cs_scenario *sc, const seek_options *o,
                       seek_state *s, cs_error *err)
{
    s->month = (o->year - sc->base_year) * 12 + (3 - sc->base_month);
    if (s->month < 0 || s->month >= sc->horizon_months) {
        int first = sc->base_month <= 3 ? sc->base_year : sc->base_year + 1;
        int months_to_first = (first - sc->base_year) * 12 + 3 - sc->base_month;
        int last = first + (sc->horizon_months - 1 - months_to_first) / 12;
        return cs_error_set(err, CS_EINPUT,
                            SEEK ": --year: expected a 31 March within the "
                                 "horizon of '%s' (%d to %d), found %d",
                            sc->name, first, last, o->year);
    }
    return CS_OK;
}

/* dfe:cin (the CIN census: every cin, cp and looked_after stage), dfe:cp,
 * dfe:looked_after: the stages counted in that DfE figure. 1 if the
 * outcome is of this form (then s->n_leaves may be 0: none counted). */
static int place_dfe(const cs_scenario *sc, const char *outcome, seek_state *s)
{
    static const char *const names[3] = {"dfe:cin", "dfe:cp",
                                         "dfe:looked_after"};
    static const cs_dfe_category categories[3] = {CS_DFE_CIN, CS_DFE_CP,
                                                  CS_DFE_LOOKED_AFTER};
    for (int k = 0; k < 3; k++) {
        if (strcmp(outcome, names[k]) != 0)
            continue;
        for (int i = 0; i < sc->n_stages; i++) {
            cs_dfe_category c = sc->stages[i].dfe;
            if (k == 0 ? c != CS_DFE_NONE : c == categories[k])
                s->leaves[s->n_leaves++] = i;
        }
        return 1;
    }
    return 0;
}

static int place_outcome(const cs_scenario *sc, const seek_options *o,
                         seek_state *s, cs_error *err)
{
    s->n_leaves = 0;
    if (place_dfe(sc, o->stage, s)) {
        if (s->n_leaves == 0)
            return cs_error_set(err, CS_EINPUT,
                                SEEK ": --outcome %s: no stage of '%s' is "
                                     "counted in it (dfe: in the scenario)",
                                o->stage, sc->name);
        return check_month(sc, o, s, err);
    }
    for (int i = 0; i < sc->n_stages; i++) {
        const cs_stage *st = &sc->stages[i];
        int in_group =
            st->group >= 0 && !strcmp(sc->groups[st->group].id, o->stage);
        /* a placement alone, by its full id or the part after "group." */
        const char *after = strchr(st->id, '.');
        int placement = after && !strcmp(after + 1, o->stage);
        if (in_group || !strcmp(st->id, o->stage) || placement)
            s->leaves[s->n_leaves++] = i;
    }
    if (s->n_leaves == 0 ||
        (s->n_leaves > 1 && sc->stages[s->leaves[0]].group < 0)) {
        char list[800] = "";
        size_t used = 0;
        for (int i = 0; i < sc->n_stages && used + CS_ID_MAX + 3 < sizeof list;
             i++) {
            const cs_stage *st = &sc->stages[i];
            const char *name =
                st->group >= 0 ? sc->groups[st->group].id : st->id;
            if (st->group >= 0 && sc->groups[st->group].first_stage != i)
                continue;
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     used ? ", " : "", name);
        }
        return cs_error_set(err, CS_EINPUT,
                            SEEK ": --outcome: expected a stage of '%s' (%s, "
                                 "or one placement), or dfe:cin, dfe:cp or "
                                 "dfe:looked_after, found '%s'",
                            sc->name, list, o->stage);
    }
    /* several placements of different groups named alike */
    for (int i = 1; i < s->n_leaves; i++)
        if (sc->stages[s->leaves[i]].group != sc->stages[s->leaves[0]].group)
            return cs_error_set(err, CS_EINPUT,
                                SEEK ": --outcome: '%s' names placements of "
                                     "more than one stage; give it as "
                                     "GROUP.PLACEMENT, e.g. %s",
                                o->stage, sc->stages[s->leaves[0]].id);
    return check_month(sc, o, s, err);
}

static int add_up(void *ctx, const cs_run_record *r, cs_error *err)
{
    (void)err;
    seek_state *s = ctx;
    int n_stages = cs_model_n_stages(r->model);
    for (int i = 0; i < s->n_leaves; i++) {
        const double *ages =
            r->stocks + ((size_t)s->month * n_stages + s->leaves[i]) * CS_AGES;
        for (int a = 0; a < CS_AGES; a++)
            s->sum += ages[a];
    }
    return CS_OK;
}

/* The outcome with the lever at x: expected values, or the mean of the
 * runs. */
static int outcome_at(void *ctx, double x, double *y, cs_error *err)
{
    seek_state *s = ctx;
    cs_scenario *sc = NULL;
    cs_batch *batch = NULL;
    int rc = cli_override_load(s->base_path, s->base, s->name, 1,
                               &s->lever_path, &x, &sc, err);
    if (rc == CS_EINPUT) {
        char why[CS_ERROR_MAX];
        snprintf(why, sizeof why, "%s", err->message);
        cs_error_set(err, rc,
                     SEEK ": %s = %.10g (an end of the range, --lo and --hi, "
                          "or a value between) is refused: %s",
                     s->lever_path, x, why);
    }
    if (rc == CS_OK)
        rc = cs_batch_create(&batch, err);
    if (rc == CS_OK)
        rc = cs_batch_add_scenario(batch, sc, s->base_path, err);
    s->sum = 0;
    long delivered = 0;
    if (rc == CS_OK)
        rc = cs_batch_compute(batch, &s->settings, 0, s->runs, s->n_runs,
                              add_up, s, &delivered, err);
    if (rc == CS_OK && delivered != s->n_runs)
        rc = cs_error_set(err, CS_EFAIL, SEEK ": stopped");
    *y = s->sum / (double)s->n_runs;
    if (rc == CS_OK && s->n_tried < MAX_EVALUATIONS) {
        s->tried[s->n_tried] = x;
        s->outcome[s->n_tried++] = *y;
    }
    cs_batch_free(batch);
    cs_scenario_free(sc);
    return rc;
}

/* The default range of a lever number. */
static int default_range(const seek_options *o, const char *path,
                         double current, double *lo, double *hi, cs_error *err)
{
    int add = strstr(path, ".add") == path + strlen(path) - 4;
    if (add && (!o->have_lo || !o->have_hi))
        return cs_error_set(err, CS_EINPUT,
                            SEEK ": --lever %s: an addition to a rate has "
                                 "no natural range: give --lo and --hi "
                                 "(per year, e.g. --lo -0.05 --hi 0.05)",
                            path);
    *lo = o->have_lo ? o->lo : 0;
    *hi = o->have_hi ? o->hi : fmax(2, 2 * current);
    if (!strcmp(path + strlen(path) - 9, ".multiply") && !o->have_hi)
        *hi = fmin(*hi, 1000);
    if (!(*lo < *hi))
        return cs_error_set(err, CS_EINPUT,
                            SEEK ": expected a range with --lo below --hi, "
                                 "found %g to %g",
                            *lo, *hi);
    return CS_OK;
}

static int write_search(const char *path, const seek_options *o,
                        const seek_state *s, const char *lever_path,
                        double current, const cs_goal_seek_result *r,
                        cs_error *err)
{
    const cs_table_axis axes[1] = {
        {"evaluation", s->n_tried, NULL,
         "the values tried, in order: the two ends of the range first", NULL}};
    int shape[1] = {s->n_tried};
    static const char *const along[1] = {"evaluation"};
    char units[64];
    snprintf(units, sizeof units, "children");
    const cs_table_dataset datasets[2] = {
        {"lever_value", 1, shape, along, s->tried, "the lever number's units",
         "the value of the lever number tried"},
        {"outcome", 1, shape, along, s->outcome, units,
         "the outcome there: children in the stage at 31 March of the year "
         "(expected values, or the mean of the runs)"}};
    char month[16];
    snprintf(month, sizeof month, "%d-03", o->year);
    const cs_table_attribute attrs[17] = {
        {"scenario", s->name, 0},
        {"lever", lever_path, 0},
        {"outcome_stage", o->stage, 0},
        {"outcome_month", month, 0},
        {"target", NULL, o->target},
        {"value", NULL, r->value},
        {"achieved", NULL, r->achieved},
        {"within_tolerance", NULL, r->within_tolerance},
        {"tolerance", NULL, o->tolerance},
        {"iterations", NULL, r->iterations},
        {"evaluations", NULL, r->evaluations},
        {"lo", NULL, s->tried[0]},
        {"hi", NULL, s->tried[1]},
        {"value_in_scenario", NULL, current},
        {"method", "Brent (gsl_root_fsolver_brent)", 0},
        {"mode",
         o->runs ? "mean of runs (common random numbers)"
                 : "expected values, parameters at their means",
         0},
        {"runs", NULL, (double)s->n_runs}};
    char tmp[PATH_MAX];
    int slot = cs_output_temporary_name(path, tmp, sizeof tmp, NULL) == CS_OK
                   ? cli_cleanup_add(tmp)
                   : -1;
    int rc = cs_output_write_group(path, "goal_seek", 1, axes, 2, datasets, 17,
                                   attrs, err);
    cli_cleanup_remove(slot);
    return rc;
}

/* The scenario at the value found, run into the output file. */
static int write_answer(const seek_options *o, seek_state *s,
                        const char *output_path, const char *command_line,
                        double value, cs_error *err)
{
    cs_scenario *sc = NULL;
    cs_batch *batch = NULL;
    int rc = cli_override_load(s->base_path, s->base, s->name, 1,
                               &s->lever_path, &value, &sc, err);
    if (rc == CS_OK)
        rc = cs_batch_create(&batch, err);
    if (rc == CS_OK)
        rc = cs_batch_add_scenario(batch, sc, s->base_path, err);
    cs_batch_file file = {.path = output_path,
                          .force = o->force,
                          .n_runs = s->n_runs,
                          .first = 0,
                          .last = -1,
                          .command_line = command_line};
    cs_batch_outcome outcome;
    if (rc == CS_OK)
        rc = cli_batch_write_cleaned(batch, &s->settings, &file, &outcome, err);
    if (rc == CS_OK && !outcome.complete)
        rc = cs_error_set(err, CS_EFAIL, SEEK ": the run was stopped");
    cs_batch_free(batch);
    cs_scenario_free(sc);
    return rc;
}

static void print_result(const seek_options *o, const seek_state *s,
                         const cs_scenario *sc, const char *lever_path,
                         double current, const cs_goal_seek_result *r,
                         const char *output_path)
{
    char target[CLI_NUMBER_MAX], lo_out[CLI_NUMBER_MAX], hi_out[CLI_NUMBER_MAX];
    cli_format_count(o->target, target, sizeof target);
    cli_format_count(r->outcome_at_lo, lo_out, sizeof lo_out);
    cli_format_count(r->outcome_at_hi, hi_out, sizeof hi_out);
    printf("cascade goal-seek: scenario '%s', %s\n", sc->name, lever_path);
    printf("  outcome: children in %s at 31 March %d, ", o->stage, o->year);
    if (o->runs)
        printf("the mean of %ld runs (seed %llu; common random numbers for "
               "every value tried)\n",
               s->n_runs, (unsigned long long)s->settings.seed);
    else
        printf("in expected values with every parameter at its mean\n");
    printf("  target:   %s\n", target);
    printf("  value:    %.10g (the scenario has %.10g)\n", r->value, current);
    printf("  achieved: %.2f (%+.2g from the target; %s %g)\n", r->achieved,
           r->achieved - o->target,
           r->within_tolerance ? "within the tolerance" : "NOT within",
           o->tolerance);
    printf("  search:   Brent's method from [%.6g, %.6g] (outcomes %s and "
           "%s): %d iterations, %d model runs of %ld run%s each\n",
           s->tried[0], s->tried[1], lo_out, hi_out, r->iterations,
           r->evaluations, s->n_runs, s->n_runs == 1 ? "" : "s");
    if (!r->within_tolerance)
        printf("  note: the range closed on %.10g without the outcome "
               "reaching the target within the tolerance: the outcome "
               "moves in a step there (the mean of stochastic runs does); "
               "more runs make the steps smaller\n",
               r->value);
    printf("Wrote the scenario at that value and /goal_seek to %s.\n",
           output_path);
}

int cli_goal_seek(int argc, char **argv, const char *command_line)
{
    seek_options o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    cli_cleanup_install(SEEK);
    cs_error err;
    cs_scenario *sc = NULL;
    seek_state *s = calloc(1, sizeof *s);
    char lever_path[CS_PATH_MAX], output_default[CS_ID_MAX + 8];
    double current = NAN, lo = 0, hi = 0;
    int lever = -1;
    cs_goal_seek_result result;
    int rc = s ? cs_scenario_load_file(o.scenario_path, &sc, &err)
               : cs_error_set(&err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK)
        rc = cli_lever_resolve(sc, SEEK ": --lever", o.lever, lever_path,
                               sizeof lever_path, &lever, &current, &err);
    if (rc == CS_OK)
        rc = place_outcome(sc, &o, s, &err);
    if (rc == CS_OK)
        rc = default_range(&o, lever_path, current, &lo, &hi, &err);
    const char *output_path = o.output_path;
    if (rc == CS_OK) {
        s->base_path = o.scenario_path;
        s->base = sc;
        s->lever_path = lever_path;
        cli_override_name(sc->name, "-goal-seek", s->name, sizeof s->name);
        snprintf(output_default, sizeof output_default, "%s.h5", s->name);
        if (!output_path)
            output_path = output_default;
        const char *inputs[1] = {o.scenario_path};
        rc = cli_check_not_an_input("-o", output_path, inputs, 1, &err);
    }
    if (rc == CS_OK) {
        cs_batch_settings_init(&s->settings);
        s->settings.seed = o.have_seed ? o.seed : sc->seed;
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        s->settings.threads = cores < 1 ? 1 : cores > 256 ? 256 : (int)cores;
        s->settings.deterministic = o.runs == 0;
        s->n_runs = o.runs ? o.runs : 1;
        s->runs = malloc((size_t)s->n_runs * sizeof *s->runs);
        if (!s->runs)
            rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
        for (long r = 0; rc == CS_OK && r < s->n_runs; r++)
            s->runs[r] = r;
    }
    if (rc == CS_OK) {
        cs_goal_seek_settings settings;
        cs_goal_seek_settings_init(&settings);
        settings.value_tolerance = 1e-9 * (hi - lo);
        settings.outcome_tolerance = o.tolerance;
        rc = cs_goal_seek(outcome_at, s, o.target, lo, hi, &settings, &result,
                          &err);
        if (rc != CS_OK && strstr(err.message, "not bracketed")) {
            char message[CS_ERROR_MAX];
            const char *inner = err.message;
            if (!strncmp(inner, "goal seek: ", 11))
                inner += 11;
            snprintf(message, sizeof message, "%s", inner);
            cs_error_set(&err, rc,
                         SEEK ": %s at 31 March %d with %s from %g to %g: %s "
                              "(--lo and --hi)",
                         o.stage, o.year, lever_path, lo, hi, message);
        }
    }
    if (rc == CS_OK)
        rc = write_answer(&o, s, output_path, command_line, result.value, &err);
    if (rc == CS_OK)
        rc = write_search(output_path, &o, s, lever_path, current, &result,
                          &err);
    if (rc == CS_OK && !o.quiet)
        print_result(&o, s, sc, lever_path, current, &result, output_path);
    if (rc != CS_OK)
        fprintf(stderr, "%s\n", err.message);
    if (s)
        free(s->runs);
    free(s);
    cs_scenario_free(sc);
    return cli_exit_status(rc);
}
