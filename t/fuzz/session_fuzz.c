/*
 * libFuzzer target for what a worker reads from the client and the
 * server of a session in the command phase, on a session of its own
 * making (no sockets to a server, no event loop running):
 *
 *   R  the response framer (worker/response.c) over a server's bytes,
 *      arriving in pieces, for one command after the other, with the
 *      packet framer obp_iobuf_packet (worker/iobuf.h) beside it;
 *   S  prepared statement ids (worker/stmtid.c): client COM_STMT_*
 *      packets and the server's COM_STMT_PREPARE OKs, with moves to a
 *      new server session that never saw the statements, and each
 *      execute's parameters decoded (shared/psparam.h) as routing does;
 *   Q  a COM_QUERY or COM_PROCESS_KILL as request.c hands it on: KILL
 *      (worker/kill.c; no session of this proxy carries the ids it
 *      names, so each is answered 1094, or 1235 for a form it cannot
 *      carry out, or rewritten in place), CONNECTION_ID() written in
 *      place (worker/sqlfix.c), the SET scanner (sqlset.c via
 *      ssync.c's scan into the session's state) and the proxy's own
 *      variables (worker/proxyvar.c); the state reached is exported and
 *      read back (worker/sexport.h);
 *   U  the compressed-protocol reader (worker/xzip.c) over a socket,
 *      unpacking into the input buffer in steps of a chosen room, the
 *      packets framed as they come;
 *   Z  plain bytes packed by xzip.c at a chosen level, sent through a
 *      socket pair and unpacked: they must come back unchanged;
 *   E  a session export as a new generation reads it (sexport.h), then
 *      written and read again;
 *   A  a command of an admin session (root@proxysys or inspector) through
 *      the command table (worker/cmd.c) and its handlers (worker/adm_*.c)
 *      on a segment of two worker slots: the answer built must be whole
 *      packets ending the way its kind says, and numbered and taken as
 *      request.c sends it.
 *
 * The request framer itself (request.c) is not driven: each of its
 * commands opens, routes or closes server sessions, so its parsing is
 * reached through the functions it calls (kill.c, stmtid.c, chuser.c,
 * ssync.c's scan, iobuf.h).  The first byte picks the mode, in this
 * order (enum mode); the bytes that follow are described at each mode's
 * function.  Checked: no read outside the input or a buffer, marks and
 * lengths that stay in their buffers, bounded loops, no stall, the round
 * trips, no leak.  Seeds (t/fuzz/corpus/session) come from
 * t/fuzz/capture-seeds.py.
 */
#include "worker.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "psparam.h"

#define UNKNOWN_PROXY   (-1)    /* a proxy_id no session id carries */
#define SOCKET_MAX      65536   /* input a socket pair takes unread */
#define EXEC_PARAMS     256
#define INIT_DB         "fuzzdb"

enum mode {
    M_RESPONSE, M_STMTS, M_QUERY, M_UNZIP, M_ZIP, M_EXPORT, M_ADMIN, M_COUNT
};

enum stmt_record { R_CLIENT, R_PREPARED, R_MOVE, R_COUNT };

/* The worker the sessions belong to; it lives as long as the process. */
static struct obp_worker worker;
static struct obp_shm    segment;     /* the admin commands read it */

static void
ignore_read(struct obp_conn *c)
{
}

static void
ignore_error(struct obp_conn *c, int err)
{
}

static const struct obp_conn_ops ignore_ops = {
    ignore_read, ignore_error, NULL
};

static struct obp_srv *
srv_new(int bl)
{
    struct obp_srv *srv = calloc(1, sizeof(*srv));

    FUZZ_CHECK(srv != NULL);
    obp_conn_init(&srv->c, &worker, -1, 1, OBP_STAT_bytes_from_server,
                  &ignore_ops, srv);
    srv->w = &worker;
    srv->state = OBP_SRV_READY;
    srv->bl = bl;
    srv->fd = -1;
    return srv;
}

static void
srv_free(struct obp_srv *srv)
{
    if (srv == NULL)
        return;
    obp_conn_close(&srv->c);
    obp_srvstmt_clear(&srv->stmts);
    free(srv);
}

static struct obp_session *
session_new(void)
{
    struct obp_session *s = calloc(1, sizeof(*s));

    FUZZ_CHECK(s != NULL);
    s->w = &worker;
    s->id = 1;
    s->state = OBP_SESS_READY;
    obp_conn_init(&s->cl, &worker, -1, 1, OBP_STAT_bytes_from_client,
                  &ignore_ops, s);
    obp_sstate_init(&s->st, 1);
    obp_proxyvar_init(&s->rt.pv);
    return s;
}

static void
session_free(struct obp_session *s)
{
    FUZZ_CHECK(s->kill == NULL && s->sync == NULL);
    obp_req_free(&s->req);
    obp_conn_close(&s->cl);
    srv_free(s->srv);
    for (int i = 0; i < OBP_SROUTE_IDLE; i++)
        srv_free(s->rt.idle[i]);
    obp_sstate_free(&s->st);
    free(s->attrs);
    free(s->rt.begin);
    free(s);
}

static struct obp_iobuf *
buffer_of(struct obp_conn *c)
{
    if (c->in == NULL)
        c->in = obp_iobuf_get(&worker.pool);
    FUZZ_CHECK(c->in != NULL);
    return c->in;
}

static void
check_marks(const struct obp_iobuf *b)
{
    FUZZ_CHECK(b->done <= b->parse && b->parse <= b->recv
               && b->recv <= OBP_IOBUF_SIZE);
}

/* The proxy's own framer agrees with the bytes at b->parse. */
static void
check_framer(const struct obp_iobuf *b)
{
    const uint8_t *h;
    uint32_t       len;
    int            rc = obp_iobuf_packet(b, &h, &len);

    FUZZ_CHECK(h == b->data + b->parse);
    if (rc == OBP_OK)
        FUZZ_CHECK(b->parse + OBP_PKT_HDR_LEN + len <= b->recv);
    else if (rc == OBP_ERROR)
        FUZZ_CHECK(len > OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN);
    else
        FUZZ_CHECK(rc == OBP_AGAIN);
}

static void
check_response_state(const struct obp_session *s)
{
    const struct obp_resp *r = &s->resp;

    FUZZ_CHECK(r->phase >= OBP_R_NONE && r->phase <= OBP_R_ONE);
    FUZZ_CHECK((r->phase == OBP_R_NONE) == !s->req.busy);
    FUZZ_CHECK(r->remain <= OBP_PKT_HDR_LEN + OBP_PKT_MAX_PAYLOAD);
    FUZZ_CHECK(fuzz_terminated(s->db, sizeof(s->db)));
    FUZZ_CHECK(fuzz_terminated(s->srv->pool_db, sizeof(s->srv->pool_db)));
}

/* A command sent: the framer expects its response. */
static void
begin_command(struct obp_session *s, uint8_t cmd, bool plist)
{
    s->req.cmd = cmd;
    s->req.busy = obp_resp_begin(s, cmd, plist);
    free(s->req.init_db);
    s->req.init_db = cmd == OBP_COM_INIT_DB ? strdup(INIT_DB) : NULL;
}

/*
 * M_RESPONSE: flags (1: DEPRECATE_EOF, 2: SESSION_TRACK, 4: a query that
 * reads a process list, whose own row the framer writes anew), the command,
 * the size of the pieces the server's bytes come in (0: as many as fit),
 * then those bytes.  A command whose response ended is sent again while
 * bytes are left, as a client sending the same command over and over.
 */
static void
fuzz_response(struct fuzz_in *in)
{
    struct obp_session *s = session_new();
    uint8_t             flags = fuzz_u8(in), cmd = fuzz_u8(in);
    size_t              piece = fuzz_u8(in), n, room, turns = 0;
    size_t              limit = 2 * in->n + 2 * OBP_IOBUF_SIZE;
    struct obp_iobuf   *b;
    const uint8_t      *p;
    const char         *why = NULL;

    s->srv = srv_new(0);
    s->srv->caps = OBP_CLIENT_PROTOCOL_41 | OBP_CLIENT_TRANSACTIONS
                   | (flags & 1 ? OBP_CLIENT_DEPRECATE_EOF : 0)
                   | (flags & 2 ? OBP_CLIENT_SESSION_TRACK : 0);
    s->caps = s->srv->caps;
    s->srv->thread_id = 7;          /* "7" in an ID column becomes s->id */
    b = buffer_of(&s->srv->c);
    begin_command(s, cmd, flags & 4);
    for (;;) {
        /* the bound of the whole input, not of what is left of it */
        FUZZ_CHECK(++turns <= limit);
        if (b->recv == OBP_IOBUF_SIZE)
            obp_iobuf_compact(b);   /* as conn.c does before a read */
        /* a full buffer the framer cannot move would stall the session */
        FUZZ_CHECK(b->recv < OBP_IOBUF_SIZE);
        room = OBP_IOBUF_SIZE - b->recv;
        p = fuzz_take(in, piece > 0 && piece < room ? piece : room, &n);
        memcpy(b->data + b->recv, p, n);
        b->recv += n;
        if (!s->req.busy && b->parse < b->recv)
            begin_command(s, cmd, flags & 4);
        check_framer(b);
        if (obp_resp_run(s, &why) != OBP_OK) {
            FUZZ_CHECK(why != NULL);
            break;
        }
        check_marks(b);
        check_response_state(s);
        if (n == 0 && b->parse == b->done)
            break;                  /* nothing came, nothing moved */
        b->done = b->parse;         /* the client took what was relayed */
        if (s->cl.out != NULL)      /* and the rows written anew */
            s->cl.out->done = s->cl.out->recv;
    }
    session_free(s);
}

/* The statement <id> names, the last prepared one for the marker. */
static struct obp_stmt *
stmt_named(const struct obp_session *s, uint32_t id)
{
    return obp_sstate_stmt(&s->st, id == OBP_STMT_LAST_PREPARED
                                   ? s->st.last_id : id);
}

/* An execute's parameters, decoded as sroute.c routes it. */
static void
decode_params(const struct obp_session *s, const struct obp_iobuf *b)
{
    static struct obp_part_value val[EXEC_PARAMS];
    static char                  scratch[OBP_PSPARAM_SCRATCH(EXEC_PARAMS)];
    const uint8_t               *p = b->data + b->parse + OBP_PKT_HDR_LEN;
    uint32_t                     len = obp_pkt_payload_len(p - 4);
    struct obp_stmt             *stmt;
    struct obp_rd                rd;

    if (len < 5 || b->recv - b->parse < OBP_PKT_HDR_LEN + (size_t)len)
        return;
    obp_rd_init(&rd, p + 1, 4);
    stmt = stmt_named(s, obp_rd_u32(&rd));
    if (stmt == NULL || stmt->params > EXEC_PARAMS)
        return;
    if (obp_psparam_decode(p, len, stmt->params, stmt->types, NULL,
                           scratch, sizeof(scratch), val) != OBP_OK)
        return;
    for (unsigned i = 0; i < stmt->params; i++)
        FUZZ_CHECK(val[i].kind == OBP_PV_UNKNOWN || val[i].str == NULL
                   || fuzz_inside(val[i].str, val[i].len, p, len)
                   || fuzz_inside(val[i].str, val[i].len, scratch,
                                  sizeof(scratch)));
}

/* The command's changes are kept, and read back as a server would. */
static void
settle_state(struct obp_session *s, bool ok)
{
    struct obp_svar *v;

    obp_sstate_apply(&s->st, ok);
    while ((v = obp_sstate_dirty(&s->st)) != NULL) {
        if (v->user)
            FUZZ_CHECK(obp_sstate_set_value(&s->st, v, OBP_SVAL_STRING,
                                            (const uint8_t *)"v", 1,
                                            "utf8mb4", "utf8mb4_bin")
                       == OBP_OK || s->st.given_up);
        else
            obp_sstate_drop_var(&s->st, v);
        if (s->st.given_up)
            break;
    }
}

/* The request's packet is done with: relayed, or dropped and answered. */
static void
end_request(struct obp_session *s, struct obp_iobuf *b)
{
    obp_req_free(&s->req);
    memset(&s->req, 0, sizeof(s->req));
    b->done = b->parse = b->recv = 0;
    if (s->cl.out != NULL)
        s->cl.out->done = s->cl.out->parse = s->cl.out->recv = 0;
    obp_sroute_next(s);
}

/* A client COM_STMT_* packet: the header, then what fits the buffer. */
static void
stmt_client(struct obp_session *s, const uint8_t *p, size_t len)
{
    struct obp_iobuf *b = buffer_of(&s->cl);
    size_t            fit = len < OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN
                            ? len : OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN;
    uint8_t           cmd = len > 0 ? p[0] : 0;
    int               rc;

    if (cmd < OBP_COM_STMT_PREPARE || cmd > OBP_COM_STMT_FETCH
        || cmd == OBP_COM_SET_OPTION)
        cmd = OBP_COM_STMT_BULK_EXECUTE;
    if (len == 0)
        return;
    obp_pkt_put_hdr(b->data, (uint32_t)len, 0);
    memcpy(b->data + OBP_PKT_HDR_LEN, p, fit);
    b->data[OBP_PKT_HDR_LEN] = cmd;
    b->recv = OBP_PKT_HDR_LEN + fit;
    s->req.cmd = cmd;
    obp_sstate_pend_drop(&s->st);
    rc = obp_stmtid_request(s, b, (uint32_t)len);
    FUZZ_CHECK(rc == OBP_OK || rc == OBP_AGAIN);
    check_marks(b);
    FUZZ_CHECK(b->parse == 0);
    if (rc == OBP_OK && !s->req.drop && cmd == OBP_COM_STMT_EXECUTE)
        decode_params(s, b);
    settle_state(s, true);
    end_request(s, b);
}

/* The server's COM_STMT_PREPARE OK, in a buffer of its own. */
static void
stmt_prepared(struct obp_session *s, const uint8_t *p, size_t len)
{
    uint8_t            *copy = (uint8_t *)fuzz_strndup(p, len);
    struct obp_rd       rd;
    struct obp_srvstmt *e;
    uint32_t            sid, id;

    obp_rd_init(&rd, copy + 1, len >= 5 ? 4 : 0);
    sid = obp_rd_u32(&rd);
    if (obp_stmtid_prepared(s, copy, len) == OBP_OK) {
        obp_rd_init(&rd, copy + 1, 4);
        id = obp_rd_u32(&rd);       /* now the client's */
        FUZZ_CHECK(obp_sstate_stmt(&s->st, id) != NULL);
        e = obp_srvstmt_get(&s->srv->stmts, id);
        FUZZ_CHECK(e != NULL && e->sid == sid);
    }
    free(copy);
}

/*
 * The session moves to a new server session (the old one idles), which
 * gets the statements of <ids> prepared, as ssync.c does, without their
 * types: those whose id has bit (id % 8) of <ids> set.
 */
static void
stmt_move(struct obp_session *s, uint8_t ids)
{
    struct obp_stmt *stmt;
    uint32_t         pos = 0;

    srv_free(s->rt.idle[0]);
    s->rt.idle[0] = s->srv;
    s->srv = srv_new(s->rt.idle[0]->bl + 1);
    while ((stmt = obp_sstate_stmt_next(&s->st, &pos)) != NULL) {
        if (ids & 1u << (stmt->id % 8))
            FUZZ_CHECK(obp_srvstmt_put(&s->srv->stmts, stmt->id,
                                       stmt->id + 1000) == OBP_OK);
    }
}

/*
 * M_STMTS: records of a kind (enum stmt_record), then for R_CLIENT and
 * R_PREPARED a 2-byte length and that many bytes, for R_MOVE the byte
 * saying which statements the new server session gets.
 */
static void
fuzz_stmts(struct fuzz_in *in)
{
    struct obp_session *s = session_new();
    const uint8_t      *p;
    size_t              len;

    s->srv = srv_new(0);
    s->caps = s->srv->caps = OBP_CLIENT_PROTOCOL_41;
    while (in->n > 0) {
        switch (fuzz_u8(in) % R_COUNT) {
        case R_CLIENT:
            p = fuzz_take(in, fuzz_u16(in), &len);
            stmt_client(s, p, len);
            break;
        case R_PREPARED:
            p = fuzz_take(in, fuzz_u16(in), &len);
            stmt_prepared(s, p, len);
            break;
        default:
            stmt_move(s, fuzz_u8(in));
            break;
        }
    }
    session_free(s);
}

/* A session's export reads back into a fresh session, which writes the
 * same number of bytes. */
static void
export_round_trip(const struct obp_session *s)
{
    static uint8_t      buf[OBP_SEXPORT_MAX], again[OBP_SEXPORT_MAX];
    struct obp_session *back = session_new();
    size_t              n = obp_sexport_write(s, buf, sizeof(buf));

    FUZZ_CHECK(n > 0);
    FUZZ_CHECK(obp_sexport_read(back, buf, n) == OBP_OK);
    FUZZ_CHECK(obp_sexport_write(back, again, sizeof(again)) == n);
    session_free(back);
}

/* What the scanner reports: bounded by the text, names terminated. */
static void
check_sqlset(const char *text, size_t len, unsigned flags)
{
    struct obp_sqlset      it;
    struct obp_sqlset_item item;
    size_t                 items = 0;
    unsigned               stmt = 0;
    int                    rc;

    obp_sqlset_init(&it, text, len, flags);
    while ((rc = obp_sqlset_next(&it, &item)) == OBP_OK) {
        FUZZ_CHECK(++items <= len);
        FUZZ_CHECK(item.stmt >= stmt);
        FUZZ_CHECK(fuzz_terminated(item.name, sizeof(item.name)));
        FUZZ_CHECK(item.kind >= OBP_SQLSET_SYSVAR
                   && item.kind <= OBP_SQLSET_TRANSACTION);
        stmt = item.stmt;
    }
    FUZZ_CHECK(rc == OBP_DONE || rc == OBP_ERROR);
    /* the end stays the end */
    FUZZ_CHECK(obp_sqlset_next(&it, &item) == rc);
}

static void
check_proxyvar(const char *text, size_t len, bool backslash)
{
    struct obp_proxyvars pv, before;
    char                 err[128] = "";

    obp_proxyvar_init(&pv);
    before = pv;
    switch (obp_proxyvar_set(&pv, text, len, backslash, err, sizeof(err))) {
    case OBP_PROXYVAR_NOT_OURS:
        FUZZ_CHECK(memcmp(&pv, &before, sizeof(pv)) == 0);
        break;
    case OBP_PROXYVAR_SET:
        FUZZ_CHECK(pv.weak >= -1 && pv.weak <= 1);
        FUZZ_CHECK(fuzz_terminated(pv.policy, sizeof(pv.policy))
                   && fuzz_terminated(pv.idc, sizeof(pv.idc)));
        break;
    case OBP_PROXYVAR_BAD:
        FUZZ_CHECK(err[0] != '\0');
        break;
    default:
        FUZZ_CHECK(!"an answer of no known kind");
    }
}

/* The proxy's answer to a KILL it took: one ERR (or OK) packet. */
static void
check_kill_answer(const struct obp_session *s)
{
    const struct obp_ans *a = &s->req.ans;
    struct obp_err        e;
    uint32_t              len;

    FUZZ_CHECK(a->kind == OBP_ANS_ERR && a->len > OBP_PKT_HDR_LEN);
    len = obp_pkt_payload_len(a->buf);
    FUZZ_CHECK(a->len == OBP_PKT_HDR_LEN + (size_t)len);
    FUZZ_CHECK(obp_err_parse(&e, a->buf + OBP_PKT_HDR_LEN, len) == OBP_OK
               && (e.code == 1094 || e.code == 1235));
}

/*
 * M_QUERY: flags (1: multi-statements, 2: only the start of a longer
 * text, 4: NO_BACKSLASH_ESCAPES, 8: a COM_PROCESS_KILL), then the text
 * (the connection id for COM_PROCESS_KILL).
 */
static void
fuzz_query(struct fuzz_in *in)
{
    struct obp_session *s = session_new();
    struct obp_iobuf   *b = buffer_of(&s->cl);
    uint8_t             flags = fuzz_u8(in);
    size_t              len = in->n < OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN - 1
                              ? in->n : OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN - 1;
    const char         *text = (const char *)b->data + OBP_PKT_HDR_LEN + 1;
    bool                multi = flags & 1, cut = flags & 2;
    int                 rc;

    s->status = flags & 4 ? OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES : 0;
    s->multi_on = multi;
    obp_pkt_put_hdr(b->data, (uint32_t)len + 1, 0);
    b->data[OBP_PKT_HDR_LEN] = flags & 8 ? OBP_COM_PROCESS_KILL
                                         : OBP_COM_QUERY;
    memcpy(b->data + OBP_PKT_HDR_LEN + 1, in->p, len);
    b->recv = OBP_PKT_HDR_LEN + 1 + len;
    rc = obp_kill_try(s, b);
    check_marks(b);
    if (rc == OBP_CMD_ANSWER) {
        /* taken: its answer built, its bytes left for the framer to drop */
        check_kill_answer(s);
        FUZZ_CHECK(b->parse == 0);
    } else if (!(flags & 8)) {
        FUZZ_CHECK(rc == OBP_CMD_RELAY && b->parse == 0);
        /* as request.c does next: in place, the text keeps its length */
        (void)obp_sqlfix_connid((char *)b->data + OBP_PKT_HDR_LEN + 1, len,
                                !(flags & 4), UINT32_MAX);
        obp_ssync_scan(s, text, len, cut, multi);
        FUZZ_CHECK(s->st.npend <= OBP_SSTATE_MAX_PEND);
        check_sqlset(text, len, (flags & 4 ? 0 : OBP_SQLSET_BACKSLASH)
                                | (multi ? OBP_SQLSET_MULTI : 0)
                                | (cut ? OBP_SQLSET_CUT : 0));
        check_proxyvar(text, len, !(flags & 4));
        settle_state(s, true);
        if (obp_sstate_restorable(&s->st))
            export_round_trip(s);
    }
    end_request(s, b);
    session_free(s);
}

static void
socket_pair(int fd[2])
{
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK
                          | SOCK_CLOEXEC, 0, fd) == 0);
}

/* A conn of the worker's on <fd> that speaks the compressed protocol. */
static void
zip_conn(struct obp_conn *c, int fd)
{
    obp_conn_init(c, &worker, fd, 1, OBP_STAT_bytes_from_client,
                  &ignore_ops, NULL);
    FUZZ_CHECK(obp_xport_zip(c) == OBP_OK);
}

/* Frames the packets unpacked so far, as the session's framers would. */
static void
frame(struct obp_iobuf *b)
{
    const uint8_t *h;
    uint32_t       len;
    int            rc;

    while ((rc = obp_iobuf_packet(b, &h, &len)) == OBP_OK)
        b->parse += OBP_PKT_HDR_LEN + len;
    check_framer(b);
    if (rc == OBP_ERROR)
        b->parse = b->recv;     /* too long for the proxy: passed on */
    b->done = b->parse;
    obp_iobuf_compact(b);
}

/* conn.c reads when the socket is readable or the xport holds more. */
static bool
wants_read(const struct obp_conn *c)
{
    struct pollfd p = { .fd = c->fd, .events = POLLIN };

    return obp_xport_buffered(c->x) || poll(&p, 1, 0) == 1;
}

#define UNZIP_REFUSED (-2)

/*
 * One read of at most <room> bytes (0: the buffer's free tail), framed:
 * the bytes unpacked, 0 at the end of the stream, -1 when it would
 * block, UNZIP_REFUSED for a stream the xport refused.
 */
static ssize_t
unzip_read(struct obp_conn *c, size_t room)
{
    struct obp_iobuf *b = c->in;
    size_t            cap = OBP_IOBUF_SIZE - b->recv;
    ssize_t           r;

    if (room > 0 && cap > room)
        cap = room;
    FUZZ_CHECK(cap > 0);        /* frame() always leaves room */
    r = obp_xport_read(c, b->data + b->recv, cap);
    if (r < 0 && errno == EPROTO)
        return UNZIP_REFUSED;
    FUZZ_CHECK(r <= (ssize_t)cap && (r >= 0 || errno == EAGAIN));
    if (r > 0)
        b->recv += (size_t)r;
    frame(b);
    return r;
}

/*
 * M_UNZIP: the room each read may fill (0: the free tail of the input
 * buffer), then the compressed bytes the peer sent.  They are read as
 * conn.c reads them, while the socket is readable or the xport says it
 * holds more; then the peer closes.  Bytes that come out only then were
 * held back: a peer waiting for its answer would have waited forever.
 */
static void
fuzz_unzip(struct fuzz_in *in)
{
    struct obp_conn c;
    size_t          room = fuzz_u8(in), reads = 0, made = 0;
    ssize_t         r = -1;
    int             fd[2];

    if (in->n > SOCKET_MAX)
        return;
    socket_pair(fd);
    FUZZ_CHECK(write(fd[1], in->p, in->n) == (ssize_t)in->n);
    zip_conn(&c, fd[0]);
    (void)buffer_of(&c);
    while (r != UNZIP_REFUSED && wants_read(&c)) {
        /* each read unpacks bytes or takes compressed ones */
        FUZZ_CHECK(++reads <= made + 2 * in->n + 16);
        r = unzip_read(&c, room);
        FUZZ_CHECK(r != 0);         /* the peer has not closed */
        made += r > 0 ? (size_t)r : 0;
    }
    close(fd[1]);
    while (r != 0 && r != UNZIP_REFUSED) {
        FUZZ_CHECK(++reads <= made + 2 * in->n + 16);
        r = unzip_read(&c, room);
        FUZZ_CHECK(r <= 0);
    }
    obp_conn_close(&c);
}

/*
 * M_ZIP: the compression level (0..9), then the plain bytes, packed as
 * writes of pieces of a chosen size and read back.
 */
static void
fuzz_zip(struct fuzz_in *in)
{
    static uint8_t  back[SOCKET_MAX];
    struct obp_conn wc, rc;
    struct iovec    iov;
    size_t          got = 0, turns = 0;
    ssize_t         n;
    int             fd[2];

    worker.xctx.zlevel = fuzz_u8(in) % 10;
    if (in->n > SOCKET_MAX / 2)
        return;
    socket_pair(fd);
    zip_conn(&wc, fd[0]);
    zip_conn(&rc, fd[1]);
    iov.iov_base = (void *)(uintptr_t)in->p;
    iov.iov_len = in->n;
    while (iov.iov_len > 0 || obp_xport_pending(wc.x) > 0) {
        FUZZ_CHECK(++turns <= in->n + 16);
        n = obp_xport_write(&wc, &iov, iov.iov_len > 0 ? 1 : 0);
        FUZZ_CHECK(n >= 0 && (size_t)n <= iov.iov_len);
        iov.iov_base = (uint8_t *)iov.iov_base + n;
        iov.iov_len -= (size_t)n;
    }
    shutdown(fd[0], SHUT_WR);
    while ((n = obp_xport_read(&rc, back + got, sizeof(back) - got)) != 0) {
        FUZZ_CHECK(n > 0 || (errno == EAGAIN && rc.x->more));
        if (n > 0)
            got += (size_t)n;
        FUZZ_CHECK(++turns <= 2 * in->n + 32);
    }
    FUZZ_CHECK(got == in->n && (got == 0 || memcmp(back, in->p, got) == 0));
    obp_conn_close(&wc);
    obp_conn_close(&rc);
}

/* M_EXPORT: an export, read as the next generation reads it. */
static void
fuzz_export(struct fuzz_in *in)
{
    struct obp_session *s = session_new();

    if (obp_sexport_read(s, in->p, in->n) == OBP_OK) {
        FUZZ_CHECK(fuzz_terminated(s->name.user, sizeof(s->name.user))
                   && fuzz_terminated(s->db, sizeof(s->db)));
        export_round_trip(s);
    }
    session_free(s);
}

/* The answer is whole packets; a result set ends with an EOF or OK. */
static void
check_answer(struct obp_session *s)
{
    struct obp_ans *a = &s->req.ans;
    uint8_t         out[512];
    size_t          off = 0, last = 0, n, total = 0;

    FUZZ_CHECK(a->kind != OBP_ANS_NONE && a->len <= a->limit);
    /* bounded: each turn moves past a packet */
    while (off < a->len) {
        FUZZ_CHECK(a->len - off >= OBP_PKT_HDR_LEN);
        last = off;
        off += OBP_PKT_HDR_LEN + obp_pkt_payload_len(a->buf + off);
        FUZZ_CHECK(off <= a->len);
    }
    FUZZ_CHECK(a->buf[last + OBP_PKT_HDR_LEN] == (a->kind == OBP_ANS_OK
               ? OBP_PKT_OK : a->kind == OBP_ANS_ERR ? OBP_PKT_ERR
               : OBP_PKT_EOF));
    obp_ans_number(a, 1);
    while ((n = obp_ans_take(a, out, sizeof(out))) > 0)
        total += n;
    FUZZ_CHECK(total == a->len && !obp_ans_pending(a));
}

/*
 * M_ADMIN: flags (1: inspector, 2: NO_BACKSLASH_ESCAPES, 4:
 * DEPRECATE_EOF, 8: another command byte, the next one), then the
 * statement.
 */
static void
fuzz_admin(struct fuzz_in *in)
{
    struct obp_session *s = session_new();
    struct obp_iobuf   *b = buffer_of(&s->cl);
    uint8_t             flags = fuzz_u8(in);
    uint8_t             com = flags & 8 ? fuzz_u8(in) : OBP_COM_QUERY;
    size_t              len = in->n < OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN - 1
                              ? in->n : OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN - 1;
    enum obp_cmd_rc     rc;

    /* these hand the session to the login flow or close it */
    if (com == OBP_COM_QUIT || com == OBP_COM_CHANGE_USER)
        com = OBP_COM_QUERY;
    s->admin = flags & 1 ? OBP_ADMIN_INSPECTOR : OBP_ADMIN_ROOT;
    s->status = flags & 2 ? OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES : 0;
    s->caps = OBP_CLIENT_PROTOCOL_41
              | (flags & 4 ? OBP_CLIENT_DEPRECATE_EOF : 0);
    obp_pkt_put_hdr(b->data, (uint32_t)len + 1, 0);
    b->data[OBP_PKT_HDR_LEN] = com;
    memcpy(b->data + OBP_PKT_HDR_LEN + 1, in->p, len);
    b->recv = OBP_PKT_HDR_LEN + 1 + len;
    rc = obp_cmd_dispatch(s, b, (uint32_t)len + 1);
    check_marks(b);
    FUZZ_CHECK(rc == OBP_CMD_ANSWER || rc == OBP_CMD_LATER);
    if (rc == OBP_CMD_LATER)
        obp_adm_cancel(s);      /* a call to a master that is not there */
    else
        check_answer(s);
    end_request(s, b);
    session_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };

    switch (fuzz_u8(&in) % M_COUNT) {
    case M_RESPONSE: fuzz_response(&in); break;
    case M_STMTS: fuzz_stmts(&in); break;
    case M_QUERY: fuzz_query(&in); break;
    case M_UNZIP: fuzz_unzip(&in); break;
    case M_ZIP: fuzz_zip(&in); break;
    case M_ADMIN: fuzz_admin(&in); break;
    default: fuzz_export(&in); break;
    }
    return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    obp_log_set_level(OBP_LOG_ALERT);
    worker.loop = ev_default_loop(0);
    worker.conf = obp_conf_new();
    worker.stats = calloc(1, sizeof(*worker.stats));
    FUZZ_CHECK(worker.conf != NULL && worker.stats != NULL);
    worker.conf->proxy_id = UNKNOWN_PROXY;
    FUZZ_CHECK(obp_shm_create(&segment, 2, 1 << 20) == OBP_OK);
    worker.shm = &segment;
    worker.nslots = 2;
    /* as a worker starts: its rootservice_list, empty here */
    worker.servers = obp_servers_parse("", &segment);
    FUZZ_CHECK(worker.servers != NULL);
    return 0;
}
