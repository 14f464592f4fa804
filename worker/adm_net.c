/*
 * SHOW PROXYNET (adm.h): THREAD, one row per worker process from the
 * segment's worker slots and their counters, and CONNECTION, the
 * sockets of the worker that answers: its clients, their server
 * sessions and its pooled ones (the proxy's own service connections,
 * account lookups for one, are not listed).  A worker sees only its own
 * sockets; another worker's thread id gets an error naming it.  A
 * thread id is the worker's slot in the segment: W<n> in the log until
 * a hot upgrade moves the workers to the other half of the slots.
 * ODP's counters that obproxy does not keep (epoll calls, queue sizes,
 * bytes written) show 0.
 */
#include "worker.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define ER_NOT_SUPPORTED_YET 1235
#define NUM_MAX  24
#define NOTE_MAX (2 * OBP_NAME_MAX + 64)

static uint64_t
stat_of(const struct obp_shm_worker *ws, enum obp_stat_id id)
{
    return atomic_load_explicit(&ws->stat[id], memory_order_relaxed);
}

/* THREAD: worker slot <slot>'s row; <sums>, every worker's counters. */
static int
thread_row(struct obp_ans *ans, unsigned slot,
           const struct obp_shm_worker *ws, const uint64_t *sums)
{
    char        v[5][NUM_MAX];
    const char *row[] = { v[0], v[1], v[2], v[3], v[4], "0", "0", "0", "0",
                          "0", "0", "0", "0", "0", "0", NULL, "0", "0", "0",
                          "0", "0", "0", "0" };
    char        bytes[NUM_MAX];

    snprintf(v[0], NUM_MAX, "%u", slot);
    snprintf(v[1], NUM_MAX, "%" PRIu64, stat_of(ws, OBP_STAT_client_active)
             + stat_of(ws, OBP_STAT_server_active));
    snprintf(v[2], NUM_MAX, "%" PRIu64, stat_of(ws, OBP_STAT_client_active));
    snprintf(v[3], NUM_MAX, "%" PRIu64, sums[OBP_STAT_client_active]);
    snprintf(v[4], NUM_MAX, "%" PRIu64, sums[OBP_STAT_client_active]
             + sums[OBP_STAT_server_active]);
    snprintf(bytes, sizeof(bytes), "%" PRIu64,
             stat_of(ws, OBP_STAT_bytes_from_client)
             + stat_of(ws, OBP_STAT_bytes_from_server));
    row[15] = bytes;
    return obp_ans_row(ans, row);
}

static enum obp_cmd_rc
threads(struct obp_session *s)
{
    static const char *const cols[] = {
        "#net_thread_id", "#current_connection_count",
        "#current_client_connection_count",
        "#global_current_client_connection_count",
        "#global_current_connection_count",
        "#global_current_do_accept_count", "#total_epoll_wait",
        "#last_epoll_size", "#total_cop_lock_failure",
        "#total_lru_timeout_count", "#total_lru_timeout_time-sec",
        "#total_set_default_inactive", "#total_calls_read_from_net",
        "#total_calls_read", "#total_calls_read_nodata",
        "#total_read_bytes", "#total_calls_write_to_net",
        "#total_calls_write", "#total_calls_write_nodata",
        "#total_write_bytes", "#protected_queue_al_size",
        "#protected_queue_local_size", "#priority_queue_size"
    };
    struct obp_ans        *ans = obp_req_answer(s);
    struct obp_shm_worker *ws;
    uint64_t               sums[OBP_STAT_COUNT];
    int                    ok;

    obp_shm_stats_sum(s->w->shm, sums);
    ok = obp_adm_columns(ans, cols, OBP_NELEMS(cols)) == OBP_OK;
    for (unsigned i = 0; ok && (ws = obp_shm_worker(s->w->shm, i)) != NULL;
         i++) {
        if (atomic_load_explicit(&ws->pid, memory_order_relaxed) == 0
            || atomic_load_explicit(&ws->state, memory_order_relaxed)
               == OBP_WORKER_EMPTY)
            continue;
        ok = thread_row(ans, i, ws, sums) == OBP_OK;
    }
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}

/* CONNECTION's walk over the worker's sockets, OFFSET and LIMIT. */
struct net_walk {
    struct obp_session *s;          /* the admin's: the answer */
    uint64_t            skip;       /* rows still to leave out */
    uint64_t            left;       /* rows still to show */
    int                 rc;
};

/* A socket's two ends as ip and port texts: ours, then the peer's. */
struct net_ends {
    char local[OBP_ADDR_STRLEN], peer[OBP_ADDR_STRLEN];
    char local_port[8], peer_port[8];
};

static void
ends_of(const struct obp_conn *c, const char *peer, struct net_ends *e)
{
    struct sockaddr_storage sa;
    socklen_t               len = sizeof(sa);
    struct obp_addr         a;
    const char             *port;

    if (getsockname(c->fd, (struct sockaddr *)&sa, &len) == 0)
        obp_addr_from_sa(&a, (struct sockaddr *)&sa, len);
    else
        obp_strlcpy(a.text, "", sizeof(a.text));
    /* the ports are copied: <a> ends with this call */
    obp_adm_split_addr(a.text, e->local, sizeof(e->local), &port);
    obp_strlcpy(e->local_port, port, sizeof(e->local_port));
    obp_adm_split_addr(peer, e->peer, sizeof(e->peer), &port);
    obp_strlcpy(e->peer_port, port, sizeof(e->peer_port));
}

/* One socket as CONNECTION shows it. */
struct net_sock {
    const struct obp_conn *c;
    bool                   client;      /* accepted; else connected */
    const char            *peer;        /* the other end, "ip:port" */
    const char            *note;        /* comments */
    double                 idle;        /* its idle limit, s, 0: none */
    double                 close_in;    /* s until that limit closes it */
};

static void
conn_row(struct net_walk *nw, const struct net_sock *k)
{
    const struct obp_conn *c = k->c;
    struct net_ends        e;
    char                   v[10][NUM_MAX];
    const char            *row[] = {
        v[0], v[1], v[2], k->client ? "accepted" : "connected",
        NULL, NULL, NULL, NULL, "", "0", "0", "any",
        ev_is_active(&c->rd) ? "1" : "0", v[3], v[4],
        ev_is_active(&c->wr) ? "1" : "0", v[5], v[6], v[7], "0", v[8], v[9],
        "0", "0", k->note
    };

    if (nw->rc != OBP_OK || c->fd < 0 || nw->left == 0)
        return;
    if (nw->skip > 0) {
        nw->skip--;
        return;
    }
    nw->left--;
    ends_of(c, k->peer, &e);
    /* src is the side that connected */
    row[4] = k->client ? e.peer : e.local;
    row[5] = k->client ? e.peer_port : e.local_port;
    row[6] = k->client ? e.local : e.peer;
    row[7] = k->client ? e.local_port : e.peer_port;
    snprintf(v[0], NUM_MAX, "%u", nw->s->w->shm_slot);
    snprintf(v[1], NUM_MAX, "%" PRIu64, c->sid);
    snprintf(v[2], NUM_MAX, "%d", c->fd);
    snprintf(v[3], NUM_MAX, "%zu", c->in != NULL ? c->in->recv - c->in->done
                                                  : 0);
    snprintf(v[4], NUM_MAX, "%" PRIu64, c->bytes);
    snprintf(v[5], NUM_MAX, "%zu", obp_conn_pending(c));
    snprintf(v[6], NUM_MAX, "%" PRIu64, c->sent);
    snprintf(v[7], NUM_MAX, "%" PRId64, (obp_now_us() - c->opened_us)
                                        / 1000000);
    snprintf(v[8], NUM_MAX, "%.0f", k->idle);
    snprintf(v[9], NUM_MAX, "%.0f", k->close_in > 0 ? k->close_in : 0);
    nw->rc = obp_ans_row(&nw->s->req.ans, row);
}

/* A server session's row: <what> it is to its client session. */
static void
srv_row(struct net_walk *nw, const struct obp_srv *srv, const char *what)
{
    char            note[NOTE_MAX];
    struct net_sock k = { .c = &srv->c, .peer = srv->addr.text,
                          .note = note };

    snprintf(note, sizeof(note), "%s, server connection id %" PRIu32, what,
             srv->thread_id);
    conn_row(nw, &k);
}

/* A client session's sockets: its own, its current and idle servers. */
static void
session_rows(struct net_walk *nw, const struct obp_session *cs)
{
    char            note[NOTE_MAX];
    struct net_sock k = { .c = &cs->cl, .client = true,
                          .peer = cs->caddr.text, .note = note,
                          .idle = cs->idle_limit };

    if (k.idle > 0)
        k.close_in = cs->active_at + k.idle - ev_now(cs->w->loop);
    snprintf(note, sizeof(note), "client session of %s@%s", cs->name.user,
             cs->name.tenant);
    conn_row(nw, &k);
    if (cs->srv != NULL && cs->srv->state == OBP_SRV_READY)
        srv_row(nw, cs->srv, "its current server session");
    for (int i = 0; i < OBP_SROUTE_IDLE && cs->rt.idle[i] != NULL; i++)
        srv_row(nw, cs->rt.idle[i], "its idle server session");
}

/* The worker's sockets from OFFSET on, LIMIT of them. */
static enum obp_cmd_rc
connections(struct obp_session *s, uint64_t offset, uint64_t limit)
{
    static const char *const cols[] = {
        "#thread_id", "#connect_id", "#socket_fd", "type", "src_ip",
        "#src_port", "dst_ip", "#dst_port", "virtual_ip", "#virtual_port",
        "#virtual_vid", "bind_style", "#read_enabled", "#read_nbytes",
        "#read_ndone", "#write_enabled", "#write_nbyte", "#write_ndone",
        "#alive_time(sec)", "#activity_timeout_in(sec)",
        "#inactivity_timeout_in(sec)", "#timeout_close_in(sec)",
        "#last_error_no", "#shutdown", "comments"
    };
    struct obp_ans     *ans = obp_req_answer(s);
    struct net_walk     nw = { .s = s, .skip = offset, .left = limit };
    struct obp_session *cs;
    struct obp_srv     *srv;

    if (obp_adm_columns(ans, cols, OBP_NELEMS(cols)) != OBP_OK)
        return obp_adm_rc(OBP_ERROR);
    for (cs = s->w->sessions; cs != NULL; cs = cs->next)
        session_rows(&nw, cs);
    for (srv = s->w->spool.head; srv != NULL; srv = srv->pnext)
        srv_row(&nw, srv, "pooled server session");
    return obp_adm_rc(nw.rc == OBP_OK ? obp_ans_end(ans) : OBP_ERROR);
}

/* Another worker's thread id: named, with the way to reach it. */
static enum obp_cmd_rc
other_worker(struct obp_session *s, unsigned id)
{
    struct obp_shm_worker *ws = obp_shm_worker(s->w->shm, id);
    int32_t                pid = ws != NULL ? atomic_load_explicit(
                                     &ws->pid, memory_order_relaxed) : 0;

    if (pid == 0)
        return obp_adm_rc(obp_ans_err(obp_req_answer(s),
                                      ER_NOT_SUPPORTED_YET, "HY000",
                                      "obproxy: no worker %u (SHOW PROXYNET "
                                      "THREAD lists them)", id));
    return obp_adm_rc(obp_ans_err(obp_req_answer(s), ER_NOT_SUPPORTED_YET,
                                  "HY000", "obproxy: the connections of "
                                  "worker %u (pid %ld) are its own; SHOW "
                                  "PROXYNET CONNECTION answers from worker "
                                  "%u, which holds this admin session: "
                                  "connect again to reach worker %u", id,
                                  (long)pid, s->w->shm_slot, id));
}

/* CONNECTION [thread_id [LIMIT n [OFFSET m] | LIMIT m, n]] */
static enum obp_cmd_rc
connection_args(struct obp_session *s, struct obp_cmd_arg *a)
{
    uint64_t        id, offset = 0, limit = UINT64_MAX, n;
    enum obp_cmd_rc rc;

    if (obp_cmd_at_end(a))
        return connections(s, 0, UINT64_MAX);
    if (!obp_adm_number(s, a, UINT32_MAX, &id, &rc))
        return rc;
    if (obp_sqllex_kw(&a->t, "LIMIT")) {
        obp_cmd_next(a);
        if (!obp_adm_number(s, a, UINT64_MAX, &limit, &rc))
            return rc;
        if (a->t.type == OBP_SQLLEX_COMMA) {
            obp_cmd_next(a);
            if (!obp_adm_number(s, a, UINT64_MAX, &n, &rc))
                return rc;
            offset = limit;
            limit = n;
        } else if (obp_sqllex_kw(&a->t, "OFFSET")) {
            obp_cmd_next(a);
            if (!obp_adm_number(s, a, UINT64_MAX, &offset, &rc))
                return rc;
        }
    }
    if (!obp_cmd_at_end(a))
        return obp_cmd_syntax(s, a);
    if (id != s->w->shm_slot)
        return other_worker(s, (unsigned)id);
    return connections(s, offset, limit);
}

/* SHOW PROXYNET THREAD | CONNECTION ... */
enum obp_cmd_rc
obp_adm_show_proxynet(struct obp_session *s, struct obp_iobuf *b,
                      struct obp_cmd_arg *a)
{
    if (obp_sqllex_kw(&a->t, "THREAD")) {
        obp_cmd_next(a);
        return obp_cmd_at_end(a) ? threads(s) : obp_cmd_syntax(s, a);
    }
    if (!obp_sqllex_kw(&a->t, "CONNECTION"))
        return obp_cmd_syntax(s, a);
    obp_cmd_next(a);
    return connection_args(s, a);
}
