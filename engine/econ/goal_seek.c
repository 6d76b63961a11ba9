/*
 * goal_seek.c - the value of one input that brings an outcome to a target
 * (see econ.h): a root of outcome(x) - target bracketed by [lo, hi],
 * found by Brent's method (GSL's gsl_root_fsolver_brent: R. P. Brent,
 * "Algorithms for minimization without derivatives", 1973, ch. 4), which
 * keeps the root bracketed, so it converges for any continuous outcome
 * whose values at lo and hi lie on either side of the target.
 *
 * The caller's outcome may fail (a model that does not compile at that
 * value): its error is kept and returned, and the solver stopped.
 */
#include <assert.h>
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "cascade/econ.h"

typedef struct seek {
    cs_goal_outcome outcome;
    void *ctx;
    double target;
    int evaluations;
    int status; /* the outcome's first failure, or CS_OK */
    cs_error *err;
    double last_x, last_y;     /* the latest evaluation */
    double end_x[2], end_y[2]; /* the range's ends, which GSL evaluates
                                  again when it starts */
} seek;

static int evaluate(seek *s, double x, double *y)
{
    int rc = s->outcome(s->ctx, x, y, s->err);
    s->evaluations++;
    if (rc == CS_OK && !isfinite(*y))
        rc = cs_error_set(s->err, CS_EFAIL,
                          "goal seek: the outcome at %.17g is not a number", x);
    if (rc != CS_OK && s->status == CS_OK)
        s->status = rc;
    s->last_x = x;
    s->last_y = *y;
    return rc;
}

/* What GSL calls: the outcome less the target; NaN after a failure,
 * which makes the solver return an error. */
static double shortfall(double x, void *params)
{
    seek *s = params;
    double y = NAN;
    for (int i = 0; i < 2; i++)
        if (x == s->end_x[i])
            return s->end_y[i] - s->target;
    if (s->status != CS_OK || evaluate(s, x, &y) != CS_OK)
        return NAN;
    return y - s->target;
}

int cs_goal_seek(cs_goal_outcome outcome, void *ctx, double target, double lo,
                 double hi, const cs_goal_seek_settings *settings,
                 cs_goal_seek_result *out, cs_error *err)
{
    if (!(lo < hi) || !isfinite(lo) || !isfinite(hi) || !isfinite(target))
        return cs_error_set(err, CS_EINPUT,
                            "goal seek: expected a finite bracket lo < hi "
                            "and a finite target, found lo %g, hi %g, "
                            "target %g",
                            lo, hi, target);
    seek s = {outcome, ctx, target, 0,          CS_OK,
              err,     NAN, NAN,    {NAN, NAN}, {NAN, NAN}};
    double y_lo, y_hi;
    if (evaluate(&s, lo, &y_lo) != CS_OK || evaluate(&s, hi, &y_hi) != CS_OK)
        return s.status;
    s.end_x[0] = lo;
    s.end_y[0] = y_lo;
    s.end_x[1] = hi;
    s.end_y[1] = y_hi;
    out->lo = lo;
    out->hi = hi;
    out->outcome_at_lo = y_lo;
    out->outcome_at_hi = y_hi;
    out->iterations = 0;
    /* an end already on target */
    if (fabs(y_lo - target) <= settings->outcome_tolerance ||
        fabs(y_hi - target) <= settings->outcome_tolerance) {
        int at_lo = fabs(y_lo - target) <= fabs(y_hi - target);
        out->value = at_lo ? lo : hi;
        out->achieved = at_lo ? y_lo : y_hi;
        out->evaluations = s.evaluations;
        out->within_tolerance = 1;
        return CS_OK;
    }
    if ((y_lo - target) * (y_hi - target) > 0)
        return cs_error_set(
            err, CS_EINPUT,
            "goal seek: the target %.10g is not bracketed: the outcome is "
            "%.10g at %.10g and %.10g at %.10g, both %s it; choose a range "
            "whose ends give outcomes either side of the target",
            target, y_lo, lo, y_hi, hi, y_lo > target ? "above" : "below");
    gsl_root_fsolver *solver = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!solver)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    gsl_error_handler_t *saved = gsl_set_error_handler_off();
    gsl_function f = {shortfall, &s};
    int status = gsl_root_fsolver_set(solver, &f, lo, hi);
    int done = 0;
    double x = NAN, y = NAN;
    while (status == GSL_SUCCESS && !done &&
           out->iterations < settings->max_iterations) {
        status = gsl_root_fsolver_iterate(solver);
        out->iterations++;
        if (status != GSL_SUCCESS)
            break;
        x = gsl_root_fsolver_root(solver);
        if (x == s.last_x)
            y = s.last_y;
        else if (evaluate(&s, x, &y) != CS_OK)
            break;
        out->lo = gsl_root_fsolver_x_lower(solver);
        out->hi = gsl_root_fsolver_x_upper(solver);
        done =
            fabs(y - target) <= settings->outcome_tolerance ||
            gsl_root_test_interval(out->lo, out->hi, settings->value_tolerance,
                                   0) == GSL_SUCCESS;
    }
    gsl_set_error_handler(saved);
    gsl_root_fsolver_free(solver);
    if (s.status != CS_OK)
        return s.status;
    if (status != GSL_SUCCESS)
        return cs_error_set(err, CS_EFAIL,
                            "goal seek: the root finder "
                            "failed: %s",
                            gsl_strerror(status));
    if (!done)
        return cs_error_set(err, CS_EFAIL,
                            "goal seek: no value within %g of the answer "
                            "after %d iterations (the outcome is %.10g at "
                            "%.17g)",
                            settings->value_tolerance, out->iterations, y, x);
    assert(out->lo <= x && x <= out->hi);
    out->value = x;
    out->achieved = y;
    out->evaluations = s.evaluations;
    out->within_tolerance = fabs(y - target) <= settings->outcome_tolerance;
    return CS_OK;
}

void cs_goal_seek_settings_init(cs_goal_seek_settings *settings)
{
    settings->value_tolerance = 1e-9;
    settings->outcome_tolerance = 0;
    settings->max_iterations = 100;
}
