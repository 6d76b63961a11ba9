/*
 * fit.c - `cascade fit`: estimate a scenario's free parameters (its fit:
 * section) from an area's published series, print the fit report, and
 * write a scenario that extends the input with the estimates and their
 * joint uncertainty (docs/fitting.md).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "fit_all.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade fit SCENARIO.yaml --data SERIES.csv [--data ...] "
            "[--area CODE|NAME]\n"
            "                   [--ssda903 DIR] [--window FIRST:LAST] "
            "[-o FITTED.yaml]\n"
            "                   [--csv REPORT.csv]\n"
            "\n"
            "Estimate the parameters the scenario's fit: section frees from "
            "an area's\n"
            "published figures (stocks at 31 March, flows in each year, the "
            "population),\n"
            "by maximum likelihood on the expected-value model, and write a "
            "scenario that\n"
            "extends SCENARIO with the estimates and their joint "
            "uncertainty.\n"
            "\n"
            "  --data FILE        published series (CSV; scenarios/data/ has "
            "England's and\n"
            "                     every council's); give it again to add "
            "files\n"
            "      --ssda903 DIR  the council's SSDA903 return: "
            "header_YYYY.csv and\n"
            "                     episodes_YYYY.csv for each year to 31 "
            "March YYYY; its\n"
            "                     counts stand in place of the published "
            "ones (--data is\n"
            "                     then optional; with it, --area names the "
            "council)\n"
            "  --area CODE|NAME   the area (default: England); all: every "
            "council, into the\n"
            "                     directory -o (CODE.yaml, "
            "CODE-fitted.yaml)\n"
            "      --shrink       with --area all: shrink each council's "
            "parameters towards\n"
            "                     the councils' centre (empirical Bayes; "
            "experimental: see\n"
            "                     docs/validation.md)\n"
            "  --window A:B       DfE years to 31 March: start from the "
            "stocks at 31 March A,\n"
            "                     fit the years A+1 to B (default: the "
            "scenario's fit.window,\n"
            "                     else every year the data has)\n"
            "  -o, --output FILE  the fitted scenario (default: "
            "NAME-fitted.yaml)\n"
            "      --name NAME    its name (default: the input's, then "
            "-fitted)\n"
            "      --csv FILE     the fit report as CSV: every figure "
            "observed and fitted,\n"
            "                     every estimate\n"
            "      --threads N    threads for the derivatives (default: the "
            "cores)\n"
            "  -q, --quiet        print only errors\n"
            "  -h, --help         this help\n"
            "\n"
            "Exit status: 0 done, 2 bad input, 1 other failure.\n");
}

static void print_report(const cs_fit_result *r, const cs_series *data,
                         int area)
{
    printf("cascade fit: %s (%s), DfE years %d to %d: %d figures, %d "
           "parameters\n",
           cs_series_area_name(data, area), cs_series_area_code(data, area),
           cs_fit_first_year(r), cs_fit_last_year(r), cs_fit_n_points(r),
           cs_fit_n_parameters(r));
    printf("log likelihood %.2f after %d iterations (%s), %.2f s; Pearson "
           "chi-square / df %.2f\n",
           cs_fit_loglik(r), cs_fit_iterations(r),
           cs_fit_converged(r) ? "converged" : "NOT converged",
           cs_fit_seconds(r), cs_fit_pearson_per_df(r));
    printf("\n%-28s %12s %10s %12s\n", "parameter", "estimate", "s.e.",
           "as it reads");
    for (int i = 0; i < cs_fit_n_parameters(r); i++) {
        const cs_fit_parameter *p = cs_fit_get_parameter(r, i);
        double u = cs_fit_estimate(r, i);
        char reads[64];
        if (p->kind == CS_FIT_MULTIPLY)
            snprintf(reads, sizeof reads, "x %.4f", exp(u));
        else if (p->kind == CS_FIT_TREND)
            snprintf(reads, sizeof reads, "%+.2f%% a year", 100 * expm1(u));
        else
            snprintf(reads, sizeof reads, "%+.0f a year", u);
        printf("%-28s %12.5f %10.5f %12s%s\n", p->id, u, cs_fit_se(r, i), reads,
               cs_fit_at_bound(r, i) ? "  at a bound" : "");
    }
    printf("\nspread of each series about the fit (negative binomial; "
           "coefficient of variation 1/sqrt(k)):\n");
    for (int k = 0; k < cs_fit_n_series(r); k++)
        printf("  %-32s %5.1f%%\n",
               cs_series_measure(cs_fit_series_measure(r, k))->name,
               100 / sqrt(cs_fit_series_dispersion(r, k)));
    int pairs = 0;
    double persistence = cs_fit_persistence(r, &pairs);
    if (cs_fit_n_effects(r) > 0)
        printf("residuals' persistence year to year %.2f (from %d pairs): "
               "the year effects start at that share of the last year's "
               "level\n",
               persistence, pairs);
    for (int e = 0; e < cs_fit_n_effects(r); e++)
        printf("year effect %s: sd %.4f of the log rate a year (random walk, "
               "from %d changes), starting at %+.4f\n",
               cs_fit_effect_id(r, e), cs_fit_effect_sd(r, e),
               cs_fit_effect_changes(r, e), cs_fit_effect_start(r, e));
    printf("\n%-32s %5s %12s %12s %8s %9s\n", "measure", "year", "observed",
           "fitted", "error", "residual");
    int last = -1;
    for (int i = 0; i < cs_fit_n_points(r); i++) {
        cs_fit_point pt;
        cs_fit_get_point(r, i, &pt);
        const cs_measure_info *info = cs_series_measure(pt.measure);
        printf("%-32s %5d %12.0f %12.0f %+7.1f%% %+9.2f\n",
               pt.measure == last ? "" : info->name, pt.year, pt.observed,
               pt.fitted, 100 * (pt.fitted - pt.observed) / pt.observed,
               pt.residual);
        last = pt.measure;
    }
    if (cs_fit_note(r)[0])
        printf("\nnote: %s\n", cs_fit_note(r));
}

static int write_csv(const cs_fit_result *r, const char *path, cs_error *err)
{
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return cs_error_set(err, CS_EINPUT, "cannot write %s: %s", path,
                            strerror(errno));
    fprintf(f, "record,name,year,observed,fitted,residual,estimate,se\n");
    for (int i = 0; i < cs_fit_n_points(r); i++) {
        cs_fit_point pt;
        cs_fit_get_point(r, i, &pt);
        fprintf(f, "figure,%s,%d,%.10g,%.10g,%.6g,,\n",
                cs_series_measure(pt.measure)->name, pt.year, pt.observed,
                pt.fitted, pt.residual);
    }
    for (int i = 0; i < cs_fit_n_parameters(r); i++)
        fprintf(f, "parameter,%s,,,,,%.10g,%.10g\n",
                cs_fit_get_parameter(r, i)->id, cs_fit_estimate(r, i),
                cs_fit_se(r, i));
    for (int e = 0; e < cs_fit_n_effects(r); e++)
        fprintf(f, "year_effect_sd,%s,,,,,%.10g,\n", cs_fit_effect_id(r, e),
                cs_fit_effect_sd(r, e));
    for (int e = 0; e < cs_fit_n_effects(r); e++)
        fprintf(f, "year_effect_start,%s,,,,,%.10g,\n", cs_fit_effect_id(r, e),
                cs_fit_effect_start(r, e));
    fprintf(f, "residual_persistence,,,,,,%.10g,\n",
            cs_fit_persistence(r, NULL));
    int failed = ferror(f);
    if (fclose(f) != 0 || failed || rename(tmp, path) != 0) {
        unlink(tmp);
        return cs_error_set(err, CS_EIO, "writing %s failed", path);
    }
    return CS_OK;
}

/*
 * Read the SSDA903 return in dir and put its counts into data as the
 * figures of the council --area names (*area_name), with its children by
 * the placements of the scenario sc: one of data's areas
 * when --data files were given, else an area of that name (or "SSDA903
 * return") of its own.
 */
static int add_return(cs_series *data, int n_data, const char *dir,
                      const cs_scenario *sc, const char **area_name,
                      cs_ssda903 **ret, cs_error *err)
{
    if (*area_name && !strcmp(*area_name, "all"))
        return cs_error_set(err, CS_EINPUT,
                            "cascade fit --ssda903: expected --area naming "
                            "the one council whose return it is, found all");
    if (n_data > 0 && !*area_name)
        return cs_error_set(err, CS_EINPUT,
                            "cascade fit --ssda903: expected --area "
                            "CODE|NAME, the council whose return it is "
                            "(its figures in the --data files are then "
                            "replaced by the return's)");
    const char *code = *area_name ? *area_name : "SSDA903";
    const char *name = *area_name ? *area_name : "SSDA903 return";
    if (n_data > 0) {
        int area;
        int rc = cs_series_find_area(data, *area_name, &area, err);
        if (rc != CS_OK)
            return rc;
        code = cs_series_area_code(data, area);
        name = cs_series_area_name(data, area);
    }
    int rc = cs_ssda903_read(dir, ret, err);
    if (rc == CS_OK)
        rc = cs_series_add_ssda903(data, *ret, code, name, err);
    if (rc == CS_OK) /* the structure's placements, by their codes */
        rc = cs_fit_add_placements(data, code, *ret, sc, NULL, err);
    /* the area is found by its code from here on */
    if (rc == CS_OK)
        *area_name = code;
    return rc;
}

static void print_return(const char *dir, const cs_ssda903 *ret)
{
    int first, last;
    cs_ssda903_years(ret, &first, &last);
    printf("SSDA903 return %s: years to 31 March %d to %d, %d children, %d "
           "episodes (%d short breaks, LS V3/V4, not counted); its counts "
           "stand in place of published ones\n",
           dir, first, last, cs_ssda903_n_children(ret),
           cs_ssda903_n_episodes(ret), cs_ssda903_n_short_breaks(ret));
    /* placement moves: a figure of the return whether or not the
     * scenario moves children between placements (fit.measures maps it
     * to transitions that do, which then fits it) */
    int moves = cs_series_find_measure("cla_placement_moves");
    printf("Placement moves in the year (a period of care going on in "
           "another placement):");
    for (int y = first; y <= last; y++) {
        double v;
        if (cs_ssda903_get(ret, moves, y, &v))
            printf(" %d %.0f%s", y, v, y < last ? "," : "");
    }
    printf("\n\n");
}

int cli_fit(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, 0, 'd'},
        {"area", required_argument, 0, 'a'},
        {"window", required_argument, 0, 'w'},
        {"output", required_argument, 0, 'o'},
        {"name", required_argument, 0, 'n'},
        {"csv", required_argument, 0, 'c'},
        {"threads", required_argument, 0, 't'},
        {"shrink", no_argument, 0, 'S'},
        {"ssda903", required_argument, 0, 'r'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *data_paths[CLI_MAX_DATA];
    int n_data = 0, quiet = 0, shrink = 0;
    const char *area_name = NULL, *output = NULL, *name = NULL, *csv = NULL;
    const char *ssda903 = NULL;
    cs_fit_options fo;
    cs_fit_options_init(&fo);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    fo.threads = cores < 1 ? 1 : cores > 16 ? 16 : (int)cores;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (cli_add_data("cascade fit", data_paths, &n_data, optarg))
                return CLI_BAD_INPUT;
            break;
        case 'a':
            area_name = optarg;
            break;
        case 'w': {
            int a = 0, b = 0, used = 0;
            if (sscanf(optarg, "%d:%d%n", &a, &b, &used) != 2 || optarg[used] ||
                a < 1990 || b > 2100 || a >= b) {
                fprintf(stderr,
                        "cascade fit: --window: expected FIRST:LAST, two "
                        "DfE years with FIRST < LAST (e.g. 2013:2019), found "
                        "'%s'\n",
                        optarg);
                return CLI_BAD_INPUT;
            }
            fo.first = a;
            fo.last = b;
            break;
        }
        case 'o':
            output = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 'c':
            csv = optarg;
            break;
        case 't': {
            long t;
            if (cli_parse_count("cascade fit", "--threads", optarg, 16, &t))
                return CLI_BAD_INPUT;
            fo.threads = (int)t;
            break;
        }
        case 'S':
            shrink = 1;
            break;
        case 'r':
            ssda903 = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    if (argc - optind != 1 || (n_data == 0 && !ssda903)) {
        fprintf(stderr, "cascade fit: expected one scenario file and at "
                        "least one --data file or an --ssda903 directory\n");
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    const char *input = argv[optind];
    cs_error err;
    cs_error_clear(&err);
    cs_scenario *sc = NULL;
    cs_series *data = NULL;
    cs_fit_result *r = NULL;
    int area = -1;
    int rc = cs_scenario_load_file(input, &sc, &err);
    cs_ssda903 *ret = NULL;
    if (rc == CS_OK)
        rc = cli_load_series(data_paths, n_data, &data, &err);
    if (rc == CS_OK && ssda903)
        rc = add_return(data, n_data, ssda903, sc, &area_name, &ret, &err);
    if (rc == CS_OK && area_name && !strcmp(area_name, "all")) {
        /* every council: its scenario and its fit, into the directory -o */
        char sources[1024], names[1024];
        cli_join_paths(data_paths, n_data, sources, sizeof sources);
        cli_join_names(data_paths, n_data, ssda903, names, sizeof names);
        if (!output)
            rc = cs_error_set(&err, CS_EINPUT,
                              "cascade fit --area all: expected -o DIR, the "
                              "directory for the councils' files");
        else
            rc = cli_fit_all(input, sc, data, sources, names, &fo, fo.threads,
                             shrink, output, quiet, &err);
        if (rc != CS_OK)
            fprintf(stderr, "%s\n", err.message);
        cs_series_free(data);
        cs_scenario_free(sc);
        return cli_exit_status(rc);
    }
    if (rc == CS_OK && shrink)
        rc = cs_error_set(&err, CS_EINPUT,
                          "cascade fit: --shrink: expected --area all (the "
                          "prior is estimated across the councils)");
    if (rc == CS_OK)
        rc = cs_series_find_area(data, area_name ? area_name : "England", &area,
                                 &err);
    char default_output[CS_ID_MAX + 32], fitted_name[CS_ID_MAX + 16];
    if (rc == CS_OK) {
        snprintf(fitted_name, sizeof fitted_name, "%s", name ? name : "");
        if (!name) {
            snprintf(fitted_name, sizeof fitted_name, "%.38s-fitted", sc->name);
        }
        snprintf(default_output, sizeof default_output, "%s.yaml", fitted_name);
        if (!output)
            output = default_output;
    }
    if (rc == CS_OK)
        rc = cs_fit_run(sc, data, area, &fo, &r, &err);
    /* a scenario of another size (England's structure for a council) is
     * fitted scaled to the area, but the file would start at the input's
     * size with the area's rates: the area's own scenario comes first */
    if (rc == CS_OK && cs_fit_scaled(r))
        rc = cs_error_set(
            &err, CS_EINPUT,
            "%s: not writing %s: %s is for an area of another size (%s), so "
            "the fitted scenario would run it with %s's rates; write %s's "
            "own scenario first, then fit that:\n"
            "  cascade init %s --area %s --data ... -o %s.yaml\n"
            "  cascade fit %s.yaml --area %s --data ...",
            input, output, sc->name, cs_fit_note(r),
            cs_series_area_name(data, area), cs_series_area_name(data, area),
            input, cs_series_area_code(data, area),
            cs_series_area_code(data, area), cs_series_area_code(data, area),
            cs_series_area_code(data, area));
    if (rc == CS_OK) {
        char extends[PATH_MAX];
        cli_extends_path(input, output, extends, sizeof extends);
        char names[1024];
        cli_join_names(data_paths, n_data, ssda903, names, sizeof names);
        rc = cs_fit_write_yaml(r, output, extends, fitted_name, names, &err);
    }
    if (rc == CS_OK && csv)
        rc = write_csv(r, csv, &err);
    if (rc == CS_OK && !quiet) {
        if (ret)
            print_return(ssda903, ret);
        print_report(r, data, area);
        printf("\nWrote %s (extends %s)%s%s.\n", output, input,
               csv ? " and " : "", csv ? csv : "");
    }
    if (rc != CS_OK)
        fprintf(stderr, "%s\n", err.message);
    cs_fit_result_free(r);
    cs_ssda903_free(ret);
    cs_series_free(data);
    cs_scenario_free(sc);
    return cli_exit_status(rc);
}
