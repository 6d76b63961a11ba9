/*
 * format.c - numbers written for people (see format.h).
 *
 * Significant figures come from printf's own rounding ("%.*e"), read back
 * as the rounded value and its decimal exponent, so 999.96 to three
 * figures is 1.00e+03 and is then written in the unit the rounded value
 * reaches ("£1.00bn", not "£1,000m").
 */
#include "format.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest magnitude written out in digits; beyond it "n/a" (no exponent,
 * and no figure the model could mean). */
#define LARGEST 1e18

static int usable(double value, char *out, size_t size)
{
    if (isfinite(value) && fabs(value) < LARGEST)
        return 1;
    snprintf(out, size, "n/a");
    return 0;
}

/* magnitude (>= 0) rounded to digits significant figures, and the decimal
 * exponent of the result (1.00e+03: 3). */
static double round_significant(double magnitude, int digits, int *exponent)
{
    assert(magnitude >= 0 && digits >= 1 && digits <= 15);
    char text[40];
    snprintf(text, sizeof text, "%.*e", digits - 1, magnitude);
    const char *e = strchr(text, 'e');
    *exponent = e ? (int)strtol(e + 1, NULL, 10) : 0;
    return strtod(text, NULL);
}

/*
 * sign, prefix, then magnitude (>= 0) with `decimals` decimals and commas
 * between thousands of its whole part, then suffix.
 */
static void write_grouped(const char *sign, const char *prefix,
                          double magnitude, int decimals, const char *suffix,
                          char *out, size_t size)
{
    assert(magnitude >= 0 && decimals >= 0 && decimals <= 15);
    char digits[64];
    snprintf(digits, sizeof digits, "%.*f", decimals, magnitude);
    size_t whole = strcspn(digits, ".");
    char grouped[96];
    size_t k = 0;
    for (size_t i = 0; i < whole; i++) {
        if (i > 0 && (whole - i) % 3 == 0)
            grouped[k++] = ',';
        grouped[k++] = digits[i];
    }
    grouped[k] = '\0';
    snprintf(out, size, "%s%s%s%s%s", sign, prefix, grouped, digits + whole,
             suffix);
}

void cli_format_count(double value, char *out, size_t size)
{
    if (!usable(value, out, size))
        return;
    double rounded = round(value);
    write_grouped(rounded < 0 ? "-" : "", "", fabs(rounded), 0, "", out, size);
}

void cli_format_people(double value, int digits, char *out, size_t size)
{
    if (!usable(value, out, size))
        return;
    if (fabs(value) < 1000) {
        cli_format_count(value, out, size);
        return;
    }
    int exponent;
    double rounded = round_significant(fabs(value), digits, &exponent);
    write_grouped(value < 0 ? "-" : "", "", rounded, 0, "", out, size);
}

void cli_format_money(double pounds, int digits, char *out, size_t size)
{
    if (!usable(pounds, out, size))
        return;
    const char *sign = pounds < 0 ? "-" : "";
    double magnitude = fabs(pounds);
    if (round(magnitude) < 1000) { /* whole pounds: "£812", "£0" */
        write_grouped(round(magnitude) > 0 ? sign : "", "£", round(magnitude),
                      0, "", out, size);
        return;
    }
    int exponent;
    double rounded = round_significant(magnitude, digits, &exponent);
    static const struct {
        double scale;
        int power;
        const char *suffix;
    } units[] = {{1e9, 9, "bn"}, {1e6, 6, "m"}, {1e3, 3, "k"}};
    int u = 0;
    while (u < 2 && rounded < units[u].scale)
        u++;
    int decimals = digits - 1 - (exponent - units[u].power);
    write_grouped(sign, "£", rounded / units[u].scale,
                  decimals > 0 ? decimals : 0, units[u].suffix, out, size);
}

void cli_format_percent(double fraction, char *out, size_t size)
{
    if (!usable(fraction, out, size))
        return;
    double percent = 100 * fraction;
    /* a share that is not exactly none or all never reads as if it were */
    if (percent > 0 && percent < 0.05) {
        snprintf(out, size, "<0.1%%");
        return;
    }
    if (percent < 100 && percent >= 99.95) {
        snprintf(out, size, ">99.9%%");
        return;
    }
    char text[40];
    snprintf(text, sizeof text, "%.1f", percent);
    size_t n = strlen(text);
    if (n > 2 && strcmp(text + n - 2, ".0") == 0)
        text[n - 2] = '\0';
    if (strcmp(text, "-0") == 0)
        snprintf(text, sizeof text, "0");
    snprintf(out, size, "%s%%", text);
}

void cli_format_duration(double seconds, char *out, size_t size)
{
    if (!usable(seconds, out, size))
        return;
    if (seconds < 0)
        seconds = 0;
    if (seconds < 9.95) {
        snprintf(out, size, "%.1f s", seconds);
        return;
    }
    long whole = lround(seconds);
    if (whole < 60)
        snprintf(out, size, "%ld s", whole);
    else if (whole < 3600)
        snprintf(out, size, "%ld min %02ld s", whole / 60, whole % 60);
    else {
        long minutes = lround(seconds / 60);
        snprintf(out, size, "%ld h %02ld min", minutes / 60, minutes % 60);
    }
}

void cli_format_add_plus(double value, char *out, size_t size)
{
    size_t n = strlen(out);
    if (!(value > 0) || out[0] == '-' || !strcmp(out, "0") ||
        !strcmp(out, "£0") || !strcmp(out, "n/a") || n + 2 > size)
        return;
    memmove(out + 1, out, n + 1);
    out[0] = '+';
}

int cli_display_width(const char *text)
{
    int width = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        width += (*c & 0xC0) != 0x80; /* not a continuation byte */
    return width;
}
