/*
 * check_published.c - check the published series shipped in scenarios/data
 * load and hold together:
 *
 *   check_published DIR [DATA_DOC]
 *
 * - la-csc-2013-2019.csv: 150 councils and England, every one with a
 *   population for every year 2013-2019, every name finding its own area;
 * - England's 2019 figures there equal the England file's (78,140 looked
 *   after, 52,260 on CP plans, 399,510 children in need, 650,930 referrals);
 * - the councils add up to England within 3% for every measure and year
 *   (SOURCES.md: within 1% but for suppressed councils in 2013, -2.8% at
 *   most), and the populations exactly;
 * - la-cla-by-age-2013-2019.csv combines with it, and where all five age
 *   bands are published they sum exactly to a council's looked-after total
 *   (England's, each figure rounded to 10, within 25);
 * - the England summary combines with the detail file;
 * - the council file (England's looked-after figures for 2013-2017 as first
 *   published) and the England summary (the current series) do not combine,
 *   as docs/data.md says;
 * - with DATA_DOC (docs/data.md): the page names every canonical measure
 *   and every measure of the detail file (read or not read), so it stays
 *   true when either changes.
 *
 * Prints what it checked; exits 1 if any check fails.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/data.h"
#include "data/csv.h"

static int failures;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        failures++;
}

static cs_series *load(const char *dir, const char *const *files, int n,
                       cs_error *err, int *rc)
{
    cs_series *s = NULL;
    if (cs_series_create(&s, err))
        exit(1);
    *rc = CS_OK;
    for (int i = 0; i < n && *rc == CS_OK; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        *rc = cs_series_load(s, path, err);
    }
    return s;
}

static cs_series *load_ok(const char *dir, const char *const *files, int n)
{
    cs_error err;
    int rc;
    cs_series *s = load(dir, files, n, &err, &rc);
    if (rc) {
        printf("FAIL loading: %s\n", err.message);
        exit(1);
    }
    return s;
}

static double get(const cs_series *s, int area, const char *measure, int year)
{
    double v;
    return cs_series_get(s, area, cs_series_find_measure(measure), year, &v)
               ? v
               : NAN;
}

static void check_councils(const cs_series *la)
{
    char what[256];
    int n = cs_series_n_areas(la), england = -1, councils = 0, complete = 1;
    int named = 1;
    cs_error err;
    for (int a = 0; a < n; a++) {
        if (strcmp(cs_series_area_code(la, a), CS_SERIES_ENGLAND_CODE) == 0)
            england = a;
        else if (cs_series_area_region(la, a)[0])
            councils++;
        for (int y = 2013; y <= 2019; y++)
            complete &= !isnan(get(la, a, "population_0_17", y));
        int found = -1;
        if (cs_series_find_area(la, cs_series_area_name(la, a), &found, &err) ||
            found != a) {
            printf("     '%s' does not find itself\n",
                   cs_series_area_name(la, a));
            named = 0;
        }
    }
    snprintf(what, sizeof what,
             "la-csc: %d areas: %d councils with a region and England", n,
             councils);
    check(n == 151 && councils == 150 && england >= 0, what);
    check(complete, "la-csc: every area has a population for 2013-2019");
    check(named, "la-csc: every area's name finds it, unambiguously");

    static const char *const wide[] = {
        "population_0_17", "referrals",    "cin_31_march", "cpp_31_march",
        "cpp_starts",      "cla_31_march", "cla_starts",   "cla_ceased"};
    double worst = 0, pop_worst = 0;
    for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++)
        for (int y = 2013; y <= 2019; y++) {
            double sum = 0, total = get(la, england, wide[k], y);
            for (int a = 0; a < n; a++) {
                double v = get(la, a, wide[k], y);
                if (a != england && !isnan(v))
                    sum += v;
            }
            double rel = fabs(sum / total - 1);
            if (k == 0 && rel > pop_worst)
                pop_worst = rel;
            if (rel > worst)
                worst = rel;
        }
    snprintf(what, sizeof what,
             "la-csc: councils sum to England within 3%% (worst %.2f%%), "
             "populations exactly (worst %.2g)",
             100 * worst, pop_worst);
    check(worst <= 0.03 && pop_worst < 1e-9, what);
}

static void check_england_2019(const cs_series *la, const cs_series *eng)
{
    static const struct {
        const char *measure;
        double published;
    } want[] = {{"cla_31_march", 78140},
                {"cpp_31_march", 52260},
                {"cin_31_march", 399510},
                {"referrals", 650930}};
    int a, e;
    cs_error err;
    if (cs_series_find_area(la, "England", &a, &err) ||
        cs_series_find_area(eng, "E92000001", &e, &err)) {
        check(0, err.message);
        return;
    }
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char what[160];
        double x = get(la, a, want[i].measure, 2019);
        double y = get(eng, e, want[i].measure, 2019);
        snprintf(what, sizeof what,
                 "England 2019 %s: council file %.0f, England file %.0f, "
                 "published %.0f",
                 want[i].measure, x, y, want[i].published);
        check(x == want[i].published && y == want[i].published, what);
    }
}

static void check_age_bands(const cs_series *s)
{
    static const char *const bands[] = {
        "cla_31_march_age_under_1", "cla_31_march_age_1_to_4",
        "cla_31_march_age_5_to_9", "cla_31_march_age_10_to_15",
        "cla_31_march_age_16_and_over"};
    int checked = 0, wrong = 0;
    double england_worst = 0;
    for (int a = 0; a < cs_series_n_areas(s); a++)
        for (int y = 2013; y <= 2017; y++) {
            double sum = 0;
            int all = 1;
            for (int b = 0; b < 5; b++) {
                double v = get(s, a, bands[b], y);
                all &= !isnan(v);
                sum += isnan(v) ? 0 : v;
            }
            double total = get(s, a, "cla_31_march", y);
            if (!all || isnan(total))
                continue;
            /* England's figures are each rounded to 10: the five bands can
             * miss the total by up to 25. */
            int england =
                strcmp(cs_series_area_code(s, a), CS_SERIES_ENGLAND_CODE) == 0;
            if (england) {
                england_worst = fmax(england_worst, fabs(sum - total));
                continue;
            }
            checked++;
            if (sum != total) {
                wrong++;
                printf("     %s %d: bands %.0f, total %.0f\n",
                       cs_series_area_code(s, a), y, sum, total);
            }
        }
    char what[160];
    snprintf(what, sizeof what,
             "la-csc + by-age: age bands sum to the looked-after total in "
             "all %d council-years with every band published",
             checked);
    check(checked > 600 && wrong == 0, what);
    snprintf(what, sizeof what,
             "la-csc + by-age: England's age bands within 25 of its total "
             "(worst %.0f)",
             england_worst);
    check(england_worst <= 25, what);
}

static char *read_text(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = malloc(1 << 22);
    *size = text ? fread(text, 1, (1 << 22) - 1, f) : 0;
    fclose(f);
    if (text)
        text[*size] = '\0';
    return text;
}

/* docs/data.md names every canonical measure (as `name`) and every measure
 * of the detail file as published. */
static void check_doc(const char *dir, const char *doc_path)
{
    size_t doc_size, size;
    char *doc = read_text(doc_path, &doc_size);
    char path[1024];
    snprintf(path, sizeof path, "%s/england-csc-detail-2008-2019.csv", dir);
    char *detail = read_text(path, &size);
    if (!doc || !detail) {
        check(0, "reading docs/data.md and the detail file");
        free(doc);
        free(detail);
        return;
    }
    int missing = 0;
    for (int m = 0; m < cs_series_n_measures(); m++) {
        char name[96];
        snprintf(name, sizeof name, "`%s`", cs_series_measure(m)->name);
        if (!strstr(doc, name)) {
            printf("     %s is not in %s\n", name, doc_path);
            missing++;
        }
    }
    csv_reader r;
    cs_error err;
    int rows = 0, rc = csv_open(&r, path, detail, size, &err);
    while (rc == CS_OK && (rc = csv_next(&r, &err)) == 1) {
        rc = CS_OK;
        if (rows++ == 0 || r.n_fields < 2)
            continue; /* the header */
        if (!strstr(doc, r.fields[1].text)) {
            printf("     '%s' is not in %s\n", r.fields[1].text, doc_path);
            missing++;
        }
    }
    csv_close(&r);
    char what[160];
    snprintf(what, sizeof what,
             "docs/data.md names all %d measures and the measures of all %d "
             "rows of the detail file",
             cs_series_n_measures(), rows - 1);
    check(rc == 0 && missing == 0 && rows > 500, what);
    free(doc);
    free(detail);
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: check_published DIR [DATA_DOC]\n");
        return 2;
    }
    const char *dir = argv[1];
    static const char *const la_files[] = {"la-csc-2013-2019.csv",
                                           "la-cla-by-age-2013-2019.csv"};
    static const char *const eng_files[] = {"england-csc-2013-2019.csv",
                                            "england-csc-detail-2008-2019.csv"};
    static const char *const clash[] = {"la-csc-2013-2019.csv",
                                        "england-csc-2013-2019.csv"};

    cs_series *la = load_ok(dir, la_files, 1);
    cs_series *eng = load_ok(dir, eng_files, 1);
    check_councils(la);
    check_england_2019(la, eng);
    cs_series_free(la);
    cs_series_free(eng);

    cs_series *both = load_ok(dir, la_files, 2);
    check_age_bands(both);
    cs_series_free(both);

    cs_series *england = load_ok(dir, eng_files, 2);
    int first, last;
    cs_series_years(england, &first, &last);
    char what[160];
    snprintf(what, sizeof what,
             "England summary + detail combine: 1 area, years %d-%d", first,
             last);
    check(cs_series_n_areas(england) == 1 && first == 2008 && last == 2019,
          what);
    cs_series_free(england);

    cs_error err;
    int rc;
    cs_series *s = load(dir, clash, 2, &err, &rc);
    check(rc == CS_EINPUT && strstr(err.message, "cla_31_march for England "
                                                 "(E92000001) in 2013"),
          "la-csc + England summary refuse to combine (England looked after "
          "2013: 68,110 as first published, 68,060 current)");
    cs_series_free(s);

    if (argc == 3)
        check_doc(dir, argv[2]);
    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
