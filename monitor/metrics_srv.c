/*
 * The per-server families of /metrics (metrics.h): what the blocklist
 * and the monitor's probes left in the segment's server table.
 */
#include "monitor.h"

#include <inttypes.h>

/* A family over the registered servers; <get> says each value. */
typedef bool (*srv_value)(const struct obp_monitor *mon, int idx,
                          const struct obp_srvstate *st, int64_t now_us,
                          double *v);

enum slot_field { OPEN, PARKED, FAILED };

/* Every worker slot's <field> of server <idx>, summed. */
static bool
slot_sum(const struct obp_monitor *mon, int idx, enum slot_field field,
         double *v)
{
    struct obp_shm_worker *w;
    int64_t                n = 0;

    if (idx >= OBP_SHM_SRV_COUNTED)
        return false;
    for (unsigned i = 0; (w = obp_shm_worker(mon->shm, i)) != NULL; i++)
        n += field == FAILED
             ? (int64_t)atomic_load_explicit(&w->srv_failed[idx],
                                             memory_order_relaxed)
             : atomic_load_explicit(field == PARKED ? &w->srv_parked[idx]
                                                    : &w->srv_open[idx],
                                    memory_order_relaxed);
    *v = (double)n;
    return true;
}

static bool
sessions(const struct obp_monitor *mon, int idx,
         const struct obp_srvstate *st, int64_t now_us, double *v)
{
    (void)st, (void)now_us;
    return slot_sum(mon, idx, OPEN, v);
}

static bool
parked(const struct obp_monitor *mon, int idx, const struct obp_srvstate *st,
       int64_t now_us, double *v)
{
    (void)st, (void)now_us;
    return slot_sum(mon, idx, PARKED, v);
}

static bool
failed(const struct obp_monitor *mon, int idx, const struct obp_srvstate *st,
       int64_t now_us, double *v)
{
    (void)st, (void)now_us;
    return slot_sum(mon, idx, FAILED, v);
}

static bool
blocked(const struct obp_monitor *mon, int idx,
        const struct obp_srvstate *st, int64_t now_us, double *v)
{
    (void)st;
    *v = obp_bl_blocked(mon->shm, idx, now_us, mon->conf);
    return true;
}

static bool
detect_dead(const struct obp_monitor *mon, int idx,
            const struct obp_srvstate *st, int64_t now_us, double *v)
{
    (void)mon, (void)idx, (void)now_us;
    *v = st->detect == OBP_DETECT_DEAD;
    return true;
}

static bool
read_only(const struct obp_monitor *mon, int idx,
          const struct obp_srvstate *st, int64_t now_us, double *v)
{
    (void)mon, (void)idx, (void)now_us;
    *v = st->read_only;
    return st->read_only >= 0;
}

static bool
lag(const struct obp_monitor *mon, int idx, const struct obp_srvstate *st,
    int64_t now_us, double *v)
{
    (void)mon, (void)idx, (void)now_us;
    *v = (double)st->lag_us / 1e6;
    return st->lag_us >= 0;
}

static bool
sql_running(const struct obp_monitor *mon, int idx,
            const struct obp_srvstate *st, int64_t now_us, double *v)
{
    (void)mon, (void)idx, (void)now_us;
    *v = (st->repl & OBP_REPL_SQL) != 0;
    return (st->repl & OBP_REPL_REPLICA) != 0;
}

static const struct {
    const char *name;
    const char *type;
    const char *help;
    srv_value   get;
    const char *fmt;    /* integers, or seconds to the millisecond */
} families[] = {
    { "obproxy_server_sessions", "gauge",
      "server connections the workers hold open (pooled ones included)",
      sessions, "%.0f" },
    { "obproxy_server_pool_idle", "gauge",
      "of them, parked in the workers' pools", parked, "%.0f" },
    { "obproxy_server_connect_failures_total", "counter",
      "connect attempts to the server that failed", failed, "%.0f" },
    { "obproxy_server_blocked", "gauge",
      "1 while workers skip the server (blocklist, back-off, detect-dead)",
      blocked, "%.0f" },
    { "obproxy_server_detect_dead", "gauge",
      "1 while the monitor's probes find the server dead", detect_dead,
      "%.0f" },
    { "obproxy_server_read_only", "gauge",
      "the server's @@global.read_only, as the monitor last read it",
      read_only, "%.0f" },
    { "obproxy_server_replica_lag_seconds", "gauge",
      "a replica's Seconds_Behind_Master, as the monitor last read it",
      lag, "%.3f" },
    { "obproxy_server_replica_sql_running", "gauge",
      "1 while a replica's SQL thread runs", sql_running, "%.0f" },
};

void
obp_metrics_render_servers(const struct obp_monitor *mon, struct obp_mbuf *b)
{
    int64_t                now_us = obp_now_us();
    struct obp_shm_server *e;
    struct obp_srvstate    st;
    double                 v;

    for (size_t f = 0; f < OBP_NELEMS(families); f++) {
        obp_metrics_family(b, families[f].name, families[f].type,
                           families[f].help);
        for (int i = 0; (e = obp_shm_server(mon->shm, (unsigned)i)) != NULL;
             i++) {
            if (atomic_load(&e->state) == OBP_SRV_UNUSED
                || obp_srvstate_get(mon->shm, i, &st) != OBP_OK
                || !families[f].get(mon, i, &st, now_us, &v))
                continue;
            obp_mbuf_printf(b, "%s{server=\"%s\"} ", families[f].name,
                            e->addr);
            obp_mbuf_printf(b, families[f].fmt, v);
            obp_mbuf_printf(b, "\n");
        }
    }
}
