/*
 * update.c - adding a group of derived tables to an existing output file
 * (cascade compare writes /compare/<alt>_vs_<base>/), safely.
 *
 * The file is copied to "<path>.tmp-<pid>", the group is written into the
 * copy (replacing a group of the same name), the copy is flushed, closed
 * and fsynced, and only then renamed over path. An interruption or a full
 * disk leaves the original untouched: results already computed are never
 * put at risk by adding to them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5_hl.h>

#include "cascade/output_group.h"
#include "h5util.h"
#include "writer.h"

int cs_output_copy_file(const char *from, const char *to, cs_error *err)
{
    int in = open(from, O_RDONLY);
    if (in < 0)
        return cs_error_set(err, CS_EINPUT, "cannot read %s: %s", from,
                            strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        return cs_error_set(err, CS_EIO, "cannot create %s: %s", to,
                            strerror(e));
    }
    char buffer[1 << 16];
    int status = CS_OK;
    for (;;) {
        ssize_t n = read(in, buffer, sizeof buffer);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            status = cs_error_set(err, CS_EIO, "reading %s: %s", from,
                                  strerror(errno));
            break;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buffer + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                status = cs_error_set(err, CS_EIO, "writing %s: %s", to,
                                      strerror(errno));
                break;
            }
            done += w;
        }
        if (status != CS_OK)
            break;
    }
    close(in);
    if (close(out) != 0 && status == CS_OK)
        status =
            cs_error_set(err, CS_EIO, "writing %s: %s", to, strerror(errno));
    return status;
}

/* Create every group on the way to path (like mkdir -p), replacing the
 * last one if it exists; returns the open group or < 0. */
static hid_t fresh_group(hid_t file, const char *path)
{
    char prefix[512];
    size_t length = strlen(path);
    if (length >= sizeof prefix)
        return -1;
    for (size_t i = 1; i <= length; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        memcpy(prefix, path, i);
        prefix[i] = '\0';
        int last = path[i] == '\0';
        htri_t exists = H5Lexists(file, prefix, H5P_DEFAULT);
        if (exists < 0)
            return -1;
        if (exists && last && H5Ldelete(file, prefix, H5P_DEFAULT) < 0)
            return -1;
        if (!exists || last) {
            hid_t group =
                H5Gcreate2(file, prefix, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (group < 0)
                return -1;
            if (last)
                return group;
            cs_h5_close(group);
        }
    }
    return -1;
}

static hid_t write_axis(hid_t group, const cs_table_axis *axis)
{
    hid_t dataset;
    if (axis->labels) {
        dataset =
            cs_h5_dataset_strings(group, axis->name, axis->n, axis->labels);
    } else if (axis->values) {
        dataset = cs_h5_dataset_int32(group, axis->name, axis->n, axis->values);
    } else {
        int *index = malloc((size_t)axis->n * sizeof *index);
        if (!index)
            return -1;
        for (int i = 0; i < axis->n; i++)
            index[i] = i;
        dataset = cs_h5_dataset_int32(group, axis->name, axis->n, index);
        free(index);
    }
    if (dataset >= 0 &&
        (H5DSset_scale(dataset, axis->name) < 0 ||
         cs_h5_attr_string(dataset, "description", axis->description) < 0)) {
        cs_h5_close(dataset);
        return -1;
    }
    return dataset;
}

static int write_table(hid_t group, const cs_table_dataset *d, int n_axes,
                       const cs_table_axis *axes, const hid_t *scales)
{
    hsize_t shape[4];
    if (d->rank < 1 || d->rank > 4)
        return -1;
    for (int i = 0; i < d->rank; i++)
        shape[i] = (hsize_t)d->shape[i];
    hid_t space = H5Screate_simple(d->rank, shape, NULL);
    hid_t dataset = space < 0
                        ? -1
                        : H5Dcreate2(group, d->name, H5T_IEEE_F64LE, space,
                                     H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int status =
        dataset >= 0 &&
                H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                         H5P_DEFAULT, d->values) >= 0 &&
                cs_h5_attr_string(dataset, "units", d->units) >= 0 &&
                cs_h5_attr_string(dataset, "description", d->description) >= 0
            ? 0
            : -1;
    for (int i = 0; status == 0 && i < d->rank; i++) {
        int a = 0;
        while (a < n_axes && strcmp(axes[a].name, d->axes[i]) != 0)
            a++;
        if (a == n_axes || axes[a].n != d->shape[i] ||
            H5DSattach_scale(dataset, scales[a], (unsigned)i) < 0 ||
            H5DSset_label(dataset, (unsigned)i, axes[a].name) < 0)
            status = -1;
    }
    cs_h5_close(dataset);
    cs_h5_close(space);
    return status;
}

/* A scalar float64 attribute (not a one-element array). */
static herr_t scalar_double(hid_t obj, const char *name, double value)
{
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attribute = space < 0 ? -1
                                : H5Acreate2(obj, name, H5T_IEEE_F64LE, space,
                                             H5P_DEFAULT, H5P_DEFAULT);
    herr_t status =
        attribute >= 0 ? H5Awrite(attribute, H5T_NATIVE_DOUBLE, &value) : -1;
    cs_h5_close(attribute);
    cs_h5_close(space);
    return status;
}

int cs_output_write_group(const char *path, const char *group_path, int n_axes,
                          const cs_table_axis *axes, int n_datasets,
                          const cs_table_dataset *datasets, int n_attributes,
                          const cs_table_attribute *attrs, cs_error *err)
{
    if (!cs_output_is_cascade_file(path))
        return cs_error_set(err, CS_EINPUT,
                            "%s is not a cascade output file; not adding %s "
                            "to it",
                            path, group_path);
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >=
        (int)sizeof tmp)
        return cs_error_set(err, CS_EINPUT, "output path too long: %s", path);
    int status = cs_output_copy_file(path, tmp, err);
    if (status != CS_OK) {
        unlink(tmp);
        return status;
    }
    cs_h5_quiet quiet;
    cs_h5_quiet_begin(&quiet);
    hid_t *scales = calloc((size_t)n_axes + 1, sizeof *scales);
    hid_t file = H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t group = file >= 0 ? fresh_group(file, group_path) : -1;
    const char *failed = group < 0 ? group_path : NULL;
    for (int a = 0; !failed && a < n_axes; a++) {
        scales[a] = write_axis(group, &axes[a]);
        if (scales[a] < 0)
            failed = axes[a].name;
    }
    for (int i = 0; !failed && i < n_datasets; i++)
        if (write_table(group, &datasets[i], n_axes, axes, scales) < 0)
            failed = datasets[i].name;
    for (int i = 0; !failed && i < n_attributes; i++) {
        herr_t s = attrs[i].text
                       ? cs_h5_attr_string(group, attrs[i].name, attrs[i].text)
                       : scalar_double(group, attrs[i].name, attrs[i].number);
        if (s < 0)
            failed = attrs[i].name;
    }
    if (failed)
        status = cs_h5_error(err, CS_EIO, "writing %s/%s to %s", group_path,
                             failed, path);
    for (int a = 0; a < n_axes; a++)
        cs_h5_close(scales[a]);
    free(scales);
    cs_h5_close(group);
    if (file >= 0 && H5Fclose(file) < 0 && status == CS_OK)
        status = cs_h5_error(err, CS_EIO, "closing %s", tmp);
    cs_h5_quiet_end(&quiet);
    if (status == CS_OK) {
        int fd = open(tmp, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0)
            status = cs_error_set(err, CS_EIO, "syncing %s: %s", tmp,
                                  strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (status == CS_OK && rename(tmp, path) != 0)
        status = cs_error_set(err, CS_EIO, "replacing %s: %s", path,
                              strerror(errno));
    if (status != CS_OK)
        unlink(tmp);
    return status;
}
