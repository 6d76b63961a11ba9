/*
 * sensitivity.c - partial rank correlation of an outcome with uncertain
 * parameters (see econ.h): which parameters the spread of a result comes
 * from, without assuming the model is linear in them (only monotone).
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_multifit.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "cascade/econ.h"

/* Ranks 1..n of v (stride s), ties averaged, into out. */
static void rank(const double *v, size_t stride, int n, size_t *order,
                 double *out)
{
    gsl_sort_index(order, v, stride, (size_t)n);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && v[order[j + 1] * stride] == v[order[i] * stride])
            j++;
        double r = (i + j) / 2.0 + 1;
        for (int t = i; t <= j; t++)
            out[order[t]] = r;
        i = j + 1;
    }
}

/* Residuals of target regressed on the columns of design (n x p). */
static int residuals(const gsl_matrix *design, const double *target, int n,
                     gsl_multifit_linear_workspace *w, gsl_vector *c,
                     gsl_matrix *cov, double *res)
{
    gsl_vector_const_view t = gsl_vector_const_view_array(target, (size_t)n);
    double chisq;
    if (gsl_multifit_linear(design, &t.vector, c, cov, &chisq, w) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        double fit = 0;
        for (size_t j = 0; j < design->size2; j++)
            fit += gsl_matrix_get(design, (size_t)i, j) * gsl_vector_get(c, j);
        res[i] = target[i] - fit;
    }
    return 0;
}

int cs_prcc(const double *x, int n, int k, const double *y, double *prcc)
{
    for (int j = 0; j < k; j++)
        prcc[j] = NAN;
    if (n <= k + 1 || k < 1)
        return CS_OK;
    size_t *order = malloc((size_t)n * sizeof *order);
    double *rx = malloc((size_t)n * (size_t)k * sizeof *rx);
    double *ry = malloc((size_t)n * sizeof *ry);
    double *col = malloc((size_t)n * sizeof *col);
    double *ex = malloc((size_t)n * sizeof *ex);
    double *ey = malloc((size_t)n * sizeof *ey);
    gsl_matrix *design = gsl_matrix_alloc((size_t)n, (size_t)k);
    gsl_multifit_linear_workspace *w =
        gsl_multifit_linear_alloc((size_t)n, (size_t)k);
    gsl_vector *c = gsl_vector_alloc((size_t)k);
    gsl_matrix *cov = gsl_matrix_alloc((size_t)k, (size_t)k);
    int status = CS_OK;
    if (!order || !rx || !ry || !col || !ex || !ey || !design || !w || !c ||
        !cov) {
        status = CS_ENOMEM;
        goto done;
    }
    gsl_error_handler_t *saved = gsl_set_error_handler_off();
    for (int j = 0; j < k; j++) {
        rank(x + j, (size_t)k, n, order, col);
        for (int i = 0; i < n; i++)
            rx[(size_t)i * k + j] = col[i];
    }
    rank(y, 1, n, order, ry);
    for (int j = 0; j < k; j++) {
        /* design: intercept and the other inputs' ranks */
        for (int i = 0; i < n; i++) {
            gsl_matrix_set(design, (size_t)i, 0, 1.0);
            for (int o = 0, col_i = 1; o < k; o++)
                if (o != j)
                    gsl_matrix_set(design, (size_t)i, (size_t)col_i++,
                                   rx[(size_t)i * k + o]);
        }
        for (int i = 0; i < n; i++)
            col[i] = rx[(size_t)i * k + j];
        if (residuals(design, col, n, w, c, cov, ex) ||
            residuals(design, ry, n, w, c, cov, ey))
            continue;
        double sx = gsl_stats_sd(ex, 1, (size_t)n);
        double sy = gsl_stats_sd(ey, 1, (size_t)n);
        if (sx > 0 && sy > 0)
            prcc[j] = gsl_stats_correlation(ex, 1, ey, 1, (size_t)n);
    }
    gsl_set_error_handler(saved);
done:
    free(order);
    free(rx);
    free(ry);
    free(col);
    free(ex);
    free(ey);
    if (design)
        gsl_matrix_free(design);
    if (w)
        gsl_multifit_linear_free(w);
    if (c)
        gsl_vector_free(c);
    if (cov)
        gsl_matrix_free(cov);
    return status;
}
