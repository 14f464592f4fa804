/*
 * Publishing the static topology into the route cache (routes.h).
 */
#include "master.h"

#include <stdlib.h>

/* Topology server i's index in the server table, for every i. */
static uint16_t *
register_servers(struct obp_master *m, const struct obp_topo *topo)
{
    uint32_t  n = topo != NULL ? topo->nservers : 0;
    uint16_t *idx = calloc(n + 1, sizeof(*idx));
    int       k;

    for (uint32_t i = 0; idx != NULL && i < n; i++) {
        k = obp_bl_register(&m->shm, &topo->servers[i].addr);
        if (k < 0) {
            obp_log(OBP_LOG_ERROR, 0, 0, "server table full: topology "
                    "server %s left out", topo->servers[i].addr.text);
            free(idx);
            return NULL;
        }
        idx[i] = (uint16_t)k;
    }
    return idx;
}

/* OBP_OK or OBP_ERROR (logged): done; OBP_AGAIN: try again later. */
static int
publish(struct obp_master *m)
{
    const struct obp_topo     *topo = m->conf->topo;
    struct obp_route_builder   b;
    struct obp_route_sink_ctx  ctx;
    struct obp_route_sink      sink;
    uint16_t                  *idx = register_servers(m, topo);
    char                       err[256] = "out of memory";
    int                        rc = OBP_ERROR;

    if (idx != NULL) {
        obp_route_sink_init(&sink, &ctx, &b, &m->shm);
        rc = obp_topo_route_fill(topo, m->conf->rootservice_cluster_name,
                                 idx, &sink, err, sizeof(err));
        free(idx);
    }
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
