/*
 * The /metrics page in Prometheus' text exposition format (version
 * 0.0.4): every counter and gauge of shared/stats.h summed over the
 * segment's worker slots as obproxy_<name> (counters end in _total), the
 * ODP names (ODP-REFERENCE 12) where obproxy has the same data, and the
 * processes: build, workers, restarts, hot upgrades; and per tenant, the
 * statements the workers relayed (metrics_sql.c).  Rendered on each
 * request from the segment: nothing is kept between scrapes and nothing
 * on the workers' side knows about it.
 */
#ifndef OBP_MONITOR_METRICS_H
#define OBP_MONITOR_METRICS_H

struct obp_monitor;
struct obp_mbuf;

#define OBP_METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"

void obp_metrics_render(const struct obp_monitor *mon, struct obp_mbuf *b);

/* A family's # HELP and # TYPE lines. */
void obp_metrics_family(struct obp_mbuf *b, const char *name,
                        const char *type, const char *help);

/*
 * The per-tenant statement families (metrics_sql.c): ODP's
 * odp_sql_request_total, odp_sql_cost_total, odp_transaction_total and
 * the histogram obproxy_sql_duration_seconds, at most monitor_item_limit
 * label sets in all.
 */
void obp_metrics_render_sql(const struct obp_monitor *mon,
                            struct obp_mbuf *b);

/*
 * The per-server gauges (metrics_srv.c): connections open and pooled
 * (the first OBP_SHM_SRV_COUNTED servers), blocked, detect-dead,
 * read_only, a replica's lag and SQL thread, from the segment.
 */
void obp_metrics_render_servers(const struct obp_monitor *mon,
                                struct obp_mbuf *b);

#endif
