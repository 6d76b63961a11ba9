/*
 * scenario.h - a validated scenario: plain data read from a YAML file.
 *
 * A scenario says what the population looks like at the base date, which
 * stages children can be in, how fast they move between them (annual rates,
 * by age band, by months in the current stage and by history marks), how
 * many are born, and over what horizon to simulate. docs/scenario-format.md
 * is the reference for the file format; this header is the in-memory form.
 *
 * Loading resolves `extends:` chains and overrides, checks every value and
 * every reference, and either returns a complete cs_scenario or fails with a
 * message naming file, line and column. Nothing downstream re-validates.
 *
 * Fixed-size arrays keep the struct nearly plain data: besides its owned
 * strings it can be copied with memcpy (cs_scenario_copy copies the strings
 * too). The limits below are format version 1's.
 */
#ifndef CASCADE_SCENARIO_H
#define CASCADE_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/error.h"

#define CS_SCENARIO_FORMAT_VERSION 1

#define CS_AGES 18       /* single years of age 0..17; 18 leaves */
#define CS_ID_MAX 48     /* identifiers, including the NUL */
#define CS_LABEL_MAX 96  /* human labels, including the NUL */
#define CS_MAX_STAGES 32 /* leaf stages (placements count singly) */
#define CS_MAX_GROUPS 8  /* stages split into placements */
/* room for a placement's SSDA903 codes, "A3 A4 ... Z1" (27 PLACE codes) */
#define CS_SSDA903_CODES_MAX 96
#define CS_MAX_TRANSITIONS 128
#define CS_MAX_MARKS 4
#define CS_MAX_DURATION_BANDS 8
#define CS_MAX_DURATION_MONTHS 120 /* largest duration band boundary */
#define CS_MAX_YEARS 50            /* horizon limit, in years */
/* the most numbers one path names (a group's children at every age) */
#define CS_MAX_NUMBERS (CS_MAX_STAGES * CS_AGES)
#define CS_MAX_STREAMS 8 /* funding streams */
#define CS_MAX_PROGRAMMES 4
#define CS_MAX_LEVERS 32
#define CS_MAX_PARAMETERS 64
#define CS_PATH_MAX 128
#define CS_MAX_YEAR_EFFECTS 8
#define CS_MAX_ARRIVALS 4
#define CS_MAX_FIT_PARAMETERS 32
#define CS_MAX_FIT_TARGETS 16
#define CS_MAX_FIT_EFFECTS 8
#define CS_MAX_FIT_MAPS 16
#define CS_MEASURE_MAX 48

/*
 * The DfE statistical category a stage's children are counted in, so model
 * figures can be set beside published ones: children in need at 31 March
 * (the CIN census) count every stage of category CIN, CP or LOOKED_AFTER;
 * children on a child protection plan CP; looked after LOOKED_AFTER.
 * Flows follow: referrals are entries into a CIN-census stage from outside
 * the census, CP plans started entries into CP from elsewhere, children
 * starting (ceasing) to be looked after entries into (exits from) a
 * LOOKED_AFTER stage from (to) another category, arrivals and reaching 18
 * included (docs/model.md, "Published figures").
 */
typedef enum cs_dfe_category {
    CS_DFE_NONE = 0,         /* not counted: universal services, early help */
    CS_DFE_CIN = 1,          /* a child in need, neither CP nor looked after */
    CS_DFE_CP = 2,           /* on a child protection plan */
    CS_DFE_LOOKED_AFTER = 3, /* looked after */
} cs_dfe_category;

/* When children age: a twelfth of each age a year older every month
 * (birthdays spread over the year), or everyone at the start of April. */
typedef enum cs_ageing {
    CS_AGEING_MONTHLY = 0,
    CS_AGEING_APRIL = 1,
} cs_ageing;

typedef enum cs_intervention {
    CS_INTERVENTION_NONE = 0, /* universal services: no cost line */
    CS_INTERVENTION_EARLY = 1,
    CS_INTERVENTION_LATE = 2,
} cs_intervention;

/*
 * A leaf stage: a place a child can be. A stage declared with placements
 * (looked after) becomes a group, and each placement a leaf stage whose id
 * is "<group>.<placement>", e.g. "looked_after.residential".
 */
typedef struct cs_stage {
    char id[CS_ID_MAX];
    char label[CS_LABEL_MAX];
    cs_intervention intervention;
    int group;          /* index into cs_scenario.groups, or -1 */
    double entry_share; /* placements: share of entries to the group (sum 1) */
    /* Cost of one child for one month in this stage, at the scenario's
     * price base (GBP, 0 if the scenario gives none), and the annual rate
     * at which it rises in cash terms (from the price base year). */
    double unit_cost;
    double cost_inflation;
    /*
     * Capacity (has_capacity): a number of places, fixed (`places`) or
     * bought by funding streams (funded_by, a bitmask of streams: places =
     * their cash this financial year / the cash unit cost of a place-year).
     * Children arriving when every place is taken go to overflow_stage
     * instead, with overflow_sets marks added. spend_funding (funded_by
     * only): the stage's spend is its places, filled or not, at the unit
     * cost, so its streams' cash is spent whole (a block-funded service);
     * 0: the children in it at the unit cost (spare places cost nothing).
     */
    int has_capacity;
    double places;
    unsigned funded_by;
    int spend_funding;
    int overflow_stage;
    unsigned overflow_sets;
    cs_dfe_category dfe; /* CS_DFE_NONE unless the file says (dfe:) */
    /* A placement's episodes in a council's SSDA903 return (its ssda903:
     * key, docs/scenario-format.md): PLACE codes and PLACE_PROVIDER codes
     * separated by spaces ("U4 U5 U6", "PR1 PR2"; no providers: any). An
     * empty ssda903_place: the key is not given (the default for the
     * placement's id, cs_ssda903_default_placement, holds). */
    char ssda903_place[CS_SSDA903_CODES_MAX];
    char ssda903_provider[CS_SSDA903_CODES_MAX];
    /* capacity.fill (has_fill): each month, after the arrivals, fill_share
     * of the places still free are taken by children of stage fill_from (a
     * leaf stage without capacity: families waiting for the service), as
     * many as there are, with their ages and marks, in the flow
     * filled.<stage> */
    int has_fill;
    int fill_from;
    double fill_share;
} cs_stage;

/* A named source of money: cash GBP per financial year from the base
 * year's; after the last entry it grows by `growth` a year (0: repeats).
 * The loader keeps n_years within the horizon's financial years. */
typedef struct cs_funding_stream {
    char id[CS_ID_MAX];
    char label[CS_LABEL_MAX];
    int n_years;
    double per_year[CS_MAX_YEARS];
    double growth;
} cs_funding_stream;

/*
 * A budget with reserves (at most one): cash per financial year (the last
 * entry grows by `growth` a year), and usable reserves at the base date.
 * Each month it pays, first, the month's statutory (late-intervention)
 * spend, in cash, of the children in late stages at the start of the
 * month, last month's moves of late per-event costs and the care leavers
 * supported at the start of the month; then the planned cash of the funding
 * streams in `pays` (the council's own early help). A month's shortfall is
 * drawn from the reserves; when they are gone the `pays` streams are cut (all
 * by the same fraction, to nothing at worst), and statutory spend beyond the
 * budget is still paid, the reserves going negative (an overspend). A month's
 * surplus adds to the reserves. Streams outside `pays` (grants) are not
 * touched by it.
 */
typedef struct cs_budget {
    int present;
    char label[CS_LABEL_MAX];
    int n_years;
    double per_year[CS_MAX_YEARS]; /* cash, GBP per financial year */
    double growth;
    double reserves; /* cash, GBP at the base date */
    unsigned pays;   /* funding streams it pays after statutory spend */
} cs_budget;

/*
 * A programme paid for by one funding stream of a stage with funded
 * capacity (Troubled Families in early help): each child admitted to the
 * stage is served by it with probability = the stream's share of the
 * stage's funding that month, and then carries `mark`, which the
 * transitions' if_marked factors turn into the programme's effect.
 */
typedef struct cs_programme {
    char id[CS_ID_MAX];
    char label[CS_LABEL_MAX];
    int stage;
    int stream;
    int mark;
} cs_programme;

typedef struct cs_stage_group {
    char id[CS_ID_MAX]; /* e.g. "looked_after" */
    char label[CS_LABEL_MAX];
    int first_stage; /* its placements are stages first..first+count-1 */
    int n_stages;
} cs_stage_group;

/* A reference to a stage in a transition: a leaf stage or a whole group. */
typedef struct cs_stage_ref {
    int is_group; /* 0: index is a stage; 1: index is a group */
    int index;
} cs_stage_ref;

/*
 * Care leavers (care_leavers:): children of stage or group `from` who reach
 * 18 are supported for `years` after (leaving-care duties run to 25), at
 * unit_cost per child-month (price-base GBP, rising by cost_inflation a
 * year), with at_base_date already supported at the base date, whose
 * support ends evenly over the `years`. A late-intervention cost line of
 * its own ("care_leavers").
 */
typedef struct cs_care_leavers {
    int present;
    cs_stage_ref from;
    int years;
    double unit_cost; /* per child-month */
    double cost_inflation;
    double at_base_date;
} cs_care_leavers;

/*
 * A discount schedule (economics.discount_rate): rate[k] a year applies to
 * the years from from_year[k] (from_year[0] == 0, increasing) to the next
 * step's; year y's amounts are divided by the product over t = 1..y of
 * (1 + the rate of year t), year 0 undiscounted. One step: a constant
 * rate. The default is HM Treasury's declining long-term rate (Green Book,
 * Annex 6, Table 6.1, kept in the 2022 edition): 3.5% for years 0-30, 3.0%
 * for 31-75, 2.5% for 76-125, 2.0% for 126-200, 1.5% for 201-300, 1.0%
 * after (cs_discount_green_book).
 */
#define CS_DISCOUNT_MAX_STEPS 8
typedef struct cs_discount {
    int n_steps; /* 1 to CS_DISCOUNT_MAX_STEPS */
    int from_year[CS_DISCOUNT_MAX_STEPS];
    double rate[CS_DISCOUNT_MAX_STEPS]; /* a fraction a year, 0 <= r < 1 */
} cs_discount;

/* A schedule of one step: rate a year for every year. */
void cs_discount_constant(cs_discount *discount, double rate);

/* HM Treasury's declining long-term discount rate (above). */
void cs_discount_green_book(cs_discount *discount);

/*
 * A history mark. expires_months > 0 makes it expire: it lasts while the
 * child stays in the stage it was set on entering, for at most that many
 * months. Every move that does not set it clears it (also a move between
 * placements), and so does a child's expires_months-th month in the stage:
 * it multiplies the rates of the first expires_months months in the stage
 * only. Children turned away from a full stage keep it in the stage they
 * go to. Every stage it can reach keeps months in stage up to
 * expires_months (cs_scenario_duration_slots).
 */
typedef struct cs_mark {
    char id[CS_ID_MAX]; /* e.g. "known": previously known to social care */
    char label[CS_LABEL_MAX];
    int expires_months; /* 1..CS_MAX_DURATION_MONTHS; 0: never expires */
} cs_mark;

/* A rate for the ages lo..hi inclusive (0 <= lo <= hi <= 17). */
typedef struct cs_age_rate {
    int age_lo, age_hi;
    double rate; /* per child per year, >= 0 */
} cs_age_rate;

/*
 * A multiplier for children who have spent month_lo..month_hi whole months
 * in the current stage (month 0 is the first month); month_hi = -1 means
 * "and longer". Bands of one transition do not overlap and cover 0.. with
 * the last band open-ended.
 */
typedef struct cs_duration_band {
    int month_lo, month_hi;
    double factor; /* >= 0 */
} cs_duration_band;

/*
 * A transition from one stage (or every placement of a group) to another
 * (a leaf, or a group whose placement is chosen by entry_share).
 *
 * Its annual rate for a child of age a, in the stage for d months, carrying
 * the marks M, is
 *     rate(a) * factor(d) * prod_{m in M} mark_factor[m]
 * where rate(a) is the by-age rate covering a, or `rate` if none does;
 * factor(d) is the duration band covering d, or 1 if there are no bands.
 */
typedef struct cs_transition {
    char id[CS_ID_MAX];
    char label[CS_LABEL_MAX];
    cs_stage_ref from, to;
    double rate; /* per child per year, >= 0 */
    int n_by_age;
    cs_age_rate by_age[CS_AGES];
    int n_by_duration;
    cs_duration_band by_duration[CS_MAX_DURATION_BANDS];
    double mark_factor[CS_MAX_MARKS]; /* 1.0 where not given */
    unsigned sets_marks;              /* bit m set: the move sets mark m */
    unsigned clears_marks;            /* bit m set: the move clears mark m */
    /*
     * A log-linear trend (trend: {per_year, until, after, damping}): the
     * rate in financial year y (0 = the one holding the base date) is
     * multiplied by exp(trend_per_year * g(y)), g(y) = y while y is at
     * most trend_until (the last trend year, in the same index; INT_MAX
     * when it never ends), after it: HOLD keeps g(until), CONTINUE goes on
     * (g(y) = y) and DAMP adds damping^k for the k-th year after until
     * (0 < damping < 1), so the change fades to a plateau.
     */
    double trend_per_year; /* log change a year; 0: no trend */
    int trend_until;
    int trend_after; /* cs_trend_after */
    double trend_damping;
    int year_effect; /* index into cs_scenario.year_effects, or -1 */
    /* A cost per child moved (cost: {per_child, inflation, intervention}):
     * GBP at price-base prices, rising in cash by event_cost_inflation a
     * year, counted as early or late intervention (an assessment, care
     * proceedings); event_cost 0: none. */
    double event_cost;
    double event_cost_inflation;
    cs_intervention event_intervention;
    /* A rate that depends on a caseload (caseload: {workforce,
     * elasticity}): in each month the rate is multiplied by
     * (L / reference_caseload)^caseload_elasticity, L the children in the
     * workforce's stages at the start of the month per worker (see
     * cs_workforce); has_caseload 0: none. */
    int has_caseload;
    int workforce; /* index into cs_scenario.workforces */
    double caseload_elasticity;
} cs_transition;

/*
 * A workforce (workforce: ID: {stages, per_year, growth,
 * reference_caseload}): workers (full-time equivalent) per financial year
 * (the last entry grows by `growth` a year) whose caseload is the children
 * of `stages` (a bitset of leaf stages) per worker. Transitions with a
 * caseload on it have their rates multiplied each month by
 * (caseload / reference_caseload)^elasticity, the multiplier held within
 * [CS_CASELOAD_FACTOR_MIN, CS_CASELOAD_FACTOR_MAX].
 */
#define CS_MAX_WORKFORCES 4
#define CS_CASELOAD_FACTOR_MIN 0.001
#define CS_CASELOAD_FACTOR_MAX 1000.0
typedef struct cs_workforce {
    char id[CS_ID_MAX];
    char label[CS_LABEL_MAX];
    unsigned stages; /* bit s: leaf stage s */
    int n_years;
    double per_year[CS_MAX_YEARS]; /* workers > 0 */
    double growth;
    double reference_caseload; /* children per worker, > 0 */
} cs_workforce;

typedef enum cs_trend_after {
    CS_TREND_CONTINUE = 0,
    CS_TREND_HOLD = 1,
    CS_TREND_DAMP = 2,
} cs_trend_after;

/*
 * A random year effect shared by the transitions that name it: on the log
 * scale, u_y = ar * u_{y-1} + e_y with e_y ~ N(0, sd^2) independently for
 * each financial year y >= 0, from u_{-1} = start (the effect's level in
 * the year before the base date: a fit sets it to the last year's log
 * residual, so a forecast goes on from where the series was rather than
 * from the fitted line; 0 by default), ar = 1 being a random walk. Every
 * rate naming it is multiplied by exp(u_y) in year y. Each run draws its
 * own u (cs_scenario_draw_year_effects) into value[]; a scenario fresh
 * from a file has the expected path, value[y] = start ar^(y+1).
 */
typedef struct cs_year_effect {
    char id[CS_ID_MAX];
    double sd; /* >= 0 (0: the expected path in every run) */
    double ar; /* in [-1, 1] */
    double start;
    double value[CS_MAX_YEARS];
} cs_year_effect;

/*
 * Children arriving from outside the population straight into a stage
 * (unaccompanied asylum-seeking children into care): per financial year
 * (the last entry repeats, or the list covers the horizon), spread over
 * ages by age_share, a Poisson number each month in stochastic runs.
 */
typedef struct cs_arrival {
    char id[CS_ID_MAX];
    char label[CS_LABEL_MAX];
    cs_stage_ref to;
    double age_share[CS_AGES]; /* sums to 1 */
    int n_years;
    double per_year[CS_MAX_YEARS];
    unsigned sets_marks;
} cs_arrival;

/*
 * A policy lever: from a month on, optionally ramped in linearly over
 * ramp_months (the change is (m - from + 1) / ramp_months done in month m),
 * and optionally ending: in force to month `until` (inclusive), then gone at
 * once or faded out linearly over fade_months (the level reached at `until`
 * times 1 - (m - until) / fade_months), change one thing:
 *   RATE       a transition's annual rate for ages age_lo..age_hi:
 *              rate * multiply + add (before duration and mark factors)
 *   CAPACITY   a stage's places: set to `places`, or times multiply
 *   UNIT_COST  a stage's unit cost: times multiply
 *   FUNDING    a funding stream's cash: times multiply
 * Levers on the same thing compose (factors multiply, adds add). The loader
 * refuses a lever the model would ignore: CAPACITY on a stage whose places
 * its funding streams buy, FUNDING on a stream that buys no stage's
 * places, UNIT_COST on a stage without a cost that counts, and any lever
 * from after the horizon.
 */
typedef enum cs_lever_kind {
    CS_LEVER_RATE = 0,
    CS_LEVER_CAPACITY = 1,
    CS_LEVER_UNIT_COST = 2,
    CS_LEVER_FUNDING = 3,
} cs_lever_kind;

typedef struct cs_lever {
    char id[CS_ID_MAX];
    char label[CS_LABEL_MAX];
    cs_lever_kind kind;
    int from_month;  /* months after the base month (< 0: already on) */
    int ramp_months; /* 0: all at once */
    int has_until;   /* 0: in force to the horizon's end */
    int until_month; /* the last month in force (months after the base) */
    int fade_months; /* after until: 0 gone at once, else a linear fade */
    int target;      /* the transition, stage or funding stream */
    int age_lo, age_hi;
    double multiply; /* 1 when not given */
    double add;      /* rate levers, per year; 0 when not given */
    double places;   /* capacity levers: the new places, or < 0 */
} cs_lever;

/*
 * An uncertain parameter: a number in the scenario given as a distribution
 * ({dist: gamma, mean: 0.04, sd: 0.008}). The scenario holds its mean
 * (scaled: a unit cost per week is stored per month); each run can draw its
 * own value, and cs_scenario_set_parameters puts value * scale in the place
 * `target` names. Draws outside [lo, hi], the range the number must keep,
 * are redrawn (normal) or clamped (the others).
 *
 * A parameter is identified by its path, which names the number by what it
 * is, never by a position in a list that could move: by-age bands by their
 * ages, duration bands by their months, e.g.
 *     transitions.referral.rate
 *     transitions.referral.by_age[0-9].rate       (ages 0 to 9; [16-17], [5])
 *     transitions.closed.by_duration[3+].factor   (months 3 and after; [0-2])
 *     transitions.referral.if_marked.known
 *     stages.cin.unit_cost.per_week
 *     stages.looked_after.placements.foster_agency.capacity.places
 *     levers.fewer_cp_plans.rate.multiply
 * Its random stream is keyed by a hash of the path (`stream`, FNV-1a 32 of
 * its bytes), so adding, removing or reordering uncertain parameters never
 * changes another's draws, and the same path draws the same value in any
 * scenario for the same seed and run (given the same distribution).
 */
typedef enum cs_distribution {
    CS_DIST_BETA = 0,       /* a = mean, b = sd */
    CS_DIST_GAMMA = 1,      /* a = mean, b = sd */
    CS_DIST_LOGNORMAL = 2,  /* a = mean, b = sd */
    CS_DIST_NORMAL = 3,     /* a = mean, b = sd */
    CS_DIST_UNIFORM = 4,    /* a = min, b = max */
    CS_DIST_TRIANGULAR = 5, /* a = min, b = mode, c = max */
} cs_distribution;

/* The number an uncertain parameter stands for, in the scenario holding it. */
typedef enum cs_target_kind {
    CS_TARGET_TRANSITION_RATE = 0, /* transitions[index].rate */
    CS_TARGET_AGE_RATE = 1,        /* transitions[index]: the by_age band
                                      whose age_lo is `sub`, its rate */
    CS_TARGET_DURATION_FACTOR = 2, /* transitions[index].by_duration[sub] */
    CS_TARGET_MARK_FACTOR = 3,     /* transitions[index].mark_factor[sub] */
    CS_TARGET_UNIT_COST = 4,       /* stages[index].unit_cost */
    CS_TARGET_PLACES = 5,          /* stages[index].places */
    CS_TARGET_LEVER_MULTIPLY = 6,  /* levers[index].multiply */
    CS_TARGET_LEVER_ADD = 7,       /* levers[index].add */
    CS_TARGET_TREND = 8,           /* transitions[index].trend_per_year */
} cs_target_kind;

typedef struct cs_target {
    cs_target_kind kind;
    int index; /* the transition, stage or lever */
    int sub;   /* age_lo, duration band or mark; 0 where unused */
} cs_target;

typedef struct cs_parameter {
    char path[CS_PATH_MAX]; /* e.g. "transitions.referral.rate" */
    uint32_t stream;        /* FNV-1a 32 of path: its Philox substream */
    cs_target target;
    double scale;
    cs_distribution dist;
    double a, b, c;
    double mean; /* the value used without parameter uncertainty */
    double lo, hi;
} cs_parameter;

/*
 * What `cascade fit` may estimate (the scenario's `fit:` section,
 * docs/fitting.md). A parameter is, on its fitted scale:
 *   MULTIPLY  the log of a multiplier applied to every number it lists
 *             (paths as cs_scenario_numbers takes them); bounds lo, hi
 *             are of the multiplier; the scenario's own values are 0
 *   TREND     the trend per year (the log change a year) of the
 *             transitions it lists, set for the years of the fit and
 *             then continued by `after` (a cs_trend_after)
 *   ADD       an amount added to every number it lists (net migration)
 * with an optional normal prior of sd prior_sd (> 0) around 0.
 * A fitted scenario (written by cascade fit) also holds the estimates'
 * covariance on the fitted scale: each run then draws a deviation from
 * N(0, covariance) and applies it around the written (estimated) values.
 */
typedef enum cs_fit_kind {
    CS_FIT_MULTIPLY = 0,
    CS_FIT_TREND = 1,
    CS_FIT_ADD = 2,
} cs_fit_kind;

typedef struct cs_fit_parameter {
    char id[CS_ID_MAX];
    cs_fit_kind kind;
    int n_targets;
    char targets[CS_MAX_FIT_TARGETS][CS_PATH_MAX]; /* paths, or transition
                                                      ids for TREND */
    double lo, hi;
    double prior_sd;   /* 0: none */
    double prior_mean; /* the prior's centre on the fitted scale: 0 (the
                          scenario's own value) unless a council panel's
                          (cs_fit_panel_apply) */
    int after;         /* TREND: the rule after the fit window */
    double damping;
} cs_fit_parameter;

/* A year effect a fit estimates from the residuals of `measures`, given
 * to `transitions` (indices) in the fitted scenario. */
typedef struct cs_fit_effect {
    char id[CS_ID_MAX];
    int n_measures;
    char measures[CS_MAX_FIT_TARGETS][CS_MEASURE_MAX];
    int n_transitions;
    int transitions[CS_MAX_FIT_TARGETS];
} cs_fit_effect;

/* A published flow counted as these transitions' flows. */
typedef struct cs_fit_map {
    char measure[CS_MEASURE_MAX];
    int n_transitions;
    int transitions[CS_MAX_FIT_TARGETS];
} cs_fit_map;

/*
 * What a fitted scenario was fitted to (fit.figures, written by cascade
 * fit; docs/scenario-format.md): for each published measure the fit used
 * (data.h's names), the figures of DfE years from `from` (to 31 March):
 * published[i] the area's figure for year from + i, fitted[i] the fitted
 * model's one-year-ahead value for it; NaN where there is none. Lists
 * never run past the window's last year. A record, not an input: a run
 * copies it into its output (docs/output-format.md) so tables and reports
 * can set the published figures beside the model for the fit years.
 */
#define CS_MAX_FIT_SERIES 64
#define CS_MAX_FIT_YEARS 50
#define CS_FIT_SOURCE_MAX 256

typedef struct cs_fit_series {
    char measure[CS_MEASURE_MAX];
    int from; /* the DfE year of published[0] and fitted[0] */
    int n_published, n_fitted;
    double published[CS_MAX_FIT_YEARS];
    double fitted[CS_MAX_FIT_YEARS];
} cs_fit_series;

typedef struct cs_fit_figures {
    int present; /* 0: the scenario records none */
    char area_code[CS_ID_MAX];
    char area_name[CS_LABEL_MAX];
    char source[CS_FIT_SOURCE_MAX]; /* the data's files, as the fit read
                                       them (names only, no directories) */
    int window_first, window_last;  /* DfE years: started from 31 March
                                       window_first, fitted to the years
                                       after it up to window_last */
    int n_series;
    cs_fit_series series[CS_MAX_FIT_SERIES];
} cs_fit_figures;

typedef struct cs_fit_spec {
    int window_first, window_last; /* DfE years to 31 March; 0: the data's */
    int n_parameters;
    cs_fit_parameter parameters[CS_MAX_FIT_PARAMETERS];
    int n_effects;
    cs_fit_effect effects[CS_MAX_FIT_EFFECTS];
    int n_maps;
    cs_fit_map maps[CS_MAX_FIT_MAPS];
    /* from a fit: 1 if covariance holds the estimates' joint uncertainty
     * (n_parameters x n_parameters, on the fitted scale) */
    int has_covariance;
    double covariance[CS_MAX_FIT_PARAMETERS][CS_MAX_FIT_PARAMETERS];
    /* from a fit, TREND parameters: the trend's years g from the start of
     * the fit window to the base date (fit.trend_years), so that a drawn
     * trend moves the base year's rates too (by exp(deviation * g)) */
    double trend_years[CS_MAX_FIT_PARAMETERS];
    /* from a fit: the figures it was fitted to, and its fitted values */
    cs_fit_figures figures;
} cs_fit_spec;

typedef struct cs_scenario {
    int format_version;
    char name[CS_ID_MAX]; /* [a-z0-9-]+, the output group name */
    char *description;    /* owned; may be "" */
    char *source_path;    /* owned; the file it came from ("<builtin>") */
    char *resolved_yaml;  /* owned; the fully merged scenario, as YAML */
    /*
     * What it extends (see docs/scenario-format.md, extends). All owned.
     * extends_source: the file its `extends:` named, as the loader opened
     *   it (the extending file's directory joined with the value), or
     *   "<builtin>/NAME" for a scenario shipped inside the library; NULL
     *   when it extends nothing.
     * extends_hash: cs_text_hash of the base's resolved YAML, the text
     *   that loading the base on its own gives as its resolved_yaml; NULL
     *   when it extends nothing.
     * resolved_hash: cs_text_hash of this scenario's resolved_yaml. A
     *   what-if's extends_hash equals its base's resolved_hash exactly when
     *   it was built on that very base text.
     */
    char *extends_source;
    char *extends_hash;
    char *resolved_hash;

    int base_year, base_month; /* month 1..12 of the first simulated month */
    int horizon_months;        /* 1 .. 12*CS_MAX_YEARS */
    uint64_t seed;

    int n_stages;
    cs_stage stages[CS_MAX_STAGES];
    int n_groups;
    cs_stage_group groups[CS_MAX_GROUPS];
    int n_marks;
    cs_mark marks[CS_MAX_MARKS];
    int n_transitions;
    cs_transition transitions[CS_MAX_TRANSITIONS];

    /* Children at the base date, by leaf stage and age: whole numbers. */
    double initial[CS_MAX_STAGES][CS_AGES];
    /* Share of each stage's initial children who carry each mark, 0..1. */
    double initial_mark_share[CS_MAX_STAGES][CS_MAX_MARKS];
    /* Share of each stage's initial children by completed months in the
     * stage (the last slot: that many or more), n_initial_durations[s] of
     * them (cs_scenario_duration_slots); 0: the steady-state split of the
     * rates (docs/model.md, "The initial state"). A fit writes the fitted
     * model's own (population.stages.X.months_in_stage). */
    int n_initial_durations[CS_MAX_STAGES];
    double initial_duration_share[CS_MAX_STAGES][CS_MAX_DURATION_MONTHS + 1];

    /* Economics: unit costs are in prices of the financial year starting
     * in April of price_base_year; cash = constant prices x the general
     * deflator (1 + general_inflation)^years; discount is the default
     * schedule for comparisons (HM Treasury Green Book's declining rate
     * unless economics.discount_rate gives a constant). */
    int price_base_year;
    double general_inflation;
    cs_discount discount;

    int n_streams;
    cs_funding_stream streams[CS_MAX_STREAMS];
    cs_budget budget; /* budget.present: 0 without one */
    int n_workforces;
    cs_workforce workforces[CS_MAX_WORKFORCES];
    cs_care_leavers care_leavers; /* care_leavers.present: 0 without */
    int n_programmes;
    cs_programme programmes[CS_MAX_PROGRAMMES];
    int n_levers;
    cs_lever levers[CS_MAX_LEVERS];
    int n_parameters;
    cs_parameter parameters[CS_MAX_PARAMETERS];

    /* Births into birth_stage at age 0: per financial year, the first entry
     * for the year starting at the base date; the last entry repeats (a
     * list with `growth:` is extended here to cover the horizon). */
    int birth_stage;
    int n_births;
    double births_per_year[CS_MAX_YEARS];

    cs_ageing ageing;
    int remainder_stage; /* population.remainder: everyone not elsewhere */

    /* Net migration of children (arrivals less departures) into or out of
     * migration_stage, per financial year (the last entry repeats), spread
     * over ages by migration_age_share; n_migration 0: none. Departures
     * never take more children than the stage holds at an age. */
    int n_migration;
    double migration_per_year[CS_MAX_YEARS];
    double migration_age_share[CS_AGES];
    int migration_stage;

    int n_arrivals;
    cs_arrival arrivals[CS_MAX_ARRIVALS];
    int n_year_effects;
    cs_year_effect year_effects[CS_MAX_YEAR_EFFECTS];

    cs_fit_spec *fit; /* owned; NULL when the file has no fit: section */
} cs_scenario;

/*
 * Load and validate a scenario file, resolving `extends:`. On success *out
 * owns a new scenario (free with cs_scenario_free) and CS_OK is returned. On
 * failure *out is NULL, CS_EINPUT (bad content, missing file) or another
 * code is returned, and err->message reads "file:line:column: message".
 */
int cs_scenario_load_file(const char *path, cs_scenario **out, cs_error *err);

/*
 * As cs_scenario_load_file, from text in memory. display_name is what errors
 * call the text (e.g. "england-baseline.yaml"); base_dir is where relative
 * `extends:` paths are looked up (NULL: the current directory). The default
 * name, when the text has no `name:`, is display_name's stem.
 */
int cs_scenario_load_string(const char *text, size_t len,
                            const char *display_name, const char *base_dir,
                            cs_scenario **out, cs_error *err);

void cs_scenario_free(cs_scenario *scenario);

/*
 * The text of a scenario file shipped inside the library (the .yaml files in
 * scenarios/, embedded at build time), by file name, e.g.
 * "england-baseline.yaml"; NULL if there is none. *length receives its size in
 * bytes.
 */
const char *cs_scenario_builtin_text(const char *file_name, size_t *length);

/* A deep copy of s into *out (free with cs_scenario_free). CS_OK or
 * CS_ENOMEM (*out NULL, message in err). */
int cs_scenario_copy(const cs_scenario *s, cs_scenario **out, cs_error *err);

/*
 * Draw run `run`'s value of every uncertain parameter, each from its own
 * Philox substream (seed, run, CS_RNG_PARAMETERS, parameter->stream), into
 * drawn[] (may be NULL; in each parameter's own units, before scaling) and
 * into *out, a new scenario: a copy of scenario, owning its own strings
 * (free it with cs_scenario_free), with the drawn values in place. Returns
 * CS_OK; or CS_ENOMEM, or CS_EFAIL (a draw that is not a finite number),
 * with *out NULL and a message in err.
 */
int cs_scenario_draw(const cs_scenario *scenario, uint64_t seed, uint32_t run,
                     cs_scenario **out, double *drawn, cs_error *err);

/*
 * Draw run `run`'s year effects into scenario->year_effects[i].value[],
 * in place (scenario.h, cs_year_effect): effect i from its own stream,
 * keyed by (seed, run, CS_RNG_YEAR_EFFECTS, a 32-bit FNV-1a hash of its
 * id), so adding an effect never changes another's draws. CS_OK or
 * CS_ENOMEM.
 */
int cs_scenario_draw_year_effects(cs_scenario *scenario, uint64_t seed,
                                  uint32_t run, cs_error *err);

/* Put values[i] (in parameter i's own units) in place of every uncertain
 * parameter of scenario, scaled as the file's number was, at the place its
 * target names. */
void cs_scenario_set_parameters(cs_scenario *scenario, const double *values);

/*
 * The q-quantile (0 < q < 1) of an uncertain parameter's distribution, in
 * its own units, kept in its range; q <= 0 (or NaN) gives the lowest value,
 * q >= 1 the highest. Gamma and beta invert their distribution functions by
 * bisection over the doubles (at most 64 steps); the others are closed
 * forms. Never aborts and never spins: a parameter whose distribution the
 * loader would refuse gives NaN.
 */
double cs_parameter_quantile(const cs_parameter *parameter, double q);

/*
 * A copy of scenario that starts at year-month (its new base date) and runs
 * for horizon_months: every list by financial year (funding, births,
 * migration, arrivals, year effects) and every date (levers, the last year
 * of trends) is moved so that each calendar date keeps its value; a year
 * before a list's first takes its first value. The initial children are
 * kept as they are (set them for the new date afterwards). Free *out with
 * cs_scenario_free. CS_OK, CS_EINPUT (a date or horizon out of range), or
 * CS_ENOMEM.
 */
int cs_scenario_rebase(const cs_scenario *scenario, int year, int month,
                       int horizon_months, cs_scenario **out, cs_error *err);

/* g(y) of a transition's trend for financial year y from the base date's
 * (cs_transition: y up to trend_until, then by trend_after). */
double cs_trend_years(const cs_transition *transition, int y);

/*
 * The numbers a path names in scenario, as a fit parameter lists them:
 *   transitions.ID.rate, transitions.ID.by_age[BAND].rate (a band as the
 *   file writes it: 0-9, 5, 16+), transitions.ID.by_duration[BAND].factor
 *   (months: 0-2, 12+), transitions.ID.if_marked.MARK,
 *   transitions.ID.trend.per_year, births.per_year,
 *   population.net_migration.per_year, arrivals.ID.per_year
 * (a per-year list names every entry). Fills slots[0..] with pointers into
 * scenario (at most max) and returns how many, or -1 with a message in why
 * (why_size bytes) saying what is wrong.
 */
int cs_scenario_numbers(cs_scenario *scenario, const char *path, double **slots,
                        int max, char *why, size_t why_size);

/*
 * Put fit parameter values (spec's, on their fitted scale: cs_fit_kind) in
 * scenario: multiply its numbers by exp(value), add value, or set its
 * transitions' trend to value; with deviation, a trend is shifted by value
 * instead and its transitions' rates multiplied by exp(value *
 * spec->trend_years[i]) (a draw around an estimate made years before the
 * base date). 0, or -1 with a message in why.
 */
int cs_fit_apply(cs_scenario *scenario, const cs_fit_spec *spec,
                 const double *values, int deviation, char *why,
                 size_t why_size);

/* Index of the transition with this id, or -1. */
int cs_scenario_find_transition(const cs_scenario *scenario, const char *id);

/*
 * The months-in-stage slots of a stage: 1 + the larger of the largest lower
 * bound of the last by_duration band of any transition out of it and the
 * expires_months of every expiring mark that can reach it (a stage whose
 * rates do not depend on time in it has one slot). The model keeps a
 * child's months in stage up to the last slot, which holds that many months
 * or more.
 */
int cs_scenario_duration_slots(const cs_scenario *scenario, int stage);

/*
 * Whether children of a stage can carry expiring mark `mark`: it is set on
 * the way in (by a transition into the stage, an arrival, a programme of
 * it, or a full stage's when_full marks), given at the base date
 * (population marked: share > 0), or carried in by children turned away
 * from a full stage it can reach. 1 or 0; 1 for every stage for a mark
 * that does not expire (any move can carry it anywhere).
 */
int cs_scenario_mark_reaches(const cs_scenario *scenario, int mark, int stage);

/*
 * The 64-bit FNV-1a hash of n bytes of text as 16 lowercase hexadecimal
 * digits and a NUL, into out: how a scenario records the text it extends
 * (extends_hash) and its own (resolved_hash).
 */
void cs_text_hash(const char *text, size_t n, char out[17]);

/* Index of the leaf stage with this id, or -1. */
int cs_scenario_find_stage(const cs_scenario *scenario, const char *id);

#endif
