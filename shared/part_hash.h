/*
 * OceanBase's hashing and comparison of partition keys (ODP-REFERENCE
 * 6.3): MurmurHash64A, and strings under their collation.
 *
 * Collations handled exactly: binary (63: every byte), utf8mb4_bin (46:
 * trailing spaces stripped, then the bytes) and utf8mb4_general_ci (45:
 * trailing spaces stripped, each character's sort weight, 2 bytes little
 * endian, hashed in chunks of at most 128 bytes).  general_ci's weights
 * are ported for the characters whose weight is the character itself or
 * its ASCII upper case: ASCII, and every code point outside the pages
 * OceanBase's table maps (U+0080..U+05FF, U+1E00..U+1FFF, U+2100..U+21FF,
 * U+2400..U+24FF, U+FF00..U+FFFF); a string holding one of those, or
 * invalid UTF-8, cannot be hashed or compared: the functions fail and the
 * caller routes without a partition.
 */
#ifndef OBP_SHARED_PART_HASH_H
#define OBP_SHARED_PART_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t obp_part_murmur64a(const void *key, size_t len, uint64_t seed);

/* True when obp_part_str_hash and _cmp handle <collation>. */
int obp_part_coll_known(unsigned collation);

/* Chains <seed> over the string as OceanBase does; OBP_OK or OBP_ERROR. */
int obp_part_str_hash(unsigned collation, const char *s, size_t len,
                      uint64_t seed, uint64_t *out);

/* *out = <0, 0, >0 as OceanBase orders a and b; OBP_OK or OBP_ERROR. */
int obp_part_str_cmp(unsigned collation, const char *a, size_t alen,
                     const char *b, size_t blen, int *out);

#endif
