/*
 * h5util.c - HDF5 helpers for the output module (see h5util.h).
 */
#include "h5util.h"

#include "cascade/output_format.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cs_h5_quiet_begin(cs_h5_quiet *saved)
{
    saved->func = NULL;
    saved->client_data = NULL;
    if (H5Eget_auto2(H5E_DEFAULT, &saved->func, &saved->client_data) < 0) {
        saved->func = NULL;
        saved->client_data = NULL;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void cs_h5_quiet_end(const cs_h5_quiet *saved)
{
    H5Eset_auto2(H5E_DEFAULT, saved->func, saved->client_data);
}

typedef struct innermost {
    char *buffer;
    size_t size;
} innermost;

/*
 * Shorten a low-level HDF5 message for people. The file drivers write
 * "file write failed: time = ..., filename = '...', file descriptor = 3,
 * errno = 28, error message = 'No space left on device', buf = ..."; keep
 * "file write failed: No space left on device". Other messages are kept
 * whole, on one line.
 */
static void tidy_message(const char *desc, char *buffer, size_t size)
{
    const char *marker = "error message = '";
    const char *reason = strstr(desc, marker);
    const char *colon = strchr(desc, ':');
    if (reason && colon && colon < reason) {
        reason += strlen(marker);
        const char *end = strchr(reason, '\'');
        int reason_length = end ? (int)(end - reason) : (int)strlen(reason);
        snprintf(buffer, size, "%.*s: %.*s", (int)(colon - desc), desc,
                 reason_length, reason);
    } else {
        snprintf(buffer, size, "%s", desc);
    }
    for (char *c = buffer; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
}

/* Walking upward, entry 0 is the innermost: where the failure started. */
static herr_t take_innermost(unsigned n, const H5E_error2_t *entry,
                             void *client_data)
{
    innermost *found = client_data;
    if (n == 0 && entry->desc && entry->desc[0])
        tidy_message(entry->desc, found->buffer, found->size);
    return 0;
}

int cs_h5_error(cs_error *err, int code, const char *fmt, ...)
{
    char detail[600] = "";
    innermost found = {detail, sizeof detail};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &found);

    char context[CS_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    if (detail[0])
        return cs_error_set(err, code, "%s: HDF5 error: %s", context, detail);
    return cs_error_set(err, code, "%s: HDF5 error", context);
}

void cs_h5_close(hid_t id)
{
    if (id < 0)
        return;
    /* H5Eget_current_stack moves the stack aside; set puts it back. */
    hid_t stack = H5Eget_current_stack();
    switch (H5Iget_type(id)) {
    case H5I_FILE:
        H5Fclose(id);
        break;
    case H5I_GROUP:
        H5Gclose(id);
        break;
    case H5I_DATATYPE:
        H5Tclose(id);
        break;
    case H5I_DATASPACE:
        H5Sclose(id);
        break;
    case H5I_DATASET:
        H5Dclose(id);
        break;
    case H5I_ATTR:
        H5Aclose(id);
        break;
    case H5I_GENPROP_LST:
        H5Pclose(id);
        break;
    default:
        break;
    }
    if (stack >= 0)
        H5Eset_current_stack(stack);
}

hid_t cs_h5_string_type(void)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0)
        return type;
    if (H5Tset_size(type, H5T_VARIABLE) < 0 ||
        H5Tset_cset(type, H5T_CSET_UTF8) < 0) {
        cs_h5_close(type);
        return -1;
    }
    return type;
}

static herr_t write_attr(hid_t obj, const char *name, hid_t file_type,
                         hid_t mem_type, hid_t space, const void *value)
{
    herr_t status = -1;
    hid_t attr = -1;
    if (space >= 0)
        attr =
            H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr >= 0 && H5Awrite(attr, mem_type, value) >= 0)
        status = 0;
    cs_h5_close(attr);
    cs_h5_close(space);
    return status;
}

herr_t cs_h5_attr_string(hid_t obj, const char *name, const char *value)
{
    const char *text = value ? value : "";
    hid_t type = cs_h5_string_type();
    if (type < 0)
        return -1;
    herr_t status =
        write_attr(obj, name, type, type, H5Screate(H5S_SCALAR), &text);
    cs_h5_close(type);
    return status;
}

herr_t cs_h5_attr_int32(hid_t obj, const char *name, int value)
{
    return write_attr(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT,
                      H5Screate(H5S_SCALAR), &value);
}

herr_t cs_h5_attr_uint64(hid_t obj, const char *name, uint64_t value)
{
    return write_attr(obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64,
                      H5Screate(H5S_SCALAR), &value);
}

herr_t cs_h5_attr_double(hid_t obj, const char *name, double value)
{
    return write_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                      H5Screate(H5S_SCALAR), &value);
}

herr_t cs_h5_attr_doubles(hid_t obj, const char *name, int n,
                          const double *values)
{
    hsize_t dim = (hsize_t)n;
    return write_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                      H5Screate_simple(1, &dim, NULL), values);
}

static hid_t write_dataset_1d(hid_t parent, const char *name, hid_t file_type,
                              hid_t mem_type, int n, const void *values)
{
    hsize_t dim = (hsize_t)n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    if (space < 0)
        return -1;
    hid_t dataset = H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT,
                               H5P_DEFAULT, H5P_DEFAULT);
    /* A type conversion buffer the size of the data: HDF5's default is
     * 1 MiB, zeroed on every write that converts (variable-length
     * strings), which cost a small file more than all its numbers. */
    size_t size = (size_t)(n > 0 ? n : 1) * 2 *
                  (H5Tget_size(file_type) > H5Tget_size(mem_type)
                       ? H5Tget_size(file_type)
                       : H5Tget_size(mem_type));
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (dxpl >= 0 &&
        H5Pset_buffer(dxpl, size < 4096 ? 4096 : size, NULL, NULL) < 0) {
        cs_h5_close(dxpl);
        dxpl = -1;
    }
    if (dataset >= 0 && n > 0 &&
        (dxpl < 0 ||
         H5Dwrite(dataset, mem_type, H5S_ALL, H5S_ALL, dxpl, values) < 0)) {
        cs_h5_close(dataset);
        dataset = -1;
    }
    cs_h5_close(dxpl);
    cs_h5_close(space);
    return dataset;
}

hid_t cs_h5_dataset_strings(hid_t parent, const char *name, int n,
                            const char *const *values)
{
    const char **texts = malloc((size_t)(n > 0 ? n : 1) * sizeof *texts);
    hid_t type = cs_h5_string_type();
    hid_t dataset = -1;
    if (texts && type >= 0) {
        for (int i = 0; i < n; i++)
            texts[i] = values && values[i] ? values[i] : "";
        dataset = write_dataset_1d(parent, name, type, type, n, texts);
    }
    cs_h5_close(type);
    free(texts);
    return dataset;
}

hid_t cs_h5_dataset_int32(hid_t parent, const char *name, int n,
                          const int *values)
{
    return write_dataset_1d(parent, name, H5T_STD_I32LE, H5T_NATIVE_INT, n,
                            values);
}

hid_t cs_h5_dataset_doubles(hid_t parent, const char *name, int n,
                            const double *values)
{
    return write_dataset_1d(parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n,
                            values);
}

hid_t cs_h5_chunked_dcpl(int rank, const hsize_t *chunk, hid_t fill_type,
                         const void *fill, int compress)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0)
        return -1;
    if (H5Pset_chunk(dcpl, rank, chunk) < 0 ||
        H5Pset_fill_value(dcpl, fill_type, fill) < 0)
        goto fail;
    if (!compress)
        return dcpl;
    /* Shuffle groups the bytes of each float64 by significance, so the
     * exponent bytes of similar counts compress well with deflate; level 1
     * (CS_H5_DEFLATE_LEVEL) because past shuffle the higher levels gain
     * little: on the uncertain England baseline level 4 made files 6%
     * smaller for 1.4 times the instructions (bench/RESULTS.md). */
    if (H5Zfilter_avail(H5Z_FILTER_SHUFFLE) > 0 && H5Pset_shuffle(dcpl) < 0)
        goto fail;
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 &&
        H5Pset_deflate(dcpl, CS_H5_DEFLATE_LEVEL) < 0)
        goto fail;
    return dcpl;
fail:
    cs_h5_close(dcpl);
    return -1;
}

void cs_h5_free_strings(int n, char **strings)
{
    if (!strings)
        return;
    for (int i = 0; i < n; i++)
        free(strings[i]);
    free(strings);
}

static char *copy_text(const char *text, size_t length)
{
    char *copy = malloc(length + 1);
    if (copy) {
        memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

herr_t cs_h5_read_strings(hid_t dataset, int *n, char ***strings)
{
    herr_t status = -1;
    char **result = NULL;
    char **vlen = NULL;
    char *fixed = NULL;
    hsize_t dim = 0;
    int count = 0;
    hid_t space = H5Dget_space(dataset);
    hid_t file_type = H5Dget_type(dataset);
    hid_t mem_type = -1;
    if (space < 0 || file_type < 0 || H5Sget_simple_extent_ndims(space) != 1 ||
        H5Sget_simple_extent_dims(space, &dim, NULL) < 0 ||
        H5Tget_class(file_type) != H5T_STRING || dim > 1000000)
        goto done;
    count = (int)dim;
    result = calloc((size_t)(count > 0 ? count : 1), sizeof *result);
    mem_type = H5Tcopy(file_type);
    if (!result || mem_type < 0)
        goto done;
    htri_t is_variable = H5Tis_variable_str(file_type);
    if (is_variable < 0)
        goto done;
    if (is_variable) {
        vlen = calloc((size_t)(count > 0 ? count : 1), sizeof *vlen);
        if (!vlen || (count > 0 && H5Dread(dataset, mem_type, H5S_ALL, H5S_ALL,
                                           H5P_DEFAULT, vlen) < 0))
            goto done;
        int copied = 1;
        for (int i = 0; i < count; i++) {
            const char *text = vlen[i] ? vlen[i] : "";
            result[i] = copy_text(text, strlen(text));
            copied = copied && result[i];
        }
        if (count > 0)
            H5Dvlen_reclaim(mem_type, space, H5P_DEFAULT, vlen);
        if (!copied)
            goto done;
    } else {
        size_t size = H5Tget_size(file_type);
        if (size == 0)
            goto done;
        fixed = malloc((size_t)(count > 0 ? count : 1) * size);
        if (!fixed || (count > 0 && H5Dread(dataset, mem_type, H5S_ALL, H5S_ALL,
                                            H5P_DEFAULT, fixed) < 0))
            goto done;
        for (int i = 0; i < count; i++) {
            const char *text = fixed + (size_t)i * size;
            size_t length = strnlen(text, size);
            result[i] = copy_text(text, length);
            if (!result[i])
                goto done;
        }
    }
    status = 0;
done:
    if (status < 0) {
        cs_h5_free_strings(count, result);
        result = NULL;
        count = 0;
    }
    free(vlen);
    free(fixed);
    cs_h5_close(mem_type);
    cs_h5_close(file_type);
    cs_h5_close(space);
    *n = count;
    *strings = result;
    return status;
}

herr_t cs_h5_read_attr_int(hid_t obj, const char *name, long long *value)
{
    herr_t status = -1;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
    hid_t space = attr >= 0 ? H5Aget_space(attr) : -1;
    if (type >= 0 && space >= 0 && H5Tget_class(type) == H5T_INTEGER &&
        H5Sget_simple_extent_npoints(space) == 1 &&
        H5Aread(attr, H5T_NATIVE_LLONG, value) >= 0)
        status = 0;
    cs_h5_close(space);
    cs_h5_close(type);
    cs_h5_close(attr);
    return status;
}

int cs_output_prepare_process(void)
{
    return H5dont_atexit() < 0 ? CS_EFAIL : CS_OK;
}
