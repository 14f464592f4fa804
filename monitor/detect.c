/*
 * The detection task (detect.h): which servers, their rounds, and what
 * the outcomes write into the server table.
 */
#include "monitor.h"

#include <stdlib.h>

double
obp_detect_interval(const struct obp_conf *conf)
{
    return (double)conf->server_detect_refresh_interval / 1e6;
}

/* Whether server <idx>'s failures count (server_detect_mode). */
static bool
detect_detecting(const struct obp_monitor *mon, int idx, int64_t now_us)
{
    const struct obp_conf *c = mon->conf;
    struct obp_shm_server *e = obp_shm_server(mon->shm, (unsigned)idx);
    struct obp_srvstate    st;
    int64_t                window;

    if (c->server_detect_mode == 0
        || obp_srvstate_get(mon->shm, idx, &st) != OBP_OK)
        return false;
    if (c->server_detect_mode == 2 || st.detect_fails > 0
        || st.detect == OBP_DETECT_DEAD
        || atomic_load_explicit(&e->state, memory_order_relaxed)
           == OBP_SRV_DEAD
        || atomic_load_explicit(&e->retry_at_us, memory_order_relaxed) != 0)
        return true;
    window = atomic_load_explicit(&e->fail_window_us, memory_order_relaxed);
    return atomic_load_explicit(&e->fail_count, memory_order_relaxed) > 0
           && now_us - window <= c->congestion_fail_window;
}

/* A round failed, or is still unanswered at the next one. */
static void
detect_missed(struct obp_monitor *mon, struct obp_probe *p, const char *why)
{
    int64_t             now = obp_now_us();
    bool                counts = detect_detecting(mon, p->idx, now);
    struct obp_srvstate st;

    if (obp_srvstate_missed(mon->shm, p->idx, now, counts,
                            (uint32_t)mon->conf->server_detect_fail_threshold))
        obp_log(OBP_LOG_WARN, 0, 0, "server %s detect-dead: %lld probes "
                "failed in a row (%s); no session tries it until one "
                "succeeds", p->addr.text,
                (long long)mon->conf->server_detect_fail_threshold, why);
    else if (counts && obp_srvstate_get(mon->shm, p->idx, &st) == OBP_OK
             && st.detect_fails == 1)
        obp_log(OBP_LOG_INFO, 0, 0, "monitor: probe of server %s failed: "
                "%s", p->addr.text, why);
}

static void
detect_round_done(struct obp_probe *p, int rc)
{
    struct obp_monitor *mon = p->owner;
    int64_t             now = obp_now_us();

    if (rc != OBP_OK) {
        detect_missed(mon, p, p->why);
        return;
    }
    if (obp_srvstate_probed(mon->shm, p->idx, now, p->round_us,
                            &p->res))
        obp_log(OBP_LOG_WARN, 0, 0, "server %s detected alive: sessions "
                "may use it again", p->addr.text);
    if (obp_bl_release(mon->shm, p->idx, now, mon->conf))
        obp_log(OBP_LOG_INFO, 0, 0, "server %s unblocked: it answers its "
                "probes", p->addr.text);
}

/* Server <idx>'s probe, made on its first round; NULL (logged). */
static struct obp_probe *
detect_probe_of(struct obp_monitor *mon, unsigned idx, const char *addr)
{
    struct obp_detect *d = &mon->detect;
    struct obp_probe  *p;

    if (d->probes == NULL) {
        d->n = (unsigned)mon->shm->hdr->servers.nitems;
        d->probes = calloc(d->n, sizeof(*d->probes));
        if (d->probes == NULL) {
            obp_log(OBP_LOG_WARN, 0, ENOMEM, "monitor: no probes");
            return NULL;
        }
    }
    if (idx >= d->n)
        return NULL;
    if (d->probes[idx] != NULL)
        return d->probes[idx];
    p = malloc(sizeof(*p));
    if (p == NULL || obp_probe_init(p, mon->loop, &mon->conf, (int)idx, addr,
                                    detect_round_done, mon) != OBP_OK) {
        free(p);
        return NULL;
    }
    d->probes[idx] = p;
    return p;
}

/*
 * One server's turn: a new round, or when the last is still unanswered
 * (most of an interval after it started), a failure.
 */
static void
detect_turn(struct obp_monitor *mon, struct obp_probe *p, int64_t now_us)
{
    int64_t due = (int64_t)(obp_detect_interval(mon->conf) * 1e6 * 0.9);

    if (!p->busy) {
        obp_probe_start(p);
        return;
    }
    if (now_us - p->round_us >= due)
        detect_missed(mon, p, "no answer within "
                      "server_detect_refresh_interval");
}

void
obp_detect_run(struct obp_monitor *mon)
{
    struct obp_shm_server *e;
    struct obp_probe      *p;
    uint32_t               state;
    int64_t                now = obp_now_us();

    if (mon->handed || mon->stopping)
        return;
    for (unsigned i = 0; (e = obp_shm_server(mon->shm, i)) != NULL; i++) {
        state = atomic_load_explicit(&e->state, memory_order_acquire);
        if (state == OBP_SRV_UNUSED)
            break;              /* registered entries come first */
        if (state == OBP_SRV_DELETED || state == OBP_SRV_CLAIMED
            || (p = detect_probe_of(mon, i, e->addr)) == NULL)
            continue;
        detect_turn(mon, p, now);
    }
}

void
obp_detect_stop(struct obp_monitor *mon)
{
    struct obp_detect *d = &mon->detect;

    for (unsigned i = 0; i < d->n; i++) {
        if (d->probes[i] == NULL)
            continue;
        obp_probe_close(d->probes[i]);
        free(d->probes[i]);
        d->probes[i] = NULL;
    }
}

void
obp_detect_free(struct obp_monitor *mon)
{
    obp_detect_stop(mon);
    free(mon->detect.probes);
    mon->detect.probes = NULL;
    mon->detect.n = 0;
}
