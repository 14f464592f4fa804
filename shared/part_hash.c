/*
 * MurmurHash64A and OceanBase's collation-aware string hashing and
 * ordering for partition keys.  See part_hash.h for what is exact.
 */
#include "obp.h"
#include "part.h"
#include "part_hash.h"

#include <string.h>

#define MURMUR_M        0xc6a4a7935bd1e995ULL
#define MURMUR_R        47
#define HASH_CHUNK      128     /* OceanBase's HASH_BUFFER_LENGTH */
#define REPLACEMENT     0xFFFD

uint64_t
obp_part_murmur64a(const void *key, size_t len, uint64_t seed)
{
    const unsigned char *p = key;
    uint64_t h = seed ^ ((uint64_t)len * MURMUR_M);
    uint64_t k;
    size_t blocks = len / 8, i, j;

    for (i = 0; i < blocks; i++, p += 8) {
        /* Little-endian blocks whatever the host's byte order. */
        k = 0;
        for (j = 8; j-- > 0;)
            k = (k << 8) | p[j];
        k *= MURMUR_M;
        k ^= k >> MURMUR_R;
        k *= MURMUR_M;
        h ^= k;
        h *= MURMUR_M;
    }
    if ((len & 7) != 0) {
        for (j = len & 7; j-- > 0;)
            h ^= (uint64_t)p[j] << (8 * j);
        h *= MURMUR_M;
    }
    h ^= h >> MURMUR_R;
    h *= MURMUR_M;
    h ^= h >> MURMUR_R;
    return h;
}

int
obp_part_coll_known(unsigned collation)
{
    return collation == OBP_COLL_BINARY || collation == OBP_COLL_UTF8MB4_BIN
           || collation == OBP_COLL_UTF8MB4_GENERAL_CI;
}

/* Decodes one UTF-8 character; its length, or -1 when ill-formed. */
static int
utf8_next(const unsigned char *s, const unsigned char *e, uint32_t *wc)
{
    size_t n, i;
    uint32_t c = s[0], min;

    if (c < 0x80) {
        *wc = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, c &= 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, c &= 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, c &= 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if ((size_t)(e - s) < n)
        return -1;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    *wc = c;
    return (int)n;
}

/*
 * utf8mb4_general_ci's sort weight of <wc>.  OceanBase's table maps the
 * pages 00-05, 1E, 1F, 21, 24 and FF; every other BMP code point weighs
 * itself and everything above the BMP weighs U+FFFD.  Of the mapped
 * pages only ASCII is ported (upper case letters): OBP_ERROR for the rest.
 */
static int
general_ci_weight(uint32_t wc, uint32_t *w)
{
    uint32_t page = wc >> 8;

    if (wc > 0xFFFF) {
        *w = REPLACEMENT;
        return OBP_OK;
    }
    if (wc < 0x80) {
        *w = (wc >= 'a' && wc <= 'z') ? wc - ('a' - 'A') : wc;
        return OBP_OK;
    }
    if (page <= 0x05 || page == 0x1E || page == 0x1F || page == 0x21
        || page == 0x24 || page == 0xFF)
        return OBP_ERROR;
    *w = wc;
    return OBP_OK;
}

static size_t
strip_spaces(const char *s, size_t len)
{
    while (len > 0 && s[len - 1] == ' ')
        len--;
    return len;
}

static int
general_ci_hash(const unsigned char *s, size_t len, uint64_t *h)
{
    const unsigned char *e = s + len;
    unsigned char buf[HASH_CHUNK];
    size_t n = 0;
    uint32_t wc, w;
    int step;

    while (s < e) {
        step = utf8_next(s, e, &wc);
        if (step < 0 || general_ci_weight(wc, &w) != OBP_OK)
            return OBP_ERROR;
        if (n > HASH_CHUNK - 2 || (n == HASH_CHUNK - 2 && w > 0xFFFF)) {
            *h = obp_part_murmur64a(buf, n, *h);
            n = 0;
        }
        buf[n++] = (unsigned char)w;
        buf[n++] = (unsigned char)(w >> 8);
        if (w > 0xFFFF)
            buf[n++] = (unsigned char)(w >> 16);
        s += step;
    }
    /* An empty (or all-space) string leaves the seed as it was. */
    if (n > 0)
        *h = obp_part_murmur64a(buf, n, *h);
    return OBP_OK;
}

int
obp_part_str_hash(unsigned collation, const char *s, size_t len,
                  uint64_t seed, uint64_t *out)
{
    switch (collation) {
    case OBP_COLL_BINARY:
        *out = obp_part_murmur64a(s, len, seed);
        return OBP_OK;
    case OBP_COLL_UTF8MB4_BIN:
        *out = obp_part_murmur64a(s, strip_spaces(s, len), seed);
        return OBP_OK;
    case OBP_COLL_UTF8MB4_GENERAL_CI:
        *out = seed;
        return general_ci_hash((const unsigned char *)s,
                               strip_spaces(s, len), out);
    default:
        return OBP_ERROR;
    }
}

/* PAD SPACE: the longer string's tail is compared with spaces. */
static int
tail_vs_space(const unsigned char *s, const unsigned char *e, int sign)
{
    for (; s < e; s++) {
        if (*s != ' ')
            return *s < ' ' ? -sign : sign;
    }
    return 0;
}

static int
general_ci_cmp(const unsigned char *a, const unsigned char *ae,
               const unsigned char *b, const unsigned char *be, int *out)
{
    uint32_t wa, wb;
    int na, nb;

    while (a < ae && b < be) {
        na = utf8_next(a, ae, &wa);
        nb = utf8_next(b, be, &wb);
        if (na < 0 || nb < 0 || general_ci_weight(wa, &wa) != OBP_OK
            || general_ci_weight(wb, &wb) != OBP_OK)
            return OBP_ERROR;
        if (wa != wb) {
            *out = wa < wb ? -1 : 1;
            return OBP_OK;
        }
        a += na;
        b += nb;
    }
    *out = a < ae ? tail_vs_space(a, ae, 1) : tail_vs_space(b, be, -1);
    return OBP_OK;
}

int
obp_part_str_cmp(unsigned collation, const char *a, size_t alen,
                 const char *b, size_t blen, int *out)
{
    const unsigned char *ua = (const unsigned char *)a;
    const unsigned char *ub = (const unsigned char *)b;
    size_t n = alen < blen ? alen : blen;
    int c = n > 0 ? memcmp(a, b, n) : 0;

    switch (collation) {
    case OBP_COLL_BINARY:
        if (c == 0)
            c = alen < blen ? -1 : alen > blen;
        *out = c < 0 ? -1 : c > 0;
        return OBP_OK;
    case OBP_COLL_UTF8MB4_BIN:
        if (c == 0)
            c = alen > blen ? tail_vs_space(ua + n, ua + alen, 1)
                            : tail_vs_space(ub + n, ub + blen, -1);
        *out = c < 0 ? -1 : c > 0;
        return OBP_OK;
    case OBP_COLL_UTF8MB4_GENERAL_CI:
        return general_ci_cmp(ua, ua + alen, ub, ub + blen, out);
    default:
        return OBP_ERROR;
    }
}
