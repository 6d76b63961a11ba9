/*
 * caseload.c - rates that depend on a caseload (see caseload.h): each
 * month, the children in a workforce's stages per worker make a factor on
 * the rates of the transitions on it, and the rows of the compartments
 * those transitions leave are recomputed by the competing-hazards formula
 * compiling uses (engine/model/model.c, compile_outcomes), in the same
 * order of operations, so that a factor of 1 gives the compiled table to
 * the bit.
 */
#include "sim/caseload.h"

#include <assert.h>
#include <math.h>

#include "rng/sample.h"

void cs_caseload_factors(const cs_model *m, const double *now, int t,
                         double *factor, double *caseload)
{
    const cs_scenario *sc = &m->scenario;
    double load[CS_MAX_WORKFORCES];
    for (int w = 0; w < m->n_workforces; w++) {
        const cs_workforce *wf = &sc->workforces[w];
        double children = 0;
        for (int s = 0; s < m->n_stages; s++)
            if (wf->stages & (1u << s))
                for (int c = m->stage_offset[s]; c < m->stage_offset[s + 1];
                     c++)
                    children += now[c];
        double workers = m->workers[t * m->n_workforces + w];
        assert(workers > 0);
        load[w] = children / workers;
        if (caseload)
            caseload[w] = load[w];
    }
    for (int i = 0; i < sc->n_transitions; i++) {
        const cs_transition *tr = &sc->transitions[i];
        factor[i] = 1;
        if (!tr->has_caseload)
            continue;
        double ratio = load[tr->workforce] /
                       sc->workforces[tr->workforce].reference_caseload;
        double e = tr->caseload_elasticity, f = 1;
        if (e != 0 && ratio <= 0) /* nobody on the books: the bound */
            f = e < 0 ? CS_CASELOAD_FACTOR_MAX : CS_CASELOAD_FACTOR_MIN;
        else if (e != 0)
            f = pow(ratio, e);
        factor[i] = f < CS_CASELOAD_FACTOR_MIN   ? CS_CASELOAD_FACTOR_MIN
                    : f > CS_CASELOAD_FACTOR_MAX ? CS_CASELOAD_FACTOR_MAX
                                                 : f;
    }
}

void cs_caseload_rows(const cs_model *m, int e, const double *factor, double *p,
                      double *leave)
{
    double rates[CS_MAX_TRANSITIONS], exit_p[CS_MAX_TRANSITIONS];
    const double *rate = m->caseload_rate + (size_t)e * m->n_caseload_exits;
    for (int row = 0; row < m->n_caseload_rows; row++) {
        int c = m->caseload_compartment[row];
        int x0 = m->caseload_first_exit[row];
        int nx = m->caseload_first_exit[row + 1] - x0;
        for (int j = 0; j < nx; j++)
            rates[j] =
                rate[x0 + j] * factor[m->caseload_exit_transition[x0 + j]];
        cs_competing_monthly(nx, rates, exit_p);
        int first = m->first_outcome[c], end = m->first_outcome[c + 1];
        double stay = 1;
        for (int o = first + 1; o < end; o++) {
            assert(m->outcome_exit[o] >= 0 && m->outcome_exit[o] < nx);
            p[o] = exit_p[m->outcome_exit[o]] * m->outcome_share[o];
            stay -= p[o];
        }
        p[first] = stay > 0 ? stay : 0;
        if (leave) { /* as the fast sampler's table: summed from the end */
            double q = 0;
            for (int o = end - 1; o > first; o--)
                q += p[o];
            q = q > 1 ? 1 : q;
            leave[2 * c] = q;
            leave[2 * c + 1] = cs_binomial_log(q);
        }
    }
}
