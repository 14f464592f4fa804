/*
 * The OceanBase source's model into the route cache (obmeta.h): a
 * topology model (shared/topo.h) built from it, its servers registered
 * in the segment's server table, published through the same fill as
 * the static topology's, with the live flag.
 */
#include "monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Zone <name>'s index in <t>, added (no region, no IDC) when absent. */
static int
pub_zone(struct obp_topo *t, const char *name)
{
    int i = obp_topo_find_zone(t, name);

    if (i >= 0)
        return i;
    t->zones[t->nzones].name = strdup(name);
    t->zones[t->nzones].region = strdup("");
    t->zones[t->nzones].idc = strdup("");
    if (t->zones[t->nzones].name == NULL || t->zones[t->nzones].region == NULL
        || t->zones[t->nzones].idc == NULL)
        return -1;
    return (int)t->nzones++;
}

static int
pub_zones_servers(const struct obp_obmeta *om, struct obp_topo *t)
{
    char err[160];

    for (uint32_t i = 0; i < om->nzones; i++) {
        struct obp_topo_zone *z = &t->zones[t->nzones++];

        z->name = strdup(om->zones[i].name);
        z->region = strdup(om->zones[i].region);
        z->idc = strdup(om->zones[i].idc);
        z->readonly = om->zones[i].readonly;
        if (z->name == NULL || z->region == NULL || z->idc == NULL)
            return OBP_ERROR;
    }
    for (uint32_t i = 0; i < om->nservers; i++) {
        struct obp_topo_server *s = &t->servers[t->nservers];
        int                     z = pub_zone(t, om->servers[i].zone);

        if (z < 0 || (s->name = strdup(om->servers[i].addr)) == NULL)
            return OBP_ERROR;
        t->nservers++;
        if (obp_addr_parse(&s->addr, s->name, err, sizeof(err)) != OBP_OK)
            return OBP_ERROR;
        s->zone = (uint32_t)z;
        s->weight = 1;
        s->primary = -1;
    }
    return OBP_OK;
}

/* <l>'s replicas on servers of <t> into <out>: OBP_ERROR out of memory. */
static int
pub_replicas(const struct obp_topo *t, const struct obp_obmeta_leaf *l,
            struct obp_topo_replicas *out)
{
    out->r = calloc(l->n + 1, sizeof(*out->r));
    out->n = 0;
    out->leader = 0;
    if (out->r == NULL)
        return OBP_ERROR;
    for (uint32_t i = 0; i < l->n; i++) {
        int s = obp_topo_find_server(t, l->r[i].addr);

        if (s < 0)
            continue;           /* not (yet) in DBA_OB_SERVERS */
        if (l->r[i].role == 1)
            out->leader = out->n;
        out->r[out->n].server = (uint32_t)s;
        out->r[out->n].role = l->r[i].role == 1 ? OBP_TOPO_LEADER
                                                : OBP_TOPO_FOLLOWER;
        out->r[out->n++].type = OBP_TOPO_FULL;
    }
    return OBP_OK;
}

/*
 * A tenant's servers as logins use them: those in service only (a server
 * INACTIVE, DELETING or stopped in DBA_OB_SERVERS takes no new session).
 * Topology server i is the model's server i.
 */
static int
pub_tenant(const struct obp_obmeta *om, const struct obp_obmeta_tenant *ot,
           struct obp_topo *t)
{
    struct obp_topo_tenant   *tn = &t->tenants[t->ntenants];
    struct obp_topo_replicas  r;

    if (pub_replicas(t, &ot->servers, &r) != OBP_OK)
        return OBP_ERROR;
    tn->name = strdup(ot->name);
    tn->primary_zone = strdup("");
    tn->servers = calloc(r.n + 1, sizeof(*tn->servers));
    t->ntenants++;
    for (uint32_t i = 0; tn->servers != NULL && i < r.n; i++)
        if (om->servers[r.r[i].server].active)
            tn->servers[tn->nservers++] = r.r[i].server;
    free(r.r);
    return tn->name != NULL && tn->primary_zone != NULL
           && tn->servers != NULL ? OBP_OK : OBP_ERROR;
}

static int
pub_table(const struct obp_obmeta_table *ot, uint32_t tenant,
          struct obp_topo *t)
{
    struct obp_topo_table *tb = &t->tables[t->ntables++];

    tb->tenant = tenant;
    tb->id = ot->table_id;
    tb->used_ms = ot->used_ms;
    tb->db = strdup(ot->db);
    tb->name = strdup(ot->name);
    tb->leaves = calloc(ot->nleaves, sizeof(*tb->leaves));
    if (tb->db == NULL || tb->name == NULL || tb->leaves == NULL)
        return OBP_ERROR;
    tb->nleaves = ot->nleaves;
    for (uint32_t i = 0; i < ot->nleaves; i++)
        if (pub_replicas(t, &ot->leaves[i], &tb->leaves[i]) != OBP_OK)
            return OBP_ERROR;
    if (ot->part != NULL) {
        if ((tb->part = malloc(ot->part->size)) == NULL)
            return OBP_ERROR;
        memcpy(tb->part, ot->part, ot->part->size);
    }
    return OBP_OK;
}

/*
 * The model as a topology, its table i the model's map[i]; NULL when out
 * of memory.
 */
static struct obp_topo *
pub_model(const struct obp_obmeta *om, uint32_t *map)
{
    struct obp_topo *t = calloc(1, sizeof(*t));
    int              rc = OBP_ERROR;

    if (t == NULL)
        return NULL;
    t->refs = 1;
    t->zones = calloc(om->nzones + om->nservers + 1, sizeof(*t->zones));
    t->servers = calloc(om->nservers + 1, sizeof(*t->servers));
    t->tenants = calloc(om->ntenants + 1, sizeof(*t->tenants));
    t->tables = calloc(om->ntables + 1, sizeof(*t->tables));
    if (t->zones != NULL && t->servers != NULL && t->tenants != NULL
        && t->tables != NULL)
        rc = pub_zones_servers(om, t);
    for (uint32_t i = 0; rc == OBP_OK && i < om->ntenants; i++)
        if (om->tenants[i].fetched)
            rc = pub_tenant(om, &om->tenants[i], t);
    for (uint32_t i = 0; rc == OBP_OK && i < om->ntables; i++) {
        int tn = obp_topo_find_tenant(t, om->tables[i].tenant);

        if (om->tables[i].found && tn >= 0) {
            map[t->ntables] = i;
            rc = pub_table(&om->tables[i], (uint32_t)tn, t);
        }
    }
    if (rc != OBP_OK) {
        obp_topo_unref(t);
        return NULL;
    }
    return t;
}

/*
 * The servers' states into the server table (srvstate.h), where every
 * routing choice reads them: a change is logged.  Model server i is
 * table entry idx[i].
 */
static void
pub_states(const struct obp_obmeta *om, const uint16_t *idx)
{
    uint32_t old, now;

    for (uint32_t i = 0; i < om->nservers; i++) {
        now = om->servers[i].state;
        old = obp_srvstate_ob_set(om->mon->shm, idx[i], now);
        if (old == now || (old == OBP_OB_NONE && now == OBP_OB_ACTIVE))
            continue;
        obp_log(OBP_LOG_INFO, 0, 0, "oceanbase metadata: server %s is %s%s",
                om->servers[i].addr, obp_srvstate_ob_name(now),
                now == OBP_OB_ACTIVE ? ": serving again"
                                     : ": no statement goes there");
    }
}

int
obp_obmeta_publish(struct obp_obmeta *om)
{
    struct obp_route_builder   b;
    struct obp_route_sink_ctx  ctx;
    struct obp_route_sink      sink;
    struct obp_topo           *t = NULL;
    uint32_t                  *map = calloc(om->ntables + 1, sizeof(*map));
    uint16_t                  *idx = NULL;
    char                       err[256] = "out of memory";
    int                        rc = OBP_ERROR;
    bool                       stamped = obp_obmeta_lru_stamps(om);

    if (map != NULL)
        t = pub_model(om, map);
    if (t != NULL)
        idx = obp_topo_route_register(t, om->mon->shm, "oceanbase metadata");
    /* the tables left out to fit are out of the model: build it again */
    if (idx != NULL && stamped && obp_obmeta_lru_fit(om, t, map, idx) > 0) {
        obp_topo_unref(t);
        t = pub_model(om, map);
    }
    if (t != NULL && idx != NULL) {
        pub_states(om, idx);
        obp_route_sink_init(&sink, &ctx, &b, om->mon->shm);
        ctx.flags = OBP_ROUTE_SET_LIVE;
        rc = obp_topo_route_fill(t, om->mon->conf->rootservice_cluster_name,
                                 idx, &sink, err, sizeof(err));
    }
    if (rc == OBP_OK) {
        uint32_t n[3] = { t->nservers, t->ntenants, t->ntables };

        obp_route_set_live(om->mon->shm, true);
        /* a refresh that changed nothing but locations says it quietly */
        obp_log(memcmp(n, om->published, sizeof(n)) != 0 ? OBP_LOG_INFO
                : OBP_LOG_DEBUG, 0, 0, "oceanbase metadata: route cache "
                "generation %llu published (%u servers, %u tenants, %u "
                "tables)", (unsigned long long)b.generation, n[0], n[1],
                n[2]);
        memcpy(om->published, n, sizeof(n));
    } else if (rc == OBP_ERROR) {
        obp_log(OBP_LOG_ERROR, 0, 0, "oceanbase metadata: not published: "
                "%s", err);
    }
    free(idx);
    free(map);
    obp_topo_unref(t);
    return rc;
}
