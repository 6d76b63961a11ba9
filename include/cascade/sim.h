/*
 * sim.h - the two steppers over one compiled model.
 *
 * Stochastic: children are whole numbers in compartments; each month every
 * non-empty compartment's children are split between staying and each way
 * out by one multinomial draw (cs_sim_sampler, on the Philox stream keyed
 * by seed, run index, CS_RNG_TRANSITIONS, the month and the compartment),
 * and births are Poisson. A run's result depends only on (model, seed,
 * run, sampler).
 *
 * Deterministic: the same tables in expected values: the mean path the
 * stochastic runs converge to.
 *
 * Each month, in order: where rates depend on a caseload, the month's
 * probabilities of the compartments they leave are worked out from the
 * children at the start of the month (model.md, "Rates that depend on a
 * caseload"); at the start of April everyone ages a year and
 * 17-year-olds leave; then children move; then children arriving at stages
 * with capacity take the free places, the rest going to the stage's
 * when_full stage; then the month's births arrive in the birth stage at age
 * 0. Stocks are counted at the end of the month.
 */
#ifndef CASCADE_SIM_H
#define CASCADE_SIM_H

#include <stdint.h>

#include "cascade/error.h"
#include "cascade/model.h"
#include "cascade/output_format.h"

typedef enum cs_sim_mode {
    CS_SIM_STOCHASTIC = 0,
    CS_SIM_DETERMINISTIC = 1,
} cs_sim_mode;

/*
 * How the stochastic stepper draws each compartment's moves and birthdays.
 * Both are exact and give the same distribution of results; they use the
 * random numbers differently, so the same seed gives other runs under each.
 *
 * Fast (the default): one binomial says how many of a compartment's
 * children leave (inversion for small means, BTRS for large), then those
 * leaving are placed among the ways out (conditional binomials, then one
 * uniform each), on Philox called directly with 53-bit uniforms.
 *
 * Reference: the plain twin the tests hold the fast one against: GSL's
 * binomials through the gsl_rng interface, conditional in outcome order
 * (staying first), one uniform each once fewer than 16 are left.
 *
 * Births, arrivals, migration and capacity draw the same way under both.
 */
typedef enum cs_sim_sampler {
    CS_SIM_SAMPLER_FAST = 0,
    CS_SIM_SAMPLER_REFERENCE = 1,
} cs_sim_sampler;

/* Working memory for one run at a time; one per thread. */
typedef struct cs_sim cs_sim;

/* The stepper draws with CS_SIM_SAMPLER_FAST until told otherwise. */
cs_sim *cs_sim_alloc(const cs_model *model);
void cs_sim_free(cs_sim *sim);
void cs_sim_set_sampler(cs_sim *sim, cs_sim_sampler sampler);

/*
 * Run the model over its horizon. stocks receives [month][stage][age]
 * (children at the end of each month, summed over months-in-stage and
 * marks); flows receives [month][flow] (children moved during the month;
 * see cs_model_n_flows); capacity receives [month][capacity stage][3]: the
 * places, the children in the stage at the end of the month and the
 * children turned away during it (see cs_model_n_capacity). Any of the
 * three may be NULL. Allocates nothing; the run leaves no state behind
 * that a later run would see.
 */
void cs_sim_run(cs_sim *sim, cs_sim_mode mode, uint64_t seed, uint32_t run,
                double *stocks, double *flows, double *capacity);

/*
 * A run in parts (what cs_sim_run does in one): cs_sim_start puts the
 * model's children at the base date in place; cs_sim_continue steps the
 * next n_months (fewer at the horizon), filling stocks, flows and capacity
 * for those months only ([n_months][...]); between parts, cs_sim_scale
 * may set the children of some stages (ages age_lo..age_hi) to a total,
 * keeping how they are spread over compartments, and returns the total
 * before. A fit uses it to start each year from the published stocks of
 * the one before (expected values; a stochastic run would need whole
 * children).
 */
void cs_sim_start(cs_sim *sim, cs_sim_mode mode);
void cs_sim_continue(cs_sim *sim, cs_sim_mode mode, uint64_t seed, uint32_t run,
                     int n_months, double *stocks, double *flows,
                     double *capacity);
double cs_sim_scale(cs_sim *sim, const int *stages, int n_stages, int age_lo,
                    int age_hi, double total);

/*
 * From now on, cs_sim_run and cs_sim_continue also fill budget
 * [month][CS_BUDGET_MEASURES] (see output_format.h) for the months of each
 * call, if the model has a budget (else nothing is recorded); NULL stops it.
 */
void cs_sim_record_budget(cs_sim *sim, double *budget);

/*
 * From now on, cs_sim_continue also fills flows_by_age [month][flow][age]
 * ([n_months][cs_model_n_flows][CS_AGES] for the months of each call):
 * the flows by the age of the children in them (a move at the age it was
 * made from; births at 0; age-outs at 17; net migration is not recorded
 * by age). NULL stops it. 0, or -1 out of memory.
 */
int cs_sim_record_ages(cs_sim *sim, double *flows_by_age);

/*
 * The children of a stage now beyond their ages (a fit's spin-up: the
 * state the forecast starts from), summed over ages: by_duration[d] by
 * completed months in the stage (cs_scenario_duration_slots of them, the
 * last that many or more) and marked[j] carrying mark j (of the
 * scenario's n_marks). Either may be NULL. Returns the stage's children.
 */
double cs_sim_stage_profile(const cs_sim *sim, int stage, double *by_duration,
                            double *marked);

#endif
