/*
 * appraisal.c - discounting and payback (see econ.h), following HM
 * Treasury's Green Book: real (constant-price) amounts, discounted at 3.5%
 * a year by default, year 0 undiscounted.
 */
#include <math.h>

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
