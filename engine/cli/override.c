/*
 * override.c - scenarios with lever numbers set (override.h), through an
 * in-memory what-if that extends the scenario file.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "override.h"

static const char *kind_key(cs_lever_kind kind)
{
    switch (kind) {
    case CS_LEVER_RATE:
        return "rate";
    case CS_LEVER_CAPACITY:
        return "capacity";
    case CS_LEVER_UNIT_COST:
        return "unit_cost";
    case CS_LEVER_FUNDING:
        return "funding";
    }
    return "?";
}

/* The fields a lever of this kind takes, as text for messages. */
static const char *kind_fields(cs_lever_kind kind)
{
    switch (kind) {
    case CS_LEVER_RATE:
        return "multiply or add";
    case CS_LEVER_CAPACITY:
        return "places or multiply";
    default:
        return "multiply";
    }
}

static int field_allowed(cs_lever_kind kind, const char *field)
{
    if (!strcmp(field, "multiply"))
        return 1;
    if (!strcmp(field, "add"))
        return kind == CS_LEVER_RATE;
    if (!strcmp(field, "places"))
        return kind == CS_LEVER_CAPACITY;
    return 0;
}

/* The value a field has in the scenario: an uncertain one holds its mean
 * there. */
static double field_value(const cs_lever *l, const char *field)
{
    if (!strcmp(field, "add"))
        return l->add;
    if (!strcmp(field, "places"))
        return l->places;
    return l->multiply;
}

int cli_lever_resolve(const cs_scenario *sc, const char *what, const char *spec,
                      char *path, size_t size, int *lever, double *current,
                      cs_error *err)
{
    char id[CS_ID_MAX] = "", field[CS_ID_MAX] = "", kind[CS_ID_MAX] = "";
    const char *rest = spec;
    int full = !strncmp(spec, "levers.", 7);
    if (full)
        rest = spec + 7;
    const char *dot = strchr(rest, '.');
    size_t id_len = dot ? (size_t)(dot - rest) : strlen(rest);
    if (id_len == 0 || id_len >= sizeof id)
        goto bad;
    memcpy(id, rest, id_len);
    id[id_len] = '\0';
    if (full) {
        /* levers.ID.KIND.FIELD */
        const char *second = dot ? strchr(dot + 1, '.') : NULL;
        if (!dot || !second || strchr(second + 1, '.') ||
            (size_t)(second - dot - 1) >= sizeof kind ||
            strlen(second + 1) >= sizeof field)
            goto bad;
        memcpy(kind, dot + 1, (size_t)(second - dot - 1));
        kind[second - dot - 1] = '\0';
        snprintf(field, sizeof field, "%s", second + 1);
    } else if (dot) {
        if (strchr(dot + 1, '.') || strlen(dot + 1) >= sizeof field)
            goto bad;
        snprintf(field, sizeof field, "%s", dot + 1);
    }
    *lever = -1;
    for (int i = 0; i < sc->n_levers; i++)
        if (!strcmp(sc->levers[i].id, id))
            *lever = i;
    if (*lever < 0) {
        char list[600] = "";
        size_t used = 0;
        for (int i = 0; i < sc->n_levers && used + CS_ID_MAX + 3 < sizeof list;
             i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     i ? ", " : "", sc->levers[i].id);
        return cs_error_set(err, CS_EINPUT,
                            "%s: expected one of the levers of scenario "
                            "'%s' (%s), found '%s'",
                            what, sc->name, sc->n_levers ? list : "it has none",
                            id);
    }
    const cs_lever *l = &sc->levers[*lever];
    if (kind[0] && strcmp(kind, kind_key(l->kind)) != 0)
        return cs_error_set(err, CS_EINPUT,
                            "%s: lever '%s' is a %s lever, not %s: expected "
                            "levers.%s.%s.FIELD",
                            what, id, kind_key(l->kind), kind, id,
                            kind_key(l->kind));
    if (!field[0])
        snprintf(field, sizeof field, "%s",
                 l->kind == CS_LEVER_CAPACITY && l->places >= 0 ? "places"
                                                                : "multiply");
    if (!field_allowed(l->kind, field))
        return cs_error_set(err, CS_EINPUT,
                            "%s: expected a number lever '%s' takes (%s, "
                            "for a %s lever), found '%s'",
                            what, id, kind_fields(l->kind), kind_key(l->kind),
                            field);
    snprintf(path, size, "levers.%s.%s.%s", id, kind_key(l->kind), field);
    *current = field_value(l, field);
    return CS_OK;
bad:
    return cs_error_set(err, CS_EINPUT,
                        "%s: expected a lever as ID, ID.FIELD or "
                        "levers.ID.KIND.FIELD (e.g. fewer_cp_plans or "
                        "fewer_cp_plans.multiply), found '%s'",
                        what, spec);
}

void cli_override_name(const char *name, const char *suffix, char *out,
                       size_t size)
{
    size_t limit = size < CS_ID_MAX ? size : CS_ID_MAX;
    size_t keep = strlen(name);
    if (keep + strlen(suffix) + 1 > limit)
        keep = limit > strlen(suffix) + 1 ? limit - strlen(suffix) - 1 : 0;
    while (keep > 0 && name[keep - 1] == '-')
        keep--;
    snprintf(out, size, "%.*s%s", (int)keep, name, suffix);
}

/* text as a YAML double-quoted scalar into out. */
static void quoted(const char *text, char *out, size_t size)
{
    size_t used = 0;
    if (size < 3)
        return;
    out[used++] = '"';
    for (const char *c = text; *c && used + 3 < size; c++) {
        if (*c == '"' || *c == '\\')
            out[used++] = '\\';
        out[used++] = *c;
    }
    out[used++] = '"';
    out[used] = '\0';
}

int cli_override_load(const char *base_path, const cs_scenario *base,
                      const char *name, int n, const char *const *paths,
                      const double *values, cs_scenario **out, cs_error *err)
{
    *out = NULL;
    char absolute[PATH_MAX];
    struct stat st;
    if (stat(base_path, &st) != 0 || !S_ISREG(st.st_mode) ||
        !realpath(base_path, absolute))
        return cs_error_set(err, CS_EINPUT,
                            "%s: expected a scenario file (a regular file: "
                            "its levers are set by a what-if that extends "
                            "it), found none there or not a regular file",
                            base_path);
    if (n < 0 || n > CLI_OVERRIDE_MAX)
        return cs_error_set(err, CS_EINPUT,
                            "expected at most %d levers set at once, found "
                            "%d",
                            CLI_OVERRIDE_MAX, n);
    char extends[2 * PATH_MAX + 3];
    quoted(absolute, extends, sizeof extends);
    size_t size =
        strlen(extends) + 64 + CS_ID_MAX + (size_t)n * (CS_PATH_MAX + 40);
    char *text = malloc(size);
    if (!text)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    size_t used =
        (size_t)snprintf(text, size, "extends: %s\nname: %s\n", extends, name);
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(text + used, size - used, "%s: %.17g\n",
                                 paths[i], values[i]);
    char display[PATH_MAX + 32];
    snprintf(display, sizeof display, "%s (levers set)", base_path);
    int rc = cs_scenario_load_string(text, used, display, NULL, out, err);
    free(text);
    if (rc == CS_OK && (!(*out)->extends_hash || !base->resolved_hash ||
                        strcmp((*out)->extends_hash, base->resolved_hash)))
        rc = cs_error_set(err, CS_EINPUT,
                          "%s: the scenario file (or a file it extends) "
                          "changed while it was being run: run again",
                          base_path);
    for (int i = 0; rc == CS_OK && i < n; i++) {
        char path[CS_PATH_MAX];
        int lever;
        double value;
        rc = cli_lever_resolve(*out, display, paths[i], path, sizeof path,
                               &lever, &value, err);
        if (rc == CS_OK && value != values[i])
            rc = cs_error_set(err, CS_EFAIL,
                              "%s: %s reads back as %.17g, not %.17g", display,
                              paths[i], value, values[i]);
    }
    if (rc != CS_OK) {
        cs_scenario_free(*out);
        *out = NULL;
    }
    return rc;
}
