/*
 * The route cache's static source: at start and after each reload the
 * master registers the topology's servers in the segment's server table
 * and publishes the topology (shared/topo_route.h) as one generation.
 * While a worker still reads the bank the new generation needs, the
 * master tries again every OBP_ROUTES_RETRY seconds.  Without a topology
 * it leaves a set of the monitor's OceanBase source alone (route.h, the
 * live word); a topology's set ends the live one.
 */
#ifndef OBP_MASTER_ROUTES_H
#define OBP_MASTER_ROUTES_H

#include <ev.h>

#define OBP_ROUTES_RETRY 0.1

struct obp_master;

struct obp_routes {
    ev_timer retry;             /* armed while a publish waits */
};

void obp_routes_init(struct obp_master *m);

/* Publishes m->conf's topology now, or as soon as the bank is free. */
void obp_routes_publish(struct obp_master *m);

/* Stops a pending retry (master exit). */
void obp_routes_stop(struct obp_master *m);

#endif
