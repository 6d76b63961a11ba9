/*
 * compare.c - `cascade compare FILE [ALT_FILE] --base NAME --alt NAME`:
 * what an alternative scenario changes against a base, by financial year.
 *
 * The two scenarios were run with the same seed (in one invocation, or in
 * two that share seed, generator, version, run count and calendar), so run
 * r of each drew the same random numbers: every difference is taken run by
 * run (paired, over the runs done in both), and its median and 90%
 * interval are over runs. Money is shown in cash and at constant prices of
 * the price base; the net present value discounts the constant-price
 * yearly net difference (HM Treasury Green Book: 3.5% a year to year 30,
 * then its declining long-term rate, year 0 undiscounted; or the base
 * scenario's constant rate, or --discount's). The payback year is where the
 * cumulative discounted net difference changes sign for good.
 *
 * Everything comes from what the file records (table.h): no scenario is
 * rebuilt. Results go to the terminal, to /compare/<alt>_vs_<base>/ in the
 * file when both scenarios are in one (added safely: see
 * cs_output_write_group) and, on request, to CSV. When the alternative
 * records the hash of the base it extends and that is not the hash of the
 * base it is compared with, a warning says so: the differences then
 * include edits to the base (unless the base extends that very text too,
 * as the combinations of a grid do: then each differs from it only by its
 * own edits).
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "headline.h"
#include "outfile.h"
#include "table.h"
#include "voi.h"

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
    const char *path, *alt_path; /* alt_path: NULL, both in path */
    const char *base, *alt, *csv;
    cs_discount discount; /* n_steps 0: the base scenario's */
    int no_write;
    int full_tables; /* --table full */
    /* value of information: --wtp (< 0: none), --wtp-grid, --voi-options,
     * --voi-csv */
    double wtp;
    const char *wtp_grid, *voi_options, *voi_csv;
} compare_options;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: cascade compare FILE [ALT_FILE] [--base NAME] [--alt "
            "NAME]\n"
            "                       [--discount RATE] [--csv OUT.csv] "
            "[--no-write]\n"
            "                       [--table headline|full]\n"
            "\n"
            "Compare two scenarios run with the same seed, run by run: the "
            "difference\n"
            "alt - base in stocks, entries and spend by financial year, the "
            "net present\n"
            "value, the payback year and the probability that the "
            "alternative costs more.\n"
            "Either both are in FILE (cascade run BASE.yaml ALT.yaml): with "
            "two scenarios\n"
            "there, --base and --alt default to the first and the second; "
            "or the base is in\n"
            "FILE and the alternative in ALT_FILE, two runs with the same "
            "--seed, -n and\n"
            "calendar (name them with --base and --alt if a file holds "
            "several). Runs are\n"
            "paired by index, over those done in both.\n"
            "\n"
            "  --base NAME      the scenario to compare against\n"
            "  --alt NAME       the alternative\n"
            "  --discount RATE  annual discount rate: a fraction (0.035) or "
            "a percentage with\n"
            "                   its sign (3.5%%), constant over the years, or "
            "green_book (HM\n"
            "                   Treasury's declining rate: 3.5%% to year 30, "
            "3%% to 75, 2.5%%\n"
            "                   to 125, ...); default: the base scenario's "
            "(green_book unless\n"
            "                   it says otherwise)\n"
            "  --csv OUT.csv    also write every difference as tidy CSV for a "
            "spreadsheet:\n"
            "                   whole pounds, the price base and discount "
            "rate on each row,\n"
            "                   year labels and numbers, NPV and payback "
            "rows\n"
            "  --table full     print every difference by financial year, "
            "not the headline\n"
            "                   (the default, --table headline)\n"
            "  --no-write       do not add /compare/ALT_vs_BASE/ to FILE "
            "(with two files\n"
            "                   nothing is added anyway)\n"
            "\n"
            "Value of information (docs/scores.md), over the runs' "
            "parameter draws:\n"
            "  --wtp GBP        willingness to pay per child-year looked "
            "after avoided: adds\n"
            "                   each option's net monetary benefit against "
            "the base, the\n"
            "                   probability each is best and the EVPI "
            "(written to\n"
            "                   /compare/ALT_vs_BASE/voi)\n"
            "  --voi-options LIST  the options: the base and these "
            "scenarios of FILE (comma-\n"
            "                   separated, or 'all'); default: the base and "
            "the alternative\n"
            "  --wtp-grid FROM:TO:STEP  also the acceptability curve and "
            "EVPI at each of\n"
            "                   these willingness-to-pay values (whole "
            "pounds)\n"
            "  --voi-csv OUT.csv  the value-of-information figures as tidy "
            "CSV\n"
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
        {"table", required_argument, 0, 't'},
        {"wtp", required_argument, 0, 'w'},
        {"wtp-grid", required_argument, 0, 'g'},
        {"voi-options", required_argument, 0, 'O'},
        {"voi-csv", required_argument, 0, 'V'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->wtp = -1;
    int c;
    optind = 1;
    cs_error err;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'b':
            o->base = optarg;
            break;
        case 'a':
            o->alt = optarg;
            break;
        case 'd': {
            double rate;
            if (strcmp(optarg, "green_book") == 0) {
                cs_discount_green_book(&o->discount);
            } else if (cli_parse_rate("--discount", optarg, &rate, &err) ==
                       CS_OK) {
                cs_discount_constant(&o->discount, rate);
            } else {
                fprintf(stderr,
                        "cascade compare: %s (or green_book: the Green "
                        "Book's declining rate)\n",
                        err.message);
                return CLI_BAD_INPUT;
            }
            break;
        }
        case 'c':
            o->csv = optarg;
            break;
        case 'n':
            o->no_write = 1;
            break;
        case 't':
            if (cli_parse_table("cascade compare", optarg, &o->full_tables))
                return CLI_BAD_INPUT;
            break;
        case 'w': {
            char *end = NULL;
            o->wtp = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(o->wtp) || o->wtp < 0) {
                fprintf(stderr,
                        "cascade compare: --wtp: expected pounds per "
                        "child-year looked after avoided, a number from 0 "
                        "(e.g. 50000), found '%s'\n",
                        optarg);
                return CLI_BAD_INPUT;
            }
            break;
        }
        case 'g':
            o->wtp_grid = optarg;
            break;
        case 'O':
            o->voi_options = optarg;
            break;
        case 'V':
            o->voi_csv = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_BAD_INPUT;
        }
    }
    if (o->wtp < 0 && (o->wtp_grid || o->voi_options || o->voi_csv)) {
        fprintf(stderr, "cascade compare: --wtp-grid, --voi-options and "
                        "--voi-csv need --wtp GBP (the willingness to pay "
                        "per child-year looked after avoided)\n");
        return CLI_BAD_INPUT;
    }
    if (argc - optind < 1 || argc - optind > 2) {
        fprintf(stderr,
                "cascade compare: expected one output file (or two: base "
                "and alternative), found %d\n",
                argc - optind);
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    o->path = argv[optind];
    o->alt_path = argc - optind == 2 ? argv[optind + 1] : NULL;
    return -1;
}

typedef struct comparison {
    long runs;
    int n_fys, n_columns;
    /* the columns: the base's top-level stages, then those only the
     * alternative has (a stage a scenario lacks holds nobody) */
    const char *column_id[2 * CLI_MAX_STAGES];
    int column_shown[2 * CLI_MAX_STAGES];
    int stages_differ;
    cs_discount discount;
    double *stock, *entries; /* [run][fy][column], alt - base */
    double *dfe;             /* [run][fy][CLI_N_DFE], alt - base */
    double *money;           /* [run][fy][N_MONEY] */
    double *npv;             /* [run], constant prices, discounted */
    double *payback;         /* [run], fy index or -1 */
    double p_costs_more;     /* share of runs with npv > 0 */
    int payback_of_median;   /* payback of the median discounted path */
    double share_paying_back;
} comparison;

/* Column j of t with the id, or -1. */
static int column_of(const cli_table *t, const char *id)
{
    for (int j = 0; j < t->n_columns; j++)
        if (strcmp(t->columns[j].id, id) == 0)
            return j;
    return -1;
}

/* values [run][fy][column of t] at the comparison's column j (0 where t
 * has no such stage). */
static double at_column(const cli_table *t, const double *values, long r, int y,
                        const char *id)
{
    int k = column_of(t, id);
    return k < 0 ? 0 : values[((size_t)r * t->n_fys + y) * t->n_columns + k];
}

static int compute(const cli_table *tb, const cli_table *ta,
                   const cs_discount *discount, comparison *c, cs_error *err)
{
    long runs = tb->runs;
    int nf = tb->n_fys;
    memset(c, 0, sizeof *c);
    for (int j = 0; j < tb->n_columns; j++) {
        c->column_id[c->n_columns] = tb->columns[j].id;
        c->column_shown[c->n_columns++] = tb->columns[j].shown;
    }
    for (int j = 0; j < ta->n_columns; j++)
        if (column_of(tb, ta->columns[j].id) < 0) {
            c->column_id[c->n_columns] = ta->columns[j].id;
            c->column_shown[c->n_columns++] = ta->columns[j].shown;
        }
    c->stages_differ =
        c->n_columns != tb->n_columns || tb->n_columns != ta->n_columns;
    for (int j = 0; !c->stages_differ && j < tb->n_columns; j++)
        c->stages_differ = strcmp(tb->columns[j].id, ta->columns[j].id) != 0;
    int nc = c->n_columns;
    c->runs = runs;
    c->n_fys = nf;
    c->discount = *discount;
    size_t cells = (size_t)runs * nf * nc;
    c->stock = malloc(cells * sizeof *c->stock);
    c->entries = malloc(cells * sizeof *c->entries);
    c->dfe = malloc((size_t)runs * nf * CLI_N_DFE * sizeof *c->dfe);
    c->money = malloc((size_t)runs * nf * N_MONEY * sizeof *c->money);
    c->npv = malloc((size_t)runs * sizeof *c->npv);
    c->payback = malloc((size_t)runs * sizeof *c->payback);
    double *net = malloc((size_t)nf * sizeof *net);
    double *cum = malloc((size_t)nf * sizeof *cum);
    double *scratch = malloc((size_t)runs * sizeof *scratch);
    if (!c->stock || !c->entries || !c->dfe || !c->money || !c->npv ||
        !c->payback || !net || !cum || !scratch) {
        free(net);
        free(cum);
        free(scratch);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    for (long r = 0; r < runs; r++)
        for (int y = 0; y < nf; y++)
            for (int j = 0; j < nc; j++) {
                size_t i = ((size_t)r * nf + y) * nc + j;
                const char *id = c->column_id[j];
                c->stock[i] = at_column(ta, ta->stock, r, y, id) -
                              at_column(tb, tb->stock, r, y, id);
                c->entries[i] = at_column(ta, ta->entries, r, y, id) -
                                at_column(tb, tb->entries, r, y, id);
            }
    for (size_t i = 0; i < (size_t)runs * nf * CLI_N_DFE; i++)
        c->dfe[i] = ta->dfe_stock[i] - tb->dfe_stock[i];
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
            factor *= 1 + cs_discount_rate_of_year(discount, y + 1);
            m[M_CUM_NET_CASH] = cum_cash;
            m[M_CUM_NET_REAL] = cum_real;
            m[M_CUM_DISC_NET_REAL] = cum_disc;
            net[y] = m[M_NET_REAL];
            cum[y] = cum_disc;
        }
        c->npv[r] = cs_npv_schedule(net, nf, discount);
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
    free(c->dfe);
    free(c->money);
    free(c->npv);
    free(c->payback);
}

/* Over the whole horizon: the NPV, the chance the alternative costs more,
 * the payback year. */
static void print_horizon(const comparison *c, const cli_table *tb,
                          const cli_table *ta)
{
    char rate[200], median[64], interval[64];
    cli_format_discount(&c->discount, c->n_fys, rate, sizeof rate);
    printf("\nOver %s to %s, at constant %s prices, discounted at %s:\n",
           tb->fy_label[0], tb->fy_label[c->n_fys - 1], tb->price_base, rate);
    cli_headline_figure(c->npv, c->runs, 1, 1, 1, median, interval,
                        sizeof median);
    printf("  net present value (> 0: the alternative costs more): %s%s%s\n",
           median, interval[0] ? " " : "", interval);
    char share[CLI_NUMBER_MAX], count[CLI_NUMBER_MAX], runs[CLI_NUMBER_MAX];
    cli_format_percent(c->p_costs_more, share, sizeof share);
    cli_format_count(c->p_costs_more * (double)c->runs, count, sizeof count);
    cli_format_count((double)c->runs, runs, sizeof runs);
    printf("  probability that the alternative costs more (NPV > 0): %s (%s "
           "of %s run%s)\n",
           share, count, runs, c->runs == 1 ? "" : "s");
    cli_format_percent(c->share_paying_back, share, sizeof share);
    if (c->payback_of_median >= 0)
        printf("  payback: %s (year %d) for the median path; %s of runs pay "
               "back within it\n",
               tb->fy_label[c->payback_of_median], c->payback_of_median + 1,
               share);
    else
        printf("  payback: none within the horizon for the median path; %s of "
               "runs pay back\n",
               share);
}

/* Scenarios with different stages: what the pairing means. */
static void print_stages_note(const comparison *c)
{
    if (!c->stages_differ)
        return;
    printf("their stages differ: stages pair by id, one a scenario lacks "
           "holding nobody, and\nDfE counts by each scenario's categories; "
           "runs share parameter draws and year\neffects, but the children's "
           "moves share random numbers only where the stages agree\n\n");
}

/* The headline: children at 31 March and spend, alt - base, then the
 * horizon. */
static void print_headline(const comparison *c, const cli_table *tb,
                           const cli_table *ta, const char *runs_text)
{
    printf("cascade compare: '%s' against '%s'\n", ta->scenario, tb->scenario);
    printf("alternative minus base, paired by run %s: median, and 90%% "
           "interval below\n\n",
           runs_text);
    print_stages_note(c);
    cli_headline_print_stocks(tb, c->dfe, c->runs, 1);
    printf("\n");
    static const char *const labels[3] = {"early intervention",
                                          "late intervention", "net"};
    static const int offset[3] = {M_EARLY_REAL, M_LATE_REAL, M_NET_REAL};
    cli_headline_print_spend(tb, c->money, N_MONEY, 3, labels, offset, c->runs,
                             1);
    if (tb->has_budget && ta->has_budget) {
        printf("\n");
        cli_headline_print_budget_difference(tb, ta, c->runs);
    }
    print_horizon(c, tb, ta);
}

static void print_comparison(const comparison *c, const cli_table *tb,
                             const cli_table *ta, const char *runs_text)
{
    int show[2 * CLI_MAX_STAGES];
    const char *columns[2 * CLI_MAX_STAGES], *at[CLI_MAX_YEARS],
        *years[CLI_MAX_YEARS];
    for (int j = 0; j < c->n_columns; j++) {
        show[j] = c->column_shown[j];
        columns[j] = c->column_id[j];
    }
    for (int y = 0; y < tb->n_fys; y++) {
        at[y] = tb->fy_end_month[y];
        years[y] = tb->fy_label[y];
    }
    char what[400], title[800];
    snprintf(what, sizeof what,
             "'%s' minus '%s', paired by run; median, and the 90%% interval "
             "[5%%, 95%%] "
             "below it, %s",
             ta->scenario, tb->scenario, runs_text);
    printf("cascade compare: '%s' against '%s'\n", ta->scenario, tb->scenario);
    print_stages_note(c);
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
        char discounted[200];
        cli_format_discount(&c->discount, c->n_fys, discounted,
                            sizeof discounted);
        b.n_columns = 5;
        b.column_labels = real_columns;
        b.values = real;
        snprintf(title, sizeof title,
                 "Difference in spend during the financial year, GBP million "
                 "at constant %s prices\n(cumulative discounted: at %s "
                 "from %s), %s",
                 tb->price_base, discounted, years[0], what);
        cli_print_block(&b);
    }
    free(cash);
    free(real);

    print_horizon(c, tb, ta);
}

/*
 * Tidy CSV for a spreadsheet: one row per measure x year x stage x
 * statistic, the financial year as a label ("2019/20") and as the number
 * of the year ending in its 31 March (2020), money in whole pounds with
 * its price basis in the units, children to one decimal (a median of
 * paired differences can fall between two runs), and the price base,
 * discount rate (the first year's) and discount schedule on every row; then the
 * NPV, the probability that the alternative costs more and the payback year.
 */
#define CSV_HEADER                                                             \
    "base,alt,measure,financial_year,year_ending_march,stage,units,"           \
    "statistic,value,price_base,discount_rate,discount_schedule\n"

/* "2019/20" -> 2020; 0 when it is not such a label. */
static int year_ending(const char *label)
{
    int first = 0, second = 0, used = 0;
    if (sscanf(label, "%4d/%2d%n", &first, &second, &used) != 2 || label[used])
        return 0;
    return first + 1;
}

typedef struct csv_context {
    FILE *f;
    const char *base, *alt, *price_base;
    double discount;      /* the first year's rate */
    const char *schedule; /* cs_discount_format's */
} csv_context;

/* One row; year < 0: none; decimals of value (-1: up to 4 significant
 * figures, a share). */
static void csv_row(const csv_context *x, const char *measure,
                    const char *year_label, const char *stage,
                    const char *units, const char *statistic, double value,
                    int decimals)
{
    int ending = year_label ? year_ending(year_label) : 0;
    char year_number[16] = "";
    if (ending)
        snprintf(year_number, sizeof year_number, "%d", ending);
    char number[64];
    if (!isfinite(value))
        number[0] = '\0';
    else if (decimals < 0)
        snprintf(number, sizeof number, "%.4g", value);
    else {
        double rounded = round(value * pow(10, decimals)) / pow(10, decimals);
        snprintf(number, sizeof number, "%.*f", decimals,
                 rounded == 0 ? 0.0 : rounded); /* never "-0" */
    }
    fprintf(x->f, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%.6g,%s\n", x->base, x->alt,
            measure, year_label ? year_label : "", year_number, stage, units,
            statistic, number, x->price_base, x->discount, x->schedule);
}

static void write_csv(FILE *f, const comparison *c, const cli_table *tb,
                      const cli_table *ta, double *scratch)
{
    fputs(CSV_HEADER, f);
    static const char *const stats[3] = {"median", "p05", "p95"};
    char schedule[CS_DISCOUNT_TEXT_MAX];
    if (cs_discount_format(&c->discount, schedule, sizeof schedule) < 0)
        schedule[0] = '\0'; /* cannot happen: a schedule fits */
    const csv_context x = {f,
                           tb->scenario,
                           ta->scenario,
                           tb->price_base,
                           c->discount.rate[0],
                           schedule};
    char cash[80], real[80], discounted[120];
    snprintf(cash, sizeof cash, "GBP (cash)");
    snprintf(real, sizeof real, "GBP (constant %s prices)", tb->price_base);
    snprintf(discounted, sizeof discounted,
             "GBP (constant %s prices; discounted)", tb->price_base);
    double q[3];
    for (int y = 0; y < c->n_fys; y++) {
        const char *year = tb->fy_label[y];
        for (int j = 0; j < c->n_columns; j++) {
            size_t cell = (size_t)y * c->n_columns + j;
            size_t stride = (size_t)c->n_fys * c->n_columns;
            cli_quantiles(c->stock + cell, c->runs, stride, scratch, q);
            for (int k = 0; k < 3; k++)
                csv_row(&x, "stock_31_march", year, c->column_id[j], "children",
                        stats[k], q[k], 1);
            cli_quantiles(c->entries + cell, c->runs, stride, scratch, q);
            for (int k = 0; k < 3; k++)
                csv_row(&x, "entries", year, c->column_id[j], "children",
                        stats[k], q[k], 1);
        }
        for (int m = 0; m < N_MONEY; m++) {
            cli_quantiles(c->money + (size_t)y * N_MONEY + m, c->runs,
                          (size_t)c->n_fys * N_MONEY, scratch, q);
            const char *units = m < M_EARLY_REAL           ? cash
                                : m == M_CUM_DISC_NET_REAL ? discounted
                                                           : real;
            for (int k = 0; k < 3; k++)
                csv_row(&x, money_names[m], year, "", units, stats[k], q[k], 0);
        }
    }
    /* over the horizon: the years it spans */
    char horizon[64];
    snprintf(horizon, sizeof horizon, "%s to %s", tb->fy_label[0],
             tb->fy_label[c->n_fys - 1]);
    cli_quantiles(c->npv, c->runs, 1, scratch, q);
    for (int k = 0; k < 3; k++)
        csv_row(&x, "npv_real_discounted", horizon, "", discounted, stats[k],
                q[k], 0);
    csv_row(&x, "probability_alt_costs_more", horizon, "", "share of runs",
            "value", c->p_costs_more, -1);
    /* the payback year: its label, and the year ending as the value */
    const char *payback =
        c->payback_of_median >= 0 ? tb->fy_label[c->payback_of_median] : "none";
    csv_row(&x, "payback_year_of_median", payback, "",
            "year ending 31 March (empty: none within the horizon)", "value",
            c->payback_of_median >= 0 ? (double)year_ending(payback) : NAN, 0);
    csv_row(&x, "share_of_runs_paying_back", horizon, "", "share of runs",
            "value", c->share_paying_back, -1);
}

static int write_csv_file(const compare_options *o, const comparison *c,
                          const cli_table *tb, const cli_table *ta,
                          cs_error *err)
{
    const char *inputs[2] = {o->path, o->alt_path};
    cli_outfile out;
    int rc = cli_outfile_open(&out, "--csv", o->csv, 1, "", inputs,
                              o->alt_path ? 2 : 1, err);
    double *scratch = malloc((size_t)c->runs * sizeof *scratch);
    if (rc == CS_OK && !scratch)
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK) {
        write_csv(out.file, c, tb, ta, scratch);
        rc = cli_outfile_commit(&out, err);
    } else {
        cli_outfile_abort(&out);
    }
    free(scratch);
    return rc;
}

static int write_group(const char *path, const comparison *c,
                       const cli_table *tb, const cli_table *ta, cs_error *err)
{
    const char *years[CLI_MAX_YEARS], *columns[2 * CLI_MAX_STAGES];
    for (int y = 0; y < c->n_fys; y++)
        years[y] = tb->fy_label[y];
    for (int j = 0; j < c->n_columns; j++)
        columns[j] = c->column_id[j];
    const cs_table_axis axes[4] = {
        {"run", (int)c->runs, NULL,
         "Monte Carlo run index (paired: the runs done in both scenarios)",
         tb->run_index},
        {"financial_year", c->n_fys, years, "financial year, April-March",
         NULL},
        {"stage", c->n_columns, columns, "top-level stage (placements summed)",
         NULL},
        {"measure", N_MONEY, money_names,
         "money measure: _cash in cash, _real at constant prices; net = "
         "early + late; cumulative from the first year; discounted by "
         "discount_schedule",
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
    char schedule[CS_DISCOUNT_TEXT_MAX];
    if (cs_discount_format(&c->discount, schedule, sizeof schedule) < 0)
        schedule[0] = '\0'; /* cannot happen: a schedule fits */
    const cs_table_attribute attrs[8] = {
        {"base", tb->scenario, 0},
        {"alt", ta->scenario, 0},
        {"price_base", tb->price_base, 0},
        {"discount_rate", NULL, c->discount.rate[0]},
        {"discount_schedule", schedule, 0},
        {"probability_alt_costs_more", NULL, c->p_costs_more},
        {"payback_year_of_median", NULL, (double)c->payback_of_median},
        {"share_of_runs_paying_back", NULL, c->share_paying_back}};
    char group[2 * CS_ID_MAX + 16];
    snprintf(group, sizeof group, "compare/%s_vs_%s", ta->scenario,
             tb->scenario);
    char tmp[PATH_MAX];
    int slot = cs_output_temporary_name(path, tmp, sizeof tmp, NULL) == CS_OK
                   ? cli_cleanup_add(tmp)
                   : -1;
    int rc =
        cs_output_write_group(path, group, 4, axes, 5, datasets, 8, attrs, err);
    cli_cleanup_remove(slot);
    return rc;
}

/* What was written, and the time it took. */
static void print_footer(const compare_options *o, const cli_table *tb,
                         const cli_table *ta, int wrote_group,
                         const struct timespec *started)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    char took[CLI_NUMBER_MAX];
    cli_format_duration((double)(now.tv_sec - started->tv_sec) +
                            1e-9 * (double)(now.tv_nsec - started->tv_nsec),
                        took, sizeof took);
    if (wrote_group)
        printf("Wrote /compare/%s_vs_%s%s to %s%s%s%s%s in %s.\n", ta->scenario,
               tb->scenario, o->wtp >= 0 ? " (and its voi)" : "", o->path,
               o->csv ? " and " : "", o->csv ? o->csv : "",
               o->voi_csv ? " and " : "", o->voi_csv ? o->voi_csv : "", took);
    else if (o->csv || o->voi_csv)
        printf("Wrote %s%s%s in %s.\n", o->csv ? o->csv : "",
               o->csv && o->voi_csv ? " and " : "",
               o->voi_csv ? o->voi_csv : "", took);
    else
        printf("Compared in %s (nothing written).\n", took);
    if (!o->full_tables)
        printf("Every difference by financial year: --table full\n");
}

/* The scenario a file holds alone, or the one named; role says which side
 * it is for messages. */
static int pick_scenario(const cs_result *r, const char *name, const char *flag,
                         int *index, cs_error *err)
{
    if (!name) {
        if (cs_result_n_scenarios(r) != 1)
            return cs_error_set(err, CS_EINPUT,
                                "cascade compare: %s holds %d scenarios: say "
                                "which with %s",
                                cs_result_path(r), cs_result_n_scenarios(r),
                                flag);
        *index = 0;
        return CS_OK;
    }
    *index = cs_result_find_scenario(r, name);
    if (*index >= 0)
        return CS_OK;
    char list[512] = "";
    for (int i = 0; i < cs_result_n_scenarios(r); i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                 cs_result_scenario_name(r, i));
    }
    return cs_error_set(err, CS_EINPUT,
                        "cascade compare: %s has no scenario '%s' (%s); it "
                        "holds: %s",
                        cs_result_path(r), name, flag, list);
}

/* Which scenarios of one file to compare, by the options or by default. */
static int pick_in_one_file(const cs_result *r, compare_options *o, int *base,
                            int *alt, cs_error *err)
{
    int n = cs_result_n_scenarios(r);
    if (!o->base || !o->alt) {
        if (n == 1)
            return cs_error_set(
                err, CS_EINPUT,
                "cascade compare: %s holds one scenario ('%s'), and compare "
                "needs two: run the base and the alternative together "
                "(cascade run BASE.yaml ALT.yaml) or give two files run with "
                "the same seed (cascade compare BASE.h5 ALT.h5)",
                o->path, cs_result_scenario_name(r, 0));
        if (n > 2)
            return cs_error_set(err, CS_EINPUT,
                                "cascade compare: %s holds %d scenarios: say "
                                "which with --base and --alt",
                                o->path, n);
        if (!o->base)
            o->base = cs_result_scenario_name(r, 0);
        if (!o->alt)
            o->alt = strcmp(o->base, cs_result_scenario_name(r, 1)) == 0
                         ? cs_result_scenario_name(r, 0)
                         : cs_result_scenario_name(r, 1);
    }
    if (!strcmp(o->base, o->alt))
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: --base and --alt are both '%s'",
                            o->base);
    int rc = pick_scenario(r, o->base, "--base", base, err);
    if (rc == CS_OK)
        rc = pick_scenario(r, o->alt, "--alt", alt, err);
    return rc;
}

/*
 * Two files pair run by run only if they are one batch's twins: the same
 * program, seed, generator, modes, run count and calendar. Their stages
 * may differ (a what-if that adds a stage): see compute.
 */
static int check_twins(const cs_result *a, int ia, const cs_result *b, int ib,
                       cs_error *err)
{
    cs_result_batch x, y;
    int rc = cs_result_read_batch(a, &x, err);
    if (rc == CS_OK)
        rc = cs_result_read_batch(b, &y, err);
    if (rc != CS_OK)
        return rc;
    char why[300] = "";
    if (x.seed != y.seed)
        snprintf(why, sizeof why,
                 "their seeds differ (%" PRIu64 " and %" PRIu64
                 "): run both with the same --seed",
                 x.seed, y.seed);
    else if (strcmp(x.cascade_version, y.cascade_version) != 0)
        snprintf(why, sizeof why,
                 "they were written by different versions of cascade (%s "
                 "and %s)",
                 x.cascade_version, y.cascade_version);
    else if (strcmp(x.rng, y.rng) != 0)
        snprintf(why, sizeof why,
                 "their random number generators differ (%s and %s)", x.rng,
                 y.rng);
    else if (x.parameter_uncertainty != y.parameter_uncertainty ||
             x.process_noise != y.process_noise)
        snprintf(why, sizeof why,
                 "their runs were made with different "
                 "--no-parameter-uncertainty or --no-process-noise options");
    else if (x.year_effects != y.year_effects)
        snprintf(why, sizeof why,
                 "one file's runs drew year effects and the other's did not "
                 "(--no-year-effects)");
    else if (cs_result_n_runs(a, ia) != cs_result_n_runs(b, ib))
        snprintf(why, sizeof why,
                 "their batches have different numbers of runs (%d and %d)",
                 cs_result_n_runs(a, ia), cs_result_n_runs(b, ib));
    else if (cs_result_n_months(a) != cs_result_n_months(b) ||
             strcmp(cs_result_month_label(a, 0), cs_result_month_label(b, 0)) !=
                 0)
        snprintf(why, sizeof why,
                 "their calendars differ (%s for %d months, and %s for %d)",
                 cs_result_month_label(a, 0), cs_result_n_months(a),
                 cs_result_month_label(b, 0), cs_result_n_months(b));
    /* stages may differ: tables pair by stage id and DfE category (a stage
     * a scenario lacks holds nobody) */
    if (why[0])
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: %s and %s cannot be paired run "
                            "by run: %s",
                            cs_result_path(a), cs_result_path(b), why);
    return CS_OK;
}

/* The runs done in both scenarios; *count of them. */
static int runs_done_in_both(const cs_result *a, int ia, const cs_result *b,
                             int ib, unsigned char **both, long *count,
                             cs_error *err)
{
    int n = cs_result_n_runs(a, ia);
    if (n != cs_result_n_runs(b, ib))
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: '%s' has %d runs and '%s' "
                            "%d: paired comparison needs the same runs",
                            cs_result_scenario_name(a, ia), n,
                            cs_result_scenario_name(b, ib),
                            cs_result_n_runs(b, ib));
    *both = malloc((size_t)n);
    unsigned char *other = malloc((size_t)n);
    int rc = *both && other ? cs_result_read_run_done(a, ia, *both, err)
                            : cs_error_set(err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK)
        rc = cs_result_read_run_done(b, ib, other, err);
    *count = 0;
    for (int r = 0; rc == CS_OK && r < n; r++) {
        (*both)[r] = (*both)[r] && other[r];
        *count += (*both)[r];
    }
    free(other);
    if (rc == CS_OK && *count == 0)
        rc = cs_error_set(err, CS_EINPUT,
                          "cascade compare: no run is done in both '%s' and "
                          "'%s': nothing to pair",
                          cs_result_scenario_name(a, ia),
                          cs_result_scenario_name(b, ib));
    return rc;
}

/* Constant prices are only comparable on one price basis. */
static int check_prices(const cli_table *tb, const cli_table *ta, cs_error *err)
{
    if (strcmp(tb->price_base, ta->price_base) != 0 ||
        memcmp(tb->deflator, ta->deflator,
               (size_t)tb->n_months * sizeof *tb->deflator) != 0)
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: '%s' and '%s' are priced on "
                            "different bases (price base %s and %s, or "
                            "different general inflation): constant prices "
                            "would not compare",
                            tb->scenario, ta->scenario, tb->price_base,
                            ta->price_base);
    if (tb->n_fys != ta->n_fys)
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: '%s' and '%s' have different "
                            "financial years",
                            tb->scenario, ta->scenario);
    return CS_OK;
}

/* When the alternative says which base it extends (by hash) and that is
 * not the base it is compared with, the difference includes edits to the
 * base: say so. */
static void warn_other_base(const cs_result *rb, int ib, const cs_result *ra,
                            int ia)
{
    const char *extends = cs_result_extends_hash(ra, ia);
    const char *base = cs_result_resolved_hash(rb, ib);
    if (!extends || !base || !extends[0] || strcmp(extends, base) == 0)
        return;
    /* siblings built on the same text (the combinations of a grid): the
     * difference is their own edits */
    const char *base_extends = cs_result_extends_hash(rb, ib);
    if (base_extends && strcmp(base_extends, extends) == 0)
        return;
    const char *source = cs_result_extends_source(ra, ia);
    fprintf(stderr,
            "warning: '%s' extends %s (hash %s), not the '%s' in %s (hash "
            "%s): differences include edits to the base\n",
            cs_result_scenario_name(ra, ia),
            source && source[0] ? source : "another file", extends,
            cs_result_scenario_name(rb, ib), cs_result_path(rb), base);
}

/*
 * The options of the value of information: the base first, then the
 * alternative, or (--voi-options) the scenarios named, or every other
 * scenario of the file ('all'). Named options need both in one file.
 */
static int pick_voi_options(const compare_options *o, const cs_result *rb,
                            int ib, const cs_result *ra, int ia,
                            const cs_result **results, int *scenarios, int *n,
                            cs_error *err)
{
    results[0] = rb;
    scenarios[0] = ib;
    *n = 1;
    if (!o->voi_options) {
        results[1] = ra;
        scenarios[1] = ia;
        *n = 2;
        return CS_OK;
    }
    if (ra != rb)
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: --voi-options needs the "
                            "options in one file (cascade run BASE.yaml "
                            "A.yaml B.yaml ...), not two");
    if (!strcmp(o->voi_options, "all")) {
        for (int i = 0; i < cs_result_n_scenarios(rb); i++)
            if (i != ib && *n < CLI_VOI_MAX_OPTIONS) {
                results[*n] = rb;
                scenarios[(*n)++] = i;
            }
        return CS_OK;
    }
    char list[1024];
    snprintf(list, sizeof list, "%s", o->voi_options);
    for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
        int index = -1;
        int rc = pick_scenario(rb, name, "--voi-options", &index, err);
        if (rc != CS_OK)
            return rc;
        for (int j = 0; j < *n; j++)
            if (scenarios[j] == index)
                return cs_error_set(err, CS_EINPUT,
                                    "cascade compare: --voi-options: '%s' "
                                    "is %s",
                                    name,
                                    j == 0 ? "the base (always an option)"
                                           : "named twice");
        if (*n == CLI_VOI_MAX_OPTIONS)
            return cs_error_set(err, CS_EINPUT,
                                "cascade compare: --voi-options: at most %d "
                                "options",
                                CLI_VOI_MAX_OPTIONS);
        results[*n] = rb;
        scenarios[(*n)++] = index;
    }
    if (*n < 2)
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: --voi-options: expected "
                            "scenario names separated by commas, or 'all', "
                            "found '%s'",
                            o->voi_options);
    return CS_OK;
}

static int voi_compute(const compare_options *o, const cs_result *rb, int ib,
                       const cs_result *ra, int ia, const cs_discount *discount,
                       cli_voi *v, cs_error *err)
{
    const cs_result *results[CLI_VOI_MAX_OPTIONS];
    int scenarios[CLI_VOI_MAX_OPTIONS], n = 0, n_grid = 0;
    double grid[CLI_VOI_MAX_GRID];
    int rc = CS_OK;
    if (o->wtp_grid)
        rc = cli_voi_parse_grid(o->wtp_grid, grid, &n_grid, err);
    if (rc == CS_OK)
        rc = pick_voi_options(o, rb, ib, ra, ia, results, scenarios, &n, err);
    if (rc == CS_OK)
        rc = cli_voi_compute(results, scenarios, n, o->wtp, discount, grid,
                             n_grid, v, err);
    return rc;
}

static int write_voi_csv(const compare_options *o, const cli_voi *v,
                         cs_error *err)
{
    const char *inputs[2] = {o->path, o->alt_path};
    cli_outfile out;
    int rc = cli_outfile_open(&out, "--voi-csv", o->voi_csv, 1, "", inputs,
                              o->alt_path ? 2 : 1, err);
    if (rc != CS_OK)
        return rc;
    cli_voi_write_csv(out.file, v);
    return cli_outfile_commit(&out, err);
}

/* The base scenario's discount: its recorded schedule, else (a file
 * from before the declining rate) its constant discount_rate; a format 1
 * file records neither. */
static int recorded_discount(const compare_options *o, const cs_result *rb,
                             int ib, const cli_table *tb, cs_discount *discount,
                             cs_error *err)
{
    const char *schedule = cs_result_discount_schedule(rb, ib);
    if (schedule) {
        cs_error why;
        if (cs_discount_parse(schedule, discount, &why) != CS_OK)
            return cs_error_set(err, CS_EINPUT,
                                "cascade compare: %s: scenario '%s': "
                                "attribute discount_schedule: %s",
                                o->path, tb->scenario, why.message);
        return CS_OK;
    }
    double rate = cs_result_discount_rate(rb, ib);
    if (isnan(rate))
        return cs_error_set(err, CS_EINPUT,
                            "cascade compare: %s does not record the "
                            "discount rate of '%s' (a format %d file): "
                            "give one with --discount, e.g. --discount "
                            "3.5%% or --discount green_book",
                            o->path, tb->scenario,
                            cs_result_format_version(rb));
    cs_discount_constant(discount, rate);
    return CS_OK;
}

int cli_compare(int argc, char **argv)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    compare_options o;
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    cli_cleanup_install("cascade compare");
    cs_error err;
    cs_result *rb = NULL, *ra = NULL; /* ra: == rb for one file */
    cli_table tb, ta;
    memset(&tb, 0, sizeof tb);
    memset(&ta, 0, sizeof ta);
    comparison c;
    memset(&c, 0, sizeof c);
    cli_voi voi;
    memset(&voi, 0, sizeof voi);
    unsigned char *both = NULL;
    long paired = 0;
    int ib = -1, ia = -1;
    int rc = cs_result_open(o.path, &rb, &err);
    if (rc == CS_OK && o.alt_path) {
        rc = cs_result_open(o.alt_path, &ra, &err);
        if (rc == CS_OK)
            rc = pick_scenario(rb, o.base, "--base", &ib, &err);
        if (rc == CS_OK)
            rc = pick_scenario(ra, o.alt, "--alt", &ia, &err);
        if (rc == CS_OK)
            rc = check_twins(rb, ib, ra, ia, &err);
    } else if (rc == CS_OK) {
        ra = rb;
        rc = pick_in_one_file(rb, &o, &ib, &ia, &err);
    }
    if (rc == CS_OK)
        rc = runs_done_in_both(rb, ib, ra, ia, &both, &paired, &err);
    if (rc == CS_OK)
        rc = cli_table_from_result(rb, ib, both, &tb, &err);
    if (rc == CS_OK)
        rc = cli_table_from_result(ra, ia, both, &ta, &err);
    if (rc == CS_OK)
        rc = check_prices(&tb, &ta, &err);
    cs_discount discount = o.discount;
    if (rc == CS_OK && discount.n_steps == 0)
        rc = recorded_discount(&o, rb, ib, &tb, &discount, &err);
    if (rc == CS_OK)
        rc = compute(&tb, &ta, &discount, &c, &err);
    if (rc == CS_OK && o.wtp >= 0)
        rc = voi_compute(&o, rb, ib, ra, ia, &discount, &voi, &err);
    if (rc == CS_OK) {
        char runs_text[200];
        if (paired == tb.n_runs)
            snprintf(runs_text, sizeof runs_text, "over %ld runs", paired);
        else
            snprintf(runs_text, sizeof runs_text,
                     "over the %ld of %ld runs done in both (the batch is "
                     "incomplete)",
                     paired, tb.n_runs);
        warn_other_base(rb, ib, ra, ia);
        if (o.full_tables)
            print_comparison(&c, &tb, &ta, runs_text);
        else
            print_headline(&c, &tb, &ta, runs_text);
        if (o.wtp >= 0)
            cli_voi_print(&voi);
    }
    if (ra != rb)
        cs_result_close(ra);
    cs_result_close(rb);
    if (rc == CS_OK && o.csv)
        rc = write_csv_file(&o, &c, &tb, &ta, &err);
    if (rc == CS_OK && o.voi_csv)
        rc = write_voi_csv(&o, &voi, &err);
    int wrote_group = 0;
    if (rc == CS_OK && !o.no_write && !o.alt_path) {
        rc = write_group(o.path, &c, &tb, &ta, &err);
        wrote_group = rc == CS_OK;
    }
    if (rc == CS_OK && wrote_group && o.wtp >= 0) {
        char group[2 * CS_ID_MAX + 24];
        snprintf(group, sizeof group, "compare/%s_vs_%s/voi", ta.scenario,
                 tb.scenario);
        rc = cli_voi_write_group(o.path, group, &voi, &err);
    }
    if (rc == CS_OK)
        print_footer(&o, &tb, &ta, wrote_group, &started);
    if (rc != CS_OK)
        fprintf(stderr, "%s\n", err.message);
    free(both);
    free_comparison(&c);
    cli_voi_free(&voi);
    cli_table_free(&tb);
    cli_table_free(&ta);
    return cli_exit_status(rc);
}
