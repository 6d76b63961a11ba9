/*
 * rebuild.c - a scenario of an output file, rebuilt from the resolved YAML
 * stored with it and tabulated run by run (see rebuild.h), for the commands
 * that read output: compare, summary.
 */
#include "rebuild.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_side_open(const cs_result *result, const char *name, const char *flag,
                  cli_side *s, cs_error *err)
{
    s->index = cs_result_find_scenario(result, name);
    if (s->index < 0) {
        char list[512] = "";
        for (int i = 0; i < cs_result_n_scenarios(result); i++) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                     cs_result_scenario_name(result, i));
        }
        return cs_error_set(err, CS_EINPUT,
                            "%s: no scenario '%s' (%s); the file holds: %s",
                            "cascade", name, flag, list);
    }
    const char *yaml = cs_result_scenario_yaml(result, s->index);
    if (!yaml)
        return cs_error_set(err, CS_EINPUT,
                            "scenario '%s' has no scenario_yaml to rebuild "
                            "it from",
                            name);
    char display[CS_ID_MAX + 32];
    snprintf(display, sizeof display, "scenario_yaml of %s", name);
    int rc = cs_scenario_load_string(yaml, strlen(yaml), display, NULL,
                                     &s->scenario, err);
    if (rc == CS_OK)
        rc = cs_model_compile(s->scenario, &s->model, err);
    if (rc != CS_OK)
        return rc;
    if (cs_model_n_months(s->model) != cs_result_n_months(result) ||
        cs_model_n_stages(s->model) != cs_result_n_stages(result))
        return cs_error_set(err, CS_EINPUT,
                            "scenario '%s' rebuilt from its YAML does not "
                            "match the file's dimensions",
                            name);
    int n = cs_model_n_flows(s->model);
    s->file_flow = malloc((size_t)n * sizeof *s->file_flow);
    if (!s->file_flow)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int f = 0; f < n; f++) {
        const char *label = cs_model_flow_label(s->model, f);
        int t = 0;
        while (t < cs_result_n_transitions(result) &&
               strcmp(cs_result_transition_label(result, t), label) != 0)
            t++;
        if (t == cs_result_n_transitions(result))
            return cs_error_set(err, CS_EINPUT,
                                "scenario '%s': flow '%s' is not in the "
                                "file's /dims/transition",
                                name, label);
        s->file_flow[f] = t;
    }
    return CS_OK;
}

void cli_side_free(cli_side *s)
{
    cli_table_free(&s->table);
    free(s->file_flow);
    cs_model_free(s->model);
    cs_scenario_free(s->scenario);
}

/* Read every run of one side into its table. */
int cli_side_tabulate(const cs_result *result, cli_side *s, long runs,
                      cs_error *err)
{
    return cli_tabulate_runs(result, s->index, &s->table, s->model,
                             s->file_flow, runs, NULL, err);
}

int cli_tabulate_runs(const cs_result *result, int index, cli_table *table,
                      const cs_model *model, const int *file_flow, long runs,
                      const unsigned char *done, cs_error *err)
{
    const char *name = cs_result_scenario_name(result, index);
    int months = cs_result_n_months(result);
    int n_file = cs_result_n_transitions(result);
    int n_flows = cs_model_n_flows(model);
    size_t cells = (size_t)months * (size_t)cs_result_n_stages(result) *
                   (size_t)cs_result_n_ages(result);
    double *stocks = malloc(cells * sizeof *stocks);
    double *file_flows = malloc((size_t)months * n_file * sizeof *file_flows);
    double *flows = malloc((size_t)months * n_flows * sizeof *flows);
    double *spend = malloc((size_t)months * CS_N_SPEND * sizeof *spend);
    int rc = CS_OK;
    if (!stocks || !file_flows || !flows || !spend)
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    for (long r = 0; r < runs && rc == CS_OK; r++) {
        if (done && !done[r])
            continue;
        rc = cs_result_read_run(result, index, (int)r, stocks, file_flows, err);
        if (rc == CS_OK)
            rc = cs_result_read_run_costs(result, index, (int)r, NULL, spend,
                                          err);
        if (rc != CS_OK)
            break;
        if (isnan(stocks[0])) {
            rc = cs_error_set(err, CS_EINPUT,
                              "run %ld of scenario '%s' was never written "
                              "(an interrupted batch?)",
                              r, name);
            break;
        }
        for (int t = 0; t < months; t++)
            for (int f = 0; f < n_flows; f++)
                flows[(size_t)t * n_flows + f] =
                    file_flows[(size_t)t * n_file + file_flow[f]];
        cli_table_add_run(table, stocks, flows, spend);
    }
    free(stocks);
    free(file_flows);
    free(flows);
    free(spend);
    return rc;
}
