/*
 * ssda903.c - a council's SSDA903 return (data.h, cs_ssda903): its header
 * and episodes tables for several years, checked and counted into the
 * figures the fit knows (docs/data.md, "A council's SSDA903 return").
 *
 * Reading goes in four steps, every one of which may refuse the return
 * with a located message and none of which keeps child-level data beyond
 * this file:
 *
 *   1. the directory: header_YYYY.csv and episodes_YYYY.csv, a pair for
 *      each of a run of consecutive collection years (YYYY: the year to
 *      31 March YYYY);
 *   2. each year's header, then its episodes, row by row: the columns,
 *      the codes (SEX, RNE, LS, CIN, PLACE, PLACE_PROVIDER, REC from the
 *      DfE's specification; no provider for a temporary or other
 *      placement, PR0 only with parents), dates as DD/MM/YYYY, DEC not
 *      before DECOM, DOB not
 *      after DECOM, the episode inside the collection year, its child in
 *      the year's header, REC given exactly when DEC is;
 *   3. the years together: an episode open at the end of one year's return
 *      is in the next year's too, where it stands in place of the earlier
 *      record (identified by child and DECOM); then, child by child, in
 *      order of DECOM: no episode open but the last, no overlaps, a new
 *      episode the same day as the last ended exactly when that one ended
 *      with X1, and a new period of care (RNE S) exactly when not;
 *   4. the counts, as DfE counts them: episodes under short-break legal
 *      statuses (V3, V4) left out; a child looked after at 31 March if an
 *      episode started on or before it and had not ended by it; a period
 *      of care from a start (RNE S) through episodes ended X1 to its end;
 *      in each year the children starting (the first start in the year of
 *      each child, by age at DECOM) and ceasing (the last end in the year,
 *      by REC and age at DEC); the children looked after at 31 March by
 *      whole months since their period of care began (a year's bands
 *      missing when a period begun before the return leaves them untold),
 *      and by the PLACE and PLACE_PROVIDER of the episode open then
 *      (cs_ssda903_placed sums them for a placement's codes); in each
 *      year the placement moves (a period's new episodes with another
 *      PLACE or PLACE_PROVIDER than the one before).
 *
 * The children are held in a hash table of their ids (open addressing);
 * the episodes in one array, sorted by child and DECOM for steps 3 and 4.
 * Dates are day numbers of the proleptic Gregorian calendar.
 */

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/series_internal.h"

#define MAX_FILE_BYTES (256L * 1024 * 1024)
#define MAX_RETURN_YEARS 40
#define OPEN (-1000000000) /* DEC of an episode still open */

/* ---- the specification's codes ---------------------------------------- */

static const char *const sex_codes[] = {"1", "2"};
static const char *const rne_codes[] = {"S", "P", "L", "T", "U", "B"};
static const char *const ls_codes[] = {"C1", "C2", "D1", "E1", "V2", "V3", "V4",
                                       "J1", "J2", "J3", "L1", "L2", "L3"};
static const char *const cin_codes[] = {"N1", "N2", "N3", "N4",
                                        "N5", "N6", "N7", "N8"};
static const char *const place_codes[] = {
    "A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2",
    "P3", "R1", "R2", "R3", "R5", "S1", "T0", "T1", "T2",
    "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1"};
#define N_PLACES 27
/* PLACE_PROVIDER: PR0 parent(s) or another with parental responsibility,
 * PR1 the council's own provision, PR2 another council's, PR3 other
 * public provision, PR4 private, PR5 voluntary or third sector. */
static const char *const provider_codes[] = {"PR0", "PR1", "PR2",
                                             "PR3", "PR4", "PR5"};
#define N_PROVIDERS 6
#define NO_PROVIDER N_PROVIDERS /* temporary (T0-T4) and other (Z1) */
static const char *const rec_codes[] = {
    "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47",
    "E48", "E5",  "E6", "E7", "E8",  "E9",  "E14", "E15", "E16", "E17", "X1"};
#define N_CODES(a) ((int)(sizeof(a) / sizeof(a)[0]))

/* What each reason for ceasing counts as (DfE's published categories). */
typedef enum reason {
    REASON_ADOPTED,
    REASON_SGO,
    REASON_RETURNED_HOME,
    REASON_CHILD_ARRANGEMENTS,
    REASON_INDEPENDENT_LIVING,
    REASON_OTHER,
    REASON_CONTINUES /* X1: a new episode begins the same day */
} reason;

static reason reason_of(const char *rec)
{
    static const struct {
        const char *code;
        reason why;
    } map[] = {{"E11", REASON_ADOPTED},
               {"E12", REASON_ADOPTED},
               {"E47", REASON_SGO},
               {"E48", REASON_SGO},
               {"E4A", REASON_RETURNED_HOME},
               {"E4B", REASON_RETURNED_HOME},
               {"E41", REASON_CHILD_ARRANGEMENTS},
               {"E45", REASON_CHILD_ARRANGEMENTS},
               {"E46", REASON_CHILD_ARRANGEMENTS},
               {"E5", REASON_INDEPENDENT_LIVING},
               {"E6", REASON_INDEPENDENT_LIVING},
               {"X1", REASON_CONTINUES}};
    for (int i = 0; i < N_CODES(map); i++)
        if (!strcmp(map[i].code, rec))
            return map[i].why;
    return REASON_OTHER;
}

/* ---- dates -------------------------------------------------------------- */

/* Days since 1 January 1970 of a date (H. Hinnant's days_from_civil). */
static int day_number(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil(int z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

static const char *date_text(int day, char *buf, size_t size)
{
    int y, m, d;
    civil(day, &y, &m, &d);
    snprintf(buf, size, "%02d/%02d/%04d", d, m, y);
    return buf;
}

/* DD/MM/YYYY, a real date from 1900 to 2100: 0 and *day, or -1. */
static int parse_date(const char *s, int *day)
{
    if (strlen(s) != 10 || s[2] != '/' || s[5] != '/')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 2 && i != 5 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int d = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    int y = ((s[6] - '0') * 10 + (s[7] - '0')) * 100 + (s[8] - '0') * 10 +
            (s[9] - '0');
    static const int days[12] = {31, 29, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 ||
        d > days[m - 1] - (m == 2 && !leap))
        return -1;
    *day = day_number(y, m, d);
    return 0;
}

/* Whole years of age on day `at` of a child born on `dob`. */
static int age_on(int dob, int at)
{
    int by, bm, bd, y, m, d;
    civil(dob, &by, &bm, &bd);
    civil(at, &y, &m, &d);
    return y - by - (m < bm || (m == bm && d < bd));
}

static int year_start(int year) /* 1 April before the year to 31 March */
{
    return day_number(year - 1, 4, 1);
}

static int year_end(int year)
{
    return day_number(year, 3, 31);
}

/* The DfE age band (0: under 1, 1-4, 5-9, 10-15, 4: 16 and over). */
static int age_band(int age)
{
    return age < 1 ? 0 : age < 5 ? 1 : age < 10 ? 2 : age < 16 ? 3 : 4;
}

/* ---- the reader's working state ----------------------------------------- */

typedef struct child {
    char *id;
    int dob;
    int dob_file, dob_line, dob_col; /* where the DOB was first given */
    int listed_year, listed_line;    /* the last header that listed it */
} child;

typedef struct episode {
    int child;
    int decom, dec; /* dec OPEN if none */
    int year;       /* of the return the row is in */
    int file, line;
    int decom_col, dec_col, rne_col, rec_col;
    char rne;
    reason why;
    unsigned char place;       /* index in place_codes */
    unsigned char provider;    /* in provider_codes, or NO_PROVIDER */
    unsigned char short_break; /* LS V3 or V4 */
    unsigned char dropped;     /* replaced by a later year's record */
} episode;

typedef struct reader {
    const char *dir;
    char *names[2 * MAX_RETURN_YEARS]; /* "DIR/header_2015.csv", ... */
    int n_names;
    child *children;
    int n_children, cap_children;
    int *index; /* open addressing over ids: child or -1 */
    int cap_index;
    episode *episodes;
    int n_episodes, cap_episodes;
    cs_error *err;
} reader;

struct cs_ssda903 {
    int first, last; /* collection years */
    int n_children, n_episodes, n_short_breaks;
    int n_measures;
    /* per measure, the years first - 1 .. last */
    double *count;
    unsigned char *given;
    /* the children looked after at 31 March by the PLACE and
     * PLACE_PROVIDER of the episode open then: [year][place][provider],
     * years first - 1 .. last, providers and NO_PROVIDER */
    int *placed;
};

static int *placed_at(const cs_ssda903 *r, int year, int place, int provider)
{
    assert(year >= r->first - 1 && year <= r->last);
    assert(place >= 0 && place < N_PLACES && provider >= 0 &&
           provider <= NO_PROVIDER);
    size_t at = ((size_t)(year - r->first + 1) * N_PLACES + (size_t)place) *
                    (NO_PROVIDER + 1) +
                (size_t)provider;
    return &r->placed[at];
}

static void reader_free(reader *rd)
{
    for (int i = 0; i < rd->n_names; i++)
        free(rd->names[i]);
    for (int i = 0; i < rd->n_children; i++)
        free(rd->children[i].id);
    free(rd->children);
    free(rd->index);
    free(rd->episodes);
}

static unsigned long hash_id(const char *id)
{
    unsigned long h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static int find_child(const reader *rd, const char *id)
{
    if (!rd->cap_index)
        return -1;
    unsigned long mask = (unsigned long)rd->cap_index - 1;
    for (unsigned long i = hash_id(id) & mask; rd->index[i] >= 0;
         i = (i + 1) & mask)
        if (!strcmp(rd->children[rd->index[i]].id, id))
            return rd->index[i];
    return -1;
}

static void index_put(int *index, int cap, const char *id, int c)
{
    unsigned long mask = (unsigned long)cap - 1;
    unsigned long i = hash_id(id) & mask;
    while (index[i] >= 0)
        i = (i + 1) & mask;
    index[i] = c;
}

/* A new child (id not yet known): its index, or CS_ENOMEM. */
static int add_child(reader *rd, const char *id)
{
    if (rd->n_children == rd->cap_children) {
        int cap = rd->cap_children ? 2 * rd->cap_children : 256;
        child *grown = realloc(rd->children, (size_t)cap * sizeof *grown);
        if (!grown)
            return CS_ENOMEM;
        rd->children = grown;
        rd->cap_children = cap;
    }
    if (2 * (rd->n_children + 1) > rd->cap_index) {
        int cap = rd->cap_index ? 2 * rd->cap_index : 512;
        int *index = malloc((size_t)cap * sizeof *index);
        if (!index)
            return CS_ENOMEM;
        for (int i = 0; i < cap; i++)
            index[i] = -1;
        for (int c = 0; c < rd->n_children; c++)
            index_put(index, cap, rd->children[c].id, c);
        free(rd->index);
        rd->index = index;
        rd->cap_index = cap;
    }
    size_t n = strlen(id) + 1;
    char *copy = malloc(n);
    if (!copy)
        return CS_ENOMEM;
    memcpy(copy, id, n);
    child *c = &rd->children[rd->n_children];
    memset(c, 0, sizeof *c);
    c->id = copy;
    c->listed_year = -1;
    index_put(rd->index, rd->cap_index, copy, rd->n_children);
    return rd->n_children++;
}

/* ---- files -------------------------------------------------------------- */

static int read_whole(reader *rd, const char *path, char **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cs_error_set(rd->err, CS_EINPUT, "cannot open '%s': %s", path,
                            strerror(errno));
    size_t cap = 1 << 16, used = 0;
    char *buf = malloc(cap);
    int rc = buf ? CS_OK : cs_error_set(rd->err, CS_ENOMEM, "out of memory");
    while (rc == CS_OK) {
        if (used == cap) {
            if (cap >= (size_t)MAX_FILE_BYTES) {
                rc = cs_error_set(rd->err, CS_EINPUT,
                                  "%s: expected a file of at most %ld MiB, "
                                  "found a larger one",
                                  path, MAX_FILE_BYTES >> 20);
                break;
            }
            char *grown = realloc(buf, 2 * cap);
            if (!grown) {
                rc = cs_error_set(rd->err, CS_ENOMEM, "out of memory");
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (n == 0) {
            if (ferror(f))
                rc = cs_error_set(rd->err, CS_EIO, "%s: read error: %s", path,
                                  strerror(errno));
            break;
        }
    }
    fclose(f);
    if (rc != CS_OK) {
        free(buf);
        return rc;
    }
    *data = buf;
    *size = used;
    return CS_OK;
}

/* The years of the return in the directory, into years[0..*n). */
static int list_years(reader *rd, int *first, int *last)
{
    DIR *d = opendir(rd->dir);
    if (!d)
        return cs_error_set(rd->err, CS_EINPUT,
                            "cannot open the SSDA903 directory '%s': %s",
                            rd->dir, strerror(errno));
    enum { HEADER = 1, EPISODES = 2 };
    int has[CS_SERIES_YEAR_MAX - CS_SERIES_YEAR_MIN + 1] = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int year = 0, used = 0;
        int kind = 0;
        if (sscanf(e->d_name, "header_%4d.csv%n", &year, &used) == 1 &&
            used == 15 && e->d_name[15] == '\0')
            kind = HEADER;
        else if (sscanf(e->d_name, "episodes_%4d.csv%n", &year, &used) == 1 &&
                 used == 17 && e->d_name[17] == '\0')
            kind = EPISODES;
        if (kind && year >= CS_SERIES_YEAR_MIN + 1 &&
            year <= CS_SERIES_YEAR_MAX)
            has[year - CS_SERIES_YEAR_MIN] |= kind;
    }
    closedir(d);
    *first = 0;
    *last = -1;
    for (int y = CS_SERIES_YEAR_MIN; y <= CS_SERIES_YEAR_MAX; y++) {
        int h = has[y - CS_SERIES_YEAR_MIN];
        if (!h)
            continue;
        if (h != (HEADER | EPISODES))
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s: expected %s_%d.csv beside %s_%d.csv, "
                                "found none",
                                rd->dir, h == HEADER ? "episodes" : "header", y,
                                h == HEADER ? "header" : "episodes", y);
        if (!*first)
            *first = y;
        else if (*last != y - 1)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s: expected a return for every year from "
                                "%d to %d, found none for %d "
                                "(header_%d.csv, episodes_%d.csv)",
                                rd->dir, *first, y, *last + 1, *last + 1,
                                *last + 1);
        *last = y;
    }
    if (!*first)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s: expected an SSDA903 return as "
                            "header_YYYY.csv and episodes_YYYY.csv, a pair "
                            "for each year to 31 March YYYY, found no such "
                            "files",
                            rd->dir);
    if (*last - *first + 1 > MAX_RETURN_YEARS)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s: expected at most %d years of returns, found "
                            "%d (%d to %d)",
                            rd->dir, MAX_RETURN_YEARS, *last - *first + 1,
                            *first, *last);
    return CS_OK;
}

/* ---- the columns of a table --------------------------------------------- */

/* "A, B, C or D" (last: "or"; "and" for a list of columns). */
static void join_codes(const char *const *codes, int n, const char *last,
                       char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i == 0       ? ""
                                 : i == n - 1 ? last
                                              : ", ",
                                 codes[i]);
}

/*
 * The header row of a table whose columns are names[0..n): pos[k] the
 * field of names[k]. Every column must be there once, and no other.
 */
static int read_columns(reader *rd, csv_reader *csv, const char *file,
                        const char *const *names, int n, int *pos)
{
    char list[512];
    join_codes(names, n, " and ", list, sizeof list);
    int rc = csv_next(csv, rd->err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:1:1: expected a header row naming the "
                            "columns %s, found an empty file",
                            file, list);
    if (csv->n_fields == 1) {
        const csv_field *f = &csv->fields[0];
        const char *sep = strpbrk(f->text, ";\t|");
        if (sep)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:%d:%d: expected columns separated by "
                                "commas, found '%s'",
                                file, f->line, f->col + (int)(sep - f->text),
                                *sep == '\t' ? "\\t" : (char[2]){*sep, 0});
    }
    for (int k = 0; k < n; k++)
        pos[k] = -1;
    for (int i = 0; i < csv->n_fields; i++) {
        const csv_field *f = &csv->fields[i];
        int k = 0;
        while (k < n && strcmp(names[k], f->text))
            k++;
        if (k == n)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:%d:%d: expected the columns %s, found "
                                "'%s'",
                                file, f->line, f->col, list, f->text);
        if (pos[k] >= 0)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:%d:%d: expected the column %s once, "
                                "found it again",
                                file, f->line, f->col, names[k]);
        pos[k] = i;
    }
    for (int k = 0; k < n; k++)
        if (pos[k] < 0)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:%d:%d: expected the column %s, found "
                                "the end of the header row",
                                file, csv->end_line, csv->end_col, names[k]);
    return CS_OK;
}

/* A row must have as many fields as the header row. */
static int check_row_width(reader *rd, const csv_reader *csv, const char *file,
                           int n)
{
    if (csv->n_fields > n)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: expected %d fields, as in the header "
                            "row, found %d",
                            file, csv->fields[n].line, csv->fields[n].col, n,
                            csv->n_fields);
    if (csv->n_fields < n)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: expected %d fields, as in the header "
                            "row, found %d",
                            file, csv->end_line, csv->end_col, n,
                            csv->n_fields);
    return CS_OK;
}

static int required(reader *rd, const char *file, const csv_field *f,
                    const char *column, const char *what)
{
    if (f->len > 0)
        return CS_OK;
    return cs_error_set(rd->err, CS_EINPUT,
                        "%s:%d:%d: %s: expected %s, found "
                        "an empty field",
                        file, f->line, f->col, column, what);
}

/* The code's index in codes, or an error (an empty field is an error). */
static int code_of(reader *rd, const char *file, const csv_field *f,
                   const char *column, const char *const *codes, int n,
                   int *index)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(codes[i], f->text)) {
            *index = i;
            return CS_OK;
        }
    char list[512];
    join_codes(codes, n, " or ", list, sizeof list);
    if (f->len == 0)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: %s: expected one of %s, found an "
                            "empty field",
                            file, f->line, f->col, column, list);
    return cs_error_set(rd->err, CS_EINPUT,
                        "%s:%d:%d: %s: expected one of %s, found '%.40s'", file,
                        f->line, f->col, column, list, f->text);
}

static int date_of(reader *rd, const char *file, const csv_field *f,
                   const char *column, int *day)
{
    if (parse_date(f->text, day) == 0)
        return CS_OK;
    if (f->len == 0)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: %s: expected a date as DD/MM/YYYY, "
                            "found an empty field",
                            file, f->line, f->col, column);
    return cs_error_set(rd->err, CS_EINPUT,
                        "%s:%d:%d: %s: expected a date as DD/MM/YYYY, found "
                        "'%.40s'",
                        file, f->line, f->col, column, f->text);
}

/* ---- one year's header -------------------------------------------------- */

enum { H_CHILD, H_SEX, H_DOB, H_ETHNIC, H_UPN, H_MOTHER, H_MC_DOB, H_N };
static const char *const header_columns[H_N] = {
    "CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"};

static int read_header(reader *rd, int year, int file, const char *data,
                       size_t size)
{
    const char *name = rd->names[file];
    csv_reader csv;
    int rc = csv_open(&csv, name, data, size, rd->err);
    int pos[H_N];
    if (rc == CS_OK)
        rc = read_columns(rd, &csv, name, header_columns, H_N, pos);
    while (rc == CS_OK && (rc = csv_next(&csv, rd->err)) == 1) {
        rc = check_row_width(rd, &csv, name, H_N);
        if (rc != CS_OK)
            break;
        const csv_field *id = &csv.fields[pos[H_CHILD]];
        const csv_field *dob = &csv.fields[pos[H_DOB]];
        int sex, day;
        if ((rc = required(rd, name, id, "CHILD", "the child's id")) ||
            (rc = code_of(rd, name, &csv.fields[pos[H_SEX]], "SEX", sex_codes,
                          N_CODES(sex_codes), &sex)) ||
            (rc = date_of(rd, name, dob, "DOB", &day)))
            break;
        int c = find_child(rd, id->text);
        if (c < 0 && (c = add_child(rd, id->text)) < 0) {
            rc = cs_error_set(rd->err, CS_ENOMEM, "out of memory");
            break;
        }
        child *ch = &rd->children[c];
        if (ch->listed_year == year) {
            rc = cs_error_set(rd->err, CS_EINPUT,
                              "%s:%d:%d: CHILD: expected each child once, "
                              "found the child of line %d again",
                              name, id->line, id->col, ch->listed_line);
            break;
        }
        if (ch->listed_year < 0) {
            ch->dob = day;
            ch->dob_file = file;
            ch->dob_line = dob->line;
            ch->dob_col = dob->col;
        } else if (ch->dob != day) {
            char was[16];
            rc = cs_error_set(
                rd->err, CS_EINPUT,
                "%s:%d:%d: DOB: expected %s, as in %s:%d:%d, "
                "found %s",
                name, dob->line, dob->col, date_text(ch->dob, was, sizeof was),
                rd->names[ch->dob_file], ch->dob_line, ch->dob_col, dob->text);
            break;
        }
        ch->listed_year = year;
        ch->listed_line = id->line;
    }
    csv_close(&csv);
    return rc > 0 ? CS_OK : rc;
}

/* ---- one year's episodes ------------------------------------------------ */

enum {
    E_CHILD,
    E_DECOM,
    E_RNE,
    E_LS,
    E_CIN,
    E_PLACE,
    E_PLACE_PROVIDER,
    E_DEC,
    E_REC,
    E_REASON_PLACE_CHANGE,
    E_HOME_POST,
    E_PL_POST,
    E_URN,
    E_N
};
static const char *const episode_columns[E_N] = {
    "CHILD",     "DECOM",          "RNE", "LS",  "CIN",
    "PLACE",     "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE",
    "HOME_POST", "PL_POST",        "URN"};

static int add_episode(reader *rd, episode **out)
{
    if (rd->n_episodes == rd->cap_episodes) {
        int cap = rd->cap_episodes ? 2 * rd->cap_episodes : 1024;
        episode *grown = realloc(rd->episodes, (size_t)cap * sizeof *grown);
        if (!grown)
            return CS_ENOMEM;
        rd->episodes = grown;
        rd->cap_episodes = cap;
    }
    *out = &rd->episodes[rd->n_episodes++];
    memset(*out, 0, sizeof **out);
    return CS_OK;
}

/* A placement that has no provider: temporary (T0-T4) or other (Z1). */
static int without_provider(int place)
{
    const char *code = place_codes[place];
    return code[0] == 'T' || !strcmp(code, "Z1");
}

/*
 * PLACE_PROVIDER of an episode whose PLACE is place_codes[place], as the
 * DfE's validation checks it: one of PR0-PR5, except that a temporary
 * placement (T0-T4) or another (Z1) has none, and PR0 (a parent) provides
 * only a placement with parents (P1). *provider NO_PROVIDER when empty.
 */
static int provider_of(reader *rd, const char *file, const csv_field *f,
                       int place, int *provider)
{
    *provider = NO_PROVIDER;
    if (without_provider(place)) {
        if (f->len == 0)
            return CS_OK;
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: PLACE_PROVIDER: expected an empty "
                            "field (a placement %s has no provider), found "
                            "'%.40s'",
                            file, f->line, f->col, place_codes[place], f->text);
    }
    int rc = code_of(rd, file, f, "PLACE_PROVIDER", provider_codes, N_PROVIDERS,
                     provider);
    if (rc != CS_OK)
        return rc;
    if (*provider == 0 && strcmp(place_codes[place], "P1"))
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: PLACE_PROVIDER: expected PR1, PR2, "
                            "PR3, PR4 or PR5 for a placement %s (PR0, a "
                            "parent, provides only placements with parents, "
                            "P1), found PR0",
                            file, f->line, f->col, place_codes[place]);
    return CS_OK;
}

/* One row's dates and codes, checked against each other and the year. */
static int read_episode_row(reader *rd, const csv_reader *csv, int year,
                            int file, const int *pos)
{
    const char *name = rd->names[file];
    const csv_field *f = csv->fields;
    const csv_field *id = &f[pos[E_CHILD]], *decom = &f[pos[E_DECOM]];
    const csv_field *dec = &f[pos[E_DEC]], *rec = &f[pos[E_REC]];
    int rc, decom_day = 0, dec_day = OPEN, rne = 0, ls = 0, cin = 0, place = 0;
    int provider = NO_PROVIDER;
    int why = -1;
    char a[16], b[16];
    if ((rc = required(rd, name, id, "CHILD", "the child's id")))
        return rc;
    int c = find_child(rd, id->text);
    if (c < 0 || rd->children[c].listed_year != year)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: CHILD: expected a child of "
                            "header_%d.csv, found one it does not list",
                            name, id->line, id->col, year);
    if ((rc = date_of(rd, name, decom, "DECOM", &decom_day)) ||
        (rc = code_of(rd, name, &f[pos[E_RNE]], "RNE", rne_codes,
                      N_CODES(rne_codes), &rne)) ||
        (rc = code_of(rd, name, &f[pos[E_LS]], "LS", ls_codes,
                      N_CODES(ls_codes), &ls)) ||
        (rc = code_of(rd, name, &f[pos[E_CIN]], "CIN", cin_codes,
                      N_CODES(cin_codes), &cin)) ||
        (rc = code_of(rd, name, &f[pos[E_PLACE]], "PLACE", place_codes,
                      N_CODES(place_codes), &place)) ||
        (rc = provider_of(rd, name, &f[pos[E_PLACE_PROVIDER]], place,
                          &provider)))
        return rc;
    if (dec->len && (rc = date_of(rd, name, dec, "DEC", &dec_day)))
        return rc;
    if (rec->len && (rc = code_of(rd, name, rec, "REC", rec_codes,
                                  N_CODES(rec_codes), &why)))
        return rc;
    const child *ch = &rd->children[c];
    if (decom_day < ch->dob)
        return cs_error_set(
            rd->err, CS_EINPUT,
            "%s:%d:%d: DECOM: expected a date on or after "
            "the child's DOB, %s (%s:%d:%d), found %s",
            name, decom->line, decom->col, date_text(ch->dob, a, sizeof a),
            rd->names[ch->dob_file], ch->dob_line, ch->dob_col, decom->text);
    if (decom_day > year_end(year))
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: DECOM: expected a date on or before "
                            "%s, the end of the return's year, found %s",
                            name, decom->line, decom->col,
                            date_text(year_end(year), a, sizeof a),
                            decom->text);
    if (dec_day != OPEN && dec_day < decom_day)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: DEC: expected a date on or after "
                            "DECOM, %s, found %s",
                            name, dec->line, dec->col, decom->text, dec->text);
    if (dec_day != OPEN &&
        (dec_day < year_start(year) || dec_day > year_end(year)))
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: DEC: expected a date in the return's "
                            "year, %s to %s, found %s",
                            name, dec->line, dec->col,
                            date_text(year_start(year), a, sizeof a),
                            date_text(year_end(year), b, sizeof b), dec->text);
    if (dec_day != OPEN && why < 0)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: REC: expected the reason the episode "
                            "ceased (DEC is %s), found an empty field",
                            name, rec->line, rec->col, dec->text);
    if (dec_day == OPEN && why >= 0)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: DEC: expected the date the episode "
                            "ceased (REC is %s), found an empty field",
                            name, dec->line, dec->col, rec->text);
    episode *e;
    if (add_episode(rd, &e))
        return cs_error_set(rd->err, CS_ENOMEM, "out of memory");
    e->child = c;
    e->decom = decom_day;
    e->dec = dec_day;
    e->year = year;
    e->file = file;
    e->line = id->line;
    e->decom_col = decom->col;
    e->dec_col = dec->col;
    e->rne_col = f[pos[E_RNE]].col;
    e->rec_col = rec->col;
    e->rne = rne_codes[rne][0];
    e->why = why >= 0 ? reason_of(rec_codes[why]) : REASON_OTHER;
    e->short_break = !strcmp(ls_codes[ls], "V3") || !strcmp(ls_codes[ls], "V4");
    e->place = (unsigned char)place;
    e->provider = (unsigned char)provider;
    return CS_OK;
}

static int read_episodes(reader *rd, int year, int file, const char *data,
                         size_t size)
{
    const char *name = rd->names[file];
    csv_reader csv;
    int rc = csv_open(&csv, name, data, size, rd->err);
    int pos[E_N];
    if (rc == CS_OK)
        rc = read_columns(rd, &csv, name, episode_columns, E_N, pos);
    while (rc == CS_OK && (rc = csv_next(&csv, rd->err)) == 1) {
        rc = check_row_width(rd, &csv, name, E_N);
        if (rc == CS_OK)
            rc = read_episode_row(rd, &csv, year, file, pos);
    }
    csv_close(&csv);
    return rc > 0 ? CS_OK : rc;
}

/* ---- the years together -------------------------------------------------- */

static int by_child_then_decom(const void *pa, const void *pb)
{
    const episode *a = pa, *b = pb;
    if (a->child != b->child)
        return a->child < b->child ? -1 : 1;
    if (a->decom != b->decom)
        return a->decom < b->decom ? -1 : 1;
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

/*
 * One record per episode: a later year's stands in place of an earlier
 * one's; twice in one year is refused, and so is an episode open at the
 * end of a year that the next year's return does not have.
 */
static int merge_years(reader *rd, int last)
{
    qsort(rd->episodes, (size_t)rd->n_episodes, sizeof *rd->episodes,
          by_child_then_decom);
    for (int i = 0; i < rd->n_episodes; i++) {
        episode *e = &rd->episodes[i];
        episode *next = i + 1 < rd->n_episodes ? &rd->episodes[i + 1] : NULL;
        int same = next && next->child == e->child && next->decom == e->decom;
        if (same && next->year == e->year)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:%d:%d: DECOM: expected one episode of the "
                                "child starting on a day, found a second "
                                "(the first at line %d)",
                                rd->names[next->file], next->line,
                                next->decom_col, e->line);
        if (same) {
            e->dropped = 1;
            continue;
        }
        if (e->dec == OPEN && e->year < last) {
            char a[16];
            return cs_error_set(
                rd->err, CS_EINPUT,
                "%s:%d:%d: DEC: expected the episode, open at %s, in "
                "episodes_%d.csv as well (with its DEC if it ended), found "
                "it missing there",
                rd->names[e->file], e->line, e->dec_col,
                date_text(year_end(e->year), a, sizeof a), e->year + 1);
        }
    }
    int n = 0;
    for (int i = 0; i < rd->n_episodes; i++)
        if (!rd->episodes[i].dropped)
            rd->episodes[n++] = rd->episodes[i];
    rd->n_episodes = n;
    return CS_OK;
}

/* The episodes of one child (sorted by DECOM) in order. */
static int check_child(reader *rd, const episode *ep, int n, int first)
{
    char a[16], b[16];
    if (ep[0].decom >= year_start(first) && ep[0].rne != 'S')
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: RNE: expected S (the child's first "
                            "episode, starting in the years of the return), "
                            "found %c",
                            rd->names[ep[0].file], ep[0].line, ep[0].rne_col,
                            ep[0].rne);
    for (int i = 1; i < n; i++) {
        const episode *prev = &ep[i - 1], *e = &ep[i];
        if (prev->dec == OPEN)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:%d:%d: DEC: expected the date the episode "
                                "ceased (the child has a later episode, at "
                                "%s:%d), found an empty field",
                                rd->names[prev->file], prev->line,
                                prev->dec_col, rd->names[e->file], e->line);
        if (e->decom < prev->dec)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:%d:%d: DECOM: expected a date on or after "
                                "%s, when the child's episode at %s:%d "
                                "ceased, found %s (the episodes overlap)",
                                rd->names[e->file], e->line, e->decom_col,
                                date_text(prev->dec, a, sizeof a),
                                rd->names[prev->file], prev->line,
                                date_text(e->decom, b, sizeof b));
        int continues = prev->why == REASON_CONTINUES;
        if (continues && e->decom != prev->dec)
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:%d:%d: REC: expected X1 only when the "
                                "child's next episode starts the same day, "
                                "%s, found X1 and the next starting %s",
                                rd->names[prev->file], prev->line,
                                prev->rec_col,
                                date_text(prev->dec, a, sizeof a),
                                date_text(e->decom, b, sizeof b));
        if (continues && e->rne == 'S')
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:%d:%d: RNE: expected P, L, T, U or B (the "
                                "episode continues the one ended X1 at "
                                "%s:%d), found S",
                                rd->names[e->file], e->line, e->rne_col,
                                rd->names[prev->file], prev->line);
        if (!continues && e->rne != 'S')
            return cs_error_set(rd->err, CS_EINPUT,
                                "%s:%d:%d: RNE: expected S (a new period of "
                                "care: the child's episode at %s:%d ceased "
                                "other than X1), found %c",
                                rd->names[e->file], e->line, e->rne_col,
                                rd->names[prev->file], prev->line, e->rne);
    }
    const episode *end = &ep[n - 1];
    if (end->why == REASON_CONTINUES)
        return cs_error_set(rd->err, CS_EINPUT,
                            "%s:%d:%d: REC: expected X1 only when the child's "
                            "next episode starts the same day, %s, found X1 "
                            "and no next episode",
                            rd->names[end->file], end->line, end->rec_col,
                            date_text(end->dec, a, sizeof a));
    return CS_OK;
}

/* ---- the counts ---------------------------------------------------------- */

#define MONTH_BANDS 4 /* months in care at 31 March: 0-5, 6-11, 12-23, 24+ */

typedef struct counter {
    cs_ssda903 *ret;
    int stock, stock_band[5], starts, starts_band[5], ceased, ceased_16,
        ceased_18, ceased_reason[REASON_OTHER + 1];
    int in_care[MONTH_BANDS];
    int moves;
    /* per year first - 1 .. last: a child looked after at 31 March whose
     * period of care began before the return, too recently to tell its
     * band of months in care */
    unsigned char months_unknown[MAX_RETURN_YEARS + 1];
} counter;

/* Whole months from day `from` to day `to` (to >= from). */
static int months_between(int from, int to)
{
    int fy, fm, fd, ty, tm, td;
    civil(from, &fy, &fm, &fd);
    civil(to, &ty, &tm, &td);
    return (ty * 12 + tm) - (fy * 12 + fm) - (td < fd);
}

static int month_band(int months)
{
    assert(months >= 0);
    return months < 6 ? 0 : months < 12 ? 1 : months < 24 ? 2 : 3;
}

static double *count_at(cs_ssda903 *r, int measure, int year)
{
    assert(measure >= 0 && measure < r->n_measures);
    assert(year >= r->first - 1 && year <= r->last);
    size_t span = (size_t)(r->last - r->first + 2);
    size_t at = (size_t)measure * span + (size_t)(year - r->first + 1);
    r->given[at] = 1;
    return &r->count[at];
}

static int measure_id(const char *name)
{
    int m = cs_series_find_measure(name);
    assert(m >= 0);
    return m;
}

static void counter_init(counter *k, cs_ssda903 *r)
{
    static const char *const stock_bands[5] = {
        "cla_31_march_age_under_1", "cla_31_march_age_1_to_4",
        "cla_31_march_age_5_to_9", "cla_31_march_age_10_to_15",
        "cla_31_march_age_16_and_over"};
    static const char *const start_bands[5] = {
        "cla_starts_age_under_1", "cla_starts_age_1_to_4",
        "cla_starts_age_5_to_9", "cla_starts_age_10_to_15",
        "cla_starts_age_16_and_over"};
    static const char *const reasons[REASON_OTHER + 1] = {
        "cla_ceased_adopted",
        "cla_ceased_sgo",
        "cla_ceased_returned_home",
        "cla_ceased_child_arrangements",
        "cla_ceased_independent_living",
        "cla_ceased_other"};
    k->ret = r;
    k->stock = measure_id("cla_31_march");
    k->starts = measure_id("cla_starts");
    k->ceased = measure_id("cla_ceased");
    k->ceased_16 = measure_id("cla_ceased_aged_16_plus");
    k->ceased_18 = measure_id("cla_ceased_aged_18_plus");
    for (int b = 0; b < 5; b++) {
        k->stock_band[b] = measure_id(stock_bands[b]);
        k->starts_band[b] = measure_id(start_bands[b]);
    }
    for (int i = 0; i <= REASON_OTHER; i++)
        k->ceased_reason[i] = measure_id(reasons[i]);
    static const char *const month_bands[MONTH_BANDS] = {
        "cla_31_march_in_care_0_to_5_months",
        "cla_31_march_in_care_6_to_11_months",
        "cla_31_march_in_care_12_to_23_months",
        "cla_31_march_in_care_24_months_and_over"};
    for (int b = 0; b < MONTH_BANDS; b++)
        k->in_care[b] = measure_id(month_bands[b]);
    k->moves = measure_id("cla_placement_moves");
    memset(k->months_unknown, 0, sizeof k->months_unknown);
    /* every figure of every year is given, zeros included */
    for (int y = r->first - 1; y <= r->last; y++) {
        *count_at(r, k->stock, y) = 0;
        for (int b = 0; b < 5; b++)
            *count_at(r, k->stock_band[b], y) = 0;
        for (int b = 0; b < MONTH_BANDS; b++)
            *count_at(r, k->in_care[b], y) = 0;
        if (y < r->first)
            continue;
        *count_at(r, k->starts, y) = 0;
        *count_at(r, k->ceased, y) = 0;
        *count_at(r, k->ceased_16, y) = 0;
        *count_at(r, k->ceased_18, y) = 0;
        *count_at(r, k->moves, y) = 0;
        for (int b = 0; b < 5; b++)
            *count_at(r, k->starts_band[b], y) = 0;
        for (int i = 0; i <= REASON_OTHER; i++)
            *count_at(r, k->ceased_reason[i], y) = 0;
    }
}

/*
 * A child looked after at 31 March `y` in episode ep[i]: its months in
 * care then, counted from the start of its period of care (the episode
 * RNE S that the episodes ended X1 lead back to). A period that began
 * before the return (its first episode is not a start) is known to be at
 * least as long as that episode: enough for the last band, else the
 * year's bands are unknown.
 */
static void count_months(counter *k, const episode *const *ep, int i, int y)
{
    int j = i;
    while (j > 0 && ep[j - 1]->why == REASON_CONTINUES &&
           ep[j - 1]->dec == ep[j]->decom)
        j--;
    int months = months_between(ep[j]->decom, year_end(y));
    if (ep[j]->rne != 'S' && months < 24) {
        k->months_unknown[y - (k->ret->first - 1)] = 1;
        return;
    }
    *count_at(k->ret, k->in_care[month_band(months)], y) += 1;
}

/* The figures one child adds: ep[0..n) its episodes but short breaks. */
static void count_child(counter *k, int dob, const episode *const *ep, int n)
{
    cs_ssda903 *r = k->ret;
    for (int y = r->first - 1; y <= r->last; y++) {
        int at = year_end(y);
        for (int i = 0; i < n; i++)
            if (ep[i]->decom <= at && (ep[i]->dec == OPEN || ep[i]->dec > at)) {
                *count_at(r, k->stock, y) += 1;
                *count_at(r, k->stock_band[age_band(age_on(dob, at))], y) += 1;
                count_months(k, ep, i, y);
                *placed_at(r, y, ep[i]->place, ep[i]->provider) += 1;
                break;
            }
    }
    /* periods of care: episode i starts one unless it continues i - 1 */
    int started[MAX_RETURN_YEARS + 1] = {0};
    int ended_at[MAX_RETURN_YEARS + 1]; /* the last end in the year */
    for (int y = 0; y <= MAX_RETURN_YEARS; y++)
        ended_at[y] = -1;
    for (int i = 0; i < n; i++) {
        const episode *e = ep[i];
        int continues = i > 0 && ep[i - 1]->why == REASON_CONTINUES &&
                        ep[i - 1]->dec == e->decom;
        int ends =
            e->dec != OPEN && !(i + 1 < n && e->why == REASON_CONTINUES &&
                                ep[i + 1]->decom == e->dec);
        /* a placement move: the period goes on in another placement */
        int moved = continues && (e->place != ep[i - 1]->place ||
                                  e->provider != ep[i - 1]->provider);
        for (int y = r->first; y <= r->last; y++) {
            int inside = e->decom >= year_start(y) && e->decom <= year_end(y);
            if (moved && inside)
                *count_at(r, k->moves, y) += 1;
            if (!continues && inside && !started[y - r->first]) {
                started[y - r->first] = 1;
                *count_at(r, k->starts, y) += 1;
                *count_at(r, k->starts_band[age_band(age_on(dob, e->decom))],
                          y) += 1;
            }
            if (ends && e->dec >= year_start(y) && e->dec <= year_end(y))
                ended_at[y - r->first] = i;
        }
    }
    for (int y = r->first; y <= r->last; y++) {
        int i = ended_at[y - r->first];
        if (i < 0)
            continue;
        const episode *e = ep[i];
        int age = age_on(dob, e->dec);
        /* X1 followed only by a short break: a period that ends, reason
         * other */
        reason why = e->why == REASON_CONTINUES ? REASON_OTHER : e->why;
        *count_at(r, k->ceased, y) += 1;
        *count_at(r, k->ceased_reason[why], y) += 1;
        if (age >= 16)
            *count_at(r, k->ceased_16, y) += 1;
        if (age >= 18)
            *count_at(r, k->ceased_18, y) += 1;
    }
}

static int count_all(reader *rd, cs_ssda903 *r)
{
    counter k;
    counter_init(&k, r);
    const episode **kept = malloc(
        (size_t)(rd->n_episodes > 0 ? rd->n_episodes : 1) * sizeof *kept);
    if (!kept)
        return cs_error_set(rd->err, CS_ENOMEM, "out of memory");
    for (int i = 0; i < rd->n_episodes;) {
        int j = i, n = 0;
        while (j < rd->n_episodes &&
               rd->episodes[j].child == rd->episodes[i].child) {
            if (rd->episodes[j].short_break)
                r->n_short_breaks++;
            else
                kept[n++] = &rd->episodes[j];
            j++;
        }
        if (n > 0)
            count_child(&k, rd->children[rd->episodes[i].child].dob, kept, n);
        i = j;
    }
    free(kept);
    /* a year whose bands of months in care are not all known has none */
    size_t span = (size_t)(r->last - r->first + 2);
    for (int y = r->first - 1; y <= r->last; y++)
        if (k.months_unknown[y - (r->first - 1)])
            for (int b = 0; b < MONTH_BANDS; b++)
                r->given[(size_t)k.in_care[b] * span +
                         (size_t)(y - r->first + 1)] = 0;
    return CS_OK;
}

/* ---- the public functions ----------------------------------------------- */

static int read_year(reader *rd, int year)
{
    int rc = CS_OK;
    for (int t = 0; t < 2 && rc == CS_OK; t++) {
        const char *table = t == 0 ? "header" : "episodes";
        size_t n = strlen(rd->dir) + 32;
        char *path = malloc(n);
        if (!path)
            return cs_error_set(rd->err, CS_ENOMEM, "out of memory");
        snprintf(path, n, "%s/%s_%d.csv", rd->dir, table, year);
        int file = rd->n_names++;
        rd->names[file] = path;
        char *data = NULL;
        size_t size = 0;
        rc = read_whole(rd, path, &data, &size);
        if (rc == CS_OK)
            rc = t == 0 ? read_header(rd, year, file, data, size)
                        : read_episodes(rd, year, file, data, size);
        free(data);
    }
    return rc;
}

int cs_ssda903_read(const char *dir, cs_ssda903 **out, cs_error *err)
{
    cs_error_clear(err);
    *out = NULL;
    if (!dir)
        return cs_error_set(err, CS_EINPUT, "expected a directory");
    reader rd = {.dir = dir, .err = err};
    int first = 0, last = -1;
    int rc = list_years(&rd, &first, &last);
    for (int y = first; rc == CS_OK && y <= last; y++)
        rc = read_year(&rd, y);
    if (rc == CS_OK)
        rc = merge_years(&rd, last);
    for (int i = 0; rc == CS_OK && i < rd.n_episodes;) {
        int j = i;
        while (j < rd.n_episodes &&
               rd.episodes[j].child == rd.episodes[i].child)
            j++;
        rc = check_child(&rd, &rd.episodes[i], j - i, first);
        i = j;
    }
    cs_ssda903 *r = NULL;
    if (rc == CS_OK) {
        r = calloc(1, sizeof *r);
        size_t cells =
            (size_t)cs_series_n_measures() * (size_t)(last - first + 2);
        if (r) {
            r->count = calloc(cells, sizeof *r->count);
            r->given = calloc(cells, 1);
            r->placed = calloc((size_t)(last - first + 2) * N_PLACES *
                                   (NO_PROVIDER + 1),
                               sizeof *r->placed);
        }
        if (!r || !r->count || !r->given || !r->placed)
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    if (rc == CS_OK) {
        r->first = first;
        r->last = last;
        r->n_measures = cs_series_n_measures();
        r->n_episodes = rd.n_episodes;
        for (int c = 0; c < rd.n_children; c++)
            r->n_children += rd.children[c].listed_year >= 0;
        rc = count_all(&rd, r);
    }
    reader_free(&rd);
    if (rc != CS_OK) {
        cs_ssda903_free(r);
        return rc;
    }
    *out = r;
    return CS_OK;
}

void cs_ssda903_free(cs_ssda903 *r)
{
    if (!r)
        return;
    free(r->count);
    free(r->given);
    free(r->placed);
    free(r);
}

void cs_ssda903_years(const cs_ssda903 *r, int *first, int *last)
{
    if (first)
        *first = r->first;
    if (last)
        *last = r->last;
}

int cs_ssda903_n_children(const cs_ssda903 *r)
{
    return r->n_children;
}

int cs_ssda903_n_episodes(const cs_ssda903 *r)
{
    return r->n_episodes;
}

int cs_ssda903_n_short_breaks(const cs_ssda903 *r)
{
    return r->n_short_breaks;
}

int cs_ssda903_get(const cs_ssda903 *r, int measure, int year, double *value)
{
    if (!r || measure < 0 || measure >= r->n_measures || year < r->first - 1 ||
        year > r->last)
        return 0;
    size_t span = (size_t)(r->last - r->first + 2);
    size_t at = (size_t)measure * span + (size_t)(year - r->first + 1);
    if (!r->given[at])
        return 0;
    if (value)
        *value = r->count[at];
    return 1;
}

_Static_assert(N_PLACES == N_CODES(place_codes), "PLACE codes counted");
_Static_assert(N_PROVIDERS == N_CODES(provider_codes), "providers counted");

static int code_index(const char *const *codes, int n, const char *code,
                      size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(codes[i]) == len && !strncmp(codes[i], code, len))
            return i;
    return -1;
}

int cs_ssda903_code_known(const char *column, const char *code)
{
    if (!column || !code)
        return 0;
    size_t n = strlen(code);
    if (!strcmp(column, "PLACE"))
        return code_index(place_codes, N_PLACES, code, n) >= 0;
    if (!strcmp(column, "PLACE_PROVIDER"))
        return code_index(provider_codes, N_PROVIDERS, code, n) >= 0;
    return 0;
}

/* The codes of a list ("U4 U5 U6") as flags over codes[0..n); an empty
 * or NULL list: all of them, and no provider (want[n]) too. -1 if a
 * code is not one of them. */
static int code_set(const char *list, const char *const *codes, int n,
                    unsigned char *want)
{
    int all = !list || !list[strspn(list, " ")];
    memset(want, all, (size_t)n + 1);
    if (all)
        return 0;
    for (const char *p = list; *p;) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (!len)
            break;
        int i = code_index(codes, n, p, len);
        if (i < 0)
            return -1;
        want[i] = 1;
        p += len;
    }
    return 0;
}

int cs_ssda903_placed(const cs_ssda903 *r, int year, const char *places,
                      const char *providers, double *value)
{
    unsigned char place[N_PLACES + 1], provider[NO_PROVIDER + 1];
    if (!places || !places[strspn(places, " ")] ||
        code_set(places, place_codes, N_PLACES, place) != 0 ||
        code_set(providers, provider_codes, N_PROVIDERS, provider) != 0)
        return -1;
    if (!r || year < r->first - 1 || year > r->last)
        return 0;
    double sum = 0;
    for (int i = 0; i < N_PLACES; i++)
        for (int j = 0; j <= NO_PROVIDER && place[i]; j++)
            if (provider[j])
                sum += *placed_at(r, year, i, j);
    if (value)
        *value = sum;
    return 1;
}

/*
 * England's structure's placements (scenarios/england-structure.yaml) in
 * the SSDA903 codes: foster care with a relative or friend (U1-U3) is
 * kinship; other foster care (U4-U6) is in-house when the council or
 * another council provides it (PR1, PR2) and agency foster care when a
 * private or voluntary provider does (PR4, PR5); secure units, children's
 * homes and semi-independent living (K1, K2, H5) are residential; the
 * rest (placed for adoption A3-A6, with parents P1, independent living
 * P2, residential employment P3, other residential settings R1-R5,
 * residential schools S1, temporary T0-T4, other Z1) is other. Every
 * episode a valid return can have falls in exactly one of them.
 */
static const struct {
    const char *placement, *places, *providers;
} default_placements[] = {
    {"foster_inhouse", "U4 U5 U6", "PR1 PR2"},
    {"foster_agency", "U4 U5 U6", "PR4 PR5"},
    {"kinship", "U1 U2 U3", ""},
    {"residential", "K1 K2 H5", ""},
    {"other", "A3 A4 A5 A6 P1 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 Z1", ""},
};

int cs_ssda903_default_placement(const char *placement, const char **places,
                                 const char **providers)
{
    for (int i = 0; i < N_CODES(default_placements); i++)
        if (placement && !strcmp(placement, default_placements[i].placement)) {
            if (places)
                *places = default_placements[i].places;
            if (providers)
                *providers = default_placements[i].providers;
            return 1;
        }
    return 0;
}

/* A series of one area, the return's, to merge into another (*add, NULL
 * on failure); *area its area's index. */
static int return_series(const cs_ssda903 *r, const char *code,
                         const char *name, cs_series **add, int *area,
                         cs_error *err)
{
    char source[64];
    snprintf(source, sizeof source, "SSDA903 return %d-%d", r->first, r->last);
    *add = series_new();
    int rc = *add && series_add_file(*add, source) == 0
                 ? CS_OK
                 : cs_error_set(err, CS_ENOMEM, "out of memory");
    *area =
        rc == CS_OK ? series_add_area(*add, code, name, "", 0, 1, 1, err) : rc;
    if (*area < 0) {
        cs_series_free(*add);
        *add = NULL;
        return *area;
    }
    return CS_OK;
}

/* The return's count v of measure m in year y, observed. */
static int observed(cs_series *add, int area, int m, int y, double v,
                    cs_error *err)
{
    series_cell *cell = series_cell_at(add, area, m, y);
    if (!cell)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    cell->value = v;
    cell->state = CELL_OBSERVED;
    cell->line = 1;
    cell->col = 1;
    return CS_OK;
}

/* Merge add (if rc is CS_OK) into s, and free it. */
static int merge_return(cs_series *s, cs_series *add, int rc, cs_error *err)
{
    if (rc == CS_OK)
        rc = series_merge(s, add, 0, err);
    cs_series_free(add);
    return rc;
}

int cs_series_add_ssda903_placed(cs_series *s, const cs_ssda903 *r,
                                 const char *code, int measure,
                                 const char *places, const char *providers,
                                 cs_error *err)
{
    cs_error_clear(err);
    const cs_measure_info *info = cs_series_measure(measure);
    if (!info || info->kind != CS_OBS_STOCK)
        return cs_error_set(err, CS_EINPUT,
                            "expected a measure of children at 31 March, "
                            "found measure %d",
                            measure);
    if (cs_ssda903_placed(r, r->first, places, providers, NULL) < 0)
        return cs_error_set(err, CS_EINPUT,
                            "%s: expected SSDA903 PLACE codes (and "
                            "PLACE_PROVIDER codes, or none), found '%s' and "
                            "'%s'",
                            info->name, places ? places : "",
                            providers ? providers : "");
    int known = series_find_code(s, code);
    int area;
    cs_series *add;
    int rc = return_series(r, code, known >= 0 ? s->areas[known]->name : code,
                           &add, &area, err);
    for (int y = r->first - 1; rc == CS_OK && y <= r->last; y++) {
        double v = 0;
        cs_ssda903_placed(r, y, places, providers, &v);
        rc = observed(add, area, measure, y, v, err);
    }
    return merge_return(s, add, rc, err);
}

int cs_series_add_ssda903(cs_series *s, const cs_ssda903 *r, const char *code,
                          const char *name, cs_error *err)
{
    cs_error_clear(err);
    int known = series_find_code(s, code);
    if (known >= 0)
        name = s->areas[known]->name;
    int area;
    cs_series *add;
    int rc = return_series(r, code, name, &add, &area, err);
    for (int m = 0; rc == CS_OK && m < r->n_measures; m++)
        for (int y = r->first - 1; rc == CS_OK && y <= r->last; y++) {
            double v;
            if (cs_ssda903_get(r, m, y, &v))
                rc = observed(add, area, m, y, v, err);
        }
    return merge_return(s, add, rc, err);
}
