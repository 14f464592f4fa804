/*
 * The client -> server framer (request.h).  session.c's pump calls
 * obp_req_run() whenever the client's buffer or the session's state
 * changed; it moves the parse mark over bytes to relay, or drops them,
 * and starts each command's response framer.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#define ER_NET_PACKET_TOO_LARGE 1153

int
obp_req_packets_over(const struct obp_session *s)
{
    return s->req.remain == 0 && !s->req.cont && !s->req.infile;
}

void
obp_req_free(struct obp_req *q)
{
    free(q->err_msg);
    free(q->init_db);
    q->err_msg = NULL;
    q->init_db = NULL;
}

/* The dropped command's ERR is the session's last word. */
static int
end_with_err(struct obp_session *s)
{
    struct obp_req *q = &s->req;
    char           *msg = q->err_msg;
    char            state[sizeof(q->err_state)];

    q->err_msg = NULL;      /* the session is freed, <msg> is ours */
    memcpy(state, q->err_state, sizeof(state));
    obp_session_fail(s, (uint8_t)(s->resp.seq + 1), q->err_code, state,
                     msg);
    free(msg);
    return OBP_DONE;
}

/* An OK of the proxy's own with <status>. */
static int
send_ok(struct obp_session *s, uint8_t seq, uint16_t status)
{
    struct obp_ok ok;
    struct obp_wr wr;

    memset(&ok, 0, sizeof(ok));
    ok.status = status;
    if (obp_conn_writer(&s->cl, &wr) != OBP_OK
        || obp_ok_write(&wr, seq, &ok, s->caps) != OBP_OK)
        return OBP_ERROR;
    return obp_conn_commit(&s->cl, &wr);
}

int
obp_req_answer_ok(struct obp_session *s, uint16_t status)
{
    if (obp_req_refuse(s, 1, 0, "", NULL) != OBP_OK)
        return OBP_ERROR;
    s->req.ok_answer = 1;
    s->req.ok_status = status;
    return OBP_OK;
}

/* The command's last client packet went by: answer it if it was ours. */
static int
packets_over(struct obp_session *s)
{
    struct obp_req *q = &s->req;
    int             rc = OBP_OK;

    if (!q->drop)
        return OBP_OK;
    q->drop = 0;
    q->busy = 0;
    if (q->fatal && q->err_msg != NULL)
        return end_with_err(s);
    if (q->ok_answer) {
        q->ok_answer = 0;
        return send_ok(s, (uint8_t)(s->resp.seq + 1), q->ok_status);
    }
    if (q->err_msg != NULL)
        rc = obp_session_send_err(s, (uint8_t)(s->resp.seq + 1),
                                  q->err_code, q->err_state, q->err_msg);
    free(q->err_msg);
    q->err_msg = NULL;
    return rc;
}

/* Passes (or drops) what is buffered of the current packet. */
static int
take(struct obp_session *s, struct obp_iobuf *b)
{
    struct obp_req *q = &s->req;
    size_t          n = b->recv - b->parse;

    if (n > q->remain)
        n = q->remain;
    if (q->drop)
        obp_conn_skip(&s->cl, n);
    else
        b->parse += n;
    q->remain -= (uint32_t)n;
    if (obp_req_packets_over(s))
        return packets_over(s);
    return OBP_OK;
}

static bool
too_big(const struct obp_session *s, uint64_t total)
{
    return s->w->max_packet > 0 && total >= s->w->max_packet;
}

/*
 * The packet at the head of the buffer makes a client packet of <total>
 * bytes, which the server would refuse: the proxy refuses it as the
 * server does, but drops the rest before the ERR so the client, which
 * writes it whole before reading, gets the error and not a reset.  A
 * server session that got none of it (<clean>) is pooled as after a
 * quit; one holding half a command is cut.
 */
static int
refuse_big(struct obp_session *s, uint64_t total, bool clean)
{
    obp_log(OBP_LOG_WARN, s->id, 0, "client %s sent a packet of %llu bytes "
            "or more, max_allowed_packet is %u: refused, closing",
            s->caddr.text, (unsigned long long)total, s->w->max_packet);
    if (!clean || obp_pool_offer(s) != OBP_OK)
        obp_session_drop_server(s);
    s->req.fatal = 1;
    return obp_req_refuse(s, 1, ER_NET_PACKET_TOO_LARGE, "08S01",
                          "Got a packet bigger than 'max_allowed_packet' "
                          "bytes");
}

/* The header of a continuation or of a LOCAL INFILE data packet. */
static int
next_part(struct obp_session *s, struct obp_iobuf *b)
{
    struct obp_req *q = &s->req;
    const uint8_t  *h = b->data + b->parse;
    uint32_t        len;
    uint64_t        total;

    if (b->recv - b->parse < OBP_PKT_HDR_LEN)
        return OBP_AGAIN;
    len = obp_pkt_payload_len(h);
    total = q->cont ? q->total + len : len;
    if (!q->fatal && too_big(s, total))
        return refuse_big(s, total, false);
    q->total = total;
    s->resp.seq = h[3];
    /* an empty packet ends the file, unless it continues a full one */
    if (!q->cont && q->infile && len == 0)
        q->infile = 0;
    q->cont = len == OBP_PKT_MAX_PAYLOAD;
    q->remain = OBP_PKT_HDR_LEN + len;
    return OBP_OK;
}

int
obp_req_refuse(struct obp_session *s, int head, uint16_t code,
               const char *sqlstate, const char *msg)
{
    struct obp_req *q = &s->req;
    struct obp_iobuf *b = s->cl.in;
    uint32_t        len;

    free(q->err_msg);
    q->err_msg = NULL;
    if (msg != NULL && (q->err_msg = strdup(msg)) == NULL)
        return OBP_ERROR;
    q->err_code = code;
    obp_strlcpy(q->err_state, sqlstate, sizeof(q->err_state));
    q->drop = 1;
    q->ok_answer = 0;
    free(q->init_db);       /* a refused USE changes nothing */
    q->init_db = NULL;
    obp_sroute_next(s);
    if (head) {
        len = obp_pkt_payload_len(b->data + b->parse);
        s->resp.seq = b->data[b->parse + 3];
        q->remain = OBP_PKT_HDR_LEN + len;
        q->cont = len == OBP_PKT_MAX_PAYLOAD;
    }
    return OBP_OK;
}

/* COM_INIT_DB: its schema becomes current when the server says OK. */
static void
note_init_db(struct obp_session *s, const uint8_t *h, uint32_t len,
             size_t avail)
{
    free(s->req.init_db);
    s->req.init_db = NULL;
    if (avail >= OBP_PKT_HDR_LEN + len && len - 1 < OBP_NAME_MAX)
        s->req.init_db = strndup((const char *)h + OBP_PKT_HDR_LEN + 1,
                                 len - 1);
}

/*
 * COM_QUERY: its text is scanned for the session state it changes, once
 * it is whole or fills the buffer (then only its start is scanned).
 */
static int
query_text(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    size_t avail = b->recv - b->parse;
    size_t whole = OBP_PKT_HDR_LEN + (size_t)len;
    bool   cut = avail < whole;

    if (cut && b->recv - b->done < OBP_IOBUF_SIZE)
        return OBP_AGAIN;
    obp_ssync_scan(s, (const char *)b->data + b->parse + OBP_PKT_HDR_LEN + 1,
                   (cut ? avail : whole) - OBP_PKT_HDR_LEN - 1, cut,
                   (s->caps & OBP_CLIENT_MULTI_STATEMENTS) || s->multi_on);
    return OBP_OK;
}

/*
 * CONNECTION_ID() is the client's connection id, the proxy's: written
 * into the text (as much of it as the buffer holds) before the server
 * reads it.  A query that reads a process list keeps the server's own
 * id there, so that WHERE ID = CONNECTION_ID() finds the session's row,
 * whose ID the response then maps to the client's (plist.h).
 */
static void
own_connection_id(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    size_t avail = b->recv - b->parse;
    size_t whole = OBP_PKT_HDR_LEN + (size_t)len;
    char  *text = (char *)b->data + b->parse + OBP_PKT_HDR_LEN + 1;
    size_t n = (avail < whole ? avail : whole) - OBP_PKT_HDR_LEN - 1;
    bool   bs = !(s->status & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES);

    s->req.plist = s->req.cmd == OBP_COM_QUERY
                   && obp_sqlfix_has_word(text, n, "PROCESSLIST");
    (void)obp_sqlfix_connid(text, n, bs, s->req.plist ? s->srv->thread_id
                                                      : s->id);
}

/* What the proxy keeps of a command before it is relayed. */
static int
inspect(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    const uint8_t *h = b->data + b->parse;

    obp_sstate_pend_drop(&s->st);   /* a dropped command's changes */
    s->req.plist = 0;
    if (s->req.drop)
        return OBP_OK;
    if (s->req.cmd == OBP_COM_QUERY || s->req.cmd == OBP_COM_STMT_PREPARE)
        own_connection_id(s, b, len);
    switch (s->req.cmd) {
    case OBP_COM_QUERY:
        return query_text(s, b, len);
    case OBP_COM_SET_OPTION:
        /* MYSQL_OPTION_MULTI_STATEMENTS_ON: assumed to stay on */
        if (len >= 3 && b->recv - b->parse >= OBP_PKT_HDR_LEN + 3
            && h[OBP_PKT_HDR_LEN + 1] == 0 && h[OBP_PKT_HDR_LEN + 2] == 0)
            s->multi_on = 1;
        return OBP_OK;
    case OBP_COM_STMT_PREPARE: case OBP_COM_STMT_EXECUTE:
    case OBP_COM_STMT_BULK_EXECUTE: case OBP_COM_STMT_SEND_LONG_DATA:
    case OBP_COM_STMT_CLOSE: case OBP_COM_STMT_RESET:
    case OBP_COM_STMT_FETCH:
        return obp_stmtid_request(s, b, len);
    default:
        return OBP_OK;
    }
}

/* Needs the server session; OBP_AGAIN while it is being opened. */
static int
server_ready(struct obp_session *s)
{
    if (s->srv != NULL)
        return s->srv->state == OBP_SRV_READY ? OBP_OK : OBP_AGAIN;
    if (obp_session_open_server(s) != OBP_OK)
        return obp_req_refuse(s, 1, OBP_ER_CONNECT_TO_SERVER, "HY000",
                              "obproxy: out of memory") == OBP_OK
               ? OBP_OK : OBP_ERROR;
    return OBP_AGAIN;
}

static int
new_command(struct obp_session *s, struct obp_iobuf *b)
{
    struct obp_req *q = &s->req;
    const uint8_t  *h = b->data + b->parse;
    size_t          avail = b->recv - b->parse;
    uint32_t        len;
    int             rc;

    if (avail < OBP_PKT_HDR_LEN)
        return OBP_AGAIN;
    len = obp_pkt_payload_len(h);
    if (len == 0) {
        obp_log(OBP_LOG_WARN, s->id, 0, "client %s sent an empty command "
                "packet", s->caddr.text);
        obp_session_close(s, "malformed packet from the client");
        return OBP_DONE;
    }
    if (avail < OBP_PKT_HDR_LEN + 1 || s->sync != NULL)
        return OBP_AGAIN;       /* the proxy's own commands go first */
    /* an ERR of ours goes out before the next response is relayed */
    if (s->cl.out != NULL && s->cl.out->recv > s->cl.out->done) {
        q->wait_out = 1;
        return OBP_AGAIN;
    }
    if (too_big(s, len)) {
        /* the last response goes out whole before the session ends */
        if (obp_conn_pending(&s->cl) > 0) {
            q->wait_out = 1;
            return OBP_AGAIN;
        }
        return refuse_big(s, len, true);
    }
    q->total = len;
    q->cmd = h[OBP_PKT_HDR_LEN];
    s->trx_ended = 0;
    if (q->cmd == OBP_COM_CHANGE_USER)
        return obp_chuser_start(s, b);
    if (q->cmd == OBP_COM_QUERY || q->cmd == OBP_COM_PROCESS_KILL
        || q->cmd == OBP_COM_STMT_EXECUTE) {
        rc = obp_kill_try(s, b);
        if (rc != OBP_KILL_PASS)
            return rc;
    }
    if (q->cmd == OBP_COM_QUIT) {
        /* never relayed: the server session may outlive the client */
        (void)obp_pool_offer(s);
        obp_session_close(s, "client quit");
        return OBP_DONE;
    }
    rc = obp_sroute_command(s, b, len);
    if (rc == OBP_OK && !q->drop)
        rc = server_ready(s);
    if (rc == OBP_OK)
        rc = inspect(s, b, len);
    if (rc != OBP_OK)
        return rc;
    h = b->data + b->parse;     /* inspect() may have moved or grown it */
    len = obp_pkt_payload_len(h);
    avail = b->recv - b->parse;
    if (q->cmd == OBP_COM_INIT_DB)
        note_init_db(s, h, len, avail);
    s->resp.seq = h[3];
    q->busy = obp_resp_begin(s, q->cmd, q->plist);
    q->remain = OBP_PKT_HDR_LEN + len;
    q->cont = len == OBP_PKT_MAX_PAYLOAD;
    obp_sroute_next(s);
    return OBP_OK;
}

int
obp_req_run(struct obp_session *s)
{
    struct obp_req   *q = &s->req;
    struct obp_iobuf *b;
    int               rc = OBP_OK;

    /* each turn consumes a header or some bytes: bounded by the buffer */
    while (rc == OBP_OK && s->kill == NULL) {
        b = s->cl.in;
        if (b == NULL || b->parse == b->recv)
            return OBP_OK;
        if (q->remain > 0)
            rc = take(s, b);
        else if (q->cont || q->infile)
            rc = next_part(s, b);
        else if (q->busy)
            return OBP_OK;      /* a pipelined command waits its turn */
        else
            rc = new_command(s, b);
    }
    if (rc == OBP_ERROR) {
        obp_log(OBP_LOG_ERROR, s->id, ENOMEM, "client %s", s->caddr.text);
        obp_session_close(s, "out of memory");
        return OBP_DONE;
    }
    return rc == OBP_DONE ? OBP_DONE : OBP_OK;
}
