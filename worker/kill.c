/*
 * KILL by client session id (kill.h): the statement's parse, the
 * checks (a live session of this proxy, the same user), and the
 * "KILL QUERY <server id>" run on the target's server.  The killer's
 * own commands wait (s->kill set) until the answer is queued.  An id
 * that no live session of this proxy has gets 1094 "Unknown thread id".
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psparam.h"

#define ER_NO_SUCH_THREAD    1094
#define ER_KILL_DENIED       1095
#define ER_CONNECTION_KILLED 1927
#define ER_WRONG_ARGUMENTS   1210
#define ER_NOT_SUPPORTED_YET 1235
#define SERVER_ID_BIT        UINT32_C(0x80000000)

enum { KILL_CONNECTION, KILL_QUERY };

struct obp_kill {
    struct obp_session *s;          /* the killer, NULL when nobody waits
                                       (obp_kill_query_own) */
    uint32_t            sid;        /* the killer's id, in log lines */
    struct obp_srv     *srv;        /* the killer's short-lived session */
    struct obp_mquery   q;
    uint32_t            thread;     /* the target's server connection id */
    int                 kind;
    bool                relay;      /* the query goes on to the server
                                       afterwards (sqlfix.h): no answer */
};

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

/* A KILL statement of a query text, as the server would read it. */
struct kill_stmt {
    int      kind;          /* KILL_CONNECTION or KILL_QUERY */
    bool     param;         /* KILL ?: the id is an execute's parameter */
    uint32_t id;
    size_t   off;           /* its bytes in the text: KILL to the id */
    size_t   len;
    bool     first;         /* the text's first statement */
    bool     alone;         /* and its only one */
};

/* Statements whose bodies hold ';': the scan stops at them. */
static bool
compound(const struct obp_sqllex_tok *t)
{
    static const char *const words[] = {
        "CREATE", "ALTER", "BEGIN", "IF", "WHILE", "LOOP", "REPEAT",
        "CASE", "DECLARE", "FOR"
    };

    for (size_t i = 0; i < OBP_NELEMS(words); i++)
        if (obp_sqllex_kw(t, words[i]))
            return true;
    return false;
}

/* A decimal connection id: digits only, 32 bits. */
static bool
id_of(const struct obp_sqllex_tok *t, uint32_t *id)
{
    uint64_t v = 0;

    if (t->type != OBP_SQLLEX_NUMBER || t->n == 0 || t->n > 10)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        if (t->s[i] < '0' || t->s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(t->s[i] - '0');
    }
    *id = (uint32_t)v;
    return v <= UINT32_MAX;
}

/*
 * The rest of a statement that began with KILL (<t> is its first token):
 * [HARD | SOFT] [CONNECTION | QUERY] then a number or '?', then its end.
 * OBP_OK: one for the proxy; OBP_DONE: the server's (KILL USER, KILL
 * QUERY ID); OBP_ERROR: a form that would name a thread some other way.
 */
static int
kill_form(struct obp_sqllex *lx, const struct obp_sqllex_tok *t,
          struct kill_stmt *ks, struct obp_sqllex_tok *end)
{
    struct obp_sqllex_tok w;

    ks->kind = KILL_CONNECTION;
    ks->param = false;
    obp_sqllex_next(lx, &w);
    if (obp_sqllex_kw(&w, "HARD") || obp_sqllex_kw(&w, "SOFT"))
        obp_sqllex_next(lx, &w);
    if (obp_sqllex_kw(&w, "USER"))
        return OBP_DONE;
    if (obp_sqllex_kw(&w, "QUERY") || obp_sqllex_kw(&w, "CONNECTION")) {
        ks->kind = obp_sqllex_kw(&w, "QUERY") ? KILL_QUERY : KILL_CONNECTION;
        obp_sqllex_next(lx, &w);
        if (ks->kind == KILL_QUERY && obp_sqllex_kw(&w, "ID"))
            return OBP_DONE;
    }
    if (w.type == OBP_SQLLEX_QMARK)
        ks->param = true;
    else if (!id_of(&w, &ks->id))
        return OBP_ERROR;
    ks->len = (size_t)(w.s + w.n - t->s);
    obp_sqllex_next(lx, end);
    return end->type == OBP_SQLLEX_SEMI || end->type == OBP_SQLLEX_END
           ? OBP_OK : OBP_ERROR;
}

/*
 * The KILL statements of <text>: *found how many (the first in <ks>).
 * With <multi> every statement counts, else only the first (the server
 * refuses the rest).  OBP_ERROR: a KILL the proxy cannot carry out.
 */
static int
scan(const char *text, size_t n, bool multi, struct kill_stmt *ks,
     unsigned *found)
{
    struct obp_sqllex     lx;
    struct obp_sqllex_tok t, end;
    unsigned              nstmt = 0;
    int                   rc;

    *found = 0;
    obp_sqllex_init(&lx, text, n, OBP_SQLLEX_BACKSLASH);
    for (obp_sqllex_next(&lx, &t); t.type != OBP_SQLLEX_END;
         obp_sqllex_next(&lx, &t)) {
        if (t.type == OBP_SQLLEX_SEMI)
            continue;               /* an empty statement */
        if ((nstmt > 0 && !multi) || compound(&t))
            break;
        nstmt++;
        end = t;
        if (obp_sqllex_kw(&t, "KILL")) {
            struct kill_stmt k = { .off = (size_t)(t.s - text),
                                   .first = nstmt == 1 };

            rc = kill_form(&lx, &t, &k, &end);
            if (rc == OBP_ERROR)
                return OBP_ERROR;
            if (rc == OBP_OK && (*found)++ == 0)
                *ks = k;
        }
        while (end.type != OBP_SQLLEX_SEMI && end.type != OBP_SQLLEX_END)
            obp_sqllex_next(&lx, &end);
        if (end.type == OBP_SQLLEX_END)
            break;
    }
    ks->alone = nstmt == 1;
    return OBP_OK;
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
    struct obp_ans     *a;
    bool                relay = k->relay;
    int                 rc = OBP_OK;

    if (s == NULL) {
        free_kill(k);
        return;
    }
    if (!relay) {
        a = obp_req_answer(s);
        rc = code == 0 ? obp_ans_ok(a, 0, NULL)
                       : obp_ans_err(a, code, state, "%s", msg);
    }
    s->kill = NULL;
    free_kill(k);           /* after the ERR: <msg> may live in it */
    if (rc != OBP_OK) {
        obp_session_close(s, "out of memory");
        return;
    }
    if (relay)
        obp_session_pump(s);
    else
        obp_req_answered(s);
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
        obp_log(OBP_LOG_INFO, k->sid, 0, "KILL QUERY %u on server %s: %s",
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
        obp_log(OBP_LOG_INFO, k->sid, 0, "KILL: server session to %s: "
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
    /* an OceanBase server wants the tenant in the name (oblogin.h) */
    obp_oblogin_fill(lg, s);
    memcpy(lg->stage1, s->stage1, sizeof(lg->stage1));
    lg->has_pw = s->has_pw;
    lg->caps = OBP_CLIENT_PROTOCOL_41 | OBP_CLIENT_SECURE_CONNECTION
               | OBP_CLIENT_PLUGIN_AUTH | OBP_CLIENT_LONG_PASSWORD
               | OBP_CLIENT_LONG_FLAG | OBP_CLIENT_TRANSACTIONS;
    lg->max_packet = OBP_PKT_MAX_PAYLOAD;
    lg->charset = OBP_DEFAULT_CHARSET;
}

/*
 * "KILL QUERY" on the target's server, with <s>'s own login; the kill
 * answers nobody until attached.  NULL: out of memory.
 */
static struct obp_kill *
new_kill(struct obp_session *s, int kind, const struct obp_shm_sess *e)
{
    struct obp_srv_login lg;
    struct obp_kill     *k = calloc(1, sizeof(*k));

    if (k == NULL)
        return NULL;
    killer_login(s, &lg);
    k->srv = obp_srv_open(s->w, s->id, &lg, srv_done, k);
    explicit_bzero(&lg, sizeof(lg));
    if (k->srv != NULL)
        k->srv->servers = obp_servers_parse(e->srv_addr, s->w->shm);
    if (k->srv == NULL || k->srv->servers == NULL) {
        free_kill(k);
        return NULL;
    }
    k->sid = s->id;
    k->kind = kind;
    k->thread = e->srv_thread;
    return k;
}

/* The same for the killer <s>, who waits for its answer. */
static int
start_query(struct obp_session *s, int kind, const struct obp_shm_sess *e,
            bool relay)
{
    struct obp_kill *k = new_kill(s, kind, e);

    if (k == NULL)
        return OBP_ERROR;
    k->s = s;
    k->relay = relay;
    s->kill = k;
    return OBP_OK;
}

void
obp_kill_query_own(struct obp_session *s)
{
    struct obp_shm_sess e;

    if (s->srv == NULL || s->srv->state != OBP_SRV_READY || !s->req.busy)
        return;         /* no statement under way */
    memset(&e, 0, sizeof(e));
    e.srv_thread = s->srv->thread_id;
    obp_strlcpy(e.srv_addr, s->srv->addr.text, sizeof(e.srv_addr));
    obp_log(OBP_LOG_INFO, s->id, 0, "KILL QUERY by the admin: server %s, "
            "connection %u", e.srv_addr, e.srv_thread);
    if (new_kill(s, KILL_QUERY, &e) == NULL)
        obp_log(OBP_LOG_WARN, s->id, ENOMEM, "KILL QUERY by the admin");
}

static enum obp_cmd_rc
refuse(struct obp_session *s, uint16_t code, const char *fmt, uint32_t id)
{
    char msg[96];

    snprintf(msg, sizeof(msg), fmt, id);
    obp_stat_add(s->w->stats, OBP_STAT_kill_refused, 1);
    return obp_ans_err(obp_req_answer(s), code, "HY000", "%s", msg) == OBP_OK
           ? OBP_CMD_ANSWER : OBP_CMD_NOMEM;
}

/*
 * Carries out <ks> on the live session <e> (<snap> its copy).  Without
 * <relay> the proxy answers; with it the statement was rewritten in the
 * buffer and the query goes on to the server once the KILL is done
 * (OBP_CMD_RELAY at once, OBP_CMD_WAIT until then).
 */
static enum obp_cmd_rc
execute(struct obp_session *s, const struct kill_stmt *ks, bool relay,
        struct obp_shm_sess *e, const struct obp_shm_sess *snap)
{
    /*
     * The server's rule for a user without the PROCESS or SUPER
     * privilege: only the same user name.  The proxy does not look up
     * privileges, so that is the rule for everyone.
     */
    if (strcmp(snap->user, s->name.user) != 0)
        return refuse(s, ER_KILL_DENIED, "You are not owner of thread %u",
                      ks->id);
    obp_stat_add(s->w->stats, OBP_STAT_kill_ok, 1);
    obp_log(OBP_LOG_INFO, s->id, 0, "KILL %s %u (server %s, connection "
            "%u)", ks->kind == KILL_QUERY ? "QUERY" : "CONNECTION", ks->id,
            snap->srv_addr, snap->srv_thread);
    if (ks->kind == KILL_CONNECTION && ks->id == s->id) {
        obp_session_fail(s, (uint8_t)(s->resp.seq + 1), ER_CONNECTION_KILLED,
                         "70100", "Connection was killed");
        return OBP_CMD_GONE;
    }
    if (ks->kind == KILL_CONNECTION)
        atomic_store_explicit(&e->kill, ks->id, memory_order_relaxed);
    if (snap->srv_thread == 0) {
        if (relay)
            return OBP_CMD_RELAY;
        return obp_ans_ok(obp_req_answer(s), 0, NULL) == OBP_OK
               ? OBP_CMD_ANSWER : OBP_CMD_NOMEM;
    }
    if (start_query(s, ks->kind, snap, relay) != OBP_OK)
        return OBP_CMD_NOMEM;
    return relay ? OBP_CMD_WAIT : OBP_CMD_LATER;
}

/*
 * Clients see only the proxy's ids, so KILL takes those (as in ODP): an
 * id that is no live session here is unknown, even if a server has a
 * thread with that number -- killing it could hit another client's
 * server session.  The proxy answers the packet.
 */
static enum obp_cmd_rc
kill_answered(struct obp_session *s, const struct kill_stmt *ks)
{
    struct obp_shm_sess snap, *e;

    e = (ks->id & SERVER_ID_BIT) ? NULL : obp_reg_find(s->w, ks->id, &snap);
    if (e == NULL)
        return refuse(s, ER_NO_SUCH_THREAD, "Unknown thread id: %u",
                      ks->id);
    return execute(s, ks, false, e, &snap);
}

/*
 * A KILL among other statements: the proxy carries it out and the server
 * runs the rest, the KILL's bytes replaced by "DO 0", which it answers
 * with an OK as it would the KILL.  An unknown id as the first statement
 * is refused whole (the server would stop there); later, it becomes
 * "KILL 0", which the server refuses as unknown.
 */
static enum obp_cmd_rc
kill_relayed(struct obp_session *s, const struct kill_stmt *ks, char *text)
{
    struct obp_shm_sess snap, *e;

    e = (ks->id & SERVER_ID_BIT) ? NULL : obp_reg_find(s->w, ks->id, &snap);
    if (e == NULL && ks->first)
        return kill_answered(s, ks);
    if (e == NULL || strcmp(snap.user, s->name.user) != 0) {
        obp_stat_add(s->w->stats, OBP_STAT_kill_refused, 1);
        obp_sqlfix_span(text + ks->off, ks->len, "KILL 0");
        return OBP_CMD_RELAY;
    }
    obp_sqlfix_span(text + ks->off, ks->len, "DO 0");
    return execute(s, ks, true, e, &snap);
}

static enum obp_cmd_rc
kill_text(struct obp_session *s, char *text, size_t n)
{
    struct kill_stmt ks;
    unsigned         found;
    bool             multi = (s->caps & OBP_CLIENT_MULTI_STATEMENTS)
                             || s->multi_on;

    if (!obp_sqlfix_has_word(text, n, "KILL"))
        return OBP_CMD_RELAY;
    if (scan(text, n, multi, &ks, &found) != OBP_OK || found > 1
        || (found == 1 && ks.param))
        return refuse(s, ER_NOT_SUPPORTED_YET, "obproxy: KILL takes a "
                      "connection id as a number, one KILL per query", 0);
    if (found == 0)
        return OBP_CMD_RELAY;
    return ks.alone ? kill_answered(s, &ks) : kill_relayed(s, &ks, text);
}

/* A parameter as a connection id: an integer, or a string of digits. */
static bool
param_id(const struct obp_part_value *v, uint32_t *id)
{
    struct obp_sqllex_tok t = { .type = OBP_SQLLEX_NUMBER };

    switch (v->kind) {
    case OBP_PV_INT:
        *id = (uint32_t)v->i;
        return v->i >= 0 && v->i <= UINT32_MAX;
    case OBP_PV_UINT:
        *id = (uint32_t)v->u;
        return v->u <= UINT32_MAX;
    case OBP_PV_STRING: case OBP_PV_DECIMAL:
        t.s = v->str;
        t.n = v->len;
        return id_of(&t, id);
    default:
        return false;
    }
}

/* An execute of a prepared KILL: the id is the text's or the parameter's. */
static enum obp_cmd_rc
kill_execute(struct obp_session *s, const uint8_t *payload, uint32_t len)
{
    struct obp_part_value v;
    struct kill_stmt      ks;
    struct obp_rd         rd;
    const struct obp_stmt *stmt;
    unsigned              found;

    obp_rd_init(&rd, payload + 1, 4);
    stmt = obp_sstate_stmt(&s->st, obp_rd_u32(&rd));
    if (rd.err || stmt == NULL || stmt->text == NULL
        || !obp_sqlfix_has_word(stmt->text, stmt->text_len, "KILL")
        || scan(stmt->text, stmt->text_len, false, &ks, &found) != OBP_OK
        || found != 1)
        return OBP_CMD_RELAY;
    if (ks.param && (stmt->params != 1
                     || obp_psparam_decode(payload, len, 1, stmt->types,
                                           NULL, NULL, 0, &v) != OBP_OK
                     || !param_id(&v, &ks.id)))
        return refuse(s, ER_WRONG_ARGUMENTS, "Incorrect arguments to KILL: "
                      "not a connection id", 0);
    return kill_answered(s, &ks);
}

enum obp_cmd_rc
obp_kill_try(struct obp_session *s, struct obp_iobuf *b)
{
    uint8_t          *h = b->data + b->parse;
    uint32_t          len = obp_pkt_payload_len(h);
    struct kill_stmt  ks = { .kind = KILL_CONNECTION, .alone = true };

    /* a text larger than the buffer is relayed as it comes, unread */
    if (len > OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN)
        return OBP_CMD_RELAY;
    if (b->recv - b->parse < OBP_PKT_HDR_LEN + len)
        return OBP_CMD_WAIT;
    switch (h[OBP_PKT_HDR_LEN]) {
    case OBP_COM_PROCESS_KILL:
        if (len != 5)
            return OBP_CMD_RELAY;
        ks.id = le32(h + OBP_PKT_HDR_LEN + 1);
        return kill_answered(s, &ks);
    case OBP_COM_STMT_EXECUTE:
        return len >= 5 ? kill_execute(s, h + OBP_PKT_HDR_LEN, len)
                        : OBP_CMD_RELAY;
    default:
        return kill_text(s, (char *)h + OBP_PKT_HDR_LEN + 1, len - 1);
    }
}

enum obp_cmd_rc
obp_kill_cmd(struct obp_session *s, struct obp_iobuf *b,
             struct obp_cmd_arg *a)
{
    enum obp_cmd_rc rc;

    if (s->admin != OBP_ADMIN_NONE)
        return obp_adm_kill(s, b, a);
    rc = obp_kill_try(s, b);
    if (rc != OBP_CMD_RELAY)
        return rc;
    return obp_relay_command(s, b, obp_pkt_payload_len(b->data + b->parse));
}
