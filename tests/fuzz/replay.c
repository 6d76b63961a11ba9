/*
 * replay.c - run saved fuzz inputs through the fuzz target without
 * libFuzzer, so every build (gcc, clang, the sanitizer build) checks the
 * corpus and every crash the fuzzer ever found.
 *
 *   replay [--expect-input-error] FILE_OR_DIRECTORY...
 *
 * Each regular file (directories are read one level deep, README.md
 * skipped) goes through cs_fuzz_scenario, which aborts on a crash-class
 * failure. With --expect-input-error every file must also be refused with
 * CS_EINPUT: that is what each input in tests/fuzz/regressions once
 * crashed on instead. Prints one line per file; exits 1 if any failed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_scenario.h"

#define MAX_INPUT (8L * 1024 * 1024)

static int replay_file(const char *path, int expect_input_error)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    char *data = malloc(MAX_INPUT);
    size_t size = data ? fread(data, 1, MAX_INPUT, f) : 0;
    fclose(f);
    if (!data) {
        fprintf(stderr, "replay: out of memory\n");
        return 1;
    }
    cs_error err;
    int rc = cs_fuzz_scenario((const uint8_t *)data, size, &err);
    free(data);
    if (expect_input_error && rc != CS_EINPUT) {
        printf("FAIL %s: expected CS_EINPUT, got %d (%s)\n", path, rc,
               rc ? err.message : "loaded");
        return 1;
    }
    printf("ok   %s: %s\n", path, rc ? err.message : "loads and compiles");
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_directory(const char *path, int expect_input_error)
{
    DIR *dir = opendir(path);
    if (!dir) {
        fprintf(stderr, "replay: cannot open directory %s\n", path);
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int failed = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) {
                failed = 1;
                break;
            }
            names = grown;
        }
        size_t size = strlen(path) + strlen(e->d_name) + 2;
        if (!(names[n] = malloc(size))) {
            failed = 1;
            break;
        }
        snprintf(names[n++], size, "%s/%s", path, e->d_name);
    }
    closedir(dir);
    if (n > 0)
        qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        struct stat info;
        if (stat(names[i], &info) == 0 && S_ISREG(info.st_mode))
            failed |= replay_file(names[i], expect_input_error);
        free(names[i]);
    }
    free(names);
    return failed;
}

int main(int argc, char **argv)
{
    int expect_input_error = 0, failed = 0, inputs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--expect-input-error") == 0) {
            expect_input_error = 1;
            continue;
        }
        struct stat info;
        if (stat(argv[i], &info) != 0) {
            fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
            return 1;
        }
        inputs++;
        failed |= S_ISDIR(info.st_mode)
                      ? replay_directory(argv[i], expect_input_error)
                      : replay_file(argv[i], expect_input_error);
    }
    if (!inputs) {
        fprintf(stderr,
                "usage: replay [--expect-input-error] FILE_OR_DIR...\n");
        return 2;
    }
    return failed;
}
