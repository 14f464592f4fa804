/*
 * Session entries in the shared segment (registry.h).  Only the owning
 * worker writes an entry, under its seqlock; readers in other workers
 * copy it and retry while a write is under way.  Entries are found by
 * a scan of the owner slot's entries, from a hint derived from the id.
 */
#include "worker.h"

#include <stddef.h>
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

/* The fields after the atomics: copied and cleared as one block. */
#define BODY_OFF offsetof(struct obp_shm_sess, id)
#define BODY_LEN (sizeof(struct obp_shm_sess) - BODY_OFF)

/* Terminates every name of <e>: a torn or hostile copy stays bounded. */
static void
terminate(struct obp_shm_sess *e)
{
    e->srv_addr[sizeof(e->srv_addr) - 1] = '\0';
    e->user[sizeof(e->user) - 1] = '\0';
    e->tenant[sizeof(e->tenant) - 1] = '\0';
    e->cluster[sizeof(e->cluster) - 1] = '\0';
    e->client[sizeof(e->client) - 1] = '\0';
    e->db[sizeof(e->db) - 1] = '\0';
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
        memcpy((char *)snap + BODY_OFF, (const char *)e + BODY_OFF,
               BODY_LEN);
        atomic_thread_fence(memory_order_acquire);
        s2 = atomic_load_explicit(&e->seq, memory_order_relaxed);
        if (s1 == s2) {
            terminate(snap);
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
    memset((char *)e + BODY_OFF, 0, BODY_LEN);
    write_end(e);
    atomic_store_explicit(&e->kill, 0, memory_order_relaxed);
    atomic_store_explicit(&e->kill_query, 0, memory_order_relaxed);
    atomic_store_explicit(&e->kill_server, 0, memory_order_relaxed);
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

/* Server sessions <s> holds: the current one and the idle ones. */
static uint32_t
server_sessions(const struct obp_session *s)
{
    uint32_t n = s->srv != NULL;

    for (int i = 0; i < OBP_SROUTE_IDLE && s->rt.idle[i] != NULL; i++)
        n++;
    return n;
}

static void
fill(struct obp_shm_sess *e, const struct obp_session *s)
{
    e->id = s->id;
    e->pid = s->w->pid;
    e->srv_thread = s->srv != NULL && s->srv->state == OBP_SRV_READY
                    ? s->srv->thread_id : 0;
    e->admin = s->admin;
    e->ssl = s->cl.x != NULL && s->cl.x->ssl != NULL;
    e->in_trans = (s->status & OBP_SERVER_STATUS_IN_TRANS) != 0;
    obp_strlcpy(e->srv_addr, e->srv_thread != 0 ? s->srv->addr.text : "",
                sizeof(e->srv_addr));
    obp_strlcpy(e->user, s->name.user, sizeof(e->user));
    obp_strlcpy(e->tenant, s->name.tenant, sizeof(e->tenant));
    obp_strlcpy(e->cluster, s->name.cluster, sizeof(e->cluster));
    obp_strlcpy(e->client, s->caddr.text, sizeof(e->client));
    obp_strlcpy(e->db, s->db, sizeof(e->db));
    if (e->login_us == 0)
        e->login_us = (uint64_t)obp_wallclock_us();
    e->nsrv = server_sessions(s);
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
    fill(e, s);
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
    uint32_t             thread;

    for (s = w->sessions; s != NULL; s = next) {
        next = s->next;
        if (s->reg == 0)
            continue;
        e = entry(w, (unsigned)(s->reg - 1));
        if (atomic_load_explicit(&e->kill_query, memory_order_relaxed)
            == s->id) {
            atomic_store_explicit(&e->kill_query, 0, memory_order_relaxed);
            obp_kill_query_own(s);
        }
        thread = atomic_exchange_explicit(&e->kill_server, 0,
                                          memory_order_relaxed);
        if (thread != 0 && obp_session_close_server(s, thread) == OBP_DONE)
            continue;
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
        if (e->id != 0 || atomic_load(&e->kill) != 0
            || atomic_load(&e->kill_query) != 0
            || atomic_load(&e->kill_server) != 0)
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

unsigned
obp_reg_each(struct obp_worker *w, obp_reg_fn fn, void *arg)
{
    struct obp_shm_worker *ws;
    struct obp_shm_sess   *e, snap;
    unsigned               n = 0;
    int32_t                pid;

    for (unsigned slot = 0; slot < w->shm->hdr->nworkers; slot++) {
        if ((ws = obp_shm_worker(w->shm, slot)) == NULL)
            continue;
        pid = atomic_load_explicit(&ws->pid, memory_order_relaxed);
        for (unsigned i = 0; pid != 0 && i < OBP_SHM_SESS_PER_WORKER; i++) {
            e = obp_shm_sess(w->shm, slot, i);
            if (e == NULL || e->id == 0 || read_entry(e, &snap) != OBP_OK
                || snap.id == 0 || snap.pid != pid)
                continue;
            n++;
            if (fn(&snap, arg) != OBP_OK)
                return n;
        }
    }
    return n;
}
