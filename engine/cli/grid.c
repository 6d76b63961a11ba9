/*
 * grid.c - `cascade grid BRANCHES.yaml [SCENARIO.yaml]`: every combination
 * of the lever values a branches file lists (levers x values, as
 * Vivarium's psimulate takes them), each a scenario of its own
 * (override.h), run as one batch into one HDF5 file, and a table of the
 * outcomes per combination.
 *
 * The combinations share the batch's seed, so run r of every combination
 * draws the same parameters, year effects and moves' random numbers
 * (common random numbers): differences between combinations are the
 * levers', run by run. A branches file:
 *
 *     scenario: family-safeguarding.yaml   # optional; relative to this file
 *     branches:
 *       fewer_cp_plans: [0.5, 0.7, 0.9]
 *       fewer_care_entries_from_cp.multiply: [0.4, 0.61, 0.8]
 *
 * Combination (i, j, ...) (1-based indices of the values, the last branch
 * varying fastest) is named NAME-i-j. The file gets /grid
 * (docs/output-format.md): the value of every branch in every
 * combination, and the medians the table prints.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "args.h"
#include "cli.h"
#include "format.h"
#include "outfile.h"
#include "override.h"
#include "progress.h"
#include "table.h"

#define GRID "cascade grid"
#define MAX_VALUES CS_BATCH_MAX_SCENARIOS

typedef struct branch {
    char spec[CS_PATH_MAX]; /* as the file writes it */
    char path[CS_PATH_MAX]; /* levers.ID.KIND.FIELD */
    int n_values;
    double values[MAX_VALUES];
    int line, column; /* of the key, for messages */
} branch;

typedef struct branches {
    char scenario[4096]; /* "" when the file names none */
    int n;
    branch b[CLI_OVERRIDE_MAX];
    int n_combinations;
} branches;

typedef struct grid_options {
    const char *branches_path, *scenario_path, *output_path;
    long runs;
    int have_seed, deterministic, force, quiet, year;
    uint64_t seed;
} grid_options;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade grid BRANCHES.yaml [SCENARIO.yaml] [-o FILE] [-n "
            "RUNS] [--seed N]\n"
            "                    [--deterministic] [--year YYYY] [--force] "
            "[--quiet]\n"
            "\n"
            "Run every combination of the lever values in BRANCHES.yaml "
            "(branches: a lever\n"
            "and its values per line) as one batch with common random "
            "numbers, each\n"
            "combination a scenario of FILE (default: NAME-grid.h5), and "
            "print the outcomes\n"
            "per combination. The scenario is SCENARIO.yaml, or the "
            "branches file's\n"
            "scenario: (relative to it). At most %d combinations (a "
            "batch's scenarios).\n"
            "\n"
            "  -n, --runs N     runs per combination (default 100)\n"
            "  --seed N         the seed (default: the scenario's)\n"
            "  --deterministic  one run in expected values per combination\n"
            "  --year YYYY      the 31 March the table shows (default: the "
            "last)\n"
            "  -o FILE          the output file\n"
            "  --force          overwrite FILE even if it is not a cascade "
            "output\n"
            "  -q, --quiet      print nothing but errors\n"
            "  -h, --help       this help\n",
            CS_BATCH_MAX_SCENARIOS);
}

static int parse_options(int argc, char **argv, grid_options *o)
{
    static const struct option options[] = {
        {"runs", required_argument, 0, 'n'},
        {"seed", required_argument, 0, 's'},
        {"deterministic", no_argument, 0, 'd'},
        {"year", required_argument, 0, 'y'},
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, 'f'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->runs = 100;
    optind = 1;
    int c;
    long year;
    while ((c = getopt_long(argc, argv, "n:o:qh", options, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (cli_parse_count(GRID, "-n", optarg, CS_BATCH_MAX_RUNS,
                                &o->runs))
                return CLI_BAD_INPUT;
            break;
        case 's':
            if (cli_parse_seed(GRID, optarg, &o->seed))
                return CLI_BAD_INPUT;
            o->have_seed = 1;
            break;
        case 'd':
            o->deterministic = 1;
            break;
        case 'y':
            if (cli_parse_count(GRID, "--year", optarg, 2300, &year))
                return CLI_BAD_INPUT;
            o->year = (int)year;
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
    if (argc - optind < 1 || argc - optind > 2) {
        fprintf(stderr,
                GRID ": expected a branches file (and optionally the "
                     "scenario), found %d arguments\n",
                argc - optind);
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    o->branches_path = argv[optind];
    o->scenario_path = argc - optind == 2 ? argv[optind + 1] : NULL;
    return -1;
}

/* ---- the branches file ---------------------------------------------- */

static int at(cs_error *err, const char *file, const yaml_node_t *node,
              const char *what, const char *found)
{
    return cs_error_set(err, CS_EINPUT, "%s:%zu:%zu: %s, found %s", file,
                        node->start_mark.line + 1, node->start_mark.column + 1,
                        what, found);
}

static const char *scalar(const yaml_node_t *node)
{
    return node->type == YAML_SCALAR_NODE
               ? (const char *)node->data.scalar.value
               : NULL;
}

static const char *kind_of(const yaml_node_t *node)
{
    return node->type == YAML_MAPPING_NODE    ? "a mapping"
           : node->type == YAML_SEQUENCE_NODE ? "a list"
                                              : "a single value";
}

static int read_values(yaml_document_t *doc, const char *file,
                       const yaml_node_t *list, branch *b, cs_error *err)
{
    if (list->type != YAML_SEQUENCE_NODE)
        return at(err, file, list,
                  "expected a list of the lever's values (e.g. [0.5, 0.7, "
                  "0.9])",
                  kind_of(list));
    b->n_values = 0;
    for (yaml_node_item_t *i = list->data.sequence.items.start;
         i < list->data.sequence.items.top; i++) {
        yaml_node_t *item = yaml_document_get_node(doc, *i);
        const char *text = scalar(item);
        char *end = NULL;
        double v = text ? strtod(text, &end) : NAN;
        if (!text || end == text || *end || !isfinite(v))
            return at(err, file, item, "expected a number",
                      text ? text : kind_of(item));
        if (b->n_values == MAX_VALUES)
            return at(err, file, item, "expected at most 16 values", "more");
        for (int k = 0; k < b->n_values; k++)
            if (b->values[k] == v)
                return at(err, file, item,
                          "expected each value once (a repeated value would "
                          "run the same scenario twice)",
                          text);
        b->values[b->n_values++] = v;
    }
    if (b->n_values == 0)
        return at(err, file, list, "expected at least one value", "[]");
    return CS_OK;
}

static int read_branches(yaml_document_t *doc, const char *file, branches *out,
                         cs_error *err)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (!root || root->type != YAML_MAPPING_NODE)
        return cs_error_set(err, CS_EINPUT,
                            "%s:1:1: expected a branches file (a mapping "
                            "with branches: and optionally scenario:), found "
                            "%s",
                            file, root ? kind_of(root) : "an empty file");
    const yaml_node_t *list = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *key = yaml_document_get_node(doc, p->key);
        yaml_node_t *value = yaml_document_get_node(doc, p->value);
        const char *name = scalar(key);
        if (name && !strcmp(name, "scenario") && scalar(value))
            snprintf(out->scenario, sizeof out->scenario, "%s", scalar(value));
        else if (name && !strcmp(name, "scenario"))
            return at(err, file, value, "scenario: expected a file name",
                      kind_of(value));
        else if (name && !strcmp(name, "branches"))
            list = value;
        else
            return at(err, file, key,
                      "expected scenario or branches (the only keys of a "
                      "branches file)",
                      name ? name : kind_of(key));
    }
    if (!list)
        return cs_error_set(err, CS_EINPUT,
                            "%s:1:1: missing required key 'branches' (a "
                            "lever and its values per line)",
                            file);
    if (list->type != YAML_MAPPING_NODE)
        return at(err, file, list,
                  "branches: expected a mapping of levers to their values",
                  kind_of(list));
    out->n = 0;
    out->n_combinations = 1;
    for (yaml_node_pair_t *p = list->data.mapping.pairs.start;
         p < list->data.mapping.pairs.top; p++) {
        yaml_node_t *key = yaml_document_get_node(doc, p->key);
        const char *name = scalar(key);
        if (!name || strlen(name) >= CS_PATH_MAX)
            return at(err, file, key, "expected a lever", kind_of(key));
        if (out->n == CLI_OVERRIDE_MAX)
            return at(err, file, key, "expected at most 8 branches", name);
        branch *b = &out->b[out->n++];
        snprintf(b->spec, sizeof b->spec, "%s", name);
        b->line = (int)key->start_mark.line + 1;
        b->column = (int)key->start_mark.column + 1;
        int rc = read_values(doc, file, yaml_document_get_node(doc, p->value),
                             b, err);
        if (rc != CS_OK)
            return rc;
        out->n_combinations *= b->n_values;
        if (out->n_combinations > CS_BATCH_MAX_SCENARIOS)
            return cs_error_set(err, CS_EINPUT,
                                "%s:%d:%d: branches: expected at most %d "
                                "combinations (the scenarios of one batch), "
                                "found %d or more",
                                file, b->line, b->column,
                                CS_BATCH_MAX_SCENARIOS, out->n_combinations);
    }
    if (out->n == 0)
        return at(err, file, list, "branches: expected at least one lever",
                  "none");
    return CS_OK;
}

static int load_branches(const char *path, branches *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cs_error_set(err, CS_EINPUT,
                            "%s: cannot open the branches "
                            "file",
                            path);
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = CS_OK;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = cs_error_set(err, CS_EINPUT, "%s:%zu:%zu: %s", path,
                          parser.problem_mark.line + 1,
                          parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "not YAML");
    } else {
        rc = read_branches(&doc, path, out, err);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

/* The scenario: the command line's, or the file's relative to the
 * branches file. */
static void scenario_path(const grid_options *o, const branches *br, char *out,
                          size_t size)
{
    if (o->scenario_path) {
        snprintf(out, size, "%s", o->scenario_path);
        return;
    }
    const char *slash = strrchr(o->branches_path, '/');
    if (br->scenario[0] == '/' || !slash)
        snprintf(out, size, "%s", br->scenario);
    else if ((size_t)(slash - o->branches_path) + strlen(br->scenario) + 2 >
             size)
        snprintf(out, size, "%s", br->scenario); /* too long: as written */
    else {
        size_t dir = (size_t)(slash - o->branches_path);
        memcpy(out, o->branches_path, dir);
        out[dir] = '/';
        memcpy(out + dir + 1, br->scenario, strlen(br->scenario) + 1);
    }
}

/* ---- the batch ------------------------------------------------------ */

/* Value index of branch b in combination c (the last branch fastest). */
static int value_index(const branches *br, int c, int b)
{
    for (int k = br->n - 1; k > b; k--)
        c /= br->b[k].n_values;
    return c % br->b[b].n_values;
}

static int add_combinations(const branches *br, const char *branches_path,
                            const char *base_path, const cs_scenario *sc,
                            cs_batch *batch, cs_error *err)
{
    int rc = CS_OK;
    for (int c = 0; rc == CS_OK && c < br->n_combinations; c++) {
        const char *paths[CLI_OVERRIDE_MAX];
        double values[CLI_OVERRIDE_MAX];
        char suffix[64] = "", name[CS_ID_MAX];
        size_t used = 0;
        for (int b = 0; b < br->n; b++) {
            int i = value_index(br, c, b);
            paths[b] = br->b[b].path;
            values[b] = br->b[b].values[i];
            used += (size_t)snprintf(suffix + used, sizeof suffix - used, "-%d",
                                     i + 1);
        }
        cli_override_name(sc->name, suffix, name, sizeof name);
        cs_scenario *combination = NULL;
        rc = cli_override_load(base_path, sc, name, br->n, paths, values,
                               &combination, err);
        if (rc == CS_EINPUT) {
            char why[CS_ERROR_MAX], set[512] = "";
            snprintf(why, sizeof why, "%s", err->message);
            size_t n_set = 0;
            for (int b = 0; b < br->n && n_set + 64 < sizeof set; b++)
                n_set += (size_t)snprintf(set + n_set, sizeof set - n_set,
                                          "%s%s = %.10g", b ? ", " : "",
                                          br->b[b].spec, values[b]);
            cs_error_set(err, rc,
                         "%s: branches: the combination %s is "
                         "refused: %s",
                         branches_path, set, why);
        }
        if (rc == CS_OK)
            rc = cs_batch_add_scenario(batch, combination, base_path, err);
        cs_scenario_free(combination);
    }
    return rc;
}

/* ---- the table ------------------------------------------------------ */

enum { OUT_CIN, OUT_CP, OUT_LOOKED_AFTER, OUT_SPEND, N_OUT };

static const char *const out_names[N_OUT] = {
    "children_in_need", "child_protection_plans", "looked_after",
    "spend_real_total"};

/* The medians per combination: the DfE counts at the 31 March of year
 * index fy, and the spend over the horizon at constant prices. */
static int medians(const cs_result *result, int scenario, int fy_wanted,
                   double *row, char *fy_label, size_t size, cs_error *err)
{
    cli_table t;
    memset(&t, 0, sizeof t);
    int rc = cli_table_from_result(result, scenario, NULL, &t, err);
    double *scratch =
        rc == CS_OK ? malloc((size_t)t.runs * sizeof *scratch) : NULL;
    double *total = rc == CS_OK ? calloc((size_t)t.runs, sizeof *total) : NULL;
    if (rc == CS_OK && (!scratch || !total))
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK) {
        int fy = fy_wanted < 0 ? t.n_fys - 1 : fy_wanted;
        snprintf(fy_label, size, "%s", t.fy_end_month[fy]);
        double q[3];
        for (int k = 0; k < CLI_N_DFE; k++) {
            cli_quantiles(t.dfe_stock + (size_t)fy * CLI_N_DFE + k, t.runs,
                          (size_t)t.n_fys * CLI_N_DFE, scratch, q);
            row[k] = t.has_dfe[k] ? q[0] : NAN;
        }
        for (long r = 0; r < t.runs; r++)
            for (int y = 0; y < t.n_fys; y++) {
                const double *s =
                    t.spend + ((size_t)r * t.n_fys + y) * CLI_N_SPEND;
                total[r] += s[CLI_SPEND_EARLY_REAL] + s[CLI_SPEND_LATE_REAL];
            }
        cli_quantiles(total, t.runs, 1, scratch, q);
        row[OUT_SPEND] = q[0];
    }
    free(scratch);
    free(total);
    cli_table_free(&t);
    return rc;
}

/* The financial year index whose 31 March is in year `year` (0: the
 * last), from the file's calendar. */
static int find_year(const cs_result *r, int year, cs_error *err)
{
    if (year == 0)
        return -1;
    char month[16];
    snprintf(month, sizeof month, "%d-03", year);
    for (int t = 0; t < cs_result_n_months(r); t++)
        if (!strcmp(cs_result_month_label(r, t), month))
            return cs_result_month_financial_year(r, t);
    return cs_error_set(err, CS_EINPUT,
                        GRID ": --year: expected a 31 March within the "
                             "horizon, found %d",
                        year);
}

static void print_table(const branches *br, const cs_batch *batch,
                        const double *table, const char *at, long runs,
                        uint64_t seed, int deterministic, const char *path)
{
    int n = br->n_combinations;
    printf("cascade grid: %d combinations of %d lever%s, ", n, br->n,
           br->n == 1 ? "" : "s");
    if (deterministic)
        printf("in expected values");
    else
        printf("%ld runs each, seed %llu (run r of every combination "
               "shares its random numbers)",
               runs, (unsigned long long)seed);
    printf("\nchildren at 31 March %.4s%s; spend over the horizon at "
           "constant prices\n\n",
           at, deterministic ? "" : ", medians over runs");
    int width = 8;
    for (int c = 0; c < n; c++)
        if ((int)strlen(cs_batch_scenario(batch, c)->name) > width)
            width = (int)strlen(cs_batch_scenario(batch, c)->name);
    printf("%-*s", width, "scenario");
    for (int b = 0; b < br->n; b++)
        printf("  %*s",
               (int)strlen(br->b[b].spec) > 8 ? (int)strlen(br->b[b].spec) : 8,
               br->b[b].spec);
    printf("  %16s %14s %13s %11s\n", "children in need", "on a CP plan",
           "looked after", "spend");
    for (int c = 0; c < n; c++) {
        printf("%-*s", width, cs_batch_scenario(batch, c)->name);
        for (int b = 0; b < br->n; b++)
            printf("  %*.6g",
                   (int)strlen(br->b[b].spec) > 8 ? (int)strlen(br->b[b].spec)
                                                  : 8,
                   br->b[b].values[value_index(br, c, b)]);
        const double *row = table + (size_t)c * N_OUT;
        const int widths[N_OUT] = {16, 14, 13, 11};
        for (int k = 0; k < N_OUT; k++) {
            char text[CLI_NUMBER_MAX];
            if (k == OUT_SPEND)
                cli_format_money(row[k], 4, text, sizeof text);
            else
                cli_format_people(row[k], 4, text, sizeof text);
            int pad = widths[k] - cli_display_width(text);
            printf(" %*s%s", pad > 0 ? pad : 0, "", text);
        }
        printf("\n");
    }
    printf("\nWrote %d scenarios and /grid to %s.\n", n, path);
}

static int write_grid_group(const char *path, const branches *br,
                            const cs_batch *batch, const double *table,
                            const char *at, const char *branches_path,
                            cs_error *err)
{
    int n = br->n_combinations;
    const char *combos[CS_BATCH_MAX_SCENARIOS], *levers[CLI_OVERRIDE_MAX];
    double values[CS_BATCH_MAX_SCENARIOS * CLI_OVERRIDE_MAX];
    for (int c = 0; c < n; c++) {
        combos[c] = cs_batch_scenario(batch, c)->name;
        for (int b = 0; b < br->n; b++)
            values[c * br->n + b] = br->b[b].values[value_index(br, c, b)];
    }
    for (int b = 0; b < br->n; b++)
        levers[b] = br->b[b].path;
    const cs_table_axis axes[3] = {
        {"combination", n, combos,
         "a combination of the branches' values: its scenario group", NULL},
        {"branch", br->n, levers,
         "a lever number the branches file varies (levers.ID.KIND.FIELD)",
         NULL},
        {"outcome", N_OUT, out_names,
         "DfE counts at 31 March of outcome_month (children) and early + "
         "late spend over the horizon at constant prices (GBP)",
         NULL}};
    int shape_values[2] = {n, br->n}, shape_out[2] = {n, N_OUT};
    static const char *const value_axes[2] = {"combination", "branch"};
    static const char *const out_axes[2] = {"combination", "outcome"};
    const cs_table_dataset datasets[2] = {
        {"value", 2, shape_values, value_axes, values,
         "the lever number's units",
         "the value of each branch in each "
         "combination"},
        {"median", 2, shape_out, out_axes, table,
         "children; GBP for spend_real_total",
         "median over the combination's runs of each outcome"}};
    const cs_table_attribute attrs[2] = {{"branches_file", branches_path, 0},
                                         {"outcome_month", at, 0}};
    char tmp[PATH_MAX];
    int slot = cs_output_temporary_name(path, tmp, sizeof tmp, NULL) == CS_OK
                   ? cli_cleanup_add(tmp)
                   : -1;
    int rc = cs_output_write_group(path, "grid", 3, axes, 2, datasets, 2, attrs,
                                   err);
    cli_cleanup_remove(slot);
    return rc;
}

/* Each branch's lever number in the scenario (each once), and --year in
 * its horizon. */
static int resolve_branches(const grid_options *o, branches *br,
                            const cs_scenario *sc, cs_error *err)
{
    int rc = CS_OK;
    for (int b = 0; rc == CS_OK && b < br->n; b++) {
        char what[CS_PATH_MAX + 4200];
        snprintf(what, sizeof what, "%s:%d:%d: branches", o->branches_path,
                 br->b[b].line, br->b[b].column);
        int lever;
        double current;
        rc = cli_lever_resolve(sc, what, br->b[b].spec, br->b[b].path,
                               sizeof br->b[b].path, &lever, &current, err);
        for (int k = 0; rc == CS_OK && k < b; k++)
            if (!strcmp(br->b[k].path, br->b[b].path))
                rc = cs_error_set(err, CS_EINPUT,
                                  "%s: %s is varied twice (also at line %d)",
                                  what, br->b[b].path, br->b[k].line);
    }
    if (rc == CS_OK && o->year) {
        int month = (o->year - sc->base_year) * 12 + 3 - sc->base_month;
        if (month < 0 || month >= sc->horizon_months)
            rc = cs_error_set(err, CS_EINPUT,
                              GRID ": --year: expected a 31 March within the "
                                   "horizon of '%s', found %d",
                              sc->name, o->year);
    }
    return rc;
}

/* The batch into the file, with progress unless --quiet. */
static int run_grid(const grid_options *o, cs_batch *batch, uint64_t seed,
                    const char *output_path, const char *command_line,
                    cs_error *err)
{
    cs_batch_settings settings;
    cs_batch_settings_init(&settings);
    settings.seed = seed;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    settings.threads = cores < 1 ? 1 : cores > 256 ? 256 : (int)cores;
    settings.deterministic = o->deterministic;
    cs_batch_file file = {.path = output_path,
                          .force = o->force,
                          .n_runs = o->deterministic ? 1 : o->runs,
                          .first = 0,
                          .last = -1,
                          .command_line = command_line};
    cs_batch_outcome outcome;
    cli_progress shown;
    cli_progress_init(&shown, GRID, "runs");
    if (!o->quiet) {
        settings.progress = cli_progress_show;
        settings.progress_ctx = &shown;
    }
    int rc = cli_batch_write_cleaned(batch, &settings, &file, &outcome, err);
    cli_progress_free(&shown);
    if (rc == CS_OK && !outcome.complete)
        rc = cs_error_set(err, CS_EFAIL, GRID ": stopped");
    return rc;
}

int cli_grid(int argc, char **argv, const char *command_line)
{
    grid_options o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    cli_cleanup_install(GRID);
    cs_error err;
    branches *br = malloc(sizeof *br);
    cs_scenario *sc = NULL;
    cs_batch *batch = NULL;
    cs_result *result = NULL;
    char base[4096], output_default[CS_ID_MAX + 8], at[16] = "";
    double table[CS_BATCH_MAX_SCENARIOS * N_OUT];
    int rc = br ? load_branches(o.branches_path, br, &err)
                : cs_error_set(&err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK && !o.scenario_path && !br->scenario[0])
        rc = cs_error_set(&err, CS_EINPUT,
                          GRID ": %s names no scenario (scenario: FILE) and "
                               "none was given after it",
                          o.branches_path);
    if (rc == CS_OK) {
        scenario_path(&o, br, base, sizeof base);
        rc = cs_scenario_load_file(base, &sc, &err);
    }
    if (rc == CS_OK)
        rc = resolve_branches(&o, br, sc, &err);
    if (rc == CS_OK)
        rc = cs_batch_create(&batch, &err);
    if (rc == CS_OK)
        rc = add_combinations(br, o.branches_path, base, sc, batch, &err);
    const char *output_path = o.output_path;
    if (rc == CS_OK && !output_path) {
        cli_override_name(sc->name, "-grid", output_default,
                          sizeof output_default - 3);
        strcat(output_default, ".h5");
        output_path = output_default;
    }
    if (rc == CS_OK) {
        const char *inputs[2] = {o.branches_path, base};
        rc = cli_check_not_an_input("-o", output_path, inputs, 2, &err);
    }
    uint64_t seed = rc == CS_OK && o.have_seed ? o.seed : sc ? sc->seed : 0;
    if (rc == CS_OK)
        rc = run_grid(&o, batch, seed, output_path, command_line, &err);
    if (rc == CS_OK)
        rc = cs_result_open(output_path, &result, &err);
    int fy = -1;
    if (rc == CS_OK)
        fy = find_year(result, o.year, &err);
    if (fy < -1)
        rc = fy;
    for (int c = 0; rc == CS_OK && c < br->n_combinations; c++)
        rc = medians(
            result,
            cs_result_find_scenario(result, cs_batch_scenario(batch, c)->name),
            fy, table + (size_t)c * N_OUT, at, sizeof at, &err);
    if (rc == CS_OK && !o.quiet)
        print_table(br, batch, table, at, o.runs, seed, o.deterministic,
                    output_path);
    cs_result_close(result);
    if (rc == CS_OK)
        rc = write_grid_group(output_path, br, batch, table, at,
                              o.branches_path, &err);
    if (rc != CS_OK)
        fprintf(stderr, "%s\n", err.message);
    cs_batch_free(batch);
    cs_scenario_free(sc);
    free(br);
    return cli_exit_status(rc);
}
