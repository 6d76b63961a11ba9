/*
 * ranks.c - what the ranks of an MPI job print (see cli.h): each checks the
 * same input and would find the same faults, so only rank 0 tells them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

int cli_mute_stderr(int rank)
{
    if (rank == 0)
        return -1;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDERR_FILENO);
        close(null);
    }
    return saved;
}

void cli_unmute_stderr(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
}
