/*
 * Admin commands over client sessions (adm.h): every worker's sessions
 * are read from the shared segment's registry (registry.h); a kill sets
 * the target's kill word, which its worker acts on within OBP_REG_POLL.
 */
#include "worker.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ER_NO_SUCH_THREAD    1094
#define ER_NOT_SUPPORTED_YET 1235
#define LIKE_MAX 128
#define NUM_MAX  24

/* A walk over the registry that answers one row per session. */
struct sess_walk {
    struct obp_ans *ans;
    uint32_t        only;       /* one session id, or 0 for all */
    bool            proxysession;
    bool            failed;
    unsigned        rows;
};

static const char *
state_of(const struct obp_shm_sess *e)
{
    return e->in_trans ? "MCS_ACTIVE_READER" : "MCS_KEEP_ALIVE";
}

static int
sess_row(const struct obp_shm_sess *e, void *arg)
{
    struct sess_walk *w = arg;
    char              id[NUM_MAX], trans[NUM_MAX], nsrv[NUM_MAX], pid[NUM_MAX];
    char              tid[NUM_MAX];
    const char       *plist[] = { id, e->tenant, e->user, e->client, e->db,
                                  trans, nsrv, state_of(e), tid, pid };
    const char       *psess[] = { id, id, e->cluster, e->tenant, e->user,
                                  e->client, e->db, trans, nsrv, state_of(e),
                                  tid, pid, e->ssl ? "1" : "0" };

    if (w->only != 0 && e->id != w->only)
        return OBP_OK;
    snprintf(id, sizeof(id), "%" PRIu32, e->id);
    snprintf(trans, sizeof(trans), "%u", (unsigned)e->in_trans);
    snprintf(nsrv, sizeof(nsrv), "%" PRIu32, e->nsrv);
    snprintf(tid, sizeof(tid), "%" PRId32, e->pid);
    snprintf(pid, sizeof(pid), "%ld", (long)getppid());
    w->rows++;
    if (obp_ans_row(w->ans, w->proxysession ? psess : plist) != OBP_OK) {
        w->failed = true;
        return OBP_ERROR;
    }
    return OBP_OK;
}

static enum obp_cmd_rc
list(struct obp_session *s, bool proxysession)
{
    static const char *const plist[] = {
        "#Id", "Tenant", "User", "Host", "db", "#trans_count",
        "#svr_session_count", "state", "#tid", "#pid"
    };
    static const char *const psess[] = {
        "#proxy_sessid", "#Id", "Cluster", "Tenant", "User", "Host", "db",
        "#trans_count", "#svr_session_count", "state", "#tid", "#pid",
        "using_ssl"
    };
    struct sess_walk w = { .ans = obp_req_answer(s),
                           .proxysession = proxysession };

    if (obp_adm_columns(w.ans, proxysession ? psess : plist,
                        proxysession ? OBP_NELEMS(psess)
                                     : OBP_NELEMS(plist)) != OBP_OK)
        return obp_adm_rc(OBP_ERROR);
    obp_reg_each(s->w, sess_row, &w);
    return obp_adm_rc(w.failed ? OBP_ERROR : obp_ans_end(w.ans));
}

/* A session id token; false (a syntax error answered) if not one. */
static bool
id_arg(struct obp_session *s, struct obp_cmd_arg *a, uint32_t *id,
       enum obp_cmd_rc *rc)
{
    uint64_t v;

    if (!obp_adm_number(s, a, UINT32_MAX, &v, rc))
        return false;
    *id = (uint32_t)v;
    return true;
}

/* ATTRIBUTE rows of one session: its registry entry, as ODP names them. */
static enum obp_cmd_rc
attributes(struct obp_session *s, uint32_t id, const char *pattern)
{
    static const char *const cols[] = { "attribute_name", "value",
                                        "info" };
    struct obp_ans     *ans = obp_req_answer(s);
    struct obp_shm_sess e;
    char                sid[NUM_MAX], thread[NUM_MAX], nsrv[NUM_MAX];
    char                login[NUM_MAX];
    const char         *rows[][3] = {
        { "proxy_sessid", sid, "proxy session id" },
        { "cs_id", sid, "client session id" },
        { "cluster", e.cluster, "cluster name" },
        { "tenant", e.tenant, "tenant name" },
        { "user", e.user, "user name" },
        { "host_ip", e.client, "client address" },
        { "db", e.db, "current database" },
        { "server_ip", e.srv_addr, "server of the current server session" },
        { "server_sessid", thread, "its connection id on the server" },
        { "svr_session_count", nsrv, "server sessions held" },
        { "using_ssl", e.ssl ? "1" : "0", "the client is on TLS" },
        { "login_time_us", login, "login time, microseconds since 1970" },
    };
    bool                ok;

    if (obp_reg_find(s->w, id, &e) == NULL)
        return obp_adm_rc(obp_ans_err(ans, ER_NO_SUCH_THREAD, "HY000",
                                      "Unknown thread id: %" PRIu32, id));
    snprintf(sid, sizeof(sid), "%" PRIu32, e.id);
    snprintf(thread, sizeof(thread), "%" PRIu32, e.srv_thread);
    snprintf(nsrv, sizeof(nsrv), "%" PRIu32, e.nsrv);
    snprintf(login, sizeof(login), "%" PRIu64, e.login_us);
    ok = obp_adm_columns(ans, cols, OBP_NELEMS(cols)) == OBP_OK;
    for (size_t i = 0; ok && i < OBP_NELEMS(rows); i++)
        if (obp_adm_match(pattern, rows[i][0]))
            ok = obp_ans_row(ans, rows[i]) == OBP_OK;
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}

/*
 * SHOW PROXYSESSION [ATTRIBUTE [id] [LIKE 'x']]; VARIABLES and STAT
 * (adm_detail.c)
 */
enum obp_cmd_rc
obp_adm_show_proxysession(struct obp_session *s, struct obp_iobuf *b,
                          struct obp_cmd_arg *a)
{
    char            pattern[LIKE_MAX];
    uint32_t        id = s->id;
    enum obp_cmd_rc rc;

    if (obp_cmd_at_end(a))
        return list(s, true);
    if (obp_sqllex_kw(&a->t, "VARIABLES")) {
        obp_cmd_next(a);
        return obp_adm_session_variables(s, b, a);
    }
    if (obp_sqllex_kw(&a->t, "STAT")) {
        obp_cmd_next(a);
        return obp_adm_session_stat(s, b, a);
    }
    if (obp_sqllex_kw(&a->t, "READ_STALE"))
        return obp_adm_rc(obp_ans_err(obp_req_answer(s), ER_NOT_SUPPORTED_YET,
                                      "42000", "obproxy: SHOW PROXYSESSION "
                                      "%.*s is not supported yet",
                                      (int)a->t.n, a->t.s));
    if (!obp_sqllex_kw(&a->t, "ATTRIBUTE"))
        return obp_cmd_syntax(s, a);
    obp_cmd_next(a);
    if (a->t.type == OBP_SQLLEX_NUMBER && !id_arg(s, a, &id, &rc))
        return rc;
    if (!obp_adm_like(s, a, pattern, sizeof(pattern), &rc))
        return rc;
    return attributes(s, id, pattern);
}

enum obp_cmd_rc
obp_adm_show_processlist(struct obp_session *s, struct obp_iobuf *b,
                         struct obp_cmd_arg *a)
{
    if (!obp_cmd_at_end(a))
        return obp_cmd_syntax(s, a);
    return list(s, false);
}

/*
 * Closes client session <id> of any worker, or with <query> kills its
 * statement under way: a word in its entry, which its worker acts on.
 */
static enum obp_cmd_rc
kill_session(struct obp_session *s, uint32_t id, bool query)
{
    struct obp_shm_sess  snap, *e = obp_reg_find(s->w, id, &snap);
    struct obp_ans      *ans = obp_req_answer(s);

    if (e == NULL)
        return obp_adm_rc(obp_ans_err(ans, ER_NO_SUCH_THREAD, "HY000",
                                      "Unknown thread id: %" PRIu32, id));
    obp_log(OBP_LOG_INFO, s->id, 0, "admin %s@proxysys from %s kills the "
            "%s of session %" PRIu32 " ('%s@%s' from %s)", s->name.user,
            s->caddr.text, query ? "statement" : "connection", id, snap.user,
            snap.tenant, snap.client);
    obp_stat_add(s->w->stats, OBP_STAT_kill_ok, 1);
    atomic_store_explicit(query ? &e->kill_query : &e->kill, id,
                          memory_order_relaxed);
    return obp_adm_rc(obp_ans_ok(ans, 0, NULL));
}

/*
 * KILL PROXYSESSION cs_id [ss_id]: the client session, or the one of its
 * server sessions whose server connection id is ss_id.
 */
enum obp_cmd_rc
obp_adm_kill_proxysession(struct obp_session *s, struct obp_iobuf *b,
                          struct obp_cmd_arg *a)
{
    struct obp_shm_sess snap, *e;
    uint32_t            id, ss = 0;
    enum obp_cmd_rc     rc;

    if (!id_arg(s, a, &id, &rc))
        return rc;
    if (a->t.type == OBP_SQLLEX_NUMBER && !id_arg(s, a, &ss, &rc))
        return rc;
    if (!obp_cmd_at_end(a))
        return obp_cmd_syntax(s, a);
    if (ss == 0)
        return kill_session(s, id, false);
    if ((e = obp_reg_find(s->w, id, &snap)) == NULL)
        return obp_adm_rc(obp_ans_err(obp_req_answer(s), ER_NO_SUCH_THREAD,
                                      "HY000", "Unknown thread id: %" PRIu32,
                                      id));
    obp_log(OBP_LOG_INFO, s->id, 0, "admin %s@proxysys from %s closes the "
            "server session %" PRIu32 " of session %" PRIu32, s->name.user,
            s->caddr.text, ss, id);
    atomic_store_explicit(&e->kill_server, ss, memory_order_relaxed);
    return obp_adm_rc(obp_ans_ok(obp_req_answer(s), 0, NULL));
}

/*
 * The admin's KILL [CONNECTION | QUERY] id, of any session, and
 * COM_PROCESS_KILL.
 */
enum obp_cmd_rc
obp_adm_kill(struct obp_session *s, struct obp_iobuf *b,
             struct obp_cmd_arg *a)
{
    struct obp_rd   rd;
    uint32_t        id;
    enum obp_cmd_rc rc;
    bool            query;

    if (a == NULL || a->text == NULL) {     /* COM_PROCESS_KILL */
        obp_rd_init(&rd, b->data + b->parse + OBP_PKT_HDR_LEN + 1,
                    obp_pkt_payload_len(b->data + b->parse) - 1);
        id = obp_rd_u32(&rd);
        if (rd.err || obp_rd_left(&rd) != 0)
            return obp_adm_rc(obp_ans_err(obp_req_answer(s), 1064, "42000",
                                          "obproxy: malformed "
                                          "COM_PROCESS_KILL"));
        return kill_session(s, id, false);
    }
    query = obp_sqllex_kw(&a->t, "QUERY");
    if (query || obp_sqllex_kw(&a->t, "CONNECTION"))
        obp_cmd_next(a);
    if (!id_arg(s, a, &id, &rc))
        return rc;
    if (!obp_cmd_at_end(a))
        return obp_cmd_syntax(s, a);
    return kill_session(s, id, query);
}
