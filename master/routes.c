/*
 * Publishing the static topology into the route cache (routes.h).
 */
#include "master.h"

#include <stdlib.h>

/* OBP_OK or OBP_ERROR (logged): done; OBP_AGAIN: try again later. */
static int
publish(struct obp_master *m)
{
    const struct obp_topo     *topo = m->conf->topo;
    struct obp_route_builder   b;
    struct obp_route_sink_ctx  ctx;
    struct obp_route_sink      sink;
    uint16_t                  *idx = obp_topo_route_register(topo, &m->shm,
                                                             "topology");
    char                       err[256] = "out of memory";
    int                        rc = OBP_ERROR;

    /* without a topology the monitor's OceanBase source may publish:
       an empty set would wipe its own */
    if (topo == NULL && obp_route_live(&m->shm)) {
        free(idx);
        return OBP_OK;
    }
    if (idx != NULL) {
        obp_route_sink_init(&sink, &ctx, &b, &m->shm);
        rc = obp_topo_route_fill(topo, m->conf->rootservice_cluster_name,
                                 idx, &sink, err, sizeof(err));
        free(idx);
    }
    if (rc == OBP_OK && topo != NULL)
        obp_route_set_live(&m->shm, false);
    if (rc == OBP_OK)
        obp_log(OBP_LOG_INFO, 0, 0, "route cache: generation %llu "
                "published (%u tenants, %u tables)",
                (unsigned long long)b.generation,
                topo != NULL ? topo->ntenants : 0,
                topo != NULL ? topo->ntables : 0);
    else if (rc == OBP_ERROR)
        obp_log(OBP_LOG_ERROR, 0, 0, "route cache: the topology is not "
                "published: %s", err);
    return rc;
}

static void
retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_master *m = t->data;

    if (publish(m) != OBP_AGAIN)
        ev_timer_stop(loop, t);
}

void
obp_routes_init(struct obp_master *m)
{
    ev_timer_init(&m->routes.retry, retry_cb, OBP_ROUTES_RETRY,
                  OBP_ROUTES_RETRY);
    m->routes.retry.data = m;
}

void
obp_routes_publish(struct obp_master *m)
{
    ev_timer_stop(m->loop, &m->routes.retry);
    if (publish(m) == OBP_AGAIN) {
        obp_log(OBP_LOG_INFO, 0, 0, "route cache: a worker still reads "
                "the previous generation; publishing when it leaves");
        ev_timer_start(m->loop, &m->routes.retry);
    }
}

void
obp_routes_stop(struct obp_master *m)
{
    if (m->loop != NULL)
        ev_timer_stop(m->loop, &m->routes.retry);
}
