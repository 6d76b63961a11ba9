/*
 * diag.c - error message helpers for the scenario loader (see diag.h).
 */
#include "scenario/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int diag_error(cs_error *err, const tree_node *at, const char *fmt, ...)
{
    char text[CS_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* A mapping a later file merged into: the override made it what it is */
    if (at->merged_file)
        return cs_error_set(err, CS_EINPUT,
                            "%s:%d:%d: %s (merged into the base's value at "
                            "%s:%d:%d)",
                            at->merged_file, at->merged_line, at->merged_col,
                            text, at->file, at->line, at->col);
    return cs_error_set(err, CS_EINPUT, "%s:%d:%d: %s", at->file, at->line,
                        at->col, text);
}

/* Does a plain scalar look like a number (so it is shown unquoted)? */
static int looks_numeric(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (strcmp(s, ".inf") == 0 || strcmp(s, ".Inf") == 0 ||
        strcmp(s, ".INF") == 0)
        return 1;
    if (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 ||
        strcmp(s, ".NAN") == 0)
        return 1;
    int digits = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (!strchr("._eE+-", *s))
            return 0;
    }
    return digits > 0;
}

const char *diag_describe(const tree_node *node, char *buf, size_t size)
{
    if (node->kind == TREE_MAPPING) {
        snprintf(buf, size, "a mapping");
        return buf;
    }
    if (node->kind == TREE_SEQUENCE) {
        snprintf(buf, size, "a list");
        return buf;
    }
    if (tree_is_null(node)) {
        snprintf(buf, size, "nothing");
        return buf;
    }
    /* Long values are cut: the line and column say where the rest is. */
    char text[64];
    size_t len = strlen(node->text);
    if (len < sizeof text) {
        memcpy(text, node->text, len + 1);
    } else {
        size_t keep = sizeof text - 4;
        while (keep > 0 && ((unsigned char)node->text[keep] & 0xC0) == 0x80)
            keep--; /* do not cut a UTF-8 character in two */
        memcpy(text, node->text, keep);
        memcpy(text + keep, "...", 4);
    }
    for (char *p = text; *p; p++)
        if (*p == '\n' || *p == '\t' || *p == '\r')
            *p = ' ';
    if (node->quoted)
        snprintf(buf, size, "a string (\"%s\")", text);
    else if (looks_numeric(text))
        snprintf(buf, size, "%s", text);
    else
        snprintf(buf, size, "'%s'", text);
    return buf;
}

size_t diag_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 256 || lb > 256)
        return (size_t)-1; /* no suggestion for absurd words */
    size_t row[257];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *diag_suggest(const char *word, const char *const *candidates,
                         size_t n)
{
    size_t limit = strlen(word) / 3;
    if (limit < 2)
        limit = 2;
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = diag_distance(word, candidates[i]);
        if (d < best_distance) {
            best_distance = d;
            best = candidates[i];
        }
    }
    return best_distance <= limit ? best : NULL;
}

const char *diag_did_you_mean(const char *word, const char *const *candidates,
                              size_t n, char *buf, size_t size)
{
    const char *best = diag_suggest(word, candidates, n);
    if (best)
        snprintf(buf, size, " (did you mean '%s'?)", best);
    else if (size > 0)
        buf[0] = '\0';
    return buf;
}

const char *diag_join(const char *const *items, size_t n, char *buf,
                      size_t size)
{
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(items[i]);
        const char *sep = i ? ", " : "";
        /* keep room for ", ..." and the NUL */
        if (used + strlen(sep) + len + 6 > size) {
            if (used + 6 <= size)
                memcpy(buf + used, ", ...", 6);
            return buf;
        }
        used +=
            (size_t)snprintf(buf + used, size - used, "%s%s", sep, items[i]);
    }
    return buf;
}
