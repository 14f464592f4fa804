/*
 * The compressed protocol half of xport.h.  A compressed packet is a
 * 7-byte header (payload length, sequence, length unpacked or 0 when the
 * payload is stored as it is) and a zlib stream; inner packets run
 * across compressed ones freely.  Reading unpacks into the conn's input
 * as room allows, keeping the inflate state between reads, so a 16 MiB
 * compressed packet never needs more than the conn's buffers.  Writing
 * packs at most one buffer of plain bytes per packet with the worker's
 * one deflate stream.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#define ZIP_HDR_LEN   7
#define ZIP_MIN_PACK  50        /* shorter payloads go stored, as MySQL */
#define ZIP_CHUNK     (OBP_IOBUF_SIZE - ZIP_HDR_LEN)
#define ZIP_TURNS     256       /* unpack steps per read */

static uint32_t
u24(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static void
put_u24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
}

static ssize_t
bad(struct obp_conn *c, const char *why)
{
    obp_log(OBP_LOG_INFO, c->sid, 0, "compressed protocol: %s", why);
    errno = EPROTO;
    return -1;
}

static size_t
raw_avail(const struct obp_xport *x)
{
    return x->raw != NULL ? x->raw->recv - x->raw->done : 0;
}

/* A new compressed packet's header from x->raw. */
static int
take_header(struct obp_conn *c)
{
    struct obp_xport *x = c->x;
    const uint8_t    *h = x->raw->data + x->raw->done;
    uint32_t          clen = u24(h), ulen = u24(h + 4);

    x->seq = (uint8_t)(h[3] + 1);
    x->raw->done += ZIP_HDR_LEN;
    x->stored = ulen == 0;
    x->zin_left = clen;
    x->zout_left = ulen == 0 ? clen : ulen;
    if (x->stored)
        return OBP_OK;
    if (clen == 0)
        return OBP_ERROR;
    if (x->inf == NULL) {
        x->inf = calloc(1, sizeof(*x->inf));
        if (x->inf == NULL || inflateInit(x->inf) != Z_OK) {
            free(x->inf);
            x->inf = NULL;
            return OBP_ERROR;
        }
        return OBP_OK;
    }
    return inflateReset(x->inf) == Z_OK ? OBP_OK : OBP_ERROR;
}

/* Inflates what x->raw holds of the packet: bytes given, or -1. */
static ssize_t
inflate_some(struct obp_conn *c, uint8_t *dst, size_t room, bool *stuck)
{
    struct obp_xport *x = c->x;
    z_stream         *z = x->inf;
    uint8_t           spare;
    size_t            in = raw_avail(x) < x->zin_left ? raw_avail(x)
                                                       : x->zin_left;
    size_t            out = room < x->zout_left ? room : x->zout_left;
    size_t            used, made;
    int               rc;

    /* a byte beyond the announced length shows up as a bad stream; with
     * all of the packet read, x->raw may be gone while output is due */
    z->next_in = in > 0 ? x->raw->data + x->raw->done : NULL;
    z->avail_in = (uInt)in;
    z->next_out = out > 0 ? dst : &spare;
    z->avail_out = out > 0 ? (uInt)out : 1;
    rc = inflate(z, Z_NO_FLUSH);
    used = in - z->avail_in;
    made = (out > 0 ? out : 1) - z->avail_out;
    if (out == 0 && made > 0)
        return bad(c, "a packet longer than announced");
    if (used > 0)
        x->raw->done += used;
    x->zin_left -= (uint32_t)used;
    x->zout_left -= (uint32_t)made;
    if (rc == Z_STREAM_END)
        return x->zin_left == 0 && x->zout_left == 0
               ? (ssize_t)made : bad(c, "packet lengths disagree");
    if ((rc != Z_OK && rc != Z_BUF_ERROR)
        || (x->zin_left == 0 && used == 0 && made == 0))
        return bad(c, "corrupt zlib stream");
    *stuck = used == 0 && made == 0;
    return (ssize_t)made;
}

/* Unpacks from x->raw only: bytes given, or -1; *stuck: needs input. */
static ssize_t
unpack(struct obp_conn *c, uint8_t *dst, size_t room, bool *stuck)
{
    struct obp_xport *x = c->x;
    size_t            k;

    *stuck = false;
    if (x->zin_left == 0 && x->zout_left == 0) {
        if (raw_avail(x) < ZIP_HDR_LEN) {
            *stuck = true;
            return 0;
        }
        return take_header(c) == OBP_OK ? 0 : bad(c, "bad packet header");
    }
    if (raw_avail(x) == 0 && (x->stored || x->zin_left > 0)) {
        *stuck = true;
        return 0;
    }
    if (!x->stored)
        return inflate_some(c, dst, room, stuck);
    k = raw_avail(x) < x->zin_left ? raw_avail(x) : x->zin_left;
    k = k < room ? k : room;
    memcpy(dst, x->raw->data + x->raw->done, k);
    x->raw->done += k;
    x->zin_left -= (uint32_t)k;
    x->zout_left -= (uint32_t)k;
    return (ssize_t)k;
}

ssize_t
obp_xzip_fill(struct obp_conn *c)
{
    struct obp_xport *x = c->x;
    ssize_t           n;

    if (x->raw == NULL && (x->raw = obp_iobuf_get(&c->w->pool)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    x->raw->parse = x->raw->done;       /* only done counts here */
    obp_iobuf_compact(x->raw);
    n = obp_xport_lower_read(c, x->raw->data + x->raw->recv,
                             OBP_IOBUF_SIZE - x->raw->recv);
    if (n > 0)
        x->raw->recv += (size_t)n;
    return n;
}

void
obp_xzip_trim(struct obp_conn *c)
{
    if (c->x->raw != NULL && raw_avail(c->x) == 0) {
        obp_iobuf_put(&c->w->pool, c->x->raw);
        c->x->raw = NULL;
    }
}

ssize_t
obp_xzip_read(struct obp_conn *c, uint8_t *dst, size_t cap)
{
    struct obp_xport *x = c->x;
    size_t            got = 0;
    ssize_t           r;
    bool              stuck;
    int               turn;

    for (turn = 0; turn < ZIP_TURNS && got < cap; turn++) {
        r = unpack(c, dst + got, cap - got, &stuck);
        if (r < 0)
            return -1;
        got += (size_t)r;
        if (!stuck)
            continue;
        r = obp_xzip_fill(c);
        if (r > 0)
            continue;
        obp_xzip_trim(c);
        if (got > 0)
            return (ssize_t)got;
        if (r == 0 && (x->zin_left > 0 || x->zout_left > 0
                       || raw_avail(x) > 0))
            return bad(c, "connection closed inside a packet");
        return r;
    }
    obp_xzip_trim(c);
    if (turn == ZIP_TURNS)
        x->more = 1;    /* turns ran out: come back, bytes or not */
    if (got == 0) {
        errno = EAGAIN;
        return -1;
    }
    return (ssize_t)got;
}

/* The worker's deflate stream at the configured level, or NULL. */
static z_stream *
deflater(struct obp_xport_ctx *x, int level)
{
    if (x->zdef != NULL && x->zdef_level == level)
        return deflateReset(x->zdef) == Z_OK ? x->zdef : NULL;
    if (x->zdef != NULL) {
        deflateEnd(x->zdef);
        free(x->zdef);
    }
    x->zdef = calloc(1, sizeof(*x->zdef));
    if (x->zdef == NULL)
        return NULL;
    if (deflateInit(x->zdef, level) != Z_OK) {
        free(x->zdef);
        x->zdef = NULL;
        return NULL;
    }
    x->zdef_level = level;
    return x->zdef;
}

void
obp_xzip_track(struct obp_xport *x, const uint8_t *p, size_t k)
{
    size_t pos = 0, s;

    while (pos < k) {
        if (x->inner_left > 0) {
            s = k - pos < x->inner_left ? k - pos : x->inner_left;
            x->inner_left -= (uint32_t)s;
            pos += s;
            continue;
        }
        x->hdr[x->hdr_have++] = p[pos++];
        if (x->hdr_have == OBP_PKT_HDR_LEN) {
            x->inner_left = obp_pkt_payload_len(x->hdr);
            x->hdr_have = 0;
        }
    }
}

/* Deflates <k> bytes into <out>: the packed length, or 0 to store. */
static size_t
pack_payload(struct obp_conn *c, const uint8_t *p, size_t k, uint8_t *out,
             size_t room)
{
    int       level = c->w->xctx.zlevel;
    z_stream *z;

    if (level == 0 || k < ZIP_MIN_PACK
        || (z = deflater(&c->w->xctx, level)) == NULL)
        return 0;
    z->next_in = (Bytef *)(uintptr_t)p;
    z->avail_in = (uInt)k;
    z->next_out = out;
    z->avail_out = (uInt)room;
    if (deflate(z, Z_FINISH) != Z_STREAM_END || z->total_out >= k)
        return 0;
    return z->total_out;
}

ssize_t
obp_xzip_pack(struct obp_conn *c, const uint8_t *p, size_t len)
{
    struct obp_xport *x = c->x;
    struct obp_iobuf *b = x->wire;
    size_t            k = len < ZIP_CHUNK ? len : ZIP_CHUNK;
    size_t            packed;
    uint8_t           seq;

    if (b == NULL && (b = x->wire = obp_iobuf_get(&c->w->pool)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    /* a command starts the numbering again, as the client library does */
    seq = x->inner_left == 0 && x->hdr_have == 0 && len >= OBP_PKT_HDR_LEN
          && p[3] == 0 ? 0 : x->seq;
    x->seq = (uint8_t)(seq + 1);
    obp_xzip_track(x, p, k);
    packed = pack_payload(c, p, k, b->data + ZIP_HDR_LEN, ZIP_CHUNK);
    if (packed == 0)
        memcpy(b->data + ZIP_HDR_LEN, p, k);
    put_u24(b->data, (uint32_t)(packed > 0 ? packed : k));
    b->data[3] = seq;
    put_u24(b->data + 4, (uint32_t)(packed > 0 ? k : 0));
    b->done = 0;
    b->parse = 0;
    b->recv = ZIP_HDR_LEN + (packed > 0 ? packed : k);
    return (ssize_t)k;
}

int
obp_xzip_flush(struct obp_conn *c)
{
    struct obp_xport *x = c->x;
    struct obp_iobuf *b = x->wire;
    ssize_t           w;

    while (b != NULL && b->recv > b->done) {
        w = obp_xport_lower_write(c, b->data + b->done, b->recv - b->done);
        if (w < 0)
            return OBP_ERROR;
        if (w == 0)
            return OBP_AGAIN;
        b->done += (size_t)w;
    }
    if (b != NULL) {
        obp_iobuf_put(&c->w->pool, b);
        x->wire = NULL;
    }
    return OBP_OK;
}

void
obp_xzip_free(struct obp_conn *c)
{
    struct obp_xport *x = c->x;

    obp_iobuf_put(&c->w->pool, x->raw);
    obp_iobuf_put(&c->w->pool, x->wire);
    x->raw = NULL;
    x->wire = NULL;
    if (x->inf != NULL) {
        inflateEnd(x->inf);
        free(x->inf);
        x->inf = NULL;
    }
}
