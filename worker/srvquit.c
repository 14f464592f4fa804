/*
 * The end of a server connection (obp_srv_free in srvlogin.h).  A
 * logged-in one says COM_QUIT after whatever is still queued, then waits
 * for the server to close its end while discarding what it sends (the
 * rest of a response, the answer to a reset): closing earlier would leave
 * the server a reset connection, counted in Aborted_clients.  The worker
 * keeps these on a list; loop.c lets them end before it exits.
 */
#include "worker.h"

#include <string.h>
#include <sys/socket.h>

static const uint8_t quit_pkt[] = { 1, 0, 0, 0, OBP_COM_QUIT };

static void quit_read(struct obp_conn *c);
static void quit_error(struct obp_conn *c, int err);

static const struct obp_conn_ops quit_ops = {
    quit_read, quit_error, NULL
};

static void
unlink_srv(struct obp_worker *w, struct obp_srv *srv)
{
    if (srv->pprev != NULL)
        srv->pprev->pnext = srv->pnext;
    else
        w->quitting = srv->pnext;
    if (srv->pnext != NULL)
        srv->pnext->pprev = srv->pprev;
    srv->pprev = srv->pnext = NULL;
}

static void
end(struct obp_srv *srv)
{
    struct obp_worker *w = srv->w;

    unlink_srv(w, srv);
    obp_srv_abort(srv);
    obp_worker_srv_gone(w);
}

/* Everything the server says now is dropped. */
static void
discard(struct obp_conn *c)
{
    if (c->in != NULL)
        c->in->done = c->in->parse = c->in->recv;
    obp_conn_trim(c);
    obp_conn_update(c);
}

static void
quit_read(struct obp_conn *c)
{
    discard(c);
}

static void
quit_error(struct obp_conn *c, int err)
{
    struct obp_srv *srv = c->owner;

    if (err != 0)
        obp_log(OBP_LOG_DEBUG, srv->sid, err, "server %s after COM_QUIT",
                srv->addr.text);
    end(srv);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_srv *srv = t->data;

    obp_log(OBP_LOG_INFO, srv->sid, 0, "server %s did not close the "
            "connection within %.1f s of COM_QUIT", srv->addr.text,
            OBP_SRV_QUIT_WAIT);
    end(srv);
}

/*
 * Takes over the bytes still relayed from the feed (whole packets: the
 * feed goes away) and queues COM_QUIT after them.  The feed counts them
 * as sent: a client that stays must not relay them again to its next
 * server session.
 */
static int
queue_quit(struct obp_srv *srv)
{
    struct obp_conn  *c = &srv->c;
    struct obp_iobuf *b = c->feed != NULL ? c->feed->in : NULL;
    size_t            n = b != NULL ? b->parse - b->done : 0;
    struct obp_wr     wr;

    /* the proxy's own packets never share a connection with a feed */
    if (n > 0 && c->out != NULL && c->out->recv > c->out->done)
        return OBP_ERROR;
    if (obp_conn_writer(c, &wr) != OBP_OK)
        return OBP_ERROR;
    if (n > 0)
        obp_wr_bytes(&wr, b->data + b->done, n);
    obp_wr_bytes(&wr, quit_pkt, sizeof(quit_pkt));
    if (obp_conn_commit(c, &wr) != OBP_OK)
        return OBP_ERROR;
    if (n > 0)
        b->done = b->parse;
    c->feed = NULL;
    return OBP_OK;
}

/* The worker's loop is over: COM_QUIT only when it goes out whole now. */
static void
quit_now(struct obp_srv *srv)
{
    /* a TLS or compressed connection cannot take the bare packet */
    if (srv->c.fd == -1 || obp_conn_pending(&srv->c) > 0 || srv->c.x != NULL)
        return;
    if (send(srv->c.fd, quit_pkt, sizeof(quit_pkt),
             MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
        obp_log(OBP_LOG_DEBUG, srv->sid, errno, "COM_QUIT to server %s",
                srv->addr.text);
}

void
obp_srv_free(struct obp_srv *srv)
{
    struct obp_worker *w;

    if (srv == NULL)
        return;
    w = srv->w;
    if (srv->state != OBP_SRV_READY || srv->c.w == NULL
        || srv->c.fd == -1 || w->exiting) {
        if (srv->state == OBP_SRV_READY && srv->c.w != NULL)
            quit_now(srv);
        obp_srv_abort(srv);
        return;
    }
    if (queue_quit(srv) != OBP_OK || obp_conn_flush(&srv->c) == OBP_ERROR) {
        obp_log(OBP_LOG_DEBUG, srv->sid, errno, "COM_QUIT not sent to "
                "server %s", srv->addr.text);
        obp_srv_abort(srv);
        return;
    }
    obp_srv_adopt(srv, &quit_ops, srv);
    srv->c.hold = 0;
    srv->pprev = NULL;
    srv->pnext = w->quitting;
    if (w->quitting != NULL)
        w->quitting->pprev = srv;
    w->quitting = srv;
    ev_timer_stop(w->loop, &srv->timer);
    ev_set_cb(&srv->timer, timer_cb);
    ev_timer_set(&srv->timer, OBP_SRV_QUIT_WAIT, 0.);
    ev_timer_start(w->loop, &srv->timer);
    discard(&srv->c);
}

void
obp_srv_quit_all(struct obp_worker *w)
{
    while (w->quitting != NULL)
        end(w->quitting);
}
