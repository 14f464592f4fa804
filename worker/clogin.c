/*
 * Client logins (clogin.h): handshake, handshake response, auth switch,
 * token check against the cached account rows, then the server login.
 * Every refusal is the server's own text: 1045 (28000) "Access denied
 * for user 'u'@'ip' (using password: YES|NO)", sequenced right after the
 * client's last packet.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ER_ACCESS_DENIED   1045
#define ER_HANDSHAKE_ERROR 1043
#define ER_WRONG_DB_NAME   1102

#define ADMIN_TENANT "proxysys"

static void verify(struct obp_session *s, bool refetch);

/* CLIENT_SSL and CLIENT_COMPRESS as the configuration offers them. */
static uint32_t
offered(const struct obp_session *s)
{
    const struct obp_xport_ctx *x = &s->w->xctx;
    uint32_t                    caps = 0;

    if (x->offer_tls)
        caps |= OBP_CLIENT_SSL;
    if (s->w->conf->enable_client_compression)
        caps |= OBP_CLIENT_COMPRESS;
    return caps;
}

/*
 * The version and capabilities the client is offered: the servers' own
 * (srvinfo.h) as far as the proxy can relay them, mysql_version when it
 * is set; ODP's defaults before any server has been seen.
 */
static void
announce(struct obp_session *s, struct obp_handshake *hs)
{
    const char        *version = s->w->conf->mysql_version;
    struct obp_srvinfo si;
    bool               known = obp_srvinfo_get(s->w->shm, &si);

    if (version == NULL || version[0] == '\0')
        version = known ? si.version : OBP_DEFAULT_VERSION;
    obp_strlcpy(hs->version, version, sizeof(hs->version));
    hs->caps = OBP_PROXY_CAPS;
    if (known) {
        hs->caps &= si.caps | OBP_PROXY_LOGIN_CAPS;
        hs->ext_caps = si.ext_caps & OBP_PROXY_EXT_CAPS;
    }
    s->hs_caps = hs->caps;
    s->hs_ext_caps = hs->ext_caps;
    hs->caps |= offered(s);
}

int
obp_clogin_start(struct obp_session *s)
{
    struct obp_handshake hs;
    struct obp_wr        wr;

    if (obp_auth_scramble(s->scramble) != OBP_OK)
        return OBP_ERROR;
    s->connect_us = obp_wallclock_us();
    memset(&hs, 0, sizeof(hs));
    hs.protocol = 10;
    hs.conn_id = s->id;
    memcpy(hs.scramble, s->scramble, OBP_SCRAMBLE_LEN);
    hs.scramble_len = OBP_SCRAMBLE_LEN;
    announce(s, &hs);
    hs.charset = OBP_DEFAULT_CHARSET;
    hs.status = OBP_SERVER_STATUS_AUTOCOMMIT;
    obp_strlcpy(hs.plugin, OBP_NATIVE_PLUGIN, sizeof(hs.plugin));
    if (obp_conn_writer(&s->cl, &wr) != OBP_OK
        || obp_handshake_write(&wr, 0, &hs) != OBP_OK
        || obp_conn_commit(&s->cl, &wr) != OBP_OK)
        return OBP_ERROR;
    return OBP_OK;
}

/* Who of the proxy's own accounts <s> names; NONE: none of them. */
static enum obp_admin
admin_account(const struct obp_session *s)
{
    if (obp_strcasecmp(s->name.tenant, ADMIN_TENANT) != 0)
        return OBP_ADMIN_NONE;
    if (strcmp(s->name.user, "root") == 0)
        return OBP_ADMIN_ROOT;
    if (strcmp(s->name.user, "inspector") == 0)
        return OBP_ADMIN_INSPECTOR;
    return OBP_ADMIN_NONE;
}

/* An admin login refused: 1045 as for a wrong password, and why. */
static void
admin_deny(struct obp_session *s, const char *why)
{
    char msg[2 * OBP_NAME_MAX + 96];

    snprintf(msg, sizeof(msg), "Access denied for user '%s@%s'@'%s' (using "
             "password: %s)", s->name.user, ADMIN_TENANT, s->cip,
             s->token_len > 0 ? "YES" : "NO");
    obp_log(OBP_LOG_WARN, s->id, 0, "admin login of '%s@%s' from %s "
            "refused: %s", s->name.user, ADMIN_TENANT, s->caddr.text, why);
    obp_stat_add(s->w->stats, OBP_STAT_login_denied, 1);
    obp_session_fail(s, (uint8_t)(s->seq + 1), ER_ACCESS_DENIED, "28000",
                     msg);
}

/* The token against a stored hex(SHA1(password)); "" takes no password. */
static bool
admin_password_ok(struct obp_session *s, const char *hex)
{
    uint8_t stage1[OBP_SHA1_LEN], stage2[OBP_SHA1_LEN];
    bool    ok;

    if (hex == NULL || hex[0] == '\0')
        return s->token_len == 0;
    if (obp_auth_parse_stage1(hex, strlen(hex), stage1) != OBP_OK)
        return false;
    obp_sha1(stage1, sizeof(stage1), NULL, 0, stage2);
    ok = obp_auth_check(s->token, s->token_len, s->scramble, stage2,
                        stage1) == OBP_OK;
    explicit_bzero(stage1, sizeof(stage1));
    return ok;
}

/* The admin is in: no server session, ever (cmd.h). */
static void
admin_logged_in(struct obp_session *s, enum obp_admin who)
{
    struct obp_ok ok;

    s->admin = (uint8_t)who;
    s->status = OBP_SERVER_STATUS_AUTOCOMMIT;
    memset(&ok, 0, sizeof(ok));
    ok.status = s->status;
    if (obp_cob20_login_ok(s, &ok) != OBP_OK) {
        obp_session_close(s, "out of memory");
        return;
    }
    obp_stat_add(s->w->stats, OBP_STAT_login_ok, 1);
    obp_log(OBP_LOG_INFO, s->id, 0, "admin %s@%s logged in from %s%s",
            s->name.user, ADMIN_TENANT, s->caddr.text,
            s->cl.x != NULL && s->cl.x->ssl != NULL ? " over TLS" : "");
    obp_session_ready(s);
}

/*
 * proxysys is ODP's tenant of the proxy's own accounts: root@proxysys
 * (obproxy_sys_password) and inspector@proxysys (inspector_password),
 * checked here and never forwarded; both only from loopback and private
 * addresses unless skip_proxy_sys_private_check.  True when the login
 * was one (answered here).
 */
static bool
admin_login(struct obp_session *s)
{
    const struct obp_conf *conf = s->w->conf;
    enum obp_admin         who = admin_account(s);

    if (obp_strcasecmp(s->name.tenant, ADMIN_TENANT) != 0)
        return false;
    explicit_bzero(s->stage1, sizeof(s->stage1));
    if (who == OBP_ADMIN_NONE)
        admin_deny(s, "no such account of the proxy");
    else if (s->req.cmd == OBP_COM_CHANGE_USER)
        admin_deny(s, "COM_CHANGE_USER cannot reach the proxy's accounts");
    else if (!conf->skip_proxy_sys_private_check
             && !obp_addr_private(&s->caddr))
        admin_deny(s, "a public client address (see "
                   "skip_proxy_sys_private_check)");
    else if (!admin_password_ok(s, who == OBP_ADMIN_ROOT
                                   ? conf->obproxy_sys_password
                                   : conf->inspector_password))
        admin_deny(s, "wrong password");
    else
        admin_logged_in(s, who);
    return true;
}

/*
 * proxyro is the proxy's service account for the servers: a client may
 * not borrow it unless skip_proxyro_check.
 */
static bool
proxyro_login(struct obp_session *s)
{
    if (s->w->conf->skip_proxyro_check
        || strcmp(s->name.user, OBP_SERVICE_USER) != 0)
        return false;
    obp_log(OBP_LOG_WARN, s->id, 0, "client %s: a login as %s, the proxy's "
            "service account, refused (see skip_proxyro_check)",
            s->caddr.text, OBP_SERVICE_USER);
    return true;
}

static void
deny(struct obp_session *s)
{
    char msg[2 * OBP_NAME_MAX + 96];

    snprintf(msg, sizeof(msg), "Access denied for user '%s'@'%s' (using "
             "password: %s)", s->name.user, s->cip,
             s->token_len > 0 ? "YES" : "NO");
    obp_log(OBP_LOG_INFO, s->id, 0, "%s", msg);
    obp_stat_add(s->w->stats, OBP_STAT_login_denied, 1);
    obp_session_fail(s, (uint8_t)(s->seq + 1), ER_ACCESS_DENIED, "28000",
                     msg);
}

/* The row's check: OBP_OK with stage1 (or no password) recovered. */
static int
check_row(struct obp_session *s, const struct obp_acct_row *row)
{
    switch (row->kind) {
    case OBP_ACCT_NATIVE:
        if (obp_auth_check(s->token, s->token_len, s->scramble,
                           row->stage2, s->stage1) != OBP_OK)
            return OBP_ERROR;
        s->has_pw = 1;
        return OBP_OK;
    case OBP_ACCT_EMPTY:
        s->has_pw = 0;
        return s->token_len == 0 ? OBP_OK : OBP_ERROR;
    default:
        obp_log(OBP_LOG_INFO, s->id, 0, "user '%s'@'%s' has a password "
                "hash the proxy cannot verify (not mysql_native_password)",
                s->name.user, row->host);
        return OBP_ERROR;
    }
}

/*
 * The client's OK: the server's login OK, or for a pooled server session
 * (<ok> NULL) one of the proxy's own with that session's status.
 */
static void
logged_in(struct obp_session *s, const struct obp_ok *ok)
{
    struct obp_srv *srv = s->srv;
    struct obp_ok   own;

    if (ok == NULL) {
        memset(&own, 0, sizeof(own));
        own.status = srv->status;
        ok = &own;
    }
    s->status = srv->status;
    if (obp_cob20_login_ok(s, ok) != OBP_OK) {
        obp_session_close(s, "login OK does not fit, or out of memory");
        return;
    }
    obp_stat_add(s->w->stats, OBP_STAT_login_ok, 1);
    obp_tenantstat_in(s, s->req.cmd != OBP_COM_CHANGE_USER);
    obp_log(OBP_LOG_DEBUG, s->id, 0, "'%s'@'%s' logged in (tenant '%s', "
            "cluster '%s') through server %s%s%s%s", s->name.user, s->cip,
            s->name.tenant, s->name.cluster, srv->addr.text,
            s->cl.x != NULL && s->cl.x->ssl != NULL ? ", " : "",
            s->cl.x != NULL && s->cl.x->ssl != NULL
            ? obp_xport_tls_version(s->cl.x) : "",
            s->ob_caps != 0 ? ", OceanBase 2.0"
            : s->zip ? ", compressed" : "");
    obp_session_ready(s);
}

static void
checked(struct obp_session *s, const struct obp_acct *a, bool cached)
{
    const struct obp_acct_row *row = obp_acct_match(a, s->cip);

    if (row != NULL && check_row(s, row) == OBP_OK) {
        explicit_bzero(s->token, sizeof(s->token));
        obp_acct_row_id(s->name.user, row, s->account);
        s->state = OBP_SESS_SRVLOGIN;
        if (obp_pool_take(s) == OBP_OK)
            logged_in(s, NULL);
        else if (obp_session_open_server(s) != OBP_OK)
            obp_session_close(s, "out of memory");
        return;
    }
    /* the password may have changed since the rows were cached */
    if (cached && !s->refetched && obp_acct_may_refetch(a)) {
        s->refetched = 1;
        verify(s, true);
        return;
    }
    deny(s);
}

static void
acct_cb(struct obp_acct_wait *wt, int rc)
{
    struct obp_session *s = (struct obp_session *)
        ((char *)wt - offsetof(struct obp_session, wait));

    if (rc == OBP_OK) {
        checked(s, wt->acct, false);
        return;
    }
    if (wt->code == ER_ACCESS_DENIED || wt->msg == NULL) {
        deny(s);
        return;
    }
    obp_session_fail(s, (uint8_t)(s->seq + 1), wt->code,
                     wt->code == OBP_ER_TOO_MANY_CONNECTIONS ? "08004"
                                                             : "HY000",
                     wt->msg);
}

static void
verify(struct obp_session *s, bool refetch)
{
    int rc;

    if (admin_login(s))
        return;
    if (proxyro_login(s)) {
        deny(s);
        return;
    }
    s->state = OBP_SESS_VERIFY;
    s->wait.cb = acct_cb;
    rc = obp_acct_get(s->w, s->name.user, refetch, &s->wait);
    if (rc == OBP_OK)
        checked(s, s->wait.acct, true);
    else if (rc == OBP_ERROR)
        deny(s);
}

/* proxy_tenant_name for <cluster> (level.h), else ODP's sys. */
static const char *
default_tenant(const struct obp_conf *conf, const char *cluster)
{
    const char *t = obp_level_text(conf, cluster, "", "proxy_tenant_name");

    return t[0] != '\0' ? t : "sys";
}

/* Names, schema and attributes of the handshake response. */
static int
take_names(struct obp_session *s, const struct obp_hs_response *r)
{
    const struct obp_conf *conf = s->w->conf;
    char                   err[128];

    if (obp_login_name_parse(&s->name, r->user != NULL ? r->user : "",
                             r->user_len, conf->username_separator, err,
                             sizeof(err)) != OBP_OK) {
        obp_log(OBP_LOG_INFO, s->id, 0, "client %s: login name: %s",
                s->caddr.text, err);
        snprintf(s->name.user, sizeof(s->name.user), "%.*s",
                 (int)(r->user_len < 64 ? r->user_len : 64),
                 r->user != NULL ? r->user : "");
        return ER_ACCESS_DENIED;
    }
    if (s->name.cluster[0] == '\0')
        obp_strlcpy(s->name.cluster, conf->rootservice_cluster_name,
                    sizeof(s->name.cluster));
    /* ODP's default tenant (the cluster's), when the name has none */
    if (s->name.tenant[0] == '\0')
        obp_strlcpy(s->name.tenant, default_tenant(conf, s->name.cluster),
                    sizeof(s->name.tenant));
    if (r->db_len >= sizeof(s->db))
        return ER_WRONG_DB_NAME;
    free(s->attrs);             /* a change of user brings its own */
    s->attrs = NULL;
    s->attrs_len = 0;
    memcpy(s->db, r->db != NULL ? r->db : "", r->db_len);
    s->db[r->db_len] = '\0';
    if (r->attrs_len > 0) {
        s->attrs = malloc(r->attrs_len);
        if (s->attrs == NULL)
            return OBP_ERROR;
        memcpy(s->attrs, r->attrs, r->attrs_len);
        s->attrs_len = r->attrs_len;
    }
    return OBP_OK;
}

static void
switch_plugin(struct obp_session *s)
{
    static const uint8_t nul = 0;
    struct obp_wr        wr;
    uint8_t              data[OBP_SCRAMBLE_LEN + 1];

    /* the same scramble, NUL-terminated as servers send it */
    memcpy(data, s->scramble, OBP_SCRAMBLE_LEN);
    data[OBP_SCRAMBLE_LEN] = nul;
    if (obp_conn_writer(&s->cl, &wr) != OBP_OK
        || obp_auth_switch_write(&wr, (uint8_t)(s->seq + 1),
                                 OBP_NATIVE_PLUGIN, data, sizeof(data))
           != OBP_OK
        || obp_conn_commit(&s->cl, &wr) != OBP_OK) {
        obp_session_close(s, "out of memory");
        return;
    }
    s->state = OBP_SESS_SWITCH;
    ev_timer_start(s->w->loop, &s->timer);  /* the client answers again */
    if (obp_conn_flush(&s->cl) == OBP_ERROR) {
        obp_log(OBP_LOG_INFO, s->id, errno, "client %s", s->caddr.text);
        obp_session_close(s, "client error");
    }
}

static void
bad_handshake(struct obp_session *s, const char *why)
{
    obp_log(OBP_LOG_WARN, s->id, 0, "client %s: %s", s->caddr.text, why);
    obp_session_fail(s, (uint8_t)(s->seq + 1), ER_HANDSHAKE_ERROR, "08S01",
                     "Bad handshake");
}

/* The client's SSL request: TLS starts; the real response follows. */
static void
start_tls(struct obp_session *s)
{
    if (!(offered(s) & OBP_CLIENT_SSL) || s->cl.x != NULL) {
        bad_handshake(s, s->cl.x != NULL ? "a second SSL request"
                                         : "TLS requested, not offered");
        return;
    }
    if (obp_xport_tls(&s->cl, s->w->xctx.tls_srv, true) != OBP_OK) {
        obp_session_close(s, "out of memory");
        return;
    }
    ev_timer_start(s->w->loop, &s->timer);  /* the client answers again */
    obp_conn_update(&s->cl);
}

static void
on_response(struct obp_session *s, const uint8_t *p, size_t len)
{
    struct obp_hs_response r;

    if (obp_hs_response_parse(&r, p, len) != OBP_OK) {
        bad_handshake(s, "malformed handshake response");
        return;
    }
    if (r.ssl_request) {
        start_tls(s);
        return;
    }
    s->zip = (r.caps & offered(s) & OBP_CLIENT_COMPRESS) != 0;
    /* OceanBase 2.0 frames replace the compressed ones when granted */
    s->ob_caps = obp_cob20_granted(s, &r);
    obp_clogin_answer(s, &r);
}

void
obp_clogin_answer(struct obp_session *s, const struct obp_hs_response *r)
{
    bool native;
    int  rc;

    s->caps = r->caps & s->hs_caps;
    s->ext_caps = (r->caps & OBP_CLIENT_LONG_PASSWORD) ? 0
                  : r->ext_caps & s->hs_ext_caps;
    s->max_packet = r->max_packet;
    s->charset = r->charset;
    rc = take_names(s, r);
    if (rc == ER_ACCESS_DENIED) {
        deny(s);
        return;
    }
    if (rc == ER_WRONG_DB_NAME) {
        obp_session_fail(s, (uint8_t)(s->seq + 1), ER_WRONG_DB_NAME,
                         "42000", "Incorrect database name");
        return;
    }
    if (rc != OBP_OK) {
        obp_session_close(s, "out of memory");
        return;
    }
    if (obp_tenant_refused(s, r->auth_len > 0))
        return;
    native = r->plugin == NULL
             || (r->plugin_len == strlen(OBP_NATIVE_PLUGIN)
                 && memcmp(r->plugin, OBP_NATIVE_PLUGIN, r->plugin_len) == 0);
    if (native && (r->auth_len == 0 || r->auth_len == OBP_SHA1_LEN)) {
        if (r->auth_len > 0)
            memcpy(s->token, r->auth, r->auth_len);
        s->token_len = (uint8_t)r->auth_len;
        verify(s, false);
    } else if (s->caps & OBP_CLIENT_PLUGIN_AUTH) {
        switch_plugin(s);
    } else {
        s->token_len = r->auth_len > 0;
        deny(s);
    }
}

static void
on_switch_reply(struct obp_session *s, const uint8_t *p, size_t len)
{
    if (len != 0 && len != OBP_SHA1_LEN) {
        s->token_len = 1;
        deny(s);
        return;
    }
    memcpy(s->token, p, len);
    s->token_len = (uint8_t)len;
    verify(s, false);
}

void
obp_clogin_read(struct obp_session *s)
{
    const uint8_t *h;
    uint32_t       len;
    int            rc = obp_iobuf_packet(s->cl.in, &h, &len);

    if (rc == OBP_ERROR) {
        obp_log(OBP_LOG_WARN, s->id, 0, "client %s: login packet of %u "
                "bytes", s->caddr.text, len);
        obp_session_close(s, "oversized login packet");
        return;
    }
    if (rc == OBP_AGAIN)
        return;
    s->seq = h[3];
    ev_timer_stop(s->w->loop, &s->timer);
    obp_conn_skip(&s->cl, OBP_PKT_HDR_LEN + len);
    if (s->state == OBP_SESS_HANDSHAKE)
        on_response(s, h + OBP_PKT_HDR_LEN, len);
    else
        on_switch_reply(s, h + OBP_PKT_HDR_LEN, len);
}

void
obp_clogin_server_done(struct obp_session *s, int rc)
{
    struct obp_srv *srv = s->srv;

    if (rc != OBP_OK) {
        if (srv->from_server)
            obp_log(OBP_LOG_INFO, s->id, 0, "login of '%s'@'%s' refused by "
                    "server %s: %u %s", s->name.user, s->cip,
                    srv->addr.text, srv->err_code, srv->err_msg);
        else
            obp_log(OBP_LOG_WARN, s->id, 0, "login of '%s'@'%s': %s",
                    s->name.user, s->cip, srv->err_msg);
        if (srv->from_server && srv->err_code == ER_ACCESS_DENIED)
            obp_stat_add(s->w->stats, OBP_STAT_login_denied, 1);
        obp_session_fail(s, (uint8_t)(s->seq + 1), srv->err_code,
                         srv->err_state, srv->err_msg);
        return;
    }
    if (obp_oblogin_wanted(srv))
        obp_oblogin_learn(s, &srv->ok);
    logged_in(s, &srv->ok);
}
