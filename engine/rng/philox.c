/*
 * philox.c - Philox4x32-10 from Random123 as a GSL generator (see rng.h).
 *
 * Each call to Philox yields four 32-bit words; the state keeps the current
 * block and how many of its words are used. The block counter occupies the
 * first counter word, so one stream holds 2^32 blocks (2^34 numbers) before
 * it would wrap; a wrap is an assertion failure, not a silent repeat.
 */
#include "cascade/rng.h"

#include <assert.h>
#include <string.h>

#include <Random123/philox.h>

typedef struct philox_state {
    philox4x32_key_t key;
    philox4x32_ctr_t ctr; /* the counter of the block in `block` */
    philox4x32_ctr_t block;
    unsigned used; /* words of `block` already returned, 0..4 */
} philox_state;

static void refill(philox_state *s)
{
    s->block = philox4x32(s->ctr, s->key);
    s->used = 0;
    s->ctr.v[0]++;
    assert(s->ctr.v[0] != 0 && "Philox stream exhausted (2^32 blocks)");
}

static void key_state(philox_state *s, uint64_t seed, uint32_t run,
                      uint32_t purpose, uint32_t substream)
{
    memset(s, 0, sizeof *s);
    s->key.v[0] = (uint32_t)(seed & 0xffffffffu);
    s->key.v[1] = (uint32_t)(seed >> 32);
    s->ctr.v[0] = 0;
    s->ctr.v[1] = substream;
    s->ctr.v[2] = run;
    s->ctr.v[3] = purpose;
    s->used = 4; /* empty: the first get computes block 0 */
}

static void philox_set(void *vstate, unsigned long seed)
{
    key_state(vstate, (uint64_t)seed, 0, 0, 0);
}

static unsigned long philox_get(void *vstate)
{
    philox_state *s = vstate;
    if (s->used == 4)
        refill(s);
    return s->block.v[s->used++];
}

static double philox_get_double(void *vstate)
{
    /* 32 bits in [0, 1), as GSL's own 32-bit generators do. */
    return (double)philox_get(vstate) * (1.0 / 4294967296.0);
}

static const gsl_rng_type philox_type = {
    "philox4x32-10", 0xffffffffUL,      0, sizeof(philox_state), philox_set,
    philox_get,      philox_get_double,
};

const gsl_rng_type *cs_rng_philox = &philox_type;

void cs_rng_reset(gsl_rng *r, uint64_t seed, uint32_t run, uint32_t purpose,
                  uint32_t substream)
{
    assert(r->type == cs_rng_philox);
    key_state(r->state, seed, run, purpose, substream);
}
