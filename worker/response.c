/*
 * The server -> client framer (response.h).  session_pump.c's pump
 * calls obp_resp_run() after each read from the server; packets are
 * relayed without copies by moving the server buffer's parse mark, and
 * only the packets that end or shape a response are parsed, once they
 * are whole.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#define EOF_MAX_LEN 9       /* a classic EOF is shorter */

enum kind {
    K_DATA,         /* a row or a definition: relayed in pieces */
    K_OK, K_ERR, K_EOF, K_INFILE, K_COLCOUNT, K_PREPOK, K_ONE, K_BAD
};

/* The phase a response to <cmd> starts in; OBP_R_NONE: none follows. */
static int
first_phase(uint8_t cmd)
{
    switch (cmd) {
    case OBP_COM_QUERY: case OBP_COM_PROCESS_INFO:
    case OBP_COM_STMT_EXECUTE:
        return OBP_R_FIRST;
    case OBP_COM_STMT_PREPARE:
        return OBP_R_PREPARE;
    case OBP_COM_STMT_FETCH:
        return OBP_R_ROWS;
    case OBP_COM_FIELD_LIST:
        return OBP_R_FIELDS;
    case OBP_COM_STMT_CLOSE: case OBP_COM_STMT_SEND_LONG_DATA:
    case OBP_COM_QUIT:
        return OBP_R_NONE;
    default:
        return OBP_R_ONE;       /* OK/ERR, EOF, or COM_STATISTICS' text */
    }
}

bool
obp_resp_begin(struct obp_session *s, uint8_t cmd, bool plist)
{
    struct obp_resp *r = &s->resp;
    uint8_t          seq = r->seq;  /* the command's, set by request.c */

    memset(r, 0, sizeof(*r));
    r->seq = seq;
    r->query = cmd == OBP_COM_QUERY;
    r->plist = plist && r->query;
    r->execute = cmd == OBP_COM_STMT_EXECUTE;
    r->phase = first_phase(cmd);
    s->cl.resp_open = r->phase != OBP_R_NONE;
    obp_reqlog_sent(s, r->phase != OBP_R_NONE);
    if (r->phase == OBP_R_NONE)
        return false;
    if (s->srv != NULL)
        obp_trace_sent(&s->trace, &s->srv->addr,
                       (s->status & OBP_SERVER_STATUS_IN_TRANS) != 0,
                       s->retry.tries > 0);
    return true;
}

static bool
deprecate_eof(const struct obp_session *s)
{
    return (s->srv->caps & OBP_CLIENT_DEPRECATE_EOF) != 0;
}

static enum kind
classify(const struct obp_resp *r, uint8_t first, uint32_t len)
{
    bool end = len > 0 && first == OBP_PKT_EOF && len < OBP_PKT_MAX_PAYLOAD;

    switch (r->phase) {
    case OBP_R_FIRST:
        if (len == 0)
            return K_BAD;
        if (first == OBP_PKT_OK || first == OBP_PKT_ERR)
            return first == OBP_PKT_OK ? K_OK : K_ERR;
        /* MariaDB also runs a prepared LOAD DATA LOCAL this way */
        if (first == OBP_PKT_LOCAL_INFILE && (r->query || r->execute))
            return K_INFILE;
        return end ? K_EOF : K_COLCOUNT;
    case OBP_R_COLDEFS: case OBP_R_PREP_PARAMS: case OBP_R_PREP_COLS:
        return K_DATA;
    case OBP_R_COLDEFS_EOF: case OBP_R_PREP_PARAMS_EOF:
    case OBP_R_PREP_COLS_EOF:
        if (len > 0 && first == OBP_PKT_ERR)
            return K_ERR;
        return end ? K_EOF : K_BAD;
    case OBP_R_ROWS: case OBP_R_FIELDS:
        if (len > 0 && first == OBP_PKT_ERR)
            return K_ERR;
        return end ? K_EOF : K_DATA;
    case OBP_R_PREPARE:
        if (len > 0 && first == OBP_PKT_ERR)
            return K_ERR;
        return len > 0 && first == OBP_PKT_OK ? K_PREPOK : K_BAD;
    default:
        return K_ONE;
    }
}

/* The response is over: the next command may go. */
static void
finish(struct obp_session *s)
{
    obp_trace_ended(&s->trace, s->resp.failed,
                    (s->status & OBP_SERVER_STATUS_IN_TRANS) != 0);
    obp_reqlog_end(s);
    obp_reroute_end(s);
    obp_sessinfo_answered(s);
    s->resp.phase = OBP_R_NONE;
    s->cl.resp_open = 0;
    s->req.busy = 0;
    free(s->req.init_db);
    s->req.init_db = NULL;
}

static void
set_db(struct obp_session *s, const void *db, size_t len)
{
    if (len >= sizeof(s->db))
        len = sizeof(s->db) - 1;
    memcpy(s->db, db, len);
    s->db[len] = '\0';
    obp_strlcpy(s->srv->pool_db, s->db, sizeof(s->srv->pool_db));
}

/*
 * Status, the current schema and the GTID of the session's write (when
 * the server tracks it) from an OK packet.
 */
static int
take_ok(struct obp_session *s, const uint8_t *p, size_t len)
{
    struct obp_ok         ok;
    struct obp_rd         rd;
    struct obp_track_item it;
    const uint8_t        *db, *val;
    size_t                dblen, vlen;

    if (obp_ok_parse(&ok, p, len, s->srv->caps) != OBP_OK)
        return OBP_ERROR;
    /* the server session's own: attaching it again keeps the status */
    s->status = s->srv->status = ok.status;
    if (s->req.init_db != NULL)
        set_db(s, s->req.init_db, strlen(s->req.init_db));
    if (ok.track == NULL)
        return OBP_OK;
    obp_rd_init(&rd, ok.track, ok.track_len);
    while (obp_track_next(&rd, &it) == OBP_OK) {
        if (obp_track_schema(&it, &db, &dblen) == OBP_OK)
            set_db(s, db, dblen);
        else if (obp_track_gtids(&it, &val, &vlen) == OBP_OK)
            obp_sroute_own_gtid(s, OBP_GTID_MYSQL, val, vlen);
        else if (obp_track_sysvar(&it, &db, &dblen, &val, &vlen) == OBP_OK
                 && dblen == 9 && memcmp(db, "last_gtid", 9) == 0)
            obp_sroute_own_gtid(s, OBP_GTID_MARIADB, val, vlen);
        else if (obp_track_sysvar(&it, &db, &dblen, &val, &vlen) == OBP_OK)
            obp_reroute_track(s, db, dblen, val, vlen);
    }
    return OBP_OK;
}

/* An EOF, or with DEPRECATE_EOF the OK (0xfe) ending a result. */
static int
take_eof(struct obp_session *s, const uint8_t *p, size_t len)
{
    uint16_t status;

    if (deprecate_eof(s) && s->resp.phase != OBP_R_COLDEFS_EOF
        && s->resp.phase != OBP_R_PREP_PARAMS_EOF
        && s->resp.phase != OBP_R_PREP_COLS_EOF)
        return take_ok(s, p, len);
    if (obp_eof_parse(p, len, NULL, &status) != OBP_OK)
        return OBP_ERROR;
    s->status = s->srv->status = status;
    return OBP_OK;
}

/* A result ended; another follows while MORE_RESULTS_EXISTS is set. */
static void
end_result(struct obp_session *s)
{
    if ((s->status & OBP_SERVER_MORE_RESULTS_EXISTS)
        && (s->resp.phase == OBP_R_FIRST || s->resp.phase == OBP_R_ROWS)
        && s->req.cmd != OBP_COM_STMT_FETCH)
        s->resp.phase = OBP_R_FIRST;
    else
        finish(s);
}

static void
after_eof(struct obp_session *s)
{
    struct obp_resp *r = &s->resp;

    switch (r->phase) {
    case OBP_R_COLDEFS_EOF:
        /* a cursor was opened: rows come with COM_STMT_FETCH */
        if (r->execute && (s->status & OBP_SERVER_STATUS_CURSOR_EXISTS))
            finish(s);
        else
            r->phase = OBP_R_ROWS;
        break;
    case OBP_R_PREP_PARAMS_EOF:
        r->phase = r->cols > 0 ? OBP_R_PREP_COLS : OBP_R_NONE;
        r->left = r->cols;
        if (r->cols == 0)
            finish(s);
        break;
    case OBP_R_FIRST: case OBP_R_ROWS:
        end_result(s);
        break;
    default:
        finish(s);
        break;
    }
}

static int
prepare_ok(struct obp_session *s, uint8_t *p, size_t len)
{
    struct obp_resp *r = &s->resp;
    struct obp_rd    rd;
    uint16_t         params;

    if (obp_stmtid_prepared(s, p, len) != OBP_OK)
        return OBP_ERROR;
    obp_rd_init(&rd, p, len);
    obp_rd_u8(&rd);
    obp_rd_u32(&rd);            /* the client's id now */
    r->cols = obp_rd_u16(&rd);
    params = obp_rd_u16(&rd);
    if (rd.err)
        return OBP_ERROR;
    r->left = params > 0 ? params : r->cols;
    r->phase = params > 0 ? OBP_R_PREP_PARAMS
               : r->cols > 0 ? OBP_R_PREP_COLS : OBP_R_NONE;
    if (r->phase == OBP_R_NONE)
        finish(s);
    return OBP_OK;
}

static int
column_count(struct obp_session *s, const uint8_t *p, size_t len)
{
    struct obp_rd rd;
    uint64_t      n;

    obp_rd_init(&rd, p, len);
    n = obp_rd_lenenc(&rd, NULL);
    if (rd.err || obp_rd_left(&rd) != 0 || n == 0)
        return OBP_ERROR;
    s->resp.left = n;
    s->resp.ncols = n;
    s->resp.plist_ids = 0;
    s->resp.phase = OBP_R_COLDEFS;
    return OBP_OK;
}

/* A packet parsed whole; it is then relayed as it is. */
static int
whole(struct obp_session *s, enum kind k, uint8_t *p, size_t len)
{
    switch (k) {
    case K_OK:
        if (take_ok(s, p, len) != OBP_OK)
            return OBP_ERROR;
        end_result(s);
        return OBP_OK;
    case K_EOF:
        if (take_eof(s, p, len) != OBP_OK)
            return OBP_ERROR;
        after_eof(s);
        return OBP_OK;
    case K_ERR:
        s->resp.failed = 1;
        obp_reqlog_err(s, p, len);
        obp_mwait_failed(s, s->rlog.err_code);
        finish(s);
        return OBP_OK;
    case K_INFILE:
        s->req.infile = 1;      /* the client sends the file now */
        return OBP_OK;
    case K_COLCOUNT:
        return column_count(s, p, len);
    case K_PREPOK:
        return prepare_ok(s, p, len);
    case K_ONE:
        if (len > 0 && p[0] == OBP_PKT_OK && take_ok(s, p, len) != OBP_OK)
            return OBP_ERROR;
        if (len > 0 && len < EOF_MAX_LEN && p[0] == OBP_PKT_EOF)
            obp_eof_parse(p, len, NULL, &s->status);
        s->resp.failed = len > 0 && p[0] == OBP_PKT_ERR;
        if (s->resp.failed)
            obp_reqlog_err(s, p, len);
        finish(s);
        return OBP_OK;
    default:
        return OBP_ERROR;
    }
}

/* A definition went by: the phase moves on after the last one. */
static void
data_seen(struct obp_session *s)
{
    struct obp_resp *r = &s->resp;
    bool             dep = deprecate_eof(s);

    if (r->phase != OBP_R_COLDEFS && r->phase != OBP_R_PREP_PARAMS
        && r->phase != OBP_R_PREP_COLS)
        return;
    if (--r->left > 0)
        return;
    if (r->phase == OBP_R_COLDEFS) {
        r->phase = dep ? OBP_R_ROWS : OBP_R_COLDEFS_EOF;
    } else if (r->phase == OBP_R_PREP_COLS) {
        r->phase = OBP_R_PREP_COLS_EOF;
        if (dep)
            finish(s);
    } else if (!dep) {
        r->phase = OBP_R_PREP_PARAMS_EOF;
    } else {
        r->phase = OBP_R_PREP_PARAMS_EOF;
        after_eof(s);           /* no EOF to wait for */
    }
}

/* One packet at parse: OBP_OK decided, OBP_AGAIN incomplete. */
static int
packet(struct obp_session *s, struct obp_iobuf *b, const char **why)
{
    struct obp_resp *r = &s->resp;
    uint8_t         *h = b->data + b->parse;
    size_t           avail = b->recv - b->parse;
    uint32_t         len = obp_pkt_payload_len(h);
    enum kind        k;

    if (len > 0 && avail < OBP_PKT_HDR_LEN + 1)
        return OBP_AGAIN;
    k = classify(r, len > 0 ? h[OBP_PKT_HDR_LEN] : 0, len);
    r->seq = h[3];
    if (k == K_DATA && r->plist && r->ncols <= OBP_PLIST_MAX_COLS) {
        switch (obp_plist_packet(s, b, len)) {
        case OBP_AGAIN:
            return OBP_AGAIN;
        case OBP_DONE:
            return OBP_OK;      /* written anew: it is in the client's out */
        }
    }
    if (k == K_DATA) {
        r->remain = OBP_PKT_HDR_LEN + len;
        r->cont = len == OBP_PKT_MAX_PAYLOAD;
        data_seen(s);
        return OBP_OK;
    }
    if (len > OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN) {
        *why = "oversized status packet";
        return OBP_ERROR;
    }
    if (avail < OBP_PKT_HDR_LEN + len)
        return OBP_AGAIN;
    if (k == K_ERR && r->phase == OBP_R_FIRST
        && obp_reroute_take(s, b, len) == OBP_DONE) {
        finish(s);              /* the client hears nothing of it */
        return OBP_OK;
    }
    if (whole(s, k, h + OBP_PKT_HDR_LEN, len) != OBP_OK) {
        *why = "malformed packet";
        return OBP_ERROR;
    }
    b->parse += OBP_PKT_HDR_LEN + len;
    return OBP_OK;
}

int
obp_resp_run(struct obp_session *s, const char **why)
{
    struct obp_resp  *r = &s->resp;
    struct obp_iobuf *b;
    size_t            n;
    int               rc;

    /* each turn passes a header or some bytes: bounded by the buffer */
    for (;;) {
        /* relayed bytes would overtake a row the proxy wrote itself */
        if (r->wait_out && s->cl.out != NULL
            && s->cl.out->recv > s->cl.out->done)
            return OBP_OK;
        r->wait_out = 0;
        b = s->srv->c.in;
        if (b == NULL || b->parse == b->recv)
            return OBP_OK;
        obp_reqlog_first(s);
        n = b->recv - b->parse;
        if (r->remain > 0) {
            n = n < r->remain ? n : r->remain;
            b->parse += n;
            r->remain -= (uint32_t)n;
            continue;
        }
        if (n < OBP_PKT_HDR_LEN)
            return OBP_OK;
        if (r->cont) {
            r->seq = b->data[b->parse + 3];
            n = obp_pkt_payload_len(b->data + b->parse);
            r->cont = n == OBP_PKT_MAX_PAYLOAD;
            r->remain = OBP_PKT_HDR_LEN + (uint32_t)n;
            continue;
        }
        if (r->phase == OBP_R_NONE) {
            *why = "unexpected packet";
            return OBP_ERROR;
        }
        rc = packet(s, b, why);
        if (rc != OBP_OK)
            return rc == OBP_AGAIN ? OBP_OK : OBP_ERROR;
    }
}
