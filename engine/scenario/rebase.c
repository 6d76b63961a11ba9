/*
 * rebase.c - a scenario moved to another base date (cs_scenario_rebase in
 * scenario.h): fitting starts a scenario at the first year of the data it
 * is fitted to, and a backtest forecasts from each origin year.
 *
 * A scenario's lists by financial year are indexed from the base date's
 * financial year, and its dates (levers, trends) are months or years from
 * the base date, so moving the base date by d financial years shifts
 * every index by d. Entry i of a list after the move is entry i + d
 * before it, clamped to the list: years before the first entry take the
 * first value, years after the last the last (as the model already does
 * past a list's end; funding grows by its growth after its last entry).
 * A transition with a trend has its rates rewritten for the new base year,
 * so every calendar year keeps its rate.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/scenario.h"

static int fy_of(int year, int month)
{
    return month >= 4 ? year : year - 1;
}

/* The financial years a horizon of `months` from year-month touches. */
static int fys_covered(int year, int month, int months)
{
    int last = month - 1 + months - 1;
    return fy_of(year + last / 12, last % 12 + 1) - fy_of(year, month) + 1;
}

/* Shift list[0..*n-1] by d financial years into years 0..years-1. */
static void shift_list(double *list, int *n, int d, int years)
{
    if (*n <= 0)
        return;
    double old[CS_MAX_YEARS];
    memcpy(old, list, sizeof old);
    int count = years < CS_MAX_YEARS ? years : CS_MAX_YEARS;
    for (int i = 0; i < count; i++) {
        int j = i + d;
        j = j < 0 ? 0 : j >= *n ? *n - 1 : j;
        list[i] = old[j];
    }
    *n = count;
}

/* A funding stream (or a workforce) keeps growing by its growth after its
 * last entry: the years it reaches are written out before the list is
 * shifted. */
static void shift_grown(double *per_year, int *n_years, double growth, int d,
                        int years)
{
    int needed = d + years;
    if (needed > CS_MAX_YEARS)
        needed = CS_MAX_YEARS;
    for (int i = *n_years; i<needed && * n_years> 0; i++)
        per_year[i] = per_year[i - 1] * (1 + growth);
    if (needed > *n_years)
        *n_years = needed;
    shift_list(per_year, n_years, d, years);
}

double cs_trend_years(const cs_transition *t, int y)
{
    if (y <= t->trend_until || t->trend_after == CS_TREND_CONTINUE)
        return y;
    double g = t->trend_until;
    if (t->trend_after == CS_TREND_DAMP)
        for (int k = 1; k <= y - t->trend_until; k++)
            g += pow(t->trend_damping, k);
    return g;
}

/* A transition's rates, written for the base year, rewritten for year d:
 * the trend's multiplier from one to the other. */
static void move_trend(cs_transition *t, int d)
{
    if (t->trend_per_year == 0)
        return;
    double f =
        exp(t->trend_per_year * (cs_trend_years(t, d) - cs_trend_years(t, 0)));
    t->rate *= f;
    for (int k = 0; k < t->n_by_age; k++)
        t->by_age[k].rate *= f;
    if (t->trend_until != INT_MAX)
        t->trend_until -= d;
}

int cs_scenario_rebase(const cs_scenario *scenario, int year, int month,
                       int horizon_months, cs_scenario **out, cs_error *err)
{
    *out = NULL;
    if (year < 1900 || year > 2200 || month < 1 || month > 12)
        return cs_error_set(err, CS_EINPUT,
                            "base date %04d-%02d: expected a year from 1900 "
                            "to 2200 and a month from 1 to 12",
                            year, month);
    if (horizon_months < 1 || horizon_months > 12 * CS_MAX_YEARS)
        return cs_error_set(err, CS_EINPUT,
                            "horizon of %d months: expected 1 to %d",
                            horizon_months, 12 * CS_MAX_YEARS);
    int rc = cs_scenario_copy(scenario, out, err);
    if (rc != CS_OK)
        return rc;
    cs_scenario *s = *out;
    int d =
        fy_of(year, month) - fy_of(scenario->base_year, scenario->base_month);
    int months =
        (year - scenario->base_year) * 12 + (month - scenario->base_month);
    int years = fys_covered(year, month, horizon_months);
    s->base_year = year;
    s->base_month = month;
    s->horizon_months = horizon_months;
    for (int i = 0; i < s->n_streams; i++)
        shift_grown(s->streams[i].per_year, &s->streams[i].n_years,
                    s->streams[i].growth, d, years);
    for (int i = 0; i < s->n_workforces; i++)
        shift_grown(s->workforces[i].per_year, &s->workforces[i].n_years,
                    s->workforces[i].growth, d, years);
    shift_list(s->births_per_year, &s->n_births, d, years);
    shift_list(s->migration_per_year, &s->n_migration, d, years);
    for (int i = 0; i < s->n_arrivals; i++)
        shift_list(s->arrivals[i].per_year, &s->arrivals[i].n_years, d, years);
    if (s->budget.present)
        shift_list(s->budget.per_year, &s->budget.n_years, d, years);
    for (int i = 0; i < s->n_year_effects; i++) {
        cs_year_effect *y = &s->year_effects[i];
        /* the expected level the year before the new base */
        if (d > 0)
            y->start =
                y->value[d - 1 < CS_MAX_YEARS ? d - 1 : CS_MAX_YEARS - 1];
        int n = CS_MAX_YEARS;
        shift_list(y->value, &n, d, CS_MAX_YEARS);
    }
    for (int i = 0; i < s->n_levers; i++) {
        s->levers[i].from_month -= months;
        s->levers[i].until_month -= months;
    }
    for (int i = 0; i < s->n_transitions; i++)
        move_trend(&s->transitions[i], d);
    return CS_OK;
}
