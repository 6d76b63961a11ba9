/*
 * args.h - command-line values every command reads the same way, each
 * refused with one line naming the command, the flag and what was
 * expected (exit 2).
 */
#ifndef CASCADE_CLI_ARGS_H
#define CASCADE_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* A whole number from 1 to max. 0, or -1 after printing why. */
int cli_parse_count(const char *command, const char *flag, const char *text,
                    long max, long *out);

/* A seed: a whole number from 0 to 2^64 - 1. */
int cli_parse_seed(const char *command, const char *text, uint64_t *out);

/* FIRST:LAST, whole numbers from 0 with FIRST <= LAST < limit; what says
 * what they are ("run numbers counted from 0"), example one ("0:249"). */
int cli_parse_range(const char *command, const char *flag, const char *text,
                    long lo, long limit, const char *what, const char *example,
                    long *first, long *last);

/* The published series files a command reads (--data, repeatable). */
#define CLI_MAX_DATA 8

/* One more --data path into paths[*n]: 0, or -1 after printing why (more
 * than CLI_MAX_DATA). */
int cli_add_data(const char *command, const char **paths, int *n,
                 const char *path);

/* The paths as "A and B" into out (what a written scenario names as its
 * sources), cut to size. */
void cli_join_paths(const char *const *paths, int n, char *out, size_t size);

/* The data a fit read, by file name without directories, as its fitted
 * scenario records it (fit.figures.source): "A, B", then "SSDA903 return
 * in DIR/" for a return (ssda903 not NULL; its last component); cut to
 * size. */
void cli_join_names(const char *const *paths, int n, const char *ssda903,
                    char *out, size_t size);

/* The input as the output's directory reaches it (what a written
 * scenario's extends: says): a path relative to that directory (both made
 * absolute first), or the input as given when either cannot be resolved. */
void cli_extends_path(const char *input, const char *output, char *out,
                      size_t size);

/* A name made of an area's: "Kingston upon Hull, City of" ->
 * "kingston-upon-hull-city-of" ("area" if nothing is left). */
void cli_slug(const char *area, char *out, size_t size);

/* --table headline|full: *full 1 for full. */
int cli_parse_table(const char *command, const char *text, int *full);

#endif
