/*
 * Lays a builder's validated declarations out as one position-independent
 * blob (layout in part.h): sizes first, then one malloc, then each array.
 */
#include "obp.h"
#include "part_build.h"

#include <stdlib.h>
#include <string.h>

#define ALIGN8(n)   (((n) + 7) & ~(size_t)7)

struct layout {
    size_t cols, parts, subs, cells, strs, size;
    size_t nsubs, ncells, nstrs;
};

struct writer {
    char   *base;
    size_t  sub, cell, str;     /* next free offsets */
};

static void
count_part(const struct obp_part_builder *b, const struct obp_part_bpart *p,
           int level, struct layout *l)
{
    size_t i;

    l->ncells += p->ntuples * b->lv[level].ncols;
    l->nstrs += strlen(p->name) + 1;
    for (i = 0; i < p->ntuples * b->lv[level].ncols; i++)
        l->nstrs += p->vals[i].kind == OBP_PCELL_STR ? p->vals[i].len : 0;
    for (i = 0; i < p->nsub; i++)
        count_part(b, &p->subs[i], 1, l);
    l->nsubs += p->nsub;
}

static void
plan(const struct obp_part_builder *b, struct layout *l)
{
    size_t i;

    memset(l, 0, sizeof(*l));
    for (i = 0; i < b->nparts; i++)
        count_part(b, &b->parts[i], 0, l);
    l->cols = ALIGN8(sizeof(struct obp_part_desc));
    l->parts = l->cols + ALIGN8((b->lv[0].ncols + b->lv[1].ncols)
                                * sizeof(struct obp_part_col));
    l->subs = l->parts + b->nparts * sizeof(struct obp_part_entry);
    l->cells = l->subs + l->nsubs * sizeof(struct obp_part_entry);
    l->strs = l->cells + l->ncells * sizeof(struct obp_part_cell);
    l->size = ALIGN8(l->strs + l->nstrs);
}

static uint32_t
put_bytes(struct writer *w, const char *s, size_t len, int nul)
{
    uint32_t off = (uint32_t)w->str;

    memcpy(w->base + w->str, s, len);
    w->str += len;
    if (nul)
        w->base[w->str++] = '\0';
    return off;
}

static int32_t
default_index(const struct obp_part_bpart *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (list[i].is_default)
            return (int32_t)i;
    }
    return -1;
}

static void
put_entry(struct writer *w, const struct obp_part_builder *b,
          const struct obp_part_bpart *p, int level,
          struct obp_part_entry *e)
{
    struct obp_part_cell *c;
    size_t i, n = p->ntuples * b->lv[level].ncols;

    memset(e, 0, sizeof(*e));
    e->id = p->id;
    e->name_off = put_bytes(w, p->name, strlen(p->name), 1);
    e->ntuples = (uint32_t)p->ntuples;
    e->is_default = (uint8_t)p->is_default;
    e->cells_off = (uint32_t)w->cell;
    e->sub_default = default_index(p->subs, p->nsub);
    c = (struct obp_part_cell *)(void *)(w->base + w->cell);
    w->cell += n * sizeof(*c);
    for (i = 0; i < n; i++) {
        memset(&c[i], 0, sizeof(c[i]));
        c[i].kind = (uint8_t)p->vals[i].kind;
        if (p->vals[i].kind == OBP_PCELL_STR) {
            c[i].len = (uint32_t)p->vals[i].len;
            c[i].v.off = put_bytes(w, p->vals[i].s, p->vals[i].len, 0);
        } else if (p->vals[i].kind == OBP_PCELL_UINT) {
            c[i].v.u = p->vals[i].u;
        } else {
            c[i].v.i = p->vals[i].i;
        }
    }
    e->nsub = (uint32_t)p->nsub;
    e->sub_off = (uint32_t)w->sub;
    w->sub += p->nsub * sizeof(*e);
    for (i = 0; i < p->nsub; i++)
        put_entry(w, b, &p->subs[i], 1,
                  (struct obp_part_entry *)(void *)(w->base + e->sub_off)
                  + i);
}

static void
put_level(const struct obp_part_builder *b, int level, uint32_t cols_off,
          struct obp_part_desc *d)
{
    struct obp_part_level *lv = &d->level[level];

    lv->type = (uint8_t)b->lv[level].type;
    lv->ncols = (uint8_t)b->lv[level].ncols;
    lv->cols_off = cols_off;
    memcpy((char *)d + cols_off, b->lv[level].cols,
           b->lv[level].ncols * sizeof(struct obp_part_col));
    lv->count = level == 0 ? (uint32_t)b->nparts : 0;
    lv->default_idx = level == 0 ? default_index(b->parts, b->nparts) : -1;
}

struct obp_part_desc *
obp_part_blob(const struct obp_part_builder *b)
{
    struct obp_part_desc *d;
    struct layout l;
    struct writer w;
    size_t i;

    plan(b, &l);
    if (l.size > UINT32_MAX)
        return NULL;
    d = calloc(1, l.size);
    if (d == NULL)
        return NULL;
    d->magic = OBP_PART_MAGIC;
    d->size = (uint32_t)l.size;
    d->levels = b->lv[1].declared ? 2 : 1;
    d->parts_off = (uint32_t)l.parts;
    put_level(b, 0, (uint32_t)l.cols, d);
    if (d->levels == 2)
        put_level(b, 1, (uint32_t)(l.cols + b->lv[0].ncols
                                   * sizeof(struct obp_part_col)), d);
    w.base = (char *)d;
    w.sub = l.subs;
    w.cell = l.cells;
    w.str = l.strs;
    for (i = 0; i < b->nparts; i++)
        put_entry(&w, b, &b->parts[i], 0,
                  (struct obp_part_entry *)(void *)(w.base + l.parts) + i);
    return d;
}
