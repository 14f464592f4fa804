/*
 * The monitor's findings in the server table (srvstate.h).
 */
#include "obp.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define GTID_READ_TRIES 16      /* the monitor holds the seqlock briefly */

static struct obp_shm_server *
srvstate_entry(const struct obp_shm *shm, int idx)
{
    struct obp_shm_server *e;

    if (idx < 0 || shm == NULL || shm->hdr == NULL
        || (unsigned)idx >= shm->hdr->servers.nitems)
        return NULL;
    e = obp_shm_server(shm, (unsigned)idx);
    return atomic_load_explicit(&e->state, memory_order_acquire)
           != OBP_SRV_UNUSED ? e : NULL;
}

int
obp_srvstate_get(const struct obp_shm *shm, int idx,
                 struct obp_srvstate *out)
{
    struct obp_shm_server *e = srvstate_entry(shm, idx);

    if (e == NULL)
        return OBP_ERROR;
    out->detect = atomic_load_explicit(&e->detect, memory_order_relaxed);
    out->detect_fails = atomic_load_explicit(&e->detect_fails,
                                             memory_order_relaxed);
    out->detect_since_us = atomic_load_explicit(&e->detect_since_us,
                                                memory_order_relaxed);
    out->probe_us = atomic_load_explicit(&e->probe_us, memory_order_relaxed);
    out->read_only = atomic_load_explicit(&e->read_only,
                                          memory_order_relaxed);
    out->repl = atomic_load_explicit(&e->repl, memory_order_relaxed);
    out->lag_us = atomic_load_explicit(&e->lag_us, memory_order_relaxed);
    return OBP_OK;
}

bool
obp_srvstate_dead(const struct obp_shm *shm, int idx)
{
    struct obp_shm_server *e = srvstate_entry(shm, idx);

    return e != NULL && atomic_load_explicit(&e->detect, memory_order_relaxed)
                        == OBP_DETECT_DEAD;
}

bool
obp_srvstate_out(const struct obp_shm *shm, int idx)
{
    struct obp_shm_server *e = srvstate_entry(shm, idx);
    uint32_t               st;

    if (e == NULL)
        return false;
    st = atomic_load_explicit(&e->ob_state, memory_order_relaxed);
    return st != OBP_OB_NONE && st != OBP_OB_ACTIVE;
}

uint32_t
obp_srvstate_ob_set(const struct obp_shm *shm, int idx, uint32_t state)
{
    struct obp_shm_server *e = srvstate_entry(shm, idx);

    if (e == NULL)
        return state;
    return atomic_exchange_explicit(&e->ob_state, state,
                                    memory_order_relaxed);
}

const char *
obp_srvstate_ob_name(uint32_t state)
{
    static const char *const names[] = {
        [OBP_OB_NONE] = "", [OBP_OB_ACTIVE] = "ACTIVE",
        [OBP_OB_INACTIVE] = "INACTIVE", [OBP_OB_DELETING] = "DELETING",
        [OBP_OB_REPLAY] = "REPLAY", [OBP_OB_UPGRADE] = "UPGRADE"
    };

    return state < OBP_NELEMS(names) ? names[state] : "";
}

bool
obp_srvstate_readable(const struct obp_shm *shm, int idx, int64_t now_us,
                      int64_t max_stale_us)
{
    struct obp_srvstate st;
    int64_t             age;

    if (obp_srvstate_get(shm, idx, &st) != OBP_OK)
        return true;    /* not in the table: nothing known against it */
    if (st.detect == OBP_DETECT_DEAD)
        return false;
    if (!(st.repl & OBP_REPL_REPLICA))
        return true;
    if (!(st.repl & OBP_REPL_SQL))
        return false;
    if (max_stale_us < 0)
        return true;
    age = now_us > st.probe_us ? now_us - st.probe_us : 0;
    return st.lag_us >= 0 && st.lag_us + age <= max_stale_us;
}

bool
obp_srvstate_writable(const struct obp_shm *shm, int idx)
{
    struct obp_srvstate st;

    return obp_srvstate_get(shm, idx, &st) != OBP_OK
           || (st.detect != OBP_DETECT_DEAD && st.read_only != 1);
}

/*
 * Writes server <idx>'s position.  A monitor killed while writing left
 * the count odd: writing it odd again and then even heals it.
 */
static void
srvstate_gtid_write(const struct obp_shm *shm, int idx, int64_t read_us,
                    const struct obp_gtid_set *pos)
{
    struct obp_shm_gtid *g = obp_shm_gtid(shm, (unsigned)idx);
    uint32_t             seq;

    if (g == NULL)
        return;
    seq = atomic_load_explicit(&g->seq, memory_order_relaxed) | 1u;
    atomic_store_explicit(&g->seq, seq, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    g->read_us = read_us;
    memcpy(&g->pos, pos, sizeof(g->pos));
    atomic_store_explicit(&g->seq, seq + 1, memory_order_release);
}

void
obp_srvstate_reset(const struct obp_shm *shm, int idx)
{
    struct obp_shm_server *e = obp_shm_server(shm, (unsigned)idx);

    if (e == NULL)
        return;
    atomic_store_explicit(&e->detect, OBP_DETECT_NONE, memory_order_relaxed);
    atomic_store_explicit(&e->detect_fails, 0, memory_order_relaxed);
    atomic_store_explicit(&e->detect_since_us, 0, memory_order_relaxed);
    atomic_store_explicit(&e->probe_us, 0, memory_order_relaxed);
    atomic_store_explicit(&e->lag_us, -1, memory_order_relaxed);
    atomic_store_explicit(&e->read_only, -1, memory_order_relaxed);
    atomic_store_explicit(&e->repl, 0, memory_order_relaxed);
    atomic_store_explicit(&e->ob_state, OBP_OB_NONE, memory_order_relaxed);
    srvstate_gtid_write(shm, idx, 0, &(struct obp_gtid_set){ 0 });
}

int
obp_srvstate_gtid(const struct obp_shm *shm, int idx,
                  struct obp_gtid_set *pos, int64_t *read_us)
{
    struct obp_shm_gtid *g;
    uint32_t             s1, s2;

    if (idx < 0 || (g = obp_shm_gtid(shm, (unsigned)idx)) == NULL)
        return OBP_ERROR;
    for (int i = 0; i < GTID_READ_TRIES; i++) {
        s1 = atomic_load_explicit(&g->seq, memory_order_acquire);
        if (s1 & 1)
            continue;
        *read_us = g->read_us;
        memcpy(pos, &g->pos, sizeof(*pos));
        atomic_thread_fence(memory_order_acquire);
        s2 = atomic_load_explicit(&g->seq, memory_order_relaxed);
        if (s1 == s2)
            return OBP_OK;
    }
    return OBP_ERROR;
}

bool
obp_srvstate_probed(const struct obp_shm *shm, int idx, int64_t now_us,
                    int64_t round_us, const struct obp_probe_result *r)
{
    struct obp_shm_server *e = srvstate_entry(shm, idx);

    if (e == NULL)
        return false;
    if (r != NULL) {
        srvstate_gtid_write(shm, idx, round_us, &r->gtid);
        atomic_store_explicit(&e->read_only, r->read_only,
                              memory_order_relaxed);
        atomic_store_explicit(&e->lag_us, r->lag_us, memory_order_relaxed);
        atomic_store_explicit(&e->repl, r->repl, memory_order_relaxed);
    }
    atomic_store_explicit(&e->probe_us, now_us, memory_order_relaxed);
    atomic_store_explicit(&e->detect_fails, 0, memory_order_relaxed);
    return atomic_exchange_explicit(&e->detect, OBP_DETECT_ALIVE,
                                    memory_order_release)
           == OBP_DETECT_DEAD;
}

bool
obp_srvstate_missed(const struct obp_shm *shm, int idx, int64_t now_us,
                    bool detecting, uint32_t threshold)
{
    struct obp_shm_server *e = srvstate_entry(shm, idx);
    uint32_t               n;

    if (e == NULL)
        return false;
    atomic_store_explicit(&e->read_only, -1, memory_order_relaxed);
    atomic_store_explicit(&e->lag_us, -1, memory_order_relaxed);
    /* a replica stays one, but no longer known to apply: no reads */
    atomic_fetch_and_explicit(&e->repl, OBP_REPL_KNOWN | OBP_REPL_REPLICA,
                              memory_order_relaxed);
    if (!detecting)
        return false;
    n = atomic_fetch_add_explicit(&e->detect_fails, 1, memory_order_relaxed)
        + 1;
    if (n < threshold
        || atomic_load_explicit(&e->detect, memory_order_relaxed)
           == OBP_DETECT_DEAD)
        return false;
    atomic_store_explicit(&e->detect_since_us, now_us, memory_order_relaxed);
    atomic_store_explicit(&e->detect, OBP_DETECT_DEAD, memory_order_release);
    return true;
}

static const char *
srvstate_detect_name(uint32_t detect)
{
    switch (detect) {
    case OBP_DETECT_ALIVE:
        return "alive";
    case OBP_DETECT_DEAD:
        return "dead";
    default:
        return "none";
    }
}

static const char *
srvstate_on_off(uint32_t repl, uint32_t flag)
{
    return (repl & flag) ? "on" : "off";
}

void
obp_srvstate_describe(const struct obp_srvstate *st, char *buf, size_t len)
{
    int n;

    n = snprintf(buf, len, "detect %s", srvstate_detect_name(st->detect));
    if (n < 0 || (size_t)n >= len)
        return;
    if (st->detect_fails > 0)
        n += snprintf(buf + n, len - (size_t)n, " (%" PRIu32 " failed)",
                      st->detect_fails);
    if (n < 0 || (size_t)n >= len || st->read_only < 0)
        return;
    n += snprintf(buf + n, len - (size_t)n, ", read_only %d",
                  (int)st->read_only);
    if (n < 0 || (size_t)n >= len || !(st->repl & OBP_REPL_REPLICA))
        return;
    n += snprintf(buf + n, len - (size_t)n, ", replica io %s sql %s lag ",
                  srvstate_on_off(st->repl, OBP_REPL_IO),
                  srvstate_on_off(st->repl, OBP_REPL_SQL));
    if (n < 0 || (size_t)n >= len)
        return;
    if (st->lag_us < 0)
        snprintf(buf + n, len - (size_t)n, "unknown");
    else
        snprintf(buf + n, len - (size_t)n, "%llds",
                 (long long)(st->lag_us / 1000000));
}
