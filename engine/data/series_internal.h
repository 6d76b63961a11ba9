/*
 * series_internal.h - the layout of a cs_series, shared by the files of
 * engine/data: series.c (the table, merging, look-ups), formats.c (reading
 * the four file formats into a table), measures.c (the canonical
 * measures and the detail file's mapping to them) and ssda903.c (a
 * council's SSDA903 return, counted into a table).
 *
 * A table holds its areas in an array, in the order first seen, with a hash
 * index from code to area. Each area has, per canonical measure, either no
 * cells (nothing ever observed) or one cell per year from CS_SERIES_YEAR_MIN
 * to CS_SERIES_YEAR_MAX: a dense block of 111 cells is simpler than a sparse
 * map and small (an area with every measure observed is about 90 kB). A cell
 * remembers the file and line it came from, so that a disagreement between
 * two files can name both.
 *
 * Private to engine/data.
 */
#ifndef CASCADE_DATA_SERIES_INTERNAL_H
#define CASCADE_DATA_SERIES_INTERNAL_H

#include "cascade/data.h"

#define SERIES_N_YEARS (CS_SERIES_YEAR_MAX - CS_SERIES_YEAR_MIN + 1)

typedef enum cell_state {
    CELL_ABSENT = 0,     /* no row gave it */
    CELL_SUPPRESSED = 1, /* a row gave a suppression code or an empty cell */
    CELL_OBSERVED = 2,
} cell_state;

typedef struct series_cell {
    double value; /* if CELL_OBSERVED */
    int file;     /* index into cs_series.files */
    int line, col;
    unsigned char state;
} series_cell;

typedef struct series_area {
    char *code, *name, *region; /* region "" if none */
    int file, line, col;        /* where the area was first named */
    series_cell *cells[];       /* per measure: NULL or SERIES_N_YEARS cells */
} series_area;

struct cs_series {
    series_area **areas;
    int n_areas, cap_areas;
    int *index; /* open addressing over codes: area or -1; cap_index slots */
    int cap_index;
    char **files; /* names of the files loaded, for messages */
    int n_files;
};

/* The number of canonical measures (cs_series_n_measures). */
int series_n_measures(void);

/* The canonical measure a row of the England detail file gives, or -1 if
 * cascade does not read that row (see docs/data.md). */
int series_detail_measure(const char *published_name);

/* An empty table; NULL if out of memory. */
cs_series *series_new(void);

/* The area with this code (exact), or -1. */
int series_find_code(const cs_series *s, const char *code);

/*
 * The area with this code, added if new (named at file:line). Returns the
 * area, or a negative cs_status (CS_ENOMEM) with err filled. Does not check
 * the name or region: the caller does.
 */
int series_add_area(cs_series *s, const char *code, const char *name,
                    const char *region, int file, int line, int col,
                    cs_error *err);

/* The cell of area, measure and year, allocating the area's block for the
 * measure if needed; NULL if out of memory. */
series_cell *series_cell_at(cs_series *s, int area, int measure, int year);

/* Add a file name to s->files; its index, or -1 if out of memory. */
int series_add_file(cs_series *s, const char *name);

/*
 * Merge add (a table of one file, series_add_file'd first) into s: with
 * check, refused (s unchanged) when an area's name or a figure disagrees
 * with s (beyond rounding); without, add's figures stand in place of s's.
 * Either way all or nothing; the caller still frees add.
 */
int series_merge(cs_series *s, cs_series *add, int check, cs_error *err);

/* Read one file's text into the (new, empty) table s: formats.c. */
int series_read(cs_series *s, const char *name, const char *data, size_t size,
                cs_error *err);

#endif
