/*
 * Sockets of sessions (conn.h): one read per readable event into a
 * buffer from the worker's pool, one writev per flush of the relayed
 * bytes and the proxy's own, back-pressure by watching for input only
 * while the input buffer has room.  session.c, srvlogin.c and mquery.c
 * own conns and drive them through their ops.
 */
#include "worker.h"

#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static bool
has_room(const struct obp_conn *c)
{
    return c->in == NULL || c->in->recv < OBP_IOBUF_SIZE || c->in->done > 0;
}

static size_t
relayed(const struct obp_conn *c)
{
    const struct obp_iobuf *b = c->feed != NULL ? c->feed->in : NULL;

    return b != NULL ? b->parse - b->done : 0;
}

/* Plain bytes the conn's buffers hold for the socket. */
static size_t
plain_pending(const struct obp_conn *c)
{
    return relayed(c) + (c->out != NULL ? c->out->recv - c->out->done : 0);
}

size_t
obp_conn_pending(const struct obp_conn *c)
{
    return plain_pending(c) + (c->x != NULL ? obp_xport_pending(c->x) : 0);
}

void
obp_conn_update(struct obp_conn *c)
{
    struct ev_loop   *loop = c->w->loop;
    struct obp_xport *x = c->x;
    bool              want = c->fd != -1 && !c->hold && has_room(c);
    bool              rd = want || (x != NULL && x->wr_wants_rd);
    bool              wr = c->fd != -1 && obp_conn_pending(c) > 0;

    if (x != NULL) {
        /* TLS waiting for the peer's handshake: the socket says when */
        wr = (wr && !x->wr_wants_rd) || x->rd_wants_wr;
        rd = rd && c->fd != -1;
        if (want && obp_xport_buffered(x))
            ev_feed_event(loop, &c->rd, EV_READ);
    }
    /* compare first: a watcher left as it is costs no epoll_ctl */
    if (rd && !ev_is_active(&c->rd))
        ev_io_start(loop, &c->rd);
    else if (!rd && ev_is_active(&c->rd))
        ev_io_stop(loop, &c->rd);
    if (wr && !ev_is_active(&c->wr))
        ev_io_start(loop, &c->wr);
    else if (!wr && ev_is_active(&c->wr))
        ev_io_stop(loop, &c->wr);
}

void
obp_conn_trim(struct obp_conn *c)
{
    if (c->in != NULL && c->in->done == c->in->recv) {
        obp_iobuf_put(&c->w->pool, c->in);
        c->in = NULL;
    }
    if (c->out != NULL && c->out->done == c->out->recv) {
        obp_iobuf_put(&c->w->pool, c->out);
        c->out = NULL;
    }
}

/* Moves the marks past <n> written bytes: relayed ones first. */
static void
advance(struct obp_conn *c, size_t n)
{
    struct obp_iobuf *b = c->feed != NULL ? c->feed->in : NULL;
    size_t            k = relayed(c);

    if (k > 0) {
        k = k < n ? k : n;
        b->done += k;
        n -= k;
    }
    if (n > 0)
        c->out->done += n;
}

int
obp_conn_flush(struct obp_conn *c)
{
    struct iovec iov[2];
    int          n = 0;
    ssize_t      w;

    if (relayed(c) > 0) {
        iov[n].iov_base = c->feed->in->data + c->feed->in->done;
        iov[n++].iov_len = relayed(c);
    }
    if (c->out != NULL && c->out->recv > c->out->done) {
        iov[n].iov_base = c->out->data + c->out->done;
        iov[n++].iov_len = c->out->recv - c->out->done;
    }
    if (c->fd == -1 || (n == 0 && obp_conn_pending(c) == 0))
        return OBP_OK;
    w = c->x != NULL ? obp_xport_write(c, iov, n) : writev(c->fd, iov, n);
    if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return OBP_ERROR;
    if (w > 0) {
        advance(c, (size_t)w);
        c->sent += (uint64_t)w;
    }
    obp_conn_trim(c);
    if (c->feed != NULL) {
        obp_conn_trim(c->feed);
        obp_conn_update(c->feed);   /* the relayed bytes made room */
    }
    obp_conn_update(c);
    return obp_conn_pending(c) > 0 ? OBP_AGAIN : OBP_OK;
}

int
obp_conn_writer(struct obp_conn *c, struct obp_wr *wr)
{
    if (c->out == NULL) {
        c->out = obp_iobuf_get(&c->w->pool);
        if (c->out == NULL)
            return OBP_ERROR;
    }
    if (c->out->recv == OBP_IOBUF_SIZE)
        obp_iobuf_compact(c->out);
    obp_wr_init(wr, c->out->data + c->out->recv,
                OBP_IOBUF_SIZE - c->out->recv);
    return OBP_OK;
}

int
obp_conn_commit(struct obp_conn *c, const struct obp_wr *wr)
{
    if (wr->err)
        return OBP_ERROR;
    c->out->recv += wr->len;
    c->out->parse = c->out->recv;
    return OBP_OK;
}

void
obp_conn_skip(struct obp_conn *c, size_t n)
{
    struct obp_iobuf *b = c->in;

    if (b->done == b->parse) {
        b->done += n;
        b->parse += n;
        return;
    }
    /* bytes before them still wait to be relayed: close the gap */
    memmove(b->data + b->parse, b->data + b->parse + n,
            b->recv - b->parse - n);
    b->recv -= n;
}

void
obp_conn_close(struct obp_conn *c)
{
    if (c->w == NULL)
        return;
    ev_io_stop(c->w->loop, &c->rd);
    ev_io_stop(c->w->loop, &c->wr);
    if (c->fd != -1 && close(c->fd) == -1)
        obp_log(OBP_LOG_WARN, 0, errno, "close fd %d", c->fd);
    c->fd = -1;
    obp_xport_free(c);
    obp_iobuf_put(&c->w->pool, c->in);
    obp_iobuf_put(&c->w->pool, c->out);
    c->in = NULL;
    c->out = NULL;
    c->feed = NULL;
}

static bool
would_block(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* A TLS write waited for this socket to be readable: it goes first. */
static int
resume_write(struct obp_conn *c)
{
    if (c->x == NULL || !c->x->wr_wants_rd)
        return OBP_OK;
    c->x->wr_wants_rd = 0;
    if (obp_conn_flush(c) != OBP_ERROR)
        return OBP_OK;
    c->ops->error(c, errno);
    return OBP_ERROR;
}

/* One read, as large as the buffer allows, then the owner parses. */
static void
read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_conn *c = io->data;
    ssize_t          n;

    if (resume_write(c) != OBP_OK)
        return;
    if (c->in == NULL && (c->in = obp_iobuf_get(&c->w->pool)) == NULL) {
        c->ops->error(c, ENOMEM);
        return;
    }
    if (!has_room(c)) {
        obp_conn_update(c);     /* full: wait for the peer to drain */
        return;
    }
    if (c->in->recv == OBP_IOBUF_SIZE)
        obp_iobuf_compact(c->in);
    n = c->x != NULL
        ? obp_xport_read(c, c->in->data + c->in->recv,
                         OBP_IOBUF_SIZE - c->in->recv)
        : read(c->fd, c->in->data + c->in->recv,
               OBP_IOBUF_SIZE - c->in->recv);
    if (n == -1 && would_block(errno)) {
        obp_conn_trim(c);
        if (c->x != NULL)
            obp_conn_update(c);     /* TLS may want the other event */
        return;
    }
    if (n <= 0) {
        c->ops->error(c, n == 0 ? 0 : errno);
        return;
    }
    c->in->recv += (size_t)n;
    c->bytes += (uint64_t)n;
    c->heard = ev_now(c->w->loop);
    obp_stat_add(c->w->stats, (enum obp_stat_id)c->stat, n);
    c->ops->read(c);
}

static void
write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_conn *c = io->data;
    int              rc;

    if (c->x != NULL && c->x->rd_wants_wr) {
        c->x->rd_wants_wr = 0;
        read_cb(loop, &c->rd, EV_READ);     /* the owner writes after */
        return;
    }
    rc = obp_conn_flush(c);

    if (rc == OBP_ERROR)
        c->ops->error(c, errno);
    else if (rc == OBP_OK && c->ops->drained != NULL)
        c->ops->drained(c);
}

void
obp_conn_init(struct obp_conn *c, struct obp_worker *w, int fd,
              uint64_t sid, int stat, const struct obp_conn_ops *ops,
              void *owner)
{
    memset(c, 0, sizeof(*c));
    c->w = w;
    c->fd = fd;
    c->sid = sid;
    c->stat = stat;
    c->ops = ops;
    c->owner = owner;
    c->opened_us = obp_now_us();
    ev_io_init(&c->rd, read_cb, fd, EV_READ);
    ev_io_init(&c->wr, write_cb, fd, EV_WRITE);
    c->rd.data = c;
    c->wr.data = c;
}
