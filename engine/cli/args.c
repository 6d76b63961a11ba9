/*
 * args.c - command-line values (see args.h).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "args.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_count(const char *command, const char *flag, const char *text,
                    long max, long *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || *end || end == text || value < 1 || value > max) {
        fprintf(stderr,
                "%s: %s: expected a whole number from 1 to %ld, found '%s'\n",
                command, flag, max, text);
        return -1;
    }
    *out = value;
    return 0;
}

int cli_parse_seed(const char *command, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || *end || end == text || text[0] == '-') {
        fprintf(stderr,
                "%s: --seed: expected a whole number from 0 to "
                "18446744073709551615, found '%s'\n",
                command, text);
        return -1;
    }
    *out = (uint64_t)value;
    return 0;
}

int cli_parse_range(const char *command, const char *flag, const char *text,
                    long lo, long limit, const char *what, const char *example,
                    long *first, long *last)
{
    char *end;
    errno = 0;
    long a = strtol(text, &end, 10), b = -1;
    int ok = !errno && end != text && *end == ':' && a >= lo && text[0] != '-';
    if (ok) {
        const char *second = end + 1;
        b = strtol(second, &end, 10);
        ok = !errno && end != second && !*end && second[0] != '-' && b >= a &&
             b < limit;
    }
    if (!ok) {
        fprintf(stderr,
                "%s: %s: expected FIRST:LAST, two %s with FIRST <= LAST (e.g. "
                "%s), found '%s'\n",
                command, flag, what, example, text);
        return -1;
    }
    *first = a;
    *last = b;
    return 0;
}

int cli_parse_table(const char *command, const char *text, int *full)
{
    if (strcmp(text, "full") != 0 && strcmp(text, "headline") != 0) {
        fprintf(stderr,
                "%s: --table: expected headline (the default) or full, found "
                "'%s'\n",
                command, text);
        return -1;
    }
    *full = strcmp(text, "full") == 0;
    return 0;
}

/* The input as the output's directory reaches it: a path relative to that
 * directory (both made absolute first), or the input as given when either
 * cannot be resolved. */
void cli_extends_path(const char *input, const char *output, char *out,
                      size_t size)
{
    char in_abs[PATH_MAX], dir[PATH_MAX], out_dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", output);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    if (!realpath(input, in_abs) || !realpath(dir, out_dir)) {
        snprintf(out, size, "%s", input);
        return;
    }
    /* directory components the two share, from the root */
    size_t i = 0, common = 0;
    while (in_abs[i] && in_abs[i] == out_dir[i]) {
        i++;
        if (in_abs[i] == '/' && (out_dir[i] == '/' || out_dir[i] == '\0'))
            common = i;
    }
    if (out_dir[i] == '\0' && in_abs[i] == '/')
        common = i; /* the output's directory holds the input */
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = out_dir + common; *p; p++)
        if (*p == '/' && used + 4 < size) {
            memcpy(out + used, "../", 4);
            used += 3;
        }
    snprintf(out + used, size - used, "%s", in_abs + common + 1);
}

/* "Kingston upon Hull, City of" -> "kingston-upon-hull-city-of" */
void cli_slug(const char *area, char *out, size_t size)
{
    size_t k = 0;
    int dash = 0;
    for (const char *p = area; *p && k + 1 < size; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && k > 0 && k + 2 < size)
                out[k++] = '-';
            out[k++] = c;
            dash = 0;
        } else {
            dash = 1;
        }
    }
    out[k] = '\0';
    if (k == 0)
        snprintf(out, size, "area");
}

int cli_add_data(const char *command, const char **paths, int *n,
                 const char *path)
{
    if (*n == CLI_MAX_DATA) {
        fprintf(stderr, "%s: --data: at most %d files\n", command,
                CLI_MAX_DATA);
        return -1;
    }
    paths[(*n)++] = path;
    return 0;
}

/* the last component of path, ignoring trailing slashes, into out */
static void name_of(const char *path, char *out, size_t size)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && path[start - 1] != '/')
        start--;
    snprintf(out, size, "%.*s", (int)(len - start), path + start);
}

void cli_join_names(const char *const *paths, int n, const char *ssda903,
                    char *out, size_t size)
{
    char name[256];
    out[0] = '\0';
    for (int i = 0; i < n + (ssda903 != NULL); i++) {
        size_t used = strlen(out);
        name_of(i < n ? paths[i] : ssda903, name, sizeof name);
        snprintf(out + used, size - used, "%s%s%s%s", i ? ", " : "",
                 i < n ? "" : "SSDA903 return in ", name, i < n ? "" : "/");
    }
}

void cli_join_paths(const char *const *paths, int n, char *out, size_t size)
{
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", i ? " and " : "", paths[i]);
    }
}
