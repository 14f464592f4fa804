/*
 * Prepared statement ids (stmtid.h).  COM_STMT_EXECUTE's payload:
 * command, id (4), flags (1), iteration count (4), then with parameters
 * a NULL bitmap ((n + 7) / 8), the new-params-bound flag (1) and, when
 * it is 1, two type bytes per parameter, then the values.
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>

#define ER_UNKNOWN_STMT_HANDLER   1243
#define ER_WRONG_ARGUMENTS        1210
#define ER_MAX_PREPARED_STMT      1461
#define EXEC_HEAD                 10    /* command to iteration count */

/* The statement id after the command byte of a request at <h>. */
static uint32_t
get_id(const uint8_t *h)
{
    struct obp_rd rd;

    obp_rd_init(&rd, h + OBP_PKT_HDR_LEN + 1, 4);
    return obp_rd_u32(&rd);
}

static void
put_id(uint8_t *p, uint32_t id)
{
    struct obp_wr wr;

    obp_wr_init(&wr, p, 4);
    obp_wr_u32(&wr, id);
}

/* The server's answer to an unknown id, or a silent drop. */
static int
unknown(struct obp_session *s, uint8_t cmd, uint32_t id)
{
    const char *fn = cmd == OBP_COM_STMT_RESET ? "mysqld_stmt_reset"
                     : cmd == OBP_COM_STMT_FETCH ? "mysqld_stmt_fetch"
                     : "mysqld_stmt_execute";
    char        msg[128];

    if (cmd == OBP_COM_STMT_CLOSE || cmd == OBP_COM_STMT_SEND_LONG_DATA)
        return obp_req_refuse(s, 1, 0, "", NULL);   /* no answer */
    snprintf(msg, sizeof(msg), "Unknown prepared statement handler (%u) "
             "given to %s", id, fn);
    return obp_req_refuse(s, 1, ER_UNKNOWN_STMT_HANDLER, "HY000", msg);
}

static int
prepare(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    const uint8_t *h = b->data + b->parse;
    char           msg[128];

    if (s->st.nstmts >= OBP_SSTATE_MAX_STMTS) {
        snprintf(msg, sizeof(msg), "Can't create more than "
                 "max_prepared_stmt_count statements (current value: %u)",
                 OBP_SSTATE_MAX_STMTS);
        return obp_req_refuse(s, 1, ER_MAX_PREPARED_STMT, "42000", msg);
    }
    /* a text that never fits the buffer is not kept */
    if (OBP_PKT_HDR_LEN + (size_t)len > OBP_IOBUF_SIZE) {
        obp_sstate_prep_text(&s->st, NULL, 0);
        return OBP_OK;
    }
    if (b->recv - b->parse < OBP_PKT_HDR_LEN + (size_t)len)
        return OBP_AGAIN;
    obp_sstate_prep_text(&s->st, (const char *)h + OBP_PKT_HDR_LEN + 1,
                         len - 1);
    return OBP_OK;
}

/*
 * The first execute on a new server session without types: they are
 * inserted after the flag at <at>, which becomes 1.
 */
static int
add_types(struct obp_session *s, struct obp_iobuf *b, struct obp_stmt *stmt,
          uint32_t len, size_t at)
{
    size_t   n = 2u * stmt->params, whole = OBP_PKT_HDR_LEN + (size_t)len;
    uint8_t *h;

    if (whole + n <= OBP_IOBUF_SIZE && b->recv - b->parse < whole)
        return OBP_AGAIN;
    if (b->recv + n > OBP_IOBUF_SIZE)
        obp_iobuf_compact(b);
    if (whole + n > OBP_IOBUF_SIZE || b->recv + n > OBP_IOBUF_SIZE)
        return obp_req_refuse(s, 1, ER_WRONG_ARGUMENTS, "HY000",
                              "obproxy: the statement was prepared again "
                              "on a new server session; execute it with "
                              "its parameters bound again");
    h = b->data + b->parse;
    memmove(h + at + 1 + n, h + at + 1, b->recv - b->parse - at - 1);
    memcpy(h + at + 1, stmt->types, n);
    h[at] = 1;
    b->recv += n;
    obp_pkt_put_hdr(h, len + (uint32_t)n, h[3]);
    return OBP_OK;
}

/*
 * COM_STMT_EXECUTE: its types recorded, or added for a server session
 * that never saw them (<e>: the statement there).
 */
static int
execute(struct obp_session *s, struct obp_iobuf *b, struct obp_stmt *stmt,
        struct obp_srvstmt *e, uint32_t len)
{
    size_t         avail = b->recv - b->parse;
    size_t         at = OBP_PKT_HDR_LEN + EXEC_HEAD + (stmt->params + 7u) / 8;
    size_t         n = 2u * stmt->params;
    const uint8_t *h = b->data + b->parse;
    int            rc;

    if (stmt->params == 0 || OBP_PKT_HDR_LEN + (size_t)len < at + 1)
        return OBP_OK;
    if (avail < at + 1)
        return at + 1 <= OBP_IOBUF_SIZE ? OBP_AGAIN : OBP_OK;
    if (h[at] == 1) {
        /* types that never fit the buffer: the earlier ones stay */
        if (avail < at + 1 + n && at + 1 + n <= OBP_IOBUF_SIZE
            && OBP_PKT_HDR_LEN + (size_t)len >= at + 1 + n)
            return OBP_AGAIN;
        if (avail >= at + 1 + n)
            obp_sstate_stmt_types(&s->st, stmt, h + at + 1);
        e->types_sent = true;
        return OBP_OK;
    }
    if (e->types_sent || stmt->types == NULL)
        return OBP_OK;
    rc = add_types(s, b, stmt, len, at);
    if (rc == OBP_OK && !s->req.drop)
        e->types_sent = true;
    return rc;
}

/*
 * Notes the changes an execute of <stmt> makes.  Its text reads the same
 * at every execute: once found to change nothing under the session's
 * escape mode, it is not scanned again.
 */
static void
scan_text(struct obp_session *s, struct obp_stmt *stmt)
{
    bool     bs = (s->status & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES) == 0;
    unsigned before = s->st.npend;

    if (stmt->quiet && stmt->quiet_bs == bs)
        return;
    obp_ssync_scan(s, stmt->text, stmt->text_len, false, false);
    stmt->quiet = s->st.npend == before && !s->st.pend_failed;
    stmt->quiet_bs = bs;
}

/*
 * The server session's id goes in place of the client's; a close goes
 * only to a server session that has the statement, and forgets it.
 */
static int
close_or_rewrite(struct obp_session *s, uint8_t *h, uint8_t cmd, uint32_t id,
                 struct obp_srvstmt *e)
{
    struct obp_srvstmt_map *m = &s->srv->stmts;
    uint32_t                sid;

    /* "the last prepared" means the same on the server */
    if (id == OBP_STMT_LAST_PREPARED)
        return OBP_OK;
    if (cmd == OBP_COM_STMT_CLOSE) {
        if ((e = obp_srvstmt_get(m, id)) == NULL)
            return obp_req_refuse(s, 1, 0, "", NULL);   /* no answer */
        sid = e->sid;
        obp_srvstmt_del(m, id);
        put_id(h + OBP_PKT_HDR_LEN + 1, sid);
        return OBP_OK;
    }
    put_id(h + OBP_PKT_HDR_LEN + 1, e->sid);
    return OBP_OK;
}

static bool
executes(uint8_t cmd)
{
    return cmd == OBP_COM_STMT_EXECUTE || cmd == OBP_COM_STMT_BULK_EXECUTE;
}

/*
 * A known statement the server session does not have (it was prepared
 * on another one, sroute.h): a close or long data needs nothing there, a
 * reset is answered as done, the rest as an unknown id.
 */
static int
not_here(struct obp_session *s, uint8_t cmd, uint32_t id)
{
    if (cmd == OBP_COM_STMT_RESET)
        return obp_req_answer_ok(s, s->status);
    return unknown(s, cmd, id);
}

/* How the lexer reads a statement's text in this session (qtimeout.h). */
static unsigned
exec_lex_flags(const struct obp_session *s)
{
    return (s->status & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES) != 0
           ? 0 : OBP_SQL_BACKSLASH;
}

int
obp_stmtid_request(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    uint8_t            *h = b->data + b->parse;
    uint8_t             cmd = h[OBP_PKT_HDR_LEN];
    uint32_t            id;
    struct obp_stmt    *stmt;
    struct obp_srvstmt *e = NULL;
    int                 rc = OBP_OK;

    if (cmd == OBP_COM_STMT_PREPARE)
        return prepare(s, b, len);
    if (len < 5)
        return OBP_OK;          /* malformed: the server answers it */
    if (b->recv - b->parse < OBP_PKT_HDR_LEN + 5)
        return OBP_AGAIN;
    id = get_id(h);
    stmt = id == OBP_STMT_LAST_PREPARED && executes(cmd)
           ? obp_sstate_stmt(&s->st, s->st.last_id)
           : obp_sstate_stmt(&s->st, id);
    if (stmt == NULL && id != OBP_STMT_LAST_PREPARED)
        return unknown(s, cmd, id);
    if (cmd == OBP_COM_STMT_CLOSE && stmt != NULL) {
        obp_sroute_stmt_closed(s, stmt->id);
        obp_sstate_stmt_remove(&s->st, stmt->id);
        stmt = NULL;
    }
    if (stmt != NULL && stmt->text != NULL && executes(cmd))
        s->req.time_limit_us = obp_sql_time_limit(stmt->text, stmt->text_len,
                                                  exec_lex_flags(s));
    if (stmt != NULL && (e = obp_srvstmt_get(&s->srv->stmts, stmt->id))
                        == NULL)
        return id == OBP_STMT_LAST_PREPARED ? OBP_OK : not_here(s, cmd, id);
    if (e != NULL && cmd == OBP_COM_STMT_EXECUTE) {
        rc = execute(s, b, stmt, e, len);
        if (rc != OBP_OK || s->req.drop)
            return rc;
        h = b->data + b->parse;     /* a compaction may have moved it */
        if (stmt->text != NULL)
            scan_text(s, stmt);
    }
    if (e != NULL && (executes(cmd) || cmd == OBP_COM_STMT_SEND_LONG_DATA)) {
        stmt->exec_server = s->srv->bl;
        stmt->long_data = cmd == OBP_COM_STMT_SEND_LONG_DATA;
    }
    return close_or_rewrite(s, h, cmd, id, e);
}

int
obp_stmtid_prepared(struct obp_session *s, uint8_t *p, size_t len)
{
    struct obp_rd rd;
    uint32_t      srv_id, id;
    uint16_t      params;

    obp_rd_init(&rd, p, len);
    obp_rd_u8(&rd);
    srv_id = obp_rd_u32(&rd);
    obp_rd_u16(&rd);
    params = obp_rd_u16(&rd);
    if (rd.err || obp_sstate_stmt_add(&s->st, params, s->db, &id) != OBP_OK)
        return OBP_ERROR;
    if (obp_srvstmt_put(&s->srv->stmts, id, srv_id) != OBP_OK) {
        obp_sstate_stmt_remove(&s->st, id);
        return OBP_ERROR;
    }
    put_id(p + 1, id);
    return OBP_OK;
}
