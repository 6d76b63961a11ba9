/*
 * costs.c - spend from stocks (see econ.h): children at the end of each
 * month times the cash unit cost of their stage in that month.
 */
#include <stddef.h>

#include "cascade/econ.h"
#include "cascade/scenario.h"

void cs_costs_compute(const cs_model *m, const double *stocks, double *costs,
                      double *spend)
{
    const cs_scenario *sc = cs_model_scenario(m);
    int n_lines = cs_model_n_cost_lines(m), n_stages = cs_model_n_stages(m);
    for (int t = 0; t < cs_model_n_months(m); t++) {
        double *row = costs + (size_t)t * (size_t)n_lines;
        if (spend) {
            spend[t * CS_N_SPEND + CS_SPEND_EARLY] = 0;
            spend[t * CS_N_SPEND + CS_SPEND_LATE] = 0;
        }
        for (int l = 0; l < n_lines; l++) {
            int s = cs_model_cost_line_stage(m, l);
            const double *ages =
                stocks + ((size_t)t * (size_t)n_stages + (size_t)s) * CS_AGES;
            double children = 0;
            for (int a = 0; a < CS_AGES; a++)
                children += ages[a];
            row[l] = children * cs_model_unit_cost(m, l, t);
            if (spend) {
                int early = sc->stages[s].intervention == CS_INTERVENTION_EARLY;
                spend[t * CS_N_SPEND +
                      (early ? CS_SPEND_EARLY : CS_SPEND_LATE)] += row[l];
            }
        }
    }
}
