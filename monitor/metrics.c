/*
 * The /metrics page (metrics.h).  One family per # HELP / # TYPE pair;
 * families with labels print one sample per label set, all fixed here.
 */
#include "monitor.h"

#include <inttypes.h>
#include <stdio.h>

void
obp_metrics_family(struct obp_mbuf *b, const char *name, const char *type,
                   const char *help)
{
    obp_mbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                    type);
}

static void
sample(struct obp_mbuf *b, const char *name, const char *labels,
       uint64_t value)
{
    obp_mbuf_printf(b, "%s%s%s%s %" PRIu64 "\n", name,
                    labels[0] != '\0' ? "{" : "", labels,
                    labels[0] != '\0' ? "}" : "", value);
}

/* Every row of the stats X-macro, under obproxy's own names. */
static void
render_stats(struct obp_mbuf *b, const uint64_t sums[OBP_STAT_COUNT])
{
    char name[96];

    for (int i = 0; i < OBP_STAT_COUNT; i++) {
        const struct obp_stat_desc *d = &obp_stat_descs[i];
        bool counter = d->kind == OBP_STAT_COUNTER;

        snprintf(name, sizeof(name), "obproxy_%s%s", d->name,
                 counter ? "_total" : "");
        obp_metrics_family(b, name, counter ? "counter" : "gauge",
                           d->help);
        sample(b, name, "", sums[i]);
    }
}

/*
 * ODP's families where the meaning is the same and the workers count per
 * process, not per tenant (the per-tenant ones: metrics_sql.c), one row
 * per sample, the rows of a family together; ODP's cluster, tenant and
 * vip labels are left out.  Only with enable_extra_prometheus_metric,
 * as ODP.
 */
static const struct {
    const char      *name;
    const char      *type;
    const char      *help;
    const char      *labels;
    enum obp_stat_id stat;
} odp_samples[] = {
    { "odp_request_byte", "counter",
      "bytes read from clients (requests) and servers (responses)",
      "transType=\"request\",sessionType=\"client\"",
      OBP_STAT_bytes_from_client },
    { "odp_request_byte", "counter", NULL,
      "transType=\"response\",sessionType=\"server\"",
      OBP_STAT_bytes_from_server },
    { "odp_entry_total", "counter",
      "route cache lookups of a statement's table",
      "entryType=\"table_entry\",routeHit=\"true\",routeResult=\"success\"",
      OBP_STAT_route_lookup_hit },
    { "odp_entry_total", "counter", NULL,
      "entryType=\"table_entry\",routeHit=\"false\",routeResult=\"fail\"",
      OBP_STAT_route_lookup_miss },
};

static void
render_odp(struct obp_mbuf *b, const struct obp_monitor *mon,
           const uint64_t s[OBP_STAT_COUNT])
{
    if (!mon->conf->enable_extra_prometheus_metric)
        return;
    for (size_t i = 0; i < OBP_NELEMS(odp_samples); i++) {
        if (odp_samples[i].help != NULL)
            obp_metrics_family(b, odp_samples[i].name,
                               odp_samples[i].type, odp_samples[i].help);
        sample(b, odp_samples[i].name, odp_samples[i].labels,
               s[odp_samples[i].stat]);
    }
}

/* This generation's workers by state, and every slot's respawns. */
static void
render_workers(struct obp_mbuf *b, const struct obp_monitor *mon)
{
    static const char *const states[] = {
        [OBP_WORKER_RUNNING] = "running",
        [OBP_WORKER_DRAINING] = "draining",
        [OBP_WORKER_STARTING] = "starting",
    };
    unsigned per_half = mon->shm->hdr->nworkers / 2;
    uint64_t count[OBP_NELEMS(states)] = { 0 }, restarts = 0;
    char     labels[32];

    for (unsigned i = 0; i < mon->shm->hdr->nworkers; i++) {
        struct obp_shm_worker *w = obp_shm_worker(mon->shm, i);
        uint32_t               st = atomic_load(&w->state);

        restarts += atomic_load(&w->restarts);
        if (i / per_half == (unsigned)mon->half && atomic_load(&w->pid) != 0
            && st < OBP_NELEMS(states) && states[st] != NULL)
            count[st]++;
    }
    obp_metrics_family(b, "obproxy_workers", "gauge",
                       "worker processes of the serving generation, "
                       "by state");
    for (size_t st = 0; st < OBP_NELEMS(states); st++) {
        if (states[st] == NULL)
            continue;
        snprintf(labels, sizeof(labels), "state=\"%s\"", states[st]);
        sample(b, "obproxy_workers", labels, count[st]);
    }
    obp_metrics_family(b, "obproxy_worker_restarts_total", "counter",
                       "worker processes respawned after they died");
    sample(b, "obproxy_worker_restarts_total", "", restarts);
}

static void
render_process(struct obp_mbuf *b, const struct obp_monitor *mon)
{
    uint64_t gen = atomic_load(&mon->shm->hdr->generation);

    obp_metrics_family(b, "obproxy_build_info", "gauge",
                       "the running obproxy's version");
    sample(b, "obproxy_build_info", "version=\"" OBP_VERSION_STRING "\"", 1);
    obp_metrics_family(b, "obproxy_hot_upgrades_total", "counter",
                       "hot upgrades that kept the shared segment");
    sample(b, "obproxy_hot_upgrades_total", "", gen > 0 ? gen - 1 : 0);
    obp_metrics_family(b, "obproxy_monitor_restarts_total", "counter",
                       "monitor processes respawned after they died");
    sample(b, "obproxy_monitor_restarts_total", "", mon->restarts);
}

void
obp_metrics_render(const struct obp_monitor *mon, struct obp_mbuf *b)
{
    uint64_t sums[OBP_STAT_COUNT];

    obp_shm_stats_sum(mon->shm, sums);
    render_stats(b, sums);
    render_odp(b, mon, sums);
    obp_metrics_render_sql(mon, b);
    obp_metrics_render_servers(mon, b);
    render_workers(b, mon);
    render_process(b, mon);
}
