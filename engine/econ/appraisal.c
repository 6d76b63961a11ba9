/*
 * appraisal.c - discounting and payback (see econ.h), following HM
 * Treasury's Green Book: real (constant-price) amounts, year 0
 * undiscounted, discounted by the declining long-term rate by default
 * (3.5% a year to year 30, then 3.0%, 2.5%, ...: Green Book, Annex 6,
 * Table 6.1) or at a constant rate.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/econ.h"

double cs_npv(const double *values, int n, double rate)
{
    double total = 0, factor = 1;
    for (int y = 0; y < n; y++) {
        total += values[y] / factor;
        factor *= 1 + rate;
    }
    return total;
}

double cs_discount_rate_of_year(const cs_discount *discount, int year)
{
    assert(discount->n_steps >= 1 && discount->from_year[0] == 0);
    int k = 0;
    while (k + 1 < discount->n_steps && discount->from_year[k + 1] <= year)
        k++;
    return discount->rate[k];
}

void cs_discount_divisors(const cs_discount *discount, int n, double *divisors)
{
    double factor = 1;
    for (int y = 0; y < n; y++) {
        if (y > 0)
            factor *= 1 + cs_discount_rate_of_year(discount, y);
        divisors[y] = factor;
    }
}

double cs_npv_schedule(const double *values, int n, const cs_discount *discount)
{
    /* the same operations in the same order as cs_npv */
    double total = 0, factor = 1;
    for (int y = 0; y < n; y++) {
        total += values[y] / factor;
        factor *= 1 + cs_discount_rate_of_year(discount, y + 1);
    }
    return total;
}

int cs_discount_format(const cs_discount *discount, char *text, size_t size)
{
    size_t used = 0;
    if (size > 0)
        text[0] = '\0';
    for (int k = 0; k < discount->n_steps; k++) {
        /* the fewest digits that read back as the same double */
        char rate[32];
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(rate, sizeof rate, "%.*g", digits, discount->rate[k]);
            if (strtod(rate, NULL) == discount->rate[k])
                break;
        }
        int n = snprintf(text + used, size > used ? size - used : 0, "%s%d:%s",
                         k ? " " : "", discount->from_year[k], rate);
        if (n < 0 || (size_t)n >= (size > used ? size - used : 0))
            return -1;
        used += (size_t)n;
    }
    return (int)used;
}

int cs_discount_parse(const char *text, cs_discount *discount, cs_error *err)
{
    memset(discount, 0, sizeof *discount);
    const char *p = text;
    for (;;) {
        char *end = NULL;
        int k = discount->n_steps;
        long from = strtol(p, &end, 10);
        if (end == p || *end != ':')
            break;
        p = end + 1;
        double rate = strtod(p, &end);
        if (end == p || (*end && *end != ' '))
            break;
        if (k == CS_DISCOUNT_MAX_STEPS)
            return cs_error_set(err, CS_EINPUT,
                                "discount schedule '%.64s': expected at most "
                                "%d steps",
                                text, CS_DISCOUNT_MAX_STEPS);
        if (!(rate >= 0 && rate < 1) ||
            (k == 0 ? from != 0 : from <= discount->from_year[k - 1]) ||
            from > 100000)
            return cs_error_set(err, CS_EINPUT,
                                "discount schedule '%.64s': expected steps "
                                "from year 0 in increasing years, each rate "
                                "a fraction from 0 to 1",
                                text);
        discount->from_year[k] = (int)from;
        discount->rate[k] = rate;
        discount->n_steps = k + 1;
        if (!*end)
            return CS_OK;
        p = end + 1;
    }
    return cs_error_set(err, CS_EINPUT,
                        "discount schedule '%.64s': expected steps "
                        "FROM_YEAR:RATE separated by spaces, e.g. "
                        "0:0.035 31:0.03",
                        text);
}

int cs_discount_equal(const cs_discount *a, const cs_discount *b)
{
    int last = 0;
    for (int k = 0; k < a->n_steps; k++)
        if (a->from_year[k] > last)
            last = a->from_year[k];
    for (int k = 0; k < b->n_steps; k++)
        if (b->from_year[k] > last)
            last = b->from_year[k];
    /* past every step's start both are constant */
    for (int y = 1; y <= last + 1; y++)
        if (cs_discount_rate_of_year(a, y) != cs_discount_rate_of_year(b, y))
            return 0;
    return 1;
}

int cs_payback_year(const double *cumulative, int n)
{
    int first = 0;
    while (first < n && cumulative[first] == 0)
        first++;
    if (first == n)
        return -1;
    int start_sign = cumulative[first] > 0 ? 1 : -1;
    int payback = -1;
    /* scan back from the end while the sign is the opposite one */
    for (int y = n - 1; y > first; y--) {
        int sign = cumulative[y] > 0 ? 1 : (cumulative[y] < 0 ? -1 : 0);
        if (sign != -start_sign)
            break;
        payback = y;
    }
    return payback;
}
