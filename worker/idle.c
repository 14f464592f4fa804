/*
 * The client's time limits once logged in (idle.h).
 */
#include "worker.h"

#define ER_NET_READ_INTERRUPTED         1159
#define ER_CLIENT_INTERACTION_TIMEOUT   4031

/*
 * The client's own idle limit, as the server would apply it: the
 * wait_timeout it set, else the servers' interactive_timeout for an
 * interactive client and their wait_timeout for others; the proxy's
 * default_inactivity_timeout when that is smaller.
 */
ev_tstamp
obp_idle_wait_timeout(const struct obp_session *s)
{
    uint64_t v;

    if (obp_sstate_sysvar_uint(&s->st, "wait_timeout", &v))
        return (ev_tstamp)v;
    return (ev_tstamp)((s->caps & OBP_CLIENT_INTERACTIVE)
                       ? s->w->interactive_timeout : s->w->wait_timeout);
}

ev_tstamp
obp_idle_before_server(ev_tstamp wait_timeout)
{
    /* a second early, half of a limit shorter than two */
    return wait_timeout > 2 ? wait_timeout - 1 : wait_timeout / 2;
}

static ev_tstamp
idle_limit(struct obp_session *s)
{
    ev_tstamp proxy = (ev_tstamp)s->w->conf->default_inactivity_timeout
                      / 1e6;
    ev_tstamp own = obp_idle_wait_timeout(s);

    s->idle_proxy = own <= 0 || proxy < own;
    return s->idle_proxy ? proxy : own;
}

static ev_tstamp
read_limit(const struct obp_session *s)
{
    return (ev_tstamp)s->w->conf->client_net_read_timeout / 1e6;
}

/* Waiting for the client's next command, a transaction open or not. */
static bool
awaiting_client(const struct obp_session *s)
{
    const struct obp_iobuf *in = s->cl.in;

    return s->state == OBP_SESS_READY && s->sync == NULL && s->kill == NULL
           && !s->req.busy && obp_req_packets_over(s)
           && !obp_ans_pending(&s->req.ans) && (in == NULL || in->recv == in->done)
           && obp_conn_pending(&s->cl) == 0;
}

/*
 * The timer runs out at the limit after the last activity: the read
 * limit in the middle of a packet, else the idle limit.  It is set again
 * only when the limit changes or a packet is begun; activity in between
 * only moves active_at, and an early expiry sets the timer for the rest.
 */
void
obp_idle_arm(struct obp_session *s)
{
    ev_tstamp left;

    s->idle_ver = s->st.version;
    s->idle_limit = idle_limit(s);
    s->timer_at = s->active_at + (obp_req_mid_packet(s) ? read_limit(s)
                                                        : s->idle_limit);
    left = s->timer_at - ev_now(s->w->loop);
    ev_timer_stop(s->w->loop, &s->timer);
    ev_timer_set(&s->timer, left > 0 ? left : 0., 0.);
    ev_timer_start(s->w->loop, &s->timer);
}

void
obp_idle_watch(struct obp_session *s)
{
    if (s->state == OBP_SESS_READY
        && s->timer_at > s->active_at + read_limit(s)
        && obp_req_mid_packet(s))
        obp_idle_arm(s);
}

/* Part of a packet, then silence: the server's ERR, then close. */
static void
read_expired(struct obp_session *s)
{
    obp_log(OBP_LOG_INFO, s->id, 0, "client %s sent part of a packet, then "
            "nothing for client_net_read_timeout (%.0f s): disconnected",
            s->caddr.text, read_limit(s));
    obp_stat_add(s->w->stats, OBP_STAT_client_read_timeout, 1);
    obp_session_fail(s, 1, ER_NET_READ_INTERRUPTED, "08S01",
                     "Got timeout reading communication packets");
}

/* The limit passed without a command: the server's ERR, then close. */
void
obp_idle_expired(struct obp_session *s)
{
    ev_tstamp now = ev_now(s->w->loop);

    if (obp_req_mid_packet(s)) {
        if (now - s->active_at >= read_limit(s))
            read_expired(s);
        else
            obp_idle_arm(s);
        return;
    }
    if (!awaiting_client(s))
        s->active_at = now;         /* busy: idle starts afterwards */
    if (now - s->active_at < s->idle_limit) {
        obp_idle_arm(s);
        return;
    }
    obp_log(OBP_LOG_INFO, s->id, 0, "client %s idle for %s (%.0f s): "
            "disconnected", s->caddr.text, s->idle_proxy
            ? "default_inactivity_timeout" : "wait_timeout", s->idle_limit);
    obp_stat_add(s->w->stats, OBP_STAT_client_idle_timeout, 1);
    obp_session_fail(s, 1, ER_CLIENT_INTERACTION_TIMEOUT, "HY000",
                     "The client was disconnected by the server because of "
                     "inactivity. See wait_timeout and interactive_timeout "
                     "for configuring this behavior.");
}
