/*
 * numbers.c - numbers of a scenario named by path (cs_scenario_numbers in
 * scenario.h), and the fit parameters that scale, shift or set them: what
 * `cascade fit` estimates and what a fitted scenario's runs draw around
 * the estimates (docs/fitting.md).
 *
 * Paths name numbers by what they are, never by a position in a list that
 * could move: by-age bands by their ages, duration bands by their months.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/scenario.h"

int cs_scenario_find_transition(const cs_scenario *s, const char *id)
{
    for (int i = 0; i < s->n_transitions; i++)
        if (!strcmp(s->transitions[i].id, id))
            return i;
    return -1;
}

/* 1 if stage is ref or one of its placements. */
static int in_ref(const cs_scenario *s, cs_stage_ref ref, int stage)
{
    return ref.is_group ? s->stages[stage].group == ref.index
                        : ref.index == stage;
}

int cs_scenario_mark_reaches(const cs_scenario *s, int mark, int stage)
{
    if (s->marks[mark].expires_months <= 0)
        return 1;
    unsigned bit = 1u << mark;
    unsigned char reach[CS_MAX_STAGES] = {0};
    for (int st = 0; st < s->n_stages; st++) {
        reach[st] = s->initial_mark_share[st][mark] > 0;
        for (int i = 0; i < s->n_transitions; i++)
            if ((s->transitions[i].sets_marks & bit) &&
                in_ref(s, s->transitions[i].to, st))
                reach[st] = 1;
        for (int i = 0; i < s->n_arrivals; i++)
            if ((s->arrivals[i].sets_marks & bit) &&
                in_ref(s, s->arrivals[i].to, st))
                reach[st] = 1;
        for (int i = 0; i < s->n_programmes; i++)
            if (s->programmes[i].mark == mark && s->programmes[i].stage == st)
                reach[st] = 1;
        const cs_stage *x = &s->stages[st];
        if (x->has_capacity && (x->overflow_sets & bit))
            reach[x->overflow_stage] = 1;
    }
    /* children turned away keep it: follow the when_full chains (each step
     * reaches one more stage, so n_stages passes settle it) */
    for (int pass = 0; pass < s->n_stages; pass++)
        for (int st = 0; st < s->n_stages; st++)
            if (reach[st] && s->stages[st].has_capacity)
                reach[s->stages[st].overflow_stage] = 1;
    return reach[stage];
}

int cs_scenario_duration_slots(const cs_scenario *s, int stage)
{
    int cap = 0;
    for (int i = 0; i < s->n_transitions; i++) {
        const cs_transition *t = &s->transitions[i];
        if (t->n_by_duration > 0 && in_ref(s, t->from, stage)) {
            int lo = t->by_duration[t->n_by_duration - 1].month_lo;
            cap = lo > cap ? lo : cap;
        }
    }
    for (int m = 0; m < s->n_marks; m++) {
        int n = s->marks[m].expires_months;
        if (n > cap && cs_scenario_mark_reaches(s, m, stage))
            cap = n;
    }
    return cap + 1;
}

/* "5", "0-9", "16+" (open: up to max) into lo..hi; -1 if not a band. */
static int parse_band(const char *text, size_t n, int max, int *lo, int *hi)
{
    char band[32];
    if (n == 0 || n >= sizeof band)
        return -1;
    memcpy(band, text, n);
    band[n] = '\0';
    char *end;
    long a = strtol(band, &end, 10), b = a;
    if (end == band || a < 0 || a > max)
        return -1;
    if (*end == '+' && end[1] == '\0') {
        b = max;
    } else if (*end == '-') {
        char *second = end + 1;
        b = strtol(second, &end, 10);
        if (end == second || *end || b < a || b > max)
            return -1;
    } else if (*end) {
        return -1;
    }
    *lo = (int)a;
    *hi = (int)b;
    return 0;
}

/* The part of path up to the next '.', or the rest; *rest after it. */
static size_t segment(const char *path, const char **rest)
{
    size_t n = strcspn(path, ".");
    *rest = path[n] ? path + n + 1 : path + n;
    return n;
}

static int is(const char *text, size_t n, const char *word)
{
    return strlen(word) == n && !strncmp(text, word, n);
}

/* Every entry of a per-year list. */
static int per_year(double *list, int n, double **slots, int max, char *why,
                    size_t size, const char *path)
{
    if (n <= 0) {
        snprintf(why, size, "%s: the scenario gives no such list", path);
        return -1;
    }
    int count = n < max ? n : max;
    for (int i = 0; i < count; i++)
        slots[i] = &list[i];
    return count;
}

static int transition_number(cs_transition *t, const cs_scenario *s,
                             const char *rest, const char *path, double **slots,
                             int max, char *why, size_t size)
{
    const char *tail;
    size_t n = segment(rest, &tail);
    if (is(rest, n, "rate") && !*tail) {
        slots[0] = &t->rate;
        return 1;
    }
    if (is(rest, n, "trend") && !strcmp(tail, "per_year")) {
        slots[0] = &t->trend_per_year;
        return 1;
    }
    if (is(rest, n, "if_marked")) {
        for (int m = 0; m < s->n_marks; m++)
            if (!strcmp(tail, s->marks[m].id)) {
                slots[0] = &t->mark_factor[m];
                return 1;
            }
        snprintf(why, size, "%s: no mark '%s' in the scenario", path, tail);
        return -1;
    }
    int by_age = !strncmp(rest, "by_age[", 7);
    int by_duration = !strncmp(rest, "by_duration[", 12);
    if (by_age || by_duration) {
        const char *open = strchr(rest, '[') + 1;
        const char *close = strchr(open, ']');
        const char *after = by_age ? "].rate" : "].factor";
        int lo, hi;
        if (!close || strcmp(close, after) ||
            parse_band(open, (size_t)(close - open),
                       by_age ? CS_AGES - 1 : CS_MAX_DURATION_MONTHS, &lo,
                       &hi)) {
            snprintf(why, size, "%s: expected %s[BAND]%s with a band like %s",
                     path, by_age ? "by_age" : "by_duration", after + 1,
                     by_age ? "0-9, 5 or 16+" : "0-2 or 12+");
            return -1;
        }
        if (by_age) {
            for (int i = 0; i < t->n_by_age; i++)
                if (t->by_age[i].age_lo == lo && t->by_age[i].age_hi == hi) {
                    slots[0] = &t->by_age[i].rate;
                    return 1;
                }
        } else {
            int open_hi = strchr(open, '+') && strchr(open, '+') < close;
            for (int i = 0; i < t->n_by_duration; i++) {
                const cs_duration_band *d = &t->by_duration[i];
                if (d->month_lo == lo &&
                    (open_hi ? d->month_hi < 0 : d->month_hi == hi)) {
                    slots[0] = &t->by_duration[i].factor;
                    return 1;
                }
            }
        }
        snprintf(why, size, "%s: transition '%s' has no %s band %.*s", path,
                 t->id, by_age ? "by_age" : "by_duration", (int)(close - open),
                 open);
        return -1;
    }
    (void)max;
    snprintf(why, size,
             "%s: expected rate, by_age[BAND].rate, by_duration[BAND].factor, "
             "if_marked.MARK or trend.per_year after transitions.%s",
             path, t->id);
    return -1;
}

/* The leaf stages of a population.stages entry: a stage or a group. */
static int entry_stages(const cs_scenario *s, const char *id, size_t n,
                        int *first)
{
    for (int i = 0; i < s->n_stages; i++)
        if (is(id, n, s->stages[i].id) && s->stages[i].group < 0) {
            *first = i;
            return 1;
        }
    for (int g = 0; g < s->n_groups; g++)
        if (is(id, n, s->groups[g].id)) {
            *first = s->groups[g].first_stage;
            return s->groups[g].n_stages;
        }
    return 0;
}

/*
 * population.stages.ID.count: the children of a stage (every placement of
 * a group) at every age; population.stages.ID.marked.MARK: the share of
 * them carrying the mark. What a fit estimates of the window's first
 * start (cs_fit_apply).
 */
static int population_number(cs_scenario *s, const char *path, double **slots,
                             int max, char *why, size_t size)
{
    const char *rest, *tail;
    size_t n = segment(path + 18, &rest);
    int first = 0, count = entry_stages(s, path + 18, n, &first);
    if (n == 0 || count == 0) {
        snprintf(why, size,
                 "%s: expected population.stages.ID with the id of a stage "
                 "or group",
                 path);
        return -1;
    }
    size_t m = segment(rest, &tail);
    if (is(rest, m, "count") && !*tail) {
        if (first == s->remainder_stage) {
            snprintf(why, size,
                     "%s: '%.*s' is population.remainder: it holds everyone "
                     "the other stages do not, so has no count of its own",
                     path, (int)n, path + 18);
            return -1;
        }
        if (s->stages[first].dfe != CS_DFE_NONE) {
            snprintf(why, size,
                     "%s: '%.*s' is counted by DfE: a fit starts it from the "
                     "published children (only a stage with dfe: none has a "
                     "count to estimate)",
                     path, (int)n, path + 18);
            return -1;
        }
        int k = 0;
        for (int st = first; st < first + count; st++)
            for (int a = 0; a < CS_AGES && k < max; a++)
                slots[k++] = &s->initial[st][a];
        return k;
    }
    if (is(rest, m, "marked")) {
        for (int j = 0; j < s->n_marks; j++)
            if (!strcmp(tail, s->marks[j].id)) {
                int k = 0;
                for (int st = first; st < first + count && k < max; st++)
                    slots[k++] = &s->initial_mark_share[st][j];
                return k;
            }
        snprintf(why, size, "%s: no mark '%s' in the scenario", path, tail);
        return -1;
    }
    snprintf(why, size,
             "%s: expected count or marked.MARK after population.stages.%.*s",
             path, (int)n, path + 18);
    return -1;
}

/* stages.GROUP.placements.ID.entry_share: a placement's share of the
 * children entering its group (cs_fit_apply renormalises the group's
 * shares to sum to 1 after multiplying them). */
static int stage_number(cs_scenario *s, const char *path, double **slots,
                        char *why, size_t size)
{
    const char *rest = path + 7, *tail;
    size_t n = segment(rest, &tail);
    static const char field[] = ".entry_share";
    if (n > 0 && !strncmp(tail, "placements.", 11)) {
        const char *id = tail + 11;
        size_t k = strcspn(id, ".");
        if (k > 0 && !strcmp(id + k, field))
            for (int st = 0; st < s->n_stages; st++) {
                const cs_stage *x = &s->stages[st];
                if (x->group >= 0 && strlen(x->id) == n + 1 + k &&
                    !strncmp(x->id, rest, n) && x->id[n] == '.' &&
                    !strncmp(x->id + n + 1, id, k)) {
                    slots[0] = &s->stages[st].entry_share;
                    return 1;
                }
            }
    }
    snprintf(why, size,
             "%s: expected stages.STAGE.placements.ID.entry_share of a "
             "placement in the scenario",
             path);
    return -1;
}

/* 1 if path is a placement's entry share (stage_number). */
static int is_entry_share(const char *path)
{
    size_t n = strlen(path);
    return !strncmp(path, "stages.", 7) && n > 12 &&
           !strcmp(path + n - 12, ".entry_share");
}

/* Every group whose shares a fit changed: its shares scaled to sum to 1
 * (a placement's fitted multiplier is then relative to the others'). */
static void renormalise_shares(cs_scenario *s)
{
    for (int g = 0; g < s->n_groups; g++) {
        const cs_stage_group *group = &s->groups[g];
        double sum = 0;
        for (int i = 0; i < group->n_stages; i++)
            sum += s->stages[group->first_stage + i].entry_share;
        if (sum > 0)
            for (int i = 0; i < group->n_stages; i++)
                s->stages[group->first_stage + i].entry_share /= sum;
    }
}

int cs_scenario_numbers(cs_scenario *s, const char *path, double **slots,
                        int max, char *why, size_t size)
{
    const char *rest;
    size_t n = segment(path, &rest);
    if (max < 1) {
        snprintf(why, size, "no room for numbers");
        return -1;
    }
    if (is(path, n, "transitions")) {
        const char *tail;
        size_t m = segment(rest, &tail);
        char id[CS_ID_MAX];
        if (m == 0 || m >= sizeof id) {
            snprintf(why, size, "%s: expected transitions.ID...", path);
            return -1;
        }
        memcpy(id, rest, m);
        id[m] = '\0';
        int t = cs_scenario_find_transition(s, id);
        if (t < 0) {
            snprintf(why, size, "%s: no transition '%s' in the scenario", path,
                     id);
            return -1;
        }
        return transition_number(&s->transitions[t], s, tail, path, slots, max,
                                 why, size);
    }
    if (!strncmp(path, "population.stages.", 18))
        return population_number(s, path, slots, max, why, size);
    if (is(path, n, "stages"))
        return stage_number(s, path, slots, why, size);
    if (!strcmp(path, "births.per_year"))
        return per_year(s->births_per_year, s->n_births, slots, max, why, size,
                        path);
    if (!strcmp(path, "population.net_migration.per_year"))
        return per_year(s->migration_per_year, s->n_migration, slots, max, why,
                        size, path);
    if (is(path, n, "arrivals")) {
        const char *tail;
        size_t m = segment(rest, &tail);
        for (int i = 0; i < s->n_arrivals; i++)
            if (is(rest, m, s->arrivals[i].id) && !strcmp(tail, "per_year"))
                return per_year(s->arrivals[i].per_year, s->arrivals[i].n_years,
                                slots, max, why, size, path);
        snprintf(why, size,
                 "%s: expected arrivals.ID.per_year of an arrival "
                 "in the scenario",
                 path);
        return -1;
    }
    snprintf(why, size,
             "%s: expected the path of a number: transitions.ID.rate (or "
             "by_age[BAND].rate, by_duration[BAND].factor, if_marked.MARK, "
             "trend.per_year), births.per_year, "
             "population.net_migration.per_year, arrivals.ID.per_year, "
             "population.stages.ID.count, population.stages.ID.marked.MARK "
             "or stages.STAGE.placements.ID.entry_share",
             path);
    return -1;
}

int cs_fit_apply(cs_scenario *s, const cs_fit_spec *spec, const double *values,
                 int deviation, char *why, size_t size)
{
    /* the children by age, kept when a count changes (the remainder holds
     * the difference) */
    double total[CS_AGES] = {0};
    int recount = 0, shares = 0;
    for (int st = 0; st < s->n_stages; st++)
        for (int a = 0; a < CS_AGES; a++)
            total[a] += s->initial[st][a];
    for (int i = 0; i < spec->n_parameters; i++) {
        const cs_fit_parameter *p = &spec->parameters[i];
        double v = values[i];
        for (int k = 0; k < p->n_targets; k++) {
            int start = !strncmp(p->targets[k], "population.stages.", 18);
            /* the window's first start: a fitted scenario starts from the
             * fitted model's children at the window's end instead, which
             * the estimate has shaped; a run does not draw it again */
            if (start && deviation)
                continue;
            if (p->kind == CS_FIT_TREND) {
                int t = cs_scenario_find_transition(s, p->targets[k]);
                if (t < 0) {
                    snprintf(why, size,
                             "fit.parameters.%s: no transition '%s' in the "
                             "scenario",
                             p->id, p->targets[k]);
                    return -1;
                }
                cs_transition *tr = &s->transitions[t];
                if (!deviation) {
                    tr->trend_per_year = v;
                    continue;
                }
                tr->trend_per_year += v;
                double f = exp(v * spec->trend_years[i]);
                tr->rate *= f;
                for (int j = 0; j < tr->n_by_age; j++)
                    tr->by_age[j].rate *= f;
                continue;
            }
            double *slots[CS_MAX_NUMBERS];
            int n = cs_scenario_numbers(s, p->targets[k], slots, CS_MAX_NUMBERS,
                                        why, size);
            if (n < 0)
                return -1;
            for (int j = 0; j < n; j++)
                *slots[j] = p->kind == CS_FIT_MULTIPLY ? *slots[j] * exp(v)
                                                       : *slots[j] + v;
            if (start && strstr(p->targets[k], ".marked."))
                for (int j = 0; j < n; j++)
                    if (*slots[j] > 1) {
                        snprintf(why, size,
                                 "fit.parameters.%s: %s would be %.6g, "
                                 "more than all of the children",
                                 p->id, p->targets[k], *slots[j]);
                        return -1;
                    }
            recount |= start && !strstr(p->targets[k], ".marked.");
            shares |= is_entry_share(p->targets[k]);
        }
    }
    if (shares)
        renormalise_shares(s);
    if (!recount)
        return 0;
    int rest = s->remainder_stage;
    for (int a = 0; a < CS_AGES; a++) {
        double others = 0;
        for (int st = 0; st < s->n_stages; st++)
            if (st != rest)
                others += s->initial[st][a];
        if (others > total[a]) {
            snprintf(why, size,
                     "fit.parameters: at age %d the stages would hold %.0f "
                     "children, more than the %.0f there are",
                     a, others, total[a]);
            return -1;
        }
        s->initial[rest][a] = total[a] - others;
    }
    return 0;
}
