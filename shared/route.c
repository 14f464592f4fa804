/*
 * The route cache's reader side (route.h): entering the published set
 * from a worker slot, hash lookups, and reading an entry's parts.  Also
 * the hash and the bank geometry the builder (route_build.c) shares.
 */
#include "obp.h"
#include "route.h"
#include "route_int.h"

#include <string.h>

uint64_t
obp_route_bank_size(uint64_t region_size)
{
    uint64_t half;

    if (region_size < sizeof(struct obp_route_ctl))
        return 0;
    half = (region_size - sizeof(struct obp_route_ctl)) / 2;
    if (half > ROUTE_BANK_MAX)
        half = ROUTE_BANK_MAX;
    return half / OBP_SHM_ALIGN * OBP_SHM_ALIGN;
}

struct obp_route_ctl *
obp_route_ctl(const struct obp_shm *shm)
{
    return (struct obp_route_ctl *)((char *)shm->hdr
                                    + shm->hdr->routes.off);
}

char *
obp_route_bank(const struct obp_shm *shm, uint64_t generation)
{
    uint64_t size = obp_route_bank_size(shm->hdr->routes.size);

    return (char *)obp_route_ctl(shm) + sizeof(struct obp_route_ctl)
           + (generation & 1) * size;
}

static uint64_t
fnv_add(uint64_t h, const void *p, size_t len)
{
    const unsigned char *s = p;

    for (size_t i = 0; i < len; i++)
        h = (h ^ s[i]) * UINT64_C(0x100000001b3);
    return h;
}

uint32_t
obp_route_hash(uint32_t kind, const struct obp_route_name names[4])
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    h = fnv_add(h, &kind, sizeof(kind));
    for (int i = 0; i < 4; i++) {
        uint16_t len = (uint16_t)names[i].len;

        /* The length first: ("ab", "c") and ("a", "bc") differ. */
        h = fnv_add(h, &len, sizeof(len));
        h = fnv_add(h, names[i].s, names[i].len);
    }
    return (uint32_t)(h ^ (h >> 32));
}

void
obp_route_key_names(const struct obp_route_key *key,
                    struct obp_route_name names[4])
{
    names[0] = key->cluster;
    names[1] = key->tenant;
    names[2] = key->database;
    names[3] = key->table;
}

struct obp_route_name
obp_route_name(const char *s)
{
    struct obp_route_name n = { s, s != NULL ? strlen(s) : 0 };

    return n;
}

struct obp_route_name
obp_route_entry_name(const struct obp_route_entry *e, unsigned i)
{
    struct obp_route_name n = { NULL, 0 };
    const char           *p = (const char *)e + e->names_off;

    if (i >= 4)
        return n;
    for (unsigned j = 0; j < i; j++)
        p += e->name_len[j];
    n.s = p;
    n.len = e->name_len[i];
    return n;
}

bool
obp_route_entry_is(const struct obp_route_entry *e, uint32_t kind,
                   const struct obp_route_name names[4])
{
    const char *p = (const char *)e + e->names_off;

    if (e->kind != kind)
        return false;
    for (int i = 0; i < 4; i++) {
        if (e->name_len[i] != names[i].len
            || (names[i].len > 0 && memcmp(p, names[i].s, names[i].len)))
            return false;
        p += e->name_len[i];
    }
    return true;
}

int
obp_route_read_begin(struct obp_route_view *v, const struct obp_shm *shm,
                     unsigned slot)
{
    struct obp_shm_worker      *w = obp_shm_worker(shm, slot);
    struct obp_route_ctl       *ctl;
    const struct obp_route_set *set;
    uint64_t                    g;

    v->bank = NULL;
    v->generation = 0;
    v->slot = NULL;
    if (w == NULL)
        return OBP_ERROR;
    ctl = obp_route_ctl(shm);
    /* seq_cst both ways: see "Reclaiming" in route.h. */
    do {
        g = atomic_load(&ctl->root);
        atomic_store(&w->route_gen, g);
    } while (atomic_load(&ctl->root) != g);
    v->slot = &w->route_gen;
    v->generation = g;
    if (g == 0)
        return OBP_OK;
    set = (const struct obp_route_set *)obp_route_bank(shm, g);
    if (set->magic == OBP_ROUTE_SET_MAGIC && set->generation == g)
        v->bank = (const char *)set;
    return OBP_OK;
}

void
obp_route_read_end(struct obp_route_view *v)
{
    if (v->slot != NULL)
        atomic_store_explicit(v->slot, 0, memory_order_release);
    v->bank = NULL;
    v->slot = NULL;
}

void
obp_route_reader_gone(const struct obp_shm *shm, unsigned slot)
{
    struct obp_shm_worker *w = obp_shm_worker(shm, slot);

    if (w != NULL)
        atomic_store(&w->route_gen, 0);
}

const struct obp_route_entry *
obp_route_find(const struct obp_route_view *v, enum obp_route_kind kind,
               const struct obp_route_key *key)
{
    const struct obp_route_set    *set = (const void *)v->bank;
    const struct obp_route_bucket *bk;
    struct obp_route_name          names[4];
    uint32_t                       h, mask;

    if (set == NULL || set->nbuckets == 0)
        return NULL;
    obp_route_key_names(key, names);
    h = obp_route_hash(kind, names);
    mask = set->nbuckets - 1;
    bk = (const void *)(v->bank + set->buckets_off);
    for (uint32_t i = 0, at = h & mask; i < set->nbuckets;
         i++, at = (at + 1) & mask) {
        const struct obp_route_entry *e;

        if (bk[at].off == 0)
            return NULL;
        if (bk[at].hash != h
            || bk[at].off > set->used - sizeof(struct obp_route_entry))
            continue;
        e = (const void *)(v->bank + bk[at].off);
        if (obp_route_entry_is(e, kind, names))
            return e;
    }
    return NULL;
}

const struct obp_route_entry *
obp_route_next(const struct obp_route_view *v, uint32_t *pos)
{
    const struct obp_route_set    *set = (const void *)v->bank;
    const struct obp_route_bucket *bk;

    if (set == NULL)
        return NULL;
    bk = (const void *)(v->bank + set->buckets_off);
    for (; *pos < set->nbuckets; (*pos)++) {
        uint32_t off = bk[*pos].off;

        /* the same bound as a lookup's: an offset inside the set */
        if (off != 0 && off <= set->used - sizeof(struct obp_route_entry)) {
            (*pos)++;
            return (const void *)(v->bank + off);
        }
    }
    return NULL;
}

const struct obp_route_ldc *
obp_route_ldc(const struct obp_route_view *v, unsigned idx)
{
    const struct obp_route_set *set = (const void *)v->bank;
    const struct obp_route_ldc *l;

    if (set == NULL || set->servers_off == 0 || idx >= set->nservers)
        return NULL;
    l = (const struct obp_route_ldc *)(const void *)(v->bank
                                                     + set->servers_off)
        + idx;
    return l->known ? l : NULL;
}

uint32_t
obp_route_ldc_count(const struct obp_route_view *v)
{
    const struct obp_route_set *set = (const void *)v->bank;

    return set != NULL && set->servers_off != 0 ? set->nservers : 0;
}

uint32_t
obp_route_set_flags(const struct obp_route_view *v)
{
    const struct obp_route_set *set = (const void *)v->bank;

    return set != NULL ? set->flags : 0;
}

void
obp_route_set_live(const struct obp_shm *shm, bool live)
{
    atomic_store(&obp_route_ctl(shm)->live, live ? 1 : 0);
}

bool
obp_route_live(const struct obp_shm *shm)
{
    return atomic_load_explicit(&obp_route_ctl(shm)->live,
                                memory_order_relaxed) != 0;
}

void
obp_route_set_cluster_id(const struct obp_shm *shm, int64_t id)
{
    atomic_store(&obp_route_ctl(shm)->cluster_id, id > 0 ? id : 0);
}

int64_t
obp_route_cluster_id(const struct obp_shm *shm)
{
    return atomic_load_explicit(&obp_route_ctl(shm)->cluster_id,
                                memory_order_relaxed);
}

bool
obp_route_lower(char *buf, size_t cap, const char *s, size_t len)
{
    if (len >= cap)
        return false;
    for (size_t i = 0; i < len; i++)
        buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 'a' - 'A')
                                            : s[i];
    buf[len] = '\0';
    return true;
}

const struct obp_part_desc *
obp_route_part(const struct obp_route_entry *e)
{
    if (e->part_off == 0)
        return NULL;
    return (const struct obp_part_desc *)(const void *)((const char *)e
                                                        + e->part_off);
}

const struct obp_route_replica *
obp_route_replicas(const struct obp_route_entry *e, uint32_t leaf,
                   uint32_t *n)
{
    const struct obp_route_leaf *l;

    *n = 0;
    if (leaf >= e->nleaves)
        return NULL;
    l = (const void *)((const char *)e + e->leaves_off);
    *n = l[leaf].count;
    return (const struct obp_route_replica *)(const void *)
           ((const char *)e + e->replicas_off) + l[leaf].first;
}

uint32_t
obp_route_leaf_count(const struct obp_part_desc *d)
{
    const struct obp_part_entry *p;
    uint32_t                     n = 0;

    if (d->levels != 2)
        return d->level[0].count;
    p = OBP_PART_AT(d, d->parts_off, struct obp_part_entry);
    for (uint32_t i = 0; i < d->level[0].count; i++)
        n += p[i].nsub;
    return n;
}

int32_t
obp_route_leaf_index(const struct obp_part_desc *d,
                     const struct obp_part_result *r)
{
    const struct obp_part_entry *p;
    uint32_t                     subs;

    if (r->part_idx < 0 || (uint32_t)r->part_idx >= d->level[0].count)
        return -1;
    if (d->levels != 2)
        return r->part_idx;
    /* Subpartitions follow the partitions, grouped in partition order
       (part.h): a leaf's index is its place in that array. */
    p = OBP_PART_AT(d, d->parts_off, struct obp_part_entry);
    subs = d->parts_off + d->level[0].count
                          * (uint32_t)sizeof(struct obp_part_entry);
    if (r->sub_idx < 0 || (uint32_t)r->sub_idx >= p[r->part_idx].nsub)
        return -1;
    return (int32_t)((p[r->part_idx].sub_off - subs)
                     / sizeof(struct obp_part_entry))
           + r->sub_idx;
}

void
obp_route_mark_dirty(const struct obp_route_entry *e)
{
    /* The state is the one word of a published entry workers write. */
    struct obp_route_entry *w = (struct obp_route_entry *)(uintptr_t)e;

    atomic_store_explicit(&w->state, OBP_ROUTE_DIRTY, memory_order_relaxed);
}

int64_t
obp_route_used_ms(const struct obp_route_entry *e)
{
    return atomic_load_explicit(&e->used_ms, memory_order_relaxed);
}

uint64_t
obp_route_entry_bytes(const struct obp_route_name names[4],
                      const struct obp_part_desc *part, size_t nleaves,
                      uint64_t nreplicas)
{
    uint64_t size = sizeof(struct obp_route_entry);

    for (int i = 0; i < 4; i++)
        size += names[i].len;
    size = ROUND8(size);
    if (part != NULL)
        size += ROUND8(part->size);
    size += nleaves * sizeof(struct obp_route_leaf)
            + nreplicas * sizeof(struct obp_route_replica);
    return ROUND8(size);
}

uint64_t
obp_route_index_slots(uint32_t nentries)
{
    uint64_t n = 8;

    while (n < 2 * (uint64_t)nentries)
        n *= 2;
    return n;
}
