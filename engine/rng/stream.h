/*
 * stream.h - a Philox4x32-10 stream called directly, without the gsl_rng
 * interface (internal; the fast samplers of sample.h draw from it).
 *
 * The key and counter layout are those of cs_rng_philox (rng.h):
 *
 *     key = { seed low, seed high }, counter = { block, substream, run,
 *     purpose }
 *
 * and the 32-bit words come in the same order, so a cs_stream and a
 * cs_rng_philox generator reset with the same key give the same words
 * (tests/rng checks it). What differs is the cost: an inline block
 * function and no call through a function pointer for every word, and
 * uniforms with 53 bits (two words) rather than 32, so that probabilities
 * far below 2^-32 (a rate of 1e-9 a month) are honoured.
 */
#ifndef CASCADE_STREAM_H
#define CASCADE_STREAM_H

#include <assert.h>
#include <stdint.h>

#include <Random123/philox.h>

/* What a stream's samplers drew since the counts were last zeroed (a
 * reset leaves them alone): for benchmarks and tests. */
typedef struct cs_stream_counts {
    uint64_t blocks;     /* Philox blocks computed one at a time */
    uint64_t batched;    /* first blocks computed several at a time */
    uint64_t inversions; /* binomials drawn by inversion */
    uint64_t rejections; /* binomials drawn by BTRS */
    uint64_t placed;     /* leavers placed one uniform each */
} cs_stream_counts;

typedef struct cs_stream {
    philox4x32_key_t key;
    philox4x32_ctr_t ctr;   /* the counter of the next block */
    philox4x32_ctr_t block; /* the current block's words */
    unsigned used;          /* words of `block` already returned, 0..4 */
    cs_stream_counts counts;
} cs_stream;

/* Key s and restart its stream; the counts carry on. */
static inline void cs_stream_reset(cs_stream *s, uint64_t seed, uint32_t run,
                                   uint32_t purpose, uint32_t substream)
{
    s->key.v[0] = (uint32_t)(seed & 0xffffffffu);
    s->key.v[1] = (uint32_t)(seed >> 32);
    s->ctr.v[0] = 0;
    s->ctr.v[1] = substream;
    s->ctr.v[2] = run;
    s->ctr.v[3] = purpose;
    s->used = 4; /* empty: the first word computes block 0 */
}

/*
 * Block 0 of the substreams substream[0..count-1] of (seed, run, purpose),
 * computed several at a time where the CPU allows (philox.c): word j of
 * substream[i]'s block 0 in out[j stride + i] (stride >= count). A
 * month's first blocks for every compartment cost less this way than one
 * by one; cs_stream_start hands one to a stream.
 */
void cs_stream_first_blocks(uint64_t seed, uint32_t run, uint32_t purpose,
                            const uint32_t *substream, int count, uint32_t *out,
                            size_t stride);

/* The same by a given method, for tests: 0, or -1 if this build or CPU
 * lacks it. */
enum { CS_PHILOX_SCALAR = 0, CS_PHILOX_SSE2 = 1, CS_PHILOX_AVX2 = 2 };
int cs_stream_first_blocks_by(int method, uint64_t seed, uint32_t run,
                              uint32_t purpose, const uint32_t *substream,
                              int count, uint32_t *out, size_t stride);

/* cs_stream_reset with block 0 already computed (cs_stream_first_blocks:
 * its words at block0[0], block0[stride], ...): the same words follow. */
static inline void cs_stream_start(cs_stream *s, uint64_t seed, uint32_t run,
                                   uint32_t purpose, uint32_t substream,
                                   const uint32_t *block0, size_t stride)
{
    cs_stream_reset(s, seed, run, purpose, substream);
    for (int j = 0; j < 4; j++)
        s->block.v[j] = block0[(size_t)j * stride];
    s->ctr.v[0] = 1;
    s->used = 0;
}

/* cs_stream_start for another substream of the same (seed, run, purpose)
 * as s's last reset or start: only the substream and block 0 change. */
static inline void cs_stream_restart(cs_stream *s, uint32_t substream,
                                     const uint32_t *block0, size_t stride)
{
    s->ctr.v[0] = 1;
    s->ctr.v[1] = substream;
    for (int j = 0; j < 4; j++)
        s->block.v[j] = block0[(size_t)j * stride];
    s->used = 0;
}

static inline uint32_t cs_stream_u32(cs_stream *s)
{
    if (s->used == 4) {
        s->block = philox4x32(s->ctr, s->key);
        s->used = 0;
        s->counts.blocks++;
        s->ctr.v[0]++;
        assert(s->ctr.v[0] != 0 && "Philox stream exhausted (2^32 blocks)");
    }
    return s->block.v[s->used++];
}

/* A uniform double in [0, 1) with 53 random bits: 27 from one word and 26
 * from the next (the usual res53 construction). */
static inline double cs_stream_uniform(cs_stream *s)
{
    uint32_t a = cs_stream_u32(s) >> 5, b = cs_stream_u32(s) >> 6;
    return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

#endif
