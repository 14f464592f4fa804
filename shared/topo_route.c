/*
 * The static topology into the route cache (topo_route.h).
 */
#include "obp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A zone's primary-zone priority group; past the last group if absent. */
static uint16_t
zone_priority(const struct obp_topo_tenant *t, uint32_t zone)
{
    uint32_t i, last = 0;

    for (i = 0; i < t->npzones; i++) {
        if (t->pzones[i].zone == zone)
            return (uint16_t)t->pzones[i].group;
        if (t->pzones[i].group + 1 > last)
            last = t->pzones[i].group + 1;
    }
    return (uint16_t)last;
}

/*
 * With roles, the tenant's servers are its primary and that primary's
 * replicas (topo.h): the primary leads, and logins go to it first.
 */
static uint32_t
tenant_role_servers(const struct obp_topo *topo,
                    const struct obp_topo_tenant *t,
                    const uint16_t *server_idx, struct obp_route_replica *r)
{
    const struct obp_topo_replicas *rs = &t->replicas;

    for (uint32_t i = 0; i < rs->n; i++) {
        bool primary = i == rs->leader;

        r[i].server = server_idx[rs->r[i].server];
        r[i].role = topo->servers[rs->r[i].server].discovered
                    ? OBP_ROUTE_AUTO
                    : primary ? OBP_ROUTE_LEADER : OBP_ROUTE_FOLLOWER;
        r[i].type = OBP_ROUTE_FULL;
        r[i].priority = primary ? 0 : 1;
        r[i].weight = (uint16_t)topo->servers[rs->r[i].server].weight;
    }
    return rs->n;
}

static int
add_tenant(const struct obp_topo *topo, const struct obp_topo_tenant *t,
           const char *cluster, const uint16_t *server_idx,
           const struct obp_route_sink *sink, char *err, size_t errlen)
{
    struct obp_route_tenant_in  in;
    struct obp_route_replica   *r = calloc(t->nservers + 1, sizeof(*r));
    uint32_t                    i, s, n = t->nservers;
    int                         rc;
    bool                        roles = topo->roles && t->replicas.n > 0;

    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return OBP_ERROR;
    }
    if (roles)
        n = tenant_role_servers(topo, t, server_idx, r);
    for (i = 0; !roles && i < t->nservers; i++) {
        s = t->servers[i];
        r[i].server = server_idx[s];
        r[i].role = OBP_ROUTE_FOLLOWER;
        r[i].type = topo->zones[topo->servers[s].zone].readonly
                    ? OBP_ROUTE_READONLY : OBP_ROUTE_FULL;
        r[i].priority = zone_priority(t, topo->servers[s].zone);
        r[i].weight = (uint16_t)topo->servers[s].weight;
    }
    memset(&in, 0, sizeof(in));
    in.cluster = obp_route_name(cluster);
    in.tenant = obp_route_name(t->name);
    in.nservers = n;
    in.servers = r;
    rc = sink->ops->add_tenant(sink->ctx, &in, err, errlen);
    free(r);
    return rc;
}

static int
add_table(const struct obp_topo *topo, const struct obp_topo_table *tb,
          const char *cluster, const uint16_t *server_idx,
          const struct obp_route_sink *sink, char *err, size_t errlen)
{
    struct obp_route_table_in  in;
    struct obp_route_replica  *r;
    char                       db[OBP_ROUTE_NAME_MAX + 1];
    char                       name[OBP_ROUTE_NAME_MAX + 1];
    uint32_t                  *nrepl;
    uint32_t                   i, j, n = 0, total = 0;
    int                        rc = OBP_ERROR;

    for (i = 0; i < tb->nleaves; i++)
        total += tb->leaves[i].n;
    r = calloc(total + 1, sizeof(*r));
    nrepl = calloc(tb->nleaves + 1, sizeof(*nrepl));
    if (r == NULL || nrepl == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (i = 0; i < tb->nleaves; i++) {
        nrepl[i] = tb->leaves[i].n;
        for (j = 0; j < tb->leaves[i].n; j++, n++) {
            r[n].server = server_idx[tb->leaves[i].r[j].server];
            r[n].weight = (uint16_t)
                topo->servers[tb->leaves[i].r[j].server].weight;
            r[n].role = topo->servers[tb->leaves[i].r[j].server].discovered
                        ? OBP_ROUTE_AUTO
                        : tb->leaves[i].r[j].role == OBP_TOPO_LEADER
                        ? OBP_ROUTE_LEADER : OBP_ROUTE_FOLLOWER;
            r[n].type = tb->leaves[i].r[j].type == OBP_TOPO_READONLY
                        ? OBP_ROUTE_READONLY : OBP_ROUTE_FULL;
        }
    }
    memset(&in, 0, sizeof(in));
    in.key.cluster = obp_route_name(cluster);
    in.key.tenant = obp_route_name(topo->tenants[tb->tenant].name);
    /* keys hold lower-case database and table names (route.h); a name
       too long to fold stays as is and the sink refuses it */
    in.key.database = obp_route_name(tb->db);
    if (obp_route_lower(db, sizeof(db), tb->db, in.key.database.len))
        in.key.database = obp_route_name(db);
    in.key.table = obp_route_name(tb->name);
    if (obp_route_lower(name, sizeof(name), tb->name, in.key.table.len))
        in.key.table = obp_route_name(name);
    in.table_id = tb->id != 0 ? tb->id
                  : OBP_TOPO_TABLE_ID_BASE + (tb - topo->tables);
    in.used_ms = tb->used_ms;
    in.part = tb->part;
    in.nleaves = tb->nleaves;
    in.leaf_nrepl = nrepl;
    in.replicas = r;
    rc = sink->ops->add_table(sink->ctx, &in, err, errlen);
done:
    free(r);
    free(nrepl);
    return rc;
}

/* Every server's zone, region, IDC and read-only flag. */
static int
add_servers(const struct obp_topo *topo, const uint16_t *server_idx,
            const struct obp_route_sink *sink, char *err, size_t errlen)
{
    struct obp_route_server_in in;
    int                        rc = OBP_OK;

    for (uint32_t i = 0; rc == OBP_OK && i < topo->nservers; i++) {
        const struct obp_topo_zone *z = &topo->zones[topo->servers[i].zone];

        in.server = server_idx[i];
        in.readonly = z->readonly;
        in.zone = z->name;
        in.region = z->region;
        in.idc = z->idc;
        rc = sink->ops->add_server(sink->ctx, &in, err, errlen);
    }
    return rc;
}

uint16_t *
obp_topo_route_register(const struct obp_topo *topo, struct obp_shm *shm,
                        const char *source)
{
    uint32_t  n = topo != NULL ? topo->nservers : 0;
    uint16_t *idx = calloc(n + 1, sizeof(*idx));
    int       k;

    for (uint32_t i = 0; idx != NULL && i < n; i++) {
        k = obp_bl_register(shm, &topo->servers[i].addr);
        if (k < 0) {
            obp_log(OBP_LOG_ERROR, 0, 0, "server table full: %s server %s "
                    "left out", source, topo->servers[i].addr.text);
            free(idx);
            return NULL;
        }
        idx[i] = (uint16_t)k;
    }
    return idx;
}

int
obp_topo_route_fill(const struct obp_topo *topo, const char *cluster,
                    const uint16_t *server_idx,
                    const struct obp_route_sink *sink, char *err,
                    size_t errlen)
{
    uint32_t i;
    int      rc = sink->ops->begin(sink->ctx, err, errlen);

    if (rc != OBP_OK)
        return rc;
    if (topo != NULL)
        rc = add_servers(topo, server_idx, sink, err, errlen);
    for (i = 0; topo != NULL && rc == OBP_OK && i < topo->ntenants; i++)
        rc = add_tenant(topo, &topo->tenants[i], cluster, server_idx, sink,
                        err, errlen);
    for (i = 0; topo != NULL && rc == OBP_OK && i < topo->ntables; i++)
        rc = add_table(topo, &topo->tables[i], cluster, server_idx, sink,
                       err, errlen);
    if (rc != OBP_OK) {
        sink->ops->abort(sink->ctx);
        return OBP_ERROR;
    }
    return sink->ops->commit(sink->ctx, err, errlen);
}
