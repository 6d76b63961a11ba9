/*
 * export.c - a compiled model's tables written out for other programs
 * (cs_model_export, model.h): one NumPy .npy file per table and a
 * manifest.json naming each table's shape, type and dimensions, in a
 * directory. The layout is docs/model-export.md; bench/numpy_stepper.py
 * steps a run from it (the reference cascade's stepper is timed against)
 * and tests/model checks that its expected path is cascade's.
 *
 * Why .npy: a fixed little header and the raw array, read by numpy.load
 * (and by R's RcppCNPy, Julia's NPZ, MATLAB's readNPY) with nothing else
 * installed, and trivial to write from C.
 *
 * Every file is written under a temporary name, flushed and renamed into
 * place; manifest.json last, so a directory with a manifest holds a
 * complete export.
 */
#include "model/model_internal.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade_config.h"

/* Bumped when a table changes meaning; adding tables does not bump it. */
#define EXPORT_FORMAT_VERSION 1

/* One table: its name (file name without .npy), element type, shape. */
typedef struct table {
    const char *name;
    const char *dims; /* JSON list of dimension names */
    const char *about;
    int is_int; /* int32 (else float64) */
    int rank;
    size_t shape[2];
    const void *data;
} table;

typedef struct exporter {
    const char *dir;
    cs_error *err;
    FILE *manifest; /* the manifest's "tables" entries, as they are written */
    int n_written;
} exporter;

static int path_of(const exporter *x, const char *name, const char *suffix,
                   char *path, size_t size)
{
    int n = snprintf(path, size, "%s/%s%s", x->dir, name, suffix);
    if (n < 0 || (size_t)n >= size)
        return cs_error_set(x->err, CS_EINPUT, "-o %s: path too long", x->dir);
    return CS_OK;
}

/* Flush, sync and close f, then rename tmp to path. */
static int commit_file(const exporter *x, FILE *f, const char *tmp,
                       const char *path)
{
    int failed = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
    int e = errno;
    failed |= fclose(f) != 0;
    if (!failed && rename(tmp, path) == 0)
        return CS_OK;
    if (!failed)
        e = errno;
    remove(tmp);
    return cs_error_set(x->err, CS_EIO, "writing %s: %s", path, strerror(e));
}

static FILE *open_temporary(const exporter *x, const char *tmp)
{
    FILE *f = fopen(tmp, "wb");
    if (!f)
        cs_error_set(x->err, CS_EIO, "cannot write %s: %s", tmp,
                     strerror(errno));
    return f;
}

/*
 * The .npy format, version 1.0: the magic "\x93NUMPY", bytes 1 and 0, a
 * little-endian 16-bit header length, then a Python dict literal padded
 * with spaces to a multiple of 64 bytes and ended by '\n', then the data
 * in C order.
 */
static int write_npy(exporter *x, const table *t)
{
    char path[4096], tmp[4112];
    int rc = path_of(x, t->name, ".npy", path, sizeof path);
    if (rc != CS_OK)
        return rc;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    char header[256], shape[64];
    if (t->rank == 1)
        snprintf(shape, sizeof shape, "(%zu,)", t->shape[0]);
    else
        snprintf(shape, sizeof shape, "(%zu, %zu)", t->shape[0], t->shape[1]);
    int n = snprintf(header, sizeof header,
                     "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                     t->is_int ? "<i4" : "<f8", shape);
    size_t total = 10 + (size_t)n + 1;
    size_t padded = (total + 63) / 64 * 64;
    assert(padded - 10 < sizeof header);
    memset(header + n, ' ', padded - total);
    header[padded - 10 - 1] = '\n';
    unsigned short length = (unsigned short)(padded - 10);
    unsigned char preamble[10] = {0x93,
                                  'N',
                                  'U',
                                  'M',
                                  'P',
                                  'Y',
                                  1,
                                  0,
                                  (unsigned char)(length & 0xff),
                                  (unsigned char)(length >> 8)};
    size_t count = t->shape[0] * (t->rank == 2 ? t->shape[1] : 1);
    size_t width = t->is_int ? 4 : 8;
    FILE *f = open_temporary(x, tmp);
    if (!f)
        return x->err->code;
    /* the data as written is little-endian: so is every machine cascade
     * builds on (checked below) */
    const union {
        uint16_t word;
        unsigned char byte[2];
    } probe = {1};
    assert(probe.byte[0] == 1);
    (void)probe;
    int ok = fwrite(preamble, 1, 10, f) == 10 &&
             fwrite(header, 1, length, f) == length &&
             (count == 0 || fwrite(t->data, width, count, f) == count);
    if (!ok) {
        int e = errno;
        fclose(f);
        remove(tmp);
        return cs_error_set(x->err, CS_EIO, "writing %s: %s", path,
                            strerror(e));
    }
    rc = commit_file(x, f, tmp, path);
    if (rc != CS_OK)
        return rc;
    if (t->rank == 1)
        snprintf(shape, sizeof shape, "[%zu]", t->shape[0]);
    else
        snprintf(shape, sizeof shape, "[%zu, %zu]", t->shape[0], t->shape[1]);
    fprintf(x->manifest,
            "%s    \"%s\": {\"file\": \"%s.npy\", \"dtype\": \"%s\", "
            "\"shape\": %s, \"dims\": %s,\n      \"about\": \"%s\"}",
            x->n_written ? ",\n" : "", t->name, t->name,
            t->is_int ? "int32" : "float64", shape, t->dims, t->about);
    x->n_written++;
    return CS_OK;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static const char *dfe_name(cs_dfe_category d)
{
    switch (d) {
    case CS_DFE_CIN:
        return "cin";
    case CS_DFE_CP:
        return "cp";
    case CS_DFE_LOOKED_AFTER:
        return "looked_after";
    default:
        return "none";
    }
}

static const char *intervention_name(cs_intervention i)
{
    return i == CS_INTERVENTION_EARLY  ? "early"
           : i == CS_INTERVENTION_LATE ? "late"
                                       : "none";
}

/* The manifest's description of the model: everything but the tables. */
static void write_header(FILE *f, const cs_model *m)
{
    const cs_scenario *sc = &m->scenario;
    fprintf(f,
            "{\n  \"format\": \"cascade-model\",\n  \"format_version\": %d,\n",
            EXPORT_FORMAT_VERSION);
    fprintf(
        f, "  \"cascade_version\": \"%s\",\n  \"scenario\": ", CASCADE_VERSION);
    json_string(f, sc->name);
    fprintf(f,
            ",\n  \"base_month\": \"%s\",\n  \"months\": %d,\n  \"ages\": %d,\n"
            "  \"compartments\": %d,\n  \"outcomes\": %d,\n  \"epochs\": %d,\n"
            "  \"max_outcomes\": %d,\n  \"ageing\": \"%s\",\n"
            "  \"birth_compartment\": %d,\n  \"births_flow\": %d,\n"
            "  \"migration_stage\": %d,\n  \"migration_flow\": %d,\n",
            m->month_label[0], m->n_months, CS_AGES, m->n_compartments,
            m->n_outcomes, m->n_epochs, m->max_outcomes,
            m->monthly_ageing ? "monthly" : "april", m->birth_compartment,
            m->births_flow, m->migration_flow >= 0 ? sc->migration_stage : -1,
            m->migration_flow);
    fprintf(f, "  \"stages\": [");
    for (int s = 0; s < m->n_stages; s++) {
        const cs_stage *st = &sc->stages[s];
        fprintf(f, "%s\n    {\"id\": ", s ? "," : "");
        json_string(f, st->id);
        fprintf(f, ", \"label\": ");
        json_string(f, st->label);
        fprintf(f,
                ", \"dfe\": \"%s\", \"intervention\": \"%s\", "
                "\"duration_slots\": %d, \"capacity_index\": %d, "
                "\"when_full\": %d}",
                dfe_name(st->dfe), intervention_name(st->intervention),
                m->n_dur[s], m->capacity_index[s],
                st->has_capacity ? st->overflow_stage : -1);
    }
    fprintf(f, "\n  ],\n  \"marks\": [");
    for (int k = 0; k < sc->n_marks; k++) {
        fprintf(f, "%s", k ? ", " : "");
        json_string(f, sc->marks[k].id);
    }
    fprintf(f, "],\n  \"mark_expires_months\": [");
    for (int k = 0; k < sc->n_marks; k++)
        fprintf(f, "%s%d", k ? ", " : "", sc->marks[k].expires_months);
    fprintf(f, "],\n  \"flows\": [");
    for (int i = 0; i < m->n_flows; i++) {
        fprintf(f, "%s\n    {\"label\": ", i ? "," : "");
        json_string(f, m->flow_label[i]);
        fprintf(f, ", \"from\": ");
        json_string(f, m->flow_from[i]);
        fprintf(f, ", \"to\": ");
        json_string(f, m->flow_to[i]);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ],\n  \"programmes\": [");
    for (int p = 0; p < sc->n_programmes; p++) {
        fprintf(f, "%s\n    {\"id\": ", p ? "," : "");
        json_string(f, sc->programmes[p].id);
        fprintf(f, ", \"stage\": %d, \"mark\": %d}", sc->programmes[p].stage,
                sc->programmes[p].mark);
    }
    fprintf(f, "\n  ],\n  \"month_labels\": [");
    for (int t = 0; t < m->n_months; t++)
        fprintf(f, "%s\"%s\"", t ? (t % 12 ? ", " : ",\n    ") : "",
                m->month_label[t]);
    fprintf(f, "],\n  \"tables\": {\n");
}

/* The derived per-compartment and flattened tables the model does not
 * hold as such. */
typedef struct derived {
    int *stage, *age, *slot, *marks; /* [compartment] */
    int *programme_dest;             /* [programme][compartment] */
    int *arrival_compartment, *arrival_flow, *arrival_age; /* [stream] */
    double *arrival_mean;                                  /* [month][stream] */
} derived;

/* Expected arrivals of arrival i at age a into its j-th leaf in month t. */
static double arrival_mean(const cs_model *m, int t, int i, int a, int j)
{
    return m->arrivals[((size_t)t * m->n_arrivals + i) * CS_AGES + a] *
           m->arrival_share[i][j];
}

static void free_derived(derived *d)
{
    free(d->stage);
    free(d->age);
    free(d->slot);
    free(d->marks);
    free(d->programme_dest);
    free(d->arrival_compartment);
    free(d->arrival_flow);
    free(d->arrival_age);
    free(d->arrival_mean);
}

/* The number of arrival streams: (arrival, age, destination) with a
 * positive mean in some month. */
static int derive(const cs_model *m, derived *d, int *n_streams)
{
    const cs_scenario *sc = &m->scenario;
    size_t nc = (size_t)m->n_compartments;
    size_t np = (size_t)sc->n_programmes;
    int most = m->n_arrivals * CS_AGES * CS_MAX_STAGES;
    d->stage = malloc(nc * sizeof *d->stage);
    d->age = malloc(nc * sizeof *d->age);
    d->slot = malloc(nc * sizeof *d->slot);
    d->marks = malloc(nc * sizeof *d->marks);
    d->programme_dest = malloc((np ? np : 1) * nc * sizeof *d->programme_dest);
    d->arrival_compartment = malloc((size_t)(most + 1) * sizeof(int));
    d->arrival_flow = malloc((size_t)(most + 1) * sizeof(int));
    d->arrival_age = malloc((size_t)(most + 1) * sizeof(int));
    d->arrival_mean = calloc((size_t)m->n_months * (size_t)(most + 1),
                             sizeof *d->arrival_mean);
    if (!d->stage || !d->age || !d->slot || !d->marks || !d->programme_dest ||
        !d->arrival_compartment || !d->arrival_flow || !d->arrival_age ||
        !d->arrival_mean)
        return CS_ENOMEM;
    for (int s = 0; s < m->n_stages; s++)
        for (int a = 0; a < CS_AGES; a++)
            for (int u = 0; u < m->n_dur[s]; u++)
                for (int k = 0; k < m->n_mark_sets; k++) {
                    int c = cs_compartment(m, s, a, u, k);
                    d->stage[c] = s;
                    d->age[c] = a;
                    d->slot[c] = u;
                    d->marks[c] = k;
                }
    /* admit() in sim.c: a child served by programme p moves from c to the
     * same compartment with the programme's mark */
    for (size_t p = 0; p < np; p++) {
        const cs_programme *prog = &sc->programmes[p];
        for (size_t c = 0; c < nc; c++) {
            int k = d->marks[c];
            d->programme_dest[p * nc + c] =
                d->stage[c] == prog->stage
                    ? (int)c - k + (int)((unsigned)k | (1u << prog->mark))
                    : -1;
        }
    }
    /* streams (arrival, age, destination) in that order, those with a
     * positive mean in some month kept */
    int n = 0, candidate = 0;
    for (int i = 0; i < m->n_arrivals; i++)
        for (int a = 0; a < CS_AGES; a++)
            for (int j = 0; j < m->n_arrival_leaves[i]; j++, candidate++) {
                int any = 0;
                for (int t = 0; t < m->n_months; t++) {
                    double mean = arrival_mean(m, t, i, a, j);
                    d->arrival_mean[(size_t)t * (size_t)most + (size_t)n] =
                        mean > 0 ? mean : 0;
                    any |= mean > 0;
                }
                if (!any)
                    continue;
                d->arrival_compartment[n] = cs_compartment(
                    m, m->arrival_leaf[i][j], a, 0, (int)m->arrival_marks[i]);
                d->arrival_flow[n] = m->first_arrival_flow + i;
                d->arrival_age[n] = a;
                n++;
            }
    assert(candidate <= most);
    /* [month][stream] with n streams a month: close up the rows */
    for (int t = 1; t < m->n_months; t++)
        memmove(d->arrival_mean + (size_t)t * (size_t)n,
                d->arrival_mean + (size_t)t * (size_t)most,
                (size_t)n * sizeof *d->arrival_mean);
    *n_streams = n;
    return CS_OK;
}

static int write_tables(exporter *x, const cs_model *m, const derived *d,
                        int n_streams)
{
    const cs_scenario *sc = &m->scenario;
    size_t nc = (size_t)m->n_compartments, no = (size_t)m->n_outcomes;
    size_t nt = (size_t)m->n_months, ne = (size_t)m->n_epochs;
    size_t nj = (size_t)m->n_capacity, np = (size_t)sc->n_programmes;
    size_t nl = (size_t)m->n_cost_lines, ns = (size_t)n_streams;
    int ages_at[12 * CS_MAX_YEARS];
    for (size_t t = 0; t < nt; t++)
        ages_at[t] = m->ages[t];
    const table tables[] = {
        {"compartment_stage",
         "[\"compartment\"]",
         "leaf stage (stages[i])",
         1,
         1,
         {nc, 0},
         d->stage},
        {"compartment_age",
         "[\"compartment\"]",
         "age in years, 0-17",
         1,
         1,
         {nc, 0},
         d->age},
        {"compartment_months",
         "[\"compartment\"]",
         "months in the stage (the stage's last slot: that many or more)",
         1,
         1,
         {nc, 0},
         d->slot},
        {"compartment_marks",
         "[\"compartment\"]",
         "history marks, bit k: marks[k]",
         1,
         1,
         {nc, 0},
         d->marks},
        {"stage_offset",
         "[\"stage+1\"]",
         "first compartment of each stage; the last entry is the number of "
         "compartments",
         1,
         1,
         {(size_t)m->n_stages + 1, 0},
         m->stage_offset},
        {"first_outcome",
         "[\"compartment+1\"]",
         "compartment c's outcomes are first_outcome[c] .. "
         "first_outcome[c+1]-1, staying first",
         1,
         1,
         {nc + 1, 0},
         m->first_outcome},
        {"outcome_dest",
         "[\"outcome\"]",
         "the compartment an outcome leads to",
         1,
         1,
         {no, 0},
         m->outcome_dest},
        {"outcome_flow",
         "[\"outcome\"]",
         "the flow an outcome counts in (flows[i]); -1 for staying",
         1,
         1,
         {no, 0},
         m->outcome_flow},
        {"outcome_p",
         "[\"epoch\", \"outcome\"]",
         "monthly probability of each outcome in each epoch",
         0,
         2,
         {ne, no},
         m->outcome_p},
        {"epoch_of_month",
         "[\"month\"]",
         "the epoch (row of outcome_p) of "
         "each month",
         1,
         1,
         {nt, 0},
         m->epoch_of_month},
        {"initial",
         "[\"compartment\"]",
         "children at the base date, whole (stochastic runs)",
         0,
         1,
         {nc, 0},
         m->initial},
        {"initial_expected",
         "[\"compartment\"]",
         "children at the base date, not rounded (the deterministic path)",
         0,
         1,
         {nc, 0},
         m->initial_expected},
        {"ages_at",
         "[\"month\"]",
         "1: everyone ages a year at the start of the month (ageing: april)",
         1,
         1,
         {nt, 0},
         ages_at},
        {"births",
         "[\"month\"]",
         "expected births, into birth_compartment (Poisson)",
         0,
         1,
         {nt, 0},
         m->births},
        {"migration",
         "[\"month\", \"age\"]",
         "expected net migration into migration_stage (negative: leaving)",
         0,
         2,
         {nt, CS_AGES},
         m->migration},
        {"arrival_compartment",
         "[\"arrival_stream\"]",
         "where an arrival stream's children arrive",
         1,
         1,
         {ns, 0},
         d->arrival_compartment},
        {"arrival_flow",
         "[\"arrival_stream\"]",
         "the flow counting them",
         1,
         1,
         {ns, 0},
         d->arrival_flow},
        {"arrival_mean",
         "[\"month\", \"arrival_stream\"]",
         "expected arrivals (Poisson)",
         0,
         2,
         {nt, ns},
         d->arrival_mean},
        {"capacity_stage",
         "[\"capacity\"]",
         "stages with places, in the order they are filled",
         1,
         1,
         {nj, 0},
         m->capacity_stage},
        {"places",
         "[\"month\", \"capacity\"]",
         "places in each such stage",
         0,
         2,
         {nt, nj},
         m->places},
        {"turned_away_flow",
         "[\"capacity\"]",
         "the flow counting children turned away",
         1,
         1,
         {nj, 0},
         m->turned_away_flow},
        {"overflow_dest",
         "[\"compartment\"]",
         "where a child turned away from c goes (c itself: c's stage has no "
         "places)",
         1,
         1,
         {nc, 0},
         m->overflow_dest},
        {"programme_dest",
         "[\"programme\", \"compartment\"]",
         "where a child admitted to c and served by the programme goes (-1: "
         "not the programme's stage)",
         1,
         2,
         {np, nc},
         d->programme_dest},
        {"programme_share",
         "[\"month\", \"programme\"]",
         "chance an admitted child is served by each programme",
         0,
         2,
         {nt, np},
         m->programme_share},
        {"cost_line_stage",
         "[\"cost_line\"]",
         "the stage of each cost line (-1: a transition's)",
         1,
         1,
         {nl, 0},
         m->cost_line_stage},
        {"cost_line_transition",
         "[\"cost_line\"]",
         "the transition of each cost line priced per child moved (-1: a "
         "stage's)",
         1,
         1,
         {nl, 0},
         m->cost_line_transition},
        {"unit_cost",
         "[\"month\", \"cost_line\"]",
         "cash cost of a child-month, GBP",
         0,
         2,
         {nt, nl},
         m->unit_cost_cash},
        {"deflator",
         "[\"month\"]",
         "cash / constant prices",
         0,
         1,
         {nt, 0},
         m->deflator},
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        int rc = write_npy(x, &tables[i]);
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

int cs_model_export(const cs_model *m, const char *dir, int replace,
                    cs_error *err)
{
    char path[4096], tmp[4112];
    exporter x = {.dir = dir, .err = err};
    if (m->budget_income)
        return cs_error_set(err, CS_EINPUT,
                            "scenario '%s' has a budget: its places depend on "
                            "each run's spend, which the exported tables "
                            "cannot say; export it without the budget",
                            m->scenario.name);
    if (m->n_caseload_rows > 0)
        return cs_error_set(err, CS_EINPUT,
                            "scenario '%s' has rates that depend on a "
                            "caseload (workforce: %s): they change with each "
                            "run's children month by month, which the "
                            "exported tables cannot say; export a copy "
                            "without caseload: on its transitions",
                            m->scenario.name, m->scenario.workforces[0].id);
    for (int j = 0; j < m->n_capacity; j++)
        if (m->fill_flow[j] >= 0)
            return cs_error_set(
                err, CS_EINPUT,
                "scenario '%s': stage '%s' fills its spare places "
                "(capacity.fill), which the exported tables cannot say; "
                "export it without the fill",
                m->scenario.name, m->scenario.stages[m->capacity_stage[j]].id);
    int rc = path_of(&x, "manifest", ".json", path, sizeof path);
    if (rc != CS_OK)
        return rc;
    struct stat info;
    if (stat(dir, &info) == 0) {
        if (!S_ISDIR(info.st_mode))
            return cs_error_set(err, CS_EINPUT,
                                "-o %s: expected a directory, found a file",
                                dir);
        if (!replace && stat(path, &info) == 0)
            return cs_error_set(err, CS_EINPUT,
                                "%s exists; not replacing an export (use "
                                "--force)",
                                path);
    } else if (mkdir(dir, 0777) != 0) {
        return cs_error_set(err, CS_EINPUT,
                            "-o %s: cannot make the "
                            "directory: %s",
                            dir, strerror(errno));
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    x.manifest = open_temporary(&x, tmp);
    if (!x.manifest)
        return err->code;
    derived d = {0};
    int n_streams = 0;
    rc = derive(m, &d, &n_streams);
    if (rc != CS_OK)
        rc = cs_error_set(err, rc, "out of memory exporting the model");
    if (rc == CS_OK) {
        write_header(x.manifest, m);
        rc = write_tables(&x, m, &d, n_streams);
    }
    free_derived(&d);
    if (rc != CS_OK) {
        fclose(x.manifest);
        remove(tmp);
        return rc;
    }
    fprintf(x.manifest, "\n  }\n}\n");
    return commit_file(&x, x.manifest, tmp, path);
}
