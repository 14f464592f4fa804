/*
 * Session entries in the shared segment (registry.h).  Only the owning
 * worker writes an entry, under its seqlock; readers in other workers
 * copy it and retry while a write is under way.  Entries are found by
 * a scan of the owner slot's entries, from a hint derived from the id.
 */
#include "worker.h"

#include <string.h>

#define READ_TRIES 64           /* a writer holds the seqlock briefly */

static void
write_begin(struct obp_shm_sess *e)
{
    uint32_t seq = atomic_load_explicit(&e->seq, memory_order_relaxed);

    atomic_store_explicit(&e->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
}

static void
write_end(struct obp_shm_sess *e)
{
    uint32_t seq = atomic_load_explicit(&e->seq, memory_order_relaxed);

    atomic_store_explicit(&e->seq, seq + 1, memory_order_release);
}

/* A consistent copy of <e>; OBP_ERROR when the writer kept it busy. */
static int
read_entry(struct obp_shm_sess *e, struct obp_shm_sess *snap)
{
    uint32_t s1, s2;

    for (int i = 0; i < READ_TRIES; i++) {
        s1 = atomic_load_explicit(&e->seq, memory_order_acquire);
        if (s1 & 1)
            continue;
        snap->id = e->id;
        snap->pid = e->pid;
        snap->srv_thread = e->srv_thread;
        memcpy(snap->srv_addr, e->srv_addr, sizeof(snap->srv_addr));
        memcpy(snap->user, e->user, sizeof(snap->user));
        atomic_thread_fence(memory_order_acquire);
        s2 = atomic_load_explicit(&e->seq, memory_order_relaxed);
        if (s1 == s2) {
            snap->srv_addr[sizeof(snap->srv_addr) - 1] = '\0';
            snap->user[sizeof(snap->user) - 1] = '\0';
            return OBP_OK;
        }
    }
    return OBP_ERROR;
}

static struct obp_shm_sess *
entry(struct obp_worker *w, unsigned idx)
{
    return obp_shm_sess(w->shm, w->shm_slot, idx);
}

static void
clear(struct obp_shm_sess *e)
{
    write_begin(e);
    e->id = 0;
    e->pid = 0;
    e->srv_thread = 0;
    e->srv_addr[0] = '\0';
    e->user[0] = '\0';
    write_end(e);
    atomic_store_explicit(&e->kill, 0, memory_order_relaxed);
}

/* A free entry of ours for <id>, from its hint on; -1 when all are used. */
static int
take_entry(struct obp_worker *w, uint32_t id)
{
    struct obp_shm_sess *e;

    for (unsigned i = 0; i < OBP_SHM_SESS_PER_WORKER; i++) {
        unsigned idx = (id + i) % OBP_SHM_SESS_PER_WORKER;

        e = entry(w, idx);
        if (e != NULL && e->id == 0)
            return (int)idx;
    }
    return -1;
}

void
obp_reg_update(struct obp_session *s)
{
    struct obp_shm_sess *e;
    int                  idx = s->reg - 1;

    if (idx < 0) {
        idx = take_entry(s->w, s->id);
        if (idx < 0) {
            obp_log(OBP_LOG_WARN, s->id, 0, "no free session entry in the "
                    "shared segment: KILL cannot reach this session");
            return;
        }
        s->reg = idx + 1;
    }
    e = entry(s->w, (unsigned)idx);
    write_begin(e);
    e->id = s->id;
    e->pid = s->w->pid;
    e->srv_thread = s->srv != NULL && s->srv->state == OBP_SRV_READY
                    ? s->srv->thread_id : 0;
    obp_strlcpy(e->srv_addr, e->srv_thread != 0 ? s->srv->addr.text : "",
                sizeof(e->srv_addr));
    obp_strlcpy(e->user, s->name.user, sizeof(e->user));
    write_end(e);
}

void
obp_reg_clear(struct obp_session *s)
{
    if (s->reg == 0)
        return;
    clear(entry(s->w, (unsigned)(s->reg - 1)));
    s->reg = 0;
}

/* Session <id>'s entry among worker slot <slot>'s, or NULL. */
static struct obp_shm_sess *
find_in(struct obp_worker *w, unsigned slot, uint32_t id,
        struct obp_shm_sess *snap)
{
    struct obp_shm_worker *ws = obp_shm_worker(w->shm, slot);
    struct obp_shm_sess   *e;
    int32_t                pid;

    if (ws == NULL)
        return NULL;
    /* entries of a dead worker stay until its successor frees them */
    pid = atomic_load_explicit(&ws->pid, memory_order_relaxed);
    for (unsigned i = 0; pid != 0 && i < OBP_SHM_SESS_PER_WORKER; i++) {
        e = obp_shm_sess(w->shm, slot, (id + i) % OBP_SHM_SESS_PER_WORKER);
        if (e == NULL || read_entry(e, snap) != OBP_OK)
            continue;
        if (snap->id == id && snap->pid == pid)
            return e;
    }
    return NULL;
}

struct obp_shm_sess *
obp_reg_find(struct obp_worker *w, uint32_t id, struct obp_shm_sess *snap)
{
    struct obp_shm_sess *e;
    unsigned             slot;

    if (id == 0 || obp_sessid_proxy(id) != (unsigned)w->conf->proxy_id)
        return NULL;
    /* each generation of a hot upgrade has its half of the slots */
    slot = obp_sessid_upgrade_bit(id) * (w->shm->hdr->nworkers / 2)
           + obp_sessid_slot(id, w->nslots);
    if ((e = find_in(w, slot, id, snap)) != NULL)
        return e;
    /* a session handed over by a hot upgrade keeps its id elsewhere */
    for (unsigned i = 0; i < w->shm->hdr->nworkers; i++)
        if (i != slot && (e = find_in(w, i, id, snap)) != NULL)
            return e;
    return NULL;
}

/* Closes the sessions another worker (or we) asked to kill. */
static void
poll_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_worker   *w = t->data;
    struct obp_session  *s, *next;
    struct obp_shm_sess *e;

    for (s = w->sessions; s != NULL; s = next) {
        next = s->next;
        if (s->reg == 0)
            continue;
        e = entry(w, (unsigned)(s->reg - 1));
        if (atomic_load_explicit(&e->kill, memory_order_relaxed) != s->id)
            continue;
        obp_log(OBP_LOG_INFO, s->id, 0, "client %s killed by KILL",
                s->caddr.text);
        obp_session_close(s, "killed");
    }
}

void
obp_reg_start(struct obp_worker *w)
{
    struct obp_shm_sess *e;

    for (unsigned i = 0; (e = entry(w, i)) != NULL; i++)
        if (e->id != 0 || atomic_load(&e->kill) != 0)
            clear(e);
    ev_timer_init(&w->reg_timer, poll_cb, OBP_REG_POLL, OBP_REG_POLL);
    w->reg_timer.data = w;
    ev_timer_start(w->loop, &w->reg_timer);
}

void
obp_reg_stop(struct obp_worker *w)
{
    ev_timer_stop(w->loop, &w->reg_timer);
}
