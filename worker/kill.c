/*
 * KILL by client session id (kill.h): the statement's parse, the
 * checks (a live session of this proxy, the same user), and the
 * "KILL QUERY <server id>" run on the target's server.  The killer's
 * own commands wait (s->kill set) until the answer is queued.  An id
 * that no live session of this proxy has gets 1094 "Unknown thread id".
 */
#include "worker.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ER_NO_SUCH_THREAD    1094
#define ER_KILL_DENIED       1095
#define ER_CONNECTION_KILLED 1927
#define KILL_TEXT_MAX        256    /* longer statements are not KILLs */
#define SERVER_ID_BIT        UINT32_C(0x80000000)

enum { KILL_CONNECTION, KILL_QUERY };

struct obp_kill {
    struct obp_session *s;
    struct obp_srv     *srv;        /* the killer's short-lived session */
    struct obp_mquery   q;
    uint32_t            thread;     /* the target's server connection id */
    int                 kind;
    uint8_t             seq;        /* the KILL packet's sequence */
};

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

static size_t
skip_space(const uint8_t *p, size_t n, size_t i)
{
    while (i < n && isspace(p[i]))
        i++;
    return i;
}

/* <w> (any case) then at least one space at p[*i]: moves past both. */
static bool
word(const uint8_t *p, size_t n, size_t *i, const char *w)
{
    size_t len = strlen(w);

    if (n - *i <= len || strncasecmp((const char *)p + *i, w, len) != 0
        || !isspace(p[*i + len]))
        return false;
    *i = skip_space(p, n, *i + len);
    return true;
}

/* "KILL [CONNECTION|QUERY] <digits> [;]" with any spaces; OBP_ERROR: not. */
static int
parse_text(const uint8_t *p, size_t n, int *kind, uint32_t *id)
{
    size_t   i = skip_space(p, n, 0), d;
    uint64_t v = 0;

    if (!word(p, n, &i, "KILL"))
        return OBP_ERROR;
    *kind = KILL_CONNECTION;
    if (word(p, n, &i, "QUERY"))
        *kind = KILL_QUERY;
    else
        (void)word(p, n, &i, "CONNECTION");
    for (d = i; i < n && isdigit(p[i]) && i - d < 11; i++)
        v = v * 10 + (uint64_t)(p[i] - '0');
    if (i == d || v > UINT32_MAX)
        return OBP_ERROR;
    i = skip_space(p, n, i);
    if (i < n && p[i] == ';')
        i = skip_space(p, n, i + 1);
    if (i != n)
        return OBP_ERROR;
    *id = (uint32_t)v;
    return OBP_OK;
}

static int
send_ok(struct obp_session *s, uint8_t seq)
{
    struct obp_ok ok;
    struct obp_wr wr;

    memset(&ok, 0, sizeof(ok));
    ok.status = s->status;
    if (obp_conn_writer(&s->cl, &wr) != OBP_OK
        || obp_ok_write(&wr, seq, &ok, s->caps) != OBP_OK)
        return OBP_ERROR;
    return obp_conn_commit(&s->cl, &wr);
}

static void
free_kill(struct obp_kill *k)
{
    obp_mquery_stop(&k->q);
    obp_srv_free(k->srv);
    free(k);
}

void
obp_kill_cancel(struct obp_session *s)
{
    if (s->kill == NULL)
        return;
    free_kill(s->kill);
    s->kill = NULL;
}

/* Answers the killer (<code> 0: OK) and lets its next command go. */
static void
finish(struct obp_kill *k, uint16_t code, const char *state,
       const char *msg)
{
    struct obp_session *s = k->s;
    uint8_t             seq = (uint8_t)(k->seq + 1);
    int                 rc;

    rc = code == 0 ? send_ok(s, seq)
                   : obp_session_send_err(s, seq, code, state, msg);
    s->kill = NULL;
    free_kill(k);           /* after the ERR: <msg> may live in it */
    if (rc != OBP_OK) {
        obp_session_close(s, "answer to KILL does not fit");
        return;
    }
    obp_session_pump(s);
}

static int
no_rows(struct obp_mquery *q, const uint8_t *const *val, const size_t *len,
        unsigned ncols)
{
    return OBP_OK;
}

static void
query_done(struct obp_mquery *q, int rc)
{
    struct obp_kill *k = q->owner;
    const char      *msg = strstr(q->err, "): ");

    if (rc != OBP_OK)
        obp_log(OBP_LOG_INFO, k->s->id, 0, "KILL QUERY %u on server %s: %s",
                k->thread, k->srv->addr.text, q->err);
    /* the connection goes anyway: its statement may just have ended */
    if (rc == OBP_OK || k->kind == KILL_CONNECTION)
        finish(k, 0, NULL, NULL);
    else if (q->server_err)
        finish(k, q->err_code, q->err_state, msg != NULL ? msg + 3 : q->err);
    else
        finish(k, OBP_ER_CONNECT_TO_SERVER, "HY000", q->err);
}

static void
srv_done(struct obp_srv *srv, int rc)
{
    struct obp_kill *k = srv->owner;
    char             sql[32];

    if (rc != OBP_OK) {
        obp_log(OBP_LOG_INFO, k->s->id, 0, "KILL: server session to %s: "
                "%u %s", srv->addr.text, srv->err_code, srv->err_msg);
        if (k->kind == KILL_CONNECTION)
            finish(k, 0, NULL, NULL);
        else
            finish(k, srv->err_code, srv->err_state, srv->err_msg);
        return;
    }
    snprintf(sql, sizeof(sql), "KILL QUERY %u", k->thread);
    if (obp_mquery_start(&k->q, srv, sql,
                         (double)srv->w->conf->short_async_task_timeout
                         / 1e6, no_rows, query_done, k) != OBP_OK)
        finish(k, OBP_ER_CONNECT_TO_SERVER, "HY000",
               "obproxy: KILL QUERY not sent to the server");
}

/* The killer's own login, for a session to the target's server. */
static void
killer_login(const struct obp_session *s, struct obp_srv_login *lg)
{
    memset(lg, 0, sizeof(*lg));
    obp_strlcpy(lg->user, s->name.user, sizeof(lg->user));
    memcpy(lg->stage1, s->stage1, sizeof(lg->stage1));
    lg->has_pw = s->has_pw;
    lg->caps = OBP_CLIENT_PROTOCOL_41 | OBP_CLIENT_SECURE_CONNECTION
               | OBP_CLIENT_PLUGIN_AUTH | OBP_CLIENT_LONG_PASSWORD
               | OBP_CLIENT_LONG_FLAG | OBP_CLIENT_TRANSACTIONS;
    lg->max_packet = OBP_PKT_MAX_PAYLOAD;
    lg->charset = OBP_DEFAULT_CHARSET;
}

/* Starts "KILL QUERY" on the target's server; OBP_ERROR: out of memory. */
static int
start_query(struct obp_session *s, int kind, const struct obp_shm_sess *e)
{
    struct obp_srv_login lg;
    struct obp_kill     *k = calloc(1, sizeof(*k));

    if (k == NULL)
        return OBP_ERROR;
    killer_login(s, &lg);
    k->srv = obp_srv_open(s->w, s->id, &lg, srv_done, k);
    explicit_bzero(&lg, sizeof(lg));
    if (k->srv != NULL)
        k->srv->servers = obp_servers_parse(e->srv_addr, s->w->shm);
    if (k->srv == NULL || k->srv->servers == NULL) {
        free_kill(k);
        return OBP_ERROR;
    }
    k->s = s;
    k->kind = kind;
    k->thread = e->srv_thread;
    k->seq = s->resp.seq;
    s->kill = k;
    return OBP_OK;
}

static int
refuse(struct obp_session *s, uint16_t code, const char *fmt, uint32_t id)
{
    char msg[96];

    snprintf(msg, sizeof(msg), fmt, id);
    obp_stat_add(s->w->stats, OBP_STAT_kill_refused, 1);
    if (obp_session_send_err(s, (uint8_t)(s->resp.seq + 1), code, "HY000",
                             msg) != OBP_OK) {
        obp_session_close(s, "answer to KILL does not fit");
        return OBP_DONE;
    }
    return OBP_AGAIN;
}

static int
execute(struct obp_session *s, int kind, uint32_t id,
        struct obp_shm_sess *e, const struct obp_shm_sess *snap)
{
    /*
     * The server's rule for a user without the PROCESS or SUPER
     * privilege: only the same user name.  The proxy does not look up
     * privileges, so that is the rule for everyone.
     */
    if (strcmp(snap->user, s->name.user) != 0)
        return refuse(s, ER_KILL_DENIED, "You are not owner of thread %u",
                      id);
    obp_stat_add(s->w->stats, OBP_STAT_kill_ok, 1);
    obp_log(OBP_LOG_INFO, s->id, 0, "KILL %s %u (server %s, connection "
            "%u)", kind == KILL_QUERY ? "QUERY" : "CONNECTION", id,
            snap->srv_addr, snap->srv_thread);
    if (kind == KILL_CONNECTION && id == s->id) {
        obp_session_fail(s, (uint8_t)(s->resp.seq + 1), ER_CONNECTION_KILLED,
                         "70100", "Connection was killed");
        return OBP_DONE;
    }
    if (kind == KILL_CONNECTION)
        atomic_store_explicit(&e->kill, id, memory_order_relaxed);
    if (snap->srv_thread == 0) {
        if (send_ok(s, (uint8_t)(s->resp.seq + 1)) == OBP_OK)
            return OBP_AGAIN;
    } else if (start_query(s, kind, snap) == OBP_OK) {
        return OBP_AGAIN;
    }
    obp_session_close(s, "out of memory");
    return OBP_DONE;
}

int
obp_kill_try(struct obp_session *s, struct obp_iobuf *b)
{
    const uint8_t       *h = b->data + b->parse;
    uint32_t             len = obp_pkt_payload_len(h), id;
    int                  kind = KILL_CONNECTION;
    struct obp_shm_sess  snap, *e;

    if (len > KILL_TEXT_MAX)
        return OBP_KILL_PASS;
    if (b->recv - b->parse < OBP_PKT_HDR_LEN + len)
        return OBP_AGAIN;
    if (h[OBP_PKT_HDR_LEN] == OBP_COM_PROCESS_KILL) {
        if (len != 5)
            return OBP_KILL_PASS;
        id = le32(h + OBP_PKT_HDR_LEN + 1);
    } else if (parse_text(h + OBP_PKT_HDR_LEN + 1, len - 1, &kind, &id)
               != OBP_OK) {
        return OBP_KILL_PASS;
    }
    s->resp.seq = h[3];
    /*
     * Clients see only the proxy's ids, so KILL takes those (as in ODP):
     * an id that is no live session here is unknown, even if a server
     * has a thread with that number -- killing it could hit another
     * client's server session.
     */
    e = (id & SERVER_ID_BIT) ? NULL : obp_reg_find(s->w, id, &snap);
    if (e == NULL) {
        obp_conn_skip(&s->cl, OBP_PKT_HDR_LEN + len);
        return refuse(s, ER_NO_SUCH_THREAD, "Unknown thread id: %u", id);
    }
    s->resp.seq = h[3];
    obp_conn_skip(&s->cl, OBP_PKT_HDR_LEN + len);
    return execute(s, kind, id, e, &snap);
}
