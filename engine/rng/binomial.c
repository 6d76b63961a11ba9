/*
 * binomial.c - the fast exact samplers of sample.h: a binomial by
 * inversion or BTRS on a cs_stream, and the placing of a compartment's
 * leavers among its ways out.
 *
 * Why: the stepper's plain twin draws a compartment's multinomial as
 * conditional binomials through GSL (gsl_ran_binomial, about 90 ns each,
 * each word of randomness through the gsl_rng interface), starting with
 * the stayers, the largest category. Here the stayers are not drawn at
 * all: one binomial says how many leave, and for most compartments a
 * month that is a single uniform against the chance that nobody leaves.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "rng/sample.h"

/*
 * Uniforms drawn lazily. Inversion and the placing of single children
 * compare a uniform U with a few cut points; U has 53 bits,
 * U = w 2^-32 + b 2^-53 with w a first word and b 21 bits of a second,
 * but b is drawn only when w leaves the answer open (a cut point lies in
 * [w 2^-32, (w + 1) 2^-32), a chance of 2^-32 a cut point passed). The
 * answer is always the one U would give, so these draws are exact to 53
 * bits at the cost of one word.
 */
#define TWO_M32 (1.0 / 4294967296.0)
#define TWO_M53 (1.0 / 9007199254740992.0)

static inline double lower_bits(cs_stream *s)
{
    return (double)(cs_stream_u32(s) >> 11) * TWO_M53;
}

/* 1 / x, so that the inversion's recurrence needs no division. */
static const double reciprocal[65] = {
    0,        1.0 / 1,  1.0 / 2,  1.0 / 3,  1.0 / 4,  1.0 / 5,  1.0 / 6,
    1.0 / 7,  1.0 / 8,  1.0 / 9,  1.0 / 10, 1.0 / 11, 1.0 / 12, 1.0 / 13,
    1.0 / 14, 1.0 / 15, 1.0 / 16, 1.0 / 17, 1.0 / 18, 1.0 / 19, 1.0 / 20,
    1.0 / 21, 1.0 / 22, 1.0 / 23, 1.0 / 24, 1.0 / 25, 1.0 / 26, 1.0 / 27,
    1.0 / 28, 1.0 / 29, 1.0 / 30, 1.0 / 31, 1.0 / 32, 1.0 / 33, 1.0 / 34,
    1.0 / 35, 1.0 / 36, 1.0 / 37, 1.0 / 38, 1.0 / 39, 1.0 / 40, 1.0 / 41,
    1.0 / 42, 1.0 / 43, 1.0 / 44, 1.0 / 45, 1.0 / 46, 1.0 / 47, 1.0 / 48,
    1.0 / 49, 1.0 / 50, 1.0 / 51, 1.0 / 52, 1.0 / 53, 1.0 / 54, 1.0 / 55,
    1.0 / 56, 1.0 / 57, 1.0 / 58, 1.0 / 59, 1.0 / 60, 1.0 / 61, 1.0 / 62,
    1.0 / 63, 1.0 / 64};

/*
 * fc(k) = log k! - [(k + 1/2) log(k + 1) - (k + 1) + log(2 pi) / 2], the
 * error of Stirling's formula: exact (to 17 digits, from mpmath) below 30,
 * the asymptotic series to its fourth term from 30 on (error below 4e-17).
 */
static const double stirling_tail[30] = {
    0.081061466795327258,  0.041340695955409294,  0.027677925684998339,
    0.020790672103765093,  0.016644691189821192,  0.013876128823070748,
    0.01189670994589177,   0.010411265261972096,  0.0092554621827127329,
    0.0083305634333628713, 0.0075736754879518408, 0.0069428401072095299,
    0.0064089941880042071, 0.0059513701127588477, 0.0055547335519628014,
    0.0052076559196096404, 0.0049013959484347379, 0.0046291537493340286,
    0.0043855602492323243, 0.0041663196919969225, 0.0039679542186408596,
    0.0037876180684444346, 0.0036229602246830947, 0.003472021382978767,
    0.0033331556367280929, 0.003204970228055038,  0.0030862786826087771,
    0.0029760639835504088, 0.0028734493623524664, 0.0027776749297526936,
};

static double fc(double k)
{
    if (k < 30)
        return stirling_tail[(int)k];
    double y = k + 1, y2 = y * y;
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - 1 / (1680 * y2)) / y2) / y2) /
           y;
}

double cs_binomial_log(double p)
{
    return p <= 0.5 ? log1p(-p) : log(p);
}

/*
 * Inversion (Kachitvichyanukul and Schmeiser's BINV): walk the
 * probabilities up from P(0) = (1 - p)^n with
 * P(x) = P(x - 1) ((n + 1) / x - 1) p / (1 - p), subtracting each from
 * the uniform until it falls inside one (a lazy 53-bit uniform: the
 * second word only when the first leaves the answer open). Rounding can
 * leave the uniform beyond the sum of all the probabilities computed (a
 * chance of order 1e-16); then the draw starts again, which conditions on
 * not landing in that rounding gap.
 */
/* base^n by squaring: for small n cheaper than exp(n log(base)) and as
 * exact (about log2(n) roundings). */
static double power(double base, unsigned int n)
{
    double r = 1;
    for (; n; n >>= 1, base *= base)
        if (n & 1)
            r *= base;
    return r;
}

/* Up to this n, P(0) = (1 - p)^n by squaring rather than exp and log. */
#define POWER_MAX_N 64u

/* The walk's next probability, P(x) from r = P(x - 1); the table of
 * cs_binomial_table is made with this same arithmetic. */
static inline double inversion_next(double r, double np1, unsigned int x,
                                    double odds)
{
    return r * ((x < 65 ? np1 * reciprocal[x] - 1 : np1 / x - 1) * odds);
}

/* The inversion's walk from a uniform: P(x) from tab[x] for x < tabled
 * (tab[0] = p0), from the recurrence beyond. */
static inline unsigned int inversion_walk(cs_stream *s, unsigned int n,
                                          double p0, double odds,
                                          const double *tab,
                                          unsigned int tabled)
{
    double np1 = (double)n + 1;
    s->counts.inversions++;
    for (;;) {
        /* u is what is left of U once the first x probabilities are taken
         * off; U's undrawn bits could add up to `gap` */
        double u = (double)cs_stream_u32(s) * TWO_M32, gap = TWO_M32, r = p0;
        unsigned int x = 0;
        for (;;) {
            while (u >= r && r > 0 && x < n) {
                u -= r;
                x++;
                r = x < tabled ? tab[x] : inversion_next(r, np1, x, odds);
            }
            if (gap > 0 ? u + gap <= r : u < r)
                return x;
            if (gap == 0) /* the rounding gap (r is 0 or x is n) */
                break;
            u += lower_bits(s);
            gap = 0;
        }
    }
}

/* P(0) = (1 - p)^n as the inversion computes it; log1m_p = log(1 - p),
 * read only when n > POWER_MAX_N */
static inline double inversion_p0(unsigned int n, double p, double log1m_p)
{
    return n <= POWER_MAX_N ? power(1 - p, n) : exp((double)n * log1m_p);
}

static unsigned int inversion(cs_stream *s, unsigned int n, double p,
                              double log1m_p)
{
    return inversion_walk(s, n, inversion_p0(n, p, log1m_p), p / (1 - p), NULL,
                          0);
}

/*
 * log(f(k) / f(m)) for the binomial probabilities f, m the mode, written
 * with Stirling's formula so that nothing of the size of log n! is
 * subtracted (the form of TensorFlow's BTRS, with log1p and fma so that
 * the terms keep their digits at n = 1e9):
 *
 *   (m + 1/2) log((m + 1) q / (p (n - m + 1)))
 *   + (n + 1) log((n - m + 1) / (n - k + 1))
 *   + (k + 1/2) log(p (n - k + 1) / (q (k + 1)))
 *   + fc(m) + fc(n - m) - fc(k) - fc(n - k)
 */
static double mode_terms(double n, double p, double m)
{
    return (m + 0.5) * log1p(fma(-(n + 2), p, m + 1) / ((n - m + 1) * p)) +
           fc(m) + fc(n - m);
}

static double log_ratio_to_mode(double n, double p, double q, double m,
                                double k, double at_mode)
{
    double t2 = (n + 1) * log1p((k - m) / (n - k + 1));
    double t3 = (k + 0.5) * log1p(fma(p, n + 2, -(k + 1)) / (q * (k + 1)));
    return at_mode + t2 + t3 - fc(k) - fc(n - k);
}

/* Within this many of the mode, f(k) / f(m) is the product of the
 * recurrence's ratios (as in BTPE), cheaper than the logarithms. */
#define EXPLICIT_MAX 20

static double ratio_to_mode(double n, double odds, double m, double k)
{
    double f = 1;
    if (k > m)
        for (double i = m + 1; i <= k; i++)
            f *= (n - i + 1) / i * odds;
    else
        for (double i = k + 1; i <= m; i++)
            f *= i / ((n - i + 1) * odds);
    return f;
}

/*
 * BTRS (Hormann 1993, algorithm BTRS) for p <= 1/2 and n p >= 10: a
 * transformed-rejection proposal k = floor((2 a / us + b) u + c), accepted
 * at once inside the squeeze (us >= 0.07, v <= v_r), otherwise when
 * v alpha / (a / us^2 + b) <= f(k) / f(m), the ratio as a product near the
 * mode and by log_ratio_to_mode beyond.
 */
static unsigned int btrs(cs_stream *s, unsigned int n, double p)
{
    double q = 1 - p, nd = (double)n, spq = sqrt(nd * p * q);
    double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p;
    double c = nd * p + 0.5, v_r = 0.92 - 4.2 / b;
    double alpha = (2.83 + 5.1 / b) * spq, m = floor((nd + 1) * p);
    double at_mode = NAN; /* mode_terms, once needed */
    s->counts.rejections++;
    for (;;) {
        double u = cs_stream_uniform(s) - 0.5, v = cs_stream_uniform(s);
        double us = 0.5 - fabs(u);
        if (!(us > 0))
            continue;
        double k = floor((2 * a / us + b) * u + c);
        if (k < 0 || k > nd)
            continue;
        if (us >= 0.07 && v <= v_r)
            return (unsigned int)k;
        double w = v * alpha / (a / (us * us) + b);
        if (fabs(k - m) <= EXPLICIT_MAX) {
            if (w <= ratio_to_mode(nd, p / q, m, k))
                return (unsigned int)k;
            continue;
        }
        if (isnan(at_mode))
            at_mode = mode_terms(nd, p, m);
        if (log(w) <= log_ratio_to_mode(nd, p, q, m, k, at_mode))
            return (unsigned int)k;
    }
}

unsigned int cs_sample_binomial(cs_stream *s, unsigned int n, double p,
                                double log_big)
{
    assert(p >= 0 && p <= 1);
    if (n == 0 || p <= 0)
        return 0;
    if (p >= 1)
        return n;
    int flip = p > 0.5;
    double small = flip ? 1 - p : p; /* exact for p > 1/2 (Sterbenz) */
    unsigned int x;
    if ((double)n * small < CS_BINOMIAL_INVERSION_MAX)
        x = inversion(s, n, small,
                      log_big > 0 && n > POWER_MAX_N ? cs_binomial_log(p)
                                                     : log_big);
    else
        x = btrs(s, n, small);
    return flip ? n - x : x;
}

/*
 * The children left, from category i on, one uniform each: U t against
 * the cumulative sums cum[i..last-1] of p[i..] (cum[c] = p[i] + ... +
 * p[c]), U a lazy 53-bit uniform; t is p[i] + ... + p[k - 1].
 */
static inline void place_singly(cs_stream *s, int i, int last,
                                unsigned int left, double t, const double *cum,
                                unsigned int *out)
{
    s->counts.placed += left;
    for (unsigned int j = 0; j < left; j++) {
        double x = (double)cs_stream_u32(s) * TWO_M32 * t, gap = TWO_M32 * t;
        int c = i;
        for (;;) {
            while (c < last && x >= cum[c])
                c++;
            if (c == last || gap == 0 || x + gap <= cum[c])
                break;
            x += lower_bits(s) * t;
            gap = 0;
        }
        out[c]++;
    }
}

void cs_sample_place(cs_stream *s, int k, unsigned int n, const double *p,
                     double *tail, unsigned int *out)
{
    assert(k >= 1);
    int last = -1; /* the last category that can be drawn */
    double sum = 0;
    for (int i = k - 1; i >= 0; i--) {
        out[i] = 0;
        sum += p[i];
        tail[i] = sum; /* p[i] + ... + p[k - 1], summed from the end */
        if (last < 0 && p[i] > 0)
            last = i;
    }
    if (n == 0)
        return;
    assert(last >= 0 && "cs_sample_place: no category can be drawn");
    unsigned int left = n;
    int i = 0;
    for (; i < last && left >= CS_PLACE_SMALL_N; i++) {
        if (p[i] <= 0)
            continue;
        double share = p[i] / tail[i];
        out[i] = cs_sample_binomial(s, left, share > 1 ? 1 : share,
                                    CS_BINOMIAL_LOG_UNKNOWN);
        left -= out[i];
    }
    if (i == last) {
        out[last] += left;
        return;
    }
    /* the cumulative sums of p[i..] replace the tail sums from here on */
    double t = tail[i], cum = 0;
    for (int c = i; c < last; c++)
        tail[c] = cum += p[c];
    place_singly(s, i, last, left, t, tail, out);
}

/* The most n a table holds (binomial(n, 1/12) needs 240). */
#define TABLE_MAX_N 1024u

struct cs_binomial_table {
    double p, log_big;   /* the p drawn and cs_binomial_log(p) */
    double odds;         /* min(p, 1 - p) / (1 - min(p, 1 - p)) */
    int flip;            /* p > 1/2: the table is of 1 - p, the draw n - x */
    unsigned int n_max;  /* n below it are tabled (0: none) */
    unsigned int *first; /* [n_max + 1]: n's walk is r[first[n]..first[n+1]) */
    double *r;
};

cs_binomial_table *cs_binomial_table_alloc(double p)
{
    assert(p >= 0 && p <= 1);
    cs_binomial_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->p = p;
    t->log_big = cs_binomial_log(p);
    if (!(p > 0 && p < 1))
        return t; /* nothing to table: cs_sample_binomial uses no words */
    t->flip = p > 0.5;
    double small = t->flip ? 1 - p : p;
    t->odds = small / (1 - small);
    /* the n drawn by inversion, at most TABLE_MAX_N of them */
    unsigned int n_max = 0;
    while (n_max < TABLE_MAX_N &&
           (double)n_max * small < CS_BINOMIAL_INVERSION_MAX)
        n_max++;
    /* each n's walk as far as it goes but with a chance below about 1e-12
     * (6 standard deviations and 6 past the mean); beyond, the recurrence */
    t->first = malloc(((size_t)n_max + 1) * sizeof *t->first);
    size_t total = 0;
    for (unsigned int n = 0; t->first && n < n_max; n++) {
        t->first[n] = (unsigned int)total;
        double mean = n * small, sd = sqrt(mean * (1 - small));
        double reach = ceil(mean + 6 * sd + 6);
        total += (size_t)(reach < n ? reach : n) + 1;
    }
    t->r = t->first ? malloc((total ? total : 1) * sizeof *t->r) : NULL;
    if (!t->r) {
        cs_binomial_table_free(t);
        return NULL;
    }
    t->first[n_max] = (unsigned int)total;
    for (unsigned int n = 0; n < n_max; n++) {
        double *r = t->r + t->first[n], np1 = (double)n + 1;
        unsigned int len = t->first[n + 1] - t->first[n];
        r[0] = inversion_p0(n, small, t->log_big);
        for (unsigned int x = 1; x < len; x++)
            r[x] = inversion_next(r[x - 1], np1, x, t->odds);
    }
    t->n_max = n_max;
    return t;
}

void cs_binomial_table_free(cs_binomial_table *t)
{
    if (!t)
        return;
    free(t->first);
    free(t->r);
    free(t);
}

unsigned int cs_sample_binomial_tabled(cs_stream *s, const cs_binomial_table *t,
                                       unsigned int n)
{
    if (n >= t->n_max)
        return cs_sample_binomial(s, n, t->p, t->log_big);
    if (n == 0)
        return 0;
    const double *r = t->r + t->first[n];
    unsigned int x =
        inversion_walk(s, n, r[0], t->odds, r, t->first[n + 1] - t->first[n]);
    return t->flip ? n - x : x;
}

void cs_sample_outcomes(cs_stream *s, int k, unsigned int n, const double *p,
                        double *tail, unsigned int *out)
{
    assert(k >= 1);
    double leave = 0;
    for (int i = k - 1; i >= 1; i--)
        leave += p[i];
    leave = leave > 1 ? 1 : leave;
    unsigned int gone =
        cs_sample_binomial(s, n, leave, CS_BINOMIAL_LOG_UNKNOWN);
    out[0] = n - gone;
    if (k > 1)
        cs_sample_place(s, k - 1, gone, p + 1, tail, out + 1);
}
