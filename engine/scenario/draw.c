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
    if (failed) {
        cs_scenario_free(s);
        *out = NULL;
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    *out = s;
    return CS_OK;
}

int cs_scenario_draw(const cs_scenario *scenario, uint64_t seed, uint32_t run,
                     cs_scenario **out, double *drawn, cs_error *err)
{
    int rc = cs_scenario_copy(scenario, out, err);
    if (rc != CS_OK || scenario->n_parameters == 0)
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
    gsl_rng_free(r);
    cs_scenario_set_parameters(*out, values);
    return CS_OK;
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
