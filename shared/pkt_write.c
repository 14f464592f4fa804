/*
 * The bounded writer of pkt.h (struct obp_wr) and packet framing.  The
 * packet writers of pkt_proto.c build on it.  A put either fits whole or
 * sets err and writes nothing; after that every put does nothing, so a
 * caller builds a packet and tests err once.
 */
#include "obp.h"

#include <string.h>

#define LENENC_MAX 9        /* 0xfe and 8 bytes */

void
obp_wr_init(struct obp_wr *wr, uint8_t *buf, size_t cap)
{
    wr->buf = buf;
    wr->cap = buf != NULL ? cap : 0;
    wr->len = 0;
    wr->err = 0;
}

/* Reserves <n> bytes (n > 0) and returns them, or NULL with err. */
static uint8_t *
room(struct obp_wr *wr, size_t n)
{
    uint8_t *p;

    if (wr->err || wr->len > wr->cap || wr->cap - wr->len < n) {
        wr->err = 1;
        return NULL;
    }
    p = wr->buf + wr->len;
    wr->len += n;
    return p;
}

/* Stores the low <n> bytes of <v> little endian at <p>. */
static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void
wr_le(struct obp_wr *wr, uint64_t v, size_t n)
{
    uint8_t *p = room(wr, n);

    if (p != NULL)
        put_le(p, v, n);
}

void
obp_wr_u8(struct obp_wr *wr, uint8_t v)
{
    wr_le(wr, v, 1);
}

void
obp_wr_u16(struct obp_wr *wr, uint16_t v)
{
    wr_le(wr, v, 2);
}

void
obp_wr_u24(struct obp_wr *wr, uint32_t v)
{
    wr_le(wr, v, 3);
}

void
obp_wr_u32(struct obp_wr *wr, uint32_t v)
{
    wr_le(wr, v, 4);
}

void
obp_wr_u64(struct obp_wr *wr, uint64_t v)
{
    wr_le(wr, v, 8);
}

/* Encodes <v> as a length-encoded integer into <out>; returns its size. */
static size_t
lenenc_encode(uint8_t out[LENENC_MAX], uint64_t v)
{
    if (v < 0xfb) {
        out[0] = (uint8_t)v;
        return 1;
    }
    if (v <= 0xffff) {
        out[0] = 0xfc;
        put_le(out + 1, v, 2);
        return 3;
    }
    if (v <= 0xffffff) {
        out[0] = 0xfd;
        put_le(out + 1, v, 3);
        return 4;
    }
    out[0] = 0xfe;
    put_le(out + 1, v, 8);
    return LENENC_MAX;
}

void
obp_wr_lenenc(struct obp_wr *wr, uint64_t v)
{
    uint8_t tmp[LENENC_MAX];

    obp_wr_bytes(wr, tmp, lenenc_encode(tmp, v));
}

void
obp_wr_bytes(struct obp_wr *wr, const void *p, size_t n)
{
    uint8_t *dst;

    if (n == 0)
        return;
    dst = room(wr, n);
    if (dst != NULL)
        memcpy(dst, p, n);
}

void
obp_wr_zero(struct obp_wr *wr, size_t n)
{
    uint8_t *dst;

    if (n == 0)
        return;
    dst = room(wr, n);
    if (dst != NULL)
        memset(dst, 0, n);
}

/* <n> bytes of <s> (NULL when n is 0) and a terminating NUL. */
void
obp_wr_nulstr(struct obp_wr *wr, const char *s, size_t n)
{
    uint8_t *dst;

    if (n == SIZE_MAX) {
        wr->err = 1;
        return;
    }
    dst = room(wr, n + 1);
    if (dst == NULL)
        return;
    if (n > 0)
        memcpy(dst, s, n);
    dst[n] = 0;
}

/* The length and the bytes go in together or not at all. */
void
obp_wr_lenenc_str(struct obp_wr *wr, const void *p, size_t n)
{
    uint8_t  tmp[LENENC_MAX];
    size_t   hlen = lenenc_encode(tmp, n);
    uint8_t *dst;

    if (n > SIZE_MAX - hlen) {
        wr->err = 1;
        return;
    }
    dst = room(wr, hlen + n);
    if (dst == NULL)
        return;
    memcpy(dst, tmp, hlen);
    if (n > 0)
        memcpy(dst + hlen, p, n);
}

size_t
obp_wr_pkt_begin(struct obp_wr *wr)
{
    size_t off = wr->len;

    obp_wr_zero(wr, OBP_PKT_HDR_LEN);
    return off;
}

void
obp_wr_pkt_end(struct obp_wr *wr, size_t hdr_off, uint8_t seq)
{
    size_t payload;

    if (wr->err)
        return;
    if (hdr_off > wr->len || wr->len - hdr_off < OBP_PKT_HDR_LEN) {
        wr->err = 1;
        return;
    }
    payload = wr->len - hdr_off - OBP_PKT_HDR_LEN;
    if (payload > OBP_PKT_MAX_PAYLOAD) {
        wr->err = 1;
        return;
    }
    obp_pkt_put_hdr(wr->buf + hdr_off, (uint32_t)payload, seq);
}
