/*
 * The OceanBase source within routing_cache_mem_limited (obmeta.h): the
 * workers' last-use stamps read back from the published set, the next
 * set measured, and the least recently used tables left out of the
 * model when it would not fit a bank (route.h "Last use and eviction").
 */
#include "monitor.h"

#include <stdio.h>
#include <stdlib.h>

bool
obp_obmeta_lru_stamps(struct obp_obmeta *om)
{
    struct obp_route_view v;
    struct obp_route_key  k;
    char                  err[160];

    /* as the publisher: the bank stays as it is until peek_end */
    if (obp_route_peek_begin(&v, om->mon->shm, err, sizeof(err)) != OBP_OK)
        return false;           /* another publishes: stamps next time */
    k.cluster = obp_route_name(om->mon->conf->rootservice_cluster_name);
    for (uint32_t i = 0; v.bank != NULL && i < om->ntables; i++) {
        struct obp_obmeta_table      *t = &om->tables[i];
        const struct obp_route_entry *e;

        if (!t->found)
            continue;
        k.tenant = obp_route_name(t->tenant);
        k.database = obp_route_name(t->db);
        k.table = obp_route_name(t->name);
        e = obp_route_find(&v, OBP_ROUTE_TABLE, &k);
        if (e != NULL && obp_route_used_ms(e) > t->used_ms)
            t->used_ms = obp_route_used_ms(e);
    }
    obp_route_peek_end(&v, om->mon->shm);
    return true;
}

/* Whether a worker waits for table <idx> (this round's or the next's). */
static bool
lru_waited(const struct obp_obmeta *om, uint32_t idx)
{
    for (uint32_t i = 0; i < om->nreqs; i++)
        if (om->reqs[i].kind == OBP_OBMETA_TABLE && om->reqs[i].idx == idx)
            return true;
    for (uint32_t i = 0; i < om->nwaiting; i++)
        if (om->waiting[i].kind == OBP_OBMETA_TABLE
            && om->waiting[i].idx == idx)
            return true;
    return false;
}

/* Evicts the items marked; returns how many. */
static int
lru_evict(struct obp_obmeta *om, const struct obp_route_lru_item *it,
          const uint32_t *map, uint32_t n)
{
    int out = 0;

    for (uint32_t i = 0; i < n; i++) {
        const struct obp_obmeta_table *t = &om->tables[map[i]];

        if (!it[i].evict)
            continue;
        obp_log(OBP_LOG_DEBUG, 0, 0, "oceanbase metadata: table %s.%s of "
                "tenant %s evicted (last used %lld ms ago)", t->db, t->name,
                t->tenant, t->used_ms > 0 ? (long long)(obp_now_us() / 1000
                                                        - t->used_ms) : -1LL);
        obp_obmeta_table_evict(om, map[i]);
        out++;
    }
    return out;
}

int
obp_obmeta_lru_fit(struct obp_obmeta *om, const struct obp_topo *t,
                   const uint32_t *map, const uint16_t *idx)
{
    struct obp_route_measure   m = { .cap = t->ntables };
    struct obp_route_sink      sink;
    struct obp_route_lru_item *it;
    char                       err[160];
    uint64_t                   budget;
    int64_t                    n = 0;

    m.table_bytes = calloc(t->ntables + 1, sizeof(*m.table_bytes));
    it = calloc(t->ntables + 1, sizeof(*it));
    obp_route_measure_sink(&sink, &m);
    if (m.table_bytes == NULL || it == NULL
        || obp_topo_route_fill(t, om->mon->conf->rootservice_cluster_name,
                               idx, &sink, err, sizeof(err)) != OBP_OK)
        goto done;
    for (uint32_t i = 0; i < t->ntables; i++) {
        it[i].bytes = m.table_bytes[i];
        it[i].used_ms = om->tables[map[i]].used_ms;
        it[i].pinned = lru_waited(om, map[i]);
    }
    budget = obp_route_bank_size(om->mon->shm->hdr->routes.size);
    n = obp_route_lru_pick(it, t->ntables, m.fixed, m.nfixed, budget);
    if (n > 0) {
        n = lru_evict(om, it, map, t->ntables);
        obp_route_count_evictions(om->mon->shm, (uint64_t)n);
        obp_log(OBP_LOG_INFO, 0, 0, "oceanbase metadata: %lld tables "
                "evicted from the route cache, least recently used first "
                "(routing_cache_mem_limited: %llu bytes a set)",
                (long long)n, (unsigned long long)budget);
    }
done:
    free(m.table_bytes);
    free(it);
    return n > 0 ? (int)n : 0;
}
