/*
 * The monitor's MySQL client (probe.h): connect, handshake, login as
 * the service account, then the round's queries, each answer read as a
 * text result set of which a query keeps the first row's few columns.
 */
#include "monitor.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ER_ACCESS_DENIED 1045
#define MAX_COLS         256    /* columns of a result a probe reads */

enum probe_phase {
    PH_FIRST = 0,               /* column count, OK or ERR */
    PH_COLS,                    /* column definitions */
    PH_COLS_EOF,
    PH_ROWS                     /* rows until EOF or ERR */
};

static void probe_read_only_of(struct obp_probe *p, bool answered);
static void probe_replica_of(struct obp_probe *p, bool answered);
static void probe_gtid_of(struct obp_probe *p, const uint8_t *v, size_t len);

/*
 * The round's queries; <cols> NULL: the first column is kept; <row>
 * takes the first row's first value whole; <flavour> NONE: every server,
 * else only those of that kind.
 */
static const struct probe_query {
    const char         *sql;
    const char         *cols[OBP_PROBE_NVALS];
    void              (*keep)(struct obp_probe *p, bool answered);
    void              (*row)(struct obp_probe *p, const uint8_t *v,
                             size_t len);
    enum obp_gtid_kind  flavour;
} queries[] = {
    { "select 'detect server' from dual", { NULL }, NULL, NULL,
      OBP_GTID_NONE },
    { "select @@global.read_only", { NULL }, probe_read_only_of, NULL,
      OBP_GTID_NONE },
    { "SHOW SLAVE STATUS", { "Slave_IO_Running", "Slave_SQL_Running",
                             "Seconds_Behind_Master" }, probe_replica_of,
      NULL, OBP_GTID_NONE },
    /* a position longer than a probe's packet is left unknown (NULL) */
    { "select if(length(@@global.gtid_current_pos) > 16000, NULL, "
      "@@global.gtid_current_pos)", { NULL }, NULL, probe_gtid_of,
      OBP_GTID_MARIADB },
    { "select if(length(@@global.gtid_executed) > 16000, NULL, "
      "@@global.gtid_executed)", { NULL }, NULL, probe_gtid_of,
      OBP_GTID_MYSQL },
};

static void probe_io_cb(struct ev_loop *loop, ev_io *io, int revents);
static void probe_timer_cb(struct ev_loop *loop, ev_timer *t, int revents);

int
obp_probe_init(struct obp_probe *p, struct ev_loop *loop,
               struct obp_conf *const *conf, int idx, const char *addr,
               obp_probe_done_cb done, void *owner)
{
    char err[160];

    memset(p, 0, sizeof(*p));
    if (obp_addr_parse(&p->addr, addr, err, sizeof(err)) != OBP_OK) {
        obp_log(OBP_LOG_WARN, 0, 0, "monitor: server %s not probed: %s",
                addr, err);
        return OBP_ERROR;
    }
    p->loop = loop;
    p->conf = conf;
    p->idx = idx;
    p->fd = -1;
    p->done = done;
    p->owner = owner;
    ev_init(&p->io, probe_io_cb);
    p->io.data = p;
    ev_init(&p->timer, probe_timer_cb);
    p->timer.data = p;
    return OBP_OK;
}

/*
 * A logged-in connection says goodbye (COM_QUIT) before it closes, so
 * the server does not count an aborted client; best effort, never waits.
 */
static void
probe_say_quit(struct obp_probe *p)
{
    static const uint8_t quit[] = { 1, 0, 0, 0, OBP_COM_QUIT };

    if (p->state == OBP_PROBE_IDLE || p->state == OBP_PROBE_QUERY)
        (void)send(p->fd, quit, sizeof(quit), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void
obp_probe_close(struct obp_probe *p)
{
    probe_say_quit(p);
    ev_io_stop(p->loop, &p->io);
    ev_timer_stop(p->loop, &p->timer);
    if (p->fd != -1 && close(p->fd) == -1)
        obp_log(OBP_LOG_WARN, 0, errno, "monitor: close server %s",
                p->addr.text);
    p->fd = -1;
    p->state = OBP_PROBE_CLOSED;
    p->busy = false;
    p->in_len = p->out_len = p->out_off = 0;
}

/* The round failed: the connection is closed, the owner told. */
static void OBP_PRINTF(2, 3)
probe_fail(struct obp_probe *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->why, sizeof(p->why), fmt, ap);
    va_end(ap);
    obp_probe_close(p);
    p->done(p, OBP_ERROR);
}

static void
probe_answered(struct obp_probe *p)
{
    ev_timer_stop(p->loop, &p->timer);
    p->busy = false;
    p->done(p, OBP_OK);
}

/* Each step has detect_server_timeout from its start. */
static void
probe_arm_timer(struct obp_probe *p)
{
    ev_timer_stop(p->loop, &p->timer);
    ev_timer_set(&p->timer, (ev_tstamp)(*p->conf)->detect_server_timeout / 1e6,
                 0.);
    ev_timer_start(p->loop, &p->timer);
}

static void
probe_watch(struct obp_probe *p, int events)
{
    if (p->io.events == events && ev_is_active(&p->io))
        return;
    ev_io_stop(p->loop, &p->io);
    ev_io_set(&p->io, p->fd, events);
    ev_io_start(p->loop, &p->io);
}

/* Sends what is queued; OBP_ERROR (failed, told) when the socket broke. */
static int
probe_flush_out(struct obp_probe *p)
{
    ssize_t n;

    while (p->out_off < p->out_len) {
        n = send(p->fd, p->out + p->out_off, p->out_len - p->out_off,
                 MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            probe_watch(p, EV_READ | EV_WRITE);
            return OBP_OK;
        }
        if (n < 0) {
            probe_fail(p, "send: %s", strerror(errno));
            return OBP_ERROR;
        }
        p->out_off += (size_t)n;
    }
    p->out_len = p->out_off = 0;
    probe_watch(p, EV_READ);
    return OBP_OK;
}

/* Queues and sends the packet <wr> holds (built by the caller). */
static int
probe_send_packet(struct obp_probe *p, struct obp_wr *wr)
{
    if (wr->err) {
        probe_fail(p, "login or query does not fit a packet");
        return OBP_ERROR;
    }
    p->out_len = wr->len;
    p->out_off = 0;
    probe_arm_timer(p);
    return probe_flush_out(p);
}

/* The text of the round's query under way into <buf>; 0: none left. */
static size_t
probe_query_sql(struct obp_probe *p, char *buf, size_t cap)
{
    size_t len;

    if (p->script != NULL)
        return p->script->sql(p->script->arg, p->query, buf, cap);
    if (p->query >= OBP_NELEMS(queries))
        return 0;
    len = strlen(queries[p->query].sql);
    memcpy(buf, queries[p->query].sql, len);
    return len;
}

static void
probe_start_query(struct obp_probe *p)
{
    const struct probe_query *q = &queries[p->script != NULL ? 0 : p->query];
    char                      sql[OBP_PROBE_OUT_MAX];
    size_t                    len = probe_query_sql(p, sql, sizeof(sql));
    struct obp_wr             wr;
    size_t                    off;

    if (len == 0) {
        probe_answered(p);
        return;
    }
    p->phase = PH_FIRST;
    p->ncols = p->col = 0;
    p->got_row = false;
    for (int i = 0; i < OBP_PROBE_NVALS; i++) {
        p->pos[i] = q->cols[0] == NULL && i == 0 ? 0 : -1;
        p->is_null[i] = true;
        p->val[i][0] = '\0';
    }
    obp_wr_init(&wr, p->out, sizeof(p->out));
    off = obp_wr_pkt_begin(&wr);
    obp_wr_u8(&wr, OBP_COM_QUERY);
    obp_wr_bytes(&wr, sql, len);
    obp_wr_pkt_end(&wr, off, 0);
    p->state = OBP_PROBE_QUERY;
    (void)probe_send_packet(p, &wr);
}

/* The query under way is over; the next one, or the round's end. */
static void
probe_query_over(struct obp_probe *p, bool answered)
{
    if (p->script != NULL)
        p->script->over(p->script->arg, p->query, answered);
    else if (queries[p->query].keep != NULL)
        queries[p->query].keep(p, answered);
    p->state = OBP_PROBE_IDLE;
    p->query++;
    while (p->script == NULL && p->query < OBP_NELEMS(queries)
           && queries[p->query].flavour != OBP_GTID_NONE
           && queries[p->query].flavour != p->flavour)
        p->query++;
    probe_start_query(p);
}

static void
probe_read_only_of(struct obp_probe *p, bool answered)
{
    if (answered && p->got_row && !p->is_null[0])
        p->res.read_only = strcmp(p->val[0], "0") == 0 ? 0 : 1;
}

/* Seconds_Behind_Master: NULL while the SQL thread does not apply. */
static void
probe_replica_of(struct obp_probe *p, bool answered)
{
    char *end;
    long  s;

    if (!answered)
        return;         /* no privilege, or no replication (OceanBase) */
    p->res.repl = OBP_REPL_KNOWN;
    if (!p->got_row)
        return;
    p->res.repl |= OBP_REPL_REPLICA;
    if (!p->is_null[0] && strcmp(p->val[0], "Yes") == 0)
        p->res.repl |= OBP_REPL_IO;
    if (!p->is_null[1] && strcmp(p->val[1], "Yes") == 0)
        p->res.repl |= OBP_REPL_SQL;
    if (p->is_null[2])
        return;
    s = strtol(p->val[2], &end, 10);
    if (*end == '\0' && s >= 0 && end != p->val[2])
        p->res.lag_us = (int64_t)s * 1000000;
}

/* The server's replication position (gtid.h); unknown when malformed. */
static void
probe_gtid_of(struct obp_probe *p, const uint8_t *v, size_t len)
{
    (void)obp_gtid_parse(&p->res.gtid, p->flavour, (const char *)v, len);
}

/* A column definition: which of the query's values it holds. */
static int
probe_on_coldef(struct obp_probe *p, const uint8_t *pl, size_t len)
{
    const struct probe_query *q = &queries[p->script != NULL ? 0 : p->query];
    const uint8_t            *name = NULL;
    size_t                    nlen = 0;
    struct obp_rd             rd;

    obp_rd_init(&rd, pl, len);
    for (int i = 0; i < 5; i++)     /* catalog, schema, tables, name */
        name = obp_rd_lenenc_str(&rd, &nlen);
    if (rd.err || name == NULL)
        return OBP_ERROR;
    if (p->script != NULL)
        p->script->col(p->script->arg, (unsigned)p->col, name, nlen);
    for (int i = 0; i < OBP_PROBE_NVALS && q->cols[0] != NULL; i++)
        if (q->cols[i] != NULL && strlen(q->cols[i]) == nlen
            && memcmp(q->cols[i], name, nlen) == 0)
            p->pos[i] = (int)p->col;
    p->col++;
    return OBP_OK;
}

/* A row: the first one's values are kept. */
static int
probe_on_row(struct obp_probe *p, const uint8_t *pl, size_t len)
{
    const uint8_t *val[MAX_COLS];
    size_t         vlen[MAX_COLS];

    if (p->got_row && p->script == NULL)
        return OBP_OK;
    if (obp_text_row_parse(pl, len, (unsigned)p->ncols, val, vlen)
        != OBP_OK)
        return OBP_ERROR;
    if (p->script != NULL) {
        p->script->row(p->script->arg, val, vlen, (unsigned)p->ncols);
        return OBP_OK;
    }
    p->got_row = true;
    if (queries[p->query].row != NULL && p->ncols > 0 && val[0] != NULL)
        queries[p->query].row(p, val[0], vlen[0]);
    for (int i = 0; i < OBP_PROBE_NVALS; i++) {
        if (p->pos[i] < 0 || val[p->pos[i]] == NULL)
            continue;
        p->is_null[i] = false;
        snprintf(p->val[i], sizeof(p->val[i]), "%.*s",
                 (int)vlen[p->pos[i]], (const char *)val[p->pos[i]]);
    }
    return OBP_OK;
}

static int
probe_on_result(struct obp_probe *p, const uint8_t *pl, size_t len)
{
    struct obp_rd rd;

    if (len > 0 && pl[0] == OBP_PKT_ERR) {
        probe_query_over(p, false);
        return OBP_OK;
    }
    switch (p->phase) {
    case PH_FIRST:
        if (len > 0 && pl[0] == OBP_PKT_OK) {
            probe_query_over(p, true);
            return OBP_OK;
        }
        obp_rd_init(&rd, pl, len);
        p->ncols = obp_rd_lenenc(&rd, NULL);
        if (rd.err || p->ncols == 0 || p->ncols > MAX_COLS)
            return OBP_ERROR;
        p->phase = PH_COLS;
        return OBP_OK;
    case PH_COLS:
        if (probe_on_coldef(p, pl, len) != OBP_OK)
            return OBP_ERROR;
        if (p->col == p->ncols)
            p->phase = PH_COLS_EOF;
        return OBP_OK;
    case PH_COLS_EOF:
        p->phase = PH_ROWS;
        return obp_is_eof(pl, len) ? OBP_OK : OBP_ERROR;
    default:
        if (obp_is_eof(pl, len)) {
            probe_query_over(p, true);
            return OBP_OK;
        }
        return probe_on_row(p, pl, len);
    }
}

/* The handshake response: the service account's token for <hs>. */
static int
probe_send_login(struct obp_probe *p, const struct obp_handshake *hs)
{
    struct obp_hs_response r;
    struct obp_wr          wr;
    uint8_t                stage1[OBP_SHA1_LEN], token[OBP_SHA1_LEN];
    int                    pw = obp_auth_service_stage1(*p->conf, p->old_pw,
                                                        stage1);

    if (pw == OBP_ERROR) {
        probe_fail(p, "observer_sys_password is malformed");
        return OBP_ERROR;
    }
    memset(&r, 0, sizeof(r));
    r.caps = p->caps = (hs->caps & (OBP_CLIENT_PLUGIN_AUTH
                                    | OBP_CLIENT_LONG_FLAG
                                    | OBP_CLIENT_TRANSACTIONS))
                       | OBP_CLIENT_PROTOCOL_41 | OBP_CLIENT_LONG_PASSWORD
                       | OBP_CLIENT_SECURE_CONNECTION;
    r.max_packet = OBP_PROBE_IN_MAX;
    r.charset = OBP_DEFAULT_CHARSET;
    r.user = p->script != NULL && p->script->user != NULL
             ? p->script->user : OBP_SERVICE_USER;
    r.user_len = strlen(r.user);
    if (p->script != NULL && p->script->db != NULL) {
        r.caps |= OBP_CLIENT_CONNECT_WITH_DB;
        r.db = p->script->db;
        r.db_len = strlen(r.db);
    }
    if (pw == OBP_OK) {
        obp_auth_token(stage1, hs->scramble, token);
        r.auth = token;
        r.auth_len = sizeof(token);
    }
    r.plugin = OBP_NATIVE_PLUGIN;
    r.plugin_len = strlen(OBP_NATIVE_PLUGIN);
    obp_wr_init(&wr, p->out, sizeof(p->out));
    if (obp_hs_response_write(&wr, ++p->seq, &r) != OBP_OK)
        wr.err = 1;
    explicit_bzero(stage1, sizeof(stage1));
    explicit_bzero(token, sizeof(token));
    p->state = OBP_PROBE_AUTH;
    return probe_send_packet(p, &wr);
}

static int
probe_on_greeting(struct obp_probe *p, const uint8_t *pl, size_t len)
{
    struct obp_handshake hs;

    if (len > 0 && pl[0] == OBP_PKT_ERR) {
        probe_answered(p);      /* too many connections: it is alive */
        obp_probe_close(p);
        return OBP_OK;
    }
    if (obp_handshake_parse(&hs, pl, len) != OBP_OK
        || hs.scramble_len < OBP_SCRAMBLE_LEN)
        return OBP_ERROR;
    /* which position to read: OceanBase keeps none */
    p->flavour = strstr(hs.version, "MariaDB") != NULL ? OBP_GTID_MARIADB
                 : strstr(hs.version, "OceanBase") != NULL ? OBP_GTID_NONE
                 : OBP_GTID_MYSQL;
    return probe_send_login(p, &hs);
}

/* An auth switch to mysql_native_password: the token for its scramble. */
static int
probe_on_switch(struct obp_probe *p, const uint8_t *pl, size_t len)
{
    const char    *plugin;
    const uint8_t *data;
    size_t         plen, dlen;
    uint8_t        stage1[OBP_SHA1_LEN], token[OBP_SHA1_LEN];
    struct obp_wr  wr;
    size_t         off;
    int            pw;

    if (obp_auth_switch_parse(pl, len, &plugin, &plen, &data, &dlen)
        != OBP_OK || plen != strlen(OBP_NATIVE_PLUGIN)
        || memcmp(plugin, OBP_NATIVE_PLUGIN, plen) != 0
        || dlen < OBP_SCRAMBLE_LEN)
        return OBP_ERROR;
    pw = obp_auth_service_stage1(*p->conf, p->old_pw, stage1);
    obp_wr_init(&wr, p->out, sizeof(p->out));
    off = obp_wr_pkt_begin(&wr);
    if (pw == OBP_OK) {
        obp_auth_token(stage1, data, token);
        obp_wr_bytes(&wr, token, sizeof(token));
    }
    obp_wr_pkt_end(&wr, off, ++p->seq);
    explicit_bzero(stage1, sizeof(stage1));
    explicit_bzero(token, sizeof(token));
    return probe_send_packet(p, &wr);
}

/* The login refused: the server answered, nothing can be read. */
static void
probe_login_refused(struct obp_probe *p, const uint8_t *pl, size_t len)
{
    struct obp_err e;

    if (obp_err_parse(&e, pl, len) != OBP_OK)
        e.code = 0;
    /* the old password, if the servers may still hold it, next round */
    if (e.code == ER_ACCESS_DENIED)
        p->old_pw = !p->old_pw && (*p->conf)->observer_sys_password1 != NULL
                    && (*p->conf)->observer_sys_password1[0] != '\0';
    if (p->script != NULL) {
        /* a script's owner says what a refusal means (obmeta.h) */
        probe_fail(p, "login as %s refused: %u %.*s", p->script->user,
                   e.code, e.code != 0 ? (int)e.msg_len : 0,
                   e.code != 0 ? e.msg : "");
        return;
    }
    if (!p->denied)
        obp_log(OBP_LOG_WARN, 0, 0, "monitor: %s refused the service "
                "account %s: %u %.*s%s", p->addr.text, OBP_SERVICE_USER,
                e.code, e.code != 0 ? (int)e.msg_len : 0,
                e.code != 0 ? e.msg : "", e.code == ER_ACCESS_DENIED
                ? " (set observer_sys_password)" : "");
    p->denied = true;
    probe_answered(p);
    obp_probe_close(p);
}

static int
probe_on_auth(struct obp_probe *p, const uint8_t *pl, size_t len)
{
    if (len > 0 && pl[0] == OBP_PKT_OK) {
        if (p->denied)
            obp_log(OBP_LOG_INFO, 0, 0, "monitor: %s accepts the service "
                    "account again", p->addr.text);
        p->denied = false;
        probe_start_query(p);
        return OBP_OK;
    }
    if (len > 0 && pl[0] == OBP_PKT_ERR) {
        probe_login_refused(p, pl, len);
        return OBP_OK;
    }
    if (len > 0 && pl[0] == OBP_PKT_EOF)
        return probe_on_switch(p, pl, len);
    /* caching_sha2's "fast auth succeeded": the OK follows */
    if (len == 2 && pl[0] == OBP_PKT_AUTH_MORE && pl[1] == 3)
        return OBP_OK;
    return OBP_ERROR;
}

static int
probe_on_packet(struct obp_probe *p, const uint8_t *pl, size_t len)
{
    switch (p->state) {
    case OBP_PROBE_GREETING:
        return probe_on_greeting(p, pl, len);
    case OBP_PROBE_AUTH:
        return probe_on_auth(p, pl, len);
    case OBP_PROBE_QUERY:
        return probe_on_result(p, pl, len);
    default:
        return OBP_ERROR;       /* the server speaks out of turn */
    }
}

/*
 * A packet larger than the probe reads (a replica's status with a long
 * GTID list): the server answered, what it said stays unknown.
 */
static void
probe_too_big(struct obp_probe *p, uint32_t len)
{
    if (p->script != NULL) {
        probe_fail(p, "a packet of %u bytes, more than %u", len,
                   OBP_PROBE_IN_MAX);
        return;
    }
    if (!p->too_big)
        obp_log(OBP_LOG_INFO, 0, 0, "monitor: %s sent a packet of %u bytes "
                "to the probe's \"%s\": its state is not read",
                p->addr.text, len, queries[p->query].sql);
    p->too_big = true;      /* said once */
    p->res.read_only = -1;
    p->res.repl = 0;
    p->res.lag_us = -1;
    memset(&p->res.gtid, 0, sizeof(p->res.gtid));
    probe_answered(p);
    obp_probe_close(p);
}

/* Handles every whole packet read; stops once the round is over. */
static void
probe_on_input(struct obp_probe *p)
{
    size_t   used = 0;
    uint32_t len;

    while (p->busy && p->in_len - used >= OBP_PKT_HDR_LEN) {
        len = obp_pkt_payload_len(p->in + used);
        if (len > sizeof(p->in) - OBP_PKT_HDR_LEN) {
            probe_too_big(p, len);
            return;
        }
        if (p->in_len - used < OBP_PKT_HDR_LEN + len)
            break;
        p->seq = p->in[used + 3];
        if (probe_on_packet(p, p->in + used + OBP_PKT_HDR_LEN, len)
            != OBP_OK) {
            if (p->fd != -1)
                probe_fail(p, "unexpected packet 0x%02x", len > 0
                           ? p->in[used + OBP_PKT_HDR_LEN] : 0);
            return;
        }
        used += OBP_PKT_HDR_LEN + len;
    }
    if (p->fd == -1)
        return;
    memmove(p->in, p->in + used, p->in_len - used);
    p->in_len -= used;
}

static void
probe_on_readable(struct obp_probe *p)
{
    ssize_t n;

    if (!p->busy) {
        obp_probe_close(p);     /* closed, or out of turn: next round */
        return;
    }
    n = recv(p->fd, p->in + p->in_len, sizeof(p->in) - p->in_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        probe_fail(p, "%s", n == 0 ? "closed the connection"
                                   : strerror(errno));
        return;
    }
    p->in_len += (size_t)n;
    probe_on_input(p);
}

static void
probe_on_connected(struct obp_probe *p)
{
    int       err = 0;
    socklen_t elen = sizeof(err);

    if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1)
        err = errno;
    if (err != 0) {
        probe_fail(p, "connect: %s", strerror(err));
        return;
    }
    p->state = OBP_PROBE_GREETING;
    probe_watch(p, EV_READ);
    probe_arm_timer(p);
}

static void
probe_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_probe *p = io->data;

    if (p->state == OBP_PROBE_CONNECTING) {
        probe_on_connected(p);
        return;
    }
    if ((revents & EV_WRITE) && probe_flush_out(p) != OBP_OK)
        return;
    if ((revents & EV_READ) && p->fd != -1)
        probe_on_readable(p);
}

static void
probe_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    static const char *const steps[] = {
        "closed", "connect", "handshake", "login", "idle", "query"
    };
    struct obp_probe *p = t->data;

    probe_fail(p, "no answer to its %s within detect_server_timeout",
               steps[p->state]);
}

static void
probe_start_connect(struct obp_probe *p)
{
    p->fd = socket(p->addr.sa.ss_family,
                   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd == -1) {
        probe_fail(p, "socket: %s", strerror(errno));
        return;
    }
    p->state = OBP_PROBE_CONNECTING;
    p->seq = 0;
    if (connect(p->fd, (const struct sockaddr *)&p->addr.sa, p->addr.salen)
        == -1 && errno != EINPROGRESS && errno != EINTR) {
        probe_fail(p, "connect: %s", strerror(errno));
        return;
    }
    probe_watch(p, EV_WRITE);
    probe_arm_timer(p);
}

void
obp_probe_start(struct obp_probe *p)
{
    p->busy = true;
    p->query = 0;
    p->why[0] = '\0';
    p->res.read_only = -1;
    p->res.repl = 0;
    p->res.lag_us = -1;
    memset(&p->res.gtid, 0, sizeof(p->res.gtid));
    p->round_us = obp_now_us();
    if (p->state == OBP_PROBE_IDLE)
        probe_start_query(p);
    else
        probe_start_connect(p);
}
