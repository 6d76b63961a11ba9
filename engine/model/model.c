/*
 * model.c - compile a validated scenario into the tables the steppers walk
 * (layout in model_internal.h, equations in docs/model.md).
 *
 * Compiling happens once per scenario, before any run; runs then only read
 * the model, so one model serves any number of threads.
 */
#include "model/model_internal.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cs_competing_monthly(int n, const double *rates, double *p)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += rates[i];
    /* 1 - exp(-R/12), computed without cancellation for small R */
    double leave = total > 0 ? -expm1(-total / 12.0) : 0.0;
    for (int i = 0; i < n; i++)
        p[i] = total > 0 ? rates[i] / total * leave : 0.0;
}

/* How far lever l's ramp has come in month t: 0 before it, then up to 1. */
static double ramp_progress(const cs_lever *l, int t)
{
    if (t < l->from_month)
        return 0;
    if (l->ramp_months <= 0)
        return 1;
    double f = (double)(t - l->from_month + 1) / l->ramp_months;
    return f < 1 ? f : 1;
}

/* The share of lever l's change done in month t: its ramp, and after its
 * `until` month the level it had reached then, faded out over fade_months
 * (gone at once without a fade). */
static double lever_progress(const cs_lever *l, int t)
{
    if (!l->has_until || t <= l->until_month)
        return ramp_progress(l, t);
    if (l->fade_months <= 0)
        return 0;
    double left = 1 - (double)(t - l->until_month) / l->fade_months;
    return left > 0 ? ramp_progress(l, l->until_month) * left : 0;
}

/* The product of the multiplying levers of `kind` on `target` in month t. */
static double lever_factor(const cs_scenario *sc, cs_lever_kind kind,
                           int target, int t)
{
    double factor = 1;
    for (int i = 0; i < sc->n_levers; i++) {
        const cs_lever *l = &sc->levers[i];
        if (l->kind == kind && l->target == target && l->places < 0)
            factor *= 1 + lever_progress(l, t) * (l->multiply - 1);
    }
    return factor;
}

/* Does transition t leave leaf stage s? */
static int leaves_stage(const cs_scenario *sc, const cs_transition *t, int s)
{
    if (t->from.is_group)
        return sc->stages[s].group == t->from.index;
    return t->from.index == s;
}

/* The annual rate of t at age a (section "Rates" of docs/model.md). */
static double age_rate(const cs_transition *t, int a)
{
    double rate = t->rate;
    for (int i = 0; i < t->n_by_age; i++)
        if (a >= t->by_age[i].age_lo && a <= t->by_age[i].age_hi)
            rate = t->by_age[i].rate;
    return rate;
}

/* The duration-band and mark factors of t for months-in-stage d, marks k. */
static double other_factors(const cs_scenario *sc, const cs_transition *t,
                            int d, unsigned k)
{
    double factor = 1;
    for (int i = 0; i < t->n_by_duration; i++) {
        const cs_duration_band *b = &t->by_duration[i];
        if (d >= b->month_lo && (b->month_hi < 0 || d <= b->month_hi))
            factor *= b->factor;
    }
    for (int m = 0; m < sc->n_marks; m++)
        if (k & (1u << m))
            factor *= t->mark_factor[m];
    return factor;
}

/*
 * Destination leaves of t for a child leaving leaf `from`, with shares that
 * sum to 1, or to 0 when there is nowhere to go (a move between placements
 * of a one-placement group). Returns the number of destinations.
 */
static int destinations(const cs_scenario *sc, const cs_transition *t, int from,
                        int *leaf, double *share)
{
    if (!t->to.is_group) {
        leaf[0] = t->to.index;
        share[0] = 1.0;
        return 1;
    }
    const cs_stage_group *g = &sc->groups[t->to.index];
    double total = 0;
    int n = 0;
    for (int i = 0; i < g->n_stages; i++) {
        int s = g->first_stage + i;
        if (s == from) /* a move within the group goes elsewhere in it */
            continue;
        leaf[n] = s;
        share[n] = sc->stages[s].entry_share;
        total += share[n];
        n++;
    }
    for (int i = 0; i < n; i++)
        share[i] = total > 0 ? share[i] / total : 0.0;
    return total > 0 ? n : 0;
}

/*
 * Split whole number `count` into n parts proportional to weight[] with the
 * largest-remainder method (ties to the lower index), so parts are whole
 * and sum exactly to count.
 */
static void split_whole(double count, int n, const double *weight, double *part,
                        double *remainder)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += weight[i];
    if (total <= 0) {
        for (int i = 0; i < n; i++)
            part[i] = 0;
        if (n > 0)
            part[0] = count;
        return;
    }
    double assigned = 0;
    for (int i = 0; i < n; i++) {
        double exact = count * weight[i] / total;
        part[i] = floor(exact);
        remainder[i] = exact - part[i];
        assigned += part[i];
    }
    for (double left = count - assigned; left > 0.5; left -= 1) {
        int best = 0;
        for (int i = 1; i < n; i++)
            if (remainder[i] > remainder[best])
                best = i;
        part[best] += 1;
        remainder[best] = -1;
    }
}

static void month_calendar(const cs_scenario *sc, int m, int *year, int *month)
{
    int index = sc->base_month - 1 + m;
    *year = sc->base_year + index / 12;
    *month = index % 12 + 1;
}

static int fy_start_year(int year, int month)
{
    return month >= 4 ? year : year - 1;
}

static int compile_calendar(cs_model *m, cs_error *err)
{
    const cs_scenario *sc = &m->scenario;
    int n = m->n_months;
    m->births = calloc((size_t)n, sizeof *m->births);
    m->ages = calloc((size_t)n, sizeof *m->ages);
    m->fy = calloc((size_t)n, sizeof *m->fy);
    m->month_label = calloc((size_t)n, sizeof *m->month_label);
    m->fy_label = calloc((size_t)n / 12 + 2, sizeof *m->fy_label);
    if (!m->births || !m->ages || !m->fy || !m->month_label || !m->fy_label)
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    int y0, mo0;
    month_calendar(sc, 0, &y0, &mo0);
    int first_fy = fy_start_year(y0, mo0);
    m->first_fy_year = first_fy;
    for (int i = 0; i < n; i++) {
        int y, mo;
        month_calendar(sc, i, &y, &mo);
        snprintf(m->month_label[i], sizeof m->month_label[i], "%04d-%02d", y,
                 mo);
        m->ages[i] = sc->ageing == CS_AGEING_APRIL && mo == 4;
        int fy = fy_start_year(y, mo) - first_fy;
        m->fy[i] = fy;
        if (fy + 1 > m->n_fys) {
            m->n_fys = fy + 1;
            snprintf(m->fy_label[fy], sizeof m->fy_label[fy], "%04d/%02d",
                     fy_start_year(y, mo) % 10000,
                     (fy_start_year(y, mo) + 1) % 100);
        }
        int b = fy < sc->n_births ? fy : sc->n_births - 1;
        m->births[i] = sc->n_births > 0 ? sc->births_per_year[b] / 12.0 : 0;
    }
    m->monthly_ageing = sc->ageing == CS_AGEING_MONTHLY;
    return CS_OK;
}

/* The value of a per-year list in financial year fy: the last repeats. */
static double per_year_at(const double *values, int n, int fy)
{
    if (n <= 0)
        return 0;
    return values[fy < n ? fy : n - 1];
}

/* Net migration and arrivals in expected children per month and age. */
static int compile_population_flows(cs_model *m, cs_error *err)
{
    const cs_scenario *sc = &m->scenario;
    size_t months = (size_t)m->n_months;
    m->migration = calloc(months * CS_AGES, sizeof *m->migration);
    m->arrivals = calloc(months * (size_t)(sc->n_arrivals + 1) * CS_AGES,
                         sizeof *m->arrivals);
    if (!m->migration || !m->arrivals)
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    for (int t = 0; t < m->n_months; t++) {
        double net =
            per_year_at(sc->migration_per_year, sc->n_migration, m->fy[t]) /
            12.0;
        for (int a = 0; a < CS_AGES; a++)
            m->migration[(size_t)t * CS_AGES + a] =
                net * sc->migration_age_share[a];
        for (int i = 0; i < sc->n_arrivals; i++) {
            const cs_arrival *ar = &sc->arrivals[i];
            double month =
                per_year_at(ar->per_year, ar->n_years, m->fy[t]) / 12.0;
            for (int a = 0; a < CS_AGES; a++)
                m->arrivals[((size_t)t * sc->n_arrivals + i) * CS_AGES + a] =
                    month * ar->age_share[a];
        }
    }
    if (sc->n_migration > 0 && sc->stages[sc->migration_stage].has_capacity)
        return cs_error_set(err, CS_EINPUT,
                            "%s: population.net_migration.stage: expected a "
                            "stage without capacity, found '%s' (migration "
                            "would bypass its places)",
                            sc->source_path ? sc->source_path : sc->name,
                            sc->stages[sc->migration_stage].id);
    m->n_arrivals = sc->n_arrivals;
    for (int i = 0; i < sc->n_arrivals; i++) {
        const cs_arrival *ar = &sc->arrivals[i];
        m->arrival_marks[i] = ar->sets_marks;
        if (!ar->to.is_group) {
            m->n_arrival_leaves[i] = 1;
            m->arrival_leaf[i][0] = ar->to.index;
            m->arrival_share[i][0] = 1;
            continue;
        }
        const cs_stage_group *g = &sc->groups[ar->to.index];
        m->n_arrival_leaves[i] = g->n_stages;
        for (int j = 0; j < g->n_stages; j++) {
            m->arrival_leaf[i][j] = g->first_stage + j;
            m->arrival_share[i][j] = sc->stages[g->first_stage + j].entry_share;
        }
    }
    return CS_OK;
}

static int compile_flows(cs_model *m, cs_error *err)
{
    const cs_scenario *sc = &m->scenario;
    int n_capacity = 0;
    for (int st = 0; st < sc->n_stages; st++)
        n_capacity += sc->stages[st].has_capacity;
    int n_migration = sc->n_migration > 0, n_fill = 0;
    for (int st = 0; st < sc->n_stages; st++)
        n_fill += sc->stages[st].has_capacity && sc->stages[st].has_fill;
    /* the fills last, so a scenario without one has the flows it had */
    m->n_flows = sc->n_transitions + 1 + sc->n_stages + n_capacity +
                 n_migration + sc->n_arrivals + n_fill;
    m->births_flow = sc->n_transitions;
    m->migration_flow =
        n_migration ? sc->n_transitions + 1 + sc->n_stages + n_capacity : -1;
    m->first_arrival_flow =
        sc->n_transitions + 1 + sc->n_stages + n_capacity + n_migration;
    size_t n = (size_t)m->n_flows;
    m->flow_label = calloc(n, sizeof *m->flow_label);
    m->flow_from = calloc(n, sizeof *m->flow_from);
    m->flow_to = calloc(n, sizeof *m->flow_to);
    if (!m->flow_label || !m->flow_from || !m->flow_to)
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    for (int i = 0; i < sc->n_transitions; i++) {
        const cs_transition *t = &sc->transitions[i];
        snprintf(m->flow_label[i], sizeof m->flow_label[i], "%s", t->id);
        snprintf(m->flow_from[i], sizeof m->flow_from[i], "%s",
                 t->from.is_group ? sc->groups[t->from.index].id
                                  : sc->stages[t->from.index].id);
        snprintf(m->flow_to[i], sizeof m->flow_to[i], "%s",
                 t->to.is_group ? sc->groups[t->to.index].id
                                : sc->stages[t->to.index].id);
    }
    snprintf(m->flow_label[m->births_flow], sizeof m->flow_label[0], "births");
    snprintf(m->flow_to[m->births_flow], sizeof m->flow_to[0], "%s",
             sc->stages[sc->birth_stage].id);
    for (int s = 0; s < sc->n_stages; s++) {
        int f = m->births_flow + 1 + s;
        snprintf(m->flow_label[f], sizeof m->flow_label[f], "age_out.%s",
                 sc->stages[s].id);
        snprintf(m->flow_from[f], sizeof m->flow_from[f], "%s",
                 sc->stages[s].id);
    }
    /* filled: one per stage with a fill, in stage order, after the
     * arrivals; compile_capacity maps the capacity order to them */
    int fill = m->first_arrival_flow + sc->n_arrivals;
    for (int s = 0; s < sc->n_stages; s++) {
        if (!sc->stages[s].has_capacity || !sc->stages[s].has_fill)
            continue;
        snprintf(m->flow_label[fill], sizeof m->flow_label[fill], "filled.%s",
                 sc->stages[s].id);
        snprintf(m->flow_from[fill], sizeof m->flow_from[fill], "%s",
                 sc->stages[sc->stages[s].fill_from].id);
        snprintf(m->flow_to[fill], sizeof m->flow_to[fill], "%s",
                 sc->stages[s].id);
        fill++;
    }
    /* turned away: one per capacity stage, in stage order here; the
     * capacity order maps to them in compile_capacity */
    int f = m->births_flow + 1 + sc->n_stages;
    for (int s = 0; s < sc->n_stages; s++) {
        if (!sc->stages[s].has_capacity)
            continue;
        snprintf(m->flow_label[f], sizeof m->flow_label[f], "turned_away.%s",
                 sc->stages[s].id);
        snprintf(m->flow_from[f], sizeof m->flow_from[f], "%s",
                 sc->stages[s].id);
        snprintf(m->flow_to[f], sizeof m->flow_to[f], "%s",
                 sc->stages[sc->stages[s].overflow_stage].id);
        f++;
    }
    if (m->migration_flow >= 0) {
        snprintf(m->flow_label[m->migration_flow], sizeof m->flow_label[0],
                 "net_migration");
        snprintf(m->flow_to[m->migration_flow], sizeof m->flow_to[0], "%s",
                 sc->stages[sc->migration_stage].id);
    }
    for (int i = 0; i < sc->n_arrivals; i++) {
        const cs_arrival *ar = &sc->arrivals[i];
        int g = m->first_arrival_flow + i;
        snprintf(m->flow_label[g], sizeof m->flow_label[g], "arrivals.%s",
                 ar->id);
        snprintf(m->flow_to[g], sizeof m->flow_to[g], "%s",
                 ar->to.is_group ? sc->groups[ar->to.index].id
                                 : sc->stages[ar->to.index].id);
    }
    return CS_OK;
}

/* The cash cost of one child for one month in stage s in month t. */
static double stage_unit_cost(const cs_model *m, int s, int t)
{
    const cs_scenario *sc = &m->scenario;
    double years = m->first_fy_year + m->fy[t] - sc->price_base_year;
    return sc->stages[s].unit_cost *
           pow(1 + sc->stages[s].cost_inflation, years) *
           lever_factor(sc, CS_LEVER_UNIT_COST, s, t);
}

/*
 * Unit costs in cash for every month: the price-base cost rises by the
 * stage's inflation once a financial year, from the price base year; the
 * deflator does the same at the general rate. Both step in April.
 */
static int compile_costs(cs_model *m, cs_error *err)
{
    const cs_scenario *sc = &m->scenario;
    m->cost_line_label = calloc((size_t)(sc->n_stages + sc->n_transitions + 1),
                                sizeof *m->cost_line_label);
    if (!m->cost_line_label)
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    for (int s = 0; s < sc->n_stages; s++)
        if (sc->stages[s].intervention != CS_INTERVENTION_NONE) {
            int l = m->n_cost_lines++;
            m->cost_line_stage[l] = s;
            m->cost_line_transition[l] = -1;
            m->cost_line_kind[l] = sc->stages[s].intervention;
            snprintf(m->cost_line_label[l], sizeof m->cost_line_label[l], "%s",
                     sc->stages[s].id);
        }
    for (int i = 0; i < sc->n_transitions; i++)
        if (sc->transitions[i].event_cost > 0) {
            int l = m->n_cost_lines++;
            m->cost_line_stage[l] = -1;
            m->cost_line_transition[l] = i;
            m->cost_line_kind[l] = sc->transitions[i].event_intervention;
            snprintf(m->cost_line_label[l], sizeof m->cost_line_label[l],
                     "event.%s", sc->transitions[i].id);
        }
    m->care_leavers_line = -1;
    if (sc->care_leavers.present) {
        int l = m->care_leavers_line = m->n_cost_lines++;
        m->cost_line_stage[l] = -1;
        m->cost_line_transition[l] = -1;
        m->cost_line_kind[l] = CS_INTERVENTION_LATE;
        snprintf(m->cost_line_label[l], sizeof m->cost_line_label[l],
                 "care_leavers");
    }
    size_t n = (size_t)m->n_months;
    m->unit_cost_cash =
        calloc(n * (size_t)(m->n_cost_lines > 0 ? m->n_cost_lines : 1),
               sizeof *m->unit_cost_cash);
    m->deflator = calloc(n, sizeof *m->deflator);
    if (!m->unit_cost_cash || !m->deflator)
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    for (int t = 0; t < m->n_months; t++) {
        double years = m->first_fy_year + m->fy[t] - sc->price_base_year;
        m->deflator[t] = pow(1 + sc->general_inflation, years);
        for (int l = 0; l < m->n_cost_lines; l++) {
            const cs_transition *tr =
                m->cost_line_transition[l] >= 0
                    ? &sc->transitions[m->cost_line_transition[l]]
                    : NULL;
            const cs_care_leavers *cl = &sc->care_leavers;
            m->unit_cost_cash[(size_t)t * (size_t)m->n_cost_lines + (size_t)l] =
                tr ? tr->event_cost * pow(1 + tr->event_cost_inflation, years)
                : l == m->care_leavers_line
                    ? cl->unit_cost * pow(1 + cl->cost_inflation, years)
                    : stage_unit_cost(m, m->cost_line_stage[l], t);
        }
    }
    return CS_OK;
}

/* Cash per year in financial year fy of a per_year list of n entries
 * whose last grows by `growth` a year after it. */
static double cash_in_year(const double *per_year, int n, double growth, int fy)
{
    return fy < n ? per_year[fy]
                  : per_year[n - 1] * pow(1 + growth, fy - (n - 1));
}

/* Funding stream b's cash per year in month t, levers applied. */
static double stream_cash(const cs_model *m, int b, int t)
{
    const cs_scenario *sc = &m->scenario;
    const cs_funding_stream *stream = &sc->streams[b];
    return cash_in_year(stream->per_year, stream->n_years, stream->growth,
                        m->fy[t]) *
           lever_factor(sc, CS_LEVER_FUNDING, b, t);
}

/* Fixed places of stage s in month t: the scenario's, then capacity levers
 * in order (a new number ramps from the old one; a factor multiplies). */
static double fixed_places(const cs_scenario *sc, int s, int t)
{
    double places = sc->stages[s].places;
    for (int i = 0; i < sc->n_levers; i++) {
        const cs_lever *l = &sc->levers[i];
        if (l->kind != CS_LEVER_CAPACITY || l->target != s)
            continue;
        double f = lever_progress(l, t);
        places = l->places >= 0 ? places + f * (l->places - places)
                                : places * (1 + f * (l->multiply - 1));
    }
    return places;
}

/*
 * Capacity: the order to resolve stages in (every stage before the stages
 * it overflows into, so overflow arrives before a stage is filled), places
 * per month, where a turned-away child goes, and programme shares.
 */
static int compile_capacity(cs_model *m, cs_error *err)
{
    const cs_scenario *sc = &m->scenario;
    int done[CS_MAX_STAGES] = {0};
    for (int s = 0; s < sc->n_stages; s++)
        m->capacity_index[s] = -1;
    for (int pass = 0; pass < sc->n_stages; pass++) {
        for (int s = 0; s < sc->n_stages; s++) {
            if (!sc->stages[s].has_capacity || done[s])
                continue;
            int ready = 1; /* all capacity stages overflowing into s done */
            for (int u = 0; u < sc->n_stages; u++)
                if (sc->stages[u].has_capacity && !done[u] &&
                    sc->stages[u].overflow_stage == s)
                    ready = 0;
            if (!ready)
                continue;
            done[s] = 1;
            m->capacity_index[s] = m->n_capacity;
            m->capacity_stage[m->n_capacity++] = s;
        }
    }
    int f = m->births_flow + 1 + sc->n_stages;
    int fill = m->first_arrival_flow + sc->n_arrivals;
    for (int s = 0; s < sc->n_stages; s++)
        if (sc->stages[s].has_capacity) {
            m->turned_away_flow[m->capacity_index[s]] = f++;
            m->fill_flow[m->capacity_index[s]] =
                sc->stages[s].has_fill ? fill++ : -1;
        }

    size_t months = (size_t)m->n_months;
    m->places = calloc(months * (size_t)(m->n_capacity + 1), sizeof *m->places);
    m->programme_share = calloc(months * (size_t)(sc->n_programmes + 1),
                                sizeof *m->programme_share);
    m->overflow_dest =
        calloc((size_t)m->n_compartments, sizeof *m->overflow_dest);
    if (!m->places || !m->programme_share || !m->overflow_dest)
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    const cs_budget *budget = &sc->budget;
    if (budget->present) {
        m->budget_income = calloc(months, sizeof *m->budget_income);
        m->budget_planned = calloc(months, sizeof *m->budget_planned);
        m->places_paid = calloc(months * (size_t)(m->n_capacity + 1),
                                sizeof *m->places_paid);
        m->programme_cash = calloc(months * (size_t)(sc->n_programmes + 1) * 4,
                                   sizeof *m->programme_cash);
        if (!m->budget_income || !m->budget_planned || !m->places_paid ||
            !m->programme_cash)
            return cs_error_set(err, CS_ENOMEM,
                                "out of memory compiling model");
    }
    for (int t = 0; t < m->n_months; t++) {
        for (int j = 0; j < m->n_capacity; j++) {
            const cs_stage *st = &sc->stages[m->capacity_stage[j]];
            double places = fixed_places(sc, m->capacity_stage[j], t);
            if (st->funded_by) {
                double cash = 0, paid = 0;
                for (int b = 0; b < sc->n_streams; b++)
                    if (st->funded_by & (1u << b)) {
                        cash += stream_cash(m, b, t);
                        if (budget->pays & (1u << b))
                            paid += stream_cash(m, b, t);
                    }
                double place_cost =
                    12 * stage_unit_cost(m, m->capacity_stage[j], t);
                places = cash / place_cost;
                if (m->places_paid)
                    m->places_paid[t * m->n_capacity + j] = paid / place_cost;
            }
            m->places[t * m->n_capacity + j] = places;
        }
        for (int p = 0; p < sc->n_programmes; p++) {
            const cs_programme *prog = &sc->programmes[p];
            unsigned funded = sc->stages[prog->stage].funded_by;
            double total = 0, total_paid = 0;
            for (int b = 0; b < sc->n_streams; b++)
                if (funded & (1u << b)) {
                    total += stream_cash(m, b, t);
                    if (budget->pays & (1u << b))
                        total_paid += stream_cash(m, b, t);
                }
            double own = stream_cash(m, prog->stream, t);
            m->programme_share[t * sc->n_programmes + p] =
                total > 0 ? own / total : 0;
            if (m->programme_cash) {
                double *cash =
                    m->programme_cash + ((size_t)t * sc->n_programmes + p) * 4;
                cash[0] = own;
                cash[1] = budget->pays & (1u << prog->stream) ? own : 0;
                cash[2] = total;
                cash[3] = total_paid;
            }
        }
        if (budget->present) {
            m->budget_income[t] =
                cash_in_year(budget->per_year, budget->n_years, budget->growth,
                             m->fy[t]) /
                12;
            for (int b = 0; b < sc->n_streams; b++)
                if (budget->pays & (1u << b))
                    m->budget_planned[t] += stream_cash(m, b, t) / 12;
        }
    }
    for (int s = 0; s < sc->n_stages; s++) {
        const cs_stage *st = &sc->stages[s];
        for (int a = 0; a < CS_AGES; a++)
            for (int d = 0; d < m->n_dur[s]; d++)
                for (int k = 0; k < m->n_mark_sets; k++) {
                    int c = cs_compartment(m, s, a, d, k);
                    m->stage_of[c] = s;
                    m->overflow_dest[c] =
                        st->has_capacity
                            ? cs_compartment(
                                  m, st->overflow_stage, a, 0,
                                  (int)((unsigned)k | st->overflow_sets))
                            : c;
                }
    }
    return CS_OK;
}

/* Lay out compartments: months-in-stage slots per stage from the largest
 * duration-band boundary of any transition out of it. */
static int compile_layout(cs_model *m, cs_error *err)
{
    const cs_scenario *sc = &m->scenario;
    int total = 0;
    for (int s = 0; s < sc->n_stages; s++) {
        m->n_dur[s] = cs_scenario_duration_slots(sc, s);
        m->stage_offset[s] = total;
        total += CS_AGES * m->n_dur[s] * m->n_mark_sets;
    }
    m->stage_offset[sc->n_stages] = total;
    m->n_compartments = total;
    if (total <= 0)
        return cs_error_set(err, CS_EINPUT, "scenario has no compartments");
    m->stage_of = calloc((size_t)total, sizeof *m->stage_of);
    if (!m->stage_of)
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    return CS_OK;
}

/*
 * Rate levers in month t as a multiplier and an addition per transition and
 * age (the month's "epoch signature"). Months with equal signatures share
 * one table of probabilities.
 */
typedef struct rate_levers {
    double multiply[CS_MAX_TRANSITIONS][CS_AGES];
    double add[CS_MAX_TRANSITIONS][CS_AGES];
    double year[CS_MAX_TRANSITIONS]; /* trend and year effect */
} rate_levers;

/* The trend and year-effect multiplier of transition t in financial year
 * y, relative to the base year (whose rate is the one written). */
double cs_transition_year_factor(const cs_scenario *sc, int i, int y)
{
    const cs_transition *t = &sc->transitions[i];
    double log_factor = 0;
    if (t->trend_per_year != 0)
        log_factor +=
            t->trend_per_year * (cs_trend_years(t, y) - cs_trend_years(t, 0));
    if (t->year_effect >= 0 && y >= 0 && y < CS_MAX_YEARS)
        log_factor += sc->year_effects[t->year_effect].value[y];
    return exp(log_factor);
}

static void rate_levers_at(const cs_scenario *sc, const cs_model *m, int t,
                           rate_levers *r)
{
    for (int i = 0; i < sc->n_transitions; i++) {
        for (int a = 0; a < CS_AGES; a++) {
            r->multiply[i][a] = 1;
            r->add[i][a] = 0;
        }
        r->year[i] = cs_transition_year_factor(sc, i, m->fy[t]);
    }
    for (int i = 0; i < sc->n_levers; i++) {
        const cs_lever *l = &sc->levers[i];
        if (l->kind != CS_LEVER_RATE)
            continue;
        double f = lever_progress(l, t);
        for (int a = l->age_lo; a <= l->age_hi; a++) {
            r->multiply[l->target][a] *= 1 + f * (l->multiply - 1);
            r->add[l->target][a] += f * l->add;
        }
    }
}

/* Do two months' rate levers agree for the first nt transitions (the only
 * ones rate_levers_at fills)? Bytes, as memcmp: the year factors first,
 * where epochs usually differ. */
static int same_levers(const rate_levers *a, const rate_levers *b, int nt)
{
    size_t rows = (size_t)nt * sizeof a->multiply[0];
    return memcmp(a->year, b->year, (size_t)nt * sizeof a->year[0]) == 0 &&
           memcmp(a->multiply, b->multiply, rows) == 0 &&
           memcmp(a->add, b->add, rows) == 0;
}

/* Assign every month an epoch; returns the epochs' signatures (malloc'd,
 * m->n_epochs of them) or NULL. */
static rate_levers *compile_epochs(cs_model *m)
{
    const cs_scenario *sc = &m->scenario;
    rate_levers *epochs = NULL, *now = malloc(sizeof *now);
    m->epoch_of_month = calloc((size_t)m->n_months, sizeof *m->epoch_of_month);
    if (!m->epoch_of_month || !now) {
        free(now);
        return NULL;
    }
    for (int t = 0; t < m->n_months; t++) {
        rate_levers_at(sc, m, t, now);
        int e = 0;
        while (e < m->n_epochs &&
               !same_levers(&epochs[e], now, sc->n_transitions))
            e++;
        if (e == m->n_epochs) {
            rate_levers *grown =
                realloc(epochs, (size_t)(e + 1) * sizeof *epochs);
            if (!grown) {
                free(epochs);
                free(now);
                return NULL;
            }
            epochs = grown;
            epochs[e] = *now;
            m->n_epochs++;
        }
        m->epoch_of_month[t] = e;
    }
    free(now);
    return epochs;
}

/*
 * The transitions out of one leaf stage that lead somewhere, in scenario
 * order, with their destinations: the same for every compartment of the
 * stage, so found once a stage rather than once a compartment and epoch.
 */
typedef struct stage_exits {
    int n;
    int transition[CS_MAX_TRANSITIONS];
    int n_dest[CS_MAX_TRANSITIONS];
    int leaf[CS_MAX_TRANSITIONS][CS_MAX_STAGES];
    double share[CS_MAX_TRANSITIONS][CS_MAX_STAGES];
} stage_exits;

static void find_exits(const cs_scenario *sc, int s, stage_exits *x)
{
    x->n = 0;
    for (int i = 0; i < sc->n_transitions; i++) {
        const cs_transition *t = &sc->transitions[i];
        if (!leaves_stage(sc, t, s))
            continue;
        int j = x->n;
        x->n_dest[j] = destinations(sc, t, s, x->leaf[j], x->share[j]);
        if (x->n_dest[j] == 0)
            continue;
        x->transition[j] = i;
        x->n++;
    }
}

/*
 * The monthly probabilities p[e][i] of the stage's exits i (x->transition)
 * for a child of age a, months-in-stage slot d and marks k in every epoch:
 * cs_competing_monthly over the exits alone, which gives the very same
 * numbers as over all transitions with the others' rates 0 (adding a zero
 * changes no sum).
 */
static void exit_probabilities(const cs_scenario *sc, const stage_exits *x,
                               const rate_levers *epochs, int ne, int a, int d,
                               unsigned k, double (*p)[CS_MAX_TRANSITIONS],
                               double *rates_out)
{
    double age[CS_MAX_TRANSITIONS], factor[CS_MAX_TRANSITIONS];
    double rates[CS_MAX_TRANSITIONS];
    for (int j = 0; j < x->n; j++) {
        const cs_transition *t = &sc->transitions[x->transition[j]];
        age[j] = age_rate(t, a);
        factor[j] = other_factors(sc, t, d, k);
    }
    for (int e = 0; e < ne; e++) {
        for (int j = 0; j < x->n; j++) {
            int i = x->transition[j];
            double base =
                age[j] * epochs[e].year[i] * epochs[e].multiply[i][a] +
                epochs[e].add[i][a];
            rates[j] = base > 0 ? base * factor[j] : 0;
        }
        cs_competing_monthly(x->n, rates, p[e]);
        if (rates_out) /* a caseload row's: [epoch][its exits] */
            memcpy(rates_out + (size_t)e * (size_t)x->n, rates,
                   (size_t)x->n * sizeof *rates);
    }
}

/* 1 if a rate out of the stage with these exits depends on a caseload. */
static int stage_has_caseload(const cs_scenario *sc, const stage_exits *x)
{
    for (int j = 0; j < x->n; j++)
        if (sc->transitions[x->transition[j]].has_caseload)
            return 1;
    return 0;
}

/*
 * Size the caseload rows (model_internal.h) and the workers per month:
 * every compartment of a stage with an exit on a caseload is a row.
 * CS_OK, or CS_ENOMEM (err filled).
 */
static int caseload_layout(cs_model *m, stage_exits *exits, size_t bound,
                           cs_error *err)
{
    const cs_scenario *sc = &m->scenario;
    m->n_workforces = sc->n_workforces;
    int rows = 0, exits_total = 0;
    for (int s = 0; s < sc->n_stages; s++) {
        find_exits(sc, s, exits);
        if (!stage_has_caseload(sc, exits))
            continue;
        int count = m->stage_offset[s + 1] - m->stage_offset[s];
        rows += count;
        exits_total += count * exits->n;
    }
    if (rows == 0)
        return CS_OK;
    m->n_caseload_rows = rows;
    m->n_caseload_exits = exits_total;
    m->workers = malloc((size_t)m->n_months * (size_t)sc->n_workforces *
                        sizeof *m->workers);
    m->caseload_compartment = malloc((size_t)rows * sizeof(int));
    m->caseload_first_exit = calloc((size_t)rows + 1, sizeof(int));
    m->caseload_exit_transition = malloc((size_t)exits_total * sizeof(int));
    m->caseload_rate = malloc((size_t)m->n_epochs * (size_t)exits_total *
                              sizeof *m->caseload_rate);
    m->outcome_exit = malloc(bound * sizeof *m->outcome_exit);
    m->outcome_share = calloc(bound, sizeof *m->outcome_share);
    if (!m->workers || !m->caseload_compartment || !m->caseload_first_exit ||
        !m->caseload_exit_transition || !m->caseload_rate || !m->outcome_exit ||
        !m->outcome_share)
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    for (int t = 0; t < m->n_months; t++)
        for (int w = 0; w < sc->n_workforces; w++) {
            const cs_workforce *wf = &sc->workforces[w];
            m->workers[t * sc->n_workforces + w] =
                cash_in_year(wf->per_year, wf->n_years, wf->growth, m->fy[t]);
        }
    return CS_OK;
}

/* Row `row` is compartment c, with the exits x and their annual rates per
 * epoch rates[e * x->n + j]. */
static void caseload_row(cs_model *m, int row, int c, const stage_exits *x,
                         const double *rates)
{
    int first = m->caseload_first_exit[row];
    m->caseload_compartment[row] = c;
    m->caseload_first_exit[row + 1] = first + x->n;
    for (int j = 0; j < x->n; j++) {
        m->caseload_exit_transition[first + j] = x->transition[j];
        for (int e = 0; e < m->n_epochs; e++)
            m->caseload_rate[(size_t)e * (size_t)m->n_caseload_exits +
                             (size_t)(first + j)] =
                rates[(size_t)e * (size_t)x->n + (size_t)j];
    }
}

/* The marks that expire, as a bitset. */
static unsigned expiring_marks(const cs_scenario *sc)
{
    unsigned bits = 0;
    for (int j = 0; j < sc->n_marks; j++)
        if (sc->marks[j].expires_months > 0)
            bits |= 1u << j;
    return bits;
}

/* The marks k of a child who stays for a month with d months in the stage
 * behind it: an expiring mark goes in the month the child completes
 * expires_months months in the stage (d + 1 of them). Every stage the mark
 * can reach counts months that far (cs_scenario_duration_slots), so d is
 * exact there; elsewhere nobody carries it. */
static unsigned stay_marks(const cs_scenario *sc, int d, int k)
{
    unsigned kept = (unsigned)k;
    for (int j = 0; j < sc->n_marks; j++) {
        int n = sc->marks[j].expires_months;
        if (n > 0 && d + 1 >= n)
            kept &= ~(1u << j);
    }
    return kept;
}

/* At most how many outcomes the compartments have: each one staying, and
 * one a destination of each exit of its stage (fewer where an exit is
 * impossible in every epoch). */
static size_t outcome_bound(const cs_model *m, stage_exits *exits)
{
    const cs_scenario *sc = &m->scenario;
    size_t bound = 0;
    for (int s = 0; s < sc->n_stages; s++) {
        find_exits(sc, s, exits);
        size_t per = 1;
        for (int j = 0; j < exits->n; j++)
            for (int l = 0; l < exits->n_dest[j]; l++)
                per += exits->share[j][l] > 0;
        bound += per * (size_t)(m->stage_offset[s + 1] - m->stage_offset[s]);
    }
    return bound;
}

/*
 * Fill the outcome table in one pass, into rows of `bound` outcomes an
 * epoch, then close the rows up to the outcomes there are. A
 * compartment's outcomes are the same in every epoch (a move is listed if
 * it is possible in any); their probabilities are stored per epoch.
 */
static int compile_outcomes(cs_model *m, cs_error *err)
{
    const cs_scenario *sc = &m->scenario;
    int nc = m->n_compartments;
    m->first_outcome = calloc((size_t)nc + 1, sizeof *m->first_outcome);
    rate_levers *epochs = compile_epochs(m);
    stage_exits *exits = malloc(sizeof *exits);
    int ne = m->n_epochs;
    double(*p)[CS_MAX_TRANSITIONS] = calloc((size_t)ne, sizeof *p);
    size_t bound = exits ? outcome_bound(m, exits) : 0;
    if (m->first_outcome && epochs && exits && p) {
        m->outcome_p = malloc(bound * (size_t)ne * sizeof *m->outcome_p);
        m->outcome_dest = calloc(bound, sizeof *m->outcome_dest);
        m->outcome_flow = calloc(bound, sizeof *m->outcome_flow);
    }
    if (!m->first_outcome || !epochs || !exits || !p || !m->outcome_p ||
        !m->outcome_dest || !m->outcome_flow) {
        free(epochs);
        free(exits);
        free(p);
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    }

    if (caseload_layout(m, exits, bound, err)) {
        free(epochs);
        free(exits);
        free(p);
        return CS_ENOMEM;
    }
    double *row_rates = NULL;
    if (m->n_caseload_rows > 0 &&
        !(row_rates =
              malloc((size_t)ne * CS_MAX_TRANSITIONS * sizeof *row_rates))) {
        free(epochs);
        free(exits);
        free(p);
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    }
    unsigned expiring = expiring_marks(sc);
    int row = 0;
    size_t n = 0;
    for (int s = 0; s < sc->n_stages; s++) {
        find_exits(sc, s, exits);
        int rows = stage_has_caseload(sc, exits);
        for (int j = 0; j < sc->n_marks; j++)
            assert(!(expiring & (1u << j)) ||
                   !cs_scenario_mark_reaches(sc, j, s) ||
                   m->n_dur[s] > sc->marks[j].expires_months);
        for (int a = 0; a < CS_AGES; a++)
            for (int d = 0; d < m->n_dur[s]; d++)
                for (int k = 0; k < m->n_mark_sets; k++) {
                    int c = cs_compartment(m, s, a, d, k);
                    m->first_outcome[c] = (int)n;
                    exit_probabilities(sc, exits, epochs, ne, a, d, (unsigned)k,
                                       p, rows ? row_rates : NULL);
                    if (rows)
                        caseload_row(m, row++, c, exits, row_rates);
                    size_t first = n++;
                    for (int j = 0; j < exits->n; j++) {
                        int possible = 0;
                        for (int e = 0; e < ne; e++)
                            possible |= p[e][j] > 0;
                        if (!possible)
                            continue;
                        int i = exits->transition[j];
                        const cs_transition *t = &sc->transitions[i];
                        /* a move clears the expiring marks it does not
                         * set (they last in the stage set on entering) */
                        unsigned k2 =
                            (((unsigned)k & ~expiring) | t->sets_marks) &
                            ~t->clears_marks;
                        for (int l = 0; l < exits->n_dest[j]; l++) {
                            double share = exits->share[j][l];
                            if (share <= 0)
                                continue;
                            assert(n < bound);
                            for (int e = 0; e < ne; e++)
                                m->outcome_p[(size_t)e * bound + n] =
                                    p[e][j] * share;
                            m->outcome_dest[n] = cs_compartment(
                                m, exits->leaf[j][l], a, 0, (int)k2);
                            m->outcome_flow[n] = i;
                            if (m->outcome_exit) {
                                m->outcome_exit[n] = rows ? j : -1;
                                m->outcome_share[n] = share;
                            }
                            n++;
                        }
                    }
                    int d2 = d + 1 < m->n_dur[s] ? d + 1 : d;
                    for (int e = 0; e < ne; e++) {
                        double *pe = m->outcome_p + (size_t)e * bound;
                        double stay = 1;
                        for (size_t o = first + 1; o < n; o++)
                            stay -= pe[o];
                        pe[first] = stay > 0 ? stay : 0;
                    }
                    m->outcome_dest[first] =
                        cs_compartment(m, s, a, d2, (int)stay_marks(sc, d, k));
                    m->outcome_flow[first] = -1;
                    if (m->outcome_exit)
                        m->outcome_exit[first] = -1;
                    if ((int)(n - first) > m->max_outcomes)
                        m->max_outcomes = (int)(n - first);
                }
    }
    assert(n <= bound && n <= (size_t)INT32_MAX);
    assert(row == m->n_caseload_rows);
    free(row_rates);
    m->first_outcome[nc] = (int)n;
    m->n_outcomes = (int)n;
    /* rows of n: row e moves left from e bound to e n (memmove: they may
     * overlap; row e never reaches row e + 1's start) */
    for (int e = 1; e < ne && n < bound; e++)
        memmove(m->outcome_p + (size_t)e * n, m->outcome_p + (size_t)e * bound,
                n * sizeof *m->outcome_p);
    free(p);
    free(epochs);
    free(exits);
    return CS_OK;
}

/*
 * The share of children carrying each mark in each months-in-stage slot of
 * stage s at the base date, q[d][j], from the scenario's share of the
 * stage's children (marked:) and the weights w[d] of the slots: the same
 * in every slot for a mark that does not expire; for one that expires
 * after N months, none from month N, and the share q / F of the children
 * in months 0..N-1 (F of the stage's), so that the stage's share is q.
 * CS_EINPUT if q is more than F.
 */
static int initial_mark_shares(const cs_scenario *sc, int s, int nd,
                               const double *w, double (*q)[CS_MAX_MARKS],
                               cs_error *err)
{
    double all = 0;
    for (int d = 0; d < nd; d++)
        all += w[d];
    for (int j = 0; j < sc->n_marks; j++) {
        double share = sc->initial_mark_share[s][j];
        int n = sc->marks[j].expires_months;
        double cond = share;
        if (n > 0 && share > 0) {
            assert(nd > n); /* the mark reaches s: months kept to n */
            double early = 0;
            for (int d = 0; d < n; d++)
                early += w[d];
            double f = all > 0 ? early / all : 0;
            if (share > f * (1 + 1e-9))
                return cs_error_set(
                    err, CS_EINPUT,
                    "population.stages.%s.marked.%s: expected at most %.6g "
                    "(the share of the stage's children in their first %d "
                    "months, who alone can carry a mark that expires after "
                    "%d), found %.6g",
                    sc->stages[s].id, sc->marks[j].id, f, n, n, share);
            cond = f > 0 ? fmin(share / f, 1) : 0;
        }
        for (int d = 0; d < nd; d++)
            q[d][j] = n > 0 && d >= n ? 0 : cond;
    }
    return CS_OK;
}

/*
 * The initial state: each stage-and-age count from the scenario is spread
 * over months-in-stage in proportion to the scenario's months_in_stage
 * shares where it gives them, else to the steady-state profile of a stage
 * with these exit probabilities (the chance of still being in the stage
 * after d months), and over mark combinations by the scenario's mark
 * shares, then rounded to whole children by largest remainder.
 */
static int compile_initial(cs_model *m, cs_error *err)
{
    const cs_scenario *sc = &m->scenario;
    m->initial = calloc((size_t)m->n_compartments, sizeof *m->initial);
    m->initial_expected =
        calloc((size_t)m->n_compartments, sizeof *m->initial_expected);
    int max_cells = (CS_MAX_DURATION_MONTHS + 1) << CS_MAX_MARKS;
    double *weight = calloc((size_t)max_cells, sizeof *weight);
    double *part = calloc((size_t)max_cells, sizeof *part);
    double *rem = calloc((size_t)max_cells, sizeof *rem);
    if (!m->initial || !m->initial_expected || !weight || !part || !rem) {
        free(weight);
        free(part);
        free(rem);
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    }
    double dur_w[CS_MAX_DURATION_MONTHS + 1];
    for (int s = 0; s < sc->n_stages; s++) {
        int nd = m->n_dur[s];
        /* months in stage as the scenario gives them (a fit's spin-up), or
         * the rates' steady state */
        const double *given = sc->n_initial_durations[s] > 0
                                  ? sc->initial_duration_share[s]
                                  : NULL;
        assert(!given || sc->n_initial_durations[s] == nd);
        for (int a = 0; a < CS_AGES; a++) {
            double survive = 1;
            for (int d = 0; d < nd; d++) {
                int c = cs_compartment(m, s, a, d, 0);
                double leave = 1 - m->outcome_p[m->first_outcome[c]];
                double w = survive;
                if (d == nd - 1 && nd > 1) /* the open slot: sum of tail */
                    w = survive / (leave > 1.0 / 120 ? leave : 1.0 / 120);
                dur_w[d] = given ? given[d] : w;
                survive *= 1 - leave;
            }
            double mark_q[CS_MAX_DURATION_MONTHS + 1][CS_MAX_MARKS];
            int rc = initial_mark_shares(sc, s, nd, dur_w, mark_q, err);
            if (rc) {
                free(weight);
                free(part);
                free(rem);
                return rc;
            }
            for (int d = 0; d < nd; d++)
                for (int k = 0; k < m->n_mark_sets; k++) {
                    double p = 1;
                    for (int j = 0; j < sc->n_marks; j++)
                        p *= (k & (1 << j)) ? mark_q[d][j] : 1 - mark_q[d][j];
                    weight[d * m->n_mark_sets + k] = dur_w[d] * p;
                }
            int cells = nd * m->n_mark_sets;
            split_whole(sc->initial[s][a], cells, weight, part, rem);
            double total = 0;
            for (int i = 0; i < cells; i++)
                total += weight[i];
            for (int d = 0; d < nd; d++)
                for (int k = 0; k < m->n_mark_sets; k++) {
                    int c = cs_compartment(m, s, a, d, k),
                        i = d * m->n_mark_sets + k;
                    m->initial[c] = part[i];
                    /* in expected values the split need not be whole: it
                     * then moves smoothly with the rates (a fit's
                     * derivatives need that) */
                    m->initial_expected[c] =
                        total > 0 ? sc->initial[s][a] * weight[i] / total
                                  : (i == 0 ? sc->initial[s][a] : 0);
                }
        }
    }
    free(weight);
    free(part);
    free(rem);
    return CS_OK;
}

int cs_model_check(const cs_model *m, cs_error *err)
{
    for (int e = 0; e < m->n_epochs; e++) {
        const double *p = m->outcome_p + (size_t)e * (size_t)m->n_outcomes;
        for (int c = 0; c < m->n_compartments; c++) {
            double sum = 0;
            for (int o = m->first_outcome[c]; o < m->first_outcome[c + 1];
                 o++) {
                if (!isfinite(p[o]) || p[o] < 0 || p[o] > 1)
                    return cs_error_set(err, CS_EFAIL,
                                        "model check: epoch %d, compartment "
                                        "%d: probability %g outside [0, 1]",
                                        e, c, p[o]);
                if (m->outcome_dest[o] < 0 ||
                    m->outcome_dest[o] >= m->n_compartments)
                    return cs_error_set(err, CS_EFAIL,
                                        "model check: compartment %d moves "
                                        "to %d, not a compartment",
                                        c, m->outcome_dest[o]);
                sum += p[o];
            }
            if (fabs(sum - 1) > 1e-9)
                return cs_error_set(err, CS_EFAIL,
                                    "model check: epoch %d, compartment %d: "
                                    "probabilities sum to %.17g, not 1",
                                    e, c, sum);
        }
    }
    for (int c = 0; c < m->n_compartments; c++)
        if (!(m->initial[c] >= 0) || m->initial[c] != floor(m->initial[c]) ||
            !(m->initial_expected[c] >= 0))
            return cs_error_set(err, CS_EFAIL,
                                "model check: compartment %d starts with %g "
                                "children",
                                c, m->initial[c]);
    for (int t = 0; t < m->n_months; t++) {
        if (!(m->births[t] >= 0) || !isfinite(m->births[t]))
            return cs_error_set(err, CS_EFAIL,
                                "model check: month %d: %g births", t,
                                m->births[t]);
        for (int j = 0; j < m->n_capacity; j++)
            if (!isfinite(m->places[t * m->n_capacity + j]) ||
                m->places[t * m->n_capacity + j] < 0)
                return cs_error_set(err, CS_EFAIL,
                                    "model check: month %d: %g places", t,
                                    m->places[t * m->n_capacity + j]);
        for (int l = 0; l < m->n_cost_lines; l++)
            if (!isfinite(m->unit_cost_cash[(size_t)t * m->n_cost_lines + l]))
                return cs_error_set(err, CS_EFAIL,
                                    "model check: month %d: a unit cost "
                                    "that is not finite",
                                    t);
        for (int a = 0; a < CS_AGES; a++)
            if (!isfinite(m->migration[(size_t)t * CS_AGES + a]))
                return cs_error_set(err, CS_EFAIL,
                                    "model check: month %d: migration not "
                                    "finite",
                                    t);
        for (int w = 0; m->n_caseload_rows > 0 && w < m->n_workforces; w++) {
            double workers = m->workers[t * m->n_workforces + w];
            if (!(workers > 0) || !isfinite(workers))
                return cs_error_set(err, CS_EFAIL,
                                    "model check: month %d: %g workers", t,
                                    workers);
        }
    }
    for (int x = 0; x < m->n_caseload_exits; x++)
        for (int e = 0; e < m->n_epochs; e++) {
            double r = m->caseload_rate[(size_t)e * m->n_caseload_exits + x];
            if (!(r >= 0) || !isfinite(r))
                return cs_error_set(err, CS_EFAIL,
                                    "model check: epoch %d: caseload rate %g",
                                    e, r);
        }
    return CS_OK;
}

int cs_model_compile(const cs_scenario *scenario, cs_model **out, cs_error *err)
{
    *out = NULL;
    cs_model *m = calloc(1, sizeof *m);
    if (!m)
        return cs_error_set(err, CS_ENOMEM, "out of memory compiling model");
    m->scenario = *scenario;
    m->scenario.description = NULL;
    m->scenario.source_path = NULL;
    m->scenario.resolved_yaml = NULL;
    m->scenario.extends_source = NULL;
    m->scenario.extends_hash = NULL;
    m->scenario.resolved_hash = NULL;
    m->scenario.fit = NULL; /* owned by the scenario; a fit's business */
    const cs_scenario *sc = &m->scenario;
    m->n_months = sc->horizon_months;
    m->n_stages = sc->n_stages;
    m->n_ages = CS_AGES;
    m->n_marks = sc->n_marks;
    m->n_mark_sets = 1 << sc->n_marks;

    int rc = compile_calendar(m, err);
    if (rc == CS_OK)
        rc = compile_flows(m, err);
    if (rc == CS_OK)
        rc = compile_costs(m, err);
    if (rc == CS_OK)
        rc = compile_layout(m, err);
    if (rc == CS_OK)
        rc = compile_outcomes(m, err);
    if (rc == CS_OK)
        rc = compile_initial(m, err);
    if (rc == CS_OK)
        rc = compile_capacity(m, err);
    if (rc == CS_OK)
        rc = compile_population_flows(m, err);
    if (rc != CS_OK) {
        cs_model_free(m);
        return rc;
    }
    m->birth_compartment = cs_compartment(m, sc->birth_stage, 0, 0, 0);
#ifndef NDEBUG
    /* invariants of every table the steppers walk (tests and debug) */
    cs_error check;
    assert(cs_model_check(m, &check) == CS_OK);
#endif
    *out = m;
    return CS_OK;
}

void cs_model_free(cs_model *m)
{
    if (!m)
        return;
    free(m->first_outcome);
    free(m->outcome_p);
    free(m->outcome_dest);
    free(m->outcome_flow);
    free(m->initial);
    free(m->initial_expected);
    free(m->births);
    free(m->ages);
    free(m->fy);
    free(m->month_label);
    free(m->fy_label);
    free(m->flow_label);
    free(m->flow_from);
    free(m->flow_to);
    free(m->unit_cost_cash);
    free(m->deflator);
    free(m->stage_of);
    free(m->places);
    free(m->overflow_dest);
    free(m->programme_share);
    free(m->budget_income);
    free(m->budget_planned);
    free(m->places_paid);
    free(m->programme_cash);
    free(m->cost_line_label);
    free(m->epoch_of_month);
    free(m->migration);
    free(m->arrivals);
    free(m->workers);
    free(m->caseload_compartment);
    free(m->caseload_first_exit);
    free(m->caseload_exit_transition);
    free(m->caseload_rate);
    free(m->outcome_exit);
    free(m->outcome_share);
    free(m);
}

const cs_scenario *cs_model_scenario(const cs_model *m)
{
    return &m->scenario;
}

int cs_model_n_months(const cs_model *m)
{
    return m->n_months;
}

int cs_model_n_stages(const cs_model *m)
{
    return m->n_stages;
}

int cs_model_n_compartments(const cs_model *m)
{
    return m->n_compartments;
}

int cs_model_n_flows(const cs_model *m)
{
    return m->n_flows;
}

const char *cs_model_flow_label(const cs_model *m, int flow)
{
    return m->flow_label[flow];
}

const char *cs_model_flow_from(const cs_model *m, int flow)
{
    return m->flow_from[flow];
}

const char *cs_model_flow_to(const cs_model *m, int flow)
{
    return m->flow_to[flow];
}

int cs_model_births_flow(const cs_model *m)
{
    return m->births_flow;
}

int cs_model_age_out_flow(const cs_model *m, int stage)
{
    return m->births_flow + 1 + stage;
}

const char *cs_model_month_label(const cs_model *m, int month)
{
    return m->month_label[month];
}

int cs_model_month_fy(const cs_model *m, int month)
{
    return m->fy[month];
}

int cs_model_n_fys(const cs_model *m)
{
    return m->n_fys;
}

const char *cs_model_fy_label(const cs_model *m, int fy)
{
    return m->fy_label[fy];
}

int cs_model_ages_at(const cs_model *m, int month)
{
    return m->ages[month];
}

int cs_model_ages_monthly(const cs_model *m)
{
    return m->monthly_ageing;
}

int cs_model_migration_flow(const cs_model *m)
{
    return m->migration_flow;
}

int cs_model_n_arrivals(const cs_model *m)
{
    return m->n_arrivals;
}

int cs_model_arrival_flow(const cs_model *m, int arrival)
{
    return m->first_arrival_flow + arrival;
}

void cs_model_initial_stocks(const cs_model *m, double *stocks)
{
    cs_sum_compartments(m, m->initial, stocks);
}

double cs_model_births(const cs_model *m, int month)
{
    return m->births[month];
}

double cs_model_transition_probability_at(const cs_model *m, int month,
                                          int stage, int age,
                                          int months_in_stage, unsigned marks,
                                          int transition)
{
    assert(month >= 0 && month < m->n_months);
    assert(stage >= 0 && stage < m->n_stages && age >= 0 && age < CS_AGES);
    int d = months_in_stage < m->n_dur[stage] ? months_in_stage
                                              : m->n_dur[stage] - 1;
    int c = cs_compartment(m, stage, age, d, (int)marks);
    const double *p =
        m->outcome_p + (size_t)m->epoch_of_month[month] * (size_t)m->n_outcomes;
    double sum = 0;
    for (int o = m->first_outcome[c] + 1; o < m->first_outcome[c + 1]; o++)
        if (m->outcome_flow[o] == transition)
            sum += p[o];
    return sum;
}

double cs_model_transition_probability(const cs_model *m, int stage, int age,
                                       int months_in_stage, unsigned marks,
                                       int transition)
{
    return cs_model_transition_probability_at(m, 0, stage, age, months_in_stage,
                                              marks, transition);
}

int cs_model_n_cost_lines(const cs_model *m)
{
    return m->n_cost_lines;
}

int cs_model_cost_line_stage(const cs_model *m, int line)
{
    return m->cost_line_stage[line];
}

int cs_model_cost_line_transition(const cs_model *m, int line)
{
    return m->cost_line_transition[line];
}

cs_intervention cs_model_cost_line_intervention(const cs_model *m, int line)
{
    return m->cost_line_kind[line];
}

int cs_model_care_leavers_line(const cs_model *m)
{
    return m->care_leavers_line;
}

const char *cs_model_cost_line_label(const cs_model *m, int line)
{
    return m->cost_line_label[line];
}

double cs_model_unit_cost(const cs_model *m, int line, int month)
{
    return m->unit_cost_cash[(size_t)month * (size_t)m->n_cost_lines +
                             (size_t)line];
}

double cs_model_deflator(const cs_model *m, int month)
{
    return m->deflator[month];
}

int cs_model_month_fy_year(const cs_model *m, int month)
{
    return m->first_fy_year + m->fy[month];
}

int cs_model_n_capacity(const cs_model *m)
{
    return m->n_capacity;
}

int cs_model_capacity_stage(const cs_model *m, int j)
{
    return m->capacity_stage[j];
}

double cs_model_places(const cs_model *m, int j, int month)
{
    return m->places[(size_t)month * (size_t)m->n_capacity + (size_t)j];
}

int cs_model_turned_away_flow(const cs_model *m, int j)
{
    return m->turned_away_flow[j];
}
