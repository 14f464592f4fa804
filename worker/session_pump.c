/*
 * A client session's pump (session.h): the conn ops of both legs, the
 * two framers run and both directions flushed, the legs joined once a
 * server session is ready, and the close of a draining worker's sessions
 * at their transaction boundaries.
 */
#include "worker.h"

#include <string.h>

static void client_read(struct obp_conn *c);
static void client_error(struct obp_conn *c, int err);
static void client_drained(struct obp_conn *c);
static void server_read(struct obp_conn *c);
static void server_error(struct obp_conn *c, int err);
static void server_drained(struct obp_conn *c);

const struct obp_conn_ops obp_session_client_ops = {
    client_read, client_error, client_drained
};
const struct obp_conn_ops obp_session_server_ops = {
    server_read, server_error, server_drained
};

/* Closing here loses nothing the client sent or the server changed. */
static bool
at_boundary(const struct obp_session *s)
{
    const struct obp_iobuf *in = s->cl.in;

    return s->state == OBP_SESS_READY && s->sync == NULL
           && s->kill == NULL && !s->req.busy && obp_req_packets_over(s)
           && !obp_ans_pending(&s->req.ans)
           && (s->srv == NULL || s->srv->state == OBP_SRV_READY)
           && (in == NULL || in->recv == in->done)
           && obp_conn_pending(&s->cl) == 0
           && (s->status & OBP_SERVER_STATUS_IN_TRANS) == 0;
}

unsigned
obp_session_close_idle(struct obp_worker *w, const char *why)
{
    struct obp_session *s = w->sessions;
    struct obp_session *next;
    ev_tstamp           now = ev_now(w->loop);
    unsigned            n = 0;

    for (; s != NULL; s = next) {
        next = s->next;
        if (!at_boundary(s) || obp_handoff_give(s) == OBP_OK)
            continue;
        if (now - s->active_at >= OBP_SESS_QUIET) {
            obp_session_close(s, why);
            n++;
        }
    }
    return n;
}

void
obp_session_attach(struct obp_session *s)
{
    obp_srv_adopt(s->srv, &obp_session_server_ops, s);
    s->cl.feed = &s->srv->c;
    s->srv->c.feed = &s->cl;
    s->status = s->srv->status;
    obp_reg_update(s);
}

void
obp_session_ready(struct obp_session *s)
{
    s->state = OBP_SESS_READY;
    s->active_at = ev_now(s->w->loop);
    obp_idle_arm(s);
    if (s->srv != NULL)
        obp_session_attach(s);
    else
        obp_reg_update(s);      /* the proxy's own account: no server */
    obp_session_pump(s);
}

/* Writes both ways; OBP_DONE when the session was closed. */
static int
flush_all(struct obp_session *s)
{
    struct obp_srv *srv = s->srv;

    if (srv != NULL && srv->state == OBP_SRV_READY
        && obp_conn_flush(&srv->c) == OBP_ERROR
        && obp_session_server_broke(s, strerror(errno)) == OBP_DONE)
        return OBP_DONE;
    if (obp_conn_flush(&s->cl) == OBP_ERROR) {
        client_error(&s->cl, errno);
        return OBP_DONE;
    }
    srv = s->srv;
    obp_conn_trim(&s->cl);
    obp_conn_update(&s->cl);
    if (srv != NULL && srv->state == OBP_SRV_READY) {
        obp_conn_trim(&srv->c);
        obp_conn_update(&srv->c);
    }
    return OBP_OK;
}

/*
 * A response ended: the state it changed is read back before the next
 * command (OBP_AGAIN then), unless the client is still sending this one.
 */
static int
response_ended(struct obp_session *s)
{
    if (!obp_req_packets_over(s)) {
        obp_sstate_pend_drop(&s->st);
        return OBP_OK;
    }
    return obp_ssync_after(s, !s->resp.failed);
}

/* Runs the framers; OBP_DONE when the session was closed. */
static int
run(struct obp_session *s)
{
    const char *why = NULL;
    bool        busy, in_trx;
    int         rc;

    /* another turn only when a response ended: bounded by the bytes */
    for (;;) {
        if (obp_req_run(s) == OBP_DONE)
            return OBP_DONE;
        if (s->srv == NULL || s->srv->state != OBP_SRV_READY
            || s->sync != NULL)
            return OBP_OK;
        busy = s->req.busy;
        in_trx = (s->status & OBP_SERVER_STATUS_IN_TRANS) != 0;
        if (obp_resp_run(s, &why) != OBP_OK) {
            if (obp_session_server_broke(s, why) == OBP_DONE)
                return OBP_DONE;
            continue;
        }
        if (!busy || s->req.busy)
            return OBP_OK;
        s->trx_ended = in_trx
                       && (s->status & OBP_SERVER_STATUS_IN_TRANS) == 0;
        rc = response_ended(s);
        if (rc == OBP_ERROR) {
            obp_log(OBP_LOG_ERROR, s->id, ENOMEM, "client %s",
                    s->caddr.text);
            obp_session_close(s, "out of memory");
            return OBP_DONE;
        }
        if (rc == OBP_AGAIN)
            return OBP_OK;
    }
}

void
obp_session_pump(struct obp_session *s)
{
    s->active_at = ev_now(s->w->loop);
    if (s->state == OBP_SESS_READY && s->idle_ver != s->st.version)
        obp_idle_arm(s);
    /*
     * Another turn when a command waited for an ERR of ours, or the
     * response for a row of ours (plist.h), and it went out: bounded,
     * each turn took a packet.
     */
    for (int turn = 0; turn < OBP_SESS_PUMP_TURNS; turn++) {
        s->req.wait_out = 0;
        if (run(s) == OBP_DONE || flush_all(s) == OBP_DONE)
            return;
        if (!(s->req.wait_out || s->resp.wait_out) || s->cl.out != NULL)
            break;
    }
    obp_idle_watch(s);
    obp_qtimeout_watch(s);
    if (s->w->draining && at_boundary(s)
        && obp_handoff_give(s) != OBP_OK && s->trx_ended)
        obp_session_close(s, "drained at the end of a transaction");
}

static void
client_read(struct obp_conn *c)
{
    struct obp_session *s = c->owner;

    switch (s->state) {
    case OBP_SESS_HANDSHAKE:
    case OBP_SESS_SWITCH:
        obp_clogin_read(s);
        break;
    case OBP_SESS_READY:
        obp_session_pump(s);
        break;
    default:
        break;      /* bytes wait until the login ends */
    }
}

static void
client_error(struct obp_conn *c, int err)
{
    struct obp_session *s = c->owner;
    int level = err == 0 || err == ECONNRESET || err == EPIPE
                ? OBP_LOG_DEBUG : OBP_LOG_WARN;

    if (s->req.busy && s->srv != NULL)
        level = level == OBP_LOG_DEBUG ? OBP_LOG_INFO : level;
    obp_log(level, s->id, err, "client %s %s%s", s->caddr.text,
            err == 0 ? "closed the connection" : "failed",
            s->req.busy ? " during a command" : "");
    if (s->sync != NULL && !s->gone) {
        /* the proxy's commands end first: the session may be parked */
        s->gone = 1;
        s->cl.hold = 1;
        obp_conn_update(&s->cl);
        return;
    }
    if (s->sync == NULL)        /* else its connection is the proxy's */
        (void)obp_pool_offer(s);
    obp_session_close(s, err == 0 ? "client closed" : "client error");
}

static void
client_drained(struct obp_conn *c)
{
    struct obp_session *s = c->owner;

    if (s->state == OBP_SESS_CLOSING)
        obp_session_close(s, "error sent");
    else if (s->state == OBP_SESS_READY)
        obp_session_pump(s);
}

static void
server_read(struct obp_conn *c)
{
    obp_qtimeout_heard(c->owner);
    obp_session_pump(c->owner);
}

static void
server_error(struct obp_conn *c, int err)
{
    obp_session_server_lost(c->owner, err == 0 ? "closed the connection"
                                               : strerror(err));
}

static void
server_drained(struct obp_conn *c)
{
    obp_qtimeout_heard(c->owner);
    obp_session_pump(c->owner);
}
