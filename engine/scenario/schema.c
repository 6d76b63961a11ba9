/*
 * schema.c - format version 1 of the scenario file: checks every key and
 * value of the merged tree and fills a cs_scenario.
 *
 * Every error reads "FILE:LINE:COL: PATH: expected WHAT, found WHAT", PATH
 * being the dotted key path of the value (list items as [i], from 0), or
 * names an unknown key with the keys allowed there. Checks run in schema
 * order (stages before the population and transitions that refer to them),
 * and the first error found is the one reported.
 *
 * Beyond one value at a time, the reader refuses what the model would read
 * other than the user meant: a per-year list longer than the horizon's
 * financial years, or shorter without saying how it goes on; numbers that
 * look like thousands written with commas ([82,500,000]) or with a leading
 * zero (0500); distributions whose draws would not be finite (dist.c); and
 * levers on something the model does not let them change.
 */
#include "scenario/schema.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/data.h"
#include "scenario/diag.h"
#include "scenario/dist.h"
#include "scenario/hash.h"

#define PATH_MAX_LEN 256
#define MAX_COUNT 1e9   /* children in one count: below a billion */
#define MAX_RATE 1000.0 /* per year: more is surely a typo */
/* Duration factors and mark multipliers: with rates capped too, a child's
 * rate stays below 1e18 per year however they combine (no overflow to inf,
 * which would make the competing-hazards probabilities NaN). */
#define MAX_FACTOR 1000.0
#define SHARE_TOLERANCE 1e-6
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct reader {
    cs_scenario *s;
    cs_error *err;
    int remainder; /* population.remainder, a leaf stage */
    /* The horizon's financial years (April to March): n_fys of them, the
     * first starting in April of first_fy; horizon: its node. */
    int n_fys, first_fy;
    const tree_node *horizon;
    /* population.stages.X.months_in_stage, by leaf stage (checked against
     * the stage's slots once the transitions are read) */
    const tree_node *months_node[CS_MAX_STAGES];
} reader;

/* ---- paths and generic checks ----------------------------------------- */

/* Paths longer than PATH_MAX_LEN are cut: the line and column still say
 * where the value is. */
static const char *join_key(char *buf, const char *path, const char *key)
{
    int w = path[0] ? snprintf(buf, PATH_MAX_LEN, "%s.%s", path, key)
                    : snprintf(buf, PATH_MAX_LEN, "%s", key);
    if (w < 0)
        buf[0] = '\0';
    return buf;
}

static const char *join_index(char *buf, const char *path, size_t i)
{
    if (snprintf(buf, PATH_MAX_LEN, "%s[%zu]", path, i) < 0)
        buf[0] = '\0';
    return buf;
}

/* Is n a plain whole number written with a leading zero (0500, 000)? */
static int leading_zero(const tree_node *n)
{
    if (n->kind != TREE_SCALAR || n->quoted)
        return 0;
    const char *p = n->text;
    if (*p == '+' || *p == '-')
        p++;
    if (p[0] != '0')
        return 0;
    int digits = 0;
    for (const char *q = p; *q; q++) {
        if (*q >= '0' && *q <= '9')
            digits++;
        else if (*q != '_')
            return 0;
    }
    return digits > 1;
}

/* Is n a plain scalar of digit groups joined by commas, 1 to 3 digits
 * and then groups of 3 (82,500,000 or 1,250.5)? */
static int comma_number(const tree_node *n)
{
    if (n->kind != TREE_SCALAR || n->quoted || !strchr(n->text, ','))
        return 0;
    const char *p = n->text;
    int digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (digits < 1 || digits > 3)
        return 0;
    while (*p == ',') {
        p++;
        for (digits = 0; *p >= '0' && *p <= '9'; p++)
            digits++;
        if (digits != 3)
            return 0;
    }
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    return *p == '\0';
}

/* "PATH: expected WHAT, found <the node>" at the node, with a hint when the
 * number was written in a way YAML reads differently. */
static int expected(reader *r, const tree_node *n, const char *path,
                    const char *what)
{
    char found[DIAG_TEXT_MAX], hint[DIAG_TEXT_MAX + 64] = "";
    if (leading_zero(n))
        snprintf(hint, sizeof hint,
                 " (a whole number with a leading zero is ambiguous: YAML 1.1 "
                 "reads it as octal; write it without the zero)");
    else if (comma_number(n)) {
        char plain[DIAG_TEXT_MAX / 2];
        size_t k = 0;
        for (const char *p = n->text; *p && k + 1 < sizeof plain; p++)
            plain[k++] = *p == ',' ? '_' : *p;
        plain[k] = '\0';
        snprintf(hint, sizeof hint,
                 " (write thousands with '_', as %s, not with commas)", plain);
    } else if (n->thousands)
        snprintf(hint, sizeof hint,
                 " (it follows a comma with no space: write a number with "
                 "thousands as 82_500_000, since YAML reads 82,500,000 in a "
                 "list as three numbers)");
    return diag_error(r->err, n, "%s: expected %s, found %s%s", path, what,
                      diag_describe(n, found, sizeof found), hint);
}

/* Of two nodes, the one written in the later file of the extends chain
 * (the top file is the latest); a if both are in the same file. */
static const tree_node *newer(const tree_node *a, const tree_node *b)
{
    return b->layer < a->layer ? b : a;
}

/* Where n is, for "(... at WHERE)": "line L" when it is in the same file
 * as from, else "FILE:L:C". */
static const char *where(char *buf, size_t size, const tree_node *n,
                         const tree_node *from)
{
    /* (a merged mapping's errors are reported at the merging file) */
    if (n->file == (from->merged_file ? from->merged_file : from->file))
        snprintf(buf, size, "line %d", n->line);
    else
        snprintf(buf, size, "%s:%d:%d", n->file, n->line, n->col);
    return buf;
}

static int check_keys(reader *r, const tree_node *map, const char *path,
                      const char *const *allowed, size_t n_allowed,
                      const char *note)
{
    for (size_t i = 0; i < map->n; i++) {
        const char *key = map->keys[i]->text;
        int ok = 0;
        for (size_t j = 0; j < n_allowed && !ok; j++)
            ok = strcmp(key, allowed[j]) == 0;
        if (ok)
            continue;
        char list[DIAG_TEXT_MAX], hint[CS_ID_MAX + 32];
        return diag_error(
            r->err, map->keys[i],
            "unknown key '%s' in %s%s; expected one of: %s%s%s", key,
            path[0] ? "" : "the scenario", path,
            diag_join(allowed, n_allowed, list, sizeof list),
            diag_did_you_mean(key, allowed, n_allowed, hint, sizeof hint),
            note ? note : "");
    }
    return CS_OK;
}

static int missing(reader *r, const tree_node *map, const char *path,
                   const char *key)
{
    if (!path[0])
        return diag_error(r->err, map,
                          "missing required key '%s' in the scenario", key);
    return diag_error(r->err, map, "%s: missing required key '%s'", path, key);
}

static int need_mapping(reader *r, const tree_node *n, const char *path,
                        const char *what)
{
    return n->kind == TREE_MAPPING ? CS_OK : expected(r, n, path, what);
}

static int need_list(reader *r, const tree_node *n, const char *path,
                     const char *what)
{
    return n->kind == TREE_SEQUENCE ? CS_OK : expected(r, n, path, what);
}

/* ---- scalars ---------------------------------------------------------- */

/*
 * A YAML number written plainly: decimal with optional sign, fraction,
 * exponent and '_' between digits (11_755_593). Quoted text, .inf, .nan,
 * values that overflow a double, whole numbers with a leading zero (0500:
 * octal to YAML 1.1) and thousands groups after a comma in a flow list
 * (the 500 of [82,500,000]; see tree.h) are not numbers here.
 */
static int parse_number(const tree_node *n, double *out)
{
    if (n->kind != TREE_SCALAR || n->quoted || n->thousands || leading_zero(n))
        return -1;
    char buf[128];
    size_t len = 0;
    for (const char *p = n->text; *p; p++) {
        if (*p == '_' && p != n->text)
            continue;
        if (len + 1 >= sizeof buf)
            return -1;
        buf[len++] = *p;
    }
    buf[len] = '\0';
    const char *p = buf;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (!digits)
        return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return -1;
    errno = 0;
    double v = strtod(buf, NULL);
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
        return -1;
    *out = v;
    return 0;
}

/* A number in [lo, hi], else "expected WHAT". */
static int number_in(reader *r, const tree_node *n, const char *path,
                     const char *what, double lo, double hi, double *out)
{
    double v;
    if (parse_number(n, &v) || v < lo || v > hi)
        return expected(r, n, path, what);
    *out = v;
    return CS_OK;
}

/* A whole number in [lo, hi] (1e6 and 1_000_000 both count). */
static int whole_in(reader *r, const tree_node *n, const char *path,
                    const char *what, double lo, double hi, double *out)
{
    double v;
    if (parse_number(n, &v) || v != floor(v) || v < lo || v > hi)
        return expected(r, n, path, what);
    *out = v;
    return CS_OK;
}

static int count_of_children(reader *r, const tree_node *n, const char *path,
                             double *out)
{
    double v;
    if (parse_number(n, &v) || v != floor(v) || v < 0)
        return expected(r, n, path, "a whole number of children >= 0");
    if (v >= MAX_COUNT)
        return expected(r, n, path,
                        "a whole number of children below 1000000000");
    *out = v;
    return CS_OK;
}

/*
 * A number that may be uncertain: plain, or a distribution
 *   {dist: beta | gamma | lognormal | normal, mean: M, sd: S}
 *   {dist: uniform, min: A, max: B}
 *   {dist: triangular, min: A, mode: C, max: B}
 * whose mean must lie in [lo, hi] (the range the number must keep; draws
 * are kept in it too). *out receives the value (the mean) times scale, and
 * a distribution is registered as a cs_parameter named `name` (the path
 * when NULL), for the number `target` names, drawing from the stream
 * keyed by the FNV-1a 32 hash of its name.
 */
static int uncertain_in(reader *r, const tree_node *n, const char *path,
                        const char *name, const char *what, double lo,
                        double hi, double scale, cs_target target, double *out)
{
    static const char *const names[] = {"beta",   "gamma",   "lognormal",
                                        "normal", "uniform", "triangular"};
    static const char *const keys[] = {"dist", "mean", "sd",
                                       "min",  "max",  "mode"};
    char sub[PATH_MAX_LEN], hint[CS_ID_MAX + 32], found[DIAG_TEXT_MAX];
    int rc;
    if (n->kind != TREE_MAPPING) {
        double v = 0;
        if ((rc = number_in(r, n, path, what, lo, hi, &v)))
            return rc;
        *out = v * scale;
        return CS_OK;
    }
    if ((rc = check_keys(r, n, path, keys, COUNT(keys), NULL)))
        return rc;
    const tree_node *d = tree_map_get(n, "dist");
    if (!d)
        return missing(r, n, path, "dist");
    int dist = -1;
    for (int i = 0; i < (int)COUNT(names); i++)
        if (d->kind == TREE_SCALAR && strcmp(d->text, names[i]) == 0)
            dist = i;
    if (dist < 0)
        return diag_error(
            r->err, d,
            "%s.dist: expected beta, gamma, lognormal, normal, uniform or "
            "triangular, found %s%s",
            path, diag_describe(d, found, sizeof found),
            d->kind == TREE_SCALAR
                ? diag_did_you_mean(d->text, names, COUNT(names), hint,
                                    sizeof hint)
                : "");
    static const char *const needs[6][3] = {
        {"mean", "sd", NULL}, {"mean", "sd", NULL}, {"mean", "sd", NULL},
        {"mean", "sd", NULL}, {"min", "max", NULL}, {"min", "mode", "max"}};
    double v[3] = {0, 0, 0};
    for (int k = 0; k < 3 && needs[dist][k]; k++) {
        const tree_node *x = tree_map_get(n, needs[dist][k]);
        if (!x)
            return missing(r, n, path, needs[dist][k]);
        if ((rc = number_in(r, x, join_key(sub, path, needs[dist][k]),
                            "a finite number", -1e13, 1e13, &v[k])))
            return rc;
    }
    for (size_t i = 1; i < COUNT(keys); i++) {
        int used = 0;
        for (int k = 0; k < 3; k++)
            used |= needs[dist][k] && strcmp(needs[dist][k], keys[i]) == 0;
        if (!used && tree_map_get(n, keys[i]))
            return diag_error(r->err, tree_map_key(n, keys[i]),
                              "%s: a %s distribution takes %s, found '%s'",
                              path, names[dist],
                              dist == CS_DIST_UNIFORM      ? "min and max"
                              : dist == CS_DIST_TRIANGULAR ? "min, mode and max"
                                                           : "mean and sd",
                              keys[i]);
    }
    double mean = dist <= CS_DIST_NORMAL    ? v[0]
                  : dist == CS_DIST_UNIFORM ? (v[0] + v[1]) / 2
                                            : (v[0] + v[1] + v[2]) / 3;
    char problem[DIAG_TEXT_MAX];
    if (mean < lo || mean > hi)
        return diag_error(r->err, n, "%s: expected %s, found a mean of %g",
                          path, what, mean);
    if (dist_problem((cs_distribution)dist, v[0], v[1], v[2], lo, hi, problem,
                     sizeof problem))
        return diag_error(r->err, n, "%s: %s", path, problem);
    cs_scenario *s = r->s;
    if (!name)
        name = path;
    if (strlen(name) >= CS_PATH_MAX)
        return diag_error(r->err, n,
                          "%s: expected an uncertain parameter's path of at "
                          "most %d bytes, found %zu (shorten an id)",
                          path, CS_PATH_MAX - 1, strlen(name));
    if (s->n_parameters == CS_MAX_PARAMETERS)
        return diag_error(r->err, n,
                          "%s: expected at most %d uncertain parameters, "
                          "found more",
                          path, CS_MAX_PARAMETERS);
    uint32_t stream = hash_fnv1a32(name, strlen(name));
    for (int i = 0; i < s->n_parameters; i++)
        if (s->parameters[i].stream == stream)
            return diag_error(r->err, n,
                              "%s: expected a parameter whose random stream "
                              "(the FNV-1a hash of its path, %08x) differs "
                              "from every other's, found the same as %s's "
                              "(rename an id to tell them apart)",
                              name, (unsigned)stream, s->parameters[i].path);
    cs_parameter *p = &s->parameters[s->n_parameters++];
    memcpy(p->path, name, strlen(name) + 1);
    p->stream = stream;
    p->target = target;
    p->scale = scale;
    p->dist = (cs_distribution)dist;
    p->a = v[0];
    p->b = v[1];
    p->c = v[2];
    p->mean = mean;
    p->lo = lo;
    p->hi = hi;
    *out = mean * scale;
    return CS_OK;
}

static cs_target target_of(cs_target_kind kind, int index, int sub)
{
    cs_target t = {kind, index, sub};
    return t;
}

/* A rate per year: plain, or uncertain (named `name`, for `target`). */
static int rate_of(reader *r, const tree_node *n, const char *path,
                   const char *name, cs_target target, double *out)
{
    if (n->kind == TREE_MAPPING)
        return uncertain_in(r, n, path, name, "a rate per year from 0 to 1000",
                            0, MAX_RATE, 1, target, out);
    double v;
    if (parse_number(n, &v) || v < 0)
        return expected(r, n, path, "a rate per year >= 0");
    if (v > MAX_RATE)
        return expected(r, n, path, "a rate per year <= 1000");
    *out = v;
    return CS_OK;
}

/* Text: any scalar but an empty value; at most size - 1 bytes. */
static int text_of(reader *r, const tree_node *n, const char *path,
                   const char *what, char *out, size_t size)
{
    if (n->kind != TREE_SCALAR || tree_is_null(n))
        return expected(r, n, path, what);
    size_t len = strlen(n->text);
    if (len >= size) {
        char longer[128];
        snprintf(longer, sizeof longer, "%s of at most %zu bytes", what,
                 size - 1);
        return expected(r, n, path, longer);
    }
    memcpy(out, n->text, len + 1);
    return CS_OK;
}

/* An id: [a-z][a-z0-9_]*, shorter than CS_ID_MAX. */
static int valid_id(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len >= CS_ID_MAX || !(id[0] >= 'a' && id[0] <= 'z'))
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return 0;
    return 1;
}

static int id_of(reader *r, const tree_node *key, const char *path)
{
    if (valid_id(key->text))
        return CS_OK;
    return expected(r, key, path,
                    "an id of lowercase letters, digits and '_', starting "
                    "with a letter (at most 47 characters)");
}

int schema_valid_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= CS_ID_MAX || name[0] == '-')
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return 0;
    return 1;
}

/*
 * A band of whole numbers: "N", "N-M" or "N+" (N up to max). An open band
 * ends at open_hi. Returns 0, or -1 if the text is not a band.
 */
static int parse_band(const tree_node *n, int max, int open_hi, int *lo,
                      int *hi)
{
    if (n->kind != TREE_SCALAR)
        return -1;
    const char *p = n->text;
    long a = 0, b;
    int digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
        a = a * 10 + (*p - '0');
    if (!digits || a > max)
        return -1;
    if (*p == '\0') {
        b = a;
    } else if (p[0] == '+' && p[1] == '\0') {
        b = open_hi;
    } else if (*p == '-') {
        p++;
        b = 0;
        for (digits = 0; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
            b = b * 10 + (*p - '0');
        if (!digits || *p || b > max || b < a)
            return -1;
    } else {
        return -1;
    }
    *lo = (int)a;
    *hi = (int)b;
    return 0;
}

static const char *band_text(char *buf, size_t size, int lo, int hi)
{
    if (hi < 0)
        snprintf(buf, size, "%d+", lo);
    else if (lo == hi)
        snprintf(buf, size, "%d", lo);
    else
        snprintf(buf, size, "%d-%d", lo, hi);
    return buf;
}

#define AGE_BAND_WHAT "an age band like 5, 1-4 or 16+ (ages 0 to 17)"

/* ---- top-level settings ----------------------------------------------- */

static int read_settings(reader *r, const tree_node *root)
{
    cs_scenario *s = r->s;
    const tree_node *n;
    double v;
    int rc;

    s->format_version = CS_SCENARIO_FORMAT_VERSION;
    if ((n = tree_map_get(root, "format_version"))) {
        if (parse_number(n, &v) || v != CS_SCENARIO_FORMAT_VERSION)
            return expected(r, n, "format_version",
                            "1 (the only format version this cascade "
                            "reads)");
    }

    n = tree_map_get(root, "name");
    if (!n)
        return missing(r, root, "", "name");
    if (n->kind != TREE_SCALAR || !schema_valid_name(n->text))
        return expected(r, n, "name",
                        "a name of lowercase letters, digits and '-', not "
                        "starting with '-' (at most 47 characters)");
    memcpy(s->name, n->text, strlen(n->text) + 1);

    n = tree_map_get(root, "description");
    const char *description = "";
    if (n) {
        if (n->kind != TREE_SCALAR)
            return expected(r, n, "description", "text");
        if (!tree_is_null(n))
            description = n->text;
    }
    if (!(s->description = strdup(description)))
        return cs_error_set(r->err, CS_ENOMEM, "out of memory");

    if (!(n = tree_map_get(root, "base_date")))
        return missing(r, root, "", "base_date");
    const char *t = n->kind == TREE_SCALAR ? n->text : "";
    int ok = strlen(t) == 7 && t[4] == '-';
    for (int i = 0; i < 7 && ok; i++)
        ok = i == 4 || (t[i] >= '0' && t[i] <= '9');
    if (ok) {
        s->base_year = atoi(t);
        s->base_month = atoi(t + 5);
        ok = s->base_year >= 1900 && s->base_year <= 2200 &&
             s->base_month >= 1 && s->base_month <= 12;
    }
    if (!ok)
        return expected(r, n, "base_date",
                        "a year and month as YYYY-MM, like 2019-04 (years "
                        "1900 to 2200)");

    const tree_node *years = tree_map_get(root, "horizon_years");
    const tree_node *months = tree_map_get(root, "horizon_months");
    if (years && months) {
        const tree_node *ky = tree_map_key(root, "horizon_years");
        const tree_node *km = tree_map_key(root, "horizon_months");
        const tree_node *at = newer(km, ky), *other = at == km ? ky : km;
        char place[DIAG_TEXT_MAX];
        return diag_error(r->err, at,
                          "%s: expected only one of horizon_years and "
                          "horizon_months, found both (%s at %s)",
                          at->text, other->text,
                          where(place, sizeof place, other, at));
    }
    r->horizon = years ? years : months;
    if (years) {
        if ((rc = whole_in(r, years, "horizon_years",
                           "a whole number of years from 1 to 50", 1,
                           CS_MAX_YEARS, &v)))
            return rc;
        s->horizon_months = 12 * (int)v;
    } else if (months) {
        if ((rc = whole_in(r, months, "horizon_months",
                           "a whole number of months from 1 to 600", 1,
                           12 * CS_MAX_YEARS, &v)))
            return rc;
        s->horizon_months = (int)v;
    } else {
        return diag_error(r->err, root,
                          "missing required key 'horizon_years' (or "
                          "'horizon_months') in the scenario");
    }
    /* financial years start in April: the first holds the base month */
    int last = s->base_month - 1 + s->horizon_months - 1; /* months from Jan */
    r->first_fy = s->base_month >= 4 ? s->base_year : s->base_year - 1;
    int last_fy = s->base_year + last / 12 - (last % 12 + 1 >= 4 ? 0 : 1);
    r->n_fys = last_fy - r->first_fy + 1;

    s->seed = 1;
    if ((n = tree_map_get(root, "seed"))) {
        char digits[32];
        size_t len = 0;
        ok = n->kind == TREE_SCALAR && !n->quoted && n->text[0] >= '0' &&
             n->text[0] <= '9' && !leading_zero(n);
        for (const char *p = ok ? n->text : ""; *p && ok; p++) {
            if (*p == '_')
                continue;
            ok = *p >= '0' && *p <= '9' && len + 1 < sizeof digits;
            if (ok)
                digits[len++] = *p;
        }
        if (ok) {
            digits[len] = '\0';
            errno = 0;
            unsigned long long seed = strtoull(digits, NULL, 10);
            ok = errno == 0 && seed <= UINT64_MAX;
            s->seed = (uint64_t)seed;
        }
        if (!ok)
            return expected(r, n, "seed",
                            "a whole number from 0 to "
                            "18446744073709551615");
    }
    return CS_OK;
}

static int read_marks(reader *r, const tree_node *root)
{
    static const char *const keys[] = {"label", "expires_after_months"};
    const tree_node *marks = tree_map_get(root, "marks");
    char path[PATH_MAX_LEN];
    int rc;
    if (!marks || tree_is_null(marks))
        return CS_OK;
    if ((rc = need_mapping(r, marks, "marks",
                           "a mapping of mark ids to {label: ...}")))
        return rc;
    for (size_t i = 0; i < marks->n; i++) {
        const tree_node *key = marks->keys[i], *m = marks->items[i];
        join_key(path, "marks", key->text);
        if ((rc = id_of(r, key, "marks")))
            return rc;
        if (r->s->n_marks == CS_MAX_MARKS)
            return diag_error(r->err, key,
                              "marks: expected at most %d marks, found more",
                              CS_MAX_MARKS);
        cs_mark *mark = &r->s->marks[r->s->n_marks++];
        memcpy(mark->id, key->text, strlen(key->text) + 1);
        memcpy(mark->label, key->text, strlen(key->text) + 1);
        if (tree_is_null(m))
            continue;
        if ((rc = need_mapping(r, m, path, "a mapping with a label")) ||
            (rc = check_keys(r, m, path, keys, COUNT(keys), NULL)))
            return rc;
        const tree_node *label = tree_map_get(m, "label");
        char sub[PATH_MAX_LEN];
        if (label && (rc = text_of(r, label, join_key(sub, path, "label"),
                                   "a label", mark->label, CS_LABEL_MAX)))
            return rc;
        const tree_node *expires = tree_map_get(m, "expires_after_months");
        double months = 0;
        if (expires &&
            (rc = whole_in(r, expires,
                           join_key(sub, path, "expires_after_months"),
                           "a whole number of months from 1 to 120", 1,
                           CS_MAX_DURATION_MONTHS, &months)))
            return rc;
        mark->expires_months = (int)months;
    }
    return CS_OK;
}

/* ---- economics -------------------------------------------------------- */

/* "2019/20": the financial year starting in April 2019. */
static int parse_financial_year(const tree_node *n, int *year)
{
    const char *t = n->kind == TREE_SCALAR ? n->text : "";
    if (strlen(t) != 7 || t[4] != '/')
        return -1;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !(t[i] >= '0' && t[i] <= '9'))
            return -1;
    int y = atoi(t), next = atoi(t + 5);
    if (y < 1900 || y > 2200 || next != (y + 1) % 100)
        return -1;
    *year = y;
    return 0;
}

void cs_discount_constant(cs_discount *discount, double rate)
{
    memset(discount, 0, sizeof *discount);
    discount->n_steps = 1;
    discount->rate[0] = rate;
}

void cs_discount_green_book(cs_discount *discount)
{
    /* HM Treasury, The Green Book (2003), Annex 6, Table 6.1 "The declining
     * long term discount rate"; unchanged in the 2022 edition */
    static const int from[] = {0, 31, 76, 126, 201, 301};
    static const double rate[] = {0.035, 0.03, 0.025, 0.02, 0.015, 0.01};
    memset(discount, 0, sizeof *discount);
    discount->n_steps = (int)(sizeof from / sizeof from[0]);
    for (int k = 0; k < discount->n_steps; k++) {
        discount->from_year[k] = from[k];
        discount->rate[k] = rate[k];
    }
}

static int read_economics(reader *r, const tree_node *root)
{
    static const char *const keys[] = {"price_base", "general_inflation",
                                       "discount_rate"};
    cs_scenario *s = r->s;
    const tree_node *e = tree_map_get(root, "economics"), *n;
    int rc;
    /* defaults: prices of the base date's financial year, no inflation,
     * the Green Book discount rate */
    s->price_base_year = s->base_month >= 4 ? s->base_year : s->base_year - 1;
    s->general_inflation = 0;
    cs_discount_green_book(&s->discount);
    if (!e || tree_is_null(e))
        return CS_OK;
    if ((rc = need_mapping(r, e, "economics",
                           "a mapping of price_base, general_inflation and "
                           "discount_rate")) ||
        (rc = check_keys(r, e, "economics", keys, COUNT(keys), NULL)))
        return rc;
    if ((n = tree_map_get(e, "price_base")) &&
        parse_financial_year(n, &s->price_base_year))
        return expected(r, n, "economics.price_base",
                        "a financial year like 2019/20");
    if ((n = tree_map_get(e, "general_inflation")) &&
        (rc = number_in(r, n, "economics.general_inflation",
                        "an annual rate from -0.5 to 1 (0.02 is 2%)", -0.5, 1,
                        &s->general_inflation)))
        return rc;
    /* a constant rate, or green_book (the default): the Green Book's
     * declining long-term rate */
    n = tree_map_get(e, "discount_rate");
    if (n && !(n->kind == TREE_SCALAR && strcmp(n->text, "green_book") == 0)) {
        static const char what[] = "an annual rate from 0 to below 1 (0.035 "
                                   "is 3.5%) or green_book (3.5% to year "
                                   "30, then declining)";
        double rate = 0;
        if ((rc =
                 number_in(r, n, "economics.discount_rate", what, 0, 1, &rate)))
            return rc;
        if (rate >= 1)
            return expected(r, n, "economics.discount_rate", what);
        cs_discount_constant(&s->discount, rate);
    }
    return CS_OK;
}

/*
 * unit_cost: {per_week | per_month | per_year: GBP, inflation: rate}, the
 * cost of one child in the stage at the price base; stored per month
 * (a year is 12 months, a week 12/(365.25/7) of a month). Inflation defaults
 * to economics.general_inflation (constant at constant prices).
 */
static int read_unit_cost(reader *r, const tree_node *stage, const char *path,
                          cs_stage *leaf)
{
    static const char *const keys[] = {"per_week", "per_month", "per_year",
                                       "inflation"};
    static const double per_month[] = {365.25 / 7 / 12, 1, 1.0 / 12};
    char sub[PATH_MAX_LEN], what[PATH_MAX_LEN];
    const tree_node *n = tree_map_get(stage, "unit_cost");
    int rc;
    leaf->unit_cost = 0;
    leaf->cost_inflation = r->s->general_inflation;
    if (!n || tree_is_null(n))
        return CS_OK;
    join_key(sub, path, "unit_cost");
    if ((rc = need_mapping(r, n, sub,
                           "a mapping with one of per_week, per_month or "
                           "per_year")) ||
        (rc = check_keys(r, n, sub, keys, COUNT(keys), NULL)))
        return rc;
    int given = 0;
    const tree_node *first = NULL;
    for (int i = 0; i < 3; i++) {
        const tree_node *v = tree_map_get(n, keys[i]);
        if (!v)
            continue;
        if (given++)
            return diag_error(r->err, newer(tree_map_key(n, keys[i]), first),
                              "%s: expected only one of per_week, per_month "
                              "and per_year, found more",
                              sub);
        first = tree_map_key(n, keys[i]);
        if ((rc = uncertain_in(
                 r, v, join_key(what, sub, keys[i]), NULL,
                 "a cost in GBP >= 0 (below 1e9)", 0, 1e9, per_month[i],
                 target_of(CS_TARGET_UNIT_COST, (int)(leaf - r->s->stages), 0),
                 &leaf->unit_cost)))
            return rc;
    }
    if (!given)
        return diag_error(r->err, n,
                          "%s: expected one of per_week, per_month or "
                          "per_year, found none",
                          sub);
    const tree_node *inflation = tree_map_get(n, "inflation");
    if (inflation &&
        (rc = number_in(r, inflation, join_key(what, sub, "inflation"),
                        "an annual rate from -0.5 to 1 (0.052 is 5.2%)", -0.5,
                        1, &leaf->cost_inflation)))
        return rc;
    return CS_OK;
}

/*
 * The optional mapping root[name] of id -> item: checks it is a mapping,
 * each key an id, at most max items (counted in *count), and calls
 * read_item for each with its dotted path. What is named `things` in the
 * "at most" message.
 */
typedef int (*item_reader)(reader *r, const tree_node *key,
                           const tree_node *item, const char *path);

static int read_id_map(reader *r, const tree_node *root, const char *name,
                       const char *what, const char *things, int max,
                       int *count, item_reader read_item)
{
    char path[PATH_MAX_LEN];
    int rc;
    const tree_node *map = tree_map_get(root, name);
    if (!map || tree_is_null(map))
        return CS_OK;
    if ((rc = need_mapping(r, map, name, what)))
        return rc;
    for (size_t i = 0; i < map->n; i++) {
        const tree_node *key = map->keys[i];
        join_key(path, name, key->text);
        if ((rc = id_of(r, key, name)))
            return rc;
        if (*count == max)
            return diag_error(r->err, key,
                              "%s: expected at most %d %s, found more", name,
                              max, things);
        if ((rc = read_item(r, key, map->items[i], path)))
            return rc;
        (*count)++;
    }
    return CS_OK;
}

/* ---- funding ---------------------------------------------------------- */

/* "2019/20" for the financial year starting in April of year. */
static const char *fy_text(char *buf, size_t size, int year)
{
    snprintf(buf, size, "%04d/%02d", year, (year + 1) % 100);
    return buf;
}

/*
 * Refuse a flow list holding what looks like a number written with
 * thousands separators ([184_000_000, 82,500,000] holds 82, 500 and 000):
 * at its first thousands group, showing the number as it should be
 * written.
 */
static int thousands_check(reader *r, const tree_node *list, const char *path)
{
    char item[PATH_MAX_LEN];
    for (size_t i = 1; i < list->n; i++) {
        if (!list->items[i]->thousands)
            continue;
        char joined[DIAG_TEXT_MAX], commas[DIAG_TEXT_MAX];
        size_t first = i - 1, last = i;
        while (last + 1 < list->n && list->items[last + 1]->thousands)
            last++;
        int w = 0, c = 0;
        joined[0] = commas[0] = '\0';
        for (size_t k = first; k <= last; k++) {
            const char *text = list->items[k]->text;
            w += snprintf(joined + w, sizeof joined - (size_t)w, "%s%s",
                          k > first ? "_" : "", text);
            c += snprintf(commas + c, sizeof commas - (size_t)c, "%s%s",
                          k > first ? "," : "", text);
            if (w >= (int)sizeof joined - 64 || c >= (int)sizeof commas - 64)
                break;
        }
        return diag_error(r->err, list->items[i],
                          "%s: expected a number, found %s right after a "
                          "comma: YAML reads %s as %zu numbers; write "
                          "%s for one number with thousands, or put a space "
                          "after each comma of a list",
                          join_index(item, path, i), list->items[i]->text,
                          commas, last - first + 1, joined);
    }
    return CS_OK;
}

/*
 * A number, or a list of numbers by financial year (the first for the year
 * holding the base month), into values. A list may not run past the
 * horizon; one that stops short must say how it goes on: has_growth (the
 * mapping has `growth:`). A single number holds for every year.
 */
static int read_per_year(reader *r, const tree_node *n, const char *path,
                         const char *what, double max, int has_growth,
                         double *values, int *n_values)
{
    char item[PATH_MAX_LEN], list_what[DIAG_TEXT_MAX];
    int rc;
    if (n->kind != TREE_SEQUENCE) {
        *n_values = 1;
        snprintf(list_what, sizeof list_what,
                 "%s, or a list of them by financial year", what);
        return number_in(r, n, path, list_what, 0, max, &values[0]);
    }
    if ((rc = thousands_check(r, n, path)))
        return rc;
    if (n->n == 0)
        return expected(r, n, path, "a list of values, one per financial year");
    char first[16], last[16], place[DIAG_TEXT_MAX + 32] = "";
    fy_text(first, sizeof first, r->first_fy);
    fy_text(last, sizeof last, r->first_fy + r->n_fys - 1);
    if (r->horizon->file != n->file) {
        char at[DIAG_TEXT_MAX];
        snprintf(place, sizeof place, "; the horizon is set at %s",
                 where(at, sizeof at, r->horizon, n));
    }
    /* Longer than the horizon: refused, even when a later file shortened
     * the horizon (the message says where), so that the resolved text,
     * one file, loads the same. */
    const char *years = r->n_fys == 1 ? "year" : "years";
    if (n->n > (size_t)r->n_fys)
        return diag_error(r->err, n,
                          "%s: %zu values for a horizon of %d financial %s "
                          "(%s to %s): expected at most %d, one per year%s",
                          path, n->n, r->n_fys, years, first, last, r->n_fys,
                          place);
    for (size_t i = 0; i < n->n; i++)
        if ((rc = number_in(r, n->items[i], join_index(item, path, i), what, 0,
                            max, &values[i])))
            return rc;
    if (n->n < (size_t)r->n_fys && !has_growth) {
        char after[16];
        return diag_error(
            r->err, n,
            "%s: %zu values for a horizon of %d financial %s "
            "(%s to %s): expected a value for every year, or "
            "growth: to say how it goes on after %s (growth: 0 "
            "repeats the last value)%s",
            path, n->n, r->n_fys, years, first, last,
            fy_text(after, sizeof after, r->first_fy + (int)n->n - 1), place);
    }
    *n_values = (int)n->n;
    return CS_OK;
}

static int read_stream(reader *r, const tree_node *key, const tree_node *f,
                       const char *path)
{
    static const char *const keys[] = {"label", "per_year", "growth"};
    char sub[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, f, path, "a mapping with per_year")) ||
        (rc = check_keys(r, f, path, keys, COUNT(keys), NULL)))
        return rc;
    cs_funding_stream *stream = &r->s->streams[r->s->n_streams];
    memcpy(stream->id, key->text, strlen(key->text) + 1);
    memcpy(stream->label, key->text, strlen(key->text) + 1);
    const tree_node *n = tree_map_get(f, "label");
    if (n && (rc = text_of(r, n, join_key(sub, path, "label"), "a label",
                           stream->label, CS_LABEL_MAX)))
        return rc;
    if (!(n = tree_map_get(f, "per_year")))
        return missing(r, f, path, "per_year");
    const tree_node *growth = tree_map_get(f, "growth");
    if ((rc =
             read_per_year(r, n, join_key(sub, path, "per_year"),
                           "an amount in GBP (cash) >= 0", 1e13, growth != NULL,
                           stream->per_year, &stream->n_years)))
        return rc;
    if (growth &&
        (rc = number_in(r, growth, join_key(sub, path, "growth"),
                        "an annual growth rate from -1 to 1 (0.02 is 2%)", -1,
                        1, &stream->growth)))
        return rc;
    return CS_OK;
}

static int read_funding(reader *r, const tree_node *root)
{
    return read_id_map(
        r, root, "funding", "a mapping of funding stream ids to streams",
        "funding streams", CS_MAX_STREAMS, &r->s->n_streams, read_stream);
}

static int find_stream(const cs_scenario *s, const char *id)
{
    for (int i = 0; i < s->n_streams; i++)
        if (strcmp(s->streams[i].id, id) == 0)
            return i;
    return -1;
}

/* A funding stream id at n. */
static int stream_ref(reader *r, const tree_node *n, const char *path, int *out)
{
    const cs_scenario *s = r->s;
    if (n->kind == TREE_SCALAR && (*out = find_stream(s, n->text)) >= 0)
        return CS_OK;
    const char *names[CS_MAX_STREAMS];
    for (int i = 0; i < s->n_streams; i++)
        names[i] = s->streams[i].id;
    char list[DIAG_TEXT_MAX], hint[CS_ID_MAX + 32], found[DIAG_TEXT_MAX];
    if (s->n_streams == 0)
        snprintf(list, sizeof list, "none is declared under funding");
    else
        diag_join(names, (size_t)s->n_streams, list, sizeof list);
    return diag_error(
        r->err, n, "%s: expected a funding stream (%s%s), found %s%s", path,
        s->n_streams ? "one of: " : "", list,
        diag_describe(n, found, sizeof found),
        n->kind == TREE_SCALAR
            ? diag_did_you_mean(n->text, names, (size_t)s->n_streams, hint,
                                sizeof hint)
            : "");
}

/* ---- stages ----------------------------------------------------------- */

static int read_intervention(reader *r, const tree_node *stage,
                             const char *path, cs_intervention *out)
{
    static const char *const names[] = {"none", "early", "late"};
    char sub[PATH_MAX_LEN], hint[CS_ID_MAX + 32];
    const tree_node *n = tree_map_get(stage, "intervention");
    if (!n)
        return missing(r, stage, path, "intervention");
    join_key(sub, path, "intervention");
    for (size_t i = 0; i < COUNT(names); i++) {
        if (n->kind == TREE_SCALAR && strcmp(n->text, names[i]) == 0) {
            *out = (cs_intervention)i;
            return CS_OK;
        }
    }
    char found[DIAG_TEXT_MAX];
    return diag_error(
        r->err, n, "%s: expected none, early or late, found %s%s", sub,
        diag_describe(n, found, sizeof found),
        n->kind == TREE_SCALAR
            ? diag_did_you_mean(n->text, names, COUNT(names), hint, sizeof hint)
            : "");
}

/*
 * A placement's ssda903: {place: [CODE, ...], provider: [CODE, ...]}: the
 * SSDA903 PLACE codes (and, optionally, PLACE_PROVIDER codes) of the
 * episodes a council's return counts in it (docs/scenario-format.md),
 * each from the DfE's specification and given once.
 */
static int read_ssda903_codes(reader *r, const tree_node *n, const char *path,
                              cs_stage *leaf)
{
    static const char *const keys[] = {"place", "provider"};
    static const char *const columns[] = {"PLACE", "PLACE_PROVIDER"};
    char sub[PATH_MAX_LEN], item[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, n, path,
                           "a mapping {place: [PLACE codes], provider: "
                           "[PLACE_PROVIDER codes]}")) ||
        (rc = check_keys(r, n, path, keys, COUNT(keys), NULL)))
        return rc;
    if (!tree_map_get(n, "place"))
        return missing(r, n, path, "place");
    char *out[2] = {leaf->ssda903_place, leaf->ssda903_provider};
    for (int k = 0; k < 2; k++) {
        const tree_node *list = tree_map_get(n, keys[k]);
        out[k][0] = '\0';
        if (!list)
            continue;
        join_key(sub, path, keys[k]);
        if ((rc = need_list(r, list, sub,
                            k == 0 ? "a list of PLACE codes"
                                   : "a list of "
                                     "PLACE_PROVIDER codes")))
            return rc;
        if (list->n == 0)
            return expected(r, list, sub, "at least one code");
        for (size_t i = 0; i < list->n; i++) {
            const tree_node *c = list->items[i];
            char what[64];
            snprintf(what, sizeof what, "an SSDA903 %s code", columns[k]);
            join_index(item, sub, i);
            if (c->kind != TREE_SCALAR ||
                !cs_ssda903_code_known(columns[k], c->text))
                return expected(r, c, item, what);
            for (size_t j = 0; j < i; j++)
                if (!strcmp(list->items[j]->text, c->text))
                    return diag_error(r->err, c,
                                      "%s: expected each code once, found "
                                      "%s again",
                                      item, c->text);
            size_t used = strlen(out[k]);
            snprintf(out[k] + used, CS_SSDA903_CODES_MAX - used, "%s%s",
                     used ? " " : "", c->text);
        }
    }
    return CS_OK;
}

static int read_placements(reader *r, const tree_node *placements,
                           const char *path, const char *group_id,
                           cs_intervention intervention, int group)
{
    static const char *const keys[] = {"label", "entry_share", "unit_cost",
                                       "capacity", "ssda903"};
    cs_scenario *s = r->s;
    char sub[PATH_MAX_LEN], leaf_path[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, placements, path,
                           "a mapping of placement ids to placements")))
        return rc;
    if (placements->n == 0)
        return expected(r, placements, path, "at least one placement");
    double sum = 0;
    for (size_t i = 0; i < placements->n; i++) {
        const tree_node *key = placements->keys[i], *p = placements->items[i];
        join_key(leaf_path, path, key->text);
        if ((rc = id_of(r, key, path)))
            return rc;
        if (strlen(group_id) + 1 + strlen(key->text) >= CS_ID_MAX)
            return expected(r, key, path,
                            "a placement id short enough that "
                            "<stage>.<placement> has at most 47 characters");
        if (s->n_stages == CS_MAX_STAGES)
            return diag_error(r->err, key,
                              "stages: expected at most %d stages "
                              "(placements count singly), found more",
                              CS_MAX_STAGES);
        if ((rc = need_mapping(r, p, leaf_path,
                               "a mapping with an entry_share")) ||
            (rc = check_keys(r, p, leaf_path, keys, COUNT(keys), NULL)))
            return rc;
        cs_stage *leaf = &s->stages[s->n_stages++];
        snprintf(leaf->id, sizeof leaf->id, "%s.%s", group_id, key->text);
        memcpy(leaf->label, key->text, strlen(key->text) + 1);
        leaf->intervention = intervention;
        leaf->group = group;
        const tree_node *label = tree_map_get(p, "label");
        if (label && (rc = text_of(r, label, join_key(sub, leaf_path, "label"),
                                   "a label", leaf->label, CS_LABEL_MAX)))
            return rc;
        if ((rc = read_unit_cost(r, p, leaf_path, leaf)))
            return rc;
        const tree_node *share = tree_map_get(p, "entry_share");
        if (!share)
            return missing(r, p, leaf_path, "entry_share");
        if ((rc = number_in(r, share, join_key(sub, leaf_path, "entry_share"),
                            "a share from 0 to 1", 0, 1, &leaf->entry_share)))
            return rc;
        sum += leaf->entry_share;
        const tree_node *codes = tree_map_get(p, "ssda903");
        if (codes && (rc = read_ssda903_codes(
                          r, codes, join_key(sub, leaf_path, "ssda903"), leaf)))
            return rc;
    }
    if (fabs(sum - 1) > SHARE_TOLERANCE)
        return diag_error(r->err, placements,
                          "%s: expected entry shares summing to 1, found a "
                          "sum of %.10g",
                          path, sum);
    return CS_OK;
}

/* dfe: none | cin | cp | looked_after (absent: none). */
static int read_dfe(reader *r, const tree_node *stage, const char *path,
                    cs_dfe_category *out)
{
    static const char *const names[] = {"none", "cin", "cp", "looked_after"};
    char sub[PATH_MAX_LEN], hint[CS_ID_MAX + 32], found[DIAG_TEXT_MAX];
    const tree_node *n = tree_map_get(stage, "dfe");
    *out = CS_DFE_NONE;
    if (!n)
        return CS_OK;
    for (int i = 0; i < (int)COUNT(names); i++)
        if (n->kind == TREE_SCALAR && strcmp(n->text, names[i]) == 0) {
            *out = (cs_dfe_category)i;
            return CS_OK;
        }
    return diag_error(
        r->err, n,
        "%s: expected none, cin, cp or looked_after (the DfE "
        "statistics the stage's children are counted in), "
        "found %s%s",
        join_key(sub, path, "dfe"), diag_describe(n, found, sizeof found),
        n->kind == TREE_SCALAR
            ? diag_did_you_mean(n->text, names, COUNT(names), hint, sizeof hint)
            : "");
}

static int read_stages(reader *r, const tree_node *root)
{
    static const char *const keys[] = {
        "label", "intervention", "dfe", "placements", "unit_cost", "capacity"};
    cs_scenario *s = r->s;
    char path[PATH_MAX_LEN], sub[PATH_MAX_LEN];
    int rc;
    const tree_node *stages = tree_map_get(root, "stages");
    if (!stages)
        return missing(r, root, "", "stages");
    if ((rc = need_mapping(r, stages, "stages",
                           "a mapping of stage ids to stages")))
        return rc;
    if (stages->n == 0)
        return expected(r, stages, "stages", "at least one stage");
    for (size_t i = 0; i < stages->n; i++) {
        const tree_node *key = stages->keys[i], *st = stages->items[i];
        join_key(path, "stages", key->text);
        if ((rc = id_of(r, key, "stages")) ||
            (rc =
                 need_mapping(r, st, path, "a mapping with an intervention")) ||
            (rc = check_keys(r, st, path, keys, COUNT(keys), NULL)))
            return rc;
        char label[CS_LABEL_MAX] = "";
        memcpy(label, key->text, strlen(key->text) + 1);
        const tree_node *n = tree_map_get(st, "label");
        if (n && (rc = text_of(r, n, join_key(sub, path, "label"), "a label",
                               label, sizeof label)))
            return rc;
        cs_intervention intervention = CS_INTERVENTION_NONE;
        cs_dfe_category dfe = CS_DFE_NONE;
        if ((rc = read_intervention(r, st, path, &intervention)) ||
            (rc = read_dfe(r, st, path, &dfe)))
            return rc;
        const tree_node *placements = tree_map_get(st, "placements");
        if (placements && tree_map_get(st, "capacity"))
            return diag_error(r->err,
                              newer(tree_map_key(st, "capacity"),
                                    tree_map_key(st, "placements")),
                              "%s.capacity: expected capacities on each "
                              "placement of a stage with placements, found "
                              "one on the stage",
                              path);
        if (placements && tree_map_get(st, "unit_cost"))
            return diag_error(r->err,
                              newer(tree_map_key(st, "unit_cost"),
                                    tree_map_key(st, "placements")),
                              "%s.unit_cost: expected unit costs on each "
                              "placement of a stage with placements, found "
                              "one on the stage",
                              path);
        if (placements) {
            if (s->n_groups == CS_MAX_GROUPS)
                return diag_error(r->err, key,
                                  "stages: expected at most %d stages with "
                                  "placements, found more",
                                  CS_MAX_GROUPS);
            int g = s->n_groups++;
            cs_stage_group *group = &s->groups[g];
            memcpy(group->id, key->text, strlen(key->text) + 1);
            memcpy(group->label, label, sizeof label);
            group->first_stage = s->n_stages;
            if ((rc = read_placements(r, placements,
                                      join_key(sub, path, "placements"),
                                      key->text, intervention, g)))
                return rc;
            group->n_stages = s->n_stages - group->first_stage;
            for (int j = group->first_stage; j < s->n_stages; j++)
                s->stages[j].dfe = dfe;
            continue;
        }
        if (s->n_stages == CS_MAX_STAGES)
            return diag_error(r->err, key,
                              "stages: expected at most %d stages "
                              "(placements count singly), found more",
                              CS_MAX_STAGES);
        cs_stage *leaf = &s->stages[s->n_stages++];
        memcpy(leaf->id, key->text, strlen(key->text) + 1);
        memcpy(leaf->label, label, sizeof label);
        leaf->intervention = intervention;
        leaf->dfe = dfe;
        leaf->group = -1;
        leaf->entry_share = 1;
        if ((rc = read_unit_cost(r, st, path, leaf)))
            return rc;
    }
    return CS_OK;
}

static int find_group(const cs_scenario *s, const char *id)
{
    for (int i = 0; i < s->n_groups; i++)
        if (strcmp(s->groups[i].id, id) == 0)
            return i;
    return -1;
}

/*
 * Resolve a stage reference. Leaves are always allowed; groups if
 * allow_groups; placements (leaves inside a group) if allow_placements.
 */
static int stage_ref(reader *r, const tree_node *n, const char *path,
                     int allow_groups, int allow_placements, cs_stage_ref *out)
{
    const cs_scenario *s = r->s;
    if (n->kind == TREE_SCALAR) {
        int i = cs_scenario_find_stage(s, n->text);
        if (i >= 0 && (allow_placements || s->stages[i].group < 0)) {
            out->is_group = 0;
            out->index = i;
            return CS_OK;
        }
        int g = find_group(s, n->text);
        if (g >= 0 && allow_groups) {
            out->is_group = 1;
            out->index = g;
            return CS_OK;
        }
    }
    const char *names[CS_MAX_STAGES + CS_MAX_GROUPS];
    size_t n_names = 0;
    for (int i = 0; i < s->n_stages; i++) {
        const cs_stage *st = &s->stages[i];
        if (st->group >= 0 && allow_groups &&
            s->groups[st->group].first_stage == i)
            names[n_names++] = s->groups[st->group].id;
        if (st->group < 0 || allow_placements)
            names[n_names++] = st->id;
    }
    char list[DIAG_TEXT_MAX], hint[CS_ID_MAX + 32], found[DIAG_TEXT_MAX];
    const char *what = allow_groups ? "a stage or group id" : "a stage id";
    return diag_error(
        r->err, n, "%s: expected %s (one of: %s), found %s%s", path, what,
        diag_join(names, n_names, list, sizeof list),
        diag_describe(n, found, sizeof found),
        n->kind == TREE_SCALAR
            ? diag_did_you_mean(n->text, names, n_names, hint, sizeof hint)
            : "");
}

/* A mark id, as a list item or a mapping key. */
static int mark_ref(reader *r, const tree_node *n, const char *path, int *out)
{
    const cs_scenario *s = r->s;
    const char *names[CS_MAX_MARKS];
    for (int i = 0; i < s->n_marks; i++) {
        names[i] = s->marks[i].id;
        if (n->kind == TREE_SCALAR && strcmp(n->text, names[i]) == 0) {
            *out = i;
            return CS_OK;
        }
    }
    char list[DIAG_TEXT_MAX], hint[CS_ID_MAX + 32], found[DIAG_TEXT_MAX];
    if (s->n_marks == 0)
        snprintf(list, sizeof list, "no marks are declared");
    else
        diag_join(names, (size_t)s->n_marks, list, sizeof list);
    return diag_error(
        r->err, n, "%s: expected a mark declared in marks (%s%s), found %s%s",
        path, s->n_marks ? "one of: " : "", list,
        diag_describe(n, found, sizeof found),
        n->kind == TREE_SCALAR
            ? diag_did_you_mean(n->text, names, (size_t)s->n_marks, hint,
                                sizeof hint)
            : "");
}

/* ---- population ------------------------------------------------------- */

/*
 * Shares per single age from `age_shares`: "uniform" or a list of
 * {ages, share} whose bands cover 0..17 once and whose shares sum to 1.
 * A band's share is spread evenly over its ages.
 */
static int read_age_shares(reader *r, const tree_node *n, const char *path,
                           double share[CS_AGES])
{
    static const char *const keys[] = {"ages", "share"};
    char item[PATH_MAX_LEN], sub[PATH_MAX_LEN];
    int rc;
    if (!n || (n->kind == TREE_SCALAR && strcmp(n->text, "uniform") == 0)) {
        for (int a = 0; a < CS_AGES; a++)
            share[a] = 1.0 / CS_AGES;
        return CS_OK;
    }
    if (n->kind != TREE_SEQUENCE || n->n == 0)
        return expected(r, n, path,
                        "uniform or a list of {ages: BAND, share: S}");
    const tree_node *owner[CS_AGES] = {0};
    double sum = 0;
    for (size_t i = 0; i < n->n; i++) {
        const tree_node *band = n->items[i];
        join_index(item, path, i);
        if ((rc = need_mapping(r, band, item, "{ages: BAND, share: S}")) ||
            (rc = check_keys(r, band, item, keys, COUNT(keys), NULL)))
            return rc;
        const tree_node *ages = tree_map_get(band, "ages");
        const tree_node *sh = tree_map_get(band, "share");
        if (!ages)
            return missing(r, band, item, "ages");
        if (!sh)
            return missing(r, band, item, "share");
        int lo, hi;
        join_key(sub, item, "ages");
        if (parse_band(ages, CS_AGES - 1, CS_AGES - 1, &lo, &hi))
            return expected(r, ages, sub, AGE_BAND_WHAT);
        for (int a = lo; a <= hi; a++) {
            if (owner[a]) {
                char what[128];
                snprintf(what, sizeof what,
                         "age bands that do not overlap (age %d is already "
                         "in the band at line %d)",
                         a, owner[a]->line);
                return expected(r, ages, sub, what);
            }
            owner[a] = ages;
        }
        double v = 0;
        if ((rc = number_in(r, sh, join_key(sub, item, "share"),
                            "a share from 0 to 1", 0, 1, &v)))
            return rc;
        sum += v;
        for (int a = lo; a <= hi; a++)
            share[a] = v / (hi - lo + 1);
    }
    for (int a = 0; a < CS_AGES; a++) {
        if (owner[a])
            continue;
        int b = a;
        while (b + 1 < CS_AGES && !owner[b + 1])
            b++;
        char band[16];
        return diag_error(r->err, n,
                          "%s: expected age bands covering every age from 0 "
                          "to 17, found no band for %s %s",
                          path, a == b ? "age" : "ages",
                          band_text(band, sizeof band, a, b));
    }
    if (fabs(sum - 1) > SHARE_TOLERANCE)
        return diag_error(r->err, n,
                          "%s: expected shares summing to 1, found a sum of "
                          "%.10g",
                          path, sum);
    for (int a = 0; a < CS_AGES; a++)
        share[a] /= sum; /* exactly 1 in total, as far as doubles go */
    return CS_OK;
}

/*
 * Split a whole number of children over single ages in proportion to
 * share, by the largest remainder method: every age gets the whole part
 * of its quota, then the children left over go one each to the ages with
 * the largest fractional parts (ties: the younger age first). The ages
 * sum exactly to count.
 */
static void allocate(double count, const double share[CS_AGES],
                     double out[CS_AGES])
{
    double frac[CS_AGES];
    double left = count;
    for (int a = 0; a < CS_AGES; a++) {
        double quota = count * share[a];
        out[a] = floor(quota);
        frac[a] = quota - out[a];
        left -= out[a];
    }
    /* Rounding can leave the floors a child over: take back the smallest. */
    while (left < 0) {
        int worst = -1;
        for (int a = 0; a < CS_AGES; a++)
            if (out[a] > 0 && (worst < 0 || frac[a] < frac[worst]))
                worst = a;
        out[worst] -= 1;
        frac[worst] = 2; /* never chosen again */
        left += 1;
    }
    int given[CS_AGES] = {0};
    while (left > 0) {
        int best = -1;
        for (int a = 0; a < CS_AGES; a++)
            if (!given[a] && (best < 0 || frac[a] > frac[best]))
                best = a;
        if (best < 0) { /* cannot happen with shares summing to 1 */
            out[0] += left;
            break;
        }
        out[best] += 1;
        given[best] = 1;
        left -= 1;
    }
}

static int read_by_age_counts(reader *r, const tree_node *n, const char *path,
                              double out[CS_AGES])
{
    char item[PATH_MAX_LEN];
    int rc;
    if (n->kind == TREE_SEQUENCE && (rc = thousands_check(r, n, path)))
        return rc;
    if (n->kind != TREE_SEQUENCE || n->n != CS_AGES)
        return expected(r, n, path,
                        "a list of 18 whole numbers of children, one per "
                        "age 0 to 17");
    for (size_t a = 0; a < CS_AGES; a++)
        if ((rc = count_of_children(r, n->items[a], join_index(item, path, a),
                                    &out[a])))
            return rc;
    return CS_OK;
}

/* months_in_stage: [shares by completed months in the stage, the last
 * that many or more], summing to 1; its length is checked against the
 * stage's slots after the transitions (check_months_in_stage). */
static int read_months_in_stage(reader *r, const tree_node *n, const char *path,
                                int first_stage, int n_stages)
{
    char item[PATH_MAX_LEN];
    int rc;
    if ((rc = need_list(r, n, path,
                        "a list of shares by completed months in the stage")))
        return rc;
    if (n->n == 0 || n->n > CS_MAX_DURATION_MONTHS + 1)
        return diag_error(r->err, n, "%s: expected 1 to %d shares, found %zu",
                          path, CS_MAX_DURATION_MONTHS + 1, n->n);
    double share[CS_MAX_DURATION_MONTHS + 1], sum = 0;
    for (size_t i = 0; i < n->n; i++) {
        if ((rc = number_in(r, n->items[i], join_index(item, path, i),
                            "a share from 0 to 1", 0, 1, &share[i])))
            return rc;
        sum += share[i];
    }
    if (fabs(sum - 1) > SHARE_TOLERANCE)
        return diag_error(r->err, n,
                          "%s: expected shares summing to 1, found a sum of "
                          "%.10g",
                          path, sum);
    for (int st = first_stage; st < first_stage + n_stages; st++) {
        r->s->n_initial_durations[st] = (int)n->n;
        for (size_t i = 0; i < n->n; i++)
            r->s->initial_duration_share[st][i] = share[i] / sum;
        r->months_node[st] = n;
    }
    return CS_OK;
}

/* Each months_in_stage list has one share per slot of its stage. */
static int check_months_in_stage(reader *r)
{
    const cs_scenario *s = r->s;
    for (int st = 0; st < s->n_stages; st++) {
        const tree_node *n = r->months_node[st];
        if (!n)
            continue;
        int slots = cs_scenario_duration_slots(s, st);
        if (s->n_initial_durations[st] == slots)
            continue;
        const cs_stage *x = &s->stages[st];
        int expiring = 0;
        for (int m = 0; m < s->n_marks; m++)
            expiring |= s->marks[m].expires_months > 0 &&
                        cs_scenario_mark_reaches(s, m, st);
        return diag_error(
            r->err, n,
            "population.stages.%s.months_in_stage: expected %d share%s (stage "
            "'%s' keeps months in stage 0 to %d%s, from the by_duration "
            "bands of the transitions out of it%s), found %d",
            x->group >= 0 ? s->groups[x->group].id : x->id, slots,
            slots == 1 ? "" : "s", x->id, slots - 1,
            slots > 1 ? " or more" : "",
            expiring ? " and the marks that expire in it" : "",
            s->n_initial_durations[st]);
    }
    return CS_OK;
}

static int read_marked(reader *r, const tree_node *n, const char *path,
                       int first_stage, int n_stages)
{
    char sub[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, n, path, "a mapping of mark ids to shares")))
        return rc;
    for (size_t i = 0; i < n->n; i++) {
        int mark = 0;
        double v = 0;
        if ((rc = mark_ref(r, n->keys[i], path, &mark)) ||
            (rc = number_in(r, n->items[i],
                            join_key(sub, path, n->keys[i]->text),
                            "a share from 0 to 1", 0, 1, &v)))
            return rc;
        for (int st = first_stage; st < first_stage + n_stages; st++)
            r->s->initial_mark_share[st][mark] = v;
    }
    return CS_OK;
}

/* Children of one entry of population.stages, other than the remainder. */
static int read_stage_population(reader *r, const tree_node *p,
                                 const char *path, const cs_stage_ref *ref)
{
    static const char *const leaf_keys[] = {"count", "by_age", "age_shares",
                                            "marked", "months_in_stage"};
    static const char *const group_keys[] = {"count", "age_shares", "marked",
                                             "months_in_stage", "placements"};
    cs_scenario *s = r->s;
    char sub[PATH_MAX_LEN], item[PATH_MAX_LEN];
    int rc;
    const tree_node *count = tree_map_get(p, "count");
    const tree_node *by_age = tree_map_get(p, "by_age");
    const tree_node *shares_node = tree_map_get(p, "age_shares");
    if (!ref->is_group) {
        if ((rc = check_keys(r, p, path, leaf_keys, COUNT(leaf_keys), NULL)))
            return rc;
        double *initial = s->initial[ref->index];
        if (count && by_age)
            return diag_error(
                r->err,
                newer(tree_map_key(p, "by_age"), tree_map_key(p, "count")),
                "%s.by_age: expected only one of count and "
                "by_age, found both",
                path);
        if (by_age) {
            if (shares_node)
                return diag_error(
                    r->err,
                    newer(tree_map_key(p, "age_shares"),
                          tree_map_key(p, "by_age")),
                    "%s.age_shares: expected no age_shares "
                    "with by_age (by_age gives the ages), "
                    "found %s",
                    path, diag_describe(shares_node, item, sizeof item));
            return read_by_age_counts(r, by_age, join_key(sub, path, "by_age"),
                                      initial);
        }
        if (!count)
            return missing(r, p, path, "count");
        double share[CS_AGES], v;
        if ((rc = count_of_children(r, count, join_key(sub, path, "count"),
                                    &v)) ||
            (rc = read_age_shares(r, shares_node,
                                  join_key(item, path, "age_shares"), share)))
            return rc;
        allocate(v, share, initial);
        return CS_OK;
    }

    const cs_stage_group *g = &s->groups[ref->index];
    if ((rc = check_keys(r, p, path, group_keys, COUNT(group_keys), NULL)))
        return rc;
    if (!count)
        return missing(r, p, path, "count");
    double total, share[CS_AGES];
    if ((rc = count_of_children(r, count, join_key(sub, path, "count"),
                                &total)) ||
        (rc = read_age_shares(r, shares_node,
                              join_key(item, path, "age_shares"), share)))
        return rc;
    const tree_node *placements = tree_map_get(p, "placements");
    if (!placements)
        return missing(r, p, path, "placements");
    join_key(sub, path, "placements");
    if ((rc = need_mapping(r, placements, sub,
                           "a mapping of placement ids to counts")))
        return rc;
    const char *names[CS_MAX_STAGES];
    size_t prefix = strlen(g->id) + 1;
    for (int i = 0; i < g->n_stages; i++)
        names[i] = s->stages[g->first_stage + i].id + prefix;
    double sum = 0;
    for (size_t i = 0; i < placements->n; i++) {
        const tree_node *key = placements->keys[i];
        int found = -1;
        for (int j = 0; j < g->n_stages && found < 0; j++)
            if (strcmp(key->text, names[j]) == 0)
                found = j;
        if (found < 0) {
            char list[DIAG_TEXT_MAX], hint[CS_ID_MAX + 32];
            return diag_error(
                r->err, key,
                "%s: expected a placement of %s (one of: %s), found '%s'%s",
                sub, g->id,
                diag_join(names, (size_t)g->n_stages, list, sizeof list),
                key->text,
                diag_did_you_mean(key->text, names, (size_t)g->n_stages, hint,
                                  sizeof hint));
        }
        double v = 0;
        if ((rc = count_of_children(r, placements->items[i],
                                    join_key(item, sub, key->text), &v)))
            return rc;
        allocate(v, share, s->initial[g->first_stage + found]);
        sum += v;
    }
    if (sum != total)
        return diag_error(r->err, placements,
                          "%s: expected placement counts summing to the "
                          "group's count %.0f, found a sum of %.0f",
                          sub, total, sum);
    return CS_OK;
}

static int read_population(reader *r, const tree_node *root)
{
    static const char *const keys[] = {"total",      "total_by_age",
                                       "age_shares", "remainder",
                                       "stages",     "net_migration"};
    static const char *const remainder_keys[] = {"marked"};
    cs_scenario *s = r->s;
    char sub[PATH_MAX_LEN], path[PATH_MAX_LEN];
    int rc;
    const tree_node *pop = tree_map_get(root, "population");
    if (!pop)
        return missing(r, root, "", "population");
    if ((rc = need_mapping(r, pop, "population",
                           "a mapping with total and remainder")) ||
        (rc = check_keys(r, pop, "population", keys, COUNT(keys), NULL)))
        return rc;

    const tree_node *n = tree_map_get(pop, "remainder");
    cs_stage_ref ref;
    if (!n)
        return missing(r, pop, "population", "remainder");
    if ((rc = stage_ref(r, n, "population.remainder", 0, 0, &ref)))
        return rc;
    r->remainder = ref.index;
    s->remainder_stage = ref.index;

    const tree_node *total = tree_map_get(pop, "total");
    const tree_node *by_age = tree_map_get(pop, "total_by_age");
    const tree_node *shares_node = tree_map_get(pop, "age_shares");
    const char *total_path =
        by_age ? "population.total_by_age" : "population.total";
    double total_by_age[CS_AGES];
    if (total && by_age)
        return diag_error(r->err,
                          newer(tree_map_key(pop, "total_by_age"),
                                tree_map_key(pop, "total")),
                          "population.total_by_age: expected only one of "
                          "total and total_by_age, found both");
    if (by_age) {
        if (shares_node)
            return diag_error(r->err,
                              newer(tree_map_key(pop, "age_shares"),
                                    tree_map_key(pop, "total_by_age")),
                              "population.age_shares: expected no "
                              "age_shares with total_by_age (total_by_age "
                              "gives the ages), found %s",
                              diag_describe(shares_node, sub, sizeof sub));
        if ((rc = read_by_age_counts(r, by_age, total_path, total_by_age)))
            return rc;
    } else if (total) {
        double v = 0, share[CS_AGES];
        if ((rc = count_of_children(r, total, total_path, &v)) ||
            (rc = read_age_shares(r, shares_node, "population.age_shares",
                                  share)))
            return rc;
        allocate(v, share, total_by_age);
    } else {
        return diag_error(r->err, pop,
                          "population: missing required key 'total' (or "
                          "'total_by_age')");
    }

    const tree_node *stages = tree_map_get(pop, "stages");
    if (stages && !tree_is_null(stages)) {
        if ((rc = need_mapping(r, stages, "population.stages",
                               "a mapping of stage ids to children")))
            return rc;
        for (size_t i = 0; i < stages->n; i++) {
            const tree_node *key = stages->keys[i], *p = stages->items[i];
            join_key(path, "population.stages", key->text);
            if ((rc = stage_ref(r, key, "population.stages", 1, 0, &ref)) ||
                (rc = need_mapping(r, p, path,
                                   "a mapping with a count of children")))
                return rc;
            int first = ref.index, n_stages = 1;
            if (ref.is_group) {
                first = s->groups[ref.index].first_stage;
                n_stages = s->groups[ref.index].n_stages;
            }
            if (!ref.is_group && ref.index == r->remainder) {
                char note[CS_ID_MAX + 96];
                snprintf(note, sizeof note,
                         " (%s is population.remainder: it holds everyone "
                         "not placed in another stage)",
                         key->text);
                if ((rc = check_keys(r, p, path, remainder_keys,
                                     COUNT(remainder_keys), note)))
                    return rc;
            } else if ((rc = read_stage_population(r, p, path, &ref))) {
                return rc;
            }
            const tree_node *marked = tree_map_get(p, "marked");
            const tree_node *months = tree_map_get(p, "months_in_stage");
            if (marked &&
                (rc = read_marked(r, marked, join_key(sub, path, "marked"),
                                  first, n_stages)))
                return rc;
            if (months &&
                (rc = read_months_in_stage(
                     r, months, join_key(sub, path, "months_in_stage"), first,
                     n_stages)))
                return rc;
        }
    }

    /* Too many children in the stages: blame the later of the total and
     * the stages' counts (a what-if that raises a count, say). */
    const tree_node *total_node = by_age ? by_age : total, *blame = total_node;
    if (stages && !tree_is_null(stages) &&
        (stages->merged_file ? stages->merged_file != total_node->file
                             : stages->layer < total_node->layer))
        blame = stages;
    for (int a = 0; a < CS_AGES; a++) {
        double others = 0;
        for (int i = 0; i < s->n_stages; i++)
            if (i != r->remainder)
                others += s->initial[i][a];
        char place[DIAG_TEXT_MAX + 32] = "", at[DIAG_TEXT_MAX];
        if (blame != total_node)
            snprintf(place, sizeof place, " (the total is at %s)",
                     where(at, sizeof at, total_node, blame));
        if (others > total_by_age[a])
            return diag_error(r->err, blame,
                              "%s: at age %d the other stages hold %.0f "
                              "children but the total is only %.0f%s",
                              total_path, a, others, total_by_age[a], place);
        s->initial[r->remainder][a] = total_by_age[a] - others;
    }
    return CS_OK;
}

/* ---- births ----------------------------------------------------------- */

static int read_births(reader *r, const tree_node *root)
{
    static const char *const keys[] = {"stage", "per_year", "growth"};
    cs_scenario *s = r->s;
    int rc;
    const tree_node *births = tree_map_get(root, "births");
    if (!births)
        return missing(r, root, "", "births");
    if ((rc = need_mapping(r, births, "births", "a mapping with per_year")) ||
        (rc = check_keys(r, births, "births", keys, COUNT(keys), NULL)))
        return rc;
    s->birth_stage = r->remainder;
    const tree_node *n = tree_map_get(births, "stage");
    cs_stage_ref ref;
    if (n) {
        if ((rc = stage_ref(r, n, "births.stage", 0, 1, &ref)))
            return rc;
        s->birth_stage = ref.index;
    }
    if (!(n = tree_map_get(births, "per_year")))
        return missing(r, births, "births", "per_year");
    const tree_node *growth_node = tree_map_get(births, "growth");
    if ((rc = read_per_year(r, n, "births.per_year",
                            "a number of births per year from 0 to 1000000000",
                            MAX_COUNT, growth_node != NULL, s->births_per_year,
                            &s->n_births)))
        return rc;
    /* births of another area's size (England's kept for a council) grow
     * its children tenfold and more: about a year of age is born a year */
    double children = 0, most = 0;
    for (int st = 0; st < s->n_stages; st++)
        for (int a = 0; a < CS_AGES; a++)
            children += s->initial[st][a];
    for (int y = 0; y < s->n_births; y++)
        most = s->births_per_year[y] > most ? s->births_per_year[y] : most;
    if (children > 0 && most > 20 * children / CS_AGES) {
        /* at the later of the births and the population's total (a file
         * that changed one and kept the other's) */
        const tree_node *pop = tree_map_get(root, "population"), *total = NULL;
        if (pop && !(total = tree_map_get(pop, "total")))
            total = tree_map_get(pop, "total_by_age");
        const tree_node *blame = total ? newer(n, total) : n;
        char at[DIAG_TEXT_MAX + 32] = "";
        if (total) {
            char place[DIAG_TEXT_MAX];
            snprintf(at, sizeof at, " (the %s is at %s)",
                     blame == n ? "population's total" : "births' per_year",
                     where(place, sizeof place, blame == n ? total : n, blame));
        }
        return diag_error(
            r->err, blame,
            "births.per_year: expected births near a year of age of the "
            "population (%.0f children aged 0-17: %.0f a year of age), "
            "found %.0f a year, more than twenty times that%s: births of "
            "another area? (cascade init --area writes a council's)",
            children, children / CS_AGES, most, at);
    }
    double growth = 0;
    if (growth_node &&
        (rc = number_in(r, growth_node, "births.growth",
                        "an annual growth rate from -1 to 1 (0.01 is 1%)", -1,
                        1, &growth)))
        return rc;
    /* births grow after the list's last year: written out to the horizon,
     * which is how the model reads them (the last entry repeats) */
    if (growth_node && growth != 0) {
        int given = s->n_births;
        double last = s->births_per_year[given - 1];
        for (int y = given; y < r->n_fys; y++) {
            double v = last * pow(1 + growth, y - (given - 1));
            if (!(v <= MAX_COUNT))
                return diag_error(r->err, growth_node,
                                  "births.growth: expected births per year "
                                  "to stay below 1000000000, found %.0f in "
                                  "the year %d after the list",
                                  v, y - given + 1);
            s->births_per_year[y] = v;
        }
        if (r->n_fys > given)
            s->n_births = r->n_fys;
    }
    return CS_OK;
}

/* ---- transitions ------------------------------------------------------ */

static int compare_age_rate(const void *a, const void *b)
{
    const cs_age_rate *x = a, *y = b;
    return (x->age_lo > y->age_lo) - (x->age_lo < y->age_lo);
}

/* Returns, in *covered, whether the bands cover every age. */
static int read_rates_by_age(reader *r, const tree_node *n, const char *path,
                             cs_transition *t, int *covered)
{
    static const char *const keys[] = {"ages", "rate"};
    char item[PATH_MAX_LEN], sub[PATH_MAX_LEN];
    int rc;
    if ((rc = need_list(r, n, path, "a list of {ages: BAND, rate: R}")))
        return rc;
    const tree_node *owner[CS_AGES] = {0};
    for (size_t i = 0; i < n->n; i++) {
        const tree_node *band = n->items[i];
        join_index(item, path, i);
        if ((rc = need_mapping(r, band, item, "{ages: BAND, rate: R}")) ||
            (rc = check_keys(r, band, item, keys, COUNT(keys), NULL)))
            return rc;
        const tree_node *ages = tree_map_get(band, "ages");
        const tree_node *rate = tree_map_get(band, "rate");
        if (!ages)
            return missing(r, band, item, "ages");
        if (!rate)
            return missing(r, band, item, "rate");
        cs_age_rate *ar = &t->by_age[t->n_by_age];
        join_key(sub, item, "ages");
        if (parse_band(ages, CS_AGES - 1, CS_AGES - 1, &ar->age_lo,
                       &ar->age_hi))
            return expected(r, ages, sub, AGE_BAND_WHAT);
        for (int a = ar->age_lo; a <= ar->age_hi; a++) {
            if (owner[a]) {
                char what[128];
                snprintf(what, sizeof what,
                         "age bands that do not overlap (age %d is already "
                         "in the band at line %d)",
                         a, owner[a]->line);
                return expected(r, ages, sub, what);
            }
            owner[a] = ages;
        }
        /* an uncertain band rate is named by its ages, never by its place
         * in the list: transitions.referral.by_age[0-9].rate */
        char name[PATH_MAX_LEN], ages_text[16];
        snprintf(
            name, sizeof name, "%s[%s].rate", path,
            band_text(ages_text, sizeof ages_text, ar->age_lo, ar->age_hi));
        if ((rc = rate_of(r, rate, join_key(sub, item, "rate"), name,
                          target_of(CS_TARGET_AGE_RATE,
                                    (int)(t - r->s->transitions), ar->age_lo),
                          &ar->rate)))
            return rc;
        t->n_by_age++; /* at most CS_AGES: the bands do not overlap */
    }
    /* sorting moves the bands; their parameters name them by age_lo */
    qsort(t->by_age, (size_t)t->n_by_age, sizeof t->by_age[0],
          compare_age_rate);
    *covered = 1;
    for (int a = 0; a < CS_AGES; a++)
        *covered = *covered && owner[a];
    return CS_OK;
}

static int read_by_duration(reader *r, const tree_node *n, const char *path,
                            cs_transition *t)
{
    static const char *const keys[] = {"months", "factor"};
    char item[PATH_MAX_LEN], sub[PATH_MAX_LEN], what[160], band[32];
    int rc;
    if ((rc = need_list(r, n, path, "a list of {months: BAND, factor: F}")))
        return rc;
    int next = 0; /* the month the next band must start at; -1: none */
    const tree_node *last = NULL;
    char last_path[PATH_MAX_LEN] = "";
    for (size_t i = 0; i < n->n; i++) {
        const tree_node *b = n->items[i];
        join_index(item, path, i);
        if ((rc = need_mapping(r, b, item, "{months: BAND, factor: F}")) ||
            (rc = check_keys(r, b, item, keys, COUNT(keys), NULL)))
            return rc;
        const tree_node *months = tree_map_get(b, "months");
        const tree_node *factor = tree_map_get(b, "factor");
        if (!months)
            return missing(r, b, item, "months");
        if (!factor)
            return missing(r, b, item, "factor");
        join_key(sub, item, "months");
        if (i == CS_MAX_DURATION_BANDS)
            return diag_error(r->err, b,
                              "%s: expected at most %d duration bands, "
                              "found more",
                              path, CS_MAX_DURATION_BANDS);
        cs_duration_band *d = &t->by_duration[i];
        if (parse_band(months, CS_MAX_DURATION_MONTHS, -1, &d->month_lo,
                       &d->month_hi))
            return expected(r, months, sub,
                            "a band of whole months like 0-2, 3 or 12+ "
                            "(months 0 to 120)");
        if (next < 0) {
            snprintf(what, sizeof what,
                     "no band after the open-ended band '%s'",
                     band_text(band, sizeof band,
                               t->by_duration[i - 1].month_lo, -1));
            return expected(r, months, sub, what);
        }
        if (d->month_lo != next) {
            if (i == 0)
                snprintf(what, sizeof what,
                         "the first band to start at month 0");
            else
                snprintf(what, sizeof what,
                         "a band starting at month %d, right after the band "
                         "before",
                         next);
            return expected(r, months, sub, what);
        }
        next = d->month_hi < 0 ? -1 : d->month_hi + 1;
        char name[PATH_MAX_LEN];
        snprintf(name, sizeof name, "%s[%s].factor", path,
                 band_text(band, sizeof band, d->month_lo, d->month_hi));
        if ((rc = uncertain_in(r, factor, join_key(sub, item, "factor"), name,
                               "a factor from 0 to 1000", 0, MAX_FACTOR, 1,
                               target_of(CS_TARGET_DURATION_FACTOR,
                                         (int)(t - r->s->transitions), (int)i),
                               &d->factor)))
            return rc;
        t->n_by_duration++;
        last = months;
        join_key(last_path, item, "months");
    }
    if (last && next >= 0)
        return expected(r, last, last_path,
                        "the last band to be open-ended, like 12+");
    return CS_OK;
}

static int read_mark_list(reader *r, const tree_node *n, const char *path,
                          unsigned *bits)
{
    char item[PATH_MAX_LEN];
    int rc;
    if ((rc = need_list(r, n, path, "a list of mark ids")))
        return rc;
    for (size_t i = 0; i < n->n; i++) {
        int mark = 0;
        if ((rc = mark_ref(r, n->items[i], join_index(item, path, i), &mark)))
            return rc;
        *bits |= 1u << mark;
    }
    return CS_OK;
}

/* A financial year "YYYY/YY" as an index from the base date's one. */
static int fy_index(reader *r, const tree_node *n, const char *path, int *out)
{
    int year = 0;
    if (parse_financial_year(n, &year))
        return expected(r, n, path, "a financial year like 2018/19");
    int base = r->s->base_month >= 4 ? r->s->base_year : r->s->base_year - 1;
    *out = year - base;
    return CS_OK;
}

/* trend: {per_year: B, until: 2018/19, after: hold | continue | damp,
 *         damping: F} */
static int read_trend(reader *r, const tree_node *n, const char *path,
                      cs_transition *t)
{
    static const char *const keys[] = {"per_year", "until", "after", "damping"};
    static const char *const rules[] = {"continue", "hold", "damp"};
    char sub[PATH_MAX_LEN], hint[CS_ID_MAX + 32], found[DIAG_TEXT_MAX];
    int rc;
    if ((rc = need_mapping(r, n, path,
                           "{per_year: B, until: YYYY/YY, after: hold | "
                           "continue | damp}")) ||
        (rc = check_keys(r, n, path, keys, COUNT(keys), NULL)))
        return rc;
    const tree_node *v = tree_map_get(n, "per_year");
    if (!v)
        return missing(r, n, path, "per_year");
    int index = (int)(t - r->s->transitions);
    if ((rc = uncertain_in(r, v, join_key(sub, path, "per_year"), NULL,
                           "a change in the log rate per year from -1 to 1", -1,
                           1, 1, target_of(CS_TARGET_TREND, index, 0),
                           &t->trend_per_year)))
        return rc;
    const tree_node *until = tree_map_get(n, "until");
    const tree_node *after = tree_map_get(n, "after");
    const tree_node *damping = tree_map_get(n, "damping");
    if (until && (rc = fy_index(r, until, join_key(sub, path, "until"),
                                &t->trend_until)))
        return rc;
    t->trend_after = CS_TREND_CONTINUE;
    if (after) {
        int rule = -1;
        for (int i = 0; i < (int)COUNT(rules); i++)
            if (after->kind == TREE_SCALAR && !strcmp(after->text, rules[i]))
                rule = i;
        if (rule < 0)
            return diag_error(r->err, after,
                              "%s: expected hold, continue or damp, found %s%s",
                              join_key(sub, path, "after"),
                              diag_describe(after, found, sizeof found),
                              after->kind == TREE_SCALAR
                                  ? diag_did_you_mean(after->text, rules,
                                                      COUNT(rules), hint,
                                                      sizeof hint)
                                  : "");
        t->trend_after = rule;
    }
    if (until && !after)
        return diag_error(r->err, until,
                          "%s.until: says when the trend ends, but not what "
                          "happens after it: expected after: hold, continue "
                          "or damp beside it",
                          path);
    if (!until && after && t->trend_after != CS_TREND_CONTINUE)
        return diag_error(r->err, after,
                          "%s.after: '%s' says what happens after the trend "
                          "ends, but the trend has no until: (the last "
                          "financial year of the trend)",
                          path, after->text);
    if (t->trend_after == CS_TREND_DAMP) {
        if (!damping)
            return missing(r, n, path, "damping");
        if ((rc = number_in(r, damping, join_key(sub, path, "damping"),
                            "a damping factor per year from 0 to 1 "
                            "(exclusive)",
                            1e-9, 1 - 1e-9, &t->trend_damping)))
            return rc;
    } else if (damping) {
        return diag_error(r->err, tree_map_key(n, "damping"),
                          "%s.damping: applies only with after: damp", path);
    }
    return CS_OK;
}

/* ---- workforce -------------------------------------------------------- */

/* Every workforce is some transition's caseload: one that none names would
 * be read and ignored. */
static int check_workforce_used(reader *r, const tree_node *root)
{
    const cs_scenario *s = r->s;
    const tree_node *map = tree_map_get(root, "workforce");
    for (int w = 0; w < s->n_workforces; w++) {
        int used = 0;
        for (int i = 0; i < s->n_transitions; i++)
            used |= s->transitions[i].has_caseload &&
                    s->transitions[i].workforce == w;
        if (!used)
            return diag_error(r->err, map->keys[w],
                              "workforce.%s: expected a transition with "
                              "caseload: {workforce: %s, elasticity: ...}, "
                              "found none: the workforce would change nothing",
                              s->workforces[w].id, s->workforces[w].id);
    }
    return CS_OK;
}

static int read_one_workforce(reader *r, const tree_node *key,
                              const tree_node *n, const char *path)
{
    static const char *const keys[] = {"label", "stages", "per_year", "growth",
                                       "reference_caseload"};
    cs_scenario *s = r->s;
    cs_workforce *w = &s->workforces[s->n_workforces];
    char sub[PATH_MAX_LEN], item[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, n, path,
                           "a mapping with stages, per_year and "
                           "reference_caseload")) ||
        (rc = check_keys(r, n, path, keys, COUNT(keys), NULL)))
        return rc;
    memset(w, 0, sizeof *w);
    memcpy(w->id, key->text, strlen(key->text) + 1);
    memcpy(w->label, key->text, strlen(key->text) + 1);
    const tree_node *v = tree_map_get(n, "label");
    if (v && (rc = text_of(r, v, join_key(sub, path, "label"), "a label",
                           w->label, CS_LABEL_MAX)))
        return rc;
    if (!(v = tree_map_get(n, "stages")))
        return missing(r, n, path, "stages");
    join_key(sub, path, "stages");
    if ((rc = need_list(r, v, sub,
                        "a list of the stages (or groups) whose children "
                        "make the caseload")))
        return rc;
    if (v->n == 0)
        return diag_error(r->err, v,
                          "%s: expected at least one stage, found an empty "
                          "list",
                          sub);
    for (size_t i = 0; i < v->n; i++) {
        cs_stage_ref ref;
        join_index(item, sub, i);
        if ((rc = stage_ref(r, v->items[i], item, 1, 1, &ref)))
            return rc;
        unsigned bits = 0;
        for (int st = 0; st < s->n_stages; st++)
            if (ref.is_group ? s->stages[st].group == ref.index
                             : ref.index == st)
                bits |= 1u << st;
        if (w->stages & bits)
            return diag_error(r->err, v->items[i],
                              "%s: expected each stage once, found '%s' "
                              "again",
                              item, v->items[i]->text);
        w->stages |= bits;
    }
    if (!(v = tree_map_get(n, "per_year")))
        return missing(r, n, path, "per_year");
    const tree_node *growth = tree_map_get(n, "growth");
    join_key(sub, path, "per_year");
    if ((rc = read_per_year(r, v, sub, "a number of workers > 0", 1e7,
                            growth != NULL, w->per_year, &w->n_years)))
        return rc;
    for (int i = 0; i < w->n_years; i++)
        if (!(w->per_year[i] > 0)) {
            const tree_node *at = v->kind == TREE_SEQUENCE ? v->items[i] : v;
            char found[DIAG_TEXT_MAX];
            return diag_error(r->err, at,
                              "%s: expected a number of workers > 0 (a "
                              "caseload needs someone to hold it), found %s",
                              sub, diag_describe(at, found, sizeof found));
        }
    if (growth && (rc = number_in(r, growth, join_key(sub, path, "growth"),
                                  "an annual growth rate from -1 to 1 (0.02 "
                                  "is 2%)",
                                  -1, 1, &w->growth)))
        return rc;
    if (!(v = tree_map_get(n, "reference_caseload")))
        return missing(r, n, path, "reference_caseload");
    join_key(sub, path, "reference_caseload");
    if ((rc = number_in(r, v, sub,
                        "children per worker > 0 at which the rates are as "
                        "written",
                        1e-6, 1e6, &w->reference_caseload)))
        return rc;
    return CS_OK;
}

static int read_workforce(reader *r, const tree_node *root)
{
    return read_id_map(r, root, "workforce",
                       "a mapping of workforce ids to workforces", "workforces",
                       CS_MAX_WORKFORCES, &r->s->n_workforces,
                       read_one_workforce);
}

static int year_effect_ref(reader *r, const tree_node *n, const char *path,
                           int *out)
{
    const cs_scenario *s = r->s;
    const char *names[CS_MAX_YEAR_EFFECTS];
    for (int i = 0; i < s->n_year_effects; i++) {
        names[i] = s->year_effects[i].id;
        if (n->kind == TREE_SCALAR && !strcmp(n->text, names[i])) {
            *out = i;
            return CS_OK;
        }
    }
    char list[DIAG_TEXT_MAX], hint[CS_ID_MAX + 32], found[DIAG_TEXT_MAX];
    if (s->n_year_effects == 0)
        return diag_error(r->err, n,
                          "%s: expected the id of a year effect, found %s, "
                          "and the scenario defines none (year_effects:)",
                          path, diag_describe(n, found, sizeof found));
    return diag_error(
        r->err, n,
        "%s: expected one of the year effects (%s), "
        "found %s%s",
        path, diag_join(names, (size_t)s->n_year_effects, list, sizeof list),
        diag_describe(n, found, sizeof found),
        n->kind == TREE_SCALAR
            ? diag_did_you_mean(n->text, names, (size_t)s->n_year_effects, hint,
                                sizeof hint)
            : "");
}

/* The intervention of the stages a transition moves children into: its
 * leaf's, or its group's leaves' when they all agree; -1 otherwise. */
static int destination_intervention(const cs_scenario *s,
                                    const cs_transition *t)
{
    if (!t->to.is_group)
        return (int)s->stages[t->to.index].intervention;
    const cs_stage_group *g = &s->groups[t->to.index];
    int kind = (int)s->stages[g->first_stage].intervention;
    for (int i = 1; i < g->n_stages; i++)
        if ((int)s->stages[g->first_stage + i].intervention != kind)
            return -1;
    return kind;
}

/* cost: {per_child, inflation, intervention} of a transition (see
 * cs_transition). intervention defaults to the destination's, and must be
 * early or late. */
/* A workforce id at n. */
static int workforce_ref(reader *r, const tree_node *n, const char *path,
                         int *out)
{
    const cs_scenario *s = r->s;
    const char *names[CS_MAX_WORKFORCES];
    for (int i = 0; i < s->n_workforces; i++) {
        names[i] = s->workforces[i].id;
        if (n->kind == TREE_SCALAR && !strcmp(n->text, names[i])) {
            *out = i;
            return CS_OK;
        }
    }
    char list[DIAG_TEXT_MAX], hint[CS_ID_MAX + 32], found[DIAG_TEXT_MAX];
    if (s->n_workforces == 0)
        return diag_error(r->err, n,
                          "%s: expected the id of a workforce, found %s, and "
                          "the scenario defines none (workforce:)",
                          path, diag_describe(n, found, sizeof found));
    return diag_error(
        r->err, n, "%s: expected one of the workforces (%s), found %s%s", path,
        diag_join(names, (size_t)s->n_workforces, list, sizeof list),
        diag_describe(n, found, sizeof found),
        n->kind == TREE_SCALAR
            ? diag_did_you_mean(n->text, names, (size_t)s->n_workforces, hint,
                                sizeof hint)
            : "");
}

/* caseload: {workforce: ID, elasticity: E}: the rate times (caseload /
 * reference)^E each month. */
static int read_caseload(reader *r, const tree_node *n, const char *path,
                         cs_transition *t)
{
    static const char *const keys[] = {"workforce", "elasticity"};
    char sub[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, n, path,
                           "a mapping with workforce and elasticity")) ||
        (rc = check_keys(r, n, path, keys, COUNT(keys), NULL)))
        return rc;
    const tree_node *v = tree_map_get(n, "workforce");
    if (!v)
        return missing(r, n, path, "workforce");
    if ((rc = workforce_ref(r, v, join_key(sub, path, "workforce"),
                            &t->workforce)))
        return rc;
    if (!(v = tree_map_get(n, "elasticity")))
        return missing(r, n, path, "elasticity");
    if ((rc = number_in(r, v, join_key(sub, path, "elasticity"),
                        "an elasticity from -5 to 5 (the rate times "
                        "(caseload / reference)^elasticity)",
                        -5, 5, &t->caseload_elasticity)))
        return rc;
    t->has_caseload = 1;
    return CS_OK;
}

static int read_event_cost(reader *r, const tree_node *n, const char *path,
                           cs_transition *t)
{
    static const char *const keys[] = {"per_child", "inflation",
                                       "intervention"};
    char what[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, n, path, "a mapping with per_child")) ||
        (rc = check_keys(r, n, path, keys, COUNT(keys), NULL)))
        return rc;
    const tree_node *v = tree_map_get(n, "per_child");
    if (!v)
        return missing(r, n, path, "per_child");
    if ((rc = number_in(r, v, join_key(what, path, "per_child"),
                        "a cost in GBP > 0 per child moved (below 1e9)", 1e-9,
                        1e9, &t->event_cost)))
        return rc;
    t->event_cost_inflation = r->s->general_inflation;
    if ((v = tree_map_get(n, "inflation")) &&
        (rc = number_in(r, v, join_key(what, path, "inflation"),
                        "an annual rate from -0.5 to 1 (0.052 is 5.2%)", -0.5,
                        1, &t->event_cost_inflation)))
        return rc;
    int kind = destination_intervention(r->s, t);
    if ((v = tree_map_get(n, "intervention"))) {
        join_key(what, path, "intervention");
        if (v->kind != TREE_SCALAR ||
            (strcmp(v->text, "early") != 0 && strcmp(v->text, "late") != 0))
            return expected(r, v, what, "early or late");
        kind = strcmp(v->text, "early") == 0 ? (int)CS_INTERVENTION_EARLY
                                             : (int)CS_INTERVENTION_LATE;
    } else if (kind != (int)CS_INTERVENTION_EARLY &&
               kind != (int)CS_INTERVENTION_LATE)
        return diag_error(r->err, n,
                          "%s: expected intervention: early or late beside "
                          "per_child, found none, and the stages it moves "
                          "children into are not all early or all late",
                          path);
    t->event_intervention = (cs_intervention)kind;
    return CS_OK;
}

static int read_transition(reader *r, const tree_node *root,
                           const tree_node *key, const tree_node *n,
                           const char *path, cs_transition *t)
{
    static const char *const keys[] = {
        "label",       "from",      "to",      "rate",   "by_age",
        "by_duration", "if_marked", "sets",    "clears", "trend",
        "year_effect", "cost",      "caseload"};
    const cs_scenario *s = r->s;
    char sub[PATH_MAX_LEN], item[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, n, path, "a mapping with from, to and rate")) ||
        (rc = check_keys(r, n, path, keys, COUNT(keys), NULL)))
        return rc;
    memcpy(t->id, key->text, strlen(key->text) + 1);
    memcpy(t->label, key->text, strlen(key->text) + 1);
    for (int m = 0; m < CS_MAX_MARKS; m++)
        t->mark_factor[m] = 1.0;
    const tree_node *v = tree_map_get(n, "label");
    if (v && (rc = text_of(r, v, join_key(sub, path, "label"), "a label",
                           t->label, sizeof t->label)))
        return rc;

    const tree_node *from = tree_map_get(n, "from");
    const tree_node *to = tree_map_get(n, "to");
    if (!from || !to) {
        /* Often an override's path misspells a transition of the base. */
        const char *names[CS_MAX_TRANSITIONS];
        size_t n_names = 0;
        const tree_node *all = tree_map_get(root, "transitions");
        for (size_t i = 0; i < all->n; i++)
            if (all->items[i] != n)
                names[n_names++] = all->keys[i]->text;
        const char *near = diag_suggest(key->text, names, n_names);
        char hint[CS_ID_MAX + 48] = "";
        if (near)
            snprintf(hint, sizeof hint, " (did you mean to change '%s'?)",
                     near);
        return diag_error(r->err, n, "%s: missing required key '%s'%s", path,
                          from ? "to" : "from", hint);
    }
    if ((rc =
             stage_ref(r, from, join_key(sub, path, "from"), 1, 1, &t->from)) ||
        (rc = stage_ref(r, to, join_key(sub, path, "to"), 1, 1, &t->to)))
        return rc;
    /* Moving into the stage you are in is no move; a placement moving to
     * its own group is one (the new placement is drawn by entry share). */
    int same =
        t->from.is_group == t->to.is_group && t->from.index == t->to.index;
    if (same || (t->from.is_group && !t->to.is_group &&
                 s->stages[t->to.index].group == t->from.index)) {
        char what[CS_ID_MAX + 96];
        snprintf(what, sizeof what,
                 same ? "a stage other than the from stage '%s'"
                      : "a stage outside the from group '%s'",
                 from->text);
        return expected(r, to, sub, what);
    }

    const tree_node *rate = tree_map_get(n, "rate");
    const tree_node *by_age = tree_map_get(n, "by_age");
    int covered = 0;
    if (by_age && (rc = read_rates_by_age(
                       r, by_age, join_key(sub, path, "by_age"), t, &covered)))
        return rc;
    if (rate) {
        if ((rc = rate_of(r, rate, join_key(sub, path, "rate"), NULL,
                          target_of(CS_TARGET_TRANSITION_RATE,
                                    (int)(t - s->transitions), 0),
                          &t->rate)))
            return rc;
    } else if (!covered) {
        return diag_error(r->err, n,
                          "%s: missing required key 'rate' (needed unless "
                          "by_age covers every age from 0 to 17)",
                          path);
    }

    if ((v = tree_map_get(n, "by_duration")) &&
        (rc = read_by_duration(r, v, join_key(sub, path, "by_duration"), t)))
        return rc;

    if ((v = tree_map_get(n, "if_marked"))) {
        join_key(sub, path, "if_marked");
        if ((rc = need_mapping(r, v, sub,
                               "a mapping of mark ids to rate multipliers")))
            return rc;
        for (size_t i = 0; i < v->n; i++) {
            int mark = 0;
            if ((rc = mark_ref(r, v->keys[i], sub, &mark)) ||
                (rc = uncertain_in(
                     r, v->items[i], join_key(item, sub, v->keys[i]->text),
                     NULL, "a rate multiplier from 0 to 1000", 0, MAX_FACTOR, 1,
                     target_of(CS_TARGET_MARK_FACTOR, (int)(t - s->transitions),
                               mark),
                     &t->mark_factor[mark])))
                return rc;
        }
    }
    if ((v = tree_map_get(n, "sets")) &&
        (rc =
             read_mark_list(r, v, join_key(sub, path, "sets"), &t->sets_marks)))
        return rc;
    if ((v = tree_map_get(n, "clears")) &&
        (rc = read_mark_list(r, v, join_key(sub, path, "clears"),
                             &t->clears_marks)))
        return rc;
    t->trend_until = INT_MAX;
    t->year_effect = -1;
    if ((v = tree_map_get(n, "trend")) &&
        (rc = read_trend(r, v, join_key(sub, path, "trend"), t)))
        return rc;
    if ((v = tree_map_get(n, "year_effect")) &&
        (rc = year_effect_ref(r, v, join_key(sub, path, "year_effect"),
                              &t->year_effect)))
        return rc;
    if ((v = tree_map_get(n, "caseload")) &&
        (rc = read_caseload(r, v, join_key(sub, path, "caseload"), t)))
        return rc;
    if ((v = tree_map_get(n, "cost")) &&
        (rc = read_event_cost(r, v, join_key(sub, path, "cost"), t)))
        return rc;
    return CS_OK;
}

static int read_transitions(reader *r, const tree_node *root)
{
    cs_scenario *s = r->s;
    char path[PATH_MAX_LEN];
    int rc;
    const tree_node *transitions = tree_map_get(root, "transitions");
    if (!transitions)
        return missing(r, root, "", "transitions");
    if (tree_is_null(transitions))
        return CS_OK;
    if ((rc = need_mapping(r, transitions, "transitions",
                           "a mapping of transition ids to transitions")))
        return rc;
    for (size_t i = 0; i < transitions->n; i++) {
        const tree_node *key = transitions->keys[i];
        if ((rc = id_of(r, key, "transitions")))
            return rc;
        if (s->n_transitions == CS_MAX_TRANSITIONS)
            return diag_error(r->err, key,
                              "transitions: expected at most %d transitions, "
                              "found more",
                              CS_MAX_TRANSITIONS);
        if ((rc = read_transition(r, root, key, transitions->items[i],
                                  join_key(path, "transitions", key->text),
                                  &s->transitions[s->n_transitions])))
            return rc;
        s->n_transitions++;
    }
    return CS_OK;
}

/* ---- capacity and programmes ------------------------------------------ */

/* capacity: {places: N | funded_by: [streams], when_full: {to, sets}} of
 * leaf stage `stage`, whose node is st at path. */
static int read_capacity(reader *r, const tree_node *st, const char *path,
                         int stage)
{
    static const char *const keys[] = {"places", "funded_by", "spend",
                                       "when_full", "fill"};
    static const char *const full_keys[] = {"to", "sets"};
    static const char *const fill_keys[] = {"from", "share"};
    cs_scenario *s = r->s;
    cs_stage *leaf = &s->stages[stage];
    char sub[PATH_MAX_LEN], what[PATH_MAX_LEN];
    int rc;
    const tree_node *c = tree_map_get(st, "capacity");
    if (!c || tree_is_null(c))
        return CS_OK;
    join_key(sub, path, "capacity");
    if ((rc = need_mapping(r, c, sub,
                           "a mapping with places or funded_by, and "
                           "when_full")) ||
        (rc = check_keys(r, c, sub, keys, COUNT(keys), NULL)))
        return rc;
    const tree_node *places = tree_map_get(c, "places");
    const tree_node *funded = tree_map_get(c, "funded_by");
    if ((places != NULL) == (funded != NULL))
        return diag_error(r->err, c,
                          "%s: expected exactly one of places and funded_by, "
                          "found %s",
                          sub, places ? "both" : "neither");
    leaf->has_capacity = 1;
    if (places && (rc = uncertain_in(r, places, join_key(what, sub, "places"),
                                     NULL, "a number of places >= 0", 0, 1e9, 1,
                                     target_of(CS_TARGET_PLACES, stage, 0),
                                     &leaf->places)))
        return rc;
    if (funded) {
        join_key(what, sub, "funded_by");
        if ((rc = need_list(r, funded, what, "a list of funding streams")))
            return rc;
        if (funded->n == 0)
            return expected(r, funded, what, "at least one funding stream");
        for (size_t i = 0; i < funded->n; i++) {
            char item[PATH_MAX_LEN];
            int stream = 0;
            if ((rc = stream_ref(r, funded->items[i], join_index(item, what, i),
                                 &stream)))
                return rc;
            leaf->funded_by |= 1u << stream;
        }
        if (!(leaf->unit_cost > 0))
            return diag_error(r->err, funded,
                              "%s: expected a unit_cost > 0 on %s to turn "
                              "funding into places, found none",
                              what, leaf->id);
    }
    const tree_node *spend = tree_map_get(c, "spend");
    if (spend) {
        join_key(what, sub, "spend");
        if (spend->kind != TREE_SCALAR ||
            (strcmp(spend->text, "funding") != 0 &&
             strcmp(spend->text, "places_used") != 0))
            return expected(r, spend, what,
                            "funding (the streams' cash is spent whole) or "
                            "places_used (children in the stage at the unit "
                            "cost)");
        if (!funded && strcmp(spend->text, "funding") == 0)
            return diag_error(r->err, spend,
                              "%s: expected places_used beside places, found "
                              "funding: only places bought by funded_by "
                              "streams spend their funding",
                              what);
        leaf->spend_funding = strcmp(spend->text, "funding") == 0;
    }
    const tree_node *full = tree_map_get(c, "when_full");
    if (!full)
        return missing(r, c, sub, "when_full");
    join_key(what, sub, "when_full");
    if ((rc = need_mapping(r, full, what, "a mapping with to")) ||
        (rc = check_keys(r, full, what, full_keys, COUNT(full_keys), NULL)))
        return rc;
    const tree_node *to = tree_map_get(full, "to");
    if (!to)
        return missing(r, full, what, "to");
    char to_path[PATH_MAX_LEN];
    cs_stage_ref ref;
    if ((rc = stage_ref(r, to, join_key(to_path, what, "to"), 0, 1, &ref)))
        return rc;
    if (ref.index == stage)
        return expected(r, to, to_path, "another stage than the full one");
    leaf->overflow_stage = ref.index;
    const tree_node *sets = tree_map_get(full, "sets");
    if (sets && (rc = read_mark_list(r, sets, join_key(to_path, what, "sets"),
                                     &leaf->overflow_sets)))
        return rc;
    /* fill: {from, share}: spare places taken by children waiting in from */
    const tree_node *fill = tree_map_get(c, "fill");
    if (fill) {
        join_key(what, sub, "fill");
        if ((rc = need_mapping(r, fill, what, "a mapping with from")) ||
            (rc = check_keys(r, fill, what, fill_keys, COUNT(fill_keys), NULL)))
            return rc;
        const tree_node *from = tree_map_get(fill, "from");
        if (!from)
            return missing(r, fill, what, "from");
        char from_path[PATH_MAX_LEN];
        if ((rc = stage_ref(r, from, join_key(from_path, what, "from"), 0, 1,
                            &ref)))
            return rc;
        if (ref.index == stage)
            return expected(r, from, from_path,
                            "another stage than the one with the places");
        leaf->fill_from = ref.index;
        leaf->fill_share = 1;
        const tree_node *share = tree_map_get(fill, "share");
        if (share &&
            (rc = number_in(r, share, join_key(from_path, what, "share"),
                            "a share of the free places from 0 to 1", 0, 1,
                            &leaf->fill_share)))
            return rc;
        leaf->has_fill = 1;
    }
    if (stage == s->birth_stage)
        return diag_error(r->err, c,
                          "%s: expected no capacity on the births stage "
                          "'%s', found one",
                          sub, leaf->id);
    return CS_OK;
}

static int read_capacities(reader *r, const tree_node *root)
{
    cs_scenario *s = r->s;
    const tree_node *stages = tree_map_get(root, "stages");
    char path[PATH_MAX_LEN], sub[PATH_MAX_LEN];
    int rc;
    for (size_t i = 0; i < stages->n; i++) {
        const tree_node *st = stages->items[i];
        join_key(path, "stages", stages->keys[i]->text);
        const tree_node *placements = tree_map_get(st, "placements");
        if (!placements) {
            int stage = cs_scenario_find_stage(s, stages->keys[i]->text);
            if ((rc = read_capacity(r, st, path, stage)))
                return rc;
            continue;
        }
        for (size_t j = 0; j < placements->n; j++) {
            char id[2 * CS_ID_MAX];
            snprintf(id, sizeof id, "%s.%s", stages->keys[i]->text,
                     placements->keys[j]->text);
            char group_path[PATH_MAX_LEN];
            join_key(sub, join_key(group_path, path, "placements"),
                     placements->keys[j]->text);
            if ((rc = read_capacity(r, placements->items[j], sub,
                                    cs_scenario_find_stage(s, id))))
                return rc;
        }
    }
    /* a fill draws on a stage without places of its own */
    for (int i = 0; i < s->n_stages; i++)
        if (s->stages[i].has_fill &&
            s->stages[s->stages[i].fill_from].has_capacity)
            return diag_error(r->err, stages,
                              "stages: %s: capacity.fill.from: expected a "
                              "stage without capacity, found '%s', which "
                              "has places of its own",
                              s->stages[i].id,
                              s->stages[s->stages[i].fill_from].id);
    /* overflow must end somewhere without capacity: no loops */
    for (int i = 0; i < s->n_stages; i++) {
        int at = i, steps = 0;
        while (s->stages[at].has_capacity && steps <= s->n_stages) {
            at = s->stages[at].overflow_stage;
            steps++;
        }
        if (steps > s->n_stages)
            return diag_error(r->err, stages,
                              "stages: capacity overflow loops back to '%s' "
                              "(when_full.to must lead to a stage without "
                              "capacity)",
                              s->stages[i].id);
    }
    return CS_OK;
}

static int read_programme(reader *r, const tree_node *key, const tree_node *p,
                          const char *path)
{
    static const char *const keys[] = {"label", "stage", "funded_by", "mark"};
    cs_scenario *s = r->s;
    char sub[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, p, path,
                           "a mapping with stage, funded_by and mark")) ||
        (rc = check_keys(r, p, path, keys, COUNT(keys), NULL)))
        return rc;
    cs_programme *prog = &s->programmes[s->n_programmes];
    memcpy(prog->id, key->text, strlen(key->text) + 1);
    memcpy(prog->label, key->text, strlen(key->text) + 1);
    const tree_node *n = tree_map_get(p, "label");
    if (n && (rc = text_of(r, n, join_key(sub, path, "label"), "a label",
                           prog->label, CS_LABEL_MAX)))
        return rc;
    static const char *const required[3] = {"stage", "funded_by", "mark"};
    for (int k = 0; k < 3; k++)
        if (!tree_map_get(p, required[k]))
            return missing(r, p, path, required[k]);
    cs_stage_ref ref;
    n = tree_map_get(p, "stage");
    if ((rc = stage_ref(r, n, join_key(sub, path, "stage"), 0, 1, &ref)))
        return rc;
    prog->stage = ref.index;
    if (!s->stages[ref.index].funded_by)
        return expected(r, n, sub,
                        "a stage whose capacity is funded_by "
                        "funding streams");
    n = tree_map_get(p, "funded_by");
    if ((rc =
             stream_ref(r, n, join_key(sub, path, "funded_by"), &prog->stream)))
        return rc;
    if (!(s->stages[prog->stage].funded_by & (1u << prog->stream)))
        return expected(r, n, sub,
                        "one of the streams funding the programme's "
                        "stage");
    n = tree_map_get(p, "mark");
    if ((rc = mark_ref(r, n, join_key(sub, path, "mark"), &prog->mark)))
        return rc;
    return CS_OK;
}

/*
 * care_leavers: {from, years, unit_cost: {per_week|per_month|per_year,
 * inflation}, at_base_date}: see cs_care_leavers.
 */
static int read_care_leavers(reader *r, const tree_node *root)
{
    static const char *const keys[] = {"from", "years", "unit_cost",
                                       "at_base_date"};
    cs_care_leavers *c = &r->s->care_leavers;
    const tree_node *n = tree_map_get(root, "care_leavers"), *v;
    int rc;
    if (!n || tree_is_null(n))
        return CS_OK;
    if ((rc = need_mapping(r, n, "care_leavers",
                           "a mapping with from, years and unit_cost")) ||
        (rc = check_keys(r, n, "care_leavers", keys, COUNT(keys), NULL)))
        return rc;
    static const char *const required[3] = {"from", "years", "unit_cost"};
    for (int i = 0; i < 3; i++)
        if (!tree_map_get(n, required[i]))
            return missing(r, n, "care_leavers", required[i]);
    if ((rc = stage_ref(r, tree_map_get(n, "from"), "care_leavers.from", 1, 1,
                        &c->from)))
        return rc;
    double years = 0;
    if ((rc = whole_in(r, tree_map_get(n, "years"), "care_leavers.years",
                       "a whole number of years from 1 to 10", 1, 10, &years)))
        return rc;
    c->years = (int)years;
    /* the unit cost reads as a stage's, into a scratch stage */
    cs_stage scratch;
    memset(&scratch, 0, sizeof scratch);
    const tree_node *cost = tree_map_get(n, "unit_cost");
    if (cost->kind != TREE_MAPPING)
        return expected(r, cost, "care_leavers.unit_cost",
                        "a mapping with one of per_week, per_month or "
                        "per_year");
    for (size_t i = 0; i < cost->n; i++)
        if (cost->items[i]->kind != TREE_SCALAR)
            return expected(r, cost->items[i], "care_leavers.unit_cost",
                            "plain numbers (a care leaver's cost cannot be "
                            "uncertain yet)");
    if ((rc = read_unit_cost(r, n, "care_leavers", &scratch)))
        return rc;
    if (!(scratch.unit_cost > 0))
        return expected(r, cost, "care_leavers.unit_cost", "a cost > 0");
    c->unit_cost = scratch.unit_cost;
    c->cost_inflation = scratch.cost_inflation;
    if ((v = tree_map_get(n, "at_base_date")) &&
        (rc = whole_in(r, v, "care_leavers.at_base_date",
                       "a whole number of care leavers >= 0", 0, 1e8,
                       &c->at_base_date)))
        return rc;
    c->present = 1;
    return CS_OK;
}

/*
 * budget: {label, per_year, growth, reserves, pays: [streams]}: see
 * cs_budget. A stream in pays must buy a stage's places (else the budget's
 * cut would change nothing), and appear once.
 */
static int read_budget(reader *r, const tree_node *root)
{
    static const char *const keys[] = {"label", "per_year", "growth",
                                       "reserves", "pays"};
    cs_budget *b = &r->s->budget;
    const tree_node *n = tree_map_get(root, "budget");
    char sub[PATH_MAX_LEN];
    int rc;
    if (!n || tree_is_null(n))
        return CS_OK;
    if ((rc = need_mapping(r, n, "budget",
                           "a mapping with per_year, and reserves and pays")) ||
        (rc = check_keys(r, n, "budget", keys, COUNT(keys), NULL)))
        return rc;
    snprintf(b->label, sizeof b->label, "budget");
    const tree_node *v = tree_map_get(n, "label");
    if (v &&
        (rc = text_of(r, v, "budget.label", "a label", b->label, CS_LABEL_MAX)))
        return rc;
    if (!(v = tree_map_get(n, "per_year")))
        return missing(r, n, "budget", "per_year");
    const tree_node *growth = tree_map_get(n, "growth");
    if ((rc = read_per_year(r, v, "budget.per_year",
                            "an amount in GBP (cash) >= 0", 1e13,
                            growth != NULL, b->per_year, &b->n_years)))
        return rc;
    if (growth && (rc = number_in(r, growth, "budget.growth",
                                  "an annual growth rate from -1 to 1 (0.02 "
                                  "is 2%)",
                                  -1, 1, &b->growth)))
        return rc;
    if ((v = tree_map_get(n, "reserves")) &&
        (rc = number_in(r, v, "budget.reserves",
                        "usable reserves in GBP (cash) >= 0 at the base date",
                        0, 1e13, &b->reserves)))
        return rc;
    if ((v = tree_map_get(n, "pays"))) {
        if ((rc = need_list(r, v, "budget.pays",
                            "a list of funding streams the budget pays")))
            return rc;
        for (size_t i = 0; i < v->n; i++) {
            int stream = 0;
            join_index(sub, "budget.pays", i);
            if ((rc = stream_ref(r, v->items[i], sub, &stream)))
                return rc;
            if (b->pays & (1u << stream))
                return diag_error(r->err, v->items[i],
                                  "%s: expected each funding stream once, "
                                  "found '%s' again",
                                  sub, r->s->streams[stream].id);
            unsigned buys = 0;
            for (int st = 0; st < r->s->n_stages; st++) {
                const cs_stage *x = &r->s->stages[st];
                buys |= x->funded_by;
                if ((x->funded_by & (1u << stream)) &&
                    x->intervention == CS_INTERVENTION_LATE)
                    return diag_error(
                        r->err, v->items[i],
                        "%s: expected a funding stream that buys early "
                        "intervention, found '%s', which buys places of "
                        "'%s', a late stage: its children are statutory "
                        "spend, which the budget pays first, so it would pay "
                        "them twice",
                        sub, r->s->streams[stream].id, x->id);
            }
            if (!(buys & (1u << stream)))
                return diag_error(r->err, v->items[i],
                                  "%s: expected a funding stream that buys a "
                                  "stage's places, found '%s', which funds "
                                  "none: cutting it would change nothing",
                                  sub, r->s->streams[stream].id);
            b->pays |= 1u << stream;
        }
    }
    b->present = 1;
    return CS_OK;
}

static int read_programmes(reader *r, const tree_node *root)
{
    return read_id_map(r, root, "programmes",
                       "a mapping of programme ids to programmes", "programmes",
                       CS_MAX_PROGRAMMES, &r->s->n_programmes, read_programme);
}

/* ---- levers ----------------------------------------------------------- */

static int find_transition(const cs_scenario *s, const char *id)
{
    for (int i = 0; i < s->n_transitions; i++)
        if (strcmp(s->transitions[i].id, id) == 0)
            return i;
    return -1;
}

static int transition_ref(reader *r, const tree_node *n, const char *path,
                          int *out)
{
    const cs_scenario *s = r->s;
    if (n->kind == TREE_SCALAR && (*out = find_transition(s, n->text)) >= 0)
        return CS_OK;
    const char *names[CS_MAX_TRANSITIONS];
    for (int i = 0; i < s->n_transitions; i++)
        names[i] = s->transitions[i].id;
    char hint[CS_ID_MAX + 32], found[DIAG_TEXT_MAX];
    return diag_error(r->err, n, "%s: expected a transition id, found %s%s",
                      path, diag_describe(n, found, sizeof found),
                      n->kind == TREE_SCALAR
                          ? diag_did_you_mean(n->text, names,
                                              (size_t)s->n_transitions, hint,
                                              sizeof hint)
                          : "");
}

/* "YYYY-MM" as months after the base month. */
static int month_of(reader *r, const tree_node *n, const char *path, int *out)
{
    const char *t = n->kind == TREE_SCALAR ? n->text : "";
    int ok = strlen(t) == 7 && t[4] == '-';
    for (int i = 0; i < 7 && ok; i++)
        ok = i == 4 || (t[i] >= '0' && t[i] <= '9');
    int year = ok ? atoi(t) : 0, month = ok ? atoi(t + 5) : 0;
    if (!ok || year < 1900 || year > 2200 || month < 1 || month > 12)
        return expected(r, n, path,
                        "a year and month as YYYY-MM, like 2021-04");
    *out = (year - r->s->base_year) * 12 + (month - r->s->base_month);
    return CS_OK;
}

/* The ids of the streams in the bitmask, "a, b", into buf. */
static const char *stream_list(const cs_scenario *s, unsigned streams,
                               char *buf, size_t size)
{
    const char *names[CS_MAX_STREAMS];
    size_t n = 0;
    for (int b = 0; b < s->n_streams; b++)
        if (streams & (1u << b))
            names[n++] = s->streams[b].id;
    return diag_join(names, n, buf, size);
}

/*
 * Refuse a lever the model would ignore (see engine/model/model.c): places
 * of a stage whose capacity its funding streams buy (the model computes
 * them from the cash), a stream that buys no stage's places (its cash is
 * used nowhere), the unit cost of a stage that has none or whose cost is
 * never counted. n is the lever's target node, at path.
 */
static int lever_acts(reader *r, const tree_node *n, const char *path,
                      const cs_lever *lever)
{
    const cs_scenario *s = r->s;
    char list[DIAG_TEXT_MAX];
    if (lever->kind == CS_LEVER_CAPACITY &&
        s->stages[lever->target].funded_by) {
        const cs_stage *st = &s->stages[lever->target];
        return diag_error(r->err, n,
                          "%s: expected a stage with a fixed number of "
                          "places, found '%s', whose places are bought by its "
                          "funding streams (%s): a funding: lever on them "
                          "changes its places",
                          path, st->id,
                          stream_list(s, st->funded_by, list, sizeof list));
    }
    if (lever->kind == CS_LEVER_FUNDING) {
        unsigned funds = 0;
        for (int i = 0; i < s->n_stages; i++)
            funds |= s->stages[i].funded_by;
        if (!(funds & (1u << lever->target)))
            return diag_error(
                r->err, n,
                "%s: expected a funding stream that buys a stage's places, "
                "found '%s', which funds none: the model uses a stream's cash "
                "only through a stage's capacity: {funded_by: [...]}",
                path, s->streams[lever->target].id);
    }
    if (lever->kind == CS_LEVER_UNIT_COST) {
        const cs_stage *st = &s->stages[lever->target];
        int uncertain = 0;
        for (int i = 0; i < s->n_parameters; i++)
            uncertain |= s->parameters[i].target.kind == CS_TARGET_UNIT_COST &&
                         s->parameters[i].target.index == lever->target;
        if (st->intervention == CS_INTERVENTION_NONE && !st->funded_by)
            return diag_error(r->err, n,
                              "%s: expected a stage whose unit cost counts "
                              "(intervention early or late, or places bought "
                              "by funding), found '%s', whose intervention is "
                              "none: its cost is never used",
                              path, st->id);
        if (st->unit_cost == 0 && !uncertain)
            return diag_error(r->err, n,
                              "%s: expected a stage with a unit_cost, found "
                              "'%s', which has none: multiplying it changes "
                              "nothing",
                              path, st->id);
    }
    return CS_OK;
}

/*
 * A lever's end: `until` (the last month in force, from `from` on and before
 * the horizon's last month, so that it ends within the horizon) and
 * `fade_months` (only beside until: a lever that never ends cannot fade).
 */
static int lever_end(reader *r, const tree_node *l, const char *path,
                     cs_lever *lever)
{
    char sub[PATH_MAX_LEN];
    const tree_node *until = tree_map_get(l, "until");
    const tree_node *fade = tree_map_get(l, "fade_months");
    int rc;
    if (fade && !until)
        return diag_error(r->err, tree_map_key(l, "fade_months"),
                          "%s.fade_months: expected until beside it (the "
                          "last month the lever is in force), found none: a "
                          "lever that never ends never fades",
                          path);
    if (!until)
        return CS_OK;
    join_key(sub, path, "until");
    if ((rc = month_of(r, until, sub, &lever->until_month)))
        return rc;
    int last = r->s->horizon_months - 1;
    int last_abs = r->s->base_month - 1 + last;
    if (lever->until_month < lever->from_month)
        return diag_error(r->err, until,
                          "%s: expected a month from the lever's from (%s) "
                          "on, found %s, before it",
                          sub, tree_map_get(l, "from")->text, until->text);
    if (lever->until_month >= last)
        return diag_error(r->err, until,
                          "%s: expected a month before the horizon's last "
                          "(%04d-%02d), found %s: the lever would not end "
                          "within the horizon (leave until out)",
                          sub, r->s->base_year + last_abs / 12,
                          last_abs % 12 + 1, until->text);
    double months = 0;
    if (fade && (rc = whole_in(r, fade, join_key(sub, path, "fade_months"),
                               "a whole number of months from 0 to 600", 0, 600,
                               &months)))
        return rc;
    lever->fade_months = (int)months;
    if (lever->until_month + lever->fade_months < 0)
        return diag_error(r->err, until,
                          "%s.until: expected a month the lever still acts "
                          "in the horizon, found %s: it ends%s before the "
                          "base date and would never act",
                          path, until->text,
                          lever->fade_months ? " and fades" : "");
    lever->has_until = 1;
    return CS_OK;
}

static int read_lever(reader *r, const tree_node *key, const tree_node *l,
                      const char *path, cs_lever *lever)
{
    static const char *const keys[] = {"label",    "from",        "ramp_months",
                                       "until",    "fade_months", "rate",
                                       "capacity", "unit_cost",   "funding"};
    static const char *const rate_keys[] = {"transition", "multiply", "add",
                                            "ages"};
    static const char *const capacity_keys[] = {"stage", "places", "multiply"};
    static const char *const stage_keys[] = {"stage", "multiply"};
    static const char *const funding_keys[] = {"stream", "multiply"};
    char sub[PATH_MAX_LEN], what[PATH_MAX_LEN];
    const tree_node *n;
    int rc;
    if ((rc = need_mapping(r, l, path,
                           "a mapping with from and one of rate, capacity, "
                           "unit_cost or funding")) ||
        (rc = check_keys(r, l, path, keys, COUNT(keys), NULL)))
        return rc;
    memcpy(lever->id, key->text, strlen(key->text) + 1);
    memcpy(lever->label, key->text, strlen(key->text) + 1);
    lever->multiply = 1;
    lever->places = -1;
    lever->age_hi = CS_AGES - 1;
    if ((n = tree_map_get(l, "label")) &&
        (rc = text_of(r, n, join_key(sub, path, "label"), "a label",
                      lever->label, CS_LABEL_MAX)))
        return rc;
    if (!(n = tree_map_get(l, "from")))
        return missing(r, l, path, "from");
    if ((rc = month_of(r, n, join_key(sub, path, "from"), &lever->from_month)))
        return rc;
    if (lever->from_month >= r->s->horizon_months) {
        int last = r->s->base_month - 1 + r->s->horizon_months - 1;
        char place[DIAG_TEXT_MAX + 32] = "";
        if (r->horizon->file != n->file) {
            char at[DIAG_TEXT_MAX];
            snprintf(place, sizeof place, "; the horizon is set at %s",
                     where(at, sizeof at, r->horizon, n));
        }
        return diag_error(r->err, n,
                          "%s: expected a month within the horizon (which "
                          "ends %04d-%02d), found %s: the lever would never "
                          "act%s",
                          sub, r->s->base_year + last / 12, last % 12 + 1,
                          n->text, place);
    }
    double ramp = 0;
    if ((n = tree_map_get(l, "ramp_months")) &&
        (rc =
             whole_in(r, n, join_key(sub, path, "ramp_months"),
                      "a whole number of months from 0 to 600", 0, 600, &ramp)))
        return rc;
    lever->ramp_months = (int)ramp;
    if ((rc = lever_end(r, l, path, lever)))
        return rc;
    static const char *const kinds[4] = {"rate", "capacity", "unit_cost",
                                         "funding"};
    const tree_node *body = NULL;
    int kind = -1;
    for (int k = 0; k < 4; k++) {
        const tree_node *b = tree_map_get(l, kinds[k]);
        if (!b)
            continue;
        if (body)
            return diag_error(
                r->err,
                newer(tree_map_key(l, kinds[k]), tree_map_key(l, kinds[kind])),
                "%s: expected one of rate, capacity, unit_cost "
                "and funding, found more than one",
                path);
        body = b;
        kind = k;
    }
    if (!body)
        return diag_error(r->err, l,
                          "%s: expected one of rate, capacity, unit_cost or "
                          "funding, found none",
                          path);
    lever->kind = (cs_lever_kind)kind;
    join_key(sub, path, kinds[kind]);
    const char *const *allowed = kind == 0   ? rate_keys
                                 : kind == 1 ? capacity_keys
                                 : kind == 2 ? stage_keys
                                             : funding_keys;
    size_t n_allowed = kind == 0   ? COUNT(rate_keys)
                       : kind == 1 ? COUNT(capacity_keys)
                       : kind == 2 ? COUNT(stage_keys)
                                   : COUNT(funding_keys);
    if ((rc = need_mapping(r, body, sub, "a mapping")) ||
        (rc = check_keys(r, body, sub, allowed, n_allowed, NULL)))
        return rc;
    const char *target = allowed[0];
    if (!(n = tree_map_get(body, target)))
        return missing(r, body, sub, target);
    join_key(what, sub, target);
    cs_stage_ref ref;
    if (kind == CS_LEVER_RATE)
        rc = transition_ref(r, n, what, &lever->target);
    else if (kind == CS_LEVER_FUNDING)
        rc = stream_ref(r, n, what, &lever->target);
    else if ((rc = stage_ref(r, n, what, 0, 1, &ref)) == CS_OK)
        lever->target = ref.index;
    if (rc)
        return rc;
    if (kind == CS_LEVER_CAPACITY && !r->s->stages[lever->target].has_capacity)
        return expected(r, n, what, "a stage with a capacity");
    if ((rc = lever_acts(r, n, what, lever)))
        return rc;
    int changes = 0;
    if ((n = tree_map_get(body, "multiply"))) {
        if ((rc = uncertain_in(r, n, join_key(what, sub, "multiply"), NULL,
                               "a factor from 0 to 1000", 0, 1000, 1,
                               target_of(CS_TARGET_LEVER_MULTIPLY,
                                         (int)(lever - r->s->levers), 0),
                               &lever->multiply)))
            return rc;
        changes++;
    }
    if ((n = tree_map_get(body, "add"))) {
        if ((rc = uncertain_in(
                 r, n, join_key(what, sub, "add"), NULL,
                 "a rate per year from -1000 to 1000", -1000, 1000, 1,
                 target_of(CS_TARGET_LEVER_ADD, (int)(lever - r->s->levers), 0),
                 &lever->add)))
            return rc;
        changes++;
    }
    if ((n = tree_map_get(body, "places"))) {
        if (tree_map_get(body, "multiply"))
            return diag_error(r->err,
                              newer(tree_map_key(body, "places"),
                                    tree_map_key(body, "multiply")),
                              "%s: expected one of places and multiply, "
                              "found both",
                              sub);
        if ((rc = number_in(r, n, join_key(what, sub, "places"),
                            "a number of places >= 0", 0, 1e9, &lever->places)))
            return rc;
        changes++;
    }
    if (!changes)
        return diag_error(r->err, body, "%s: expected %s, found none", sub,
                          kind == 0   ? "multiply or add"
                          : kind == 1 ? "places or multiply"
                                      : "multiply");
    if ((n = tree_map_get(body, "ages"))) {
        if ((rc = parse_band(n, CS_AGES - 1, CS_AGES - 1, &lever->age_lo,
                             &lever->age_hi)))
            return expected(r, n, join_key(what, sub, "ages"), AGE_BAND_WHAT);
    }
    return CS_OK;
}

static int read_lever_item(reader *r, const tree_node *key, const tree_node *l,
                           const char *path)
{
    return read_lever(r, key, l, path, &r->s->levers[r->s->n_levers]);
}

static int read_levers(reader *r, const tree_node *root)
{
    return read_id_map(r, root, "levers", "a mapping of lever ids to levers",
                       "levers", CS_MAX_LEVERS, &r->s->n_levers,
                       read_lever_item);
}

/* ---- population dynamics: ageing, migration, arrivals, year effects -- */

static int read_ageing(reader *r, const tree_node *root)
{
    static const char *const names[] = {"monthly", "april"};
    char hint[CS_ID_MAX + 32], found[DIAG_TEXT_MAX];
    const tree_node *n = tree_map_get(root, "ageing");
    r->s->ageing = CS_AGEING_MONTHLY;
    if (!n)
        return CS_OK;
    for (int i = 0; i < (int)COUNT(names); i++)
        if (n->kind == TREE_SCALAR && strcmp(n->text, names[i]) == 0) {
            r->s->ageing = (cs_ageing)i;
            return CS_OK;
        }
    return diag_error(
        r->err, n,
        "ageing: expected monthly (a twelfth of each age a "
        "year older every month) or april (everyone at the "
        "start of April), found %s%s",
        diag_describe(n, found, sizeof found),
        n->kind == TREE_SCALAR
            ? diag_did_you_mean(n->text, names, COUNT(names), hint, sizeof hint)
            : "");
}

/* The financial years (April to March) the horizon touches. */
static int horizon_fys(const cs_scenario *s)
{
    int fy0 = s->base_month >= 4 ? s->base_year : s->base_year - 1;
    int last = s->base_month - 1 + s->horizon_months - 1; /* months from Jan */
    int year = s->base_year + last / 12, month = last % 12 + 1;
    int fy1 = month >= 4 ? year : year - 1;
    return fy1 - fy0 + 1;
}

/* A list of numbers by financial year (possibly negative), or one. */
static int read_signed_per_year(reader *r, const tree_node *n, const char *path,
                                const char *what, double lo, double hi,
                                double *values, int *n_values)
{
    char item[PATH_MAX_LEN];
    int rc;
    if (n->kind != TREE_SEQUENCE) {
        *n_values = 1;
        return number_in(r, n, path, what, lo, hi, &values[0]);
    }
    if (n->n == 0 || n->n > CS_MAX_YEARS)
        return expected(r, n, path,
                        "a list of 1 to 50 numbers, one per financial year");
    int years = horizon_fys(r->s);
    if ((int)n->n > years)
        return diag_error(r->err, n,
                          "%s: expected at most one number per financial "
                          "year of the horizon (%d), found %zu",
                          path, years, n->n);
    for (size_t i = 0; i < n->n; i++)
        if ((rc = number_in(r, n->items[i], join_index(item, path, i), what, lo,
                            hi, &values[i])))
            return rc;
    *n_values = (int)n->n;
    return CS_OK;
}

/* population.net_migration: {per_year, age_shares, stage} */
static int read_migration(reader *r, const tree_node *root)
{
    static const char *const keys[] = {"per_year", "age_shares", "stage"};
    cs_scenario *s = r->s;
    char sub[PATH_MAX_LEN];
    const char *path = "population.net_migration";
    int rc;
    const tree_node *pop = tree_map_get(root, "population");
    const tree_node *n = pop ? tree_map_get(pop, "net_migration") : NULL;
    s->migration_stage = r->remainder;
    if (!n)
        return CS_OK;
    if ((rc = need_mapping(r, n, path, "a mapping with per_year")) ||
        (rc = check_keys(r, n, path, keys, COUNT(keys), NULL)))
        return rc;
    const tree_node *v = tree_map_get(n, "per_year");
    if (!v)
        return missing(r, n, path, "per_year");
    if ((rc = read_signed_per_year(
             r, v, join_key(sub, path, "per_year"),
             "a net number of children per year from -1000000000 to "
             "1000000000 (arrivals less departures)",
             -MAX_COUNT, MAX_COUNT, s->migration_per_year, &s->n_migration)) ||
        (rc = read_age_shares(r, tree_map_get(n, "age_shares"),
                              join_key(sub, path, "age_shares"),
                              s->migration_age_share)))
        return rc;
    if ((v = tree_map_get(n, "stage"))) {
        cs_stage_ref ref;
        if ((rc = stage_ref(r, v, join_key(sub, path, "stage"), 0, 1, &ref)))
            return rc;
        s->migration_stage = ref.index;
    }
    return CS_OK;
}

/* Migration adds and takes children without asking for places: its stage
 * may not have a capacity (read after the capacities). */
static int check_migration_stage(reader *r, const tree_node *root)
{
    const cs_scenario *s = r->s;
    if (s->n_migration == 0 || !s->stages[s->migration_stage].has_capacity)
        return CS_OK;
    const tree_node *pop = tree_map_get(root, "population");
    const tree_node *n = pop ? tree_map_get(pop, "net_migration") : NULL;
    const tree_node *at = n && tree_map_get(n, "stage")
                              ? tree_map_get(n, "stage")
                          : n ? n
                              : root;
    return diag_error(r->err, at,
                      "population.net_migration.stage: expected a stage "
                      "without capacity, found '%s' (migration would bypass "
                      "its places)",
                      s->stages[s->migration_stage].id);
}

/* arrivals: {ID: {label, to, age_shares, per_year, sets}} */
static int read_arrival(reader *r, const tree_node *key, const tree_node *n,
                        const char *path, cs_arrival *a)
{
    static const char *const keys[] = {"label", "to", "age_shares", "per_year",
                                       "sets"};
    char sub[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, n, path, "a mapping with to and per_year")) ||
        (rc = check_keys(r, n, path, keys, COUNT(keys), NULL)))
        return rc;
    memcpy(a->id, key->text, strlen(key->text) + 1);
    memcpy(a->label, key->text, strlen(key->text) + 1);
    const tree_node *v = tree_map_get(n, "label");
    if (v && (rc = text_of(r, v, join_key(sub, path, "label"), "a label",
                           a->label, sizeof a->label)))
        return rc;
    if (!(v = tree_map_get(n, "to")))
        return missing(r, n, path, "to");
    if ((rc = stage_ref(r, v, join_key(sub, path, "to"), 1, 1, &a->to)))
        return rc;
    if (!(v = tree_map_get(n, "per_year")))
        return missing(r, n, path, "per_year");
    if ((rc = read_signed_per_year(r, v, join_key(sub, path, "per_year"),
                                   "a number of children per year from 0 to "
                                   "1000000000",
                                   0, MAX_COUNT, a->per_year, &a->n_years)) ||
        (rc = read_age_shares(r, tree_map_get(n, "age_shares"),
                              join_key(sub, path, "age_shares"), a->age_share)))
        return rc;
    if ((v = tree_map_get(n, "sets")) &&
        (rc =
             read_mark_list(r, v, join_key(sub, path, "sets"), &a->sets_marks)))
        return rc;
    return CS_OK;
}

static int read_arrivals(reader *r, const tree_node *root)
{
    const tree_node *n = tree_map_get(root, "arrivals");
    if (!n || tree_is_null(n))
        return CS_OK;
    cs_scenario *s = r->s;
    int rc;
    if ((rc = need_mapping(r, n, "arrivals",
                           "a mapping of arrival ids to arrivals")))
        return rc;
    for (size_t i = 0; i < n->n; i++) {
        char path[PATH_MAX_LEN];
        const tree_node *key = n->keys[i];
        if ((rc = id_of(r, key, "arrivals")))
            return rc;
        if (s->n_arrivals == CS_MAX_ARRIVALS)
            return diag_error(r->err, key,
                              "arrivals: expected at most %d, found more",
                              CS_MAX_ARRIVALS);
        if ((rc = read_arrival(r, key, n->items[i],
                               join_key(path, "arrivals", key->text),
                               &s->arrivals[s->n_arrivals])))
            return rc;
        s->n_arrivals++;
    }
    return CS_OK;
}

/* year_effects: {ID: {sd: S, ar: A}} */
static int read_year_effects(reader *r, const tree_node *root)
{
    static const char *const keys[] = {"sd", "ar", "start"};
    const tree_node *n = tree_map_get(root, "year_effects");
    if (!n || tree_is_null(n))
        return CS_OK;
    cs_scenario *s = r->s;
    char path[PATH_MAX_LEN], sub[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, n, "year_effects",
                           "a mapping of year effect ids to {sd, ar}")))
        return rc;
    for (size_t i = 0; i < n->n; i++) {
        const tree_node *key = n->keys[i], *e = n->items[i];
        join_key(path, "year_effects", key->text);
        if ((rc = id_of(r, key, "year_effects")))
            return rc;
        if (s->n_year_effects == CS_MAX_YEAR_EFFECTS)
            return diag_error(r->err, key,
                              "year_effects: expected at most %d, found more",
                              CS_MAX_YEAR_EFFECTS);
        if ((rc = need_mapping(r, e, path, "{sd: S, ar: A}")) ||
            (rc = check_keys(r, e, path, keys, COUNT(keys), NULL)))
            return rc;
        cs_year_effect *y = &s->year_effects[s->n_year_effects];
        memcpy(y->id, key->text, strlen(key->text) + 1);
        const tree_node *sd = tree_map_get(e, "sd");
        const tree_node *ar = tree_map_get(e, "ar");
        if (!sd)
            return missing(r, e, path, "sd");
        if ((rc = number_in(r, sd, join_key(sub, path, "sd"),
                            "a standard deviation of the log rate from 0 to "
                            "2",
                            0, 2, &y->sd)))
            return rc;
        y->ar = 1;
        if (ar && (rc = number_in(r, ar, join_key(sub, path, "ar"),
                                  "an autoregression coefficient from -1 to "
                                  "1 (1: a random walk)",
                                  -1, 1, &y->ar)))
            return rc;
        const tree_node *start = tree_map_get(e, "start");
        if (start && (rc = number_in(r, start, join_key(sub, path, "start"),
                                     "a log multiplier from -2 to 2 (the "
                                     "effect in the year before the base "
                                     "date)",
                                     -2, 2, &y->start)))
            return rc;
        double u = y->start;
        for (int k = 0; k < CS_MAX_YEARS; k++)
            y->value[k] = u = y->ar * u; /* the expected path */
        s->n_year_effects++;
    }
    return CS_OK;
}

/* ---- fit: what cascade fit may estimate -------------------------------- */

/* A list of ids or paths (text), at most CS_MAX_FIT_TARGETS. */
static int read_names(reader *r, const tree_node *n, const char *path,
                      const char *what, size_t size, char (*out)[CS_PATH_MAX],
                      char (*short_out)[CS_MEASURE_MAX], int *count)
{
    char item[PATH_MAX_LEN];
    int rc;
    if ((rc = need_list(r, n, path, what)))
        return rc;
    if (n->n == 0 || n->n > CS_MAX_FIT_TARGETS) {
        char many[96];
        snprintf(many, sizeof many, "a list of 1 to %d of them",
                 CS_MAX_FIT_TARGETS);
        return expected(r, n, path, many);
    }
    for (size_t i = 0; i < n->n; i++) {
        const tree_node *x = n->items[i];
        join_index(item, path, i);
        if (x->kind != TREE_SCALAR || !x->text[0] || strlen(x->text) >= size)
            return expected(r, x, item, what);
        if (out)
            memcpy(out[i], x->text, strlen(x->text) + 1);
        else
            memcpy(short_out[i], x->text, strlen(x->text) + 1);
    }
    *count = (int)n->n;
    return CS_OK;
}

/* A transition id of the scenario, into *out. */
static int transition_id(reader *r, const tree_node *n, const char *path,
                         int *out)
{
    char found[DIAG_TEXT_MAX], hint[CS_ID_MAX + 32];
    const char *names[CS_MAX_TRANSITIONS];
    for (int i = 0; i < r->s->n_transitions; i++)
        names[i] = r->s->transitions[i].id;
    *out = n->kind == TREE_SCALAR ? cs_scenario_find_transition(r->s, n->text)
                                  : -1;
    if (*out >= 0)
        return CS_OK;
    return diag_error(r->err, n, "%s: expected a transition id, found %s%s",
                      path, diag_describe(n, found, sizeof found),
                      n->kind == TREE_SCALAR
                          ? diag_did_you_mean(n->text, names,
                                              (size_t)r->s->n_transitions, hint,
                                              sizeof hint)
                          : "");
}

static int read_fit_parameter(reader *r, const tree_node *key,
                              const tree_node *n, const char *path,
                              cs_fit_parameter *p)
{
    static const char *const keys[] = {"multiply", "trend", "add",    "range",
                                       "prior_sd", "after", "damping"};
    static const char *const kinds[] = {"multiply", "trend", "add"};
    static const char *const rules[] = {"continue", "hold", "damp"};
    char sub[PATH_MAX_LEN], item[PATH_MAX_LEN], why[256];
    int rc;
    if ((rc = need_mapping(r, n, path,
                           "a mapping with multiply, trend or add")) ||
        (rc = check_keys(r, n, path, keys, COUNT(keys), NULL)))
        return rc;
    memcpy(p->id, key->text, strlen(key->text) + 1);
    int kind = -1;
    for (int k = 0; k < 3; k++)
        if (tree_map_get(n, kinds[k])) {
            if (kind >= 0)
                return diag_error(r->err, tree_map_key(n, kinds[k]),
                                  "%s: expected one of multiply, trend and "
                                  "add, found %s and %s",
                                  path, kinds[kind], kinds[k]);
            kind = k;
        }
    if (kind < 0)
        return diag_error(r->err, n,
                          "%s: missing required key 'multiply', 'trend' or "
                          "'add' (what the parameter changes)",
                          path);
    p->kind = (cs_fit_kind)kind;
    const tree_node *list = tree_map_get(n, kinds[kind]);
    join_key(sub, path, kinds[kind]);
    if ((rc = read_names(r, list, sub,
                         kind == CS_FIT_TREND ? "a transition id"
                                              : "the path of a number",
                         CS_PATH_MAX, p->targets, NULL, &p->n_targets)))
        return rc;
    for (int i = 0; i < p->n_targets; i++) {
        const tree_node *x = list->items[i];
        join_index(item, sub, (size_t)i);
        if (kind == CS_FIT_TREND) {
            int t;
            if ((rc = transition_id(r, x, item, &t)))
                return rc;
            continue;
        }
        if (kind == CS_FIT_ADD &&
            strcmp(x->text, "population.net_migration.per_year") &&
            !(strncmp(x->text, "arrivals.", 9) == 0 && strlen(x->text) > 18 &&
              !strcmp(x->text + strlen(x->text) - 9, ".per_year")))
            return expected(r, x, item,
                            "population.net_migration.per_year or "
                            "arrivals.ID.per_year (only amounts a year can "
                            "be added to)");
        double *slots[CS_MAX_NUMBERS];
        if (cs_scenario_numbers(r->s, x->text, slots, CS_MAX_NUMBERS, why,
                                sizeof why) < 0)
            return diag_error(r->err, x, "%s: %s", item, why);
    }
    /* bounds: of the multiplier, the trend, the amount */
    double lo = kind == CS_FIT_MULTIPLY ? 0.1 : -0.25;
    double hi = kind == CS_FIT_MULTIPLY ? 10 : 0.25;
    const tree_node *range = tree_map_get(n, "range");
    join_key(sub, path, "range");
    if (kind == CS_FIT_ADD && !range)
        return missing(r, n, path, "range");
    if (range) {
        if (range->kind != TREE_SEQUENCE || range->n != 2)
            return expected(r, range, sub, "[LOWEST, HIGHEST]");
        if ((rc = number_in(r, range->items[0], join_index(item, sub, 0),
                            "a finite number", -1e12, 1e12, &lo)) ||
            (rc = number_in(r, range->items[1], join_index(item, sub, 1),
                            "a finite number", -1e12, 1e12, &hi)))
            return rc;
        const char *problem = NULL;
        if (kind == CS_FIT_MULTIPLY && !(lo > 0 && lo < 1 && hi > 1))
            problem = "a multiplier range with 0 < LOWEST < 1 < HIGHEST (the "
                      "scenario's own value, 1, inside it)";
        else if (kind != CS_FIT_MULTIPLY && !(lo < 0 && hi > 0))
            problem = "a range with LOWEST < 0 < HIGHEST (no change, 0, "
                      "inside it)";
        if (problem)
            return expected(r, range, sub, problem);
    }
    /* a share multiplied stays a share */
    for (int i = 0; kind == CS_FIT_MULTIPLY && i < p->n_targets; i++) {
        if (strncmp(p->targets[i], "population.stages.", 18) ||
            !strstr(p->targets[i], ".marked."))
            continue;
        double *slots[CS_MAX_NUMBERS], top = 0;
        int count = cs_scenario_numbers(r->s, p->targets[i], slots,
                                        CS_MAX_NUMBERS, why, sizeof why);
        for (int k = 0; k < count; k++)
            top = *slots[k] > top ? *slots[k] : top;
        if (top * hi > 1) {
            char what[256];
            snprintf(what, sizeof what,
                     "a range whose HIGHEST is at most %.6g (%s is %.6g, a "
                     "share: at most 1)",
                     1 / top, p->targets[i], top);
            if (range)
                return expected(r, range->items[1], join_index(item, sub, 1),
                                what);
            return diag_error(r->err, list->items[i],
                              "%s.multiply[%d]: expected a range with "
                              "HIGHEST at most %.6g (%s is %.6g, a share: "
                              "the default range's HIGHEST, %.6g, would "
                              "take it past 1)",
                              path, i, 1 / top, p->targets[i], top, hi);
        }
    }
    p->lo = kind == CS_FIT_MULTIPLY ? log(lo) : lo;
    p->hi = kind == CS_FIT_MULTIPLY ? log(hi) : hi;
    const tree_node *v = tree_map_get(n, "prior_sd");
    if (v && (rc = number_in(r, v, join_key(sub, path, "prior_sd"),
                             "a standard deviation > 0 (on the fitted scale: "
                             "log multiplier, trend or amount)",
                             1e-12, 1e12, &p->prior_sd)))
        return rc;
    const tree_node *after = tree_map_get(n, "after");
    const tree_node *damping = tree_map_get(n, "damping");
    p->after = CS_TREND_HOLD;
    if ((after || damping) && kind != CS_FIT_TREND)
        return diag_error(r->err,
                          after ? tree_map_key(n, "after")
                                : tree_map_key(n, "damping"),
                          "%s: after and damping apply to a trend only", path);
    if (after) {
        int rule = -1;
        for (int i = 0; i < 3; i++)
            if (after->kind == TREE_SCALAR && !strcmp(after->text, rules[i]))
                rule = i;
        if (rule < 0)
            return expected(r, after, join_key(sub, path, "after"),
                            "hold, continue or damp");
        p->after = rule;
    }
    if (p->after == CS_TREND_DAMP) {
        if (!damping)
            return missing(r, n, path, "damping");
        if ((rc = number_in(r, damping, join_key(sub, path, "damping"),
                            "a damping factor per year from 0 to 1 "
                            "(exclusive)",
                            1e-9, 1 - 1e-9, &p->damping)))
            return rc;
    } else if (damping) {
        return diag_error(r->err, tree_map_key(n, "damping"),
                          "%s.damping: applies only with after: damp", path);
    }
    return CS_OK;
}

static int read_fit_window(reader *r, const tree_node *n, cs_fit_spec *f)
{
    const char *t = n->kind == TREE_SCALAR ? n->text : "";
    int a = 0, b = 0, used = 0;
    if (sscanf(t, "%4d:%4d%n", &a, &b, &used) != 2 || t[used] ||
        strlen(t) != 9 || a < 1990 || b > 2100 || a >= b)
        return expected(r, n, "fit.window",
                        "FIRST:LAST, two DfE years to 31 March with FIRST < "
                        "LAST, like 2013:2019");
    f->window_first = a;
    f->window_last = b;
    return CS_OK;
}

static int read_fit_covariance(reader *r, const tree_node *n, cs_fit_spec *f)
{
    char item[PATH_MAX_LEN], cell[PATH_MAX_LEN];
    int rc, p = f->n_parameters;
    char what[96];
    snprintf(what, sizeof what,
             "%d rows of %d numbers (one per fit "
             "parameter)",
             p, p);
    if (n->kind != TREE_SEQUENCE || (int)n->n != p || p == 0)
        return expected(r, n, "fit.covariance", what);
    for (int i = 0; i < p; i++) {
        const tree_node *row = n->items[i];
        join_index(item, "fit.covariance", (size_t)i);
        if (row->kind != TREE_SEQUENCE || (int)row->n != p)
            return expected(r, row, item, what);
        for (int j = 0; j < p; j++)
            if ((rc = number_in(
                     r, row->items[j], join_index(cell, item, (size_t)j),
                     "a finite number", -1e12, 1e12, &f->covariance[i][j])))
                return rc;
    }
    for (int i = 0; i < p; i++) {
        if (f->covariance[i][i] < 0)
            return diag_error(r->err, n->items[i]->items[i],
                              "fit.covariance[%d][%d]: expected a variance "
                              ">= 0, found %g",
                              i, i, f->covariance[i][i]);
        for (int j = 0; j < i; j++) {
            double a = f->covariance[i][j], b = f->covariance[j][i];
            if (fabs(a - b) > 1e-9 * (fabs(a) + fabs(b)) + 1e-300)
                return diag_error(r->err, n->items[i]->items[j],
                                  "fit.covariance[%d][%d]: expected a "
                                  "symmetric matrix, found %g here and %g "
                                  "at [%d][%d]",
                                  i, j, a, b, j, i);
        }
    }
    f->has_covariance = 1;
    return CS_OK;
}

/* One list of fit.figures.series[i]: counts >= 0, ~ where none, no
 * further than the window's last year. */
static int read_figure_list(reader *r, const tree_node *n, const char *path,
                            int from, int last, double *out, int *n_out)
{
    char item[PATH_MAX_LEN], what[160];
    int room = last - from + 1;
    snprintf(what, sizeof what,
             "a list of at most %d figures (DfE years %d to %d; ~ where "
             "none)",
             room, from, last);
    if (n->kind != TREE_SEQUENCE)
        return expected(r, n, path, what);
    if ((int)n->n > room)
        return diag_error(r->err, n,
                          "%s: expected %s, found %zu: the list is longer "
                          "than the years it covers",
                          path, what, n->n);
    for (size_t i = 0; i < n->n; i++) {
        const tree_node *v = n->items[i];
        if (tree_is_null(v)) {
            out[i] = NAN;
            continue;
        }
        int rc = number_in(r, v, join_index(item, path, i),
                           "a count >= 0 (children, or ~ where none)", 0,
                           MAX_COUNT, &out[i]);
        if (rc)
            return rc;
    }
    *n_out = (int)n->n;
    return CS_OK;
}

/* fit.figures: what a fitted scenario was fitted to (cs_fit_figures). */
static int read_fit_figures(reader *r, const tree_node *n, cs_fit_figures *x)
{
    static const char *const keys[] = {"area", "area_name", "source", "window",
                                       "series"};
    static const char *const series_keys[] = {"measure", "from", "published",
                                              "fitted"};
    char path[PATH_MAX_LEN], sub[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, n, "fit.figures",
                           "a mapping with area, area_name, source, window "
                           "and series")) ||
        (rc = check_keys(r, n, "fit.figures", keys, COUNT(keys), NULL)))
        return rc;
    for (size_t i = 0; i < COUNT(keys); i++)
        if (!tree_map_get(n, keys[i]))
            return missing(r, n, "fit.figures", keys[i]);
    if ((rc = text_of(r, tree_map_get(n, "area"), "fit.figures.area",
                      "an area code", x->area_code, sizeof x->area_code)) ||
        (rc = text_of(r, tree_map_get(n, "area_name"), "fit.figures.area_name",
                      "the area's name", x->area_name, sizeof x->area_name)) ||
        (rc = text_of(r, tree_map_get(n, "source"), "fit.figures.source",
                      "the data files' names", x->source, sizeof x->source)))
        return rc;
    const tree_node *w = tree_map_get(n, "window");
    const char *t = w->kind == TREE_SCALAR ? w->text : "";
    int a = 0, b = 0, used = 0;
    if (sscanf(t, "%4d:%4d%n", &a, &b, &used) != 2 || t[used] ||
        strlen(t) != 9 || a < 1990 || b > 2100 || a >= b ||
        b - a + 1 > CS_MAX_FIT_YEARS)
        return expected(r, w, "fit.figures.window",
                        "FIRST:LAST, two DfE years to 31 March with FIRST < "
                        "LAST, like 2013:2019");
    x->window_first = a;
    x->window_last = b;
    const tree_node *list = tree_map_get(n, "series");
    if ((rc = need_list(r, list, "fit.figures.series",
                        "a list of {measure, from, published, fitted}")))
        return rc;
    if (list->n > CS_MAX_FIT_SERIES)
        return diag_error(r->err, list,
                          "fit.figures.series: expected at most %d, found %zu",
                          CS_MAX_FIT_SERIES, list->n);
    for (size_t i = 0; i < list->n; i++) {
        const tree_node *e = list->items[i];
        cs_fit_series *s = &x->series[i];
        join_index(path, "fit.figures.series", i);
        if ((rc = need_mapping(r, e, path,
                               "a mapping {measure, from, published, "
                               "fitted}")) ||
            (rc =
                 check_keys(r, e, path, series_keys, COUNT(series_keys), NULL)))
            return rc;
        for (size_t k = 0; k < COUNT(series_keys); k++)
            if (!tree_map_get(e, series_keys[k]))
                return missing(r, e, path, series_keys[k]);
        const tree_node *m = tree_map_get(e, "measure");
        join_key(sub, path, "measure");
        if ((rc = text_of(r, m, sub, "a published measure (docs/data.md)",
                          s->measure, sizeof s->measure)))
            return rc;
        int measure = cs_series_find_measure(s->measure);
        if (measure < 0 || cs_series_measure(measure)->kind > CS_OBS_POPULATION)
            return expected(r, m, sub,
                            "a published count (docs/data.md), such as "
                            "cla_31_march");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(x->series[j].measure, s->measure))
                return diag_error(r->err, m,
                                  "%s: '%s' is given twice (also "
                                  "fit.figures.series[%zu])",
                                  sub, s->measure, j);
        double from = 0;
        char within[96];
        snprintf(within, sizeof within, "a DfE year of the window, %d to %d", a,
                 b);
        if ((rc = whole_in(r, tree_map_get(e, "from"),
                           join_key(sub, path, "from"), within, a, b, &from)))
            return rc;
        s->from = (int)from;
        if ((rc = read_figure_list(r, tree_map_get(e, "published"),
                                   join_key(sub, path, "published"), s->from, b,
                                   s->published, &s->n_published)) ||
            (rc = read_figure_list(r, tree_map_get(e, "fitted"),
                                   join_key(sub, path, "fitted"), s->from, b,
                                   s->fitted, &s->n_fitted)))
            return rc;
    }
    x->n_series = (int)list->n;
    x->present = 1;
    return CS_OK;
}

static int read_fit(reader *r, const tree_node *root)
{
    static const char *const keys[] = {"window",   "parameters", "year_effects",
                                       "measures", "covariance", "trend_years",
                                       "figures"};
    static const char *const effect_keys[] = {"measures", "transitions"};
    const tree_node *n = tree_map_get(root, "fit");
    if (!n || tree_is_null(n))
        return CS_OK;
    char path[PATH_MAX_LEN], sub[PATH_MAX_LEN], item[PATH_MAX_LEN];
    int rc;
    if ((rc = need_mapping(r, n, "fit", "a mapping with parameters")) ||
        (rc = check_keys(r, n, "fit", keys, COUNT(keys), NULL)))
        return rc;
    cs_fit_spec *f = calloc(1, sizeof *f);
    if (!f)
        return cs_error_set(r->err, CS_ENOMEM, "out of memory");
    r->s->fit = f;
    const tree_node *v = tree_map_get(n, "window");
    if (v && (rc = read_fit_window(r, v, f)))
        return rc;
    const tree_node *params = tree_map_get(n, "parameters");
    if (!params)
        return missing(r, n, "fit", "parameters");
    if ((rc = need_mapping(r, params, "fit.parameters",
                           "a mapping of parameter ids to parameters")))
        return rc;
    for (size_t i = 0; i < params->n; i++) {
        const tree_node *key = params->keys[i];
        if ((rc = id_of(r, key, "fit.parameters")))
            return rc;
        if (f->n_parameters == CS_MAX_FIT_PARAMETERS)
            return diag_error(r->err, key,
                              "fit.parameters: expected at most %d, found "
                              "more",
                              CS_MAX_FIT_PARAMETERS);
        if ((rc =
                 read_fit_parameter(r, key, params->items[i],
                                    join_key(path, "fit.parameters", key->text),
                                    &f->parameters[f->n_parameters])))
            return rc;
        f->n_parameters++;
    }
    const tree_node *effects = tree_map_get(n, "year_effects");
    if (effects && !tree_is_null(effects)) {
        if ((rc = need_mapping(r, effects, "fit.year_effects",
                               "a mapping of year effect ids to {measures, "
                               "transitions}")))
            return rc;
        for (size_t i = 0; i < effects->n; i++) {
            const tree_node *key = effects->keys[i], *e = effects->items[i];
            join_key(path, "fit.year_effects", key->text);
            if ((rc = id_of(r, key, "fit.year_effects")) ||
                (rc = need_mapping(r, e, path,
                                   "a mapping with measures and "
                                   "transitions")) ||
                (rc = check_keys(r, e, path, effect_keys, COUNT(effect_keys),
                                 NULL)))
                return rc;
            if (f->n_effects == CS_MAX_FIT_EFFECTS)
                return diag_error(r->err, key,
                                  "fit.year_effects: expected at most %d, "
                                  "found more",
                                  CS_MAX_FIT_EFFECTS);
            cs_fit_effect *x = &f->effects[f->n_effects++];
            memcpy(x->id, key->text, strlen(key->text) + 1);
            const tree_node *m = tree_map_get(e, "measures");
            const tree_node *t = tree_map_get(e, "transitions");
            if (!m)
                return missing(r, e, path, "measures");
            if (!t)
                return missing(r, e, path, "transitions");
            join_key(sub, path, "measures");
            if ((rc = read_names(r, m, sub, "a published measure",
                                 CS_MEASURE_MAX, NULL, x->measures,
                                 &x->n_measures)))
                return rc;
            for (int k = 0; k < x->n_measures; k++)
                if (cs_series_find_measure(x->measures[k]) < 0)
                    return expected(r, m->items[k],
                                    join_index(item, sub, (size_t)k),
                                    "a published measure (docs/data.md)");
            join_key(sub, path, "transitions");
            if ((rc = need_list(r, t, sub, "a list of transition ids")))
                return rc;
            if (t->n == 0 || t->n > CS_MAX_FIT_TARGETS)
                return expected(r, t, sub, "a list of 1 to 16 transition ids");
            for (size_t k = 0; k < t->n; k++)
                if ((rc =
                         transition_id(r, t->items[k], join_index(item, sub, k),
                                       &x->transitions[k])))
                    return rc;
            x->n_transitions = (int)t->n;
        }
    }
    const tree_node *maps = tree_map_get(n, "measures");
    if (maps && !tree_is_null(maps)) {
        if ((rc = need_mapping(r, maps, "fit.measures",
                               "a mapping of published flows to lists of "
                               "transition ids")))
            return rc;
        for (size_t i = 0; i < maps->n; i++) {
            const tree_node *key = maps->keys[i], *list = maps->items[i];
            join_key(path, "fit.measures", key->text);
            int measure = cs_series_find_measure(key->text);
            if (measure < 0 || cs_series_measure(measure)->kind != CS_OBS_FLOW)
                return expected(r, key, "fit.measures",
                                "a published flow (docs/data.md), such as "
                                "cla_ceased_adopted");
            if (f->n_maps == CS_MAX_FIT_MAPS)
                return diag_error(r->err, key,
                                  "fit.measures: expected at most %d, found "
                                  "more",
                                  CS_MAX_FIT_MAPS);
            cs_fit_map *x = &f->maps[f->n_maps++];
            snprintf(x->measure, sizeof x->measure, "%s", key->text);
            if ((rc = need_list(r, list, path, "a list of transition ids")))
                return rc;
            if (list->n == 0 || list->n > CS_MAX_FIT_TARGETS)
                return expected(r, list, path,
                                "a list of 1 to 16 transition ids");
            for (size_t k = 0; k < list->n; k++)
                if ((rc = transition_id(r, list->items[k],
                                        join_index(item, path, k),
                                        &x->transitions[k])))
                    return rc;
            x->n_transitions = (int)list->n;
        }
    }
    if ((v = tree_map_get(n, "covariance")) &&
        (rc = read_fit_covariance(r, v, f)))
        return rc;
    if ((v = tree_map_get(n, "trend_years")) && !tree_is_null(v)) {
        if ((rc = need_mapping(r, v, "fit.trend_years",
                               "a mapping of trend parameter ids to years")))
            return rc;
        for (size_t i = 0; i < v->n; i++) {
            int found = -1;
            for (int j = 0; j < f->n_parameters; j++)
                if (!strcmp(f->parameters[j].id, v->keys[i]->text) &&
                    f->parameters[j].kind == CS_FIT_TREND)
                    found = j;
            if (found < 0)
                return expected(r, v->keys[i], "fit.trend_years",
                                "the id of a trend in fit.parameters");
            if ((rc = number_in(
                     r, v->items[i],
                     join_key(path, "fit.trend_years", v->keys[i]->text),
                     "a number of years from -100 to 100", -100, 100,
                     &f->trend_years[found])))
                return rc;
        }
    }
    if ((v = tree_map_get(n, "figures")) && !tree_is_null(v) &&
        (rc = read_fit_figures(r, v, &f->figures)))
        return rc;
    return CS_OK;
}

static const char *const top_keys[] = {
    "format_version", "name",        "description",
    "extends",        "base_date",   "horizon_years",
    "horizon_months", "seed",        "economics",
    "funding",        "budget",      "care_leavers",
    "marks",          "stages",      "population",
    "births",         "transitions", "programmes",
    "levers",         "ageing",      "arrivals",
    "year_effects",   "fit",         "workforce"};

int schema_is_top_key(const char *key)
{
    for (size_t i = 0; i < COUNT(top_keys); i++)
        if (strcmp(key, top_keys[i]) == 0)
            return 1;
    return 0;
}

int schema_read(const tree_node *root, cs_scenario *s, cs_error *err)
{
    reader r = {.s = s, .err = err, .remainder = -1};
    int rc;
    if ((rc = check_keys(&r, root, "", top_keys, COUNT(top_keys), NULL)) ||
        (rc = read_settings(&r, root)) || (rc = read_economics(&r, root)) ||
        (rc = read_funding(&r, root)) || (rc = read_marks(&r, root)) ||
        (rc = read_stages(&r, root)) || (rc = read_population(&r, root)) ||
        (rc = read_migration(&r, root)) || (rc = read_ageing(&r, root)) ||
        (rc = read_arrivals(&r, root)) || (rc = read_year_effects(&r, root)) ||
        (rc = read_births(&r, root)) || (rc = read_workforce(&r, root)) ||
        (rc = read_transitions(&r, root)) ||
        (rc = check_workforce_used(&r, root)) ||
        (rc = read_capacities(&r, root)) ||
        (rc = check_migration_stage(&r, root)) ||
        (rc = read_programmes(&r, root)) ||
        /* after everything that can set a mark that expires */
        (rc = check_months_in_stage(&r)) || (rc = read_budget(&r, root)) ||
        (rc = read_care_leavers(&r, root)) || (rc = read_levers(&r, root)) ||
        (rc = read_fit(&r, root)))
        return rc;
    return CS_OK;
}
