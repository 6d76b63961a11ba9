/*
 * format.h - numbers written for people: thousands separators, a few
 * significant figures where more would be noise (a median over runs), the
 * unit in the text, and never an exponent ("1.45519e-11"). Every number
 * the program prints goes through here, so the headline, the tables and
 * `sensitivity` read alike.
 *
 * Each function writes a NUL-terminated string of at most size - 1 bytes
 * into out (truncated, never overrun), and "n/a" for a value that is not
 * finite.
 */
#ifndef CASCADE_CLI_FORMAT_H
#define CASCADE_CLI_FORMAT_H

#include <stddef.h>

/* Room enough for any of them. */
#define CLI_NUMBER_MAX 48

/* "1,234,567": rounded to a whole number, "-12" below zero. */
void cli_format_count(double value, char *out, size_t size);

/* A count of children: whole numbers below 1,000, else `digits`
 * significant figures (1 to 15) with separators: 79,852 -> "79,900" with
 * 3, 452.4 -> "452". */
void cli_format_people(double value, int digits, char *out, size_t size);

/* Money in pounds to `digits` significant figures (1 to 15) in the
 * largest unit of thousand (k), million (m) or billion (bn) it reaches:
 * "£812", "£45.2k", "£952m", "£6.70bn", "-£40.3m", "£1,230bn". */
void cli_format_money(double pounds, int digits, char *out, size_t size);

/* A share as a percentage with at most one decimal, none from 10%:
 * 0.035 -> "3.5%", 0.42 -> "42%", 0.999 -> "99.9%", 1 -> "100%". */
void cli_format_percent(double fraction, char *out, size_t size);

/* A duration: "0.4 s", "7.5 s", "45 s", "2 min 05 s", "1 h 02 min". */
void cli_format_duration(double seconds, char *out, size_t size);

/* "+" before a formatted positive number that is not zero (differences:
 * "+1,230", "-£40.3m", "0"), in place; out has size bytes. */
void cli_format_add_plus(double value, char *out, size_t size);

/* Columns on a terminal: the UTF-8 characters of text ("£" is one). */
int cli_display_width(const char *text);

#endif
