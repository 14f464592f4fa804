/*
 * Per-tenant session gauges and login counters (tenantstat.h).
 */
#include "worker.h"

#include <string.h>

#define OWN_TENANT "proxysys"   /* the proxy's accounts (clogin.c) */

/* The worker's row of (<cluster>, <tenant>), or NULL without a slot. */
static struct obp_sqlstat_row *
row_of(struct obp_worker *w, unsigned *row, const char *cluster,
       const char *tenant)
{
    struct obp_shm_sqlstat *slot = obp_shm_sqlstat(w->shm, w->shm_slot);

    if (slot == NULL)
        return NULL;
    if (*row == 0)
        *row = 1 + obp_sqlstat_tenant(obp_shm_tenants(w->shm), cluster,
                                      tenant, w->pid);
    return &slot->row[*row - 1];
}

static struct obp_sqlstat_row *
counted_row(struct obp_worker *w, unsigned row)
{
    struct obp_shm_sqlstat *slot = obp_shm_sqlstat(w->shm, w->shm_slot);

    return slot != NULL && row != 0 ? &slot->row[row - 1] : NULL;
}

void
obp_tenantstat_in(struct obp_session *s, bool login)
{
    unsigned                row = 0;
    struct obp_sqlstat_row *now, *was;

    now = row_of(s->w, &row, s->name.cluster, s->name.tenant);
    if (now == NULL)
        return;
    if (login)
        obp_sqlstat_login(now, true);
    if (row == s->tstat_row)
        return;
    was = counted_row(s->w, s->tstat_row);
    if (was != NULL)
        obp_sqlstat_gauge(was, OBP_SQLSTAT_SESS_CLIENT, -1);
    obp_sqlstat_gauge(now, OBP_SQLSTAT_SESS_CLIENT, 1);
    s->tstat_row = row;
    s->sqlstat_row = row;       /* its statements count there too */
}

void
obp_tenantstat_out(struct obp_session *s)
{
    struct obp_sqlstat_row *r = counted_row(s->w, s->tstat_row);
    unsigned                row = 0;

    if (r != NULL) {
        obp_sqlstat_gauge(r, OBP_SQLSTAT_SESS_CLIENT, -1);
        s->tstat_row = 0;
        return;
    }
    /* never logged in: a refused login, if the client got that far */
    if (s->name.user[0] == '\0' || s->req.cmd == OBP_COM_CHANGE_USER
        || obp_strcasecmp(s->name.tenant, OWN_TENANT) == 0)
        return;
    r = row_of(s->w, &row, s->name.cluster, s->name.tenant);
    if (r != NULL)
        obp_sqlstat_login(r, false);
}

void
obp_tenantstat_server(struct obp_srv *srv, int delta)
{
    struct obp_sqlstat_row *r;

    if (!srv->for_client)
        return;
    if (delta > 0)
        r = row_of(srv->w, &srv->tstat_row, srv->lg.cluster, srv->lg.tenant);
    else
        r = counted_row(srv->w, srv->tstat_row);
    if (r != NULL)
        obp_sqlstat_gauge(r, OBP_SQLSTAT_SESS_SERVER, delta);
}
