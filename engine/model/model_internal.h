/*
 * model_internal.h - the compiled model's data layout, shared by model/ and
 * sim/ (and by nothing above them).
 *
 * Compartment index of (stage s, age a, months-in-stage slot d, marks k):
 *
 *     stage_offset[s] + (a * n_dur[s] + d) * n_mark_sets + k
 *
 * so a stage's ages are contiguous blocks (ageing is a block move) and a
 * compartment's mark combinations are adjacent.
 *
 * Every compartment c owns the outcomes first_outcome[c] ..
 * first_outcome[c + 1] - 1. Outcome first_outcome[c] is always "stay":
 * to the same stage, age and marks with one more month in the stage (capped
 * at the last slot). The others are moves, each to a compartment with
 * months-in-stage 0, carrying the flow index it counts towards. The
 * probabilities of a compartment's outcomes sum to 1, stay first: placing
 * the largest category first makes GSL's conditional-binomial multinomial
 * cheap, since the remaining draws are over few children.
 */
#ifndef CASCADE_MODEL_INTERNAL_H
#define CASCADE_MODEL_INTERNAL_H

#include <stdint.h>

#include "cascade/model.h"

struct cs_model {
    cs_scenario scenario; /* a copy; owned strings are not copied (NULL) */
    int n_months;
    int n_stages, n_ages, n_marks, n_mark_sets;
    int n_flows; /* n_transitions + 1 (births) + n_stages (age out) */
    int births_flow;
    int n_compartments;

    int stage_offset[CS_MAX_STAGES + 1];
    int n_dur[CS_MAX_STAGES];

    /* outcomes, CSR-style: first_outcome has n_compartments + 1 entries;
     * outcome_p holds n_epochs tables of n_outcomes probabilities, one per
     * distinct combination of rate levers, and epoch_of_month picks one */
    int *first_outcome;
    double *outcome_p;
    int n_epochs;
    int *epoch_of_month;
    int *outcome_dest;
    int *outcome_flow; /* -1 for stay */
    int n_outcomes;
    int max_outcomes; /* the most outcomes of any one compartment */

    /* the initial state, whole children per compartment (stochastic runs),
     * and the same split in proportion, not rounded (expected values) */
    double *initial;
    double *initial_expected;

    /* per month */
    double *births;      /* expected births */
    unsigned char *ages; /* 1: everyone ages at the start of the month
                            (ageing: april) */
    int monthly_ageing;  /* 1: a twelfth of each age every month instead */
    int *fy;             /* financial year index */
    char (*month_label)[16];
    int n_fys;
    char (*fy_label)[16];

    /* flow labels */
    char (*flow_label)[CS_ID_MAX + 16];
    char (*flow_from)[CS_ID_MAX];
    char (*flow_to)[CS_ID_MAX];

    int birth_compartment; /* birth stage, age 0, slot 0, no marks */

    /* net migration: [month][age] expected children (negative: leaving)
     * into or out of migration_stage; migration_flow counts them (-1 if
     * the scenario has none) */
    double *migration;
    int migration_flow;
    /* arrivals: [month][arrival][age] expected children, into the leaves
     * arrival_leaf[i][0..n_arrival_leaves[i]-1] by arrival_share */
    double *arrivals;
    int n_arrivals;
    int first_arrival_flow;
    int n_arrival_leaves[CS_MAX_ARRIVALS];
    int arrival_leaf[CS_MAX_ARRIVALS][CS_MAX_STAGES];
    double arrival_share[CS_MAX_ARRIVALS][CS_MAX_STAGES];
    unsigned arrival_marks[CS_MAX_ARRIVALS];

    /* capacity: stages with a limited number of places, in the order
     * they are resolved (a stage before those it overflows into) */
    int *stage_of; /* [compartment] its leaf stage */
    int n_capacity;
    int capacity_stage[CS_MAX_STAGES];
    int capacity_index[CS_MAX_STAGES];   /* stage -> capacity index, or -1 */
    int turned_away_flow[CS_MAX_STAGES]; /* per capacity index */
    int fill_flow[CS_MAX_STAGES]; /* per capacity index: filled.<stage>, or
                                     -1 without a fill */
    double *places;               /* [month][capacity index] */
    int *overflow_dest;      /* [compartment]: where a turned-away child goes */
    double *programme_share; /* [month][programme]: share of admissions */

    /* the budget (scenario.budget.present; else these are NULL): its cash
     * per month; the planned cash per month of the streams it pays; of
     * places[], the part those streams buy ([month][capacity index]); and
     * per programme-month the cash of its stream and of its stage's
     * streams, each whole and the part the budget pays
     * ([month][programme][4]: own, own paid, total, total paid), so that
     * a run can cut places and shares by the fraction the budget pays */
    double *budget_income;
    double *budget_planned;
    double *places_paid;
    double *programme_cash;

    /* caseloads (scenario.n_workforces > 0; else n_caseload_rows is 0 and
     * these are NULL). workers: [month][workforce]. The compartments of
     * stages with an exit whose rate depends on a caseload are the
     * caseload rows, in compartment order: row i is compartment
     * caseload_compartment[i]; its exits (those of its stage, in the
     * order compiling finds them, the impossible ones too) are
     * caseload_first_exit[i] .. caseload_first_exit[i + 1] - 1, exit x
     * along transition caseload_exit_transition[x] at the annual rate
     * caseload_rate[e * n_caseload_exits + x] in epoch e. A move outcome
     * o of a row is along its row's exit outcome_exit[o] (counted from
     * the row's first) into a placement of entry share outcome_share[o]
     * (outcome_exit -1: stay, or not a row's). A month's probabilities of
     * a row are cs_competing_monthly over its exits' rates, each times its
     * transition's caseload factor, times the shares, stay the rest: the
     * arithmetic compiling does, so at factors of 1 they are the table's
     * to the bit (engine/sim/caseload.c). */
    int n_workforces;
    double *workers;
    int n_caseload_rows, n_caseload_exits;
    int *caseload_compartment;
    int *caseload_first_exit;
    int *caseload_exit_transition;
    double *caseload_rate;
    int *outcome_exit;
    double *outcome_share;

    /* costs: one line per early- or late-intervention leaf stage */
    int first_fy_year; /* the year the base month's financial year starts */
    int n_cost_lines;
    /* a line prices a stage's children (cost_line_transition -1) or a
     * transition's moves (cost_line_stage -1), per child-month or per
     * child moved */
    int cost_line_stage[CS_MAX_STAGES + CS_MAX_TRANSITIONS + 1];
    int cost_line_transition[CS_MAX_STAGES + CS_MAX_TRANSITIONS + 1];
    cs_intervention cost_line_kind[CS_MAX_STAGES + CS_MAX_TRANSITIONS + 1];
    int care_leavers_line; /* the care leavers' line, or -1 */
    char (*cost_line_label)[CS_ID_MAX + 8];
    double *unit_cost_cash; /* [month][cost line], GBP per child-month */
    double *deflator;       /* [month], cash / constant prices */
};

/* The random substream of compartment c in month t (see sim.c): 10 bits of
 * month (horizons are at most 600 months) and 22 of compartment. */
#define CS_SUBSTREAM(t, c) (((uint32_t)(t) << 22) | (uint32_t)(c))
_Static_assert(12 * CS_MAX_YEARS <= 1024, "months must fit in 10 bits");
_Static_assert((CS_MAX_STAGES * CS_AGES * (CS_MAX_DURATION_MONTHS + 1)
                << CS_MAX_MARKS) <= (1 << 22),
               "compartments must fit in 22 bits");

static inline int cs_compartment(const cs_model *m, int s, int a, int d, int k)
{
    return m->stage_offset[s] + (a * m->n_dur[s] + d) * m->n_mark_sets + k;
}

/* Sum a compartment state into children per [stage][age]. */
static inline void cs_sum_compartments(const cs_model *m, const double *state,
                                       double *stocks)
{
    for (int s = 0; s < m->n_stages; s++) {
        int block = m->n_dur[s] * m->n_mark_sets;
        const double *base = state + m->stage_offset[s];
        for (int a = 0; a < CS_AGES; a++) {
            double sum = 0;
            for (int i = 0; i < block; i++)
                sum += base[a * block + i];
            stocks[s * CS_AGES + a] = sum;
        }
    }
}

#endif
