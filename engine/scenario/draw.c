/*
 * draw.c - one run's values of a scenario's uncertain parameters (see
 * cs_scenario_draw in scenario.h).
 *
 * Each parameter draws from its own Philox substream (seed, run,
 * CS_RNG_PARAMETERS, parameter index), so a run's parameters depend only on
 * its key, and adding a parameter never shifts another's draws. Means and
 * standard deviations are turned into each distribution's own parameters
 * by the method of moments:
 *   beta:      k = m (1 - m) / s^2 - 1, alpha = m k, beta = (1 - m) k
 *   gamma:     shape = m^2 / s^2, scale = s^2 / m
 *   lognormal: sigma^2 = ln(1 + s^2 / m^2), mu = ln m - sigma^2 / 2
 *   normal:    truncated to the parameter's range by rejection
 * Triangular draws invert its distribution function.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>

#include "cascade/rng.h"
#include "cascade/scenario.h"

static double triangular(gsl_rng *r, double lo, double mode, double hi)
{
    double u = gsl_rng_uniform(r), cut = (mode - lo) / (hi - lo);
    if (u < cut)
        return lo + sqrt(u * (hi - lo) * (mode - lo));
    return hi - sqrt((1 - u) * (hi - lo) * (hi - mode));
}

static double draw_one(gsl_rng *r, const cs_parameter *p)
{
    double m = p->a, s = p->b, v = p->mean;
    switch (p->dist) {
    case CS_DIST_BETA: {
        double k = m * (1 - m) / (s * s) - 1;
        v = gsl_ran_beta(r, m * k, (1 - m) * k);
        break;
    }
    case CS_DIST_GAMMA:
        v = gsl_ran_gamma(r, m * m / (s * s), s * s / m);
        break;
    case CS_DIST_LOGNORMAL: {
        double sigma2 = log1p(s * s / (m * m));
        v = gsl_ran_lognormal(r, log(m) - sigma2 / 2, sqrt(sigma2));
        break;
    }
    case CS_DIST_NORMAL:
        for (int tries = 0; tries < 1000; tries++) {
            v = m + gsl_ran_gaussian(r, s);
            if (v >= p->lo && v <= p->hi)
                return v;
        }
        break;
    case CS_DIST_UNIFORM:
        v = gsl_ran_flat(r, p->a, p->b);
        break;
    case CS_DIST_TRIANGULAR:
        v = triangular(r, p->a, p->b, p->c);
        break;
    }
    return v < p->lo ? p->lo : v > p->hi ? p->hi : v;
}

static char *copy_text(const char *text, int *failed)
{
    if (!text)
        return NULL;
    char *copy = strdup(text);
    if (!copy)
        *failed = 1;
    return copy;
}

int cs_scenario_copy(const cs_scenario *scenario, cs_scenario **out,
                     cs_error *err)
{
    cs_scenario *s = malloc(sizeof *s);
    if (!s) {
        *out = NULL;
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    memcpy(s, scenario, sizeof *s);
    int failed = 0;
    s->description = copy_text(scenario->description, &failed);
    s->source_path = copy_text(scenario->source_path, &failed);
    s->resolved_yaml = copy_text(scenario->resolved_yaml, &failed);
    s->fit = NULL;
    if (scenario->fit) {
        s->fit = malloc(sizeof *s->fit);
        if (s->fit)
            memcpy(s->fit, scenario->fit, sizeof *s->fit);
        else
            failed = 1;
    }
    if (failed) {
        cs_scenario_free(s);
        *out = NULL;
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    *out = s;
    return CS_OK;
}

static uint32_t name_key(const char *name);

/*
 * A fitted scenario's joint uncertainty: a deviation d ~ N(0, covariance)
 * on the fit parameters' scale, d = A z with A A' = covariance (A from
 * the symmetric eigendecomposition, negative eigenvalues of a numerically
 * indefinite matrix taken as 0) and z standard normal from the stream
 * keyed by "fit.estimates", applied around the written estimates.
 */
static int draw_fitted(cs_scenario *s, gsl_rng *r, uint64_t seed, uint32_t run,
                       cs_error *err)
{
    const cs_fit_spec *f = s->fit;
    if (!f || !f->has_covariance || f->n_parameters == 0)
        return CS_OK;
    int p = f->n_parameters;
    gsl_matrix *a = gsl_matrix_alloc((size_t)p, (size_t)p);
    gsl_matrix *vectors = gsl_matrix_alloc((size_t)p, (size_t)p);
    gsl_vector *values = gsl_vector_alloc((size_t)p);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc((size_t)p);
    int rc = a && vectors && values && w
                 ? CS_OK
                 : cs_error_set(err, CS_ENOMEM, "out of memory");
    double z[CS_MAX_FIT_PARAMETERS], d[CS_MAX_FIT_PARAMETERS];
    if (rc == CS_OK) {
        for (int i = 0; i < p; i++)
            for (int j = 0; j < p; j++)
                gsl_matrix_set(a, (size_t)i, (size_t)j, f->covariance[i][j]);
        if (gsl_eigen_symmv(a, values, vectors, w) != 0)
            rc = cs_error_set(err, CS_EFAIL,
                              "fit.covariance: cannot decompose it");
    }
    if (rc == CS_OK) {
        cs_rng_reset(r, seed, run, CS_RNG_PARAMETERS,
                     name_key("fit.estimates"));
        for (int i = 0; i < p; i++)
            z[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
        for (int i = 0; i < p; i++) {
            d[i] = 0;
            for (int k = 0; k < p; k++) {
                double lambda = gsl_vector_get(values, (size_t)k);
                d[i] += gsl_matrix_get(vectors, (size_t)i, (size_t)k) *
                        sqrt(lambda > 0 ? lambda : 0) * z[k];
            }
            if (!isfinite(d[i]))
                rc = cs_error_set(err, CS_EFAIL,
                                  "fit.covariance: a draw that is not a "
                                  "finite number");
        }
    }
    char why[256];
    if (rc == CS_OK && cs_fit_apply(s, f, d, 1, why, sizeof why) != 0)
        rc = cs_error_set(err, CS_EFAIL, "%s", why);
    gsl_eigen_symmv_free(w);
    gsl_vector_free(values);
    gsl_matrix_free(vectors);
    gsl_matrix_free(a);
    return rc;
}

int cs_scenario_draw(const cs_scenario *scenario, uint64_t seed, uint32_t run,
                     cs_scenario **out, double *drawn, cs_error *err)
{
    int rc = cs_scenario_copy(scenario, out, err);
    int fitted = scenario->fit && scenario->fit->has_covariance &&
                 scenario->fit->n_parameters > 0;
    if (rc != CS_OK || (scenario->n_parameters == 0 && !fitted))
        return rc;
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    if (!r) {
        cs_scenario_free(*out);
        *out = NULL;
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    double values[CS_MAX_PARAMETERS];
    for (int i = 0; i < scenario->n_parameters; i++) {
        cs_rng_reset(r, seed, run, CS_RNG_PARAMETERS, (uint32_t)i);
        values[i] = draw_one(r, &scenario->parameters[i]);
        if (drawn)
            drawn[i] = values[i];
    }
    cs_scenario_set_parameters(*out, values);
    rc = draw_fitted(*out, r, seed, run, err);
    gsl_rng_free(r);
    if (rc != CS_OK) {
        cs_scenario_free(*out);
        *out = NULL;
    }
    return rc;
}

void cs_scenario_set_parameters(cs_scenario *scenario, const double *values)
{
    for (int i = 0; i < scenario->n_parameters; i++) {
        const cs_parameter *p = &scenario->parameters[i];
        double stored = values[i] * p->scale;
        memcpy((char *)scenario + p->offset, &stored, sizeof stored);
    }
}

/* FNV-1a, 32 bits: a stream key from a name. */
static uint32_t name_key(const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

int cs_scenario_draw_year_effects(cs_scenario *scenario, uint64_t seed,
                                  uint32_t run, cs_error *err)
{
    if (scenario->n_year_effects == 0)
        return CS_OK;
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    if (!r)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    for (int i = 0; i < scenario->n_year_effects; i++) {
        cs_year_effect *y = &scenario->year_effects[i];
        cs_rng_reset(r, seed, run, CS_RNG_YEAR_EFFECTS, name_key(y->id));
        double u = 0;
        for (int k = 0; k < CS_MAX_YEARS; k++) {
            u = y->ar * u + gsl_ran_gaussian_ziggurat(r, y->sd);
            y->value[k] = u;
        }
    }
    gsl_rng_free(r);
    return CS_OK;
}

double cs_parameter_quantile(const cs_parameter *p, double q)
{
    double m = p->a, s = p->b, v = p->mean;
    switch (p->dist) {
    case CS_DIST_BETA: {
        double k = m * (1 - m) / (s * s) - 1;
        v = gsl_cdf_beta_Pinv(q, m * k, (1 - m) * k);
        break;
    }
    case CS_DIST_GAMMA:
        v = gsl_cdf_gamma_Pinv(q, m * m / (s * s), s * s / m);
        break;
    case CS_DIST_LOGNORMAL: {
        double sigma2 = log1p(s * s / (m * m));
        v = gsl_cdf_lognormal_Pinv(q, log(m) - sigma2 / 2, sqrt(sigma2));
        break;
    }
    case CS_DIST_NORMAL:
        /* of the normal before truncation: close when the range is wide */
        v = m + gsl_cdf_gaussian_Pinv(q, s);
        break;
    case CS_DIST_UNIFORM:
        v = gsl_cdf_flat_Pinv(q, p->a, p->b);
        break;
    case CS_DIST_TRIANGULAR: {
        double lo = p->a, mode = p->b, hi = p->c;
        double cut = (mode - lo) / (hi - lo);
        v = q < cut ? lo + sqrt(q * (hi - lo) * (mode - lo))
                    : hi - sqrt((1 - q) * (hi - lo) * (hi - mode));
        break;
    }
    }
    return v < p->lo ? p->lo : v > p->hi ? p->hi : v;
}
