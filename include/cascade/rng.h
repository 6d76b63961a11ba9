/*
 * rng.h - counter-based random streams: Philox4x32-10 behind a gsl_rng.
 *
 * Philox (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC'11; Random123) maps a 128-bit counter and a 64-bit key to 128 random
 * bits. cascade keys it with the scenario seed and lays the counter out as
 *
 *     counter = { block, substream, run, purpose }
 *
 * so every (seed, run, purpose, substream) names its own stream of up to
 * 2^34 32-bit numbers, independent of every other and computable in any
 * order: a run's numbers depend on its key only, never on which thread or
 * rank draws them. Substreams (for example one per simulated month) keep
 * two scenarios' draws aligned month by month, so differences between
 * scenarios run with the same seed are paired (common random numbers).
 *
 * The stream is a gsl_rng of type cs_rng_philox, so every GSL distribution
 * draws from it. gsl_rng_set(r, s) keys it with seed s, run 0, purpose 0,
 * substream 0.
 */
#ifndef CASCADE_RNG_H
#define CASCADE_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Purposes: a stream per use, so adding a use never shifts another's draws. */
enum cs_rng_purpose {
    CS_RNG_TRANSITIONS = 1,  /* who moves, each month */
    CS_RNG_BIRTHS = 2,       /* how many are born, each month */
    CS_RNG_INITIAL = 3,      /* initial marks and durations */
    CS_RNG_PARAMETERS = 4,   /* parameter draws, once per run */
    CS_RNG_CAPACITY = 5,     /* who gets a place, each month and stage */
    CS_RNG_AGEING = 6,       /* who has a birthday, each month (monthly) */
    CS_RNG_MIGRATION = 7,    /* net migration, each month */
    CS_RNG_ARRIVALS = 8,     /* arrivals from outside, each month */
    CS_RNG_YEAR_EFFECTS = 9, /* a run's year effects, per effect */
    CS_RNG_TEST = 99,        /* reserved for tests */
};

extern const gsl_rng_type *cs_rng_philox;

/* Re-key r (which must be of type cs_rng_philox) and restart its stream. */
void cs_rng_reset(gsl_rng *r, uint64_t seed, uint32_t run, uint32_t purpose,
                  uint32_t substream);

#endif
