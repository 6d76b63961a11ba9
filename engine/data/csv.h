/*
 * csv.h - an RFC 4180 reader over a buffer in memory, for engine/data.
 *
 * Records are split on commas and line ends (LF, CRLF or a lone CR); a field
 * in double quotes may hold commas, line ends and doubled quotes (""). Each
 * field carries the line and column (1-based, in bytes, after a UTF-8 byte
 * order mark, which is skipped) where it starts, for messages. The whole
 * buffer is checked first to be UTF-8 text without NUL or other control
 * bytes (tab aside), so nothing downstream sees binary garbage.
 *
 * Private to engine/data.
 */
#ifndef CASCADE_DATA_CSV_H
#define CASCADE_DATA_CSV_H

#include <stddef.h>

#include "cascade/error.h"

#define CSV_MAX_FIELDS 256

typedef struct csv_field {
    char *text; /* NUL-terminated, unescaped; valid until the next
                         record is read */
    size_t len;
    int line, col; /* where the field starts */
    int quoted;
} csv_field;

typedef struct csv_reader {
    const char *name; /* the file, for messages */
    const char *data, *p, *end;
    const char *line_start; /* of the line p is on */
    int line;
    char *scratch; /* the current record's unescaped fields */
    size_t scratch_cap;
    csv_field fields[CSV_MAX_FIELDS];
    int n_fields;
    int record_line;       /* line the current record starts on */
    int end_line, end_col; /* where the current record ends */
} csv_reader;

/*
 * Start reading data[0..size) (name is for messages): checks the text as
 * above. CS_OK, CS_EINPUT with "name:line:col: ..." or CS_ENOMEM.
 */
int csv_open(csv_reader *r, const char *name, const char *data, size_t size,
             cs_error *err);

/*
 * Read the next record into r->fields (blank lines are skipped). 1 if a
 * record was read, 0 at the end of the data, or a negative cs_status with
 * err filled.
 */
int csv_next(csv_reader *r, cs_error *err);

void csv_close(csv_reader *r);

#endif
