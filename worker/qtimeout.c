/*
 * The bound on a server's answer (qtimeout.h): one timer per session,
 * started when a relayed command begins to wait for its response and
 * moved on by each byte the server sends.
 */
#include "worker.h"

#include <stdio.h>

/* The whole command went out; its response is the server's to give. */
static bool
awaiting_server(const struct obp_session *s)
{
    return s->state == OBP_SESS_READY && s->srv != NULL
           && s->srv->state == OBP_SRV_READY && s->sync == NULL
           && s->req.busy && s->resp.phase != OBP_R_NONE
           && obp_req_packets_over(s);
}

ev_tstamp
obp_qtimeout_limit(const struct obp_session *s)
{
    const struct obp_conf *conf = s->w->conf;
    ev_tstamp              base;
    double                 v;

    if (s->req.time_limit_us >= 0)
        base = (ev_tstamp)s->req.time_limit_us / 1e6;  /* the statement's */
    else if (obp_sstate_sysvar_num(&s->st, "max_statement_time", &v)
             && v > 0)
        base = v;                               /* MariaDB: seconds */
    else if (obp_sstate_sysvar_num(&s->st, "max_execution_time", &v)
             && v > 0)
        base = v / 1e3;                         /* MySQL: ms */
    else
        base = (ev_tstamp)conf->server_query_timeout / 1e6;
    if (base <= 0)
        return 0;
    return base + (ev_tstamp)conf->observer_query_timeout_delta / 1e6;
}

static void
start(struct obp_session *s, ev_tstamp after)
{
    ev_timer_stop(s->w->loop, &s->qtimer);
    ev_timer_set(&s->qtimer, after > 0 ? after : 0., 0.);
    ev_timer_start(s->w->loop, &s->qtimer);
}

/* The server stayed silent past <limit>: the client gets 4012. */
static void
expired(struct obp_session *s, ev_tstamp limit)
{
    char msg[OBP_ADDR_STRLEN + 200];

    snprintf(msg, sizeof(msg), "Timeout: server %s did not answer within "
             "%.3g s (the query timeout and observer_query_timeout_delta); "
             "the statement's outcome is unknown", s->srv->addr.text, limit);
    obp_log(OBP_LOG_WARN, s->id, 0, "client %s: %s: server session "
            "(connection %u) closed", s->caddr.text, msg,
            s->srv->thread_id);
    obp_stat_add(s->w->stats, OBP_STAT_query_timeout, 1);
    obp_session_server_failed(s, OBP_ER_QUERY_TIMEOUT, "HY000", msg);
}

static void
qtimer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_session *s = t->data;
    ev_tstamp           now = ev_now(loop);
    ev_tstamp           limit;

    if (!awaiting_server(s)) {
        obp_session_pump(s);    /* a read put back (retry.h) */
        return;
    }
    if ((limit = obp_qtimeout_limit(s)) <= 0)
        return;
    if (obp_conn_pending(&s->cl) > 0)
        s->srv_heard = now;     /* the client is slow to read, not it */
    if (now - s->srv_heard < limit) {
        start(s, s->srv_heard + limit - now);
        return;
    }
    expired(s, limit);
}

void
obp_qtimeout_init(struct obp_session *s)
{
    ev_timer_init(&s->qtimer, qtimer_cb, 0., 0.);
    s->qtimer.data = s;
}

void
obp_qtimeout_heard(struct obp_session *s)
{
    s->srv_heard = ev_now(s->w->loop);
}

void
obp_qtimeout_watch(struct obp_session *s)
{
    ev_tstamp limit;

    if (s->retry.kick) {
        /* the bytes are there, but no event will say so: another turn */
        s->retry.kick = 0;
        start(s, 0.);
        return;
    }
    if (!awaiting_server(s)) {
        obp_qtimeout_stop(s);
        return;
    }
    if (s->qwaiting)
        return;                 /* the hot path: once per command */
    s->qwaiting = 1;
    s->srv_heard = ev_now(s->w->loop);
    limit = obp_qtimeout_limit(s);
    if (limit > 0)
        start(s, limit);
}

void
obp_qtimeout_stop(struct obp_session *s)
{
    s->qwaiting = 0;
    if (ev_is_active(&s->qtimer))
        ev_timer_stop(s->w->loop, &s->qtimer);
}
