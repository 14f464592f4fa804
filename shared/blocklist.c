/*
 * The blocklist (blocklist.h) over the segment's server table.
 */
#include "obp.h"

#include <stdio.h>
#include <string.h>

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
        if (atomic_load_explicit(&e->state, memory_order_acquire)
            == OBP_SRV_UNUSED)
            return -1;          /* registered entries come first */
        if (strcmp(e->addr, text) == 0)
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

    if (idx >= 0)
        return idx;
    for (i = 0; i < n; i++) {
        e = obp_shm_server(shm, i);
        if (atomic_load_explicit(&e->state, memory_order_relaxed)
            != OBP_SRV_UNUSED)
            continue;
        obp_strlcpy(e->addr, a->text, sizeof(e->addr));
        atomic_store_explicit(&e->fail_count, 0, memory_order_relaxed);
        atomic_store_explicit(&e->retry_at_us, 0, memory_order_relaxed);
        /* the address is complete before any reader can match it */
        atomic_store_explicit(&e->state, OBP_SRV_ALIVE,
                              memory_order_release);
        return (int)i;
    }
    return -1;
}

bool
obp_bl_may_try(const struct obp_shm *shm, int idx, int64_t now_us,
               const struct obp_conf *conf)
{
    struct obp_shm_server *e = entry(shm, idx);
    int64_t                at;

    if (e == NULL || !conf->enable_congestion
        || atomic_load_explicit(&e->state, memory_order_acquire)
           != OBP_SRV_DEAD)
        return true;
    at = atomic_load_explicit(&e->retry_at_us, memory_order_relaxed);
    /* one try per interval: the others keep avoiding it meanwhile */
    return now_us >= at
           && atomic_compare_exchange_strong_explicit(&e->retry_at_us, &at,
                  now_us + conf->congestion_retry_interval,
                  memory_order_relaxed, memory_order_relaxed);
}

bool
obp_bl_blocked(const struct obp_shm *shm, int idx, int64_t now_us,
               const struct obp_conf *conf)
{
    struct obp_shm_server *e = entry(shm, idx);

    return e != NULL && conf->enable_congestion
           && atomic_load_explicit(&e->state, memory_order_acquire)
              == OBP_SRV_DEAD
           && now_us < atomic_load_explicit(&e->retry_at_us,
                                            memory_order_relaxed);
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
    if (!refused && n < conf->congestion_failure_threshold)
        return false;
    atomic_store_explicit(&e->retry_at_us,
                          now_us + conf->congestion_retry_interval,
                          memory_order_relaxed);
    atomic_store_explicit(&e->dead_since_us, now_us, memory_order_relaxed);
    return atomic_exchange_explicit(&e->state, OBP_SRV_DEAD,
                                    memory_order_release) != OBP_SRV_DEAD;
}

void
obp_bl_ok(const struct obp_shm *shm, int idx)
{
    struct obp_shm_server *e = entry(shm, idx);

    if (e == NULL)
        return;
    atomic_store_explicit(&e->fail_count, 0, memory_order_relaxed);
    if (atomic_load_explicit(&e->state, memory_order_relaxed)
        == OBP_SRV_DEAD)
        atomic_store_explicit(&e->state, OBP_SRV_ALIVE,
                              memory_order_release);
}

int
obp_bl_describe(const struct obp_shm *shm, int idx, int64_t now_us,
                char *buf, size_t len)
{
    struct obp_shm_server *e = entry(shm, idx);
    int64_t                wait;

    if (e == NULL || atomic_load_explicit(&e->state, memory_order_acquire)
                     == OBP_SRV_UNUSED)
        return OBP_ERROR;
    if (atomic_load_explicit(&e->state, memory_order_relaxed)
        != OBP_SRV_DEAD) {
        snprintf(buf, len, "%s alive", e->addr);
        return OBP_OK;
    }
    wait = atomic_load_explicit(&e->retry_at_us, memory_order_relaxed)
           - now_us;
    snprintf(buf, len, "%s blocked, retried in %llds", e->addr,
             (long long)(wait > 0 ? (wait + 999999) / 1000000 : 0));
    return OBP_OK;
}
