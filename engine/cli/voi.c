/*
 * voi.c - value of information across the options of `cascade compare
 * --wtp` (voi.h): read each option's runs from the file, turn them into
 * discounted child-years looked after and discounted spend, and give the
 * net monetary benefits to cs_voi_compute, at the willingness to pay asked
 * and over a grid of them.
 *
 * Child-years looked after: the children in every stage counted in DfE's
 * looked-after statistics (the stage categories the file records) at the
 * end of each month, over twelve, summed over the months of each
 * financial year and discounted as the costs are (year y divided by
 * (1 + rate)^y, the first year undiscounted). Cost: early- plus
 * late-intervention spend at constant prices of the price base, by
 * financial year, discounted the same way (cs_npv). Net monetary benefit
 * of option k in run r, against the base (option 0):
 *     NMB = wtp x (child-years_base - child-years_k) - (cost_k - cost_base)
 * so the base's is 0 in every run. Measuring against the base adds the
 * same amount to every option of a run, which changes neither EVPI nor
 * the probabilities (econ.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "outfile.h"
#include "table.h"
#include "voi.h"

void cli_voi_free(cli_voi *v)
{
    free(v->run_index);
    free(v->child_years);
    free(v->cost);
    free(v->nmb);
    free(v->grid);
    free(v->ceac);
    free(v->grid_nmb);
    free(v->grid_evpi);
    free(v->grid_evpi_se);
    memset(v, 0, sizeof *v);
}

/* The runs done in every option; CS_EINPUT if their batches differ in
 * size or share no run. */
static int runs_in_all(const cs_result *const *results, const int *scenarios,
                       int n, unsigned char **all, long *count, cs_error *err)
{
    int runs = cs_result_n_runs(results[0], scenarios[0]);
    for (int i = 1; i < n; i++)
        if (cs_result_n_runs(results[i], scenarios[i]) != runs)
            return cs_error_set(
                err, CS_EINPUT,
                "cascade compare: value of information needs the options "
                "run in one batch: '%s' has %d runs and '%s' %d",
                cs_result_scenario_name(results[0], scenarios[0]), runs,
                cs_result_scenario_name(results[i], scenarios[i]),
                cs_result_n_runs(results[i], scenarios[i]));
    *all = malloc((size_t)runs);
    unsigned char *done = malloc((size_t)runs);
    int rc =
        *all && done ? CS_OK : cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int r = 0; rc == CS_OK && r < runs; r++)
        (*all)[r] = 1;
    for (int i = 0; rc == CS_OK && i < n; i++) {
        rc = cs_result_read_run_done(results[i], scenarios[i], done, err);
        for (int r = 0; rc == CS_OK && r < runs; r++)
            (*all)[r] = (*all)[r] && done[r];
    }
    *count = 0;
    for (int r = 0; rc == CS_OK && r < runs; r++)
        *count += (*all)[r];
    free(done);
    if (rc == CS_OK && *count == 0)
        rc = cs_error_set(err, CS_EINPUT,
                          "cascade compare: no run is done in every option: "
                          "nothing to pair");
    return rc;
}

/* Constant prices and years must be the base's. */
static int check_like_base(const cli_table *base, const cli_table *t,
                           cs_error *err)
{
    if (strcmp(base->price_base, t->price_base) != 0 ||
        base->n_months != t->n_months ||
        memcmp(base->deflator, t->deflator,
               (size_t)base->n_months * sizeof *base->deflator) != 0)
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: '%s' and '%s' are priced on "
                            "different bases or calendars: their costs "
                            "would not compare",
                            base->scenario, t->scenario);
    if (!t->has_dfe[CLI_DFE_LOOKED_AFTER])
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: '%s' has no stage counted as "
                            "looked after (dfe: looked_after), so no "
                            "child-years in care to value",
                            t->scenario);
    for (long r = 0; r < t->runs; r++)
        if (t->run_index[r] != base->run_index[r])
            return cs_error_set(err, CS_EFAIL,
                                "cascade compare: the runs of '%s' and '%s' "
                                "do not line up",
                                base->scenario, t->scenario);
    return CS_OK;
}

/* One option's discounted child-years looked after and cost, per run, into
 * column `option` of v. */
static int read_option(const cs_result *result, int scenario,
                       const cli_table *t, int option, cli_voi *v,
                       cs_error *err)
{
    size_t cells = (size_t)t->n_months * t->n_stages * t->n_ages;
    double *stocks = malloc(cells * sizeof *stocks);
    double *net = malloc((size_t)t->n_fys * sizeof *net);
    double *divisor = malloc((size_t)t->n_fys * sizeof *divisor);
    int rc = stocks && net && divisor
                 ? CS_OK
                 : cs_error_set(err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK)
        cs_discount_divisors(&v->discount, t->n_fys, divisor);
    for (long row = 0; rc == CS_OK && row < t->runs; row++) {
        rc = cs_result_read_run(result, scenario, t->run_index[row], stocks,
                                NULL, err);
        if (rc != CS_OK)
            break;
        double years = 0;
        for (int m = 0; m < t->n_months; m++) {
            double children = 0;
            for (int s = 0; s < t->n_stages; s++) {
                if (t->stage_dfe[s] != CLI_DFE_LOOKED_AFTER)
                    continue;
                const double *ages =
                    stocks + ((size_t)m * t->n_stages + s) * t->n_ages;
                for (int a = 0; a < t->n_ages; a++)
                    children += ages[a];
            }
            years += children / 12 / divisor[t->month_fy[m]];
        }
        for (int y = 0; y < t->n_fys; y++) {
            const double *s =
                t->spend + ((size_t)row * t->n_fys + y) * CLI_N_SPEND;
            net[y] = s[CLI_SPEND_EARLY_REAL] + s[CLI_SPEND_LATE_REAL];
        }
        size_t cell = (size_t)row * v->n_options + option;
        v->child_years[cell] = years;
        v->cost[cell] = cs_npv_schedule(net, t->n_fys, &v->discount);
    }
    free(stocks);
    free(net);
    free(divisor);
    return rc;
}

/* NMB against option 0 at wtp into out [run][option]. */
static void fill_nmb(const cli_voi *v, double wtp, double *out)
{
    int k = v->n_options;
    for (long r = 0; r < v->runs; r++)
        for (int j = 0; j < k; j++) {
            size_t c = (size_t)r * k;
            out[c + j] = wtp * (v->child_years[c] - v->child_years[c + j]) -
                         (v->cost[c + j] - v->cost[c]);
        }
}

static int allocate(cli_voi *v, int n_grid, cs_error *err)
{
    size_t cells = (size_t)v->runs * v->n_options;
    v->run_index = malloc((size_t)v->runs * sizeof *v->run_index);
    v->child_years = malloc(cells * sizeof *v->child_years);
    v->cost = malloc(cells * sizeof *v->cost);
    v->nmb = malloc(cells * sizeof *v->nmb);
    int ok = v->run_index && v->child_years && v->cost && v->nmb;
    if (n_grid > 0) {
        size_t g = (size_t)n_grid;
        v->grid = malloc(g * sizeof *v->grid);
        v->ceac = malloc(g * v->n_options * sizeof *v->ceac);
        v->grid_nmb = malloc(g * v->n_options * sizeof *v->grid_nmb);
        v->grid_evpi = malloc(g * sizeof *v->grid_evpi);
        v->grid_evpi_se = malloc(g * sizeof *v->grid_evpi_se);
        ok = ok && v->grid && v->ceac && v->grid_nmb && v->grid_evpi &&
             v->grid_evpi_se;
    }
    return ok ? CS_OK : cs_error_set(err, CS_ENOMEM, "out of memory");
}

int cli_voi_compute(const cs_result *const *results, const int *scenarios,
                    int n, double wtp, const cs_discount *discount,
                    const double *grid, int n_grid, cli_voi *v, cs_error *err)
{
    memset(v, 0, sizeof *v);
    if (n < 2 || n > CLI_VOI_MAX_OPTIONS)
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: value of information needs 2 "
                            "to %d options, found %d",
                            CLI_VOI_MAX_OPTIONS, n);
    v->n_options = n;
    v->wtp = wtp;
    v->discount = *discount;
    unsigned char *all = NULL;
    int rc = runs_in_all(results, scenarios, n, &all, &v->runs, err);
    v->n_runs = rc == CS_OK ? cs_result_n_runs(results[0], scenarios[0]) : 0;
    cs_result_batch drawn;
    if (rc == CS_OK)
        rc = cs_result_read_batch(results[0], &drawn, err);
    if (rc == CS_OK) {
        v->parameter_uncertainty = drawn.parameter_uncertainty;
        v->process_noise = drawn.process_noise;
        v->year_effects = drawn.year_effects;
        rc = allocate(v, n_grid, err);
    }
    cli_table base;
    memset(&base, 0, sizeof base);
    if (rc == CS_OK)
        rc = cli_table_from_result(results[0], scenarios[0], all, &base, err);
    for (int i = 0; rc == CS_OK && i < n; i++) {
        cli_table t;
        memset(&t, 0, sizeof t);
        const cli_table *use = &base;
        if (i > 0) {
            rc = cli_table_from_result(results[i], scenarios[i], all, &t, err);
            use = &t;
        }
        if (rc == CS_OK)
            rc = check_like_base(&base, use, err);
        if (rc == CS_OK)
            rc = read_option(results[i], scenarios[i], use, i, v, err);
        snprintf(v->names[i], sizeof v->names[i], "%s", use->scenario);
        if (i > 0)
            cli_table_free(&t);
    }
    if (rc == CS_OK) {
        memcpy(v->run_index, base.run_index,
               (size_t)v->runs * sizeof *v->run_index);
        snprintf(v->price_base, sizeof v->price_base, "%s", base.price_base);
        snprintf(v->first_year, sizeof v->first_year, "%s", base.fy_label[0]);
        v->n_fys = base.n_fys;
        snprintf(v->last_year, sizeof v->last_year, "%s",
                 base.fy_label[base.n_fys - 1]);
        fill_nmb(v, wtp, v->nmb);
        rc = cs_voi_compute(v->nmb, v->runs, n, v->expected_nmb, v->p_best,
                            &v->voi, err);
    }
    for (int j = 0; rc == CS_OK && j < n; j++) {
        double avoided = 0, extra = 0;
        for (long r = 0; r < v->runs; r++) {
            size_t c = (size_t)r * n;
            avoided += v->child_years[c] - v->child_years[c + j];
            extra += v->cost[c + j] - v->cost[c];
        }
        v->avoided[j] = avoided / (double)v->runs;
        v->extra_cost[j] = extra / (double)v->runs;
    }
    /* the acceptability curve: the same runs at each willingness to pay */
    double *scratch = rc == CS_OK && n_grid > 0
                          ? malloc((size_t)v->runs * n * sizeof *scratch)
                          : NULL;
    if (rc == CS_OK && n_grid > 0 && !scratch)
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int g = 0; rc == CS_OK && g < n_grid; g++) {
        cs_voi at;
        v->grid[g] = grid[g];
        fill_nmb(v, grid[g], scratch);
        rc = cs_voi_compute(scratch, v->runs, n, v->grid_nmb + (size_t)g * n,
                            v->ceac + (size_t)g * n, &at, err);
        v->grid_evpi[g] = at.evpi;
        v->grid_evpi_se[g] = at.evpi_se;
    }
    v->n_grid = rc == CS_OK ? n_grid : 0;
    free(scratch);
    free(all);
    cli_table_free(&base);
    return rc;
}

void cli_voi_print(const cli_voi *v)
{
    char wtp[CLI_NUMBER_MAX + 4], rate[200], runs[CLI_NUMBER_MAX];
    char pounds[CLI_NUMBER_MAX];
    cli_format_count(v->wtp, pounds, sizeof pounds);
    snprintf(wtp, sizeof wtp, "£%s", pounds);
    cli_format_discount(&v->discount, v->n_fys, rate, sizeof rate);
    cli_format_count((double)v->runs, runs, sizeof runs);
    printf("\nValue of information over %s paired run%s%s, %s to %s:\n", runs,
           v->runs == 1 ? "" : "s",
           v->runs < v->n_runs ? " (of an incomplete batch)" : "",
           v->first_year, v->last_year);
    if (v->parameter_uncertainty == 0)
        printf("  NOTE: the runs did not draw their parameters "
               "(--no-parameter-uncertainty or\n  --deterministic): the "
               "spread below is %s, not parameter uncertainty\n",
               v->process_noise == 0 && v->year_effects == 0
                   ? "none (one path)"
                   : "chance alone (process noise and year effects)");
    else
        printf("  each run is one draw of the uncertain parameters (with "
               "its own year effects%s)\n",
               v->process_noise == 0 ? "" : " and process noise");
    printf("  effect: child-years looked after avoided against '%s' (children "
           "in DfE looked-after\n  stages, month by month, over 12), cost: "
           "extra spend (early + late) at constant\n  %s prices, both "
           "discounted at %s; net monetary benefit (NMB) =\n  %s x "
           "child-years avoided - extra cost, GBP, the base's 0 in every "
           "run\n\n",
           v->names[0], v->price_base, rate, wtp);
    int width = 6;
    for (int j = 0; j < v->n_options; j++)
        if ((int)strlen(v->names[j]) > width)
            width = (int)strlen(v->names[j]);
    printf("  %-*s %19s %12s %12s %8s\n", width, "option",
           "child-years "
           "avoided",
           "extra cost", "mean NMB", "P(best)");
    for (int j = 0; j < v->n_options; j++) {
        char years[CLI_NUMBER_MAX], cost[CLI_NUMBER_MAX], nmb[CLI_NUMBER_MAX],
            best[CLI_NUMBER_MAX];
        cli_format_people(v->avoided[j], 4, years, sizeof years);
        cli_format_add_plus(v->avoided[j], years, sizeof years);
        cli_format_money(v->extra_cost[j], 4, cost, sizeof cost);
        cli_format_add_plus(v->extra_cost[j], cost, sizeof cost);
        cli_format_money(v->expected_nmb[j], 4, nmb, sizeof nmb);
        cli_format_add_plus(v->expected_nmb[j], nmb, sizeof nmb);
        cli_format_percent(v->p_best[j], best, sizeof best);
        const char *cells[4] = {years, cost, nmb, best};
        const int widths[4] = {19, 12, 12, 8};
        printf("  %-*s", width, v->names[j]);
        for (int c = 0; c < 4; c++) {
            int pad = widths[c] - cli_display_width(cells[c]);
            printf(" %*s%s", pad > 0 ? pad : 0, "", cells[c]);
        }
        printf("\n");
    }
    char evpi[CLI_NUMBER_MAX], se[CLI_NUMBER_MAX];
    cli_format_money(v->voi.evpi, 3, evpi, sizeof evpi);
    cli_format_money(v->voi.evpi_se, 2, se, sizeof se);
    printf("\n  best on expected NMB: '%s'\n", v->names[v->voi.best]);
    printf("  expected value of perfect information (EVPI): %s (Monte Carlo "
           "standard error %s):\n  what choosing with the parameters known "
           "would gain on average, E[max NMB] -\n  max E[NMB], GBP for the "
           "whole decision; an upper bound on what research that\n  "
           "resolved the parameters' uncertainty is worth\n",
           evpi, se);
    if (v->n_grid > 0)
        printf("  acceptability curve and EVPI at %d willingness-to-pay "
               "values: --voi-csv\n",
               v->n_grid);
}

static void csv_row(FILE *f, const cli_voi *v, const char *option,
                    const char *measure, double wtp, const char *units,
                    double value, double se)
{
    char number[64] = "", error[64] = "";
    if (isfinite(value))
        snprintf(number, sizeof number, "%.10g", value);
    if (isfinite(se))
        snprintf(error, sizeof error, "%.6g", se);
    char schedule[CS_DISCOUNT_TEXT_MAX];
    if (cs_discount_format(&v->discount, schedule, sizeof schedule) < 0)
        schedule[0] = '\0'; /* cannot happen: a schedule fits */
    fprintf(f, "%s,%s,%s,%.10g,%s,%s,%s,%ld,%s,%.6g,%s\n", v->names[0], option,
            measure, wtp, units, number, error, v->runs, v->price_base,
            v->discount.rate[0], schedule);
}

void cli_voi_write_csv(FILE *f, const cli_voi *v)
{
    fputs(CLI_VOI_CSV_HEADER, f);
    char money[80];
    snprintf(money, sizeof money, "GBP (constant %s prices; discounted)",
             v->price_base);
    for (int j = 0; j < v->n_options; j++) {
        double sd_years = 0, sd_cost = 0;
        for (long r = 0; r < v->runs; r++) {
            size_t c = (size_t)r * v->n_options;
            double a =
                v->child_years[c] - v->child_years[c + j] - v->avoided[j];
            double x = v->cost[c + j] - v->cost[c] - v->extra_cost[j];
            sd_years += a * a;
            sd_cost += x * x;
        }
        double n = (double)v->runs;
        double se_years = v->runs > 1 ? sqrt(sd_years / (n - 1) / n) : NAN;
        double se_cost = v->runs > 1 ? sqrt(sd_cost / (n - 1) / n) : NAN;
        csv_row(f, v, v->names[j], "child_years_looked_after_avoided", v->wtp,
                "child-years (discounted)", v->avoided[j], se_years);
        csv_row(f, v, v->names[j], "extra_cost", v->wtp, money,
                v->extra_cost[j], se_cost);
        csv_row(f, v, v->names[j], "expected_nmb", v->wtp, money,
                v->expected_nmb[j], NAN);
        csv_row(f, v, v->names[j], "probability_best", v->wtp, "share of runs",
                v->p_best[j], sqrt(v->p_best[j] * (1 - v->p_best[j]) / n));
    }
    csv_row(f, v, "", "evpi", v->wtp, money, v->voi.evpi, v->voi.evpi_se);
    for (int g = 0; g < v->n_grid; g++) {
        for (int j = 0; j < v->n_options; j++) {
            size_t c = (size_t)g * v->n_options + j;
            csv_row(f, v, v->names[j], "ceac_probability_best", v->grid[g],
                    "share of runs", v->ceac[c], NAN);
            csv_row(f, v, v->names[j], "ceac_expected_nmb", v->grid[g], money,
                    v->grid_nmb[c], NAN);
        }
        csv_row(f, v, "", "ceac_evpi", v->grid[g], money, v->grid_evpi[g],
                v->grid_evpi_se[g]);
    }
}

int cli_voi_write_group(const char *path, const char *group, const cli_voi *v,
                        cs_error *err)
{
    const char *options[CLI_VOI_MAX_OPTIONS];
    for (int j = 0; j < v->n_options; j++)
        options[j] = v->names[j];
    int *wtp_values = NULL;
    if (v->n_grid > 0) {
        wtp_values = malloc((size_t)v->n_grid * sizeof *wtp_values);
        if (!wtp_values)
            return cs_error_set(err, CS_ENOMEM, "out of memory");
        for (int g = 0; g < v->n_grid; g++)
            wtp_values[g] = (int)lround(v->grid[g]);
    }
    const cs_table_axis axes[3] = {
        {"run", (int)v->runs, NULL,
         "Monte Carlo run index (paired: the runs done in every option)",
         v->run_index},
        {"option", v->n_options, options,
         "scenario compared; the first is the base the NMB is measured "
         "against",
         NULL},
        {"wtp", v->n_grid, NULL,
         "willingness to pay, GBP per child-year looked after avoided "
         "(whole pounds)",
         wtp_values}};
    int shape_runs[2] = {(int)v->runs, v->n_options};
    int shape_option[1] = {v->n_options};
    int shape_grid[2] = {v->n_grid, v->n_options};
    int shape_wtp[1] = {v->n_grid};
    static const char *const run_option[2] = {"run", "option"};
    static const char *const option_axis[1] = {"option"};
    static const char *const wtp_option[2] = {"wtp", "option"};
    static const char *const wtp_axis[1] = {"wtp"};
    char money[80];
    snprintf(money, sizeof money, "GBP (constant %s prices; discounted)",
             v->price_base);
    cs_table_dataset datasets[9] = {
        {"child_years_looked_after", 2, shape_runs, run_option, v->child_years,
         "child-years (discounted)",
         "children in DfE looked-after stages month by month over 12, "
         "summed over the horizon, discounted by discount_schedule, per run"},
        {"cost", 2, shape_runs, run_option, v->cost, money,
         "early + late spend over the horizon at constant prices, "
         "discounted by discount_schedule, per run"},
        {"nmb", 2, shape_runs, run_option, v->nmb, money,
         "net monetary benefit against the base at wtp_gbp: wtp x "
         "child-years avoided - extra cost, per run"},
        {"expected_nmb", 1, shape_option, option_axis, v->expected_nmb, money,
         "mean over runs of nmb"},
        {"probability_best", 1, shape_option, option_axis, v->p_best,
         "share of runs",
         "share of runs in which the option has the highest nmb (ties "
         "shared)"},
        {"ceac", 2, shape_grid, wtp_option, v->ceac, "share of runs",
         "cost-effectiveness acceptability curve: probability_best at each "
         "wtp"},
        {"ceac_expected_nmb", 2, shape_grid, wtp_option, v->grid_nmb, money,
         "expected_nmb at each wtp"},
        {"evpi_by_wtp", 1, shape_wtp, wtp_axis, v->grid_evpi, money,
         "evpi at each wtp"},
        {"evpi_by_wtp_se", 1, shape_wtp, wtp_axis, v->grid_evpi_se, money,
         "Monte Carlo standard error of evpi_by_wtp"}};
    char schedule[CS_DISCOUNT_TEXT_MAX];
    if (cs_discount_format(&v->discount, schedule, sizeof schedule) < 0)
        schedule[0] = '\0'; /* cannot happen: a schedule fits */
    const cs_table_attribute attrs[8] = {
        {"base", v->names[0], 0},
        {"wtp_gbp", NULL, v->wtp},
        {"evpi", NULL, v->voi.evpi},
        {"evpi_se", NULL, v->voi.evpi_se},
        {"best", v->names[v->voi.best], 0},
        {"discount_rate", NULL, v->discount.rate[0]},
        {"discount_schedule", schedule, 0},
        {"price_base", v->price_base, 0}};
    int rc =
        cs_output_write_group(path, group, v->n_grid > 0 ? 3 : 2, axes,
                              v->n_grid > 0 ? 9 : 5, datasets, 8, attrs, err);
    free(wtp_values);
    return rc;
}

int cli_voi_parse_grid(const char *text, double *grid, int *n, cs_error *err)
{
    double from, to, step;
    int used = 0;
    if (sscanf(text, "%lf:%lf:%lf%n", &from, &to, &step, &used) != 3 ||
        text[used] || !isfinite(from) || !isfinite(to) || !isfinite(step) ||
        from < 0 || to < from || step <= 0 || floor(from) != from ||
        floor(step) != step || to > 2e9)
        return cs_error_set(err, CS_EINPUT,
                            "--wtp-grid: expected FROM:TO:STEP in whole pounds "
                            "per child-year, 0 <= FROM <= TO <= 2000000000 "
                            "and STEP > 0 (e.g. 0:100000:10000), found '%s'",
                            text);
    double points = floor((to - from) / step + 1e-9) + 1;
    if (points > CLI_VOI_MAX_GRID)
        return cs_error_set(err, CS_EINPUT,
                            "--wtp-grid: expected at most %d values, found "
                            "%.0f in '%s'",
                            CLI_VOI_MAX_GRID, points, text);
    *n = (int)points;
    for (int g = 0; g < *n; g++)
        grid[g] = from + step * g;
    return CS_OK;
}
