/*
 * observe.c - what a run of the model says each published measure was
 * (fit.h, cs_observer): the bridge between a model's monthly stocks and
 * flows and DfE's yearly figures, used to fit and to score.
 *
 * A stage's DfE category (scenario.h, cs_dfe_category) says which
 * published stocks count it; flows are classified by the categories of
 * where they come from and go to (docs/model.md, "Published figures"):
 *
 *   cin_31_march   children in CIN, CP and LOOKED_AFTER stages at 31 March
 *   cpp_31_march   children in CP stages; cla_31_march in LOOKED_AFTER ones,
 *                  by age for the age-band measures
 *   population_0_17  every child in the model at the end of June before the
 *                  year (ONS mid-year, as DfE uses it)
 *   referrals      moves into a CIN-census stage from outside the census
 *                  (arrivals from outside the model are not referrals)
 *   cpp_starts     moves into CP from any other category
 *   cla_starts     moves and arrivals into LOOKED_AFTER from outside it;
 *                  by age band for cla_starts_age_* from the run's flows
 *                  by age (cs_sim_record_ages, cs_observe_ages)
 *   cla_ceased     moves out of LOOKED_AFTER and children reaching 18 in it
 *   cla_ceased_aged_18_plus  children reaching 18 while looked after
 *   cla_31_march_placement_ID  children at 31 March in the placement ID
 *                  of a LOOKED_AFTER group (cs_fit_add_placements puts a
 *                  council's SSDA903 counts of them in its series)
 *   cla_31_march_in_care_*  children in LOOKED_AFTER stages at 31 March
 *                  by completed months in the stage (cs_observe_months),
 *                  which are months in care when no transition moves
 *                  children between looked-after stages
 *   other measures the flows of the transitions a fit maps to them
 *
 * A child turned away from a full stage into its when_full stage counts
 * as having moved into the latter only. A stock is read at the end of the
 * month it is dated; a flow is summed over the year's twelve months, and
 * is unknown (NaN) unless all of them are in the run.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/data.h"
#include "cascade/fit.h"

#define OUTSIDE (-1) /* no stage: births, arrivals, reaching 18 */

typedef enum flow_kind {
    FLOW_MOVE = 0,    /* a transition */
    FLOW_IN = 1,      /* from outside: births, migration, arrivals */
    FLOW_OUT = 2,     /* to outside: reaching 18 */
    FLOW_REDIRECT = 3 /* turned away from a full stage to another */
} flow_kind;

/* What a measure is, in terms of categories and flows. */
typedef enum measure_rule {
    RULE_NONE = 0,
    RULE_STOCK,      /* stages whose category is in `set`, ages lo..hi */
    RULE_POPULATION, /* every stage, end of June before the year */
    RULE_ENTRIES,    /* moves into `set` from outside it */
    RULE_STARTS,     /* the same and arrivals from outside the model */
    RULE_EXITS,      /* flows out of `set`, reaching 18 included */
    RULE_AGE_OUT,    /* reaching 18 in `set` */
    RULE_FLOWS,      /* the flows listed in `flows` */
    RULE_MONTHS,     /* LOOKED_AFTER at 31 March, months in care lo..hi */
    RULE_PLACEMENT   /* one placement (leaf stage) of a LOOKED_AFTER group */
} measure_rule;

typedef struct measure_map {
    measure_rule rule;
    unsigned set; /* bit c: category c */
    int age_lo, age_hi;
    int by_age;             /* a flow by age band: needs the flows by age */
    int month_lo, month_hi; /* RULE_MONTHS; month_hi -1: and longer */
    int stage;              /* RULE_PLACEMENT: the placement, or -1 */
    int n_flows;
    int *flows;
} measure_map;

struct cs_observer {
    const cs_model *model;
    int n_stages, n_flows, n_months;
    int base_year, base_month;
    int stage_category[CS_MAX_STAGES];
    int *flow_from, *flow_to; /* category, or OUTSIDE */
    flow_kind *kind;
    int n_measures;
    measure_map *measures;
    /* months in care: the slots every looked-after stage resolves (0: no
     * such stage, or children move between them) */
    int month_slots;
};

static unsigned bit(int category)
{
    return 1u << category;
}

/* The category of a stage or group id; OUTSIDE for "" (or no match). */
static int category_of(const cs_scenario *sc, const char *id)
{
    if (!id[0])
        return OUTSIDE;
    int s = cs_scenario_find_stage(sc, id);
    if (s >= 0)
        return (int)sc->stages[s].dfe;
    for (int g = 0; g < sc->n_groups; g++)
        if (!strcmp(sc->groups[g].id, id))
            return (int)sc->stages[sc->groups[g].first_stage].dfe;
    return OUTSIDE;
}

static void set_rule(measure_map *m, measure_rule rule, unsigned set, int lo,
                     int hi)
{
    m->rule = rule;
    m->set = set;
    m->age_lo = lo;
    m->age_hi = hi;
}

#define PLACEMENT_PREFIX "cla_31_march_placement_"

/* The leaf stage that is placement `id` of a looked-after group, or -1
 * (none, or more than one group has it). */
static int placement_stage(const cs_scenario *sc, const char *id)
{
    int found = -1;
    for (int st = 0; st < sc->n_stages; st++) {
        const cs_stage *x = &sc->stages[st];
        if (x->group < 0 || x->dfe != CS_DFE_LOOKED_AFTER)
            continue;
        const char *dot = strchr(x->id, '.');
        if (!dot || strcmp(dot + 1, id))
            continue;
        if (found >= 0)
            return -1;
        found = st;
    }
    return found;
}

/* The measures the categories alone define. */
static void default_rules(cs_observer *o)
{
    const unsigned census =
        bit(CS_DFE_CIN) | bit(CS_DFE_CP) | bit(CS_DFE_LOOKED_AFTER);
    const unsigned la = bit(CS_DFE_LOOKED_AFTER), cp = bit(CS_DFE_CP);
    for (int i = 0; i < o->n_measures; i++) {
        const cs_measure_info *info = cs_series_measure(i);
        measure_map *m = &o->measures[i];
        const char *n = info->name;
        if (!strcmp(n, "cin_31_march"))
            set_rule(m, RULE_STOCK, census, 0, CS_AGES - 1);
        else if (!strcmp(n, "cpp_31_march"))
            set_rule(m, RULE_STOCK, cp, 0, CS_AGES - 1);
        else if (!strcmp(n, "cla_31_march"))
            set_rule(m, RULE_STOCK, la, 0, CS_AGES - 1);
        else if (!strncmp(n, "cla_31_march_age_", 17))
            set_rule(m, RULE_STOCK, la, info->age_lo,
                     info->age_hi < CS_AGES ? info->age_hi : CS_AGES - 1);
        else if (!strcmp(n, "population_0_17"))
            set_rule(m, RULE_POPULATION, 0, 0, CS_AGES - 1);
        else if (!strcmp(n, "referrals"))
            set_rule(m, RULE_ENTRIES, census, 0, 0);
        else if (!strcmp(n, "cpp_starts"))
            set_rule(m, RULE_ENTRIES, cp, 0, 0);
        else if (!strcmp(n, "cla_starts"))
            set_rule(m, RULE_STARTS, la, 0, 0);
        else if (!strncmp(n, "cla_starts_age_", 15)) {
            set_rule(m, RULE_STARTS, la, info->age_lo,
                     info->age_hi < CS_AGES ? info->age_hi : CS_AGES - 1);
            m->by_age = 1;
        } else if (!strcmp(n, "cla_ceased"))
            set_rule(m, RULE_EXITS, la, 0, 0);
        else if (!strcmp(n, "cla_ceased_aged_18_plus"))
            set_rule(m, RULE_AGE_OUT, la, 0, 0);
        else if (!strncmp(n, "cla_31_march_in_care_", 21)) {
            /* "..._6_to_11_months", "..._24_months_and_over" (open) */
            const char *band = n + 21;
            int lo = 0, hi = -1, used = 0;
            if (sscanf(band, "%d_to_%d_months%n", &lo, &hi, &used) != 2 ||
                band[used] != '\0') {
                hi = -1;
                used = 0;
                sscanf(band, "%d_months_and_over%n", &lo, &used);
                assert(used > 0 && band[used] == '\0');
            }
            set_rule(m, RULE_MONTHS, la, 0, CS_AGES - 1);
            m->month_lo = lo;
            m->month_hi = hi;
        } else if (!strncmp(n, PLACEMENT_PREFIX, strlen(PLACEMENT_PREFIX))) {
            set_rule(m, RULE_PLACEMENT, la, 0, CS_AGES - 1);
            m->stage = placement_stage(cs_model_scenario(o->model),
                                       n + strlen(PLACEMENT_PREFIX));
        }
    }
}

/* The months-in-stage slots all looked-after stages resolve, or 0 when
 * there is no such stage or a transition moves children between them
 * (months in the stage are then not months in care). */
static int month_slots(const cs_observer *o, const cs_scenario *sc)
{
    int slots = 0;
    for (int s = 0; s < o->n_stages; s++) {
        if (o->stage_category[s] != CS_DFE_LOOKED_AFTER)
            continue;
        int n = cs_scenario_duration_slots(sc, s);
        slots = slots == 0 || n < slots ? n : slots;
    }
    for (int f = 0; f < o->n_flows; f++)
        if (o->kind[f] == FLOW_MOVE && o->flow_from[f] == CS_DFE_LOOKED_AFTER &&
            o->flow_to[f] == CS_DFE_LOOKED_AFTER)
            return 0;
    return slots;
}

int cs_observer_create(const cs_model *model, cs_observer **out, cs_error *err)
{
    *out = NULL;
    cs_observer *o = calloc(1, sizeof *o);
    if (!o)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    const cs_scenario *sc = cs_model_scenario(model);
    o->model = model;
    o->n_stages = cs_model_n_stages(model);
    o->n_flows = cs_model_n_flows(model);
    o->n_months = cs_model_n_months(model);
    o->base_year = sc->base_year;
    o->base_month = sc->base_month;
    o->n_measures = cs_series_n_measures();
    o->flow_from = calloc((size_t)o->n_flows, sizeof *o->flow_from);
    o->flow_to = calloc((size_t)o->n_flows, sizeof *o->flow_to);
    o->kind = calloc((size_t)o->n_flows, sizeof *o->kind);
    o->measures = calloc((size_t)o->n_measures, sizeof *o->measures);
    if (!o->flow_from || !o->flow_to || !o->kind || !o->measures) {
        cs_observer_free(o);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    for (int s = 0; s < o->n_stages; s++)
        o->stage_category[s] = (int)sc->stages[s].dfe;
    for (int f = 0; f < o->n_flows; f++) {
        const char *label = cs_model_flow_label(model, f);
        o->flow_from[f] = category_of(sc, cs_model_flow_from(model, f));
        o->flow_to[f] = category_of(sc, cs_model_flow_to(model, f));
        if (!strncmp(label, "turned_away.", 12))
            o->kind[f] = FLOW_REDIRECT;
        else if (o->flow_from[f] == OUTSIDE)
            o->kind[f] = FLOW_IN;
        else if (o->flow_to[f] == OUTSIDE)
            o->kind[f] = FLOW_OUT;
        else
            o->kind[f] = FLOW_MOVE;
    }
    default_rules(o);
    o->month_slots = month_slots(o, sc);
    *out = o;
    return CS_OK;
}

void cs_observer_free(cs_observer *o)
{
    if (!o)
        return;
    for (int i = 0; o->measures && i < o->n_measures; i++)
        free(o->measures[i].flows);
    free(o->measures);
    free(o->flow_from);
    free(o->flow_to);
    free(o->kind);
    free(o);
}

int cs_observer_map(cs_observer *o, int measure, int n,
                    const char *const *transitions, cs_error *err)
{
    const cs_measure_info *info = cs_series_measure(measure);
    if (!info)
        return cs_error_set(err, CS_EINPUT, "no measure %d", measure);
    if (info->kind != CS_OBS_FLOW)
        return cs_error_set(err, CS_EINPUT,
                            "%s is not a flow: only flows map to transitions",
                            info->name);
    int *flows = malloc((size_t)(n > 0 ? n : 1) * sizeof *flows);
    if (!flows)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        int f = 0;
        while (f < o->n_flows &&
               strcmp(cs_model_flow_label(o->model, f), transitions[i]))
            f++;
        if (f == o->n_flows) {
            free(flows);
            return cs_error_set(err, CS_EINPUT,
                                "%s: no transition '%s' in the scenario",
                                info->name, transitions[i]);
        }
        flows[i] = f;
    }
    measure_map *m = &o->measures[measure];
    free(m->flows);
    m->rule = RULE_FLOWS;
    m->flows = flows;
    m->n_flows = n;
    return CS_OK;
}

int cs_observer_knows(const cs_observer *o, int measure)
{
    if (measure < 0 || measure >= o->n_measures)
        return 0;
    const measure_map *m = &o->measures[measure];
    if (m->rule == RULE_NONE)
        return 0;
    if (m->rule == RULE_POPULATION || m->rule == RULE_FLOWS)
        return 1;
    if (m->rule == RULE_PLACEMENT)
        return m->stage >= 0;
    if (m->rule == RULE_MONTHS) /* slots 0..n-2 single months, n-1 open */
        return m->month_hi < 0 ? m->month_lo <= o->month_slots - 1
                               : m->month_hi <= o->month_slots - 2;
    /* a category-defined measure needs a stage of that category */
    for (int s = 0; s < o->n_stages; s++)
        if (m->set & bit(o->stage_category[s]))
            return 1;
    return 0;
}

/* The model's month index ending `month` of calendar `year`. */
static int month_index(const cs_observer *o, int year, int month)
{
    return (year - o->base_year) * 12 + (month - o->base_month);
}

static double stock(const cs_observer *o, const measure_map *m, int t,
                    const double *stocks)
{
    const double *row = stocks + (size_t)t * (size_t)o->n_stages * CS_AGES;
    double sum = 0;
    for (int s = 0; s < o->n_stages; s++) {
        if (m->rule == RULE_STOCK && !(m->set & bit(o->stage_category[s])))
            continue;
        if (m->rule == RULE_PLACEMENT && s != m->stage)
            continue;
        for (int a = m->age_lo; a <= m->age_hi; a++)
            sum += row[s * CS_AGES + a];
    }
    return sum;
}

static int in_set(unsigned set, int category)
{
    return category != OUTSIDE && (set & bit(category));
}

/* How flow k counts in a category-defined measure: 1, 0, or for a child
 * turned away between categories, +1 or -1. */
static double flow_weight(const cs_observer *o, const measure_map *m, int k)
{
    int from = in_set(m->set, o->flow_from[k]);
    int to = in_set(m->set, o->flow_to[k]);
    switch (m->rule) {
    case RULE_ENTRIES:
    case RULE_STARTS:
        if (o->kind[k] == FLOW_REDIRECT)
            return to - from;
        return !from && to &&
               (o->kind[k] == FLOW_MOVE || m->rule == RULE_STARTS);
    case RULE_EXITS:
        return (o->kind[k] == FLOW_MOVE || o->kind[k] == FLOW_OUT) && from &&
               !to;
    case RULE_AGE_OUT:
        return o->kind[k] == FLOW_OUT && from;
    default:
        return 0;
    }
}

/* One month's flows f[] (by age, fa[flow][age], for a by-age measure) as
 * the measure counts them. */
static double month_flows(const cs_observer *o, const measure_map *m,
                          const double *f, const double *fa)
{
    double sum = 0;
    if (m->rule == RULE_FLOWS) {
        for (int i = 0; i < m->n_flows; i++)
            sum += f[m->flows[i]];
        return sum;
    }
    for (int k = 0; k < o->n_flows; k++) {
        double w = flow_weight(o, m, k);
        if (w == 0)
            continue;
        if (!m->by_age) {
            sum += w * f[k];
            continue;
        }
        for (int a = m->age_lo; a <= m->age_hi; a++)
            sum += w * fa[(size_t)k * CS_AGES + (size_t)a];
    }
    return sum;
}

int cs_observer_needs_months(const cs_observer *o, int measure)
{
    return measure >= 0 && measure < o->n_measures &&
           o->measures[measure].rule == RULE_MONTHS;
}

int cs_observer_month_slots(const cs_observer *o)
{
    return o->month_slots;
}

double cs_observe_months(const cs_observer *o, int measure,
                         const double *by_months)
{
    if (!cs_observer_needs_months(o, measure) ||
        !cs_observer_knows(o, measure) || !by_months)
        return NAN;
    const measure_map *m = &o->measures[measure];
    int hi = m->month_hi < 0 ? o->month_slots - 1 : m->month_hi;
    double sum = 0;
    for (int d = m->month_lo; d <= hi; d++)
        sum += by_months[d];
    return sum;
}

double cs_observe(const cs_observer *o, int measure, int year,
                  const double *stocks, const double *flows)
{
    return cs_observe_ages(o, measure, year, stocks, flows, NULL);
}

int cs_observer_needs_ages(const cs_observer *o, int measure)
{
    return measure >= 0 && measure < o->n_measures &&
           o->measures[measure].by_age;
}

double cs_observe_ages(const cs_observer *o, int measure, int year,
                       const double *stocks, const double *flows,
                       const double *flows_by_age)
{
    if (!cs_observer_knows(o, measure) || cs_observer_needs_months(o, measure))
        return NAN;
    const measure_map *m = &o->measures[measure];
    if (m->rule == RULE_STOCK || m->rule == RULE_POPULATION ||
        m->rule == RULE_PLACEMENT) {
        int t = m->rule != RULE_POPULATION ? month_index(o, year, 3)
                                           : month_index(o, year - 1, 6);
        if (t < 0 || t >= o->n_months || !stocks)
            return NAN;
        return stock(o, m, t, stocks);
    }
    int first = month_index(o, year - 1, 4);
    if (first < 0 || first + 11 >= o->n_months || !flows ||
        (m->by_age && !flows_by_age))
        return NAN;
    double sum = 0;
    for (int t = first; t < first + 12; t++)
        sum += month_flows(o, m, flows + (size_t)t * (size_t)o->n_flows,
                           flows_by_age
                               ? flows_by_age +
                                     (size_t)t * (size_t)o->n_flows * CS_AGES
                               : NULL);
    return sum;
}

int cs_fit_add_placements(cs_series *data, const char *code,
                          const cs_ssda903 *ret, const cs_scenario *sc,
                          int *n_added, cs_error *err)
{
    cs_error_clear(err);
    int added = 0;
    for (int st = 0; st < sc->n_stages; st++) {
        const cs_stage *x = &sc->stages[st];
        const char *dot = strchr(x->id, '.');
        if (x->group < 0 || x->dfe != CS_DFE_LOOKED_AFTER || !dot)
            continue;
        char name[CS_MEASURE_MAX + 32];
        snprintf(name, sizeof name, "%s%s", PLACEMENT_PREFIX, dot + 1);
        int measure = cs_series_find_measure(name);
        if (measure < 0 || placement_stage(sc, dot + 1) != st)
            continue;
        const char *places = x->ssda903_place, *providers = x->ssda903_provider;
        if (!places[0] &&
            !cs_ssda903_default_placement(dot + 1, &places, &providers))
            continue;
        int rc = cs_series_add_ssda903_placed(data, ret, code, measure, places,
                                              providers, err);
        if (rc != CS_OK)
            return rc;
        added++;
    }
    if (n_added)
        *n_added = added;
    return CS_OK;
}
