/* A batch of runs through libcascade's public API (docs/library.md). */
#include <stdio.h>

#include <cascade/cascade.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: example SCENARIO.yaml OUT.h5\n");
        return 2;
    }
    cs_output_prepare_process(); /* first: see output.h */
    cs_error err;
    cs_scenario *scenario = NULL;
    cs_batch *batch = NULL;
    int rc = cs_scenario_load_file(argv[1], &scenario, &err);
    if (rc == CS_OK)
        rc = cs_batch_create(&batch, &err);
    if (rc == CS_OK)
        rc = cs_batch_add_scenario(batch, scenario, argv[1], &err);
    cs_batch_settings settings;
    cs_batch_settings_init(&settings); /* 1 thread, all uncertainty on */
    settings.seed = 7;
    settings.threads = 2;
    cs_batch_file file = {.path = argv[2], .n_runs = 20, .last = -1};
    cs_batch_outcome outcome;
    if (rc == CS_OK)
        rc = cs_batch_write(batch, &settings, &file, &outcome, &err);
    if (rc == CS_OK)
        printf("%ld runs in %s, %.2f s\n", outcome.runs_done, outcome.written,
               outcome.seconds);
    else
        fprintf(stderr, "%s\n", err.message);
    cs_batch_free(batch);
    cs_scenario_free(scenario);
    return rc == CS_OK ? 0 : rc == CS_EINPUT ? 2 : 1;
}
