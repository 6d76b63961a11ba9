/*
 * output_group.h - adding a group of derived tables to a finished cascade
 * output file (cascade compare writes /compare/<alt>_vs_<base>/ with it).
 *
 * The file is copied to its temporary (cs_output_temporary_name), the
 * group is written into the copy, and the copy is renamed over the file
 * only when complete, so a failure or a signal leaves the file as it was.
 */
#ifndef CASCADE_OUTPUT_GROUP_H
#define CASCADE_OUTPUT_GROUP_H

#include "cascade/error.h"
#include "cascade/output_format.h"

/* An axis of the group: a dimension-scale dataset of string labels, of
 * int32 values, or of 0..n-1 when both are NULL. */
typedef struct cs_table_axis {
    const char *name;
    int n;
    const char *const *labels;
    const char *description;
    const int *values; /* used when labels is NULL */
} cs_table_axis;

/* A float64 dataset of the group; axes names an axis for each dimension. */
typedef struct cs_table_dataset {
    const char *name;
    int rank; /* 1..4 */
    const int *shape;
    const char *const *axes;
    const double *values;
    const char *units;
    const char *description;
} cs_table_dataset;

/* An attribute of the group: text, or a number when text is NULL. */
typedef struct cs_table_attribute {
    const char *name;
    const char *text;
    double number;
} cs_table_attribute;

/*
 * Write the group group_path (e.g. "compare/alt_vs_base"), replacing one of
 * that name, into the cascade output file at path: on a copy, renamed over
 * path only when complete, so a failure leaves the file as it was.
 */
int cs_output_write_group(const char *path, const char *group_path, int n_axes,
                          const cs_table_axis *axes, int n_datasets,
                          const cs_table_dataset *datasets, int n_attributes,
                          const cs_table_attribute *attrs, cs_error *err);

#endif
