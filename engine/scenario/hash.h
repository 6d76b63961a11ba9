/*
 * hash.h - FNV-1a hashes (Fowler, Noll and Vo; the 32- and 64-bit variants
 * of http://www.isthe.com/chongo/tech/comp/fnv/): a parameter's random
 * stream is the 32-bit hash of its path, and a scenario records the 64-bit
 * hash of its resolved text and of the text it extends (cs_text_hash in
 * scenario.h).
 *
 * Private to engine/scenario.
 */
#ifndef CASCADE_SCENARIO_HASH_H
#define CASCADE_SCENARIO_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a 32: start at 2166136261; for each byte, xor it in, then multiply
 * by 16777619 (mod 2^32). */
uint32_t hash_fnv1a32(const char *bytes, size_t n);

/* FNV-1a 64: start at 14695981039346656037; for each byte, xor it in, then
 * multiply by 1099511628211 (mod 2^64). */
uint64_t hash_fnv1a64(const char *bytes, size_t n);

#endif
