/*
 * ssda903_counts.c - a test helper: read the SSDA903 return in a directory
 * with the public API (cs_ssda903_read) and print every count it gives as
 * CSV (measure,year,value), the children by the placements of England's
 * structure among them (cs_ssda903_placed with the default codes), or the
 * error and exit 2 as the program would.
 * test_ssda903.py compares the counts with what the generator intended.
 * With a published series file and an area code: load the file, put the
 * return's counts into it as that area's (cs_series_add_ssda903) and print
 * the area's name and every figure it then has.
 *
 * usage: ssda903_counts DIR [SERIES.csv CODE]
 */
#include <stdio.h>
#include <string.h>

#include "cascade/cascade.h"

static int print_series(cs_ssda903 *ret, const char *path, const char *code)
{
    cs_error err;
    cs_series *s = NULL;
    int rc = cs_series_create(&s, &err);
    if (rc == CS_OK)
        rc = cs_series_load(s, path, &err);
    if (rc == CS_OK)
        rc = cs_series_add_ssda903(s, ret, code, "from the return", &err);
    int area = -1;
    if (rc == CS_OK)
        rc = cs_series_find_area(s, code, &area, &err);
    if (rc != CS_OK) {
        fprintf(stderr, "%s\n", err.message);
        cs_series_free(s);
        cs_ssda903_free(ret);
        return 1;
    }
    printf("# %s\nmeasure,year,value\n", cs_series_area_name(s, area));
    for (int m = 0; m < cs_series_n_measures(); m++)
        for (int y = CS_SERIES_YEAR_MIN; y <= CS_SERIES_YEAR_MAX; y++) {
            double v;
            if (cs_series_get(s, area, m, y, &v))
                printf("%s,%d,%.0f\n", cs_series_measure(m)->name, y, v);
        }
    cs_series_free(s);
    cs_ssda903_free(ret);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: ssda903_counts DIR [SERIES.csv CODE]\n");
        return 2;
    }
    cs_error err;
    cs_ssda903 *ret = NULL;
    int rc = cs_ssda903_read(argv[1], &ret, &err);
    if (rc != CS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return rc == CS_EINPUT ? 2 : 1;
    }
    if (argc == 4)
        return print_series(ret, argv[2], argv[3]);
    int first, last;
    cs_ssda903_years(ret, &first, &last);
    printf("measure,year,value\n");
    for (int m = 0; m < cs_series_n_measures(); m++)
        for (int y = first - 1; y <= last; y++) {
            double v;
            if (cs_ssda903_get(ret, m, y, &v))
                printf("%s,%d,%.0f\n", cs_series_measure(m)->name, y, v);
        }
    /* the children by placement, for England's structure's placements
     * (cs_ssda903_default_placement) */
    for (int m = 0; m < cs_series_n_measures(); m++) {
        const char *name = cs_series_measure(m)->name, *places, *providers;
        const char *prefix = "cla_31_march_placement_";
        if (strncmp(name, prefix, strlen(prefix)) ||
            !cs_ssda903_default_placement(name + strlen(prefix), &places,
                                          &providers))
            continue;
        for (int y = first - 1; y <= last; y++) {
            double v;
            if (cs_ssda903_placed(ret, y, places, providers, &v) == 1)
                printf("%s,%d,%.0f\n", name, y, v);
        }
    }
    printf("# children %d episodes %d short_breaks %d\n",
           cs_ssda903_n_children(ret), cs_ssda903_n_episodes(ret),
           cs_ssda903_n_short_breaks(ret));
    cs_ssda903_free(ret);
    return 0;
}
