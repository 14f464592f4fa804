/*
 * Account lookups (lookup.h): log in as the service account, run
 * SELECT Host, plugin, authentication_string, <packet limit> FROM
 * mysql.user WHERE User = '...', turn each row into what the cache needs
 * (the stage2 hash, no password, or a hash the proxy cannot check) and
 * hand the rows to acct.c.  Every failure is logged here, once, with its
 * reason.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ER_ACCESS_DENIED 1045

static void srv_done(struct obp_srv *srv, int rc);
static int retry_old(struct obp_lookup *l);

static void
finish(struct obp_lookup *l, int rc, uint16_t code, const char *msg)
{
    struct obp_acct_row *rows = l->rows;

    l->rows = NULL;
    obp_acct_fetched(l->w, l->acct, rows, l->nrows, rc, code, msg);
    obp_lookup_free(l);
}

static int
row_kind(const uint8_t *plugin, size_t plen, const uint8_t *auth,
         size_t alen, uint8_t stage2[OBP_SHA1_LEN])
{
    bool native = plugin == NULL || plen == 0
                  || (plen == strlen(OBP_NATIVE_PLUGIN)
                      && memcmp(plugin, OBP_NATIVE_PLUGIN, plen) == 0);

    if (auth == NULL || alen == 0)
        return OBP_ACCT_EMPTY;
    if (!native)
        return OBP_ACCT_OTHER;
    switch (obp_auth_parse_stage2((const char *)auth, alen, stage2)) {
    case OBP_OK:
        return OBP_ACCT_NATIVE;
    case OBP_DONE:
        return OBP_ACCT_EMPTY;
    default:
        return OBP_ACCT_OTHER;
    }
}

/* A column of decimal digits that fits 32 bits; 0 when it is not one. */
static uint32_t
column_u32(const uint8_t *val, size_t len)
{
    uint64_t v = 0;

    if (val == NULL || len == 0 || len > 10)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (val[i] < '0' || val[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(val[i] - '0');
    }
    return v <= UINT32_MAX ? (uint32_t)v : 0;
}

static int
row_cb(struct obp_mquery *q, const uint8_t *const *val, const size_t *len,
       unsigned ncols)
{
    struct obp_lookup   *l = q->owner;
    struct obp_acct_row *r;

    if (ncols != 6)
        return OBP_ERROR;
    l->max_packet = column_u32(val[3], len[3]);
    l->wait_timeout = column_u32(val[4], len[4]);
    l->interactive_timeout = column_u32(val[5], len[5]);
    if (l->nrows >= OBP_ACCT_MAX_ROWS || val[0] == NULL
        || len[0] >= OBP_ACCT_HOST_MAX)
        return OBP_OK;      /* kept out: too many, or no usable host */
    if (l->nrows == l->cap) {
        unsigned cap = l->cap == 0 ? 4 : 2 * l->cap;

        r = realloc(l->rows, cap * sizeof(*r));
        if (r == NULL)
            return OBP_ERROR;
        l->rows = r;
        l->cap = cap;
    }
    r = &l->rows[l->nrows++];
    memcpy(r->host, val[0], len[0]);
    r->host[len[0]] = '\0';
    r->kind = row_kind(val[1], len[1], val[2], len[2], r->stage2);
    return OBP_OK;
}

/* The server's packet limit and idle limits become the worker's. */
static void
learn_globals(const struct obp_lookup *l)
{
    struct obp_worker *w = l->w;

    if (l->wait_timeout > 0)
        w->wait_timeout = l->wait_timeout;
    if (l->interactive_timeout > 0)
        w->interactive_timeout = l->interactive_timeout;
    if (l->max_packet == 0 || l->max_packet == w->max_packet)
        return;
    obp_log(OBP_LOG_INFO, 0, 0, "client packets limited to %u bytes: "
            "max_allowed_packet of %s", l->max_packet, l->srv->addr.text);
    w->max_packet = l->max_packet;
}

static void
query_done(struct obp_mquery *q, int rc)
{
    struct obp_lookup *l = q->owner;
    char               msg[OBP_ADDR_STRLEN + 480];

    if (rc == OBP_OK) {
        obp_log(OBP_LOG_DEBUG, 0, 0, "account lookup for user '%s': %u "
                "rows from %s", l->acct->user, l->nrows, l->srv->addr.text);
        learn_globals(l);
        finish(l, OBP_OK, 0, NULL);
        return;
    }
    obp_log(OBP_LOG_WARN, 0, 0, "account lookup for user '%s' on %s "
            "failed: %s%s", l->acct->user, l->srv->addr.text, q->err,
            q->server_err ? " (proxyro needs SELECT on mysql.*)" : "");
    snprintf(msg, sizeof(msg), "obproxy: account lookup on %s failed: %s",
             l->srv->addr.text, q->err);
    finish(l, OBP_ERROR, OBP_ER_CONNECT_TO_SERVER, msg);
}

/*
 * The user's rows.  The name goes in as a hex literal: no quote of the
 * client's can end it, whatever the server's sql_mode.  Then the size
 * from which the server refuses a client packet (net_buffer_length when
 * that is the larger, as the server does) and its idle limits.
 */
static void
build_query(struct obp_sqltext *q, const char *user)
{
    obp_sqltext_adds(q, "SELECT Host, plugin, authentication_string, "
                     "GREATEST(@@global.max_allowed_packet, "
                     "@@global.net_buffer_length), "
                     "@@global.wait_timeout, @@global.interactive_timeout "
                     "FROM mysql.user WHERE User = ");
    obp_sqltext_hex(q, user, strlen(user));
}

static void
srv_done(struct obp_srv *srv, int rc)
{
    struct obp_lookup *l = srv->owner;
    struct obp_sqltext sql = { NULL, 0, 0, false };
    char               msg[OBP_ADDR_STRLEN + 480];
    bool               sent;

    if (rc != OBP_OK && srv->from_server && srv->err_code == ER_ACCESS_DENIED
        && retry_old(l) == OBP_OK)
        return;
    if (rc != OBP_OK && srv->from_server) {
        obp_log(OBP_LOG_WARN, 0, 0, "proxyro login failed on %s: %u %s%s",
                srv->addr.text, srv->err_code, srv->err_msg,
                srv->err_code == ER_ACCESS_DENIED
                ? ": set observer_sys_password" : "");
        /* the proxy's configuration, not the client's password */
        snprintf(msg, sizeof(msg), "obproxy: account lookup failed: the "
                 "service account proxyro was refused by %s: %s",
                 srv->addr.text, srv->err_msg);
        finish(l, OBP_ERROR, OBP_ER_CONNECT_TO_SERVER, msg);
        return;
    }
    if (rc != OBP_OK) {
        obp_log(OBP_LOG_WARN, 0, 0, "account lookup for user '%s': %s",
                l->acct->user, srv->err_msg);
        finish(l, OBP_ERROR, srv->err_code, srv->err_msg);
        return;
    }
    build_query(&sql, l->acct->user);
    sent = !sql.err
           && obp_mquery_start(&l->q, srv, sql.p,
                               (double)l->w->conf->short_async_task_timeout
                               / 1e6, row_cb, query_done, l) == OBP_OK;
    obp_sqltext_free(&sql);
    if (!sent) {
        obp_log(OBP_LOG_WARN, 0, errno, "account lookup for user '%s': "
                "query not sent to %s", l->acct->user, srv->addr.text);
        finish(l, OBP_ERROR, OBP_ER_CONNECT_TO_SERVER,
               "obproxy: account lookup query not sent");
    }
}

/*
 * The service account's login with observer_sys_password, or with
 * <old>, observer_sys_password1: the password before a change, which
 * the servers may still hold.
 */
static int
service_login(struct obp_worker *w, struct obp_srv_login *lg, bool old)
{
    memset(lg, 0, sizeof(*lg));
    obp_strlcpy(lg->user, OBP_SERVICE_USER, sizeof(lg->user));
    lg->caps = OBP_CLIENT_PROTOCOL_41 | OBP_CLIENT_SECURE_CONNECTION
               | OBP_CLIENT_PLUGIN_AUTH | OBP_CLIENT_LONG_PASSWORD
               | OBP_CLIENT_LONG_FLAG | OBP_CLIENT_TRANSACTIONS;
    lg->max_packet = OBP_PKT_MAX_PAYLOAD;
    lg->charset = OBP_DEFAULT_CHARSET;
    switch (obp_auth_service_stage1(w->conf, old, lg->stage1)) {
    case OBP_DONE:
        return OBP_OK;      /* the account has no password */
    case OBP_OK:
        lg->has_pw = 1;
        return OBP_OK;
    default:
        return OBP_ERROR;
    }
}

/* observer_sys_password1 is set: the servers may still have it. */
static bool
has_old_password(const struct obp_worker *w)
{
    return w->conf->observer_sys_password1 != NULL
           && w->conf->observer_sys_password1[0] != '\0';
}

/* The service login refused with the new password: the old one next. */
static int
retry_old(struct obp_lookup *l)
{
    struct obp_srv_login lg;

    if (l->old_pw || !has_old_password(l->w)
        || service_login(l->w, &lg, true) != OBP_OK)
        return OBP_ERROR;
    obp_log(OBP_LOG_INFO, 0, 0, "proxyro refused on %s with "
            "observer_sys_password: trying observer_sys_password1",
            l->srv->addr.text);
    obp_srv_free(l->srv);
    l->old_pw = true;
    l->srv = obp_srv_open(l->w, 0, &lg, srv_done, l);
    explicit_bzero(&lg, sizeof(lg));
    return l->srv != NULL ? OBP_OK : OBP_ERROR;
}

int
obp_lookup_start(struct obp_worker *w, struct obp_acct *a)
{
    struct obp_srv_login lg;
    struct obp_lookup   *l;

    if (service_login(w, &lg, false) != OBP_OK)
        return OBP_ERROR;
    l = calloc(1, sizeof(*l));
    if (l != NULL)
        l->srv = obp_srv_open(w, 0, &lg, srv_done, l);
    explicit_bzero(&lg, sizeof(lg));
    if (l == NULL || l->srv == NULL) {
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "account lookup for user '%s'",
                a->user);
        free(l);
        return OBP_ERROR;
    }
    l->w = w;
    l->acct = a;
    a->lookup = l;
    return OBP_OK;
}

static void
probe_done(struct obp_srv *srv, int rc)
{
    struct obp_worker *w = srv->owner;

    if (rc != OBP_OK)
        obp_log(OBP_LOG_INFO, 0, 0, "service login at start on %s: %s",
                srv->addr.text, srv->err_msg);
    w->probe = NULL;
    obp_srv_free(srv);
}

void
obp_lookup_probe(struct obp_worker *w)
{
    struct obp_srv_login lg;
    struct obp_srvinfo   si;

    if (obp_srvinfo_get(w->shm, &si)
        || service_login(w, &lg, false) != OBP_OK)
        return;
    w->probe = obp_srv_open(w, 0, &lg, probe_done, w);
    explicit_bzero(&lg, sizeof(lg));
}

void
obp_lookup_free(struct obp_lookup *l)
{
    obp_mquery_stop(&l->q);
    obp_srv_free(l->srv);
    free(l->rows);
    free(l);
}
