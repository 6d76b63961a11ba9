/*
 * hash.c - FNV-1a hashes of bytes (see hash.h), and cs_text_hash.
 */
#include "scenario/hash.h"

#include <stdio.h>

#include "cascade/scenario.h"

uint32_t hash_fnv1a32(const char *bytes, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)bytes[i];
        h *= 16777619u;
    }
    return h;
}

uint64_t hash_fnv1a64(const char *bytes, size_t n)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)bytes[i];
        h *= 1099511628211u;
    }
    return h;
}

void cs_text_hash(const char *text, size_t n, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)hash_fnv1a64(text, n));
}
