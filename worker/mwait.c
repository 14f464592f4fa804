/*
 * A statement waiting for its table's metadata (mwait.h).
 */
#include "worker.h"

#include <string.h>

#define MISSES 256              /* tables known missing, by hash */

/*
 * Tables still missing after a wait, for server_state_refresh_interval:
 * their statements are not held again (the monitor is still asked, it
 * reads a missing table again after that long).  One per process, as a
 * worker has one loop; a hash collision only skips a wait.
 */
static struct {
    uint64_t hash;
    int64_t  until_us;
} mwait_misses[MISSES];

static uint64_t
mwait_hash(const struct obp_route_key *key)
{
    const struct obp_route_name *n[4] = { &key->cluster, &key->tenant,
                                          &key->database, &key->table };
    uint64_t                     h = UINT64_C(0xcbf29ce484222325);

    for (int i = 0; i < 4; i++) {
        for (size_t k = 0; k < n[i]->len; k++)
            h = (h ^ (uint8_t)n[i]->s[k]) * UINT64_C(0x100000001b3);
        h = (h ^ 0xff) * UINT64_C(0x100000001b3);
    }
    return h;
}

static void
mwait_end(struct obp_session *s)
{
    ev_timer_stop(s->w->loop, &s->mwait.timer);
    s->mwait.active = 0;
}

/* The request answered, or the wait out of time. */
static bool
mwait_over(struct obp_session *s)
{
    return !obp_mreq_waiting(s->w->shm, &s->mwait.ticket)
           || obp_now_us() >= s->mwait.until_us;
}

static void
mwait_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_session *s = t->data;

    if (!mwait_over(s))
        return;
    mwait_end(s);
    obp_session_pump(s);
}

void
obp_mwait_init(struct obp_session *s)
{
    ev_timer_init(&s->mwait.timer, mwait_cb, OBP_MWAIT_POLL, OBP_MWAIT_POLL);
    s->mwait.timer.data = s;
}

int
obp_mwait_table(struct obp_session *s, const struct obp_route_key *key,
                int64_t now_us)
{
    uint64_t h = mwait_hash(key);

    if (s->mwait.active) {
        if (!mwait_over(s))
            return OBP_AGAIN;
        mwait_end(s);
        return OBP_OK;
    }
    if (s->mwait.waited) {
        /* waited for, and still missing */
        mwait_misses[h % MISSES].hash = h;
        mwait_misses[h % MISSES].until_us =
            now_us + s->w->conf->server_state_refresh_interval;
        return OBP_OK;
    }
    if (mwait_misses[h % MISSES].hash == h
        && now_us < mwait_misses[h % MISSES].until_us) {
        (void)obp_mreq_post(s->w->shm, OBP_ROUTE_TABLE, key, now_us,
                            &s->mwait.ticket);
        return OBP_OK;
    }
    if (obp_mreq_post(s->w->shm, OBP_ROUTE_TABLE, key, now_us,
                      &s->mwait.ticket) != OBP_OK)
        return OBP_OK;
    s->mwait.waited = 1;
    s->mwait.active = 1;
    s->mwait.until_us = now_us + s->w->conf->short_async_task_timeout;
    ev_timer_again(s->w->loop, &s->mwait.timer);
    return OBP_AGAIN;
}

static void mwait_dirty(struct obp_session *s, int64_t id);

void
obp_mwait_routed(struct obp_session *s, const struct obp_router_out *out)
{
    s->mwait.table_id = out->found ? out->table_id : 0;
    s->mwait.leader = out->found && out->leaf >= 0
                      && out->kind == OBP_RT_LEADER;
    /* a leader the blocklist holds (dead, or failing): its partition has
       probably moved */
    if (out->found && out->leader >= 0
        && (out->kind == OBP_RT_LEADER || out->kind == OBP_RT_ERROR)
        && obp_route_live(s->w->shm)
        && obp_bl_blocked(s->w->shm, out->leader, obp_now_us(), s->w->conf))
        mwait_dirty(s, out->table_id);
}

/* Entry <e>'s key into <key>. */
static void
mwait_key(const struct obp_route_entry *e, struct obp_route_key *key)
{
    key->cluster = obp_route_entry_name(e, 0);
    key->tenant = obp_route_entry_name(e, 1);
    key->database = obp_route_entry_name(e, 2);
    key->table = obp_route_entry_name(e, 3);
}

/* Table entry <id> of the session's tenant is stale. */
static void
mwait_dirty(struct obp_session *s, int64_t id)
{
    struct obp_route_view         v;
    const struct obp_route_entry *e;
    struct obp_route_key          key;
    struct obp_route_name         tenant = obp_route_name(s->name.tenant);
    struct obp_mreq_ticket        t;
    uint32_t                      pos = 0;

    if (obp_route_read_begin(&v, s->w->shm, s->w->shm_slot) != OBP_OK)
        return;
    /* an error path: the entries are walked rather than keyed */
    while ((e = obp_route_next(&v, &pos)) != NULL) {
        struct obp_route_name en = obp_route_entry_name(e, 1);

        if (e->kind == OBP_ROUTE_TABLE && e->table_id == id
            && en.len == tenant.len
            && memcmp(en.s, tenant.s, en.len) == 0)
            break;
    }
    if (e != NULL && atomic_load(&e->state) != OBP_ROUTE_DIRTY) {
        obp_route_mark_dirty(e);
        mwait_key(e, &key);
        (void)obp_mreq_post(s->w->shm, OBP_ROUTE_TABLE | OBP_MREQ_DIRTY,
                            &key, obp_now_us(), &t);
    }
    obp_route_read_end(&v);
}

void
obp_mwait_failed(struct obp_session *s, unsigned code)
{
    if (code == OBP_OB_NOT_MASTER && s->mwait.table_id != 0
        && obp_route_live(s->w->shm))
        mwait_dirty(s, s->mwait.table_id);
}

void
obp_mwait_stale(struct obp_session *s)
{
    if (s->mwait.table_id != 0 && obp_route_live(s->w->shm))
        mwait_dirty(s, s->mwait.table_id);
}

void
obp_mwait_missed(struct obp_session *s)
{
    /* a statement not sent to a leader is not its partition's anyway */
    if (s->mwait.leader)
        obp_mwait_stale(s);
}

void
obp_mwait_next(struct obp_session *s)
{
    s->mwait.waited = 0;
}

void
obp_mwait_stop(struct obp_session *s)
{
    mwait_end(s);
}
