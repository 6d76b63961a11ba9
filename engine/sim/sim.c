/*
 * sim.c - the stochastic and deterministic steppers (see sim.h).
 *
 * Both walk the compiled outcome table of model_internal.h month by month:
 * ageing (a twelfth of each age each month, or all at once in April),
 * then moves, arrivals, births and net migration. The state is a vector of
 * children per compartment, double-buffered: a month reads `now` and writes
 * `next`. Counts are doubles in both modes; in the stochastic mode they
 * hold whole numbers (exact in a double far beyond any population).
 */
#include "cascade/sim.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "cascade/rng.h"
#include "model/model_internal.h"
#include "rng/sample.h"
#include "sim/caseload.h"
#include "sim/sim_internal.h"

struct cs_sim {
    const cs_model *model;
    double *now, *next;   /* children per compartment */
    double *pending;      /* arrivals at stages with capacity, not yet let in */
    unsigned int *drawn;  /* multinomial counts, max_outcomes of them */
    double *tail;         /* cs_sample_place's scratch, max_outcomes */
    unsigned char *waits; /* [outcome] 1: a move into a stage with places,
                             whose children wait there (arrive) */
    gsl_rng *rng;         /* the plain twin's and the other draws' stream */
    cs_stream stream;     /* the fast sampler's */
    /* binomial(n, 1/12), the monthly birthdays: made by the first
     * stochastic month with monthly ageing (a fit's deterministic runs never
     * pay for it); NULL until then, or if it could not be made, and then
     * cs_sample_binomial draws the same */
    cs_binomial_table *ageing;
    cs_sim_sampler sampler;
    /* the fast sampler's per-epoch table, filled the first time a month of
     * the epoch is stepped and kept (it depends on the model only):
     * leave[(e * n_compartments + c) * 2] is compartment c's chance of
     * leaving in epoch e (its ways out summed), [.. + 1] cs_binomial_log
     * of it */
    double *leave;
    unsigned char *leave_ready; /* [epoch] */
    /* this month's block 0 of the stream for one purpose of every
     * compartment that draws, computed several at a time
     * (cs_stream_first_blocks): compartment c is the listed[c]-th to draw
     * (-1: it does not), its words first_block[j n_compartments +
     * listed[c]] for j = 0..3 */
    int *listed;           /* [compartment] */
    uint32_t *substream;   /* [compartment] CS_SUBSTREAM(t, c), listed */
    uint32_t *first_block; /* [4][compartment] */
    double *flow_ages;     /* cs_sim_record_ages: [month][flow][age], or NULL */
    double *month_ages;    /* this month's [flow][age] of it, or NULL */
    int *age_of;           /* [compartment] its age, when recording */
    double *capacity;      /* this run's record [month][capacity][3], or NULL */
    int capacity_first;    /* the month capacity[0] records */
    int month;             /* the next month to step (cs_sim_continue) */
    /* the budget (model scenario.budget.present): the reserves now, the
     * fraction of its streams' planned cash it pays this month, and where
     * cs_sim_record_budget asked the months of each call to be recorded
     * ([month][CS_BUDGET_MEASURES], or NULL) */
    double reserves;
    double paid_share;
    double *budget_record;
    /* caseloads (model n_caseload_rows > 0; else NULL): the month's
     * outcome table and the fast sampler's leave table, copies of the
     * epoch's (caseload_epoch and caseload_leave_epoch, -1: none yet) with the
     * caseload rows rewritten each month (sim/caseload.c); the factor per
     * transition */
    double *caseload_p;
    double *caseload_leave;
    int caseload_epoch, caseload_leave_epoch;
    double *caseload_factor;
    /* what else the budget pays as statutory spend (pay_budget), carried
     * from the month before: the children each late per-event cost line's
     * transition moved ([cost line], 0 for other lines), the care leavers
     * supported at the month's end, and the 18-year-olds of the care
     * leavers' window behind that count ([month % window]); budget_flows
     * holds a month's flows when the caller records none. NULL without a
     * budget. */
    double *budget_moved;
    double budget_leavers, leavers_in_window;
    double *leavers_window;
    double *budget_flows;
};

cs_sim *cs_sim_alloc(const cs_model *model)
{
    cs_sim *sim = calloc(1, sizeof *sim);
    if (!sim)
        return NULL;
    size_t nc = (size_t)model->n_compartments;
    sim->model = model;
    sim->now = calloc(nc, sizeof *sim->now);
    sim->next = calloc(nc, sizeof *sim->next);
    sim->pending = calloc(nc, sizeof *sim->pending);
    sim->drawn = calloc((size_t)model->max_outcomes + 1, sizeof *sim->drawn);
    sim->tail = calloc((size_t)model->max_outcomes + 1, sizeof *sim->tail);
    sim->waits = calloc((size_t)model->n_outcomes, 1);
    for (int c = 0; sim->waits && c < model->n_compartments; c++)
        for (int o = model->first_outcome[c] + 1;
             o < model->first_outcome[c + 1]; o++) {
            int d = model->outcome_dest[o];
            sim->waits[o] = model->overflow_dest[d] != d;
        }
    sim->rng = gsl_rng_alloc(cs_rng_philox);
    /* not touched (so not paid for) until a stochastic run needs it */
    sim->leave = malloc((size_t)model->n_epochs * nc * 2 * sizeof *sim->leave);
    sim->leave_ready = calloc((size_t)model->n_epochs, 1);
    sim->listed = calloc(nc, sizeof *sim->listed);
    sim->substream = calloc(nc, sizeof *sim->substream);
    sim->first_block = calloc(nc * 4, sizeof *sim->first_block);
    sim->sampler = CS_SIM_SAMPLER_FAST;
    sim->caseload_epoch = sim->caseload_leave_epoch = -1;
    int caseload_ok = 1;
    if (model->n_caseload_rows > 0) {
        sim->caseload_p =
            malloc((size_t)model->n_outcomes * sizeof *sim->caseload_p);
        sim->caseload_leave = malloc(nc * 2 * sizeof *sim->caseload_leave);
        sim->caseload_factor =
            malloc((size_t)(model->scenario.n_transitions + 1) *
                   sizeof *sim->caseload_factor);
        caseload_ok =
            sim->caseload_p && sim->caseload_leave && sim->caseload_factor;
    }
    if (model->budget_income) {
        const cs_care_leavers *cl = &model->scenario.care_leavers;
        size_t window = cl->present ? 12 * (size_t)cl->years : 0;
        sim->budget_moved =
            calloc((size_t)model->n_cost_lines + 1, sizeof *sim->budget_moved);
        sim->leavers_window = calloc(window + 1, sizeof *sim->leavers_window);
        sim->budget_flows =
            calloc((size_t)model->n_flows + 1, sizeof *sim->budget_flows);
        if (!sim->budget_moved || !sim->leavers_window || !sim->budget_flows) {
            cs_sim_free(sim);
            return NULL;
        }
    }
    if (!sim->now || !sim->next || !sim->pending || !sim->drawn || !sim->tail ||
        !sim->waits || !sim->rng || !sim->leave || !sim->leave_ready ||
        !sim->listed || !sim->substream || !sim->first_block || !caseload_ok) {
        cs_sim_free(sim);
        return NULL;
    }
    return sim;
}

void cs_sim_free(cs_sim *sim)
{
    if (!sim)
        return;
    free(sim->budget_moved);
    free(sim->leavers_window);
    free(sim->budget_flows);
    free(sim->now);
    free(sim->next);
    free(sim->pending);
    free(sim->drawn);
    free(sim->tail);
    free(sim->waits);
    free(sim->leave);
    free(sim->leave_ready);
    free(sim->age_of);
    free(sim->listed);
    free(sim->substream);
    free(sim->first_block);
    free(sim->caseload_p);
    free(sim->caseload_leave);
    free(sim->caseload_factor);
    cs_binomial_table_free(sim->ageing);
    if (sim->rng)
        gsl_rng_free(sim->rng);
    free(sim);
}

void cs_sim_set_sampler(cs_sim *sim, cs_sim_sampler sampler)
{
    assert(sampler == CS_SIM_SAMPLER_FAST ||
           sampler == CS_SIM_SAMPLER_REFERENCE);
    sim->sampler = sampler;
}

const cs_stream_counts *cs_sim_counts(const cs_sim *sim)
{
    return &sim->stream.counts;
}

/* Block 0 of month t's stream for `purpose` of every compartment with
 * children (and, with moves_only, more than one outcome). */
static void first_blocks(cs_sim *sim, uint64_t seed, uint32_t run,
                         uint32_t purpose, int t, int moves_only)
{
    const cs_model *m = sim->model;
    int nc = m->n_compartments, count = 0;
    for (int c = 0; c < nc; c++) {
        int k = m->first_outcome[c + 1] - m->first_outcome[c];
        int draws = sim->now[c] > 0 && (!moves_only || k > 1);
        sim->listed[c] = draws ? count : -1;
        if (draws)
            sim->substream[count++] = CS_SUBSTREAM(t, c);
    }
    cs_stream_first_blocks(seed, run, purpose, sim->substream, count,
                           sim->first_block, (size_t)nc);
    sim->stream.counts.batched += (uint64_t)count;
    /* keyed once for the pass: start_stream changes only the substream */
    cs_stream_reset(&sim->stream, seed, run, purpose, 0);
}

/* A stream for compartment c this month, block 0 from first_blocks (whose
 * reset gave it the seed, run and purpose). */
static inline void start_stream(cs_sim *sim, int t, int c)
{
    assert(sim->listed[c] >= 0);
    cs_stream_restart(&sim->stream, CS_SUBSTREAM(t, c),
                      sim->first_block + sim->listed[c],
                      (size_t)sim->model->n_compartments);
}

/* The fast sampler's table for epoch e (see struct cs_sim). */
static const double *leave_table(cs_sim *sim, int e)
{
    const cs_model *m = sim->model;
    size_t nc = (size_t)m->n_compartments;
    double *leave = sim->leave + (size_t)e * nc * 2;
    if (sim->leave_ready[e])
        return leave;
    const double *p = m->outcome_p + (size_t)e * (size_t)m->n_outcomes;
    for (size_t c = 0; c < nc; c++) {
        double q = 0; /* summed from the end, as cs_sample_place does */
        for (int o = m->first_outcome[c + 1] - 1; o > m->first_outcome[c]; o--)
            q += p[o];
        q = q > 1 ? 1 : q;
        leave[2 * c] = q;
        leave[2 * c + 1] = cs_binomial_log(q);
    }
    sim->leave_ready[e] = 1;
    return leave;
}

/* n children of age a in flow f this month, when recording by age. */
static inline void by_age(cs_sim *sim, int f, int a, double n)
{
    if (sim->month_ages && f >= 0)
        sim->month_ages[(size_t)f * CS_AGES + (size_t)a] += n;
}

/*
 * Everyone ages a year: within each stage the age blocks shift up by one
 * and the 17-year-olds' block leaves, counted in the stage's age-out flow.
 */
static void age_everyone(const cs_model *m, double *state, double *flows)
{
    for (int s = 0; s < m->n_stages; s++) {
        int block = m->n_dur[s] * m->n_mark_sets;
        double *base = state + m->stage_offset[s];
        double leaving = 0;
        for (int i = 0; i < block; i++)
            leaving += base[(CS_AGES - 1) * block + i];
        memmove(base + block, base,
                sizeof *base * (size_t)(CS_AGES - 1) * (size_t)block);
        memset(base, 0, sizeof *base * (size_t)block);
        if (flows)
            flows[m->births_flow + 1 + s] += leaving;
    }
}

/*
 * Birthdays spread over the year (ageing: monthly): each month a twelfth
 * of every age a year older, from the oldest down so nobody ages twice;
 * a twelfth of the 17-year-olds reach 18 and leave, counted in the stage's
 * age-out flow. Stochastically each child has a birthday this month with
 * probability 1/12, a binomial draw per compartment on its own substream
 * (cs_sample_binomial, its walk tabled for small counts, or GSL's for the
 * plain twin).
 */
static void age_monthly(cs_sim *sim, cs_sim_mode mode, uint64_t seed,
                        uint32_t run, int t, double *flows)
{
    const cs_model *m = sim->model;
    double *state = sim->now;
    int fast = mode == CS_SIM_STOCHASTIC && sim->sampler == CS_SIM_SAMPLER_FAST;
    if (fast)
        first_blocks(sim, seed, run, CS_RNG_AGEING, t, 0);
    if (fast && !sim->ageing)
        sim->ageing = cs_binomial_table_alloc(1.0 / 12);
    for (int s = 0; s < m->n_stages; s++) {
        int block = m->n_dur[s] * m->n_mark_sets;
        double *base = state + m->stage_offset[s];
        double leaving = 0;
        for (int a = CS_AGES - 1; a >= 0; a--)
            for (int i = 0; i < block; i++) {
                double *n = &base[a * block + i];
                if (*n <= 0)
                    continue;
                double moved;
                int c = m->stage_offset[s] + a * block + i;
                if (fast) {
                    assert(*n < 4294967296.0);
                    start_stream(sim, t, c);
                    moved = sim->ageing
                                ? cs_sample_binomial_tabled(&sim->stream,
                                                            sim->ageing,
                                                            (unsigned int)*n)
                                : cs_sample_binomial(&sim->stream,
                                                     (unsigned int)*n, 1.0 / 12,
                                                     cs_binomial_log(1.0 / 12));
                } else if (mode == CS_SIM_STOCHASTIC) {
                    cs_rng_reset(sim->rng, seed, run, CS_RNG_AGEING,
                                 CS_SUBSTREAM(t, c));
                    moved =
                        gsl_ran_binomial(sim->rng, 1.0 / 12, (unsigned int)*n);
                } else {
                    moved = *n / 12;
                }
                *n -= moved;
                if (a == CS_AGES - 1)
                    leaving += moved;
                else
                    base[(a + 1) * block + i] += moved;
            }
        if (flows)
            flows[m->births_flow + 1 + s] += leaving;
    }
}

/*
 * Arrivals from outside the population (a Poisson number a month, by age
 * and destination placement), into a stage's first month without marks
 * but those the arrival sets; at stages with capacity they wait for a
 * place like anyone else.
 */
static void arrive(cs_sim *sim, int c, double n);

static void add_arrivals(cs_sim *sim, cs_sim_mode mode, uint64_t seed,
                         uint32_t run, int t, double *flows)
{
    const cs_model *m = sim->model;
    for (int i = 0; i < m->n_arrivals; i++) {
        double total = 0;
        for (int a = 0; a < CS_AGES; a++) {
            double mean =
                m->arrivals[((size_t)t * m->n_arrivals + i) * CS_AGES + a];
            if (mean <= 0)
                continue;
            for (int j = 0; j < m->n_arrival_leaves[i]; j++) {
                double lambda = mean * m->arrival_share[i][j];
                if (lambda <= 0)
                    continue;
                double n = lambda;
                if (mode == CS_SIM_STOCHASTIC) {
                    uint32_t key =
                        (uint32_t)((i * CS_AGES + a) * CS_MAX_STAGES + j);
                    cs_rng_reset(sim->rng, seed, run, CS_RNG_ARRIVALS,
                                 CS_SUBSTREAM(t, key));
                    n = gsl_ran_poisson(sim->rng, lambda);
                }
                int c = cs_compartment(m, m->arrival_leaf[i][j], a, 0,
                                       (int)m->arrival_marks[i]);
                arrive(sim, c, n);
                total += n;
                by_age(sim, m->first_arrival_flow + i, a, n);
            }
        }
        if (flows)
            flows[m->first_arrival_flow + i] += total;
    }
}

/*
 * Net migration at the end of the month: at an age with net arrivals a
 * Poisson number arrive in the migration stage (first month, no marks);
 * at an age with net departures each child of the stage at that age
 * leaves with probability (departures / children there), capped at 1.
 */
static void migrate(cs_sim *sim, cs_sim_mode mode, uint64_t seed, uint32_t run,
                    int t, double *flows)
{
    const cs_model *m = sim->model;
    if (m->migration_flow < 0)
        return;
    int s = m->scenario.migration_stage;
    int block = m->n_dur[s] * m->n_mark_sets;
    double net = 0;
    for (int a = 0; a < CS_AGES; a++) {
        double mean = m->migration[(size_t)t * CS_AGES + a];
        int first = cs_compartment(m, s, a, 0, 0);
        if (mean > 0) {
            double n = mean;
            if (mode == CS_SIM_STOCHASTIC) {
                cs_rng_reset(sim->rng, seed, run, CS_RNG_MIGRATION,
                             CS_SUBSTREAM(t, first));
                n = gsl_ran_poisson(sim->rng, mean);
            }
            sim->next[first] += n;
            net += n;
        } else if (mean < 0) {
            double there = 0;
            for (int i = 0; i < block; i++)
                there += sim->next[first + i];
            if (there <= 0)
                continue;
            double q = -mean / there;
            q = q > 1 ? 1 : q;
            for (int i = 0; i < block; i++) {
                double n = sim->next[first + i];
                if (n <= 0)
                    continue;
                double gone = n * q;
                if (mode == CS_SIM_STOCHASTIC) {
                    cs_rng_reset(sim->rng, seed, run, CS_RNG_MIGRATION,
                                 CS_SUBSTREAM(t, first + i));
                    gone = gsl_ran_binomial(sim->rng, q, (unsigned int)n);
                }
                sim->next[first + i] -= gone;
                net -= gone;
            }
        }
    }
    if (flows)
        flows[m->migration_flow] += net;
}

/*
 * Each compartment draws from its own substream, keyed by month and
 * compartment (CS_SUBSTREAM): what one compartment draws never shifts what
 * another does, so two scenarios run with the same seed use the same
 * random numbers for the same children wherever their counts agree, which
 * is what makes common random numbers pay.
 */
/* Children moving into compartment c: straight in, or, at a stage with
 * capacity, waiting until resolve_capacity sees whether there is room. */
static inline void arrive(cs_sim *sim, int c, double n)
{
    const cs_model *m = sim->model;
    if (m->overflow_dest[c] != c)
        sim->pending[c] += n;
    else
        sim->next[c] += n;
}

/* Who of compartment c's n children moved where, given drawn[0..k-1]
 * (drawn[0] stayed; moves into a stage with places wait there, sim->waits). */
static inline void place_drawn(cs_sim *sim, int c, int k, double *flows)
{
    const cs_model *m = sim->model;
    int first = m->first_outcome[c];
    const int *dest = m->outcome_dest + first, *flow = m->outcome_flow + first;
    const unsigned char *waits = sim->waits + first;
    const unsigned int *drawn = sim->drawn;
    assert(flow[0] < 0 && !waits[0]);
    if (drawn[0] > 0) /* stayers keep their place */
        sim->next[dest[0]] += drawn[0];
    for (int i = 1; i < k; i++) {
        if (drawn[i] == 0)
            continue;
        double moved = drawn[i];
        (waits[i] ? sim->pending : sim->next)[dest[i]] += moved; /* arrive */
        assert(flow[i] >= 0);
        if (flows)
            flows[flow[i]] += moved;
        if (sim->month_ages)
            by_age(sim, flow[i], sim->age_of[c], moved);
    }
}

/*
 * The fast sampler: how many of a compartment's children leave is one
 * binomial draw against the epoch's chance of leaving (for most
 * compartments a month, one uniform against the chance that nobody
 * does); those who leave are placed among the ways out.
 */
static void move_fast(cs_sim *sim, uint64_t seed, uint32_t run, int t,
                      const double *p, const double *leave, double *flows)
{
    const cs_model *m = sim->model;
    first_blocks(sim, seed, run, CS_RNG_TRANSITIONS, t, 1);
    for (int c = 0; c < m->n_compartments; c++) {
        double n = sim->now[c];
        if (n <= 0)
            continue;
        int first = m->first_outcome[c];
        int k = m->first_outcome[c + 1] - first;
        if (k == 1) {
            sim->next[m->outcome_dest[first]] += n;
            continue;
        }
        assert(n < 4294967296.0);
        start_stream(sim, t, c);
        unsigned int gone = cs_sample_binomial(&sim->stream, (unsigned int)n,
                                               leave[2 * c], leave[2 * c + 1]);
        if (gone == 0) {
            sim->next[m->outcome_dest[first]] += n;
            continue;
        }
        sim->drawn[0] = (unsigned int)n - gone;
        cs_sample_place(&sim->stream, k - 1, gone, p + first + 1, sim->tail,
                        sim->drawn + 1);
        place_drawn(sim, c, k, flows);
    }
}

/* The plain twin: GSL's conditional binomials in outcome order. */
static void move_reference(cs_sim *sim, uint64_t seed, uint32_t run, int t,
                           const double *p, double *flows)
{
    const cs_model *m = sim->model;
    for (int c = 0; c < m->n_compartments; c++) {
        double n = sim->now[c];
        if (n <= 0)
            continue;
        int first = m->first_outcome[c];
        int k = m->first_outcome[c + 1] - first;
        if (k == 1) {
            sim->next[m->outcome_dest[first]] += n;
            continue;
        }
        assert(n < 4294967296.0);
        cs_rng_reset(sim->rng, seed, run, CS_RNG_TRANSITIONS,
                     CS_SUBSTREAM(t, c));
        cs_sample_multinomial(sim->rng, k, (unsigned int)n, p + first,
                              sim->drawn);
        place_drawn(sim, c, k, flows);
    }
}

static void move_expected(cs_sim *sim, const double *p, double *flows)
{
    const cs_model *m = sim->model;
    const int *dest = m->outcome_dest, *flow = m->outcome_flow;
    double *next = sim->next, *pending = sim->pending;
    for (int c = 0; c < m->n_compartments; c++) {
        double n = sim->now[c];
        if (n == 0)
            continue;
        int o = m->first_outcome[c], end = m->first_outcome[c + 1];
        assert(flow[o] < 0 && !sim->waits[o]);
        next[dest[o]] += n * p[o]; /* stayers keep their place */
        for (o++; o < end; o++) {
            double moved = n * p[o];
            assert(flow[o] >= 0);
            (sim->waits[o] ? pending : next)[dest[o]] += moved; /* arrive */
            if (flows)
                flows[flow[o]] += moved;
            if (sim->month_ages)
                by_age(sim, flow[o], sim->age_of[c], moved);
        }
    }
}

/*
 * Month t's outcome table (and, for the fast sampler, its leave table):
 * the epoch's, or, where rates depend on a caseload, a copy with the
 * caseload rows worked out from the children now (the start of the
 * month, before ageing).
 */
static const double *month_table(cs_sim *sim, cs_sim_mode mode, int t,
                                 const double **leave)
{
    const cs_model *m = sim->model;
    int e = m->epoch_of_month[t];
    const double *p = m->outcome_p + (size_t)e * (size_t)m->n_outcomes;
    int fast = mode == CS_SIM_STOCHASTIC && sim->sampler == CS_SIM_SAMPLER_FAST;
    *leave = fast ? leave_table(sim, e) : NULL;
    if (m->n_caseload_rows == 0)
        return p;
    /* the rows other than the caseload's are the epoch's */
    if (sim->caseload_epoch != e) {
        memcpy(sim->caseload_p, p,
               (size_t)m->n_outcomes * sizeof *sim->caseload_p);
        sim->caseload_epoch = e;
    }
    if (fast && sim->caseload_leave_epoch != e) {
        memcpy(sim->caseload_leave, *leave,
               (size_t)m->n_compartments * 2 * sizeof *sim->caseload_leave);
        sim->caseload_leave_epoch = e;
    }
    cs_caseload_factors(m, sim->now, t, sim->caseload_factor, NULL);
    cs_caseload_rows(m, e, sim->caseload_factor, sim->caseload_p,
                     fast ? sim->caseload_leave : NULL);
    if (fast)
        *leave = sim->caseload_leave;
    return sim->caseload_p;
}

/*
 * Children admitted to compartment c of stage s: programmes funded by the
 * stage's streams serve each with probability their share of its funding
 * this month (a multinomial over the programmes and "none", as sequential
 * binomials), and those served carry the programme's mark.
 */
static void admit(cs_sim *sim, cs_sim_mode mode, int t, int s, int c, double n)
{
    const cs_model *m = sim->model;
    const cs_scenario *sc = &m->scenario;
    double left = n, share_left = 1;
    int k = (c - m->stage_offset[s]) % m->n_mark_sets;
    for (int p = 0; p < sc->n_programmes && left > 0; p++) {
        const cs_programme *prog = &sc->programmes[p];
        if (prog->stage != s)
            continue;
        double share = m->programme_share[t * sc->n_programmes + p];
        if (m->programme_cash && sim->paid_share < 1) {
            const double *cash =
                m->programme_cash + ((size_t)t * sc->n_programmes + p) * 4;
            double cut = 1 - sim->paid_share;
            double total = cash[2] - cut * cash[3];
            share = total > 0 ? (cash[0] - cut * cash[1]) / total : 0;
        }
        if (share <= 0 || share_left <= 0)
            continue;
        double q = share / share_left;
        q = q > 1 ? 1 : q;
        double served = mode == CS_SIM_STOCHASTIC
                            ? gsl_ran_binomial(sim->rng, q, (unsigned)left)
                            : left * q;
        share_left -= share;
        left -= served;
        int marked = c - k + (int)((unsigned)k | (1u << prog->mark));
        sim->next[marked] += served;
    }
    sim->next[c] += left;
}

/*
 * The budget in month t (cs_budget): this month's cash and the reserves pay
 * the statutory spend (the children in late stages at the start of the
 * month, last month's moves of late per-event lines and the care leavers
 * supported at the start of the month, at this month's prices), then as
 * much of the planned cash of the streams it pays as they can; sets the
 * fraction paid, updates the reserves and records the month.
 */
static void pay_budget(cs_sim *sim, int t, int first)
{
    const cs_model *m = sim->model;
    const cs_scenario *sc = &m->scenario;
    double statutory = 0;
    for (int l = 0; l < m->n_cost_lines; l++) {
        int s = m->cost_line_stage[l];
        double count; /* children, moves or care leavers of the line */
        if (l == m->care_leavers_line) {
            count = sim->budget_leavers; /* at the end of last month */
        } else if (s < 0) {
            /* a late transition's moves last month (0 for an early one) */
            count = sim->budget_moved[l];
        } else if (sc->stages[s].intervention == CS_INTERVENTION_LATE) {
            count = 0;
            for (int c = m->stage_offset[s]; c < m->stage_offset[s + 1]; c++)
                count += sim->now[c];
        } else {
            continue;
        }
        statutory += count * m->unit_cost_cash[t * m->n_cost_lines + l];
    }
    double income = m->budget_income[t], planned = m->budget_planned[t];
    double left = sim->reserves + income - statutory;
    double paid = left <= 0 ? 0 : left < planned ? left : planned;
    sim->paid_share = planned > 0 ? paid / planned : 1;
    sim->reserves = left - paid;
    if (sim->budget_record) {
        double *rec =
            sim->budget_record + (size_t)(t - first) * CS_BUDGET_MEASURES;
        rec[CS_BUDGET_INCOME] = income;
        rec[CS_BUDGET_STATUTORY] = statutory;
        rec[CS_BUDGET_PLANNED] = planned;
        rec[CS_BUDGET_PAID] = paid;
        rec[CS_BUDGET_RESERVES] = sim->reserves;
    }
}

/*
 * After month t's moves, what the budget pays for next month besides the
 * late stocks: each late per-event line's moves this month, and the care
 * leavers supported at the month's end, counted exactly as
 * cs_costs_compute counts them (the same sums in the same order).
 */
static void carry_budget(cs_sim *sim, int t, const double *month_flows)
{
    const cs_model *m = sim->model;
    const cs_scenario *sc = &m->scenario;
    for (int l = 0; l < m->n_cost_lines; l++) {
        int f = m->cost_line_transition[l];
        sim->budget_moved[l] =
            f >= 0 && m->cost_line_kind[l] == CS_INTERVENTION_LATE
                ? month_flows[f]
                : 0;
    }
    const cs_care_leavers *cl = &sc->care_leavers;
    if (!cl->present)
        return;
    int window = 12 * cl->years;
    double reached = 0;
    for (int s = 0; s < sc->n_stages; s++)
        if (cl->from.is_group ? sc->stages[s].group == cl->from.index
                              : s == cl->from.index)
            reached += month_flows[m->births_flow + 1 + s];
    sim->leavers_in_window += reached;
    if (t - window >= 0)
        sim->leavers_in_window -= sim->leavers_window[t % window];
    sim->leavers_window[t % window] = reached;
    double left = (double)(window - (t + 1)) / window;
    sim->budget_leavers =
        sim->leavers_in_window + cl->at_base_date * (left > 0 ? left : 0);
}

/*
 * capacity.fill of capacity stage j (stage s), after its arrivals: a share
 * of the places still free (whole places in the stochastic mode) go to the
 * children waiting in the fill's stage, as many as there are; which of
 * them is a multivariate hypergeometric draw over its compartments
 * (proportional shares in expected values), on the stage's capacity
 * stream after its admissions. They enter at months-in-stage 0 with their
 * ages and marks, served by the stage's programmes as any admission.
 */
static void fill_places(cs_sim *sim, cs_sim_mode mode, int t, int j, int s,
                        double places, double *flows)
{
    const cs_model *m = sim->model;
    const cs_stage *st = &m->scenario.stages[s];
    int lo = m->stage_offset[s], hi = m->stage_offset[s + 1];
    int from = st->fill_from;
    int flo = m->stage_offset[from], fhi = m->stage_offset[from + 1];
    int block = m->n_dur[from] * m->n_mark_sets;
    double in_now = 0, waiting = 0;
    for (int c = lo; c < hi; c++)
        in_now += sim->next[c];
    for (int c = flo; c < fhi; c++)
        waiting += sim->next[c];
    double spare = places > in_now ? (places - in_now) * st->fill_share : 0;
    if (mode == CS_SIM_STOCHASTIC)
        spare = floor(spare);
    double take = spare < waiting ? spare : waiting;
    if (!(take > 0))
        return;
    /* a fill is a move that sets no mark: it clears the marks that
     * expire, as every such move does (model.c), and keeps the others */
    unsigned keep = ~0u;
    for (int i = 0; i < m->scenario.n_marks; i++)
        if (m->scenario.marks[i].expires_months > 0)
            keep &= ~(1u << i);
    double left = waiting, seats = take, moved = 0;
    for (int c = flo; c < fhi; c++) {
        double n = sim->next[c];
        if (n <= 0)
            continue;
        double in = take >= waiting ? n
                    : mode == CS_SIM_STOCHASTIC
                        ? cs_sample_hypergeometric(sim->rng, (unsigned)n,
                                                   (unsigned)(left - n),
                                                   (unsigned)seats)
                        : n * take / waiting;
        left -= n;
        seats -= in;
        if (in <= 0)
            continue;
        sim->next[c] -= in;
        int a = (c - flo) / block, k = (c - flo) % m->n_mark_sets;
        admit(sim, mode, t, s, cs_compartment(m, s, a, 0, (int)(k & keep)), in);
        moved += in;
        if (sim->month_ages)
            by_age(sim, m->fill_flow[j], a, in);
    }
    if (flows)
        flows[m->fill_flow[j]] += moved;
}

/*
 * Stages with capacity, in order: the children already there keep their
 * places; arrivals fill the free places (whole places in the stochastic
 * mode); if they are more, which of them get in is a multivariate
 * hypergeometric draw over compartments (proportional shares in expected
 * values) and the rest go to the stage's when_full stage with its marks,
 * waiting there in turn if that stage has capacity too.
 */
static void resolve_capacity(cs_sim *sim, cs_sim_mode mode, uint64_t seed,
                             uint32_t run, int t, double *flows)
{
    const cs_model *m = sim->model;
    for (int j = 0; j < m->n_capacity; j++) {
        int s = m->capacity_stage[j];
        int lo = m->stage_offset[s], hi = m->stage_offset[s + 1];
        double occupied = 0, arriving = 0;
        for (int c = lo; c < hi; c++) {
            occupied += sim->next[c];
            arriving += sim->pending[c];
        }
        double places = m->places[t * m->n_capacity + j];
        if (m->places_paid)
            places -=
                (1 - sim->paid_share) * m->places_paid[t * m->n_capacity + j];
        double free = places > occupied ? places - occupied : 0;
        if (mode == CS_SIM_STOCHASTIC) {
            free = floor(free);
            cs_rng_reset(sim->rng, seed, run, CS_RNG_CAPACITY,
                         CS_SUBSTREAM(t, s));
        }
        double let_in = arriving <= free ? arriving : free;
        double left = arriving, seats = let_in, turned = 0;
        for (int c = lo; c < hi; c++) {
            double n = sim->pending[c];
            if (n <= 0)
                continue;
            sim->pending[c] = 0;
            double in = n;
            if (let_in < arriving)
                in = mode == CS_SIM_STOCHASTIC
                         ? cs_sample_hypergeometric(sim->rng, (unsigned)n,
                                                    (unsigned)(left - n),
                                                    (unsigned)seats)
                         : n * let_in / arriving;
            left -= n;
            seats -= in;
            if (in > 0)
                admit(sim, mode, t, s, c, in);
            double away = n - in;
            if (away > 0) {
                int d = m->overflow_dest[c];
                if (m->overflow_dest[d] != d)
                    sim->pending[d] += away;
                else
                    sim->next[d] += away;
                turned += away;
                if (sim->month_ages)
                    by_age(sim, m->turned_away_flow[j], sim->age_of[c], away);
            }
        }
        if (flows)
            flows[m->turned_away_flow[j]] += turned;
        if (m->fill_flow[j] >= 0)
            fill_places(sim, mode, t, j, s, places, flows);
        if (sim->capacity) {
            double *rec =
                sim->capacity +
                ((size_t)(t - sim->capacity_first) * m->n_capacity + j) * 3;
            double now_in = 0;
            for (int c = lo; c < hi; c++)
                now_in += sim->next[c];
            rec[0] = places;
            rec[1] = now_in;
            rec[2] = turned;
        }
    }
}

const double *cs_sim_final_state(const cs_sim *sim)
{
    return sim->now;
}

void cs_sim_start(cs_sim *sim, cs_sim_mode mode)
{
    const cs_model *m = sim->model;
    memcpy(sim->now,
           mode == CS_SIM_STOCHASTIC ? m->initial : m->initial_expected,
           (size_t)m->n_compartments * sizeof *sim->now);
    sim->month = 0;
    sim->reserves = m->scenario.budget.reserves;
    sim->paid_share = 1;
    if (sim->budget_moved) {
        const cs_care_leavers *cl = &m->scenario.care_leavers;
        memset(sim->budget_moved, 0,
               (size_t)m->n_cost_lines * sizeof *sim->budget_moved);
        if (cl->present)
            memset(sim->leavers_window, 0,
                   12 * (size_t)cl->years * sizeof *sim->leavers_window);
        sim->leavers_in_window = 0;
        /* at the start of the first month: those supported at the base
         * date */
        sim->budget_leavers = cl->present ? cl->at_base_date : 0;
    }
}

void cs_sim_continue(cs_sim *sim, cs_sim_mode mode, uint64_t seed, uint32_t run,
                     int n_months, double *stocks, double *flows,
                     double *capacity)
{
    const cs_model *m = sim->model;
    size_t nc = (size_t)m->n_compartments;
    int nf = m->n_flows;
    int first = sim->month;
    if (n_months > m->n_months - first)
        n_months = m->n_months - first;
    /* the caller's arrays hold the months of this call */
    sim->capacity = capacity;
    sim->capacity_first = first;
    if (flows)
        memset(flows, 0, sizeof *flows * (size_t)n_months * (size_t)nf);
    if (sim->flow_ages)
        memset(sim->flow_ages, 0,
               sizeof *sim->flow_ages * (size_t)n_months * (size_t)nf *
                   CS_AGES);
#ifndef NDEBUG
    double before = 0;
    for (size_t c = 0; c < nc; c++)
        before += sim->now[c];
#endif
    for (int t = first; t < first + n_months; t++) {
        double *month_flows =
            flows ? flows + (size_t)(t - first) * (size_t)nf : NULL;
        if (!month_flows && sim->budget_flows) {
            /* the budget pays last month's events and care leavers */
            month_flows = sim->budget_flows;
            memset(month_flows, 0, (size_t)nf * sizeof *month_flows);
        }
        sim->month_ages =
            sim->flow_ages
                ? sim->flow_ages + (size_t)(t - first) * (size_t)nf * CS_AGES
                : NULL;
        const double *leave, *p = month_table(sim, mode, t, &leave);
        if (m->budget_income)
            pay_budget(sim, t, first);
        if (m->ages[t])
            age_everyone(m, sim->now, month_flows);
        else if (m->monthly_ageing)
            age_monthly(sim, mode, seed, run, t, month_flows);
        /* those who reached 18 this month, the only age-outs so far */
        for (int s = 0; month_flows && s < m->n_stages; s++)
            by_age(sim, m->births_flow + 1 + s, CS_AGES - 1,
                   month_flows[m->births_flow + 1 + s]);

        memset(sim->next, 0, nc * sizeof *sim->next);
        double born;
        if (mode == CS_SIM_STOCHASTIC) {
            if (sim->sampler == CS_SIM_SAMPLER_FAST)
                move_fast(sim, seed, run, t, p, leave, month_flows);
            else
                move_reference(sim, seed, run, t, p, month_flows);
            add_arrivals(sim, mode, seed, run, t, month_flows);
            resolve_capacity(sim, mode, seed, run, t, month_flows);
            cs_rng_reset(sim->rng, seed, run, CS_RNG_BIRTHS, (uint32_t)t);
            born =
                m->births[t] > 0 ? gsl_ran_poisson(sim->rng, m->births[t]) : 0;
        } else {
            move_expected(sim, p, month_flows);
            add_arrivals(sim, mode, seed, run, t, month_flows);
            resolve_capacity(sim, mode, seed, run, t, month_flows);
            born = m->births[t];
        }
        sim->next[m->birth_compartment] += born;
        if (month_flows)
            month_flows[m->births_flow] += born;
        by_age(sim, m->births_flow, 0, born);
        migrate(sim, mode, seed, run, t, month_flows);

#ifndef NDEBUG
        /* conservation: what was there, plus what came in, less those who
         * reached 18 (counted in the age-out flows) */
        if (month_flows) {
            double in = month_flows[m->births_flow], out = 0, now = 0;
            if (m->migration_flow >= 0)
                in += month_flows[m->migration_flow];
            for (int i = 0; i < m->n_arrivals; i++)
                in += month_flows[m->first_arrival_flow + i];
            for (int st = 0; st < m->n_stages; st++)
                out += month_flows[m->births_flow + 1 + st];
            for (size_t c = 0; c < nc; c++) {
                assert(sim->next[c] >= 0 && sim->pending[c] == 0);
                now += sim->next[c];
            }
            assert(fabs(now - (before + in - out)) <= 1e-9 * (1 + before + in));
            before = now;
        }
#endif
        if (sim->budget_moved)
            carry_budget(sim, t, month_flows);
        double *swap = sim->now;
        sim->now = sim->next;
        sim->next = swap;
        if (stocks)
            cs_sum_compartments(m, sim->now,
                                stocks + (size_t)(t - first) *
                                             (size_t)m->n_stages * CS_AGES);
    }
    sim->month = first + n_months;
    sim->capacity = NULL;
    sim->month_ages = NULL;
}

void cs_sim_record_budget(cs_sim *sim, double *budget)
{
    sim->budget_record = sim->model->budget_income ? budget : NULL;
}

int cs_sim_record_ages(cs_sim *sim, double *flows_by_age)
{
    const cs_model *m = sim->model;
    if (flows_by_age && !sim->age_of) {
        sim->age_of = malloc((size_t)m->n_compartments * sizeof *sim->age_of);
        if (!sim->age_of)
            return -1;
        for (int s = 0; s < m->n_stages; s++) {
            int block = m->n_dur[s] * m->n_mark_sets;
            for (int c = m->stage_offset[s]; c < m->stage_offset[s + 1]; c++)
                sim->age_of[c] = (c - m->stage_offset[s]) / block;
        }
    }
    sim->flow_ages = flows_by_age;
    return 0;
}

void cs_sim_run(cs_sim *sim, cs_sim_mode mode, uint64_t seed, uint32_t run,
                double *stocks, double *flows, double *capacity)
{
    cs_sim_start(sim, mode);
    cs_sim_continue(sim, mode, seed, run, sim->model->n_months, stocks, flows,
                    capacity);
}

double cs_sim_scale(cs_sim *sim, const int *stages, int n_stages, int age_lo,
                    int age_hi, double total)
{
    const cs_model *m = sim->model;
    double now = 0;
    for (int i = 0; i < n_stages; i++) {
        int s = stages[i], block = m->n_dur[s] * m->n_mark_sets;
        const double *base = sim->now + m->stage_offset[s];
        for (int a = age_lo; a <= age_hi; a++)
            for (int k = 0; k < block; k++)
                now += base[a * block + k];
    }
    if (!(now > 0) || !(total >= 0))
        return now;
    double f = total / now;
    for (int i = 0; i < n_stages; i++) {
        int s = stages[i], block = m->n_dur[s] * m->n_mark_sets;
        double *base = sim->now + m->stage_offset[s];
        for (int a = age_lo; a <= age_hi; a++)
            for (int k = 0; k < block; k++)
                base[a * block + k] *= f;
    }
    return now;
}

double cs_sim_stage_profile(const cs_sim *sim, int stage, double *by_duration,
                            double *marked)
{
    const cs_model *m = sim->model;
    int nd = m->n_dur[stage], nk = m->n_mark_sets;
    int n_marks = m->n_marks;
    if (by_duration)
        for (int d = 0; d < nd; d++)
            by_duration[d] = 0;
    if (marked)
        for (int j = 0; j < n_marks; j++)
            marked[j] = 0;
    double total = 0;
    for (int a = 0; a < CS_AGES; a++)
        for (int d = 0; d < nd; d++)
            for (int k = 0; k < nk; k++) {
                double x = sim->now[cs_compartment(m, stage, a, d, k)];
                total += x;
                if (by_duration)
                    by_duration[d] += x;
                for (int j = 0; marked && j < n_marks; j++)
                    if (k & (1 << j))
                        marked[j] += x;
            }
    return total;
}
