/*
 * Server session pool (pool.h).  An offered session gets
 * COM_RESET_CONNECTION and joins the list at once (so a stop frees it),
 * marked resetting until the server's OK; only then can a login take
 * it.  A parked session stays watched: any byte, an end of file or its
 * idle timer closes it.
 */
#include "worker.h"

#include <string.h>

/* Client capabilities that change how the server answers. */
#define KEY_CAPS                                                            \
    (OBP_CLIENT_FOUND_ROWS | OBP_CLIENT_LONG_FLAG                          \
     | OBP_CLIENT_CONNECT_WITH_DB | OBP_CLIENT_NO_SCHEMA                   \
     | OBP_CLIENT_ODBC | OBP_CLIENT_LOCAL_FILES | OBP_CLIENT_IGNORE_SPACE  \
     | OBP_CLIENT_INTERACTIVE | OBP_CLIENT_TRANSACTIONS                    \
     | OBP_CLIENT_MULTI_STATEMENTS | OBP_CLIENT_MULTI_RESULTS              \
     | OBP_CLIENT_PS_MULTI_RESULTS | OBP_CLIENT_SESSION_TRACK              \
     | OBP_CLIENT_DEPRECATE_EOF)

static void pool_read(struct obp_conn *c);
static void pool_error(struct obp_conn *c, int err);

static const struct obp_conn_ops pool_ops = {
    pool_read, pool_error, NULL
};

static void
unlink_srv(struct obp_srv_pool *p, struct obp_srv *srv)
{
    if (srv->pprev != NULL)
        srv->pprev->pnext = srv->pnext;
    else
        p->head = srv->pnext;
    if (srv->pnext != NULL)
        srv->pnext->pprev = srv->pprev;
    else
        p->tail = srv->pprev;
    srv->pprev = srv->pnext = NULL;
    p->n--;
}

static void
drop(struct obp_srv *srv, const char *why)
{
    obp_log(OBP_LOG_DEBUG, srv->sid, 0, "pooled server session on %s "
            "dropped (%s)", srv->addr.text, why);
    obp_stat_add(srv->w->stats, OBP_STAT_pool_dropped, 1);
    if (!srv->resetting) {
        obp_stat_add(srv->w->stats, OBP_STAT_pool_idle, -1);
        obp_stat_srv(srv->w->stats, srv->bl, 0, -1);
    }
    unlink_srv(&srv->w->spool, srv);
    obp_srv_free(srv);
}

/* No command, no partial packet either way, no transaction. */
static bool
idle(const struct obp_session *s)
{
    const struct obp_srv   *srv = s->srv;
    const struct obp_iobuf *b = srv->c.in;

    return s->state == OBP_SESS_READY && srv->state == OBP_SRV_READY
           && !s->req.busy && !s->req.drop && obp_req_packets_over(s)
           && s->resp.phase == OBP_R_NONE && s->resp.remain == 0
           && !s->resp.cont && (b == NULL || b->recv == b->done)
           && obp_conn_pending(&srv->c) == 0
           && (s->status & OBP_SERVER_STATUS_IN_TRANS) == 0
           && (s->status & OBP_SERVER_STATUS_AUTOCOMMIT) != 0;
}

/*
 * How long a parked session may wait (us): server_session_idle_timeout,
 * and less than the wait_timeout its server applies to it after the
 * reset (its global one for the kind of client), so the proxy closes it
 * first.
 */
static int64_t
park_limit(const struct obp_srv *srv)
{
    const struct obp_worker *w = srv->w;
    int64_t                  lim = w->conf->server_session_idle_timeout;
    ev_tstamp                wt = (ev_tstamp)
        ((srv->pool_caps & OBP_CLIENT_INTERACTIVE) ? w->interactive_timeout
                                                   : w->wait_timeout);
    int64_t                  before = (int64_t)
        (obp_idle_before_server(wt) * 1e6);

    return wt > 0 && before < lim ? before : lim;
}

static void
timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_srv *srv = t->data;

    if (srv->resetting)
        drop(srv, "no answer to COM_RESET_CONNECTION");
    else if (park_limit(srv) < srv->w->conf->server_session_idle_timeout)
        drop(srv, "the server's wait_timeout is near");
    else
        drop(srv, "server_session_idle_timeout");
}

static void
arm(struct obp_srv *srv, int64_t us)
{
    ev_timer_stop(srv->w->loop, &srv->timer);
    ev_set_cb(&srv->timer, timer_cb);
    ev_timer_set(&srv->timer, (ev_tstamp)us / 1e6, 0.);
    ev_timer_start(srv->w->loop, &srv->timer);
}

static int
send_reset(struct obp_srv *srv)
{
    static const uint8_t reset[] = { 1, 0, 0, 0, OBP_COM_RESET_CONNECTION };
    struct obp_wr        wr;

    if (obp_conn_writer(&srv->c, &wr) != OBP_OK)
        return OBP_ERROR;
    obp_wr_bytes(&wr, reset, sizeof(reset));
    if (obp_conn_commit(&srv->c, &wr) != OBP_OK
        || obp_conn_flush(&srv->c) == OBP_ERROR)
        return OBP_ERROR;
    return OBP_OK;
}

static void
push(struct obp_srv_pool *p, struct obp_srv *srv)
{
    srv->pprev = NULL;
    srv->pnext = p->head;
    if (p->head != NULL)
        p->head->pprev = srv;
    else
        p->tail = srv;
    p->head = srv;
    p->n++;
}

/* Parks <srv>, idle, under <s>'s key and the schema it is on. */
static int
park(const struct obp_session *s, struct obp_srv *srv)
{
    struct obp_worker *w = s->w;
    unsigned           max = (unsigned)w->conf->server_session_pool_size;

    while (w->spool.n >= max)
        drop(w->spool.tail, "pool full");
    srv->c.feed = NULL;
    srv->pool_caps = s->caps & KEY_CAPS;
    srv->pool_ext_caps = s->ext_caps;
    srv->pool_charset = s->charset;
    srv->sid = s->id;
    srv->owner = srv;
    srv->resetting = 1;
    obp_srv_adopt(srv, &pool_ops, srv);
    push(&w->spool, srv);
    if (send_reset(srv) != OBP_OK) {
        drop(srv, "COM_RESET_CONNECTION not sent");
        return OBP_OK;
    }
    arm(srv, w->conf->connect_server_timeout);
    obp_conn_trim(&srv->c);
    obp_conn_update(&srv->c);
    return OBP_OK;
}

static bool
pooling(const struct obp_worker *w)
{
    return w->conf->server_session_pool_size > 0 && !w->stopped
           && !w->draining;
}

int
obp_pool_offer(struct obp_session *s)
{
    struct obp_srv *srv = s->srv;

    if (srv == NULL || !pooling(s->w))
        return OBP_ERROR;
    /* a command without a response (COM_STMT_CLOSE) may still be queued */
    if (srv->state == OBP_SRV_READY && obp_conn_pending(&srv->c) > 0)
        (void)obp_conn_flush(&srv->c);
    if (!idle(s))
        return OBP_ERROR;
    s->cl.feed = NULL;
    s->srv = NULL;
    obp_strlcpy(srv->pool_db, s->db, sizeof(srv->pool_db));
    return park(s, srv);
}

int
obp_pool_offer_srv(const struct obp_session *s, struct obp_srv *srv)
{
    const struct obp_iobuf *b = srv->c.in;

    if (!pooling(s->w) || obp_conn_pending(&srv->c) > 0
        || (b != NULL && b->recv != b->done)
        || (srv->status & OBP_SERVER_STATUS_IN_TRANS) != 0)
        return OBP_ERROR;
    return park(s, srv);
}

/* The answer to COM_RESET_CONNECTION; OBP_ERROR for anything else. */
static int
reset_answer(struct obp_srv *srv, const uint8_t *p, size_t len)
{
    struct obp_ok ok;

    if (!srv->resetting || len == 0 || p[0] != OBP_PKT_OK
        || obp_ok_parse(&ok, p, len, srv->caps) != OBP_OK
        || (ok.status & OBP_SERVER_STATUS_IN_TRANS) != 0
        || (ok.status & OBP_SERVER_STATUS_AUTOCOMMIT) == 0)
        return OBP_ERROR;
    srv->status = ok.status;
    srv->resetting = 0;
    srv->st_ver = 0;                    /* the reset undid every SET... */
    obp_srvstmt_clear(&srv->stmts);     /* ...and closed the statements */
    obp_stat_add(srv->w->stats, OBP_STAT_pool_parked, 1);
    obp_stat_add(srv->w->stats, OBP_STAT_pool_idle, 1);
    obp_stat_srv(srv->w->stats, srv->bl, 0, 1);
    obp_log(OBP_LOG_DEBUG, srv->sid, 0, "server session on %s parked "
            "('%s', schema '%s')", srv->addr.text, srv->lg.user,
            srv->pool_db);
    arm(srv, park_limit(srv));
    return OBP_OK;
}

static void
pool_read(struct obp_conn *c)
{
    struct obp_srv   *srv = c->owner;
    struct obp_iobuf *b = c->in;
    const uint8_t    *h;
    uint32_t          len;
    int               rc = obp_iobuf_packet(b, &h, &len);

    /* a parked session's server has nothing to say */
    if (!srv->resetting || rc == OBP_ERROR) {
        drop(srv, "unexpected bytes from the server");
        return;
    }
    if (rc == OBP_AGAIN)
        return;
    if (b->recv - b->parse > OBP_PKT_HDR_LEN + len
        || reset_answer(srv, h + OBP_PKT_HDR_LEN, len) != OBP_OK) {
        drop(srv, "COM_RESET_CONNECTION failed");
        return;
    }
    obp_conn_skip(c, OBP_PKT_HDR_LEN + len);
    obp_conn_trim(c);
    obp_conn_update(c);
}

static void
pool_error(struct obp_conn *c, int err)
{
    drop(c->owner, err == 0 ? "server closed the connection"
                            : strerror(err));
}

/*
 * An OceanBase server checks the __client_ip its login carried against
 * the tenant's whitelist: a session logged in for one client address
 * serves no client of another.
 */
static bool
matches(const struct obp_srv *srv, const struct obp_session *s)
{
    return !srv->resetting && srv->pool_charset == s->charset
           && (!srv->ip_sent || strcmp(srv->lg.client_ip, s->cip) == 0)
           && srv->pool_caps == (s->caps & KEY_CAPS)
           && srv->pool_ext_caps == s->ext_caps
           && memcmp(srv->lg.account, s->account, OBP_SHA1_LEN) == 0
           && strcmp(srv->lg.user, s->name.user) == 0
           && strcmp(srv->lg.tenant, s->name.tenant) == 0
           && strcmp(srv->pool_db, s->db) == 0;
}

/* Takes <srv> out of the pool for <s>. */
static void
take(struct obp_session *s, struct obp_srv *srv)
{
    unlink_srv(&s->w->spool, srv);
    obp_stat_add(s->w->stats, OBP_STAT_pool_reused, 1);
    obp_stat_add(s->w->stats, OBP_STAT_pool_idle, -1);
    obp_stat_srv(s->w->stats, srv->bl, 0, -1);
    ev_timer_stop(s->w->loop, &srv->timer);
    obp_log(OBP_LOG_DEBUG, s->id, 0, "server session on %s reused (parked "
            "by session %llu)", srv->addr.text,
            (unsigned long long)srv->sid);
    srv->sid = s->id;
    srv->owner = s;
    s->srv = srv;
}

int
obp_pool_take(struct obp_session *s)
{
    struct obp_srv *srv;

    for (srv = s->w->spool.head; srv != NULL; srv = srv->pnext) {
        if (matches(srv, s)) {
            take(s, srv);
            return OBP_OK;
        }
    }
    return OBP_ERROR;
}

int
obp_pool_take_on(struct obp_session *s, int server)
{
    struct obp_srv *srv;

    for (srv = s->w->spool.head; srv != NULL; srv = srv->pnext) {
        if (srv->bl == server && matches(srv, s)) {
            take(s, srv);
            return OBP_OK;
        }
    }
    return OBP_ERROR;
}

void
obp_pool_close_all(struct obp_worker *w, const char *why)
{
    while (w->spool.head != NULL)
        drop(w->spool.head, why);
}
