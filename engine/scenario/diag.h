/*
 * diag.h - the pieces of a scenario error message: where (file:line:col),
 * what was found (a short description of a node), and what the user
 * probably meant (the nearest name by edit distance).
 *
 * Private to engine/scenario.
 */
#ifndef CASCADE_SCENARIO_DIAG_H
#define CASCADE_SCENARIO_DIAG_H

#include <stddef.h>

#include "cascade/error.h"
#include "scenario/tree.h"

/* Room for a description of a found value or a list of names. */
#define DIAG_TEXT_MAX 512

/* Set err to CS_EINPUT with "file:line:col: " and the formatted text. At
 * a mapping that a later file of the extends chain merged into, the place
 * is that file's key, and the base's place follows the text. */
int diag_error(cs_error *err, const tree_node *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
 * What a node is, for "found ...": "a mapping", "a list", "nothing",
 * "-0.5" (plain scalars that look like numbers, as written), "'abc'"
 * (other plain scalars) or "a string (\"0.5\")" (quoted scalars).
 */
const char *diag_describe(const tree_node *node, char *buf, size_t size);

/* Edit distance between two strings (Levenshtein). */
size_t diag_distance(const char *a, const char *b);

/*
 * The candidate nearest to word, if within max(2, strlen(word) / 3)
 * edits, else NULL.
 */
const char *diag_suggest(const char *word, const char *const *candidates,
                         size_t n);

/* " (did you mean 'x'?)" or "", into buf. */
const char *diag_did_you_mean(const char *word, const char *const *candidates,
                              size_t n, char *buf, size_t size);

/* "a, b, c" into buf, ending in ", ..." if it does not fit. */
const char *diag_join(const char *const *items, size_t n, char *buf,
                      size_t size);

#endif
