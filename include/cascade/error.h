/*
 * error.h - how libcascade reports failure.
 *
 * Library functions never print and never exit. They return CS_OK or a
 * negative code and fill a cs_error the caller shows. Errors in input carry
 * "file:line:column: message" in the message; the command-line program maps
 * CS_EINPUT to exit status 2 and everything else to 1.
 */
#ifndef CASCADE_ERROR_H
#define CASCADE_ERROR_H

#include <stdarg.h>

#define CS_ERROR_MAX 1024

enum cs_status {
    CS_OK = 0,
    CS_EINPUT = -2, /* the input is wrong: a scenario, an argument, a file */
    CS_EIO = -3,    /* reading or writing a file failed */
    CS_ENOMEM = -4, /* an allocation failed */
    CS_EFAIL = -5,  /* anything else (an internal check, a library error) */
};

typedef struct cs_error {
    int code;                   /* one of enum cs_status */
    char message[CS_ERROR_MAX]; /* human-readable, no trailing newline */
} cs_error;

/* Fill err (if not NULL) with code and a printf-style message; return code. */
int cs_error_set(cs_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Clear err to CS_OK and an empty message. */
void cs_error_clear(cs_error *err);

#endif
