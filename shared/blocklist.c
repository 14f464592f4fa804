/*
 * The blocklist (blocklist.h) over the segment's server table.
 */
#include "obp.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The first back-off after a failure that does not block a server. */
#define BACKOFF_BASE_US  INT64_C(500000)

static struct obp_shm_server *
entry(const struct obp_shm *shm, int idx)
{
    return idx >= 0 ? obp_shm_server(shm, (unsigned)idx) : NULL;
}

static unsigned
table_size(const struct obp_shm *shm)
{
    return shm != NULL && shm->hdr != NULL ? shm->hdr->servers.nitems : 0;
}

int
obp_bl_find(const struct obp_shm *shm, const char *text)
{
    struct obp_shm_server *e;
    unsigned               i, n = table_size(shm);

    for (i = 0; i < n; i++) {
        e = obp_shm_server(shm, i);
        uint32_t st = atomic_load_explicit(&e->state, memory_order_acquire);

        if (st == OBP_SRV_UNUSED)
            return -1;          /* registered entries come first */
        if (st != OBP_SRV_CLAIMED && strcmp(e->addr, text) == 0)
            return (int)i;
    }
    return -1;
}

int
obp_bl_register(struct obp_shm *shm, const struct obp_addr *a)
{
    struct obp_shm_server *e;
    unsigned               i, n = table_size(shm);
    int                    idx = obp_bl_find(shm, a->text);
    uint32_t               unused;

    if (idx >= 0)
        return idx;
    for (i = 0; i < n; i++) {
        e = obp_shm_server(shm, i);
        unused = OBP_SRV_UNUSED;
        /* the master and the monitor's OceanBase source both register */
        if (!atomic_compare_exchange_strong(&e->state, &unused,
                                            OBP_SRV_CLAIMED))
            continue;
        obp_strlcpy(e->addr, a->text, sizeof(e->addr));
        atomic_store_explicit(&e->fail_count, 0, memory_order_relaxed);
        atomic_store_explicit(&e->retry_at_us, 0, memory_order_relaxed);
        obp_srvstate_reset(shm, (int)i);
        /* the address is complete before any reader can match it */
        atomic_store_explicit(&e->state, OBP_SRV_ALIVE,
                              memory_order_release);
        return (int)i;
    }
    return -1;
}

/*
 * The back-off after <n> failures in a row: BACKOFF_BASE_US doubled per
 * failure, at most congestion_retry_interval, drawn in its upper half so
 * that workers that saw the same failure do not come back together.
 */
static int64_t
backoff_us(uint32_t n, int64_t now_us, int idx, const struct obp_conf *conf)
{
    int64_t  d = BACKOFF_BASE_US;
    uint64_t r = (uint64_t)now_us * UINT64_C(0x9e3779b97f4a7c15)
                 ^ (uint64_t)idx << 32 ^ (uint64_t)getpid();

    while (n-- > 1 && d < conf->congestion_retry_interval)
        d *= 2;
    if (d > conf->congestion_retry_interval)
        d = conf->congestion_retry_interval;
    r ^= r >> 29;
    return d / 2 + (int64_t)(r % (uint64_t)(d / 2 + 1));
}

bool
obp_bl_may_try(const struct obp_shm *shm, int idx, int64_t now_us,
               const struct obp_conf *conf)
{
    struct obp_shm_server *e = entry(shm, idx);
    int64_t                at, next;

    if (e == NULL || !conf->enable_congestion)
        return true;
    if (obp_srvstate_dead(shm, idx) || obp_srvstate_out(shm, idx))
        return false;           /* the monitor revives it, no session */
    at = atomic_load_explicit(&e->retry_at_us, memory_order_relaxed);
    if (at == 0)
        return true;            /* no failure since its last answer */
    next = atomic_load_explicit(&e->state, memory_order_acquire)
           == OBP_SRV_DEAD
           ? now_us + conf->congestion_retry_interval
           : now_us + backoff_us(atomic_load_explicit(&e->fail_count,
                                     memory_order_relaxed), now_us, idx,
                                 conf);
    /* one try per interval: the others keep avoiding it meanwhile */
    return now_us >= at
           && atomic_compare_exchange_strong_explicit(&e->retry_at_us, &at,
                  next, memory_order_relaxed, memory_order_relaxed);
}

bool
obp_bl_blocked(const struct obp_shm *shm, int idx, int64_t now_us,
               const struct obp_conf *conf)
{
    struct obp_shm_server *e = entry(shm, idx);

    return e != NULL && conf->enable_congestion
           && (obp_srvstate_dead(shm, idx) || obp_srvstate_out(shm, idx)
               || now_us < atomic_load_explicit(&e->retry_at_us,
                                                memory_order_relaxed));
}

bool
obp_bl_failed(const struct obp_shm *shm, int idx, bool refused,
              int64_t now_us, const struct obp_conf *conf)
{
    struct obp_shm_server *e = entry(shm, idx);
    int64_t                start;
    uint32_t               n;

    if (e == NULL || !conf->enable_congestion
        || conf->congestion_failure_threshold == 0)
        return false;
    start = atomic_load_explicit(&e->fail_window_us, memory_order_relaxed);
    if (now_us - start > conf->congestion_fail_window) {
        atomic_store_explicit(&e->fail_window_us, now_us,
                              memory_order_relaxed);
        atomic_store_explicit(&e->fail_count, 0, memory_order_relaxed);
    }
    n = atomic_fetch_add_explicit(&e->fail_count, 1, memory_order_relaxed)
        + 1;
    if (!refused && n < conf->congestion_failure_threshold) {
        atomic_store_explicit(&e->retry_at_us,
                              now_us + backoff_us(n, now_us, idx, conf),
                              memory_order_relaxed);
        return false;
    }
    atomic_store_explicit(&e->retry_at_us,
                          now_us + conf->congestion_retry_interval,
                          memory_order_relaxed);
    atomic_store_explicit(&e->dead_since_us, now_us, memory_order_relaxed);
    return atomic_exchange_explicit(&e->state, OBP_SRV_DEAD,
                                    memory_order_release) != OBP_SRV_DEAD;
}

bool
obp_bl_failing(const struct obp_shm *shm, int idx)
{
    struct obp_shm_server *e = entry(shm, idx);

    return e != NULL
           && atomic_load_explicit(&e->retry_at_us, memory_order_relaxed) != 0;
}

void
obp_bl_ok(const struct obp_shm *shm, int idx)
{
    struct obp_shm_server *e = entry(shm, idx);

    if (e == NULL)
        return;
    atomic_store_explicit(&e->fail_count, 0, memory_order_relaxed);
    atomic_store_explicit(&e->retry_at_us, 0, memory_order_relaxed);
    if (atomic_load_explicit(&e->state, memory_order_relaxed)
        == OBP_SRV_DEAD)
        atomic_store_explicit(&e->state, OBP_SRV_ALIVE,
                              memory_order_release);
}

bool
obp_bl_release(const struct obp_shm *shm, int idx, int64_t now_us,
               const struct obp_conf *conf)
{
    struct obp_shm_server *e = entry(shm, idx);

    if (e == NULL)
        return false;
    if (atomic_load_explicit(&e->state, memory_order_acquire)
        != OBP_SRV_DEAD) {
        /* a back-off is not a block: an answer ends it at once */
        atomic_store_explicit(&e->retry_at_us, 0, memory_order_relaxed);
        return false;
    }
    if (now_us - atomic_load_explicit(&e->dead_since_us, memory_order_relaxed)
        < conf->min_keep_congestion_interval)
        return false;
    obp_bl_ok(shm, idx);
    return true;
}

/* "alive", "blocked, retried in 12s" or "backing off 2s" */
static void
describe_block(const struct obp_shm_server *e, int64_t now_us, char *buf,
               size_t len)
{
    int64_t wait = atomic_load_explicit(&e->retry_at_us,
                                        memory_order_relaxed) - now_us;
    long long s = (long long)(wait > 0 ? (wait + 999999) / 1000000 : 0);

    if (atomic_load_explicit(&e->state, memory_order_relaxed)
        == OBP_SRV_DEAD)
        snprintf(buf, len, "blocked, retried in %llds", s);
    else if (wait > 0)
        snprintf(buf, len, "alive, backing off %llds", s);
    else
        snprintf(buf, len, "alive");
}

int
obp_bl_describe(const struct obp_shm *shm, int idx, int64_t now_us,
                char *buf, size_t len)
{
    struct obp_shm_server *e = entry(shm, idx);
    struct obp_srvstate    st;
    struct obp_gtid_set    pos;
    int64_t                read_us;
    char                   block[64], probe[160], gtid[256], ob[32] = "";
    uint32_t               obst;

    if (e == NULL || obp_srvstate_get(shm, idx, &st) != OBP_OK)
        return OBP_ERROR;
    describe_block(e, now_us, block, sizeof(block));
    obp_srvstate_describe(&st, probe, sizeof(probe));
    if (obp_srvstate_gtid(shm, idx, &pos, &read_us) != OBP_OK)
        memset(&pos, 0, sizeof(pos));
    obp_gtid_format(&pos, gtid, sizeof(gtid));
    obst = atomic_load_explicit(&e->ob_state, memory_order_relaxed);
    if (obst != OBP_OB_NONE)
        snprintf(ob, sizeof(ob), ", oceanbase %s",
                 obp_srvstate_ob_name(obst));
    snprintf(buf, len, "%s %s; %s%s%s%s", e->addr, block, probe, ob,
             gtid[0] != '\0' ? ", gtid " : "", gtid);
    return OBP_OK;
}
