/*
 * The TCP leg of a server connection (connect.h): rootservice_list
 * parsed once per configuration generation, then tried in order with
 * non-blocking connects bounded by connect_server_timeout.  srvlogin.c
 * starts it and takes over once a socket is connected.
 */
#include "worker.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Room for the 1429 message: clients show at most 512 bytes of it. */
#define MSG_MAX 480

/* An empty list with room for <max> servers, named <text>. */
static struct obp_servers *
servers_new(const char *text, int max)
{
    struct obp_servers *l;

    l = calloc(1, sizeof(*l) + (size_t)max * (sizeof(l->addr[0])
                                              + sizeof(l->bl[0])));
    if (l == NULL)
        return NULL;
    l->bl = (int *)(void *)&l->addr[max];
    l->text = strdup(text);
    if (l->text == NULL) {
        free(l);
        return NULL;
    }
    l->refs = 1;
    return l;
}

struct obp_servers *
obp_servers_parse(const char *list, const struct obp_shm *shm)
{
    const char         *text = list != NULL ? list : "";
    int                 max = 1;
    struct obp_servers *l;
    int                 n;

    /* every address ends at a separator or at the end of the text */
    for (const char *p = text; *p != '\0'; p++)
        max += *p == ';' || *p == ',';
    l = servers_new(text, max);
    if (l == NULL)
        return NULL;
    n = obp_addr_parse_list(text, l->addr, max, l->err, sizeof(l->err));
    if (n == OBP_ERROR) {
        obp_log(OBP_LOG_ERROR, 0, 0, "rootservice_list \"%s\": %s", text,
                l->err);
        n = 0;
    }
    l->n = n;
    for (n = 0; n < l->n; n++)
        l->bl[n] = obp_bl_find(shm, l->addr[n].text);
    return l;
}

void
obp_servers_release(struct obp_servers *l)
{
    if (l == NULL || --l->refs > 0)
        return;
    free(l->text);
    free(l);
}

struct obp_servers *
obp_servers_of(const uint16_t *idx, unsigned n, const struct obp_shm *shm)
{
    struct obp_servers *l = servers_new("", n > 0 ? (int)n : 1);
    char                err[160];

    for (unsigned i = 0; l != NULL && i < n; i++) {
        const struct obp_shm_server *e = obp_shm_server(shm, idx[i]);

        if (e != NULL && obp_addr_parse(&l->addr[l->n], e->addr, err,
                                        sizeof(err)) == OBP_OK)
            l->bl[l->n++] = idx[i];
    }
    return l;
}

/* Adds "ADDR (reason)" to the list of servers tried, cut when full. */
static void
note_tried(struct obp_srv *srv, const char *addr, const char *reason)
{
    size_t room = sizeof(srv->tried) - srv->tried_len;
    int    n;

    if (room <= 1)
        return;
    n = snprintf(srv->tried + srv->tried_len, room, "%s%s (%s)",
                 srv->tried_len > 0 ? ", " : "", addr, reason);
    if (n > 0)
        srv->tried_len += (size_t)n < room ? (size_t)n : room - 1;
}

/*
 * Notes a failed attempt (note_tried) and counts a failure of the
 * server's own (<err> >= 0) in the blocklist.
 */
static void
note_failure(struct obp_srv *srv, int err, const char *reason)
{
    const struct obp_conf *conf = srv->w->conf;

    obp_stat_add(srv->w->stats, OBP_STAT_server_connect_fail, 1);
    obp_stat_srv_failed(srv->w->stats, srv->bl);
    obp_log(OBP_LOG_INFO, srv->sid, 0, "connect to server %s failed: %s",
            srv->addr.text, reason);
    if (err >= 0 && obp_bl_failed(srv->w->shm, srv->bl, err == ECONNREFUSED,
                                  obp_now_us(), conf))
        obp_log(OBP_LOG_WARN, srv->sid, 0, "server %s blocked for every "
                "worker (%s); tried again after %lld ms", srv->addr.text,
                reason, (long long)(conf->congestion_retry_interval / 1000));
    note_tried(srv, srv->addr.text, reason);
}

/* Every server failed: the owner learns which and why. */
static void
all_failed(struct obp_srv *srv)
{
    struct obp_servers *l = srv->servers;
    char                msg[MSG_MAX];

    if (l->n == 0 && l->err[0] != '\0')
        snprintf(msg, sizeof(msg), "obproxy: bad rootservice_list: %s",
                 l->err);
    else if (l->n == 0 && srv->lg.tenant[0] != '\0')
        snprintf(msg, sizeof(msg), "obproxy: no server configured for "
                 "tenant '%s' (the topology does not declare it, "
                 "rootservice_list is empty)", srv->lg.tenant);
    else if (l->n == 0)
        snprintf(msg, sizeof(msg), "obproxy: no server configured "
                 "(rootservice_list is empty, the topology declares none)");
    else
        snprintf(msg, sizeof(msg), "obproxy: cannot connect to any "
                 "server: %s", srv->tried);
    obp_srv_fail(srv, OBP_ER_CONNECT_TO_SERVER, "HY000", "%s", msg);
}

static void
connected(struct obp_srv *srv)
{
    int         fd = srv->fd;
    const char *what;

    if (obp_sockopt_apply(fd, srv->w->conf, 0, &what) != OBP_OK)
        obp_log(OBP_LOG_INFO, srv->sid, errno, "%s on server %s", what,
                srv->addr.text);
    srv->fd = -1;
    srv->counted = 1;
    obp_stat_add(srv->w->stats, OBP_STAT_server_connect_ok, 1);
    obp_stat_add(srv->w->stats, OBP_STAT_server_active, 1);
    obp_stat_srv(srv->w->stats, srv->bl, 1, 0);
    obp_tenantstat_server(srv, 1);
    /* the list stays held: a server may still fail before its handshake */
    obp_srv_connected(srv, fd);
}

static void connect_ready_cb(struct ev_loop *loop, ev_io *io, int revents);

/*
 * Starts one non-blocking connect.  OBP_OK when it completed at once,
 * OBP_AGAIN while it is under way, OBP_ERROR when it failed (noted).
 */
static int
try_server(struct obp_srv *srv, const struct obp_addr *a)
{
    struct obp_worker *w = srv->w;
    int                fd;

    srv->addr = *a;
    fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd == -1) {
        note_failure(srv, -1, strerror(errno));     /* ours, not its */
        return OBP_ERROR;
    }
    srv->fd = fd;
    if (connect(fd, (const struct sockaddr *)&a->sa, a->salen) == 0)
        return OBP_OK;
    if (errno != EINPROGRESS && errno != EINTR) {
        note_failure(srv, errno, strerror(errno));
        srv->fd = -1;
        if (close(fd) == -1)
            obp_log(OBP_LOG_WARN, srv->sid, errno, "close server %s",
                    a->text);
        return OBP_ERROR;
    }
    ev_io_init(&srv->cw, connect_ready_cb, fd, EV_WRITE);
    srv->cw.data = srv;
    ev_io_start(w->loop, &srv->cw);
    ev_timer_set(&srv->timer, obp_connect_timeout(srv), 0.);
    ev_timer_start(w->loop, &srv->timer);
    return OBP_AGAIN;
}

/*
 * The next server to try, or -1.  A first pass skips blocked servers;
 * when it found none that answers, a second one tries the blocked ones
 * all the same, as ODP does (those that failed in the first pass are
 * blocked by now and get a second try), except the detect-dead: the
 * monitor saw them hang, a session would only wait on them.  At most
 * connect_observer_max_retries servers are tried in all.
 */
static int
pick(struct obp_srv *srv)
{
    struct obp_servers *l = srv->servers;
    int64_t             now = obp_now_us();
    bool                ok;
    int                 i;

    if (srv->tries >= srv->w->conf->connect_observer_max_retries)
        return -1;
    for (;;) {
        while (srv->next < l->n) {
            i = srv->next++;
            ok = obp_bl_may_try(srv->w->shm, l->bl[i], now, srv->w->conf);
            if (srv->forced && obp_srvstate_dead(srv->w->shm, l->bl[i])) {
                note_tried(srv, l->addr[i].text, "detect-dead");
                continue;
            }
            if (ok != (bool)srv->forced) {
                if (srv->tries++ > 0)
                    obp_stat_add(srv->w->stats, OBP_STAT_connect_retry, 1);
                return i;
            }
            srv->skipped += !srv->forced;
        }
        if (srv->forced || srv->skipped == 0)
            return -1;
        srv->forced = 1;
        srv->next = 0;
    }
}

ev_tstamp
obp_connect_timeout(const struct obp_srv *srv)
{
    const struct obp_conf *c = srv->w->conf;
    int64_t                us = c->connect_server_timeout;

    if (srv->retrying && c->min_congested_connect_timeout < us)
        us = c->min_congested_connect_timeout;
    return (ev_tstamp)us / 1e6;
}

/* Tries the remaining servers in order; at most one wait at a time. */
static void
try_next(struct obp_srv *srv)
{
    struct obp_servers *l = srv->servers;
    int                 i;

    while ((i = pick(srv)) >= 0) {
        srv->bl = l->bl[i];
        srv->retrying = obp_bl_failing(srv->w->shm, srv->bl);
        switch (try_server(srv, &l->addr[i])) {
        case OBP_OK:
            connected(srv);
            return;
        case OBP_AGAIN:
            return;
        default:
            break;
        }
    }
    all_failed(srv);
}

static void
connect_ready_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_srv *srv = io->data;
    int             err = 0;
    socklen_t       len = sizeof(err);

    ev_io_stop(loop, io);
    ev_timer_stop(loop, &srv->timer);
    if (getsockopt(srv->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
        err = errno;
    if (err == 0) {
        connected(srv);
        return;
    }
    obp_connect_retry(srv, err, strerror(err));
}

void
obp_connect_retry(struct obp_srv *srv, int err, const char *reason)
{
    struct ev_loop *loop = srv->w->loop;

    ev_io_stop(loop, &srv->cw);
    ev_timer_stop(loop, &srv->timer);
    note_failure(srv, err, reason);
    if (srv->fd != -1 && close(srv->fd) == -1)
        obp_log(OBP_LOG_WARN, srv->sid, errno, "close server %s",
                srv->addr.text);
    srv->fd = -1;
    if (srv->c.w != NULL) {
        /* the socket got as far as the login: it is counted */
        obp_conn_close(&srv->c);
        srv->c.w = NULL;
        srv->counted = 0;
        obp_stat_add(srv->w->stats, OBP_STAT_server_active, -1);
        obp_stat_srv(srv->w->stats, srv->bl, -1, 0);
        obp_tenantstat_server(srv, -1);
    }
    srv->state = OBP_SRV_CONNECTING;
    try_next(srv);
}

/* Appends the servers of priority <prio> from <r>, in random order. */
static void
add_group(struct obp_servers *l, const struct obp_shm *shm,
          const struct obp_route_replica *r, uint32_t n, uint16_t prio)
{
    struct obp_addr tmp;
    int             first = l->n, j;
    char            err[160];
    int             bl;

    for (uint32_t i = 0; i < n; i++) {
        const struct obp_shm_server *e = obp_shm_server(shm, r[i].server);

        if (r[i].priority != prio || e == NULL
            || obp_addr_parse(&l->addr[l->n], e->addr, err, sizeof(err))
               != OBP_OK)
            continue;
        l->bl[l->n++] = r[i].server;
    }
    /* ODP spreads sessions over the servers of one class */
    for (int i = l->n - 1; i > first; i--) {
        j = first + rand() % (i - first + 1);
        tmp = l->addr[i];
        l->addr[i] = l->addr[j];
        l->addr[j] = tmp;
        bl = l->bl[i];
        l->bl[i] = l->bl[j];
        l->bl[j] = bl;
    }
}

/*
 * The servers of the login's tenant in the route cache, primary zone
 * first (ODP-REFERENCE 6.7), or NULL when the topology does not declare
 * the tenant (the OceanBase source is asked for it).
 */
static struct obp_servers *
tenant_servers(struct obp_srv *srv)
{
    struct obp_worker              *w = srv->w;
    struct obp_route_key            key;
    struct obp_route_view           v;
    const struct obp_route_entry   *e;
    const struct obp_route_replica *r = NULL;
    struct obp_servers             *l = NULL;
    uint32_t                        n = 0, i;
    uint16_t                        prio, top = 0;

    if (srv->lg.tenant[0] == '\0'
        || obp_route_read_begin(&v, w->shm, w->shm_slot) != OBP_OK)
        return NULL;
    memset(&key, 0, sizeof(key));
    key.cluster = obp_route_name(srv->lg.cluster);
    key.tenant = obp_route_name(srv->lg.tenant);
    key.database = obp_route_name("");
    key.table = obp_route_name("");
    e = obp_route_find(&v, OBP_ROUTE_TENANT, &key);
    if (e != NULL)
        r = obp_route_replicas(e, 0, &n);
    else if (!srv->tw_asked && obp_route_live(w->shm)
             && obp_mreq_post(w->shm, OBP_ROUTE_TENANT, &key, obp_now_us(),
                              &srv->tw) == OBP_OK) {
        /* the login waits for its tenant's servers, as a statement for
           its table (mwait.h) */
        srv->tw_asked = 1;
        srv->tw_until_us = obp_now_us() + w->conf->short_async_task_timeout;
    }
    for (i = 0; i < n; i++)
        top = r[i].priority > top ? r[i].priority : top;
    if (r != NULL && n > 0 && (l = servers_new(srv->lg.tenant, (int)n))
                              != NULL)
        for (prio = 0; prio <= top; prio++)
            add_group(l, w->shm, r, n, prio);
    obp_route_read_end(&v);
    return l;
}

/*
 * Every server of the published topology, in server-table order, or NULL
 * when it declares none: a topology's servers are servers, also for the
 * account lookup when rootservice_list is empty.
 */
static struct obp_servers *
declared_servers(struct obp_worker *w)
{
    struct obp_route_view  v;
    struct obp_servers    *l = NULL;
    uint16_t              *idx = NULL;
    uint32_t               n, k = 0;

    if (obp_route_read_begin(&v, w->shm, w->shm_slot) != OBP_OK)
        return NULL;
    n = obp_route_ldc_count(&v);
    if (n > 0)
        idx = calloc(n, sizeof(*idx));
    for (uint32_t i = 0; idx != NULL && i < n; i++) {
        if (obp_route_ldc(&v, i) != NULL)
            idx[k++] = (uint16_t)i;
    }
    obp_route_read_end(&v);
    if (k > 0)
        l = obp_servers_of(idx, k, w->shm);
    if (n > 0 && (idx == NULL || (k > 0 && l == NULL)))
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "the topology's servers for an "
                "account lookup");
    free(idx);
    return l;
}

/* A login without a tenant (the account lookup) with rootservice_list "". */
static bool
wants_declared(const struct obp_srv *srv)
{
    const struct obp_servers *rs = srv->w->servers;

    return srv->lg.tenant[0] == '\0' && rs->n == 0 && rs->err[0] == '\0';
}

void
obp_connect_first(struct obp_srv *srv)
{
    /* a caller may have named its own servers (kill.c) */
    if (srv->servers == NULL)
        srv->servers = tenant_servers(srv);
    if (srv->servers == NULL && srv->tw_asked
        && obp_mreq_waiting(srv->w->shm, &srv->tw)
        && obp_now_us() < srv->tw_until_us) {
        ev_timer_set(&srv->timer, OBP_MWAIT_POLL, 0.);  /* state NEW */
        ev_timer_start(srv->w->loop, &srv->timer);
        return;
    }
    if (srv->servers == NULL && wants_declared(srv))
        srv->servers = declared_servers(srv->w);
    if (srv->servers == NULL) {
        srv->servers = srv->w->servers;
        srv->servers->refs++;
    }
    srv->next = 0;
    srv->skipped = 0;
    srv->tries = 0;
    srv->forced = 0;
    srv->bl = -1;
    srv->tried_len = 0;
    srv->tried[0] = '\0';
    srv->state = OBP_SRV_CONNECTING;
    try_next(srv);
}
