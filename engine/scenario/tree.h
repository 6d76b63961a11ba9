/*
 * tree.h - a YAML document as a generic tree of mappings, sequences and
 * scalars, each node remembering the file, line and column it was written
 * at. The scenario loader parses every file into this form, merges the
 * trees of an `extends:` chain, validates the result against the schema
 * and emits it back as the resolved YAML text.
 *
 * Private to engine/scenario.
 */
#ifndef CASCADE_SCENARIO_TREE_H
#define CASCADE_SCENARIO_TREE_H

#include <stddef.h>

#include "cascade/error.h"

/* Limits that stop alias bombs ("billion laughs") and absurd nesting. */
#define TREE_MAX_NODES 1000000
#define TREE_MAX_DEPTH 64

typedef enum tree_kind {
    TREE_SCALAR,
    TREE_SEQUENCE,
    TREE_MAPPING,
} tree_kind;

/*
 * A mapping keeps its keys in the order written: keys[i] (always a scalar
 * node) maps to items[i]. A sequence uses items only.
 */
typedef struct tree_node {
    tree_kind kind;
    const char *file; /* as the user wrote the path; owned by the tree_ctx */
    int line, col;    /* 1-based */
    int layer;        /* of file in the extends chain: 0 the top file, 1 the
                         file it extends, ... (the lower, the later word) */
    char *text;       /* scalar: NUL-terminated, holding no other NUL */
    int quoted;       /* scalar: any style but plain, or tagged !!str */
    /* scalar: a plain 3-digit number written right after a comma, with no
     * space, in a flow list after a number: [82,500,000] is probably one
     * number written with thousands separators, which YAML reads as three */
    int thousands;
    /* mapping: where a later file of the extends chain merged its own
     * mapping into this one (the key it wrote), or NULL: the merged value
     * came partly from there */
    const char *merged_file;
    int merged_line, merged_col;
    size_t n, cap;
    struct tree_node **keys;
    struct tree_node **items;
} tree_node;

/* What one load shares: the file names nodes point at, and a node budget. */
typedef struct tree_ctx {
    cs_error *err;
    size_t n_nodes;
    char **files;
    size_t n_files, cap_files;
    int layer; /* given to the nodes made (tree_node.layer) */
    /* After tree_parse fails with CS_EINPUT: where, and what went wrong in
     * words that quote nothing from the text (for errors about a file that
     * may not be a scenario at all, whose content must not be echoed). */
    int fail_line, fail_col;
    char fail_what[160];
} tree_ctx;

void tree_ctx_init(tree_ctx *ctx, cs_error *err);
void tree_ctx_free(tree_ctx *ctx);
/* A copy of name that lives as long as ctx, or NULL (error set). */
const char *tree_ctx_file(tree_ctx *ctx, const char *name);

/*
 * Parse YAML text into a tree. *root is NULL when the text holds no
 * document at all. Errors (invalid YAML, invalid UTF-8, duplicate keys,
 * more than one document, too many nodes, too deep) fill ctx->err.
 */
int tree_parse(tree_ctx *ctx, const char *text, size_t len, const char *file,
               tree_node **root);

tree_node *tree_new(tree_ctx *ctx, tree_kind kind, const char *file, int line,
                    int col);
tree_node *tree_new_scalar(tree_ctx *ctx, const char *text, const char *file,
                           int line, int col);
void tree_free(tree_node *node);

/* Append a key and value to a mapping (no duplicate check). */
int tree_map_append(tree_ctx *ctx, tree_node *map, tree_node *key,
                    tree_node *value);
int tree_map_insert(tree_ctx *ctx, tree_node *map, size_t at, tree_node *key,
                    tree_node *value);
/* Index of key in a mapping, or -1. */
long tree_map_index(const tree_node *map, const char *key);
/* The value under key, or NULL. */
tree_node *tree_map_get(const tree_node *map, const char *key);
/* The key node for key, or NULL. */
const tree_node *tree_map_key(const tree_node *map, const char *key);
/* Detach entry i from a mapping, handing its key and value to the caller. */
void tree_map_take(tree_node *map, size_t i, tree_node **key,
                   tree_node **value);

/* A plain empty scalar or ~ / null: a key written with no value. */
int tree_is_null(const tree_node *node);

/* Write the tree as YAML text into *out (malloc'd, NUL-terminated). */
int tree_emit(const tree_node *root, char **out, cs_error *err);

#endif
