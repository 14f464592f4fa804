/*
 * The config server (ODP-REFERENCE 1.6, 4.2): with rootservice_list
 * empty, obproxy_config_server_url set and no topology declared, the
 * monitor fetches the cluster's servers from that URL as ODP does
 * (shared/cfgjson.h: the proxy's configuration, whose entry for
 * rootservice_cluster_name gives the cluster's URL, or that URL itself)
 * and hands them to the OceanBase metadata source (obmeta.h) in place of
 * rootservice_list.  Fetched again every config_server_refresh_interval;
 * a fetch that fails (no connection, a status but 200, an answer that
 * does not read, another cluster) is logged as a WARN naming the URL and
 * what was wrong (once while it stays the same), the last good list kept,
 * and retried after 1 s, 2 s, 4 s ... (at most server_state_refresh_
 * interval or config_server_refresh_interval, the smaller).
 * Each GET is bounded by short_async_task_timeout (monitor/httpc.h).
 */
#ifndef OBP_MONITOR_CFGSRV_H
#define OBP_MONITOR_CFGSRV_H

#include <stdbool.h>
#include <stdint.h>

#include "httpc.h"

struct obp_monitor;

struct obp_cfgsrv {
    struct obp_monitor *mon;
    struct obp_httpc    http;
    bool                cluster_step;   /* fetching the cluster's URL */
    char                url[OBP_URL_TARGET_MAX + OBP_URL_HOST_MAX + 16];
    char                rslist[OBP_CFGJSON_LIST_MAX];   /* "" until one */
    int64_t             next_us;        /* the next fetch */
    unsigned            fails;          /* in a row */
    char                said[2600];     /* the failure logged last */
};

void obp_cfgsrv_init(struct obp_monitor *mon);

/* The task (every 0.5 s): a fetch when one is due. */
void obp_cfgsrv_run(struct obp_monitor *mon);

/* The servers fetched ("ip:port;ip:port"), or NULL when none (yet). */
const char *obp_cfgsrv_list(const struct obp_monitor *mon);

/* A fetch under way ends, the list is forgotten (a stop). */
void obp_cfgsrv_free(struct obp_monitor *mon);

#endif
