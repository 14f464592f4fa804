/*
 * What only the worker holding a client session knows of it (adm.h):
 * the variables it set (sstate.h, proxyvar.h) and what its commands did
 * (trace.h), for SHOW PROXYSESSION VARIABLES, SHOW PROXYSESSION STAT and
 * SHOW PROXYTRACE.  Without an id they show the admin's own session; a
 * session of another worker gets an error naming that worker.
 */
#include "worker.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define LIKE_MAX  128
#define VALUE_MAX 1024      /* bytes of a value shown; longer ones cut */
#define NUM_MAX   24

/* [id]: the session named, or the admin's own. */
static bool
session_arg(struct obp_session *s, struct obp_cmd_arg *a, uint32_t *id,
            enum obp_cmd_rc *rc)
{
    uint64_t v;

    *id = s->id;
    if (a->t.type != OBP_SQLLEX_NUMBER)
        return true;
    if (!obp_adm_number(s, a, UINT32_MAX, &v, rc))
        return false;
    *id = (uint32_t)v;
    return true;
}

/* A variable's value as SQL writes it: 'text' quoted, numbers as such. */
static const char *
sval_text(const struct obp_svar *v, char *buf, size_t cap)
{
    size_t n = 0, i;

    if (!v->has_value || v->type == OBP_SVAL_NULL)
        return v->has_value ? "NULL" : NULL;
    if (v->type != OBP_SVAL_STRING) {
        snprintf(buf, cap, "%.*s", (int)v->len, (const char *)v->data);
        return buf;
    }
    buf[n++] = '\'';
    /* each turn writes two bytes at most: four stay for the end */
    for (i = 0; i < v->len && n + 5 < cap; i++) {
        if (v->data[i] == '\'')
            buf[n++] = '\'';
        buf[n++] = (char)v->data[i];
    }
    if (i < v->len)
        memcpy(buf + n, "...", 4);      /* cut to fit */
    else
        memcpy(buf + n, "'", 2);
    return buf;
}

/* One VARIABLES row, unless LIKE leaves it out. */
static int
var_row(struct obp_ans *ans, const char *pattern, const char *name,
        const char *value, const char *info)
{
    const char *row[] = { name, value, info, "", "" };

    return obp_adm_match(pattern, name) ? obp_ans_row(ans, row) : OBP_OK;
}

/* The proxy's own variables: with <all> also those left at default. */
static int
proxy_vars(struct obp_ans *ans, const struct obp_proxyvars *pv,
           const char *pattern, bool all)
{
    const char *weak = pv->weak < 0 ? "" : pv->weak ? "'WEAK'" : "'STRONG'";
    char        policy[OBP_PROXYVAR_MAX + 2], idc[OBP_PROXYVAR_MAX + 2];
    int         rc = OBP_OK;

    /* as SQL writes them, as the other variables; "": the default */
    snprintf(policy, sizeof(policy), pv->policy[0] != '\0' ? "'%s'" : "%s",
             pv->policy);
    snprintf(idc, sizeof(idc), pv->idc[0] != '\0' ? "'%s'" : "%s", pv->idc);
    if (all || pv->weak >= 0)
        rc = var_row(ans, pattern, "ob_read_consistency", weak, "proxy var");
    if (rc == OBP_OK && (all || pv->policy[0] != '\0'))
        rc = var_row(ans, pattern, "proxy_route_policy", policy,
                     "proxy var");
    if (rc == OBP_OK && (all || pv->idc[0] != '\0'))
        rc = var_row(ans, pattern, "proxy_session_ldc", idc, "proxy var");
    return rc;
}

/*
 * VARIABLES [ALL] [id] [LIKE 'x']: the system and user variables the
 * session changed (the proxy knows no others), and the proxy's own.
 */
enum obp_cmd_rc
obp_adm_session_variables(struct obp_session *s, struct obp_iobuf *b,
                          struct obp_cmd_arg *a)
{
    static const char *const cols[] = { "variable_name", "value", "info",
                                        "modified_type",
                                        "sys_variable_flag" };
    struct obp_ans     *ans = obp_req_answer(s);
    struct obp_session *o;
    char                pattern[LIKE_MAX], value[VALUE_MAX];
    bool                all = obp_sqllex_kw(&a->t, "ALL");
    uint32_t            id;
    enum obp_cmd_rc     rc;
    int                 ok;

    if (all)
        obp_cmd_next(a);
    if (!session_arg(s, a, &id, &rc)
        || !obp_adm_like(s, a, pattern, sizeof(pattern), &rc))
        return rc;
    if ((o = obp_adm_own_session(s, id, "SHOW PROXYSESSION VARIABLES",
                                 &rc)) == NULL)
        return rc;
    ok = obp_adm_columns(ans, cols, OBP_NELEMS(cols)) == OBP_OK;
    for (const struct obp_svar *v = o->st.vars; ok && v != NULL; v = v->next)
        ok = var_row(ans, pattern, v->name, sval_text(v, value,
                                                      sizeof(value)),
                     v->user ? "user var" : "changed sys var") == OBP_OK;
    ok = ok && proxy_vars(ans, &o->rt.pv, pattern, all) == OBP_OK;
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}

/* STAT rows of session <o>, those LIKE <pattern>. */
static int
stat_rows(struct obp_ans *ans, const struct obp_session *o,
          const char *pattern)
{
    const struct { const char *name; uint64_t value; } stats[] = {
        { "server_requests", o->trace.requests },
        { "server_responses", o->trace.responses },
        { "server_error_responses", o->trace.errors },
        { "total_transaction_count", o->trace.transactions },
        { "client_request_total_size", o->cl.bytes },
        { "client_response_total_size", o->cl.sent },
    };
    char v[NUM_MAX];
    int  rc = OBP_OK;

    for (size_t i = 0; rc == OBP_OK && i < OBP_NELEMS(stats); i++) {
        const char *row[] = { stats[i].name, v };

        if (!obp_adm_match(pattern, stats[i].name))
            continue;
        snprintf(v, sizeof(v), "%" PRIu64, stats[i].value);
        rc = obp_ans_row(ans, row);
    }
    return rc;
}

/* STAT [id] [LIKE 'x']: counters of the session's commands. */
enum obp_cmd_rc
obp_adm_session_stat(struct obp_session *s, struct obp_iobuf *b,
                     struct obp_cmd_arg *a)
{
    static const char *const cols[] = { "stat_name", "#value" };
    struct obp_ans     *ans = obp_req_answer(s);
    struct obp_session *o;
    char                pattern[LIKE_MAX];
    uint32_t            id;
    enum obp_cmd_rc     rc;

    if (!session_arg(s, a, &id, &rc)
        || !obp_adm_like(s, a, pattern, sizeof(pattern), &rc))
        return rc;
    if ((o = obp_adm_own_session(s, id, "SHOW PROXYSESSION STAT", &rc))
        == NULL)
        return rc;
    return obp_adm_rc(obp_adm_columns(ans, cols, OBP_NELEMS(cols)) == OBP_OK
                      && stat_rows(ans, o, pattern) == OBP_OK
                      ? obp_ans_end(ans) : OBP_ERROR);
}

/* A trace row: attempt <n> of the last command on <addr>. */
static int
trace_row(struct obp_ans *ans, uint64_t n, const char *addr,
          const char *state, const char *resp, int64_t cost_us)
{
    char        ip[OBP_ADDR_STRLEN], num[NUM_MAX], cost[NUM_MAX];
    const char *port;
    const char *row[] = { num, "0", ip, NULL, state, "SERVER_SEND_REQUEST",
                          resp, cost };

    obp_adm_split_addr(addr, ip, sizeof(ip), &port);
    row[3] = port;
    snprintf(num, sizeof(num), "%" PRIu64, n);
    snprintf(cost, sizeof(cost), "%" PRId64, cost_us);
    return obp_ans_row(ans, row);
}

/*
 * The last command's attempts: those a retry left (their server failed
 * them), then the last one (<only>: that attempt alone, 0 all).
 */
static int
trace_rows(struct obp_ans *ans, const struct obp_trace *t, uint64_t only)
{
    uint64_t n = 1;

    if (t->addr[0] == '\0')
        return OBP_OK;
    for (unsigned i = 0; i < t->ntries; i++, n++)
        if ((only == 0 || only == n)
            && trace_row(ans, n, t->tries[i].addr, "CONNECTION_CLOSED",
                         "MIN_RESP_ERR", t->tries[i].cost_us) != OBP_OK)
            return OBP_ERROR;
    if (only != 0 && only != n)
        return OBP_OK;
    /* a response still running: the time so far */
    return trace_row(ans, n, t->addr, t->running ? "CONNECTION_ALIVE"
                     : t->trx_ended ? "TRANSACTION_COMPLETE"
                     : "CMD_COMPLETE", t->failed ? "ERROR_PACKET"
                     : "MIN_RESP_ERR", t->running
                     ? obp_now_us() - t->sent_us : t->cost_us);
}

/* SHOW PROXYTRACE [id [attempt]]: the session's last command. */
enum obp_cmd_rc
obp_adm_show_proxytrace(struct obp_session *s, struct obp_iobuf *b,
                        struct obp_cmd_arg *a)
{
    static const char *const cols[] = { "#attempts", "#pl_attempts", "ip",
                                        "#port", "server_state",
                                        "send_action", "resp_error",
                                        "#cost_time_us" };
    struct obp_ans     *ans = obp_req_answer(s);
    struct obp_session *o;
    uint64_t            attempt = 0;
    bool                attempt_given = false;
    bool                named = a->t.type == OBP_SQLLEX_NUMBER;
    uint32_t            id;
    enum obp_cmd_rc     rc;
    int                 ok;

    if (!session_arg(s, a, &id, &rc))
        return rc;
    if (named && a->t.type == OBP_SQLLEX_NUMBER) {
        if (!obp_adm_number(s, a, UINT32_MAX, &attempt, &rc))
            return rc;
        attempt_given = true;
    }
    if (!obp_cmd_at_end(a))
        return obp_cmd_syntax(s, a);
    if ((o = obp_adm_own_session(s, id, "SHOW PROXYTRACE", &rc)) == NULL)
        return rc;
    ok = obp_adm_columns(ans, cols, OBP_NELEMS(cols)) == OBP_OK;
    if (ok && (!attempt_given || attempt > 0))
        ok = trace_rows(ans, &o->trace, attempt) == OBP_OK;
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}
