/*
 * progress.c - progress lines on stderr (see progress.h).
 */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"

void cli_progress_init(cli_progress *p, const char *command, const char *unit)
{
    memset(p, 0, sizeof *p);
    p->command = command;
    p->unit = unit;
    p->terminal = isatty(STDERR_FILENO);
    p->grace = 5;
    const char *mode = getenv("CASCADE_PROGRESS");
    if (mode && strcmp(mode, "lines") == 0) {
        p->terminal = 0;
        p->grace = 0;
    } else if (mode && strcmp(mode, "none") == 0)
        p->silent = 1;
    p->last_shown = -1e9;
    p->last_tenth = -1;
    pthread_mutex_init(&p->lock, NULL);
}

void cli_progress_free(cli_progress *p)
{
    pthread_mutex_destroy(&p->lock);
}

static void show(cli_progress *p, const char *name, long done, long total,
                 double seconds)
{
    if (total <= 1 || p->silent)
        return;
    if (!p->name || strcmp(p->name, name) != 0) { /* the next scenario */
        snprintf(p->name_text, sizeof p->name_text, "%s", name);
        p->name = p->name_text;
        p->last_done = 0;
        p->last_tenth = -1;
        p->last_shown = -1e9;
    }
    if (done < p->last_done)
        return;
    p->last_done = done;
    double rate = (double)done / (seconds > 0 ? seconds : 1e-9);
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    char left_text[CLI_NUMBER_MAX];
    cli_format_duration(left, left_text, sizeof left_text);
    if (p->terminal) {
        if (seconds - p->last_shown < 0.2 && done < total)
            return;
        p->last_shown = seconds;
        fprintf(stderr, "\r%s: %ld/%ld %s  %.1f %s/s  %s left   ", name, done,
                total, p->unit, rate, p->unit, left_text);
        if (done == total)
            fprintf(stderr, "\r%78s\r", "");
        return;
    }
    long tenth = done * 10 / total;
    if (seconds < p->grace || (tenth == p->last_tenth &&
                               seconds - p->last_shown < 30 && done < total))
        return;
    p->last_tenth = tenth;
    p->last_shown = seconds;
    char done_text[CLI_NUMBER_MAX], total_text[CLI_NUMBER_MAX];
    cli_format_count((double)done, done_text, sizeof done_text);
    cli_format_count((double)total, total_text, sizeof total_text);
    fprintf(stderr, "%s: %s: %s of %s %s (%.0f%%), %.1f %s/s, %s left\n",
            p->command, name, done_text, total_text, p->unit,
            100.0 * (double)done / (double)total, rate, p->unit, left_text);
}

void cli_progress_show(void *ctx, const char *name, long done, long total,
                       double seconds)
{
    cli_progress *p = ctx;
    pthread_mutex_lock(&p->lock);
    show(p, name, done, total, seconds);
    pthread_mutex_unlock(&p->lock);
}
