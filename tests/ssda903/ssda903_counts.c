/*
 * ssda903_counts.c - a test helper: read the SSDA903 return in a directory
 * with the public API (cs_ssda903_read) and print every count it gives as
 * CSV (measure,year,value), or the error and exit 2 as the program would.
 * test_ssda903.py compares the counts with what the generator intended.
 *
 * usage: ssda903_counts DIR
 */
#include <stdio.h>

#include "cascade/cascade.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ssda903_counts DIR\n");
        return 2;
    }
    cs_error err;
    cs_ssda903 *ret = NULL;
    int rc = cs_ssda903_read(argv[1], &ret, &err);
    if (rc != CS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return rc == CS_EINPUT ? 2 : 1;
    }
    int first, last;
    cs_ssda903_years(ret, &first, &last);
    printf("measure,year,value\n");
    for (int m = 0; m < cs_series_n_measures(); m++)
        for (int y = first - 1; y <= last; y++) {
            double v;
            if (cs_ssda903_get(ret, m, y, &v))
                printf("%s,%d,%.0f\n", cs_series_measure(m)->name, y, v);
        }
    printf("# children %d episodes %d short_breaks %d\n",
           cs_ssda903_n_children(ret), cs_ssda903_n_episodes(ret),
           cs_ssda903_n_short_breaks(ret));
    cs_ssda903_free(ret);
    return 0;
}
