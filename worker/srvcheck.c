/*
 * Checking a quiet server session before reuse (srvcheck.h).
 */
#include "worker.h"

bool
obp_srvcheck_due(const struct obp_session *s)
{
    const struct obp_srv *srv = s->srv;
    ev_tstamp             delay = (ev_tstamp)s->w->conf->server_check_delay
                                  / 1e6;

    return srv != NULL && srv->state == OBP_SRV_READY
           && ev_now(s->w->loop) - srv->c.heard > delay
           && obp_session_replaceable(s);
}

ev_tstamp
obp_srvcheck_timeout(const struct obp_session *s)
{
    return (ev_tstamp)s->w->conf->connect_server_timeout / 1e6;
}

void
obp_srvcheck_failed(struct obp_session *s, const char *why)
{
    const struct obp_srv *srv = s->srv;

    obp_log(OBP_LOG_INFO, s->id, 0, "server session on %s (connection %u), "
            "quiet for %.1f s, failed its check (%s): closed, the command "
            "goes on another", srv->addr.text, srv->thread_id,
            ev_now(s->w->loop) - srv->c.heard, why);
    obp_stat_add(s->w->stats, OBP_STAT_pool_check_failed, 1);
    obp_session_drop_server(s);
    obp_sroute_next(s);         /* not a byte of it went: it routes again */
    obp_session_pump(s);
}
