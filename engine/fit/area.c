/*
 * area.c - a council's scenario from a structure and the area's published
 * figures (fit.h, cs_area_scenario, cs_area_write_yaml): what
 * `cascade init --area` writes (docs/council.md).
 *
 * The structure (England's: stages, rates, durations, placement mix,
 * costs) is kept; what belongs to the area is put in: its 0-17 population
 * at the base date, its children in need, on plans and looked after then
 * (looked-after children by age band where published), and everything
 * that grows with the population (births, migration, arrivals, funding,
 * places, the stages no statistic counts) scaled by the area's population
 * over the structure's. The file says of each figure whether it is
 * published, derived from published ones, or scaled: an assumption.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fit_internal.h"

static double population(const cs_scenario *s)
{
    double sum = 0;
    for (int st = 0; st < s->n_stages; st++)
        for (int a = 0; a < CS_AGES; a++)
            sum += s->initial[st][a];
    return sum;
}

int cs_area_scenario(const cs_scenario *structure, const cs_series *data,
                     int area, cs_scenario **out, double *ratio, cs_error *err)
{
    *out = NULL;
    if (structure->base_month != 4)
        return cs_error_set(err, CS_EINPUT,
                            "%s: base_date %d-%02d: expected an April base "
                            "date (the area's stocks are those at 31 March)",
                            structure->source_path ? structure->source_path
                                                   : structure->name,
                            structure->base_year, structure->base_month);
    int year = structure->base_year;
    const char *name = cs_series_area_name(data, area);
    static const char *const needed[] = {"population_0_17", "cla_31_march"};
    for (int i = 0; i < 2; i++) {
        double v;
        if (!fit_get(data, area, needed[i], year, &v))
            return cs_error_set(err, CS_EINPUT,
                                "%s: no %s for the year to 31 March %d in "
                                "the data (the structure's base date is "
                                "April %d)",
                                name, needed[i], year, year);
    }
    cs_scenario *s = NULL;
    int rc = cs_scenario_copy(structure, &s, err);
    if (rc != CS_OK)
        return rc;
    double before = population(s);
    char note[512];
    int scaled = 0;
    if (fit_set_stocks(s, data, area, year, 1, &scaled, note, sizeof note)) {
        cs_scenario_free(s);
        return cs_error_set(err, CS_EINPUT,
                            "%s at 31 March %d: the published children in "
                            "need, on plans and looked after are more than "
                            "the population",
                            name, year);
    }
    if (ratio)
        *ratio = before > 0 ? population(s) / before : 1;
    *out = s;
    return CS_OK;
}

/* ---- the YAML ------------------------------------------------------------ */

/* A per-year list as the structure gave it: n values (one: a number). */
static void write_per_year(FILE *f, const double *v, int n)
{
    if (n == 1) {
        fprintf(f, "%.0f", v[0]);
        return;
    }
    fprintf(f, "[");
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%.0f", i ? ", " : "", v[i]);
    fprintf(f, "]");
}

/* 1 if ages are what the loader makes of their total with uniform shares
 * (largest remainder, the younger first on a tie: the first total mod 18
 * ages have one more) */
static int uniform(const double *ages)
{
    double total = 0;
    for (int a = 0; a < CS_AGES; a++)
        total += ages[a];
    double each = floor(total / CS_AGES), extra = total - each * CS_AGES;
    for (int a = 0; a < CS_AGES; a++)
        if (ages[a] != each + (a < extra ? 1 : 0))
            return 0;
    return 1;
}

/* age_shares of counts by age, 9 decimals summing to 1 as written: the
 * loader's largest-remainder split of the total gives the counts back */
static void write_age_shares(FILE *f, const char *indent, const double *ages)
{
    double total = 0, given = 0;
    for (int a = 0; a < CS_AGES; a++)
        total += ages[a];
    if (uniform(ages)) {
        fprintf(f, "%sage_shares: uniform\n", indent);
        return;
    }
    fprintf(f, "%sage_shares:\n", indent);
    for (int a = 0; a < CS_AGES; a++) {
        double share = a < CS_AGES - 1
                           ? (total > 0 ? floor(ages[a] / total * 1e9) / 1e9
                                        : floor(1e9 / CS_AGES) / 1e9)
                           : 1 - given;
        given += share;
        fprintf(f, "%s  - {ages: \"%d\", share: %.9f}\n", indent, a,
                share < 0 ? 0 : share);
    }
}

static const char *kind_of(const cs_scenario *s, int st, const int *published)
{
    int dfe = (int)s->stages[st].dfe;
    if (dfe == CS_DFE_NONE || !published[dfe])
        return "SCALED: the structure's children x the population ratio "
               "(no published figure of the area)";
    if (dfe == CS_DFE_CIN)
        return "DERIVED: children in need less those on plans and looked "
               "after, split as in the structure";
    return dfe == CS_DFE_CP ? "PUBLISHED: children on a CP plan"
                            : "PUBLISHED: children looked after";
}

int cs_area_write_yaml(const cs_scenario *a, const cs_scenario *structure,
                       const cs_series *data, int area, const char *sources,
                       const char *path, const char *extends, const char *name,
                       cs_error *err)
{
    int year = a->base_year;
    const char *area_name = cs_series_area_name(data, area);
    double pop = population(a), england = population(structure);
    double ratio = england > 0 ? pop / england : 1;
    double v;
    int published[4] = {0};
    published[CS_DFE_CP] = fit_get(data, area, "cpp_31_march", year, &v);
    published[CS_DFE_LOOKED_AFTER] =
        fit_get(data, area, "cla_31_march", year, &v);
    published[CS_DFE_CIN] = fit_get(data, area, "cin_31_march", year, &v) &&
                            published[CS_DFE_CP] &&
                            published[CS_DFE_LOOKED_AFTER];
    int bands = fit_get(data, area, "cla_31_march_age_under_1", year, &v);

    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >=
        (int)sizeof tmp)
        return cs_error_set(err, CS_EINPUT, "output path too long: %s", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return cs_error_set(err, CS_EINPUT, "cannot write %s: %s", path,
                            strerror(errno));
    fprintf(f,
            "# %s (%s): %s's structure with the area's own figures at 31 "
            "March %d,\n# written by cascade init from %s.\n#\n"
            "# Each figure below says what it is: PUBLISHED (the area's "
            "statistic), DERIVED\n# (computed from published ones), or "
            "SCALED: the structure's figure times the\n# area's 0-17 "
            "population over the structure's (%.0f / %.0f = %.6g), an\n"
            "# ASSUMPTION where the area publishes nothing: check it against "
            "what the council\n# knows (its early help, its foster places, "
            "its budgets). Everything else\n# (rates, durations, placement "
            "mix, costs) is the structure's until\n# `cascade fit "
            "--area %s` estimates the area's own (docs/council.md).\n",
            area_name, cs_series_area_code(data, area), structure->name, year,
            sources, pop, england, ratio, cs_series_area_code(data, area));
    fprintf(f, "\nformat_version: 1\nextends: \"%s\"\nname: %s\n", extends,
            name);
    fprintf(f,
            "description: >\n  %s from April %d: %s with the area's "
            "population and\n  children at 31 March %d (cascade init).\n",
            area_name, year, structure->name, year);

    fprintf(f, "\npopulation:\n");
    if (fit_get(data, area, "population_0_17", year + 1, &v))
        fprintf(f,
                "  # PUBLISHED: ONS mid-year 0-17 estimates, three quarters of "
                "the way from\n  # mid-%d to mid-%d (31 March %d); ages as "
                "the structure's\n",
                year - 1, year, year);
    else
        fprintf(f,
                "  # PUBLISHED: the ONS mid-%d 0-17 estimate (the latest in "
                "the data); ages as\n  # the structure's\n",
                year - 1);
    fprintf(f, "  total: %.0f\n", pop);
    fprintf(f, "  stages:\n");
    for (int st = 0; st < a->n_stages; st++) {
        const cs_stage *x = &a->stages[st];
        if (st == a->remainder_stage)
            continue;
        int first = st, n = 1;
        if (x->group >= 0) {
            if (a->groups[x->group].first_stage != st)
                continue;
            first = a->groups[x->group].first_stage;
            n = a->groups[x->group].n_stages;
        }
        double ages[CS_AGES] = {0}, total = 0, in_structure = 0;
        for (int k = first; k < first + n; k++)
            for (int g = 0; g < CS_AGES; g++) {
                ages[g] += a->initial[k][g];
                total += a->initial[k][g];
                in_structure += structure->initial[k][g];
            }
        if (!(in_structure > 0))
            continue; /* not in the structure's population */
        const char *id = x->group >= 0 ? a->groups[x->group].id : x->id;
        fprintf(f, "    %s:\n      # %s\n      count: %.0f\n", id,
                kind_of(a, st, published), total);
        if (x->group >= 0) {
            fprintf(f, "      # DERIVED: the published total split as the "
                       "structure's placements\n      placements:\n");
            for (int k = first; k < first + n; k++) {
                double c = 0;
                for (int g = 0; g < CS_AGES; g++)
                    c += a->initial[k][g];
                fprintf(f, "        %s: %.0f\n",
                        a->stages[k].id + strlen(id) + 1, c);
            }
        }
        if (x->dfe == CS_DFE_LOOKED_AFTER && bands)
            fprintf(f, "      # PUBLISHED: DfE's age bands, spread within "
                       "each band as the structure's\n");
        else
            fprintf(f, "      # the structure's ages\n");
        write_age_shares(f, "      ", ages);
    }

    fprintf(f,
            "\n# SCALED: what grows with the population, the structure's x "
            "%.6g; fixed\n# places with their placement's children (the "
            "structure's headroom)\n",
            ratio);
    if (a->n_births > 0) {
        fprintf(f, "births:\n  per_year: ");
        write_per_year(f, a->births_per_year, a->n_births);
        fprintf(f, "\n");
    }
    if (a->n_migration > 0) {
        int any = 0;
        for (int y = 0; y < a->n_migration; y++)
            any |= a->migration_per_year[y] != 0;
        if (any) {
            fprintf(f, "population.net_migration.per_year: ");
            write_per_year(f, a->migration_per_year, a->n_migration);
            fprintf(f, "\n");
        }
    }
    for (int i = 0; i < a->n_arrivals; i++) {
        fprintf(f, "arrivals.%s.per_year: ", a->arrivals[i].id);
        write_per_year(f, a->arrivals[i].per_year, a->arrivals[i].n_years);
        fprintf(f, "\n");
    }
    for (int i = 0; i < a->n_streams; i++) {
        fprintf(f, "funding.%s.per_year: ", a->streams[i].id);
        write_per_year(f, a->streams[i].per_year, a->streams[i].n_years);
        fprintf(f, "  # cash GBP a year\n");
    }
    for (int st = 0; st < a->n_stages; st++) {
        const cs_stage *x = &a->stages[st];
        if (!x->has_capacity || x->funded_by || x->places < 0)
            continue;
        if (x->group >= 0)
            fprintf(f, "stages.%s.placements.%s.capacity.places: %.0f\n",
                    a->groups[x->group].id,
                    x->id + strlen(a->groups[x->group].id) + 1, x->places);
        else
            fprintf(f, "stages.%s.capacity.places: %.0f\n", x->id, x->places);
    }
    int failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        unlink(tmp);
        return cs_error_set(err, CS_EIO, "writing %s failed", path);
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return cs_error_set(err, CS_EIO, "renaming %s to %s: %s", tmp, path,
                            strerror(errno));
    }
    return CS_OK;
}
