/*
 * The static topology as a source of the route cache (route.h): every
 * server's zone, region, IDC and read-only flag, every tenant's server
 * list, with primary-zone priorities, and every table (database and
 * table names in lower case) with its partition blob and its replicas
 * per leaf partition, given to a sink as one generation.  The caller
 * registers the topology's servers in the segment's server table first
 * and passes their indexes.
 */
#ifndef OBP_SHARED_TOPO_ROUTE_H
#define OBP_SHARED_TOPO_ROUTE_H

#include <stddef.h>
#include <stdint.h>

struct obp_route_sink;
struct obp_shm;
struct obp_topo;

/*
 * A declared table's id in the route cache: this plus its place in the
 * declared order (OceanBase numbers user tables from 500001), so that
 * SHOW PROXYROUTE PARTITION's rows name their table.
 */
#define OBP_TOPO_TABLE_ID_BASE 500001

/*
 * Registers every server of <topo> in the server table of <shm>
 * (blocklist.h): a malloc'd array of their indexes, or NULL when out of
 * memory or the table is full (logged, naming <source>).
 */
uint16_t *obp_topo_route_register(const struct obp_topo *topo,
                                  struct obp_shm *shm, const char *source);

/*
 * Fills <sink> from <topo> (NULL: an empty generation) for cluster
 * <cluster>; <server_idx>[i] is topology server i's index in the server
 * table.  OBP_OK once committed, OBP_AGAIN when the sink cannot begin
 * yet, OBP_ERROR with <err> set (nothing published).
 */
int obp_topo_route_fill(const struct obp_topo *topo, const char *cluster,
                        const uint16_t *server_idx,
                        const struct obp_route_sink *sink, char *err,
                        size_t errlen);

#endif
