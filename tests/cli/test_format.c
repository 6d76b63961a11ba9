/*
 * test_format.c - the numbers the program prints for people
 * (engine/cli/format.c): separators, significant figures, units, no
 * exponents, shares that never round to none or all.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/format.h"

typedef void (*formatter)(double, char *, size_t);

static void expect(formatter f, double value, const char *want)
{
    char got[CLI_NUMBER_MAX];
    f(value, got, sizeof got);
    ck_assert_msg(strcmp(got, want) == 0, "%.17g: expected '%s', got '%s'",
                  value, want, got);
}

static void people3(double v, char *out, size_t size)
{
    cli_format_people(v, 3, out, size);
}

static void money3(double v, char *out, size_t size)
{
    cli_format_money(v, 3, out, size);
}

static void money4(double v, char *out, size_t size)
{
    cli_format_money(v, 4, out, size);
}

START_TEST(test_counts_have_separators_and_no_exponent)
{
    expect(cli_format_count, 0, "0");
    expect(cli_format_count, 1.45519e-11, "0");
    expect(cli_format_count, -1.45519e-11, "0");
    expect(cli_format_count, 999.4, "999");
    expect(cli_format_count, 102035, "102,035");
    expect(cli_format_count, 1234567.6, "1,234,568");
    expect(cli_format_count, -40341733.969404817, "-40,341,734");
    expect(cli_format_count, NAN, "n/a");
    expect(cli_format_count, INFINITY, "n/a");
    expect(cli_format_count, 1e300, "n/a");
}
END_TEST

START_TEST(test_children_to_three_significant_figures)
{
    expect(people3, 89312, "89,300");
    expect(people3, 79852, "79,900");
    expect(people3, 189448, "189,000");
    expect(people3, 1234567, "1,230,000");
    expect(people3, 452.4, "452");
    expect(people3, 12.2, "12");
    expect(people3, 999.6, "1,000");
    expect(people3, 99950, "100,000");
    expect(people3, -2346, "-2,350");
    expect(people3, 1.45519e-11, "0");
}
END_TEST

START_TEST(test_money_in_the_unit_it_reaches)
{
    expect(money3, 0, "£0");
    expect(money3, 1.45519e-11, "£0");
    expect(money3, -0.2, "£0");
    expect(money3, 45.23, "£45");
    expect(money3, 812.4, "£812");
    expect(money3, 45230, "£45.2k");
    expect(money3, 951.5e6, "£952m");
    expect(money3, 1902e6, "£1.90bn");
    expect(money3, 6701.7e6, "£6.70bn");
    expect(money3, 999.6e6, "£1.00bn");
    expect(money3, 12.34e6, "£12.3m");
    expect(money3, -40341733.969404817, "-£40.3m");
    expect(money3, 1.234e12, "£1,230bn");
    expect(money4, 1902e6, "£1.902bn");
    expect(money4, 102035e3, "£102.0m");
    expect(money3, NAN, "n/a");
}
END_TEST

START_TEST(test_shares_never_round_to_none_or_all)
{
    expect(cli_format_percent, 0, "0%");
    expect(cli_format_percent, 1, "100%");
    expect(cli_format_percent, 0.035, "3.5%");
    expect(cli_format_percent, 0.03, "3%");
    expect(cli_format_percent, 0.42, "42%");
    expect(cli_format_percent, 0.999, "99.9%");
    expect(cli_format_percent, 0.9999, ">99.9%");
    expect(cli_format_percent, 0.0001, "<0.1%");
    expect(cli_format_percent, NAN, "n/a");
}
END_TEST

START_TEST(test_durations)
{
    expect(cli_format_duration, 0.42, "0.4 s");
    expect(cli_format_duration, 7.47, "7.5 s");
    expect(cli_format_duration, 45.2, "45 s");
    expect(cli_format_duration, 125, "2 min 05 s");
    expect(cli_format_duration, 3725, "1 h 02 min");
    expect(cli_format_duration, -1, "0.0 s");
}
END_TEST

START_TEST(test_plus_only_on_a_positive_nonzero_figure)
{
    char text[CLI_NUMBER_MAX];
    cli_format_people(1234, 3, text, sizeof text);
    cli_format_add_plus(1234, text, sizeof text);
    ck_assert_str_eq(text, "+1,230");
    cli_format_money(-4e7, 3, text, sizeof text);
    cli_format_add_plus(-4e7, text, sizeof text);
    ck_assert_str_eq(text, "-£40.0m");
    cli_format_money(0.2, 3, text, sizeof text);
    cli_format_add_plus(0.2, text, sizeof text);
    ck_assert_str_eq(text, "£0");
    char tiny[3] = "12";
    cli_format_add_plus(12, tiny, sizeof tiny); /* no room: unchanged */
    ck_assert_str_eq(tiny, "12");
}
END_TEST

START_TEST(test_truncated_never_overrun_and_width_counts_characters)
{
    char small[6];
    memset(small, 'x', sizeof small);
    cli_format_money(6701.7e6, 3, small, sizeof small);
    ck_assert_str_eq(small, "£6.7"); /* 5 bytes and the NUL */
    ck_assert_int_eq(cli_display_width("£6.70bn"), 7);
    ck_assert_int_eq(cli_display_width("[£946m, £958m]"), 14);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("format");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, test_counts_have_separators_and_no_exponent);
    tcase_add_test(tc, test_children_to_three_significant_figures);
    tcase_add_test(tc, test_money_in_the_unit_it_reaches);
    tcase_add_test(tc, test_shares_never_round_to_none_or_all);
    tcase_add_test(tc, test_durations);
    tcase_add_test(tc, test_plus_only_on_a_positive_nonzero_figure);
    tcase_add_test(tc,
                   test_truncated_never_overrun_and_width_counts_characters);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
