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

#include "rng/stream.h"

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

/*
 * Block 0 of many substreams at once (see stream.h): the ten Philox
 * rounds on 8 (AVX2) or 4 (SSE2) counters side by side in vector
 * registers, the 32 x 32 -> 64-bit products by pmuludq on the even and
 * the odd lanes; elsewhere one block at a time. The arithmetic is
 * Random123's philox4x32 exactly (tests/rng checks every path's words
 * against it).
 */
static void first_blocks_scalar(philox4x32_key_t key, uint32_t run,
                                uint32_t purpose, const uint32_t *substream,
                                int count, uint32_t *out, size_t stride)
{
    for (int i = 0; i < count; i++) {
        philox4x32_ctr_t ctr = {{0, substream[i], run, purpose}};
        philox4x32_ctr_t b = philox4x32(ctr, key);
        for (int j = 0; j < 4; j++)
            out[(size_t)j * stride + (size_t)i] = b.v[j];
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CS_PHILOX_X86 1

/* The round keys: the key bumped r times, for r = 0..9. */
static void round_keys(philox4x32_key_t key, uint32_t k0[10], uint32_t k1[10])
{
    for (int r = 0; r < 10; r++) {
        k0[r] = key.v[0] + (uint32_t)r * PHILOX_W32_0;
        k1[r] = key.v[1] + (uint32_t)r * PHILOX_W32_1;
    }
}

/* 8 counters a round: hi and lo words of x * m in each 32-bit lane */
__attribute__((target("avx2"))) static inline void
mulhilo_avx2(__m256i x, __m256i m, __m256i *hi, __m256i *lo)
{
    __m256i even = _mm256_mul_epu32(x, m);
    __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xaa);
    *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa);
}

__attribute__((target("avx2"))) static int
first_blocks_avx2(philox4x32_key_t key, uint32_t run, uint32_t purpose,
                  const uint32_t *substream, int count, uint32_t *out,
                  size_t stride)
{
    const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M4x32_0);
    const __m256i m1 = _mm256_set1_epi32((int)PHILOX_M4x32_1);
    uint32_t k0[10], k1[10];
    round_keys(key, k0, k1);
    __m256i rk0[10], rk1[10];
    for (int r = 0; r < 10; r++) {
        rk0[r] = _mm256_set1_epi32((int)k0[r]);
        rk1[r] = _mm256_set1_epi32((int)k1[r]);
    }
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256i x0 = _mm256_setzero_si256();
        __m256i x1 = _mm256_loadu_si256((const __m256i *)(substream + i));
        __m256i x2 = _mm256_set1_epi32((int)run);
        __m256i x3 = _mm256_set1_epi32((int)purpose);
        for (int r = 0; r < 10; r++) {
            __m256i hi0, lo0, hi1, lo1;
            mulhilo_avx2(x0, m0, &hi0, &lo0);
            mulhilo_avx2(x2, m1, &hi1, &lo1);
            x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), rk0[r]);
            x1 = lo1;
            x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), rk1[r]);
            x3 = lo0;
        }
        _mm256_storeu_si256((__m256i *)(out + i), x0);
        _mm256_storeu_si256((__m256i *)(out + stride + i), x1);
        _mm256_storeu_si256((__m256i *)(out + 2 * stride + i), x2);
        _mm256_storeu_si256((__m256i *)(out + 3 * stride + i), x3);
    }
    /* clean upper halves before the SSE code that follows (libm, GSL and
     * the samplers): without this every later SSE instruction pays for the
     * dirty state, which made whole runs 1.9 times slower */
    _mm256_zeroupper();
    first_blocks_scalar(key, run, purpose, substream + i, count - i, out + i,
                        stride);
    return 0;
}

/* 4 counters a round, SSE2 (every x86-64 has it) */
static inline void mulhilo_sse2(__m128i x, __m128i m, __m128i *hi, __m128i *lo)
{
    const __m128i low = _mm_set_epi32(0, -1, 0, -1); /* even lanes */
    __m128i even = _mm_mul_epu32(x, m);
    __m128i odd = _mm_mul_epu32(_mm_srli_epi64(x, 32), m);
    *hi = _mm_or_si128(_mm_srli_epi64(even, 32), _mm_andnot_si128(low, odd));
    *lo = _mm_or_si128(_mm_and_si128(even, low), _mm_slli_epi64(odd, 32));
}

static int first_blocks_sse2(philox4x32_key_t key, uint32_t run,
                             uint32_t purpose, const uint32_t *substream,
                             int count, uint32_t *out, size_t stride)
{
    const __m128i m0 = _mm_set1_epi32((int)PHILOX_M4x32_0);
    const __m128i m1 = _mm_set1_epi32((int)PHILOX_M4x32_1);
    uint32_t k0[10], k1[10];
    round_keys(key, k0, k1);
    __m128i rk0[10], rk1[10];
    for (int r = 0; r < 10; r++) {
        rk0[r] = _mm_set1_epi32((int)k0[r]);
        rk1[r] = _mm_set1_epi32((int)k1[r]);
    }
    int i = 0;
    for (; i + 4 <= count; i += 4) {
        __m128i x0 = _mm_setzero_si128();
        __m128i x1 = _mm_loadu_si128((const __m128i *)(substream + i));
        __m128i x2 = _mm_set1_epi32((int)run);
        __m128i x3 = _mm_set1_epi32((int)purpose);
        for (int r = 0; r < 10; r++) {
            __m128i hi0, lo0, hi1, lo1;
            mulhilo_sse2(x0, m0, &hi0, &lo0);
            mulhilo_sse2(x2, m1, &hi1, &lo1);
            x0 = _mm_xor_si128(_mm_xor_si128(hi1, x1), rk0[r]);
            x1 = lo1;
            x2 = _mm_xor_si128(_mm_xor_si128(hi0, x3), rk1[r]);
            x3 = lo0;
        }
        _mm_storeu_si128((__m128i *)(out + i), x0);
        _mm_storeu_si128((__m128i *)(out + stride + i), x1);
        _mm_storeu_si128((__m128i *)(out + 2 * stride + i), x2);
        _mm_storeu_si128((__m128i *)(out + 3 * stride + i), x3);
    }
    first_blocks_scalar(key, run, purpose, substream + i, count - i, out + i,
                        stride);
    return 0;
}
#endif

int cs_stream_first_blocks_by(int method, uint64_t seed, uint32_t run,
                              uint32_t purpose, const uint32_t *substream,
                              int count, uint32_t *out, size_t stride)
{
    assert(count >= 0 && stride >= (size_t)count);
    philox4x32_key_t key = {
        {(uint32_t)(seed & 0xffffffffu), (uint32_t)(seed >> 32)}};
    switch (method) {
    case CS_PHILOX_SCALAR:
        first_blocks_scalar(key, run, purpose, substream, count, out, stride);
        return 0;
#ifdef CS_PHILOX_X86
    case CS_PHILOX_SSE2:
        return first_blocks_sse2(key, run, purpose, substream, count, out,
                                 stride);
    case CS_PHILOX_AVX2:
        if (!__builtin_cpu_supports("avx2"))
            return -1;
        return first_blocks_avx2(key, run, purpose, substream, count, out,
                                 stride);
#endif
    default:
        return -1;
    }
}

void cs_stream_first_blocks(uint64_t seed, uint32_t run, uint32_t purpose,
                            const uint32_t *substream, int count, uint32_t *out,
                            size_t stride)
{
    for (int method = CS_PHILOX_AVX2; method > CS_PHILOX_SCALAR; method--)
        if (cs_stream_first_blocks_by(method, seed, run, purpose, substream,
                                      count, out, stride) == 0)
            return;
    cs_stream_first_blocks_by(CS_PHILOX_SCALAR, seed, run, purpose, substream,
                              count, out, stride);
}
