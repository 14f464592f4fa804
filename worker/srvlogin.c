/*
 * Logging in to a server (srvlogin.h): after connect.c connected the
 * socket, read the handshake, send the handshake response with the token
 * for the server's scramble, answer an auth switch to
 * mysql_native_password, and hand the OK or the ERR to the owner.
 * session.c opens its server sessions here, acct.c its lookups.
 */
#include "worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void login_read(struct obp_conn *c);
static void login_error(struct obp_conn *c, int err);

static const struct obp_conn_ops login_ops = {
    login_read, login_error, NULL
};

/* Fills the failure fields; the caller then reports it. */
static void
set_err(struct obp_srv *srv, uint16_t code, const char *state,
        const char *fmt, va_list ap)
{
    srv->err_code = code;
    obp_strlcpy(srv->err_state, state, sizeof(srv->err_state));
    vsnprintf(srv->err_msg, sizeof(srv->err_msg), fmt, ap);
}

static void
finish(struct obp_srv *srv, int rc)
{
    ev_timer_stop(srv->w->loop, &srv->timer);
    ev_io_stop(srv->w->loop, &srv->cw);
    obp_servers_release(srv->servers);
    srv->servers = NULL;
    explicit_bzero(srv->lg.stage1, sizeof(srv->lg.stage1));
    srv->lg.attrs = NULL;
    free(srv->own_attrs);
    srv->own_attrs = NULL;
    srv->done(srv, rc);
}

void
obp_srv_fail(struct obp_srv *srv, uint16_t code, const char *state,
             const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_err(srv, code, state, fmt, ap);
    va_end(ap);
    srv->state = OBP_SRV_FAILED;
    if (srv->c.w != NULL)
        obp_conn_close(&srv->c);    /* no more events before the free */
    finish(srv, OBP_ERROR);
}

/* The server's own ERR packet, passed on as it is. */
static void
fail_with_err(struct obp_srv *srv, const uint8_t *p, size_t len)
{
    struct obp_err e;

    if (obp_err_parse(&e, p, len) != OBP_OK) {
        obp_srv_fail(srv, OBP_ER_CONNECT_TO_SERVER, "HY000", "obproxy: "
                     "malformed error packet from server %s",
                     srv->addr.text);
        return;
    }
    srv->from_server = 1;
    obp_srv_fail(srv, e.code, e.sqlstate, "%.*s", (int)e.msg_len, e.msg);
}

static uint32_t
agree_caps(struct obp_srv *srv, uint32_t server)
{
    uint32_t want = srv->lg.caps & OBP_PROXY_CAPS;
    uint32_t fmt = OBP_CLIENT_DEPRECATE_EOF | OBP_CLIENT_SESSION_TRACK;
    uint32_t caps;

    /* the proxy relays responses as they are: their format must agree */
    if ((want & fmt & ~server) != 0)
        obp_log(OBP_LOG_WARN, srv->sid, 0, "server %s lacks capabilities "
                "0x%x the client asked for", srv->addr.text,
                (unsigned)(want & fmt & ~server));
    caps = (want & server) | OBP_CLIENT_PROTOCOL_41
           | OBP_CLIENT_SECURE_CONNECTION | OBP_CLIENT_LONG_PASSWORD;
    caps |= server & OBP_CLIENT_PLUGIN_AUTH;
    if (srv->w->xctx.tls_cli != NULL
        && obp_level_bool(srv->w->conf, srv->lg.cluster, srv->lg.tenant,
                          "enable_server_ssl"))   /* the tenant's */
        caps |= server & OBP_CLIENT_SSL;
    if (srv->w->conf->enable_compression_protocol)
        caps |= server & OBP_CLIENT_COMPRESS;
    caps &= ~OBP_CLIENT_CONNECT_WITH_DB;
    if (srv->lg.db[0] != '\0' && (server & OBP_CLIENT_CONNECT_WITH_DB))
        caps |= OBP_CLIENT_CONNECT_WITH_DB;
    if (srv->lg.attrs == NULL)
        caps &= ~OBP_CLIENT_CONNECT_ATTRS;
    else if (obp_oblogin_wanted(srv))   /* ODP's, whatever the client's */
        caps |= server & OBP_CLIENT_CONNECT_ATTRS;
    return caps;
}

/* Queues a packet of raw bytes (an auth switch answer). */
static int
send_raw(struct obp_srv *srv, const uint8_t *data, size_t len)
{
    struct obp_wr wr;
    size_t        off;

    if (obp_conn_writer(&srv->c, &wr) != OBP_OK)
        return OBP_ERROR;
    off = obp_wr_pkt_begin(&wr);
    obp_wr_bytes(&wr, data, len);
    obp_wr_pkt_end(&wr, off, ++srv->seq);
    return obp_conn_commit(&srv->c, &wr);
}

/* The SSL request, in clear, then TLS for everything after it. */
static int
start_tls(struct obp_srv *srv, const struct obp_hs_response *r)
{
    struct obp_hs_response req = *r;
    struct obp_wr          wr;

    req.ssl_request = true;
    if (obp_conn_writer(&srv->c, &wr) != OBP_OK
        || obp_hs_response_write(&wr, ++srv->seq, &req) != OBP_OK
        || obp_conn_commit(&srv->c, &wr) != OBP_OK)
        return OBP_ERROR;
    return obp_xport_tls(&srv->c, srv->w->xctx.tls_cli, false);
}

static int
send_response(struct obp_srv *srv, const struct obp_handshake *hs)
{
    struct obp_hs_response r;
    struct obp_wr          wr;
    uint8_t                token[OBP_SHA1_LEN];
    char                   user[3 * OBP_NAME_MAX];
    bool                   ob = obp_oblogin_wanted(srv);

    memset(&r, 0, sizeof(r));
    if ((ob && obp_oblogin_attrs(srv, hs) != OBP_OK)
        || obp_sob20_attrs(srv) != OBP_OK)
        return OBP_ERROR;
    r.caps = srv->caps = agree_caps(srv, hs->caps);
    /* MariaDB reads extended capabilities only without LONG_PASSWORD */
    srv->ext_caps = srv->lg.ext_caps & hs->ext_caps & OBP_PROXY_EXT_CAPS;
    if (srv->ext_caps != 0 && !(hs->caps & OBP_CLIENT_LONG_PASSWORD)) {
        r.caps = srv->caps &= ~OBP_CLIENT_LONG_PASSWORD;
        r.ext_caps = srv->ext_caps;
    } else {
        srv->ext_caps = 0;
    }
    r.max_packet = srv->lg.max_packet;
    r.charset = srv->lg.charset;
    if ((r.caps & OBP_CLIENT_SSL) && start_tls(srv, &r) != OBP_OK)
        return OBP_ERROR;
    if (ob)
        obp_oblogin_user(user, sizeof(user), srv->lg.user, srv->lg.tenant,
                         srv->lg.cluster,
                         srv->w->conf->enable_full_username);
    else
        obp_strlcpy(user, srv->lg.user, sizeof(user));
    r.user = user;
    r.user_len = strlen(user);
    if (srv->lg.has_pw) {
        obp_auth_token(srv->lg.stage1, ob ? obp_oblogin_token_scramble(srv,
                       hs) : hs->scramble, token);
        r.auth = token;
        r.auth_len = OBP_SHA1_LEN;
    }
    r.db = srv->lg.db;
    r.db_len = strlen(srv->lg.db);
    r.plugin = OBP_NATIVE_PLUGIN;
    r.plugin_len = strlen(OBP_NATIVE_PLUGIN);
    r.attrs = srv->lg.attrs;
    r.attrs_len = srv->lg.attrs_len;
    if (obp_conn_writer(&srv->c, &wr) != OBP_OK
        || obp_hs_response_write(&wr, ++srv->seq, &r) != OBP_OK
        || obp_conn_commit(&srv->c, &wr) != OBP_OK) {
        explicit_bzero(token, sizeof(token));
        return OBP_ERROR;
    }
    explicit_bzero(token, sizeof(token));
    return OBP_OK;
}

/* The server's first packet.  OBP_OK, or OBP_DONE once done was called. */
static int
on_greeting(struct obp_srv *srv, const uint8_t *p, size_t len)
{
    struct obp_handshake hs;

    if (len > 0 && p[0] == OBP_PKT_ERR) {
        fail_with_err(srv, p, len);     /* too many connections, ... */
        return OBP_DONE;
    }
    if (obp_handshake_parse(&hs, p, len) != OBP_OK
        || hs.scramble_len < OBP_SCRAMBLE_LEN) {
        obp_srv_fail(srv, OBP_ER_CONNECT_TO_SERVER, "HY000", "obproxy: "
                     "malformed handshake from server %s", srv->addr.text);
        return OBP_DONE;
    }
    srv->thread_id = hs.conn_id;
    obp_bl_ok(srv->w->shm, srv->bl);    /* it answers: not blocked */
    obp_srvinfo_learn(srv->w->shm, &hs);
    if (send_response(srv, &hs) != OBP_OK) {
        obp_srv_fail(srv, OBP_ER_CONNECT_TO_SERVER, "HY000", "obproxy: "
                     "login to server %s does not fit a packet",
                     srv->addr.text);
        return OBP_DONE;
    }
    srv->state = OBP_SRV_AUTH;
    return OBP_OK;
}

/* An auth switch: only mysql_native_password can be answered. */
static int
on_switch(struct obp_srv *srv, const uint8_t *p, size_t len)
{
    const char    *plugin;
    const uint8_t *data;
    size_t         plen, dlen;
    uint8_t        token[OBP_SHA1_LEN];
    int            rc;

    if (obp_auth_switch_parse(p, len, &plugin, &plen, &data, &dlen)
        != OBP_OK || plen != strlen(OBP_NATIVE_PLUGIN)
        || memcmp(plugin, OBP_NATIVE_PLUGIN, plen) != 0
        || dlen < OBP_SCRAMBLE_LEN) {
        obp_srv_fail(srv, 1251, "08004", "obproxy: server %s asks for an "
                     "authentication method the proxy cannot answer "
                     "(only mysql_native_password)", srv->addr.text);
        return OBP_DONE;
    }
    if (!srv->lg.has_pw)
        return send_raw(srv, NULL, 0);
    obp_auth_token(srv->lg.stage1, data, token);
    rc = send_raw(srv, token, sizeof(token));
    explicit_bzero(token, sizeof(token));
    return rc;
}

/*
 * A login ERR: OceanBase's "not on this server" errors go on to the
 * tenant's next server (not blocked: the server is up), others to the
 * owner as they are.
 */
static void
on_auth_err(struct obp_srv *srv, const uint8_t *p, size_t len)
{
    struct obp_err e;
    char           why[120];

    if (obp_oblogin_wanted(srv) && obp_err_parse(&e, p, len) == OBP_OK
        && obp_oblogin_retryable(e.code)) {
        snprintf(why, sizeof(why), "login refused: %u %.*s", e.code,
                 (int)(e.msg_len < 80 ? e.msg_len : 80), e.msg);
        obp_connect_retry(srv, -1, why);
        return;
    }
    fail_with_err(srv, p, len);
}

static int
on_auth(struct obp_srv *srv, const uint8_t *p, size_t len)
{
    if (len > 0 && p[0] == OBP_PKT_OK) {
        if (obp_ok_parse(&srv->ok, p, len, srv->caps) != OBP_OK) {
            obp_srv_fail(srv, OBP_ER_CONNECT_TO_SERVER, "HY000", "obproxy: "
                         "malformed OK from server %s", srv->addr.text);
            return OBP_DONE;
        }
        srv->status = srv->ok.status;
        if (obp_sob20_start(srv, &srv->ok) != OBP_OK)
            return OBP_ERROR;
        srv->state = OBP_SRV_READY;
        finish(srv, OBP_OK);
        return OBP_DONE;
    }
    if (len > 0 && p[0] == OBP_PKT_ERR) {
        on_auth_err(srv, p, len);
        return OBP_DONE;
    }
    if (len > 0 && p[0] == OBP_PKT_EOF)
        return on_switch(srv, p, len);
    /* caching_sha2's "fast auth succeeded": the OK follows */
    if (len == 2 && p[0] == OBP_PKT_AUTH_MORE && p[1] == 3)
        return OBP_OK;
    obp_srv_fail(srv, OBP_ER_CONNECT_TO_SERVER, "HY000", "obproxy: "
                 "unexpected packet 0x%02x from server %s during login",
                 len > 0 ? p[0] : 0, srv->addr.text);
    return OBP_DONE;
}

/* Handles every whole packet read so far; OBP_DONE once done ran. */
static int
login_packets(struct obp_srv *srv)
{
    const uint8_t *h;
    uint32_t       len;
    int            rc = OBP_OK, got;

    while (rc == OBP_OK
           && (got = obp_iobuf_packet(srv->c.in, &h, &len)) != OBP_AGAIN) {
        if (got == OBP_ERROR) {
            obp_srv_fail(srv, OBP_ER_CONNECT_TO_SERVER, "HY000", "obproxy: "
                         "oversized login packet from server %s",
                         srv->addr.text);
            return OBP_DONE;
        }
        srv->seq = h[3];
        /* consumed first: the bytes stay readable until the next read */
        obp_conn_skip(&srv->c, OBP_PKT_HDR_LEN + len);
        rc = srv->state == OBP_SRV_GREETING
             ? on_greeting(srv, h + OBP_PKT_HDR_LEN, len)
             : on_auth(srv, h + OBP_PKT_HDR_LEN, len);
    }
    if (rc == OBP_ERROR)
        obp_srv_fail(srv, OBP_ER_CONNECT_TO_SERVER, "HY000", "obproxy: "
                     "out of memory logging in to %s", srv->addr.text);
    return rc == OBP_OK ? OBP_OK : OBP_DONE;
}

static void
login_read(struct obp_conn *c)
{
    struct obp_srv *srv = c->owner;

    if (login_packets(srv) == OBP_DONE)
        return;
    if (obp_conn_flush(c) == OBP_ERROR) {
        login_error(c, errno);
        return;
    }
    obp_conn_trim(c);
    obp_conn_update(c);
}

static void
login_error(struct obp_conn *c, int err)
{
    struct obp_srv *srv = c->owner;
    const char     *why = err == 0 ? "closed the connection" : strerror(err);

    /* before its handshake a server is only unreachable: try the next */
    if (srv->state == OBP_SRV_GREETING) {
        obp_connect_retry(srv, err, why);
        return;
    }
    obp_srv_fail(srv, OBP_ER_CONNECT_TO_SERVER, "HY000", "obproxy: server "
                 "%s %s during login", srv->addr.text, why);
}

void
obp_srv_connected(struct obp_srv *srv, int fd)
{
    struct obp_worker *w = srv->w;

    obp_conn_init(&srv->c, w, fd, srv->sid, OBP_STAT_bytes_from_server,
                  &login_ops, srv);
    srv->state = OBP_SRV_GREETING;
    obp_conn_update(&srv->c);
    ev_timer_set(&srv->timer, obp_connect_timeout(srv), 0.);
    ev_timer_start(w->loop, &srv->timer);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_srv *srv = t->data;

    switch (srv->state) {
    case OBP_SRV_NEW:
        obp_connect_first(srv);
        break;
    case OBP_SRV_CONNECTING:
        obp_connect_retry(srv, ETIMEDOUT, "connect timed out");
        break;
    case OBP_SRV_GREETING:
        obp_connect_retry(srv, ETIMEDOUT, "no handshake in time");
        break;
    default:
        obp_srv_fail(srv, OBP_ER_CONNECT_TO_SERVER, "HY000", "obproxy: "
                     "login to server %s timed out", srv->addr.text);
        break;
    }
}

struct obp_srv *
obp_srv_open(struct obp_worker *w, uint64_t sid,
             const struct obp_srv_login *lg, obp_srv_done_cb done,
             void *owner)
{
    struct obp_srv *srv = calloc(1, sizeof(*srv));

    if (srv == NULL)
        return NULL;
    srv->w = w;
    srv->sid = sid;
    srv->fd = -1;
    srv->lg = *lg;
    obp_strlcpy(srv->pool_db, lg->db, sizeof(srv->pool_db));
    srv->done = done;
    srv->owner = owner;
    srv->state = OBP_SRV_NEW;
    ev_init(&srv->cw, NULL);
    /* a zero timer: done must never run inside the caller's call */
    ev_timer_init(&srv->timer, timer_cb, 0., 0.);
    srv->timer.data = srv;
    ev_timer_start(w->loop, &srv->timer);
    return srv;
}

void
obp_srv_adopt(struct obp_srv *srv, const struct obp_conn_ops *ops,
              void *owner)
{
    srv->c.ops = ops;
    srv->c.owner = owner;
    srv->peer.home = NULL;      /* the next owner attaches its own */
}

void
obp_srv_abort(struct obp_srv *srv)
{
    if (srv == NULL)
        return;
    ev_timer_stop(srv->w->loop, &srv->timer);
    ev_io_stop(srv->w->loop, &srv->cw);
    if (srv->fd != -1 && close(srv->fd) == -1)
        obp_log(OBP_LOG_WARN, srv->sid, errno, "close server %s",
                srv->addr.text);
    if (srv->c.w != NULL)
        obp_conn_close(&srv->c);
    if (srv->counted) {
        obp_stat_add(srv->w->stats, OBP_STAT_server_active, -1);
        obp_stat_srv(srv->w->stats, srv->bl, -1, 0);
        obp_tenantstat_server(srv, -1);
    }
    obp_servers_release(srv->servers);
    obp_srvstmt_clear(&srv->stmts);
    free(srv->own_attrs);       /* a login aborted before it ended */
    explicit_bzero(&srv->lg, sizeof(srv->lg));
    free(srv);
}
