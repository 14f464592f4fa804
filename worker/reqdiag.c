/*
 * obproxy_diagnosis.log (reqlog.h): one line for a session that ended
 * abnormally or lost its server, in ODP's layout:
 *
 *   [time] [pid][Y<session>-<request>] [CONNECTION](trace_type="...",
 *   connection_diagnosis={cs_id:..., ..., req_total_time(us):...}{...})
 *
 * session.c calls obp_reqlog_failed() with the last ERR a session sends
 * and obp_reqlog_closed() when it closes, session_server.c
 * obp_reqlog_server_lost() when its server session breaks; the reason is
 * read from them.
 * sroute.c calls obp_reqdiag_route() for a statement on a partitioned
 * table that did not reach its partition: a [ROUTE] line with the route
 * diagnosis (EXPLAIN ROUTE's text, its lines escaped).
 */
#include "worker.h"
#include "routediag.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#define ER_NET_READ_INTERRUPTED       1159
#define ER_LOST_CONNECTION            1158
#define ER_CONNECTION_KILLED          1927
#define ER_CLIENT_INTERACTION_TIMEOUT 4031

enum diag {
    D_NONE,         /* a normal end: no line */
    D_LOGIN,        /* the login failed */
    D_CLIENT,       /* the client went */
    D_SERVER,       /* the server went */
    D_TIMEOUT,      /* a timeout of the proxy's */
    D_KILLED,       /* KILL */
    D_INTERNAL      /* a protocol error, no memory, a state not kept */
};

static const char *const trace_types[] = {
    "", "LOGIN_TRACE", "CLIENT_VC_TRACE", "SERVER_VC_TRACE",
    "TIMEOUT_TRACE", "PROXY_INTERNAL_TRACE", "PROXY_INTERNAL_TRACE"
};

/* The part inside the second braces, by kind. */
static void
extra(struct obp_rline *l, const struct obp_session *s, enum diag d,
      const char *event, int64_t total)
{
    const struct obp_reqlog *r = &s->rlog;

    switch (d) {
    case D_LOGIN:
        obp_rline_add(l, "{internal_sql:\"\", login_result:\"failed\"}");
        return;
    case D_TIMEOUT:
        obp_rline_add(l, "{timeout:1, timeout_event:\"%s\", "
                      "total_time(us):%" PRId64 "}", event, total);
        return;
    default:
        obp_rline_add(l, "{vc_event:\"%s\", user_sql:\"", event);
        if (r->recv_us != 0 && r->sql != NULL)
            obp_rline_esc(l, r->sql, r->sql_len);
        obp_rline_add(l, "\"}");
    }
}

static void
quoted(struct obp_rline *l, const char *key, const char *val)
{
    obp_rline_add(l, ", %s:\"", key);
    obp_rline_esc(l, val, strlen(val));
    obp_rline_add(l, "\"");
}

static void
write_diag(struct obp_session *s, enum diag d, uint16_t code,
           const char *msg, const char *event)
{
    const struct obp_reqlog *r = &s->rlog;
    struct obp_rline         l = { .len = 0 };
    int64_t                  total = r->recv_us != 0
                                     ? obp_reqlog_now(s) - r->recv_us : 0;
    const char              *cmd = d == D_LOGIN ? "OB_MYSQL_COM_LOGIN"
                                   : r->recv_us != 0
                                   ? obp_reqlog_cmd_name(r->cmd)
                                   : "OB_MYSQL_COM_SLEEP";

    obp_rline_stamp(&l, true);
    obp_rline_add(&l, "[%ld][Y%" PRIX32 "-%016" PRIX64 "] [%s]"
                  "(trace_type=\"%s\", connection_diagnosis={cs_id:%" PRIu32
                  ", ss_id:0, proxy_session_id:0, server_session_id:%" PRIu32
                  ", client_addr:\"%s\", server_addr:\"%s\"",
                  (long)getpid(), s->id, r->seq,
                  d == D_LOGIN ? "LOGIN" : "CONNECTION", trace_types[d],
                  s->id, s->srv != NULL ? s->srv->thread_id : 0,
                  s->caddr.text, s->srv != NULL ? s->srv->addr.text : "");
    quoted(&l, "cluster_name", s->name.cluster);
    quoted(&l, "tenant_name", s->name.tenant);
    quoted(&l, "user_name", s->name.user);
    obp_rline_add(&l, ", error_code:%u", code);
    quoted(&l, "error_msg", msg);
    obp_rline_add(&l, ", request_cmd:\"%s\", sql_cmd:\"%s\", "
                  "req_total_time(us):%" PRId64 "}", cmd, cmd, total);
    extra(&l, s, d, event, total);
    obp_rline_add(&l, ")");
    obp_rline_put(&l, OBP_LOG_F_DIAG);
    s->rlog.diag_done = 1;
}

/* What the last ERR the session sent says of its end. */
static enum diag
by_code(const struct obp_session *s, const char **event)
{
    switch (s->rlog.err_code) {
    case 0:
        return D_INTERNAL;
    case ER_NET_READ_INTERRUPTED:
        *event = "CLIENT_NET_READ_TIMEOUT";
        return D_TIMEOUT;
    case ER_CLIENT_INTERACTION_TIMEOUT:
        *event = "CLIENT_WAIT_TIMEOUT";
        return D_TIMEOUT;
    case ER_CONNECTION_KILLED:
        *event = "KILL";
        return D_KILLED;
    case ER_LOST_CONNECTION:
        *event = "VC_EVENT_EOS";
        return D_SERVER;
    default:
        return D_INTERNAL;
    }
}

/* obp_session_close()'s reason, as a kind of end. */
static enum diag
by_reason(const struct obp_session *s, const char *why, const char **event)
{
    if (strcmp(why, "client quit") == 0
        || strncmp(why, "handed", 6) == 0
        || strncmp(why, "drained", 7) == 0)
        return D_NONE;
    if (strcmp(why, "client closed") == 0)
        return D_CLIENT;
    if (strcmp(why, "client error") == 0) {
        *event = "VC_EVENT_ERROR";
        return D_CLIENT;
    }
    if (strcmp(why, "killed") == 0) {
        *event = "KILL";
        return D_KILLED;
    }
    if (strcmp(why, "login timed out") == 0) {
        *event = "CLIENT_LOGIN_TIMEOUT";
        return D_TIMEOUT;
    }
    if (strncmp(why, "server lost", 11) == 0)
        return D_SERVER;
    if (strncmp(why, "error", 5) == 0)
        return by_code(s, event);
    *event = "";
    return D_INTERNAL;
}

void
obp_reqlog_closed(struct obp_session *s, const char *why)
{
    const char *event = "VC_EVENT_EOS";
    enum diag   d = by_reason(s, why, &event);
    /* "error sent", "error not read": the ERR of obp_reqlog_failed() */
    bool        sent = strncmp(why, "error", 5) == 0
                       && s->rlog.err_code != 0;

    if (d != D_NONE && !s->rlog.diag_done)
        write_diag(s, d, sent ? s->rlog.err_code : 0,
                   sent ? s->rlog.err_msg : why, event);
    obp_reqlog_free(&s->rlog);
}

void
obp_reqlog_server_lost(struct obp_session *s, const char *why)
{
    write_diag(s, D_SERVER, ER_LOST_CONNECTION, why, "VC_EVENT_EOS");
}

/* reqlog.c: a login refused with <code> <msg>. */
void
obp_reqdiag_login(struct obp_session *s, uint16_t code, const char *msg)
{
    write_diag(s, D_LOGIN, code, msg, "");
}

void
obp_reqdiag_route(struct obp_session *s, const struct obp_router_in *in,
                  const struct obp_router_out *out)
{
    struct obp_rdiag d = { .in = in, .out = out };
    struct obp_rline l = { .len = 0 };
    char             text[OBP_RDIAG_TEXT_MAX];

    d.level = (int)s->w->conf->route_diagnosis_level;
    d.last = s->srv != NULL ? s->srv->addr.text : NULL;
    (void)obp_rdiag_text(&d, text, sizeof(text));   /* cut: what fits */
    obp_rline_stamp(&l, true);
    obp_rline_add(&l, "[%ld][Y%" PRIX32 "-%016" PRIX64 "] [ROUTE]"
                  "(trace_type=\"ROUTE_TRACE\", route_diagnosis=\"",
                  (long)getpid(), s->id, s->rlog.seq);
    obp_rline_esc(&l, text + 1, strlen(text + 1));  /* past its newline */
    obp_rline_add(&l, "\")");
    obp_rline_put(&l, OBP_LOG_F_DIAG);
}
