/*
 * The OceanBase 2.0 half of xport.h, either leg (shared/ob20.h is the
 * codec).  Reading takes a whole frame, checks it (header and
 * payload checksums, magic, version, lengths, request id and sequence,
 * extra info) and only then hands its MySQL bytes up, so that nothing
 * of a bad frame is ever forwarded.  A frame that fits a buffer is
 * checked in x->raw; a longer one (up to the protocol's 16 MiB) is
 * gathered in x->frame, which grows with the bytes that came (a frame
 * that announces 16 MiB and sends little costs little) and is freed once
 * given.  A frame of the zlib variant is gathered the same way, then
 * inflated into x->zbuf (its announced size, at most 1032 times the
 * bytes that came, as deflate can make no more) and freed once given.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OB20_TURNS 256      /* steps per read */
#define OB20_CHUNK (OBP_IOBUF_SIZE - OBP_OB20_FRAME_HDR - OBP_OB20_TAIL_LEN)

static size_t
ob20_raw_avail(const struct obp_xport *x)
{
    return x->raw != NULL ? x->raw->recv - x->raw->done : 0;
}

static ssize_t
ob20_bad(struct obp_conn *c, const char *why)
{
    obp_log(OBP_LOG_WARN, c->sid, 0, "OceanBase 2.0 frame refused: %s", why);
    errno = EPROTO;
    return -1;
}

/* A frame that fails its checks: one log line with what it said. */
static int
ob20_refuse(struct obp_conn *c, const struct obp_ob20_frame *f,
       enum obp_ob20_fault fault)
{
    char zip[64] = "";

    if (c->x->ob20_zlevel != 0)
        snprintf(zip, sizeof(zip), ", compressed length %u, inflated %u",
                 (unsigned)f->hdr.comp_len, (unsigned)f->hdr.uncomp_len);
    obp_log(OBP_LOG_WARN, c->sid, 0, "OceanBase 2.0 frame refused: %s "
            "(request id %u, sequence %u, payload length %u%s)",
            obp_ob20_fault_text(fault), (unsigned)f->hdr.req_id,
            (unsigned)f->hdr.seq, (unsigned)f->hdr.payload_len, zip);
    errno = EPROTO;
    return OBP_ERROR;
}

/* A server's session info item: stored, or the frame refused. */
static int
ob20_sessinfo(struct obp_conn *c, const struct obp_ob20_frame *f,
              const struct obp_ob20_item *it)
{
    if (obp_sessinfo_take(c->x->peer, it->val, it->val_len) == OBP_OK)
        return OBP_OK;
    obp_log(OBP_LOG_WARN, c->sid, 0, "OceanBase 2.0 frame refused: %s "
            "(request id %u, %zu bytes of session info)", c->x->peer->fault,
            (unsigned)f->hdr.req_id, it->val_len);
    errno = EPROTO;
    return OBP_ERROR;
}

/* Whether <it> is a SESS_INFO item, in either format. */
static bool
ob20_is_sessinfo(const struct obp_ob20_item *it, bool new_format)
{
    size_t n = strlen(OBP_SESSINFO_KEY);

    if (new_format)
        return it->type == OBP_OB20_SESS_INFO;
    return it->key_len == n && memcmp(it->key, OBP_SESSINFO_KEY, n) == 0;
}

/*
 * The extra info: every item's shape checked, a feedback item's
 * sub-items too, and a server's session info taken (sessinfo.h).
 */
static int
ob20_extra(struct obp_conn *c, const struct obp_ob20_frame *f)
{
    struct obp_ob20_item it, sub;
    size_t               pos = 0, spos;
    int                  rc = OBP_DONE, src;
    bool                 fmt = (f->hdr.flags & OBP_OB20_IS_NEW_EXTRA_INFO);

    while (f->extra != NULL
           && (rc = obp_ob20_extra_next(f->extra, f->extra_len, fmt, &pos,
                                        &it)) == OBP_OK) {
        if (c->x->peer != NULL && ob20_is_sessinfo(&it, fmt)
            && ob20_sessinfo(c, f, &it) != OBP_OK)
            return OBP_ERROR;
        if (!fmt || it.type != OBP_OB20_FEEDBACK_PROXY_INFO)
            continue;
        spos = 0;
        while ((src = obp_ob20_extra_next(it.val, it.val_len, true, &spos,
                                          &sub)) == OBP_OK)
            continue;
        if (src == OBP_ERROR)
            return ob20_refuse(c, f, OBP_OB20_BAD_EXTRA);
    }
    if (f->extra != NULL && rc == OBP_ERROR)
        return ob20_refuse(c, f, OBP_OB20_BAD_EXTRA);
    return OBP_OK;
}

/* The checks beyond the frame itself: order and extra info. */
static int
ob20_accept(struct obp_conn *c, const struct obp_ob20_frame *f)
{
    struct obp_xport    *x = c->x;
    enum obp_ob20_fault  fault;

    fault = obp_ob20_order_in(&x->order, &f->hdr, !x->ob20_ask);
    if (fault != OBP_OB20_OK)
        return ob20_refuse(c, f, fault);
    if (ob20_extra(c, f) != OBP_OK)
        return OBP_ERROR;
    x->give = f->mysql;
    x->give_left = f->mysql_len;
    x->give_end = x->frame == NULL ? x->raw->done + f->frame_len : 0;
    return OBP_OK;
}

/* The frame's bytes are all given: it goes. */
static void
ob20_given(struct obp_xport *x)
{
    if (x->frame != NULL) {
        free(x->frame);
        x->frame = NULL;
        x->frame_len = 0;
        x->frame_have = 0;
        x->frame_cap = 0;
    } else {
        x->raw->done = x->give_end;
    }
    free(x->zbuf);
    x->zbuf = NULL;
    x->give = NULL;
}

/* A frame too long for x->raw: what it holds moves to x->frame. */
static int
ob20_start_long(struct obp_conn *c, size_t total)
{
    struct obp_xport *x = c->x;
    size_t            have = ob20_raw_avail(x);

    x->frame_cap = 2 * OBP_IOBUF_SIZE < total ? 2 * OBP_IOBUF_SIZE : total;
    x->frame = malloc(x->frame_cap);
    if (x->frame == NULL) {
        errno = ENOMEM;
        return OBP_ERROR;
    }
    memcpy(x->frame, x->raw->data + x->raw->done, have);
    x->raw->done += have;
    x->frame_len = total;
    x->frame_have = have;
    return OBP_AGAIN;
}

/*
 * The zlib variant's frame at <p> (<len> of its <total> bytes there):
 * once whole, inflated into x->zbuf when its announced size is one the
 * codec can accept (else the codec refuses it without a buffer).
 */
static int
ob20_zparse(struct obp_conn *c, const uint8_t *p, size_t len, size_t total,
            struct obp_ob20_frame *f)
{
    struct obp_xport *x = c->x;
    uint32_t          ulen = 0;
    int               rc;

    if (len >= total) {
        ulen = obp_pkt_payload_len(p + 4);
        if (ulen > OBP_OB20_MAX_PAYLOAD + OBP_OB20_HDR_LEN + OBP_OB20_TAIL_LEN
            || (uint64_t)ulen > (uint64_t)(total - OBP_OB20_COMP_HDR_LEN)
                                * OBP_OB20_ZIP_RATIO)
            ulen = 0;
        if (ulen > 0 && (x->zbuf = malloc(ulen)) == NULL) {
            errno = ENOMEM;
            return OBP_ERROR;
        }
    }
    rc = obp_ob20_zframe_parse(p, len, OBP_OB20_MAX_PAYLOAD, x->zbuf, ulen,
                               f);
    if (rc != OBP_OK) {
        free(x->zbuf);
        x->zbuf = NULL;
    }
    if (rc == OBP_ERROR)
        return ob20_refuse(c, f, f->fault);
    return rc;
}

/*
 * The next frame checked and its bytes ready to give: OBP_OK, OBP_AGAIN
 * while bytes are missing, OBP_ERROR (logged, errno set).
 */
static int
ob20_next_frame(struct obp_conn *c)
{
    struct obp_xport     *x = c->x;
    struct obp_ob20_frame f;
    const uint8_t        *p;
    size_t                len, total;
    int                   rc;

    if (x->frame != NULL) {
        p = x->frame;
        len = x->frame_have;
    } else {
        p = x->raw != NULL ? x->raw->data + x->raw->done : NULL;
        len = ob20_raw_avail(x);
    }
    if (obp_ob20_frame_total(p, len, &total) == OBP_AGAIN)
        return OBP_AGAIN;
    /* a bad header is refused before its payload is waited for */
    if (x->ob20_zlevel != 0)
        rc = ob20_zparse(c, p, len, total, &f);
    else if ((rc = obp_ob20_frame_parse(p, len, OBP_OB20_MAX_PAYLOAD, &f))
             == OBP_ERROR)
        return ob20_refuse(c, &f, f.fault);
    if (rc == OBP_ERROR)
        return OBP_ERROR;
    if (rc == OBP_AGAIN)
        return x->frame == NULL && len >= OBP_OB20_FRAME_HDR
               && total > OBP_IOBUF_SIZE ? ob20_start_long(c, total)
                                         : OBP_AGAIN;
    return ob20_accept(c, &f);
}

/* More bytes of the frame under way; as read(2) returns. */
static ssize_t
ob20_fill(struct obp_conn *c)
{
    struct obp_xport *x = c->x;
    uint8_t          *more;
    size_t            cap;
    ssize_t           n;

    if (x->frame == NULL)
        return obp_xzip_fill(c);
    if (x->frame_have == x->frame_cap) {
        cap = 2 * x->frame_cap < x->frame_len ? 2 * x->frame_cap
                                              : x->frame_len;
        if ((more = realloc(x->frame, cap)) == NULL) {
            errno = ENOMEM;
            return -1;
        }
        x->frame = more;
        x->frame_cap = cap;
    }
    n = obp_xport_lower_read(c, x->frame + x->frame_have,
                             x->frame_cap - x->frame_have);
    if (n > 0)
        x->frame_have += (size_t)n;
    return n;
}

/* Gives checked bytes into <dst>: how many. */
static size_t
ob20_give(struct obp_xport *x, uint8_t *dst, size_t room)
{
    size_t k = x->give_left < room ? x->give_left : room;

    memcpy(dst, x->give, k);
    x->give += k;
    x->give_left -= k;
    if (x->give_left == 0)
        ob20_given(x);
    return k;
}

ssize_t
obp_xob20_read(struct obp_conn *c, uint8_t *dst, size_t cap)
{
    struct obp_xport *x = c->x;
    size_t            got = 0;
    ssize_t           r;
    int               turn, rc;

    for (turn = 0; turn < OB20_TURNS && got < cap; turn++) {
        if (x->give != NULL) {
            got += ob20_give(x, dst + got, cap - got);
            continue;
        }
        if (x->ob20_bad) {
            errno = EPROTO;     /* refused already, and logged */
            rc = OBP_ERROR;
        } else {
            rc = ob20_next_frame(c);
        }
        if (rc == OBP_ERROR) {
            x->ob20_bad = x->ob20_bad || errno == EPROTO;
            /* what came before the bad frame goes first */
            if (got > 0) {
                x->more = 1;    /* come back for the refusal */
                return (ssize_t)got;
            }
            return -1;
        }
        if (rc == OBP_OK)
            continue;
        r = ob20_fill(c);
        if (r > 0)
            continue;
        obp_xzip_trim(c);
        if (got > 0)
            return (ssize_t)got;
        if (r == 0 && (ob20_raw_avail(x) > 0 || x->frame != NULL))
            return ob20_bad(c, "connection closed inside a frame");
        return r;
    }
    obp_xzip_trim(c);
    if (turn == OB20_TURNS)
        x->more = 1;    /* turns ran out: come back, bytes or not */
    if (got == 0) {
        errno = EAGAIN;
        return -1;
    }
    return (ssize_t)got;
}

/*
 * Toward a server: a MySQL packet of sequence 0 at a packet boundary
 * starts a request (a new request id, frames from 0 again), and a frame
 * never carries the start of the next request.  Of the <k> bytes at
 * <p>: how many go in this frame.
 */
static size_t
ob20_ask_cut(struct obp_xport *x, const uint8_t *p, size_t k)
{
    uint8_t h[OBP_PKT_HDR_LEN];
    size_t  pos, need;

    if (x->inner_left == 0 && x->hdr_have == 0) {
        if (k < OBP_PKT_HDR_LEN)
            return k;
        if (p[3] == 0) {
            x->req_start = 1;
            x->order.req_id = (x->order.req_id + 1) & 0xffffffu;
            x->order.seq = 0;
            x->order.started = true;
        }
        pos = OBP_PKT_HDR_LEN + obp_pkt_payload_len(p);
    } else if (x->hdr_have > 0) {
        need = OBP_PKT_HDR_LEN - x->hdr_have;
        if (k < need)
            return k;
        memcpy(h, x->hdr, x->hdr_have);
        memcpy(h + x->hdr_have, p, need);
        pos = need + obp_pkt_payload_len(h);
    } else {
        pos = x->inner_left;
    }
    /* each turn passes a packet that starts within the chunk */
    while (pos + OBP_PKT_HDR_LEN <= k) {
        if (p[pos + 3] == 0)
            return pos;
        pos += OBP_PKT_HDR_LEN + obp_pkt_payload_len(p + pos);
    }
    return k;
}

ssize_t
obp_xob20_pack(struct obp_conn *c, const uint8_t *p, size_t len, bool last)
{
    struct obp_xport   *x = c->x;
    struct obp_iobuf   *b = x->wire;
    struct obp_ob20_hdr h;
    size_t              k = len < OB20_CHUNK ? len : OB20_CHUNK, elen = 0;
    uint8_t             extra[OBP_SESSINFO_MAX + 64];

    if (b == NULL && (b = x->wire = obp_iobuf_get(&c->w->pool)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    x->req_start = 0;
    if (x->ob20_ask)
        k = ob20_ask_cut(x, p, k);
    /* a request's first frame brings the server the session's news */
    if (x->req_start && x->peer != NULL)
        elen = obp_sessinfo_put(x->peer, x->new_extra, extra,
                                sizeof(extra));
    if (elen > 0 && k > OB20_CHUNK - OBP_OB20_EXTRA_LEN - elen)
        k = OB20_CHUNK - OBP_OB20_EXTRA_LEN - elen;
    obp_xzip_track(x, p, k);
    memset(&h, 0, sizeof(h));
    obp_ob20_order_out(&x->order, &h);
    if (!x->ob20_ask && last && k == len && !c->resp_open
        && x->inner_left == 0 && x->hdr_have == 0)
        h.flags = OBP_OB20_IS_LAST_PACKET;
    if (x->ob20_ask)
        h.flags |= x->ask_flags;
    if (x->new_extra)
        h.flags |= OBP_OB20_IS_NEW_EXTRA_INFO;
    b->done = 0;
    b->parse = 0;
    if (x->ob20_zlevel != 0)
        b->recv = obp_ob20_zframe_build(b->data, OBP_IOBUF_SIZE, &h,
                                        elen > 0 ? extra : NULL, elen, p, k,
                                        x->ob20_zlevel);
    else
        b->recv = obp_ob20_frame_build(b->data, OBP_IOBUF_SIZE, &h,
                                       elen > 0 ? extra : NULL, elen, p, k);
    if (b->recv == 0) {
        errno = EMSGSIZE;       /* cannot happen: the chunk fits */
        return -1;
    }
    return (ssize_t)k;
}

void
obp_xob20_free(struct obp_conn *c)
{
    free(c->x->frame);
    c->x->frame = NULL;
    free(c->x->zbuf);
    c->x->zbuf = NULL;
}
