/*
 * outfile.c - writing the commands' files safely, deleting temporaries on
 * a signal, and reading rates from the command line (see outfile.h).
 *
 * The signal handler needs to know, while any function runs, which files
 * to delete: that is the one piece of mutable file-scope state here, a
 * fixed table of path buffers and flags written only outside the handler
 * (a slot's path is complete before its flag is set) and read inside it.
 */
#include "outfile.h"

#include "format.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_check_not_an_input(const char *flag, const char *output,
                           const char *const *inputs, int n_inputs,
                           cs_error *err)
{
    struct stat out;
    if (stat(output, &out) != 0)
        return CS_OK; /* not there yet: it cannot be an input */
    for (int i = 0; i < n_inputs; i++) {
        struct stat in;
        if (inputs[i] && stat(inputs[i], &in) == 0 && in.st_dev == out.st_dev &&
            in.st_ino == out.st_ino)
            return cs_error_set(err, CS_EINPUT,
                                "%s %s is the input %s: refusing to write "
                                "over a file being read; give another name",
                                flag, output, inputs[i]);
    }
    return CS_OK;
}

/* Open a FIFO or character device to write into as it is; a FIFO nobody
 * reads is refused rather than waited for. */
static int open_in_place(cli_outfile *out, const char *flag, cs_error *err)
{
    int fd = open(out->path, O_WRONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return cs_error_set(err, CS_EINPUT, "%s %s: cannot write it: %s%s",
                            flag, out->path, strerror(errno),
                            errno == ENXIO ? " (a FIFO nobody reads)" : "");
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    out->file = fdopen(fd, "w");
    if (!out->file) {
        close(fd);
        return cs_error_set(err, CS_EIO, "%s %s: %s", flag, out->path,
                            strerror(errno));
    }
    out->tmp[0] = '\0';
    return CS_OK;
}

int cli_outfile_open(cli_outfile *out, const char *flag, const char *path,
                     int replace, const char *replace_flag,
                     const char *const *inputs, int n_inputs, cs_error *err)
{
    memset(out, 0, sizeof *out);
    out->cleanup_slot = -1;
    int rc = cs_output_temporary_name(path, out->tmp, sizeof out->tmp, err);
    if (rc != CS_OK)
        return rc;
    snprintf(out->path, sizeof out->path, "%s", path);
    rc = cli_check_not_an_input(flag, path, inputs, n_inputs, err);
    if (rc != CS_OK)
        return rc;
    struct stat info;
    if (stat(path, &info) == 0) {
        if (S_ISFIFO(info.st_mode) || S_ISCHR(info.st_mode))
            return open_in_place(out, flag, err);
        if (S_ISDIR(info.st_mode))
            return cs_error_set(err, CS_EINPUT, "%s %s is a directory", flag,
                                path);
        if (!S_ISREG(info.st_mode))
            return cs_error_set(err, CS_EINPUT,
                                "%s %s is not a regular file (a block device "
                                "or socket): refusing to write it",
                                flag, path);
        if (!replace)
            return cs_error_set(err, CS_EINPUT,
                                "%s exists; not replacing it (use %s)", path,
                                replace_flag);
    } else if (errno != ENOENT) {
        return cs_error_set(err, CS_EINPUT, "%s %s: %s", flag, path,
                            strerror(errno));
    }
    /* registered before it exists, so that a signal arriving as it is made
     * deletes it (unlinking a name not yet made does nothing) */
    out->cleanup_slot = cli_cleanup_add(out->tmp);
    int fd = open(out->tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        int e = errno;
        cli_cleanup_remove(out->cleanup_slot);
        out->cleanup_slot = -1;
        return cs_error_set(err, CS_EINPUT,
                            "cannot write %s (as its temporary %s): %s", path,
                            out->tmp, strerror(e));
    }
    out->file = fdopen(fd, "w");
    if (!out->file) {
        int e = errno;
        close(fd);
        cli_outfile_abort(out);
        return cs_error_set(err, CS_EIO, "cannot write %s: %s", path,
                            strerror(e));
    }
    return CS_OK;
}

int cli_outfile_commit(cli_outfile *out, cs_error *err)
{
    if (!out->file)
        return CS_OK;
    int rc = CS_OK;
    if (fflush(out->file) != 0 || ferror(out->file) ||
        (out->tmp[0] && fsync(fileno(out->file)) != 0))
        rc = cs_error_set(err, CS_EIO, "writing %s: %s", out->path,
                          strerror(errno));
    if (fclose(out->file) != 0 && rc == CS_OK)
        rc = cs_error_set(err, CS_EIO, "writing %s: %s", out->path,
                          strerror(errno));
    out->file = NULL;
    if (rc == CS_OK && out->tmp[0] && rename(out->tmp, out->path) != 0)
        rc = cs_error_set(err, CS_EIO, "replacing %s: %s", out->path,
                          strerror(errno));
    if (rc != CS_OK && out->tmp[0])
        unlink(out->tmp);
    cli_cleanup_remove(out->cleanup_slot);
    out->cleanup_slot = -1;
    return rc;
}

void cli_outfile_abort(cli_outfile *out)
{
    if (out->file)
        fclose(out->file);
    out->file = NULL;
    if (out->tmp[0] && out->cleanup_slot >= 0)
        unlink(out->tmp);
    cli_cleanup_remove(out->cleanup_slot);
    out->cleanup_slot = -1;
}

/* ---- signals ------------------------------------------------------------- */

static char cleanup_path[CLI_MAX_CLEANUP][PATH_MAX];
static volatile sig_atomic_t cleanup_used[CLI_MAX_CLEANUP];
static const char *cleanup_command = "cascade";

static void write_text(const char *text)
{
    ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
    (void)ignored;
}

static void on_signal(int sig)
{
    int removed = 0;
    for (int i = 0; i < CLI_MAX_CLEANUP; i++)
        if (cleanup_used[i] && unlink(cleanup_path[i]) == 0)
            removed++;
    char number[4] = {(char)('0' + sig / 10 % 10), (char)('0' + sig % 10), '\0',
                      '\0'};
    write_text(cleanup_command);
    write_text(": stopped by signal ");
    write_text(sig >= 10 ? number : number + 1);
    write_text(removed ? "; deleted its unfinished output, and nothing it "
                         "would have replaced was changed\n"
                       : "\n");
    _exit(128 + sig);
}

void cli_cleanup_install(const char *command)
{
    cleanup_command = command;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
}

int cli_cleanup_add(const char *path)
{
    for (int i = 0; i < CLI_MAX_CLEANUP; i++) {
        if (cleanup_used[i])
            continue;
        snprintf(cleanup_path[i], sizeof cleanup_path[i], "%s", path);
        /* the path is whole before a signal handler can see the slot used */
        atomic_signal_fence(memory_order_seq_cst);
        cleanup_used[i] = 1;
        return i;
    }
    return -1;
}

void cli_cleanup_remove(int slot)
{
    if (slot >= 0 && slot < CLI_MAX_CLEANUP)
        cleanup_used[slot] = 0;
}

/* ---- rates ------------------------------------------------------------- */

int cli_parse_rate(const char *flag, const char *text, double *rate,
                   cs_error *err)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    int percent = end != text && *end == '%' && end[1] == '\0';
    if (errno || end == text || (*end && !percent) || !isfinite(value))
        return cs_error_set(err, CS_EINPUT,
                            "%s: expected a rate a year, as a fraction "
                            "(0.035) or a percentage (3.5%%), found '%s'",
                            flag, text);
    if (percent)
        value /= 100;
    else if (value > 0.3)
        return cs_error_set(err, CS_EINPUT,
                            "%s %s looks like a percentage: write %s%% or "
                            "%g",
                            flag, text, text, value / 100);
    if (!(value >= 0 && value < 1))
        return cs_error_set(err, CS_EINPUT,
                            "%s: expected a rate from 0 to below 100%%, found "
                            "'%s'",
                            flag, text);
    *rate = value;
    return CS_OK;
}

int cli_batch_write_cleaned(cs_batch *batch, const cs_batch_settings *settings,
                            const cs_batch_file *file,
                            cs_batch_outcome *outcome, cs_error *err)
{
    char partial[PATH_MAX + 16], tmp[PATH_MAX], partial_tmp[PATH_MAX];
    int slots[2] = {-1, -1};
    if (cs_output_temporary_name(file->path, tmp, sizeof tmp, NULL) == CS_OK)
        slots[0] = cli_cleanup_add(tmp);
    if (cs_batch_partial_path(file->path, partial, sizeof partial) == CS_OK &&
        cs_output_temporary_name(partial, partial_tmp, sizeof partial_tmp,
                                 NULL) == CS_OK)
        slots[1] = cli_cleanup_add(partial_tmp);
    int rc = cs_batch_write(batch, settings, file, outcome, err);
    cli_cleanup_remove(slots[0]);
    cli_cleanup_remove(slots[1]);
    return rc;
}

void cli_format_discount(const cs_discount *discount, int n_years, char *out,
                         size_t size)
{
    assert(size > 0 && discount->n_steps >= 1);
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < discount->n_steps; k++) {
        /* a step from year f applies first to year f (year 0 to none) */
        int first = discount->from_year[k] > 0 ? discount->from_year[k] : 1;
        if (k > 0 && first >= n_years)
            break;
        char rate[CLI_NUMBER_MAX];
        cli_format_percent(discount->rate[k], rate, sizeof rate);
        int n = k == 0 ? snprintf(out + used, size - used, "%s a year", rate)
                       : snprintf(out + used, size - used, ", %s from year %d",
                                  rate, discount->from_year[k]);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
        if (k == 0 && discount->n_steps > 1 &&
            discount->from_year[1] < n_years) {
            n = snprintf(out + used, size - used, " to year %d",
                         discount->from_year[1] - 1);
            if (n < 0 || (size_t)n >= size - used)
                return;
            used += (size_t)n;
        }
    }
}
