/*
 * load.c - the public entry points of the scenario loader: read a file,
 * resolve its `extends:` chain into one tree, give it a name, validate it
 * into a cs_scenario (schema.c) and keep the merged tree as YAML text.
 *
 * Resolution, for one file:
 *   1. parse it into a tree (tree.c); the top level must be a mapping;
 *   2. split dotted keys into nested mappings, so `a.b.c: 1` means
 *      `a: {b: {c: 1}}` (the same file setting one value twice is a
 *      duplicate key);
 *   3. if it says `extends: PATH`, load PATH (relative to this file's
 *      directory, else an embedded shipped scenario of that base name) the
 *      same way, drop the base's `name`, and merge this file into it:
 *      mappings merge key by key, anything else replaces the base's value.
 * Every node keeps the file, line and column it came from, so errors found
 * after merging still point where the value was written; a mapping that a
 * later file merged into also records where (tree_node.merged_file), so an
 * error about the merged whole points at the override that changed it.
 *
 * `extends:` names regular files only: the path is stat()ed before it is
 * opened, and opened without blocking and fstat()ed again (closing the race
 * with a file swapped in between), so a FIFO, a terminal, /dev/stdin or a
 * directory is refused at once instead of blocking or reading forever. The
 * top file may be a pipe (`cascade run <(make-scenario)`). A shipped
 * scenario extends only shipped scenarios, and never the file system. A
 * base that is not a scenario at all (not YAML, not a mapping, none of the
 * scenario's keys) is refused at the extends line without quoting it.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/scenario.h"
#include "scenario/builtin.h"
#include "scenario/diag.h"
#include "scenario/hash.h"
#include "scenario/schema.h"
#include "scenario/tree.h"

#define MAX_EXTENDS 16 /* files in a chain, beyond the top */
#define MAX_FILE_BYTES (64L * 1024 * 1024) /* a scenario is a few kilobytes */
#define BUILTIN_PREFIX "<builtin>/"
#define NOT_REGULAR (-1) /* read_file: a directory, FIFO, device or socket */

typedef struct chain_link {
    const char *display;         /* the path as the user would write it */
    char *real;                  /* realpath, or a unique key; owned */
    char *dir;                   /* where its extends look; owned; NULL: . */
    int builtin;                 /* shipped inside the library */
    const tree_node *extends_at; /* this file's extends value */
} chain_link;

typedef struct loader {
    tree_ctx tree;
    cs_error *err;
    int depth; /* chain[0..depth] are the files being loaded */
    chain_link chain[MAX_EXTENDS + 1];
    char *extends_source;  /* the top file's base as opened; owned */
    char extends_hash[17]; /* cs_text_hash of the base's resolved YAML */
} loader;

static int out_of_memory(cs_error *err)
{
    return cs_error_set(err, CS_ENOMEM, "out of memory");
}

/* The directory part of path, malloc'd, or NULL for "no directory". */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return NULL;
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(len + 1);
    if (dir) {
        memcpy(dir, path, len);
        dir[len] = '\0';
    }
    return dir;
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* dir/path, or path itself when absolute or dir is NULL. Malloc'd. */
static char *join_path(const char *dir, const char *path)
{
    if (!dir || path[0] == '/' || strcmp(dir, ".") == 0)
        return strdup(path);
    size_t ld = strlen(dir), lp = strlen(path);
    int slash = dir[ld - 1] != '/';
    char *out = malloc(ld + (size_t)slash + lp + 1);
    if (out) {
        memcpy(out, dir, ld);
        if (slash)
            out[ld] = '/';
        memcpy(out + ld + (size_t)slash, path, lp + 1);
    }
    return out;
}

/*
 * Read a whole file. Returns 0, or an errno value (ENOMEM, EISDIR, EFBIG for
 * a file beyond MAX_FILE_BYTES, or what stat / open / read said), or
 * NOT_REGULAR with the file's type in *mode when regular_only and the path
 * is not a regular file.
 *
 * The file is opened non-blocking: opening a FIFO for reading otherwise
 * waits, forever, for a writer. Once open it reads normally, so a pipe with
 * a writer (`cascade run <(make-scenario)`) works, a FIFO nobody writes to
 * reads as empty, and an endless device (/dev/zero) stops at the cap. With
 * regular_only nothing but a regular file is read: the path is checked
 * before it is opened and the descriptor after.
 */
static int read_file(const char *path, int regular_only, char **text,
                     size_t *len, unsigned *mode)
{
    *text = NULL;
    *len = 0;
    *mode = 0;
    struct stat info;
    if (regular_only) {
        if (stat(path, &info) != 0)
            return errno ? errno : ENOENT;
        if (!S_ISREG(info.st_mode)) {
            *mode = (unsigned)info.st_mode;
            return NOT_REGULAR;
        }
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return errno ? errno : ENOENT;
    int flags = fcntl(fd, F_GETFL);
    int rc = 0;
    if (fstat(fd, &info) != 0)
        rc = errno ? errno : EIO;
    else if (regular_only && !S_ISREG(info.st_mode))
        rc = NOT_REGULAR, *mode = (unsigned)info.st_mode;
    else if (S_ISDIR(info.st_mode))
        rc = EISDIR;
    else if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
        rc = errno ? errno : EIO;
    FILE *f = rc ? NULL : fdopen(fd, "rb");
    if (!f) {
        if (!rc)
            rc = errno ? errno : EIO;
        close(fd);
        return rc;
    }
    size_t cap = 4096, used = 0;
    char *buf = malloc(cap);
    rc = buf ? 0 : ENOMEM;
    while (rc == 0) {
        if (used == cap) {
            if ((long)cap >= MAX_FILE_BYTES) {
                rc = EFBIG;
                break;
            }
            char *p = realloc(buf, cap * 2);
            if (!p) {
                rc = ENOMEM;
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) {
            if (ferror(f))
                rc = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    *text = buf;
    *len = used;
    return 0;
}

/* What a file that is not a regular file is, for "found '...', a FIFO". */
static const char *file_kind(unsigned mode)
{
    mode_t m = (mode_t)mode;
    return S_ISDIR(m)    ? "a directory"
           : S_ISFIFO(m) ? "a FIFO or pipe"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

/* Why read_file failed, in words. */
static const char *read_error(int e)
{
    return e == EFBIG ? "file too large (a scenario is at most 64 MiB)"
                      : strerror(e);
}

static const cs_builtin_scenario *find_builtin(const char *file_name)
{
    for (const cs_builtin_scenario *b = cs_builtin_scenarios; b->file_name; b++)
        if (strcmp(b->file_name, file_name) == 0)
            return b;
    return NULL;
}

/* ---- dotted keys ------------------------------------------------------ */

static int duplicate(loader *ld, const tree_node *key, const char *written,
                     const tree_node *first)
{
    return diag_error(ld->err, key, "duplicate key '%s' (first at line %d)",
                      written, first->line);
}

/*
 * Merge src into dst, both from the same file: any value set on both
 * sides is a duplicate. Consumes src.
 */
static int merge_same_file(loader *ld, tree_node *dst, tree_node *src,
                           const tree_node *written_key)
{
    int rc = CS_OK;
    while (src->n > 0 && rc == CS_OK) {
        tree_node *key, *value;
        tree_map_take(src, 0, &key, &value);
        long at = tree_map_index(dst, key->text);
        if (at < 0) {
            rc = tree_map_append(&ld->tree, dst, key, value);
            if (rc == CS_OK)
                continue;
        } else if (dst->items[at]->kind == TREE_MAPPING &&
                   value->kind == TREE_MAPPING) {
            rc = merge_same_file(ld, dst->items[at], value, written_key);
            value = NULL;
        } else {
            rc = duplicate(ld, written_key, written_key->text, dst->keys[at]);
        }
        tree_free(key);
        tree_free(value);
    }
    tree_free(src);
    return rc;
}

/*
 * Put value at the path segs[0..n) inside map, creating mappings on the
 * way. key is the key as written ("a.b.c"); it gives the new keys their
 * place. Consumes value.
 */
static int set_path(loader *ld, tree_node *map, char **segs, int n,
                    const tree_node *key, const int *cols, tree_node *value)
{
    long at = tree_map_index(map, segs[0]);
    if (at >= 0) {
        tree_node *existing = map->items[at];
        if (existing->kind != TREE_MAPPING ||
            (n == 1 && value->kind != TREE_MAPPING)) {
            tree_free(value);
            return duplicate(ld, key, key->text, map->keys[at]);
        }
        if (n == 1)
            return merge_same_file(ld, existing, value, key);
        return set_path(ld, existing, segs + 1, n - 1, key, cols + 1, value);
    }
    tree_node *new_key =
        tree_new_scalar(&ld->tree, segs[0], key->file, key->line, cols[0]);
    tree_node *child = value;
    if (new_key && n > 1)
        child =
            tree_new(&ld->tree, TREE_MAPPING, key->file, key->line, key->col);
    int rc = new_key && child ? tree_map_append(&ld->tree, map, new_key, child)
                              : ld->err->code;
    if (rc) {
        tree_free(new_key);
        if (child != value)
            tree_free(child);
        tree_free(value);
        return rc;
    }
    if (n == 1)
        return CS_OK;
    return set_path(ld, child, segs + 1, n - 1, key, cols + 1, value);
}

static int split_key(loader *ld, tree_node *map, tree_node *key,
                     tree_node *value)
{
    char *copy = strdup(key->text);
    char *segs[TREE_MAX_DEPTH];
    int cols[TREE_MAX_DEPTH];
    int n = 0, rc = CS_OK;
    if (!copy) {
        tree_free(value);
        return out_of_memory(ld->err);
    }
    char *start = copy;
    for (char *p = copy;; p++) {
        if (*p != '.' && *p != '\0')
            continue;
        int last = *p == '\0';
        *p = '\0';
        if (*start == '\0' || n == TREE_MAX_DEPTH) {
            rc = diag_error(ld->err, key,
                            "expected a key or a dotted key path like "
                            "transitions.referral.rate, found '%s'",
                            key->text);
            break;
        }
        /* A plain key sits on one line: each part has its own column. */
        cols[n] = key->col + (key->quoted ? 0 : (int)(start - copy));
        segs[n++] = start;
        start = p + 1;
        if (last)
            break;
    }
    if (rc == CS_OK)
        rc = set_path(ld, map, segs, n, key, cols, value);
    else
        tree_free(value);
    free(copy);
    return rc;
}

/* Split the dotted keys of every mapping in the tree. */
static int split_dotted_keys(loader *ld, tree_node *node)
{
    if (node->kind == TREE_SEQUENCE) {
        for (size_t i = 0; i < node->n; i++) {
            int rc = split_dotted_keys(ld, node->items[i]);
            if (rc)
                return rc;
        }
        return CS_OK;
    }
    if (node->kind != TREE_MAPPING)
        return CS_OK;
    int has_dots = 0;
    for (size_t i = 0; i < node->n; i++) {
        int rc = split_dotted_keys(ld, node->items[i]);
        if (rc)
            return rc;
        if (strchr(node->keys[i]->text, '.'))
            has_dots = 1;
    }
    if (!has_dots)
        return CS_OK;
    /* Rebuild the mapping, entry by entry, in the order written. */
    size_t n = node->n;
    tree_node **keys = node->keys, **items = node->items;
    node->keys = node->items = NULL;
    node->n = node->cap = 0;
    int rc = CS_OK;
    size_t i = 0;
    for (; i < n && rc == CS_OK; i++) {
        if (strchr(keys[i]->text, '.')) {
            rc = split_key(ld, node, keys[i], items[i]);
            tree_free(keys[i]);
        } else {
            rc = set_path(ld, node, &keys[i]->text, 1, keys[i], &keys[i]->col,
                          items[i]);
            tree_free(keys[i]);
        }
    }
    for (; i < n; i++) {
        tree_free(keys[i]);
        tree_free(items[i]);
    }
    free(keys);
    free(items);
    return rc;
}

/* ---- merging ---------------------------------------------------------- */

/* Merge child into base, file over file. Consumes child. */
static int merge_over(loader *ld, tree_node *base, tree_node *child)
{
    int rc = CS_OK;
    while (child->n > 0 && rc == CS_OK) {
        tree_node *key, *value;
        tree_map_take(child, 0, &key, &value);
        long at = tree_map_index(base, key->text);
        if (at < 0) {
            if ((rc = tree_map_append(&ld->tree, base, key, value))) {
                tree_free(key);
                tree_free(value);
            }
        } else if (base->items[at]->kind == TREE_MAPPING &&
                   value->kind == TREE_MAPPING) {
            /* the merged mapping now holds this file's values too */
            tree_node *into = base->items[at];
            into->merged_file = key->file;
            into->merged_line = key->line;
            into->merged_col = key->col;
            tree_free(key);
            rc = merge_over(ld, into, value);
        } else {
            tree_free(base->keys[at]);
            tree_free(base->items[at]);
            base->keys[at] = key;
            base->items[at] = value;
        }
    }
    tree_free(child);
    return rc;
}

static void remove_key(tree_node *map, const char *name)
{
    long at = tree_map_index(map, name);
    if (at >= 0) {
        tree_node *key, *value;
        tree_map_take(map, (size_t)at, &key, &value);
        tree_free(key);
        tree_free(value);
    }
}

/* ---- one file of the chain -------------------------------------------- */

static int load_text(loader *ld, const char *text, size_t len,
                     const char *display, const tree_node *extends_at,
                     tree_node **out);

/* The file name without its directory and .yaml / .yml ending. */
static void file_stem(const char *path, char *stem, size_t size)
{
    const char *base = base_of(path);
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
        len -= 5;
    else if (len > 4 && strcmp(base + len - 4, ".yml") == 0)
        len -= 4;
    if (len >= size)
        len = size - 1;
    memcpy(stem, base, len);
    stem[len] = '\0';
}

/*
 * Without `name:` a scenario is named for its file: say so in the tree, as
 * its first key. If the file's stem is no valid name: an error, or (quiet)
 * nothing.
 */
static int default_name(loader *ld, tree_node *root, const char *display,
                        int quiet)
{
    if (tree_map_index(root, "name") >= 0)
        return CS_OK;
    char stem[CS_ERROR_MAX / 4];
    file_stem(display, stem, sizeof stem);
    if (!schema_valid_name(stem))
        return quiet ? CS_OK
                     : diag_error(ld->err, root,
                                  "name: the scenario has no name: line and "
                                  "its file name '%s' is not a valid name "
                                  "(lowercase letters, digits and '-', at "
                                  "most %d characters); add a line such as "
                                  "name: my-scenario",
                                  stem, CS_ID_MAX - 1);
    tree_node *key =
        tree_new_scalar(&ld->tree, "name", root->file, root->line, root->col);
    tree_node *value =
        tree_new_scalar(&ld->tree, stem, root->file, root->line, root->col);
    int rc = key && value ? tree_map_insert(&ld->tree, root, 0, key, value)
                          : ld->err->code;
    if (rc) {
        tree_free(key);
        tree_free(value);
    }
    return rc;
}

/*
 * The top file's base, as loaded: where it was found, and the hash of the
 * resolved YAML that loading it on its own would give (the same tree, named
 * as load_scenario names a file without `name:`).
 */
static int record_base(loader *ld, tree_node *base, const char *display)
{
    char *yaml = NULL;
    int rc = default_name(ld, base, display, 1);
    if (rc == CS_OK)
        rc = tree_emit(base, &yaml, ld->err);
    if (rc == CS_OK) {
        cs_text_hash(yaml, strlen(yaml), ld->extends_hash);
        free(yaml);
        if (!(ld->extends_source = strdup(display)))
            rc = out_of_memory(ld->err);
    }
    return rc;
}

/* Find the file an extends value names: text, display name, realpath
 * (or a unique key) and directory, all owned by the caller but display. */
static int find_base(loader *ld, const tree_node *at, char **text, size_t *len,
                     const char **display, char **real, char **dir,
                     int *builtin)
{
    chain_link *self = &ld->chain[ld->depth];
    char *path = NULL;
    unsigned mode = 0;
    int e = ENOENT, rc = CS_OK;
    if (!self->builtin) {
        if (!(path = join_path(self->dir, at->text)))
            return out_of_memory(ld->err);
        e = read_file(path, 1, text, len, &mode);
    }
    if (e == ENOENT) {
        const cs_builtin_scenario *b = find_builtin(base_of(at->text));
        if (b) {
            char name[CS_ERROR_MAX];
            snprintf(name, sizeof name, "%s%s", BUILTIN_PREFIX, b->file_name);
            *display = tree_ctx_file(&ld->tree, name);
            *real = strdup(name);
            *text = malloc(b->length + 1);
            if (*text)
                memcpy(*text, b->text, b->length + 1);
            *len = b->length;
            *builtin = 1;
            if (!*display || !*real || !*text)
                rc = out_of_memory(ld->err);
            free(path);
            return rc;
        }
        if (self->builtin)
            return diag_error(ld->err, at,
                              "extends: expected a scenario shipped with "
                              "cascade (a shipped scenario extends only "
                              "shipped ones), found '%s'",
                              at->text);
    }
    if (e == ENOMEM)
        rc = out_of_memory(ld->err);
    else if (e == NOT_REGULAR)
        rc = diag_error(ld->err, at,
                        "extends: expected a regular file, found '%s', %s",
                        path, file_kind(mode));
    else if (e)
        rc = diag_error(ld->err, at, "extends: cannot open '%s': %s", path,
                        read_error(e));
    if (rc == CS_OK) {
        *display = tree_ctx_file(&ld->tree, path);
        *real = realpath(path, NULL);
        if (!*real)
            *real = strdup(path);
        *dir = dir_of(path);
        if (!*display || !*real || (!*dir && strchr(path, '/')))
            rc = out_of_memory(ld->err);
    }
    free(path);
    return rc;
}

/* Load the file an extends value names, as ld->chain[depth + 1]. */
static int load_base(loader *ld, const tree_node *at, tree_node **base)
{
    chain_link *self = &ld->chain[ld->depth];
    char buf[DIAG_TEXT_MAX];
    if (at->kind != TREE_SCALAR || tree_is_null(at))
        return diag_error(ld->err, at,
                          "extends: expected the path of a scenario file, "
                          "found %s",
                          diag_describe(at, buf, sizeof buf));
    if (ld->depth >= MAX_EXTENDS)
        return diag_error(ld->err, at,
                          "extends: expected at most %d files extending one "
                          "another, found more",
                          MAX_EXTENDS);

    char *text = NULL, *real = NULL, *dir = NULL;
    size_t len = 0;
    const char *display = NULL;
    int builtin = 0;
    int rc = find_base(ld, at, &text, &len, &display, &real, &dir, &builtin);

    /* A file already on the chain would extend itself, forever. */
    for (int i = 0; rc == CS_OK && i <= ld->depth; i++) {
        if (!ld->chain[i].real || strcmp(ld->chain[i].real, real) != 0)
            continue;
        char loop[CS_ERROR_MAX] = "";
        size_t used = 0;
        for (int j = i; j <= ld->depth + 1; j++) {
            const char *name = j <= ld->depth ? ld->chain[j].display : display;
            int w = snprintf(loop + used, sizeof loop - used, "%s%s",
                             j > i ? " -> " : "", name);
            if (w < 0 || (size_t)w >= sizeof loop - used)
                break;
            used += (size_t)w;
        }
        const tree_node *start = i == ld->depth ? at : ld->chain[i].extends_at;
        rc = diag_error(ld->err, start, "extends loop: %s", loop);
    }

    if (rc == CS_OK) {
        self->extends_at = at;
        ld->depth++;
        chain_link *link = &ld->chain[ld->depth];
        link->display = display;
        link->real = real;
        link->dir = dir;
        link->builtin = builtin;
        link->extends_at = NULL;
        real = dir = NULL;
        rc = load_text(ld, text, len, display, at, base);
        if (rc == CS_OK && ld->depth == 1)
            rc = record_base(ld, *base, display);
        free(link->real);
        free(link->dir);
        link->real = link->dir = NULL;
        ld->depth--;
        ld->tree.layer = ld->depth;
    }
    free(real);
    free(dir);
    free(text);
    return rc;
}

/* Is any top-level key of this mapping (before a dot) a scenario key? */
static int has_scenario_keys(const tree_node *root)
{
    for (size_t i = 0; i < root->n; i++) {
        const char *key = root->keys[i]->text;
        size_t n = strcspn(key, ".");
        char first[64];
        if (n >= sizeof first)
            continue;
        memcpy(first, key, n);
        first[n] = '\0';
        if (schema_is_top_key(first))
            return 1;
    }
    return 0;
}

/*
 * The file an extends value names is not a scenario: say so at the extends
 * line, naming the file and, without quoting anything in it, why.
 */
static int not_a_scenario(loader *ld, const tree_node *at, const char *display,
                          const char *why)
{
    return diag_error(ld->err, at,
                      "extends: expected a scenario file, found '%s', %s",
                      display, why);
}

static int load_text(loader *ld, const char *text, size_t len,
                     const char *display, const tree_node *extends_at,
                     tree_node **out)
{
    tree_node *root;
    char buf[DIAG_TEXT_MAX];
    *out = NULL;
    ld->tree.layer = ld->depth;
    int rc = tree_parse(&ld->tree, text, len, display, &root);
    if (rc == CS_EINPUT && extends_at) {
        snprintf(buf, sizeof buf,
                 "which cannot be read as a scenario (%s:%d:%d: %s)", display,
                 ld->tree.fail_line, ld->tree.fail_col, ld->tree.fail_what);
        return not_a_scenario(ld, extends_at, display, buf);
    }
    if (rc)
        return rc;
    if (!root) {
        if (extends_at)
            return not_a_scenario(ld, extends_at, display, "an empty file");
        return cs_error_set(ld->err, CS_EINPUT,
                            "%s:1:1: expected a mapping of scenario "
                            "settings, found an empty file",
                            display);
    }
    if (root->kind != TREE_MAPPING && extends_at) {
        snprintf(buf, sizeof buf,
                 "whose top level is %s, not a mapping of scenario settings",
                 root->kind == TREE_SEQUENCE ? "a list"
                 : tree_is_null(root) && root->text[0] == '\0'
                     ? "an empty document"
                     : "a single value");
        tree_free(root);
        return not_a_scenario(ld, extends_at, display, buf);
    }
    if (root->kind != TREE_MAPPING) {
        if (tree_is_null(root) && root->text[0] == '\0')
            rc = diag_error(ld->err, root,
                            "expected a mapping of scenario settings, found "
                            "an empty document");
        else
            rc = diag_error(ld->err, root,
                            "expected a mapping of scenario settings, found "
                            "%s",
                            diag_describe(root, buf, sizeof buf));
        tree_free(root);
        return rc;
    }
    if (extends_at && !has_scenario_keys(root)) {
        tree_free(root);
        return not_a_scenario(ld, extends_at, display,
                              "a mapping with none of the scenario's keys "
                              "(name, base_date, stages, transitions, ...)");
    }
    if ((rc = split_dotted_keys(ld, root))) {
        tree_free(root);
        return rc;
    }
    long at = tree_map_index(root, "extends");
    if (at < 0) {
        *out = root;
        return CS_OK;
    }
    tree_node *key, *value, *base = NULL;
    tree_map_take(root, (size_t)at, &key, &value);
    rc = load_base(ld, value, &base);
    tree_free(key);
    tree_free(value);
    if (rc) {
        tree_free(root);
        return rc;
    }
    remove_key(base, "name"); /* a name is never inherited */
    base->file = root->file;
    base->line = root->line;
    base->col = root->col;
    base->layer = root->layer;
    if ((rc = merge_over(ld, base, root))) {
        tree_free(base);
        return rc;
    }
    *out = base;
    return CS_OK;
}

/* ---- the scenario ----------------------------------------------------- */

static int take_copy(char **to, const char *from)
{
    *to = NULL;
    return from && !(*to = strdup(from)) ? CS_ENOMEM : CS_OK;
}

/* Consumes real and dir (the top file's realpath and directory). */
static int load_scenario(const char *text, size_t len, const char *display,
                         char *real, char *dir, cs_scenario **out,
                         cs_error *err)
{
    loader *ld = calloc(1, sizeof *ld);
    if (!ld) {
        free(real);
        free(dir);
        return out_of_memory(err);
    }
    cs_error local;
    if (!err)
        err = &local;
    cs_error_clear(err);
    tree_ctx_init(&ld->tree, err);
    ld->err = err;
    ld->chain[0].real = real;
    ld->chain[0].dir = dir;

    tree_node *root = NULL;
    cs_scenario *s = NULL;
    int rc = CS_OK;
    char hash[17];
    ld->chain[0].display = tree_ctx_file(&ld->tree, display);
    if (!ld->chain[0].display)
        rc = err->code;
    if (rc == CS_OK)
        rc = load_text(ld, text, len, ld->chain[0].display, NULL, &root);
    ld->tree.layer = 0;
    if (rc == CS_OK)
        rc = default_name(ld, root, display, 0);
    if (rc == CS_OK && !(s = calloc(1, sizeof *s)))
        rc = out_of_memory(err);
    if (rc == CS_OK)
        rc = schema_read(root, s, err);
    if (rc == CS_OK)
        rc = tree_emit(root, &s->resolved_yaml, err);
    if (rc == CS_OK) {
        cs_text_hash(s->resolved_yaml, strlen(s->resolved_yaml), hash);
        if (take_copy(&s->source_path, display) ||
            take_copy(&s->resolved_hash, hash) ||
            take_copy(&s->extends_source, ld->extends_source) ||
            take_copy(&s->extends_hash,
                      ld->extends_source ? ld->extends_hash : NULL))
            rc = out_of_memory(err);
    }

    tree_free(root);
    free(ld->chain[0].real);
    free(ld->chain[0].dir);
    free(ld->extends_source);
    tree_ctx_free(&ld->tree);
    free(ld);
    if (rc) {
        cs_scenario_free(s);
        *out = NULL;
        return rc;
    }
    *out = s;
    return CS_OK;
}

int cs_scenario_load_file(const char *path, cs_scenario **out, cs_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    unsigned mode;
    int e = read_file(path, 0, &text, &len, &mode);
    if (e == ENOMEM)
        return out_of_memory(err);
    if (e)
        return cs_error_set(err, CS_EINPUT, "%s: cannot open: %s", path,
                            read_error(e));
    char *real = realpath(path, NULL);
    if (!real)
        real = strdup(path);
    char *dir = dir_of(path);
    if ((!dir && strchr(path, '/')) || !real) {
        free(text);
        free(real);
        free(dir);
        return out_of_memory(err);
    }
    int rc = load_scenario(text, len, path, real, dir, out, err);
    free(text);
    return rc;
}

int cs_scenario_load_string(const char *text, size_t len,
                            const char *display_name, const char *base_dir,
                            cs_scenario **out, cs_error *err)
{
    *out = NULL;
    const char *name = display_name ? display_name : "<string>";
    char *dir = base_dir ? strdup(base_dir) : NULL;
    if (base_dir && !dir)
        return out_of_memory(err);
    return load_scenario(text, len, name, NULL, dir, out, err);
}

void cs_scenario_free(cs_scenario *scenario)
{
    if (!scenario)
        return;
    free(scenario->description);
    free(scenario->source_path);
    free(scenario->resolved_yaml);
    free(scenario->fit);
    free(scenario->extends_source);
    free(scenario->extends_hash);
    free(scenario->resolved_hash);
    free(scenario);
}

int cs_scenario_copy(const cs_scenario *s, cs_scenario **out, cs_error *err)
{
    cs_scenario *copy = malloc(sizeof *copy);
    *out = NULL;
    if (!copy)
        return out_of_memory(err);
    memcpy(copy, s, sizeof *copy);
    char *const *from[] = {&s->description,   &s->source_path,
                           &s->resolved_yaml, &s->extends_source,
                           &s->extends_hash,  &s->resolved_hash};
    char **to[] = {&copy->description,   &copy->source_path,
                   &copy->resolved_yaml, &copy->extends_source,
                   &copy->extends_hash,  &copy->resolved_hash};
    int failed = 0;
    copy->fit = NULL; /* not the original's, should a copy fail */
    for (size_t i = 0; i < sizeof to / sizeof to[0]; i++)
        *to[i] = NULL;
    for (size_t i = 0; i < sizeof to / sizeof to[0]; i++)
        failed |= take_copy(to[i], *from[i]) != CS_OK;
    copy->fit = NULL;
    if (s->fit) {
        copy->fit = malloc(sizeof *copy->fit);
        if (copy->fit)
            memcpy(copy->fit, s->fit, sizeof *copy->fit);
        else
            failed = 1;
    }
    if (failed) {
        cs_scenario_free(copy);
        return out_of_memory(err);
    }
    *out = copy;
    return CS_OK;
}

int cs_scenario_find_stage(const cs_scenario *scenario, const char *id)
{
    for (int i = 0; i < scenario->n_stages; i++)
        if (strcmp(scenario->stages[i].id, id) == 0)
            return i;
    return -1;
}
