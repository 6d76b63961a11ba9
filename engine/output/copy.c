/*
 * copy.c - copying the finished runs of one output file into a new one,
 * to extend a batch to more runs (`cascade run --resume -n N` on a file of
 * fewer). A file's datasets have a fixed run axis, so a larger batch is a
 * new file of N runs into which the earlier runs are copied at the same
 * indices; float64 values pass through unchanged, so the result is the
 * file an N-run batch would have written.
 */
#include <stdlib.h>
#include <string.h>

#include "cascade/output_reader.h"
#include "writer.h"

/* One run's buffers, sized for the file's dims. */
typedef struct run_buffers {
    double *stocks, *flows, *costs, *spend, *capacity, *params, *budget;
    double *care_leavers;
    unsigned char *done;
} run_buffers;

static void free_buffers(run_buffers *b)
{
    free(b->stocks);
    free(b->flows);
    free(b->costs);
    free(b->spend);
    free(b->capacity);
    free(b->params);
    free(b->budget);
    free(b->care_leavers);
    free(b->done);
}

int cs_output_copy_runs(cs_output *output, int scenario_index,
                        const cs_result *from, int from_scenario, long *copied,
                        cs_error *err)
{
    *copied = 0;
    if (scenario_index < 0 || scenario_index >= output->n_scenarios ||
        from_scenario < 0 || from_scenario >= cs_result_n_scenarios(from))
        return cs_error_set(err, CS_EINPUT, "no such scenario to copy runs of");
    cs_output_scenario *scenario = &output->scenarios[scenario_index];
    const char *name = cs_result_scenario_name(from, from_scenario);
    int n_from = cs_result_n_runs(from, from_scenario);
    int n_params = cs_result_n_parameters(from, from_scenario);
    if (cs_result_n_months(from) != output->n_months ||
        cs_result_n_stages(from) != output->n_stages ||
        cs_result_n_ages(from) != output->n_ages ||
        cs_result_n_transitions(from) != output->n_transitions ||
        cs_result_n_cost_lines(from) != output->n_cost_lines ||
        cs_result_n_capacity(from) != output->n_capacity ||
        n_params != (scenario->params >= 0 ? scenario->n_params : 0) ||
        cs_result_has_budget(from, from_scenario) != (scenario->budget >= 0) ||
        cs_result_has_care_leavers(from, from_scenario) !=
            (scenario->care_leavers >= 0))
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has other months, stages, "
                            "transitions, cost lines, capacity, parameters "
                            "budget or care leavers than %s",
                            cs_result_path(from), name, output->path);
    if (n_from > scenario->n_runs)
        return cs_error_set(err, CS_EINPUT,
                            "%s: scenario '%s' has %d runs, more than the %d "
                            "of %s",
                            cs_result_path(from), name, n_from,
                            scenario->n_runs, output->path);
    const size_t months = (size_t)output->n_months;
    run_buffers b = {
        .stocks = malloc(months * (size_t)output->n_stages *
                         (size_t)output->n_ages * sizeof(double)),
        .flows =
            malloc(months * (size_t)output->n_transitions * sizeof(double)),
        .costs = malloc(months * (size_t)(output->n_cost_lines + 1) *
                        sizeof(double)),
        .spend = malloc(months * 2 * sizeof(double)),
        .capacity = malloc(months * (size_t)(output->n_capacity + 1) * 3 *
                           sizeof(double)),
        .params = malloc((size_t)(n_params + 1) * sizeof(double)),
        .budget = malloc(months * CS_BUDGET_MEASURES * sizeof(double)),
        .care_leavers = malloc(months * sizeof(double)),
        .done = malloc((size_t)n_from)};
    int status = CS_OK;
    if (!b.stocks || !b.flows || !b.costs || !b.spend || !b.capacity ||
        !b.params || !b.budget || !b.care_leavers || !b.done)
        status = cs_error_set(err, CS_ENOMEM, "out of memory");
    if (status == CS_OK)
        status = cs_result_read_run_done(from, from_scenario, b.done, err);
    for (int r = 0; r < n_from && status == CS_OK; r++) {
        if (!b.done[r])
            continue;
        status =
            cs_result_read_run(from, from_scenario, r, b.stocks, b.flows, err);
        if (status == CS_OK)
            status = cs_result_read_run_costs(from, from_scenario, r, b.costs,
                                              b.spend, err);
        if (status == CS_OK && output->n_capacity > 0)
            status = cs_result_read_run_capacity(from, from_scenario, r,
                                                 b.capacity, err);
        if (status == CS_OK && n_params > 0)
            status = cs_result_read_run_params(from, from_scenario, r, b.params,
                                               err);
        if (status == CS_OK && scenario->budget >= 0) {
            status = cs_result_read_run_budget(from, from_scenario, r, b.budget,
                                               err);
            if (status == CS_OK)
                status = cs_output_write_budget(output, scenario_index, r, 1, 1,
                                                b.budget, err);
        }
        if (status == CS_OK && scenario->care_leavers >= 0) {
            status = cs_result_read_run_care_leavers(from, from_scenario, r,
                                                     b.care_leavers, err);
            if (status == CS_OK)
                status = cs_output_write_care_leavers(
                    output, scenario_index, r, 1, 1, b.care_leavers, err);
        }
        if (status == CS_OK)
            status = cs_output_write_runs(
                output, scenario_index, r, 1, 1, n_params > 0 ? b.params : NULL,
                output->n_capacity > 0 ? b.capacity : NULL, b.stocks, b.flows,
                output->n_cost_lines > 0 ? b.costs : NULL, b.spend, err);
        if (status == CS_OK)
            (*copied)++;
    }
    free_buffers(&b);
    return status;
}
