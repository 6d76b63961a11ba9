/*
 * progress.h - progress of long work on stderr, for every command that
 * has some (run, fit, backtest): on a terminal a line redrawn in place a
 * few times a second; elsewhere (a log, a scheduler's output file) a line
 * at every tenth of the work or every 30 s, whichever comes first, once
 * the work has taken 5 s, so short jobs leave logs alone. --quiet (the
 * command gives no callback) silences both.
 *
 * CASCADE_PROGRESS in the environment overrides the choice: "lines" writes
 * the log lines from the start, terminal or not (and without the 5 s
 * grace); "none" writes nothing; "auto" (or unset) as above.
 *
 * The library may report from several threads at once (a backtest's
 * areas): a mutex keeps the lines whole and the counts in order.
 */
#ifndef CASCADE_CLI_PROGRESS_H
#define CASCADE_CLI_PROGRESS_H

#include <pthread.h>

typedef struct cli_progress {
    const char *command; /* "cascade run" */
    const char *unit;    /* "runs", "councils" */
    int terminal;        /* redraw a bar in place */
    int silent;          /* CASCADE_PROGRESS=none */
    double grace;        /* seconds of silence before the first log line */
    double last_shown;
    long last_tenth;
    long last_done;   /* the most done so far: a late report is dropped */
    const char *name; /* what the counts are of (a scenario), or NULL */
    char name_text[64];
    pthread_mutex_t lock;
} cli_progress;

void cli_progress_init(cli_progress *p, const char *command, const char *unit);
void cli_progress_free(cli_progress *p);

/* done of total units of `name` after `seconds`; the signature of
 * cs_batch_settings.progress, ctx a cli_progress. */
void cli_progress_show(void *ctx, const char *name, long done, long total,
                       double seconds);

#endif
