/*
 * The bounded payload reader of pkt.h (struct obp_rd).  The packet
 * parsers of pkt_proto.c and anything that decodes a server's answer read
 * through it: the first read past the end sets err, and from then on
 * every getter returns 0 or NULL without moving.
 */
#include "obp.h"

#include <string.h>

/* Stands in for a NULL buffer so that pointer arithmetic stays defined. */
static const uint8_t rd_empty[1];

void
obp_rd_init(struct obp_rd *rd, const uint8_t *buf, size_t len)
{
    if (buf == NULL) {
        buf = rd_empty;
        len = 0;
    }
    rd->p = buf;
    rd->end = buf + len;
    rd->err = 0;
}

size_t
obp_rd_left(const struct obp_rd *rd)
{
    return rd->err ? 0 : (size_t)(rd->end - rd->p);
}

/* Consumes <n> bytes and returns where they start, or NULL with err. */
static const uint8_t *
take(struct obp_rd *rd, uint64_t n)
{
    const uint8_t *p;

    if (rd->err || (uint64_t)(rd->end - rd->p) < n) {
        rd->err = 1;
        return NULL;
    }
    p = rd->p;
    rd->p += n;
    return p;
}

/* Little-endian integer of <n> bytes (n <= 8). */
static uint64_t
take_le(struct obp_rd *rd, size_t n)
{
    const uint8_t *p = take(rd, n);
    uint64_t       v = 0;

    if (p == NULL)
        return 0;
    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

uint8_t
obp_rd_u8(struct obp_rd *rd)
{
    return (uint8_t)take_le(rd, 1);
}

uint16_t
obp_rd_u16(struct obp_rd *rd)
{
    return (uint16_t)take_le(rd, 2);
}

uint32_t
obp_rd_u24(struct obp_rd *rd)
{
    return (uint32_t)take_le(rd, 3);
}

uint32_t
obp_rd_u32(struct obp_rd *rd)
{
    return (uint32_t)take_le(rd, 4);
}

uint64_t
obp_rd_u64(struct obp_rd *rd)
{
    return take_le(rd, 8);
}

/* 0xfb is SQL NULL (rows only); 0xff never starts a length: an error. */
uint64_t
obp_rd_lenenc(struct obp_rd *rd, bool *is_null)
{
    uint8_t first;

    if (is_null != NULL)
        *is_null = false;
    first = obp_rd_u8(rd);
    if (rd->err)
        return 0;
    switch (first) {
    case 0xfb:
        if (is_null != NULL)
            *is_null = true;
        return 0;
    case 0xfc:
        return take_le(rd, 2);
    case 0xfd:
        return take_le(rd, 3);
    case 0xfe:
        return take_le(rd, 8);
    case 0xff:
        rd->err = 1;
        return 0;
    default:
        return first;
    }
}

const uint8_t *
obp_rd_bytes(struct obp_rd *rd, size_t n)
{
    return take(rd, n);
}

/* Sets *len (when len is not NULL) and returns <p>. */
static const void *
with_len(const void *p, size_t n, size_t *len)
{
    if (len != NULL)
        *len = n;
    return p;
}

const char *
obp_rd_nulstr(struct obp_rd *rd, size_t *len)
{
    const uint8_t *nul, *s;

    if (rd->err)
        return with_len(NULL, 0, len);
    nul = memchr(rd->p, 0, (size_t)(rd->end - rd->p));
    if (nul == NULL) {
        rd->err = 1;
        return with_len(NULL, 0, len);
    }
    s = rd->p;
    rd->p = nul + 1;
    return with_len(s, (size_t)(nul - s), len);
}

/* A length-encoded string; a NULL marker (0xfb) is an error here. */
const uint8_t *
obp_rd_lenenc_str(struct obp_rd *rd, size_t *len)
{
    const uint8_t *p;
    bool           is_null;
    uint64_t       n;

    n = obp_rd_lenenc(rd, &is_null);
    if (is_null)
        rd->err = 1;
    p = take(rd, n);
    return with_len(p, p != NULL ? (size_t)n : 0, len);
}

const uint8_t *
obp_rd_rest(struct obp_rd *rd, size_t *len)
{
    const uint8_t *p;

    if (rd->err)
        return with_len(NULL, 0, len);
    p = rd->p;
    rd->p = rd->end;
    return with_len(p, (size_t)(rd->end - p), len);
}
