/*
 * test_data_series.c - the published-series reader (engine/data): the four
 * formats, suppression codes, every rule for bad input with its exact
 * message, combining files, finding areas by code or name, and random bytes.
 *
 * Fixtures are in tests/data/series (README.md there says what each holds).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/data.h"

#define PATH_LEN 1024

static const char *fixture(char *buf, const char *file)
{
    const char *dir = getenv("CS_TEST_DATA");
    snprintf(buf, PATH_LEN, "%s/series/%s", dir ? dir : "tests/data", file);
    return buf;
}

static cs_series *new_series(void)
{
    cs_series *s = NULL;
    cs_error err;
    ck_assert_int_eq(cs_series_create(&s, &err), CS_OK);
    ck_assert_ptr_nonnull(s);
    return s;
}

static void load_ok(cs_series *s, const char *file)
{
    char path[PATH_LEN];
    cs_error err;
    int rc = cs_series_load(s, fixture(path, file), &err);
    ck_assert_msg(rc == CS_OK, "loading %s: expected success, got %d: %s", path,
                  rc, err.message);
}

static cs_series *load_new(const char *file)
{
    cs_series *s = new_series();
    load_ok(s, file);
    return s;
}

/* Loading file must fail with CS_EINPUT and exactly "PATH" + suffix. */
static void expect_file_error(const char *file, const char *suffix)
{
    char path[PATH_LEN], want[2 * PATH_LEN];
    cs_series *s = new_series();
    cs_error err;
    int rc = cs_series_load(s, fixture(path, file), &err);
    snprintf(want, sizeof want, "%s%s", path, suffix);
    ck_assert_msg(rc == CS_EINPUT, "%s: expected CS_EINPUT, got %d (%s)", file,
                  rc, rc ? err.message : "loaded");
    ck_assert_msg(strcmp(err.message, want) == 0,
                  "%s:\n expected '%s'\n got      '%s'", file, want,
                  err.message);
    ck_assert_int_eq(cs_series_n_areas(s), 0);
    cs_series_free(s);
}

/* The same for text in memory called "t.csv". */
static void expect_text_error(const char *text, const char *want)
{
    cs_series *s = new_series();
    cs_error err;
    int rc = cs_series_load_buffer(s, "t.csv", text, strlen(text), &err);
    ck_assert_msg(rc == CS_EINPUT, "'%s': expected CS_EINPUT, got %d (%s)",
                  text, rc, rc ? err.message : "loaded");
    ck_assert_msg(strcmp(err.message, want) == 0,
                  "'%s':\n expected '%s'\n got      '%s'", text, want,
                  err.message);
    cs_series_free(s);
}

static cs_series *text_ok(const char *text)
{
    cs_series *s = new_series();
    cs_error err;
    int rc = cs_series_load_buffer(s, "t.csv", text, strlen(text), &err);
    ck_assert_msg(rc == CS_OK, "'%s': expected success, got %d: %s", text, rc,
                  err.message);
    return s;
}

static int measure(const char *name)
{
    int m = cs_series_find_measure(name);
    ck_assert_msg(m >= 0, "measure %s unknown", name);
    return m;
}

static int area(const cs_series *s, const char *query)
{
    int a = -1;
    cs_error err;
    int rc = cs_series_find_area(s, query, &a, &err);
    ck_assert_msg(rc == CS_OK, "area '%s': %s", query, err.message);
    return a;
}

/* Observed value, failing the test if missing. */
static double value(const cs_series *s, int a, const char *name, int year)
{
    double v = NAN;
    ck_assert_msg(cs_series_get(s, a, measure(name), year, &v) == 1,
                  "%s %s %d: expected a value, found none",
                  cs_series_area_code(s, a), name, year);
    return v;
}

static int missing(const cs_series *s, int a, const char *name, int year)
{
    double v;
    return cs_series_get(s, a, measure(name), year, &v) == 0;
}

/* ---- the formats -------------------------------------------------------- */

START_TEST(test_england_summary_loads)
{
    cs_series *s = load_new("england-summary.csv");
    ck_assert_int_eq(cs_series_n_areas(s), 1);
    int e = area(s, "England");
    ck_assert_str_eq(cs_series_area_code(s, e), "E92000001");
    ck_assert_str_eq(cs_series_area_name(s, e), "England");
    ck_assert_str_eq(cs_series_area_region(s, e), "");
    ck_assert_double_eq(value(s, e, "population_0_17", 2017), 1000);
    ck_assert_double_eq(value(s, e, "rereferral_pct", 2018), 22.5);
    ck_assert_double_eq(value(s, e, "cla_ceased", 2019), 56);
    ck_assert(missing(s, e, "cin_31_march", 2019)); /* no such column */
    ck_assert(missing(s, e, "cla_31_march", 2016)); /* no such row */
    int first, last;
    cs_series_years(s, &first, &last);
    ck_assert_int_eq(first, 2017);
    ck_assert_int_eq(last, 2019);
    cs_series_free(s);
}
END_TEST

START_TEST(test_council_summary_names_regions_suppression)
{
    cs_series *s = load_new("council-summary.csv");
    ck_assert_int_eq(cs_series_n_areas(s), 6);
    int hull = area(s, "E06000010");
    ck_assert_str_eq(cs_series_area_name(s, hull),
                     "Kingston upon Hull, City of");
    ck_assert_str_eq(cs_series_area_region(s, hull),
                     "Yorkshire and The Humber");
    ck_assert_double_eq(value(s, hull, "cla_31_march", 2019), 810);
    ck_assert(missing(s, hull, "cpp_31_march", 2019)); /* c */
    ck_assert_double_eq(value(s, hull, "cpp_31_march", 2018), 400);
    /* City of London: x [z] low .. : - ~ * are all missing, not zero;
     * population is observed. */
    int col = area(s, "City of London");
    static const char *const suppressed[] = {"referrals", "cin_31_march",
                                             "cpp_31_march", "cla_31_march"};
    for (int y = 2018; y <= 2019; y++) {
        ck_assert_double_eq(value(s, col, "population_0_17", y),
                            y == 2018 ? 1000 : 1010);
        for (int i = 0; i < 4; i++)
            ck_assert_msg(missing(s, col, suppressed[i], y),
                          "%s %d should be missing", suppressed[i], y);
    }
    int bh = area(s, "Brighton and Hove");
    ck_assert(missing(s, bh, "cpp_31_march", 2018)); /* [c] */
    ck_assert(missing(s, bh, "cpp_31_march", 2019)); /* [X] */
    int e = area(s, "england");
    ck_assert_double_eq(value(s, e, "cla_31_march", 2019), 78140);
    ck_assert_str_eq(cs_series_area_region(s, e), "");
    cs_series_free(s);
}
END_TEST

START_TEST(test_council_by_age_loads)
{
    cs_series *s = load_new("council-by-age.csv");
    int leeds = area(s, "Leeds");
    ck_assert_double_eq(value(s, leeds, "cla_31_march_age_under_1", 2017), 70);
    ck_assert_double_eq(value(s, leeds, "cla_31_march_age_16_and_over", 2017),
                        280);
    ck_assert(missing(s, leeds, "cla_31_march_uasc", 2017)); /* empty */
    ck_assert(missing(s, area(s, "City of London"), "cla_31_march_uasc", 2017));
    const cs_measure_info *m =
        cs_series_measure(measure("cla_31_march_age_16_and_over"));
    ck_assert_int_eq(m->kind, CS_OBS_STOCK);
    ck_assert_int_eq(m->age_lo, 16);
    ck_assert_int_eq(m->age_hi, 17);
    cs_series_free(s);
}
END_TEST

/* BOM, CRLF, quoted fields with commas and doubled quotes; which rows are
 * read and which skipped; the mid-year population moves to the next year. */
START_TEST(test_detail_file_mapping)
{
    cs_series *s = load_new("england-detail.csv");
    ck_assert_int_eq(cs_series_n_areas(s), 1);
    int e = area(s, "E92000001");
    /* The current series, not the "as first published" 135. */
    ck_assert_double_eq(value(s, e, "cla_31_march", 2018), 130);
    /* mid-2017 is the population used for the year to 31 March 2018. */
    ck_assert_double_eq(value(s, e, "population_0_17", 2018), 1010);
    ck_assert(missing(s, e, "population_0_17", 2017));
    ck_assert_double_eq(value(s, e, "cla_starts_age_16_and_over", 2019), 12);
    ck_assert_double_eq(value(s, e, "cla_ceased_aged_18_plus", 2019), 20);
    ck_assert_double_eq(value(s, e, "births_england_wales", 2018), 657076);
    /* Only those five figures were read. */
    int n = 0;
    for (int m = 0; m < cs_series_n_measures(); m++)
        for (int y = CS_SERIES_YEAR_MIN; y <= CS_SERIES_YEAR_MAX; y++)
            n += cs_series_get(s, e, m, y, NULL);
    ck_assert_int_eq(n, 5);
    cs_series_free(s);
}
END_TEST

START_TEST(test_quoted_fields_rfc4180)
{
    cs_series *s = text_ok("year_to_31_march,la_code,la_name,cla_31_march\n"
                           "2019,X1,\"The \"\"Quoted\"\", Council\",5\n"
                           "\"2019\",X2,\"Two\nLines\",\"6\"\n");
    ck_assert_str_eq(cs_series_area_name(s, 0), "The \"Quoted\", Council");
    ck_assert_str_eq(cs_series_area_name(s, 1), "Two\nLines");
    ck_assert_double_eq(value(s, 1, "cla_31_march", 2019), 6);
    cs_series_free(s);
    /* An error after a field spanning lines names the right line. */
    expect_text_error("year_to_31_march,la_code,la_name,cla_31_march\n"
                      "2019,X2,\"Two\nLines\",bad\n",
                      "t.csv:3:8: cla_31_march: expected a count >= 0, found "
                      "'bad'");
}
END_TEST

START_TEST(test_line_ends_bom_blank_lines)
{
    static const char *const texts[] = {
        "year_to_31_march,cla_31_march\r\n2018,5\r\n2019,6\r\n",
        "\xEF\xBB\xBFyear_to_31_march,cla_31_march\n2018,5\n2019,6",
        "year_to_31_march,cla_31_march\r2018,5\r2019,6\r",
        "year_to_31_march,cla_31_march\n\n2018,5\n   \n2019,6\n\n\n",
    };
    for (int i = 0; i < 4; i++) {
        cs_series *s = text_ok(texts[i]);
        ck_assert_double_eq(value(s, 0, "cla_31_march", 2018), 5);
        ck_assert_double_eq(value(s, 0, "cla_31_march", 2019), 6);
        cs_series_free(s);
    }
    /* The column after a BOM counts from the first character. */
    expect_text_error("\xEF\xBB\xBFyear_to_31_march,cla_31_march\n2019,x1\n",
                      "t.csv:2:6: cla_31_march: expected a count >= 0, found "
                      "'x1'");
}
END_TEST

START_TEST(test_suppression_codes_are_missing_not_zero)
{
    static const char *const codes[] = {
        "",  "c", "C",   "x",   "X",   "z",     "low", "LOW", "k",
        "u", "w", "[c]", "[x]", "[z]", "[low]", "[k]", "[u]", "[w]",
        ":", "~", "..",  ".",   "-",   "*",     " c ",
    };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "year_to_31_march,cla_31_march,cla_starts\n2019,%s,0\n",
                 codes[i]);
        cs_series *s = text_ok(text);
        ck_assert_msg(missing(s, 0, "cla_31_march", 2019),
                      "'%s' should read as missing", codes[i]);
        ck_assert_double_eq(value(s, 0, "cla_starts", 2019), 0);
        cs_series_free(s);
    }
}
END_TEST

START_TEST(test_number_forms)
{
    cs_series *s = text_ok("year_to_31_march,cla_31_march,cla_starts,"
                           "rereferral_pct\n 2019 , 1.5e3 ,+12,100\n"
                           "2018,0.5,-0,0\n");
    ck_assert_double_eq(value(s, 0, "cla_31_march", 2019), 1500);
    ck_assert_double_eq(value(s, 0, "cla_starts", 2019), 12);
    ck_assert_double_eq(value(s, 0, "rereferral_pct", 2019), 100);
    ck_assert_double_eq(value(s, 0, "cla_31_march", 2018), 0.5);
    ck_assert(!signbit(value(s, 0, "cla_starts", 2018)));
    cs_series_free(s);
    static const char *const bad[] = {"0x10",  "1,000", "nan",  "inf",
                                      "12abc", "1e",    "e5",   ".",
                                      "+",     "1 2",   "-inf", "1e400"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[128], want[256];
        snprintf(text, sizeof text,
                 "year_to_31_march,cla_31_march\n2019,\"%s\"\n", bad[i]);
        if (strcmp(bad[i], ".") == 0)
            continue; /* a suppression symbol */
        snprintf(want, sizeof want,
                 "t.csv:2:6: cla_31_march: expected a count >= 0, found '%s'",
                 bad[i]);
        expect_text_error(text, want);
    }
}
END_TEST

/* ---- bad files: the rules, each with its message ------------------------ */

START_TEST(test_missing_required_column)
{
    expect_file_error(
        "bad-missing-column.csv",
        ":1:1: header: expected a column 'la_name' (council summary format: "
        "year_to_31_march, la_code, la_name, region, then measure columns "
        "(population_0_17, referrals, ...), geography_note), found none in "
        "'year_to_31_march,la_code,region,cla_31_march'");
    expect_text_error("la_code,la_name,cla_31_march\nE1,A,5\n",
                      "t.csv:1:1: header: expected a column "
                      "'year_to_31_march' (council summary format: "
                      "year_to_31_march, la_code, la_name, region, then "
                      "measure columns (population_0_17, referrals, ...), "
                      "geography_note), found none in "
                      "'la_code,la_name,cla_31_march'");
    expect_text_error("section,measure,year,unit\na,b,2019,c\n",
                      "t.csv:1:1: header: expected a column 'value' (England "
                      "detail format: section, measure, year, value, unit, "
                      "status, source), found none in "
                      "'section,measure,year,unit'");
}
END_TEST

START_TEST(test_unknown_header_lists_formats)
{
    expect_file_error(
        "bad-unknown-header.csv",
        ":1:1: header: expected the columns of one of the published formats: "
        "England summary (year_to_31_march, then measure columns "
        "(population_0_17, referrals, ...)); council summary "
        "(year_to_31_march, la_code, la_name, region, then measure columns "
        "(population_0_17, referrals, ...), geography_note); council by "
        "measure (year_to_31_march, la_code, la_name, measure, value); "
        "England detail (section, measure, year, value, unit, status, "
        "source); found 'date,area,count'");
}
END_TEST

START_TEST(test_unknown_and_duplicate_columns)
{
    expect_file_error(
        "bad-unknown-column.csv",
        ":1:18: header: expected a column of the England summary format "
        "(year_to_31_march, then measure columns (population_0_17, "
        "referrals, ...)), found 'cla_31_mar' (did you mean "
        "'cla_31_march'?)");
    expect_text_error("year_to_31_march,cla_starts,cla_starts\n2019,1,2\n",
                      "t.csv:1:29: header: expected each column once, found "
                      "'cla_starts' again (first at column 18)");
    expect_text_error("year_to_31_march,,cla_starts\n2019,1,2\n",
                      "t.csv:1:18: header: expected a column name, found "
                      "nothing (column 2)");
    expect_text_error("year_to_31_march\n2019\n",
                      "t.csv:1:1: header: expected at least one measure "
                      "column (population_0_17, referrals, ..., see "
                      "docs/data.md), found 'year_to_31_march'");
}
END_TEST

START_TEST(test_bad_counts)
{
    expect_file_error("bad-not-a-number.csv",
                      ":3:22: cla_31_march: expected a count >= 0, found "
                      "'abc'");
    expect_file_error("bad-negative.csv",
                      ":2:13: cla_31_march: expected a count >= 0, found "
                      "'-5'");
    expect_file_error("bad-not-finite.csv",
                      ":2:47: value (cla_31_march_age_under_1): expected a "
                      "count >= 0, found '1e999'");
    expect_file_error("bad-percent.csv",
                      ":2:6: rereferral_pct: expected a percentage from 0 to "
                      "100, found '120'");
}
END_TEST

START_TEST(test_bad_years)
{
    expect_file_error("bad-year.csv",
                      ":3:1: year_to_31_march: expected a year (to 31 March) "
                      "from 1990 to 2100, found '1989'");
    static const char *const bad[] = {"15",    "2101", "2015/16", "mid-2018",
                                      "20190", "",     "２０１９"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[128], want[256], shown[64];
        snprintf(text, sizeof text, "year_to_31_march,cla_31_march\n%s,5\n",
                 bad[i]);
        snprintf(shown, sizeof shown, bad[i][0] ? "'%s'" : "nothing", bad[i]);
        snprintf(want, sizeof want,
                 "t.csv:2:1: year_to_31_march: expected a year (to 31 March) "
                 "from 1990 to 2100, found %s",
                 shown);
        expect_text_error(text, want);
    }
    cs_series *s = text_ok("year_to_31_march,cla_31_march\n1990,1\n2100,2\n");
    int first, last;
    cs_series_years(s, &first, &last);
    ck_assert_int_eq(first, 1990);
    ck_assert_int_eq(last, 2100);
    cs_series_free(s);
    /* The detail file's population needs a mid-year, and other rows a
     * plain year. */
    expect_file_error("bad-detail-mid-year.csv",
                      ":2:147: year: expected a mid-year from mid-1989 to "
                      "mid-2099, found '2018'");
    expect_text_error("section,measure,year,value\ns,Started to be looked "
                      "after in year,mid-2018,5\n",
                      "t.csv:2:38: year: expected a year (to 31 March) from "
                      "1990 to 2100, found 'mid-2018'");
}
END_TEST

START_TEST(test_duplicate_row_with_another_value)
{
    expect_file_error("bad-duplicate.csv",
                      ":4:40: value (cla_31_march_uasc): expected one value "
                      "for Leeds (E08000035) in 2017, found 45 here and 40 "
                      "on line 2");
    expect_text_error("year_to_31_march,la_code,la_name,cla_31_march\n"
                      "2019,X1,A,5\n2019,X1,A,c\n",
                      "t.csv:3:11: cla_31_march: expected one value for A "
                      "(X1) in 2019, found suppressed here and 5 on line 2");
    /* The same row twice is harmless. */
    cs_series *s = text_ok("year_to_31_march,la_code,la_name,cla_31_march\n"
                           "2019,X1,A,5\n2019,X1,A,5\n");
    ck_assert_double_eq(value(s, 0, "cla_31_march", 2019), 5);
    cs_series_free(s);
}
END_TEST

START_TEST(test_wrong_number_of_fields)
{
    expect_file_error("bad-field-count.csv",
                      ":3:21: expected 4 fields, as in the header, found 3");
    expect_text_error("year_to_31_march,cla_31_march\n2019,5,6\n",
                      "t.csv:2:8: expected 2 fields, as in the header, found "
                      "3");
}
END_TEST

START_TEST(test_bad_quotes)
{
    expect_file_error("bad-open-quote.csv",
                      ":2:16: expected a closing '\"' for the field opened "
                      "here, found the end of the file");
    expect_text_error("year_to_31_march,cla_31_march\n2019,5\"6\n",
                      "t.csv:2:7: expected a field either wholly in double "
                      "quotes or without them, found a '\"' inside an "
                      "unquoted field");
    expect_text_error("year_to_31_march,cla_31_march\n2019,\"5\"6\n",
                      "t.csv:2:9: expected ',' or the end of the line after "
                      "a closing '\"', found '6'");
}
END_TEST

START_TEST(test_names_must_not_change)
{
    expect_file_error("bad-name-changes.csv",
                      ":3:16: la_name: expected 'Leeds' for E08000035, as on "
                      "line 2, found 'Leeds City'");
    expect_text_error("year_to_31_march,la_code,la_name,region,cla_31_march\n"
                      "2018,X1,A,North,5\n2019,X1,A,South,6\n",
                      "t.csv:3:11: region: expected 'North' for X1, as on "
                      "line 2, found 'South'");
    expect_text_error("year_to_31_march,la_code,la_name,cla_31_march\n"
                      "2019,,A,5\n",
                      "t.csv:2:6: la_code: expected an area code (letters, "
                      "digits, '+'), found nothing");
    expect_text_error("year_to_31_march,la_code,la_name,cla_31_march\n"
                      "2019,E 1,A,5\n",
                      "t.csv:2:6: la_code: expected an area code (letters, "
                      "digits, '+'), found 'E 1'");
    expect_text_error("year_to_31_march,la_code,la_name,cla_31_march\n"
                      "2019,E1, ,5\n",
                      "t.csv:2:9: la_name: expected the name of area E1, "
                      "found nothing");
}
END_TEST

START_TEST(test_unknown_measure_in_long_file)
{
    expect_file_error("bad-unknown-measure.csv",
                      ":2:22: measure: expected a measure cascade knows "
                      "(docs/data.md), found 'cla_31_march_age_under1' (did "
                      "you mean 'cla_31_march_age_under_1'?)");
}
END_TEST

START_TEST(test_empty_and_header_only)
{
    expect_file_error("bad-empty.csv",
                      ":1:1: expected a header row, found an empty file");
    expect_file_error("bad-header-only.csv",
                      ":2:1: expected rows of data after the header, found "
                      "the end of the file");
    expect_text_error("\xEF\xBB\xBF", "t.csv:1:1: expected a header row, "
                                      "found an empty file");
    expect_file_error("bad-all-suppressed.csv",
                      ":2:1: expected at least one figure, found none (1 "
                      "rows, every one empty or suppressed)");
    expect_file_error("bad-detail-none-read.csv",
                      ":2:1: expected at least one figure, found none (1 "
                      "rows, every one a measure cascade does not read or "
                      "suppressed)");
}
END_TEST

START_TEST(test_binary_and_encoding)
{
    static const char nul[] = "year_to_31_march,cla_31_march\n2019,5\0\n";
    cs_series *s = new_series();
    cs_error err;
    ck_assert_int_eq(
        cs_series_load_buffer(s, "t.csv", nul, sizeof nul - 1, &err),
        CS_EINPUT);
    ck_assert_str_eq(err.message, "t.csv:2:7: expected text, found the "
                                  "control byte 0x00 (is this a CSV file?)");
    cs_series_free(s);
    expect_text_error("year_to_31_march,cla_31_march\n2019,\xff\n",
                      "t.csv:2:6: expected UTF-8 text, found the byte 0xff "
                      "(save the file as UTF-8)");
    expect_text_error("year_to_31_march,cla_31_march\n2019,\xc0\xaf\n",
                      "t.csv:2:6: expected UTF-8 text, found the byte 0xc0 "
                      "(save the file as UTF-8)");
    expect_text_error("\x89PNG\r\n\x1a\n",
                      "t.csv:1:1: expected UTF-8 text, found the byte 0x89 "
                      "(save the file as UTF-8)");
    /* UTF-8 in a name is fine. */
    s = text_ok("year_to_31_march,la_code,la_name,cla_31_march\n"
                "2019,W1,Ynys Môn,5\n");
    ck_assert_str_eq(cs_series_area_name(s, 0), "Ynys Môn");
    cs_series_free(s);
}
END_TEST

START_TEST(test_missing_file)
{
    cs_series *s = new_series();
    cs_error err;
    ck_assert_int_eq(cs_series_load(s, "/nonexistent/x.csv", &err), CS_EINPUT);
    ck_assert_str_eq(err.message, "cannot open '/nonexistent/x.csv': No such "
                                  "file or directory");
    ck_assert_int_eq(cs_series_load(s, NULL, &err), CS_EINPUT);
    ck_assert_int_eq(cs_series_load(NULL, "x.csv", &err), CS_EINPUT);
    ck_assert_int_eq(cs_series_load_buffer(s, "x.csv", NULL, 3, &err),
                     CS_EINPUT);
    ck_assert_int_eq(cs_series_load_buffer(s, NULL, "a", 1, &err), CS_EINPUT);
    ck_assert_int_eq(cs_series_n_areas(s), 0);
    cs_series_free(s);
}
END_TEST

/* A failed load changes nothing: the areas, values and years stay. */
START_TEST(test_failed_load_leaves_table_unchanged)
{
    cs_series *s = load_new("council-summary.csv");
    cs_error err;
    static const char *const bad[] = {
        /* new areas, then a bad cell */
        "year_to_31_march,la_code,la_name,cla_31_march\n2019,N1,New,5\n"
        "2019,N2,Newer,abc\n",
        /* a new year for an old area, then a clash with the loaded file */
        "year_to_31_march,la_code,la_name,cla_31_march\n"
        "2010,E08000035,Leeds,5\n2019,E08000035,Leeds,9999\n",
        /* a name clash */
        "year_to_31_march,la_code,la_name,cla_31_march\n"
        "2010,E08000035,Leeds City,5\n",
    };
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(
            cs_series_load_buffer(s, "bad.csv", bad[i], strlen(bad[i]), &err),
            CS_EINPUT);
        ck_assert_int_eq(cs_series_n_areas(s), 6);
        int leeds = area(s, "Leeds");
        ck_assert_double_eq(value(s, leeds, "cla_31_march", 2019), 1320);
        ck_assert(missing(s, leeds, "cla_31_march", 2010));
        int first, last;
        cs_series_years(s, &first, &last);
        ck_assert_int_eq(first, 2018);
        ck_assert_int_eq(last, 2019);
    }
    char path[PATH_LEN], want[2 * PATH_LEN];
    snprintf(want, sizeof want,
             "bad.csv:2:16: area E08000035: expected the name 'Leeds', as in "
             "%s:8:16, found 'Leeds City'",
             fixture(path, "council-summary.csv"));
    ck_assert_str_eq(err.message, want);
    cs_series_free(s);
}
END_TEST

/* A small deterministic generator (xorshift64*), local to the test. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 2685821657736338717ull;
}

/* Random bytes, and valid files with random bytes changed, inserted or
 * cut: every load returns CS_OK or CS_EINPUT, and a table that loaded
 * answers queries. Under the sanitizer build this also checks memory. */
START_TEST(test_random_bytes_never_crash)
{
    char path[PATH_LEN];
    FILE *f = fopen(fixture(path, "council-summary.csv"), "rb");
    ck_assert_ptr_nonnull(f);
    char valid[4096];
    size_t valid_len = fread(valid, 1, sizeof valid, f);
    fclose(f);
    static const char alphabet[] = ",\"\r\n c0123456789-.e+[]x\xEF\xBB\xBF";
    uint64_t state = 20190331;
    char buf[8192];
    int loaded = 0;
    for (int round = 0; round < 3000; round++) {
        size_t n;
        if (round % 3 == 0) { /* pure garbage */
            n = next_random(&state) % 600;
            for (size_t i = 0; i < n; i++)
                buf[i] = (char)(next_random(&state) & 0xFF);
        } else { /* a valid file, mutated */
            memcpy(buf, valid, valid_len);
            n = valid_len;
            int edits = 1 + (int)(next_random(&state) % 4);
            for (int k = 0; k < edits; k++) {
                size_t at = next_random(&state) % (n + 1);
                uint64_t r = next_random(&state);
                char c = (r >> 8) % 4 == 0
                             ? (char)(r >> 16)
                             : alphabet[(r >> 16) % (sizeof alphabet - 1)];
                switch (r % 3) {
                case 0: /* change */
                    if (at < n)
                        buf[at] = c;
                    break;
                case 1: /* insert */
                    if (n + 1 < sizeof buf) {
                        memmove(buf + at + 1, buf + at, n - at);
                        buf[at] = c;
                        n++;
                    }
                    break;
                default: /* cut the rest */
                    n = at;
                }
            }
        }
        cs_series *s = new_series();
        cs_error err;
        int rc = cs_series_load_buffer(s, "fuzz.csv", buf, n, &err);
        ck_assert_msg(rc == CS_OK || rc == CS_EINPUT,
                      "round %d: expected CS_OK or CS_EINPUT, got %d (%s)",
                      round, rc, err.message);
        if (rc == CS_OK) {
            loaded++;
            int first, last, a;
            cs_series_years(s, &first, &last);
            ck_assert_int_le(first, last);
            for (int i = 0; i < cs_series_n_areas(s); i++)
                ck_assert_ptr_nonnull(cs_series_area_name(s, i));
            (void)cs_series_find_area(s, "Leeds", &a, &err);
        } else {
            ck_assert_msg(strncmp(err.message, "fuzz.csv:", 9) == 0,
                          "round %d: message without a location: %s", round,
                          err.message);
        }
        cs_series_free(s);
    }
    /* The mutations are mild enough that some files still load. */
    ck_assert_int_gt(loaded, 50);
}
END_TEST

/* ---- combining files ---------------------------------------------------- */

START_TEST(test_summary_and_detail_combine)
{
    cs_series *s = load_new("england-summary.csv");
    load_ok(s, "england-detail.csv");
    ck_assert_int_eq(cs_series_n_areas(s), 1);
    int e = area(s, "England");
    ck_assert_double_eq(value(s, e, "cla_31_march", 2018), 130);
    ck_assert_double_eq(value(s, e, "population_0_17", 2018), 1010);
    ck_assert_double_eq(value(s, e, "cla_starts_age_16_and_over", 2019), 12);
    ck_assert_double_eq(value(s, e, "referrals", 2017), 500);
    cs_series_free(s);
}
END_TEST

START_TEST(test_later_file_wins_within_rounding)
{
    cs_series *s = load_new("england-summary.csv");
    load_ok(s, "england-summary-revised.csv");
    int e = area(s, "England");
    ck_assert_double_eq(value(s, e, "cla_31_march", 2018), 135); /* +5 */
    ck_assert_double_eq(value(s, e, "cla_31_march", 2019), 150); /* +10 */
    ck_assert_double_eq(value(s, e, "cla_31_march", 2017), 120); /* kept */
    cs_series_free(s);
    /* Percentages agree within 0.1. */
    s = load_new("england-summary.csv");
    static const char near[] = "year_to_31_march,rereferral_pct\n2019,20.1\n";
    static const char far[] = "year_to_31_march,rereferral_pct\n2019,20.25\n";
    cs_error err;
    ck_assert_int_eq(
        cs_series_load_buffer(s, "near.csv", near, sizeof near - 1, &err),
        CS_OK);
    ck_assert_double_eq(value(s, 0, "rereferral_pct", 2019), 20.1);
    ck_assert_int_eq(
        cs_series_load_buffer(s, "far.csv", far, sizeof far - 1, &err),
        CS_EINPUT);
    ck_assert_str_eq(err.message,
                     "far.csv:2:6: rereferral_pct for England (E92000001) in "
                     "2019: expected 20.1, as in near.csv:2:6, or within 0.1 "
                     "of it (rounding), found 20.25");
    /* A suppressed cell in a later file does not hide a figure. */
    static const char hidden[] =
        "year_to_31_march,cla_31_march,cla_starts\n2019,c,66\n";
    ck_assert_int_eq(
        cs_series_load_buffer(s, "hidden.csv", hidden, sizeof hidden - 1, &err),
        CS_OK);
    ck_assert_double_eq(value(s, 0, "cla_31_march", 2019), 140);
    cs_series_free(s);
}
END_TEST

START_TEST(test_disagreement_names_both_files)
{
    char first[PATH_LEN], second[PATH_LEN], want[3 * PATH_LEN];
    cs_series *s = load_new("england-summary.csv");
    cs_error err;
    ck_assert_int_eq(
        cs_series_load(s, fixture(second, "bad-conflict.csv"), &err),
        CS_EINPUT);
    snprintf(want, sizeof want,
             "%s:2:6: cla_31_march for England (E92000001) in 2019: expected "
             "140, as in %s:4:20, or within 10 of it (rounding), found 151",
             second, fixture(first, "england-summary.csv"));
    ck_assert_str_eq(err.message, want);
    ck_assert_double_eq(value(s, 0, "cla_31_march", 2019), 140);
    cs_series_free(s);
}
END_TEST

START_TEST(test_council_summary_and_by_age_combine)
{
    cs_series *s = load_new("council-summary.csv");
    load_ok(s, "council-by-age.csv");
    ck_assert_int_eq(cs_series_n_areas(s), 6);
    int leeds = area(s, "Leeds");
    ck_assert_double_eq(value(s, leeds, "cla_31_march", 2019), 1320);
    ck_assert_double_eq(value(s, leeds, "cla_31_march_age_1_to_4", 2017), 150);
    /* The by-age file has no region: the summary's stays. */
    ck_assert_str_eq(cs_series_area_region(s, leeds),
                     "Yorkshire and The Humber");
    cs_series_free(s);
    /* Loaded the other way round, the region is filled in later. */
    s = load_new("council-by-age.csv");
    ck_assert_str_eq(cs_series_area_region(s, area(s, "Leeds")), "");
    load_ok(s, "council-summary.csv");
    ck_assert_str_eq(cs_series_area_region(s, area(s, "Leeds")),
                     "Yorkshire and The Humber");
    cs_series_free(s);
}
END_TEST

/* ---- areas -------------------------------------------------------------- */

START_TEST(test_find_area_by_code_and_name_variants)
{
    cs_series *s = load_new("council-summary.csv");
    static const struct {
        const char *query, *code;
    } found[] = {
        {"E08000035", "E08000035"},
        {"e08000035", "E08000035"},
        {" E08000035 ", "E08000035"},
        {"Leeds", "E08000035"},
        {"LEEDS", "E08000035"},
        {"England", "E92000001"},
        {"england", "E92000001"},
        {"Kingston upon Hull, City of", "E06000010"},
        {"Kingston upon Hull", "E06000010"},
        {"City of Kingston upon Hull", "E06000010"},
        {"kingston-upon-hull", "E06000010"},
        {"City of London", "E09000001"},
        {"Brighton & Hove", "E06000043"},
        {"brighton and hove", "E06000043"},
        {"pan-Dorset", "E06000058+E06000059"},
        {"Bournemouth, Christchurch and Poole + Dorset", "E06000058+E06000059"},
        {"E06000058+E06000059", "E06000058+E06000059"},
    };
    for (size_t i = 0; i < sizeof found / sizeof found[0]; i++)
        ck_assert_msg(strcmp(cs_series_area_code(s, area(s, found[i].query)),
                             found[i].code) == 0,
                      "'%s' should find %s", found[i].query, found[i].code);
    cs_series_free(s);
}
END_TEST

static void expect_area_error(const cs_series *s, const char *query,
                              const char *tail)
{
    int a = -7;
    cs_error err;
    ck_assert_int_eq(cs_series_find_area(s, query, &a, &err), CS_EINPUT);
    ck_assert_int_eq(a, -7);
    const char *at = strstr(err.message, "found ");
    ck_assert_msg(at && strcmp(at, tail) == 0,
                  "'%s':\n expected ...'%s'\n got '%s'", query, tail,
                  err.message);
}

START_TEST(test_unknown_area_lists_close_matches)
{
    cs_series *s = load_new("council-summary.csv");
    expect_area_error(s, "Leds",
                      "found none; close matches: Leeds (E08000035)");
    expect_area_error(s, "E08000053",
                      "found none; close matches: Brighton and Hove "
                      "(E06000043), Leeds (E08000035)");
    expect_area_error(s, "Hull",
                      "found none; close matches: Kingston upon Hull, City of "
                      "(E06000010)");
    /* London is a region: the City of London is suggested, not taken. */
    expect_area_error(s, "London",
                      "found none; close matches: City of London (E09000001)");
    /* A part of the pan-Dorset code. */
    expect_area_error(s, "E06000059",
                      "found none; close matches: Bournemouth, Christchurch "
                      "and Poole + Dorset (pan-Dorset) (E06000058+E06000059), "
                      "Kingston upon Hull, City of (E06000010), Brighton and "
                      "Hove (E06000043)");
    expect_area_error(s, "Wakanda", "found none");
    int a;
    cs_error err;
    ck_assert_int_eq(cs_series_find_area(s, "Leds", &a, &err), CS_EINPUT);
    char path[PATH_LEN], want[2 * PATH_LEN];
    snprintf(want, sizeof want,
             "area 'Leds': expected the code or name of one of the 6 areas in "
             "%s, found none; close matches: Leeds (E08000035)",
             fixture(path, "council-summary.csv"));
    ck_assert_str_eq(err.message, want);
    ck_assert_int_eq(cs_series_find_area(s, "", &a, &err), CS_EINPUT);
    ck_assert_str_eq(err.message,
                     "area: expected an area code or name, found nothing");
    cs_series_free(s);
}
END_TEST

START_TEST(test_ambiguous_name)
{
    cs_series *s = text_ok("year_to_31_march,la_code,la_name,cla_31_march\n"
                           "2019,X1,St. Helens,5\n2019,X2,St Helens,6\n"
                           "2019,X3,\"Bristol, City of\",7\n"
                           "2019,X4,Bristol,8\n");
    expect_area_error(s, "st helens",
                      "found several: St. Helens (X1), St Helens (X2) (give "
                      "the code)");
    /* The whole name beats another accepted form of a name. */
    ck_assert_str_eq(cs_series_area_code(s, area(s, "Bristol")), "X4");
    ck_assert_str_eq(cs_series_area_code(s, area(s, "City of Bristol")), "X3");
    ck_assert_str_eq(cs_series_area_code(s, area(s, "X1")), "X1");
    cs_series_free(s);
}
END_TEST

/* ---- measures ----------------------------------------------------------- */

/* What was known at 31 March of a year: the DfE years up to it (the
 * population of a year being the estimate for the June before), calendar
 * years of births up to the one before; a council keeps its index. */
START_TEST(test_known_at_keeps_only_what_was_published)
{
    cs_series *s = load_new("england-summary.csv");
    load_ok(s, "england-detail.csv");
    int e = area(s, "England");
    cs_series *k = NULL;
    cs_error err;
    ck_assert_int_eq(cs_series_known_at(s, 2018, &k, &err), CS_OK);
    ck_assert_double_eq(value(k, e, "cla_31_march", 2018), 130);
    ck_assert_double_eq(value(k, e, "cla_ceased", 2018), 55);
    ck_assert_double_eq(value(k, e, "population_0_17", 2018), 1010);
    ck_assert(missing(k, e, "cla_31_march", 2019));
    ck_assert(missing(k, e, "population_0_17", 2019));
    ck_assert(missing(k, e, "cla_starts_age_16_and_over", 2019));
    int first, last;
    cs_series_years(k, &first, &last);
    ck_assert_int_le(last, 2018);
    for (int m = 0; m < cs_series_n_measures(); m++) {
        const cs_measure_info *info = cs_series_measure(m);
        for (int a = 0; a < cs_series_n_areas(s); a++)
            for (int y = CS_SERIES_YEAR_MIN; y <= CS_SERIES_YEAR_MAX; y++) {
                double v = NAN, w = NAN;
                int was = cs_series_get(s, a, m, y, &v);
                int known =
                    y <= (info->kind == CS_OBS_COUNT_OTHER ? 2017 : 2018);
                ck_assert_int_eq(cs_series_get(k, a, m, y, &w), was && known);
                if (was && known)
                    ck_assert_double_eq(v, w);
            }
    }
    cs_series_free(k);
    cs_series_free(s);
    /* councils keep their order, codes and names */
    s = load_new("council-summary.csv");
    ck_assert_int_eq(cs_series_known_at(s, 2018, &k, &err), CS_OK);
    ck_assert_int_eq(cs_series_n_areas(k), cs_series_n_areas(s));
    ck_assert_int_gt(cs_series_n_areas(s), 1);
    for (int a = 0; a < cs_series_n_areas(s); a++) {
        ck_assert_str_eq(cs_series_area_code(k, a), cs_series_area_code(s, a));
        ck_assert_str_eq(cs_series_area_name(k, a), cs_series_area_name(s, a));
        ck_assert_str_eq(cs_series_area_region(k, a),
                         cs_series_area_region(s, a));
    }
    cs_series_free(k);
    cs_series_free(s);
}
END_TEST

START_TEST(test_measures_table)
{
    int n = cs_series_n_measures();
    ck_assert_int_ge(n, 30);
    for (int m = 0; m < n; m++) {
        const cs_measure_info *info = cs_series_measure(m);
        ck_assert_ptr_nonnull(info);
        ck_assert_int_eq(cs_series_find_measure(info->name), m);
        ck_assert(info->unit[0] && info->description[0]);
        if (info->age_lo < 0)
            ck_assert_int_eq(info->age_hi, -1);
        else
            ck_assert(info->age_lo <= info->age_hi && info->age_hi <= 18);
    }
    ck_assert_ptr_null(cs_series_measure(-1));
    ck_assert_ptr_null(cs_series_measure(n));
    ck_assert_int_eq(cs_series_find_measure("nope"), -1);
    ck_assert_int_eq(cs_series_find_measure(NULL), -1);
    /* The wide files' columns, as published. */
    static const char *const wide[] = {
        "population_0_17", "referrals",    "rereferral_pct", "cin_31_march",
        "s47_enquiries",   "icpc",         "cpp_31_march",   "cpp_starts",
        "cpp_repeat_pct",  "cla_31_march", "cla_starts",     "cla_ceased"};
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        ck_assert_int_ge(cs_series_find_measure(wide[i]), 0);
    const cs_measure_info *pop = cs_series_measure(measure("population_0_17"));
    ck_assert_int_eq(pop->kind, CS_OBS_POPULATION);
    ck_assert_int_eq(cs_series_measure(measure("rereferral_pct"))->kind,
                     CS_OBS_PERCENT);
    ck_assert_int_eq(cs_series_measure(measure("cla_starts"))->kind,
                     CS_OBS_FLOW);
    ck_assert_int_eq(cs_series_measure(measure("births_england_wales"))->kind,
                     CS_OBS_COUNT_OTHER);
    /* Out-of-range look-ups answer "missing". */
    cs_series *s = load_new("england-summary.csv");
    double v = 42;
    ck_assert_int_eq(cs_series_get(s, 1, 0, 2019, &v), 0);
    ck_assert_int_eq(cs_series_get(s, -1, 0, 2019, &v), 0);
    ck_assert_int_eq(cs_series_get(s, 0, n, 2019, &v), 0);
    ck_assert_int_eq(cs_series_get(s, 0, 0, 1989, &v), 0);
    ck_assert_int_eq(cs_series_get(s, 0, 0, 2101, &v), 0);
    ck_assert_double_eq(v, 42);
    ck_assert_ptr_null(cs_series_area_code(s, 1));
    cs_series_free(s);
    /* An empty table has no years. */
    s = new_series();
    int first, last;
    cs_series_years(s, &first, &last);
    ck_assert_int_eq(first, 0);
    ck_assert_int_eq(last, -1);
    ck_assert_int_eq(cs_series_n_areas(s), 0);
    cs_series_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("data_series");
    TCase *tc = tcase_create("formats");
    tcase_add_test(tc, test_england_summary_loads);
    tcase_add_test(tc, test_council_summary_names_regions_suppression);
    tcase_add_test(tc, test_council_by_age_loads);
    tcase_add_test(tc, test_detail_file_mapping);
    tcase_add_test(tc, test_quoted_fields_rfc4180);
    tcase_add_test(tc, test_line_ends_bom_blank_lines);
    tcase_add_test(tc, test_suppression_codes_are_missing_not_zero);
    tcase_add_test(tc, test_number_forms);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad input");
    tcase_add_test(tc, test_missing_required_column);
    tcase_add_test(tc, test_unknown_header_lists_formats);
    tcase_add_test(tc, test_unknown_and_duplicate_columns);
    tcase_add_test(tc, test_bad_counts);
    tcase_add_test(tc, test_bad_years);
    tcase_add_test(tc, test_duplicate_row_with_another_value);
    tcase_add_test(tc, test_wrong_number_of_fields);
    tcase_add_test(tc, test_bad_quotes);
    tcase_add_test(tc, test_names_must_not_change);
    tcase_add_test(tc, test_unknown_measure_in_long_file);
    tcase_add_test(tc, test_empty_and_header_only);
    tcase_add_test(tc, test_binary_and_encoding);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_failed_load_leaves_table_unchanged);
    tcase_add_test(tc, test_random_bytes_never_crash);
    suite_add_tcase(s, tc);
    tc = tcase_create("combining");
    tcase_add_test(tc, test_summary_and_detail_combine);
    tcase_add_test(tc, test_later_file_wins_within_rounding);
    tcase_add_test(tc, test_disagreement_names_both_files);
    tcase_add_test(tc, test_council_summary_and_by_age_combine);
    suite_add_tcase(s, tc);
    tc = tcase_create("areas and measures");
    tcase_add_test(tc, test_find_area_by_code_and_name_variants);
    tcase_add_test(tc, test_unknown_area_lists_close_matches);
    tcase_add_test(tc, test_ambiguous_name);
    tcase_add_test(tc, test_known_at_keeps_only_what_was_published);
    tcase_add_test(tc, test_measures_table);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
