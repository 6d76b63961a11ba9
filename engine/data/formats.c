/*
 * formats.c - reading one file of published series into a table: which of
 * the four formats it is (from its header row), and each row's cells.
 *
 *   England summary (wide)  year_to_31_march, then measure columns
 *   council summary (wide)  year_to_31_march, la_code, la_name[, region]
 *                           [, geography_note], then measure columns
 *   council by measure      year_to_31_march, la_code, la_name, measure,
 *                           value (la-cla-by-age-2013-2019.csv)
 *   England detail (long)   section, measure, year, value, unit, status,
 *                           source (england-csc-detail-2008-2019.csv)
 *
 * A measure column of a wide file is any canonical measure's name; a
 * measure of the council long file is any canonical name; a row of the
 * detail file is read if measures.c maps its measure, and skipped
 * otherwise. Every message is "file:line:col: column: expected X, found Y".
 */
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/series_internal.h"
#include "scenario/diag.h"

typedef enum file_format {
    FORMAT_ENGLAND_WIDE,
    FORMAT_COUNCIL_WIDE,
    FORMAT_COUNCIL_LONG,
    FORMAT_ENGLAND_DETAIL,
} file_format;

/* The named (non-measure) columns. */
typedef enum role {
    ROLE_YEAR_TO_31_MARCH,
    ROLE_LA_CODE,
    ROLE_LA_NAME,
    ROLE_REGION,
    ROLE_GEOGRAPHY_NOTE,
    ROLE_MEASURE,
    ROLE_VALUE,
    ROLE_SECTION,
    ROLE_YEAR,
    ROLE_UNIT,
    ROLE_STATUS,
    ROLE_SOURCE,
    N_ROLES
} role;

static const char *const role_names[N_ROLES] = {
    "year_to_31_march", "la_code", "la_name", "region", "geography_note",
    "measure",          "value",   "section", "year",   "unit",
    "status",           "source",
};

#define BIT(r) (1u << (r))

static const struct format_spec {
    const char *label;
    unsigned required, optional; /* roles */
    int wide;                    /* measure columns allowed (and needed) */
    const char *columns;         /* for messages */
} formats[] = {
    [FORMAT_ENGLAND_WIDE] = {"England summary", BIT(ROLE_YEAR_TO_31_MARCH), 0,
                             1,
                             "year_to_31_march, then measure columns "
                             "(population_0_17, referrals, ...)"},
    [FORMAT_COUNCIL_WIDE] =
        {"council summary",
         BIT(ROLE_YEAR_TO_31_MARCH) | BIT(ROLE_LA_CODE) | BIT(ROLE_LA_NAME),
         BIT(ROLE_REGION) | BIT(ROLE_GEOGRAPHY_NOTE), 1,
         "year_to_31_march, la_code, la_name, region, then measure columns "
         "(population_0_17, referrals, ...), geography_note"},
    [FORMAT_COUNCIL_LONG] =
        {"council by measure",
         BIT(ROLE_YEAR_TO_31_MARCH) | BIT(ROLE_LA_CODE) | BIT(ROLE_LA_NAME) |
             BIT(ROLE_MEASURE) | BIT(ROLE_VALUE),
         BIT(ROLE_REGION) | BIT(ROLE_GEOGRAPHY_NOTE), 0,
         "year_to_31_march, la_code, la_name, measure, value"},
    [FORMAT_ENGLAND_DETAIL] =
        {"England detail", BIT(ROLE_MEASURE) | BIT(ROLE_YEAR) | BIT(ROLE_VALUE),
         BIT(ROLE_SECTION) | BIT(ROLE_UNIT) | BIT(ROLE_STATUS) |
             BIT(ROLE_SOURCE),
         0, "section, measure, year, value, unit, status, source"},
};

typedef struct header {
    file_format format;
    int n_fields;
    int col[N_ROLES];               /* field index of each role, or -1 */
    int measure[CSV_MAX_FIELDS];    /* canonical measure of a wide column */
    char names[CSV_MAX_FIELDS][64]; /* column names, for messages */
} header;

typedef struct reader {
    csv_reader csv;
    cs_series *s;
    const char *name;
    header h;
    cs_error *err;
    int observed; /* cells observed so far */
    int england;  /* the England area, once added, or -1 */
} reader;

/* ---- cells -------------------------------------------------------------- */

/* Trim ASCII spaces and tabs in place. */
static void trim(csv_field *f)
{
    char *t = f->text;
    size_t n = f->len, lead = 0;
    while (lead < n && (t[lead] == ' ' || t[lead] == '\t'))
        lead++;
    while (n > lead && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        n--;
    f->text = t + lead;
    f->len = n - lead;
    f->text[f->len] = '\0';
    if (f->len) /* a blank cell is reported where it starts */
        f->col += (int)lead;
}

/* What was found, for messages: 'text' cut to 40 bytes (whole characters),
 * or "nothing". */
static const char *found(const csv_field *f, char *buf, size_t size)
{
    if (f->len == 0)
        return "nothing";
    size_t n = f->len < 40 ? f->len : 40;
    while (n < f->len && n > 0 && ((unsigned char)f->text[n] & 0xC0) == 0x80)
        n--; /* do not cut a UTF-8 sequence */
    snprintf(buf, size, "'%.*s%s'", (int)n, f->text, n < f->len ? "..." : "");
    return buf;
}

/*
 * The codes DfE and ONS publish in place of a figure (docs/data.md): an
 * empty cell; c (confidential), x (not available), z (not applicable), low
 * and k (rounds to zero but is not zero), u (low reliability), w (none
 * recorded), each also in square brackets as the GSS guidance of 2021 has
 * them; the older symbols ':' and '~' (DfE), '..' and '.' (not available,
 * not applicable), '-' (nil or negligible in some older tables: read as
 * missing, like the rest) and '*' (a small number suppressed). Any case.
 */
static int is_suppression_code(const char *t)
{
    static const char *const codes[] = {"c", "x", "z", "low", "k", "u", "w"};
    static const char *const symbols[] = {":", "~", "..", ".", "-", "*"};
    if (!t[0])
        return 1;
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (strcmp(t, symbols[i]) == 0)
            return 1;
    char word[8];
    size_t n = strlen(t);
    if (n >= 3 && t[0] == '[' && t[n - 1] == ']' && n - 2 < sizeof word) {
        memcpy(word, t + 1, n - 2);
        word[n - 2] = '\0';
    } else if (n < sizeof word) {
        memcpy(word, t, n + 1);
    } else {
        return 0;
    }
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        size_t k = 0;
        while (codes[i][k] &&
               tolower((unsigned char)word[k]) == (unsigned char)codes[i][k])
            k++;
        if (!codes[i][k] && !word[k])
            return 1;
    }
    return 0;
}

/* A decimal number as written in a CSV file: [+-]digits[.digits][e[+-]digits]
 * or [+-].digits; no hex, no "inf" or "nan", no thousands separators. */
static int is_decimal(const char *t)
{
    const char *p = t;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

/*
 * Read a value cell for measure into *state and *value. column names the
 * column in messages ("cla_31_march", or "value (cla_31_march_uasc)").
 */
static int parse_value(reader *rd, csv_field *f, int measure,
                       const char *column, unsigned char *state, double *value)
{
    trim(f);
    if (is_suppression_code(f->text)) {
        *state = CELL_SUPPRESSED;
        *value = 0;
        return CS_OK;
    }
    int percent = cs_series_measure(measure)->kind == CS_OBS_PERCENT;
    double v = is_decimal(f->text) ? strtod(f->text, NULL) : NAN;
    if (isfinite(v) && v >= 0 && (!percent || v <= 100)) {
        *state = CELL_OBSERVED;
        *value = v == 0 ? 0 : v; /* no -0 */
        return CS_OK;
    }
    char buf[64];
    return cs_error_set(rd->err, CS_EINPUT,
                        "%s:%d:%d: %s: expected %s, found %s", rd->name,
                        f->line, f->col, column,
                        percent ? "a percentage from 0 to 100" : "a count >= 0",
                        found(f, buf, sizeof buf));
}

/* A four-digit year from CS_SERIES_YEAR_MIN to CS_SERIES_YEAR_MAX, or for
 * mid-year populations "mid-YYYY", which is the year to 31 March YYYY+1. */
static int parse_year(reader *rd, csv_field *f, const char *column, int mid,
                      int *year)
{
    trim(f);
    const char *t = f->text;
    if (mid && strncmp(t, "mid-", 4) == 0)
        t += 4;
    else if (mid)
        t = "";
    int ok = strlen(t) == 4;
    for (int i = 0; ok && i < 4; i++)
        ok = isdigit((unsigned char)t[i]);
    int y = ok ? atoi(t) + (mid ? 1 : 0) : 0;
    if (ok && y >= CS_SERIES_YEAR_MIN && y <= CS_SERIES_YEAR_MAX) {
        *year = y;
        return CS_OK;
    }
    char buf[64];
    if (mid)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: %s: expected a mid-year from mid-%d "
                            "to mid-%d, found %s",
                            rd->name, f->line, f->col, column,
                            CS_SERIES_YEAR_MIN - 1, CS_SERIES_YEAR_MAX - 1,
                            found(f, buf, sizeof buf));
    return cs_error_set(rd->err, CS_EINPUT,
                        "%s:%d:%d: %s: expected a year (to 31 March) from %d "
                        "to %d, found %s",
                        rd->name, f->line, f->col, column, CS_SERIES_YEAR_MIN,
                        CS_SERIES_YEAR_MAX, found(f, buf, sizeof buf));
}

/* Record one cell; a second row for the same area, measure and year must
 * give the same value. */
static int put_cell(reader *rd, int area, int measure, int year,
                    const csv_field *f, const char *column, unsigned char state,
                    double value)
{
    series_cell *c = series_cell_at(rd->s, area, measure, year);
    if (!c)
        return cs_error_set(rd->err, CS_ENOMEM, "out of memory");
    if (c->state != CELL_ABSENT) {
        if (c->state == state &&
            (state == CELL_SUPPRESSED || c->value == value))
            return CS_OK; /* the same row again */
        char was[32], now[32];
        snprintf(was, sizeof was,
                 c->state == CELL_OBSERVED ? "%.10g" : "suppressed", c->value);
        snprintf(now, sizeof now,
                 state == CELL_OBSERVED ? "%.10g" : "suppressed", value);
        const series_area *a = rd->s->areas[area];
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: %s: expected one value for %s (%s) in "
                            "%d, found %s here and %s on line %d",
                            rd->name, f->line, f->col, column, a->name, a->code,
                            year, now, was, c->line);
    }
    c->state = state;
    c->value = value;
    c->file = 0;
    c->line = f->line;
    c->col = f->col;
    if (state == CELL_OBSERVED)
        rd->observed++;
    return CS_OK;
}

/* An area code: letters, digits and '+' '-' '_' (the pan-Dorset unit is
 * "E06000058+E06000059"). */
static int is_area_code(const char *t)
{
    if (!t[0] || strlen(t) > 63)
        return 0;
    for (; *t; t++)
        if (!isalnum((unsigned char)*t) && *t != '+' && *t != '-' && *t != '_')
            return 0;
    return 1;
}

/* The row's area (council formats): checks code, name and region against
 * the rows before. */
static int row_area(reader *rd, int *area)
{
    csv_field *fields = rd->csv.fields;
    csv_field *code = &fields[rd->h.col[ROLE_LA_CODE]];
    csv_field *name = &fields[rd->h.col[ROLE_LA_NAME]];
    csv_field *region =
        rd->h.col[ROLE_REGION] >= 0 ? &fields[rd->h.col[ROLE_REGION]] : NULL;
    trim(code);
    trim(name);
    if (region)
        trim(region);
    char buf[64];
    if (!is_area_code(code->text))
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: la_code: expected an area code "
                            "(letters, digits, '+'), found %s",
                            rd->name, code->line, code->col,
                            found(code, buf, sizeof buf));
    if (!name->len)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: la_name: expected the name of area %s, "
                            "found nothing",
                            rd->name, name->line, name->col, code->text);
    int before = rd->s->n_areas;
    int a = series_add_area(rd->s, code->text, name->text,
                            region ? region->text : "", 0, name->line,
                            name->col, rd->err);
    if (a < 0)
        return a;
    series_area *sa = rd->s->areas[a];
    if (a < before && strcmp(sa->name, name->text) != 0)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: la_name: expected '%s' for %s, as on "
                            "line %d, found %s",
                            rd->name, name->line, name->col, sa->name, sa->code,
                            sa->line, found(name, buf, sizeof buf));
    if (a < before && region && strcmp(sa->region, region->text) != 0)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: region: expected '%s' for %s, as on "
                            "line %d, found %s",
                            rd->name, region->line, region->col, sa->region,
                            sa->code, sa->line, found(region, buf, sizeof buf));
    *area = a;
    return CS_OK;
}

static int england_area(reader *rd, int *area)
{
    if (rd->england < 0) {
        int a = series_add_area(rd->s, CS_SERIES_ENGLAND_CODE,
                                CS_SERIES_ENGLAND_NAME, "", 0,
                                rd->csv.record_line, 1, rd->err);
        if (a < 0)
            return a;
        rd->england = a;
    }
    *area = rd->england;
    return CS_OK;
}

/* ---- rows --------------------------------------------------------------- */

static int read_wide_row(reader *rd)
{
    const header *h = &rd->h;
    csv_field *fields = rd->csv.fields;
    int area, year, rc;
    if (h->format == FORMAT_COUNCIL_WIDE)
        rc = row_area(rd, &area);
    else
        rc = england_area(rd, &area);
    if (rc)
        return rc;
    if ((rc = parse_year(rd, &fields[h->col[ROLE_YEAR_TO_31_MARCH]],
                         "year_to_31_march", 0, &year)))
        return rc;
    for (int i = 0; i < h->n_fields; i++) {
        int m = h->measure[i];
        if (m < 0)
            continue;
        unsigned char state;
        double value;
        if ((rc =
                 parse_value(rd, &fields[i], m, h->names[i], &state, &value)) ||
            (rc = put_cell(rd, area, m, year, &fields[i], h->names[i], state,
                           value)))
            return rc;
    }
    return CS_OK;
}

/* The measure a long row names, with a suggestion if unknown. */
static int row_measure(reader *rd, csv_field *f, int *measure)
{
    trim(f);
    int m = cs_series_find_measure(f->text);
    if (m >= 0) {
        *measure = m;
        return CS_OK;
    }
    const char *names[64];
    int n = cs_series_n_measures() < 64 ? cs_series_n_measures() : 64;
    for (int i = 0; i < n; i++)
        names[i] = cs_series_measure(i)->name;
    char buf[64], hint[DIAG_TEXT_MAX];
    return cs_error_set(
        rd->err, CS_EINPUT,
        "%s:%d:%d: measure: expected a measure cascade knows "
        "(docs/data.md), found %s%s",
        rd->name, f->line, f->col, found(f, buf, sizeof buf),
        diag_did_you_mean(f->text, names, (size_t)n, hint, sizeof hint));
}

static int read_long_row(reader *rd)
{
    const header *h = &rd->h;
    csv_field *fields = rd->csv.fields;
    int area, year, measure = -1, rc;
    csv_field *mf = &fields[h->col[ROLE_MEASURE]];
    csv_field *vf = &fields[h->col[ROLE_VALUE]];
    if (h->format == FORMAT_ENGLAND_DETAIL) {
        trim(mf);
        measure = series_detail_measure(mf->text);
        if (measure < 0)
            return CS_OK; /* a row cascade does not read (docs/data.md) */
        int mid = cs_series_measure(measure)->kind == CS_OBS_POPULATION;
        if ((rc = england_area(rd, &area)) ||
            (rc = parse_year(rd, &fields[h->col[ROLE_YEAR]], "year", mid,
                             &year)))
            return rc;
    } else {
        if ((rc = row_area(rd, &area)) ||
            (rc = parse_year(rd, &fields[h->col[ROLE_YEAR_TO_31_MARCH]],
                             "year_to_31_march", 0, &year)) ||
            (rc = row_measure(rd, mf, &measure)))
            return rc;
    }
    char column[96];
    snprintf(column, sizeof column, "value (%s)",
             cs_series_measure(measure)->name);
    unsigned char state;
    double value;
    if ((rc = parse_value(rd, vf, measure, column, &state, &value)))
        return rc;
    return put_cell(rd, area, measure, year, vf, column, state, value);
}

/* ---- the header --------------------------------------------------------- */

static int find_role(const char *name)
{
    for (int r = 0; r < N_ROLES; r++)
        if (strcmp(role_names[r], name) == 0)
            return r;
    return -1;
}

static int unknown_header(reader *rd, const char *found_text)
{
    return cs_error_set(
        rd->err, CS_EINPUT,
        "%s:1:1: header: expected the columns of one of the published "
        "formats: England summary (%s); council summary (%s); council by "
        "measure (%s); England detail (%s); found '%s'",
        rd->name, formats[FORMAT_ENGLAND_WIDE].columns,
        formats[FORMAT_COUNCIL_WIDE].columns,
        formats[FORMAT_COUNCIL_LONG].columns,
        formats[FORMAT_ENGLAND_DETAIL].columns, found_text);
}

/* The header as one line, for messages. */
static void header_text(const csv_reader *csv, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < csv->n_fields && used + 1 < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? "," : "",
                         csv->fields[i].text);
        if (w < 0)
            break;
        used += (size_t)w < size - used ? (size_t)w : size - used - 1;
    }
    if (used + 1 >= size && size > 4)
        strcpy(buf + size - 4, "...");
}

static file_format detect(const header *h, int any_measure)
{
    int has[N_ROLES];
    for (int r = 0; r < N_ROLES; r++)
        has[r] = h->col[r] >= 0;
    if (has[ROLE_MEASURE] &&
        (has[ROLE_LA_CODE] || has[ROLE_LA_NAME] || has[ROLE_YEAR_TO_31_MARCH]))
        return FORMAT_COUNCIL_LONG;
    if (has[ROLE_MEASURE] || has[ROLE_YEAR] || has[ROLE_SECTION])
        return FORMAT_ENGLAND_DETAIL;
    if (has[ROLE_LA_CODE] || has[ROLE_LA_NAME] || has[ROLE_REGION])
        return FORMAT_COUNCIL_WIDE;
    if (has[ROLE_YEAR_TO_31_MARCH] || any_measure)
        return FORMAT_ENGLAND_WIDE;
    return (file_format)-1;
}

/* Names a column of this format may have, for suggestions. */
static size_t allowed_names(file_format format, const char **names, size_t cap)
{
    size_t n = 0;
    unsigned roles = formats[format].required | formats[format].optional;
    for (int r = 0; r < N_ROLES && n < cap; r++)
        if (roles & BIT(r))
            names[n++] = role_names[r];
    if (formats[format].wide)
        for (int m = 0; m < cs_series_n_measures() && n < cap; m++)
            names[n++] = cs_series_measure(m)->name;
    return n;
}

static int read_header(reader *rd)
{
    header *h = &rd->h;
    csv_reader *csv = &rd->csv;
    int rc = csv_next(csv, rd->err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:1:1: expected a header row, found an empty "
                            "file",
                            rd->name);
    for (int r = 0; r < N_ROLES; r++)
        h->col[r] = -1;
    h->n_fields = csv->n_fields;
    int any_measure = 0, unknown = -1;
    for (int i = 0; i < csv->n_fields; i++) {
        csv_field *f = &csv->fields[i];
        trim(f);
        snprintf(h->names[i], sizeof h->names[i], "%s", f->text);
        h->measure[i] = -1;
        if (!f->len)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:1:%d: header: expected a column name, "
                                "found nothing (column %d)",
                                rd->name, f->col, i + 1);
        for (int j = 0; j < i; j++)
            if (strcmp(csv->fields[j].text, f->text) == 0)
                return cs_error_set(rd->err, CS_EINPUT,
                                    "%s:1:%d: header: expected each column "
                                    "once, found '%s' again (first at "
                                    "column %d)",
                                    rd->name, f->col, f->text,
                                    csv->fields[j].col);
        int r = find_role(f->text);
        if (r >= 0) {
            h->col[r] = i;
        } else if ((h->measure[i] = cs_series_find_measure(f->text)) >= 0) {
            any_measure = 1;
        } else if (unknown < 0) {
            unknown = i;
        }
    }
    char text[DIAG_TEXT_MAX];
    header_text(csv, text, sizeof text);
    file_format format = detect(h, any_measure);
    if ((int)format < 0)
        return unknown_header(rd, text);
    h->format = format;
    const struct format_spec *spec = &formats[format];
    for (int r = 0; r < N_ROLES; r++)
        if ((spec->required & BIT(r)) && h->col[r] < 0)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:1:1: header: expected a column '%s' (%s "
                                "format: %s), found none in '%s'",
                                rd->name, role_names[r], spec->label,
                                spec->columns, text);
    for (int i = 0; i < csv->n_fields; i++) {
        int r = find_role(h->names[i]);
        int allowed = r >= 0 ? ((spec->required | spec->optional) & BIT(r)) != 0
                             : spec->wide && h->measure[i] >= 0;
        if (allowed)
            continue;
        const char *names[96];
        size_t n = allowed_names(format, names, 96);
        char hint[DIAG_TEXT_MAX];
        return cs_error_set(
            rd->err, CS_EINPUT,
            "%s:1:%d: header: expected a column of the %s "
            "format (%s), found '%s'%s",
            rd->name, csv->fields[i].col, spec->label, spec->columns,
            h->names[i],
            diag_did_you_mean(h->names[i], names, n, hint, sizeof hint));
    }
    if (spec->wide && !any_measure)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:1:1: header: expected at least one measure "
                            "column (population_0_17, referrals, ..., see "
                            "docs/data.md), found '%s'",
                            rd->name, text);
    return CS_OK;
}

/* ---- the file ----------------------------------------------------------- */

static int read_rows(reader *rd)
{
    csv_reader *csv = &rd->csv;
    int rows = 0, rc;
    while ((rc = csv_next(csv, rd->err)) == 1) {
        if (csv->n_fields == 1 && !csv->fields[0].quoted) {
            trim(&csv->fields[0]);
            if (!csv->fields[0].len)
                continue; /* a line of spaces */
        }
        if (csv->n_fields != rd->h.n_fields) {
            int more = csv->n_fields > rd->h.n_fields;
            return cs_error_set(
                rd->err, CS_EINPUT,
                "%s:%d:%d: expected %d fields, as in the header, found %d",
                rd->name,
                more ? csv->fields[rd->h.n_fields].line : csv->end_line,
                more ? csv->fields[rd->h.n_fields].col : csv->end_col,
                rd->h.n_fields, csv->n_fields);
        }
        rows++;
        rc = rd->h.format == FORMAT_ENGLAND_WIDE ||
                     rd->h.format == FORMAT_COUNCIL_WIDE
                 ? read_wide_row(rd)
                 : read_long_row(rd);
        if (rc)
            return rc;
    }
    if (rc < 0)
        return rc;
    if (rows == 0)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:1: expected rows of data after the header, "
                            "found the end of the file",
                            rd->name, csv->line);
    if (rd->observed == 0)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:2:1: expected at least one figure, found "
                            "none (%d rows, every one %s)",
                            rd->name, rows,
                            rd->h.format == FORMAT_ENGLAND_DETAIL
                                ? "a measure cascade does not read or "
                                  "suppressed"
                                : "empty or suppressed");
    return CS_OK;
}

int series_read(cs_series *s, const char *name, const char *data, size_t size,
                cs_error *err)
{
    assert(s->n_areas == 0);
    reader rd = {.s = s, .name = name, .err = err, .england = -1};
    int rc = csv_open(&rd.csv, name, data, size, err);
    if (rc == CS_OK)
        rc = read_header(&rd);
    if (rc == CS_OK)
        rc = read_rows(&rd);
    csv_close(&rd.csv);
    return rc;
}
