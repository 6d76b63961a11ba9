/*
 * h5util.h - small HDF5 helpers shared by the output writer and reader.
 *
 * Two rules run through them. Library code never prints, so every public
 * output function runs inside cs_h5_quiet_begin/end, which switch off
 * HDF5's automatic error-stack printing and restore whatever the caller had.
 * And an error message should say why HDF5 failed, so cs_h5_error reads the
 * innermost entry of HDF5's error stack; because every HDF5 API call clears
 * that stack, cleanup code closes handles with cs_h5_close, which keeps it.
 */
#ifndef CASCADE_OUTPUT_H5UTIL_H
#define CASCADE_OUTPUT_H5UTIL_H

#include <hdf5.h>

#include <stdint.h>

#include "cascade/error.h"

typedef struct cs_h5_quiet {
    H5E_auto2_t func;
    void *client_data;
} cs_h5_quiet;

void cs_h5_quiet_begin(cs_h5_quiet *saved);
void cs_h5_quiet_end(const cs_h5_quiet *saved);

/*
 * Set err to code and "<context>: HDF5 error: <innermost HDF5 message>".
 * Call it right after the failing HDF5 call (or after cs_h5_close only).
 */
int cs_h5_error(cs_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Close any HDF5 id (ignoring ids < 0), keeping the current error stack. */
void cs_h5_close(hid_t id);

/* A variable-length UTF-8 string type; close it with H5Tclose. */
hid_t cs_h5_string_type(void);

/* Scalar attributes; NULL strings are written as "". */
herr_t cs_h5_attr_string(hid_t obj, const char *name, const char *value);
herr_t cs_h5_attr_int32(hid_t obj, const char *name, int value);
herr_t cs_h5_attr_uint64(hid_t obj, const char *name, uint64_t value);
herr_t cs_h5_attr_double(hid_t obj, const char *name, double value);
/* A 1-D float64 attribute of n values. */
herr_t cs_h5_attr_doubles(hid_t obj, const char *name, int n,
                          const double *values);

/* Contiguous 1-D datasets; return the open dataset or < 0. */
hid_t cs_h5_dataset_strings(hid_t parent, const char *name, int n,
                            const char *const *values);
hid_t cs_h5_dataset_int32(hid_t parent, const char *name, int n,
                          const int *values);
hid_t cs_h5_dataset_doubles(hid_t parent, const char *name, int n,
                            const double *values);

/*
 * A dataset-creation property list for a chunked dataset with the given
 * chunk shape and fill value *fill of memory type fill_type; with compress,
 * shuffle + deflate level CS_H5_DEFLATE_LEVEL when the filters are
 * available.
 */
#define CS_H5_DEFLATE_LEVEL 1
hid_t cs_h5_chunked_dcpl(int rank, const hsize_t *chunk, hid_t fill_type,
                         const void *fill, int compress);

/*
 * Read a 1-D string dataset (variable- or fixed-length) into n malloc'd
 * strings in a malloc'd array; free with cs_h5_free_strings.
 */
herr_t cs_h5_read_strings(hid_t dataset, int *n, char ***strings);
void cs_h5_free_strings(int n, char **strings);

/* Read a scalar integer attribute as int (fails if not an integer). */
herr_t cs_h5_read_attr_int(hid_t obj, const char *name, long long *value);

#endif
