/*
 * A statement waiting for its table's metadata (mwait.h).
 */
#include "worker.h"

static void
mwait_end(struct obp_session *s)
{
    ev_timer_stop(s->w->loop, &s->mwait.timer);
    s->mwait.active = 0;
}

/* The request answered, or the wait out of time. */
static bool
mwait_over(struct obp_session *s)
{
    return !obp_mreq_waiting(s->w->shm, &s->mwait.ticket)
           || obp_now_us() >= s->mwait.until_us;
}

static void
mwait_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_session *s = t->data;

    if (!mwait_over(s))
        return;
    mwait_end(s);
    obp_session_pump(s);
}

void
obp_mwait_init(struct obp_session *s)
{
    ev_timer_init(&s->mwait.timer, mwait_cb, OBP_MWAIT_POLL, OBP_MWAIT_POLL);
    s->mwait.timer.data = s;
}

int
obp_mwait_table(struct obp_session *s, const struct obp_route_key *key,
                int64_t now_us)
{
    if (s->mwait.active) {
        if (!mwait_over(s))
            return OBP_AGAIN;
        mwait_end(s);
        return OBP_OK;
    }
    if (s->mwait.waited || obp_mreq_post(s->w->shm, OBP_ROUTE_TABLE, key,
                                         now_us, &s->mwait.ticket) != OBP_OK)
        return OBP_OK;
    s->mwait.waited = 1;
    s->mwait.active = 1;
    s->mwait.until_us = now_us + s->w->conf->short_async_task_timeout;
    ev_timer_again(s->w->loop, &s->mwait.timer);
    return OBP_AGAIN;
}

void
obp_mwait_next(struct obp_session *s)
{
    s->mwait.waited = 0;
}

void
obp_mwait_stop(struct obp_session *s)
{
    mwait_end(s);
}
