/*
 * costs.c - spend from stocks (see econ.h): children at the end of each
 * month times the cash unit cost of their stage in that month, or for a
 * stage that spends its funding, its places times the unit cost.
 */
#include <assert.h>
#include <stddef.h>

#include "cascade/econ.h"
#include "cascade/scenario.h"

/* The children of the care leavers' `from` stages who reached 18 (left
 * the population) in month t. */
static double reaching_18(const cs_model *m, const double *flows, int t)
{
    const cs_scenario *sc = cs_model_scenario(m);
    const cs_stage_ref *from = &sc->care_leavers.from;
    double n = 0;
    for (int s = 0; s < sc->n_stages; s++)
        if (from->is_group ? sc->stages[s].group == from->index
                           : s == from->index)
            n += flows[(size_t)t * cs_model_n_flows(m) +
                       cs_model_age_out_flow(m, s)];
    return n;
}

/* Care leavers supported at the end of month t: month t's 18-year-olds
 * in, month t - window's out (*in_window carries the count in the window
 * from month t - 1), plus those supported at the base date, whose support
 * ends evenly over the window. */
static double care_leavers_at(const cs_model *m, const double *flows, int t,
                              double *in_window)
{
    const cs_care_leavers *cl = &cs_model_scenario(m)->care_leavers;
    int window = 12 * cl->years;
    if (flows) {
        *in_window += reaching_18(m, flows, t);
        if (t - window >= 0)
            *in_window -= reaching_18(m, flows, t - window);
    }
    double left = (double)(window - (t + 1)) / window;
    return *in_window + cl->at_base_date * (left > 0 ? left : 0);
}

void cs_care_leavers_count(const cs_model *m, const double *flows,
                           double *count)
{
    assert(cs_model_scenario(m)->care_leavers.present);
    double in_window = 0;
    for (int t = 0; t < cs_model_n_months(m); t++)
        count[t] = care_leavers_at(m, flows, t, &in_window);
}

void cs_costs_compute(const cs_model *m, const double *stocks,
                      const double *flows, const double *capacity,
                      double *costs, double *spend)
{
    const cs_scenario *sc = cs_model_scenario(m);
    int n_lines = cs_model_n_cost_lines(m), n_stages = cs_model_n_stages(m);
    int n_flows = cs_model_n_flows(m);
    /* care leavers: those who reached 18 in the `from` stages within the
     * support window, and those supported at the base date, whose support
     * ends evenly over it */
    int leavers_line = cs_model_care_leavers_line(m);
    double in_window = 0;
    int n_cap = cs_model_n_capacity(m);
    int capacity_of[CS_MAX_STAGES];
    for (int s = 0; s < n_stages; s++)
        capacity_of[s] = -1;
    for (int j = 0; j < n_cap; j++)
        capacity_of[cs_model_capacity_stage(m, j)] = j;
    for (int t = 0; t < cs_model_n_months(m); t++) {
        double *row = costs + (size_t)t * (size_t)n_lines;
        if (spend) {
            spend[t * CS_N_SPEND + CS_SPEND_EARLY] = 0;
            spend[t * CS_N_SPEND + CS_SPEND_LATE] = 0;
        }
        for (int l = 0; l < n_lines; l++) {
            int s = cs_model_cost_line_stage(m, l);
            int moved = cs_model_cost_line_transition(m, l);
            double count; /* children, places, moves or care leavers */
            if (l == leavers_line) {
                assert(flows);
                count = care_leavers_at(m, flows, t, &in_window);
            } else if (moved >= 0) {
                assert(flows);
                count = flows ? flows[(size_t)t * n_flows + moved] : 0;
            } else if (capacity_of[s] >= 0 && sc->stages[s].spend_funding) {
                int j = capacity_of[s];
                count = capacity ? capacity[((size_t)t * n_cap + j) * 3]
                                 : cs_model_places(m, j, t);
            } else {
                const double *ages =
                    stocks +
                    ((size_t)t * (size_t)n_stages + (size_t)s) * CS_AGES;
                count = 0;
                for (int a = 0; a < CS_AGES; a++)
                    count += ages[a];
            }
            row[l] = count * cs_model_unit_cost(m, l, t);
            if (spend)
                spend[t * CS_N_SPEND + (cs_model_cost_line_intervention(m, l) ==
                                                CS_INTERVENTION_EARLY
                                            ? CS_SPEND_EARLY
                                            : CS_SPEND_LATE)] += row[l];
        }
    }
}
