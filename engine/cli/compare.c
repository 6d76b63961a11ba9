/*
 * compare.c - `cascade compare FILE --base NAME --alt NAME`: what an
 * alternative scenario changes against a base, by financial year.
 *
 * The two scenarios were run in one invocation with the same seed, so run
 * r of each drew the same random numbers: every difference is taken run by
 * run (paired), and its median and 90% interval are over runs. Money is
 * shown in cash and at constant prices of the price base; the net present
 * value discounts the constant-price yearly net difference (HM Treasury
 * Green Book: 3.5% a year, year 0 undiscounted). The payback year is where
 * the cumulative discounted net difference changes sign for good.
 *
 * The scenarios are rebuilt from the resolved YAML stored in the file, so
 * the comparison needs nothing but the file. Results go to the terminal,
 * to /compare/<alt>_vs_<base>/ in the file (added safely: see
 * cs_output_write_group) and, on request, to CSV.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rebuild.h"
#include "table.h"

/* Money measures per run and year, in this order. */
enum {
    M_EARLY_CASH,
    M_LATE_CASH,
    M_NET_CASH,
    M_CUM_NET_CASH,
    M_EARLY_REAL,
    M_LATE_REAL,
    M_NET_REAL,
    M_CUM_NET_REAL,
    M_CUM_DISC_NET_REAL,
    N_MONEY
};

static const char *const money_names[N_MONEY] = {
    "early_cash",
    "late_cash",
    "net_cash",
    "cumulative_net_cash",
    "early_real",
    "late_real",
    "net_real",
    "cumulative_net_real",
    "cumulative_discounted_net_real"};

typedef struct compare_options {
    const char *path, *base, *alt, *csv;
    double discount; /* fraction; < 0: the base scenario's */
    int no_write;
} compare_options;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade compare FILE [--base NAME] [--alt NAME] "
            "[--discount PCT]\n"
            "                       [--csv OUT.csv] [--no-write]\n"
            "\n"
            "Compare two scenarios run together in FILE (by 'cascade run "
            "BASE.yaml ALT.yaml'),\n"
            "run by run: the difference alt - base in stocks, entries and "
            "spend by financial\n"
            "year, the net present value, the payback year and the "
            "probability that the\n"
            "alternative costs more. With two scenarios in FILE, --base and "
            "--alt default\n"
            "to the first and the second.\n"
            "\n"
            "  --base NAME      the scenario to compare against\n"
            "  --alt NAME       the alternative\n"
            "  --discount PCT   annual discount rate in percent (default: "
            "the base scenario's,\n"
            "                   3.5 unless it says otherwise: HM Treasury "
            "Green Book)\n"
            "  --csv OUT.csv    also write the table as tidy CSV\n"
            "  --no-write       do not add /compare/ALT_vs_BASE/ to FILE\n"
            "  -h, --help       this help\n");
}

static int parse_options(int argc, char **argv, compare_options *o)
{
    static const struct option options[] = {
        {"base", required_argument, 0, 'b'},
        {"alt", required_argument, 0, 'a'},
        {"discount", required_argument, 0, 'd'},
        {"csv", required_argument, 0, 'c'},
        {"no-write", no_argument, 0, 'n'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->discount = -1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'b':
            o->base = optarg;
            break;
        case 'a':
            o->alt = optarg;
            break;
        case 'd': {
            char *end;
            errno = 0;
            double pct = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(pct >= 0 && pct <= 100)) {
                fprintf(stderr,
                        "cascade compare: --discount: expected a percentage "
                        "from 0 to 100, found '%s'\n",
                        optarg);
                return CLI_BAD_INPUT;
            }
            o->discount = pct / 100;
            break;
        }
        case 'c':
            o->csv = optarg;
            break;
        case 'n':
            o->no_write = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr,
                "cascade compare: expected one output file, found "
                "%d\n",
                argc - optind);
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    o->path = argv[optind];
    return -1;
}

typedef struct comparison {
    long runs;
    int n_fys, n_columns;
    double discount;
    double *stock, *entries; /* [run][fy][column], alt - base */
    double *money;           /* [run][fy][N_MONEY] */
    double *npv;             /* [run], constant prices, discounted */
    double *payback;         /* [run], fy index or -1 */
    double p_costs_more;     /* share of runs with npv > 0 */
    int payback_of_median;   /* payback of the median discounted path */
    double share_paying_back;
} comparison;

static int compute(const cli_side *base, const cli_side *alt, double discount,
                   comparison *c, cs_error *err)
{
    const cli_table *tb = &base->table, *ta = &alt->table;
    long runs = tb->runs;
    int nf = tb->n_fys, nc = tb->n_columns;
    memset(c, 0, sizeof *c);
    c->runs = runs;
    c->n_fys = nf;
    c->n_columns = nc;
    c->discount = discount;
    size_t cells = (size_t)runs * nf * nc;
    c->stock = malloc(cells * sizeof *c->stock);
    c->entries = malloc(cells * sizeof *c->entries);
    c->money = malloc((size_t)runs * nf * N_MONEY * sizeof *c->money);
    c->npv = malloc((size_t)runs * sizeof *c->npv);
    c->payback = malloc((size_t)runs * sizeof *c->payback);
    double *net = malloc((size_t)nf * sizeof *net);
    double *cum = malloc((size_t)nf * sizeof *cum);
    double *scratch = malloc((size_t)runs * sizeof *scratch);
    if (!c->stock || !c->entries || !c->money || !c->npv || !c->payback ||
        !net || !cum || !scratch) {
        free(net);
        free(cum);
        free(scratch);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < cells; i++) {
        c->stock[i] = ta->stock[i] - tb->stock[i];
        c->entries[i] = ta->entries[i] - tb->entries[i];
    }
    long costs_more = 0, paying_back = 0;
    for (long r = 0; r < runs; r++) {
        double cum_cash = 0, cum_real = 0, cum_disc = 0, factor = 1;
        for (int y = 0; y < nf; y++) {
            const double *a = ta->spend + ((size_t)r * nf + y) * CLI_N_SPEND;
            const double *b = tb->spend + ((size_t)r * nf + y) * CLI_N_SPEND;
            double *m = c->money + ((size_t)r * nf + y) * N_MONEY;
            m[M_EARLY_CASH] = a[CLI_SPEND_EARLY_CASH] - b[CLI_SPEND_EARLY_CASH];
            m[M_LATE_CASH] = a[CLI_SPEND_LATE_CASH] - b[CLI_SPEND_LATE_CASH];
            m[M_NET_CASH] = m[M_EARLY_CASH] + m[M_LATE_CASH];
            m[M_EARLY_REAL] = a[CLI_SPEND_EARLY_REAL] - b[CLI_SPEND_EARLY_REAL];
            m[M_LATE_REAL] = a[CLI_SPEND_LATE_REAL] - b[CLI_SPEND_LATE_REAL];
            m[M_NET_REAL] = m[M_EARLY_REAL] + m[M_LATE_REAL];
            cum_cash += m[M_NET_CASH];
            cum_real += m[M_NET_REAL];
            cum_disc += m[M_NET_REAL] / factor;
            factor *= 1 + discount;
            m[M_CUM_NET_CASH] = cum_cash;
            m[M_CUM_NET_REAL] = cum_real;
            m[M_CUM_DISC_NET_REAL] = cum_disc;
            net[y] = m[M_NET_REAL];
            cum[y] = cum_disc;
        }
        c->npv[r] = cs_npv(net, nf, discount);
        int payback = cs_payback_year(cum, nf);
        c->payback[r] = payback;
        costs_more += c->npv[r] > 0;
        paying_back += payback >= 0;
    }
    c->p_costs_more = (double)costs_more / (double)runs;
    c->share_paying_back = (double)paying_back / (double)runs;
    for (int y = 0; y < nf; y++) {
        double q[3];
        cli_quantiles(c->money + (size_t)y * N_MONEY + M_CUM_DISC_NET_REAL,
                      runs, (size_t)nf * N_MONEY, scratch, q);
        cum[y] = q[0];
    }
    c->payback_of_median = cs_payback_year(cum, nf);
    free(net);
    free(cum);
    free(scratch);
    return CS_OK;
}

static void free_comparison(comparison *c)
{
    free(c->stock);
    free(c->entries);
    free(c->money);
    free(c->npv);
    free(c->payback);
}

static void print_comparison(const comparison *c, const cli_side *base,
                             const cli_side *alt, const char *price_base)
{
    const cli_table *t = &base->table;
    const cs_model *m = base->model;
    const cs_scenario *sc = base->scenario;
    int show[CS_MAX_STAGES];
    const char *columns[CS_MAX_STAGES], *at[CS_MAX_YEARS + 1],
        *years[CS_MAX_YEARS + 1];
    for (int j = 0; j < t->n_columns; j++) {
        show[j] = sc->stages[t->columns[j].leaves[0]].intervention !=
                  CS_INTERVENTION_NONE;
        columns[j] = t->columns[j].id;
    }
    for (int y = 0; y < t->n_fys; y++) {
        at[y] = cs_model_month_label(m, t->fy_last_month[y]);
        years[y] = cs_model_fy_label(m, y);
    }
    char what[200], title[512];
    snprintf(what, sizeof what,
             "'%s' minus '%s', paired by run; median, and [5%%, 95%%] "
             "below it, over %ld runs",
             alt->scenario->name, base->scenario->name, c->runs);
    printf("cascade compare: '%s' against '%s'\n", alt->scenario->name,
           base->scenario->name);
    cli_block b = {title,   "at", c->n_fys, at,      c->n_columns,
                   columns, show, c->stock, c->runs, 0};
    snprintf(title, sizeof title,
             "Difference in stock: children in each stage at 31 March,\n%s",
             what);
    cli_print_block(&b);
    b.row_header = "year";
    b.row_labels = years;
    b.values = c->entries;
    snprintf(title, sizeof title,
             "Difference in entries: children starting in each stage during "
             "the financial year,\n%s",
             what);
    cli_print_block(&b);

    static const char *const cash_columns[4] = {"early", "late", "net",
                                                "cumulative net"};
    /* the money blocks read columns 0..3 and 4..8 of each [run][fy] row */
    double *cash = malloc((size_t)c->runs * c->n_fys * 4 * sizeof *cash);
    double *real = malloc((size_t)c->runs * c->n_fys * 5 * sizeof *real);
    if (cash && real) {
        for (size_t i = 0; i < (size_t)c->runs * c->n_fys; i++) {
            for (int k = 0; k < 4; k++)
                cash[i * 4 + k] = c->money[i * N_MONEY + k];
            for (int k = 0; k < 5; k++)
                real[i * 5 + k] = c->money[i * N_MONEY + 4 + k];
        }
        b.n_columns = 4;
        b.column_labels = cash_columns;
        b.show = NULL;
        b.values = cash;
        b.money = 1;
        snprintf(title, sizeof title,
                 "Difference in spend during the financial year, GBP million, "
                 "cash (net = early + late;\npositive: the alternative "
                 "spends more), %s",
                 what);
        cli_print_block(&b);
        static const char *const real_columns[5] = {
            "early", "late", "net", "cumulative net", "cumulative discounted"};
        char discounted[64];
        snprintf(discounted, sizeof discounted, "discounted at %.1f%%",
                 100 * c->discount);
        b.n_columns = 5;
        b.column_labels = real_columns;
        b.values = real;
        snprintf(title, sizeof title,
                 "Difference in spend during the financial year, GBP million "
                 "at constant %s prices\n(cumulative discounted: %s a year "
                 "from %s), %s",
                 price_base, discounted, years[0], what);
        cli_print_block(&b);
    }
    free(cash);
    free(real);

    double scratch_q[3];
    double *scratch = malloc((size_t)c->runs * sizeof *scratch);
    if (!scratch)
        return;
    cli_quantiles(c->npv, c->runs, 1, scratch, scratch_q);
    printf("\nOver the horizon (%s to %s), '%s' against '%s':\n", years[0],
           years[c->n_fys - 1], alt->scenario->name, base->scenario->name);
    printf("  net present value of the net difference in spend, GBP million "
           "at constant %s\n  prices, discounted at %.1f%% a year: %.1f "
           "[5%%: %.1f, 95%%: %.1f]\n",
           price_base, 100 * c->discount, scratch_q[0] / 1e6,
           scratch_q[1] / 1e6, scratch_q[2] / 1e6);
    printf("  probability that the alternative costs more (NPV > 0): %.1f%% "
           "of %ld runs\n",
           100 * c->p_costs_more, c->runs);
    if (c->payback_of_median >= 0)
        printf("  payback: the median cumulative discounted difference "
               "changes sign for good in %s\n",
               years[c->payback_of_median]);
    else
        printf("  payback: the median cumulative discounted difference does "
               "not change sign for good\n  within the horizon\n");
    printf("  runs whose cumulative discounted difference changes sign for "
           "good: %.1f%%\n",
           100 * c->share_paying_back);
    free(scratch);
}

/* Tidy CSV: one row per measure x year x column x statistic. */
static int write_csv(const char *path, const comparison *c,
                     const cli_side *base, const cli_side *alt, cs_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return cs_error_set(err, CS_EINPUT, "cannot write %s: %s", path,
                            strerror(errno));
    const cli_table *t = &base->table;
    const cs_model *m = base->model;
    double *scratch = malloc((size_t)c->runs * sizeof *scratch);
    if (!scratch) {
        fclose(f);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    fprintf(f, "base,alt,measure,year,stage,units,statistic,value\n");
    static const char *const stats[3] = {"median", "p05", "p95"};
    double q[3];
    for (int y = 0; y < c->n_fys; y++) {
        const char *year = cs_model_fy_label(m, y);
        for (int j = 0; j < c->n_columns; j++) {
            size_t cell = (size_t)y * c->n_columns + j;
            size_t stride = (size_t)c->n_fys * c->n_columns;
            cli_quantiles(c->stock + cell, c->runs, stride, scratch, q);
            for (int k = 0; k < 3; k++)
                fprintf(f, "%s,%s,stock_31_march,%s,%s,children,%s,%.17g\n",
                        base->scenario->name, alt->scenario->name, year,
                        t->columns[j].id, stats[k], q[k]);
            cli_quantiles(c->entries + cell, c->runs, stride, scratch, q);
            for (int k = 0; k < 3; k++)
                fprintf(f, "%s,%s,entries,%s,%s,children,%s,%.17g\n",
                        base->scenario->name, alt->scenario->name, year,
                        t->columns[j].id, stats[k], q[k]);
        }
        for (int k2 = 0; k2 < N_MONEY; k2++) {
            cli_quantiles(c->money + (size_t)y * N_MONEY + k2, c->runs,
                          (size_t)c->n_fys * N_MONEY, scratch, q);
            for (int k = 0; k < 3; k++)
                fprintf(f, "%s,%s,%s,%s,,GBP,%s,%.17g\n", base->scenario->name,
                        alt->scenario->name, money_names[k2], year, stats[k],
                        q[k]);
        }
    }
    cli_quantiles(c->npv, c->runs, 1, scratch, q);
    for (int k = 0; k < 3; k++)
        fprintf(f, "%s,%s,npv_real_discounted,,,GBP,%s,%.17g\n",
                base->scenario->name, alt->scenario->name, stats[k], q[k]);
    fprintf(f, "%s,%s,probability_alt_costs_more,,,share,value,%.17g\n",
            base->scenario->name, alt->scenario->name, c->p_costs_more);
    free(scratch);
    if (fclose(f) != 0)
        return cs_error_set(err, CS_EIO, "writing %s: %s", path,
                            strerror(errno));
    return CS_OK;
}

static int write_group(const char *path, const comparison *c,
                       const cli_side *base, const cli_side *alt,
                       const char *price_base, cs_error *err)
{
    const cli_table *t = &base->table;
    const char *years[CS_MAX_YEARS + 1], *columns[CS_MAX_STAGES];
    for (int y = 0; y < c->n_fys; y++)
        years[y] = cs_model_fy_label(base->model, y);
    for (int j = 0; j < c->n_columns; j++)
        columns[j] = t->columns[j].id;
    const cs_table_axis axes[4] = {
        {"run", (int)c->runs, NULL, "Monte Carlo run index (paired)", NULL},
        {"financial_year", c->n_fys, years, "financial year, April-March",
         NULL},
        {"stage", c->n_columns, columns, "top-level stage (placements summed)",
         NULL},
        {"measure", N_MONEY, money_names,
         "money measure: _cash in cash, _real at constant prices; net = "
         "early + late; cumulative from the first year; discounted at "
         "discount_rate",
         NULL}};
    int shape_stage[3] = {(int)c->runs, c->n_fys, c->n_columns};
    int shape_money[3] = {(int)c->runs, c->n_fys, N_MONEY};
    int shape_run[1] = {(int)c->runs};
    static const char *const stage_axes[3] = {"run", "financial_year", "stage"};
    static const char *const money_axes[3] = {"run", "financial_year",
                                              "measure"};
    static const char *const run_axes[1] = {"run"};
    const cs_table_dataset datasets[5] = {
        {"stock", 3, shape_stage, stage_axes, c->stock, "children",
         "alt - base: children in each stage at the end of each financial "
         "year, per run"},
        {"entries", 3, shape_stage, stage_axes, c->entries, "children",
         "alt - base: children starting in each stage during each financial "
         "year, per run"},
        {"money", 3, shape_money, money_axes, c->money, "GBP",
         "alt - base: spend during each financial year, per run (see the "
         "measure axis for cash or constant prices)"},
        {"npv", 1, shape_run, run_axes, c->npv, "GBP (constant prices)",
         "net present value of the yearly net difference at constant prices, "
         "per run"},
        {"payback_year", 1, shape_run, run_axes, c->payback,
         "financial year index (-1: none)",
         "first year from which the cumulative discounted net difference "
         "keeps the opposite sign to its start, per run"}};
    const cs_table_attribute attrs[7] = {
        {"base", base->scenario->name, 0},
        {"alt", alt->scenario->name, 0},
        {"price_base", price_base, 0},
        {"discount_rate", NULL, c->discount},
        {"probability_alt_costs_more", NULL, c->p_costs_more},
        {"payback_year_of_median", NULL, (double)c->payback_of_median},
        {"share_of_runs_paying_back", NULL, c->share_paying_back}};
    char group[2 * CS_ID_MAX + 16];
    snprintf(group, sizeof group, "compare/%s_vs_%s", alt->scenario->name,
             base->scenario->name);
    return cs_output_write_group(path, group, 4, axes, 5, datasets, 7, attrs,
                                 err);
}

int cli_compare(int argc, char **argv)
{
    compare_options o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    cs_error err;
    cs_result *result = NULL;
    cli_side base, alt;
    memset(&base, 0, sizeof base);
    memset(&alt, 0, sizeof alt);
    comparison c;
    memset(&c, 0, sizeof c);
    int rc = cs_result_open(o.path, &result, &err);
    if (rc == CS_OK && (!o.base || !o.alt)) {
        if (cs_result_n_scenarios(result) != 2 && !(o.base && o.alt))
            rc = cs_error_set(&err, CS_EINPUT,
                              "cascade compare: %s holds %d scenarios: say "
                              "which with --base and --alt",
                              o.path, cs_result_n_scenarios(result));
        else {
            if (!o.base)
                o.base = cs_result_scenario_name(result, 0);
            if (!o.alt)
                o.alt = cs_result_scenario_name(result, 1);
        }
    }
    if (rc == CS_OK && o.base && o.alt && !strcmp(o.base, o.alt))
        rc = cs_error_set(&err, CS_EINPUT,
                          "cascade compare: --base and --alt are both '%s'",
                          o.base);
    if (rc == CS_OK)
        rc = cli_side_open(result, o.base, "--base", &base, &err);
    if (rc == CS_OK)
        rc = cli_side_open(result, o.alt, "--alt", &alt, &err);
    long runs = 0;
    if (rc == CS_OK) {
        int nb = cs_result_n_runs(result, base.index);
        int na = cs_result_n_runs(result, alt.index);
        runs = nb < na ? nb : na;
        if (nb != na)
            rc = cs_error_set(&err, CS_EINPUT,
                              "cascade compare: '%s' has %d runs and '%s' "
                              "%d: paired comparison needs the same runs",
                              o.base, nb, o.alt, na);
    }
    if (rc == CS_OK &&
        (cli_table_init(&base.table, base.scenario, base.model, runs) ||
         cli_table_init(&alt.table, alt.scenario, alt.model, runs)))
        rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK)
        rc = cli_side_tabulate(result, &base, runs, &err);
    if (rc == CS_OK)
        rc = cli_side_tabulate(result, &alt, runs, &err);
    char price_base[32] = "", alt_base[32] = "";
    if (rc == CS_OK) {
        /* constant prices are only comparable on one price basis */
        size_t months = (size_t)cs_result_n_months(result);
        double *deflator = malloc(months * sizeof *deflator);
        double *alt_deflator = malloc(months * sizeof *alt_deflator);
        if (!deflator || !alt_deflator)
            rc = cs_error_set(&err, CS_ENOMEM, "out of memory");
        if (rc == CS_OK)
            rc = cs_result_read_deflator(result, base.index, deflator,
                                         price_base, sizeof price_base, &err);
        if (rc == CS_OK)
            rc = cs_result_read_deflator(result, alt.index, alt_deflator,
                                         alt_base, sizeof alt_base, &err);
        if (rc == CS_OK &&
            (strcmp(price_base, alt_base) != 0 ||
             memcmp(deflator, alt_deflator, months * sizeof *deflator) != 0))
            rc = cs_error_set(&err, CS_EINPUT,
                              "cascade compare: '%s' and '%s' are priced on "
                              "different bases (price base %s and %s, or "
                              "different general inflation): constant "
                              "prices would not compare",
                              o.base, o.alt, price_base, alt_base);
        free(deflator);
        free(alt_deflator);
    }
    if (rc == CS_OK) {
        double discount =
            o.discount >= 0 ? o.discount : base.scenario->discount_rate;
        rc = compute(&base, &alt, discount, &c, &err);
    }
    cs_result_close(result);
    result = NULL;
    if (rc == CS_OK)
        print_comparison(&c, &base, &alt, price_base);
    if (rc == CS_OK && o.csv)
        rc = write_csv(o.csv, &c, &base, &alt, &err);
    if (rc == CS_OK && !o.no_write) {
        rc = write_group(o.path, &c, &base, &alt, price_base, &err);
        if (rc == CS_OK)
            printf("\nWrote /compare/%s_vs_%s to %s.\n", alt.scenario->name,
                   base.scenario->name, o.path);
    }
    if (rc != CS_OK)
        fprintf(stderr, "%s\n", err.message);
    free_comparison(&c);
    cli_side_free(&base);
    cli_side_free(&alt);
    cs_result_close(result);
    return cli_exit_status(rc);
}
