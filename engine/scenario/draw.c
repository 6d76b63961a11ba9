/*
 * draw.c - one run's values of a scenario's uncertain parameters (see
 * cs_scenario_draw in scenario.h), putting values in place, and quantiles.
 *
 * Each parameter draws from its own Philox substream (seed, run,
 * CS_RNG_PARAMETERS, the FNV-1a 32 hash of its path), so a run's parameters
 * depend only on its key and their paths: adding, removing or reordering a
 * parameter never shifts another's draws, and a parameter of the same path
 * and distribution draws the same value in every scenario. Means and
 * standard deviations are turned into each distribution's own parameters
 * by the method of moments (dist.c):
 *   beta:      k = m (1 - m) / s^2 - 1, alpha = m k, beta = (1 - m) k
 *   gamma:     shape = m^2 / s^2, scale = s^2 / m
 *   lognormal: sigma^2 = ln(1 + s^2 / m^2), mu = ln m - sigma^2 / 2
 *   normal:    truncated to the parameter's range by rejection
 * Triangular draws invert its distribution function.
 */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>

#include "cascade/rng.h"
#include "cascade/scenario.h"
#include "scenario/dist.h"
#include "scenario/hash.h"

static double clamp(const cs_parameter *p, double v)
{
    return v < p->lo ? p->lo : v > p->hi ? p->hi : v;
}

static int valid(const cs_parameter *p)
{
    char why[256];
    return !dist_problem(p->dist, p->a, p->b, p->c, p->lo, p->hi, why,
                         sizeof why);
}

static double triangular(gsl_rng *r, double lo, double mode, double hi)
{
    double u = gsl_rng_uniform(r), cut = (mode - lo) / (hi - lo);
    if (u < cut)
        return lo + sqrt(u * (hi - lo) * (mode - lo));
    return hi - sqrt((1 - u) * (hi - lo) * (hi - mode));
}

/* One draw, in the parameter's range; NaN if its distribution is one the
 * loader refuses (never reached for a loaded scenario). */
static double draw_one(gsl_rng *r, const cs_parameter *p)
{
    double m = p->a, s = p->b, v = p->mean, x, y;
    if (!valid(p))
        return NAN;
    switch (p->dist) {
    case CS_DIST_BETA:
        dist_beta(m, s, &x, &y);
        v = gsl_ran_beta(r, x, y);
        break;
    case CS_DIST_GAMMA:
        dist_gamma(m, s, &x, &y);
        v = gsl_ran_gamma(r, x, y);
        break;
    case CS_DIST_LOGNORMAL:
        dist_lognormal(m, s, &x, &y);
        v = gsl_ran_lognormal(r, x, y);
        break;
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
    return isfinite(v) ? clamp(p, v) : v;
}

/*
 * A fitted scenario's joint uncertainty: a deviation d ~ N(0, covariance)
 * on the fit parameters' scale, d = A z with A A' = covariance (A from
 * the symmetric eigendecomposition, negative eigenvalues of a numerically
 * indefinite matrix taken as 0) and z standard normal from the stream
 * keyed by the hash of "fit.estimates", applied around the written
 * estimates (cs_fit_apply). A multiplier's deviation is centred at
 * -variance / 2, so that the drawn multiplier's mean is its estimate:
 * centred at 0, the mean of e^d would be e^(variance / 2), and rates the
 * figures fix only together (the reasons for leaving care, which a
 * council publishes only in total) would all be pushed up with their sum
 * (a council's children ceasing care, forecast in the median 20% above
 * the fitted value).
 */
static int draw_fitted(cs_scenario *s, uint64_t seed, uint32_t run,
                       cs_error *err)
{
    const cs_fit_spec *f = s->fit;
    if (!f || !f->has_covariance || f->n_parameters == 0)
        return CS_OK;
    int p = f->n_parameters;
    gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
    gsl_matrix *a = gsl_matrix_alloc((size_t)p, (size_t)p);
    gsl_matrix *vectors = gsl_matrix_alloc((size_t)p, (size_t)p);
    gsl_vector *values = gsl_vector_alloc((size_t)p);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc((size_t)p);
    int rc = r && a && vectors && values && w
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
        const char *key = "fit.estimates";
        cs_rng_reset(r, seed, run, CS_RNG_PARAMETERS,
                     hash_fnv1a32(key, strlen(key)));
        for (int i = 0; i < p; i++)
            z[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
        for (int i = 0; i < p; i++) {
            d[i] = 0;
            for (int k = 0; k < p; k++) {
                double lambda = gsl_vector_get(values, (size_t)k);
                d[i] += gsl_matrix_get(vectors, (size_t)i, (size_t)k) *
                        sqrt(lambda > 0 ? lambda : 0) * z[k];
            }
            if (f->parameters[i].kind == CS_FIT_MULTIPLY)
                d[i] -= 0.5 * f->covariance[i][i];
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
    if (r)
        gsl_rng_free(r);
    return rc;
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
        cs_rng_reset(r, seed, run, CS_RNG_YEAR_EFFECTS,
                     hash_fnv1a32(y->id, strlen(y->id)));
        double u = y->start;
        for (int k = 0; k < CS_MAX_YEARS; k++) {
            u = y->ar * u + gsl_ran_gaussian_ziggurat(r, y->sd);
            y->value[k] = u;
        }
    }
    gsl_rng_free(r);
    return CS_OK;
}

int cs_scenario_draw(const cs_scenario *scenario, uint64_t seed, uint32_t run,
                     cs_scenario **out, double *drawn, cs_error *err)
{
    *out = NULL;
    double values[CS_MAX_PARAMETERS];
    if (scenario->n_parameters > 0) {
        gsl_rng *r = gsl_rng_alloc(cs_rng_philox);
        if (!r)
            return cs_error_set(err, CS_ENOMEM, "out of memory");
        for (int i = 0; i < scenario->n_parameters; i++) {
            const cs_parameter *p = &scenario->parameters[i];
            cs_rng_reset(r, seed, run, CS_RNG_PARAMETERS, p->stream);
            values[i] = draw_one(r, p);
            if (!isfinite(values[i]) || !isfinite(values[i] * p->scale)) {
                gsl_rng_free(r);
                return cs_error_set(err, CS_EFAIL,
                                    "%s: run %lu drew %g, not a finite number "
                                    "(seed %llu)",
                                    p->path, (unsigned long)run, values[i],
                                    (unsigned long long)seed);
            }
        }
        gsl_rng_free(r);
    }
    int rc = cs_scenario_copy(scenario, out, err);
    if (rc)
        return rc;
    cs_scenario_set_parameters(*out, values);
    if (drawn)
        memcpy(drawn, values, sizeof *values * (size_t)scenario->n_parameters);
    rc = draw_fitted(*out, seed, run, err);
    if (rc != CS_OK) {
        cs_scenario_free(*out);
        *out = NULL;
    }
    return rc;
}

/* The place in s that target names. */
static double *target_of(cs_scenario *s, const cs_target *t)
{
    cs_transition *tr = NULL;
    switch (t->kind) {
    case CS_TARGET_TRANSITION_RATE:
    case CS_TARGET_AGE_RATE:
    case CS_TARGET_DURATION_FACTOR:
    case CS_TARGET_MARK_FACTOR:
    case CS_TARGET_TREND:
        assert(t->index >= 0 && t->index < s->n_transitions);
        tr = &s->transitions[t->index];
        break;
    case CS_TARGET_UNIT_COST:
    case CS_TARGET_PLACES:
        assert(t->index >= 0 && t->index < s->n_stages);
        break;
    case CS_TARGET_LEVER_MULTIPLY:
    case CS_TARGET_LEVER_ADD:
        assert(t->index >= 0 && t->index < s->n_levers);
        break;
    }
    switch (t->kind) {
    case CS_TARGET_TRANSITION_RATE:
        return &tr->rate;
    case CS_TARGET_AGE_RATE:
        for (int j = 0; j < tr->n_by_age; j++)
            if (tr->by_age[j].age_lo == t->sub)
                return &tr->by_age[j].rate;
        break;
    case CS_TARGET_DURATION_FACTOR:
        assert(t->sub >= 0 && t->sub < tr->n_by_duration);
        return &tr->by_duration[t->sub].factor;
    case CS_TARGET_MARK_FACTOR:
        assert(t->sub >= 0 && t->sub < s->n_marks);
        return &tr->mark_factor[t->sub];
    case CS_TARGET_UNIT_COST:
        return &s->stages[t->index].unit_cost;
    case CS_TARGET_PLACES:
        return &s->stages[t->index].places;
    case CS_TARGET_LEVER_MULTIPLY:
        return &s->levers[t->index].multiply;
    case CS_TARGET_LEVER_ADD:
        return &s->levers[t->index].add;
    case CS_TARGET_TREND:
        return &tr->trend_per_year;
    }
    return NULL;
}

void cs_scenario_set_parameters(cs_scenario *scenario, const double *values)
{
    for (int i = 0; i < scenario->n_parameters; i++) {
        const cs_parameter *p = &scenario->parameters[i];
        double *at = target_of(scenario, &p->target);
        assert(at); /* the loader made every target */
        if (at)
            *at = values[i] * p->scale;
    }
}

/* ---- quantiles -------------------------------------------------------- */

static uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double double_of(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/*
 * The smallest x in [lo, hi] (0 <= lo < hi, finite) with cdf(x) >= q, to
 * the double: bisection over the bit patterns of the doubles between lo
 * and hi, which for non-negative doubles are in the same order as the
 * numbers, so every step halves the doubles left and 64 steps are enough.
 * A NaN from cdf counts as >= q, so the loop ends whatever it returns.
 */
static double bisect(double (*cdf)(double x, double a, double b), double a,
                     double b, double q, double lo, double hi)
{
    uint64_t below = bits_of(lo), above = bits_of(hi);
    if (!(cdf(lo, a, b) < q))
        return lo;
    for (int step = 0; step < 64 && above - below > 1; step++) {
        uint64_t mid = below + (above - below) / 2;
        if (cdf(double_of(mid), a, b) < q)
            below = mid;
        else
            above = mid;
    }
    return double_of(above);
}

static double gamma_cdf(double x, double shape, double unused)
{
    (void)unused;
    return gsl_cdf_gamma_P(x, shape, 1.0);
}

static double beta_cdf(double x, double alpha, double beta)
{
    return gsl_cdf_beta_P(x, alpha, beta);
}

double cs_parameter_quantile(const cs_parameter *p, double q)
{
    if (!valid(p))
        return NAN;
    if (!(q > 0))
        q = 0; /* NaN too */
    else if (q > 1)
        q = 1;
    int end = q == 0 ? -1 : q == 1 ? 1 : 0; /* at an end of the support */
    double m = p->a, s = p->b, v = p->mean, x, y;
    switch (p->dist) {
    case CS_DIST_BETA:
        dist_beta(m, s, &x, &y);
        v = end ? (end > 0 ? 1 : 0) : bisect(beta_cdf, x, y, q, 0, 1);
        break;
    case CS_DIST_GAMMA:
        dist_gamma(m, s, &x, &y);
        v = end ? (end > 0 ? HUGE_VAL : 0)
                : y * bisect(gamma_cdf, x, 0, q, 0, DBL_MAX);
        break;
    case CS_DIST_LOGNORMAL:
        dist_lognormal(m, s, &x, &y);
        v = end ? (end > 0 ? HUGE_VAL : 0)
                : exp(x + y * gsl_cdf_ugaussian_Pinv(q));
        break;
    case CS_DIST_NORMAL:
        /* of the normal before truncation: close when the range is wide */
        v = end ? end * HUGE_VAL : m + s * gsl_cdf_ugaussian_Pinv(q);
        break;
    case CS_DIST_UNIFORM:
        v = p->a + q * (p->b - p->a);
        break;
    case CS_DIST_TRIANGULAR: {
        double lo = p->a, mode = p->b, hi = p->c;
        double cut = (mode - lo) / (hi - lo);
        v = q < cut ? lo + sqrt(q * (hi - lo) * (mode - lo))
                    : hi - sqrt((1 - q) * (hi - lo) * (hi - mode));
        break;
    }
    }
    return clamp(p, v);
}
