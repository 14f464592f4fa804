/*
 * The route cache within its bound (route.h "Last use and eviction"):
 * a sink that measures a set instead of copying it, the choice of the
 * least recently used tables to leave out, and their count.
 */
#include "obp.h"
#include "route.h"
#include "route_int.h"

#include <stdlib.h>
#include <string.h>

static int
measure_begin(void *ctx, char *err, size_t errlen)
{
    struct obp_route_measure *m = ctx;

    (void)err;
    (void)errlen;
    m->fixed = ROUTE_SET_HDR;
    m->nfixed = 0;
    m->nservers = 0;
    m->ntables = 0;
    return OBP_OK;
}

static int
measure_server(void *ctx, const struct obp_route_server_in *in, char *err,
               size_t errlen)
{
    struct obp_route_measure *m = ctx;

    (void)err;
    (void)errlen;
    /* the LDC array grows to the highest index (route_build.c) */
    if ((uint32_t)in->server + 1 > m->nservers) {
        m->fixed += ((uint64_t)in->server + 1 - m->nservers)
                    * sizeof(struct obp_route_ldc);
        m->nservers = (uint32_t)in->server + 1;
    }
    return OBP_OK;
}

static int
measure_table(void *ctx, const struct obp_route_table_in *in, char *err,
              size_t errlen)
{
    struct obp_route_measure *m = ctx;
    struct obp_route_name     names[4];
    uint64_t                  nrepl = 0;

    (void)err;
    (void)errlen;
    obp_route_key_names(&in->key, names);
    for (size_t i = 0; i < in->nleaves; i++)
        nrepl += in->leaf_nrepl[i];
    if (m->ntables < m->cap)
        m->table_bytes[m->ntables] = obp_route_entry_bytes(names, in->part,
                                                           in->nleaves,
                                                           nrepl);
    m->ntables++;
    return OBP_OK;
}

static int
measure_tenant(void *ctx, const struct obp_route_tenant_in *in, char *err,
               size_t errlen)
{
    struct obp_route_measure *m = ctx;
    struct obp_route_name     names[4] = { in->cluster, in->tenant,
                                           { NULL, 0 }, { NULL, 0 } };

    (void)err;
    (void)errlen;
    m->fixed += obp_route_entry_bytes(names, NULL, 1, in->nservers);
    m->nfixed++;
    return OBP_OK;
}

static int
measure_commit(void *ctx, char *err, size_t errlen)
{
    (void)ctx;
    (void)err;
    (void)errlen;
    return OBP_OK;
}

static void
measure_abort(void *ctx)
{
    (void)ctx;
}

static const struct obp_route_sink_ops measure_ops = {
    measure_begin, measure_server, measure_table, measure_tenant,
    measure_commit, measure_abort
};

void
obp_route_measure_sink(struct obp_route_sink *sink,
                       struct obp_route_measure *m)
{
    sink->ops = &measure_ops;
    sink->ctx = m;
}

uint64_t
obp_route_set_bytes(uint64_t bytes, uint32_t nentries)
{
    return bytes + obp_route_index_slots(nentries)
                   * sizeof(struct obp_route_bucket);
}

/* An item's place in the eviction order. */
struct lru_rank {
    int64_t used_ms;
    size_t  idx;
};

static int
lru_cmp(const void *a, const void *b)
{
    const struct lru_rank *x = a, *y = b;

    if (x->used_ms != y->used_ms)
        return x->used_ms < y->used_ms ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int64_t
obp_route_lru_pick(struct obp_route_lru_item *it, size_t n, uint64_t fixed,
                   uint32_t nfixed, uint64_t budget)
{
    struct lru_rank *r;
    uint64_t         bytes = fixed;
    size_t           nr = 0, kept = n, out = 0;

    for (size_t i = 0; i < n; i++) {
        it[i].evict = false;
        bytes += it[i].bytes;
    }
    if (obp_route_set_bytes(bytes, nfixed + (uint32_t)kept) <= budget)
        return 0;
    if ((r = malloc((n + 1) * sizeof(*r))) == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!it[i].pinned)
            r[nr++] = (struct lru_rank){ it[i].used_ms, i };
    qsort(r, nr, sizeof(*r), lru_cmp);
    while (out < nr
           && obp_route_set_bytes(bytes, nfixed + (uint32_t)kept) > budget) {
        it[r[out].idx].evict = true;
        bytes -= it[r[out].idx].bytes;
        kept--;
        out++;
    }
    free(r);
    if (obp_route_set_bytes(bytes, nfixed + (uint32_t)kept) <= budget)
        return (int64_t)out;
    for (size_t i = 0; i < n; i++)
        it[i].evict = false;
    return -1;
}

void
obp_route_count_evictions(const struct obp_shm *shm, uint64_t n)
{
    atomic_fetch_add_explicit(&obp_route_ctl(shm)->evicted, n,
                              memory_order_relaxed);
}

uint64_t
obp_route_evictions(const struct obp_shm *shm)
{
    return atomic_load_explicit(&obp_route_ctl(shm)->evicted,
                                memory_order_relaxed);
}
