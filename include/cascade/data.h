/*
 * data.h - the published series: observed counts per area, measure and year.
 *
 * A cs_series is one in-memory table of observations read from the DfE and
 * ONS figures cascade fits to and backtests against (the CSV files in
 * scenarios/data): the England summary (wide, one row per year), the England
 * breakdowns (long: section, measure, year, value, ...), every council's
 * summary (wide, one row per council and year) and councils' looked-after
 * children by age (long: year, council, measure, value). The format of a file
 * is detected from its header row. Several files can be loaded into one table
 * (England summary + detail; council summary + by age): an observation given
 * by two files must agree within rounding, and then the later file's value
 * stands. docs/data.md is the reference: formats, suppression codes, the
 * mapping of the detail file's rows to measures, and the rows not read.
 *
 * Years are DfE years to 31 March (2019 = April 2018 to March 2019), from
 * CS_SERIES_YEAR_MIN to CS_SERIES_YEAR_MAX; stocks are counted at 31 March
 * of the year, flows during the year. The exceptions are named by their
 * measure: the population for a year is the ONS mid-year estimate of the
 * June before it (mid-(t-1), as DfE's rates use), births are per calendar
 * year.
 *
 * A suppressed or unpublished figure is missing, never zero. Loading a file
 * either adds all of it or, on any error, nothing: a table is never left
 * half-loaded.
 */
#ifndef CASCADE_DATA_H
#define CASCADE_DATA_H

#include <stddef.h>

#include "cascade/error.h"

#define CS_SERIES_YEAR_MIN 1990
#define CS_SERIES_YEAR_MAX 2100

/* The area code and name of England in every file that describes it. */
#define CS_SERIES_ENGLAND_CODE "E92000001"
#define CS_SERIES_ENGLAND_NAME "England"

typedef struct cs_series cs_series;

typedef enum cs_obs_kind {
    CS_OBS_STOCK = 0, /* children at 31 March of the year */
    CS_OBS_FLOW = 1,  /* children (or events) during the year to 31 March */
    CS_OBS_POPULATION = 2, /* ONS mid-year 0-17 population used for the year
                              (the estimate for mid-(t-1)) */
    CS_OBS_PERCENT = 3,    /* a percentage, 0 to 100 */
    CS_OBS_COUNT_OTHER = 4 /* other counts (births in a calendar year) */
} cs_obs_kind;

typedef struct cs_measure_info {
    const char *name; /* canonical, e.g. "cla_31_march", "cla_ceased_adopted" */
    cs_obs_kind kind;
    /* The ages it covers, at 31 March for stocks and at the event for flows:
     * 0..17 for children of any age, 16..17 for "16 and over" of looked-after
     * children, 0..18 for children ceasing to be looked after (a child whose
     * care ends on the 18th birthday is counted at 18); -1..-1 if not by age
     * (percentages, births). */
    int age_lo, age_hi;
    const char *unit;        /* "children", "referrals", "%" ... */
    const char *description; /* one line */
} cs_measure_info;

/* An empty table: CS_OK, or CS_ENOMEM. Free with cs_series_free. */
int cs_series_create(cs_series **out, cs_error *err);

/*
 * Add one file's observations. CS_OK; CS_EINPUT with
 * "file:line:col: column: expected X, found Y" for anything wrong in the
 * file (or for a value that disagrees with a file loaded before, naming
 * both); CS_EINPUT if it cannot be opened; CS_EIO on a read error;
 * CS_ENOMEM. On failure the table is as it was.
 */
int cs_series_load(cs_series *series, const char *path, cs_error *err);

/* The same from memory: name is what messages call the file. */
int cs_series_load_buffer(cs_series *series, const char *name, const char *data,
                          size_t size, cs_error *err);

void cs_series_free(cs_series *series);

/* Areas in the order first seen; 0 <= area < cs_series_n_areas. */
int cs_series_n_areas(const cs_series *s);
const char *cs_series_area_code(const cs_series *s, int area);
const char *cs_series_area_name(const cs_series *s, int area);
const char *cs_series_area_region(const cs_series *s,
                                  int area); /* "" if none */

/*
 * Find an area by code ("E08000035", any case) or name ("Leeds", "england",
 * "Kingston upon Hull", "Brighton & Hove"; docs/data.md says which variants
 * of a name are accepted). CS_OK and *area; CS_EINPUT with a message that
 * lists close matches if the code or name is unknown, or the candidates if it
 * is ambiguous.
 */
int cs_series_find_area(const cs_series *s, const char *code_or_name, int *area,
                        cs_error *err);

/* Every canonical measure cascade knows (the same for every table). */
int cs_series_n_measures(void);
const cs_measure_info *
cs_series_measure(int measure);               /* NULL if out of range */
int cs_series_find_measure(const char *name); /* -1 if unknown */

/*
 * 1 and *value (if value is not NULL) if the area's measure was observed
 * for the year, 0 if it is missing or suppressed (or area, measure or year
 * is out of range; *value is then untouched).
 */
int cs_series_get(const cs_series *s, int area, int measure, int year,
                  double *value);

/*
 * A copy of s holding only what was known at 31 March `year`, the origin
 * of a forecast: every figure of the DfE years up to `year` (stocks at 31
 * March, flows during the year, the population used for the year, which
 * is the estimate for the June before it), and calendar-year counts
 * (births) up to year - 1. Areas keep their indices. CS_OK, or CS_ENOMEM
 * with *out NULL. Free with cs_series_free.
 */
int cs_series_known_at(const cs_series *s, int year, cs_series **out,
                       cs_error *err);

/* The span of years with any observation; 0 and -1 if there is none. */
void cs_series_years(const cs_series *s, int *first, int *last);

/* ---- a council's SSDA903 return ---------------------------------------- */

/*
 * The counts a council's SSDA903 return (the looked-after children
 * collection) gives, read from a directory of CSV files with the DfE's
 * column names, one pair per collection year YYYY (the year to 31 March
 * YYYY): header_YYYY.csv (CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB) and
 * episodes_YYYY.csv (CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER,
 * DEC, REC, REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN); the years must
 * follow each other. Every file is checked the way the DfE's validation
 * checks the obvious things (codes, dates and their order, episodes of one
 * child that overlap or leave a gap unexplained, children missing from
 * the header) and a wrong one is refused with
 * "file:line:col: COLUMN: expected X, found Y". Only counts are kept:
 * looked-after children at 31 March (from the 31 March before the first
 * year), by DfE's age bands, by months in care (missing for a 31 March
 * where a period of care begun before the return leaves them untold) and
 * by PLACE and PLACE_PROVIDER (cs_ssda903_placed), children starting and
 * ceasing care in each year, by age band and by reason, and placement
 * moves in each year, counted as DfE counts them
 * (docs/data.md, "A council's SSDA903 return"). No child-level record
 * outlives cs_ssda903_read.
 */
typedef struct cs_ssda903 cs_ssda903;

/* Read the return in dir. CS_OK and *out; CS_EINPUT for a wrong file (or
 * none); CS_EIO; CS_ENOMEM. Free with cs_ssda903_free. */
int cs_ssda903_read(const char *dir, cs_ssda903 **out, cs_error *err);
void cs_ssda903_free(cs_ssda903 *ret);

/* The collection years read (the first and last year to 31 March). */
void cs_ssda903_years(const cs_ssda903 *ret, int *first, int *last);

/* Children and episodes in the return (each counted once over the
 * years), and episodes left out of every count (short breaks, LS V3 and
 * V4, which DfE's figures exclude). */
int cs_ssda903_n_children(const cs_ssda903 *ret);
int cs_ssda903_n_episodes(const cs_ssda903 *ret);
int cs_ssda903_n_short_breaks(const cs_ssda903 *ret);

/* 1 and *value (if value is not NULL) if the return gives the measure
 * (data.h) for the year, else 0. */
int cs_ssda903_get(const cs_ssda903 *ret, int measure, int year, double *value);

/*
 * The looked-after children at 31 March `year` (from the 31 March before
 * the first year) placed in an episode whose PLACE is one of `places` and
 * whose PLACE_PROVIDER is one of `providers` (lists of codes separated by
 * spaces, "U4 U5 U6" and "PR1 PR2"; providers NULL or "": any provider,
 * or none). 1 and *value (if not NULL); 0 if the return has no such year;
 * -1 if places is empty or a code is not in the DfE's specification.
 */
int cs_ssda903_placed(const cs_ssda903 *ret, int year, const char *places,
                      const char *providers, double *value);

/* 1 if code is in the DfE's specification for the column ("PLACE" or
 * "PLACE_PROVIDER"), else 0. */
int cs_ssda903_code_known(const char *column, const char *code);

/*
 * The codes a placement of England's structure (by its id:
 * foster_inhouse, foster_agency, kinship, residential, other) holds, as
 * cs_ssda903_placed takes them (docs/data.md): 1 and *places, *providers
 * (static strings; "" providers: any), or 0 for another id.
 */
int cs_ssda903_default_placement(const char *placement, const char **places,
                                 const char **providers);

/*
 * Put cs_ssda903_placed(ret, year, places, providers) for every year of
 * the return into series as `measure` (a stock, data.h) of the area with
 * this code, standing in place of any figure given before. CS_OK;
 * CS_EINPUT for a code not in the specification; CS_ENOMEM.
 */
int cs_series_add_ssda903_placed(cs_series *series, const cs_ssda903 *ret,
                                 const char *code, int measure,
                                 const char *places, const char *providers,
                                 cs_error *err);

/*
 * Put the return's counts into series as the figures of the area with
 * this code (added with this name if series has no such area; an area it
 * has keeps its name). A figure the return gives stands in place of one a
 * published file gave for the same measure and year: the published
 * figures are made from the returns, and a council's own return is the
 * more recent. CS_OK, or CS_ENOMEM with series unchanged.
 */
int cs_series_add_ssda903(cs_series *series, const cs_ssda903 *ret,
                          const char *code, const char *name, cs_error *err);

#endif
