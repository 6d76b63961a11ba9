/*
 * figures.h - what a fitted scenario was fitted to, as its output records
 * it (cs_result_read_figures): the area's published figures beside the
 * fitted model for the fit years, printed by `cascade run` (the headline:
 * the children looked after, on plans and in need at each 31 March) and
 * `cascade summary` (every measure, and as rows of its CSV).
 */
#ifndef CASCADE_CLI_FIGURES_H
#define CASCADE_CLI_FIGURES_H

#include <stdio.h>

#include "cascade/cascade.h"

/* The scenario's record into *out (malloc'd; free it), or *out NULL when
 * the file records none. CS_OK, or the reader's error. */
int cli_figures_read(const cs_result *result, int scenario,
                     cs_output_figures **out, cs_error *err);

/* 1 if a and b record the same figures (a what-if that extends a fitted
 * scenario carries its record: one table for both). */
int cli_figures_same(const cs_output_figures *a, const cs_output_figures *b);

/* The headline panel: the published and fitted children looked after, on
 * a CP plan and in need at 31 March (those the record has) in the years
 * fitted (the last six at most), a row each; file names the output for
 * the line pointing to the rest when the record has none of these. */
void cli_figures_print_headline(const cs_output_figures *f, const char *file);

/* Every measure recorded: published and fitted by year, each labelled a
 * stock at 31 March, a flow during the year to 31 March or the
 * population. */
void cli_figures_print_full(const cs_output_figures *f);

/* The same as rows of summary's CSV (CLI_TABLE_CSV_HEADER): measure the
 * DfE measure, year the financial year the DfE year ends ("2013/14" for
 * the year to 31 March 2014), stage "", statistic "published" or
 * "fitted"; no row where there is no figure. */
void cli_figures_write_csv(FILE *out, const char *scenario,
                           const cs_output_figures *f);

#endif
