/*
 * A server session's statement map (srvstmt.h).
 */
#include "worker.h"

#include <stdlib.h>

#define CAP_MIN 8

static uint32_t
home(const struct obp_srvstmt_map *m, uint32_t cid)
{
    return (cid * 2654435761u) & (m->cap - 1);
}

static uint32_t
find(const struct obp_srvstmt_map *m, uint32_t cid)
{
    uint32_t i;

    if (m->cap == 0)
        return 0;
    /* the table is never full: a free slot ends the probe */
    for (i = home(m, cid); m->slot[i].cid != 0; i = (i + 1) & (m->cap - 1))
        if (m->slot[i].cid == cid)
            return i;
    return m->cap;
}

struct obp_srvstmt *
obp_srvstmt_get(const struct obp_srvstmt_map *m, uint32_t cid)
{
    uint32_t i = find(m, cid);

    return i < m->cap ? &m->slot[i] : NULL;
}

static void
insert(struct obp_srvstmt_map *m, const struct obp_srvstmt *e)
{
    uint32_t i;

    for (i = home(m, e->cid); m->slot[i].cid != 0; i = (i + 1) & (m->cap - 1))
        ;
    m->slot[i] = *e;
    m->n++;
}

/* Keeps the load under one half. */
static int
grow(struct obp_srvstmt_map *m)
{
    struct obp_srvstmt_map old = *m;
    uint32_t               cap = m->cap == 0 ? CAP_MIN : m->cap * 2;

    if ((m->n + 1) * 2 <= m->cap)
        return OBP_OK;
    m->slot = calloc(cap, sizeof(*m->slot));
    if (m->slot == NULL) {
        *m = old;
        return OBP_ERROR;
    }
    m->cap = cap;
    m->n = 0;
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.slot[i].cid != 0)
            insert(m, &old.slot[i]);
    free(old.slot);
    return OBP_OK;
}

int
obp_srvstmt_put(struct obp_srvstmt_map *m, uint32_t cid, uint32_t sid)
{
    struct obp_srvstmt *e = obp_srvstmt_get(m, cid);
    struct obp_srvstmt  n = { cid, sid, false };

    if (e != NULL) {
        *e = n;
        return OBP_OK;
    }
    if (grow(m) != OBP_OK)
        return OBP_ERROR;
    insert(m, &n);
    return OBP_OK;
}

void
obp_srvstmt_del(struct obp_srvstmt_map *m, uint32_t cid)
{
    uint32_t i = find(m, cid), j, k, mask = m->cap - 1;

    if (i >= m->cap)
        return;
    m->slot[i].cid = 0;
    m->n--;
    /* pull back the entries the hole would cut off from their home */
    for (j = (i + 1) & mask; m->slot[j].cid != 0; j = (j + 1) & mask) {
        k = home(m, m->slot[j].cid);
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        m->slot[i] = m->slot[j];
        m->slot[j].cid = 0;
        i = j;
    }
}

void
obp_srvstmt_clear(struct obp_srvstmt_map *m)
{
    free(m->slot);
    m->slot = NULL;
    m->cap = 0;
    m->n = 0;
}
