/*
 * outfile.h - how the commands write their files (CSV, and the HDF5 of
 * merge), so that an output never destroys an input or a device:
 *
 *   - an output that is one of the command's inputs (the same device and
 *     inode, so also through another name, a hard link or a symlink) is
 *     refused before anything is written: `summary F --csv F` used to
 *     truncate the HDF5 file it was reading;
 *   - a regular file is written as a temporary beside it
 *     ("<path>.tmp-<pid>") and renamed over it only when complete;
 *   - a FIFO or a character device (a pipe, /dev/stdout) is written into
 *     as it is, never replaced; a directory, block device or socket is
 *     refused;
 *   - a name too long for its temporary is bad input (exit 2);
 *   - on SIGINT, SIGTERM or SIGHUP the temporaries are deleted and the
 *     program exits 128 + the signal (cli_cleanup_*).
 */
#ifndef CASCADE_CLI_OUTFILE_H
#define CASCADE_CLI_OUTFILE_H

#include <limits.h>
#include <stdio.h>

#include "cascade/cascade.h"

/*
 * CS_EINPUT if output names the same file as any of the n inputs (device
 * and inode, by stat); flag names the option for the message ("--csv").
 * An output that does not exist yet is none of them.
 */
int cli_check_not_an_input(const char *flag, const char *output,
                           const char *const *inputs, int n_inputs,
                           cs_error *err);

typedef struct cli_outfile {
    FILE *file;
    char path[PATH_MAX];
    char tmp[PATH_MAX]; /* "" when written in place (a FIFO, a device) */
    int cleanup_slot;   /* cli_cleanup_add's, or -1 */
} cli_outfile;

/*
 * Open path for writing (see above), refusing one of the inputs. An
 * existing regular file is replaced only if `replace` is set (else
 * CS_EINPUT naming the option that would: `replace_flag`, e.g.
 * "--force").
 */
int cli_outfile_open(cli_outfile *out, const char *flag, const char *path,
                     int replace, const char *replace_flag,
                     const char *const *inputs, int n_inputs, cs_error *err);

/* Flush, fsync, close and rename into place. The file is closed either
 * way; on failure the temporary is deleted. */
int cli_outfile_commit(cli_outfile *out, cs_error *err);

/* Close and delete the temporary (a FIFO or device is only closed). */
void cli_outfile_abort(cli_outfile *out);

/*
 * Signals. cli_cleanup_install makes SIGINT, SIGTERM and SIGHUP delete
 * every registered file and exit 128 + the signal, saying so after
 * `command` ("cascade merge"); unlink and _exit are safe in a handler, and
 * nothing else is done there. cli_cleanup_add registers a path (copied;
 * at most CLI_MAX_CLEANUP at once) and returns its slot (-1 if full);
 * cli_cleanup_remove forgets it (after the rename, or after deleting it).
 */
#define CLI_MAX_CLEANUP 8
void cli_cleanup_install(const char *command);
int cli_cleanup_add(const char *path);
void cli_cleanup_remove(int slot);

/*
 * cs_batch_write for a command that does not stop batches cleanly (goal-seek,
 * grid): the temporaries of the file and of its .partial are registered for
 * the signal handler while it runs, so Ctrl-C leaves no temporary behind (and
 * an earlier file as it was).
 */
int cli_batch_write_cleaned(cs_batch *batch, const cs_batch_settings *settings,
                            const cs_batch_file *file,
                            cs_batch_outcome *outcome, cs_error *err);

/*
 * A rate given on the command line: a fraction ("0.035") or a percentage
 * with its sign ("3.5%"). A bare number above 0.3 looks like a percentage
 * and is refused ("write 3.5% or 0.035"), as are negative rates and 100%
 * or more. CS_OK and *rate, or CS_EINPUT with a message naming flag.
 */
int cli_parse_rate(const char *flag, const char *text, double *rate,
                   cs_error *err);

/* A discount schedule over n_years from year 0, as the rates that apply
 * within them: "3.5% a year", or "3.5% a year to year 30, 3% from year
 * 31" (the Green Book's over more than 31 years). */
void cli_format_discount(const cs_discount *discount, int n_years, char *out,
                         size_t size);

#endif
