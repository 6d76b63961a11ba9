/*
 * figures.c - the published figures beside the fitted model for the fit
 * years (figures.h), from what the output file records.
 *
 * Published figures are printed as published (whole children); fitted
 * values rounded to whole children. At the window's first year the model
 * started from the published stocks: the fitted cell says "(start)".
 */
#include "figures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

int cli_figures_read(const cs_result *result, int scenario,
                     cs_output_figures **out, cs_error *err)
{
    *out = NULL;
    cs_output_figures *f = malloc(sizeof *f);
    if (!f)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    int present = 0;
    int rc = cs_result_read_figures(result, scenario, f, &present, err);
    if (rc != CS_OK || !present) {
        free(f);
        return rc;
    }
    *out = f;
    return CS_OK;
}

int cli_figures_same(const cs_output_figures *a, const cs_output_figures *b)
{
    if (!a || !b || a->n_measures != b->n_measures ||
        a->first_year != b->first_year || a->last_year != b->last_year ||
        strcmp(a->area_code, b->area_code) || strcmp(a->source, b->source))
        return 0;
    int years = a->last_year - a->first_year + 1;
    for (int m = 0; m < a->n_measures; m++) {
        if (strcmp(a->measure[m], b->measure[m]))
            return 0;
        for (int y = 0; y < years; y++) {
            double p = a->published[m][y], q = b->published[m][y];
            double r = a->fitted[m][y], s = b->fitted[m][y];
            if (!(p == q || (isnan(p) && isnan(q))) ||
                !(r == s || (isnan(r) && isnan(s))))
                return 0;
        }
    }
    return 1;
}

static int find(const cs_output_figures *f, const char *measure)
{
    for (int m = 0; m < f->n_measures; m++)
        if (!strcmp(f->measure[m], measure))
            return m;
    return -1;
}

/* A published (fitted 0) or fitted cell of measure m, year index y. */
static void cell(const cs_output_figures *f, int m, int y, int fitted,
                 char *out, size_t size)
{
    double v = fitted ? f->fitted[m][y] : f->published[m][y];
    if (!isnan(v))
        cli_format_count(v, out, size);
    else if (fitted && y == 0 && !isnan(f->published[m][0]))
        snprintf(out, size, "(start)");
    else
        snprintf(out, size, "-");
}

static const char *area_label(const cs_output_figures *f, char *out,
                              size_t size)
{
    if (!strcmp(f->area_code, "E92000001") || !strcmp(f->area_name, "England"))
        snprintf(out, size, "England");
    else
        snprintf(out, size, "%s (%s)", f->area_name, f->area_code);
    return out;
}

static void print_right(const char *text, int width)
{
    int pad = width - cli_display_width(text);
    printf("%*s%s", pad > 0 ? pad : 0, "", text);
}

/* The headline shows the last years of the window at most. */
#define HEADLINE_YEARS 6

void cli_figures_print_headline(const cs_output_figures *f, const char *file)
{
    static const char *const measures[3] = {"cla_31_march", "cpp_31_march",
                                            "cin_31_march"};
    static const char *const names[3] = {"looked after", "on a CP plan",
                                         "in need (all CIN)"};
    int row[3], n = 0;
    const char *label[3];
    for (int i = 0; i < 3; i++) {
        int m = find(f, measures[i]);
        if (m >= 0) {
            row[n] = m;
            label[n++] = names[i];
        }
    }
    char area[160];
    area_label(f, area, sizeof area);
    /* the years fitted (the first is the start), the last few */
    int first = f->first_year + 1, last = f->last_year;
    if (last - first + 1 > HEADLINE_YEARS)
        first = last - HEADLINE_YEARS + 1;
    if (n == 0) {
        printf("Fitted to the figures %s published, %d to %d: every figure, "
               "cascade "
               "summary %s\n",
               area, f->first_year, f->last_year, file);
        return;
    }
    printf(
        "Fit years, children at 31 March: the figures %s published and "
        "the fitted model's\n(one year ahead from the 31 March before; every "
        "figure fitted: cascade summary)\n",
        area);
    char text[HEADLINE_YEARS][2][3][CLI_NUMBER_MAX];
    int width[HEADLINE_YEARS];
    for (int y = first; y <= last; y++) {
        int j = y - first;
        width[j] = 4;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 2; k++) {
                cell(f, row[i], y - f->first_year, k, text[j][k][i],
                     CLI_NUMBER_MAX);
                int w = cli_display_width(text[j][k][i]);
                if (w > width[j])
                    width[j] = w;
            }
    }
    printf("%-30s", "");
    for (int y = first; y <= last; y++) {
        char head[16];
        snprintf(head, sizeof head, "%d", y);
        printf("  ");
        print_right(head, width[y - first]);
    }
    printf("\n");
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            printf("  %-17s  %-9s", k ? "" : label[i],
                   k ? "fitted" : "published");
            for (int y = first; y <= last; y++) {
                printf("  ");
                print_right(text[y - first][k][i], width[y - first]);
            }
            printf("\n");
        }
}

static const char *kind_label(const char *kind)
{
    return !strcmp(kind, "stock")  ? "stock at 31 March"
           : !strcmp(kind, "flow") ? "flow during the year to 31 March"
           : !strcmp(kind, "population")
               ? "the ONS mid-year estimate used for the year"
               : kind;
}

void cli_figures_print_full(const cs_output_figures *f)
{
    int years = f->last_year - f->first_year + 1;
    char area[160];
    printf("Fitted to the figures %s published, DfE years to 31 March %d to "
           "%d\n(%s).\n"
           "published: the figure the fit read; fitted: the fitted model's "
           "value, one year\nahead from the published stocks at the 31 March "
           "before; (start): the model\nstarted from the published figure; -: "
           "none\n",
           area_label(f, area, sizeof area), f->first_year, f->last_year,
           f->source);
    /* one width for every year column */
    int width = 4;
    for (int m = 0; m < f->n_measures; m++)
        for (int y = 0; y < years; y++)
            for (int k = 0; k < 2; k++) {
                char text[CLI_NUMBER_MAX];
                cell(f, m, y, k, text, sizeof text);
                int w = cli_display_width(text);
                if (w > width)
                    width = w;
            }
    printf("%-11s", "year");
    for (int y = 0; y < years; y++) {
        char head[16];
        snprintf(head, sizeof head, "%d", f->first_year + y);
        printf("  ");
        print_right(head, width);
    }
    printf("\n");
    for (int m = 0; m < f->n_measures; m++) {
        printf("%s (%s, %s)\n", f->measure[m], kind_label(f->kind[m]),
               f->unit[m]);
        for (int k = 0; k < 2; k++) {
            printf("  %-9s", k ? "fitted" : "published");
            for (int y = 0; y < years; y++) {
                char text[CLI_NUMBER_MAX];
                cell(f, m, y, k, text, sizeof text);
                printf("  ");
                print_right(text, width);
            }
            printf("\n");
        }
    }
}

void cli_figures_write_csv(FILE *out, const char *scenario,
                           const cs_output_figures *f)
{
    int years = f->last_year - f->first_year + 1;
    for (int m = 0; m < f->n_measures; m++)
        for (int y = 0; y < years; y++)
            for (int k = 0; k < 2; k++) {
                double v = k ? f->fitted[m][y] : f->published[m][y];
                if (isnan(v))
                    continue;
                int year = f->first_year + y;
                fprintf(out, "%s,%s,%04d/%02d,,%s,%s,%.17g\n", scenario,
                        f->measure[m], year - 1, year % 100, f->unit[m],
                        k ? "fitted" : "published", v);
            }
}
