/*
 * output.h - the HDF5 output file, all of it: the format's constants
 * (output_format.h), the writer (output_writer.h), the reader
 * (output_reader.h) and derived tables added to a finished file
 * (output_group.h). Include the one you need, or this.
 */
#ifndef CASCADE_OUTPUT_H
#define CASCADE_OUTPUT_H

#include "cascade/output_format.h"
#include "cascade/output_group.h"
#include "cascade/output_reader.h"
#include "cascade/output_writer.h"

#endif
