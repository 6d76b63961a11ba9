/*
 * error.c - filling a cs_error (see include/cascade/error.h).
 */
#include "cascade/error.h"

#include <stdio.h>

int cs_error_set(cs_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void cs_error_clear(cs_error *err)
{
    if (err) {
        err->code = CS_OK;
        err->message[0] = '\0';
    }
}
