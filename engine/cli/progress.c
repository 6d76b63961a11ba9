/*
 * progress.c - progress lines on stderr (see progress.h).
 */
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

void cli_progress_init(cli_progress *p, const char *command, const char *unit)
{
    p->command = command;
    p->unit = unit;
    p->terminal = isatty(STDERR_FILENO);
    p->last_shown = -1e9;
    p->last_tenth = -1;
}

void cli_progress_show(void *ctx, const char *name, long done, long total,
                       double seconds)
{
    cli_progress *p = ctx;
    if (total <= 1)
        return;
    double rate = (double)done / (seconds > 0 ? seconds : 1e-9);
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    if (p->terminal) {
        if (seconds - p->last_shown < 0.2 && done < total)
            return;
        p->last_shown = seconds;
        fprintf(stderr, "\r%s: %ld/%ld %s  %.1f %s/s  %.0f s left   ", name,
                done, total, p->unit, rate, p->unit, left);
        if (done == total)
            fprintf(stderr, "\r%78s\r", "");
        return;
    }
    long tenth = done * 10 / total;
    if (seconds < 5 || (tenth == p->last_tenth &&
                        seconds - p->last_shown < 30 && done < total))
        return;
    p->last_tenth = tenth;
    p->last_shown = seconds;
    fprintf(stderr, "%s: %s: %ld of %ld %s (%.0f%%), %.1f %s/s, %.0f s left\n",
            p->command, name, done, total, p->unit,
            100.0 * (double)done / (double)total, rate, p->unit, left);
}
