/*
 * series.c - the table of published observations (include/cascade/data.h):
 * its areas and cells, adding a file to it, and looking things up.
 *
 * Adding a file is done in three steps so that a failure leaves the table
 * as it was: the file is read into a table of its own (formats.c), which
 * catches everything wrong inside the file; that table is checked against
 * this one (same code with another name, or a value that disagrees beyond
 * rounding with a file loaded before); then every allocation the merge
 * needs is made, and only then is anything changed. The last step cannot
 * fail.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/series_internal.h"
#include "scenario/diag.h"

/* Larger files are refused: the published ones are under 1 MB. */
#define MAX_FILE_BYTES (256L * 1024 * 1024)

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

/* ---- the table ---------------------------------------------------------- */

cs_series *series_new(void)
{
    return calloc(1, sizeof(cs_series));
}

int cs_series_create(cs_series **out, cs_error *err)
{
    *out = series_new();
    if (!*out)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    return CS_OK;
}

static void area_free(series_area *a)
{
    if (!a)
        return;
    for (int m = 0; m < series_n_measures(); m++)
        free(a->cells[m]);
    free(a->code);
    free(a->name);
    free(a->region);
    free(a);
}

void cs_series_free(cs_series *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_areas; i++)
        area_free(s->areas[i]);
    free(s->areas);
    free(s->index);
    for (int i = 0; i < s->n_files; i++)
        free(s->files[i]);
    free(s->files);
    free(s);
}

int series_add_file(cs_series *s, const char *name)
{
    char *copy = copy_string(name);
    char **grown =
        copy ? realloc(s->files, (size_t)(s->n_files + 1) * sizeof *s->files)
             : NULL;
    if (!grown) {
        free(copy);
        return -1;
    }
    s->files = grown;
    s->files[s->n_files] = copy;
    return s->n_files++;
}

/* ---- the code index: open addressing, linear probing -------------------- */

static unsigned long hash_code(const char *code)
{
    unsigned long h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)code; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static void index_put(int *index, int cap, const char *code, int area)
{
    assert(cap > 0 && (cap & (cap - 1)) == 0);
    unsigned long i = hash_code(code) & (unsigned long)(cap - 1);
    while (index[i] >= 0)
        i = (i + 1) & (unsigned long)(cap - 1);
    index[i] = area;
}

/* Make room in the index for n areas (kept at most half full). */
static int index_reserve(cs_series *s, int n)
{
    if (2 * n <= s->cap_index)
        return CS_OK;
    int cap = s->cap_index ? s->cap_index : 64;
    while (2 * n > cap)
        cap *= 2;
    int *index = malloc((size_t)cap * sizeof *index);
    if (!index)
        return CS_ENOMEM;
    for (int i = 0; i < cap; i++)
        index[i] = -1;
    for (int a = 0; a < s->n_areas; a++)
        index_put(index, cap, s->areas[a]->code, a);
    free(s->index);
    s->index = index;
    s->cap_index = cap;
    return CS_OK;
}

int series_find_code(const cs_series *s, const char *code)
{
    if (!s->cap_index)
        return -1;
    unsigned long mask = (unsigned long)(s->cap_index - 1);
    for (unsigned long i = hash_code(code) & mask; s->index[i] >= 0;
         i = (i + 1) & mask)
        if (strcmp(s->areas[s->index[i]]->code, code) == 0)
            return s->index[i];
    return -1;
}

static int areas_reserve(cs_series *s, int n)
{
    if (n <= s->cap_areas)
        return CS_OK;
    int cap = s->cap_areas ? 2 * s->cap_areas : 32;
    while (cap < n)
        cap *= 2;
    series_area **grown = realloc(s->areas, (size_t)cap * sizeof *grown);
    if (!grown)
        return CS_ENOMEM;
    s->areas = grown;
    s->cap_areas = cap;
    return CS_OK;
}

int series_add_area(cs_series *s, const char *code, const char *name,
                    const char *region, int file, int line, int col,
                    cs_error *err)
{
    int found = series_find_code(s, code);
    if (found >= 0)
        return found;
    if (areas_reserve(s, s->n_areas + 1) || index_reserve(s, s->n_areas + 1))
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    size_t n = (size_t)series_n_measures();
    series_area *a = calloc(1, sizeof *a + n * sizeof a->cells[0]);
    if (!a)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    a->code = copy_string(code);
    a->name = copy_string(name);
    a->region = copy_string(region);
    if (!a->code || !a->name || !a->region) {
        area_free(a);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    a->file = file;
    a->line = line;
    a->col = col;
    s->areas[s->n_areas] = a;
    index_put(s->index, s->cap_index, code, s->n_areas);
    return s->n_areas++;
}

series_cell *series_cell_at(cs_series *s, int area, int measure, int year)
{
    assert(area >= 0 && area < s->n_areas);
    assert(measure >= 0 && measure < series_n_measures());
    assert(year >= CS_SERIES_YEAR_MIN && year <= CS_SERIES_YEAR_MAX);
    series_area *a = s->areas[area];
    if (!a->cells[measure]) {
        a->cells[measure] = calloc(SERIES_N_YEARS, sizeof(series_cell));
        if (!a->cells[measure])
            return NULL;
    }
    return &a->cells[measure][year - CS_SERIES_YEAR_MIN];
}

/* ---- adding a file ------------------------------------------------------ */

/*
 * Two files agree on a value if they differ by no more than DfE's rounding:
 * national counts are rounded to the nearest 10, so two versions of one
 * figure (one rounded, one not, or both rounded differently) can be 10
 * apart; percentages are published to one decimal place.
 */
static double tolerance(int measure)
{
    return cs_series_measure(measure)->kind == CS_OBS_PERCENT ? 0.1 : 10.0;
}

static int agree(int measure, double a, double b)
{
    return fabs(a - b) <= tolerance(measure) * (1 + 1e-9);
}

/* Check the new file's table against this one; nothing changes. */
static int merge_check(const cs_series *s, const cs_series *add, cs_error *err)
{
    const char *name = add->files[0];
    for (int i = 0; i < add->n_areas; i++) {
        const series_area *b = add->areas[i];
        int m = series_find_code(s, b->code);
        if (m < 0)
            continue;
        const series_area *a = s->areas[m];
        if (strcmp(a->name, b->name) != 0)
            return cs_error_set(err, CS_EINPUT,
                                "%s:%d:%d: area %s: expected the name '%s', "
                                "as in %s:%d:%d, found '%s'",
                                name, b->line, b->col, b->code, a->name,
                                s->files[a->file], a->line, a->col, b->name);
        if (a->region[0] && b->region[0] && strcmp(a->region, b->region))
            return cs_error_set(err, CS_EINPUT,
                                "%s:%d:%d: area %s: expected the region "
                                "'%s', as in %s:%d:%d, found '%s'",
                                name, b->line, b->col, b->code, a->region,
                                s->files[a->file], a->line, a->col, b->region);
        for (int k = 0; k < series_n_measures(); k++) {
            if (!a->cells[k] || !b->cells[k])
                continue;
            for (int y = 0; y < SERIES_N_YEARS; y++) {
                const series_cell *ca = &a->cells[k][y], *cb = &b->cells[k][y];
                if (ca->state != CELL_OBSERVED || cb->state != CELL_OBSERVED ||
                    agree(k, ca->value, cb->value))
                    continue;
                return cs_error_set(
                    err, CS_EINPUT,
                    "%s:%d:%d: %s for %s (%s) in %d: expected %.10g, as in "
                    "%s:%d:%d, or within %g of it (rounding), found %.10g",
                    name, cb->line, cb->col, cs_series_measure(k)->name,
                    a->name, a->code, CS_SERIES_YEAR_MIN + y, ca->value,
                    s->files[ca->file], ca->line, ca->col, tolerance(k),
                    cb->value);
            }
        }
    }
    return CS_OK;
}

/* Make every allocation merging add into s needs; s is unchanged in
 * content. *name_out receives the copied file name. */
static int merge_reserve(cs_series *s, const cs_series *add, char **name_out)
{
    int new_areas = 0;
    for (int i = 0; i < add->n_areas; i++) {
        const series_area *b = add->areas[i];
        int m = series_find_code(s, b->code);
        if (m < 0) {
            new_areas++;
            continue;
        }
        for (int k = 0; k < series_n_measures(); k++)
            if (b->cells[k] && !s->areas[m]->cells[k]) {
                s->areas[m]->cells[k] =
                    calloc(SERIES_N_YEARS, sizeof(series_cell));
                if (!s->areas[m]->cells[k])
                    return CS_ENOMEM;
            }
    }
    if (areas_reserve(s, s->n_areas + new_areas) ||
        index_reserve(s, s->n_areas + new_areas))
        return CS_ENOMEM;
    char **files = realloc(s->files, (size_t)(s->n_files + 1) * sizeof *files);
    if (!files)
        return CS_ENOMEM;
    s->files = files;
    *name_out = copy_string(add->files[0]);
    return *name_out ? CS_OK : CS_ENOMEM;
}

/* Move add's content into s; every allocation was made by merge_reserve. */
static void merge_commit(cs_series *s, cs_series *add, char *name)
{
    int file = s->n_files;
    s->files[s->n_files++] = name;
    for (int i = 0; i < add->n_areas; i++) {
        series_area *b = add->areas[i];
        for (int k = 0; k < series_n_measures(); k++)
            if (b->cells[k])
                for (int y = 0; y < SERIES_N_YEARS; y++)
                    b->cells[k][y].file = file;
        int m = series_find_code(s, b->code);
        if (m < 0) { /* a new area: the whole entry moves */
            b->file = file;
            s->areas[s->n_areas] = b;
            index_put(s->index, s->cap_index, b->code, s->n_areas);
            s->n_areas++;
            add->areas[i] = NULL;
            continue;
        }
        series_area *a = s->areas[m];
        if (!a->region[0] && b->region[0]) { /* swap: no allocation */
            char *region = a->region;
            a->region = b->region;
            b->region = region;
        }
        for (int k = 0; k < series_n_measures(); k++) {
            if (!b->cells[k])
                continue;
            assert(a->cells[k]);
            for (int y = 0; y < SERIES_N_YEARS; y++) {
                series_cell *ca = &a->cells[k][y], *cb = &b->cells[k][y];
                /* The later file wins (merge_check saw they agree); a
                 * suppressed cell never hides an observed one. */
                if (cb->state == CELL_OBSERVED ||
                    (cb->state == CELL_SUPPRESSED && ca->state == CELL_ABSENT))
                    *ca = *cb;
            }
        }
    }
}

int cs_series_load_buffer(cs_series *s, const char *name, const char *data,
                          size_t size, cs_error *err)
{
    cs_error_clear(err);
    if (!s || !name || (!data && size))
        return cs_error_set(err, CS_EINPUT,
                            "expected a table, a name and data");
    cs_series *add = series_new();
    if (!add || series_add_file(add, name) != 0) {
        cs_series_free(add);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    int rc = series_read(add, name, data, size, err);
    if (rc == CS_OK)
        rc = series_merge(s, add, 1, err);
    cs_series_free(add);
    return rc;
}

int series_merge(cs_series *s, cs_series *add, int check, cs_error *err)
{
    assert(add->n_files == 1);
    int rc = check ? merge_check(s, add, err) : CS_OK;
    if (rc == CS_OK) {
        char *copy = NULL;
        if (merge_reserve(s, add, &copy)) {
            free(copy);
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
        } else {
            merge_commit(s, add, copy);
        }
    }
    /* Areas moved into s were set to NULL in add; the caller frees it. */
    return rc;
}

int cs_series_load(cs_series *s, const char *path, cs_error *err)
{
    if (!s || !path)
        return cs_error_set(err, CS_EINPUT, "expected a table and a path");
    FILE *f = fopen(path, "rb");
    if (!f)
        return cs_error_set(err, CS_EINPUT, "cannot open '%s': %s", path,
                            strerror(errno));
    size_t cap = 1 << 16, size = 0;
    char *data = malloc(cap);
    int rc = data ? CS_OK : cs_error_set(err, CS_ENOMEM, "out of memory");
    while (rc == CS_OK) {
        if (size == cap) {
            if (cap >= (size_t)MAX_FILE_BYTES) {
                rc = cs_error_set(err, CS_EINPUT,
                                  "%s: expected a file of at most %ld MiB, "
                                  "found a larger one",
                                  path, MAX_FILE_BYTES >> 20);
                break;
            }
            char *grown = realloc(data, 2 * cap);
            if (!grown) {
                rc = cs_error_set(err, CS_ENOMEM, "out of memory");
                break;
            }
            data = grown;
            cap *= 2;
        }
        size_t n = fread(data + size, 1, cap - size, f);
        size += n;
        if (n == 0) {
            if (ferror(f))
                rc = cs_error_set(err, CS_EIO, "%s: read error: %s", path,
                                  strerror(errno));
            break;
        }
    }
    fclose(f);
    if (rc == CS_OK)
        rc = cs_series_load_buffer(s, path, data, size, err);
    free(data);
    return rc;
}

/* ---- look-ups ----------------------------------------------------------- */

int cs_series_n_areas(const cs_series *s)
{
    return s->n_areas;
}

static const series_area *area_at(const cs_series *s, int area)
{
    return area >= 0 && area < s->n_areas ? s->areas[area] : NULL;
}

const char *cs_series_area_code(const cs_series *s, int area)
{
    const series_area *a = area_at(s, area);
    return a ? a->code : NULL;
}

const char *cs_series_area_name(const cs_series *s, int area)
{
    const series_area *a = area_at(s, area);
    return a ? a->name : NULL;
}

const char *cs_series_area_region(const cs_series *s, int area)
{
    const series_area *a = area_at(s, area);
    return a ? a->region : NULL;
}

int cs_series_get(const cs_series *s, int area, int measure, int year,
                  double *value)
{
    const series_area *a = area_at(s, area);
    if (!a || measure < 0 || measure >= series_n_measures() ||
        year < CS_SERIES_YEAR_MIN || year > CS_SERIES_YEAR_MAX ||
        !a->cells[measure])
        return 0;
    const series_cell *c = &a->cells[measure][year - CS_SERIES_YEAR_MIN];
    if (c->state != CELL_OBSERVED)
        return 0;
    if (value)
        *value = c->value;
    return 1;
}

int cs_series_known_at(const cs_series *s, int year, cs_series **out,
                       cs_error *err)
{
    *out = NULL;
    cs_series *c = series_new();
    int rc = c ? CS_OK : cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int i = 0; rc == CS_OK && i < s->n_files; i++)
        if (series_add_file(c, s->files[i]) < 0)
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int i = 0; rc == CS_OK && i < s->n_areas; i++) {
        const series_area *a = s->areas[i];
        int area = series_add_area(c, a->code, a->name, a->region, a->file,
                                   a->line, a->col, err);
        if (area < 0) {
            rc = area;
            break;
        }
        assert(area == i);
        for (int m = 0; rc == CS_OK && m < series_n_measures(); m++) {
            if (!a->cells[m])
                continue;
            /* a calendar year's count (births) is out in the summer after
             * it: known at 31 March `year` up to the calendar year before */
            int last = cs_series_measure(m)->kind == CS_OBS_COUNT_OTHER
                           ? year - 1
                           : year;
            if (last > CS_SERIES_YEAR_MAX)
                last = CS_SERIES_YEAR_MAX;
            for (int y = CS_SERIES_YEAR_MIN; y <= last; y++) {
                const series_cell *from = &a->cells[m][y - CS_SERIES_YEAR_MIN];
                if (from->state == CELL_ABSENT)
                    continue;
                series_cell *to = series_cell_at(c, area, m, y);
                if (!to) {
                    rc = cs_error_set(err, CS_ENOMEM, "out of memory");
                    break;
                }
                *to = *from;
            }
        }
    }
    if (rc != CS_OK) {
        cs_series_free(c);
        return rc;
    }
    *out = c;
    return CS_OK;
}

void cs_series_years(const cs_series *s, int *first, int *last)
{
    int lo = SERIES_N_YEARS, hi = -1;
    for (int i = 0; i < s->n_areas; i++)
        for (int k = 0; k < series_n_measures(); k++) {
            const series_cell *c = s->areas[i]->cells[k];
            if (!c)
                continue;
            for (int y = 0; y < SERIES_N_YEARS; y++)
                if (c[y].state == CELL_OBSERVED) {
                    if (y < lo)
                        lo = y;
                    if (y > hi)
                        hi = y;
                }
        }
    if (first)
        *first = hi < 0 ? 0 : CS_SERIES_YEAR_MIN + lo;
    if (last)
        *last = hi < 0 ? -1 : CS_SERIES_YEAR_MIN + hi;
}

/* ---- finding an area by code or name ------------------------------------ */

#define NAME_MAX_LEN 256
#define MAX_ALIASES 6

/*
 * A name folded for comparison: ASCII letters lower-cased, '&' read as
 * "and", every other ASCII character that is not a letter or digit read as
 * a space (so "St. Helens", "St Helens" and "Stockton-on-Tees", "Stockton
 * on Tees" meet), runs of spaces as one, no leading or trailing space.
 * Non-ASCII bytes are kept as they are.
 */
static void fold_name(const char *in, char *out, size_t size)
{
    size_t n = 0;
    int space = 1; /* drop leading spaces */
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        const char *piece;
        char one[2] = {0, 0};
        if (*p == '&') {
            piece = " and ";
        } else if (*p >= 0x80 || isalnum(*p)) {
            one[0] = (char)(*p < 0x80 ? tolower(*p) : *p);
            piece = one;
        } else {
            piece = " ";
        }
        for (const char *q = piece; *q; q++) {
            if (*q == ' ') {
                if (space)
                    continue;
                space = 1;
            } else {
                space = 0;
            }
            if (n + 1 < size)
                out[n++] = *q;
        }
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && strcmp(s + a - b, suffix) == 0;
}

/*
 * The folded names an area answers to: its name; for "X, City of" and
 * "X, County of" also "X" and "City of X" / "County of X"; for "County X"
 * also "X"; for "X (Y)" also "X" and "Y". docs/data.md documents these.
 * Returns how many; aliases[0] is the whole name.
 */
static int area_aliases(const char *name, char aliases[][NAME_MAX_LEN])
{
    int n = 0;
    char whole[NAME_MAX_LEN];
    fold_name(name, whole, sizeof whole);
    memcpy(aliases[n++], whole, sizeof whole);
    static const char *const of[] = {"city of", "county of"};
    for (int i = 0; i < 2; i++) {
        char suffix[16];
        snprintf(suffix, sizeof suffix, " %s", of[i]);
        if (ends_with(whole, suffix)) {
            size_t stem = strlen(whole) - strlen(suffix);
            snprintf(aliases[n++], NAME_MAX_LEN, "%.*s", (int)stem, whole);
            snprintf(aliases[n++], NAME_MAX_LEN, "%s %.*s", of[i], (int)stem,
                     whole);
        }
    }
    if (strncmp(whole, "county ", 7) == 0 && strncmp(whole, "county of ", 10))
        snprintf(aliases[n++], NAME_MAX_LEN, "%s", whole + 7);
    const char *open = strrchr(name, '(');
    size_t len = strlen(name);
    if (open && open > name && len > 0 && name[len - 1] == ')' &&
        n + 2 <= MAX_ALIASES) {
        char part[NAME_MAX_LEN];
        snprintf(part, sizeof part, "%.*s", (int)(open - name), name);
        fold_name(part, aliases[n++], NAME_MAX_LEN);
        snprintf(part, sizeof part, "%.*s",
                 (int)(len - 1 - (size_t)(open - name) - 1), open + 1);
        fold_name(part, aliases[n++], NAME_MAX_LEN);
    }
    assert(n <= MAX_ALIASES);
    return n;
}

static void upper_copy(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (; *in && n + 1 < size; in++)
        out[n++] = (char)toupper((unsigned char)*in);
    out[n] = '\0';
}

/* Is code (e.g. "E06000058+E06000059") made of parts one of which is q? */
static int code_has_part(const char *code, const char *q)
{
    size_t lq = strlen(q);
    for (const char *p = code; *p;) {
        const char *plus = strchr(p, '+');
        size_t len = plus ? (size_t)(plus - p) : strlen(p);
        if (len == lq && strncmp(p, q, len) == 0)
            return 1;
        if (!plus)
            break;
        p = plus + 1;
    }
    return 0;
}

typedef struct candidate {
    int area;
    size_t score; /* 0 for a prefix, part or word match, else edits */
} candidate;

static int compare_candidates(const void *x, const void *y)
{
    const candidate *a = x, *b = y;
    if (a->score != b->score)
        return a->score < b->score ? -1 : 1;
    return a->area - b->area;
}

/* How close area is to the query (folded name q, upper-cased code uq):
 * a score, or (size_t)-1 if not close. */
static size_t closeness(const series_area *a, const char *q, const char *uq)
{
    char aliases[MAX_ALIASES][NAME_MAX_LEN];
    int n = area_aliases(a->name, aliases);
    size_t limit = strlen(q) / 3 < 2 ? 2 : strlen(q) / 3;
    size_t best = (size_t)-1;
    char ucode[NAME_MAX_LEN];
    upper_copy(a->code, ucode, sizeof ucode);
    if (uq[0] && code_has_part(ucode, uq))
        return 0;
    size_t d = diag_distance(uq, ucode);
    if (d <= 2)
        best = d;
    for (int i = 0; i < n && q[0]; i++) {
        const char *hit = strstr(aliases[i], q);
        if (hit && (hit == aliases[i] || hit[-1] == ' '))
            return 0; /* the query starts the name or one of its words */
        d = diag_distance(q, aliases[i]);
        if (d <= limit && d < best)
            best = d;
    }
    return best;
}

static void list_files(const cs_series *s, char *buf, size_t size)
{
    diag_join((const char *const *)s->files, (size_t)s->n_files, buf, size);
}

static int area_error(const cs_series *s, const char *query, const candidate *c,
                      int n, int ambiguous, cs_error *err)
{
    char list[DIAG_TEXT_MAX] = "";
    size_t used = 0;
    for (int i = 0; i < n && i < 5; i++) {
        const series_area *a = s->areas[c[i].area];
        int w = snprintf(list + used, sizeof list - used, "%s%s (%s)",
                         i ? ", " : "", a->name, a->code);
        if (w < 0 || (size_t)w >= sizeof list - used)
            break;
        used += (size_t)w;
    }
    if (n > 5)
        snprintf(list + used, sizeof list - used, " and %d more", n - 5);
    if (ambiguous)
        return cs_error_set(err, CS_EINPUT,
                            "area '%s': expected one area, found several: %s "
                            "(give the code)",
                            query, list);
    char files[DIAG_TEXT_MAX];
    list_files(s, files, sizeof files);
    return cs_error_set(err, CS_EINPUT,
                        "area '%s': expected the code or name of one of the "
                        "%d areas in %s, found none%s%s",
                        query, s->n_areas, s->n_files ? files : "(no file)",
                        n ? "; close matches: " : "", list);
}

int cs_series_find_area(const cs_series *s, const char *query, int *area,
                        cs_error *err)
{
    if (!query || !query[0])
        return cs_error_set(err, CS_EINPUT,
                            "area: expected an area code or name, found "
                            "nothing");
    char q[NAME_MAX_LEN], uq[NAME_MAX_LEN];
    fold_name(query, q, sizeof q);
    /* Codes: trimmed and upper-cased. */
    const char *t = query;
    while (*t == ' ')
        t++;
    upper_copy(t, uq, sizeof uq);
    for (size_t n = strlen(uq); n > 0 && uq[n - 1] == ' '; n--)
        uq[n - 1] = '\0';

    candidate *c = malloc(((size_t)s->n_areas + 1) * sizeof *c);
    if (!c)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    /* Level 3: the code; 2: the whole name; 1: another accepted form. */
    int best_level = 0, n = 0;
    for (int i = 0; i < s->n_areas; i++) {
        const series_area *a = s->areas[i];
        char ucode[NAME_MAX_LEN];
        upper_copy(a->code, ucode, sizeof ucode);
        int level = 0;
        if (strcmp(ucode, uq) == 0) {
            level = 3;
        } else if (q[0]) {
            char aliases[MAX_ALIASES][NAME_MAX_LEN];
            int k = area_aliases(a->name, aliases);
            for (int j = 0; j < k && level < 2; j++)
                if (strcmp(aliases[j], q) == 0)
                    level = j == 0 ? 2 : 1;
        }
        if (level == 0 || level < best_level)
            continue;
        if (level > best_level) {
            best_level = level;
            n = 0;
        }
        c[n++] = (candidate){i, 0};
    }
    int rc = CS_OK;
    if (n == 1) {
        *area = c[0].area;
    } else if (n > 1) {
        rc = area_error(s, query, c, n, 1, err);
    } else {
        for (int i = 0; i < s->n_areas; i++) {
            size_t score = closeness(s->areas[i], q, uq);
            if (score != (size_t)-1)
                c[n++] = (candidate){i, score};
        }
        qsort(c, (size_t)n, sizeof *c, compare_candidates);
        rc = area_error(s, query, c, n, 0, err);
    }
    free(c);
    return rc;
}
