/*
 * cli.h - the `cascade` program's subcommands. Only engine/cli/ talks to
 * the terminal; it uses libcascade's public API (include/cascade/) alone.
 */
#ifndef CASCADE_CLI_H
#define CASCADE_CLI_H

#include "cascade/cascade.h"

/* Exit statuses (DESIGN.md "The program"). */
enum { CLI_OK = 0, CLI_FAILURE = 1, CLI_BAD_INPUT = 2 };

int cli_run(int argc, char **argv, const char *command_line);
int cli_validate(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_summary(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_sensitivity(int argc, char **argv);
int cli_merge(int argc, char **argv);
int cli_fit(int argc, char **argv);
int cli_init(int argc, char **argv);
int cli_backtest(int argc, char **argv);
int cli_goal_seek(int argc, char **argv, const char *command_line);
int cli_grid(int argc, char **argv, const char *command_line);
int cli_model(int argc, char **argv);

/* Map a library status to an exit status. */
int cli_exit_status(int cs_status);

/* Under MPI every rank but 0 mutes its stderr while checking the input
 * (returns what to give cli_unmute_stderr; -1 on rank 0). */
int cli_mute_stderr(int rank);
void cli_unmute_stderr(int saved);

/* Load a scenario file, or the shipped baseline when path is NULL. */
int cli_load_scenario(const char *path, cs_scenario **out, cs_error *err);

/* A new table of the published series in these files (--data). */
int cli_load_series(const char *const *paths, int n, cs_series **out,
                    cs_error *err);

#endif
