/*
 * Partition calculation over a description blob (ODP-REFERENCE 6.2 to
 * 6.6).  Reads the blob in place and never allocates: safe on every
 * worker's fast path over the shared segment.
 */
#include "obp.h"
#include "part.h"
#include "part_cast.h"
#include "part_hash.h"

#include <string.h>

/* Where one level's partitions of interest live in the blob. */
struct level_ref {
    const struct obp_part_level *lvl;
    const struct obp_part_col   *cols;
    const struct obp_part_entry *entries;
    uint32_t                     count;
    int32_t                      default_idx;
};

static int
cell_cmp(const struct obp_part_desc *d, const struct obp_part_col *col,
         const struct obp_part_key *k, const struct obp_part_cell *c,
         int *out)
{
    if (c->kind == OBP_PCELL_MAX || k->kind == OBP_PCELL_NULL
        || c->kind == OBP_PCELL_NULL) {
        /* NULL sorts first, MAXVALUE last (a key is never MAXVALUE). */
        *out = c->kind == OBP_PCELL_MAX ? -1
               : k->kind == c->kind ? 0
               : k->kind == OBP_PCELL_NULL ? -1 : 1;
        return OBP_OK;
    }
    switch (k->kind) {
    case OBP_PCELL_INT:
        *out = k->i < c->v.i ? -1 : k->i > c->v.i;
        return OBP_OK;
    case OBP_PCELL_UINT:
        *out = k->u < c->v.u ? -1 : k->u > c->v.u;
        return OBP_OK;
    default:
        return obp_part_str_cmp(col->collation, k->s, k->len,
                                OBP_PART_AT(d, c->v.off, char), c->len, out);
    }
}

/* Orders a key tuple against a bound tuple, column by column. */
static int
tuple_cmp(const struct obp_part_desc *d, const struct level_ref *l,
          const struct obp_part_key *keys, const struct obp_part_cell *cells,
          int *out)
{
    unsigned i;

    *out = 0;
    for (i = 0; i < l->lvl->ncols && *out == 0; i++) {
        if (cell_cmp(d, &l->cols[i], &keys[i], &cells[i], out) != OBP_OK)
            return OBP_ERROR;
        if (cells[i].kind == OBP_PCELL_MAX)
            break;
    }
    return OBP_OK;
}

static int
hash_index(const struct obp_part_key *k, uint32_t count, int *idx)
{
    int64_t v;

    if (k->kind == OBP_PCELL_NULL) {
        v = 0;
    } else if (k->kind == OBP_PCELL_UINT) {
        if (k->u > INT64_MAX)
            return OBP_ERROR;
        v = (int64_t)k->u;
    } else {
        v = k->i == INT64_MIN ? INT64_MAX : k->i < 0 ? -k->i : k->i;
    }
    *idx = (int)(v % count);
    return OBP_OK;
}

static uint64_t
hash_int64(uint64_t v, uint64_t seed)
{
    unsigned char b[8];
    int i;

    for (i = 0; i < 8; i++, v >>= 8)
        b[i] = (unsigned char)v;
    return obp_part_murmur64a(b, sizeof(b), seed);
}

static int
key_index(const struct level_ref *l, const struct obp_part_key *keys,
          int *idx)
{
    uint64_t h = 0, r;
    unsigned i;

    for (i = 0; i < l->lvl->ncols; i++) {
        switch (keys[i].kind) {
        case OBP_PCELL_NULL:
            /* KEY hashes NULL as the integer 0. */
            h = hash_int64(0, h);
            break;
        case OBP_PCELL_INT:
            h = hash_int64((uint64_t)keys[i].i, h);
            break;
        case OBP_PCELL_UINT:
            h = hash_int64(keys[i].u, h);
            break;
        default:
            if (obp_part_str_hash(l->cols[i].collation, keys[i].s,
                                  keys[i].len, h, &h) != OBP_OK)
                return OBP_ERROR;
        }
    }
    /* |(int64)h|, with INT64_MIN left as 2^63 as in ODP. */
    r = (int64_t)h < 0 ? 0 - h : h;
    *idx = (int)(r % l->count);
    return OBP_OK;
}

static enum obp_part_rc
range_index(const struct obp_part_desc *d, const struct level_ref *l,
            const struct obp_part_key *keys, int *idx)
{
    uint32_t lo = 0, hi = l->count, mid;
    const struct obp_part_cell *cells;
    int c;

    /* upper_bound: the first partition whose high bound is greater. */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        cells = OBP_PART_AT(d, l->entries[mid].cells_off,
                            struct obp_part_cell);
        if (tuple_cmp(d, l, keys, cells, &c) != OBP_OK)
            return OBP_PART_NO_KEY;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == l->count)
        return OBP_PART_NO_FIT;
    *idx = (int)lo;
    return OBP_PART_COMPUTED;
}

static enum obp_part_rc
list_index(const struct obp_part_desc *d, const struct level_ref *l,
           const struct obp_part_key *keys, int *idx)
{
    const struct obp_part_entry *e;
    const struct obp_part_cell *cells;
    uint32_t i, t;
    int c;

    for (i = 0; i < l->count; i++) {
        e = &l->entries[i];
        cells = OBP_PART_AT(d, e->cells_off, struct obp_part_cell);
        for (t = 0; t < e->ntuples; t++, cells += l->lvl->ncols) {
            if (tuple_cmp(d, l, keys, cells, &c) != OBP_OK)
                return OBP_PART_NO_KEY;
            if (c == 0) {
                *idx = (int)i;
                return OBP_PART_COMPUTED;
            }
        }
    }
    if (l->default_idx < 0)
        return OBP_PART_NO_FIT;
    *idx = l->default_idx;
    return OBP_PART_COMPUTED;
}

static enum obp_part_rc
level_index(const struct obp_part_desc *d, const struct level_ref *l,
            const struct obp_part_value *vals, size_t n, int *idx)
{
    struct obp_part_key keys[OBP_PART_MAX_COLS];
    unsigned i;

    if (n != l->lvl->ncols || l->count == 0)
        return OBP_PART_NO_KEY;
    for (i = 0; i < n; i++) {
        if (obp_part_cast(&l->cols[i], &vals[i], &keys[i]) != OBP_OK)
            return OBP_PART_NO_KEY;
    }
    switch (l->lvl->type) {
    case OBP_PART_HASH:
        return hash_index(&keys[0], l->count, idx) == OBP_OK
               ? OBP_PART_COMPUTED : OBP_PART_NO_KEY;
    case OBP_PART_KEY:
    case OBP_PART_KEY_IMPLICIT:
        return key_index(l, keys, idx) == OBP_OK
               ? OBP_PART_COMPUTED : OBP_PART_NO_KEY;
    case OBP_PART_RANGE:
    case OBP_PART_RANGE_COLUMNS:
        return range_index(d, l, keys, idx);
    default:
        return list_index(d, l, keys, idx);
    }
}

static int
is_range(const struct obp_part_level *lvl)
{
    return lvl->type == OBP_PART_RANGE || lvl->type == OBP_PART_RANGE_COLUMNS;
}

/* Fills <res> with partition <pi>, subpartition <si> (or none). */
static void
set_result(const struct obp_part_desc *d, int pi, int si,
           struct obp_part_result *res)
{
    const struct obp_part_entry *p;

    p = OBP_PART_AT(d, d->parts_off, struct obp_part_entry) + pi;
    res->part_idx = pi;
    res->part_id = p->id;
    if (si >= 0) {
        res->sub_idx = si;
        res->sub_id = OBP_PART_AT(d, p->sub_off, struct obp_part_entry)[si].id;
    }
}

/* A level that fits nothing: RANGE goes to p0 sp0, LIST to nowhere. */
static enum obp_part_rc
no_fit(const struct obp_part_desc *d, const struct obp_part_level *lvl,
       struct obp_part_result *res)
{
    res->part_idx = res->sub_idx = -1;
    res->part_id = res->sub_id = -1;
    if (is_range(lvl))
        set_result(d, 0, d->levels == 2 ? 0 : -1, res);
    return OBP_PART_NO_FIT;
}

enum obp_part_rc
obp_part_calc(const struct obp_part_desc *d,
              const struct obp_part_value *k1, size_t n1,
              const struct obp_part_value *k2, size_t n2,
              struct obp_part_result *res)
{
    const struct obp_part_entry *p;
    struct level_ref l;
    enum obp_part_rc rc;
    int pi = 0, si = 0;

    res->part_idx = res->sub_idx = -1;
    res->part_id = res->sub_id = -1;
    if (d->magic != OBP_PART_MAGIC)
        return OBP_PART_NO_KEY;
    l.lvl = &d->level[0];
    l.cols = OBP_PART_AT(d, l.lvl->cols_off, struct obp_part_col);
    l.entries = OBP_PART_AT(d, d->parts_off, struct obp_part_entry);
    l.count = l.lvl->count;
    l.default_idx = l.lvl->default_idx;
    rc = level_index(d, &l, k1, n1, &pi);
    if (rc == OBP_PART_NO_FIT)
        return no_fit(d, l.lvl, res);
    if (rc != OBP_PART_COMPUTED)
        return rc;
    if (d->levels == 1) {
        set_result(d, pi, -1, res);
        return OBP_PART_COMPUTED;
    }
    p = &l.entries[pi];
    l.lvl = &d->level[1];
    l.cols = OBP_PART_AT(d, l.lvl->cols_off, struct obp_part_col);
    l.entries = OBP_PART_AT(d, p->sub_off, struct obp_part_entry);
    l.count = p->nsub;
    l.default_idx = p->sub_default;
    rc = level_index(d, &l, k2, n2, &si);
    if (rc == OBP_PART_NO_FIT)
        return no_fit(d, l.lvl, res);
    if (rc != OBP_PART_COMPUTED)
        return rc;
    set_result(d, pi, si, res);
    return OBP_PART_COMPUTED;
}

int
obp_part_find_name(const struct obp_part_desc *d, const char *name)
{
    const struct obp_part_entry *p;
    uint32_t i;

    p = OBP_PART_AT(d, d->parts_off, struct obp_part_entry);
    for (i = 0; i < d->level[0].count; i++) {
        if (obp_strcasecmp(OBP_PART_AT(d, p[i].name_off, char), name) == 0)
            return (int)i;
    }
    return -1;
}
