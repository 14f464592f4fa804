/*
 * The /metrics page in Prometheus' text exposition format (version
 * 0.0.4): every counter and gauge of shared/stats.h summed over the
 * segment's worker slots as obproxy_<name> (counters end in _total), the
 * ODP names (ODP-REFERENCE 12) where obproxy has the same data, and the
 * processes: build, workers, restarts, hot upgrades.  Rendered on each
 * request from the segment: nothing is kept between scrapes and nothing
 * on the workers' side knows about it.
 */
#ifndef OBP_MONITOR_METRICS_H
#define OBP_MONITOR_METRICS_H

struct obp_monitor;
struct obp_mbuf;

#define OBP_METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"

void obp_metrics_render(const struct obp_monitor *mon, struct obp_mbuf *b);

#endif
