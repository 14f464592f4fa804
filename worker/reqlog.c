/*
 * A request's life and its lines in obproxy_error.log, obproxy_digest.log
 * and obproxy_slow.log (reqlog.h).  The fields follow ODP's
 * MONITOR_LOG_FORMAT; those of sharding (logic database and table, the
 * application's trace and rpc ids, shard name) stay empty as in ODP
 * without sharding.
 */
#include "worker.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a line says of one request. */
struct rec {
    const char *cmd;            /* OB_MYSQL_COM_QUERY */
    const char *type;           /* SELECT, OTHERS, "" */
    uint16_t    code;           /* 0: success */
    const char *msg;            /* the ERR's message, error log only */
    const char *sql;
    size_t      sql_len;
    int64_t     total, prepare, server;     /* us */
    const char *server_addr;    /* ip:port or "" */
};

static const char *const cmd_names[] = {
    "OB_MYSQL_COM_SLEEP", "OB_MYSQL_COM_QUIT", "OB_MYSQL_COM_INIT_DB",
    "OB_MYSQL_COM_QUERY", "OB_MYSQL_COM_FIELD_LIST",
    "OB_MYSQL_COM_CREATE_DB", "OB_MYSQL_COM_DROP_DB",
    "OB_MYSQL_COM_REFRESH", "OB_MYSQL_COM_SHUTDOWN",
    "OB_MYSQL_COM_STATISTICS", "OB_MYSQL_COM_PROCESS_INFO",
    "OB_MYSQL_COM_CONNECT", "OB_MYSQL_COM_PROCESS_KILL",
    "OB_MYSQL_COM_DEBUG", "OB_MYSQL_COM_PING", "OB_MYSQL_COM_TIME",
    "OB_MYSQL_COM_DELAYED_INSERT", "OB_MYSQL_COM_CHANGE_USER",
    "OB_MYSQL_COM_BINLOG_DUMP", "OB_MYSQL_COM_TABLE_DUMP",
    "OB_MYSQL_COM_CONNECT_OUT", "OB_MYSQL_COM_REGISTER_SLAVE",
    "OB_MYSQL_COM_STMT_PREPARE", "OB_MYSQL_COM_STMT_EXECUTE",
    "OB_MYSQL_COM_STMT_SEND_LONG_DATA", "OB_MYSQL_COM_STMT_CLOSE",
    "OB_MYSQL_COM_STMT_RESET", "OB_MYSQL_COM_SET_OPTION",
    "OB_MYSQL_COM_STMT_FETCH", "OB_MYSQL_COM_DAEMON",
    "OB_MYSQL_COM_BINLOG_DUMP_GTID", "OB_MYSQL_COM_RESET_CONNECTION"
};

int64_t
obp_reqlog_now(const struct obp_session *s)
{
    return (int64_t)(ev_now(s->w->loop) * 1e6);
}

/* <to> - <from>, 0 when the clock went back. */
static int64_t
span(int64_t from, int64_t to)
{
    return to > from ? to - from : 0;
}

const char *
obp_reqlog_cmd_name(uint8_t cmd)
{
    return cmd < OBP_NELEMS(cmd_names) ? cmd_names[cmd] : "OB_MYSQL_COM_END";
}


void
obp_rline_add(struct obp_rline *l, const char *fmt, ...)
{
    size_t  room = sizeof(l->buf) - 1 - l->len;     /* one for '\n' */
    va_list ap;
    int     n;

    if (l->cut)
        return;
    va_start(ap, fmt);
    n = vsnprintf(l->buf + l->len, room + 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > room) {
        l->len += room;
        l->cut = true;
        return;
    }
    l->len += (size_t)n;
}

void
obp_rline_esc(struct obp_rline *l, const char *p, size_t n)
{
    bool cut;

    if (l->cut)
        return;
    l->len += obp_log_escape(l->buf + l->len, sizeof(l->buf) - 1 - l->len,
                             p, n, &cut);
    l->cut = cut;
}

void
obp_rline_stamp(struct obp_rline *l, bool brackets)
{
    char stamp[OBP_LOG_STAMP_MAX];

    obp_log_stamp(stamp, sizeof(stamp), obp_wallclock_us());
    obp_rline_add(l, brackets ? "[%s] " : "%s,", stamp);
}

void
obp_rline_put(struct obp_rline *l, int file)
{
    l->buf[l->len++] = '\n';
    obp_log_put((enum obp_log_file)file, l->buf, l->len);
}

/*
 * MONITOR_LOG_FORMAT: time, logic tenant (app_name), trace id, rpc id,
 * logic db, cluster:tenant:db, db type, logic table, table, sql_cmd,
 * stmt_type, result, error code, sql, total, prepare, 0, server, ODP's
 * trace id (here the client session id and the request's number), the
 * server's trace id, client, shard name, encryption flag, server.
 */
static void
monitor_fields(struct obp_rline *l, const struct obp_session *s,
               const struct rec *r)
{
    obp_rline_stamp(l, false);
    obp_rline_add(l, "%s,,,,", s->w->conf->app_name);
    obp_rline_esc(l, s->name.cluster, strlen(s->name.cluster));
    obp_rline_add(l, ":");
    obp_rline_esc(l, s->name.tenant, strlen(s->name.tenant));
    obp_rline_add(l, ":");
    obp_rline_esc(l, s->db, strlen(s->db));
    obp_rline_add(l, ",MYSQL,,,%s,%s,%s,%u,", r->cmd, r->type,
                  r->code != 0 ? "failed" : "success", r->code);
    obp_rline_esc(l, r->sql, r->sql_len);
    obp_rline_add(l, ",%" PRId64 "us,%" PRId64 "us,0us,%" PRId64 "us,"
                  "Y%" PRIX32 "-%016" PRIX64 ",,%s,,0,%s", r->total,
                  r->prepare, r->server, s->id, s->rlog.seq,
                  s->caddr.text, r->server_addr);
}

static void
write_rec(const struct obp_session *s, const struct rec *r, int file)
{
    struct obp_rline l = { .len = 0 };

    monitor_fields(&l, s, r);
    if (file == OBP_LOG_F_ERROR) {
        obp_rline_add(&l, ",");
        obp_rline_esc(&l, r->msg, strlen(r->msg));
        obp_rline_add(&l, ",");
    }
    obp_rline_put(&l, file);
}

/* The lines a finished request deserves. */
static void
write_lines(const struct obp_session *s, const struct rec *r)
{
    const struct obp_conf *c = s->w->conf;

    if (r->code != 0)
        write_rec(s, r, OBP_LOG_F_ERROR);
    if (r->total >= c->query_digest_time_threshold
        || r->total >= c->slow_query_time_threshold)
        write_rec(s, r, OBP_LOG_F_DIGEST);
    if (r->total >= c->slow_query_time_threshold)
        write_rec(s, r, OBP_LOG_F_SLOW);
}

/*
 * The type of the command whose payload's first <n> bytes are <p>: from
 * a statement's first words, a prepared statement's once per statement.
 */
static enum obp_sqltype
type_of(struct obp_session *s, const uint8_t *p, size_t n)
{
    unsigned         flags = (s->status
                              & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES)
                             ? 0 : OBP_SQLLEX_BACKSLASH;
    struct obp_stmt *st;
    struct obp_rd    rd;

    switch (p[0]) {
    case OBP_COM_QUERY: case OBP_COM_STMT_PREPARE:
        return obp_sqltype_of((const char *)p + 1, n - 1, flags);
    case OBP_COM_STMT_EXECUTE:
        if (n < 5)
            return OBP_SQLTYPE_OTHERS;
        obp_rd_init(&rd, p + 1, 4);
        st = obp_sstate_stmt(&s->st, obp_rd_u32(&rd));
        if (st == NULL || (st->log_type == 0 && st->text == NULL))
            return OBP_SQLTYPE_OTHERS;
        if (st->log_type == 0)
            st->log_type = (uint8_t)(obp_sqltype_of(st->text, st->text_len,
                                                    flags) + 1);
        return (enum obp_sqltype)(st->log_type - 1);
    default:
        return obp_sqltype_of_com(p[0]);
    }
}

/*
 * The statement statistics of /metrics (shared/sqlstat.h), into the
 * worker's slot under the session's tenant: for what went to a server.
 */
static void
count(struct obp_session *s, const struct rec *rc)
{
    struct obp_worker      *w = s->w;
    struct obp_shm_sqlstat *slot = obp_shm_sqlstat(w->shm, w->shm_slot);
    struct obp_sqlstat_req  q;

    if (slot == NULL)
        return;
    if (s->sqlstat_row == 0)
        s->sqlstat_row = 1 + obp_sqlstat_tenant(obp_shm_tenants(w->shm),
                                                s->name.cluster,
                                                s->name.tenant, w->pid);
    q.type = (enum obp_sqltype)s->rlog.type;
    q.prepare_us = rc->prepare;
    q.server_us = rc->server;
    q.total_us = rc->total;
    q.labels = (s->rlog.failed ? OBP_SQLSTAT_FAIL : 0)
               | (rc->total >= w->conf->slow_query_time_threshold
                  ? OBP_SQLSTAT_SLOW : 0)
               | (s->req.part_hit ? OBP_SQLSTAT_HIT : 0);
    /* an autocommit statement is a transaction of its own */
    q.transaction = s->trace.trx_ended
                    || (!s->trace.in_trx
                        && !(s->status & OBP_SERVER_STATUS_IN_TRANS)
                        && q.type >= OBP_SQLTYPE_SELECT
                        && q.type <= OBP_SQLTYPE_REPLACE);
    obp_sqlstat_add(&slot->row[s->sqlstat_row - 1], &q);
}

void
obp_reqlog_begin(struct obp_session *s, const struct obp_iobuf *b,
                 uint32_t len)
{
    struct obp_reqlog *r = &s->rlog;
    const uint8_t     *p = b->data + b->parse + OBP_PKT_HDR_LEN;
    size_t             n = b->recv - b->parse - OBP_PKT_HDR_LEN;
    size_t             max = (size_t)s->w->conf->digest_sql_length;
    struct obp_rd      rd;
    char              *grown;

    if (r->recv_us != 0)
        return;         /* framed again after a wait: the same command */
    r->recv_us = obp_reqlog_now(s);
    r->sent_us = r->first_us = 0;
    r->seq++;
    r->cmd = p[0];
    r->type = (uint8_t)type_of(s, p, n < len ? n : len);
    r->err_code = 0;
    r->failed = 0;
    r->diag_done = 0;
    r->sql_len = 0;
    r->stmt_id = 0;
    if (r->cmd == OBP_COM_STMT_EXECUTE && n >= 5 && len >= 5) {
        obp_rd_init(&rd, p + 1, 4);
        r->stmt_id = obp_rd_u32(&rd);
    }
    if (r->cmd != OBP_COM_QUERY && r->cmd != OBP_COM_STMT_PREPARE)
        return;
    n = n < len ? n : len;
    n = n - 1 < max ? n - 1 : max;
    if (n == 0)
        return;
    if (n > r->sql_cap) {
        if ((grown = realloc(r->sql, n)) == NULL)
            return;     /* the lines go without the text */
        r->sql = grown;
        r->sql_cap = (uint32_t)n;
    }
    memcpy(r->sql, p + 1, n);
    r->sql_len = (uint32_t)n;
}

void
obp_reqlog_sent(struct obp_session *s, bool response)
{
    if (!response) {
        s->rlog.recv_us = 0;    /* no answer: nothing to time */
        return;
    }
    s->rlog.sent_us = obp_reqlog_now(s);
}

void
obp_reqlog_first(struct obp_session *s)
{
    if (s->rlog.sent_us != 0 && s->rlog.first_us == 0)
        s->rlog.first_us = obp_reqlog_now(s);
}

void
obp_reqlog_err(struct obp_session *s, const uint8_t *p, size_t len)
{
    struct obp_reqlog *r = &s->rlog;
    struct obp_err     e;

    r->failed = 1;
    if (obp_err_parse(&e, p, len) != OBP_OK) {
        r->err_code = 0xffff;
        obp_strlcpy(r->err_msg, "malformed error packet",
                    sizeof(r->err_msg));
        return;
    }
    r->err_code = e.code;
    if (e.msg_len >= sizeof(r->err_msg))
        e.msg_len = sizeof(r->err_msg) - 1;
    memcpy(r->err_msg, e.msg, e.msg_len);
    r->err_msg[e.msg_len] = '\0';
}

/* The statement's text: the copy, or a prepared statement's. */
static void
rec_sql(const struct obp_session *s, struct rec *rc)
{
    const struct obp_reqlog *r = &s->rlog;
    const struct obp_stmt   *st;
    size_t                   max = (size_t)s->w->conf->digest_sql_length;

    rc->sql = r->sql != NULL ? r->sql : "";
    rc->sql_len = r->sql_len;
    if (r->stmt_id == 0
        || (st = obp_sstate_stmt(&s->st, r->stmt_id)) == NULL
        || st->text == NULL)
        return;
    rc->sql = st->text;
    rc->sql_len = st->text_len < max ? st->text_len : max;
}

/* A transaction that took slow_transaction_time_threshold: one line. */
static void
trx_check(struct obp_session *s, struct rec *rc, int64_t now)
{
    struct obp_reqlog *r = &s->rlog;
    int64_t            took;

    if (s->status & OBP_SERVER_STATUS_IN_TRANS) {
        if (r->trx_us == 0)
            r->trx_us = r->recv_us;
        return;
    }
    if (r->trx_us == 0)
        return;
    took = span(r->trx_us, now);
    r->trx_us = 0;
    if (took < s->w->conf->slow_transaction_time_threshold
        || rc->total >= s->w->conf->slow_query_time_threshold)
        return;         /* or the request's own line says it */
    rc->total = took;
    rec_sql(s, rc);
    write_rec(s, rc, OBP_LOG_F_SLOW);
}

/* The request ended at <now>: stats, lines, and it is closed. */
static void
finish_rec(struct obp_session *s, struct rec *rc, int64_t now)
{
    struct obp_reqlog *r = &s->rlog;

    rc->cmd = obp_reqlog_cmd_name(r->cmd);
    rc->type = r->cmd == OBP_COM_QUERY || r->cmd == OBP_COM_STMT_EXECUTE
               ? obp_sqltype_name((enum obp_sqltype)r->type) : "";
    rc->code = r->failed ? r->err_code : 0;
    rc->msg = r->failed ? r->err_msg : "";
    rc->total = span(r->recv_us, now);
    r->last_total_us = rc->total;
    obp_reqstat_add(s, rc->type[0] != '\0' ? rc->type : rc->cmd, r->failed,
                    rc->code, rc->total, rc->prepare, rc->server);
    if (rc->code != 0 || rc->total >= s->w->conf->query_digest_time_threshold
        || rc->total >= s->w->conf->slow_query_time_threshold) {
        rec_sql(s, rc);
        write_lines(s, rc);
    }
    trx_check(s, rc, now);
    r->recv_us = 0;
}

void
obp_reqlog_end(struct obp_session *s)
{
    struct obp_reqlog *r = &s->rlog;
    struct rec         rc = { .server_addr = "" };
    int64_t            now;

    if (r->recv_us == 0 || r->sent_us == 0)
        return;
    now = obp_reqlog_now(s);
    rc.prepare = span(r->recv_us, r->sent_us);
    rc.server = span(r->sent_us, r->first_us != 0 ? r->first_us : now);
    if (s->srv != NULL)
        rc.server_addr = s->srv->addr.text;
    finish_rec(s, &rc, now);
    count(s, &rc);
}

void
obp_reqlog_answered(struct obp_session *s, const struct obp_ans *a)
{
    struct obp_reqlog *r = &s->rlog;
    struct rec         rc = { .server_addr = "" };
    int64_t            now;
    size_t             n;

    if (r->recv_us == 0)
        return;
    if (a->kind == OBP_ANS_ERR && a->len > OBP_PKT_HDR_LEN) {
        n = obp_pkt_payload_len(a->buf);
        if (n > a->len - OBP_PKT_HDR_LEN)
            n = a->len - OBP_PKT_HDR_LEN;
        obp_reqlog_err(s, a->buf + OBP_PKT_HDR_LEN, n);
    }
    now = obp_reqlog_now(s);
    rc.prepare = span(r->recv_us, now);
    finish_rec(s, &rc, now);
}

void
obp_reqlog_dropped(struct obp_session *s)
{
    s->rlog.recv_us = 0;
}

void
obp_reqlog_free(struct obp_reqlog *r)
{
    free(r->sql);
    r->sql = NULL;
    r->sql_cap = r->sql_len = 0;
}

/* A refused login: its error line, then its diagnosis. */
static void
login_failed(struct obp_session *s, uint16_t code, const char *msg)
{
    struct rec rc = {
        .cmd = "OB_MYSQL_COM_LOGIN", .type = "", .code = code, .msg = msg,
        .sql = "", .server_addr = ""
    };

    write_rec(s, &rc, OBP_LOG_F_ERROR);
    obp_reqdiag_login(s, code, msg);
}

void
obp_reqlog_failed(struct obp_session *s, uint16_t code, const char *msg)
{
    struct obp_reqlog *r = &s->rlog;
    struct rec         rc = { .server_addr = "" };
    int64_t            now = obp_reqlog_now(s);

    r->err_code = code;
    obp_strlcpy(r->err_msg, msg != NULL ? msg : "", sizeof(r->err_msg));
    if (s->state != OBP_SESS_READY) {
        login_failed(s, code, r->err_msg);
        return;
    }
    if (r->recv_us == 0)
        return;         /* between requests: the diagnosis says it */
    r->failed = 1;
    rc.prepare = span(r->recv_us, r->sent_us != 0 ? r->sent_us : now);
    rc.server = r->sent_us != 0 ? span(r->sent_us, now) : 0;
    if (s->srv != NULL)
        rc.server_addr = s->srv->addr.text;
    finish_rec(s, &rc, now);
}
