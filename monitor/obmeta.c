/*
 * The OceanBase metadata source (obmeta.h): when it runs, its connection
 * to a rootservice_list server, its rounds and the workers' requests.
 */
#include "monitor.h"

#include <stdlib.h>
#include <string.h>

#define RETRY_S         0.1     /* a publish held up by a reader */
#define FAILED_PAUSE_US INT64_C(1000000)    /* after a failed round */

static void obmeta_poll_cb(struct ev_loop *loop, ev_timer *t, int revents);
static void obmeta_retry_cb(struct ev_loop *loop, ev_timer *t, int revents);
static void obmeta_round_over(struct obp_probe *p, int rc);

void
obp_obmeta_init(struct obp_monitor *mon)
{
    struct obp_obmeta *om = &mon->obmeta;

    memset(om, 0, sizeof(*om));
    om->mon = mon;
    ev_timer_init(&om->poll, obmeta_poll_cb, OBP_OBMETA_POLL_S,
                  OBP_OBMETA_POLL_S);
    om->poll.data = om;
    ev_timer_init(&om->retry, obmeta_retry_cb, RETRY_S, RETRY_S);
    om->retry.data = om;
    obp_obmeta_script_init(om);
}

double
obp_obmeta_interval(const struct obp_conf *conf)
{
    return (double)conf->server_state_refresh_interval / 1e6;
}

/* rootservice_list, else the config server's list (cfgsrv.h), or NULL. */
static const char *
obmeta_list(const struct obp_monitor *mon)
{
    const char *l = mon->conf->rootservice_list;

    return l != NULL && l[0] != '\0' ? l : obp_cfgsrv_list(mon);
}

/* The source runs with a list of servers and no topology declared. */
static bool
obmeta_wanted(const struct obp_monitor *mon)
{
    return mon->conf->topo == NULL && obmeta_list(mon) != NULL
           && !mon->handed && !mon->stopping && !mon->obmeta.stopped;
}

/* A connection to the next rootservice_list server; false when none. */
static bool
obmeta_connect(struct obp_obmeta *om)
{
    struct obp_addr list[16];
    char            err[160];
    int             n;

    if (om->conn_init)
        return true;
    if (obmeta_list(om->mon) == NULL)
        return false;
    n = obp_addr_parse_list(obmeta_list(om->mon), list,
                            (int)OBP_NELEMS(list), err, sizeof(err));
    if (n <= 0)
        return false;
    if (obp_probe_init(&om->conn, om->mon->loop, &om->mon->conf, -1,
                       list[om->rs_next % (unsigned)n].text,
                       obmeta_round_over, om) != OBP_OK)
        return false;
    om->conn.script = &om->script;
    om->conn_init = true;
    return true;
}

static void
job_add(struct obp_obmeta *om, uint8_t kind, uint32_t idx)
{
    for (uint32_t i = 0; i < om->njobs; i++)
        if (om->jobs[i].kind == kind && om->jobs[i].idx == idx)
            return;
    if (om->njobs < OBP_OBMETA_JOBS)
        om->jobs[om->njobs++] = (struct obp_obmeta_job){ kind, 0, false,
                                                         idx };
}

/*
 * The refresh's jobs: the cluster, then what the model holds that
 * expired (ODP 5.9): a tenant's servers after tenant_location_valid_time,
 * a table's locations after partition_location_expire_relative_time
 * (0: kept until a server says they are wrong).
 */
static void
jobs_refresh(struct obp_obmeta *om, int64_t now)
{
    const struct obp_conf *c = om->mon->conf;
    int64_t                expire = c->partition_location_expire_relative_time;

    job_add(om, OBP_OBMETA_ZONES, 0);
    job_add(om, OBP_OBMETA_SERVERS, 0);
    for (uint32_t i = 0; i < om->ntenants; i++)
        if (om->tenants[i].fetched
            && now - om->tenants[i].fetched_us
               >= c->tenant_location_valid_time)
            job_add(om, OBP_OBMETA_DUMMY, i);
    for (uint32_t i = 0; expire > 0 && i < om->ntables; i++)
        if (om->tables[i].found && now - om->tables[i].checked_us >= expire)
            job_add(om, OBP_OBMETA_TABLE, i);
}

/* The requests' jobs: a table's tenant comes before it. */
static void
jobs_requests(struct obp_obmeta *om)
{
    for (uint32_t i = 0; i < om->nwaiting; i++) {
        struct obp_obmeta_wait *w = &om->waiting[i];
        int                     tn = w->kind == OBP_OBMETA_TABLE
            ? obp_obmeta_tenant_find(om, om->tables[w->idx].tenant)
            : (int)w->idx;

        if (tn >= 0 && !om->tenants[tn].fetched)
            job_add(om, OBP_OBMETA_DUMMY, (uint32_t)tn);
        if (w->kind == OBP_OBMETA_TABLE)
            job_add(om, OBP_OBMETA_TABLE, w->idx);
        om->reqs[om->nreqs++] = *w;
    }
    om->nwaiting = 0;
}

/* Dirty tables whose delay has passed (<add>: their jobs added). */
static bool
jobs_dirty(struct obp_obmeta *om, int64_t now, bool add)
{
    bool due = false;

    for (uint32_t i = 0; i < om->ntables; i++) {
        struct obp_obmeta_table *t = &om->tables[i];

        if (t->dirty_at_us == 0 || now < t->dirty_at_us)
            continue;
        due = true;
        if (add) {
            job_add(om, OBP_OBMETA_TABLE, i);
            t->dirty_at_us = 0;
        }
    }
    return due;
}

/* Starts a round when one is due and none is under way. */
static void
obmeta_kick(struct obp_obmeta *om)
{
    int64_t now = obp_now_us();

    if (om->conn.busy || om->publishing || om->nreqs > 0
        || (!om->refresh_due && om->nwaiting == 0
            && !jobs_dirty(om, now, false))
        || now < om->next_round_us || !obmeta_connect(om))
        return;
    om->njobs = om->job = 0;
    if (!om->is_ob)
        job_add(om, OBP_OBMETA_BOOT, 0);    /* then a refresh at once */
    else if (om->refresh_due)
        jobs_refresh(om, now);
    om->refresh_due = false;
    jobs_requests(om);
    jobs_dirty(om, now, true);
    obp_probe_start(&om->conn);
}

/* The round's requests are answered (published, or not found). */
static void
answer_requests(struct obp_obmeta *om)
{
    for (uint32_t i = 0; i < om->nreqs; i++)
        obp_mreq_done(om->mon->shm, om->reqs[i].slot);
    om->nreqs = 0;
}

static void
obmeta_publish(struct obp_obmeta *om)
{
    int rc = OBP_OK;

    if (om->dirty && om->is_ob)
        rc = obp_obmeta_publish(om);
    om->publishing = rc == OBP_AGAIN;
    if (om->publishing) {
        ev_timer_again(om->mon->loop, &om->retry);
        return;
    }
    ev_timer_stop(om->mon->loop, &om->retry);
    om->dirty = false;
    answer_requests(om);
}

/*
 * A round that failed: logged once, a WARN when the servers answered as
 * OceanBase before, else an INFO (a MySQL/MariaDB rootservice_list has no
 * proxyro@sys); the next server next time, after a pause.
 */
static void
obmeta_round_failed(struct obp_obmeta *om, struct obp_probe *p)
{
    if (!om->said_failed)
        obp_log(om->is_ob ? OBP_LOG_WARN : OBP_LOG_INFO, 0, 0,
                "oceanbase metadata: %s: %s%s", p->addr.text, p->why,
                om->is_ob ? "" : ": rootservice_list serves as listed");
    om->said_failed = true;
    om->rs_next++;
    om->conn_init = false;
    om->next_round_us = obp_now_us() + FAILED_PAUSE_US;
}

static void
obmeta_round_over(struct obp_probe *p, int rc)
{
    struct obp_obmeta *om = p->owner;

    if (rc != OBP_OK)
        obmeta_round_failed(om, p);
    else
        om->said_failed = false;
    if (rc == OBP_OK && !om->is_ob && !om->said_not_ob) {
        obp_log(OBP_LOG_INFO, 0, 0, "oceanbase metadata: %s does not "
                "answer as OceanBase (no cluster, no servers): "
                "rootservice_list serves as listed", p->addr.text);
        om->said_not_ob = true;
    }
    if (rc == OBP_OK && om->is_ob)
        om->said_not_ob = false;
    /* the servers just answered as OceanBase: the rest at once */
    if (om->is_ob && om->njobs > 0 && om->jobs[0].kind == OBP_OBMETA_BOOT)
        om->refresh_due = true;
    obmeta_publish(om);
}

static void
obmeta_retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    obmeta_publish(t->data);
}

/*
 * A server said OB_NOT_MASTER for table <t>: read again once
 * delay_update_entry_interval has passed (ODP's delayed update, 5.9),
 * the server's own location cache being refreshed meanwhile.
 */
static void
obmeta_dirty(struct obp_obmeta *om, struct obp_obmeta_table *t, int64_t now)
{
    if (t->found && t->dirty_at_us == 0)
        t->dirty_at_us = now + om->mon->conf->delay_update_entry_interval;
}

/* Request <r> taken: answered now, or waiting for the next round. */
static void
obmeta_request(struct obp_obmeta *om, const struct obp_mreq_req *r,
               int64_t now)
{
    struct obp_obmeta_wait w = { r->slot, OBP_OBMETA_TABLE, 0 };
    int64_t                fresh = om->mon->conf->server_state_refresh_interval;
    int                    i = -1;

    if (strcmp(r->cluster, om->mon->conf->rootservice_cluster_name) == 0
        && obp_obmeta_tenant_add(om, r->tenant) >= 0) {
        if ((r->kind & ~(uint32_t)OBP_MREQ_DIRTY) == OBP_ROUTE_TABLE)
            i = obp_obmeta_table_add(om, r->tenant, r->database, r->table);
        else
            i = obp_obmeta_tenant_find(om, r->tenant);
    }
    if ((r->kind & OBP_MREQ_DIRTY) && i >= 0) {
        obmeta_dirty(om, &om->tables[i], now);
        obp_mreq_done(om->mon->shm, r->slot);
        return;
    }
    if (r->kind != OBP_ROUTE_TABLE)
        w.kind = OBP_OBMETA_DUMMY;
    else if (i >= 0)
        om->tables[i].used_ms = now / 1000;     /* a miss is a use */
    if (i < 0 || (w.kind == OBP_OBMETA_TABLE
                  && om->tables[i].checked_us != 0
                  && now - om->tables[i].checked_us < fresh)
        || (w.kind == OBP_OBMETA_DUMMY && om->tenants[i].fetched)) {
        obp_mreq_done(om->mon->shm, r->slot);   /* nothing new to read */
        return;
    }
    w.idx = (uint32_t)i;
    om->waiting[om->nwaiting++] = w;
}

/*
 * The master published a topology a reload declared over our set (it
 * clears the live word): the static source serves from now on.
 */
static bool
obmeta_overtaken(struct obp_obmeta *om)
{
    if (om->published[0] == 0 || obp_route_live(om->mon->shm))
        return false;
    obp_log(OBP_LOG_INFO, 0, 0, "oceanbase metadata: a declared topology "
            "is published: the source stops");
    om->stopped = true;
    /* its servers' states no longer hold them back */
    for (uint32_t i = 0; i < om->nservers; i++)
        obp_srvstate_ob_set(om->mon->shm,
                            obp_bl_find(om->mon->shm, om->servers[i].addr),
                            OBP_OB_NONE);
    return true;
}

static void
obmeta_poll_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_obmeta  *om = t->data;
    struct obp_mreq_req r;
    unsigned            pos = 0;
    int64_t             now = obp_now_us();

    if (!obmeta_wanted(om->mon) || obmeta_overtaken(om)) {
        obp_obmeta_free(om->mon);
        return;
    }
    while (om->is_ob && om->nwaiting < OBP_MREQ_SLOTS
           && obp_mreq_take(om->mon->shm, &pos, now, &om->seen, &r)
              == OBP_OK)
        obmeta_request(om, &r, now);
    obmeta_kick(om);
}

void
obp_obmeta_run(struct obp_monitor *mon)
{
    struct obp_obmeta *om = &mon->obmeta;

    if (!obmeta_wanted(mon))
        return;
    if (!om->active) {
        om->active = true;
        obp_mreq_requeue(mon->shm);
        ev_timer_again(mon->loop, &om->poll);
    }
    om->refresh_due = true;
    obmeta_kick(om);
}

void
obp_obmeta_free(struct obp_monitor *mon)
{
    struct obp_obmeta *om = &mon->obmeta;

    ev_timer_stop(mon->loop, &om->poll);
    ev_timer_stop(mon->loop, &om->retry);
    if (om->conn_init)
        obp_probe_close(&om->conn);
    om->conn_init = false;
    om->active = false;
    om->publishing = false;
    for (uint32_t i = 0; i < om->nwaiting; i++)
        obp_mreq_done(mon->shm, om->waiting[i].slot);
    om->nwaiting = 0;
    answer_requests(om);
    obp_obmeta_model_free(om);
    om->is_ob = om->said_not_ob = false;
}
