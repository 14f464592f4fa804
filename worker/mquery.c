/*
 * The proxy's own text queries (mquery.h): the query is written as a
 * COM_QUERY packet and the answer is read whole packet by packet (these
 * results are a few small rows).  acct.c is the caller.
 */
#include "worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MQ_FIRST, MQ_COLDEFS, MQ_COLEOF, MQ_ROWS };

static void mq_read(struct obp_conn *c);
static void mq_error(struct obp_conn *c, int err);

static const struct obp_conn_ops mq_ops = { mq_read, mq_error, NULL };

static int
mq_fail(struct obp_mquery *q, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q->err, sizeof(q->err), fmt, ap);
    va_end(ap);
    obp_mquery_stop(q);
    q->done(q, OBP_ERROR);
    return OBP_DONE;
}

static int
mq_server_err(struct obp_mquery *q, const uint8_t *p, size_t len)
{
    struct obp_err e;

    if (obp_err_parse(&e, p, len) != OBP_OK)
        return mq_fail(q, "malformed error packet");
    q->server_err = 1;
    q->err_code = e.code;
    obp_strlcpy(q->err_state, e.sqlstate, sizeof(q->err_state));
    return mq_fail(q, "%u (%s): %.*s", e.code, e.sqlstate, (int)e.msg_len,
                   e.msg);
}

static int
mq_row(struct obp_mquery *q, const uint8_t *p, size_t len)
{
    const uint8_t *val[OBP_MQUERY_MAX_COLS];
    size_t         vlen[OBP_MQUERY_MAX_COLS];

    if (obp_text_row_parse(p, len, (unsigned)q->ncols, val, vlen) != OBP_OK)
        return mq_fail(q, "malformed row");
    if (q->row(q, val, vlen, (unsigned)q->ncols) != OBP_OK)
        return mq_fail(q, "row refused");
    return OBP_OK;
}

static int
mq_first(struct obp_mquery *q, const uint8_t *p, size_t len)
{
    struct obp_rd rd;

    if (p[0] == OBP_PKT_ERR)
        return mq_server_err(q, p, len);
    if (p[0] == OBP_PKT_OK) {
        obp_mquery_stop(q);
        q->done(q, OBP_OK);
        return OBP_DONE;
    }
    obp_rd_init(&rd, p, len);
    q->ncols = obp_rd_lenenc(&rd, NULL);
    if (rd.err || q->ncols == 0 || q->ncols > OBP_MQUERY_MAX_COLS)
        return mq_fail(q, "unexpected column count");
    q->left = q->ncols;
    q->phase = MQ_COLDEFS;
    return OBP_OK;
}

/* One whole packet of the answer; OBP_DONE once done was called. */
static int
mq_packet(struct obp_mquery *q, const uint8_t *p, size_t len)
{
    if (len == 0)
        return mq_fail(q, "empty packet");
    switch (q->phase) {
    case MQ_FIRST:
        return mq_first(q, p, len);
    case MQ_COLDEFS:
        if (--q->left == 0)
            q->phase = MQ_COLEOF;
        return OBP_OK;
    case MQ_COLEOF:
        if (!obp_is_eof(p, len))
            return mq_fail(q, "no EOF after the column definitions");
        q->phase = MQ_ROWS;
        return OBP_OK;
    default:
        if (p[0] == OBP_PKT_ERR)
            return mq_server_err(q, p, len);
        if (obp_is_eof(p, len)) {
            obp_mquery_stop(q);
            q->done(q, OBP_OK);
            return OBP_DONE;
        }
        return mq_row(q, p, len);
    }
}

static void
mq_read(struct obp_conn *c)
{
    struct obp_mquery *q = c->owner;
    const uint8_t     *h;
    uint32_t           len;
    int                rc;

    while ((rc = obp_iobuf_packet(c->in, &h, &len)) == OBP_OK) {
        obp_conn_skip(c, OBP_PKT_HDR_LEN + len);
        if (mq_packet(q, h + OBP_PKT_HDR_LEN, len) == OBP_DONE)
            return;
    }
    if (rc == OBP_ERROR) {
        mq_fail(q, "oversized packet in the answer");
        return;
    }
    obp_conn_trim(c);
    obp_conn_update(c);
}

static void
mq_error(struct obp_conn *c, int err)
{
    struct obp_mquery *q = c->owner;

    mq_fail(q, "%s", err == 0 ? "the server closed the connection"
                              : strerror(err));
}

static void
mq_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_mquery *q = t->data;

    mq_fail(q, "no answer within %.3f s", t->repeat);
}

int
obp_mquery_start(struct obp_mquery *q, struct obp_srv *srv, const char *sql,
                 double timeout, obp_mquery_row_cb row,
                 obp_mquery_done_cb done, void *owner)
{
    struct obp_wr wr;
    size_t        off;

    memset(q, 0, sizeof(*q));
    q->srv = srv;
    q->owner = owner;
    q->row = row;
    q->done = done;
    q->phase = MQ_FIRST;
    obp_srv_adopt(srv, &mq_ops, q);
    if (obp_conn_writer(&srv->c, &wr) != OBP_OK)
        return OBP_ERROR;
    off = obp_wr_pkt_begin(&wr);
    obp_wr_u8(&wr, OBP_COM_QUERY);
    obp_wr_bytes(&wr, sql, strlen(sql));
    obp_wr_pkt_end(&wr, off, 0);
    if (obp_conn_commit(&srv->c, &wr) != OBP_OK)
        return OBP_ERROR;
    /* the repeat value doubles as the limit shown in the message */
    ev_timer_init(&q->timer, mq_timeout_cb, timeout, timeout);
    q->timer.data = q;
    ev_timer_start(srv->w->loop, &q->timer);
    /* a full socket buffer is finished by the write watcher */
    if (obp_conn_flush(&srv->c) == OBP_ERROR) {
        obp_mquery_stop(q);
        return OBP_ERROR;
    }
    obp_conn_update(&srv->c);
    return OBP_OK;
}

void
obp_mquery_stop(struct obp_mquery *q)
{
    if (q->srv != NULL)
        ev_timer_stop(q->srv->w->loop, &q->timer);
}
