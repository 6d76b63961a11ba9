/*
 * csv.c - the RFC 4180 reader of engine/data (see csv.h).
 *
 * Two passes over the buffer: csv_open checks that it is UTF-8 text (no
 * NUL, no control bytes other than tab, CR and LF, no malformed or overlong
 * sequences), so that every later message can quote what it found; csv_next
 * then splits one record at a time, copying each field unescaped into a
 * scratch buffer that grows to the longest record. The scratch buffer is
 * never larger than the data, so a hostile file costs at most twice its size.
 */
#include "data/csv.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence at p (1-4), or 0 if it is malformed. */
static int utf8_length(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    int n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (end - p < n)
        return 0;
    unsigned cp = c & (0x3F >> (n - 1));
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static int check_text(const char *name, const char *data, size_t size,
                      cs_error *err)
{
    const unsigned char *p = (const unsigned char *)data, *end = p + size;
    const unsigned char *line_start = p;
    int line = 1;
    while (p < end) {
        unsigned c = *p;
        if (c == '\n' || (c == '\r' && (p + 1 == end || p[1] != '\n'))) {
            line++;
            line_start = ++p;
            continue;
        }
        if (c == '\r') { /* CR of a CRLF: the LF ends the line */
            p++;
            continue;
        }
        int col = (int)(p - line_start) + 1;
        if (c < 0x20 && c != '\t')
            return cs_error_set(err, CS_EINPUT,
                                "%s:%d:%d: expected text, found the control "
                                "byte 0x%02x (is this a CSV file?)",
                                name, line, col, c);
        if (c == 0x7F)
            return cs_error_set(err, CS_EINPUT,
                                "%s:%d:%d: expected text, found the control "
                                "byte 0x7f (is this a CSV file?)",
                                name, line, col);
        int n = utf8_length(p, end);
        if (n == 0)
            return cs_error_set(err, CS_EINPUT,
                                "%s:%d:%d: expected UTF-8 text, found the byte "
                                "0x%02x (save the file as UTF-8)",
                                name, line, col, c);
        p += n;
    }
    return CS_OK;
}

int csv_open(csv_reader *r, const char *name, const char *data, size_t size,
             cs_error *err)
{
    memset(r, 0, sizeof *r);
    r->name = name;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        size -= 3;
    }
    int rc = check_text(name, data, size, err);
    if (rc)
        return rc;
    r->data = r->p = r->line_start = data;
    r->end = data + size;
    r->line = 1;
    /* Every record's unescaped text fits in the data plus one NUL per
     * field; start small and grow on demand. */
    r->scratch_cap = 256;
    r->scratch = malloc(r->scratch_cap);
    if (!r->scratch)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    return CS_OK;
}

void csv_close(csv_reader *r)
{
    free(r->scratch);
    r->scratch = NULL;
}

static int col_of(const csv_reader *r, const char *at)
{
    return (int)(at - r->line_start) + 1;
}

/* Append one byte to the scratch buffer at *used, growing it. */
static int scratch_put(csv_reader *r, size_t *used, char c, cs_error *err)
{
    if (*used == r->scratch_cap) {
        size_t cap = 2 * r->scratch_cap;
        char *grown = realloc(r->scratch, cap);
        if (!grown)
            return cs_error_set(err, CS_ENOMEM, "out of memory");
        r->scratch = grown;
        r->scratch_cap = cap;
    }
    r->scratch[(*used)++] = c;
    return CS_OK;
}

/* Step over a line end at r->p (LF, CRLF or CR). */
static void skip_line_end(csv_reader *r)
{
    if (*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
        r->p++;
    r->p++;
    r->line++;
    r->line_start = r->p;
}

static int at_line_end(const csv_reader *r)
{
    return r->p < r->end && (*r->p == '\n' || *r->p == '\r');
}

/* Read one field starting at r->p into scratch from *used. */
static int read_field(csv_reader *r, size_t *used, csv_field *f, size_t *offset,
                      cs_error *err)
{
    int rc;
    f->line = r->line;
    f->col = col_of(r, r->p);
    f->quoted = 0;
    *offset = *used;
    if (r->p < r->end && *r->p == '"') {
        f->quoted = 1;
        int open_line = r->line, open_col = f->col;
        r->p++;
        for (;;) {
            if (r->p == r->end)
                return cs_error_set(err, CS_EINPUT,
                                    "%s:%d:%d: expected a closing '\"' for "
                                    "the field opened here, found the end of "
                                    "the file",
                                    r->name, open_line, open_col);
            char c = *r->p;
            if (c == '"') {
                if (r->p + 1 < r->end && r->p[1] == '"') {
                    if ((rc = scratch_put(r, used, '"', err)))
                        return rc;
                    r->p += 2;
                    continue;
                }
                r->p++;
                break;
            }
            if (c == '\n' || c == '\r') {
                if ((rc = scratch_put(r, used, '\n', err)))
                    return rc;
                skip_line_end(r);
                continue;
            }
            if ((rc = scratch_put(r, used, c, err)))
                return rc;
            r->p++;
        }
        if (r->p < r->end && *r->p != ',' && !at_line_end(r))
            return cs_error_set(err, CS_EINPUT,
                                "%s:%d:%d: expected ',' or the end of the "
                                "line after a closing '\"', found '%c'",
                                r->name, r->line, col_of(r, r->p), *r->p);
    } else {
        while (r->p < r->end && *r->p != ',' && !at_line_end(r)) {
            if (*r->p == '"')
                return cs_error_set(err, CS_EINPUT,
                                    "%s:%d:%d: expected a field either "
                                    "wholly in double quotes or without "
                                    "them, found a '\"' inside an unquoted "
                                    "field",
                                    r->name, r->line, col_of(r, r->p));
            if ((rc = scratch_put(r, used, *r->p, err)))
                return rc;
            r->p++;
        }
    }
    f->len = *used - *offset;
    return scratch_put(r, used, '\0', err);
}

int csv_next(csv_reader *r, cs_error *err)
{
    for (;;) {
        if (r->p >= r->end)
            return 0;
        if (at_line_end(r)) { /* a blank line */
            skip_line_end(r);
            continue;
        }
        break;
    }
    size_t used = 0;
    size_t offsets[CSV_MAX_FIELDS];
    r->n_fields = 0;
    r->record_line = r->line;
    for (;;) {
        if (r->n_fields == CSV_MAX_FIELDS)
            return cs_error_set(err, CS_EINPUT,
                                "%s:%d:%d: expected at most %d fields in a "
                                "row, found more",
                                r->name, r->line, col_of(r, r->p),
                                CSV_MAX_FIELDS);
        csv_field *f = &r->fields[r->n_fields];
        int rc = read_field(r, &used, f, &offsets[r->n_fields], err);
        if (rc)
            return rc;
        r->n_fields++;
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        break;
    }
    r->end_line = r->line;
    r->end_col = col_of(r, r->p);
    if (r->p < r->end) {
        assert(at_line_end(r));
        skip_line_end(r);
    }
    for (int i = 0; i < r->n_fields; i++)
        r->fields[i].text = r->scratch + offsets[i];
    return 1;
}
