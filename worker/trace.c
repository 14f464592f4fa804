/*
 * The session's record of its relayed commands (trace.h).
 */
#include "worker.h"

void
obp_trace_sent(struct obp_trace *t, const struct obp_addr *addr,
               bool in_trx, bool retry)
{
    if (!retry) {
        t->ntries = 0;
    } else if (t->running && t->ntries < OBP_TRACE_TRIES) {
        struct obp_trace_try *e = &t->tries[t->ntries++];

        obp_strlcpy(e->addr, t->addr, sizeof(e->addr));
        e->cost_us = obp_now_us() - t->sent_us;
    }
    obp_strlcpy(t->addr, addr->text, sizeof(t->addr));
    t->sent_us = obp_now_us();
    t->cost_us = -1;
    t->running = 1;
    t->in_trx = in_trx;
    t->failed = 0;
    t->trx_ended = 0;
    t->requests++;
}

void
obp_trace_ended(struct obp_trace *t, bool failed, bool in_trx)
{
    /* only a noted command's response counts */
    if (!t->running)
        return;
    t->running = 0;
    t->cost_us = obp_now_us() - t->sent_us;
    t->failed = failed;
    t->trx_ended = t->in_trx && !in_trx;
    t->responses++;
    t->errors += failed;
    t->transactions += t->trx_ended;
}
