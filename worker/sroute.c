/*
 * Routing a session's commands (sroute.h): the decision for the command
 * at the head of the client's buffer, the held BEGIN, and the idle
 * server sessions a client session keeps.
 */
#include "worker.h"
#include "psparam.h"
#include "router.h"

#include <stdlib.h>
#include <string.h>

#define PARAMS_MAX    256           /* placeholders an execute is routed by */
#define ER_WRONG_VALUE_FOR_VAR 1231

static void idle_read(struct obp_conn *c);
static void idle_error(struct obp_conn *c, int err);

static const struct obp_conn_ops idle_ops = { idle_read, idle_error, NULL };

/* The place of <srv> among the idle ones, or -1. */
static int
idle_index(const struct obp_session *s, const struct obp_srv *srv)
{
    for (int i = 0; i < OBP_SROUTE_IDLE; i++)
        if (s->rt.idle[i] == srv)
            return i;
    return -1;
}

/* Takes idle place <i> out, keeping the others oldest first. */
static struct obp_srv *
idle_take(struct obp_session *s, int i)
{
    struct obp_srv *srv = s->rt.idle[i];

    ev_timer_stop(s->w->loop, &srv->timer);
    memmove(&s->rt.idle[i], &s->rt.idle[i + 1],
            (OBP_SROUTE_IDLE - 1 - (size_t)i) * sizeof(s->rt.idle[0]));
    s->rt.idle[OBP_SROUTE_IDLE - 1] = NULL;
    return srv;
}

/* An idle server session leaves: pooled, or closed with COM_QUIT. */
static void
idle_drop(struct obp_session *s, int i, bool pool, const char *why)
{
    struct obp_srv *srv = idle_take(s, i);

    obp_log(OBP_LOG_DEBUG, s->id, 0, "idle server session on %s %s (%s)",
            srv->addr.text, pool ? "leaves" : "closed", why);
    if (!pool || obp_pool_offer_srv(s, srv) != OBP_OK)
        obp_srv_free(srv);
}

/* Idle near the server's wait_timeout: it leaves before the server
 * closes it. */
static void
idle_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_srv *srv = t->data;
    int             i = idle_index(srv->owner, srv);

    if (i >= 0)
        idle_drop(srv->owner, i, true, "the server's wait_timeout is near");
}

/*
 * An idle server has nothing to say: a byte means it is closing.  The
 * conn's owner is the srv, whose owner is the session.
 */
static void
idle_read(struct obp_conn *c)
{
    struct obp_srv *srv = c->owner;
    int             i = idle_index(srv->owner, srv);

    if (i >= 0)
        idle_drop(srv->owner, i, false, "unexpected bytes from the server");
}

static void
idle_error(struct obp_conn *c, int err)
{
    struct obp_srv     *srv = c->owner;
    struct obp_session *s = srv->owner;
    int                 i = idle_index(s, srv);

    if (i < 0)
        return;
    idle_take(s, i);
    obp_log(OBP_LOG_INFO, s->id, err, "idle server session on %s lost",
            srv->addr.text);
    obp_stat_add(s->w->stats, OBP_STAT_server_lost, 1);
    obp_srv_abort(srv);
}

/* The current server session becomes idle, the oldest idle one leaving
 * when there is no room. */
static void
park(struct obp_session *s)
{
    struct obp_srv *srv = s->srv;
    int             i = idle_index(s, NULL);
    ev_tstamp       before;

    if (i < 0) {
        idle_drop(s, 0, true, "the session holds too many");
        i = OBP_SROUTE_IDLE - 1;
    }
    s->cl.feed = NULL;
    srv->c.feed = NULL;
    srv->st_ver = s->st.version;    /* it has every change so far */
    srv->status = s->status;
    obp_srv_adopt(srv, &idle_ops, srv);
    s->rt.idle[i] = srv;
    s->srv = NULL;
    obp_conn_update(&srv->c);
    before = obp_idle_before_server(obp_idle_wait_timeout(s));
    if (before > 0) {
        ev_timer_stop(s->w->loop, &srv->timer);
        ev_set_cb(&srv->timer, idle_timer_cb);
        ev_timer_set(&srv->timer, before, 0.);
        ev_timer_start(s->w->loop, &srv->timer);
    }
}

void
obp_sroute_reset(struct obp_session *s, bool pool)
{
    free(s->rt.begin);
    s->rt.begin = NULL;
    obp_proxyvar_init(&s->rt.pv);
    s->rt.wrote = 0;
    s->rt.wrote_us = 0;
    s->rt.temp = 0;
    s->rt.lv_gen = 0;           /* a new user may name another tenant */
    while (s->rt.idle[0] != NULL)
        idle_drop(s, 0, pool, "the session's state changed or ended");
}

bool
obp_sroute_close_idle(struct obp_session *s, uint32_t thread)
{
    for (int i = 0; i < OBP_SROUTE_IDLE && s->rt.idle[i] != NULL; i++) {
        if (s->rt.idle[i]->thread_id == thread) {
            idle_drop(s, i, false, "closed by the admin");
            obp_reg_update(s);
            return true;
        }
    }
    return false;
}

char *
obp_sroute_take_begin(struct obp_session *s, size_t *len)
{
    char *text = s->rt.begin;

    *len = s->rt.begin_len;
    s->rt.begin = NULL;
    return text;
}

void
obp_sroute_next(struct obp_session *s)
{
    if (s->srv != NULL)
        s->rt.cached = 1;
    s->rt.routed = 0;
    s->rt.stmt = 0;
    obp_mwait_next(s);
}

void
obp_sroute_stmt_closed(struct obp_session *s, uint32_t cid)
{
    static const uint8_t head[] = { 5, 0, 0, 0, OBP_COM_STMT_CLOSE };
    struct obp_srvstmt  *e;
    struct obp_srv      *srv;
    struct obp_wr        wr;

    for (int i = 0; i < OBP_SROUTE_IDLE && s->rt.idle[i] != NULL; i++) {
        srv = s->rt.idle[i];
        if ((e = obp_srvstmt_get(&srv->stmts, cid)) == NULL)
            continue;
        /* COM_STMT_CLOSE has no answer: it is simply sent */
        if (obp_conn_writer(&srv->c, &wr) == OBP_OK) {
            obp_wr_bytes(&wr, head, sizeof(head));
            obp_wr_u32(&wr, e->sid);
            if (obp_conn_commit(&srv->c, &wr) == OBP_OK)
                (void)obp_conn_flush(&srv->c);
            obp_conn_update(&srv->c);
        }
        obp_srvstmt_del(&srv->stmts, cid);
    }
}

/* The held transaction ends, or a new one is held: answered here. */
static int
answer_ok(struct obp_session *s, bool in_trans)
{
    uint16_t status = s->status & ~OBP_SERVER_STATUS_IN_TRANS;

    return obp_req_answer_ok(s, in_trans ? status | OBP_SERVER_STATUS_IN_TRANS
                                         : status);
}

/*
 * BEGIN outside a transaction is held; COMMIT or ROLLBACK of a held one
 * ends it.  True when the command was answered here (<rc> says how).
 */
static bool
hold_begin(struct obp_session *s, const struct obp_router_out *out,
           const char *sql, size_t len, int *rc)
{
    unsigned plain = OBP_SQL_F_MORE | OBP_SQL_F_XA | OBP_SQL_F_CHAIN
                     | OBP_SQL_F_RELEASE | OBP_SQL_F_SAVEPOINT;

    if ((out->sql_flags & plain) != 0)
        return false;
    if (out->sql_kind == OBP_SQL_BEGIN) {
        free(s->rt.begin);
        s->rt.begin = malloc(len);
        if (s->rt.begin == NULL) {
            *rc = OBP_ERROR;
            return true;
        }
        memcpy(s->rt.begin, sql, len);
        s->rt.begin_len = len;
        *rc = answer_ok(s, true);
        return true;
    }
    if (s->rt.begin != NULL && (out->sql_kind == OBP_SQL_COMMIT
                                || out->sql_kind == OBP_SQL_ROLLBACK)) {
        free(s->rt.begin);
        s->rt.begin = NULL;
        *rc = answer_ok(s, false);
        return true;
    }
    return false;
}

/* A SET of the proxy's own variables is answered here. */
static bool
own_set(struct obp_session *s, const struct obp_router_out *out,
        const char *sql, size_t len, int *rc)
{
    char err[160];

    if (out->sql_kind != OBP_SQL_SET)
        return false;
    switch (obp_proxyvar_set(&s->rt.pv, sql, len,
                             (s->status & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES)
                             == 0, err, sizeof(err))) {
    case OBP_PROXYVAR_SET:
        *rc = obp_req_answer_ok(s, s->status);
        return true;
    case OBP_PROXYVAR_BAD:
        *rc = obp_req_refuse(s, 1, ER_WRONG_VALUE_FOR_VAR, "42000", err);
        return true;
    default:
        return false;
    }
}

bool
obp_sroute_sticky(const struct obp_session *s)
{
    return s->srv != NULL && s->rt.begin == NULL
           && ((s->status & OBP_SERVER_STATUS_IN_TRANS) != 0
               || !obp_sstate_restorable(&s->st));
}

/* The tenant's level values, resolved again for a new configuration. */
static const struct obp_level_vals *
levels(struct obp_session *s)
{
    if (s->rt.lv_gen == 0 || s->rt.lv_gen != s->w->conf_gen) {
        obp_level_resolve(s->w->conf, s->name.cluster, s->name.tenant,
                          &s->rt.lv);
        s->rt.lv_gen = s->w->conf_gen;
    }
    return &s->rt.lv;
}

/*
 * Read-your-writes (router.h "Roles"): a write not yet seen ended
 * (EXPLAIN ROUTE asks before the next statement ends it) keeps reads on
 * the primary; after it, within read_after_write_window or with
 * enable_causal_read, the replicas that have applied it (by GTID) serve
 * them, and without GTIDs the primary within the window.
 */
static void
read_after_write(struct obp_session *s, struct obp_router_in *in)
{
    const struct obp_conf *c = s->w->conf;
    bool                   window;

    in->primary_reads = s->rt.temp
                        || (s->rt.wrote && (c->read_after_write_window > 0
                                            || c->enable_causal_read));
    if (in->primary_reads || s->rt.wrote_us == 0)
        return;
    window = in->now_us - s->rt.wrote_us < c->read_after_write_window;
    if (window || c->enable_causal_read) {
        s->rt.raw.window = window;
        in->raw = &s->rt.raw;
    }
}

void
obp_sroute_input(struct obp_session *s, struct obp_router_in *in,
                 const char *sql, size_t len)
{
    memset(in, 0, sizeof(*in));
    in->shm = s->w->shm;
    in->slot = s->w->shm_slot;     /* the route_gen of our half */
    in->conf = s->w->conf;
    in->levels = levels(s);
    in->cluster = obp_route_name(s->name.cluster);
    in->tenant = obp_route_name(s->name.tenant);
    in->db = obp_route_name(s->db);
    in->sql = sql;
    in->sql_len = len;
    if ((s->status & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES) == 0)
        in->sql_flags = OBP_SQL_BACKSLASH;
    in->session_weak = s->rt.pv.weak >= 0
                       ? s->rt.pv.weak
                       : in->levels->read_consistency == 1;
    if (s->rt.pv.policy[0] != '\0')
        in->session_policy = s->rt.pv.policy;
    if (s->rt.pv.idc[0] != '\0')
        in->session_idc = s->rt.pv.idc;
    in->in_trans = s->rt.begin != NULL
                   || (s->status & OBP_SERVER_STATUS_AUTOCOMMIT) == 0;
    in->now_us = obp_now_us();
    read_after_write(s, in);
}

/*
 * Read-your-writes (router.h "Roles"): a statement that changes data or
 * starts a transaction marks the session; the window opens when the
 * session's next statement outside a transaction comes, so it never
 * starts before the write's commit.  Temporary tables keep reads on the
 * primary for the session's life.
 */
/* A write (or a statement of a transaction) goes: what is known of the
   last one's GTID no longer holds. */
static void
write_begun(struct obp_session *s)
{
    s->rt.wrote = 1;
    s->rt.raw.primary = -1;
}

static void
note_write(struct obp_session *s, const struct obp_router_out *out)
{
    if (out->sql_flags & OBP_SQL_F_TEMPORARY)
        s->rt.temp = 1;
    if (out->kind == OBP_RT_LEADER && out->sql_kind != OBP_SQL_SELECT)
        write_begun(s);
}

static void
write_ended(struct obp_session *s)
{
    if (s->rt.wrote) {
        s->rt.wrote = 0;
        s->rt.wrote_us = obp_now_us();
        s->rt.raw.since_us = s->rt.wrote_us;
    }
}

void
obp_sroute_own_gtid(struct obp_session *s, enum obp_gtid_kind kind,
                    const uint8_t *text, size_t len)
{
    struct obp_gtid_set own;

    if (!s->rt.wrote || s->srv == NULL || s->srv->bl < 0
        || obp_gtid_parse(&own, kind, (const char *)text, len) != OBP_OK
        || own.kind == OBP_GTID_NONE || own.cut)
        return;
    s->rt.raw.want = own;
    s->rt.raw.primary = s->srv->bl;
}

void
obp_sroute_ask(const struct obp_session *s, struct obp_router_in *in,
               struct obp_router_out *out)
{
    obp_router_route(in, out);
    /* without route info, a session that has not run a statement yet
     * goes to its tenant's servers, as it has no last server to keep
     * (its login's server session may come from the pool) */
    if (out->kind == OBP_RT_NONE && !s->rt.cached) {
        in->want_tenant = true;
        obp_router_route(in, out);
    }
}

bool
obp_sroute_on(const struct obp_session *s)
{
    return s->w->conf->topo != NULL || obp_route_live(s->w->shm);
}

/*
 * A table the OceanBase source has not published: asked for, the
 * statement waiting for it (mwait.h).  OBP_AGAIN while it waits.
 */
static int
ask_metadata(struct obp_session *s, const struct obp_router_in *in,
             const struct obp_router_out *out)
{
    struct obp_route_key key;

    if (!out->looked_up || out->found || !obp_route_live(s->w->shm))
        return OBP_OK;
    key.cluster = in->cluster;
    key.tenant = in->tenant;
    key.database = obp_route_name(out->db);
    key.table = obp_route_name(out->table);
    return obp_mwait_table(s, &key, in->now_us);
}

/*
 * The router's decision, counted by go(); one that missed the table's
 * partition goes to obproxy_diagnosis.log.  OBP_AGAIN while the
 * statement waits for its table's metadata.
 */
static int
route(struct obp_session *s, struct obp_router_in *in,
      struct obp_router_out *out)
{
    s->rt.asked = 1;
    obp_sroute_ask(s, in, out);
    if (ask_metadata(s, in, out) == OBP_AGAIN)
        return OBP_AGAIN;
    obp_reroute_route(s, out);
    if (s->w->conf->route_diagnosis_level > 0 && out->found
        && out->partitioned && (!out->keyed || (out->kind != OBP_RT_LEADER
                                                && out->kind != OBP_RT_WEAK)))
        obp_reqdiag_route(s, in, out);
    return OBP_OK;
}

/* The server session on server-table index <bl>: 0 current, 1 idle. */
static int
held_on(const struct obp_session *s, int bl, int *idle)
{
    if (s->srv != NULL && s->srv->bl == bl)
        return 0;
    for (int i = 0; i < OBP_SROUTE_IDLE && s->rt.idle[i] != NULL; i++) {
        if (s->rt.idle[i]->bl == bl) {
            *idle = i;
            return 1;
        }
    }
    return -1;
}

/*
 * A pooled server session on the first choice, else a new one on the
 * first of <server>[0..n) that answers.  OBP_OK with s->srv set (*fresh),
 * OBP_AGAIN while one opens.
 */
static int
open_on(struct obp_session *s, const uint16_t *server, unsigned n,
        bool *fresh)
{
    struct obp_servers *l;

    if (obp_pool_take_on(s, server[0]) == OBP_OK) {
        *fresh = true;
        return OBP_OK;
    }
    if ((l = obp_servers_of(server, n, s->w->shm)) == NULL)
        return OBP_ERROR;
    if (obp_session_open_server(s) != OBP_OK) {
        obp_servers_release(l);
        return OBP_ERROR;
    }
    s->srv->servers = l;
    return OBP_AGAIN;       /* session_server.c's reopened() syncs it */
}

/*
 * Moves the session onto one of the router's servers, best first: the
 * current server session or an idle one when it is on one of the best
 * choices (those of the best rank, which are alike), else a new one.  OBP_OK with s->srv set (not yet brought to the state: *fresh),
 * OBP_AGAIN while one opens, OBP_ERROR when out of memory.
 */
static int
move_to(struct obp_session *s, const struct obp_router_out *out,
        bool *fresh)
{
    unsigned span = out->best > 0 ? out->best : 1;
    int      where = -1, idle = -1;

    for (unsigned i = 0; i < span && where < 0; i++)
        where = held_on(s, out->server[i], &idle);
    if (where == 0)
        return OBP_OK;
    if (s->srv != NULL)
        park(s);
    obp_stat_add(s->w->stats, OBP_STAT_route_switch, 1);
    if (where < 0)
        return open_on(s, out->server, out->n, fresh);
    s->srv = idle_take(s, idle);
    *fresh = true;
    return OBP_OK;
}

/*
 * USE's schema becomes the session's with its OK (response.c): clients
 * without session tracking hear nothing else of it, and the other
 * server sessions must follow.
 */
static int
note_use(struct obp_session *s, const char *sql, size_t len)
{
    struct obp_sql_class c;
    char                *db;
    size_t               n = 0;

    obp_sql_classify(&c, sql, len, 0, NULL, 0);
    if (c.kind != OBP_SQL_USE || c.db.s == NULL || c.db.n >= OBP_NAME_MAX)
        return OBP_OK;
    if ((db = malloc(c.db.n + 1)) == NULL)
        return OBP_ERROR;
    for (size_t i = 0; i < c.db.n; i++) {
        db[n++] = c.db.s[i];
        /* a doubled quote stands for one */
        if (c.db.escaped && c.db.s[i] == c.db.quote && i + 1 < c.db.n)
            i++;
    }
    db[n] = '\0';
    free(s->req.init_db);
    s->req.init_db = db;
    return OBP_OK;
}

/* COM_QUERY: its text, whole or the buffer's worth. */
static int
route_query(struct obp_session *s, struct obp_iobuf *b, uint32_t len,
            struct obp_router_out *out)
{
    struct obp_router_in in;
    size_t               avail = b->recv - b->parse;
    const char          *sql = (const char *)b->data + b->parse
                               + OBP_PKT_HDR_LEN + 1;
    int                  rc;

    if (avail < OBP_PKT_HDR_LEN + (size_t)len
        && b->recv - b->done < OBP_IOBUF_SIZE)
        return OBP_AGAIN;
    if (avail > OBP_PKT_HDR_LEN + (size_t)len)
        avail = OBP_PKT_HDR_LEN + (size_t)len;
    obp_sroute_input(s, &in, sql, avail - OBP_PKT_HDR_LEN - 1);
    if (route(s, &in, out) == OBP_AGAIN)
        return OBP_AGAIN;
    if (hold_begin(s, out, sql, in.sql_len, &rc)
        || own_set(s, out, sql, in.sql_len, &rc))
        return rc == OBP_OK ? OBP_DONE : rc;
    /* what the roles send to the primary goes there (router.h "Roles") */
    if ((out->sql_flags & OBP_SQL_F_DEP_FUNC)
        && !(out->roles && out->kind == OBP_RT_LEADER))
        out->kind = OBP_RT_NONE;
    if (out->sql_kind == OBP_SQL_USE)
        return note_use(s, sql, in.sql_len);
    return OBP_OK;
}

/* The statement a COM_STMT_* names, or NULL. */
static struct obp_stmt *
stmt_of(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    struct obp_rd rd;
    uint32_t      id;

    if (len < 5 || b->recv - b->parse < OBP_PKT_HDR_LEN + 5)
        return NULL;
    obp_rd_init(&rd, b->data + b->parse + OBP_PKT_HDR_LEN + 1, 4);
    id = obp_rd_u32(&rd);
    return id == OBP_STMT_LAST_PREPARED ? NULL : obp_sstate_stmt(&s->st, id);
}

/*
 * An execute routes by its statement's text and, when the packet is in
 * the buffer whole, its parameters' values.
 */
static int
route_execute(struct obp_session *s, struct obp_iobuf *b, uint32_t len,
              const struct obp_stmt *stmt, struct obp_router_out *out)
{
    struct obp_part_value val[PARAMS_MAX];
    char                  scratch[OBP_PSPARAM_SCRATCH(PARAMS_MAX)];
    struct obp_router_in  in;
    size_t                whole = OBP_PKT_HDR_LEN + (size_t)len;
    int                   rc;

    if (b->recv - b->parse < whole && whole <= OBP_IOBUF_SIZE)
        return OBP_AGAIN;
    obp_sroute_input(s, &in, stmt->text, stmt->text_len);
    in.db = obp_route_name(stmt->db);   /* its tables are the prepare's */
    if (b->recv - b->parse >= whole && stmt->params <= PARAMS_MAX
        && obp_psparam_decode(b->data + b->parse + OBP_PKT_HDR_LEN, len,
                              stmt->params, stmt->types, NULL, scratch,
                              sizeof(scratch), val) == OBP_OK) {
        in.params = val;
        in.nparams = stmt->params;
    }
    if (route(s, &in, out) == OBP_AGAIN)
        return OBP_AGAIN;
    /* a prepared BEGIN or COMMIT is held or answered as a text one */
    if (hold_begin(s, out, stmt->text, stmt->text_len, &rc))
        return rc == OBP_OK ? OBP_DONE : rc;
    return OBP_OK;
}

/* The statement commands: where the statement runs, and its prepare. */
static int
route_stmt(struct obp_session *s, struct obp_iobuf *b, uint32_t len,
           struct obp_router_out *out)
{
    struct obp_stmt *stmt = stmt_of(s, b, len);
    uint8_t          cmd = s->req.cmd;

    if (len >= 5 && b->recv - b->parse < OBP_PKT_HDR_LEN + 5)
        return OBP_AGAIN;
    if (stmt == NULL)
        return OBP_OK;      /* stmtid.c answers for unknown ids */
    if (cmd == OBP_COM_STMT_EXECUTE || cmd == OBP_COM_STMT_BULK_EXECUTE
        || cmd == OBP_COM_STMT_SEND_LONG_DATA)
        s->rt.stmt = stmt->id;
    if (!obp_sroute_on(s) || obp_sroute_sticky(s))
        return OBP_OK;
    write_ended(s);
    if (cmd != OBP_COM_STMT_EXECUTE || stmt->long_data
        || stmt->text == NULL) {
        /* long data, a cursor, a reset: where it last ran */
        if (stmt->exec_server >= 0 && cmd != OBP_COM_STMT_BULK_EXECUTE) {
            out->kind = OBP_RT_FORCED;
            out->server[0] = (uint16_t)stmt->exec_server;
            out->n = 1;
        }
        return OBP_OK;
    }
    return route_execute(s, b, len, stmt, out);
}

/* The route of the command, in <out> (kind NONE: where it is). */
static int
decide(struct obp_session *s, struct obp_iobuf *b, uint32_t len,
       struct obp_router_out *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = OBP_RT_NONE;
    switch (s->req.cmd) {
    case OBP_COM_QUERY:
        if (!obp_sroute_on(s))
            return OBP_OK;
        if (obp_sroute_sticky(s)) {
            /* a transaction counts as a write for read-your-writes */
            if (s->status & OBP_SERVER_STATUS_IN_TRANS)
                write_begun(s);
            return OBP_OK;
        }
        write_ended(s);
        return route_query(s, b, len, out);
    case OBP_COM_STMT_EXECUTE: case OBP_COM_STMT_BULK_EXECUTE:
    case OBP_COM_STMT_SEND_LONG_DATA: case OBP_COM_STMT_FETCH:
    case OBP_COM_STMT_RESET:
        return route_stmt(s, b, len, out);
    default:
        return OBP_OK;
    }
}

static void
count(struct obp_session *s, const struct obp_router_out *out)
{
    obp_stat_add(s->w->stats, obp_router_stat(out->kind), 1);
    s->req.part_hit = out->leaf >= 0 && (out->kind == OBP_RT_LEADER
                                         || out->kind == OBP_RT_WEAK);
    if (out->looked_up)
        obp_stat_add(s->w->stats, out->found ? OBP_STAT_route_lookup_hit
                                             : OBP_STAT_route_lookup_miss, 1);
    obp_mwait_routed(s, out);
}

/* The command goes where <out> says; OBP_OK once s->srv is ready. */
static int
go(struct obp_session *s, const struct obp_router_out *out)
{
    bool fresh = false;
    int  rc = OBP_OK;

    if (s->rt.asked)
        count(s, out);
    s->rt.asked = 0;
    if (out->kind == OBP_RT_ERROR)
        return obp_req_refuse(s, 1, OBP_ER_CONNECT_TO_SERVER, "HY000",
                              out->err);
    note_write(s, out);
    if (out->kind != OBP_RT_NONE && out->n > 0)
        rc = move_to(s, out, &fresh);
    if (rc != OBP_OK || s->srv == NULL)
        return rc;          /* request.c opens one when there is none */
    rc = obp_ssync_ready(s, fresh, obp_srvcheck_due(s));
    if (rc == OBP_OK)
        obp_session_attach(s);
    else if (rc == OBP_ERROR)
        obp_session_close(s, "session state not brought to the server");
    return rc == OBP_ERROR ? OBP_DONE : rc;
}

int
obp_sroute_command(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    struct obp_router_out out;
    int                   rc;

    if (s->rt.routed) {
        if (s->srv == NULL || s->req.drop)
            return OBP_OK;
        return s->srv->state == OBP_SRV_READY && s->sync == NULL
               ? OBP_OK : OBP_AGAIN;
    }
    if (s->srv != NULL && s->srv->state != OBP_SRV_READY)
        return OBP_AGAIN;
    rc = decide(s, b, len, &out);
    if (rc == OBP_DONE)
        return OBP_OK;      /* answered: s->req.drop */
    if (rc != OBP_OK)
        return rc;
    s->rt.routed = 1;
    return go(s, &out);
}
