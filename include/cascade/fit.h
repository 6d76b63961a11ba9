/*
 * fit.h - a scenario set beside published figures: what a run says each
 * measure was (cs_observer), and calibration of a scenario's free
 * parameters to an area's series (cs_fit), docs/fitting.md.
 */
#ifndef CASCADE_FIT_H
#define CASCADE_FIT_H

#include "cascade/data.h"
#include "cascade/error.h"
#include "cascade/model.h"

/* ---- the observation operator ------------------------------------------ */

/*
 * What runs of one model say the published measures (data.h) were: stocks
 * from the stages' DfE categories, flows from the categories they move
 * between, and, for measures such as children ceasing care by reason, the
 * flows of the transitions mapped to them (cs_observer_map). The model
 * must outlive the observer.
 */
typedef struct cs_observer cs_observer;

int cs_observer_create(const cs_model *model, cs_observer **out, cs_error *err);
void cs_observer_free(cs_observer *observer);

/* Count measure (a flow) as the flows of these transitions, by id. */
int cs_observer_map(cs_observer *observer, int measure, int n,
                    const char *const *transitions, cs_error *err);

/* 1 if the model can say what the measure was. */
int cs_observer_knows(const cs_observer *observer, int measure);

/*
 * The measure in the DfE year to 31 March `year` from one run's stocks
 * [month][stage][age] and flows [month][flow]: a stock at the end of March
 * (the population at the end of June before the year), a flow summed over
 * April to March. NaN if the model cannot say it, or the date (all twelve
 * months, for a flow) is outside the run.
 */
double cs_observe(const cs_observer *observer, int measure, int year,
                  const double *stocks, const double *flows);

#endif
