/*
 * The config server's fetches (cfgsrv.h).
 */
#include "monitor.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BACKOFF_FIRST_US INT64_C(1000000)

static void cfgsrv_done(void *arg, const struct obp_httpresp *resp,
                        const char *why);

void
obp_cfgsrv_init(struct obp_monitor *mon)
{
    struct obp_cfgsrv *cs = &mon->cfgsrv;

    memset(cs, 0, sizeof(*cs));
    cs->mon = mon;
    obp_httpc_init(&cs->http, mon->loop);
}

/* rootservice_list empty (-r wins), a URL, no topology. */
static bool
cfgsrv_wanted(const struct obp_monitor *mon)
{
    const struct obp_conf *c = mon->conf;

    return c->topo == NULL
           && (c->rootservice_list == NULL || c->rootservice_list[0] == '\0')
           && c->obproxy_config_server_url != NULL
           && c->obproxy_config_server_url[0] != '\0' && !mon->handed
           && !mon->stopping;
}

const char *
obp_cfgsrv_list(const struct obp_monitor *mon)
{
    return cfgsrv_wanted(mon) && mon->cfgsrv.rslist[0] != '\0'
           ? mon->cfgsrv.rslist : NULL;
}

static void
cfgsrv_start(struct obp_cfgsrv *cs)
{
    double timeout = (double)cs->mon->conf->short_async_task_timeout / 1e6;

    cs->http.ca = cs->mon->conf->config_server_ssl_ca;
    if (obp_httpc_get(&cs->http, cs->url, timeout, cfgsrv_done, cs)
        != OBP_OK)
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "config server %s: not fetched",
                cs->url);
}

static void cfgsrv_failed(struct obp_cfgsrv *cs, const char *fmt, ...)
    OBP_PRINTF(2, 3);

/* Logged when it differs from the last one; retried with a back-off. */
static void
cfgsrv_failed(struct obp_cfgsrv *cs, const char *fmt, ...)
{
    const struct obp_conf *c = cs->mon->conf;
    int64_t                most = c->config_server_refresh_interval
                                  < c->server_state_refresh_interval
                                  ? c->config_server_refresh_interval
                                  : c->server_state_refresh_interval;
    int64_t                wait = BACKOFF_FIRST_US
                                  << (cs->fails < 16 ? cs->fails : 16);
    char                   why[256], line[sizeof(cs->said)];
    va_list                ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(line, sizeof(line), "config server %.2300s: %s", cs->url, why);
    if (strcmp(line, cs->said) != 0)
        obp_log(OBP_LOG_WARN, 0, 0, "%s%s", line, cs->rslist[0] != '\0'
                ? ": the servers fetched before serve" : ": retrying");
    snprintf(cs->said, sizeof(cs->said), "%s", line);
    cs->fails++;
    cs->cluster_step = false;
    cs->next_us = obp_now_us() + (wait < most ? wait : most);
}

/* A list read: kept, and the metadata source told when it is new. */
static void
cfgsrv_got(struct obp_cfgsrv *cs, const struct obp_cfgjson *j)
{
    bool first = cs->rslist[0] == '\0';

    if (strcmp(cs->rslist, j->rslist) != 0 || cs->said[0] != '\0')
        obp_log(OBP_LOG_INFO, 0, 0, "config server %s: cluster %s (id "
                "%lld): %u servers %s", cs->url, j->cluster,
                (long long)j->cluster_id, j->nservers, j->rslist);
    snprintf(cs->rslist, sizeof(cs->rslist), "%s", j->rslist);
    obp_route_set_cluster_id(cs->mon->shm, j->cluster_id);
    cs->said[0] = '\0';
    cs->fails = 0;
    cs->cluster_step = false;
    cs->next_us = obp_now_us() + cs->mon->conf->config_server_refresh_interval;
    if (first)
        obp_obmeta_run(cs->mon);
}

static void
cfgsrv_done(void *arg, const struct obp_httpresp *resp, const char *why)
{
    struct obp_cfgsrv *cs = arg;
    const char        *cluster = cs->mon->conf->rootservice_cluster_name;
    struct obp_cfgjson j;
    char               err[200];

    if (resp == NULL) {
        cfgsrv_failed(cs, "%s", why);
    } else if (resp->status != 200) {
        cfgsrv_failed(cs, "HTTP status %d", resp->status);
    } else if (obp_cfgjson_read(resp->body, resp->len, cluster, &j, err,
                                sizeof(err)) != OBP_OK) {
        cfgsrv_failed(cs, "%s", err);
    } else if (j.kind == OBP_CFGJSON_SERVERS) {
        cfgsrv_got(cs, &j);
    } else if (cs->cluster_step) {
        cfgsrv_failed(cs, "the cluster's URL answers with a list of "
                      "clusters");
    } else {
        cs->cluster_step = true;            /* the cluster's URL now */
        snprintf(cs->url, sizeof(cs->url), "%s", j.url);
        cfgsrv_start(cs);
    }
}

void
obp_cfgsrv_run(struct obp_monitor *mon)
{
    struct obp_cfgsrv *cs = &mon->cfgsrv;

    if (!cfgsrv_wanted(mon)) {
        obp_cfgsrv_free(mon);
        return;
    }
    if (obp_httpc_busy(&cs->http) || obp_now_us() < cs->next_us)
        return;
    snprintf(cs->url, sizeof(cs->url), "%s",
             mon->conf->obproxy_config_server_url);
    cs->cluster_step = false;
    cfgsrv_start(cs);
}

void
obp_cfgsrv_free(struct obp_monitor *mon)
{
    struct obp_cfgsrv *cs = &mon->cfgsrv;

    obp_httpc_cancel(&cs->http);
    if (cs->rslist[0] != '\0' && !mon->handed)   /* the next one's after */
        obp_route_set_cluster_id(mon->shm, 0);
    cs->rslist[0] = '\0';
    cs->said[0] = '\0';
    cs->fails = 0;
    cs->next_us = 0;
    cs->cluster_step = false;
}
