/*
 * Client sessions (session.h): creation for accept.c, the conn ops of
 * both legs, the pump that runs the framers and flushes, the server
 * session's loss and reopening, the last ERR, and teardown.  A session
 * lives on its worker's list until obp_session_close() frees it.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ER_LOST_CONNECTION 1158     /* 08S01: clients turn 2013 into junk */
#define ER_BAD_DB          1049

static void client_read(struct obp_conn *c);
static void client_error(struct obp_conn *c, int err);
static void client_drained(struct obp_conn *c);
static void server_read(struct obp_conn *c);
static void server_error(struct obp_conn *c, int err);
static void server_drained(struct obp_conn *c);

static const struct obp_conn_ops client_ops = {
    client_read, client_error, client_drained
};
static const struct obp_conn_ops server_ops = {
    server_read, server_error, server_drained
};

void
obp_session_drop_server(struct obp_session *s)
{
    bool had = s->srv != NULL;

    obp_ssync_cancel(s);        /* its commands ran on this connection */
    s->cl.feed = NULL;
    /* COM_QUIT cannot follow half a relayed packet */
    if (had && !obp_req_packets_over(s))
        obp_srv_abort(s->srv);
    else
        obp_srv_free(s->srv);
    s->srv = NULL;
    if (had && s->reg != 0)
        obp_reg_update(s);      /* no server connection id any more */
}

void
obp_session_close(struct obp_session *s, const char *why)
{
    struct obp_worker *w = s->w;

    /* one last try for what is already decided, without waiting */
    if (s->cl.fd != -1 && obp_conn_pending(&s->cl) > 0)
        (void)obp_conn_flush(&s->cl);
    obp_acct_cancel(&s->wait);
    obp_kill_cancel(s);
    obp_adm_cancel(s);
    obp_reg_clear(s);
    ev_timer_stop(w->loop, &s->timer);
    obp_reqlog_closed(s, why);
    obp_qtimeout_stop(s);
    obp_mwait_stop(s);
    obp_log(OBP_LOG_DEBUG, s->id, 0, "session closed (%s): client %s, "
            "%llu bytes from client", why, s->caddr.text,
            (unsigned long long)s->cl.bytes);
    obp_session_drop_server(s);
    obp_sroute_reset(s, true);
    obp_conn_close(&s->cl);
    obp_req_free(&s->req);
    obp_retry_free(&s->retry);
    obp_sstate_free(&s->st);
    obp_tenantstat_out(s);
    obp_stat_add(w->stats, OBP_STAT_client_active, -1);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        w->sessions = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    w->nsessions--;
    if (s->handed_in)
        w->handed_in--;
    free(s->attrs);
    explicit_bzero(s, sizeof(*s));
    free(s);
    obp_worker_session_gone(w);
}

unsigned
obp_session_close_all(struct obp_worker *w, const char *why)
{
    unsigned n = 0;

    while (w->sessions != NULL) {
        obp_session_close(w->sessions, why);
        n++;
    }
    return n;
}

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

/* An ERR of the session's own (a login's, the last word): not a command's. */
static int
send_err(struct obp_session *s, uint8_t seq, uint16_t code,
         const char *sqlstate, const char *msg)
{
    struct obp_wr wr;

    if (obp_conn_writer(&s->cl, &wr) != OBP_OK)
        return OBP_ERROR;
    wr.len = obp_pkt_err(wr.buf, wr.cap, seq, code, sqlstate, msg);
    wr.err = wr.len == 0;
    return obp_conn_commit(&s->cl, &wr);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_session *s = t->data;

    if (s->state == OBP_SESS_READY) {
        obp_idle_expired(s);
        return;
    }
    if (s->state == OBP_SESS_CLOSING) {
        obp_log(OBP_LOG_INFO, s->id, 0, "client %s did not read its error "
                "packet in time", s->caddr.text);
        obp_session_close(s, "error not read");
        return;
    }
    obp_log(OBP_LOG_INFO, s->id, 0, "client %s did not log in within "
            "client_login_timeout", s->caddr.text);
    obp_session_close(s, "login timed out");
}

void
obp_session_end(struct obp_session *s)
{
    obp_session_drop_server(s);
    obp_acct_cancel(&s->wait);
    s->state = OBP_SESS_CLOSING;
    s->cl.hold = 1;
    if (obp_conn_flush(&s->cl) != OBP_AGAIN) {
        obp_session_close(s, "error sent");
        return;
    }
    ev_timer_stop(s->w->loop, &s->timer);
    ev_timer_set(&s->timer, OBP_SESS_ERR_WAIT, 0.);
    ev_timer_start(s->w->loop, &s->timer);
}

void
obp_session_fail(struct obp_session *s, uint8_t seq, uint16_t code,
                 const char *sqlstate, const char *msg)
{
    obp_reqlog_failed(s, code, msg);
    /* queued before the server goes: <msg> may live in it */
    if (send_err(s, seq, code, sqlstate, msg) != OBP_OK) {
        obp_session_close(s, "error packet does not fit");
        return;
    }
    obp_session_end(s);
}

void
obp_session_attach(struct obp_session *s)
{
    obp_srv_adopt(s->srv, &server_ops, s);
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

/*
 * A reopened server session: brought to the session's state first, then
 * the waiting command goes on; or the command fails.
 */
static void
reopened(struct obp_session *s, int rc)
{
    struct obp_srv *srv = s->srv;

    if (rc == OBP_OK) {
        obp_log(OBP_LOG_DEBUG, s->id, 0, "server session opened on %s",
                srv->addr.text);
        rc = obp_ssync_ready(s, true, false);
        if (rc == OBP_AGAIN) {
            s->restoring = 1;
            return;             /* obp_session_synced() goes on */
        }
        if (rc != OBP_OK) {
            obp_session_close(s, "session state not restored");
            return;
        }
        obp_session_attach(s);
    } else {
        obp_log(OBP_LOG_WARN, s->id, 0, "reopening the server session "
                "failed: %u %s", srv->err_code, srv->err_msg);
        /* a schema dropped meanwhile must not fail every command */
        if (srv->from_server && srv->err_code == ER_BAD_DB)
            s->db[0] = '\0';
        if (obp_req_refuse(s, 1, srv->err_code, srv->err_state,
                           srv->err_msg) != OBP_OK) {
            obp_session_close(s, "out of memory");
            return;
        }
        obp_session_drop_server(s);
    }
    obp_session_pump(s);
}

static void
srv_done(struct obp_srv *srv, int rc)
{
    struct obp_session *s = srv->owner;

    if (s->state == OBP_SESS_SRVLOGIN)
        obp_clogin_server_done(s, rc);
    else
        reopened(s, rc);
}

int
obp_session_open_server(struct obp_session *s)
{
    struct obp_srv_login lg;

    memset(&lg, 0, sizeof(lg));
    obp_strlcpy(lg.user, s->name.user, sizeof(lg.user));
    obp_strlcpy(lg.db, s->db, sizeof(lg.db));
    obp_oblogin_fill(&lg, s);
    memcpy(lg.stage1, s->stage1, sizeof(lg.stage1));
    memcpy(lg.account, s->account, sizeof(lg.account));
    lg.has_pw = s->has_pw;
    lg.caps = s->caps;
    lg.ext_caps = s->ext_caps;
    lg.max_packet = s->max_packet;
    lg.charset = s->charset;
    lg.attrs = s->attrs;
    lg.attrs_len = s->attrs_len;
    s->srv = obp_srv_open(s->w, s->id, &lg, srv_done, s);
    explicit_bzero(&lg, sizeof(lg));
    if (s->srv == NULL)
        return OBP_ERROR;
    s->srv->for_client = 1;
    return OBP_OK;
}

void
obp_session_synced(struct obp_session *s, int rc, bool restore,
                   const char *why)
{
    if (s->gone) {
        if (rc == OBP_OK)
            (void)obp_pool_offer(s);
        obp_session_close(s, "client closed");
        return;
    }
    if (rc == OBP_AGAIN) {
        obp_srvcheck_failed(s, why);
        return;
    }
    if (rc == OBP_OK && restore) {
        obp_log(s->restoring ? OBP_LOG_INFO : OBP_LOG_DEBUG, s->id, 0,
                "session state %s %s", s->restoring ? "restored on"
                : "brought to", s->srv->addr.text);
        s->restoring = 0;
        obp_session_attach(s);
    } else if (rc == OBP_OK) {
        obp_srv_adopt(s->srv, &server_ops, s);
    } else if (restore) {
        s->restoring = 0;
        obp_log(OBP_LOG_WARN, s->id, 0, "session state not restored on "
                "%s: %s", s->srv->addr.text, why);
        obp_session_close(s, "session state not restored");
        return;
    } else {
        obp_session_server_lost(s, why);
        return;
    }
    obp_session_pump(s);
}

/* The server's decided bytes go to the client ahead of any ERR. */
static int
keep_relayed(struct obp_session *s)
{
    struct obp_iobuf *b = s->srv->c.in;

    if (b == NULL || b->parse == b->done)
        return OBP_OK;
    if (s->cl.out != NULL && s->cl.out->recv > s->cl.out->done)
        return OBP_ERROR;       /* two queues: their order is lost */
    obp_iobuf_put(&s->w->pool, s->cl.out);
    b->recv = b->parse;         /* half a packet is worth nothing */
    s->cl.out = b;
    s->srv->c.in = NULL;
    return OBP_OK;
}

/*
 * Not when a transaction was open or autocommit was off: a later COMMIT
 * on the new session would silently commit nothing, so the client is
 * closed as a lost server would close it.  Nor when the session's state
 * could not be kept (sstate.h): the new session would silently differ.
 */
bool
obp_session_replaceable(const struct obp_session *s)
{
    return (s->status & OBP_SERVER_STATUS_IN_TRANS) == 0
           && (s->status & OBP_SERVER_STATUS_AUTOCOMMIT) != 0
           && obp_sstate_restorable(&s->st);
}

/*
 * The server session goes; the client gets ERR <code> <sqlstate> <msg>
 * if a command was under way.  OBP_DONE when the session had to be
 * closed too.
 */
static int
server_gone(struct obp_session *s, uint16_t code, const char *sqlstate,
            const char *msg)
{
    bool    in_cmd = s->req.busy || !obp_req_packets_over(s);
    bool    untouched = obp_retry_untouched(s);
    uint8_t seq;
    int     rc;

    /* inside a packet the client cannot be told anything any more */
    if ((in_cmd && (s->resp.remain > 0 || s->resp.cont))
        || keep_relayed(s) != OBP_OK) {
        obp_session_close(s, "server lost inside a packet");
        return OBP_DONE;
    }
    if (!obp_session_replaceable(s)) {
        if (in_cmd && obp_req_packets_over(s)) {
            obp_session_fail(s, (uint8_t)(s->resp.seq + 1), code, sqlstate,
                             msg);
            return OBP_DONE;
        }
        obp_session_close(s, obp_sstate_restorable(&s->st)
                             ? "server lost inside a transaction"
                             : "server lost, session state not kept");
        return OBP_DONE;
    }
    obp_sstate_pend_drop(&s->st);   /* the command's outcome is unknown */
    obp_session_drop_server(s);
    if (s->cl.in != NULL)
        s->cl.in->done = s->cl.in->parse;   /* meant for the lost server */
    seq = s->resp.seq;
    memset(&s->resp, 0, sizeof(s->resp));
    s->resp.seq = seq;
    if (!in_cmd)
        return OBP_OK;
    if (obp_retry_again(s, untouched)) {
        obp_log(OBP_LOG_INFO, s->id, 0, "%s: the read goes again on a new "
                "server session (retry %u)", msg, s->retry.tries);
        s->req.busy = 0;
        return OBP_OK;
    }
    /*
     * The client is still sending: drop the rest, and answer once it has
     * sent it all unless the server already did (an early ERR).
     */
    if (!obp_req_packets_over(s) && !s->req.busy) {
        s->req.drop = 1;
        rc = OBP_OK;
    } else if (!obp_req_packets_over(s)) {
        rc = obp_req_refuse(s, 0, code, sqlstate, msg);
    } else {
        rc = obp_ans_err(obp_req_answer(s), code, sqlstate, "%s", msg);
        if (rc == OBP_OK)
            rc = obp_req_answer_now(s);
    }
    s->req.busy = 0;
    if (rc != OBP_OK) {
        obp_session_close(s, "error packet does not fit");
        return OBP_DONE;
    }
    return OBP_OK;
}

/* OBP_DONE when the session had to be closed too. */
static int
server_lost(struct obp_session *s, const char *why)
{
    bool in_cmd = s->req.busy || !obp_req_packets_over(s);
    char msg[OBP_ADDR_STRLEN + 160];

    snprintf(msg, sizeof(msg), "Lost connection to MySQL server during "
             "query (server %s: %s)", s->srv->addr.text, why);
    obp_log(in_cmd ? OBP_LOG_WARN : OBP_LOG_INFO, s->id, 0, "%s%s", msg,
            in_cmd ? "" : " (idle)");
    obp_stat_add(s->w->stats, OBP_STAT_server_lost, 1);
    obp_reqlog_server_lost(s, why);
    return server_gone(s, ER_LOST_CONNECTION, "08S01", msg);
}

void
obp_session_server_failed(struct obp_session *s, uint16_t code,
                          const char *sqlstate, const char *msg)
{
    obp_reqlog_server_lost(s, msg);
    if (server_gone(s, code, sqlstate, msg) != OBP_DONE)
        obp_session_pump(s);
}

int
obp_session_close_server(struct obp_session *s, uint32_t thread)
{
    if (obp_sroute_close_idle(s, thread))
        return OBP_OK;
    if (s->srv == NULL || s->srv->state != OBP_SRV_READY
        || s->srv->thread_id != thread || s->sync != NULL) {
        obp_log(OBP_LOG_INFO, s->id, 0, "KILL PROXYSESSION: no server "
                "session with connection id %u here", thread);
        return OBP_ERROR;
    }
    obp_log(OBP_LOG_INFO, s->id, 0, "server session on %s (connection %u) "
            "closed by the admin", s->srv->addr.text, thread);
    if (server_lost(s, "closed by the admin") == OBP_DONE)
        return OBP_DONE;
    obp_session_pump(s);
    return OBP_OK;
}

void
obp_session_server_lost(struct obp_session *s, const char *why)
{
    if (server_lost(s, why) != OBP_DONE)
        obp_session_pump(s);
}

/* Writes both ways; OBP_DONE when the session was closed. */
static int
flush_all(struct obp_session *s)
{
    struct obp_srv *srv = s->srv;

    if (srv != NULL && srv->state == OBP_SRV_READY
        && obp_conn_flush(&srv->c) == OBP_ERROR
        && server_lost(s, strerror(errno)) == OBP_DONE)
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
            if (server_lost(s, why) == OBP_DONE)
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

/* "ip:port" or "[ip]:port" -> "ip". */
static void
client_ip(char *out, size_t cap, const char *text)
{
    const char *end;

    if (text[0] == '[') {
        text++;
        end = strchr(text, ']');
    } else {
        end = strrchr(text, ':');
    }
    snprintf(out, cap, "%.*s", (int)(end != NULL ? end - text
                                                 : (ptrdiff_t)strlen(text)),
             text);
}

static bool
id_taken(const struct obp_worker *w, uint32_t id)
{
    for (const struct obp_session *s = w->sessions; s != NULL; s = s->next)
        if (s->id == id)
            return true;
    return false;
}

/*
 * A client session id: a session handed over by a hot upgrade keeps the
 * id a generation before gave it, which a new one must not take again
 * (bounded tries; only while such sessions live here).
 */
static uint32_t
new_id(struct obp_worker *w)
{
    uint32_t id = obp_sessid_next(&w->sessid);

    for (int i = 0; i < 8 && w->handed_in > 0 && id_taken(w, id); i++)
        id = obp_sessid_next(&w->sessid);
    return id;
}

/* A new session of client <fd>, on the worker's list; NULL: none. */
static struct obp_session *
session_new(struct obp_worker *w, int fd, const struct obp_addr *peer)
{
    struct obp_session *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "no session for client %s",
                peer->text);
        if (close(fd) == -1)
            obp_log(OBP_LOG_WARN, 0, errno, "close client %s", peer->text);
        return NULL;
    }
    s->w = w;
    s->id = new_id(w);
    s->caddr = *peer;
    client_ip(s->cip, sizeof(s->cip), peer->text);
    obp_conn_init(&s->cl, w, fd, s->id, OBP_STAT_bytes_from_client,
                  &client_ops, s);
    ev_timer_init(&s->timer, timer_cb,
                  (ev_tstamp)w->conf->client_login_timeout / 1e6, 0.);
    s->timer.data = s;
    obp_qtimeout_init(s);
    obp_mwait_init(s);
    obp_reroute_init(s);
    obp_sstate_init(&s->st, s->id);
    obp_proxyvar_init(&s->rt.pv);
    s->next = w->sessions;
    if (w->sessions != NULL)
        w->sessions->prev = s;
    w->sessions = s;
    w->nsessions++;
    obp_stat_add(w->stats, OBP_STAT_client_active, 1);
    return s;
}

int
obp_session_resume(struct obp_worker *w, int fd, const uint8_t *buf,
                   size_t len)
{
    struct sockaddr_storage ss;
    socklen_t               sl = sizeof(ss);
    struct obp_addr         peer;
    struct obp_session     *s;

    memset(&ss, 0, sizeof(ss));
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) == -1)
        ss.ss_family = AF_UNSPEC;
    obp_addr_from_sa(&peer, (struct sockaddr *)&ss, sl);
    if ((s = session_new(w, fd, &peer)) == NULL)
        return OBP_ERROR;
    if (obp_sexport_read(s, buf, len) != OBP_OK) {
        obp_log(OBP_LOG_WARN, s->id, 0, "client %s: the session handed over "
                "cannot be read: closed", peer.text);
        obp_session_close(s, "handed over, unreadable");
        return OBP_ERROR;
    }
    s->cl.sid = s->id;
    s->st.sid = s->id;
    s->handed_in = 1;
    w->handed_in++;
    s->state = OBP_SESS_READY;
    s->rt.cached = 0;
    s->active_at = ev_now(w->loop);
    obp_idle_arm(s);
    obp_reg_update(s);
    obp_tenantstat_in(s, false);
    obp_stat_add(w->stats, OBP_STAT_handoff_in, 1);
    obp_log(OBP_LOG_INFO, s->id, 0, "client %s ('%s', tenant '%s') taken "
            "from the generation before", peer.text, s->name.user,
            s->name.tenant);
    obp_session_pump(s);
    return OBP_OK;
}

int
obp_session_start(struct obp_worker *w, int fd, const struct obp_addr *peer)
{
    struct obp_session *s = session_new(w, fd, peer);

    if (s == NULL)
        return OBP_ERROR;
    if (obp_clogin_start(s) != OBP_OK
        || obp_conn_flush(&s->cl) == OBP_ERROR) {
        obp_log(OBP_LOG_INFO, s->id, errno, "handshake to client %s",
                peer->text);
        obp_session_close(s, "handshake not sent");
        return OBP_ERROR;
    }
    obp_conn_update(&s->cl);
    ev_timer_start(w->loop, &s->timer);
    return OBP_OK;
}
