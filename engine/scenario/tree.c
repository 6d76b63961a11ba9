/*
 * tree.c - YAML text to a located tree (libyaml's event parser) and back
 * (libyaml's emitter).
 *
 * Aliases are expanded by copying the anchored node, so later stages see a
 * plain tree. Every node created, copies included, counts against
 * TREE_MAX_NODES, and nesting (copies included) against TREE_MAX_DEPTH:
 * together they turn an alias bomb into an error instead of an
 * out-of-memory crash. An anchor becomes usable when its node is complete,
 * so a node cannot contain an alias to itself.
 *
 * Two checks need the text itself, so they happen here: a NUL character
 * inside a value (a "\0" escape in a quoted string) is an error, since
 * everything after it would be silently dropped; and a plain 3-digit number
 * written right after a comma in a flow list ([82,500,000]) is flagged
 * (tree_node.thousands) for the schema to refuse.
 */
#include "scenario/tree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

static int out_of_memory(cs_error *err)
{
    return cs_error_set(err, CS_ENOMEM, "out of memory");
}

/*
 * Fail with CS_EINPUT: the message in err, and in ctx where it happened and
 * `what`, a description that quotes nothing from the text.
 */
static int parse_failure(tree_ctx *ctx, int line, int col, const char *what,
                         const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static int parse_failure(tree_ctx *ctx, int line, int col, const char *what,
                         const char *fmt, ...)
{
    char text[CS_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ctx->fail_line = line;
    ctx->fail_col = col;
    snprintf(ctx->fail_what, sizeof ctx->fail_what, "%s", what);
    return cs_error_set(ctx->err, CS_EINPUT, "%s", text);
}

void tree_ctx_init(tree_ctx *ctx, cs_error *err)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->err = err;
}

void tree_ctx_free(tree_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_files; i++)
        free(ctx->files[i]);
    free(ctx->files);
    ctx->files = NULL;
    ctx->n_files = ctx->cap_files = 0;
}

const char *tree_ctx_file(tree_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->n_files; i++)
        if (strcmp(ctx->files[i], name) == 0)
            return ctx->files[i];
    if (ctx->n_files == ctx->cap_files) {
        size_t cap = ctx->cap_files ? 2 * ctx->cap_files : 8;
        char **files = realloc(ctx->files, cap * sizeof *files);
        if (!files) {
            out_of_memory(ctx->err);
            return NULL;
        }
        ctx->files = files;
        ctx->cap_files = cap;
    }
    char *copy = strdup(name);
    if (!copy) {
        out_of_memory(ctx->err);
        return NULL;
    }
    ctx->files[ctx->n_files++] = copy;
    return copy;
}

tree_node *tree_new(tree_ctx *ctx, tree_kind kind, const char *file, int line,
                    int col)
{
    if (ctx->n_nodes >= TREE_MAX_NODES) {
        parse_failure(ctx, line, col, "too many YAML nodes",
                      "%s:%d:%d: the document expands to more than %d YAML "
                      "nodes (are aliases nested too deeply?)",
                      file, line, col, TREE_MAX_NODES);
        return NULL;
    }
    tree_node *node = calloc(1, sizeof *node);
    if (!node) {
        out_of_memory(ctx->err);
        return NULL;
    }
    ctx->n_nodes++;
    node->kind = kind;
    node->file = file;
    node->line = line;
    node->col = col;
    node->layer = ctx->layer;
    return node;
}

tree_node *tree_new_scalar(tree_ctx *ctx, const char *text, const char *file,
                           int line, int col)
{
    tree_node *node = tree_new(ctx, TREE_SCALAR, file, line, col);
    if (!node)
        return NULL;
    node->text = strdup(text);
    if (!node->text) {
        free(node);
        out_of_memory(ctx->err);
        return NULL;
    }
    return node;
}

void tree_free(tree_node *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->n; i++) {
        if (node->keys)
            tree_free(node->keys[i]);
        tree_free(node->items[i]);
    }
    free(node->keys);
    free(node->items);
    free(node->text);
    free(node);
}

static int reserve(tree_ctx *ctx, tree_node *node)
{
    if (node->n < node->cap)
        return CS_OK;
    size_t cap = node->cap ? 2 * node->cap : 4;
    tree_node **items = realloc(node->items, cap * sizeof *items);
    if (!items)
        return out_of_memory(ctx->err);
    node->items = items;
    if (node->kind == TREE_MAPPING) {
        tree_node **keys = realloc(node->keys, cap * sizeof *keys);
        if (!keys)
            return out_of_memory(ctx->err);
        node->keys = keys;
    }
    node->cap = cap;
    return CS_OK;
}

int tree_map_insert(tree_ctx *ctx, tree_node *map, size_t at, tree_node *key,
                    tree_node *value)
{
    int rc = reserve(ctx, map);
    if (rc)
        return rc;
    memmove(map->keys + at + 1, map->keys + at,
            (map->n - at) * sizeof *map->keys);
    memmove(map->items + at + 1, map->items + at,
            (map->n - at) * sizeof *map->items);
    map->keys[at] = key;
    map->items[at] = value;
    map->n++;
    return CS_OK;
}

int tree_map_append(tree_ctx *ctx, tree_node *map, tree_node *key,
                    tree_node *value)
{
    return tree_map_insert(ctx, map, map->n, key, value);
}

static int seq_append(tree_ctx *ctx, tree_node *seq, tree_node *item)
{
    int rc = reserve(ctx, seq);
    if (rc)
        return rc;
    seq->items[seq->n++] = item;
    return CS_OK;
}

long tree_map_index(const tree_node *map, const char *key)
{
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->text, key) == 0)
            return (long)i;
    return -1;
}

tree_node *tree_map_get(const tree_node *map, const char *key)
{
    long i = tree_map_index(map, key);
    return i < 0 ? NULL : map->items[i];
}

const tree_node *tree_map_key(const tree_node *map, const char *key)
{
    long i = tree_map_index(map, key);
    return i < 0 ? NULL : map->keys[i];
}

void tree_map_take(tree_node *map, size_t i, tree_node **key, tree_node **value)
{
    *key = map->keys[i];
    *value = map->items[i];
    memmove(map->keys + i, map->keys + i + 1,
            (map->n - i - 1) * sizeof *map->keys);
    memmove(map->items + i, map->items + i + 1,
            (map->n - i - 1) * sizeof *map->items);
    map->n--;
}

int tree_is_null(const tree_node *node)
{
    return node->kind == TREE_SCALAR && !node->quoted &&
           (node->text[0] == '\0' || strcmp(node->text, "~") == 0 ||
            strcmp(node->text, "null") == 0 ||
            strcmp(node->text, "Null") == 0 || strcmp(node->text, "NULL") == 0);
}

/* ---- parsing ---------------------------------------------------------- */

typedef struct anchor {
    char *name;
    const tree_node *node;
} anchor;

typedef struct frame {
    tree_node *node;
    tree_node *pending_key; /* mapping: a key read, its value not yet */
    char *anchor;           /* registered when the node is complete */
    int flow;               /* sequence: written [a, b] */
} frame;

typedef struct parse_state {
    tree_ctx *ctx;
    const char *file;
    const char *text; /* the document, and the byte where character */
    size_t len;       /* at_char starts (libyaml counts marks in characters; */
    size_t at_char;   /* events come in order, so this only moves on) */
    size_t at_byte;
    tree_node *root;
    frame stack[TREE_MAX_DEPTH];
    int depth;
    anchor *anchors;
    size_t n_anchors, cap_anchors;
} parse_state;

static int height(const tree_node *node)
{
    int h = 0;
    for (size_t i = 0; i < node->n; i++) {
        int c = height(node->items[i]);
        if (c > h)
            h = c;
    }
    return node->kind == TREE_SCALAR ? 0 : h + 1;
}

static tree_node *copy_node(tree_ctx *ctx, const tree_node *src)
{
    tree_node *dst = tree_new(ctx, src->kind, src->file, src->line, src->col);
    if (!dst)
        return NULL;
    dst->layer = src->layer;
    dst->quoted = src->quoted;
    if (src->text && !(dst->text = strdup(src->text))) {
        free(dst);
        out_of_memory(ctx->err);
        return NULL;
    }
    for (size_t i = 0; i < src->n; i++) {
        tree_node *key = NULL;
        if (src->kind == TREE_MAPPING &&
            !(key = copy_node(ctx, src->keys[i]))) {
            tree_free(dst);
            return NULL;
        }
        tree_node *item = copy_node(ctx, src->items[i]);
        int rc = item ? (src->kind == TREE_MAPPING
                             ? tree_map_append(ctx, dst, key, item)
                             : seq_append(ctx, dst, item))
                      : CS_ENOMEM;
        if (rc) {
            tree_free(key);
            tree_free(item);
            tree_free(dst);
            return NULL;
        }
    }
    return dst;
}

static int node_error(parse_state *st, const tree_node *at, const char *what)
{
    return parse_failure(st->ctx, at->line, at->col, what, "%s:%d:%d: %s",
                         at->file, at->line, at->col, what);
}

/* Hand a complete node (or a container just opened) to its parent. */
static int attach(parse_state *st, tree_node *node)
{
    if (st->depth == 0) {
        st->root = node;
        return CS_OK;
    }
    frame *top = &st->stack[st->depth - 1];
    int rc;
    if (top->node->kind == TREE_SEQUENCE) {
        if ((rc = seq_append(st->ctx, top->node, node)))
            tree_free(node);
        return rc;
    }
    if (!top->pending_key) {
        if (node->kind != TREE_SCALAR) {
            tree_free(node);
            return node_error(st, top->node,
                              "expected a key name, found a mapping or "
                              "list used as a key");
        }
        long first = tree_map_index(top->node, node->text);
        if (first >= 0) {
            const tree_node *prev = top->node->keys[first];
            parse_failure(st->ctx, node->line, node->col, "a duplicate key",
                          "%s:%d:%d: duplicate key '%s' (first at line %d)",
                          node->file, node->line, node->col, node->text,
                          prev->line);
            tree_free(node);
            return CS_EINPUT;
        }
        top->pending_key = node;
        return CS_OK;
    }
    if ((rc = tree_map_append(st->ctx, top->node, top->pending_key, node))) {
        tree_free(node);
        return rc;
    }
    top->pending_key = NULL;
    return CS_OK;
}

static int add_anchor(parse_state *st, char *name, const tree_node *node)
{
    if (st->n_anchors == st->cap_anchors) {
        size_t cap = st->cap_anchors ? 2 * st->cap_anchors : 8;
        anchor *a = realloc(st->anchors, cap * sizeof *a);
        if (!a) {
            free(name);
            return out_of_memory(st->ctx->err);
        }
        st->anchors = a;
        st->cap_anchors = cap;
    }
    st->anchors[st->n_anchors].name = name;
    st->anchors[st->n_anchors].node = node;
    st->n_anchors++;
    return CS_OK;
}

static int dup_anchor(parse_state *st, const yaml_char_t *name, char **out)
{
    *out = NULL;
    if (!name)
        return CS_OK;
    *out = strdup((const char *)name);
    return *out ? CS_OK : out_of_memory(st->ctx->err);
}

/*
 * Where a reader error happened: libyaml gives only a byte offset, so count
 * lines and characters (not continuation bytes) up to it.
 */
static void offset_position(const char *text, size_t len, size_t offset,
                            int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            (*line)++;
            *col = 1;
        } else if ((c & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static int yaml_error(parse_state *st, const yaml_parser_t *p, const char *text,
                      size_t len)
{
    tree_ctx *ctx = st->ctx;
    if (p->error == YAML_MEMORY_ERROR)
        return out_of_memory(ctx->err);
    const char *problem = p->problem ? p->problem : "unknown error";
    char what[160];
    snprintf(what, sizeof what, "invalid YAML: %s", problem);
    if (p->error == YAML_READER_ERROR) {
        int line, col;
        size_t at = p->problem_offset;
        if (strstr(problem, "UTF-8")) {
            /* libyaml points at the bad byte; point at its character. */
            while (at > 0 && at <= len &&
                   ((unsigned char)text[at - 1] & 0xC0) == 0x80)
                at--;
            if (at > 0 && at <= len && (unsigned char)text[at - 1] >= 0xC0 &&
                strstr(problem, "trailing"))
                at--;
            offset_position(text, len, at, &line, &col);
            snprintf(what, sizeof what,
                     "invalid YAML: %s (the file must be UTF-8 text)", problem);
            return parse_failure(ctx, line, col, what, "%s:%d:%d: %s", st->file,
                                 line, col, what);
        }
        offset_position(text, len, at, &line, &col);
        if (p->problem_value != -1)
            return parse_failure(
                ctx, line, col, what, "%s:%d:%d: invalid YAML: %s (#x%X)",
                st->file, line, col, problem, (unsigned)p->problem_value);
        return parse_failure(ctx, line, col, what, "%s:%d:%d: %s", st->file,
                             line, col, what);
    }
    int line = (int)p->problem_mark.line + 1;
    int col = (int)p->problem_mark.column + 1;
    if (p->context)
        return parse_failure(ctx, line, col, what,
                             "%s:%d:%d: invalid YAML: %s (%s at line %d)",
                             st->file, line, col, problem, p->context,
                             (int)p->context_mark.line + 1);
    return parse_failure(ctx, line, col, what, "%s:%d:%d: %s", st->file, line,
                         col, what);
}

/* The byte at which character `index` of the text starts (counted as
 * libyaml counts its marks, after any byte order mark). */
static size_t byte_of_char(parse_state *st, size_t index)
{
    if (index < st->at_char) { /* not expected: events come in order */
        st->at_char = 0;
        st->at_byte = 0;
    }
    if (st->at_char == 0 && st->at_byte == 0 && st->len >= 3 &&
        memcmp(st->text, "\xEF\xBB\xBF", 3) == 0)
        st->at_byte = 3;
    while (st->at_char < index && st->at_byte < st->len) {
        st->at_byte++;
        while (st->at_byte < st->len &&
               ((unsigned char)st->text[st->at_byte] & 0xC0) == 0x80)
            st->at_byte++;
        st->at_char++;
    }
    return st->at_byte;
}

/* Does a plain scalar's text look like a whole number (digits, '_')? */
static int plain_digits(const tree_node *node)
{
    if (node->kind != TREE_SCALAR || node->quoted || !node->text[0])
        return 0;
    for (const char *p = node->text; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

/*
 * Is a plain scalar starting at character `index`, about to join the flow
 * sequence of frame `top`, a thousands group: three digits, written right
 * after a comma with no space, the item before it a number?
 */
static int thousands_group(parse_state *st, const frame *top,
                           const tree_node *node, size_t index)
{
    if (!top || top->node->kind != TREE_SEQUENCE || !top->flow ||
        top->node->n == 0 || strlen(node->text) != 3 || !plain_digits(node) ||
        strchr(node->text, '_') ||
        !plain_digits(top->node->items[top->node->n - 1]))
        return 0;
    size_t at = byte_of_char(st, index);
    return at > 0 && at <= st->len && st->text[at - 1] == ',';
}

static const tree_node *find_anchor(const parse_state *st, const char *name)
{
    for (size_t i = st->n_anchors; i-- > 0;)
        if (strcmp(st->anchors[i].name, name) == 0)
            return st->anchors[i].node;
    return NULL;
}

static int on_event(parse_state *st, const yaml_event_t *ev, int *docs)
{
    tree_ctx *ctx = st->ctx;
    int line = (int)ev->start_mark.line + 1;
    int col = (int)ev->start_mark.column + 1;
    int rc;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++*docs > 1)
            return parse_failure(ctx, line, col, "a second YAML document",
                                 "%s:%d:%d: expected a single YAML document, "
                                 "found a second one",
                                 st->file, line, col);
        return CS_OK;
    case YAML_SCALAR_EVENT: {
        const char *nul =
            memchr(ev->data.scalar.value, '\0', ev->data.scalar.length);
        if (nul)
            return parse_failure(
                ctx, line, col, "a NUL character in a value",
                "%s:%d:%d: expected text without NUL characters, found a "
                "NUL (\\0) as character %zu of this value (everything "
                "after it would be lost)",
                st->file, line, col,
                (size_t)(nul - (const char *)ev->data.scalar.value) + 1);
        tree_node *node = tree_new(ctx, TREE_SCALAR, st->file, line, col);
        if (!node)
            return ctx->err->code;
        node->text = malloc(ev->data.scalar.length + 1);
        if (!node->text) {
            free(node);
            return out_of_memory(ctx->err);
        }
        memcpy(node->text, ev->data.scalar.value, ev->data.scalar.length);
        node->text[ev->data.scalar.length] = '\0';
        node->quoted =
            ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
            (ev->data.scalar.tag &&
             strcmp((const char *)ev->data.scalar.tag, YAML_STR_TAG) == 0);
        node->thousands = thousands_group(
            st, st->depth > 0 ? &st->stack[st->depth - 1] : NULL, node,
            ev->start_mark.index);
        char *name;
        if ((rc = dup_anchor(st, ev->data.scalar.anchor, &name))) {
            tree_free(node);
            return rc;
        }
        if ((rc = attach(st, node))) {
            free(name);
            return rc;
        }
        return name ? add_anchor(st, name, node) : CS_OK;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        if (st->depth >= TREE_MAX_DEPTH)
            return parse_failure(ctx, line, col, "YAML nested too deeply",
                                 "%s:%d:%d: expected at most %d levels of "
                                 "nesting, found more",
                                 st->file, line, col, TREE_MAX_DEPTH);
        int is_seq = ev->type == YAML_SEQUENCE_START_EVENT;
        tree_node *node = tree_new(ctx, is_seq ? TREE_SEQUENCE : TREE_MAPPING,
                                   st->file, line, col);
        if (!node)
            return ctx->err->code;
        char *name;
        rc = dup_anchor(st,
                        is_seq ? ev->data.sequence_start.anchor
                               : ev->data.mapping_start.anchor,
                        &name);
        if (rc) {
            tree_free(node);
            return rc;
        }
        if ((rc = attach(st, node))) {
            free(name);
            return rc;
        }
        frame *f = &st->stack[st->depth++];
        f->node = node;
        f->pending_key = NULL;
        f->anchor = name;
        f->flow =
            is_seq && ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
        return CS_OK;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        frame *f = &st->stack[--st->depth];
        char *name = f->anchor;
        f->anchor = NULL;
        return name ? add_anchor(st, name, f->node) : CS_OK;
    }
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        const tree_node *target = find_anchor(st, name);
        if (!target)
            return parse_failure(ctx, line, col, "an alias to no anchor",
                                 "%s:%d:%d: expected an alias to an anchor "
                                 "defined earlier, found '*%s'",
                                 st->file, line, col, name);
        if (st->depth + height(target) > TREE_MAX_DEPTH)
            return parse_failure(ctx, line, col, "YAML nested too deeply",
                                 "%s:%d:%d: expected at most %d levels of "
                                 "nesting, found more (alias '*%s')",
                                 st->file, line, col, TREE_MAX_DEPTH, name);
        tree_node *copy = copy_node(ctx, target);
        if (!copy) {
            /* The budget error names the anchor's place: name the alias. */
            if (ctx->err && ctx->err->code == CS_EINPUT)
                parse_failure(ctx, line, col, "too many YAML nodes",
                              "%s:%d:%d: the document expands to more than %d "
                              "YAML nodes (alias '*%s'; are aliases nested "
                              "too deeply?)",
                              st->file, line, col, TREE_MAX_NODES, name);
            return ctx->err ? ctx->err->code : CS_ENOMEM;
        }
        return attach(st, copy);
    }
    default:
        return CS_OK;
    }
}

int tree_parse(tree_ctx *ctx, const char *text, size_t len, const char *file,
               tree_node **root)
{
    *root = NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return out_of_memory(ctx->err);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

    parse_state st;
    memset(&st, 0, sizeof st);
    st.ctx = ctx;
    st.file = file;
    st.text = text;
    st.len = len;
    int rc = CS_OK, docs = 0, done = 0;
    while (!done && rc == CS_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = yaml_error(&st, &parser, text, len);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&st, &ev, &docs);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);

    for (int i = 0; i < st.depth; i++) {
        tree_free(st.stack[i].pending_key);
        free(st.stack[i].anchor);
    }
    for (size_t i = 0; i < st.n_anchors; i++)
        free(st.anchors[i].name);
    free(st.anchors);
    if (rc) {
        tree_free(st.root);
        return rc;
    }
    *root = st.root;
    return CS_OK;
}

/* ---- emitting --------------------------------------------------------- */

typedef struct text_buffer {
    char *data;
    size_t len, cap;
    int failed;
} text_buffer;

static int write_text(void *data, unsigned char *bytes, size_t size)
{
    text_buffer *buf = data;
    if (buf->len + size + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 1024;
        while (buf->len + size + 1 > cap)
            cap *= 2;
        char *p = realloc(buf->data, cap);
        if (!p) {
            buf->failed = 1;
            return 0;
        }
        buf->data = p;
        buf->cap = cap;
    }
    memcpy(buf->data + buf->len, bytes, size);
    buf->len += size;
    buf->data[buf->len] = '\0';
    return 1;
}

static int emit_node(yaml_emitter_t *em, const tree_node *node)
{
    yaml_event_t ev;
    switch (node->kind) {
    case TREE_SCALAR: {
        yaml_scalar_style_t style = node->quoted
                                        ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                        : YAML_PLAIN_SCALAR_STYLE;
        if (!yaml_scalar_event_initialize(
                &ev, NULL, NULL, (yaml_char_t *)node->text,
                (int)strlen(node->text), !node->quoted, node->quoted, style))
            return 0;
        return yaml_emitter_emit(em, &ev);
    }
    case TREE_SEQUENCE:
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                  YAML_BLOCK_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(em, &ev))
            return 0;
        for (size_t i = 0; i < node->n; i++)
            if (!emit_node(em, node->items[i]))
                return 0;
        return yaml_sequence_end_event_initialize(&ev) &&
               yaml_emitter_emit(em, &ev);
    case TREE_MAPPING:
        if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                 YAML_BLOCK_MAPPING_STYLE) ||
            !yaml_emitter_emit(em, &ev))
            return 0;
        for (size_t i = 0; i < node->n; i++)
            if (!emit_node(em, node->keys[i]) || !emit_node(em, node->items[i]))
                return 0;
        return yaml_mapping_end_event_initialize(&ev) &&
               yaml_emitter_emit(em, &ev);
    }
    return 0;
}

int tree_emit(const tree_node *root, char **out, cs_error *err)
{
    *out = NULL;
    yaml_emitter_t em;
    if (!yaml_emitter_initialize(&em))
        return out_of_memory(err);
    text_buffer buf = {0};
    yaml_emitter_set_output(&em, write_text, &buf);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    yaml_emitter_set_indent(&em, 2);

    yaml_event_t ev;
    int ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
             yaml_emitter_emit(&em, &ev) &&
             yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
             yaml_emitter_emit(&em, &ev) && emit_node(&em, root) &&
             yaml_document_end_event_initialize(&ev, 1) &&
             yaml_emitter_emit(&em, &ev) &&
             yaml_stream_end_event_initialize(&ev) &&
             yaml_emitter_emit(&em, &ev) && yaml_emitter_flush(&em);
    int memory = buf.failed || em.error == YAML_MEMORY_ERROR;
    const char *problem = em.problem;
    yaml_emitter_delete(&em);
    if (!ok) {
        free(buf.data);
        if (memory)
            return out_of_memory(err);
        return cs_error_set(err, CS_EFAIL, "emitting the resolved YAML: %s",
                            problem ? problem : "unknown error");
    }
    *out = buf.data;
    return CS_OK;
}
