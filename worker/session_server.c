/*
 * A client session's server session (session.h): opened for it, reopened
 * and brought to its state after a loss, the end of the proxy's commands
 * on it, and its loss: the client told, the command retried, or the
 * session closed when a new server session cannot stand in.
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>

#define ER_LOST_CONNECTION 1158     /* 08S01: clients turn 2013 into junk */
#define ER_BAD_DB          1049

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
        obp_srv_adopt(s->srv, &obp_session_server_ops, s);
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

int
obp_session_server_broke(struct obp_session *s, const char *why)
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
    if (obp_session_server_broke(s, "closed by the admin") == OBP_DONE)
        return OBP_DONE;
    obp_session_pump(s);
    return OBP_OK;
}

void
obp_session_server_lost(struct obp_session *s, const char *why)
{
    if (obp_session_server_broke(s, why) != OBP_DONE)
        obp_session_pump(s);
}
