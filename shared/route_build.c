/*
 * The route cache's builder (route.h): the master copies a new set into
 * the free bank, indexes it and publishes it with one store; and the sink
 * through which metadata sources feed it.
 */
#include "obp.h"
#include "route.h"
#include "route_int.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

_Static_assert(sizeof(struct obp_route_ldc) % 8 == 0,
               "LDC records keep the entries after them 8-aligned");

static int OBP_PRINTF(4, 5)
fail(struct obp_route_builder *b, char *err, size_t errlen,
     const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (b != NULL)
        b->failed = 1;
    return OBP_ERROR;
}

/*
 * The publisher word for this process: free, already ours, or left by a
 * process that died.  False (<err> set) while another one publishes.
 */
static bool
claim(struct obp_shm *shm, char *err, size_t errlen)
{
    _Atomic int32_t *w = &obp_route_ctl(shm)->publisher;
    int32_t          me = (int32_t)getpid(), cur = 0;

    if (atomic_compare_exchange_strong(w, &cur, me) || cur == me)
        return true;
    if (kill(cur, 0) == -1 && errno == ESRCH
        && atomic_compare_exchange_strong(w, &cur, me))
        return true;
    snprintf(err, errlen, "process %d is publishing a route set", (int)cur);
    return false;
}

static void
release(struct obp_route_builder *b)
{
    if (b->claimed)
        atomic_store(&obp_route_ctl(b->shm)->publisher, 0);
    b->claimed = 0;
}

int
obp_route_build_begin(struct obp_route_builder *b, struct obp_shm *shm,
                      char *err, size_t errlen)
{
    struct obp_shm_worker *w;
    uint64_t               cur, g;

    memset(b, 0, sizeof(*b));
    b->failed = 1;
    cur = atomic_load(&obp_route_ctl(shm)->root);
    for (unsigned slot = 0; (w = obp_shm_worker(shm, slot)) != NULL;
         slot++) {
        g = atomic_load(&w->route_gen);
        if (g != 0 && g != cur) {
            snprintf(err, errlen, "worker %u still reads route generation "
                     "%llu", slot, (unsigned long long)g);
            return OBP_AGAIN;
        }
    }
    if (!claim(shm, err, errlen))
        return OBP_AGAIN;
    b->claimed = 1;
    b->shm = shm;
    b->generation = cur + 1;
    b->bank = obp_route_bank(shm, b->generation);
    b->bank_size = obp_route_bank_size(shm->hdr->routes.size);
    b->used = ROUTE_SET_HDR;
    b->failed = 0;
    return OBP_OK;
}

/* Takes <size> zeroed bytes of the bank, or fails: the set is too big. */
static void *
reserve(struct obp_route_builder *b, uint64_t size, char *err, size_t errlen)
{
    char *p = b->bank + b->used;

    if (size > b->bank_size - b->used) {
        fail(b, err, errlen, "route cache full: generation %llu needs more "
             "than %llu bytes (half of routing_cache_mem_limited)",
             (unsigned long long)b->generation,
             (unsigned long long)b->bank_size);
        return NULL;
    }
    memset(p, 0, size);
    b->used += size;
    return p;
}

/* Checks the names of a key; tenant entries have no database or table. */
static int
check_names(struct obp_route_builder *b, const struct obp_route_name n[4],
            int nnames, char *err, size_t errlen)
{
    static const char *what[4] = { "cluster", "tenant", "database",
                                   "table" };

    for (int i = 0; i < 4; i++) {
        size_t want_max = i < nnames ? OBP_ROUTE_NAME_MAX : 0;

        if (i < nnames && (n[i].len == 0 || n[i].s == NULL))
            return fail(b, err, errlen, "route entry: empty %s name",
                        what[i]);
        if (n[i].len > want_max)
            return fail(b, err, errlen, "route entry: %s name of %zu "
                        "bytes (at most %zu)", what[i], n[i].len, want_max);
    }
    return OBP_OK;
}

/* Checks replicas against the segment; returns their count or -1. */
static int64_t
check_replicas(struct obp_route_builder *b, size_t nleaves,
               const uint32_t *leaf_nrepl,
               const struct obp_route_replica *r, char *err, size_t errlen)
{
    uint64_t nservers = b->shm->hdr->servers.nitems;
    int64_t  total = 0;

    for (size_t i = 0; i < nleaves; i++) {
        if (leaf_nrepl[i] > OBP_ROUTE_MAX_REPL) {
            fail(b, err, errlen, "route entry: %u replicas for leaf %zu "
                 "(at most %d)", leaf_nrepl[i], i, OBP_ROUTE_MAX_REPL);
            return -1;
        }
        total += leaf_nrepl[i];
    }
    for (int64_t i = 0; i < total; i++) {
        if (r[i].server >= nservers
            || r[i].role < OBP_ROUTE_LEADER || r[i].role > OBP_ROUTE_AUTO
            || (r[i].type != OBP_ROUTE_FULL
                && r[i].type != OBP_ROUTE_READONLY)) {
            fail(b, err, errlen, "route entry: replica %lld: server %u, "
                 "role %u, type %u out of range", (long long)i,
                 r[i].server, r[i].role, r[i].type);
            return -1;
        }
    }
    return total;
}

/* One entry to copy: everything checked. */
struct entry_in {
    uint32_t                        kind;
    struct obp_route_name           names[4];
    int64_t                         table_id;
    int64_t                         used_ms;
    const struct obp_part_desc     *part;
    size_t                          nleaves;
    const uint32_t                 *leaf_nrepl;
    const struct obp_route_replica *replicas;
    uint64_t                        nreplicas;
};

static void
fill_entry(struct obp_route_entry *e, const struct entry_in *in,
           uint64_t generation)
{
    struct obp_route_leaf *leaf;
    char                  *p = (char *)e + sizeof(*e);
    uint32_t               first = 0;

    e->kind = in->kind;
    atomic_init(&e->state, OBP_ROUTE_AVAIL);
    e->hash = obp_route_hash(in->kind, in->names);
    e->generation = generation;
    e->table_id = in->table_id;
    atomic_init(&e->used_ms, in->used_ms);
    e->names_off = sizeof(*e);
    for (int i = 0; i < 4; i++) {
        e->name_len[i] = (uint16_t)in->names[i].len;
        if (in->names[i].len > 0)
            memcpy(p, in->names[i].s, in->names[i].len);
        p += in->names[i].len;
    }
    p = (char *)e + ROUND8(p - (char *)e);
    if (in->part != NULL) {
        e->part_off = (uint32_t)(p - (char *)e);
        memcpy(p, in->part, in->part->size);
        p += ROUND8(in->part->size);
    }
    e->nleaves = (uint32_t)in->nleaves;
    e->leaves_off = (uint32_t)(p - (char *)e);
    leaf = (struct obp_route_leaf *)(void *)p;
    for (size_t i = 0; i < in->nleaves; i++) {
        leaf[i].first = first;
        leaf[i].count = in->leaf_nrepl[i];
        first += in->leaf_nrepl[i];
    }
    p += in->nleaves * sizeof(*leaf);
    e->nreplicas = (uint32_t)in->nreplicas;
    e->replicas_off = (uint32_t)(p - (char *)e);
    memcpy(p, in->replicas, in->nreplicas * sizeof(*in->replicas));
}

/* Reserves room for an entry and copies it in. */
static int
put_entry(struct obp_route_builder *b, const struct entry_in *in,
          char *err, size_t errlen)
{
    struct obp_route_entry *e = (void *)(b->bank + b->used);
    uint64_t                size = obp_route_entry_bytes(in->names, in->part,
                                                         in->nleaves,
                                                         in->nreplicas);

    if (b->entries_off == 0)
        b->entries_off = b->used;
    if (reserve(b, size, err, errlen) == NULL)
        return OBP_ERROR;
    e->size = (uint32_t)size;
    fill_entry(e, in, b->generation);
    b->nentries++;
    return OBP_OK;
}

static int
check_part(struct obp_route_builder *b, const struct obp_route_table_in *in,
           char *err, size_t errlen)
{
    const struct obp_part_desc *d = in->part;

    if (d == NULL)
        return in->nleaves == 1 ? OBP_OK
               : fail(b, err, errlen, "route entry: a non-partitioned "
                      "table has one leaf, not %zu", in->nleaves);
    if (d->magic != OBP_PART_MAGIC || d->size < sizeof(*d)
        || (d->levels != 1 && d->levels != 2))
        return fail(b, err, errlen, "route entry: not a partition "
                    "description");
    if (in->nleaves != obp_route_leaf_count(d)
        || in->nleaves > OBP_ROUTE_MAX_LEAVES)
        return fail(b, err, errlen, "route entry: %zu leaves for a "
                    "description of %u (at most %d)", in->nleaves,
                    obp_route_leaf_count(d), OBP_ROUTE_MAX_LEAVES);
    return OBP_OK;
}

int
obp_route_add_table(struct obp_route_builder *b,
                    const struct obp_route_table_in *in,
                    char *err, size_t errlen)
{
    struct entry_in e = { .kind = OBP_ROUTE_TABLE, .table_id = in->table_id,
                          .used_ms = in->used_ms,
                          .part = in->part, .nleaves = in->nleaves,
                          .leaf_nrepl = in->leaf_nrepl,
                          .replicas = in->replicas };
    int64_t         n;

    if (b->failed)
        return fail(b, err, errlen, "route set: not being built");
    obp_route_key_names(&in->key, e.names);
    if (check_names(b, e.names, 4, err, errlen) != OBP_OK
        || check_part(b, in, err, errlen) != OBP_OK)
        return OBP_ERROR;
    n = check_replicas(b, in->nleaves, in->leaf_nrepl, in->replicas, err,
                       errlen);
    if (n < 0)
        return OBP_ERROR;
    e.nreplicas = (uint64_t)n;
    return put_entry(b, &e, err, errlen);
}

int
obp_route_add_tenant(struct obp_route_builder *b,
                     const struct obp_route_tenant_in *in,
                     char *err, size_t errlen)
{
    uint32_t        n = (uint32_t)in->nservers;
    struct entry_in e = { .kind = OBP_ROUTE_TENANT, .nleaves = 1,
                          .leaf_nrepl = &n, .replicas = in->servers,
                          .nreplicas = n };

    if (b->failed)
        return fail(b, err, errlen, "route set: not being built");
    e.names[0] = in->cluster;
    e.names[1] = in->tenant;
    if (check_names(b, e.names, 2, err, errlen) != OBP_OK)
        return OBP_ERROR;
    if (in->nservers > OBP_ROUTE_MAX_REPL)
        return fail(b, err, errlen, "route entry: %zu tenant servers (at "
                    "most %d)", in->nservers, OBP_ROUTE_MAX_REPL);
    if (check_replicas(b, 1, &n, in->servers, err, errlen) < 0)
        return OBP_ERROR;
    return put_entry(b, &e, err, errlen);
}

/* Copies an LDC name, refusing one that does not fit. */
static int
ldc_name(struct obp_route_builder *b, char *dst, const char *src,
         const char *what, char *err, size_t errlen)
{
    size_t n = src != NULL ? strlen(src) : 0;

    if (n >= OBP_ROUTE_LDC_NAME)
        return fail(b, err, errlen, "route server: %s name of %zu bytes "
                    "(at most %d)", what, n, OBP_ROUTE_LDC_NAME - 1);
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return OBP_OK;
}

int
obp_route_add_server(struct obp_route_builder *b,
                     const struct obp_route_server_in *in,
                     char *err, size_t errlen)
{
    uint64_t              nitems;
    struct obp_route_ldc *l;

    if (b->failed)
        return fail(b, err, errlen, "route set: not being built");
    nitems = b->shm->hdr->servers.nitems;
    if (b->nentries > 0)
        return fail(b, err, errlen, "route server: added after entries");
    if (in->server >= nitems)
        return fail(b, err, errlen, "route server: index %u out of range",
                    in->server);
    /* an array by index, so a reader finds a server at once; it is the
       last thing in the bank until the first entry, so it grows in place
       to the highest index given */
    if (b->servers_off == 0)
        b->servers_off = b->used;
    if (in->server >= b->nservers) {
        if (reserve(b, (in->server + 1 - b->nservers) * sizeof(*l), err,
                    errlen) == NULL)
            return OBP_ERROR;
        b->nservers = (uint32_t)in->server + 1;
    }
    l = (struct obp_route_ldc *)(void *)(b->bank + b->servers_off)
        + in->server;
    if (l->known)
        return fail(b, err, errlen, "route server %u given twice",
                    in->server);
    if (ldc_name(b, l->zone, in->zone, "zone", err, errlen) != OBP_OK
        || ldc_name(b, l->region, in->region, "region", err, errlen)
           != OBP_OK
        || ldc_name(b, l->idc, in->idc, "idc", err, errlen) != OBP_OK)
        return OBP_ERROR;
    l->known = 1;
    l->readonly = in->readonly ? 1 : 0;
    if (in->readonly)
        b->flags |= OBP_ROUTE_SET_READONLY_ZONE;
    return OBP_OK;
}

/* Inserts the entry at <off>; OBP_ERROR when its key is there already. */
static int
index_entry(struct obp_route_builder *b, struct obp_route_bucket *bk,
            uint32_t nbuckets, uint32_t off, char *err, size_t errlen)
{
    const struct obp_route_entry *e = (const void *)(b->bank + off);
    struct obp_route_name         names[4];
    uint32_t                      at = e->hash & (nbuckets - 1);

    for (unsigned i = 0; i < 4; i++)
        names[i] = obp_route_entry_name(e, i);
    for (; bk[at].off != 0; at = (at + 1) & (nbuckets - 1)) {
        if (bk[at].hash == e->hash
            && obp_route_entry_is((const void *)(b->bank + bk[at].off),
                                  e->kind, names))
            return fail(b, err, errlen, "route entry %.*s:%.*s:%.*s:%.*s "
                        "given twice", (int)names[0].len, names[0].s,
                        (int)names[1].len, names[1].s, (int)names[2].len,
                        names[2].s, (int)names[3].len, names[3].s);
    }
    bk[at].hash = e->hash;
    bk[at].off = off;
    return OBP_OK;
}

/* Lays the hash index out after the entries, at most half full. */
static int
build_index(struct obp_route_builder *b, struct obp_route_set *set,
            char *err, size_t errlen)
{
    struct obp_route_bucket *bk;
    uint64_t                 nbuckets = obp_route_index_slots(b->nentries);
    uint64_t                 bytes, off, end;

    bytes = nbuckets * sizeof(*bk);
    end = b->used;
    bk = reserve(b, bytes, err, errlen);
    if (bk == NULL)
        return OBP_ERROR;
    for (off = b->nentries > 0 ? b->entries_off : end; off < end;
         off += ((const struct obp_route_entry *)(void *)(b->bank + off))
                ->size)
        if (index_entry(b, bk, (uint32_t)nbuckets, (uint32_t)off, err,
                        errlen) != OBP_OK)
            return OBP_ERROR;
    set->buckets_off = end;
    set->nbuckets = (uint32_t)nbuckets;
    return OBP_OK;
}

int
obp_route_build_commit(struct obp_route_builder *b, char *err, size_t errlen)
{
    struct obp_route_set *set;

    if (b->failed) {
        release(b);
        return fail(b, err, errlen, "route set: not being built");
    }
    set = (struct obp_route_set *)(void *)b->bank;
    memset(set, 0, sizeof(*set));
    if (build_index(b, set, err, errlen) != OBP_OK) {
        release(b);
        return OBP_ERROR;
    }
    set->magic = OBP_ROUTE_SET_MAGIC;
    set->generation = b->generation;
    set->used = b->used;
    set->nentries = b->nentries;
    set->servers_off = b->servers_off;
    set->nservers = b->nservers;
    set->flags = b->flags;
    /* seq_cst: a release for the bank, ordered before the next begin's
       loads of the readers' slots. */
    atomic_store(&obp_route_ctl(b->shm)->root, b->generation);
    b->failed = 1;
    release(b);
    return OBP_OK;
}

void
obp_route_build_abort(struct obp_route_builder *b)
{
    b->failed = 1;
    b->bank = NULL;
    release(b);
}

int
obp_route_peek_begin(struct obp_route_view *v, struct obp_shm *shm,
                     char *err, size_t errlen)
{
    const struct obp_route_set *set;

    memset(v, 0, sizeof(*v));
    if (!claim(shm, err, errlen))
        return OBP_AGAIN;
    v->generation = atomic_load(&obp_route_ctl(shm)->root);
    if (v->generation == 0)
        return OBP_OK;
    set = (const void *)obp_route_bank(shm, v->generation);
    if (set->magic == OBP_ROUTE_SET_MAGIC
        && set->generation == v->generation)
        v->bank = (const char *)set;
    return OBP_OK;
}

void
obp_route_peek_end(struct obp_route_view *v, struct obp_shm *shm)
{
    struct obp_route_builder b = { .shm = shm, .claimed = 1 };

    release(&b);
    v->bank = NULL;
}

static int
sink_begin(void *ctx, char *err, size_t errlen)
{
    struct obp_route_sink_ctx *c = ctx;
    int                        rc = obp_route_build_begin(c->b, c->shm, err,
                                                          errlen);

    if (rc == OBP_OK)
        c->b->flags |= c->flags;
    return rc;
}

static int
sink_add_server(void *ctx, const struct obp_route_server_in *in, char *err,
                size_t errlen)
{
    return obp_route_add_server(((struct obp_route_sink_ctx *)ctx)->b, in,
                                err, errlen);
}

static int
sink_add_table(void *ctx, const struct obp_route_table_in *in, char *err,
               size_t errlen)
{
    return obp_route_add_table(((struct obp_route_sink_ctx *)ctx)->b, in,
                               err, errlen);
}

static int
sink_add_tenant(void *ctx, const struct obp_route_tenant_in *in, char *err,
                size_t errlen)
{
    return obp_route_add_tenant(((struct obp_route_sink_ctx *)ctx)->b, in,
                                err, errlen);
}

static int
sink_commit(void *ctx, char *err, size_t errlen)
{
    return obp_route_build_commit(((struct obp_route_sink_ctx *)ctx)->b,
                                  err, errlen);
}

static void
sink_abort(void *ctx)
{
    obp_route_build_abort(((struct obp_route_sink_ctx *)ctx)->b);
}

static const struct obp_route_sink_ops builder_ops = {
    sink_begin, sink_add_server, sink_add_table, sink_add_tenant,
    sink_commit, sink_abort
};

void
obp_route_sink_init(struct obp_route_sink *sink,
                    struct obp_route_sink_ctx *ctx,
                    struct obp_route_builder *b, struct obp_shm *shm)
{
    ctx->b = b;
    ctx->shm = shm;
    ctx->flags = 0;
    sink->ops = &builder_ops;
    sink->ctx = ctx;
}
