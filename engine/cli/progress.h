/*
 * progress.h - progress of long work on stderr, for every command that
 * has some (run, fit, backtest): on a terminal a line redrawn in place a
 * few times a second; elsewhere (a log, a scheduler's output file) a line
 * at every tenth of the work or every 30 s, whichever comes first, once
 * the work has taken 5 s, so short jobs leave logs alone.
 */
#ifndef CASCADE_CLI_PROGRESS_H
#define CASCADE_CLI_PROGRESS_H

typedef struct cli_progress {
    const char *command; /* "cascade run" */
    const char *unit;    /* "runs", "councils" */
    int terminal;
    double last_shown;
    long last_tenth;
} cli_progress;

void cli_progress_init(cli_progress *p, const char *command, const char *unit);

/* done of total units of `name` after `seconds`; the signature of
 * cs_batch_settings.progress, ctx a cli_progress. */
void cli_progress_show(void *ctx, const char *name, long done, long total,
                       double seconds);

#endif
