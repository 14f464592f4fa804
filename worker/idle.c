/*
 * The client's idle limit (idle.h).
 */
#include "worker.h"

#define ER_CLIENT_INTERACTION_TIMEOUT 4031

/*
 * The client's own idle limit, as the server would apply it: the
 * wait_timeout it set, else the servers' interactive_timeout for an
 * interactive client and their wait_timeout for others.
 */
static ev_tstamp
idle_limit(const struct obp_session *s)
{
    uint64_t v;

    if (obp_sstate_sysvar_uint(&s->st, "wait_timeout", &v))
        return (ev_tstamp)v;
    return (ev_tstamp)((s->caps & OBP_CLIENT_INTERACTIVE)
                       ? s->w->interactive_timeout : s->w->wait_timeout);
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
 * The idle timer runs out at the limit after the last activity.  It is
 * set again only when the limit changes; activity in between only moves
 * active_at, and an early expiry sets the timer for the rest.
 */
void
obp_idle_arm(struct obp_session *s)
{
    ev_tstamp left;

    s->idle_ver = s->st.version;
    s->idle_limit = idle_limit(s);
    ev_timer_stop(s->w->loop, &s->timer);
    if (s->idle_limit <= 0)
        return;
    left = s->active_at + s->idle_limit - ev_now(s->w->loop);
    ev_timer_set(&s->timer, left > 0 ? left : 0., 0.);
    ev_timer_start(s->w->loop, &s->timer);
}

/* wait_timeout passed without a command: the server's ERR, then close. */
void
obp_idle_expired(struct obp_session *s)
{
    ev_tstamp now = ev_now(s->w->loop);

    if (!awaiting_client(s))
        s->active_at = now;         /* busy: idle starts afterwards */
    if (now - s->active_at < s->idle_limit) {
        obp_idle_arm(s);
        return;
    }
    obp_log(OBP_LOG_INFO, s->id, 0, "client %s idle for wait_timeout (%.0f "
            "s): disconnected", s->caddr.text, s->idle_limit);
    obp_session_fail(s, 1, ER_CLIENT_INTERACTION_TIMEOUT, "HY000",
                     "The client was disconnected by the server because of "
                     "inactivity. See wait_timeout and interactive_timeout "
                     "for configuring this behavior.");
}

