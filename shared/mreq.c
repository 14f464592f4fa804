/*
 * Metadata requests between workers and the monitor (mreq.h).
 */
#include "obp.h"
#include "mreq.h"
#include "route_int.h"

#include <string.h>

#define FILLING_STALE_US INT64_C(1000000)

static struct obp_shm_mreq *
slot_at(const struct obp_shm *shm, unsigned i)
{
    struct obp_shm_hdr *h = shm->hdr;

    return (struct obp_shm_mreq *)(void *)((char *)h + h->mreqs.off) + i;
}

/* Whether slot <m> (read under ticket <tk>) holds <kind> and <names>. */
static bool
holds(const struct obp_shm_mreq *m, uint32_t kind,
      const struct obp_route_name names[4])
{
    size_t off = 0;

    if (m->kind != kind)
        return false;
    for (int i = 0; i < 4; i++) {
        if (m->len[i] != names[i].len
            || memcmp(m->names + off, names[i].s, names[i].len) != 0)
            return false;
        off += names[i].len;
    }
    return true;
}

/* A request of the same key under way: its ticket into <t>. */
static bool
join(const struct obp_shm *shm, uint32_t kind,
     const struct obp_route_name names[4], struct obp_mreq_ticket *t)
{
    for (unsigned i = 0; i < OBP_MREQ_SLOTS; i++) {
        struct obp_shm_mreq *m = slot_at(shm, i);
        uint32_t             st = atomic_load(&m->state);
        uint32_t             tk = atomic_load(&m->ticket);

        if ((st != OBP_MREQ_PENDING && st != OBP_MREQ_TAKEN)
            || !holds(m, kind, names))
            continue;
        /* the names read belong to the ticket read before them */
        if (atomic_load(&m->ticket) != tk)
            continue;
        t->slot = i;
        t->ticket = tk;
        return true;
    }
    return false;
}

static void
fill(struct obp_shm_mreq *m, uint32_t kind,
     const struct obp_route_name names[4], int64_t now_us)
{
    size_t off = 0;

    m->kind = kind;
    m->since_us = now_us;
    for (int i = 0; i < 4; i++) {
        m->len[i] = (uint16_t)names[i].len;
        memcpy(m->names + off, names[i].s, names[i].len);
        off += names[i].len;
    }
}

int
obp_mreq_post(const struct obp_shm *shm, uint32_t kind,
              const struct obp_route_key *key, int64_t now_us,
              struct obp_mreq_ticket *t)
{
    struct obp_route_name names[4];
    size_t                total = 0;

    obp_route_key_names(key, names);
    for (int i = 0; i < 4; i++) {
        if (names[i].len > OBP_ROUTE_NAME_MAX)
            return OBP_ERROR;
        total += names[i].len;
    }
    if (total > OBP_MREQ_NAMES || shm->hdr->mreqs.nitems != OBP_MREQ_SLOTS)
        return OBP_ERROR;
    if (join(shm, kind, names, t))
        return OBP_OK;
    for (unsigned i = 0; i < OBP_MREQ_SLOTS; i++) {
        struct obp_shm_mreq *m = slot_at(shm, i);
        uint32_t             free_st = OBP_MREQ_FREE;

        if (!atomic_compare_exchange_strong(&m->state, &free_st,
                                            OBP_MREQ_FILLING))
            continue;
        t->slot = i;
        t->ticket = atomic_fetch_add(&m->ticket, 1) + 1;
        fill(m, kind, names, now_us);
        atomic_store(&m->state, OBP_MREQ_PENDING);
        return OBP_OK;
    }
    return OBP_ERROR;
}

bool
obp_mreq_waiting(const struct obp_shm *shm, const struct obp_mreq_ticket *t)
{
    struct obp_shm_mreq *m;
    uint32_t             st;

    if (t->slot >= OBP_MREQ_SLOTS)
        return false;
    m = slot_at(shm, t->slot);
    st = atomic_load(&m->state);
    return st != OBP_MREQ_FREE && atomic_load(&m->ticket) == t->ticket;
}

/* A slot left FILLING by a worker that died: freed once seen stale. */
static void
reap(struct obp_shm_mreq *m, unsigned i, int64_t now_us,
     struct obp_mreq_seen *seen)
{
    uint32_t tk = atomic_load(&m->ticket);
    uint32_t filling = OBP_MREQ_FILLING;

    if (seen->ticket[i] != tk || seen->at_us[i] == 0) {
        seen->ticket[i] = tk;
        seen->at_us[i] = now_us;
        return;
    }
    if (now_us - seen->at_us[i] >= FILLING_STALE_US) {
        atomic_compare_exchange_strong(&m->state, &filling, OBP_MREQ_FREE);
        seen->at_us[i] = 0;
    }
}

static void
copy_name(char *dst, const char *src, size_t len)
{
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void
copy_out(const struct obp_shm_mreq *m, unsigned i, struct obp_mreq_req *out)
{
    char  *dst[4] = { out->cluster, out->tenant, out->database, out->table };
    size_t off = 0;

    out->slot = i;
    out->kind = m->kind;
    out->since_us = m->since_us;
    for (int k = 0; k < 4; k++) {
        copy_name(dst[k], m->names + off, m->len[k]);
        off += m->len[k];
    }
}

int
obp_mreq_take(const struct obp_shm *shm, unsigned *pos, int64_t now_us,
              struct obp_mreq_seen *seen, struct obp_mreq_req *out)
{
    if (shm->hdr->mreqs.nitems != OBP_MREQ_SLOTS)
        return OBP_DONE;
    for (; *pos < OBP_MREQ_SLOTS; (*pos)++) {
        struct obp_shm_mreq *m = slot_at(shm, *pos);
        uint32_t             st = OBP_MREQ_PENDING;

        if (atomic_load(&m->state) == OBP_MREQ_FILLING) {
            reap(m, *pos, now_us, seen);
            continue;
        }
        if (!atomic_compare_exchange_strong(&m->state, &st, OBP_MREQ_TAKEN))
            continue;
        copy_out(m, *pos, out);
        (*pos)++;
        return OBP_OK;
    }
    return OBP_DONE;
}

void
obp_mreq_requeue(const struct obp_shm *shm)
{
    if (shm->hdr->mreqs.nitems != OBP_MREQ_SLOTS)
        return;
    for (unsigned i = 0; i < OBP_MREQ_SLOTS; i++) {
        uint32_t taken = OBP_MREQ_TAKEN;

        atomic_compare_exchange_strong(&slot_at(shm, i)->state, &taken,
                                       OBP_MREQ_PENDING);
    }
}

void
obp_mreq_done(const struct obp_shm *shm, uint32_t slot)
{
    if (slot < OBP_MREQ_SLOTS && shm->hdr->mreqs.nitems == OBP_MREQ_SLOTS)
        atomic_store(&slot_at(shm, slot)->state, OBP_MREQ_FREE);
}
