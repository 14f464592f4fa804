/*
 * The client -> server framer (request.h).  session_pump.c's pump calls
 * obp_req_run() whenever the client's buffer or the session's state
 * changed; it moves the parse mark over bytes to relay, or drops them,
 * hands each new command to the command table, starts the response
 * framer of a relayed one and sends the answer of a dropped one.
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

bool
obp_req_mid_packet(const struct obp_session *s)
{
    const struct obp_req   *q = &s->req;
    const struct obp_iobuf *b = s->cl.in;
    size_t                  avail = b == NULL ? 0 : b->recv - b->parse;

    /* held, or a full buffer: the client cannot go on, the proxy waits */
    if (s->cl.hold || s->sync != NULL || s->kill != NULL
        || (b != NULL && b->recv == sizeof(b->data)))
        return false;
    if (q->remain > 0 || q->cont)
        return avail == 0;
    if (q->infile)
        return avail > 0 && avail < OBP_PKT_HDR_LEN;
    if (q->busy || avail == 0)
        return false;           /* a pipelined command waits its turn */
    return avail < OBP_PKT_HDR_LEN
           || avail < OBP_PKT_HDR_LEN + obp_pkt_payload_len(b->data
                                                            + b->parse);
}

void
obp_req_free(struct obp_req *q)
{
    obp_ans_reset(&q->ans);
    free(q->init_db);
    q->init_db = NULL;
}

struct obp_ans *
obp_req_answer(struct obp_session *s)
{
    obp_ans_init(&s->req.ans, s->caps, s->ext_caps, s->status,
                 (size_t)s->w->conf->internal_cmd_mem_limited);
    return &s->req.ans;
}

/*
 * Sends what fits of the answer; OBP_OK once all of it is queued,
 * OBP_AGAIN while the rest waits for the client to read.
 */
static int
send_answer(struct obp_session *s)
{
    struct obp_req *q = &s->req;
    struct obp_wr   wr;

    if (!q->answering) {
        q->answering = 1;
        obp_reqlog_answered(s, &q->ans);
        obp_ans_number(&q->ans, (uint8_t)(s->resp.seq + 1));
    }
    /* each turn fills the client's buffer: bounded by the answer */
    while (obp_ans_pending(&q->ans)) {
        if (obp_conn_writer(&s->cl, &wr) != OBP_OK)
            return OBP_ERROR;
        if (wr.cap == 0) {
            q->wait_out = 1;    /* the pump goes on once it drained */
            return OBP_AGAIN;
        }
        wr.len = obp_ans_take(&q->ans, wr.buf, wr.cap);
        if (obp_conn_commit(&s->cl, &wr) != OBP_OK)
            return OBP_ERROR;
    }
    q->answering = 0;
    obp_ans_reset(&q->ans);
    return OBP_OK;
}

int
obp_req_answer_now(struct obp_session *s)
{
    return send_answer(s) == OBP_ERROR ? OBP_ERROR : OBP_OK;
}

/* The answer is the session's last word (q->fatal). */
static int
end_with_answer(struct obp_session *s)
{
    if (send_answer(s) == OBP_ERROR)
        return OBP_ERROR;
    obp_session_end(s);
    return OBP_DONE;
}

/* The command's last client packet went by: answer it if it was ours. */
static int
packets_over(struct obp_session *s)
{
    struct obp_req *q = &s->req;

    if (!q->drop || q->later)
        return OBP_OK;
    q->drop = 0;
    q->busy = 0;
    if (q->fatal)
        return end_with_answer(s);
    if (!obp_ans_pending(&q->ans)) {
        obp_reqlog_dropped(s);
        return OBP_OK;
    }
    return send_answer(s);
}

void
obp_req_answered(struct obp_session *s)
{
    struct obp_req *q = &s->req;

    q->later = 0;
    if (obp_req_packets_over(s) && packets_over(s) == OBP_ERROR) {
        obp_session_close(s, "out of memory");
        return;
    }
    obp_session_pump(s);
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

void
obp_req_drop(struct obp_session *s, int head)
{
    struct obp_req   *q = &s->req;
    struct obp_iobuf *b = s->cl.in;
    uint32_t          len;

    q->drop = 1;
    free(q->init_db);       /* a refused USE changes nothing */
    q->init_db = NULL;
    obp_sroute_next(s);
    if (head) {
        len = obp_pkt_payload_len(b->data + b->parse);
        s->resp.seq = b->data[b->parse + 3];
        q->remain = OBP_PKT_HDR_LEN + len;
        q->cont = len == OBP_PKT_MAX_PAYLOAD;
    }
}

int
obp_req_refuse(struct obp_session *s, int head, uint16_t code,
               const char *sqlstate, const char *msg)
{
    struct obp_ans *a = obp_req_answer(s);

    if (msg != NULL && obp_ans_err(a, code, sqlstate, "%s", msg) != OBP_OK)
        return OBP_ERROR;
    obp_req_drop(s, head);
    return OBP_OK;
}

int
obp_req_answer_ok(struct obp_session *s, uint16_t status)
{
    struct obp_ans *a = obp_req_answer(s);

    a->status = status;
    if (obp_ans_ok(a, 0, NULL) != OBP_OK)
        return OBP_ERROR;
    obp_req_drop(s, 1);
    return OBP_OK;
}

/* The command relayed: its packets pass, its response is framed. */
static void
relay(struct obp_session *s, struct obp_iobuf *b)
{
    struct obp_req *q = &s->req;
    const uint8_t  *h = b->data + b->parse;
    uint32_t        len = obp_pkt_payload_len(h);

    s->resp.seq = h[3];
    q->busy = obp_resp_begin(s, q->cmd, q->plist);
    q->remain = OBP_PKT_HDR_LEN + len;
    q->cont = len == OBP_PKT_MAX_PAYLOAD;
    obp_sroute_next(s);
}

/* What the command table decided (cmd.h), for the framer. */
static int
taken(struct obp_session *s, struct obp_iobuf *b, enum obp_cmd_rc rc)
{
    struct obp_req *q = &s->req;

    switch (rc) {
    case OBP_CMD_RELAY:
        relay(s, b);
        return OBP_OK;
    case OBP_CMD_LATER:
        q->later = 1;
        /* fall through */
    case OBP_CMD_ANSWER:
        if (!q->drop)
            obp_req_drop(s, 1);
        q->busy = 1;
        return OBP_OK;
    case OBP_CMD_WAIT:
        return OBP_AGAIN;
    case OBP_CMD_GONE:
        return OBP_DONE;
    default:
        return OBP_ERROR;
    }
}

static int
new_command(struct obp_session *s, struct obp_iobuf *b)
{
    struct obp_req *q = &s->req;
    const uint8_t  *h = b->data + b->parse;
    size_t          avail = b->recv - b->parse;
    uint32_t        len;

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
    /* an answer of ours goes out before the next response is relayed */
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
    q->time_limit_us = -1;      /* relay.c reads a query's own */
    obp_reqlog_begin(s, b, len);
    s->trx_ended = 0;
    s->resp.seq = h[3];
    return taken(s, b, obp_cmd_dispatch(s, b, len));
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
        if (q->answering) {
            rc = send_answer(s);
            continue;
        }
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
