/*
 * rebuild.h - a scenario of an output file, rebuilt from its stored YAML.
 *
 * The file holds each scenario's fully resolved YAML, so the commands that
 * read output recompile the scenario to know its stages, flows and costs,
 * then read its runs into a cli_table. Nothing but the file is needed.
 */
#ifndef CASCADE_CLI_REBUILD_H
#define CASCADE_CLI_REBUILD_H

#include "table.h"

typedef struct cli_side {
    int index; /* in the file */
    cs_scenario *scenario;
    cs_model *model;
    int *file_flow; /* model flow -> file transition */
    cli_table table;
} cli_side;

/* Find scenario `name` in result and rebuild it; flag names the option
 * that asked for it, for messages. CS_EINPUT if absent or inconsistent. */
int cli_side_open(const cs_result *result, const char *name, const char *flag,
                  cli_side *s, cs_error *err);

/* Read runs 0..runs-1 into s->table (which must be initialised for runs). */
int cli_side_tabulate(const cs_result *result, cli_side *s, long runs,
                      cs_error *err);

/* Read the runs r < runs with done[r] set (every one if done is NULL; a run
 * never written is then an error) of scenario `index` into table, mapping
 * the file's transitions to the model's flows with file_flow. */
int cli_tabulate_runs(const cs_result *result, int index, cli_table *table,
                      const cs_model *model, const int *file_flow, long runs,
                      const unsigned char *done, cs_error *err);

void cli_side_free(cli_side *s);

#endif
